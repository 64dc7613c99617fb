"""A URLconf for tests only: a view that writes a row and queues a task, like a service does."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.urls import path

from backend.core.queue import queue_task_on_commit
from tests.factories import UserFactory

PROBE_TASK = "fairfund.test_probe"


def write_and_queue(request: HttpRequest) -> JsonResponse:
    with transaction.atomic():
        user = UserFactory()
        queue_task_on_commit(PROBE_TASK, args=(user.pk,))
    return JsonResponse({"user": user.pk}, status=201)


urlpatterns = [path("probe/write-and-queue/", write_and_queue)]
