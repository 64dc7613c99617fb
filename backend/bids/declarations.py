"""What an applicant declares before submitting a bid.

The codes are stored on the bid and recorded in the audit chain; the wording is shown to the
applicant and may be translated. Every declaration must be accepted before a bid is submitted.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

DECLARATIONS = (
    (
        "accurate",
        _("The information in this bid is true and complete to the best of our knowledge."),
    ),
    (
        "authorised",
        _("I am authorised to submit this bid on behalf of the organisation."),
    ),
    (
        "safeguarding",
        _(
            "We have a safeguarding policy for children and adults at risk, and we will follow "
            "it in delivering this service."
        ),
    ),
    (
        "insurance",
        _("We hold, or will hold before delivery starts, the insurance this service needs."),
    ),
    (
        "conflicts",
        _(
            "We have told the council of every relationship between our organisation, its staff "
            "or partners and the fund's panel members or council officers."
        ),
    ),
    (
        "publication",
        _(
            "We agree that a summary of this bid, the amount requested and the decision may be "
            "published once the fund's decision is made."
        ),
    ),
)

DECLARATION_CODES = tuple(code for code, _label in DECLARATIONS)
