"""The demo needs data as tables: the areas and their populations, the themes, the indicators
with their (illustrative) values, the findings and the commissioning intentions."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from needs_assessment.models import (
    AreaType,
    IntentionRank,
    IntentionStatus,
    Polarity,
    Severity,
)

YEARS = (2017, 2018, 2019)
FORCE = "E23000008"
COUNTY_DURHAM = "E06000047"
DARLINGTON = "E06000005"
# The community safety partnerships are coterminous with the local authorities. Their codes
# here are ILLUSTRATIVE (in the E22 range used for CSPs, but not checked against the ONS list).
SAFE_DURHAM = "E22900001"
DARLINGTON_CSP = "E22900002"
LOCAL_AUTHORITIES = (COUNTY_DURHAM, DARLINGTON)


@dataclass(frozen=True)
class AreaSpec:
    code: str
    name: str
    type: str
    parent: str = ""
    populations: Mapping[int, int] | None = None  # year -> population; None: that of ``same_as``
    same_as: str = ""


# ONS mid-year population estimates (approximate).
AREAS: tuple[AreaSpec, ...] = (
    AreaSpec(
        COUNTY_DURHAM, "County Durham", AreaType.LOCAL_AUTHORITY, FORCE, {2017: 523_662, 2018: 526_980, 2019: 530_094}
    ),
    AreaSpec(DARLINGTON, "Darlington", AreaType.LOCAL_AUTHORITY, FORCE, {2017: 105_564, 2018: 106_566, 2019: 106_803}),
    AreaSpec(SAFE_DURHAM, "Safe Durham Partnership", AreaType.CSP, COUNTY_DURHAM, same_as=COUNTY_DURHAM),
    AreaSpec(DARLINGTON_CSP, "Darlington Community Safety Partnership", AreaType.CSP, DARLINGTON, same_as=DARLINGTON),
)
FORCE_NAME = "Durham"

THEMES: tuple[tuple[str, str], ...] = (
    (
        "Domestic abuse",
        "Domestic abuse, including coercive control, so-called honour-based violence and forced marriage.",
    ),
    ("Sexual violence", "Rape and other sexual offences, recent and non-recent."),
    ("Hate crime", "Crimes motivated by hostility to a protected characteristic."),
    ("Reoffending", "Reoffending by adults and young people, and first-time entrants to the justice system."),
    ("Anti-social behaviour", "Anti-social behaviour reported to the police and partners."),
    ("Victims' needs", "Referral to, take-up of and satisfaction with support for victims of crime."),
)

POLICE = "Durham Constabulary recorded crime and incidents"


@dataclass(frozen=True)
class IndicatorSpec:
    name: str
    theme: str
    unit: str
    source: str
    definition: str
    polarity: str
    is_count: bool
    values: Mapping[str, tuple[str, str, str]]  # LA code -> values for 2017, 2018, 2019


INDICATORS: tuple[IndicatorSpec, ...] = (
    IndicatorSpec(
        "Domestic abuse-related crimes",
        "Domestic abuse",
        "crimes",
        POLICE,
        "Recorded crimes flagged as domestic abuse-related, in the financial year.",
        Polarity.HIGHER_IS_WORSE,
        True,
        {COUNTY_DURHAM: ("7150", "8020", "8940"), DARLINGTON: ("1610", "1880", "2150")},
    ),
    IndicatorSpec(
        "Domestic abuse-related incidents",
        "Domestic abuse",
        "incidents",
        POLICE,
        "Domestic abuse incidents reported to the police, whether or not a crime was recorded.",
        Polarity.HIGHER_IS_WORSE,
        True,
        {COUNTY_DURHAM: ("14820", "15210", "15640"), DARLINGTON: ("3050", "3190", "3330")},
    ),
    IndicatorSpec(
        "Repeat victims of domestic abuse (%)",
        "Domestic abuse",
        "%",
        "Durham Constabulary",
        "Victims of a domestic abuse-related crime who were victims of another in the previous 12 months.",
        Polarity.HIGHER_IS_WORSE,
        False,
        {COUNTY_DURHAM: ("31.2", "32.5", "33.8"), DARLINGTON: ("34.0", "35.6", "37.1")},
    ),
    IndicatorSpec(
        "High-risk domestic abuse cases heard at MARAC",
        "Domestic abuse",
        "cases",
        "MARAC coordinators",
        "Cases discussed at the Multi-Agency Risk Assessment Conference.",
        Polarity.HIGHER_IS_WORSE,
        True,
        {COUNTY_DURHAM: ("1120", "1190", "1265"), DARLINGTON: ("260", "285", "318")},
    ),
    IndicatorSpec(
        "Sexual offences",
        "Sexual violence",
        "crimes",
        POLICE,
        "Recorded sexual offences, including rape, recent and non-recent.",
        Polarity.HIGHER_IS_WORSE,
        True,
        {COUNTY_DURHAM: ("1620", "1890", "2105"), DARLINGTON: ("330", "372", "410")},
    ),
    IndicatorSpec(
        "Rape offences",
        "Sexual violence",
        "crimes",
        POLICE,
        "Recorded offences of rape, recent and non-recent.",
        Polarity.HIGHER_IS_WORSE,
        True,
        {COUNTY_DURHAM: ("520", "610", "672"), DARLINGTON: ("105", "121", "133")},
    ),
    IndicatorSpec(
        "Hate crimes",
        "Hate crime",
        "crimes",
        POLICE,
        "Recorded crimes with a hate-crime flag (race, religion, sexual orientation, disability, transgender identity).",
        Polarity.HIGHER_IS_WORSE,
        True,
        {COUNTY_DURHAM: ("560", "640", "735"), DARLINGTON: ("150", "171", "196")},
    ),
    IndicatorSpec(
        "Anti-social behaviour incidents",
        "Anti-social behaviour",
        "incidents",
        POLICE,
        "Anti-social behaviour incidents reported to the police.",
        Polarity.HIGHER_IS_WORSE,
        True,
        {COUNTY_DURHAM: ("24800", "23100", "21950"), DARLINGTON: ("6420", "6580", "6710")},
    ),
    IndicatorSpec(
        "Proven reoffending rate (%)",
        "Reoffending",
        "%",
        "Ministry of Justice proven reoffending statistics",
        "Adult and young offenders who commit a proven reoffence within a year (cohort starting in the year).",
        Polarity.HIGHER_IS_WORSE,
        False,
        {COUNTY_DURHAM: ("30.1", "29.4", "28.9"), DARLINGTON: ("32.6", "32.9", "33.4")},
    ),
    IndicatorSpec(
        "First-time entrants to the youth justice system",
        "Reoffending",
        "young people",
        "Youth Justice Board",
        "Young people aged 10 to 17 receiving their first caution or conviction.",
        Polarity.HIGHER_IS_WORSE,
        True,
        {COUNTY_DURHAM: ("168", "151", "139"), DARLINGTON: ("41", "44", "47")},
    ),
    IndicatorSpec(
        "Victims referred to support services",
        "Victims' needs",
        "referrals",
        "Victim referral service",
        "Victims of crime referred to the commissioned victim support services.",
        Polarity.HIGHER_IS_BETTER,
        True,
        {COUNTY_DURHAM: ("9350", "10120", "10880"), DARLINGTON: ("2010", "2150", "2260")},
    ),
    IndicatorSpec(
        "Victims satisfied with the service received (%)",
        "Victims' needs",
        "%",
        "Durham Constabulary victim survey",
        "Victims surveyed who were satisfied with the whole experience.",
        Polarity.HIGHER_IS_BETTER,
        False,
        {COUNTY_DURHAM: ("82.4", "81.6", "80.9"), DARLINGTON: ("80.2", "79.5", "78.1")},
    ),
)

ASSESSMENT_TITLE = "Police and crime needs assessment 2019"
ASSESSMENT_FY = 2019


@dataclass(frozen=True)
class FindingSpec:
    title: str
    description: str
    severity: str
    theme: str
    areas: tuple[str, ...]
    kpqs: tuple[int, ...]
    priority: str
    evidence: tuple[tuple[str, str, int], ...]  # (indicator, area code, year)


def _all_years(indicator: str, *areas: str) -> tuple[tuple[str, str, int], ...]:
    return tuple((indicator, area, year) for area in areas for year in YEARS)


FINDINGS: tuple[FindingSpec, ...] = (
    FindingSpec(
        "Domestic abuse-related crime is rising in both local authorities, fastest in Darlington",
        "Recorded domestic abuse-related crime rose by a quarter in County Durham and a third in Darlington "
        "over two years; Darlington's rate per 1,000 people is the higher of the two.",
        Severity.HIGH,
        "Domestic abuse",
        LOCAL_AUTHORITIES,
        (3, 4),
        "Victims services",
        _all_years("Domestic abuse-related crimes", COUNTY_DURHAM, DARLINGTON)
        + (
            ("Domestic abuse-related incidents", COUNTY_DURHAM, 2019),
            ("Domestic abuse-related incidents", DARLINGTON, 2019),
        ),
    ),
    FindingSpec(
        "One in three victims of domestic abuse is a repeat victim, and more high-risk cases reach MARAC",
        "Repeat victimisation is rising in both areas and MARAC case numbers have grown every year; "
        "IDVA capacity has not kept pace.",
        Severity.HIGH,
        "Domestic abuse",
        LOCAL_AUTHORITIES,
        (4,),
        "Victims services",
        _all_years("Repeat victims of domestic abuse (%)", COUNTY_DURHAM, DARLINGTON)
        + (
            ("High-risk domestic abuse cases heard at MARAC", COUNTY_DURHAM, 2019),
            ("High-risk domestic abuse cases heard at MARAC", DARLINGTON, 2019),
        ),
    ),
    FindingSpec(
        "Reports of sexual offences have risen by about 30% in two years; ISVA caseloads are full",
        "More victims are reporting rape and other sexual offences, recent and non-recent; waiting times "
        "for an Independent Sexual Violence Adviser are growing.",
        Severity.HIGH,
        "Sexual violence",
        LOCAL_AUTHORITIES,
        (3,),
        "Victims services",
        _all_years("Sexual offences", COUNTY_DURHAM, DARLINGTON)
        + (("Rape offences", COUNTY_DURHAM, 2019), ("Rape offences", DARLINGTON, 2019)),
    ),
    FindingSpec(
        "Hate crime reports are rising but hate crime is still under-reported",
        "Reports rose by around 30% in two years; community groups say many incidents are still not reported, "
        "especially disability hate crime.",
        Severity.MEDIUM,
        "Hate crime",
        LOCAL_AUTHORITIES,
        (1, 3),
        "Victims services",
        _all_years("Hate crimes", COUNTY_DURHAM, DARLINGTON),
    ),
    FindingSpec(
        "Anti-social behaviour is falling in County Durham but rising in Darlington",
        "Darlington town centre accounts for most of the rise, with links to street homelessness.",
        Severity.MEDIUM,
        "Anti-social behaviour",
        (DARLINGTON,),
        (1, 2),
        "Community safety and prevention",
        _all_years("Anti-social behaviour incidents", COUNTY_DURHAM, DARLINGTON),
    ),
    FindingSpec(
        "Reoffending in Darlington is above the force average and rising",
        "Proven reoffending is falling in County Durham but rising in Darlington, where first-time entrants "
        "to the youth justice system are also rising.",
        Severity.MEDIUM,
        "Reoffending",
        (DARLINGTON,),
        (5, 6),
        "Reducing reoffending",
        _all_years("Proven reoffending rate (%)", COUNTY_DURHAM, DARLINGTON)
        + (("First-time entrants to the youth justice system", DARLINGTON, 2019),),
    ),
    FindingSpec(
        "Victim satisfaction is slipping as referrals to support grow",
        "Referrals rose by 16% in two years while satisfaction fell; victims ask for one point of contact "
        "through the criminal justice process.",
        Severity.LOW,
        "Victims' needs",
        LOCAL_AUTHORITIES,
        (3, 7),
        "Victims services",
        (
            ("Victims referred to support services", COUNTY_DURHAM, 2019),
            ("Victims referred to support services", DARLINGTON, 2019),
        )
        + _all_years("Victims satisfied with the service received (%)", COUNTY_DURHAM, DARLINGTON),
    ),
)


@dataclass(frozen=True)
class IntentionSpec:
    title: str
    description: str
    rank: str
    status: str
    theme: str
    priority: str
    findings: tuple[int, ...]  # positions in FINDINGS
    cost: Decimal | None
    when_fy: int | None = None
    when_date: datetime.date | None = None
    awards: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (award reference, areas it serves; () = the force area)


INTENTIONS: tuple[IntentionSpec, ...] = (
    IntentionSpec(
        "Sustain specialist domestic abuse support in County Durham and Darlington",
        "Keep IDVA and outreach support for victims of domestic abuse and their families in both areas.",
        IntentionRank.MUST,
        IntentionStatus.COMMISSIONED,
        "Domestic abuse",
        "Victims services",
        (0, 1),
        Decimal("250000"),
        when_fy=2019,
        awards=(("AWD-2019-0002", (DARLINGTON,)), ("AWD-2019-0005", (COUNTY_DURHAM,))),
    ),
    IntentionSpec(
        "Co-commission a new domestic abuse service for Darlington",
        "With Darlington Borough Council, procure a single domestic abuse service from July 2020.",
        IntentionRank.MUST,
        IntentionStatus.IN_PROCUREMENT,
        "Domestic abuse",
        "Victims services",
        (0,),
        Decimal("28000"),
        when_date=datetime.date(2020, 7, 1),
        awards=(("AWD-2020-0002", (DARLINGTON,)),),
    ),
    IntentionSpec(
        "Meet rising demand for Independent Sexual Violence Advisers",
        "Fund ISVA capacity in line with the rise in reports of rape and sexual offences.",
        IntentionRank.MUST,
        IntentionStatus.COMMISSIONED,
        "Sexual violence",
        "Victims services",
        (2,),
        Decimal("160000"),
        when_fy=2019,
        awards=(("AWD-2019-0006", ()),),
    ),
    IntentionSpec(
        "Add capacity for high-risk and repeat victims of domestic abuse",
        "Two more IDVAs attached to MARAC, and a repeat-victim pathway agreed with the police.",
        IntentionRank.MUST,
        IntentionStatus.AGREED,
        "Domestic abuse",
        "Victims services",
        (1,),
        Decimal("60000"),
        when_fy=2020,
    ),
    IntentionSpec(
        "Hate crime advocacy and prevention in schools",
        "Advocacy for victims of hate crime, third-party reporting, and anti-racism education in schools.",
        IntentionRank.SHOULD,
        IntentionStatus.COMMISSIONED,
        "Hate crime",
        "Community safety and prevention",
        (3,),
        Decimal("45000"),
        when_fy=2019,
        awards=(("AWD-2019-0003", ()), ("AWD-2019-0016", ())),
    ),
    IntentionSpec(
        "Divert young people and adults from reoffending",
        "Keep the contribution to the Youth Offending Service and the Checkpoint adult diversion scheme.",
        IntentionRank.SHOULD,
        IntentionStatus.COMMISSIONED,
        "Reoffending",
        "Reducing reoffending",
        (5,),
        Decimal("630000"),
        when_fy=2019,
        awards=(("AWD-2019-0008", ()), ("AWD-2019-0009", ())),
    ),
    IntentionSpec(
        "Tackle anti-social behaviour and street homelessness in Darlington",
        "Outreach and ASB officers in the town centre, working with housing partners.",
        IntentionRank.SHOULD,
        IntentionStatus.COMMISSIONED,
        "Anti-social behaviour",
        "Community safety and prevention",
        (4,),
        Decimal("75000"),
        when_fy=2019,
        awards=(("AWD-2019-0012", (DARLINGTON,)), ("AWD-2019-0011", (COUNTY_DURHAM,))),
    ),
    IntentionSpec(
        "Pilot a criminal justice victim support role",
        "One point of contact for victims from charge to the end of the trial, as victims asked.",
        IntentionRank.COULD,
        IntentionStatus.PROPOSED,
        "Victims' needs",
        "Victims services",
        (6,),
        Decimal("45000"),
        when_fy=2020,
        awards=(("AWD-2020-0001", ()),),
    ),
    IntentionSpec(
        "Extend restorative justice to hate crime cases",
        "Dropped: partners judged the existing restorative justice service able to take these cases.",
        IntentionRank.COULD,
        IntentionStatus.DROPPED,
        "Hate crime",
        "Community safety and prevention",
        (3,),
        None,
        when_fy=2020,
    ),
)
