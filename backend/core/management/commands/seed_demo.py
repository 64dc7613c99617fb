"""Seed the demo: a council, two localities, a panel, two organisations, one user per role, and
the early-years fund "Transforming Early Years" with a dozen bids in several states.

Everything is written through the services, as the people who would do it (officer and chair as
if signed in with a second factor), so the audit chain records it all. The fund's content is
data, in backend.core.demo_data.

Idempotent: running it again changes nothing and prints the same credentials and summary.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from backend.accounts.models import Organisation, Role, User
from backend.accounts.permissions import Actor, holds
from backend.accounts.selectors import organisations_for_user
from backend.accounts.services import (
    OrganisationDetails,
    officer_bootstrap,
    organisation_create,
    role_grant,
    user_create_verified,
)
from backend.bids.declarations import DECLARATION_CODES
from backend.bids.models import Bid, Status
from backend.bids.services import (
    BudgetLineInput,
    bid_create,
    bid_set_declarations,
    bid_submit,
    bid_update,
    bid_withdraw,
    budget_line_set,
    screening_decide,
    screening_record_item,
)
from backend.core import demo_data
from backend.core.london_time import from_london, to_london
from backend.funds.models import Council, Fund, Locality, Panel, Phase
from backend.funds.services import (
    PotInput,
    council_create,
    fund_apply_default_rubric,
    fund_create,
    fund_mark_ready,
    fund_set_budget_and_pots,
    fund_set_checklist,
    fund_set_decision_rule,
    fund_set_purpose_and_population,
    fund_set_timeline,
    fund_transition,
    locality_create,
    panel_create,
)

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

        fund = _seed_early_years_fund(
            council=council,
            panel=panel,
            officer=acting,
            chair=Actor(user=users["chair@demo.fairfund.local"], mfa_verified=True),
        )

        self.stdout.write(f"\nDemo accounts (password for all: {PASSWORD}):")
        for email, _name, what in PEOPLE:
            self.stdout.write(f"  {email:34} {what}")
        for org in demo_data.ORGANISATIONS:
            self.stdout.write(f"  {org.applicant_email:34} Applicant, {org.name}")
        self.stdout.write(_fund_summary(fund))
        self.stdout.write("Emails the demo sends are written to var/mail/.\n")


# --- the early-years fund and its bids ------------------------------------------------------------


def _london(today: date, when: tuple[int, int, int]) -> datetime:
    """A London wall-clock time ``when`` = (days from ``today``, hour, minute), as UTC."""
    days, hour, minute = when
    return from_london(datetime.combine(today + timedelta(days=days), time(hour, minute)))


def _demo_organisations() -> dict[str, tuple[Actor, Organisation]]:
    """The bidding organisations by key, each with its applicant (registered if need be)."""
    found: dict[str, tuple[Actor, Organisation]] = {}
    for key, (email, name) in demo_data.EXISTING_ORGANISATIONS.items():
        user = User.objects.get(email=email)
        found[key] = (Actor(user=user), organisations_for_user(user=user).get(name=name))
    for org in demo_data.ORGANISATIONS:
        user = user_create_verified(
            email=org.applicant_email, password=PASSWORD, full_name=org.applicant_name
        )
        actor = Actor(user=user)
        organisation = organisations_for_user(user=user).filter(name=org.name).first()
        if organisation is None:
            organisation = organisation_create(
                actor=actor,
                details=OrganisationDetails(
                    name=org.name,
                    legal_form=org.legal_form,
                    company_number=org.company_number,
                    charity_number=org.charity_number,
                    society_number=org.society_number,
                    address_line_1=org.address_line_1,
                    town=org.town,
                    postcode=org.postcode,
                    contact_email=org.contact_email,
                    website=org.website,
                ),
            )
        found[org.key] = (actor, organisation)
    return found


def _set_up_fund(*, council: Council, panel: Panel, officer: Actor, chair: Actor) -> Fund:
    """Officer and chair each do their part; the fund opens for bids, closing a minute or two
    from now (the officer closes bids as soon as the seeded bids are in)."""
    fund = fund_create(
        actor=officer,
        council=council,
        panel=panel,
        name=demo_data.FUND_NAME,
        budget_pence=demo_data.FUND_BUDGET_PENCE,
    )
    fund = fund_set_budget_and_pots(
        actor=officer,
        fund=fund,
        budget_pence=demo_data.FUND_BUDGET_PENCE,
        pots=[PotInput(name=name, share_pence=share) for name, share in demo_data.FUND_POTS],
    )
    locality = Locality.objects.get(council=council, name=demo_data.FUND_LOCALITY)
    fund = fund_set_purpose_and_population(
        actor=chair,
        fund=fund,
        purpose=demo_data.FUND_PURPOSE,
        locality_ids=[locality.pk],
        age_min=demo_data.FUND_AGE_MIN,
        age_max=demo_data.FUND_AGE_MAX,
        needs=demo_data.FUND_NEEDS,
        disadvantage_criteria=demo_data.FUND_DISADVANTAGE_CRITERIA,
    )
    fund = fund_set_checklist(actor=chair, fund=fund, items=demo_data.FUND_CHECKLIST)
    fund = fund_apply_default_rubric(actor=chair, fund=fund)
    now = timezone.now()
    today = to_london(now).date()
    fund = fund_set_timeline(
        actor=officer,
        fund=fund,
        bids_open_at=_london(today, demo_data.TIMELINE_BIDS_OPEN),
        bids_close_at=(now + timedelta(minutes=2)).replace(second=0, microsecond=0),
        scoring_starts_at=_london(today, demo_data.TIMELINE_SCORING_STARTS),
        voting_opens_at=_london(today, demo_data.TIMELINE_VOTING_OPENS),
        voting_closes_at=_london(today, demo_data.TIMELINE_VOTING_CLOSES),
        decision_at=_london(today, demo_data.TIMELINE_DECISION),
    )
    rule_name, completion = demo_data.FUND_RULE
    fund = fund_set_decision_rule(
        actor=officer, fund=fund, rule_name=rule_name, completion=completion
    )
    fund = fund_mark_ready(actor=officer, fund=fund, part="officer")
    fund = fund_mark_ready(actor=chair, fund=fund, part="chair")
    return fund_transition(actor=officer, fund=fund, to_phase=Phase.OPEN_FOR_BIDS)


def _draft_bid(
    *, fund: Fund, spec: demo_data.DemoBid, applicant: Actor, organisation: Organisation
) -> Bid:
    """The bid as its applicant drafts it: the answers, the budget, the declarations."""
    pot_id = fund.pots.get(name=spec.pot).pk if spec.pot else None
    bid = bid_create(
        actor=applicant, fund=fund, organisation=organisation, title=spec.title, pot_id=pot_id
    )
    # Only the answers the applicant has written (None leaves a field as it is).
    bid = bid_update(
        actor=applicant,
        bid=bid,
        summary=spec.summary or None,
        need=spec.need or None,
        population_served=spec.population_served or None,
        outcomes=spec.outcomes or None,
        evidence_level=spec.evidence_level,
        evidence_sources=spec.evidence_sources or None,
        delivery_plan=spec.delivery_plan or None,
        beneficiaries=spec.beneficiaries,
        partners=spec.partners or None,
        named_staff=spec.named_staff or None,
    )
    if spec.budget:
        bid = budget_line_set(
            actor=applicant,
            bid=bid,
            lines=[BudgetLineInput(description=d, amount_pence=a) for d, a in spec.budget],
        )
    accepted = spec.declarations
    if accepted is None:
        accepted = () if spec.state == "draft" else DECLARATION_CODES
    if accepted:
        bid = bid_set_declarations(actor=applicant, bid=bid, accepted=accepted)
    return bid


def _seed_early_years_fund(*, council: Council, panel: Panel, officer: Actor, chair: Actor) -> Fund:
    """Transforming Early Years in Riverside, with its bids in every state up to screening."""
    organisations = _demo_organisations()
    existing = Fund.objects.filter(council=council, name=demo_data.FUND_NAME).first()
    if existing is not None:
        return existing
    fund = _set_up_fund(council=council, panel=panel, officer=officer, chair=chair)
    bids: list[tuple[demo_data.DemoBid, Bid]] = []
    for spec in demo_data.BIDS:
        applicant, organisation = organisations[spec.organisation]
        bid = _draft_bid(fund=fund, spec=spec, applicant=applicant, organisation=organisation)
        if spec.state != "draft":
            bid = bid_submit(actor=applicant, bid=bid)
        if spec.state == "withdrawn":
            bid = bid_withdraw(actor=applicant, bid=bid)
        bids.append((spec, bid))
    # Bids are in: the officer closes them (ahead of the timeline's minute) and screens.
    fund = fund_transition(actor=officer, fund=fund, to_phase=Phase.SCREENING)
    items = list(fund.checklist.order_by("position"))
    for spec, bid in bids:
        for item, (outcome, reason) in zip(items, spec.screening, strict=False):
            screening_record_item(actor=officer, bid=bid, item=item, outcome=outcome, reason=reason)
        if spec.state in ("eligible", "ineligible"):
            screening_decide(
                actor=officer,
                bid=bid,
                eligible=spec.state == "eligible",
                reason=spec.decision_reason,
            )
    return fund


def _fund_summary(fund: Fund) -> str:
    counts = Counter(Bid.objects.filter(fund=fund).values_list("status", flat=True))
    states = ", ".join(f"{counts[status]} {status.label.lower()}" for status in Status)
    localities = ", ".join(fund.localities.order_by("name").values_list("name", flat=True))
    pounds, pence = divmod(fund.budget_pence, 100)
    return (
        f"\nFund: {fund.name} ({localities}, {fund.council.name}), "
        f"{Phase(fund.phase).label.lower()}, budget £{pounds:,}.{pence:02d}, "
        f"{fund.pots.count()} pots.\n"
        f"  Bids: {sum(counts.values())} ({states})."
    )
