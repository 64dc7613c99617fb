from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from backend.accounts.selectors import organisations_for_user
from backend.accounts.sessions import actor_from_request
from backend.funds.selectors import councils_for_actor, panels_for_actor


def home(request: HttpRequest) -> HttpResponse:
    context = {}
    if request.user.is_authenticated:
        actor = actor_from_request(request)
        context = {
            "organisations": organisations_for_user(user=actor.user),
            "councils": councils_for_actor(actor=actor),
            "panels": panels_for_actor(actor=actor),
        }
    return render(request, "frontend/home.html", context)
