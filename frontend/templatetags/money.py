"""Money as people read it: integer pence shown as pounds."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def pounds(pence: int) -> str:
    """12345678 -> '£123,456.78' (exact: integer arithmetic, never a float)."""
    sign = "-" if pence < 0 else ""
    whole, part = divmod(abs(int(pence)), 100)
    return f"{sign}£{whole:,}.{part:02d}"
