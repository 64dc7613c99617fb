from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from backend.accounts.selectors import active_grants_for_user
from backend.accounts.sessions import actor_from_request


@login_required
def account(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    return render(
        request,
        "frontend/account.html",
        {"grants": active_grants_for_user(user=actor.user), "mfa_verified": actor.mfa_verified},
    )
