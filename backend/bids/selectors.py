"""Reads about bids, filtered by who may see them.

A bid is seen by its organisation's applicants, by the fund's council officers and auditors
(after MFA), and by the fund's panel once it is eligible and scoring has started, by each member
only after they have declared any conflicts of interest on every eligible bid and never on a bid
they are conflicted on; rival applicants never learn it exists (NotFound, a 404).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from backend.accounts.models import Organisation, Role
from backend.accounts.permissions import (
    Actor,
    can_read_council,
    holds,
    require_council_role,
    require_officer,
    require_panel_role,
)
from backend.core.errors import NotFound
from backend.funds.models import EligibilityItem, Fund, Phase
from backend.scoring.models import ConflictDeclaration

from .models import Attachment, Bid, ScreeningCheck, ScreeningOutcome, Status

# The bid's own text fields, in the order the form asks for them.
TEXT_FIELDS = (
    "title",
    "summary",
    "need",
    "population_served",
    "outcomes",
    "evidence_sources",
    "delivery_plan",
    "partners",
    "named_staff",
)

# Fund phases in which the panel reads its fund's eligible bids: from scoring on, once each
# member has declared any conflicts of interest on every eligible bid (backend.scoring).
PANEL_READS_IN = (
    Phase.SCORING,
    Phase.VOTING,
    Phase.TALLYING,
    Phase.DECIDED,
    Phase.PUBLISHED,
)


def _panel_may_read(user_id: int) -> Q:
    """Bids a panel member (or chair) may read: eligible, in a fund past screening, on which they
    declared no conflict, and only once they have declared on every eligible bid of that fund."""
    declared = ConflictDeclaration.objects.filter(member_id=user_id)
    undeclared = Bid.objects.filter(fund=OuterRef("fund"), status=Status.ELIGIBLE).exclude(
        pk__in=declared.values("bid_id")
    )
    return Q(
        Q(status=Status.ELIGIBLE, fund__phase__in=PANEL_READS_IN),
        Q(pk__in=declared.filter(conflicted=False).values("bid_id")),
        ~Exists(undeclared),
    )


def upload_storage() -> FileSystemStorage:
    """Where attachments live: outside the web root, with no URL of their own."""
    return FileSystemStorage(location=settings.FAIRFUND_UPLOAD_ROOT)


def bid_snapshot(bid: Bid) -> dict[str, object]:
    """The bid's content as data: what its submission hash covers."""
    return {
        "bid": bid.pk,
        "fund": bid.fund_id,
        "organisation": bid.organisation_id,
        "pot": bid.pot_id,
        **{field: getattr(bid, field) for field in TEXT_FIELDS},
        "evidence_level": bid.evidence_level,
        "beneficiaries": bid.beneficiaries,
        "budget_lines": [
            {"description": line.description, "amount_pence": line.amount_pence}
            for line in bid.budget_lines.order_by("position")
        ],
        "attachments": sorted(bid.attachments.values_list("sha256", flat=True)),
        "declarations": list(bid.declarations),
    }


def snapshot_sha256(snapshot: dict[str, object]) -> str:
    """sha256 of a snapshot as canonical JSON (sorted keys, no spaces, UTF-8)."""
    canonical = json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def bid_snapshot_sha256(bid: Bid) -> str:
    """sha256 of the bid's snapshot as it is now."""
    return snapshot_sha256(bid_snapshot(bid))


def _bids() -> QuerySet[Bid]:
    return Bid.objects.select_related("fund", "organisation", "pot").prefetch_related(
        "budget_lines", "attachments"
    )


def bids_for_actor(*, actor: Actor) -> QuerySet[Bid]:
    """Every bid the actor may see. Roles that need MFA count only once MFA is done."""
    user = actor.user
    if not user.is_authenticated or not user.is_active:
        return Bid.objects.none()
    own = Q(
        organisation__role_grants__user=user,
        organisation__role_grants__revoked_at__isnull=True,
        organisation__role_grants__role=Role.APPLICANT,
    )
    member_roles = [Role.PANEL_MEMBER]
    visible = own
    if actor.may_act_with_mfa_role:
        member_roles.append(Role.PANEL_CHAIR)
        visible |= Q(
            fund__council__role_grants__user=user,
            fund__council__role_grants__revoked_at__isnull=True,
            fund__council__role_grants__role__in=[Role.COUNCIL_OFFICER, Role.AUDITOR],
        )
    visible |= Q(
        fund__panel__role_grants__user=user,
        fund__panel__role_grants__revoked_at__isnull=True,
        fund__panel__role_grants__role__in=member_roles,
    ) & _panel_may_read(user.pk)
    ids = Bid.objects.filter(visible).values("pk")
    return _bids().filter(pk__in=ids).order_by("fund", "created_at", "pk")


def bids_for_organisation(*, actor: Actor, organisation: Organisation) -> QuerySet[Bid]:
    """The applicant's dashboard: its organisation's bids (unknown to anyone else)."""
    if not holds(actor.user, Role.APPLICANT, organisation=organisation):
        raise NotFound("No such organisation.")
    return _bids().filter(organisation=organisation).order_by("-updated_at", "pk")


def bid_get(*, actor: Actor, bid_id: int) -> Bid:
    """A bid the actor may see; NotFound (404) for anyone else, MfaRequired (403) for an officer,
    auditor or chair who has not done MFA in this session."""
    bid = _bids().filter(pk=bid_id).first()
    if bid is None:
        raise NotFound("No such bid.")
    user = actor.user
    if holds(user, Role.APPLICANT, organisation=bid.organisation):
        return bid
    fund = bid.fund
    if holds(user, Role.COUNCIL_OFFICER, council=fund.council) or holds(
        user, Role.AUDITOR, council=fund.council
    ):
        require_council_role(actor, fund.council, Role.COUNCIL_OFFICER, Role.AUDITOR)
        return bid
    is_chair = holds(user, Role.PANEL_CHAIR, panel=fund.panel)
    is_member = holds(user, Role.PANEL_MEMBER, panel=fund.panel)
    panel_may_read = (
        (is_chair or is_member)
        and fund.phase in PANEL_READS_IN
        and bid.status == Status.ELIGIBLE
        and Bid.objects.filter(pk=bid.pk).filter(_panel_may_read(user.pk)).exists()
    )
    if panel_may_read and is_chair:
        require_panel_role(actor, fund.panel, Role.PANEL_CHAIR)
        return bid
    if panel_may_read and is_member:
        return bid
    raise NotFound("No such bid.")


def attachment_get(*, actor: Actor, attachment_id: int) -> Attachment:
    """An attachment, for whoever may see its bid (404 otherwise)."""
    attachment = Attachment.objects.filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound("No such attachment.")
    bid_get(actor=actor, bid_id=attachment.bid_id)
    return attachment


def attachment_content(*, actor: Actor, attachment_id: int) -> tuple[Attachment, bytes]:
    """An attachment and its bytes, for the view that serves it after checking permission."""
    attachment = attachment_get(actor=actor, attachment_id=attachment_id)
    with upload_storage().open(attachment.stored_path, "rb") as handle:
        return attachment, handle.read()


# Statuses a bid has once screening has decided it.
SCREENED_STATUSES = (Status.ELIGIBLE, Status.INELIGIBLE)


@dataclass(frozen=True)
class ScreeningLine:
    """One checklist item and what the officer found for this bid (None: not recorded, or not
    shown to this reader yet)."""

    item_id: int
    position: int
    text: str
    outcome: str | None
    outcome_label: str | None
    reason: str | None
    checked_at: datetime | None


@dataclass(frozen=True)
class Screening:
    bid_id: int
    status: str
    decided: bool
    # Whether this reader sees the outcomes (officers and auditors always; others once decided).
    outcomes_shown: bool
    decision_reason: str
    screened_at: datetime | None
    lines: list[ScreeningLine]


def screening_for_bid(*, actor: Actor, bid: Bid) -> Screening:
    """The fund's checklist with each item's outcome and reason for ``bid``.

    Officers and auditors of the fund's council see the outcomes at any time; the bid's
    organisation (and its panel, who may read the bid) see them once the bid is decided.
    Anyone who may not see the bid gets NotFound (404).
    """
    bid = bid_get(actor=actor, bid_id=bid.pk)
    decided = bid.status in SCREENED_STATUSES
    shown = decided or can_read_council(actor, bid.fund.council)
    checks = (
        {check.item_id: check for check in ScreeningCheck.objects.filter(bid=bid)} if shown else {}
    )
    lines = []
    for item in EligibilityItem.objects.filter(fund_id=bid.fund_id).order_by("position"):
        check = checks.get(item.pk)
        lines.append(
            ScreeningLine(
                item_id=item.pk,
                position=item.position,
                text=item.text,
                outcome=check.outcome if check else None,
                outcome_label=str(ScreeningOutcome(check.outcome).label) if check else None,
                reason=check.reason if check else None,
                checked_at=check.checked_at if check else None,
            )
        )
    return Screening(
        bid_id=bid.pk,
        status=bid.status,
        decided=decided,
        outcomes_shown=shown,
        decision_reason=bid.screening_reason if decided else "",
        screened_at=bid.screened_at if decided else None,
        lines=lines,
    )


def screening_queue(*, actor: Actor, fund: Fund) -> QuerySet[Bid]:
    """For the fund's officers (after MFA): submitted bids not yet decided, oldest first, each
    with ``checks_recorded`` (how many checklist items have an outcome)."""
    require_officer(actor, fund.council)
    return (
        _bids()
        .filter(fund=fund, status=Status.SUBMITTED)
        .annotate(checks_recorded=Count("screening_checks", distinct=True))
        .order_by("submitted_at", "pk")
    )


def screening_decided(*, actor: Actor, fund: Fund) -> QuerySet[Bid]:
    """For the fund's officers (after MFA): its bids already decided, in the order decided."""
    require_officer(actor, fund.council)
    return _bids().filter(fund=fund, status__in=SCREENED_STATUSES).order_by("screened_at", "pk")


def screening_outcome_choices() -> list[tuple[str, str]]:
    """The outcomes an officer may record for a checklist item, as (value, label)."""
    return [(str(value), str(label)) for value, label in ScreeningOutcome.choices]


# Fund phases after the decision, when bid summaries are public.
PUBLIC_AFTER = (Phase.DECIDED, Phase.PUBLISHED)


@dataclass(frozen=True)
class PublicBidSummary:
    """What anyone may read about a bid once its fund is decided (the applicants agreed to it
    in the 'publication' declaration): no budget lines, staff, partners or files."""

    bid_id: int
    title: str
    organisation: str
    summary: str
    amount_requested_pence: int
    beneficiaries: int | None
    outcome: str  # "eligible" or "ineligible" (screening), as decided
    shortlisted: bool | None  # None: no confirmed shortlist, or not screened eligible


def public_bid_summaries(*, fund_id: int) -> tuple[Fund, list[PublicBidSummary]]:
    """A decided fund and the summaries of its screened bids; NotFound before the decision."""
    from backend.scoring.models import ShortlistEntry  # scoring depends on bids

    fund = Fund.objects.filter(pk=fund_id, phase__in=PUBLIC_AFTER).first()
    if fund is None:
        raise NotFound("No such fund.")
    listed = dict(
        ShortlistEntry.objects.filter(
            shortlist__fund=fund, shortlist__confirmed_at__isnull=False
        ).values_list("bid_id", "shortlisted")
    )
    bids = _bids().filter(fund=fund, status__in=SCREENED_STATUSES).order_by("title", "pk")
    return fund, [
        PublicBidSummary(
            bid_id=bid.pk,
            title=bid.title,
            organisation=bid.organisation.name,
            summary=bid.summary,
            amount_requested_pence=bid.amount_requested_pence,
            beneficiaries=bid.beneficiaries,
            outcome=str(bid.status),
            shortlisted=listed.get(bid.pk),
        )
        for bid in bids
    ]
