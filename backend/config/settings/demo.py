"""The demo: embedded SQLite, an embedded broker (or Redis when REDIS_URL is set), console email."""

from .base import *  # noqa: F403
from .base import VAR_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="demo-only-insecure-key-do-not-deploy")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
EMAIL_BACKEND = env.str(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
# Off by default so visitors can try every role at once; every page then says so in a banner.
FAIRFUND_REQUIRE_MFA = env.bool("FAIRFUND_REQUIRE_MFA", default=False)
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
