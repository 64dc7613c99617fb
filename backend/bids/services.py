"""Writes about bids: drafting, budget lines, attachments, submission, withdrawal and screening.

Any applicant of the bid's organisation may work on it: members of an organisation work on its
bids together. Every change is audited; free text enters the chain only as its sha256.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from backend.accounts.models import Organisation, Role, RoleGrant
from backend.accounts.permissions import Actor, require_officer, require_organisation_member
from backend.audit.services import AuditActor, audit_record
from backend.core.errors import ApplicationError
from backend.funds.models import EligibilityItem, Fund, Phase, Pot
from backend.notifications.models import Kind
from backend.notifications.services import notify

from .content_check import check_upload
from .declarations import DECLARATION_CODES
from .models import (
    Attachment,
    Bid,
    BudgetLine,
    EvidenceLevel,
    ScreeningCheck,
    ScreeningOutcome,
    Status,
)
from .selectors import bid_snapshot, bid_snapshot_sha256, snapshot_sha256, upload_storage
from .workflows import allowed

# Fields a bid must have before it can be submitted (partners and named staff are optional).
REQUIRED_FOR_SUBMISSION = (
    "title",
    "summary",
    "need",
    "population_served",
    "outcomes",
    "evidence_level",
    "evidence_sources",
    "delivery_plan",
    "beneficiaries",
)
_TITLE_MAX = 200
_LINE_DESCRIPTION_MAX = 300


def _text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class BudgetLineInput:
    description: str
    amount_pence: int


def _bid_locked(bid: Bid) -> Bid:
    return (
        Bid.objects.select_for_update(of=("self",))
        .select_related("fund", "organisation", "pot")
        .get(pk=bid.pk)
    )


def _draft_for(actor: Actor, bid: Bid) -> Bid:
    """The bid, locked, if the actor may change it and it is still a draft."""
    locked = _bid_locked(bid)
    require_organisation_member(actor, locked.organisation)
    if locked.status != Status.DRAFT:
        raise ApplicationError(
            _("This bid has been submitted or withdrawn, so it can no longer change."),
            code="bid_locked",
        )
    return locked


def _bids_open(fund: Fund) -> bool:
    """The fund takes bids now, by the server's clock (the deadline itself is too late)."""
    return (
        fund.phase == Phase.OPEN_FOR_BIDS
        and fund.bids_close_at is not None
        and timezone.now() < fund.bids_close_at
    )


def _require_bids_open(fund: Fund, what: str) -> None:
    if not _bids_open(fund):
        raise ApplicationError(
            _("The fund is not taking bids now, so you cannot %(what)s.") % {"what": what},
            code="bids_closed",
        )


def _pot_of(fund: Fund, pot_id: int | None) -> Pot | None:
    if pot_id is None:
        return None
    pot = Pot.objects.filter(fund=fund, pk=pot_id).first()
    if pot is None:
        raise ApplicationError(
            _("Choose one of the fund's pots."), fields={"pot": [_("Not a pot of this fund.")]}
        )
    return pot


@transaction.atomic
def bid_create(
    *,
    actor: Actor,
    fund: Fund,
    organisation: Organisation,
    title: str = "",
    pot_id: int | None = None,
) -> Bid:
    """A new draft bid of ``organisation`` for a fund open for bids."""
    require_organisation_member(actor, organisation)
    fund = Fund.objects.select_for_update().get(pk=fund.pk)
    _require_bids_open(fund, _("start a bid"))
    title = title.strip()
    if len(title) > _TITLE_MAX:
        raise ApplicationError(
            _("The title is too long."),
            fields={"title": [_("At most %(n)s characters.") % {"n": _TITLE_MAX}]},
        )
    bid = Bid.objects.create(
        fund=fund,
        organisation=organisation,
        pot=_pot_of(fund, pot_id),
        title=title,
        created_by=actor.user,
    )
    audit_record(
        by=AuditActor.for_user(actor.user),
        action="bid.created",
        subject=bid,
        data={
            "fund": fund.pk,
            "organisation": organisation.pk,
            "pot": bid.pot_id,
            "title_sha256": _text_sha256(title),
        },
    )
    return bid


def _int_errors(value: object, low: int, high: int | None) -> bool:
    """Whether ``value`` is not a whole number in [low, high]."""
    return (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value < low
        or (high is not None and value > high)
    )


@transaction.atomic
def bid_update(
    *,
    actor: Actor,
    bid: Bid,
    title: str | None = None,
    summary: str | None = None,
    need: str | None = None,
    population_served: str | None = None,
    outcomes: str | None = None,
    evidence_level: int | None = None,
    evidence_sources: str | None = None,
    delivery_plan: str | None = None,
    beneficiaries: int | None = None,
    partners: str | None = None,
    named_staff: str | None = None,
    pot_id: int | None = None,
) -> Bid:
    """Save a draft: any fields given (None leaves a field as it is); incomplete is fine.

    Text is stored exactly as given (escaping is the job of whatever shows it).
    """
    bid = _draft_for(actor, bid)
    texts = {
        "title": title,
        "summary": summary,
        "need": need,
        "population_served": population_served,
        "outcomes": outcomes,
        "evidence_sources": evidence_sources,
        "delivery_plan": delivery_plan,
        "partners": partners,
        "named_staff": named_staff,
    }
    errors: dict[str, list[str]] = {}
    changed: list[str] = []
    for field, value in texts.items():
        if value is None:
            continue
        if field == "title" and len(value) > _TITLE_MAX:
            errors[field] = [_("At most %(n)s characters.") % {"n": _TITLE_MAX}]
            continue
        setattr(bid, field, value)
        changed.append(field)
    if evidence_level is not None:
        if _int_errors(evidence_level, 1, 5):
            errors["evidence_level"] = [_("Choose a level from 1 to 5.")]
        else:
            bid.evidence_level = EvidenceLevel(evidence_level)
            changed.append("evidence_level")
    if beneficiaries is not None:
        if _int_errors(beneficiaries, 1, None):
            errors["beneficiaries"] = [_("Enter a whole number, more than zero.")]
        else:
            bid.beneficiaries = beneficiaries
            changed.append("beneficiaries")
    if pot_id is not None:
        try:
            bid.pot = _pot_of(bid.fund, pot_id)
            changed.append("pot")
        except ApplicationError as error:
            errors.update(error.fields)
    if errors:
        raise ApplicationError(_("Some answers need correcting."), fields=errors)
    bid.save(update_fields=[*changed, "updated_at"])
    audit_record(
        by=AuditActor.for_user(actor.user),
        action="bid.updated",
        subject=bid,
        data={"fields": sorted(changed), "content_sha256": bid_snapshot_sha256(bid)},
    )
    return bid


@transaction.atomic
def budget_line_set(*, actor: Actor, bid: Bid, lines: Sequence[BudgetLineInput]) -> Bid:
    """Replace the bid's budget lines; every bad line is named at once."""
    bid = _draft_for(actor, bid)
    errors: dict[str, list[str]] = {}
    cleaned: list[tuple[str, int]] = []
    for i, line in enumerate(lines):
        description = line.description.strip()
        if not description:
            errors[f"budget_lines.{i}.description"] = [_("Say what this amount is for.")]
        elif len(description) > _LINE_DESCRIPTION_MAX:
            errors[f"budget_lines.{i}.description"] = [
                _("At most %(n)s characters.") % {"n": _LINE_DESCRIPTION_MAX}
            ]
        if _int_errors(line.amount_pence, 1, None):
            errors[f"budget_lines.{i}.amount_pence"] = [
                _("Enter an amount in pence, more than zero.")
            ]
        cleaned.append((description, line.amount_pence))
    if errors:
        raise ApplicationError(_("Some budget lines need correcting."), fields=errors)
    bid.budget_lines.all().delete()
    BudgetLine.objects.bulk_create(
        BudgetLine(bid=bid, description=description, amount_pence=amount, position=i)
        for i, (description, amount) in enumerate(cleaned)
    )
    bid.save(update_fields=["updated_at"])
    audit_record(
        by=AuditActor.for_user(actor.user),
        action="bid.budget_set",
        subject=bid,
        data={
            "lines": [
                {"description_sha256": _text_sha256(d), "amount_pence": a} for d, a in cleaned
            ],
            "amount_requested_pence": sum(a for _d, a in cleaned),
        },
    )
    return bid


@transaction.atomic
def attachment_add(*, actor: Actor, bid: Bid, filename: str, content: bytes) -> Attachment:
    """Attach a file after checking what it really is (see backend.bids.content_check)."""
    bid = _draft_for(actor, bid)
    checked = check_upload(filename, content)
    sha256 = hashlib.sha256(content).hexdigest()
    if bid.attachments.filter(sha256=sha256).exists():
        message = _("This file is already attached to the bid.")
        raise ApplicationError(message, fields={"file": [message]}, code="file_refused")
    storage = upload_storage()
    stored_path = storage.save(f"bids/{bid.pk}/{sha256}.{checked.extension}", ContentFile(content))
    # Written before commit, so a file the applicant was told is saved is on disk. A rollback
    # after this point leaves an unreferenced file (named by its hash), never a row without one.
    attachment = Attachment.objects.create(
        bid=bid,
        original_name=checked.name,
        content_type=checked.content_type,
        size=len(content),
        sha256=sha256,
        stored_path=stored_path,
        uploaded_by=actor.user,
    )
    audit_record(
        by=AuditActor.for_user(actor.user),
        action="bid.attachment_added",
        subject=bid,
        data={
            "attachment": attachment.pk,
            "sha256": sha256,
            "size": attachment.size,
            "content_type": attachment.content_type,
            "name_sha256": _text_sha256(checked.name),
        },
    )
    return attachment


@transaction.atomic
def attachment_remove(*, actor: Actor, attachment: Attachment) -> Bid:
    """Take a file off a draft bid; the stored file goes once the removal is committed."""
    bid = _draft_for(actor, attachment.bid)
    attachment = Attachment.objects.select_for_update().get(pk=attachment.pk, bid=bid)
    stored_path, sha256, pk = attachment.stored_path, attachment.sha256, attachment.pk
    attachment.delete()
    bid.save(update_fields=["updated_at"])
    audit_record(
        by=AuditActor.for_user(actor.user),
        action="bid.attachment_removed",
        subject=bid,
        data={"attachment": pk, "sha256": sha256},
    )
    transaction.on_commit(lambda: upload_storage().delete(stored_path), robust=True)
    return bid


@transaction.atomic
def bid_set_declarations(*, actor: Actor, bid: Bid, accepted: Collection[str]) -> Bid:
    """Record which declarations the applicant accepts (all of them are needed to submit)."""
    bid = _draft_for(actor, bid)
    unknown = sorted(set(accepted) - set(DECLARATION_CODES))
    if unknown:
        message = _("Unknown declaration: %(codes)s.") % {"codes": ", ".join(unknown)}
        raise ApplicationError(message, fields={"declarations": [message]})
    codes = [code for code in DECLARATION_CODES if code in set(accepted)]
    bid.declarations = codes
    bid.declared_at = timezone.now() if codes else None
    bid.declared_by = actor.user if codes else None
    bid.save(update_fields=["declarations", "declared_at", "declared_by", "updated_at"])
    audit_record(
        by=AuditActor.for_user(actor.user),
        action="bid.declarations_set",
        subject=bid,
        data={"accepted": codes, "content_sha256": bid_snapshot_sha256(bid)},
    )
    return bid


def _submission_errors(bid: Bid) -> dict[str, list[str]]:
    """Everything that stops the bid being submitted, by field (the error-summary pattern)."""
    errors: dict[str, list[str]] = {}
    for field in REQUIRED_FOR_SUBMISSION:
        value = getattr(bid, field)
        if value is None or (isinstance(value, str) and not value.strip()):
            errors[field] = [_("Answer this question before you submit.")]
    amount = bid.amount_requested_pence
    if amount <= 0:
        errors["budget_lines"] = [_("Add at least one budget line.")]
    elif bid.pot is not None and amount > bid.pot.share_pence:
        errors["budget_lines"] = [
            _("The amount requested (%(amount)s pence) is more than the pot's %(cap)s pence.")
            % {"amount": amount, "cap": bid.pot.share_pence}
        ]
    elif amount > bid.fund.budget_pence:
        errors["budget_lines"] = [
            _("The amount requested (%(amount)s pence) is more than the fund's %(cap)s pence.")
            % {"amount": amount, "cap": bid.fund.budget_pence}
        ]
    if set(DECLARATION_CODES) - set(bid.declarations):
        errors["declarations"] = [_("Confirm every declaration before you submit.")]
    return errors


def _tell_applicants(bid: Bid, kind: Kind, context: dict[str, object]) -> None:
    """Notify every applicant of the bid's organisation, once per bid and kind."""
    for grant in RoleGrant.objects.filter(
        organisation=bid.organisation_id, revoked_at__isnull=True, role=Role.APPLICANT
    ).select_related("user"):
        notify(
            kind=kind,
            subject=bid,
            dedupe_key=f"{kind.value}:{bid.pk}:{grant.user_id}",
            user=grant.user,
            context={"fund": bid.fund.name, "bid": bid.title, **context},
        )


def _move(bid: Bid, target: Status) -> None:
    if not allowed(bid.status, target):
        raise ApplicationError(
            _("A bid cannot go from %(source)s to %(target)s.")
            % {"source": Status(bid.status).label, "target": target.label},
            code="transition_refused",
        )


@transaction.atomic
def bid_submit(*, actor: Actor, bid: Bid) -> Bid:
    """Submit a complete bid before the deadline; its content is snapshotted and hashed."""
    bid = _bid_locked(bid)
    require_organisation_member(actor, bid.organisation)
    _move(bid, Status.SUBMITTED)
    fund = Fund.objects.select_for_update().get(pk=bid.fund_id)
    bid.fund = fund
    _require_bids_open(fund, _("submit the bid"))
    errors = _submission_errors(bid)
    if errors:
        raise ApplicationError(
            ngettext(
                "There is a problem: %(count)s answer needs attention before you can submit.",
                "There is a problem: %(count)s answers need attention before you can submit.",
                len(errors),
            )
            % {"count": len(errors)},
            fields=errors,
            code="incomplete",
        )
    snapshot = bid_snapshot(bid)
    digest = snapshot_sha256(snapshot)
    bid.status = Status.SUBMITTED
    bid.submitted_at = timezone.now()
    bid.submitted_snapshot = snapshot
    bid.submitted_snapshot_sha256 = digest
    bid.save(
        update_fields=[
            "status",
            "submitted_at",
            "submitted_snapshot",
            "submitted_snapshot_sha256",
            "updated_at",
        ]
    )
    audit_record(
        by=AuditActor.for_user(actor.user),
        action="bid.submitted",
        subject=bid,
        data={
            "before": Status.DRAFT.value,
            "after": Status.SUBMITTED.value,
            "fund": fund.pk,
            "organisation": bid.organisation_id,
            "pot": bid.pot_id,
            "snapshot_sha256": digest,
            "amount_requested_pence": bid.amount_requested_pence,
            "attachments": bid.attachments.count(),
        },
    )
    _tell_applicants(
        bid,
        Kind.BID_SUBMITTED,
        {
            "submitted_at": bid.submitted_at.isoformat(),
            "amount_requested_pence": bid.amount_requested_pence,
            "snapshot_sha256": digest,
        },
    )
    return bid


@transaction.atomic
def bid_withdraw(*, actor: Actor, bid: Bid) -> Bid:
    """Withdraw a draft or submitted bid, while the fund still takes bids."""
    bid = _bid_locked(bid)
    require_organisation_member(actor, bid.organisation)
    _move(bid, Status.WITHDRAWN)
    # Locked (bid, then fund, as in bid_submit) so the fund cannot close half-way through.
    bid.fund = Fund.objects.select_for_update().get(pk=bid.fund_id)
    _require_bids_open(bid.fund, _("withdraw the bid"))
    before = bid.status
    bid.status = Status.WITHDRAWN
    bid.withdrawn_at = timezone.now()
    bid.save(update_fields=["status", "withdrawn_at", "updated_at"])
    audit_record(
        by=AuditActor.for_user(actor.user),
        action="bid.withdrawn",
        subject=bid,
        data={"before": str(before), "after": Status.WITHDRAWN.value, "fund": bid.fund_id},
    )
    _tell_applicants(bid, Kind.BID_WITHDRAWN, {"withdrawn_at": bid.withdrawn_at.isoformat()})
    return bid


def _screenable(actor: Actor, bid: Bid) -> Bid:
    """The bid, locked, if the actor is an officer of its fund (after MFA), the fund is in
    screening and the bid is submitted and not yet decided."""
    bid = _bid_locked(bid)
    require_officer(actor, bid.fund.council)
    # Locked (bid, then fund, as in bid_submit) so the fund cannot move on half-way through.
    bid.fund = Fund.objects.select_for_update().get(pk=bid.fund_id)
    if bid.fund.phase != Phase.SCREENING:
        raise ApplicationError(
            _("Bids can be screened only while the fund is in its screening phase."),
            code="not_screening",
        )
    if bid.status != Status.SUBMITTED:
        raise ApplicationError(
            _("Only a submitted bid that has not been decided can be screened."),
            code="not_screenable",
        )
    return bid


@transaction.atomic
def screening_record_item(
    *,
    actor: Actor,
    bid: Bid,
    item: EligibilityItem,
    outcome: str,
    reason: str,
) -> ScreeningCheck:
    """An officer records the outcome of one checklist item for a submitted bid, with a reason.

    Recording the same item again replaces the earlier outcome; both are audited.
    """
    bid = _screenable(actor, bid)
    errors: dict[str, list[str]] = {}
    if item.fund_id != bid.fund_id:
        errors["item"] = [_("Not an item of this fund's eligibility checklist.")]
    if outcome not in ScreeningOutcome.values:
        errors["outcome"] = [_("Choose pass, fail or not applicable.")]
    reason = reason.strip()
    if not reason:
        errors["reason"] = [_("Give a reason for this outcome.")]
    if errors:
        raise ApplicationError(_("Some answers need correcting."), fields=errors)
    existing = ScreeningCheck.objects.select_for_update().filter(bid=bid, item_id=item.pk).first()
    before = existing.outcome if existing is not None else None
    check, _created = ScreeningCheck.objects.update_or_create(
        bid=bid,
        item_id=item.pk,
        defaults={
            "outcome": outcome,
            "reason": reason,
            "checked_by": actor.user,
            "checked_at": timezone.now(),
        },
    )
    bid.save(update_fields=["updated_at"])
    audit_record(
        by=AuditActor.for_user(actor.user),
        action="bid.screening_item_recorded",
        subject=bid,
        data={
            "fund": bid.fund_id,
            "item": item.pk,
            "before": before,
            "after": outcome,
            "reason_sha256": _text_sha256(reason),
        },
    )
    return check


def _failed_items(checks: Sequence[ScreeningCheck]) -> list[ScreeningCheck]:
    return [check for check in checks if check.outcome == ScreeningOutcome.FAIL]


@transaction.atomic
def screening_decide(*, actor: Actor, bid: Bid, eligible: bool, reason: str = "") -> Bid:
    """An officer decides a screened bid eligible or ineligible; its organisation's applicants
    are told through the outbox in the same transaction.

    Every checklist item needs an outcome first. Eligible needs no failed item; ineligible needs
    a failed item or a reason.
    """
    bid = _screenable(actor, bid)
    target = Status.ELIGIBLE if eligible else Status.INELIGIBLE
    _move(bid, target)
    reason = reason.strip()
    items = list(EligibilityItem.objects.filter(fund_id=bid.fund_id).order_by("position"))
    checks = list(
        ScreeningCheck.objects.filter(bid=bid).select_related("item").order_by("item__position")
    )
    checked = {check.item_id for check in checks}
    missing = [item for item in items if item.pk not in checked]
    if missing:
        raise ApplicationError(
            _("Record an outcome for every checklist item first. Still to do: %(items)s.")
            % {"items": "; ".join(item.text for item in missing)},
            fields={"checklist": [item.text for item in missing]},
            code="screening_incomplete",
        )
    failed = _failed_items(checks)
    if eligible and failed:
        raise ApplicationError(
            _("The bid cannot be eligible: it failed %(items)s.")
            % {"items": "; ".join(check.item.text for check in failed)},
            fields={"eligible": [check.item.text for check in failed]},
            code="failed_items",
        )
    if not eligible and not failed and not reason:
        message = _("Give a reason: the bid failed no checklist item.")
        raise ApplicationError(message, fields={"reason": [message]}, code="reason_required")
    before = bid.status
    bid.status = target
    bid.screened_at = timezone.now()
    bid.screened_by = actor.user
    bid.screening_reason = reason
    bid.save(
        update_fields=["status", "screened_at", "screened_by", "screening_reason", "updated_at"]
    )
    audit_record(
        by=AuditActor.for_user(actor.user),
        action="bid.screened",
        subject=bid,
        data={
            "before": str(before),
            "after": target.value,
            "fund": bid.fund_id,
            "organisation": bid.organisation_id,
            "checks": {str(check.item_id): check.outcome for check in checks},
            "failed": [check.item_id for check in failed],
            "reason_sha256": _text_sha256(reason) if reason else None,
        },
    )
    _tell_applicants(bid, Kind.BID_SCREENED, {"eligible": eligible})
    return bid
