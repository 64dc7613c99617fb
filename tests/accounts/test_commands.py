"""Installation commands: the first officer, and the demo's seed (idempotent)."""

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command

from backend.accounts.models import Organisation, Role, RoleGrant, User
from backend.funds.models import Council, Locality, Panel

pytestmark = pytest.mark.django_db


def test_create_officer_makes_the_council_and_a_verified_officer(monkeypatch, capsys):
    monkeypatch.setenv("FAIRFUND_OFFICER_PASSWORD", "a long enough passphrase 42")
    call_command(
        "create_officer",
        "--email",
        "Lead@Council.gov.uk",
        "--council",
        "Northbridge Borough Council",
    )
    user = User.objects.get(email="lead@council.gov.uk")
    assert user.check_password("a long enough passphrase 42")
    assert EmailAddress.objects.get(user=user).verified
    assert RoleGrant.objects.get(user=user).role == Role.COUNCIL_OFFICER
    assert Council.objects.get().name == "Northbridge Borough Council"
    assert "is a council officer of Northbridge Borough Council" in capsys.readouterr().out


def test_create_officer_refuses_a_weak_password(monkeypatch):
    monkeypatch.setenv("FAIRFUND_OFFICER_PASSWORD", "123")
    with pytest.raises(CommandError, match="Password refused"):
        call_command("create_officer", "--email", "a@b.org", "--council", "C")
    assert not User.objects.exists()


def test_seed_demo_gives_every_role_and_runs_twice(capsys):
    call_command("seed_demo")
    counts = (
        User.objects.count(),
        RoleGrant.objects.count(),
        Organisation.objects.count(),
        Locality.objects.count(),
        Panel.objects.count(),
    )
    call_command("seed_demo")
    assert counts == (
        User.objects.count(),
        RoleGrant.objects.count(),
        Organisation.objects.count(),
        Locality.objects.count(),
        Panel.objects.count(),
    )
    assert Locality.objects.count() == 2
    assert Organisation.objects.count() == 8
    roles = set(RoleGrant.objects.values_list("role", flat=True))
    assert roles == {r.value for r in Role}
    chair = RoleGrant.objects.get(role=Role.PANEL_CHAIR)
    assert chair.term_starts_on is not None
    assert chair.term_ends_on is not None
    out = capsys.readouterr().out
    assert "officer@demo.fairfund.local" in out
    assert "fairfund-demo-2026" in out
