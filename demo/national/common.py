"""What every step of the national dataset shares: its years, its "today", the forces, the
helpers and the context the steps pass along."""

from __future__ import annotations

import datetime
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from grants.models import (
    Award,
    FundingLine,
    FundingStream,
)
from pcc_commissioning.periods import FinancialYear
from providers.models import Organisation

FIRST_FY, LAST_FY = 2019, 2023
FYS = tuple(range(FIRST_FY, LAST_FY + 1))
LAST_DAY = FinancialYear(LAST_FY).end
# The dataset's "today": what is paid, decided or published happened on or before it, and
# award statuses follow from it (ended before it, active across it, not yet started after it).
AS_OF = datetime.date(2023, 9, 30)
REFERENCE_PREFIX = "NAT-"
BATCH_SIZE = 2000

# Full-size targets (README "Performance"); lines and payments follow from the awards' shapes.
FULL_PROVIDERS = 2000
FULL_AWARDS = 10000


class NationalDataPresent(Exception):
    """The database already holds national data: load it into a fresh database instead."""


# The 43 territorial police forces of England and Wales: code, force area, postcode area, a
# relative size (how many awards and providers it carries) and, where it is not
# "Office of the Police and Crime Commissioner for <area>", the name of its OPCC.
FORCES: tuple[tuple[str, str, str, int, str], ...] = (
    ("AS", "Avon and Somerset", "BS", 4, ""),
    ("BED", "Bedfordshire", "LU", 2, ""),
    ("CAM", "Cambridgeshire", "CB", 2, ""),
    ("CHE", "Cheshire", "CH", 2, ""),
    ("COL", "City of London", "EC", 1, "City of London Corporation (police authority)"),
    ("CLE", "Cleveland", "TS", 2, ""),
    ("CUM", "Cumbria", "CA", 1, "Office of the Police, Fire and Crime Commissioner for Cumbria"),
    ("DER", "Derbyshire", "DE", 2, ""),
    ("DC", "Devon and Cornwall", "PL", 4, ""),
    ("DOR", "Dorset", "DT", 2, ""),
    ("DUR", "Durham", "DH", 2, "Office of the Durham Police, Crime and Victims' Commissioner"),
    ("DP", "Dyfed-Powys", "SA", 1, ""),
    ("ESX", "Essex", "CM", 4, "Office of the Police, Fire and Crime Commissioner for Essex"),
    ("GLO", "Gloucestershire", "GL", 1, ""),
    ("GMP", "Greater Manchester", "M", 6, "Greater Manchester Combined Authority (Mayor's office)"),
    ("GWE", "Gwent", "NP", 1, ""),
    ("HAM", "Hampshire and Isle of Wight", "SO", 4, ""),
    ("HER", "Hertfordshire", "AL", 3, ""),
    ("HUM", "Humberside", "HU", 2, ""),
    ("KEN", "Kent", "ME", 4, ""),
    ("LAN", "Lancashire", "PR", 3, ""),
    ("LEI", "Leicestershire", "LE", 2, ""),
    ("LIN", "Lincolnshire", "LN", 2, ""),
    ("MER", "Merseyside", "L", 3, ""),
    ("MET", "Metropolitan Police", "SW", 10, "Mayor's Office for Policing and Crime"),
    ("NOR", "Norfolk", "NR", 2, ""),
    ("NWA", "North Wales", "LL", 2, ""),
    ("NYO", "North Yorkshire", "YO", 2, "Office of the Police, Fire and Crime Commissioner for North Yorkshire"),
    ("NTH", "Northamptonshire", "NN", 2, "Office of the Police, Fire and Crime Commissioner for Northamptonshire"),
    ("NUM", "Northumbria", "NE", 3, ""),
    ("NOT", "Nottinghamshire", "NG", 2, ""),
    ("SWA", "South Wales", "CF", 3, ""),
    ("SYO", "South Yorkshire", "S", 3, ""),
    ("STA", "Staffordshire", "ST", 2, "Office of the Police, Fire and Crime Commissioner for Staffordshire"),
    ("SUF", "Suffolk", "IP", 2, ""),
    ("SUR", "Surrey", "GU", 2, ""),
    ("SUS", "Sussex", "BN", 3, ""),
    ("TV", "Thames Valley", "OX", 4, ""),
    ("WAR", "Warwickshire", "CV", 1, ""),
    ("WMC", "West Mercia", "WR", 2, "Office of the Police, Fire and Crime Commissioner for West Mercia"),
    ("WMD", "West Midlands", "B", 6, ""),
    ("WYO", "West Yorkshire", "LS", 5, "West Yorkshire Combined Authority (Mayor's office)"),
    ("WIL", "Wiltshire", "SN", 1, ""),
)

# Helpers ------------------------------------------------------------------------------------


def _add_months(day: datetime.date, months: int) -> datetime.date:
    """The first of the month ``months`` after the month of ``day`` (``day`` is a first)."""
    years, month = divmod(day.month - 1 + months, 12)
    return datetime.date(day.year + years, month + 1, 1)


def _split_count(total: int, weights: Sequence[int]) -> list[int]:
    """Whole numbers in proportion to ``weights`` adding up to ``total`` (largest remainder,
    ties to the earlier part)."""
    whole = sum(weights)
    parts = [total * weight // whole for weight in weights]
    order = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for index in order[: total - sum(parts)]:
        parts[index] += 1
    return parts


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:50]


def _round_up(amount: Decimal, step: int = 1000) -> Decimal:
    pounds = int(amount)
    return Decimal(-(-pounds // step) * step)


def _aware(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=datetime.UTC)


def _bulk(model, rows: list) -> list:
    return model.objects.bulk_create(rows, batch_size=BATCH_SIZE)


@dataclass
class _Force:
    code: str
    area: str
    postcode: str
    weight: int
    opcc: Organisation | None = None
    providers: list[Organisation] = field(default_factory=list)
    streams: dict[str, FundingStream] = field(default_factory=dict)
    partner_source: Organisation | None = None


@dataclass
class _Context:
    rng: random.Random
    scale_factor: float
    forces: list[_Force]
    out: Callable[[str], None]
    counts: dict[str, int] = field(default_factory=dict)
    providers: list[Organisation] = field(default_factory=list)
    awards: list[Award] = field(default_factory=list)
    lines: list[FundingLine] = field(default_factory=list)
