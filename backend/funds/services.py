"""Writes about councils, localities and panels."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from backend.accounts.models import Role
from backend.accounts.permissions import Actor, holds, require_officer, require_panel_role
from backend.audit.services import AuditActor, audit_record
from backend.core.errors import ApplicationError, PermissionDenied

from .models import Council, Locality, Panel

_WARD_CODE = re.compile(r"^[EWSN]\d{8}$")
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def _text_sha256(text: str) -> str:
    """Free text (names, descriptions) enters the audit chain only as its hash."""
    return hashlib.sha256(text.encode()).hexdigest()


def _panel_data(panel: Panel) -> dict[str, object]:
    return {
        "council": panel.council_id,
        "name_sha256": _text_sha256(panel.name),
        "description_sha256": _text_sha256(panel.description),
        "localities": sorted(panel.localities.values_list("pk", flat=True)),
    }


def _ward_codes(raw: Iterable[str]) -> list[str]:
    codes = sorted({c.strip().upper() for c in raw if c.strip()})
    bad = [c for c in codes if not _WARD_CODE.match(c)]
    if bad:
        raise ApplicationError(
            _("Ward codes are 9 characters, like E05011234."),
            fields={
                "ward_codes": [_("Not an ONS ward code: %(codes)s") % {"codes": ", ".join(bad)}]
            },
        )
    return codes


_OUTWARD = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?$")
_INWARD = re.compile(r"^\d(?:[A-Z]{2})?$")
_FULL_COMPACT = re.compile(r"^([A-Z]{1,2}\d[A-Z\d]?)(\d[A-Z]{2})$")


def _postcode_part(item: str) -> str | None:
    """'sw1a 1aa' -> 'SW1A 1AA' (postcode), 'SW1A 1' (sector), 'SW1A' (district); else None.

    Without a space, only a full postcode can be told apart ('NB12' is a district).
    """
    words = item.upper().split()
    if len(words) == 2 and _OUTWARD.match(words[0]) and _INWARD.match(words[1]):
        return f"{words[0]} {words[1]}"
    if len(words) == 1:
        full = _FULL_COMPACT.match(words[0])
        if full:
            return f"{full.group(1)} {full.group(2)}"
        if _OUTWARD.match(words[0]):
            return words[0]
    return None


def _postcodes(raw: Iterable[str]) -> list[str]:
    """Full postcodes, sectors or districts, normalised; every bad one named."""
    items = [item.strip() for item in raw if item.strip()]
    parts = {item: _postcode_part(item) for item in items}
    bad = [item for item, part in parts.items() if part is None]
    if bad:
        raise ApplicationError(
            _(
                "Postcodes must be full postcodes, sectors or districts, like SW1A 1AA, SW1A 1 or SW1A."
            ),
            fields={"postcodes": [_("Not a postcode: %(codes)s") % {"codes": ", ".join(bad)}]},
        )
    return sorted({part for part in parts.values() if part})


@transaction.atomic
def council_create(*, name: str, brand_colour: str = "#1d4f6e") -> Council:
    """A new council. Only installation commands create councils (there is no actor yet)."""
    name = name.strip()
    if not name:
        raise ApplicationError(_("Enter the council's name."), fields={"name": [_("Required.")]})
    if not _HEX.match(brand_colour):
        raise ApplicationError(
            _("The brand colour is a hex colour like #1d4f6e."),
            fields={"brand_colour": [_("Not a hex colour.")]},
        )
    council, created = Council.objects.get_or_create(
        name=name, defaults={"slug": slugify(name)[:60], "brand_colour": brand_colour}
    )
    if created:
        audit_record(
            by=AuditActor.system(),
            action="council.created",
            subject=council,
            data={"slug": council.slug, "name_sha256": _text_sha256(council.name)},
        )
    return council


@transaction.atomic
def locality_create(
    *,
    actor: Actor,
    council: Council,
    name: str,
    ward_codes: Iterable[str] = (),
    postcodes: Iterable[str] = (),
) -> Locality:
    require_officer(actor, council)
    name = name.strip()
    if not name:
        raise ApplicationError(_("Enter the locality's name."), fields={"name": [_("Required.")]})
    wards, codes = _ward_codes(ward_codes), _postcodes(postcodes)
    if not wards and not codes:
        raise ApplicationError(
            _("Give the locality at least one ward code or postcode."),
            fields={"ward_codes": [_("Give at least one ward code or postcode.")]},
        )
    if Locality.objects.filter(council=council, name=name).exists():
        raise ApplicationError(
            _("The council already has a locality of that name."),
            fields={"name": [_("Already used.")]},
        )
    locality = Locality.objects.create(
        council=council, name=name, ward_codes=wards, postcodes=codes
    )
    audit_record(
        by=AuditActor.for_user(actor.user),
        action="locality.created",
        subject=locality,
        data={
            "council": council.pk,
            "name_sha256": _text_sha256(name),
            "ward_codes": wards,
            "postcodes_sha256": _text_sha256("\n".join(codes)),
        },
    )
    return locality


def _localities(council: Council, ids: Iterable[int]) -> list[Locality]:
    wanted = set(ids)
    found = list(Locality.objects.filter(council=council, pk__in=wanted))
    if len(found) != len(wanted):
        raise ApplicationError(
            _("Choose localities of this council."), fields={"localities": [_("Unknown locality.")]}
        )
    return found


@transaction.atomic
def panel_create(
    *,
    actor: Actor,
    council: Council,
    name: str,
    description: str = "",
    locality_ids: Iterable[int] = (),
) -> Panel:
    require_officer(actor, council)
    name = name.strip()
    if not name:
        raise ApplicationError(_("Enter the panel's name."), fields={"name": [_("Required.")]})
    localities = _localities(council, locality_ids)
    try:
        with transaction.atomic():
            panel = Panel.objects.create(
                council=council, name=name, description=description.strip(), created_by=actor.user
            )
    except IntegrityError as exc:
        raise ApplicationError(
            _("The council already has a panel of that name."),
            fields={"name": [_("Already used.")]},
        ) from exc
    panel.localities.set(localities)
    audit_record(
        by=AuditActor.for_user(actor.user),
        action="panel.created",
        subject=panel,
        data=_panel_data(panel),
    )
    return panel


@transaction.atomic
def panel_update(
    *,
    actor: Actor,
    panel: Panel,
    description: str,
    name: str | None = None,
    locality_ids: Iterable[int] | None = None,
) -> Panel:
    """Officers change anything; the panel's chair may change its description only."""
    panel = Panel.objects.select_for_update().select_related("council").get(pk=panel.pk)
    if holds(actor.user, Role.COUNCIL_OFFICER, council=panel.council):
        require_officer(actor, panel.council)
    else:
        require_panel_role(actor, panel, Role.PANEL_CHAIR)
        if name is not None or locality_ids is not None:
            raise PermissionDenied(
                _("Only council officers can rename a panel or change its localities.")
            )
    before = _panel_data(panel)
    panel.description = description.strip()
    if name is not None:
        if not name.strip():
            raise ApplicationError(_("Enter the panel's name."), fields={"name": [_("Required.")]})
        panel.name = name.strip()
    try:
        with transaction.atomic():
            panel.save(update_fields=["description", "name"])
    except IntegrityError as exc:
        raise ApplicationError(
            _("The council already has a panel of that name."),
            fields={"name": [_("Already used.")]},
        ) from exc
    if locality_ids is not None:
        panel.localities.set(_localities(panel.council, locality_ids))
    audit_record(
        by=AuditActor.for_user(actor.user),
        action="panel.updated",
        subject=panel,
        data={"before": before, "after": _panel_data(panel)},
    )
    return panel
