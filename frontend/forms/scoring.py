"""Forms for panel scoring: conflicts of interest, the scoring sheet, the chair's settings,
moderation, reopening a sheet, reviewing a late conflict and the shortlist.

The forms only parse what was typed; the scoring services decide what is allowed and say why
(their field errors land on these forms through apply_application_error).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.html import escape
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from backend.scoring.selectors import CriterionView, relationship_choices, shortlist_rule_choices

from .govuk import GovukForm

TEXT_MAX_LENGTH = 4000
REASON_MAX_LENGTH = 2000


class ConflictDeclarationForm(GovukForm):
    """ "No conflict", or a conflict with how the member is connected and what it is about.

    Prefixed by the bid's id: the list of bids carries one form per bid on the same page."""

    declaration = forms.ChoiceField(
        label=_("Do you have a conflict of interest with this bid?"),
        choices=[
            ("none", _("No conflict")),
            ("conflict", _("Yes, I have a conflict of interest")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose no conflict or a conflict of interest.")},
    )
    relationship = forms.ChoiceField(
        label=_("If you have a conflict: how are you connected to the organisation?"),
        choices=relationship_choices,
        widget=forms.RadioSelect,
        required=False,
    )
    description = forms.CharField(
        label=_("If you have a conflict: describe it (optional)"),
        help_text=_("Only the chair and the council see it."),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, data: Any = None, *, bid_id: int) -> None:
        super().__init__(data, prefix=f"bid-{bid_id}")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("declaration") == "conflict" and not data.get("relationship"):
            self.add_error(
                "relationship", gettext("Choose how you are connected to the organisation.")
            )
        return data

    @property
    def conflicted(self) -> bool:
        return bool(self.cleaned_data["declaration"] == "conflict")


def _criterion_field(criterion: CriterionView) -> str:
    """The score's field name: the services key a criterion's errors the same way."""
    return f"criterion_{criterion.id}"


def _comment_field(criterion: CriterionView) -> str:
    return f"comment_{criterion.id}"


class ScoreSheetForm(GovukForm):
    """A score (0 to the fund's top) and a comment for each criterion of the rubric.

    Any criterion may be left unscored while saving a draft; submitting checks them all at once
    (the service lists every criterion still needing a score or a comment)."""

    def __init__(self, data: Any = None, *, criteria: list[CriterionView]) -> None:
        initial: dict[str, Any] = {}
        for criterion in criteria:
            initial[_criterion_field(criterion)] = (
                "" if criterion.value is None else str(criterion.value)
            )
            initial[_comment_field(criterion)] = criterion.comment
        super().__init__(data, initial=initial)
        self.criteria = criteria
        for number, criterion in enumerate(criteria, start=1):
            choices = [
                (
                    str(level),
                    gettext("%(level)s: %(text)s") % {"level": level, "text": text}
                    if text
                    else str(level),
                )
                for level, text in criterion.levels
            ]
            # The description is the chair's text: the hint is shown as HTML, so escape it here.
            self.fields[_criterion_field(criterion)] = forms.ChoiceField(
                label=gettext("%(number)s. %(name)s (weight %(weight)s)")
                % {"number": number, "name": criterion.name, "weight": criterion.weight},
                help_text=escape(criterion.description),
                choices=choices,
                widget=forms.RadioSelect,
                required=False,
            )
            self.fields[_comment_field(criterion)] = forms.CharField(
                label=gettext("Comment on %(name)s") % {"name": criterion.name},
                help_text=gettext("A comment is required for the lowest and highest scores."),
                required=False,
                max_length=TEXT_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    def rows(self) -> list[tuple[CriterionView, forms.BoundField, forms.BoundField]]:
        """Each criterion with its score and comment fields, in the rubric's order."""
        return [
            (criterion, self[_criterion_field(criterion)], self[_comment_field(criterion)])
            for criterion in self.criteria
        ]

    def check_draft(self) -> None:
        """A comment with no score would be lost when the draft is saved: say so instead."""
        for criterion in self.criteria:
            if self.cleaned_data.get(_comment_field(criterion)) and not self.cleaned_data.get(
                _criterion_field(criterion)
            ):
                self.add_error(
                    _criterion_field(criterion),
                    gettext("Choose a score for “%(name)s” to go with your comment.")
                    % {"name": criterion.name},
                )

    def answers(self) -> dict[int, tuple[int | None, str]]:
        """{criterion id: (score or None, comment)} as typed."""
        result: dict[int, tuple[int | None, str]] = {}
        for criterion in self.criteria:
            value = self.cleaned_data.get(_criterion_field(criterion)) or ""
            result[criterion.id] = (
                int(value) if value else None,
                self.cleaned_data.get(_comment_field(criterion)) or "",
            )
        return result


class ScoringSettingsForm(GovukForm):
    calibrate = forms.ChoiceField(
        label=_("Calibrate scorers?"),
        help_text=_(
            "Calibration puts each member's scores on a common footing, so that a harsh and a "
            "lenient scorer count alike. A member with fewer than three submitted sheets, or who "
            "gave every bid the same total, counts with their raw scores."
        ),
        choices=[("yes", _("Yes, calibrate")), ("no", _("No, use raw scores"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether to calibrate scorers.")},
    )
    disagreement_threshold = forms.IntegerField(
        label=_("Disagreement threshold (points out of 100)"),
        help_text=_("A bid is flagged when its scorers' totals differ by more than this."),
        error_messages={
            "required": _("Enter a number of points from 1 to 100."),
            "invalid": _("Enter a whole number of points from 1 to 100."),
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-3"}),
    )
    min_scorers = forms.IntegerField(
        label=_("Minimum number of scorers per bid"),
        error_messages={
            "required": _("Enter a number from 1 to 50."),
            "invalid": _("Enter a whole number from 1 to 50."),
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    reminder_hours = forms.CharField(
        label=_("Reminders (hours before the scoring deadline)"),
        help_text=_("Separate them with commas, like 72, 24. Leave empty for no reminders."),
        required=False,
        max_length=100,
    )

    def clean_reminder_hours(self) -> list[int]:
        text = self.cleaned_data.get("reminder_hours") or ""
        parts = [part.strip() for part in text.split(",") if part.strip()]
        if not all(part.isdigit() for part in parts):
            raise forms.ValidationError(
                gettext("Enter whole numbers of hours separated by commas, like 72, 24.")
            )
        return [int(part) for part in parts]

    @property
    def calibrate_chosen(self) -> bool:
        return bool(self.cleaned_data["calibrate"] == "yes")


class ModerationForm(GovukForm):
    score = forms.CharField(
        label=_("Moderated score"),
        help_text=_("From 0 to 100, with at most two decimal places, like 72.50."),
        max_length=10,
        error_messages={"required": _("Enter a score from 0 to 100.")},
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    reason = forms.CharField(
        label=_("Reason for the moderated score"),
        help_text=_("Auditors and the panel read it."),
        max_length=REASON_MAX_LENGTH,
        error_messages={"required": _("Give the reason for the moderated score.")},
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class SheetReopenForm(GovukForm):
    reason = forms.CharField(
        label=_("Reason for reopening"),
        help_text=_("The member is told it."),
        max_length=REASON_MAX_LENGTH,
        error_messages={"required": _("Give the reason for reopening these scores.")},
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, data: Any = None, *, sheet_id: int) -> None:
        super().__init__(data, prefix=f"sheet-{sheet_id}")
        self.sheet_id = sheet_id


class ConflictReviewForm(GovukForm):
    note = forms.CharField(
        label=_("What was done about the conflict"),
        max_length=REASON_MAX_LENGTH,
        error_messages={"required": _("Say what was done about the conflict.")},
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, data: Any = None, *, declaration_id: int) -> None:
        super().__init__(data, prefix=f"conflict-{declaration_id}")
        self.declaration_id = declaration_id


class ShortlistProposeForm(GovukForm):
    rule = forms.ChoiceField(
        label=_("Which bids go to the public vote?"),
        choices=shortlist_rule_choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose one of the rules.")},
    )
    parameter = forms.CharField(
        label=_("N, the threshold score or the multiple of the budget"),
        help_text=_(
            "For the top N bids, a whole number such as 5; for a threshold, a score out of 100 "
            "such as 60; for a multiple of the budget, a number such as 2.5."
        ),
        max_length=20,
        error_messages={"required": _("Enter the rule's number.")},
    )


class ShortlistEntryForm(GovukForm):
    feedback = forms.CharField(
        label=_("Feedback to the applicant"),
        help_text=_("Anonymised: do not name any member of the panel."),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    exclusive_group = forms.CharField(
        label=_("Exclusive group (optional)"),
        help_text=_("Bids with the same group name exclude one another: at most one is funded."),
        required=False,
        max_length=40,
    )

    def __init__(self, data: Any = None, *, bid_id: int, initial: dict[str, Any]) -> None:
        super().__init__(data, prefix=f"bid-{bid_id}", initial=initial)
        self.bid_id = bid_id
