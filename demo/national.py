# Unlike the rest of demo/, this module writes with bulk_create, not through the services: at
# full size it is a few hundred thousand rows (awards, lines, payments, returns and their parts),
# which one service call a row (each validating, writing history and a timeline) would take far
# too long to load. What it keeps of the services' rules is listed in the docstring below.
"""The national stress dataset (README "Performance"): 43 forces' worth over five financial years.

At full size (``scale_factor=1``): 43 OPCCs, about 2,000 providers, 215 funding streams with
their allocations, budgets per priority and year, about 10,000 awards, 40,000 funding lines,
50,000 payments and the decisions that made the awards. No single OPCC is that big: it is the
load a shared regional or national service would carry, so the priority budgets are those of
the whole service (one per priority and year, the Plan's priorities reused), and about 50,000
quarterly monitoring returns with one KPI per committed award (see ``seed_monitoring_returns``).
The original target was 120,000 returns, but returns follow from the awards: one per committed award
and quarter it ran in by ``AS_OF``. With 10,000 awards starting across the five years and about
four funding lines each, awards average 18 months, so about 5 quarters each have passed; even if
every award ran to ``AS_OF`` there would be at most about 90,000.

Stress data, written fast: rows go straight in with ``bulk_create`` in batches, not through the
services, so **no simple-history rows are written** for them and no award timeline beyond one
entry per award. The data still satisfies every database constraint and the services'
invariants: funding lines lie in financial years the award's dates touch, one per award,
stream and year; payments are made only on awarded, active or ended awards, from a stream and
year the award has a line for, and never exceed what is committed for the award in that year;
refunds are negative with a reason; references are unique; every committed award worth more
than ``DELEGATED_LIMIT`` has a signed decision; dates paid, decided and published are on or
before ``AS_OF``.

Deterministic for a seed: all randomness comes from one ``random.Random(seed)`` drawn in a
fixed order over ordered data, and every date is anchored to the fixed financial years
2019/20-2023/24 and ``AS_OF`` (never today's date), so two runs with the same seed on the same
starting database give the same rows (only automatic timestamps such as ``created_at``
differ).

Not idempotent: it **refuses to run** (``NationalDataPresent``) on a database that already
holds national data (any award with a ``NAT-`` reference). Load it into a fresh database,
after the demo (``manage.py seed_demo --scale national``), which provides the Plan.
"""

from __future__ import annotations

import datetime
import hashlib
import random
import re
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TextIO

from django.conf import settings
from django.db import transaction

from grants.models import (
    COMMITTED_STATUSES,
    Award,
    AwardKind,
    AwardKPI,
    AwardStatus,
    AwardTransition,
    Decision,
    DecisionStatus,
    FundingLine,
    FundingStream,
    KPIPeriod,
    MonitoringReturn,
    Payment,
    PriorityBudget,
    Rag,
    ReturnBreakdown,
    ReturnKPIValue,
    ReturnOutcome,
    ReturnStatus,
    StreamAllocation,
    StreamKind,
    award_runs_until,
)
from outcomes.models import KPQ, CodeList, CodeListEntry, CommissioningPriority
from pcc_commissioning import clock
from pcc_commissioning.money import format_pence
from pcc_commissioning.periods import FinancialYear, apportion, apportion_by_weights, fys_between, quarter_of
from pcc_commissioning.periods import due_date as period_due_date
from providers.identifiers import derive_org_id
from providers.models import Organisation, OrganisationKind
from providers.services import organisation_create

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

PLACES: tuple[str, ...] = (
    "Aberystwyth",
    "Accrington",
    "Aldershot",
    "Alnwick",
    "Andover",
    "Ashford",
    "Aylesbury",
    "Banbury",
    "Bangor",
    "Barnsley",
    "Barnstaple",
    "Barrow",
    "Basildon",
    "Basingstoke",
    "Bath",
    "Bedford",
    "Birkenhead",
    "Blackburn",
    "Blackpool",
    "Bodmin",
    "Bolton",
    "Boston",
    "Bournemouth",
    "Bradford",
    "Brecon",
    "Bridgend",
    "Bridgwater",
    "Brighton",
    "Bristol",
    "Burnley",
    "Bury",
    "Caerphilly",
    "Cambridge",
    "Canterbury",
    "Cardiff",
    "Carlisle",
    "Carmarthen",
    "Chelmsford",
    "Cheltenham",
    "Chester",
    "Chesterfield",
    "Chichester",
    "Colchester",
    "Coventry",
    "Crawley",
    "Crewe",
    "Darlington",
    "Derby",
    "Doncaster",
    "Dorchester",
    "Dover",
    "Dudley",
    "Durham",
    "Eastbourne",
    "Exeter",
    "Falmouth",
    "Gateshead",
    "Gloucester",
    "Grantham",
    "Grimsby",
    "Guildford",
    "Halifax",
    "Harlow",
    "Harrogate",
    "Hartlepool",
    "Hastings",
    "Hereford",
    "Huddersfield",
    "Hull",
    "Ipswich",
    "Kendal",
    "Kettering",
    "Lancaster",
    "Leamington",
    "Leeds",
    "Leicester",
    "Lincoln",
    "Liverpool",
    "Llandudno",
    "Luton",
    "Maidstone",
    "Mansfield",
    "Margate",
    "Middlesbrough",
    "Milton Keynes",
    "Newport",
    "Newquay",
    "Northampton",
    "Norwich",
    "Nottingham",
    "Nuneaton",
    "Oldham",
    "Oxford",
    "Penzance",
    "Peterborough",
    "Plymouth",
    "Pontypridd",
    "Poole",
    "Portsmouth",
    "Preston",
    "Reading",
    "Redditch",
    "Rhyl",
    "Rochdale",
    "Rotherham",
    "Salford",
    "Salisbury",
    "Scarborough",
    "Scunthorpe",
    "Sheffield",
    "Shrewsbury",
    "Slough",
    "Southampton",
    "Southend",
    "Stafford",
    "Stevenage",
    "Stockport",
    "Stoke",
    "Sunderland",
    "Swansea",
    "Swindon",
    "Taunton",
    "Telford",
    "Torquay",
    "Truro",
    "Wakefield",
    "Walsall",
    "Warrington",
    "Watford",
    "Wigan",
    "Winchester",
    "Wolverhampton",
    "Worcester",
    "Worthing",
    "Wrexham",
    "Yeovil",
    "York",
)

# Kind of provider -> (relative weight, name patterns). "{place}" is a town; names are unique.
PROVIDER_KINDS: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    (
        OrganisationKind.VOLUNTARY_SECTOR,
        55,
        (
            "{place} Women's Aid",
            "{place} Rape Crisis",
            "{place} Victim Support Hub",
            "{place} Youth Project",
            "{place} Mediation Service",
            "{place} Community Trust",
            "{place} Advice Centre",
            "{place} Domestic Abuse Service",
            "{place} Counselling Service",
            "{place} Mentoring Project",
            "{place} Recovery Network",
            "{place} Carers' Centre",
            "{place} Young People's Service",
            "{place} LGBT+ Centre",
            "{place} Refugee and Migrant Forum",
            "{place} Restorative Justice Partnership",
            "{place} Drug and Alcohol Service",
            "{place} Family Support Network",
            "{place} Street Pastors",
            "{place} Boys' and Girls' Club",
            "{place} Sexual Abuse Support Centre",
            "{place} Stalking Advocacy Service",
            "{place} Hate Crime Partnership",
            "{place} Older People's Forum",
            "{place} Disability Forum",
            "{place} Men's Project",
            "{place} Homeless Action",
            "{place} Neighbourhood Watch Association",
        ),
    ),
    (
        OrganisationKind.SOCIAL_ENTERPRISE,
        8,
        (
            "{place} Second Chances CIC",
            "{place} Safe Spaces CIC",
            "{place} Pathways CIC",
            "{place} New Leaf CIC",
            "{place} Fresh Start CIC",
            "{place} Open Door CIC",
        ),
    ),
    (
        OrganisationKind.PRIVATE,
        7,
        (
            "{place} Security Solutions Ltd",
            "{place} Training Services Ltd",
            "{place} Community Safety Ltd",
            "{place} Analytics Ltd",
            "{place} Consulting Ltd",
        ),
    ),
    (OrganisationKind.HOUSING, 7, ("{place} Housing Association", "{place} Homes", "{place} Housing Trust")),
    (
        OrganisationKind.HEALTH,
        6,
        (
            "{place} NHS Foundation Trust",
            "{place} Community Health Services",
            "{place} Mental Health Trust",
        ),
    ),
    (OrganisationKind.LOCAL_AUTHORITY, 5, ("{place} Council",)),
    (OrganisationKind.PROBATION, 3, ("{place} Probation Delivery Unit",)),
    (OrganisationKind.OTHER, 4, ("{place} Fire and Rescue Service", "{place} College")),
)

STREETS = (
    "High Street",
    "Church Road",
    "Station Road",
    "Victoria Road",
    "Park Lane",
    "Mill Lane",
    "Queen Street",
    "King Street",
    "London Road",
    "Market Place",
)
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

# Awards: (title, with "{area}"), by the kind of priority they serve.
SERVICES: dict[str, tuple[str, ...]] = {
    "victims": (
        "Victim assessment and referral service",
        "Independent domestic violence advisers",
        "Independent sexual violence advisers",
        "Domestic abuse outreach",
        "Sexual violence counselling",
        "Restorative justice service",
        "Hate crime advocacy",
        "Children and young people's victim service",
        "Stalking advocacy",
        "Fraud victims support",
        "Refuge support",
        "Witness care support",
    ),
    "reoffending": (
        "Youth offending contribution",
        "Adult diversion scheme",
        "Drug and alcohol testing on arrest",
        "Women's centre",
        "Integrated offender management",
        "Housing for prison leavers",
        "Out-of-court disposals",
        "Perpetrator programme",
    ),
    "community": (
        "Community safety fund",
        "Anti-social behaviour officers",
        "Community mediation",
        "Youth diversionary activities",
        "Street pastors",
        "Neighbourhood watch",
        "Serious violence prevention",
        "Rural crime partnership",
        "Night-time economy safety",
        "Anti-racism education in schools",
    ),
}
KPQS_BY_KIND = {"victims": (3, 4), "reoffending": (5, 6), "community": (1, 2, 4, 8)}
MOJ_CATEGORY_WEIGHTS = {
    "general_support": 20,
    "domestic_abuse": 22,
    "sexual_violence": 14,
    "restorative_justice": 8,
    "isva": 10,
    "idva": 10,
    "hate_crime": 5,
    "children_young_people": 7,
    "other": 4,
}
REFUND_REASONS = (
    "Underspend returned at the year-end reconciliation",
    "Post vacant for part of the year; unspent grant returned",
    "Credit note: duplicate invoice",
    "Service started late; overpayment recovered",
)
KEY_ACTIVITIES = (
    "Monitor and evaluate",
    "Prepare specification for re-procurement",
    "Consider with criminal justice partners",
    "Decide longer-term funding",
    "Co-commission with partners",
    "Evaluate and decide whether it continues",
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


# Steps --------------------------------------------------------------------------------------


def _funder(name: str) -> Organisation:
    found = Organisation.objects.filter(name__iexact=name).first()
    return found or organisation_create(actor=None, name=name, kind=OrganisationKind.CENTRAL_GOVERNMENT)


def seed_organisations(ctx: _Context) -> None:
    """One OPCC per force and the providers, each with a home force, numbers and contact details."""
    rng = ctx.rng
    taken = {name.lower() for name in Organisation.objects.values_list("name", flat=True)}

    def unique(name: str) -> str:
        candidate, number = name, 1
        while candidate.lower() in taken:
            number += 1
            candidate = f"{name} ({number})"
        taken.add(candidate.lower())
        return candidate

    opccs = [
        Organisation(
            name=unique(opcc or f"Office of the Police and Crime Commissioner for {area}"),
            kind=OrganisationKind.PCC,
            supplier_number=f"OPCC-{code}",
            website=f"https://www.{_slug(area)}-pcc.gov.uk",
            email=f"enquiries@{_slug(area)}-pcc.gov.uk",
        )
        for code, area, _postcode, _weight, opcc in FORCES
    ]
    _bulk(Organisation, opccs)
    for force, opcc in zip(ctx.forces, opccs, strict=False):
        force.opcc = opcc

    total = max(len(ctx.forces), round(FULL_PROVIDERS * ctx.scale_factor))
    kinds = [kind for kind, _weight, _patterns in PROVIDER_KINDS]
    per_kind = _split_count(total, [weight for _kind, weight, _patterns in PROVIDER_KINDS])
    names_by_kind: dict[str, list[tuple[str, str]]] = {}
    for kind, _weight, patterns in PROVIDER_KINDS:
        candidates = [(pattern.format(place=place), place) for pattern in patterns for place in PLACES]
        rng.shuffle(candidates)
        names_by_kind[kind] = candidates
    charity_numbers: set[str] = set()
    company_numbers: set[str] = set()

    def fresh(pool: set[str], make: Callable[[], str]) -> str:
        value = make()
        while value in pool:
            value = make()
        pool.add(value)
        return value

    def company(prefix: str = "") -> str:
        if prefix:
            return fresh(company_numbers, lambda: f"{prefix}{rng.randrange(1, 999999):06d}")
        return fresh(company_numbers, lambda: f"{rng.randrange(1000000, 14999999):08d}")

    def charity() -> str:
        number = fresh(charity_numbers, lambda: str(rng.randrange(1000000, 1199999)))
        return f"{number}-{rng.randint(1, 3)}" if rng.random() < 0.03 else number

    force_weights = [force.weight for force in ctx.forces]
    providers: list[Organisation] = []
    homes: list[_Force] = []
    serial = 0
    for kind, count in zip(kinds, per_kind, strict=False):
        names = names_by_kind[kind]
        for index in range(count):
            serial += 1
            base, place = names[index % len(names)]
            name = unique(base if index < len(names) else f"{base} {index // len(names) + 1}")
            charity_number = company_number = ""
            if kind == OrganisationKind.VOLUNTARY_SECTOR:
                charity_number = charity()
                company_number = company() if rng.random() < 0.4 else ""
            elif kind in (OrganisationKind.SOCIAL_ENTERPRISE, OrganisationKind.PRIVATE):
                company_number = company("SC" if rng.random() < 0.05 else "")
            elif kind == OrganisationKind.HOUSING:
                company_number = company("IP")
                charity_number = charity() if rng.random() < 0.3 else ""
            home = rng.choices(ctx.forces, weights=force_weights)[0]
            inward = f"{rng.randint(1, 9)}{rng.choice(POSTCODE_LETTERS)}{rng.choice(POSTCODE_LETTERS)}"
            slug = _slug(name)
            providers.append(
                Organisation(
                    name=name,
                    kind=kind,
                    charity_number=charity_number,
                    company_number=company_number,
                    org_id=derive_org_id(charity_number=charity_number, company_number=company_number),
                    supplier_number=f"SUP-{serial:06d}",
                    address=f"{rng.randint(1, 199)} {rng.choice(STREETS)}\n{place}",
                    postcode=f"{home.postcode}{rng.randint(1, 29)} {inward}",
                    website=f"https://www.{slug}.org.uk",
                    email=f"info@{slug}.org.uk",
                    phone=f"0{rng.randint(1200, 1999)} {rng.randint(100000, 999999)}",
                )
            )
            homes.append(home)
    _bulk(Organisation, providers)
    for provider, home in zip(providers, homes, strict=False):
        home.providers.append(provider)
        if home.partner_source is None and provider.kind == OrganisationKind.LOCAL_AUTHORITY:
            home.partner_source = provider
    ctx.providers = providers
    ctx.counts["forces"] = len(opccs)
    ctx.counts["providers"] = len(providers)


STREAM_KINDS = ("moj_core", "moj_general", "police_grant", "precept", "partners")


def seed_streams(ctx: _Context) -> None:
    """Five streams per force: the MoJ victims' grant (Core, and General ring-fenced for ISVA
    and IDVA; both reported to the MoJ), the Home Office police grant, the precept and partners'
    contributions. Allocations come later, sized to what the awards commit."""
    moj, home_office = _funder("Ministry of Justice"), _funder("Home Office")
    streams = []
    for force in ctx.forces:
        specs = {
            "moj_core": (
                f"{force.area}: MoJ victims' services grant (Core)",
                moj,
                StreamKind.CENTRAL_GOVERNMENT,
                True,
                "",
            ),
            "moj_general": (
                f"{force.area}: MoJ victims' services grant (General: ISVA and IDVA)",
                moj,
                StreamKind.CENTRAL_GOVERNMENT,
                True,
                "ISVA and IDVA",
            ),
            "police_grant": (
                f"{force.area}: Home Office police grant",
                home_office,
                StreamKind.CENTRAL_GOVERNMENT,
                False,
                "",
            ),
            "precept": (f"{force.area}: Police precept", force.opcc, StreamKind.PRECEPT, False, ""),
            "partners": (
                f"{force.area}: Partner contributions",
                force.partner_source or force.opcc,
                StreamKind.PARTNER,
                False,
                "",
            ),
        }
        for key in STREAM_KINDS:
            name, source, kind, moj_reported, ring_fenced = specs[key]
            stream = FundingStream(
                name=name, source=source, kind=kind, moj_reported=moj_reported, ring_fenced_for=ring_fenced
            )
            force.streams[key] = stream
            streams.append(stream)
    _bulk(FundingStream, streams)
    ctx.counts["streams"] = len(streams)


def _priority_kind(priority: CommissioningPriority, position: int) -> str:
    name = priority.name.lower()
    if "victim" in name:
        return "victims"
    if "offend" in name:
        return "reoffending"
    if "community" in name or "safety" in name or "prevent" in name:
        return "community"
    return ("victims", "reoffending", "community")[position % 3]


@dataclass
class _AwardPlan:
    award: Award
    force: _Force
    priority_kind: str
    lines: list[FundingLine]
    kpqs: list[KPQ]
    total: Decimal


def seed_awards(ctx: _Context) -> None:
    """Awards over the five years with their decisions, one timeline entry, KPQs and lines."""
    rng = ctx.rng
    priorities = list(CommissioningPriority.objects.order_by("sort_order", "code"))
    if not priorities:
        raise ValueError("There are no commissioning priorities: load the Plan first (manage.py seed_demo).")
    kinds = [_priority_kind(priority, position) for position, priority in enumerate(priorities)]
    priority_weights = [{"victims": 45, "reoffending": 25, "community": 30}[kind] for kind in kinds]
    kpqs = {kpq.number: kpq for kpq in KPQ.objects.order_by("number")}
    categories = {
        entry.code: entry
        for entry in CodeListEntry.objects.filter(list=CodeList.MOJ_CATEGORY).order_by("code", "valid_from_fy")
        if entry.is_valid_in(FIRST_FY)
    }
    category_codes = [code for code in MOJ_CATEGORY_WEIGHTS if code in categories]
    limit = settings.DELEGATED_LIMIT

    total = round(FULL_AWARDS * ctx.scale_factor)
    per_force = _split_count(total, [force.weight for force in ctx.forces])
    plans: list[_AwardPlan] = []
    decisions: list[Decision] = []
    decision_of: dict[int, Decision] = {}
    for force, count in zip(ctx.forces, per_force, strict=False):
        numbers: dict[int, int] = defaultdict(int)
        decision_numbers: dict[int, int] = defaultdict(int)
        for _ in range(count):
            fy = rng.choices(FYS, weights=(18, 19, 20, 21, 22))[0]
            position = rng.choices(range(len(priorities)), weights=priority_weights)[0]
            priority, priority_kind = priorities[position], kinds[position]
            kind = rng.choices(AwardKind.values, weights=(50, 30, 8, 12))[0]
            months = rng.choices((6, 9, 12, 24, 36, 48), weights=(4, 4, 47, 22, 18, 5))[0]
            start = FinancialYear(fy).start
            if rng.random() < 0.25:
                start = _add_months(start, rng.randint(1, 11))
            end = min(_add_months(start, months) - datetime.timedelta(days=1), LAST_DAY)
            extension_months = extension_until = None
            if kind == AwardKind.CONTRACT and rng.random() < 0.4:
                extension_months = rng.choice((12, 24))
                extension_until = _add_months(end + datetime.timedelta(days=1), extension_months) - datetime.timedelta(
                    days=1
                )

            low, high = rng.choices(
                ((1000, 10000), (10000, 50000), (50000, 150000), (150000, 600000)), weights=(25, 38, 27, 10)
            )[0]
            annual = rng.randrange(low // 50, high // 50) * 50
            span_months = (end.year - start.year) * 12 + end.month - start.month + 1
            value = Decimal(annual * span_months) / 12
            value = value.quantize(Decimal("0.01"))
            years = fys_between(start, end)
            by_year = apportion(value, years, start=start, end=end)

            category = None
            if priority_kind == "victims" and category_codes:
                category = categories[
                    rng.choices(category_codes, weights=[MOJ_CATEGORY_WEIGHTS[c] for c in category_codes])[0]
                ]
            if priority_kind == "victims":
                main = "moj_general" if category is not None and category.code in ("isva", "idva") else "moj_core"
                others = [key for key in ("moj_core", "precept", "police_grant", "partners") if key != main]
            else:
                main = rng.choice(("police_grant", "precept"))
                others = [key for key in ("police_grant", "precept", "partners") if key != main]
            extra = rng.choices((0, 1, 2, 3), weights=(15, 30, 40, 15))[0]
            stream_keys = [main] + rng.sample(others, min(extra, len(others)))
            weights = [rng.randint(50, 90)] + [rng.randint(5, 40) for _ in stream_keys[1:]]

            numbers[fy] += 1
            reference = f"{REFERENCE_PREFIX}{force.code}-{fy}-{numbers[fy]:04d}"
            lines = []
            for year, amount in zip(years, by_year, strict=False):
                for key, part in zip(stream_keys, apportion_by_weights(amount, weights), strict=False):
                    if part > 0:
                        lines.append(FundingLine(stream=force.streams[key], fy=year.start_year, amount=part))
            award_total = sum((line.amount for line in lines), Decimal(0))

            if rng.random() < 0.03:
                status = AwardStatus.CANCELLED
            elif start > AS_OF:
                status = rng.choices(
                    (AwardStatus.PLANNED, AwardStatus.PROCURING, AwardStatus.AWARDED), weights=(35, 25, 40)
                )[0]
            elif end < AS_OF:
                status = AwardStatus.ENDED
            else:
                status = AwardStatus.ACTIVE

            provider_pool = force.providers if force.providers and rng.random() < 0.85 else ctx.providers
            provider = rng.choice(provider_pool)
            title = f"{rng.choice(SERVICES[priority_kind])}, {force.area}"
            pool = [kpqs[number] for number in KPQS_BY_KIND[priority_kind] if number in kpqs]
            chosen_kpqs = sorted(rng.sample(pool, min(len(pool), rng.randint(1, 2))), key=lambda kpq: kpq.number)

            decision = None
            if (
                status in COMMITTED_STATUSES
                and award_total > limit
                or (
                    status in (AwardStatus.PLANNED, AwardStatus.PROCURING)
                    and award_total > limit
                    and rng.random() < 0.3
                )
            ):
                decided_on = min(start - datetime.timedelta(days=rng.randint(14, 75)), AS_OF)
                decision_numbers[decided_on.year] += 1
                draft = status not in COMMITTED_STATUSES
                published_on = decided_on + datetime.timedelta(days=rng.randint(3, 21))
                if draft:
                    decision_status = DecisionStatus.DRAFT
                elif published_on <= AS_OF:
                    decision_status = DecisionStatus.PUBLISHED
                else:
                    decision_status = DecisionStatus.SIGNED
                decision = Decision(
                    reference=f"PCC-{force.code}-{decided_on.year}-{decision_numbers[decided_on.year]:03d}",
                    subject=f"{AwardKind(kind).label} to {provider.name}: {title}",
                    summary=f"{AwardKind(kind).label} of {format_pence(award_total)} over {span_months} months.",
                    decided_on=None if draft else decided_on,
                    status=decision_status,
                    signed_at=None if draft else _aware(decided_on, 17),
                    published_on=published_on if decision_status == DecisionStatus.PUBLISHED else None,
                    contact_officer="Head of commissioning",
                )
                decisions.append(decision)

            award = Award(
                reference=reference,
                title=title,
                provider=provider,
                kind=kind,
                priority=priority,
                purpose=f"{title}: services commissioned by the {force.area} OPCC.",
                approach=rng.choice(
                    (
                        "Open procurement",
                        "Grant round",
                        "Direct award to the existing provider",
                        "Co-commissioned with the local authority",
                    )
                ),
                status=status,
                start_date=start,
                end_date=end,
                extension_months=extension_months,
                extension_until=extension_until,
                duration=f"{span_months} months" + (" plus extension" if extension_months else ""),
                key_activity=rng.choice(KEY_ACTIVITIES),
                cost_centre=f"{force.code}-{priority.code}",
                moj_category=category,
            )
            if decision is not None:
                decision_of[id(award)] = decision
            plans.append(_AwardPlan(award, force, priority_kind, lines, chosen_kpqs, award_total))

    _bulk(Decision, decisions)
    for plan in plans:
        decision = decision_of.get(id(plan.award))
        if decision is not None:
            plan.award.decision = decision
    awards = _bulk(Award, [plan.award for plan in plans])

    transitions, kpq_links, lines = [], [], []
    Link = Award.kpqs.through
    for plan in plans:
        award = plan.award
        note = "Generated national stress data."
        if award.status == AwardStatus.CANCELLED:
            note = "Cancelled: the service was not needed after the needs assessment was refreshed."
        transitions.append(
            AwardTransition(
                award=award,
                from_status="",
                to_status=award.status,
                at=_aware(min(award.start_date, AS_OF), 9),
                note=note,
            )
        )
        kpq_links.extend(Link(award_id=award.pk, kpq_id=kpq.pk) for kpq in plan.kpqs)
        for line in plan.lines:
            line.award = award
            lines.append(line)
    _bulk(AwardTransition, transitions)
    _bulk(Link, kpq_links)
    _bulk(FundingLine, lines)
    ctx.awards = awards
    ctx.lines = lines
    ctx.counts.update(
        decisions=len(decisions),
        awards=len(awards),
        transitions=len(transitions),
        award_kpqs=len(kpq_links),
        funding_lines=len(lines),
    )


def seed_payments(ctx: _Context) -> None:
    """Instalments of every line of awarded, active and ended awards: contracts mostly
    quarterly, grants mostly once or twice a year, spread over the part of the year the award
    runs. Paid a few days after they fall due when that is on or before ``AS_OF``, else
    scheduled. Some years of ended awards end with a refund (a negative payment with a reason,
    after the year, counted against it). Per award and year, payments never exceed the lines."""
    rng = ctx.rng
    payments: list[Payment] = []
    instalment_weights = {
        AwardKind.CONTRACT: (60, 30, 10),
        AwardKind.SLA: (55, 30, 15),
        AwardKind.GRANT: (88, 10, 2),
        AwardKind.CONTRIBUTION: (90, 8, 2),
    }
    serial = 0
    lines_by_award: dict[int, list[FundingLine]] = defaultdict(list)
    for line in ctx.lines:
        lines_by_award[line.award_id].append(line)
    for award in ctx.awards:
        if award.status not in COMMITTED_STATUSES:
            continue
        code = award.reference.split("-")[1]
        for line in lines_by_award[award.pk]:
            year = FinancialYear(line.fy)
            first, last = max(award.start_date, year.start), min(award.end_date, year.end)
            count = rng.choices((1, 2, 4), weights=instalment_weights[award.kind])[0]
            days = (last - first).days + 1
            for number, amount in enumerate(apportion_by_weights(line.amount, [1] * count), start=1):
                if amount == 0:
                    continue
                due = first + datetime.timedelta(days=days * (number - 1) // count + rng.randint(0, 10))
                due = min(due, last)
                paid = min(due + datetime.timedelta(days=rng.randint(0, 20)), AS_OF) if due <= AS_OF else None
                serial += 1
                payments.append(
                    Payment(
                        award=award,
                        stream=line.stream,
                        fy=line.fy,
                        due_date=due,
                        paid_date=paid,
                        amount=amount,
                        invoice_reference=f"INV-{award.reference[4:]}-{number}"
                        if award.kind == AwardKind.CONTRACT
                        else "",
                        po_number=f"PO-{code}-{serial:07d}",
                        approved_at=_approved(due),
                    )
                )
            if award.status == AwardStatus.ENDED and rng.random() < 0.02:
                refund = min(line.amount, Decimal(rng.randint(1, 50) * 100))
                day = year.end + datetime.timedelta(days=rng.randint(20, 90))
                if refund > 0 and day <= AS_OF:
                    payments.append(
                        Payment(
                            award=award,
                            stream=line.stream,
                            fy=line.fy,
                            due_date=day,
                            paid_date=day,
                            amount=-refund,
                            reason=rng.choice(REFUND_REASONS),
                            approved_at=_approved(day),
                        )
                    )
    _bulk(Payment, payments)
    ctx.counts["payments"] = len(payments)


def _approved(due: datetime.date) -> datetime.datetime:
    """Finance approved each payment on the morning it fell due (a paid payment was approved)."""
    return clock.start_of(due)


def seed_money_in(ctx: _Context) -> None:
    """Allocations per stream and year, and budgets per priority and year, sized a little above
    what the awards commit and plan (cancelled awards count for nothing). An existing budget
    (the demo's) is raised by the national amount, since the data is one service's load."""
    rng = ctx.rng
    status_of = {award.pk: award.status for award in ctx.awards}
    priority_of = {award.pk: award.priority_id for award in ctx.awards}
    by_stream: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    by_priority: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for line in ctx.lines:
        if status_of[line.award_id] == AwardStatus.CANCELLED:
            continue
        by_stream[(line.stream_id, line.fy)] += line.amount
        by_priority[(priority_of[line.award_id], line.fy)] += line.amount
    allocations = []
    for force in ctx.forces:
        for key in STREAM_KINDS:
            stream = force.streams[key]
            for fy in FYS:
                used = by_stream.get((stream.pk, fy), Decimal(0))
                base = used * Decimal(100 + rng.randint(0, 15)) / 100 if used else Decimal(20000 * force.weight)
                allocations.append(StreamAllocation(stream=stream, fy=fy, amount=_round_up(base)))
    _bulk(StreamAllocation, allocations)

    existing = {(budget.priority_id, budget.fy): budget for budget in PriorityBudget.objects.order_by("pk")}
    new_budgets, updated = [], 0
    for priority in CommissioningPriority.objects.order_by("sort_order", "code"):
        for fy in FYS:
            used = by_priority.get((priority.pk, fy), Decimal(0))
            amount = _round_up(used * Decimal(102 + rng.randint(0, 8)) / 100)
            budget = existing.get((priority.pk, fy))
            if budget is None:
                new_budgets.append(PriorityBudget(priority=priority, fy=fy, amount=amount))
            elif amount:
                PriorityBudget.objects.filter(pk=budget.pk).update(amount=budget.amount + amount)
                updated += 1
    _bulk(PriorityBudget, new_budgets)
    ctx.counts.update(allocations=len(allocations), budgets=len(new_budgets), budgets_raised=updated)


# Monitoring returns: one in RETURN_DETAIL_SHARE filled-in returns carries breakdowns (crime type
# and sex), outcome measures and its KPI value, so the child tables have realistic volume without
# multiplying the load time; every committed award has one KPI with a quarterly target.
RETURN_DETAIL_SHARE = 8
RAG_COMMENTS = {
    Rag.AMBER: (
        "Referrals below profile this quarter; recovery plan agreed at the contract meeting.",
        "Staff vacancy slowed assessments; recruitment under way.",
        "Outcome measures recorded for fewer clients than agreed.",
    ),
    Rag.RED: (
        "Return late and well below target; escalated to the head of commissioning.",
        "Service paused for part of the quarter; improvement notice issued.",
        "Serious concerns about case recording; an audit visit is booked.",
    ),
}


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC)


def _return_status(rng: random.Random, quarter_end: datetime.date, due: datetime.date) -> str:
    """What has happened to a return by ``AS_OF``: mostly accepted once due, some late."""
    roll = rng.random()
    if quarter_end >= AS_OF:
        return ReturnStatus.DRAFT if roll < 0.3 else ReturnStatus.DUE
    if due > AS_OF:
        return ReturnStatus.SUBMITTED if roll < 0.5 else ReturnStatus.DRAFT if roll < 0.75 else ReturnStatus.DUE
    if roll < 0.85:
        return ReturnStatus.ACCEPTED
    if roll < 0.92:
        return ReturnStatus.SUBMITTED
    if roll < 0.96:
        return ReturnStatus.RETURNED
    return ReturnStatus.DUE  # late


def seed_monitoring_returns(ctx: _Context) -> None:
    """The quarterly monitoring returns (about 50,000 × scale_factor): one per
    committed award and quarter it runs in, from ``MONITORING_START`` (or the award's start) up to
    the quarter holding ``AS_OF``, due ``RETURN_DUE_DAYS`` after the quarter ends. By ``AS_OF``
    most past returns are accepted and rated (mostly green, some amber and red with a comment),
    some await review, a few were returned for changes and a few are late; the latest quarter's
    are due or in draft. Each committed award gets one quarterly KPI; one filled-in return in
    ``RETURN_DETAIL_SHARE`` carries crime-type and sex breakdowns (a few deliberately not adding
    up), outcome measures and the KPI value. Bulk-created, drawing on ``ctx.rng`` after the rows
    above so they keep their values."""
    rng = ctx.rng
    first_day = settings.MONITORING_START
    due_days = settings.RETURN_DUE_DAYS
    entries = {
        name: list(CodeListEntry.objects.filter(list=name).order_by("sort_order", "code", "pk"))
        for name in (CodeList.CRIME, CodeList.SEX, CodeList.OUTCOME)
    }
    committed = [award for award in ctx.awards if award.status in COMMITTED_STATUSES]
    sizes = {award.pk: rng.randint(8, 160) for award in committed}
    kpis = _bulk(
        AwardKPI,
        [
            AwardKPI(
                award=award,
                name="Victims supported",
                unit="people",
                target=Decimal(sizes[award.pk]),
                target_period=KPIPeriod.QUARTER,
                description="New victims supported in the quarter.",
            )
            for award in committed
        ],
    )
    kpi_of = {kpi.award_id: kpi for kpi in kpis}

    returns: list[MonitoringReturn] = []
    details: list[tuple[int, int, int]] = []  # (index in returns, award id, supported)
    for award in committed:
        until = min(
            award_runs_until(
                end_date=award.end_date,
                extension_until=award.extension_until,
                extension_taken=award.extension_taken,
            ),
            AS_OF,
        )
        start = max(first_day, award.start_date)
        if start > until:
            continue
        quarter = quarter_of(start)
        size = sizes[award.pk]
        while quarter.start <= until:
            due = period_due_date(quarter, due_days)
            status = _return_status(rng, quarter.end, due)
            ret = MonitoringReturn(
                award=award,
                fy=quarter.fy.start_year,
                quarter=quarter.number,
                due_date=due,
                status=status,
            )
            if status != ReturnStatus.DUE:
                ret.referrals = max(0, round(size * rng.uniform(0.8, 1.5)))
                ret.supported = round(ret.referrals * rng.uniform(0.55, 0.95))
                ret.narrative = rng.choice(RETURN_NARRATIVES)
            if status in (ReturnStatus.SUBMITTED, ReturnStatus.ACCEPTED, ReturnStatus.RETURNED):
                submitted = min(due - datetime.timedelta(days=rng.randint(-10, 15)), AS_OF)
                ret.submitted_at = _at(max(submitted, quarter.end), 10)
            if status == ReturnStatus.ACCEPTED:
                ret.rag = rng.choices((Rag.GREEN, Rag.AMBER, Rag.RED), weights=(70, 22, 8))[0]
                ret.rag_comment = rng.choice(RAG_COMMENTS[ret.rag]) if ret.rag != Rag.GREEN else ""
                reviewed = min(ret.submitted_at.date() + datetime.timedelta(days=rng.randint(1, 20)), AS_OF)
                ret.reviewed_at = _at(reviewed, 15)
            elif status == ReturnStatus.RETURNED:
                ret.returned_reason = "Please add the outcome measures and the breakdown by crime type."
            if ret.supported is not None and rng.randrange(RETURN_DETAIL_SHARE) == 0:
                details.append((len(returns), award.pk, ret.supported))
            returns.append(ret)
            quarter = quarter.next()
    _bulk(MonitoringReturn, returns)

    breakdowns: list[ReturnBreakdown] = []
    outcomes: list[ReturnOutcome] = []
    values: list[ReturnKPIValue] = []
    for index, award_id, supported in details:
        ret = returns[index]
        for name in (CodeList.CRIME, CodeList.SEX):
            codes = entries[name]
            total = supported + (rng.randint(1, 3) if rng.random() < 0.03 else 0)  # a few do not add up
            weights = [rng.randint(0, 10) for _ in codes]
            weights[0] += 5
            for entry, count in zip(codes, _split_count(total, weights), strict=True):
                if count:
                    breakdowns.append(ReturnBreakdown(monitoring_return=ret, code=entry, count=count))
        for entry in entries[CodeList.OUTCOME]:
            assessed = round(supported * rng.uniform(0.3, 0.8))
            outcomes.append(
                ReturnOutcome(
                    monitoring_return=ret,
                    code=entry,
                    assessed=assessed,
                    improved=round(assessed * rng.uniform(0.4, 0.95)),
                )
            )
        values.append(ReturnKPIValue(monitoring_return=ret, kpi=kpi_of[award_id], value=Decimal(supported)))
    _bulk(ReturnBreakdown, breakdowns)
    _bulk(ReturnOutcome, outcomes)
    _bulk(ReturnKPIValue, values)
    ctx.counts.update(
        award_kpis=len(kpis),
        monitoring_returns=len(returns),
        return_breakdowns=len(breakdowns),
        return_outcomes=len(outcomes),
        return_kpi_values=len(values),
    )


RETURN_NARRATIVES = (
    "Referrals steady; waiting times within target.",
    "More self-referrals after the awareness campaign.",
    "Two new volunteers trained; group sessions restarted.",
    "Demand up after the court backlog eased; caseloads high.",
    "Partnership work with the local authority's MARAC continues.",
)


STEPS: tuple[tuple[str, Callable[[_Context], None]], ...] = (
    ("organisations", seed_organisations),
    ("streams", seed_streams),
    ("awards", seed_awards),
    ("payments", seed_payments),
    ("allocations and budgets", seed_money_in),
    ("monitoring returns", seed_monitoring_returns),
)


def national_data_present() -> bool:
    return Award.objects.filter(reference__startswith=REFERENCE_PREFIX).exists()


@transaction.atomic
def national_seed(*, seed: int, stdout: TextIO | None = None, scale_factor: float = 1.0) -> dict[str, int]:
    """Generate the national stress dataset (see the module's docstring) and return the number
    of rows created per kind. ``scale_factor`` shrinks or grows the providers and awards (and
    so everything that follows from them) for tests and benchmarks; the 43 forces and their
    streams are always there. Raises ``NationalDataPresent`` if national data is already loaded."""
    if scale_factor <= 0:
        raise ValueError("scale_factor must be more than zero.")
    if national_data_present():
        raise NationalDataPresent(
            "This database already holds the national dataset (awards with NAT- references); "
            "load it into a fresh database."
        )

    def out(message: str) -> None:
        if stdout is not None:
            stdout.write(message + "\n")

    ctx = _Context(
        rng=random.Random(seed),
        scale_factor=scale_factor,
        out=out,
        forces=[_Force(code, area, postcode, weight) for code, area, postcode, weight, _opcc in FORCES],
    )
    for name, step in STEPS:
        started = time.perf_counter()
        step(ctx)
        out(f"  {name}: {time.perf_counter() - started:.1f}s")
    return dict(ctx.counts)


def national_digest() -> str:
    """A fingerprint of the national rows by their natural keys (no ids, no automatic
    timestamps), in a fixed order: two loads with the same seed give the same digest."""
    digest = hashlib.sha256()
    national = {"reference__startswith": REFERENCE_PREFIX}
    queries = (
        Organisation.objects.order_by("name").values_list(
            "name",
            "kind",
            "charity_number",
            "company_number",
            "org_id",
            "supplier_number",
            "address",
            "postcode",
            "website",
            "email",
            "phone",
        ),
        FundingStream.objects.order_by("name").values_list(
            "name", "source__name", "kind", "moj_reported", "ring_fenced_for"
        ),
        StreamAllocation.objects.order_by("stream__name", "fy").values_list("stream__name", "fy", "amount"),
        PriorityBudget.objects.order_by("priority__code", "fy").values_list("priority__code", "fy", "amount"),
        Decision.objects.filter(awards__reference__startswith=REFERENCE_PREFIX)
        .order_by("reference")
        .values_list("reference", "subject", "summary", "decided_on", "status", "signed_at", "published_on"),
        Award.objects.filter(**national)
        .order_by("reference")
        .values_list(
            "reference",
            "title",
            "provider__name",
            "kind",
            "priority__code",
            "purpose",
            "approach",
            "status",
            "start_date",
            "end_date",
            "extension_months",
            "extension_until",
            "duration",
            "key_activity",
            "decision__reference",
            "cost_centre",
            "moj_category__code",
        ),
        Award.kpqs.through.objects.filter(award__reference__startswith=REFERENCE_PREFIX)
        .order_by("award__reference", "kpq__number")
        .values_list("award__reference", "kpq__number"),
        AwardTransition.objects.filter(award__reference__startswith=REFERENCE_PREFIX)
        .order_by("award__reference", "at")
        .values_list("award__reference", "from_status", "to_status", "at", "note"),
        FundingLine.objects.filter(award__reference__startswith=REFERENCE_PREFIX)
        .order_by("award__reference", "fy", "stream__name")
        .values_list("award__reference", "stream__name", "fy", "amount"),
        Payment.objects.filter(award__reference__startswith=REFERENCE_PREFIX)
        .order_by("award__reference", "due_date", "stream__name", "amount", "po_number")
        .values_list(
            "award__reference",
            "stream__name",
            "fy",
            "due_date",
            "paid_date",
            "amount",
            "reason",
            "invoice_reference",
            "po_number",
        ),
        MonitoringReturn.objects.filter(award__reference__startswith=REFERENCE_PREFIX)
        .order_by("award__reference", "fy", "quarter")
        .values_list(
            "award__reference",
            "fy",
            "quarter",
            "due_date",
            "status",
            "referrals",
            "supported",
            "rag",
            "submitted_at",
            "reviewed_at",
        ),
        ReturnBreakdown.objects.filter(monitoring_return__award__reference__startswith=REFERENCE_PREFIX)
        .order_by(
            "monitoring_return__award__reference",
            "monitoring_return__fy",
            "monitoring_return__quarter",
            "code__list",
            "code__code",
        )
        .values_list(
            "monitoring_return__award__reference",
            "monitoring_return__fy",
            "monitoring_return__quarter",
            "code__list",
            "code__code",
            "count",
        ),
    )
    for query in queries:
        for row in query.iterator(chunk_size=5000):
            digest.update(repr(row).encode())
        digest.update(b"|")
    return digest.hexdigest()
