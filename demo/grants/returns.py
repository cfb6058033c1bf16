"""The demo awards' KPIs and two years of quarterly monitoring returns."""

from __future__ import annotations

import datetime
import random
from collections.abc import Mapping
from decimal import Decimal

from grants.models import (
    COMMITTED_STATUSES,
    Award,
    AwardKPI,
    MonitoringReturn,
    ReturnStatus,
)
from grants.monitoring.importers import return_import
from grants.monitoring.kpis import kpi_create
from grants.monitoring.return_data import ReturnData
from grants.monitoring.services import return_accept
from outcomes.selectors import codes_by_list

from .streams import DEMO_FY

# Monitoring: KPIs and two years of quarterly returns ------------------------------------------------
# Every made demo award gets two KPIs with targets and a return for each quarter of 2019/20 and
# 2020/21 it ran in (scheduled when the award was made, as for any award). Each
# return's fate is drawn from a generator seeded with its award and quarter, so it is the same on
# every run: most are accepted and rated (some amber or red, with the officer's comment), the last
# quarter's are partly awaiting review, and a few were never sent in (late). Through the
# monitoring services; a return that is no longer due is left as it is, so a second run writes
# nothing.

RETURNS_UNTIL = datetime.date(2021, 3, 31)  # the quarters of 2019/20 and 2020/21
DEMO_KPIS = (
    # name, unit, target per quarter (None: from the award's size), target period, description
    ("Victims supported", "people", None, "quarter", "New victims supported in the quarter."),
    ("Satisfied with the service", "%", Decimal(85), "quarter", "Share of service users who said they were satisfied."),
)
# Crime-type weights by MoJ service category (domestic_abuse, sexual_violence, violence, hate_crime,
# asb, burglary_theft, fraud, other); other services use the general mix.
CRIME_MIX = {
    "domestic_abuse": {"domestic_abuse": 85, "sexual_violence": 8, "violence": 5, "other": 2},
    "idva": {"domestic_abuse": 90, "sexual_violence": 6, "violence": 4},
    "isva": {"sexual_violence": 92, "domestic_abuse": 8},
    "sexual_violence": {"sexual_violence": 90, "domestic_abuse": 10},
    "hate_crime": {"hate_crime": 80, "violence": 10, "asb": 10},
    "restorative_justice": {"violence": 35, "burglary_theft": 35, "asb": 15, "other": 15},
}
GENERAL_CRIME_MIX = {
    "violence": 25,
    "burglary_theft": 20,
    "domestic_abuse": 15,
    "asb": 15,
    "fraud": 10,
    "sexual_violence": 5,
    "hate_crime": 5,
    "other": 5,
}
OTHER_MIXES = {
    "sex": {"female": 62, "male": 36, "other": 1, "unknown": 1},
    "age": {"under_18": 8, "18_24": 16, "25_34": 24, "35_49": 28, "50_64": 15, "65_plus": 6, "unknown": 3},
    "ethnicity": {"white": 92, "asian": 2, "mixed": 2, "black": 1, "other": 1, "unknown": 2},
    "disability": {"no": 70, "yes": 22, "unknown": 8},
}
NARRATIVES = (
    "Referrals were steady and every victim was contacted within two working days.",
    "Demand rose after the local awareness campaign; waiting times stayed within target.",
    "Two volunteers joined and completed training; group sessions restarted.",
    "The court backlog lengthened cases, so caseworkers carried more open cases than planned.",
    "Joint work with the multi-agency risk assessment conference continued well.",
)
COMMENTS = {
    "amber": (
        "Below the referral target; agreed actions with the manager at the quarterly meeting.",
        "Outcome measures recorded for too few clients; reminded of the agreed approach.",
    ),
    "red": (
        "Well below target with no clear explanation; a recovery plan is due within 30 days.",
        "Staff shortages paused the service for several weeks; escalated to the head of commissioning.",
    ),
}


def _split(total: int, weights: Mapping[str, int], rng: random.Random) -> dict[str, int]:
    """``total`` split across codes roughly by ``weights`` (with some noise), adding up exactly."""
    noisy = {code: max(0, weight * rng.uniform(0.7, 1.3)) for code, weight in weights.items()}
    whole = sum(noisy.values()) or 1
    counts = {code: int(total * weight / whole) for code, weight in noisy.items()}
    largest = max(counts, key=lambda code: noisy[code])
    counts[largest] += total - sum(counts.values())
    return {code: count for code, count in counts.items() if count}


def _quarter_size(award: Award) -> int:
    """A plausible number of new victims a quarter: about one per £1,500 of the yearly value."""
    value = sum((line.amount for line in award.lines.all() if line.fy == DEMO_FY), Decimal(0))
    return max(6, min(400, int(value / 1500 / 4)))


# The demo's provider user works for Harbour: its last quarter is left for them to fill in.
RETURN_LEFT_FOR_THE_DEMO_PROVIDER = ("Harbour", 2020, 4)


def _fate(rng: random.Random, monitoring_return: MonitoringReturn) -> str:
    """accepted, submitted (awaiting review) or late (never sent in)."""
    provider, fy, quarter = RETURN_LEFT_FOR_THE_DEMO_PROVIDER
    if (monitoring_return.award.provider.name, monitoring_return.fy, monitoring_return.quarter) == (
        provider,
        fy,
        quarter,
    ):
        return "late"
    roll = rng.random()
    if monitoring_return.fy == 2020 and monitoring_return.quarter == 4:
        return "submitted" if roll < 0.5 else "late" if roll < 0.6 else "accepted"
    return "late" if roll < 0.04 else "accepted"


def _return_data(award: Award, kpis: Mapping[str, AwardKPI], size: int, rng: random.Random, codes) -> ReturnData:
    referrals = max(1, round(size * rng.uniform(0.85, 1.35)))
    supported = round(referrals * rng.uniform(0.6, 0.95))
    category = award.moj_category.code if award.moj_category else ""
    mixes = {"crime": CRIME_MIX.get(category, GENERAL_CRIME_MIX), **OTHER_MIXES}
    breakdowns = {
        list_name: {code: count for code, count in _split(supported, mix, rng).items() if code in codes[list_name]}
        for list_name, mix in mixes.items()
    }
    if rng.random() < 0.1:  # now and then a provider's figures do not quite add up
        breakdowns["age"] = {code: count for code, count in breakdowns["age"].items() if code != "unknown"}
    outcomes = {}
    for code in codes["outcome"]:
        assessed = round(supported * rng.uniform(0.4, 0.8))
        outcomes[code] = (assessed, round(assessed * rng.uniform(0.55, 0.9)))
    return ReturnData(
        referrals=referrals,
        supported=supported,
        breakdowns=breakdowns,
        outcomes=outcomes,
        kpi_values={
            kpis["Victims supported"].pk: Decimal(supported),
            kpis["Satisfied with the service"].pk: Decimal(rng.randint(72, 97)),
        },
        narrative=rng.choice(NARRATIVES),
        case_study=(
            "A victim referred after a burglary was supported through the investigation and court process; "
            "they said they felt safer at home afterwards."
        )
        if rng.random() < 0.3
        else "",
        case_study_consent=True,
        feedback="“Someone finally listened.”" if rng.random() < 0.3 else "",
    )


def _seed_kpis(award: Award, *, actor) -> int:
    """The demo KPIs of an award that has none yet; returns how many it created."""
    if award.kpis.exists():
        return 0
    size = _quarter_size(award)
    kpq = next(iter(award.kpqs.all()), None)
    for name, unit, target, period, description in DEMO_KPIS:
        kpi_create(
            award=award,
            actor=actor,
            name=name,
            unit=unit,
            target=target or Decimal(size),
            target_period=period,
            kpq=kpq,
            description=description,
        )
    return len(DEMO_KPIS)


def _send_in(monitoring_return: MonitoringReturn, award: Award, *, codes_by_year: dict, actor) -> bool:
    """Fill in, send in and (if its fate says so) accept a due return; False if it stays late."""
    rng = random.Random(f"{award.reference}/{monitoring_return.fy}/{monitoring_return.quarter}")
    fate = _fate(rng, monitoring_return)
    if fate == "late":
        return False
    if monitoring_return.fy not in codes_by_year:
        codes_by_year[monitoring_return.fy] = {
            name: {entry.code for entry in entries} for name, entries in codes_by_list(monitoring_return.fy).items()
        }
    kpis = {kpi.name: kpi for kpi in award.kpis.all()}
    data = _return_data(award, kpis, _quarter_size(award), rng, codes_by_year[monitoring_return.fy])
    rag = rng.choices(("green", "amber", "red"), weights=(72, 20, 8))[0]
    submitted, _ = return_import(
        award=award,
        fy=monitoring_return.fy,
        quarter=monitoring_return.quarter,
        data=data,
        actor=actor,
    )
    if fate == "accepted":
        return_accept(
            monitoring_return=submitted,
            actor=actor,
            rag=rag,
            rag_comment=rng.choice(COMMENTS[rag]) if rag in COMMENTS else "",
            expected_version=None,
        )
    return True


def returns_seed(*, actor=None) -> int:
    """KPIs and 2019/20–2020/21 quarterly returns for the demo awards (see above); returns how many
    records it created or filled in."""
    awards = list(
        Award.objects.filter(status__in=COMMITTED_STATUSES, start_date__lte=RETURNS_UNTIL)
        .select_related("moj_category")
        .prefetch_related("lines", "kpqs")
        .order_by("reference")
    )
    created = sum(_seed_kpis(award, actor=actor) for award in awards)
    codes_by_year: dict[int, dict[str, set[str]]] = {}
    due = (
        MonitoringReturn.objects.filter(award__in=awards, status=ReturnStatus.DUE, fy__lte=2020)
        .select_related("award__moj_category", "award__provider")
        .order_by("award__reference", "fy", "quarter")
    )
    by_award = {award.pk: award for award in awards}
    for monitoring_return in due:
        award = by_award[monitoring_return.award_id]
        if _send_in(monitoring_return, award, codes_by_year=codes_by_year, actor=actor):
            created += 1
    return created
