"""Panel scoring pages: a member declares conflicts of interest on every eligible bid of a fund,
then scores the bids they are free to score; the chair (and the council's officers and auditors)
follow progress, conflicts and flags on a dashboard, moderate and reopen, and the chair proposes
and confirms the shortlist.

Each view reads through the scoring selectors, writes through the scoring services, and renders;
the selectors and services decide who may see and do what (a conflicted member meets a 404, as
for a bid that does not exist). Every form works without JavaScript; every POST redirects.
Times are shown in Europe/London.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_stubs_ext import StrOrPromise

from backend.accounts.permissions import Actor
from backend.accounts.sessions import actor_from_request
from backend.bids.selectors import bid_get
from backend.core.errors import ApplicationError, NotFound, PermissionDenied
from backend.funds.selectors import fund_access, funds_for_actor
from backend.scoring.aggregate import BidAggregate, score_text
from backend.scoring.selectors import (
    DeclarationRow,
    ScoringPage,
    anonymised_comments,
    conflict_get,
    conflict_register,
    declaration_row,
    declarations_for_member,
    eligible_bids,
    fund_aggregate,
    late_conflicts,
    scoring_matrix_csv,
    scoring_page,
    scoring_progress,
    sheet_get,
    shortlist_for_fund,
)
from backend.scoring.services import (
    ScoreInput,
    conflict_declare,
    conflict_review,
    moderation_record,
    scoring_settings_set,
    sheet_reopen,
    sheet_save,
    sheet_submit,
    shortlist_confirm,
    shortlist_entry_set,
    shortlist_propose,
)

from ..forms.errors import apply_application_error
from ..forms.govuk import ConfirmForm, GovukForm
from ..forms.scoring import (
    ConflictDeclarationForm,
    ConflictReviewForm,
    ModerationForm,
    ScoreSheetForm,
    ScoringSettingsForm,
    SheetReopenForm,
    ShortlistEntryForm,
    ShortlistProposeForm,
)
from .errors import renders_domain_errors

SHEET_STATUS_LABELS: dict[str, StrOrPromise] = {
    "not_started": gettext_lazy("Not started"),
    "draft": gettext_lazy("Draft"),
    "submitted": gettext_lazy("Submitted"),
    "conflict": gettext_lazy("Conflict of interest: you cannot score it"),
}

SHORTLIST_REASONS: dict[str, StrOrPromise] = {
    "in_top_n": gettext_lazy("In the top N"),
    "outside_top_n": gettext_lazy("Outside the top N"),
    "meets_min_score": gettext_lazy("Scores at least the threshold"),
    "below_min_score": gettext_lazy("Scores below the threshold"),
    "within_budget_multiple": gettext_lazy("Needed to cover the multiple of the budget"),
    "budget_multiple_reached": gettext_lazy("The multiple of the budget was already covered"),
    "unscored": gettext_lazy("Not scored"),
}


def _summary(*forms: GovukForm | None) -> list[tuple[str, str]]:
    """The error summary of every bound form on a page, in the page's order."""
    entries: list[tuple[str, str]] = []
    for form in forms:
        if form is not None and form.is_bound:
            entries.extend(form.error_summary())
    return entries


def _score(value: Fraction | None) -> str:
    return score_text(value) if value is not None else ""


# --- the member's list: conflicts first, then the bids to score -------------------------------


@dataclass
class _BidToScore:
    row: DeclarationRow
    status: str

    @property
    def status_label(self) -> StrOrPromise:
        return SHEET_STATUS_LABELS[self.status]


def _sheet_statuses(actor: Actor, fund: Any) -> dict[int, str]:
    """{bid id: the member's own sheet status} on the fund's eligible bids, in a fixed number of
    queries. No selector lists a member's sheets, so they are read through the bids' reverse
    relation (the caller has already checked the member's access through the selectors)."""
    statuses: dict[int, str] = {}
    for bid in eligible_bids(fund).prefetch_related("score_sheets"):
        for sheet in cast(Any, bid).score_sheets.all():
            if sheet.member_id == actor.user.pk:
                statuses[bid.pk] = str(sheet.status)
    return statuses


def _status(row: DeclarationRow, sheets: dict[int, str]) -> str:
    if row.declaration is not None and row.declaration.conflicted:
        return "conflict"
    sheet = sheets.get(row.bid_id)
    if sheet is None:
        return "not_started"
    if sheet == "void":
        return "conflict"  # voided by a conflict: the bid is closed to this member
    return "submitted" if sheet == "submitted" else "draft"


@login_required
@renders_domain_errors
def scoring_home(request: HttpRequest, fund_id: int) -> HttpResponse:
    """A panel member's scoring: first a declaration on every eligible bid (who is behind it, no
    content), then the bids to score with where each stands. Officers and auditors, who do not
    score, are sent to the dashboard."""
    actor = actor_from_request(request)
    access = fund_access(actor=actor, fund_id=fund_id)
    fund = access.fund
    try:
        rows = declarations_for_member(actor=actor, fund=fund)
    except NotFound:
        scoring_progress(actor=actor, fund=fund)  # refuses anyone who may not see it either
        return redirect("scoring_dashboard", fund_id=fund.pk)
    undeclared = [row for row in rows if row.declaration is None]
    context: dict[str, Any] = {
        "fund": fund,
        "access": access,
        "scoring": fund.phase == "scoring",
        "rows": rows,
        "undeclared": [(row, ConflictDeclarationForm(bid_id=row.bid_id)) for row in undeclared],
        "declared_count": len(rows) - len(undeclared),
        "to_score": [],
        "conflicted": [],
    }
    if rows and not undeclared:
        sheets = _sheet_statuses(actor, fund)
        statuses = [_BidToScore(row, _status(row, sheets)) for row in rows]
        # A conflicted bid is not in the list: only who is behind it, as when declaring.
        context["to_score"] = [item for item in statuses if item.status != "conflict"]
        context["conflicted"] = [item for item in statuses if item.status == "conflict"]
    return render(request, "frontend/scoring/home.html", context)


# --- declaring a conflict of interest ------------------------------------------------------------


@login_required
@renders_domain_errors
@require_http_methods(["GET", "POST"])
def bid_declare(request: HttpRequest, bid_id: int) -> HttpResponse:
    """One bid's declaration: no conflict, or a conflict with the relationship and a description.
    "No conflict" can later become a conflict; a conflict stands."""
    actor = actor_from_request(request)
    row = declaration_row(actor=actor, bid_id=bid_id)
    # declaration_row has checked the member may declare on the bid; find its fund for the rest.
    fund = funds_for_actor(actor=actor).filter(bids__pk=row.bid_id).get()
    form = ConflictDeclarationForm(
        request.POST if request.method == "POST" else None, bid_id=row.bid_id
    )
    if request.method == "POST" and form.is_valid():
        bid = eligible_bids(fund).get(pk=row.bid_id)
        try:
            conflict_declare(
                actor=actor,
                bid=bid,
                conflicted=form.conflicted,
                relationship=form.cleaned_data.get("relationship") or "",
                description=form.cleaned_data.get("description") or "",
            )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            if form.conflicted:
                done = _(
                    "You declared a conflict of interest on the bid from %(organisation)s. You will "
                    "not see or score it."
                )
            else:
                done = _("You declared no conflict on the bid from %(organisation)s.")
            messages.success(request, done % {"organisation": row.organisation})
            return redirect("scoring_home", fund_id=fund.pk)
    return render(
        request,
        "frontend/scoring/declare.html",
        {
            "fund": fund,
            "row": row,
            "form": form,
            "summary": _summary(form),
            "stands": row.declaration is not None and row.declaration.conflicted,
        },
    )


# --- the scoring sheet ---------------------------------------------------------------------------


def _render_sheet(
    request: HttpRequest, page: ScoringPage, form: ScoreSheetForm | None
) -> HttpResponse:
    submitted = page.sheet is not None and page.sheet.status == "submitted"
    return render(
        request,
        "frontend/scoring/score.html",
        {
            "page": page,
            "bid": page.bid,
            "fund": page.fund,
            "submitted": submitted,
            "form": None if submitted else form or ScoreSheetForm(criteria=page.criteria),
            "summary": _summary(form),
            "scoring": page.fund.phase == "scoring",
        },
    )


@login_required
@renders_domain_errors
@require_http_methods(["GET", "POST"])
def bid_score(request: HttpRequest, bid_id: int) -> HttpResponse:
    """The bid's content, its cost and evidence beside the fund's medians, and the member's sheet:
    a score and a comment per criterion, saved as a draft or submitted (locked). Others' scores
    for the bid appear only once the member's own are submitted."""
    actor = actor_from_request(request)
    page = scoring_page(actor=actor, bid_id=bid_id)
    if request.method != "POST":
        return _render_sheet(request, page, None)
    form = ScoreSheetForm(request.POST, criteria=page.criteria)
    submit = request.POST.get("action") == "submit"
    if form.is_valid() and not submit:
        form.check_draft()
    if not form.errors:
        scores = {
            criterion_id: ScoreInput(value, comment)
            for criterion_id, (value, comment) in form.answers().items()
        }
        try:
            sheet_save(actor=actor, bid=page.bid, scores=scores)
            if submit:
                sheet_submit(actor=actor, bid=page.bid)
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            if submit:
                done = _(
                    "Your scores for “%(title)s” are submitted. Only the chair can reopen them."
                )
            else:
                done = _("Your draft scores for “%(title)s” are saved.")
            messages.success(request, done % {"title": page.bid.title or _("Untitled bid")})
            return redirect("bid_score", bid_id=page.bid.pk)
    return _render_sheet(request, page, form)


# --- the chair's dashboard -----------------------------------------------------------------------


@dataclass
class _BidRow:
    """One bid on the dashboard: its aggregate, its flags in words and its submitted sheets."""

    bid: Any
    result: BidAggregate
    flags: list[tuple[str, str]]
    sheets: list[tuple[Any, SheetReopenForm | None]] = field(default_factory=list)

    @property
    def score(self) -> str:
        return _score(self.result.score)

    @property
    def raw(self) -> str:
        return _score(self.result.raw_mean)

    @property
    def calibrated(self) -> str:
        return _score(self.result.calibrated_mean)

    @property
    def moderated(self) -> str:
        return _score(self.result.moderated_score)

    @property
    def spread(self) -> str:
        return _score(self.result.range)

    def _totals(self) -> list[Fraction]:
        return [sheet.raw for sheet in self.result.sheets]

    @property
    def low(self) -> str:
        return _score(min(self._totals())) if self.result.sheets else ""

    @property
    def high(self) -> str:
        return _score(max(self._totals())) if self.result.sheets else ""


def _flag_texts(result: BidAggregate, settings: Any) -> list[tuple[str, str]]:
    texts = {
        "disagreement": (
            _("Disagreement"),
            _("The scorers' totals differ by more than %(n)s points: talk it through.")
            % {"n": settings.disagreement_threshold},
        ),
        "too_few_scorers": (
            _("Too few scorers"),
            _("Fewer than %(n)s members without a conflict have submitted scores for it.")
            % {"n": settings.min_scorers},
        ),
        "moderated": (
            _("Moderated"),
            _("The chair recorded a moderated score, which is the score used."),
        ),
        "uses_fallback": (
            _("Uses raw scores"),
            _(
                "At least one scorer has fewer than three submitted sheets or gave every bid the "
                "same total, so their raw scores stand in for calibrated ones."
            ),
        ),
    }
    return [texts[name] for name in result.flags]


@dataclass
class _DashboardForms:
    settings: ScoringSettingsForm | None = None
    reopen: SheetReopenForm | None = None
    review: ConflictReviewForm | None = None


def _dashboard(request: HttpRequest, fund_id: int, bound: _DashboardForms) -> HttpResponse:
    actor = actor_from_request(request)
    access = fund_access(actor=actor, fund_id=fund_id)
    fund = access.fund
    progress = scoring_progress(actor=actor, fund=fund)
    register = conflict_register(actor=actor, fund=fund)
    late = list(late_conflicts(actor=actor, fund=fund))
    aggregation = fund_aggregate(actor=actor, fund=fund)
    settings = progress.settings
    open_for_changes = fund.phase == "scoring" and not (
        progress.shortlist is not None and progress.shortlist.confirmed_at is not None
    )
    may_reopen = access.is_chair and open_for_changes
    bids = {bid.pk: bid for bid in eligible_bids(fund).prefetch_related("score_sheets__member")}
    rows = []
    for result in aggregation.bids:
        bid = bids[result.bid_id]
        row = _BidRow(bid=bid, result=result, flags=_flag_texts(result, settings))
        # No selector lists a fund's sheets with their ids (needed to reopen one): read them
        # through the bid's reverse relation, prefetched above.
        sheets = cast(Any, bid).score_sheets.all()
        for sheet in sorted(sheets, key=lambda s: (s.submitted_at, s.pk)):
            if sheet.status != "submitted":
                continue
            form = None
            if may_reopen:
                form = (
                    bound.reopen
                    if bound.reopen is not None and bound.reopen.sheet_id == sheet.pk
                    else SheetReopenForm(sheet_id=sheet.pk)
                )
            row.sheets.append((sheet, form))
        rows.append(row)
    review_forms: list[tuple[Any, ConflictReviewForm | None]] = []
    for declaration in late:
        review: ConflictReviewForm | None = None
        if access.is_officer and declaration.reviewed_at is None:
            review = (
                bound.review
                if bound.review is not None and bound.review.declaration_id == declaration.pk
                else ConflictReviewForm(declaration_id=declaration.pk)
            )
        review_forms.append((declaration, review))
    settings_form = None
    if access.is_chair and open_for_changes:
        settings_form = bound.settings or ScoringSettingsForm(
            initial={
                "calibrate": "yes" if settings.calibrate else "no",
                "disagreement_threshold": settings.disagreement_threshold,
                "min_scorers": settings.min_scorers,
                "reminder_hours": ", ".join(str(h) for h in settings.reminder_hours),
            }
        )
    summary = _summary(bound.settings, bound.reopen, bound.review)
    return render(
        request,
        "frontend/scoring/dashboard.html",
        {
            "fund": fund,
            "access": access,
            "progress": progress,
            "register": register,
            "conflicts": [r for r in register if r.declaration and r.declaration.conflicted],
            "undeclared": [r for r in register if r.declaration is None],
            "late": review_forms,
            "rows": rows,
            "aggregation": aggregation,
            "settings": settings,
            "settings_form": settings_form,
            "may_moderate": access.is_chair or access.is_officer,
            "open_for_changes": open_for_changes,
            "summary": summary,
        },
        status=200,
    )


@login_required
@renders_domain_errors
def scoring_dashboard(request: HttpRequest, fund_id: int) -> HttpResponse:
    """Progress per member, the conflicts register, late conflicts, each bid's panel score and
    flags, and the chair's settings: for the chair and the council's officers and auditors."""
    return _dashboard(request, fund_id, _DashboardForms())


@login_required
@renders_domain_errors
@require_POST
def scoring_settings(request: HttpRequest, fund_id: int) -> HttpResponse:
    """The chair sets calibration, the disagreement threshold, the minimum scorers and reminders."""
    actor = actor_from_request(request)
    fund = fund_access(actor=actor, fund_id=fund_id).fund
    form = ScoringSettingsForm(request.POST)
    if form.is_valid():
        try:
            scoring_settings_set(
                actor=actor,
                fund=fund,
                calibrate=form.calibrate_chosen,
                disagreement_threshold=form.cleaned_data["disagreement_threshold"],
                min_scorers=form.cleaned_data["min_scorers"],
                reminder_hours=form.cleaned_data["reminder_hours"],
            )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("The scoring settings are saved."))
            return redirect("scoring_dashboard", fund_id=fund.pk)
    return _dashboard(request, fund.pk, _DashboardForms(settings=form))


@login_required
@renders_domain_errors
@require_POST
def sheet_reopen_view(request: HttpRequest, sheet_id: int) -> HttpResponse:
    """The chair reopens a member's submitted sheet, with a reason the member is told."""
    actor = actor_from_request(request)
    sheet = sheet_get(actor=actor, sheet_id=sheet_id)
    form = SheetReopenForm(request.POST, sheet_id=sheet.pk)
    if form.is_valid():
        try:
            sheet_reopen(actor=actor, sheet=sheet, reason=form.cleaned_data["reason"])
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(
                request,
                _("%(member)s's scores for “%(title)s” are reopened. They have been told.")
                % {
                    "member": sheet.member.full_name or sheet.member.email,
                    "title": sheet.bid.title or _("Untitled bid"),
                },
            )
            return redirect("scoring_dashboard", fund_id=sheet.bid.fund_id)
    return _dashboard(request, sheet.bid.fund_id, _DashboardForms(reopen=form))


@login_required
@renders_domain_errors
@require_POST
def conflict_review_view(request: HttpRequest, declaration_id: int) -> HttpResponse:
    """An officer records what was done about a conflict declared after the shortlist."""
    actor = actor_from_request(request)
    declaration = conflict_get(actor=actor, declaration_id=declaration_id)
    form = ConflictReviewForm(request.POST, declaration_id=declaration.pk)
    if form.is_valid():
        try:
            conflict_review(actor=actor, declaration=declaration, note=form.cleaned_data["note"])
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("Your review of the late conflict is recorded."))
            return redirect("scoring_dashboard", fund_id=declaration.bid.fund_id)
    return _dashboard(request, declaration.bid.fund_id, _DashboardForms(review=form))


@login_required
@renders_domain_errors
def scoring_matrix(request: HttpRequest, fund_id: int) -> HttpResponse:
    """The scoring matrix as CSV (a row per bid, member and criterion; conflicts marked), for auditors."""
    actor = actor_from_request(request)
    fund = fund_access(actor=actor, fund_id=fund_id).fund
    text = scoring_matrix_csv(actor=actor, fund=fund)
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="fund-{fund.pk}-scoring-matrix.csv"'
    return response


# --- moderation ---------------------------------------------------------------------------------


@login_required
@renders_domain_errors
@require_http_methods(["GET", "POST"])
def bid_moderate(request: HttpRequest, bid_id: int) -> HttpResponse:
    """The chair (or an officer, when the chair is conflicted) records a moderated score."""
    actor = actor_from_request(request)
    bid = bid_get(actor=actor, bid_id=bid_id)
    aggregation = fund_aggregate(actor=actor, fund=bid.fund)
    access = fund_access(actor=actor, fund_id=bid.fund_id)
    if not (access.is_chair or access.is_officer):
        raise PermissionDenied(
            _("Only the panel chair, or an officer when the chair has a conflict, moderates.")
        )
    try:
        result = aggregation.bid(bid.pk)
    except KeyError:
        raise NotFound(_("No such bid.")) from None
    form = ModerationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            moderation_record(
                actor=actor,
                bid=bid,
                score=form.cleaned_data["score"],
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(
                request,
                _("The moderated score for “%(title)s” is recorded.")
                % {"title": bid.title or _("Untitled bid")},
            )
            return redirect("scoring_dashboard", fund_id=bid.fund_id)
    return render(
        request,
        "frontend/scoring/moderate.html",
        {
            "bid": bid,
            "fund": bid.fund,
            "result": result,
            "raw": _score(result.raw_mean),
            "calibrated": _score(result.calibrated_mean),
            "moderated": _score(result.moderated_score),
            "form": form,
            "summary": _summary(form),
        },
    )


# --- the shortlist ------------------------------------------------------------------------------


@dataclass
class _ShortlistForms:
    propose: ShortlistProposeForm | None = None
    entry: ShortlistEntryForm | None = None
    confirm: ConfirmForm | None = None


def _shortlist(request: HttpRequest, fund_id: int, bound: _ShortlistForms) -> HttpResponse:
    actor = actor_from_request(request)
    access = fund_access(actor=actor, fund_id=fund_id)
    fund = access.fund
    shortlist = shortlist_for_fund(actor=actor, fund=fund)
    confirmed = shortlist is not None and shortlist.confirmed_at is not None
    may_edit = access.is_chair and not confirmed and fund.phase == "scoring"
    overseer = access.role != "panel_member"
    entries = []
    if shortlist is not None:
        for entry in shortlist.entries.select_related("bid", "bid__organisation").order_by("rank"):
            form = None
            if may_edit:
                form = (
                    bound.entry
                    if bound.entry is not None and bound.entry.bid_id == entry.bid_id
                    else ShortlistEntryForm(
                        bid_id=entry.bid_id,
                        initial={
                            "feedback": entry.feedback,
                            "exclusive_group": entry.exclusive_group,
                        },
                    )
                )
            comments = anonymised_comments(actor=actor, bid=entry.bid) if overseer else []
            entries.append(
                {
                    "entry": entry,
                    "reason": SHORTLIST_REASONS.get(entry.reason, entry.reason),
                    "comments": comments,
                    "form": form,
                }
            )
    propose_form = None
    if may_edit:
        propose_form = bound.propose or ShortlistProposeForm(
            initial={"rule": shortlist.rule, "parameter": shortlist.parameter}
            if shortlist is not None
            else None
        )
    return render(
        request,
        "frontend/scoring/shortlist.html",
        {
            "fund": fund,
            "access": access,
            "shortlist": shortlist,
            "confirmed": confirmed,
            "may_edit": may_edit,
            "entries": entries,
            "propose_form": propose_form,
            "confirm_form": bound.confirm or ConfirmForm(),
            "summary": _summary(bound.propose, bound.entry, bound.confirm),
            "rule_label": shortlist.get_rule_display() if shortlist is not None else "",
        },
    )


@login_required
@renders_domain_errors
@require_http_methods(["GET", "POST"])
def shortlist_page(request: HttpRequest, fund_id: int) -> HttpResponse:
    """The chair proposes the shortlist by a rule; the proposal is ranked with each bid's score,
    cost and why it is in or out; officers and auditors (and, once confirmed, the panel) read it."""
    if request.method != "POST":
        return _shortlist(request, fund_id, _ShortlistForms())
    actor = actor_from_request(request)
    fund = fund_access(actor=actor, fund_id=fund_id).fund
    form = ShortlistProposeForm(request.POST)
    if form.is_valid():
        try:
            shortlist_propose(
                actor=actor,
                fund=fund,
                rule=form.cleaned_data["rule"],
                parameter=form.cleaned_data["parameter"],
            )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("The shortlist is proposed. Check it, then confirm it."))
            return redirect("shortlist", fund_id=fund.pk)
    return _shortlist(request, fund.pk, _ShortlistForms(propose=form))


@login_required
@renders_domain_errors
@require_POST
def shortlist_entry(request: HttpRequest, fund_id: int, bid_id: int) -> HttpResponse:
    """The chair saves one bid's feedback to its applicant and its exclusive group."""
    actor = actor_from_request(request)
    fund = fund_access(actor=actor, fund_id=fund_id).fund
    form = ShortlistEntryForm(request.POST, bid_id=bid_id, initial={})
    if form.is_valid():
        try:
            entry = shortlist_entry_set(
                actor=actor,
                fund=fund,
                bid_id=bid_id,
                feedback=form.cleaned_data["feedback"],
                exclusive_group=form.cleaned_data["exclusive_group"],
            )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(
                request,
                _("Saved the feedback on “%(title)s”.")
                % {"title": entry.bid.title or _("Untitled bid")},
            )
            return redirect("shortlist", fund_id=fund.pk)
    return _shortlist(request, fund.pk, _ShortlistForms(entry=form))


@login_required
@renders_domain_errors
@require_POST
def shortlist_confirm_view(request: HttpRequest, fund_id: int) -> HttpResponse:
    """The chair confirms the shortlist: frozen, hashed into the audit chain, applicants told."""
    actor = actor_from_request(request)
    fund = fund_access(actor=actor, fund_id=fund_id).fund
    form = ConfirmForm(request.POST)
    if form.is_valid():
        try:
            shortlist_confirm(actor=actor, fund=fund)
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(
                request, _("The shortlist is confirmed. The applicants have been told.")
            )
            return redirect("shortlist", fund_id=fund.pk)
    return _shortlist(request, fund.pk, _ShortlistForms(confirm=form))
