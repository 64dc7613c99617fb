"""Fund pages: officers create funds and set the money, timeline and rule; chairs set the rest.

Each view parses a form, calls one service, and renders; times are shown in Europe/London.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_stubs_ext import StrOrPromise

from backend.accounts.sessions import actor_from_request
from backend.core.errors import ApplicationError
from backend.funds.selectors import (
    council_get_for_officer,
    fund_access,
    fund_next_phases,
    funds_for_actor,
    funds_open_for_bids,
    localities_for_council,
    need_choices,
    panels_for_council,
    timeline_fields,
)
from backend.funds.services import (
    CriterionInput,
    PotInput,
    ReadyPart,
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
)

from ..forms.errors import apply_application_error
from ..forms.funds import (
    FundBudgetForm,
    FundChecklistForm,
    FundCreateForm,
    FundPopulationForm,
    FundRubricForm,
    FundRuleForm,
    FundTimelineForm,
    pence,
)
from ..forms.govuk import GovukForm
from .errors import renders_domain_errors

TIMELINE_LABELS = {
    "bids_open_at": gettext_lazy("Bids open"),
    "bids_close_at": gettext_lazy("Bids close and screening starts"),
    "scoring_starts_at": gettext_lazy("Scoring starts"),
    "voting_opens_at": gettext_lazy("Voting opens"),
    "voting_closes_at": gettext_lazy("Voting closes"),
    "decision_at": gettext_lazy("Decision"),
}


def fund_open_list(request: HttpRequest) -> HttpResponse:
    """The public list of funds taking bids now, with their populations and budgets; no sign-in."""
    labels = dict(need_choices())
    funds = [
        (fund, [labels[need] for need in fund.needs if need in labels])
        for fund in funds_open_for_bids()
    ]
    return render(request, "frontend/funds/open.html", {"funds": funds})


@login_required
@renders_domain_errors
def fund_list(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    return render(request, "frontend/funds/list.html", {"funds": funds_for_actor(actor=actor)})


@login_required
@renders_domain_errors
@require_http_methods(["GET", "POST"])
def fund_new(request: HttpRequest, council_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    council = council_get_for_officer(actor=actor, council_id=council_id)
    panels = list(panels_for_council(council=council))
    form = FundCreateForm(request.POST if request.method == "POST" else None, panels=panels)
    if request.method == "POST" and form.is_valid():
        try:
            fund = fund_create(
                actor=actor,
                council=council,
                panel=next(p for p in panels if p.pk == form.cleaned_data["panel"]),
                name=form.cleaned_data["name"],
                budget_pence=pence(form.cleaned_data["budget"]),
            )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("Fund %(name)s created.") % {"name": fund.name})
            return redirect("fund_detail", fund_id=fund.pk)
    return render(
        request,
        "frontend/funds/form.html",
        {
            "form": form,
            "title": _("Create a fund"),
            "caption": council.name,
            "back": ("council_detail", council.pk),
            "button": _("Create the fund"),
        },
    )


@login_required
@renders_domain_errors
def fund_detail(request: HttpRequest, fund_id: int) -> HttpResponse:
    access = fund_access(actor=actor_from_request(request), fund_id=fund_id)
    fund = access.fund
    timeline = [(TIMELINE_LABELS[name], getattr(fund, name)) for name in timeline_fields()]
    return render(
        request,
        "frontend/funds/detail.html",
        {
            "fund": fund,
            "access": access,
            "timeline": timeline,
            "next_phases": fund_next_phases(fund=fund),
            "needs": [label for value, label in need_choices() if value in fund.needs],
        },
    )


# --- the set-up forms: one view shape, each with its form and its service ----------------------


def _setup_view(
    *,
    form_class: Callable[..., GovukForm],
    title: StrOrPromise,
    save: Callable[[Any, Any, GovukForm], object],
    initial: Callable[[Any], dict[str, Any]],
    form_kwargs: Callable[[Any], dict[str, Any]] = lambda fund: {},
) -> Callable[[HttpRequest, int], HttpResponse]:
    @login_required
    @renders_domain_errors
    @require_http_methods(["GET", "POST"])
    def view(request: HttpRequest, fund_id: int) -> HttpResponse:
        actor = actor_from_request(request)
        fund = fund_access(actor=actor, fund_id=fund_id).fund
        form = form_class(
            request.POST if request.method == "POST" else None,
            initial=initial(fund),
            **form_kwargs(fund),
        )
        if request.method == "POST" and form.is_valid():
            try:
                save(actor, fund, form)
            except ApplicationError as error:
                apply_application_error(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect("fund_detail", fund_id=fund.pk)
        return render(
            request,
            "frontend/funds/form.html",
            {
                "form": form,
                "title": str(title),
                "caption": fund.name,
                "back": ("fund_detail", fund.pk),
                "button": _("Save"),
            },
        )

    return view


def _pounds(value: int) -> str:
    """Pence as pounds for an input box, exactly: 123456 -> '1234.56'."""
    return f"{value // 100}.{value % 100:02d}"


fund_budget = _setup_view(
    form_class=FundBudgetForm,
    title=gettext_lazy("Budget and pots"),
    initial=lambda fund: {
        "budget": _pounds(fund.budget_pence),
        "pots": "\n".join(f"{pot.name}: {_pounds(pot.share_pence)}" for pot in fund.pots.all()),
    },
    save=lambda actor, fund, form: fund_set_budget_and_pots(
        actor=actor,
        fund=fund,
        budget_pence=pence(form.cleaned_data["budget"]),
        pots=[PotInput(name, share) for name, share in form.cleaned_data["pots"]],
    ),
)

fund_timeline = _setup_view(
    form_class=FundTimelineForm,
    title=gettext_lazy("Timeline (London time)"),
    initial=lambda fund: {name: getattr(fund, name) for name in timeline_fields()},
    save=lambda actor, fund, form: fund_set_timeline(actor=actor, fund=fund, **form.cleaned_data),
)

fund_rule = _setup_view(
    form_class=FundRuleForm,
    title=gettext_lazy("Decision rule"),
    initial=lambda fund: {
        "rule_name": fund.rule_name,
        "completion": fund.rule_completion,
        "min_score": fund.rule_min_score,
        "min_share": fund.rule_min_share,
    },
    save=lambda actor, fund, form: fund_set_decision_rule(
        actor=actor, fund=fund, **form.cleaned_data
    ),
)

fund_population = _setup_view(
    form_class=FundPopulationForm,
    title=gettext_lazy("Purpose and population"),
    initial=lambda fund: {
        "purpose": fund.purpose,
        "localities": [locality.pk for locality in fund.localities.all()],
        "age_min": fund.age_min,
        "age_max": fund.age_max,
        "needs": fund.needs,
        "disadvantage_criteria": fund.disadvantage_criteria,
    },
    form_kwargs=lambda fund: {"localities": localities_for_council(council=fund.council)},
    save=lambda actor, fund, form: fund_set_purpose_and_population(
        actor=actor,
        fund=fund,
        purpose=form.cleaned_data["purpose"],
        locality_ids=form.cleaned_data["localities"],
        age_min=form.cleaned_data["age_min"],
        age_max=form.cleaned_data["age_max"],
        needs=form.cleaned_data["needs"],
        disadvantage_criteria=form.cleaned_data["disadvantage_criteria"],
    ),
)

fund_checklist = _setup_view(
    form_class=FundChecklistForm,
    title=gettext_lazy("Eligibility checklist"),
    initial=lambda fund: {"items": "\n".join(item.text for item in fund.checklist.all())},
    save=lambda actor, fund, form: fund_set_checklist(
        actor=actor,
        fund=fund,
        items=cast(FundChecklistForm, form).item_lines(),
    ),
)

fund_rubric = _setup_view(
    form_class=FundRubricForm,
    title=gettext_lazy("Scoring rubric"),
    initial=lambda fund: {
        "scale_max": fund.scale_max,
        "criteria": "\n".join(
            f"{c.weight} | {c.name} | {c.description}" for c in fund.criteria.all()
        ),
    },
    save=lambda actor, fund, form: fund_set_rubric(
        actor=actor,
        fund=fund,
        scale_max=form.cleaned_data["scale_max"],
        criteria=[
            CriterionInput(name=name, weight=weight, description=description)
            for weight, name, description in form.cleaned_data["criteria"]
        ],
    ),
)


# --- one-button actions ------------------------------------------------------------------------


def _act(
    request: HttpRequest, fund_id: int, action: Callable[[Any, Any], object], done: str
) -> HttpResponse:
    actor = actor_from_request(request)
    fund = fund_access(actor=actor, fund_id=fund_id).fund
    try:
        action(actor, fund)
    except ApplicationError as error:
        if error.status_code != 400:
            raise
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("fund_detail", fund_id=fund.pk)


@login_required
@renders_domain_errors
@require_POST
def fund_rubric_defaults(request: HttpRequest, fund_id: int) -> HttpResponse:
    return _act(
        request,
        fund_id,
        lambda actor, fund: fund_apply_default_rubric(actor=actor, fund=fund),
        _("The default rubric is set."),
    )


@login_required
@renders_domain_errors
@require_POST
def fund_ready(request: HttpRequest, fund_id: int, part: str) -> HttpResponse:
    if part not in ("officer", "chair"):
        raise Http404
    which = cast(ReadyPart, part)  # checked just above
    return _act(
        request,
        fund_id,
        lambda actor, fund: fund_mark_ready(actor=actor, fund=fund, part=which),
        _("Your part is marked done."),
    )


@login_required
@renders_domain_errors
@require_POST
def fund_move(request: HttpRequest, fund_id: int) -> HttpResponse:
    to_phase = request.POST.get("to_phase", "")
    return _act(
        request,
        fund_id,
        lambda actor, fund: fund_transition(actor=actor, fund=fund, to_phase=to_phase),
        _("The fund's phase has changed."),
    )
