"""The demo year and the demo's money in: the funding streams, their allocations and the budgets
of the years after the delivery plan."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from grants.models import (
    StreamKind,
)

DEMO_FY = 2019  # the year of the published delivery plan
NOTE = "Loaded from the Durham 2019/20 delivery plan (demo data)."

# Funding streams --------------------------------------------------------------------------------

MOJ_CORE = "MoJ victims' services grant (Core)"
MOJ_GENERAL = "MoJ victims' services grant (General: ISVA and IDVA)"
POLICE_GRANT = "Home Office police grant"
PRECEPT = "Police precept"
PARTNERS = "Partner contributions"

# The OPCC itself: the source of the precept it raises.
OPCC_NAME = "Durham Police, Crime and Victims' Commissioner"


@dataclass(frozen=True)
class StreamSpec:
    name: str
    source: str  # an organisation's name
    kind: str
    moj_reported: bool
    ring_fenced_for: str
    description: str
    allocations: Mapping[int, Decimal]  # fy -> income


STREAMS: tuple[StreamSpec, ...] = (
    StreamSpec(
        MOJ_CORE,
        "Ministry of Justice",
        StreamKind.CENTRAL_GOVERNMENT,
        True,
        "",
        "The core of the MoJ's grant for victims' services commissioned by the PCC.",
        {2019: Decimal("812000"), 2020: Decimal("845000")},
    ),
    StreamSpec(
        MOJ_GENERAL,
        "Ministry of Justice",
        StreamKind.CENTRAL_GOVERNMENT,
        True,
        "ISVA and IDVA",
        "The part of the MoJ's victims' grant ring-fenced for Independent Sexual Violence and "
        "Domestic Violence Advisers.",
        {2019: Decimal("180000"), 2020: Decimal("190000")},
    ),
    StreamSpec(
        POLICE_GRANT,
        "Home Office",
        StreamKind.CENTRAL_GOVERNMENT,
        False,
        "",
        "The share of the Home Office police grant the PCC sets aside for commissioning.",
        {2019: Decimal("850000"), 2020: Decimal("860000")},
    ),
    StreamSpec(
        PRECEPT,
        OPCC_NAME,
        StreamKind.PRECEPT,
        False,
        "",
        "The share of the police precept (council tax) the PCC sets aside for commissioning.",
        {2019: Decimal("480000"), 2020: Decimal("500000")},
    ),
    StreamSpec(
        PARTNERS,
        "Darlington Borough Council",
        StreamKind.PARTNER,
        False,
        "",
        "Partners' contributions paid to the PCC for jointly funded projects.",
        {2019: Decimal("20000"), 2020: Decimal("20000")},
    ),
)

# Budgets of the years after the delivery plan (2019/20 is the sum of the plan's rows).
LATER_BUDGETS: dict[str, dict[int, Decimal]] = {
    "Victims services": {2020: Decimal("870000")},
    "Reducing reoffending": {2020: Decimal("640000")},
    "Community safety and prevention": {2020: Decimal("585000")},
}
