"""Organisation pages: register one, see and change it, invite and remove colleagues."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from backend.accounts.selectors import (
    invitation_by_token,
    is_organisation_member,
    organisation_details,
    organisation_get,
    organisation_get_for_member,
    organisation_member_get,
    organisation_members,
    organisation_pending_invitations,
    organisations_for_user,
)
from backend.accounts.services import (
    organisation_create,
    organisation_invitation_accept,
    organisation_invite,
    organisation_member_remove,
    organisation_update,
)
from backend.accounts.sessions import actor_from_request
from backend.core.errors import ApplicationError

from ..forms.errors import apply_application_error
from ..forms.govuk import ConfirmForm
from ..forms.organisations import InviteForm, OrganisationForm
from .errors import renders_domain_errors

_TOKEN_MARK = "TOKEN-GOES-HERE"


@login_required
@renders_domain_errors
def organisation_list(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    return render(
        request,
        "frontend/organisations/list.html",
        {"organisations": organisations_for_user(user=actor.user)},
    )


@login_required
@renders_domain_errors
@require_http_methods(["GET", "POST"])
def organisation_new(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    form = OrganisationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = organisation_create(actor=actor, details=form.details())
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("Your organisation is registered."))
            return redirect("organisation_detail", organisation_id=organisation.pk)
    return render(request, "frontend/organisations/form.html", {"form": form, "organisation": None})


@login_required
@renders_domain_errors
def organisation_detail(request: HttpRequest, organisation_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    organisation = organisation_get(actor=actor, organisation_id=organisation_id)
    is_member = is_organisation_member(actor=actor, organisation=organisation)
    return render(
        request,
        "frontend/organisations/detail.html",
        {
            "organisation": organisation,
            "is_member": is_member,
            "members": organisation_members(organisation=organisation),
            "invitations": (
                organisation_pending_invitations(organisation=organisation) if is_member else []
            ),
        },
    )


@login_required
@renders_domain_errors
@require_http_methods(["GET", "POST"])
def organisation_edit(request: HttpRequest, organisation_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    organisation = organisation_get_for_member(actor=actor, organisation_id=organisation_id)
    form = OrganisationForm(
        request.POST if request.method == "POST" else None,
        initial=OrganisationForm.initial_from(organisation_details(organisation=organisation)),
    )
    if request.method == "POST" and form.is_valid():
        try:
            organisation_update(actor=actor, organisation=organisation, details=form.details())
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("The organisation's details are saved."))
            return redirect("organisation_detail", organisation_id=organisation.pk)
    return render(
        request, "frontend/organisations/form.html", {"form": form, "organisation": organisation}
    )


@login_required
@renders_domain_errors
@require_http_methods(["GET", "POST"])
def organisation_invite_view(request: HttpRequest, organisation_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    organisation = organisation_get_for_member(actor=actor, organisation_id=organisation_id)
    form = InviteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        # The service puts the token where "{token}" is; reverse() would escape the braces.
        accept_url_template = request.build_absolute_uri(
            reverse("organisation_invitation_accept", kwargs={"token": _TOKEN_MARK})
        ).replace(_TOKEN_MARK, "{token}")
        try:
            invitation = organisation_invite(
                actor=actor,
                organisation=organisation,
                email=form.cleaned_data["email"],
                accept_url_template=accept_url_template,
            )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(
                request,
                _("We have emailed an invitation to %(email)s.") % {"email": invitation.email},
            )
            return redirect("organisation_detail", organisation_id=organisation.pk)
    return render(
        request, "frontend/organisations/invite.html", {"form": form, "organisation": organisation}
    )


@login_required
@renders_domain_errors
@require_http_methods(["GET", "POST"])
def organisation_invitation_accept_view(request: HttpRequest, token: str) -> HttpResponse:
    actor = actor_from_request(request)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        try:
            organisation = organisation_invitation_accept(actor=actor, token=token)
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(
                request, _("You are now a member of %(org)s.") % {"org": organisation.name}
            )
            return redirect("organisation_detail", organisation_id=organisation.pk)
    return render(
        request,
        "frontend/organisations/accept.html",
        {"form": form, "invitation": invitation_by_token(token=token)},
    )


@login_required
@renders_domain_errors
@require_http_methods(["GET", "POST"])
def organisation_member_remove_view(
    request: HttpRequest, organisation_id: int, user_id: int
) -> HttpResponse:
    actor = actor_from_request(request)
    organisation = organisation_get_for_member(actor=actor, organisation_id=organisation_id)
    person = organisation_member_get(organisation=organisation, user_id=user_id)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        try:
            organisation_member_remove(actor=actor, organisation=organisation, user=person)
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            if person.pk == actor.user.pk:
                messages.success(request, _("You have left %(org)s.") % {"org": organisation.name})
                return redirect("organisations")
            messages.success(
                request,
                _("%(person)s is no longer a member.") % {"person": person.display_name},
            )
            return redirect("organisation_detail", organisation_id=organisation.pk)
    return render(
        request,
        "frontend/organisations/remove_member.html",
        {"form": form, "organisation": organisation, "person": person},
    )
