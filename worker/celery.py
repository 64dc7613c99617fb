"""The Celery app. Reads Django settings with the CELERY_ namespace; tasks live in worker.tasks."""

from __future__ import annotations

import os

import django
from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings.demo")
django.setup()

app = Celery("fairfund")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.imports = ("worker.tasks",)
app.conf.beat_schedule = {
    "worker-heartbeat": {"task": "fairfund.worker_heartbeat", "schedule": 30.0},
}
app.conf.task_routes = {"fairfund.*": {"queue": app.conf.task_default_queue}}
