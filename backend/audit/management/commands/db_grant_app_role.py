"""Give the application's database role what it needs, and on audit events only SELECT and INSERT.

Run as the role that owns the tables (the one migrations run as), after migrating:
    manage.py db_grant_app_role fairfund_app [--create]
The application then connects as fairfund_app: it can read and write ordinary tables, but it
cannot update, delete, truncate or alter audit events, and it owns nothing.
"""

from __future__ import annotations

import os
import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from psycopg import sql

AUDIT_TABLE = "audit_auditevent"


class Command(BaseCommand):
    help = "Grant the application's PostgreSQL role its privileges: audit events SELECT and INSERT only."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("role")
        parser.add_argument(
            "--create",
            action="store_true",
            help="Create the role (LOGIN) if missing; password from FAIRFUND_APP_DB_PASSWORD.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        role: str = options["role"]
        if connection.vendor != "postgresql":
            raise CommandError("Database roles apply to PostgreSQL only.")
        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
            raise CommandError("A role name is lower-case letters, digits and underscores.")
        ident = sql.Identifier(role)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            exists = cursor.fetchone() is not None
            if not exists:
                if not options["create"]:
                    raise CommandError(f"Role {role} does not exist (add --create).")
                password = os.environ.get("FAIRFUND_APP_DB_PASSWORD")
                statement = sql.SQL("CREATE ROLE {} LOGIN NOINHERIT").format(ident)
                if password:
                    statement = sql.SQL("CREATE ROLE {} LOGIN NOINHERIT PASSWORD {}").format(
                        ident, sql.Literal(password)
                    )
                cursor.execute(statement)
            for statement in (
                sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
                    sql.Identifier(connection.settings_dict["NAME"]), ident
                ),
                sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(ident),
                sql.SQL(
                    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}"
                ).format(ident),
                sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(
                    ident
                ),
                sql.SQL("REVOKE ALL ON {} FROM {}").format(sql.Identifier(AUDIT_TABLE), ident),
                sql.SQL("GRANT SELECT, INSERT ON {} TO {}").format(
                    sql.Identifier(AUDIT_TABLE), ident
                ),
            ):
                cursor.execute(statement.as_string(cursor.connection))
        self.stdout.write(
            self.style.SUCCESS(f"{role}: tables read/write; {AUDIT_TABLE} SELECT and INSERT only.")
        )
