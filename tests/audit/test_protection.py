"""The database itself refuses changes to events: triggers for every role, and the app's role
may only SELECT and INSERT (it cannot ALTER the table either)."""

import os

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection, transaction
from psycopg import sql

from backend.audit.models import AuditEvent
from backend.audit.services import AuditActor, audit_record


def _event() -> AuditEvent:
    with transaction.atomic():
        return audit_record(by=AuditActor.system(), action="test.recorded", subject=("x", "1"))


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_can_run_before_the_trigger_tests():
    # Its flush bypasses the triggers as superuser; the next tests show they are back on.
    _event()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditevent SET action = 'x.y'",
        "DELETE FROM audit_auditevent",
        "TRUNCATE audit_auditevent",
    ],
)
def test_triggers_refuse_changes_even_to_the_superuser(statement):
    _event()
    with (
        pytest.raises(Exception, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert AuditEvent.objects.count() == 1


@pytest.fixture
def app_role(transactional_db):
    """A role like production's application role, granted by the real command."""
    role = f"fairfund_app_{os.environ['FAIRFUND_RUN_ID']}"
    call_command("db_grant_app_role", role, "--create")
    settings_dict = connection.settings_dict
    conn = psycopg.connect(
        host=settings_dict["HOST"] or "127.0.0.1",
        port=settings_dict["PORT"] or 5432,
        dbname=settings_dict["NAME"],
        user=role,
        autocommit=True,
    )
    yield conn
    conn.close()
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)).as_string(cursor.connection)
        )
        cursor.execute(
            sql.SQL("DROP ROLE {}").format(sql.Identifier(role)).as_string(cursor.connection)
        )


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditevent SET action = 'x.y'",
        "DELETE FROM audit_auditevent",
        "TRUNCATE audit_auditevent",
        "ALTER TABLE audit_auditevent DISABLE TRIGGER ALL",
        "ALTER TABLE audit_auditevent ADD COLUMN sneaky text",
        "DROP TRIGGER audit_event_no_update_or_delete ON audit_auditevent",
    ],
)
def test_the_application_role_is_refused(app_role, statement):
    _event()
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app_role.execute(statement)
    assert AuditEvent.objects.count() == 1


def test_the_application_role_may_read_and_append_and_owns_nothing(app_role):
    _event()
    assert app_role.execute("SELECT count(*) FROM audit_auditevent").fetchone() == (1,)
    owner = app_role.execute(
        "SELECT tableowner FROM pg_tables WHERE tablename = 'audit_auditevent'"
    ).fetchone()
    assert owner[0] != app_role.info.user
    # It can write ordinary tables (the head row moves with every append).
    app_role.execute("UPDATE audit_auditchainhead SET sequence = sequence WHERE id = 1")
    app_role.execute(
        "INSERT INTO audit_auditevent (sequence, occurred_at, actor_type, actor_id, action, subject_type,"
        " subject_id, data, previous_hash, hash) VALUES (2, now(), 'system', '', 'x.y', 'x', '1', '{}',"
        " repeat('0', 64), repeat('1', 64))"
    )
    assert AuditEvent.objects.count() == 2
