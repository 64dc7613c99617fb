"""Bid pages for applicants: the "my bids" dashboard, starting a bid, the task list and its
multi-page form (save and continue), attachments as their own step, check your answers and
submit, the confirmation, and withdrawal. The bid's read-only page serves everyone who may see
the bid (its organisation, the fund's officers and auditors, and its panel once bids close).

Each view reads through selectors, writes through one service, and renders; the selectors and
services decide who may see or change what, and when (rival applicants get a 404). Times are
shown in Europe/London; money is integer pence in the domain and pounds on the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_stubs_ext import StrOrPromise

from backend.accounts.permissions import Actor
from backend.accounts.selectors import is_organisation_member, organisations_for_user
from backend.accounts.sessions import actor_from_request
from backend.bids.declarations import DECLARATION_CODES, DECLARATIONS
from backend.bids.selectors import (
    attachment_content,
    attachment_get,
    bid_get,
    bids_for_actor,
    public_bid_summaries,
    screening_for_bid,
)
from backend.bids.services import (
    REQUIRED_FOR_SUBMISSION,
    BudgetLineInput,
    attachment_add,
    attachment_remove,
    bid_create,
    bid_set_declarations,
    bid_submit,
    bid_update,
    bid_withdraw,
    budget_line_set,
)
from backend.core.errors import ApplicationError, NotFound, PermissionDenied
from backend.funds.selectors import funds_open_for_bids
from backend.scoring.selectors import shortlist_entry_for_applicant

from ..forms.bids import (
    EVIDENCE_LEVELS,
    EXTRA_BUDGET_ROWS,
    MAX_BUDGET_ROWS,
    AboutForm,
    AttachmentUploadForm,
    BidStartForm,
    BudgetForm,
    DeclarationsForm,
    DeliveryForm,
    EvidenceForm,
    NeedForm,
    OutcomesForm,
    PeopleForm,
)
from ..forms.errors import apply_application_error
from ..forms.govuk import ConfirmForm, GovukForm
from ..templatetags.money import pounds
from .errors import renders_domain_errors

DRAFT = "draft"
# The order in which the dashboard groups bids (the values of backend.bids.models.Status).
STATUS_ORDER = ("draft", "submitted", "eligible", "ineligible", "withdrawn")
STATUS_HEADINGS = {
    "draft": gettext_lazy("In progress"),
    "submitted": gettext_lazy("Submitted"),
    "eligible": gettext_lazy("Screened: eligible"),
    "ineligible": gettext_lazy("Screened: ineligible"),
    "withdrawn": gettext_lazy("Withdrawn"),
}

# Task statuses, as the GOV.UK task list pattern names them (the template words them).
NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
COMPLETED = "completed"
OPTIONAL = "optional"

# Every answer a complete bid needs: the service's list, plus the budget and the declarations.
_REQUIRED = frozenset(REQUIRED_FOR_SUBMISSION) | {"budget_lines", "declarations"}

FIELD_LABELS: dict[str, StrOrPromise] = {
    "title": gettext_lazy("Title"),
    "pot": gettext_lazy("Pot"),
    "summary": gettext_lazy("Summary"),
    "need": gettext_lazy("The need"),
    "population_served": gettext_lazy("The population served"),
    "outcomes": gettext_lazy("Outcomes"),
    "evidence_level": gettext_lazy("Level of evidence"),
    "evidence_sources": gettext_lazy("Sources of evidence"),
    "delivery_plan": gettext_lazy("Delivery plan"),
    "beneficiaries": gettext_lazy("Number of beneficiaries"),
    "partners": gettext_lazy("Partners"),
    "named_staff": gettext_lazy("Named staff"),
    "budget_lines": gettext_lazy("Budget"),
    "declarations": gettext_lazy("Declarations"),
}

# Fields drawn as a group of radios or checkboxes: a link to them goes to the first option.
_GROUPED = {"pot", "evidence_level", "declarations"}


@dataclass(frozen=True)
class Section:
    """One page of the bid form: the answers it holds, by the services' field names."""

    slug: str
    title: StrOrPromise
    fields: tuple[str, ...]
    form_class: type[GovukForm]
    template: str = "frontend/bids/section.html"


SECTIONS: tuple[Section, ...] = (
    Section("about", gettext_lazy("About the bid"), ("title", "pot", "summary"), AboutForm),
    Section(
        "need",
        gettext_lazy("The need and the population served"),
        ("need", "population_served"),
        NeedForm,
    ),
    Section("outcomes", gettext_lazy("Outcomes"), ("outcomes",), OutcomesForm),
    Section(
        "evidence",
        gettext_lazy("Evidence of what works"),
        ("evidence_level", "evidence_sources"),
        EvidenceForm,
        "frontend/bids/evidence.html",
    ),
    Section("delivery", gettext_lazy("Delivery plan"), ("delivery_plan",), DeliveryForm),
    Section(
        "people",
        gettext_lazy("People"),
        ("beneficiaries", "partners", "named_staff"),
        PeopleForm,
    ),
    Section(
        "budget", gettext_lazy("Budget"), ("budget_lines",), BudgetForm, "frontend/bids/budget.html"
    ),
    Section("declarations", gettext_lazy("Declarations"), ("declarations",), DeclarationsForm),
)
SECTION_BY_SLUG = {section.slug: section for section in SECTIONS}
SECTION_OF_FIELD = {name: section for section in SECTIONS for name in section.fields}
ATTACHMENTS_TITLE = gettext_lazy("Attachments")


# --- small helpers -----------------------------------------------------------------------------


def _taking_bids(fund: Any) -> bool:
    """Whether the fund's deadline is still ahead (the services decide; this is for the page)."""
    return bool(
        fund.phase == "open_for_bids"
        and fund.bids_close_at is not None
        and timezone.now() < fund.bids_close_at
    )


def _is_member(actor: Actor, bid: Any) -> bool:
    return is_organisation_member(actor=actor, organisation=bid.organisation)


def _bid_for_member(actor: Actor, bid_id: int) -> Any:
    """A bid the actor may see (404 otherwise) and change (403 for officers, auditors, panel)."""
    bid = bid_get(actor=actor, bid_id=bid_id)
    if not _is_member(actor, bid):
        raise PermissionDenied(_("Only members of the bid's organisation can change it."))
    return bid


def _locked(request: HttpRequest, bid: Any) -> HttpResponse:
    messages.info(
        request, _("This bid has been submitted or withdrawn, so it can no longer change.")
    )
    return redirect("bid_detail", bid_id=bid.pk)


def _anchor(name: str) -> str:
    if name == "budget_lines":
        return "id_description_0"
    return f"id_{name}_0" if name in _GROUPED else f"id_{name}"


def _section_url(bid: Any, slug: str) -> str:
    return reverse("bid_section", kwargs={"bid_id": bid.pk, "section": slug})


def _change_url(bid: Any, name: str) -> str:
    return f"{_section_url(bid, SECTION_OF_FIELD[name].slug)}#{_anchor(name)}"


def _answered(bid: Any, name: str) -> bool:
    if name == "budget_lines":
        return bool(bid.budget_lines.all())
    if name == "declarations":
        return bool(bid.declarations)
    value = bid.pot_id if name == "pot" else getattr(bid, name)
    return value is not None and (not isinstance(value, str) or bool(value.strip()))


def _complete(bid: Any, name: str) -> bool:
    if name == "declarations":
        return set(DECLARATION_CODES) <= set(bid.declarations)
    return _answered(bid, name)


def _section_status(bid: Any, section: Section) -> str:
    required = [name for name in section.fields if name in _REQUIRED]
    if required and all(_complete(bid, name) for name in required):
        return COMPLETED
    if any(_answered(bid, name) for name in section.fields):
        return IN_PROGRESS
    return NOT_STARTED


def _evidence_label(level: int | None) -> str:
    for value, label, hint in EVIDENCE_LEVELS:
        if value == level:
            return f"{label}: {hint}"
    return ""


# --- what the bid says, section by section (check your answers and the read-only page) ---------


@dataclass
class AnswerRow:
    label: StrOrPromise
    text: str = ""
    items: list[str] | None = None
    # (name, url) pairs: attachments, each a download link.
    files: list[tuple[str, str]] | None = None
    change_url: str = ""


@dataclass
class AnswerSection:
    title: StrOrPromise
    rows: list[AnswerRow] = field(default_factory=list)


def _answers(bid: Any, *, changeable: bool) -> list[AnswerSection]:
    def row(name: str, text: str = "", items: list[str] | None = None) -> AnswerRow:
        return AnswerRow(
            label=FIELD_LABELS[name],
            text=text,
            items=items,
            change_url=_change_url(bid, name) if changeable else "",
        )

    def text(name: str) -> AnswerRow:
        return row(name, getattr(bid, name))

    about = AnswerSection(SECTION_BY_SLUG["about"].title, [text("title")])
    if bid.fund.pots.all():
        about.rows.append(row("pot", bid.pot.name if bid.pot else ""))
    about.rows.append(text("summary"))
    lines = list(bid.budget_lines.all())
    budget = AnswerSection(
        SECTION_BY_SLUG["budget"].title,
        [
            row(
                "budget_lines",
                items=[f"{line.description}: {pounds(line.amount_pence)}" for line in lines],
            ),
            AnswerRow(
                label=gettext_lazy("Amount requested"), text=pounds(bid.amount_requested_pence)
            ),
            AnswerRow(
                label=gettext_lazy("Cost per beneficiary"),
                text=(
                    pounds(bid.cost_per_beneficiary_pence)
                    if bid.cost_per_beneficiary_pence is not None
                    else ""
                ),
            ),
        ],
    )
    attachments = list(bid.attachments.all())
    files = AnswerSection(
        ATTACHMENTS_TITLE,
        [
            AnswerRow(
                label=gettext_lazy("Files"),
                files=[
                    (
                        attachment.original_name,
                        reverse("bid_attachment", args=[bid.pk, attachment.pk]),
                    )
                    for attachment in attachments
                ],
                change_url=reverse("bid_attachments", args=[bid.pk]) if changeable else "",
            )
        ],
    )
    accepted = set(bid.declarations)
    declarations = AnswerSection(
        SECTION_BY_SLUG["declarations"].title,
        [
            row(
                "declarations",
                items=[str(wording) for code, wording in DECLARATIONS if code in accepted],
            )
        ],
    )
    return [
        about,
        AnswerSection(SECTION_BY_SLUG["need"].title, [text("need"), text("population_served")]),
        AnswerSection(SECTION_BY_SLUG["outcomes"].title, [text("outcomes")]),
        AnswerSection(
            SECTION_BY_SLUG["evidence"].title,
            [
                row("evidence_level", _evidence_label(bid.evidence_level)),
                text("evidence_sources"),
            ],
        ),
        AnswerSection(SECTION_BY_SLUG["delivery"].title, [text("delivery_plan")]),
        AnswerSection(
            SECTION_BY_SLUG["people"].title,
            [
                row("beneficiaries", "" if bid.beneficiaries is None else str(bid.beneficiaries)),
                text("partners"),
                text("named_staff"),
            ],
        ),
        budget,
        files,
        declarations,
    ]


# --- the dashboard and starting a bid ----------------------------------------------------------


@dataclass(frozen=True)
class DashboardEntry:
    bid: Any
    taking_bids: bool
    action: StrOrPromise
    note: StrOrPromise


def _dashboard_entry(bid: Any) -> DashboardEntry:
    taking = _taking_bids(bid.fund)
    if bid.status == DRAFT:
        if taking:
            return DashboardEntry(
                bid, taking, _("Continue the bid"), _("Not submitted yet: finish and submit it.")
            )
        return DashboardEntry(
            bid,
            taking,
            _("See the draft"),
            _("Bids have closed: this draft can no longer be submitted."),
        )
    if bid.status == "submitted":
        note = (
            _("Submitted. You can withdraw it until bids close.")
            if taking
            else _("Submitted. The council is checking that it is eligible.")
        )
        return DashboardEntry(bid, taking, _("See the bid"), note)
    if bid.status in ("eligible", "ineligible"):
        return DashboardEntry(
            bid, taking, _("See the screening result"), _("Screened: see each item's outcome.")
        )
    return DashboardEntry(bid, taking, _("See the bid"), _("Withdrawn."))


@login_required
@renders_domain_errors
def bid_list(request: HttpRequest) -> HttpResponse:
    """My bids: the bids of every organisation the person belongs to, grouped by status."""
    actor = actor_from_request(request)
    organisations = list(organisations_for_user(user=actor.user))
    bids = (
        bids_for_actor(actor=actor)
        .filter(organisation__in=organisations)
        .order_by("-updated_at", "pk")
    )
    groups: dict[str, list[DashboardEntry]] = {status: [] for status in STATUS_ORDER}
    for bid in bids:
        groups.setdefault(bid.status, []).append(_dashboard_entry(bid))
    return render(
        request,
        "frontend/bids/list.html",
        {
            "organisations": organisations,
            "groups": [
                (status, STATUS_HEADINGS.get(status, status), entries)
                for status, entries in groups.items()
                if entries
            ],
        },
    )


@login_required
@renders_domain_errors
@require_http_methods(["GET", "POST"])
def bid_new(request: HttpRequest, fund_id: int) -> HttpResponse:
    """Start a bid to a fund taking bids: the organisation, the pot and a title."""
    actor = actor_from_request(request)
    fund = funds_open_for_bids().filter(pk=fund_id).first()
    if fund is None:
        raise NotFound(_("No fund with that number is taking bids."))
    organisations = list(organisations_for_user(user=actor.user).order_by("name", "pk"))
    pots = list(fund.pots.all())
    form = BidStartForm(
        request.POST if request.method == "POST" else None,
        organisations=organisations,
        pots=pots,
    )
    if request.method == "POST" and organisations and form.is_valid():
        chosen = form.cleaned_data.get("organisation")
        organisation = next((o for o in organisations if o.pk == chosen), organisations[0])
        try:
            bid = bid_create(
                actor=actor,
                fund=fund,
                organisation=organisation,
                title=form.cleaned_data["title"],
                pot_id=form.cleaned_data.get("pot"),
            )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(
                request, _("Your bid is started. Answer each section, then submit it.")
            )
            return redirect("bid_detail", bid_id=bid.pk)
    return render(
        request,
        "frontend/bids/start.html",
        {"fund": fund, "form": form, "organisations": organisations},
    )


# --- a bid: its task list, or what it says -----------------------------------------------------


@login_required
@renders_domain_errors
def bid_detail(request: HttpRequest, bid_id: int) -> HttpResponse:
    """A draft's task list for its organisation; otherwise the bid, read-only."""
    actor = actor_from_request(request)
    bid = bid_get(actor=actor, bid_id=bid_id)
    member = _is_member(actor, bid)
    if member and bid.status == DRAFT:
        tasks: list[tuple[StrOrPromise, str, str]] = []
        statuses = [_section_status(bid, section) for section in SECTIONS]
        for section, status in zip(SECTIONS, statuses, strict=True):
            if section.slug == "declarations":
                count = len(bid.attachments.all())
                tasks.append(
                    (
                        ATTACHMENTS_TITLE,
                        reverse("bid_attachments", args=[bid.pk]),
                        OPTIONAL if not count else COMPLETED,
                    )
                )
            tasks.append((section.title, _section_url(bid, section.slug), status))
        return render(
            request,
            "frontend/bids/task_list.html",
            {
                "bid": bid,
                "fund": bid.fund,
                "tasks": tasks,
                "completed": sum(1 for status in statuses if status == COMPLETED),
                "total": len(SECTIONS),
                "all_complete": all(status == COMPLETED for status in statuses),
                "taking_bids": _taking_bids(bid.fund),
            },
        )
    screened = bid.status in ("submitted", "eligible", "ineligible")
    screening = screening_for_bid(actor=actor, bid=bid) if screened else None
    shortlist_entry = (
        shortlist_entry_for_applicant(actor=actor, bid=bid) if bid.status == "eligible" else None
    )
    return render(
        request,
        "frontend/bids/detail.html",
        {
            "bid": bid,
            "fund": bid.fund,
            "member": member,
            "answers": _answers(bid, changeable=False),
            "screening": screening,
            "shortlist_entry": shortlist_entry,
            "may_withdraw": member
            and bid.status in (DRAFT, "submitted")
            and _taking_bids(bid.fund),
        },
    )


# --- the multi-page form -----------------------------------------------------------------------


def _initial(bid: Any, section: Section) -> dict[str, Any]:
    if section.slug == "budget":
        initial: dict[str, Any] = {}
        for i, line in enumerate(bid.budget_lines.all()):
            initial[f"description_{i}"] = line.description
            initial[f"amount_{i}"] = f"{line.amount_pence // 100}.{line.amount_pence % 100:02d}"
        return initial
    if section.slug == "declarations":
        return {"declarations": list(bid.declarations)}
    return {name: bid.pot_id if name == "pot" else getattr(bid, name) for name in section.fields}


def _row_count(bid: Any, raw: str | None) -> int:
    """How many budget rows to draw: as asked (within limits), or the lines plus a few empty."""
    try:
        asked = int(raw or "")
    except ValueError:
        asked = 0
    lines = len(bid.budget_lines.all())
    return min(max(asked, lines + EXTRA_BUDGET_ROWS, 1), max(MAX_BUDGET_ROWS, lines))


def _make_form(bid: Any, section: Section, data: Any, row_count: int = 0) -> GovukForm:
    initial = _initial(bid, section)
    if section.form_class is AboutForm:
        return AboutForm(data, initial=initial, pots=list(bid.fund.pots.all()))
    if section.form_class is BudgetForm:
        return BudgetForm(data, initial=initial, row_count=row_count)
    return section.form_class(data, initial=initial)


def _save(actor: Actor, bid: Any, section: Section, form: GovukForm) -> None:
    data = form.cleaned_data
    if isinstance(form, BudgetForm):
        budget_line_set(
            actor=actor,
            bid=bid,
            lines=[BudgetLineInput(description, amount) for description, amount in form.lines()],
        )
    elif isinstance(form, DeclarationsForm):
        bid_set_declarations(actor=actor, bid=bid, accepted=data["declarations"])
    else:
        values = {name: data.get(name) for name in section.fields if name in form.fields}
        pot_id = values.pop("pot", None)
        bid_update(actor=actor, bid=bid, pot_id=pot_id, **values)


def _show_error(form: GovukForm, error: ApplicationError) -> None:
    """The service's refusal on the form; a budget line's error on the row it came from."""
    if isinstance(form, BudgetForm) and error.fields and type(error) is ApplicationError:
        error = ApplicationError(
            error.message,
            fields={form.field_for_service(name): msgs for name, msgs in error.fields.items()},
            code=error.code,
        )
    apply_application_error(form, error)


def _next_url(bid: Any, section: Section) -> str:
    """Where "save and continue" goes: the next section (the attachments come after the budget;
    check your answers after the declarations)."""
    if section.slug == "budget":
        return reverse("bid_attachments", args=[bid.pk])
    if section.slug == "declarations":
        return reverse("bid_submit", args=[bid.pk])
    slugs = [s.slug for s in SECTIONS]
    return _section_url(bid, slugs[slugs.index(section.slug) + 1])


def _previous_url(bid: Any, section: Section) -> str:
    slugs = [s.slug for s in SECTIONS]
    index = slugs.index(section.slug)
    if section.slug == "declarations":
        return reverse("bid_attachments", args=[bid.pk])
    if index == 0:
        return reverse("bid_detail", args=[bid.pk])
    return _section_url(bid, slugs[index - 1])


@login_required
@renders_domain_errors
@require_http_methods(["GET", "POST"])
def bid_section(request: HttpRequest, bid_id: int, section: str) -> HttpResponse:
    """One section of the bid: save and continue, or save and come back later."""
    page = SECTION_BY_SLUG.get(section)
    if page is None:
        raise NotFound(_("No such section of a bid."))
    actor = actor_from_request(request)
    bid = _bid_for_member(actor, bid_id)
    if bid.status != DRAFT:
        return _locked(request, bid)
    row_count = _row_count(bid, request.POST.get("rows") or request.GET.get("rows"))
    if request.method == "POST" and page.form_class is BudgetForm and "add_rows" in request.POST:
        # Draw more rows, keeping what was typed; nothing is saved until a save button.
        typed = {key: value for key, value in request.POST.items() if key != "csrfmiddlewaretoken"}
        form: GovukForm = BudgetForm(
            None, initial=typed, row_count=min(row_count + EXTRA_BUDGET_ROWS, MAX_BUDGET_ROWS)
        )
    else:
        form = _make_form(bid, page, request.POST if request.method == "POST" else None, row_count)
        if request.method == "POST" and form.is_valid():
            try:
                _save(actor, bid, page, form)
            except ApplicationError as error:
                _show_error(form, error)
            else:
                messages.success(request, _("Your answers are saved."))
                if request.POST.get("next") == "later":
                    return redirect("bid_detail", bid_id=bid.pk)
                return redirect(_next_url(bid, page))
    return render(
        request,
        page.template,
        {
            "bid": bid,
            "fund": bid.fund,
            "section": page,
            "form": form,
            "back_url": _previous_url(bid, page),
            "number": [s.slug for s in SECTIONS].index(page.slug) + 1,
        },
    )


# --- attachments -------------------------------------------------------------------------------


@login_required
@renders_domain_errors
@require_http_methods(["GET", "POST"])
def bid_attachments(request: HttpRequest, bid_id: int) -> HttpResponse:
    """The bid's files, each with a remove button, and an upload of one file at a time."""
    actor = actor_from_request(request)
    bid = _bid_for_member(actor, bid_id)
    if bid.status != DRAFT:
        return _locked(request, bid)
    form = AttachmentUploadForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            attachment = attachment_add(
                actor=actor, bid=bid, filename=upload.name or "", content=upload.read()
            )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(
                request, _("%(name)s is attached.") % {"name": attachment.original_name}
            )
            return redirect("bid_attachments", bid_id=bid.pk)
    return render(
        request,
        "frontend/bids/attachments.html",
        {
            "bid": bid,
            "fund": bid.fund,
            "form": form,
            "attachments": list(bid.attachments.all()),
            "next_url": _section_url(bid, "declarations"),
            "back_url": _section_url(bid, "budget"),
        },
    )


@login_required
@renders_domain_errors
@require_POST
def bid_attachment_remove(request: HttpRequest, bid_id: int, attachment_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    attachment = attachment_get(actor=actor, attachment_id=attachment_id)
    if attachment.bid_id != bid_id:
        raise NotFound(_("No such attachment."))
    try:
        attachment_remove(actor=actor, attachment=attachment)
    except ApplicationError as error:
        if error.status_code != 400:
            raise
        messages.error(request, error.message)
        return redirect("bid_detail", bid_id=bid_id)
    messages.success(request, _("%(name)s is removed.") % {"name": attachment.original_name})
    return redirect("bid_attachments", bid_id=bid_id)


@login_required
@renders_domain_errors
def bid_attachment(request: HttpRequest, bid_id: int, attachment_id: int) -> HttpResponse:
    """The file, downloaded (never shown inline), for those who may see the bid only."""
    attachment, content = attachment_content(
        actor=actor_from_request(request), attachment_id=attachment_id
    )
    if attachment.bid_id != bid_id:
        raise NotFound(_("No such attachment."))
    response = HttpResponse(content, content_type=attachment.content_type)
    disposition = content_disposition_header(as_attachment=True, filename=attachment.original_name)
    response["Content-Disposition"] = disposition or "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- check your answers, submit, confirmation, withdraw ----------------------------------------


def _submission_summary(bid: Any, error: ApplicationError) -> list[tuple[str, str]]:
    """The service's problems as (link, message), each linking to where it is fixed."""
    entries: list[tuple[str, str]] = []
    for name, problems in error.fields.items():
        label = FIELD_LABELS.get(name)
        for problem in problems:
            if name in SECTION_OF_FIELD and label is not None:
                entries.append((_change_url(bid, name), f"{label}: {problem}"))
            else:
                entries.append(("", problem))
    return entries or [("", error.message)]


@login_required
@renders_domain_errors
@require_http_methods(["GET", "POST"])
def bid_submit_view(request: HttpRequest, bid_id: int) -> HttpResponse:
    """Check your answers, then submit; every problem is listed at once."""
    actor = actor_from_request(request)
    bid = _bid_for_member(actor, bid_id)
    if bid.status != DRAFT:
        return _locked(request, bid)
    summary: list[tuple[str, str]] = []
    if request.method == "POST":
        try:
            bid_submit(actor=actor, bid=bid)
        except ApplicationError as error:
            if error.status_code != 400:
                raise
            summary = _submission_summary(bid, error)
        else:
            messages.success(request, _("Your bid is submitted."))
            return redirect("bid_submitted", bid_id=bid.pk)
    return render(
        request,
        "frontend/bids/check.html",
        {
            "bid": bid,
            "fund": bid.fund,
            "answers": _answers(bid, changeable=True),
            "summary": summary,
            "taking_bids": _taking_bids(bid.fund),
        },
    )


@login_required
@renders_domain_errors
def bid_submitted(request: HttpRequest, bid_id: int) -> HttpResponse:
    """The confirmation: the reference, when, and the hash of what was submitted."""
    bid = bid_get(actor=actor_from_request(request), bid_id=bid_id)
    if not bid.submitted_at or bid.status == "withdrawn":
        return redirect("bid_detail", bid_id=bid.pk)
    return render(request, "frontend/bids/submitted.html", {"bid": bid, "fund": bid.fund})


@login_required
@renders_domain_errors
@require_http_methods(["GET", "POST"])
def bid_withdraw_view(request: HttpRequest, bid_id: int) -> HttpResponse:
    """Are you sure? Withdrawing cannot be undone."""
    actor = actor_from_request(request)
    bid = _bid_for_member(actor, bid_id)
    if bid.status not in (DRAFT, "submitted"):
        messages.info(request, _("This bid can no longer be withdrawn."))
        return redirect("bid_detail", bid_id=bid.pk)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            bid_withdraw(actor=actor, bid=bid)
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("Your bid is withdrawn."))
            return redirect("bid_detail", bid_id=bid.pk)
    return render(
        request, "frontend/bids/withdraw.html", {"bid": bid, "fund": bid.fund, "form": form}
    )


@renders_domain_errors
def fund_public_bids(request: HttpRequest, fund_id: int) -> HttpResponse:
    """Public, once the fund is decided: a summary of each screened bid; no sign-in."""
    fund, summaries = public_bid_summaries(fund_id=fund_id)
    return render(request, "frontend/bids/public.html", {"fund": fund, "summaries": summaries})
