"""Charity and company numbers, and the 360Giving org-id worked out from them."""

import pytest

from providers.identifiers import (
    derive_org_id,
    normalise_charity_number,
    normalise_company_number,
    normalise_org_id,
)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("1122334", "1122334"),  # England and Wales, 7 digits
        ("219830", "219830"),  # England and Wales, older 6 digits
        ("1122334-1", "1122334-1"),  # linked charity
        ("1122334-12", "1122334-12"),
        (" 1122334 ", "1122334"),
        ("SC012345", "SC012345"),  # Scotland
        ("sc012345", "SC012345"),
        ("SC 012 345", "SC012345"),
        ("NIC100123", "NIC100123"),  # Northern Ireland
        ("nic 100123", "NIC100123"),
        ("", ""),
        ("   ", ""),
        (None, ""),
    ],
)
def test_valid_charity_numbers_are_normalised(typed, stored):
    assert normalise_charity_number(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "12345",  # too short
        "12345678",  # too long
        "12AB",
        "1122334-",  # suffix without number
        "1122334-1234",
        "-1",
        "SC12345",  # Scotland needs 6 digits
        "SC1234567",
        "SCX12345",
        "NIC12345",
        "NI100123",  # NIC, not NI
        "GB-CHC-1122334",  # an org-id, not a charity number
        "1122334/1",
    ],
)
def test_malformed_charity_numbers_are_refused(typed):
    with pytest.raises(ValueError, match="charity number"):
        normalise_charity_number(typed)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("01234567", "01234567"),  # leading zero kept
        ("00000001", "00000001"),
        ("12345678", "12345678"),
        ("SC123456", "SC123456"),
        ("sc123456", "SC123456"),
        ("NI012345", "NI012345"),
        ("OC301234", "OC301234"),  # LLP
        ("CE001234", "CE001234"),  # CIO
        ("RC000123", "RC000123"),
        ("IP012345", "IP012345"),
        ("LP012345", "LP012345"),
        ("FC012345", "FC012345"),
        ("R0012345", "R0012345"),  # Northern Ireland, before partition
        (" SC 123456 ", "SC123456"),
        ("", ""),
    ],
)
def test_valid_company_numbers_are_normalised(typed, stored):
    assert normalise_company_number(typed) == stored


@pytest.mark.parametrize(
    "typed",
    ["1234567", "123456789", "SC12345", "SC1234567", "01234"],
)
def test_company_numbers_of_the_wrong_length_are_refused_naming_the_length(typed):
    with pytest.raises(ValueError, match="Company numbers have 8 characters"):
        normalise_company_number(typed)


@pytest.mark.parametrize(
    "typed",
    [
        "XX123456",  # not a register prefix
        "QQ123456",
        "AB123456",
        "SC12345A",
        "1234567A",
        "S1234567",
        "12-34567",
    ],
)
def test_company_numbers_with_unknown_prefixes_or_letters_are_refused(typed):
    with pytest.raises(ValueError, match="company number|register prefix"):
        normalise_company_number(typed)


@pytest.mark.parametrize(
    ("charity_number", "company_number", "org_id"),
    [
        ("1122334", "", "GB-CHC-1122334"),
        ("1122334-1", "", "GB-CHC-1122334-1"),
        ("SC012345", "", "GB-SC-SC012345"),
        ("NIC100123", "", "GB-NIC-100123"),
        ("", "01234567", "GB-COH-01234567"),
        ("", "SC123456", "GB-COH-SC123456"),
        ("1122334", "01234567", "GB-CHC-1122334"),  # charity number first
        ("", "", ""),
    ],
)
def test_org_id_is_derived_charity_number_first(charity_number, company_number, org_id):
    assert derive_org_id(charity_number=charity_number, company_number=company_number) == org_id


@pytest.mark.parametrize("typed", ["GB-CHC-1122334", "GB-LAE-DUR", "360G-opcc-42", " GB-COH-01234567 "])
def test_well_formed_org_ids_are_kept(typed):
    assert normalise_org_id(typed) == typed.strip()


@pytest.mark.parametrize("typed", ["1122334", "GB CHC 1122334", "GB-CHC", "-CHC-1"])
def test_malformed_org_ids_are_refused(typed):
    with pytest.raises(ValueError, match="org-id"):
        normalise_org_id(typed)
