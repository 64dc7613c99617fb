"""Your notifications: the in-app list, marking one read, and which kinds come by email."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from backend.notifications.selectors import email_choices, inbox_items
from backend.notifications.services import email_preferences_set, notification_mark_read

from ..forms.notifications import EmailChoicesForm


@login_required
@require_http_methods(["GET", "POST"])
def notification_list(request: HttpRequest) -> HttpResponse:
    choices = email_choices(user=request.user)
    optional = [
        (str(kind), str(kind.label)) for kind, _emailed, can_change in choices if can_change
    ]
    initial = [str(kind) for kind, emailed, can_change in choices if can_change and emailed]
    form = EmailChoicesForm(
        request.POST if request.method == "POST" else None,
        choices=optional,
        initial={"kinds": initial},
    )
    if request.method == "POST" and form.is_valid():
        email_preferences_set(user=request.user, emailed_kinds=set(form.cleaned_data["kinds"]))
        messages.success(request, _("Your email choices are saved."))
        return redirect("notifications")
    always = [str(kind.label) for kind, _emailed, can_change in choices if not can_change]
    return render(
        request,
        "frontend/notifications/list.html",
        {"items": inbox_items(user=request.user), "form": form, "always_emailed": always},
    )


@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    notification_mark_read(user=request.user, notification_id=notification_id)
    return redirect("notifications")
