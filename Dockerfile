# syntax=docker/dockerfile:1
#
# Fairfund's image: one image for every role in docker-compose.yml (migrate, web, worker, beat).
#
#   docker build -t fairfund .        (or let `docker compose build` do it)
#
# Stage 1 builds the browser assets with npm (into frontend/static/vendor/). Stage 2 installs the
# Python package with its locked dependencies, takes the assets from stage 1 and runs collectstatic
# with the production settings, so the image serves its own static files (WhiteNoise). It runs as
# an unprivileged user; the default command is the web server.

# --- 1. Browser assets -------------------------------------------------------------------------
FROM node:22-slim AS assets
WORKDIR /src/frontend
# The manifest and lock file first, so `npm ci` stays cached until the dependencies change.
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY frontend/ ./
RUN npm run build

# --- 2. The application ------------------------------------------------------------------------
FROM python:3.11-slim AS app

# The source tree in /app is what runs (PYTHONPATH): manage.py, gunicorn and celery all import
# from it, so the settings' BASE_DIR is /app and its var/ and staticfiles/ are under /app.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=backend.config.settings.production \
    DJANGO_STATIC_ROOT=/app/staticfiles

RUN groupadd --system --gid 10001 fairfund \
    && useradd --system --uid 10001 --gid fairfund --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin fairfund

WORKDIR /app

# The dependencies first (pinned in pyproject.toml, the transitive ones locked by the constraints
# file): this layer stays cached until either changes. Then the project itself.
COPY pyproject.toml README.md ./
COPY requirements/ requirements/
RUN pip install -c requirements/constraints.txt . \
    && rm -rf build ./*.egg-info

COPY backend/ backend/
COPY frontend/ frontend/
COPY worker/ worker/
COPY --from=assets /src/frontend/static/vendor/ frontend/static/vendor/
RUN pip install -c requirements/constraints.txt . \
    && rm -rf build ./*.egg-info

COPY manage.py ./
COPY deploy/ deploy/

# collectstatic needs the production settings to load, not real secrets: a throwaway key that
# exists only in this build step (it is not part of the image's environment).
RUN DJANGO_SECRET_KEY="collectstatic-only-$(python -c 'import secrets; print(secrets.token_urlsafe(48))')" \
    DJANGO_ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput --verbosity 0 \
    && mkdir -p /app/var/uploads \
    && chown -R 10001:10001 /app/var

# Not root. var/ (bids' attachments in var/uploads, a volume; beat's schedule; the file cache
# when REDIS_URL is unset) is its only writable folder; the code and the collected static files
# belong to root and are read-only to it.
USER 10001:10001

EXPOSE 8000

# The web server; compose runs the worker, beat and migrate from this same image with their own
# commands. Its health check is in docker-compose.yml (GET /health/ via deploy/healthcheck.py).
CMD ["gunicorn", "--config", "deploy/gunicorn.conf.py", "backend.config.wsgi:application"]
