"""Forms for an applicant's bid: starting one, each section of the multi-page form, the budget's
rows, the declarations and an upload.

Forms parse what was typed; the services decide what is allowed. Saving a draft never needs an
answer to every question (submission checks completeness), so every field here is optional
except where a value is malformed (text in a number, a bad amount).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from backend.bids.declarations import DECLARATIONS

from .funds import PoundsField, pence
from .govuk import GovukForm, set_choices

# The levels of backend.bids.models.EvidenceLevel (Nesta's Standards of Evidence), repeated here
# because the UI may not import models; the service refuses anything outside 1 to 5.
EVIDENCE_LEVELS: list[tuple[int, StrOrPromise, StrOrPromise]] = [
    (1, _("Level 1"), _("You can describe what you do and why it matters, logically and clearly.")),
    (2, _("Level 2"), _("You capture data that shows positive change, but you cannot yet show you caused it.")),
    (3, _("Level 3"), _("You can show you are causing the change, for example with a comparison group.")),
    (4, _("Level 4"), _("One or more independent evaluations confirm the impact, and it has been replicated.")),
    (5, _("Level 5"), _("You have manuals and systems so that others can deliver the service with the same impact.")),
]  # fmt: skip

# backend.bids.models.MAX_ATTACHMENT_BYTES: checked here before the file is read into memory;
# the service checks the size (and everything else) again.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024

# How many empty budget rows a page offers, and the most rows one page will draw.
EXTRA_BUDGET_ROWS = 3
MAX_BUDGET_ROWS = 200

_TITLE_MAX = 200


def _text(label: Any, *, help_text: Any = "", rows: int = 5) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=False,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def _title_field() -> forms.CharField:
    return forms.CharField(
        label=_("Title of the bid"),
        help_text=_("A short name for the service you propose, like “Stay and play in Eastfield”."),
        max_length=_TITLE_MAX,
        required=False,
        error_messages={"max_length": _("The title can be at most 200 characters.")},
    )


class BidStartForm(GovukForm):
    """Start a bid: which organisation (if several), which pot (if any), and a title."""

    organisation = forms.TypedChoiceField(
        label=_("Which organisation is bidding?"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the organisation that is bidding.")},
    )
    pot = forms.TypedChoiceField(
        label=_("Which pot are you bidding to?"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a pot.")},
    )
    title = _title_field()

    def __init__(
        self,
        *args: Any,
        organisations: Sequence[Any] = (),
        pots: Sequence[Any] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["title"].required = True
        self.fields["title"].error_messages["required"] = gettext("Enter a title for the bid.")
        if len(organisations) > 1:
            set_choices(self, "organisation", [(o.pk, o.name) for o in organisations])
        else:
            del self.fields["organisation"]
        if pots:
            set_choices(self, "pot", [(p.pk, p.name) for p in pots])
        else:
            del self.fields["pot"]


class AboutForm(GovukForm):
    title = _title_field()
    pot = forms.TypedChoiceField(
        label=_("Pot"),
        help_text=_("The share of the fund you are bidding to."),
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
    )
    summary = _text(
        _("Summary"),
        help_text=_("In a few sentences: what you will do, for whom, and what will change."),
    )

    def __init__(self, *args: Any, pots: Iterable[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(p.pk, p.name) for p in pots]
        if choices:
            set_choices(self, "pot", choices)
        else:
            del self.fields["pot"]


class NeedForm(GovukForm):
    need = _text(
        _("The need"),
        help_text=_("What problem or gap does the service address? How do you know?"),
    )
    population_served = _text(
        _("The population served"),
        help_text=_("Who the service is for: where they live, their ages, their needs."),
    )


class OutcomesForm(GovukForm):
    outcomes = _text(
        _("Outcomes"),
        help_text=_(
            "What will be different for the people you serve, and how you will measure it."
        ),
    )


class EvidenceForm(GovukForm):
    evidence_level = forms.TypedChoiceField(
        label=_("Which level of evidence do you have that your service works?"),
        help_text=_("The levels are Nesta's Standards of Evidence. Choose the highest you meet."),
        choices=[(value, label) for value, label, _hint in EVIDENCE_LEVELS],
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose a level from 1 to 5.")},
    )
    evidence_sources = _text(
        _("Sources of your evidence"),
        help_text=_("Evaluations, data or research you rely on, with where to find them."),
    )

    def level_hints(self) -> dict[str, Any]:
        return {str(value): hint for value, _label, hint in EVIDENCE_LEVELS}


class DeliveryForm(GovukForm):
    delivery_plan = _text(
        _("Delivery plan"),
        help_text=_("How, where and when you will run the service; the main milestones."),
        rows=8,
    )


class PeopleForm(GovukForm):
    beneficiaries = forms.IntegerField(
        label=_("Number of beneficiaries"),
        help_text=_("How many people the service will reach, as a whole number, like 120."),
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
        error_messages={
            "invalid": _("Enter the number of beneficiaries as a whole number, like 120."),
            "min_value": _("Enter a number of beneficiaries more than zero."),
            "max_value": _("Enter a smaller number of beneficiaries."),
        },
    )
    partners = _text(
        _("Partners"),
        help_text=_("Optional. Organisations you will work with, and what each will do."),
        rows=4,
    )
    named_staff = _text(
        _("Named staff"),
        help_text=_("Optional. The people who will lead and deliver the service, and their roles."),
        rows=4,
    )


_AMOUNT_ERRORS = {
    "invalid": _("Enter an amount in pounds, like 1250 or 1,250.50."),
    "min_value": _("Enter an amount more than £0."),
    "max_digits": _("Enter a smaller amount."),
    "max_whole_digits": _("Enter a smaller amount."),
    "max_decimal_places": _("Enter pounds and pence only, like 1250.50."),
}


class BudgetForm(GovukForm):
    """Budget lines as rows of (description, amount in pounds); a row left blank is ignored.

    Without JavaScript the page has a fixed number of rows; "add more rows" posts the page back
    and draws more, keeping what was typed.
    """

    # How many rows the page drew (read by the view; a bad value just draws the usual rows).
    rows = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, row_count: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.row_count = row_count
        for i in range(row_count):
            number = i + 1
            self.fields[f"description_{i}"] = forms.CharField(
                label=_("Line %(n)s: what the money is for") % {"n": number},
                max_length=300,
                required=False,
                error_messages={"max_length": _("The description can be at most 300 characters.")},
            )
            self.fields[f"amount_{i}"] = PoundsField(
                label=_("Line %(n)s: amount, in pounds") % {"n": number},
                required=False,
                error_messages=_AMOUNT_ERRORS,
            )
        self.initial = {**self.initial, "rows": row_count}
        # The row each line sent to the service came from (blank rows are skipped).
        self.line_rows: list[int] = []

    def row_pairs(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"description_{i}"], self[f"amount_{i}"]) for i in range(self.row_count)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for i in range(self.row_count):
            description = (data.get(f"description_{i}") or "").strip()
            amount = data.get(f"amount_{i}")
            typed_amount = f"amount_{i}" in self.errors
            if description and amount is None and not typed_amount:
                self.add_error(f"amount_{i}", gettext("Enter the amount for this line, in pounds."))
            if not description and (amount is not None or typed_amount):
                self.add_error(f"description_{i}", gettext("Say what this amount is for."))
        return data

    def lines(self) -> list[tuple[str, int]]:
        """(description, pence) for each row filled in, in order; remembers their rows."""
        lines: list[tuple[str, int]] = []
        self.line_rows = []
        for i in range(self.row_count):
            description = (self.cleaned_data.get(f"description_{i}") or "").strip()
            amount: Decimal | None = self.cleaned_data.get(f"amount_{i}")
            if description and amount is not None:
                lines.append((description, pence(amount)))
                self.line_rows.append(i)
        return lines

    def field_for_service(self, name: str) -> str:
        """The row field a service error's field (``budget_lines.<i>.<part>``) belongs to."""
        parts = name.split(".")
        if len(parts) == 3 and parts[0] == "budget_lines" and parts[1].isdigit():
            index = int(parts[1])
            if index < len(self.line_rows):
                row = self.line_rows[index]
                return f"amount_{row}" if parts[2] == "amount_pence" else f"description_{row}"
        return name


class DeclarationsForm(GovukForm):
    declarations = forms.MultipleChoiceField(
        label=_("Declarations"),
        help_text=_("You need to confirm every declaration before you can submit the bid."),
        choices=DECLARATIONS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class AttachmentUploadForm(GovukForm):
    file = forms.FileField(
        label=_("Upload a file"),
        help_text=_(
            "PDF, DOCX, ODT, PNG or JPEG, at most 10 MB. Documents with macros cannot be attached."
        ),
        error_messages={
            "required": _("Choose a file to upload."),
            "empty": _("Choose a file that is not empty."),
            "invalid": _("Choose a file to upload."),
        },
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                gettext("The file is larger than %(mb)s MB.")
                % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        return upload
