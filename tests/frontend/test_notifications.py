"""The notifications page: the in-app list, marking read, and which kinds come by email."""

import pytest

from backend.accounts.models import Role
from backend.accounts.services import role_grant
from backend.notifications.models import Channel, EmailPreference, Notification
from tests.factories import UserFactory, actor, signed_in_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def granted(officer, panel):
    person = UserFactory()
    role_grant(actor=actor(officer), user=person, role=Role.PANEL_MEMBER, panel=panel)
    return person


def test_a_person_sees_their_notices_and_marks_one_read(granted, panel):
    client = signed_in_client(granted)
    page = client.get("/notifications/").content.decode()
    assert "You are now Panel member" in page
    assert panel.name in page
    assert 'Notifications <span class="ff-count">(1' in client.get("/").content.decode()
    row = Notification.objects.get(recipient_user=granted, channel=Channel.IN_APP)
    response = client.post(f"/notifications/{row.pk}/read/")
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.read_at is not None
    assert "Mark as read" not in client.get("/notifications/").content.decode()


def test_nobody_else_sees_or_marks_them(granted):
    row = Notification.objects.get(recipient_user=granted, channel=Channel.IN_APP)
    stranger = signed_in_client(UserFactory())
    assert "You are now" not in stranger.get("/notifications/").content.decode()
    stranger.post(f"/notifications/{row.pk}/read/")
    row.refresh_from_db()
    assert row.read_at is None


def test_choosing_email_kinds_without_javascript(granted):
    client = signed_in_client(granted)
    response = client.post("/notifications/", {"kinds": ["organisation_invitation"]})
    assert response.status_code == 302
    chosen = dict(EmailPreference.objects.filter(user=granted).values_list("kind", "email"))
    assert chosen == {
        "organisation_invitation": True,
        "role_granted": False,
        "role_revoked": False,
        "fund_opened": False,
        "bid_screened": False,
        "bid_submitted": False,
        "bid_withdrawn": False,
        "conflict_flagged": False,
        "sheet_reopened": False,
        "scoring_reminder": False,
        "shortlist_decided": False,
    }
    page = client.get("/notifications/").content.decode()
    assert 'value="organisation_invitation" checked' in page
    assert 'value="role_granted" checked' not in page


def test_an_unknown_kind_is_a_field_error_and_changes_nothing(granted):
    client = signed_in_client(granted)
    response = client.post("/notifications/", {"kinds": ["everything"]})
    assert response.status_code == 200
    assert "govuk-error-message" in response.content.decode()
    assert not EmailPreference.objects.filter(user=granted).exists()


def test_anonymous_visitors_are_sent_to_sign_in(client):
    assert client.get("/notifications/")["Location"].startswith("/accounts/login/")
