"""Twenty writers at once on PostgreSQL still make one unbroken chain."""

import threading

import pytest
from django.db import connection, transaction

from backend.audit.models import AuditEvent
from backend.audit.selectors import chain_verify
from backend.audit.services import AuditActor, audit_record

WRITERS = 20
EVENTS_EACH = 5


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_writers_make_one_chain():
    start = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(EVENTS_EACH):
                with transaction.atomic():
                    audit_record(
                        by=AuditActor.system(),
                        action="test.concurrent",
                        subject=("writer", str(n)),
                        data={"i": i},
                    )
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    sequences = list(AuditEvent.objects.order_by("sequence").values_list("sequence", flat=True))
    assert sequences == list(range(1, WRITERS * EVENTS_EACH + 1))
    verdict = chain_verify()
    assert verdict.ok, verdict.message
    assert verdict.events == WRITERS * EVENTS_EACH
