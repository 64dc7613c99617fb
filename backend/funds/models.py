"""Councils, the localities they serve, and the community panels that create funds."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Council(models.Model):
    """The public body that holds the money."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    # The council's own colour for the page header (a #rrggbb hex), not GOV.UK branding.
    brand_colour = models.CharField(_("brand colour"), max_length=7, default="#1d4f6e")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(brand_colour__regex=r"^#[0-9a-fA-F]{6}$"),
                name="council_brand_colour_hex",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Locality(models.Model):
    """An area a council serves: named, with ONS ward codes and/or a postcode list."""

    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="localities")
    name = models.CharField(_("name"), max_length=200)
    # ONS ward codes such as E05011234 (9 characters).
    ward_codes = models.JSONField(_("ONS ward codes"), default=list, blank=True)
    # Postcodes or postcode districts/sectors, normalised to upper case with one space.
    postcodes = models.JSONField(_("postcodes"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["council", "name"]
        verbose_name_plural = "localities"
        constraints = [
            models.UniqueConstraint(fields=["council", "name"], name="locality_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Panel(models.Model):
    """A community panel of residents and professionals, serving some of a council's localities."""

    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="panels")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    localities = models.ManyToManyField(Locality, related_name="panels", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["council", "name"]
        constraints = [
            models.UniqueConstraint(fields=["council", "name"], name="panel_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name
