"""The web container's health check: GET /health/ as the TLS proxy in front would send it.

    python deploy/healthcheck.py [URL]      (default http://127.0.0.1:8000/health/)

Exits 0 when the service answers 200 ("ok") and 1 otherwise: 503 ("degraded": the database,
the broker or the worker is down), a redirect, an error or no answer within the timeout. The
request carries a Host that DJANGO_ALLOWED_HOSTS allows and X-Forwarded-Proto: https, so the
production settings (ALLOWED_HOSTS, SECURE_SSL_REDIRECT) treat it like any proxied request.
Standard library only: the image has no curl.
"""

from __future__ import annotations

import os
import secrets
import sys
import urllib.error
import urllib.request

DEFAULT_URL = "http://127.0.0.1:8000/health/"
TIMEOUT_SECONDS = 8


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer (and a misconfiguration), not something to follow."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def probe_host(allowed_hosts: str) -> str:
    """A Host header that DJANGO_ALLOWED_HOSTS (comma-separated, as the settings read it) allows."""
    for entry in allowed_hosts.split(","):
        host = entry.strip()
        if host and host != "*":
            # ".example.org" allows example.org and its subdomains.
            return host.lstrip(".")
    return "localhost"


def check(url: str, *, allowed_hosts: str) -> tuple[int, str]:
    """(HTTP status or 0 when there was no answer, the start of the body or the error)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())
    request = urllib.request.Request(  # noqa: S310 (the URL is ours: http to the container)
        url,
        headers={
            "Host": probe_host(allowed_hosts),
            "X-Forwarded-Proto": "https",
            "X-Request-ID": f"healthcheck-{secrets.token_hex(6)}",
            "Accept": "application/json",
        },
    )
    try:
        with opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status, response.read(2000).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(2000).decode("utf-8", "replace")
    except OSError as exc:
        return 0, f"no answer from {url}: {exc}"


def main(argv: list[str]) -> int:
    url = argv[1] if len(argv) > 1 else DEFAULT_URL
    status, body = check(url, allowed_hosts=os.environ.get("DJANGO_ALLOWED_HOSTS", ""))
    print(f"{status or 'no answer'} {body}")
    return 0 if status == 200 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
