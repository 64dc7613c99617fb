"""allauth's signals, turned into audit events through one service. No logic lives here."""

from __future__ import annotations

from typing import Any

from allauth.account.signals import (
    email_confirmed,
    password_changed,
    password_reset,
    user_signed_up,
)
from allauth.mfa.signals import authenticator_added, authenticator_removed, authenticator_reset
from django.dispatch import receiver

from .services import account_event_record


@receiver(user_signed_up)
def _signed_up(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    account_event_record(user=user, action="user.signed_up")


@receiver(email_confirmed)
def _email_confirmed(sender: Any, request: Any, email_address: Any, **kwargs: Any) -> None:
    account_event_record(user=email_address.user, action="user.email_verified")


@receiver(password_changed)
def _password_changed(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    account_event_record(user=user, action="user.password_changed")


@receiver(password_reset)
def _password_reset(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    account_event_record(user=user, action="user.password_reset")


@receiver(authenticator_added)
def _authenticator_added(
    sender: Any, request: Any, user: Any, authenticator: Any, **kwargs: Any
) -> None:
    account_event_record(
        user=user, action="mfa.authenticator_added", data={"type": authenticator.type}
    )


@receiver(authenticator_removed)
def _authenticator_removed(
    sender: Any, request: Any, user: Any, authenticator: Any, **kwargs: Any
) -> None:
    account_event_record(
        user=user, action="mfa.authenticator_removed", data={"type": authenticator.type}
    )


@receiver(authenticator_reset)
def _authenticator_reset(
    sender: Any, request: Any, user: Any, authenticator: Any, **kwargs: Any
) -> None:
    account_event_record(
        user=user, action="mfa.recovery_codes_regenerated", data={"type": authenticator.type}
    )
