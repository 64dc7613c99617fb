"""What a request says about who is acting: the :class:`Actor` and its MFA state.

A session is MFA-verified when the person signed in with a second factor (allauth records the
"mfa" authentication step) or set up an authenticator during this session (which also proves
possession of it). Tokens are issued only from such a session, so token requests count as
verified too.
"""

from __future__ import annotations

from typing import Any

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_added
from django.dispatch import receiver
from django.http import HttpRequest

from .models import User
from .permissions import Actor

_ACTIVATED_IN_SESSION = "fairfund_mfa_activated_for"


def session_mfa_verified(request: HttpRequest, user: User) -> bool:
    if (
        not Authenticator.objects.filter(user=user)
        .exclude(type=Authenticator.Type.RECOVERY_CODES)
        .exists()
    ):
        return False
    if request.session.get(_ACTIVATED_IN_SESSION) == str(user.pk):
        return True
    return any(
        record.get("method") == "mfa" for record in get_authentication_records(request, user)
    )


def actor_from_request(request: HttpRequest) -> Actor:
    user = request.user
    assert isinstance(user, User), "actor_from_request needs a signed-in user"
    auth = getattr(request, "auth", None)
    if auth is not None and getattr(auth, "token_sha256", None):
        return Actor(user=user, mfa_verified=True)
    return Actor(user=user, mfa_verified=session_mfa_verified(request, user))


@receiver(authenticator_added)
def _remember_activation(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    request.session[_ACTIVATED_IN_SESSION] = str(user.pk)
