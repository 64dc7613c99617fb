"""allauth adapters: the signup policy and the language of account emails."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Residents, applicants and panel members sign themselves up; roles are granted after.
        return True
