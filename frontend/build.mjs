// Builds the browser assets into static/vendor/ (git-ignored; `npm ci && npm run build`).
//
//   fairfund.css             scss/fairfund.scss compiled with GOV.UK Frontend's Sass
//   assets/...               every file that stylesheet's url()s point at, from govuk-frontend
//   govuk-frontend.min.js    GOV.UK Frontend's ES module (+ its source map)
//   htmx.min.js              htmx
//
// Django's ManifestStaticFilesStorage (production) rewrites url()s and sourceMappingURLs and fails
// on a missing target, so this script fails first, here, if anything referenced is not copied.

import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, posix, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as sass from 'sass'

const here = dirname(fileURLToPath(import.meta.url))
const modules = join(here, 'node_modules')
const out = join(here, 'static', 'vendor')
const govukDist = join(modules, 'govuk-frontend', 'dist', 'govuk')

function copy (from, to) {
  if (!existsSync(from)) throw new Error(`build: missing ${relative(here, from)} (run npm ci)`)
  mkdirSync(dirname(to), { recursive: true })
  copyFileSync(from, to)
  console.log(`  ${relative(here, to)}`)
}

rmSync(out, { recursive: true, force: true })
mkdirSync(out, { recursive: true })
console.log(`Building into ${relative(process.cwd(), out) || '.'}`)

// 1. The stylesheet. GOV.UK Frontend 5 is configured by setting variables before @import-ing it,
// so that one deprecation is expected; quietDeps keeps its own code's warnings out of the log.
const compiled = sass.compile(join(here, 'scss', 'fairfund.scss'), {
  loadPaths: [modules],
  style: 'compressed',
  quietDeps: true,
  silenceDeprecations: ['import'],
  sourceMap: false
})
if (/GDS Transport/.test(compiled.css)) {
  throw new Error('build: the CSS mentions GDS Transport; it is licensed for GOV.UK only')
}
writeFileSync(join(out, 'fairfund.css'), compiled.css + '\n')
console.log('  static/vendor/fairfund.css')

// 2. The assets the stylesheet references (url("assets/images/...")), relative to it.
const referenced = new Set()
for (const match of compiled.css.matchAll(/url\(\s*["']?([^"')]+)["']?\s*\)/g)) {
  const target = match[1]
  if (/^(data:|#|[a-z]+:\/\/|\/)/i.test(target)) continue
  referenced.add(posix.normalize(target.split(/[?#]/)[0]))
}
for (const target of referenced) {
  if (!target.startsWith('assets/')) throw new Error(`build: unexpected url(${target}) in the CSS`)
  copy(join(govukDist, target), resolve(out, target))
}

// 3. Scripts: ES module with its source map (its sourceMappingURL must resolve), and htmx.
copy(join(govukDist, 'govuk-frontend.min.js'), join(out, 'govuk-frontend.min.js'))
copy(join(govukDist, 'govuk-frontend.min.js.map'), join(out, 'govuk-frontend.min.js.map'))
copy(join(modules, 'htmx.org', 'dist', 'htmx.min.js'), join(out, 'htmx.min.js'))

console.log('Done.')
