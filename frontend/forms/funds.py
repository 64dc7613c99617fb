"""Forms for setting a fund up: the officer's money, timeline and rule; the chair's part."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from backend.core.london_time import NonexistentLocalTime, from_london
from backend.funds.selectors import need_choices, timeline_fields

from .govuk import GovukForm, set_choices


def pence(pounds: Decimal) -> int:
    """Pounds as typed (up to 2 decimal places) to whole pence, exactly."""
    return int(pounds * 100)


class PoundsField(forms.DecimalField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            max_digits=14,
            decimal_places=2,
            min_value=Decimal("0.01"),
            widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"}),
            **kwargs,
        )

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if isinstance(value, str):
            value = value.replace("£", "").replace(",", "").strip()
        return super().to_python(value)


class LondonDateTimeField(forms.DateTimeField):
    """A date and time in London, as typed (no JavaScript needed: the browser's own picker)."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]

    def to_python(self, value: Any) -> datetime | None:
        if isinstance(value, datetime):
            return value
        if value in self.empty_values:
            return None
        text = str(value).strip()
        for pattern in self.input_formats:
            try:
                naive = datetime.strptime(text, pattern)  # noqa: DTZ007  (London wall-clock)
            except ValueError:
                continue
            try:
                return from_london(naive)
            except NonexistentLocalTime as exc:
                raise ValidationError(
                    _(
                        "%(when)s does not exist in London: the clocks go forward that night. "
                        "Choose a time from 02:00."
                    )
                    % {"when": naive.strftime("%d/%m/%Y %H:%M")},
                    code="nonexistent",
                ) from exc
        raise ValidationError(_("Enter a date and time, like 01/10/2026 09:00."), code="invalid")


class FundCreateForm(GovukForm):
    name = forms.CharField(
        label=_("Name of the fund"),
        max_length=200,
        error_messages={"required": _("Enter the fund's name.")},
    )
    panel = forms.TypedChoiceField(
        label=_("Community panel"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the panel that sets the fund up.")},
    )
    budget = PoundsField(
        label=_("Budget, in pounds"),
        help_text=_("For example, 250000 or 250,000.00."),
        error_messages={"required": _("Enter the budget.")},
    )

    def __init__(self, *args: Any, panels: Iterable[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "panel", [(p.pk, p.name) for p in panels])


class FundBudgetForm(GovukForm):
    budget = PoundsField(
        label=_("Budget, in pounds"), error_messages={"required": _("Enter the budget.")}
    )
    pots = forms.CharField(
        label=_("Pots"),
        help_text=_(
            "Optional. One per line: a name, a colon and its share in pounds, "
            "like “North ward: 50000”. The shares may not add up to more than the budget."
        ),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def clean_pots(self) -> list[tuple[str, int]]:
        pots = []
        for line in self.cleaned_data["pots"].splitlines():
            if not line.strip():
                continue
            name, _colon, amount = line.rpartition(":")
            try:
                share = Decimal(amount.replace("£", "").replace(",", "").strip())
            except ArithmeticError:
                share = Decimal("NaN")
            if not name.strip() or not share.is_finite() or share != round(share, 2):
                raise ValidationError(
                    _("Write each pot as a name, a colon and an amount: “North ward: 50000”.")
                )
            pots.append((name.strip(), pence(share)))
        return pots


class FundTimelineForm(GovukForm):
    bids_open_at = LondonDateTimeField(label=_("Bids open"))
    bids_close_at = LondonDateTimeField(label=_("Bids close and screening starts"))
    scoring_starts_at = LondonDateTimeField(label=_("Scoring starts"))
    voting_opens_at = LondonDateTimeField(label=_("Voting opens"))
    voting_closes_at = LondonDateTimeField(label=_("Voting closes"))
    decision_at = LondonDateTimeField(label=_("Decision"))

    field_order = list(timeline_fields())


class FundRuleForm(GovukForm):
    rule_name = forms.ChoiceField(
        label=_("Decision rule"),
        choices=[
            ("greedy", _("Greedy: most votes first, skipping bids that no longer fit")),
            (
                "greedy-no-skip",
                _("Greedy: most votes first, stopping at the first that does not fit"),
            ),
            ("mes", _("Method of Equal Shares")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a decision rule.")},
    )
    completion = forms.ChoiceField(
        label=_("Completion (Method of Equal Shares only)"),
        choices=[
            ("none", _("None")),
            ("add1", _("Add1: raise every voter's budget until the money is spent")),
            ("add1+greedy", _("Add1, then greedy for what is left")),
        ],
        initial="none",
        widget=forms.RadioSelect,
    )
    min_score = forms.CharField(
        label=_("Minimum score"),
        help_text=_("Optional: bids need at least this many votes, like 10."),
        required=False,
        max_length=40,
    )
    min_share = forms.CharField(
        label=_("Minimum share of voters"),
        help_text=_("Optional: a fraction from 0 to 1, like 0.05 or 1/20."),
        required=False,
        max_length=40,
    )


class FundPopulationForm(GovukForm):
    purpose = forms.CharField(
        label=_("What the fund is for"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Say what the fund is for.")},
    )
    localities = forms.TypedMultipleChoiceField(
        label=_("Localities it serves"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    age_min = forms.IntegerField(
        label=_("Youngest age served"), required=False, min_value=0, max_value=120
    )
    age_max = forms.IntegerField(
        label=_("Oldest age served"), required=False, min_value=0, max_value=120
    )
    needs = forms.MultipleChoiceField(
        label=_("Needs"),
        choices=need_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    disadvantage_criteria = forms.CharField(
        label=_("Disadvantage criteria"),
        help_text=_("Optional: who counts as disadvantaged for this fund."),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, localities: Iterable[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "localities", [(locality.pk, locality.name) for locality in localities])


class FundChecklistForm(GovukForm):
    items = forms.CharField(
        label=_("Eligibility checklist"),
        help_text=_("One item per line. Officers screen each bid against each item."),
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("Give at least one eligibility item.")},
    )

    def item_lines(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["items"].splitlines() if line.strip()]


class FundRubricForm(GovukForm):
    scale_max = forms.IntegerField(
        label=_("Top of the scale"),
        help_text=_("Each criterion is scored from 0 to this number (1 to 10)."),
        min_value=1,
        max_value=10,
        initial=5,
    )
    criteria = forms.CharField(
        label=_("Criteria"),
        help_text=_(
            "One per line: weight, a bar, name, a bar, description, like "
            "“3 | Value for money | What the money buys”."
        ),
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("Give at least one criterion.")},
    )

    def clean_criteria(self) -> list[tuple[int, str, str]]:
        rows = []
        for line in self.cleaned_data["criteria"].splitlines():
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split("|")]
            try:
                weight = int(parts[0])
            except ValueError as exc:
                raise ValidationError(
                    _("Start each line with a whole-number weight: “3 | Need | ...”.")
                ) from exc
            if len(parts) < 2 or not parts[1]:
                raise ValidationError(_("Give each criterion a name after its weight."))
            rows.append((weight, parts[1], " | ".join(parts[2:])))
        return rows


class FundTransitionForm(GovukForm):
    to_phase = forms.CharField(widget=forms.HiddenInput)
