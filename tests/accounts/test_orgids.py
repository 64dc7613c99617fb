import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.accounts import orgids


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("01234567", "GB-COH-01234567"),
        ("1234567", "GB-COH-01234567"),
        ("sc123456", "GB-COH-SC123456"),
        (" SC 123 456 ", "GB-COH-SC123456"),
        ("GB-COH-09876543", "GB-COH-09876543"),
        ("RS007123", "GB-COH-RS007123"),
    ],
)
def test_company_numbers_become_org_ids(raw, expected):
    assert orgids.company_org_id(raw) == expected


@pytest.mark.parametrize("raw", ["123", "123456789", "XX123456", "SC12345", "ABCDEFGH", ""])
def test_bad_company_numbers_are_refused_with_the_format(raw):
    with pytest.raises(orgids.OrgIdError, match="8 characters"):
        orgids.company_org_id(raw)


@pytest.mark.parametrize(
    ("raw", "regulator", "expected"),
    [
        ("1234567", "ccew", "GB-CHC-1234567"),
        ("211581", "ccew", "GB-CHC-211581"),
        ("sc012345", "oscr", "GB-SC-SC012345"),
        ("100002", "ccni", "GB-NIC-100002"),
        ("NIC100002", "ccni", "GB-NIC-100002"),
    ],
)
def test_charity_numbers_become_org_ids(raw, regulator, expected):
    assert orgids.charity_org_id(raw, regulator) == expected


@pytest.mark.parametrize(
    ("raw", "regulator"),
    [
        ("12345", "ccew"),
        ("12345678", "ccew"),
        ("012345", "oscr"),
        ("SC1234", "oscr"),
        ("200000", "ccni"),
    ],
)
def test_bad_charity_numbers_are_refused(raw, regulator):
    with pytest.raises(orgids.OrgIdError):
        orgids.charity_org_id(raw, regulator)


def test_society_numbers():
    assert orgids.society_org_id("12345R") == "GB-MPR-12345R"
    assert orgids.society_org_id("7654") == "GB-MPR-7654"
    with pytest.raises(orgids.OrgIdError):
        orgids.society_org_id("R12345")


@given(st.text(max_size=12))
def test_company_org_id_either_refuses_or_is_well_formed(raw):
    try:
        result = orgids.company_org_id(raw)
    except orgids.OrgIdError:
        return
    assert result.startswith("GB-COH-")
    assert len(result) == len("GB-COH-") + 8
