"""Values every page's shell needs: the council's name and colour, the MFA banners."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from backend.accounts.permissions import needs_mfa
from backend.accounts.sessions import session_mfa_verified
from backend.funds.selectors import installation_branding


def shell(request: HttpRequest) -> dict[str, Any]:
    name, colour = installation_branding()
    user = getattr(request, "user", None)
    mfa_missing = False
    if (
        user is not None
        and user.is_authenticated
        and settings.FAIRFUND_REQUIRE_MFA
        and needs_mfa(user)
    ):
        mfa_missing = not session_mfa_verified(request, user)
    return {
        "service_name": name,
        "brand_colour": colour,
        "mfa_required_off": not settings.FAIRFUND_REQUIRE_MFA,
        "mfa_missing": mfa_missing,
    }
