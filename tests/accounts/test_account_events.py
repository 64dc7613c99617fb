"""Changes allauth makes to an account are recorded in the audit chain, with no personal data."""

import re

import pytest
from django.core import mail
from django.test import Client

from backend.accounts.models import User
from backend.audit.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _actions(user: User) -> list[str]:
    return list(
        AuditEvent.objects.filter(
            subject_type="accounts.user", subject_id=str(user.pk)
        ).values_list("action", flat=True)
    )


def test_sign_up_and_email_verification_are_recorded():
    client = Client()
    client.post(
        "/accounts/signup/",
        {
            "email": "new.resident@example.org",
            "password1": "a long passphrase 42",
            "password2": "a long passphrase 42",
        },
    )
    user = User.objects.get(email="new.resident@example.org")
    assert _actions(user) == ["user.signed_up"]
    link = re.search(
        r"https?://[^/]+(/accounts/confirm-email/[^/\s]+/)", mail.outbox[-1].body
    ).group(1)
    client.post(link)
    assert _actions(user) == ["user.signed_up", "user.email_verified"]
    event = AuditEvent.objects.get(action="user.signed_up")
    assert "new.resident" not in str(event.data)


def test_only_known_account_actions_are_recorded():
    from backend.accounts.services import account_event_record

    user = UserFactory()
    with pytest.raises(ValueError, match="not an account action"):
        account_event_record(user=user, action="user.deleted_everything")
    assert _actions(user) == []
