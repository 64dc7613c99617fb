"""Every service that changes something records its event in the audit chain.

The list of services is read from the code (every public function in backend/*/services.py),
so a new service without a scenario here fails this test until someone adds one.
"""

import importlib
import inspect
import pkgutil
from dataclasses import replace
from datetime import date, timedelta

import pytest
from django.db import transaction

import backend
from backend.accounts.models import Role, RoleGrant
from backend.accounts.services import (
    OrganisationDetails,
    account_event_record,
    api_token_issue,
    api_token_revoke,
    mfa_reset,
    officer_bootstrap,
    organisation_create,
    organisation_invitation_accept,
    organisation_invite,
    organisation_member_remove,
    organisation_update,
    role_grant,
    role_revoke,
    user_create_verified,
)
from backend.audit.models import AuditEvent
from backend.audit.selectors import chain_verify
from backend.bids.declarations import DECLARATION_CODES
from backend.bids.models import Bid
from backend.bids.services import (
    BudgetLineInput,
    attachment_add,
    attachment_remove,
    bid_create,
    bid_set_declarations,
    bid_submit,
    bid_update,
    bid_withdraw,
    budget_line_set,
    screening_decide,
    screening_record_item,
)
from backend.funds.models import EligibilityItem, Fund, Phase, RubricCriterion
from backend.funds.services import (
    CriterionInput,
    PotInput,
    council_create,
    fund_apply_default_rubric,
    fund_create,
    fund_mark_ready,
    fund_set_budget_and_pots,
    fund_set_checklist,
    fund_set_decision_rule,
    fund_set_purpose_and_population,
    fund_set_rubric,
    fund_set_timeline,
    fund_transition,
    funds_advance_due,
    locality_create,
    panel_create,
    panel_update,
)
from backend.notifications.models import Notification
from backend.notifications.services import (
    email_preferences_set,
    notification_mark_read,
    notifications_deliver,
)
from backend.scoring.models import ScoreSheet, Shortlist
from backend.scoring.services import (
    ScoreInput,
    conflict_declare,
    conflict_review,
    moderation_record,
    scoring_reminders_send,
    scoring_settings_set,
    sheet_reopen,
    sheet_save,
    sheet_submit,
    shortlist_confirm,
    shortlist_entry_set,
    shortlist_propose,
)
from tests.bids.helpers import PDF, PNG, open_fund
from tests.factories import UserFactory, actor, add_totp, grant
from tests.funds.helpers import timeline

pytestmark = pytest.mark.django_db

# Functions in services modules that are not writes of their own, and why.
NOT_WRITES = {
    "backend.accounts.services.api_token_authenticate": "reads a token; only touches last_used_at",
    "backend.audit.services.audit_record": "is the audit chain itself",
    "backend.notifications.services.notify": "writes outbox rows inside its cause's audited transaction",
    "backend.notifications.services.backoff": "arithmetic",
    "backend.funds.services.tie_order_from_seed": "arithmetic: the order a seed gives",
    "backend.notifications.services.wants_email": "a read",
    "backend.notifications.services.notifications_due_count": "a read",
}

DETAILS = OrganisationDetails(
    name="Riverside Play CIC",
    legal_form="cic",
    company_number="12345678",
    address_line_1="4 Mill Lane",
    town="Northbridge",
    postcode="NB1 2AB",
    contact_email="hello@riverside.example.org",
)


def _service_functions() -> set[str]:
    found = set()
    for module_info in pkgutil.walk_packages(backend.__path__, "backend."):
        if not module_info.name.endswith(".services"):
            continue
        module = importlib.import_module(module_info.name)
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ == module.__name__ and not name.startswith("_"):
                found.add(f"{module.__name__}.{name}")
    return found


def _actions_during(call) -> list[str]:
    before = AuditEvent.objects.count()
    with transaction.atomic():
        call()
    return list(AuditEvent.objects.filter(sequence__gt=before).values_list("action", flat=True))


@pytest.fixture
def world(council, panel, officer, settings, tmp_path):
    settings.FAIRFUND_UPLOAD_ROOT = str(tmp_path / "uploads")
    return {"council": council, "panel": panel, "officer": officer}


def _scenarios(world):
    officer, council, panel = world["officer"], world["council"], world["panel"]
    who = actor(officer)
    state = {}

    def organisation_flow():
        state["applicant"] = UserFactory()
        state["organisation"] = organisation_create(
            actor=actor(state["applicant"]), details=DETAILS
        )

    def invite():
        state["invitation"] = organisation_invite(
            actor=actor(state["applicant"]),
            organisation=state["organisation"],
            email="sam@example.org",
            accept_url_template="/i/{token}",
        )
        notifications_deliver()

    def accept():
        from django.core import mail

        token = mail.outbox[-1].body.split("/i/")[1].split()[0]
        state["colleague"] = UserFactory(email="sam@example.org")
        organisation_invitation_accept(actor=actor(state["colleague"]), token=token)

    def grant_role():
        state["member"] = UserFactory()
        state["grant"] = role_grant(
            actor=who,
            user=state["member"],
            role=Role.PANEL_MEMBER,
            panel=panel,
            term_ends_on=date(2027, 3, 31),
        )

    def reset():
        add_totp(state["member"])
        mfa_reset(actor=who, user=state["member"])

    def token_issue():
        state["token"], _plaintext = api_token_issue(actor=who, name="laptop")

    def fund_chair():
        if "chair" not in state:
            state["chair"] = UserFactory()
            grant(state["chair"], "panel_chair", panel=panel)
        return actor(state["chair"])

    def new_fund():
        state["fund"] = fund_create(
            actor=who, council=council, panel=panel, name="Early years", budget_pence=10_000
        )

    def fund():
        return Fund.objects.get(pk=state["fund"].pk)

    def chair_ready():
        fund_mark_ready(actor=fund_chair(), fund=fund(), part="chair")

    def officer_ready():
        fund_mark_ready(actor=who, fund=fund(), part="officer")

    def advance():
        # Opens for bids at its date (both parts are ready by now).
        funds_advance_due(now=timeline()["bids_open_at"])

    def mark_read():
        row = Notification.objects.filter(recipient_user=state["member"], channel="in_app").first()
        notification_mark_read(user=state["member"], notification_id=row.pk)

    def bidder():
        if "bidder" not in state:
            state["bidder"] = UserFactory()
            state["bidding_organisation"] = organisation_create(
                actor=actor(state["bidder"]),
                details=replace(DETAILS, name="Hillside Play CIC", company_number="87654321"),
            )
        return actor(state["bidder"])

    def new_bid():
        fund_chair()
        open_for_bids = open_fund(
            council=council, panel=panel, officer=officer, chair=state["chair"]
        )
        state["bid"] = bid_create(
            actor=bidder(),
            fund=open_for_bids,
            organisation=state["bidding_organisation"],
            title="Play",
        )

    def complete_bid():
        bid_update(
            actor=bidder(),
            bid=state["bid"],
            summary="s",
            need="n",
            population_served="p",
            outcomes="o",
            evidence_level=3,
            evidence_sources="e",
            delivery_plan="d",
            beneficiaries=40,
        )

    def attach():
        state["attachment"] = attachment_add(
            actor=bidder(), bid=state["bid"], filename="plan.pdf", content=PDF
        )

    def detach():
        extra = attachment_add(actor=bidder(), bid=state["bid"], filename="a.png", content=PNG)
        attachment_remove(actor=bidder(), attachment=extra)

    def screened_bid():
        """A second bid, submitted, in a fund now screening."""
        if "screened_bid" not in state:
            fund_chair()
            screening_fund = open_fund(
                council=council, panel=panel, officer=officer, chair=state["chair"]
            )
            bid = bid_create(
                actor=bidder(),
                fund=screening_fund,
                organisation=state["bidding_organisation"],
                title="Read",
            )
            bid_update(
                actor=bidder(),
                bid=bid,
                summary="s",
                need="n",
                population_served="p",
                outcomes="o",
                evidence_level=2,
                evidence_sources="e",
                delivery_plan="d",
                beneficiaries=10,
            )
            budget_line_set(actor=bidder(), bid=bid, lines=[BudgetLineInput("Books", 500)])
            bid_set_declarations(actor=bidder(), bid=bid, accepted=DECLARATION_CODES)
            bid_submit(actor=bidder(), bid=bid)
            fund_transition(actor=who, fund=screening_fund, to_phase=Phase.SCREENING)
            state["screened_bid"] = bid
        return state["screened_bid"]

    def record_item():
        bid = screened_bid()
        for item in EligibilityItem.objects.filter(fund_id=bid.fund_id):
            screening_record_item(actor=who, bid=bid, item=item, outcome="pass", reason="Local")

    def scoring_bid():
        """The screened bid (eligible by now), its fund moved on to scoring."""
        bid = Bid.objects.select_related("fund").get(pk=screened_bid().pk)
        if bid.fund.phase == Phase.SCREENING:
            fund_transition(actor=who, fund=bid.fund, to_phase=Phase.SCORING)
            bid = Bid.objects.select_related("fund").get(pk=bid.pk)
        return bid

    def scorer():
        if "scorer" not in state:
            state["scorer"] = UserFactory()
            grant(state["scorer"], "panel_member", panel=panel)
        return actor(state["scorer"])

    def all_scores():
        criteria = RubricCriterion.objects.filter(fund_id=scoring_bid().fund_id)
        return {criterion.pk: ScoreInput(3, "Fair") for criterion in criteria}

    def reopen():
        sheet = ScoreSheet.objects.get(bid=scoring_bid(), member=state["scorer"])
        sheet_reopen(actor=fund_chair(), sheet=sheet, reason="Check the evidence score")

    def remind():
        # The reopened sheet is work left: its member is reminded an hour before the deadline.
        deadline = scoring_bid().fund.voting_opens_at
        assert scoring_reminders_send(now=deadline - timedelta(hours=1)) > 0

    def late_conflict_reviewed():
        bid = scoring_bid()
        assert Shortlist.objects.get(fund=bid.fund).confirmed_at  # confirmed just before
        declaration = conflict_declare(
            actor=scorer(), bid=bid, conflicted=True, relationship="friend"
        )
        conflict_review(actor=who, declaration=declaration, note="Checked: the result stands")

    return {
        "backend.bids.services.bid_create": (new_bid, ["bid.created"]),
        "backend.bids.services.bid_update": (complete_bid, ["bid.updated"]),
        "backend.bids.services.budget_line_set": (
            lambda: budget_line_set(
                actor=bidder(), bid=state["bid"], lines=[BudgetLineInput("Staff", 9_000)]
            ),
            ["bid.budget_set"],
        ),
        "backend.bids.services.attachment_add": (attach, ["bid.attachment_added"]),
        "backend.bids.services.attachment_remove": (
            detach,
            ["bid.attachment_added", "bid.attachment_removed"],
        ),
        "backend.bids.services.bid_set_declarations": (
            lambda: bid_set_declarations(
                actor=bidder(), bid=state["bid"], accepted=DECLARATION_CODES
            ),
            ["bid.declarations_set"],
        ),
        "backend.bids.services.bid_submit": (
            lambda: bid_submit(actor=bidder(), bid=state["bid"]),
            ["bid.submitted"],
        ),
        "backend.bids.services.bid_withdraw": (
            lambda: bid_withdraw(actor=bidder(), bid=state["bid"]),
            ["bid.withdrawn"],
        ),
        "backend.bids.services.screening_record_item": (
            record_item,
            ["bid.screening_item_recorded"],
        ),
        "backend.bids.services.screening_decide": (
            lambda: screening_decide(actor=who, bid=screened_bid(), eligible=True),
            ["bid.screened"],
        ),
        "backend.funds.services.council_create": (
            lambda: council_create(name="Southmoor Council"),
            ["council.created"],
        ),
        "backend.funds.services.locality_create": (
            lambda: locality_create(
                actor=who,
                council=council,
                name="Riverside",
                ward_codes=["E05011234"],
                postcodes=["NB1 1AA"],
            ),
            ["locality.created"],
        ),
        "backend.funds.services.panel_create": (
            lambda: panel_create(actor=who, council=council, name="Early years"),
            ["panel.created"],
        ),
        "backend.funds.services.panel_update": (
            lambda: panel_update(actor=who, panel=panel, description="New"),
            ["panel.updated"],
        ),
        "backend.funds.services.fund_create": (new_fund, ["fund.created"]),
        "backend.funds.services.fund_set_budget_and_pots": (
            lambda: fund_set_budget_and_pots(
                actor=who, fund=fund(), budget_pence=10_000, pots=[PotInput("North", 5_000)]
            ),
            ["fund.budget_set"],
        ),
        "backend.funds.services.fund_set_purpose_and_population": (
            lambda: fund_set_purpose_and_population(
                actor=fund_chair(), fund=fund(), purpose="Early years", needs=["sen"]
            ),
            ["fund.population_set"],
        ),
        "backend.funds.services.fund_set_checklist": (
            lambda: fund_set_checklist(actor=fund_chair(), fund=fund(), items=["Local"]),
            ["fund.checklist_set"],
        ),
        "backend.funds.services.fund_set_rubric": (
            lambda: fund_set_rubric(
                actor=fund_chair(), fund=fund(), scale_max=3, criteria=[CriterionInput("Need", 1)]
            ),
            ["fund.rubric_set"],
        ),
        "backend.funds.services.fund_apply_default_rubric": (
            lambda: fund_apply_default_rubric(actor=fund_chair(), fund=fund()),
            ["fund.rubric_set"],
        ),
        "backend.funds.services.fund_set_timeline": (
            lambda: fund_set_timeline(actor=who, fund=fund(), **timeline()),
            ["fund.timeline_set"],
        ),
        "backend.funds.services.fund_set_decision_rule": (
            lambda: fund_set_decision_rule(actor=who, fund=fund(), rule_name="greedy"),
            ["fund.rule_set"],
        ),
        "backend.funds.services.fund_mark_ready": (
            lambda: (chair_ready(), officer_ready()),
            ["fund.marked_ready"],
        ),
        "backend.funds.services.funds_advance_due": (advance, ["fund.phase_changed"]),
        "backend.funds.services.fund_transition": (
            lambda: fund_transition(actor=who, fund=fund(), to_phase=Phase.CANCELLED),
            ["fund.phase_changed"],
        ),
        "backend.accounts.services.user_create_verified": (
            lambda: user_create_verified(email="new@example.org", password="x" * 12),
            ["user.created"],
        ),
        "backend.accounts.services.officer_bootstrap": (
            lambda: officer_bootstrap(email="lead@example.org", password="x" * 12, council=council),
            ["user.created", "role.granted"],
        ),
        "backend.accounts.services.organisation_create": (
            organisation_flow,
            ["organisation.created", "role.granted"],
        ),
        "backend.accounts.services.organisation_update": (
            lambda: organisation_update(
                actor=actor(state["applicant"]), organisation=state["organisation"], details=DETAILS
            ),
            ["organisation.updated"],
        ),
        "backend.accounts.services.organisation_invite": (
            invite,
            ["organisation.invited", "notification.sent"],
        ),
        "backend.notifications.services.notifications_deliver": (
            invite,
            ["organisation.invited", "notification.sent"],
        ),
        "backend.accounts.services.organisation_invitation_accept": (
            accept,
            ["organisation.invitation_accepted", "role.granted"],
        ),
        "backend.accounts.services.organisation_member_remove": (
            lambda: organisation_member_remove(
                actor=actor(state["applicant"]),
                organisation=state["organisation"],
                user=state["colleague"],
            ),
            ["role.revoked"],
        ),
        "backend.accounts.services.role_grant": (grant_role, ["role.granted"]),
        "backend.accounts.services.mfa_reset": (reset, ["mfa.reset"]),
        "backend.accounts.services.role_revoke": (
            lambda: role_revoke(actor=who, grant=RoleGrant.objects.get(pk=state["grant"].pk)),
            ["role.revoked"],
        ),
        "backend.accounts.services.api_token_issue": (token_issue, ["api_token.issued"]),
        "backend.accounts.services.api_token_revoke": (
            lambda: api_token_revoke(actor=who, token=state["token"]),
            ["api_token.revoked"],
        ),
        "backend.notifications.services.email_preferences_set": (
            lambda: email_preferences_set(user=officer, emailed_kinds={"role_granted"}),
            ["notification.preferences_set"],
        ),
        "backend.notifications.services.notification_mark_read": (mark_read, ["notification.read"]),
        "backend.accounts.services.account_event_record": (
            lambda: account_event_record(user=officer, action="user.password_changed"),
            ["user.password_changed"],
        ),
        # Scoring, on the screened bid once its fund is scoring (after screening_decide above).
        "backend.scoring.services.conflict_declare": (
            lambda: conflict_declare(actor=scorer(), bid=scoring_bid(), conflicted=False),
            ["scoring.conflict_declared"],
        ),
        "backend.scoring.services.scoring_settings_set": (
            lambda: scoring_settings_set(
                actor=fund_chair(),
                fund=scoring_bid().fund,
                calibrate=True,
                disagreement_threshold=20,
                min_scorers=1,
                reminder_hours=[72, 24],
            ),
            ["scoring.settings_set"],
        ),
        "backend.scoring.services.sheet_save": (
            lambda: sheet_save(actor=scorer(), bid=scoring_bid(), scores=all_scores()),
            ["scoring.sheet_saved"],
        ),
        "backend.scoring.services.sheet_submit": (
            lambda: sheet_submit(actor=scorer(), bid=scoring_bid()),
            ["scoring.sheet_submitted"],
        ),
        "backend.scoring.services.sheet_reopen": (reopen, ["scoring.sheet_reopened"]),
        "backend.scoring.services.moderation_record": (
            lambda: moderation_record(
                actor=fund_chair(), bid=scoring_bid(), score="64.50", reason="Strong evidence"
            ),
            ["scoring.moderated"],
        ),
        "backend.scoring.services.scoring_reminders_send": (remind, ["scoring.reminders_sent"]),
        "backend.scoring.services.shortlist_propose": (
            lambda: shortlist_propose(
                actor=fund_chair(), fund=scoring_bid().fund, rule="top_n", parameter="1"
            ),
            ["scoring.shortlist_proposed"],
        ),
        "backend.scoring.services.shortlist_entry_set": (
            lambda: shortlist_entry_set(
                actor=fund_chair(),
                fund=scoring_bid().fund,
                bid_id=scoring_bid().pk,
                feedback="Clear evidence of need.",
            ),
            ["scoring.shortlist_entry_set"],
        ),
        "backend.scoring.services.shortlist_confirm": (
            lambda: shortlist_confirm(actor=fund_chair(), fund=scoring_bid().fund),
            ["scoring.shortlist_confirmed"],
        ),
        "backend.scoring.services.conflict_review": (
            late_conflict_reviewed,
            ["scoring.conflict_declared", "scoring.conflict_reviewed"],
        ),
    }


def test_every_service_is_covered_here():
    scenarios = _scenarios({"officer": None, "council": None, "panel": None})
    missing = _service_functions() - set(scenarios) - set(NOT_WRITES)
    assert not missing, f"services with no audit scenario: {sorted(missing)}"


def test_every_service_records_its_events(world):
    for service, (call, expected) in _scenarios(world).items():
        actions = _actions_during(call)
        for action in expected:
            assert action in actions, f"{service} recorded {actions}, expected {action}"
    assert chain_verify().ok
