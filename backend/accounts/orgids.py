"""Registration numbers, checked for format and stored as org-id.guide identifiers.

Companies House numbers are eight characters: eight digits, or a two-letter prefix (SC, NI, OC,
SO, NC, R0, IP, SP, RS, ...) and six digits; a seven-digit number is padded with a leading zero.
Charity numbers depend on the regulator: the Charity Commission for England and Wales (six or
seven digits, GB-CHC), OSCR in Scotland (SC and six digits, GB-SC) and the Charity Commission
for Northern Ireland (six digits from 100000, GB-NIC). Co-operative and community benefit
societies are on the FCA Mutuals Public Register (digits, optionally ending in R, GB-MPR).
"""

from __future__ import annotations

import re
from enum import StrEnum

_COMPANY = re.compile(
    r"^(?:\d{8}|(?:SC|NI|OC|SO|NC|R0|IP|SP|RS|NP|NO|SL|SE|GE|FC|SF|NF|IC|SI|NL|LP|ES|SA|CE|CS|RC|SR|NR|NZ|SZ|ZC)\d{6})$"
)
_CHC = re.compile(r"^\d{6,7}$")
_OSCR = re.compile(r"^SC\d{6}$")
_NIC = re.compile(r"^1\d{5}$")
_MPR = re.compile(r"^\d{1,6}R?$")


class CharityRegulator(StrEnum):
    CCEW = "ccew"
    OSCR = "oscr"
    CCNI = "ccni"


class OrgIdError(ValueError):
    """A registration number that is not in its register's format."""


def _clean(raw: str, prefix: str) -> str:
    """Upper case, without an org-id prefix already typed, spaces, dashes or dots."""
    text = raw.strip().upper()
    text = text.removeprefix(prefix)
    return re.sub(r"[\s\-.]", "", text)


def company_org_id(raw: str) -> str:
    """'1234567' -> 'GB-COH-01234567'; 'sc123456' -> 'GB-COH-SC123456'."""
    number = _clean(raw, "GB-COH-")
    if number.isdigit() and len(number) == 7:
        number = "0" + number
    if not _COMPANY.match(number):
        raise OrgIdError(
            "Enter a Companies House number of 8 characters, like 01234567 or SC123456."
        )
    return f"GB-COH-{number}"


def charity_org_id(raw: str, regulator: CharityRegulator | str) -> str:
    """'1234567' (England and Wales) -> 'GB-CHC-1234567'; 'SC012345' -> 'GB-SC-SC012345'."""
    regulator = CharityRegulator(regulator)
    if regulator is CharityRegulator.CCEW:
        number = _clean(raw, "GB-CHC-")
        if not _CHC.match(number):
            raise OrgIdError("Enter a charity number of 6 or 7 digits, like 1234567.")
        return f"GB-CHC-{number}"
    if regulator is CharityRegulator.OSCR:
        number = _clean(raw, "GB-SC-")
        if not _OSCR.match(number):
            raise OrgIdError("Enter a Scottish charity number: SC and 6 digits, like SC012345.")
        return f"GB-SC-{number}"
    number = _clean(raw, "GB-NIC-").removeprefix("NIC")
    if not _NIC.match(number):
        raise OrgIdError("Enter a Northern Ireland charity number of 6 digits, like 100002.")
    return f"GB-NIC-{number}"


def society_org_id(raw: str) -> str:
    """FCA Mutuals Public Register number: '12345R' -> 'GB-MPR-12345R'."""
    number = _clean(raw, "GB-MPR-")
    if not _MPR.match(number):
        raise OrgIdError("Enter an FCA society number of up to 6 digits, like 12345R.")
    return f"GB-MPR-{number}"
