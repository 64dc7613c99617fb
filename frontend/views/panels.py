"""Panel pages: who sits on a panel and for how long; the chair edits its description."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from backend.accounts.services import role_grant
from backend.accounts.sessions import actor_from_request
from backend.core.errors import ApplicationError
from backend.funds.selectors import (
    localities_for_council,
    panel_access,
    panel_get_for_edit,
    panel_get_for_officer,
    panel_members,
    panels_for_actor,
)
from backend.funds.services import panel_update

from ..forms.councils import PanelForm, PanelMemberForm
from ..forms.errors import apply_application_error
from .errors import renders_domain_errors


@login_required
@renders_domain_errors
def panel_list(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    return render(request, "frontend/panels/list.html", {"panels": panels_for_actor(actor=actor)})


@login_required
@renders_domain_errors
def panel_detail(request: HttpRequest, panel_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    access = panel_access(actor=actor, panel_id=panel_id)
    return render(
        request,
        "frontend/panels/detail.html",
        {
            "panel": access.panel,
            "access": access,
            "localities": access.panel.localities.all(),
            "members": panel_members(panel=access.panel),
        },
    )


@login_required
@renders_domain_errors
@require_http_methods(["GET", "POST"])
def panel_edit(request: HttpRequest, panel_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    access = panel_get_for_edit(actor=actor, panel_id=panel_id)
    panel = access.panel
    description_only = not access.is_officer
    form = PanelForm(
        request.POST if request.method == "POST" else None,
        initial={
            "name": panel.name,
            "description": panel.description,
            "localities": [locality.pk for locality in panel.localities.all()],
        },
        localities=() if description_only else localities_for_council(council=panel.council),
        description_only=description_only,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if description_only:
                panel_update(actor=actor, panel=panel, description=data["description"])
            else:
                panel_update(
                    actor=actor,
                    panel=panel,
                    description=data["description"],
                    name=data["name"],
                    locality_ids=data["localities"],
                )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("The panel's details are saved."))
            return redirect("panel_detail", panel_id=panel.pk)
    return render(
        request,
        "frontend/panels/form.html",
        {"form": form, "council": panel.council, "panel": panel},
    )


@login_required
@renders_domain_errors
@require_http_methods(["GET", "POST"])
def panel_member_add(request: HttpRequest, panel_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    panel = panel_get_for_officer(actor=actor, panel_id=panel_id)
    form = PanelMemberForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            grant = role_grant(
                actor=actor,
                user=data["user"],
                role=data["role"],
                panel=panel,
                term_starts_on=data["term_starts_on"],
                term_ends_on=data["term_ends_on"],
            )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(
                request,
                _("%(person)s joins the panel as %(role)s.")
                % {"person": grant.user.display_name, "role": grant.get_role_display().lower()},
            )
            return redirect("panel_detail", panel_id=panel.pk)
    return render(request, "frontend/panels/member_form.html", {"form": form, "panel": panel})
