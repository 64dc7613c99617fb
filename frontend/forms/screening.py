"""Forms for screening a bid: an outcome and a reason for each checklist item, then the decision.

The checklist is one form per item (prefixed by the item's id) posted together, so a mistake in
one item is shown next to it while everything typed in the others stays on the page.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from backend.bids.selectors import ScreeningLine, screening_outcome_choices

from .govuk import GovukForm

REASON_MAX_LENGTH = 2000


class ScreeningItemForm(GovukForm):
    """One checklist item: both answers, or neither (not screened yet)."""

    outcome = forms.ChoiceField(
        choices=screening_outcome_choices, widget=forms.RadioSelect, required=False
    )
    reason = forms.CharField(
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, data: Any = None, *, line: ScreeningLine, number: int) -> None:
        super().__init__(
            data,
            prefix=f"item-{line.item_id}",
            initial={"outcome": line.outcome or "", "reason": line.reason or ""},
        )
        self.line = line
        self.number = number
        # The legend names the item, so that each group of radios says what it is about.
        self.fields["outcome"].label = gettext("%(number)s. %(text)s") % {
            "number": number,
            "text": line.text,
        }
        self.fields["reason"].label = gettext("Reason for item %(number)s") % {"number": number}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        outcome, reason = data.get("outcome"), data.get("reason")
        if outcome and not reason and "reason" not in self.errors:
            self.add_error("reason", gettext("Give a reason for this outcome."))
        if reason and not outcome:
            self.add_error("outcome", gettext("Choose pass, fail or not applicable."))
        return data

    def is_blank(self) -> bool:
        """Nothing chosen and nothing typed: the item is left as it is."""
        return not self.cleaned_data.get("outcome") and not self.cleaned_data.get("reason")

    def differs_from_record(self) -> bool:
        """Whether saving would change what is recorded (re-saving the same is not audited)."""
        return (self.cleaned_data["outcome"], self.cleaned_data["reason"]) != (
            self.line.outcome,
            (self.line.reason or "").strip(),
        )

    def summary(self) -> list[tuple[str, str]]:
        """The error summary's entries, each saying which item it is about."""
        return [
            (
                anchor,
                gettext("Item %(number)s: %(message)s") % {"number": self.number, "message": m},
            )
            for anchor, m in self.error_summary()
        ]


class ScreeningDecisionForm(GovukForm):
    decision = forms.ChoiceField(
        label=_("Is the bid eligible?"),
        choices=[("eligible", _("Eligible")), ("ineligible", _("Ineligible"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose eligible or ineligible.")},
    )
    reason = forms.CharField(
        label=_("Reason for the decision"),
        help_text=_(
            "The applicant sees it. Needed when the bid is ineligible but failed no checklist item."
        ),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    @property
    def eligible(self) -> bool:
        return bool(self.cleaned_data["decision"] == "eligible")
