"""Seed the demo: a council, two localities, a panel, two organisations, one user per role.

Idempotent: running it again changes nothing and prints the same credentials.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from backend.accounts.models import Role
from backend.accounts.permissions import Actor, holds
from backend.accounts.selectors import organisations_for_user
from backend.accounts.services import (
    OrganisationDetails,
    officer_bootstrap,
    organisation_create,
    role_grant,
    user_create_verified,
)
from backend.funds.models import Locality, Panel
from backend.funds.services import council_create, locality_create, panel_create

PASSWORD = "fairfund-demo-2026"

PEOPLE = [
    ("officer@demo.fairfund.local", "Olu Officer", "Council officer, Northbridge Borough Council"),
    ("auditor@demo.fairfund.local", "Ada Auditor", "Auditor, Northbridge Borough Council"),
    ("chair@demo.fairfund.local", "Chidi Chair", "Chair, Riverside Community Panel"),
    ("member1@demo.fairfund.local", "Megan Member", "Member, Riverside Community Panel"),
    ("member2@demo.fairfund.local", "Mo Member", "Member, Riverside Community Panel"),
    ("applicant1@demo.fairfund.local", "Priya Applicant", "Applicant, Riverside Play CIC"),
    ("applicant2@demo.fairfund.local", "Sam Applicant", "Applicant, Hillcrest Family Trust"),
    ("resident@demo.fairfund.local", "Rosa Resident", "Resident (no role)"),
]


class Command(BaseCommand):
    help = "Seed demo data (idempotent) and print the demo credentials."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        users = {
            email: user_create_verified(email=email, password=PASSWORD, full_name=name)
            for email, name, _role in PEOPLE
        }
        council = council_create(name="Northbridge Borough Council", brand_colour="#00594f")
        officer = officer_bootstrap(
            email="officer@demo.fairfund.local", password=PASSWORD, council=council
        )
        # The seed acts as the officer, as if signed in with a second factor.
        acting = Actor(user=officer, mfa_verified=True)
        localities = []
        for name, wards, postcodes in (
            ("Riverside", ["E05011234", "E05011235"], ["NB1 1", "NB1 2"]),
            ("Hillcrest", ["E05011240"], ["NB4"]),
        ):
            existing = Locality.objects.filter(council=council, name=name).first()
            localities.append(
                existing
                or locality_create(
                    actor=acting, council=council, name=name, ward_codes=wards, postcodes=postcodes
                )
            )
        panel = Panel.objects.filter(council=council, name="Riverside Community Panel").first()
        if panel is None:
            panel = panel_create(
                actor=acting,
                council=council,
                name="Riverside Community Panel",
                description="Residents and professionals commissioning early-years and family services.",
                locality_ids=[loc.pk for loc in localities],
            )
        if not holds(users["auditor@demo.fairfund.local"], Role.AUDITOR, council=council):
            role_grant(
                actor=acting,
                user=users["auditor@demo.fairfund.local"],
                role=Role.AUDITOR,
                council=council,
            )
        for email, role in (
            ("chair@demo.fairfund.local", Role.PANEL_CHAIR),
            ("member1@demo.fairfund.local", Role.PANEL_MEMBER),
            ("member2@demo.fairfund.local", Role.PANEL_MEMBER),
        ):
            if not holds(users[email], role, panel=panel):
                role_grant(
                    actor=acting,
                    user=users[email],
                    role=role,
                    panel=panel,
                    term_starts_on=date(2026, 4, 1),
                    term_ends_on=date(2028, 3, 31),
                )
        for email, details in (
            (
                "applicant1@demo.fairfund.local",
                OrganisationDetails(
                    name="Riverside Play CIC",
                    legal_form="cic",
                    company_number="12345678",
                    address_line_1="4 Mill Lane",
                    town="Northbridge",
                    postcode="NB1 2AB",
                    contact_email="hello@riversideplay.example.org",
                ),
            ),
            (
                "applicant2@demo.fairfund.local",
                OrganisationDetails(
                    name="Hillcrest Family Trust",
                    legal_form="charity",
                    charity_number="1123456",
                    address_line_1="The Old School, Hill Road",
                    town="Northbridge",
                    postcode="NB4 7QT",
                    contact_email="office@hillcresttrust.example.org",
                ),
            ),
        ):
            if not organisations_for_user(user=users[email]).filter(name=details.name).exists():
                organisation_create(actor=Actor(user=users[email]), details=details)

        self.stdout.write(f"\nDemo accounts (password for all: {PASSWORD}):")
        for email, _name, what in PEOPLE:
            self.stdout.write(f"  {email:34} {what}")
        self.stdout.write("Emails the demo sends are written to var/mail/.\n")
