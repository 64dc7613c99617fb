"""Council pages for officers and auditors: localities, panels, and who holds which role."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from backend.accounts.selectors import (
    council_person_get,
    council_role_holders,
    grant_get_for_officer,
)
from backend.accounts.services import mfa_reset, role_grant, role_revoke
from backend.accounts.sessions import actor_from_request
from backend.core.errors import ApplicationError
from backend.funds.selectors import (
    council_access,
    council_get_for_officer,
    councils_for_actor,
    localities_for_council,
    panels_for_council,
)
from backend.funds.services import locality_create, panel_create

from ..forms.councils import CouncilRoleForm, LocalityForm, PanelForm
from ..forms.errors import apply_application_error
from ..forms.govuk import ConfirmForm
from .errors import renders_domain_errors


@login_required
@renders_domain_errors
def council_list(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    return render(
        request, "frontend/councils/list.html", {"councils": councils_for_actor(actor=actor)}
    )


@login_required
@renders_domain_errors
def council_detail(request: HttpRequest, council_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    access = council_access(actor=actor, council_id=council_id)
    return render(
        request,
        "frontend/councils/detail.html",
        {
            "council": access.council,
            "is_officer": access.is_officer,
            "localities": localities_for_council(council=access.council),
            "panels": panels_for_council(council=access.council),
            "role_holders": council_role_holders(council_id=access.council.pk),
        },
    )


@login_required
@renders_domain_errors
@require_http_methods(["GET", "POST"])
def locality_new(request: HttpRequest, council_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    council = council_get_for_officer(actor=actor, council_id=council_id)
    form = LocalityForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            locality = locality_create(
                actor=actor,
                council=council,
                name=form.cleaned_data["name"],
                ward_codes=form.ward_code_lines(),
                postcodes=form.postcode_lines(),
            )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("Locality %(name)s added.") % {"name": locality.name})
            return redirect("council_detail", council_id=council.pk)
    return render(
        request, "frontend/councils/locality_form.html", {"form": form, "council": council}
    )


@login_required
@renders_domain_errors
@require_http_methods(["GET", "POST"])
def panel_new(request: HttpRequest, council_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    council = council_get_for_officer(actor=actor, council_id=council_id)
    form = PanelForm(
        request.POST if request.method == "POST" else None,
        localities=localities_for_council(council=council),
    )
    if request.method == "POST" and form.is_valid():
        try:
            panel = panel_create(
                actor=actor,
                council=council,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                locality_ids=form.cleaned_data["localities"],
            )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("Panel %(name)s created.") % {"name": panel.name})
            return redirect("panel_detail", panel_id=panel.pk)
    return render(
        request, "frontend/panels/form.html", {"form": form, "council": council, "panel": None}
    )


@login_required
@renders_domain_errors
@require_http_methods(["GET", "POST"])
def council_role_add(request: HttpRequest, council_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    council = council_get_for_officer(actor=actor, council_id=council_id)
    form = CouncilRoleForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            grant = role_grant(
                actor=actor,
                user=form.cleaned_data["user"],
                role=form.cleaned_data["role"],
                council=council,
            )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(
                request,
                _("%(person)s is now %(role)s.")
                % {"person": grant.user.display_name, "role": grant.get_role_display()},
            )
            return redirect("council_detail", council_id=council.pk)
    return render(request, "frontend/councils/role_form.html", {"form": form, "council": council})


@login_required
@renders_domain_errors
@require_http_methods(["GET", "POST"])
def grant_revoke(request: HttpRequest, grant_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    grant = grant_get_for_officer(actor=actor, grant_id=grant_id)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        try:
            role_revoke(actor=actor, grant=grant)
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(
                request,
                _("%(person)s is no longer %(role)s.")
                % {"person": grant.user.display_name, "role": grant.get_role_display()},
            )
            if grant.user_id == actor.user.pk and grant.council_id is not None:
                return redirect("council_list")
            if grant.panel_id is not None:
                return redirect("panel_detail", panel_id=grant.panel_id)
            return redirect("council_detail", council_id=grant.council_id)
    return render(request, "frontend/councils/revoke.html", {"form": form, "grant": grant})


@login_required
@renders_domain_errors
@require_http_methods(["GET", "POST"])
def person_mfa_reset(request: HttpRequest, council_id: int, user_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    council = council_get_for_officer(actor=actor, council_id=council_id)
    person = council_person_get(council_id=council.pk, user_id=user_id)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        try:
            removed = mfa_reset(actor=actor, user=person)
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            if removed:
                messages.success(
                    request,
                    _(
                        "%(person)s's two-factor authentication is reset. They must set up "
                        "an authenticator again before they can act in their role."
                    )
                    % {"person": person.display_name},
                )
            else:
                messages.info(
                    request,
                    _("%(person)s had no authenticator to reset.")
                    % {"person": person.display_name},
                )
            return redirect("council_detail", council_id=council.pk)
    return render(
        request,
        "frontend/councils/reset_mfa.html",
        {"form": form, "council": council, "person": person},
    )
