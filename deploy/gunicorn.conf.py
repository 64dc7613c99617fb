"""Gunicorn's settings for the web container (the web service in docker-compose.yml).

Workers and threads come from WEB_CONCURRENCY and GUNICORN_THREADS. Logs are JSON lines on
stderr like the application's; each access line carries the response's X-Request-ID.
"""

import os

# In a container the server must listen on every interface; only the proxy reaches the port.
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = 1000
max_requests_jitter = 100
# Gunicorn's own worker heartbeat files, in memory: a container's /tmp may be a slow overlay.
_shared_memory = "/dev/shm"  # noqa: S108 (files only gunicorn's processes use, not data)
worker_tmp_dir = _shared_memory if os.path.isdir(_shared_memory) else None
# The TLS proxy in front sets X-Forwarded-Proto (Django trusts it via SECURE_PROXY_SSL_HEADER).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")
# No control socket: the unprivileged user has no home directory to put it in.
control_socket_disable = True

accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms request_id=%({x-request-id}o)s'
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        },
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
