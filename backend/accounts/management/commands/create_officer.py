"""Create the first council officer of a new installation (and the council, if new)."""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from backend.accounts.services import officer_bootstrap
from backend.core.errors import ApplicationError
from backend.funds.services import council_create


class Command(BaseCommand):
    help = (
        "Create a council officer (and the council if it does not exist yet). The password is "
        "read from FAIRFUND_OFFICER_PASSWORD or asked for. The officer sets up two-factor "
        "authentication at first sign-in."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True)
        parser.add_argument("--council", required=True, help="The council's name.")
        parser.add_argument("--name", default="", help="The officer's full name.")
        parser.add_argument(
            "--brand-colour", default="#1d4f6e", help="The council's colour, #rrggbb."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password = os.environ.get("FAIRFUND_OFFICER_PASSWORD") or self._ask_password()
        try:
            validate_password(password)
        except ValidationError as exc:
            raise CommandError("Password refused: " + " ".join(exc.messages)) from exc
        try:
            council = council_create(name=options["council"], brand_colour=options["brand_colour"])
            user = officer_bootstrap(
                email=options["email"],
                password=password,
                council=council,
                full_name=options["name"],
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            self.style.SUCCESS(f"{user.email} is a council officer of {council.name}.")
        )

    def _ask_password(self) -> str:
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("The passwords do not match.")
        return first
