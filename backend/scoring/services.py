"""Writes about panel scoring: conflicts of interest, score sheets, settings, moderation,
reminders and the shortlist.

Every write is audited in its own transaction; free text (comments, reasons, descriptions)
enters the chain only as its sha256, scores as numbers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.accounts.models import Role, RoleGrant
from backend.accounts.permissions import Actor, holds, require_officer, require_panel_role
from backend.audit.services import AuditActor, audit_record
from backend.bids.models import Bid
from backend.bids.models import Status as BidStatus
from backend.core.errors import ApplicationError, MfaRequired, NotFound, PermissionDenied
from backend.funds.models import Fund, Phase, RubricCriterion
from backend.notifications.models import Kind
from backend.notifications.services import notify

from . import shortlist as shortlist_rules
from .aggregate import score_text
from .models import (
    ConflictDeclaration,
    Moderation,
    Relationship,
    Score,
    ScoreSheet,
    ScoringSettings,
    SheetStatus,
    Shortlist,
    ShortlistEntry,
    ShortlistRule,
)
from .selectors import (
    DECLARING_PHASES,
    eligible_bids,
    is_conflicted,
    panel_scores,
    settings_for,
    undeclared_bids,
    work_left,
)

_DESCRIPTION_MAX = 2000
_COMMENT_MAX = 4000
_REASON_MAX = 2000


def _text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _require_member(actor: Actor, fund: Fund) -> Role:
    """A chair or member of the fund's panel (chairs after MFA); others get NotFound."""
    try:
        return require_panel_role(actor, fund.panel, Role.PANEL_CHAIR, Role.PANEL_MEMBER)
    except MfaRequired:
        raise
    except PermissionDenied:
        raise NotFound(_("No such bid.")) from None


def _require_chair(actor: Actor, fund: Fund) -> None:
    require_panel_role(actor, fund.panel, Role.PANEL_CHAIR)


def _locked_bid(bid: Bid) -> Bid:
    return Bid.objects.select_for_update().select_related("fund", "fund__panel").get(pk=bid.pk)


def _locked_fund(fund: Fund) -> Fund:
    return Fund.objects.select_for_update().select_related("panel", "council").get(pk=fund.pk)


def _require_scoring(fund: Fund, what: str) -> None:
    if fund.phase != Phase.SCORING:
        raise ApplicationError(
            _("You can %(what)s only while the fund is in its scoring phase.") % {"what": what},
            code="not_scoring",
        )


def _shortlist_confirmed(fund: Fund) -> bool:
    return Shortlist.objects.filter(fund=fund, confirmed_at__isnull=False).exists()


def _require_open_shortlist(fund: Fund) -> None:
    if _shortlist_confirmed(fund):
        raise ApplicationError(
            _("The shortlist is confirmed: the panel's scores can no longer change."),
            code="shortlist_confirmed",
        )


def _require_may_score(actor: Actor, bid: Bid) -> None:
    """The member has declared on every eligible bid, has no conflict on this one, and the bid
    is eligible: otherwise the bid does not exist for them (NotFound)."""
    _require_member(actor, bid.fund)
    if bid.status != BidStatus.ELIGIBLE or is_conflicted(actor.user.pk, bid):
        raise NotFound(_("No such bid."))
    if undeclared_bids(actor.user.pk, bid.fund):
        raise ApplicationError(
            _("Declare any conflicts of interest on every bid of this fund first."),
            code="declarations_missing",
        )


# --- conflicts of interest ----------------------------------------------------------------------


@transaction.atomic
def conflict_declare(
    *,
    actor: Actor,
    bid: Bid,
    conflicted: bool,
    relationship: str = "",
    description: str = "",
) -> ConflictDeclaration:
    """A panel member declares no conflict, or a conflict, on an eligible bid.

    A conflict declared after the member has a sheet for the bid voids that sheet; one declared
    after the shortlist is confirmed leaves everything as it is (the sheet too) and flags the
    conflict to the council's officers to review.
    A declared conflict cannot be taken back; "no conflict" can become a conflict.
    """
    bid = _locked_bid(bid)
    fund = bid.fund
    _require_member(actor, fund)
    if bid.status != BidStatus.ELIGIBLE:
        raise NotFound(_("No such bid."))
    if fund.phase not in DECLARING_PHASES:
        raise ApplicationError(
            _("Conflicts of interest are declared once scoring starts."), code="not_declaring"
        )
    relationship = relationship.strip() if conflicted else ""
    description = description.strip() if conflicted else ""
    errors: dict[str, list[str]] = {}
    if conflicted and relationship not in Relationship.values:
        errors["relationship"] = [_("Choose how you are connected to the organisation.")]
    if len(description) > _DESCRIPTION_MAX:
        errors["description"] = [_("At most %(n)s characters.") % {"n": _DESCRIPTION_MAX}]
    if errors:
        raise ApplicationError(_("Some answers need correcting."), fields=errors)

    existing = ConflictDeclaration.objects.filter(bid=bid, member=actor.user).first()
    if existing is not None and existing.conflicted:
        raise ApplicationError(
            _("You have declared a conflict on this bid; it stands for the rest of the fund."),
            code="conflict_stands",
        )
    if existing is not None and not conflicted:
        return existing  # "no conflict" again: nothing changes

    now = timezone.now()
    voided = None
    after_scoring = after_shortlist = False
    if conflicted:
        sheet = ScoreSheet.objects.filter(bid=bid, member=actor.user).first()
        after_scoring = sheet is not None
        after_shortlist = _shortlist_confirmed(fund)
        # Before the shortlist the member's sheet stops counting; after it, the frozen result
        # stands as it is and the officers review the conflict instead.
        if sheet is not None and sheet.status != SheetStatus.VOID and not after_shortlist:
            voided = sheet
            sheet.status = SheetStatus.VOID
            sheet.voided_at = now
            sheet.save(update_fields=["status", "voided_at", "updated_at"])
    declaration = existing or ConflictDeclaration(bid=bid, member=actor.user)
    declaration.conflicted = conflicted
    declaration.relationship = relationship
    declaration.description = description
    declaration.declared_at = now
    declaration.after_scoring = after_scoring
    declaration.after_shortlist = after_shortlist
    declaration.save()
    audit_record(
        by=AuditActor.for_user(actor.user),
        action="scoring.conflict_declared",
        subject=declaration,
        data={
            "fund": fund.pk,
            "bid": bid.pk,
            "member": actor.user.pk,
            "conflicted": conflicted,
            "relationship": relationship,
            "description_sha256": _text_sha256(description) if description else None,
            "voided_sheet": voided.pk if voided else None,
            "after_shortlist": after_shortlist,
        },
    )
    if after_shortlist:
        for grant in RoleGrant.objects.filter(
            council=fund.council_id,
            role=Role.COUNCIL_OFFICER,
            revoked_at__isnull=True,
            user__is_active=True,
        ).select_related("user"):
            notify(
                kind=Kind.CONFLICT_FLAGGED,
                subject=declaration,
                dedupe_key=f"conflict_flagged:{declaration.pk}:{grant.user_id}",
                user=grant.user,
                context={"fund": fund.name, "bid": bid.title},
            )
    return declaration


@transaction.atomic
def conflict_review(*, actor: Actor, declaration: ConflictDeclaration, note: str) -> None:
    """An officer records what they did about a conflict declared after the shortlist."""
    declaration = ConflictDeclaration.objects.select_for_update().get(pk=declaration.pk)
    fund = Fund.objects.select_related("council").get(pk=declaration.bid.fund_id)
    require_officer(actor, fund.council)
    note = note.strip()
    if not declaration.after_shortlist:
        raise ApplicationError(_("Only a late conflict needs a review."), code="not_flagged")
    if not note:
        message = _("Say what was done about the conflict.")
        raise ApplicationError(message, fields={"note": [message]})
    declaration.reviewed_at = timezone.now()
    declaration.reviewed_by = actor.user
    declaration.review_note = note
    declaration.save(update_fields=["reviewed_at", "reviewed_by", "review_note"])
    audit_record(
        by=AuditActor.for_user(actor.user),
        action="scoring.conflict_reviewed",
        subject=declaration,
        data={"fund": fund.pk, "bid": declaration.bid_id, "note_sha256": _text_sha256(note)},
    )


# --- settings -----------------------------------------------------------------------------------


@transaction.atomic
def scoring_settings_set(
    *,
    actor: Actor,
    fund: Fund,
    calibrate: bool,
    disagreement_threshold: int,
    min_scorers: int,
    reminder_hours: Sequence[int],
) -> ScoringSettings:
    """The chair sets how scores are combined, until the shortlist is confirmed."""
    fund = _locked_fund(fund)
    _require_chair(actor, fund)
    if fund.phase in (Phase.CANCELLED, Phase.DECIDED, Phase.PUBLISHED):
        raise ApplicationError(_("This fund's scoring is over."), code="scoring_over")
    _require_open_shortlist(fund)
    errors: dict[str, list[str]] = {}

    def whole(value: object, low: int, high: int) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high

    if not isinstance(calibrate, bool):
        errors["calibrate"] = [_("Choose yes or no.")]
    if not whole(disagreement_threshold, 1, 100):
        errors["disagreement_threshold"] = [_("Enter a whole number of points from 1 to 100.")]
    if not whole(min_scorers, 1, 50):
        errors["min_scorers"] = [_("Enter a whole number from 1 to 50.")]
    hours: list[int] = []
    if any(not whole(h, 1, 24 * 28) for h in reminder_hours) or len(set(reminder_hours)) > 5:
        errors["reminder_hours"] = [
            _("Give at most five reminders, each a whole number of hours from 1 to 672.")
        ]
    else:
        hours = sorted(set(reminder_hours), reverse=True)
    if errors:
        raise ApplicationError(_("Some answers need correcting."), fields=errors)
    settings, _created = ScoringSettings.objects.get_or_create(fund=fund)
    settings.calibrate = calibrate
    settings.disagreement_threshold = disagreement_threshold
    settings.min_scorers = min_scorers
    settings.reminder_hours = hours
    settings.save()
    audit_record(
        by=AuditActor.for_user(actor.user),
        action="scoring.settings_set",
        subject=fund,
        data={
            "calibrate": calibrate,
            "disagreement_threshold": disagreement_threshold,
            "min_scorers": min_scorers,
            "reminder_hours": hours,
        },
    )
    return settings


# --- score sheets -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreInput:
    """One criterion's answer: a score (None: not yet) and a comment."""

    value: int | None
    comment: str = ""


def _sheet_for_update(actor: Actor, bid: Bid) -> tuple[Bid, ScoreSheet]:
    bid = _locked_bid(bid)
    _require_may_score(actor, bid)
    _require_scoring(bid.fund, _("score bids"))
    _require_open_shortlist(bid.fund)
    sheet, _created = ScoreSheet.objects.select_for_update().get_or_create(
        bid=bid, member=actor.user
    )
    if sheet.status == SheetStatus.SUBMITTED:
        raise ApplicationError(
            _("Your scores for this bid are submitted and locked. Ask the chair to reopen them."),
            code="sheet_locked",
        )
    if sheet.status == SheetStatus.VOID:
        raise NotFound(_("No such bid."))
    return bid, sheet


def _scores_data(sheet: ScoreSheet) -> dict[str, object]:
    scores = list(sheet.scores.all())
    return {
        "scores": {str(score.criterion_id): score.value for score in scores},
        "comments_sha256": {
            str(score.criterion_id): _text_sha256(score.comment)
            for score in scores
            if score.comment
        },
    }


@transaction.atomic
def sheet_save(*, actor: Actor, bid: Bid, scores: Mapping[int, ScoreInput]) -> ScoreSheet:
    """Save a draft sheet: the criteria given (a value of None clears one); incomplete is fine."""
    bid, sheet = _sheet_for_update(actor, bid)
    criteria = {c.pk: c for c in RubricCriterion.objects.filter(fund_id=bid.fund_id)}
    top = bid.fund.scale_max
    errors: dict[str, list[str]] = {}
    for criterion_id, answer in scores.items():
        key = f"criterion_{criterion_id}"
        if criterion_id not in criteria:
            errors[key] = [_("This is not a criterion of the fund's rubric.")]
        elif answer.value is not None and (
            isinstance(answer.value, bool)
            or not isinstance(answer.value, int)
            or not 0 <= answer.value <= top
        ):
            errors[key] = [_("Choose a score from 0 to %(top)s.") % {"top": top}]
        elif len(answer.comment) > _COMMENT_MAX:
            errors[key] = [_("The comment is too long (at most %(n)s).") % {"n": _COMMENT_MAX}]
    if errors:
        raise ApplicationError(_("Some scores need correcting."), fields=errors)
    for criterion_id, answer in scores.items():
        if answer.value is None:
            Score.objects.filter(sheet=sheet, criterion_id=criterion_id).delete()
            continue
        Score.objects.update_or_create(
            sheet=sheet,
            criterion_id=criterion_id,
            defaults={"value": answer.value, "comment": answer.comment.strip()},
        )
    sheet.save(update_fields=["updated_at"])
    audit_record(
        by=AuditActor.for_user(actor.user),
        action="scoring.sheet_saved",
        subject=sheet,
        data={"fund": bid.fund_id, "bid": bid.pk, "member": actor.user.pk, **_scores_data(sheet)},
    )
    return sheet


def _sheet_errors(sheet: ScoreSheet, fund: Fund) -> dict[str, list[str]]:
    """What stops the sheet being submitted, by criterion: every problem at once."""
    scores = {score.criterion_id: score for score in sheet.scores.all()}
    errors: dict[str, list[str]] = {}
    for criterion in RubricCriterion.objects.filter(fund=fund).order_by("position"):
        score = scores.get(criterion.pk)
        key = f"criterion_{criterion.pk}"
        if score is None:
            errors[key] = [_("Score “%(name)s”.") % {"name": criterion.name}]
        elif score.value in (0, fund.scale_max) and not score.comment.strip():
            errors[key] = [
                _("Explain a score of %(value)s for “%(name)s” in a comment.")
                % {"value": score.value, "name": criterion.name}
            ]
    return errors


@transaction.atomic
def sheet_submit(*, actor: Actor, bid: Bid) -> ScoreSheet:
    """Submit (and lock) the member's sheet; every criterion scored, the extremes explained."""
    bid, sheet = _sheet_for_update(actor, bid)
    errors = _sheet_errors(sheet, bid.fund)
    if errors:
        raise ApplicationError(
            _("Your scores are not complete yet: %(count)s need attention.")
            % {"count": len(errors)},
            fields=errors,
            code="sheet_incomplete",
        )
    sheet.status = SheetStatus.SUBMITTED
    sheet.submitted_at = timezone.now()
    sheet.save(update_fields=["status", "submitted_at", "updated_at"])
    audit_record(
        by=AuditActor.for_user(actor.user),
        action="scoring.sheet_submitted",
        subject=sheet,
        data={"fund": bid.fund_id, "bid": bid.pk, "member": actor.user.pk, **_scores_data(sheet)},
    )
    return sheet


@transaction.atomic
def sheet_reopen(*, actor: Actor, sheet: ScoreSheet, reason: str) -> ScoreSheet:
    """The chair reopens a member's submitted sheet, with a reason the member is told."""
    sheet = ScoreSheet.objects.select_for_update().select_related("bid", "member").get(pk=sheet.pk)
    fund = _locked_fund(sheet.bid.fund)
    _require_chair(actor, fund)
    if is_conflicted(actor.user.pk, sheet.bid):
        raise PermissionDenied(_("You have a conflict of interest on this bid."))
    _require_scoring(fund, _("reopen scores"))
    _require_open_shortlist(fund)
    reason = reason.strip()
    if not reason:
        message = _("Give the reason for reopening these scores.")
        raise ApplicationError(message, fields={"reason": [message]})
    if len(reason) > _REASON_MAX:
        message = _("At most %(n)s characters.") % {"n": _REASON_MAX}
        raise ApplicationError(message, fields={"reason": [message]})
    if sheet.status != SheetStatus.SUBMITTED:
        raise ApplicationError(_("Only submitted scores can be reopened."), code="not_submitted")
    sheet.status = SheetStatus.DRAFT
    sheet.submitted_at = None
    sheet.reopened_at = timezone.now()
    sheet.reopen_reason = reason
    sheet.save(
        update_fields=["status", "submitted_at", "reopened_at", "reopen_reason", "updated_at"]
    )
    audit_record(
        by=AuditActor.for_user(actor.user),
        action="scoring.sheet_reopened",
        subject=sheet,
        data={
            "fund": fund.pk,
            "bid": sheet.bid_id,
            "member": sheet.member_id,
            "reason_sha256": _text_sha256(reason),
        },
    )
    notify(
        kind=Kind.SHEET_REOPENED,
        subject=sheet,
        dedupe_key=f"sheet_reopened:{sheet.pk}:{sheet.reopened_at.isoformat()}",
        user=sheet.member,
        context={"fund": fund.name, "bid": sheet.bid.title, "reason": reason},
    )
    return sheet


# --- moderation ---------------------------------------------------------------------------------


def _may_moderate(actor: Actor, bid: Bid) -> None:
    """A chair with no conflict on the bid; an officer when a chair of the panel is conflicted
    on it (a deputy chair is a second chair of the panel)."""
    fund = bid.fund
    if holds(actor.user, Role.PANEL_CHAIR, panel=fund.panel):
        _require_chair(actor, fund)
        if not is_conflicted(actor.user.pk, bid):
            return
        raise PermissionDenied(
            _(
                "You have a conflict of interest on this bid: an officer or another chair moderates it."
            )
        )
    require_officer(actor, fund.council)
    chairs = RoleGrant.objects.filter(
        panel=fund.panel_id, role=Role.PANEL_CHAIR, revoked_at__isnull=True
    ).values("user_id")
    if not ConflictDeclaration.objects.filter(
        bid=bid, conflicted=True, member_id__in=chairs
    ).exists():
        raise PermissionDenied(_("The panel chair moderates this bid."))


@transaction.atomic
def moderation_record(*, actor: Actor, bid: Bid, score: str | Decimal, reason: str) -> Moderation:
    """Record a moderated score (0-100 points, two decimals) for an eligible bid, with a reason."""
    bid = _locked_bid(bid)
    _may_moderate(actor, bid)
    if bid.status != BidStatus.ELIGIBLE:
        raise NotFound(_("No such bid."))
    _require_scoring(bid.fund, _("moderate scores"))
    _require_open_shortlist(bid.fund)
    errors: dict[str, list[str]] = {}
    try:
        value = Decimal(str(score).strip())
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or not Decimal(0) <= value <= Decimal(100):
        errors["score"] = [_("Enter a score from 0 to 100.")]
    elif value != value.quantize(Decimal("0.01")):
        errors["score"] = [_("Use at most two decimal places.")]
    reason = reason.strip()
    if not reason:
        errors["reason"] = [_("Give the reason for the moderated score.")]
    elif len(reason) > _REASON_MAX:
        errors["reason"] = [_("At most %(n)s characters.") % {"n": _REASON_MAX}]
    if errors:
        raise ApplicationError(_("Some answers need correcting."), fields=errors)
    moderation = Moderation.objects.create(
        bid=bid,
        score=value.quantize(Decimal("0.01")),
        reason=reason,
        moderated_by=actor.user,
        moderated_at=timezone.now(),
    )
    audit_record(
        by=AuditActor.for_user(actor.user),
        action="scoring.moderated",
        subject=moderation,
        data={
            "fund": bid.fund_id,
            "bid": bid.pk,
            "score": str(moderation.score),
            "reason_sha256": _text_sha256(reason),
        },
    )
    return moderation


# --- reminders ----------------------------------------------------------------------------------


def _members(fund: Fund) -> list[RoleGrant]:
    return list(
        RoleGrant.objects.filter(
            panel=fund.panel_id,
            role__in=[Role.PANEL_CHAIR, Role.PANEL_MEMBER],
            revoked_at__isnull=True,
            user__is_active=True,
        )
        .select_related("user")
        .order_by("user_id")
    )


@transaction.atomic
def scoring_reminders_send(*, now: datetime | None = None) -> int:
    """Remind members with work left at each of their funds' reminder times before scoring
    closes (when voting opens). Each reminder goes once: running this again sends nothing."""
    now = now or timezone.now()
    sent = 0
    funds = Fund.objects.select_for_update(skip_locked=True).filter(
        phase=Phase.SCORING, voting_opens_at__gt=now
    )
    for fund in funds:
        deadline = fund.voting_opens_at
        assert deadline is not None
        due = [h for h in settings_for(fund).reminder_hours if now >= deadline - timedelta(hours=h)]
        if not due:
            continue
        hours = min(due)  # the latest reminder that is due; earlier ones are past
        count = 0
        for grant in _members(fund):
            undeclared, unscored = work_left(grant.user_id, fund)
            if not undeclared and not unscored:
                continue
            written = notify(
                kind=Kind.SCORING_REMINDER,
                subject=fund,
                dedupe_key=f"scoring_reminder:{fund.pk}:{hours}:{grant.user_id}",
                user=grant.user,
                context={
                    "fund": fund.name,
                    "deadline": deadline.isoformat(),
                    "undeclared": undeclared,
                    "unscored": unscored,
                },
            )
            count += bool(written)
        if count:
            audit_record(
                by=AuditActor.scheduler(),
                action="scoring.reminders_sent",
                subject=fund,
                data={"hours_before": hours, "members": count},
            )
        sent += count
    return sent


# --- the shortlist ------------------------------------------------------------------------------


def _parse_rule(rule: str, parameter: str) -> shortlist_rules.ShortlistRule:
    """The shortlist rule from its name and its parameter as text, or field errors."""
    text = parameter.strip()
    try:
        if rule == ShortlistRule.TOP_N:
            if not text.isdigit():
                raise ValueError(_("Enter a whole number of bids, 1 or more."))
            return shortlist_rules.top_n(int(text))
        if rule in (ShortlistRule.MIN_SCORE, ShortlistRule.BUDGET_MULTIPLE):
            try:
                value = Fraction(Decimal(text))
            except (InvalidOperation, ValueError):
                raise ValueError(_("Enter a number, such as 60 or 2.5.")) from None
            if rule == ShortlistRule.MIN_SCORE:
                return shortlist_rules.min_score(value)
            return shortlist_rules.budget_multiple(value)
    except ValueError as refused:
        raise ApplicationError(
            _("Check the shortlist rule."), fields={"parameter": [str(refused)]}
        ) from None
    raise ApplicationError(
        _("Check the shortlist rule."), fields={"rule": [_("Choose one of the rules.")]}
    )


def _proposal(
    fund: Fund, rule: shortlist_rules.ShortlistRule
) -> tuple[shortlist_rules.ShortlistProposal, dict[int, Bid], dict[int, Fraction | None]]:
    scores = {result.bid_id: result.score for result in panel_scores(fund).bids}
    bids = {bid.pk: bid for bid in eligible_bids(fund)}
    proposal = shortlist_rules.propose(
        [
            shortlist_rules.ShortlistBid(
                id=bid.pk, score=scores.get(bid.pk), cost_pence=bid.amount_requested_pence
            )
            for bid in bids.values()
        ],
        rule,
        fund.budget_pence,
    )
    return proposal, bids, scores


@transaction.atomic
def shortlist_propose(*, actor: Actor, fund: Fund, rule: str, parameter: str) -> Shortlist:
    """The chair applies a shortlist rule to the panel's scores; the proposal replaces any
    earlier one (keeping the feedback and exclusive groups already written)."""
    fund = _locked_fund(fund)
    _require_chair(actor, fund)
    _require_scoring(fund, _("propose the shortlist"))
    _require_open_shortlist(fund)
    parsed = _parse_rule(rule, parameter)
    proposal, bids, scores = _proposal(fund, parsed)
    shortlist, _created = Shortlist.objects.update_or_create(
        fund=fund,
        defaults={
            "rule": rule,
            "parameter": parameter.strip(),
            "proposed_at": timezone.now(),
            "proposed_by": actor.user,
        },
    )
    kept = {
        entry.bid_id: (entry.feedback, entry.exclusive_group)
        for entry in ShortlistEntry.objects.filter(shortlist=shortlist)
    }
    ShortlistEntry.objects.filter(shortlist=shortlist).delete()
    ranked = len([d for d in proposal.decisions if d.rank is not None])
    unscored = 0
    for decision in proposal.decisions:
        if decision.rank is None:
            unscored += 1
        bid = bids[decision.bid_id]
        score = scores.get(bid.pk)
        feedback, group = kept.get(bid.pk, ("", ""))
        ShortlistEntry.objects.create(
            shortlist=shortlist,
            bid=bid,
            rank=decision.rank if decision.rank is not None else ranked + unscored,
            shortlisted=decision.proposed,
            reason=str(decision.reason),
            cost_pence=bid.amount_requested_pence,
            pot=bid.pot,
            exclusive_group=group,
            panel_score=Decimal(score_text(score)) if score is not None else None,
            feedback=feedback,
        )
    audit_record(
        by=AuditActor.for_user(actor.user),
        action="scoring.shortlist_proposed",
        subject=shortlist,
        data={
            "fund": fund.pk,
            "rule": rule,
            "parameter": parameter.strip(),
            "proposed": list(proposal.proposed_ids),
            "scores": {
                str(bid_id): (score_text(score) if score is not None else None)
                for bid_id, score in sorted(scores.items())
            },
        },
    )
    return shortlist


_GROUP_MAX = 40
_FEEDBACK_MAX = 4000


@transaction.atomic
def shortlist_entry_set(
    *, actor: Actor, fund: Fund, bid_id: int, feedback: str, exclusive_group: str = ""
) -> ShortlistEntry:
    """Before confirming, the chair writes a bid's anonymised feedback and, where bids exclude
    one another, the name of their exclusive group (at most one of a group can be funded)."""
    fund = _locked_fund(fund)
    _require_chair(actor, fund)
    _require_open_shortlist(fund)
    entry = ShortlistEntry.objects.filter(shortlist__fund=fund, bid_id=bid_id).first()
    if entry is None:
        raise NotFound(_("Propose the shortlist first."))
    feedback = feedback.strip()
    exclusive_group = exclusive_group.strip()
    errors: dict[str, list[str]] = {}
    if len(feedback) > _FEEDBACK_MAX:
        errors["feedback"] = [_("At most %(n)s characters.") % {"n": _FEEDBACK_MAX}]
    if len(exclusive_group) > _GROUP_MAX:
        errors["exclusive_group"] = [_("At most %(n)s characters.") % {"n": _GROUP_MAX}]
    if errors:
        raise ApplicationError(_("Some answers need correcting."), fields=errors)
    entry.feedback = feedback
    entry.exclusive_group = exclusive_group
    entry.save(update_fields=["feedback", "exclusive_group"])
    audit_record(
        by=AuditActor.for_user(actor.user),
        action="scoring.shortlist_entry_set",
        subject=entry,
        data={
            "fund": fund.pk,
            "bid": bid_id,
            "exclusive_group": exclusive_group,
            "feedback_sha256": _text_sha256(feedback) if feedback else None,
        },
    )
    return entry


def _shortlist_snapshot(shortlist: Shortlist) -> dict[str, object]:
    """What confirming freezes: the rule and, per bid, its place, cost, pot, group and score."""
    return {
        "fund": shortlist.fund_id,
        "rule": shortlist.rule,
        "parameter": shortlist.parameter,
        "budget_pence": shortlist.fund.budget_pence,
        "entries": [
            {
                "bid": entry.bid_id,
                "rank": entry.rank,
                "shortlisted": entry.shortlisted,
                "reason": entry.reason,
                "cost_pence": entry.cost_pence,
                "pot": entry.pot_id,
                "exclusive_group": entry.exclusive_group,
                "panel_score": str(entry.panel_score) if entry.panel_score is not None else None,
            }
            for entry in shortlist.entries.order_by("rank")
        ],
    }


def _snapshot_sha256(snapshot: dict[str, object]) -> str:
    """sha256 of canonical JSON (sorted keys, no spaces, UTF-8), as for bids' snapshots."""
    canonical = json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@transaction.atomic
def shortlist_confirm(*, actor: Actor, fund: Fund) -> Shortlist:
    """The chair confirms the proposed shortlist: it is frozen, its hash goes into the audit
    chain, and every eligible bid's applicants hear whether it is shortlisted, with feedback.

    Refused if the panel's scores have changed the proposal since it was made (propose again).
    """
    fund = _locked_fund(fund)
    _require_chair(actor, fund)
    _require_scoring(fund, _("confirm the shortlist"))
    _require_open_shortlist(fund)
    shortlist = Shortlist.objects.select_for_update().filter(fund=fund).first()
    if shortlist is None:
        raise ApplicationError(_("Propose the shortlist first."), code="no_proposal")
    entries = list(shortlist.entries.select_related("bid", "bid__organisation"))
    proposal, _bids, _scores = _proposal(fund, _parse_rule(shortlist.rule, shortlist.parameter))
    stored = [entry.bid_id for entry in sorted(entries, key=lambda e: e.rank) if entry.shortlisted]
    if list(proposal.proposed_ids) != stored or {e.bid_id for e in entries} != set(_bids):
        raise ApplicationError(
            _(
                "The panel's scores have changed since the shortlist was proposed. Propose it again."
            ),
            code="proposal_stale",
        )
    if not stored:
        raise ApplicationError(
            _("The proposal shortlists no bid: choose another rule."), code="empty_shortlist"
        )
    shortlist.fund = fund
    snapshot = _shortlist_snapshot(shortlist)
    digest = _snapshot_sha256(snapshot)
    shortlist.confirmed_at = timezone.now()
    shortlist.confirmed_by = actor.user
    shortlist.snapshot = snapshot
    shortlist.snapshot_sha256 = digest
    shortlist.save(update_fields=["confirmed_at", "confirmed_by", "snapshot", "snapshot_sha256"])
    audit_record(
        by=AuditActor.for_user(actor.user),
        action="scoring.shortlist_confirmed",
        subject=shortlist,
        data={"fund": fund.pk, "snapshot_sha256": digest, "shortlisted": stored},
    )
    for entry in entries:
        for grant in RoleGrant.objects.filter(
            organisation=entry.bid.organisation_id, role=Role.APPLICANT, revoked_at__isnull=True
        ).select_related("user"):
            notify(
                kind=Kind.SHORTLIST_DECIDED,
                subject=entry.bid,
                dedupe_key=f"shortlist_decided:{entry.bid_id}:{grant.user_id}",
                user=grant.user,
                context={
                    "fund": fund.name,
                    "bid": entry.bid.title,
                    "shortlisted": entry.shortlisted,
                    "feedback": entry.feedback,
                },
            )
    return shortlist
