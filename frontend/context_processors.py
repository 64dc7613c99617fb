"""Values every page's shell needs: the council's name and colour, MFA banners, unread notices."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from backend.accounts.permissions import needs_mfa
from backend.accounts.sessions import session_mfa_verified
from backend.funds.selectors import installation_branding
from backend.notifications.selectors import unread_count


def shell(request: HttpRequest) -> dict[str, Any]:
    name, colour = installation_branding()
    user = getattr(request, "user", None)
    mfa_missing = False
    unread = 0
    if (
        user is not None
        and user.is_authenticated
        and settings.FAIRFUND_REQUIRE_MFA
        and needs_mfa(user)
    ):
        mfa_missing = not session_mfa_verified(request, user)
    if user is not None and user.is_authenticated:
        unread = unread_count(user=user)
    return {
        "service_name": name,
        "brand_colour": colour,
        "mfa_required_off": not settings.FAIRFUND_REQUIRE_MFA,
        "mfa_missing": mfa_missing,
        "unread_notifications": unread,
    }
