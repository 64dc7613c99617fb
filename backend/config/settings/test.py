"""The test suite: real PostgreSQL and Redis, isolated per run.

Each run gets its own database name, Redis key prefix and Celery queue from FAIRFUND_RUN_ID
(set by the test command; a fresh random one otherwise), so a demo or another run on the same
services can neither see its rows nor take its tasks; each pytest-xdist worker counts as a run.
"""

import os
import secrets

os.environ.setdefault("FAIRFUND_RUN_ID", secrets.token_hex(4))
# Under pytest-xdist each worker is a run of its own (its own database, keys and queue). A worker
# inherits the controller's environment: its unsuffixed names are replaced, once; the processes
# a test starts inherit the suffixed id and whatever names the test gives them.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
_BASE_ID = os.environ["FAIRFUND_RUN_ID"]
if _WORKER and not _BASE_ID.endswith(_WORKER):
    os.environ["FAIRFUND_RUN_ID"] = _BASE_ID + _WORKER
    for _name in ("FAIRFUND_CACHE_PREFIX", "FAIRFUND_QUEUE"):
        if os.environ.get(_name) == f"fairfund-test-{_BASE_ID}":
            del os.environ[_name]
RUN_ID = os.environ["FAIRFUND_RUN_ID"]
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
os.environ.setdefault("FAIRFUND_CACHE_PREFIX", f"fairfund-test-{RUN_ID}")
os.environ.setdefault("FAIRFUND_QUEUE", f"fairfund-test-{RUN_ID}")

from .base import *  # noqa: E402,F403
from .base import DATABASES, env  # noqa: E402

SECRET_KEY = "test-only-insecure-key"
DEBUG = False
ALLOWED_HOSTS = ["*"]
DATABASES["default"]["TEST"] = {"NAME": f"test_fairfund_{RUN_ID}"}
DATABASES["default"]["CONN_MAX_AGE"] = 0
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Worker processes started by tests write email to files (DJANGO_EMAIL_BACKEND, EMAIL_FILE_PATH).
EMAIL_BACKEND = env.str(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend"
)
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default="")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
FAIRFUND_REQUIRE_MFA = True
