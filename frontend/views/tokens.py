"""API tokens: list them, issue one (shown once, from an MFA-verified session), revoke one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from backend.accounts.selectors import api_token_get, api_tokens_for_user
from backend.accounts.services import api_token_issue, api_token_revoke
from backend.accounts.sessions import actor_from_request
from backend.core.errors import ApplicationError

from ..forms.errors import apply_application_error
from ..forms.govuk import ConfirmForm
from ..forms.tokens import TokenIssueForm
from .errors import renders_domain_errors


@never_cache
@login_required
@renders_domain_errors
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    form = TokenIssueForm(request.POST if request.method == "POST" else None)
    issued = None
    if request.method == "POST" and form.is_valid():
        try:
            token, plaintext = api_token_issue(actor=actor, name=form.cleaned_data["name"])
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            # Shown in this response only: the token is stored hashed and cannot be shown again.
            issued = {"token": token, "plaintext": plaintext}
            form = TokenIssueForm()
    return render(
        request,
        "frontend/tokens/list.html",
        {
            "form": form,
            "issued": issued,
            "tokens": api_tokens_for_user(user=actor.user),
            "mfa_verified": actor.mfa_verified,
        },
    )


@login_required
@renders_domain_errors
@require_http_methods(["GET", "POST"])
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    token = api_token_get(actor=actor, token_id=token_id)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        try:
            api_token_revoke(actor=actor, token=token)
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("Token %(name)s is revoked.") % {"name": token.name})
            return redirect("tokens")
    return render(request, "frontend/tokens/revoke.html", {"form": form, "token": token})
