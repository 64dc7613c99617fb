"""docker-compose.yml, .env.example and the Dockerfile, checked without a Docker engine.

The compose file is parsed with PyYAML (merge keys included); the Dockerfile with a small
reader of its instructions. What the production settings require of the environment is read from
the settings' source, so a variable added there without a default shows up here.
"""

from __future__ import annotations

import ast
import os
import re
import secrets
import shlex
import subprocess
import sys
from fnmatch import fnmatch
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
ENV_EXAMPLE = ROOT / ".env.example"
SETTINGS_DIR = ROOT / "backend" / "config" / "settings"

SERVICES = {"postgres", "redis", "migrate", "web", "worker", "beat", "mailpit"}
APP_SERVICES = {"migrate", "web", "worker", "beat"}
PRODUCTION_SETTINGS = "backend.config.settings.production"


# --- Readers -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict[str, dict[str, Any]]:
    return compose["services"]


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=value lines, as compose reads an env_file (comments and blank lines skipped)."""
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}: not KEY=value: {line!r}"
        values[key.strip()] = value.strip()
    return values


@pytest.fixture(scope="module")
def env_example() -> dict[str, str]:
    return read_env_file(ENV_EXAMPLE)


def command_words(service: dict[str, Any]) -> list[str]:
    command = service.get("command")
    if command is None:
        return dockerfile_cmd()
    return shlex.split(command) if isinstance(command, str) else [str(w) for w in command]


def celery_app_of(words: list[str]) -> str | None:
    for i, word in enumerate(words):
        if word in {"-A", "--app"} and i + 1 < len(words):
            return words[i + 1]
        if word.startswith("--app="):
            return word.removeprefix("--app=")
        if word.startswith("-A") and len(word) > 2:
            return word[2:]
    return None


def interpolate(value: str, variables: dict[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default} and ${NAME:?error}, from .env; $$ is a literal $."""

    def substitute(match: re.Match[str]) -> str:
        name, operator, argument = match.group(1), match.group(2), match.group(3)
        if variables.get(name):
            return variables[name]
        assert operator != ":?", f"{name} must be set: {argument}"
        return argument if operator == ":-" else ""

    resolved = re.sub(
        r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:[-?])([^}]*))?\}", substitute, value
    )
    return resolved.replace("$$", "$")


def service_environment(service: dict[str, Any], env_example: dict[str, str]) -> dict[str, str]:
    """What a container of ``service`` gets: its env_file (.env is .env.example's copy), then
    its `environment:` (which wins, as in compose), interpolated from .env."""
    values: dict[str, str] = {}
    env_files = service.get("env_file", [])
    for entry in [env_files] if isinstance(env_files, (str, dict)) else env_files:
        path = entry["path"] if isinstance(entry, dict) else entry
        assert path == ".env", f"unexpected env_file {path!r}"
        values |= env_example
    environment = service.get("environment", {})
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    values |= {key: interpolate(str(value), env_example) for key, value in environment.items()}
    return values


def required_by_settings(module_file: Path) -> set[str]:
    """Variables the settings read with env.<type>("NAME") and no default: they must be set."""
    required = set()
    for node in ast.walk(ast.parse(module_file.read_text())):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "env"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and not any(k.arg == "default" for k in node.keywords)
            and len(node.args) == 1
        ):
            required.add(node.args[0].value)
    return required


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if line.startswith("#") or (not line and not pending):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        if line:
            keyword, _, arguments = line.partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
    assert not pending, "the Dockerfile ends inside a continued line"
    return instructions


def exec_form(arguments: str) -> list[str]:
    words = yaml.safe_load(arguments)  # a JSON array is valid YAML
    assert isinstance(words, list), f"not the exec (JSON array) form: {arguments}"
    return [str(w) for w in words]


def dockerfile_cmd() -> list[str]:
    [*_, cmd] = [args for keyword, args in dockerfile_instructions() if keyword == "CMD"]
    return exec_form(cmd)


def final_stage() -> list[tuple[str, str]]:
    instructions = dockerfile_instructions()
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    return instructions[last_from:]


# --- The compose file --------------------------------------------------------------------------


def test_compose_file_has_exactly_the_services(services):
    assert set(services) == SERVICES


def test_backing_services_use_their_official_images(services):
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    assert services["mailpit"]["image"].startswith("axllent/mailpit:")
    for name in ("postgres", "redis", "mailpit"):
        assert "build" not in services[name]
        assert not services[name]["image"].endswith(":latest")


def test_application_services_run_the_image_the_dockerfile_builds(services):
    images = {services[name]["image"] for name in APP_SERVICES}
    assert len(images) == 1
    for name in APP_SERVICES:
        build = services[name]["build"]
        assert build["context"] == "."
        assert build.get("dockerfile", "Dockerfile") == "Dockerfile"


def test_web_runs_gunicorn_on_the_wsgi_application(services):
    words = command_words(services["web"])

    assert words[0] == "gunicorn"
    assert "backend.config.wsgi:application" in words
    config = words[words.index("--config") + 1]
    assert (ROOT / config).is_file()


@pytest.mark.parametrize(("name", "subcommand"), [("worker", "worker"), ("beat", "beat")])
def test_worker_and_beat_run_the_celery_app(services, name, subcommand):
    words = command_words(services[name])

    assert words[0] == "celery"
    assert celery_app_of(words) == "worker.celery"
    assert subcommand in words


def test_the_celery_app_they_name_exists():
    from celery import Celery

    from worker.celery import app

    assert isinstance(app, Celery)
    assert "fairfund.worker_heartbeat" in app.conf.beat_schedule["worker-heartbeat"]["task"]


def test_migrate_is_a_one_shot_service_that_then_grants_the_app_role(services):
    migrate = services["migrate"]
    shell, flag, script = command_words(migrate)

    assert (shell, flag) == ("sh", "-c")
    migrate_step, grant_step = script.split(" && ")
    assert migrate_step == "python manage.py migrate --noinput"
    assert (
        grant_step == 'exec python manage.py db_grant_app_role "$${FAIRFUND_APP_DB_USER}" --create'
    )
    assert migrate["restart"] == "no"


def test_the_grant_command_exists():
    from django.core.management import get_commands

    assert "db_grant_app_role" in get_commands()


def test_worker_is_scalable(services):
    worker = services["worker"]

    assert "container_name" not in worker
    assert "ports" not in worker


def test_beat_runs_once(services):
    assert "container_name" not in services["beat"]  # one instance, but not pinned by name
    assert "deploy" not in services["beat"] or services["beat"]["deploy"].get("replicas", 1) == 1


def test_web_healthcheck_gets_health(services):
    test = services["web"]["healthcheck"]["test"]
    words = test[1:] if test[0] in {"CMD", "CMD-SHELL"} else test

    assert any("/health/" in word for word in words)
    assert "deploy/healthcheck.py" in words
    assert (ROOT / "deploy" / "healthcheck.py").is_file()


@pytest.mark.parametrize("name", ["postgres", "redis", "web", "worker"])
def test_long_running_services_have_healthchecks(services, name):
    assert services[name]["healthcheck"]["test"]


@pytest.mark.parametrize("name", ["web", "worker", "beat"])
def test_app_services_wait_for_healthy_backing_services_and_migrations(services, name):
    depends_on = services[name]["depends_on"]

    assert depends_on["postgres"]["condition"] == "service_healthy"
    assert depends_on["redis"]["condition"] == "service_healthy"
    assert depends_on["migrate"]["condition"] == "service_completed_successfully"


def test_migrate_waits_for_a_healthy_database(services):
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_mailpit_catches_smtp_on_1025_and_shows_it_on_8025(services, env_example):
    mailpit = services["mailpit"]

    assert "1025" in [str(port) for port in mailpit.get("expose", [])]
    # Every caught message (sign-in links included) is in that UI: loopback only.
    assert [str(port) for port in mailpit["ports"]] == [
        "127.0.0.1:${FAIRFUND_MAILPIT_UI_PORT:-8025}:8025"
    ]
    assert env_example["EMAIL_HOST"] == "mailpit"
    assert env_example["EMAIL_PORT"] == "1025"


def test_data_lives_in_named_volumes(compose, services):
    assert {"postgres-data", "redis-data"} <= set(compose["volumes"])
    assert "postgres-data:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert "redis-data:/data" in services["redis"]["volumes"]


@pytest.mark.parametrize("name", ["web", "worker"])
def test_attachments_live_in_a_volume_at_the_upload_root(compose, services, name):
    assert "uploads" in compose["volumes"]
    assert "uploads:/app/var/uploads" in services[name]["volumes"]
    # The image's var/ is /app/var, and the settings keep uploads in var/uploads by default.
    assert "mkdir -p /app/var/uploads" in DOCKERFILE.read_text()


# --- The environment ---------------------------------------------------------------------------


def test_production_settings_requirements_are_read_from_their_source():
    # The reader itself: production.py reads these two with no default today.
    assert {"DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"} <= required_by_settings(
        SETTINGS_DIR / "production.py"
    )


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_every_variable_production_requires_is_provided(services, env_example, name):
    environment = service_environment(services[name], env_example)
    required = (
        required_by_settings(SETTINGS_DIR / "production.py")
        | required_by_settings(SETTINGS_DIR / "base.py")
        # Defaulted in base.py to the demo's SQLite and filesystem broker, which would not be
        # shared between containers: compose must set them.
        | {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "EMAIL_HOST", "EMAIL_PORT"}
    )

    missing = sorted(var for var in required if not environment.get(var))
    assert not missing, f"{name} lacks {missing}"
    assert environment["DJANGO_SETTINGS_MODULE"] == PRODUCTION_SETTINGS


@pytest.mark.parametrize("name", ["web", "worker", "beat"])
def test_the_application_connects_as_its_own_role(env_example, services, name):
    environment = service_environment(services[name], env_example)
    database = urlsplit(environment["DATABASE_URL"])
    redis_url = urlsplit(environment["REDIS_URL"])

    assert database.scheme in {"postgres", "postgresql"}
    assert database.hostname == "postgres"
    assert database.username == env_example["FAIRFUND_APP_DB_USER"]
    assert database.password == env_example["FAIRFUND_APP_DB_PASSWORD"]
    assert database.username != env_example["POSTGRES_USER"]
    assert database.path.lstrip("/") == env_example["POSTGRES_DB"]
    assert redis_url.scheme == "redis"
    assert redis_url.hostname == "redis"


def test_migrate_connects_as_the_owner(env_example, services):
    environment = service_environment(services["migrate"], env_example)
    database = urlsplit(environment["DATABASE_URL"])

    # The role, password and database the postgres service creates.
    assert database.hostname == "postgres"
    assert database.username == env_example["POSTGRES_USER"]
    assert database.password == env_example["POSTGRES_PASSWORD"]
    assert database.path.lstrip("/") == env_example["POSTGRES_DB"]
    assert environment["FAIRFUND_APP_DB_PASSWORD"]


def test_every_variable_the_compose_file_interpolates_is_documented(env_example):
    text = "\n".join(
        line for line in COMPOSE_FILE.read_text().splitlines() if not line.lstrip().startswith("#")
    )
    # ${NAME}, ${NAME:-default}, ${NAME:?error}; $${NAME} is escaped for the container's shell.
    names = set(re.findall(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)", text))

    assert names
    assert names <= set(env_example)


def test_the_example_secret_key_is_refused_by_production(env_example):
    """The placeholder must be changed: production settings will not start with it."""
    result = load_production_settings(env_example)

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_settings_load_and_pass_deploy_checks_with_the_example_env(env_example):
    values = env_example | {"DJANGO_SECRET_KEY": secrets.token_urlsafe(50)}

    result = load_production_settings(values, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr


def load_production_settings(values: dict[str, str], *manage_args: str):
    """manage.py with only the example's environment (plus PATH), as a container would have it."""
    environment = {"PATH": os.environ.get("PATH", ""), **values}
    command = (
        [sys.executable, "manage.py", *manage_args]
        if manage_args
        else [sys.executable, "-c", "import django; django.setup()"]
    )
    return subprocess.run(
        command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


# --- The Dockerfile ----------------------------------------------------------------------------


def test_dockerfile_exists():
    assert DOCKERFILE.is_file()


def test_image_is_python_311_slim():
    [(keyword, arguments), *_] = final_stage()

    assert keyword == "FROM"
    assert arguments.split()[0] == "python:3.11-slim"


def test_image_runs_as_a_non_root_user():
    users = [args for keyword, args in final_stage() if keyword == "USER"]

    assert users, "no USER: the container would run as root"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}
    # Nothing after the last USER switches back.
    last_user = max(i for i, (keyword, _) in enumerate(final_stage()) if keyword == "USER")
    assert all(keyword != "USER" for keyword, _ in final_stage()[last_user + 1 :])


def test_image_command_is_gunicorn_on_the_wsgi_application():
    instructions = dict(final_stage())
    command = dockerfile_cmd()
    entrypoint = exec_form(instructions["ENTRYPOINT"]) if "ENTRYPOINT" in instructions else []

    words = entrypoint + command
    assert "gunicorn" in words[0]
    assert "backend.config.wsgi:application" in words


def test_python_dependencies_install_with_the_constraints_file():
    runs = [args for keyword, args in final_stage() if keyword == "RUN"]

    assert any("pip install -c requirements/constraints.txt ." in run for run in runs)


def test_static_assets_are_built_with_npm_then_collected():
    instructions = dockerfile_instructions()
    node_stage = next(args for keyword, args in instructions if keyword == "FROM")
    runs = [args for keyword, args in instructions if keyword == "RUN"]

    assert node_stage.startswith("node:")
    assert any(run.startswith("npm ci") for run in runs)
    assert "npm run build" in runs
    collect = [run for run in runs if "collectstatic" in run]
    assert collect
    assert "--noinput" in collect[0]
    assert any(
        keyword == "ENV" and f"DJANGO_SETTINGS_MODULE={PRODUCTION_SETTINGS}" in args
        for keyword, args in final_stage()
    )
    copies = [args for keyword, args in final_stage() if keyword == "COPY"]
    assert any(c.startswith("--from=assets") and "static/vendor" in c for c in copies)


def copy_sources() -> list[str]:
    """Paths the Dockerfile copies from the build context (not from another stage)."""
    sources = []
    for keyword, arguments in dockerfile_instructions():
        if keyword != "COPY":
            continue
        words = [w for w in arguments.split() if not w.startswith("--")]
        if any(w.startswith("--from") for w in arguments.split()):
            continue
        sources += words[:-1]
    return sources


def test_everything_the_dockerfile_copies_exists():
    for source in copy_sources():
        assert (ROOT / source).exists(), f"COPY {source}: no such file in the repository"


def dockerignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def ignored(path: str, patterns: list[str]) -> bool:
    verdict = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        pattern = pattern.removeprefix("!").removeprefix("**/")
        if fnmatch(path, pattern) or fnmatch(path.rstrip("/"), pattern):
            verdict = not negated
    return verdict


def test_dockerignore_keeps_secrets_and_local_state_out_but_not_the_sources():
    patterns = dockerignore_patterns()

    for secret_or_state in [".env", ".git", ".venv", "node_modules", "var", "staticfiles"]:
        assert ignored(secret_or_state, patterns), f"{secret_or_state} is sent to the build"
    for source in copy_sources():
        assert not ignored(source.rstrip("/"), patterns), f".dockerignore drops {source}"


def test_gunicorn_config_listens_on_the_port_compose_publishes(services):
    config: dict[str, Any] = {}
    exec(
        compile((ROOT / "deploy" / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"),
        config,
    )

    assert config["bind"] == "0.0.0.0:8000"
    assert config["control_socket_disable"] is True
    assert any(str(port).endswith(":8000") for port in services["web"]["ports"])
