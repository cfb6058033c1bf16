"""UK charity and company numbers, and the 360Giving org-id derived from them.

Pure functions, no database: used by the services (and so by forms, imports and commands).
Each ``normalise_*`` function returns the canonical form of a valid number, or raises
``ValueError`` with a message written for the person who typed it.
"""

from __future__ import annotations

import re

# England and Wales: 6 or 7 digits, optionally "-N" for a linked (subsidiary) charity.
_EW_CHARITY = re.compile(r"^(\d{6,7})(?:-(\d{1,3}))?$")
# Scotland (OSCR): SC + 6 digits.
_SCOTTISH_CHARITY = re.compile(r"^SC\d{6}$")
# Northern Ireland (CCNI): NIC + 6 digits.
_NI_CHARITY = re.compile(r"^NIC\d{6}$")

# Companies House register prefixes (two characters, followed by six digits).
COMPANY_PREFIXES: dict[str, str] = {
    "AC": "assurance company (England and Wales)",
    "CE": "charitable incorporated organisation (England and Wales)",
    "CS": "Scottish charitable incorporated organisation",
    "FC": "overseas company",
    "GE": "European Economic Interest Grouping",
    "GN": "European Economic Interest Grouping (Northern Ireland)",
    "GS": "European Economic Interest Grouping (Scotland)",
    "IC": "investment company with variable capital",
    "IP": "industrial and provident society (England and Wales)",
    "LP": "limited partnership (England and Wales)",
    "NA": "assurance company (Northern Ireland)",
    "NC": "limited liability partnership (Northern Ireland)",
    "NF": "overseas company (Northern Ireland)",
    "NI": "company (Northern Ireland)",
    "NL": "limited partnership (Northern Ireland)",
    "NO": "other company (Northern Ireland)",
    "NP": "industrial and provident society (Northern Ireland)",
    "NR": "royal charter company (Northern Ireland)",
    "OC": "limited liability partnership (England and Wales)",
    "OE": "overseas entity",
    "R0": "company registered in Northern Ireland before partition",
    "RC": "royal charter company (England and Wales)",
    "RS": "registered society (Scotland)",
    "SA": "assurance company (Scotland)",
    "SC": "company (Scotland)",
    "SE": "European public limited-liability company (Societas Europaea)",
    "SF": "overseas company (Scotland)",
    "SI": "investment company with variable capital (Scotland)",
    "SL": "limited partnership (Scotland)",
    "SO": "limited liability partnership (Scotland)",
    "SP": "industrial and provident society (Scotland)",
    "SR": "royal charter company (Scotland)",
    "ZC": "unregistered company (England and Wales)",
}
_COMPANY = re.compile(r"^(?:\d{8}|([A-Z][A-Z0-9])\d{6})$")

CHARITY_NUMBER_HELP = (
    "England and Wales: 6 or 7 digits, with -1 etc. for a linked charity (1234567 or 1234567-1); "
    "Scotland: SC and 6 digits (SC012345); Northern Ireland: NIC and 6 digits (NIC100123)"
)
COMPANY_NUMBER_HELP = "8 characters: 8 digits (01234567, keep the leading zeros) or 2 letters and 6 digits (SC123456)"


def _squash(value: str | None) -> str:
    """Upper case, with all whitespace removed (people paste "SC 012 345")."""
    return re.sub(r"\s+", "", value or "").upper()


def normalise_charity_number(value: str | None) -> str:
    """The canonical charity number, "" for blank input; ``ValueError`` if malformed."""
    number = _squash(value)
    if not number:
        return ""
    if _EW_CHARITY.match(number) or _SCOTTISH_CHARITY.match(number) or _NI_CHARITY.match(number):
        return number
    raise ValueError(f"Enter a real charity number. {CHARITY_NUMBER_HELP}.")


def normalise_company_number(value: str | None) -> str:
    """The canonical company number, "" for blank input; ``ValueError`` if malformed.

    Leading zeros matter (01234567 and 1234567 are not the same text), so a number that
    is not 8 characters long is refused rather than padded.
    """
    number = _squash(value)
    if not number:
        return ""
    if len(number) != 8:
        raise ValueError(f"Company numbers have 8 characters; this one has {len(number)}. {COMPANY_NUMBER_HELP}.")
    match = _COMPANY.match(number)
    if not match:
        raise ValueError(f"Enter a real company number. {COMPANY_NUMBER_HELP}.")
    prefix = match.group(1)
    if prefix is not None and prefix not in COMPANY_PREFIXES:
        raise ValueError(f"{prefix} is not a Companies House register prefix. {COMPANY_NUMBER_HELP}.")
    return number


def charity_register(number: str) -> str:
    """Which register a normalised charity number belongs to: "GB-CHC", "GB-SC" or "GB-NIC"."""
    if number.startswith("SC"):
        return "GB-SC"
    if number.startswith("NIC"):
        return "GB-NIC"
    return "GB-CHC"


def derive_org_id(*, charity_number: str = "", company_number: str = "") -> str:
    """The 360Giving org-id for normalised numbers: charity number first, then company; "" if neither.

    GB-CHC-1234567 (England and Wales), GB-SC-SC012345 (Scotland: the register's number keeps
    its SC), GB-NIC-100123 (Northern Ireland: the number without NIC), GB-COH-01234567.
    """
    if charity_number:
        register = charity_register(charity_number)
        if register == "GB-NIC":
            return f"GB-NIC-{charity_number.removeprefix('NIC')}"
        return f"{register}-{charity_number}"
    if company_number:
        return f"GB-COH-{company_number}"
    return ""


_ORG_ID = re.compile(r"^[A-Z0-9]{2,}-[A-Z0-9]{2,}-\S+$", re.IGNORECASE)


def normalise_org_id(value: str | None) -> str:
    """An org-id as given (trimmed), "" for blank; ``ValueError`` if it is not PREFIX-LIST-id."""
    org_id = (value or "").strip()
    if not org_id:
        return ""
    if not _ORG_ID.match(org_id):
        raise ValueError(
            "Enter an org-id as list prefix, list code and identifier, such as GB-CHC-1234567 "
            "or GB-COH-01234567, or leave it blank to have it worked out."
        )
    return org_id
