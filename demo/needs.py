"""Demo needs data: a unified needs assessment for the Durham police force area, 2019.

The areas are real: the Durham police force area (E23000008) and its two local authorities,
County Durham (E06000047) and Darlington (E06000005), with their community safety partnerships.
Populations are ONS mid-year estimates for 2017-2019, rounded as published; treat them as
approximate. The indicator values are **illustrative**: plausible figures of the right size for
an area of this population, not published statistics. Findings and intentions read as an OPCC
would write them, and the intentions are linked to the Durham awards of ``demo.grants`` (the
award names the intention it fulfils, and the areas it serves when the service is local).

Everything is written through ``needs_assessment.services`` (and, for the award links,
``grants.services.award_update``).
Loading is idempotent: areas are matched by code, themes and indicators by name, the
assessment by title and year, findings by title within it, intentions by title; whatever
already exists is left exactly as it is, so a second run writes nothing (no history rows).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from grants.awards.services import award_update
from grants.models import Award
from needs_assessment import services
from needs_assessment.models import (
    Area,
    AreaPopulation,
    AreaType,
    CommissioningIntention,
    Finding,
    Indicator,
    IndicatorValue,
    IntentionRank,
    IntentionStatus,
    NeedsAssessment,
    Polarity,
    Severity,
    Theme,
)
from outcomes.models import KPQ, CommissioningPriority

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


# The loader -------------------------------------------------------------------------------------


def _force_value(spec: IndicatorSpec, year: int, populations: Mapping[str, Mapping[int, int]]) -> Decimal:
    """The force area's value: the sum of a count; a population-weighted mean of a percentage."""
    index = YEARS.index(year)
    values = {code: Decimal(spec.values[code][index]) for code in LOCAL_AUTHORITIES}
    if spec.is_count:
        return sum(values.values(), Decimal(0))
    weights = {code: populations[code][year] for code in LOCAL_AUTHORITIES}
    mean = sum(values[code] * weights[code] for code in values) / sum(weights.values())
    return mean.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


class _Loader:
    def __init__(self, *, actor, lead, link_awards: bool) -> None:
        self.actor = actor
        self.lead = lead
        self.link_awards = link_awards
        self.created = 0
        self.areas: dict[str, Area] = {area.code: area for area in Area.objects.all()}
        self.themes: dict[str, Theme] = {}
        self.indicators: dict[str, Indicator] = {}

    def seed_areas(self) -> None:
        populations = {spec.code: spec.populations for spec in AREAS if spec.populations}
        force_populations = {year: sum(populations[code][year] for code in LOCAL_AUTHORITIES) for year in YEARS}
        specs = (AreaSpec(FORCE, FORCE_NAME, AreaType.FORCE_AREA, "", force_populations), *AREAS)
        for spec in specs:
            area = self.areas.get(spec.code)
            if area is None:
                area = services.area_create(
                    actor=self.actor,
                    code=spec.code,
                    name=spec.name,
                    type=spec.type,
                    parent=self.areas[spec.parent] if spec.parent else None,
                )
                self.areas[spec.code] = area
                self.created += 1
            have = set(AreaPopulation.objects.filter(area=area).values_list("year", flat=True))
            for year, population in sorted((spec.populations or populations[spec.same_as]).items()):
                if year not in have:
                    services.population_set(actor=self.actor, area=area, year=year, population=population)
                    self.created += 1
        self.populations = {**populations, FORCE: force_populations}

    def seed_themes(self) -> None:
        for name, description in THEMES:
            theme, created = services.theme_get_or_create(actor=self.actor, name=name, description=description)
            self.themes[name] = theme
            self.created += created

    def seed_indicators(self) -> None:
        for spec in INDICATORS:
            indicator = Indicator.objects.filter(name__iexact=spec.name).first()
            if indicator is None:
                indicator = services.indicator_create(
                    actor=self.actor,
                    name=spec.name,
                    theme=self.themes[spec.theme],
                    unit=spec.unit,
                    source=spec.source,
                    definition=spec.definition,
                    polarity=spec.polarity,
                    is_count=spec.is_count,
                )
                self.created += 1
            self.indicators[spec.name] = indicator
            have = set(IndicatorValue.objects.filter(indicator=indicator).values_list("area__code", "period"))
            for index, year in enumerate(YEARS):
                wanted = [(code, Decimal(spec.values[code][index])) for code in LOCAL_AUTHORITIES]
                wanted.append((FORCE, _force_value(spec, year, self.populations)))
                for code, value in wanted:
                    if (code, str(year)) not in have:
                        services.value_set(
                            actor=self.actor, indicator=indicator, area=self.areas[code], period=str(year), value=value
                        )
                        self.created += 1

    def seed_assessment(self) -> NeedsAssessment:
        assessment = NeedsAssessment.objects.filter(title__iexact=ASSESSMENT_TITLE, fy=ASSESSMENT_FY).first()
        if assessment is None:
            assessment = services.assessment_create(
                actor=self.actor,
                title=ASSESSMENT_TITLE,
                fy=ASSESSMENT_FY,
                scope="unified",
                author="Office of the Durham Police, Crime and Victims' Commissioner",
                published_on=datetime.date(2019, 10, 31),
                summary=(
                    "A unified assessment of the needs of victims, communities and people who offend in the "
                    "Durham police force area (County Durham and Darlington), drawing on police, partner and "
                    "survey data for 2017/18 to 2019/20. It finds rising domestic abuse and sexual violence, "
                    "growing demand for victims' support, and anti-social behaviour and reoffending "
                    "concentrated in Darlington. (Demo data: the indicator values are illustrative.)"
                ),
            )
            self.created += 1
        return assessment

    def seed_findings(self, assessment: NeedsAssessment) -> list[Finding]:
        kpqs = {kpq.number: kpq for kpq in KPQ.objects.all()}
        priorities = {priority.name.lower(): priority for priority in CommissioningPriority.objects.all()}
        existing = {finding.title.lower(): finding for finding in assessment.findings.all()}
        values = {
            (value.indicator_id, value.area.code, value.period): value
            for value in IndicatorValue.objects.filter(indicator__in=self.indicators.values()).select_related("area")
        }
        findings = []
        for spec in FINDINGS:
            finding = existing.get(spec.title.lower())
            if finding is None:
                finding = services.finding_create(
                    actor=self.actor,
                    assessment=assessment,
                    title=spec.title,
                    description=spec.description,
                    severity=spec.severity,
                    theme=self.themes[spec.theme],
                    priority=priorities.get(spec.priority.lower()),
                    areas=[self.areas[code] for code in spec.areas],
                    kpqs=[kpqs[number] for number in spec.kpqs if number in kpqs],
                    evidence=[
                        values[(self.indicators[name].pk, code, str(year))] for name, code, year in spec.evidence
                    ],
                )
                self.created += 1
            findings.append(finding)
        return findings

    def seed_intentions(self, findings: list[Finding]) -> None:
        priorities = {priority.name.lower(): priority for priority in CommissioningPriority.objects.all()}
        existing = {intention.title.lower(): intention for intention in CommissioningIntention.objects.all()}
        for spec in INTENTIONS:
            intention = existing.get(spec.title.lower())
            if intention is None:
                intention = services.intention_create(
                    actor=self.actor,
                    title=spec.title,
                    description=spec.description,
                    rank=spec.rank,
                    status=spec.status,
                    theme=self.themes[spec.theme],
                    priority=priorities.get(spec.priority.lower()),
                    findings=[findings[index] for index in spec.findings],
                    estimated_annual_cost=spec.cost,
                    when_fy=spec.when_fy,
                    when_date=spec.when_date,
                    lead=self.lead,
                )
                self.created += 1
            for reference, area_codes in spec.awards:
                self.link_award(reference, intention, [self.areas[code] for code in area_codes])

    def link_award(self, reference: str, intention: CommissioningIntention, areas: list[Area]) -> None:
        """Name the intention on the award (and the areas it serves) through the grants service.
        An award that already names an intention is left alone; a missing one (no grants demo)
        is skipped."""
        if not self.link_awards:
            return
        award = Award.objects.filter(reference__iexact=reference).first()
        if award is None or award.intention_id is not None:
            return
        award_update(award=award, actor=self.actor, expected_version=None, intention=intention, areas=areas)
        self.created += 1


@transaction.atomic
def needs_seed(*, actor=None, lead=None, link_awards: bool = False) -> int:
    """Load the demo needs data (see the module's docstring); returns how many records it created
    (or awards it linked). ``lead`` leads every demo intention (the demo officer, if there is one).

    With ``link_awards``, the Durham awards (``demo.grants``, loaded first) are linked to the
    intentions they fulfil and the areas they serve. Without it, no award is touched."""
    loader = _Loader(actor=actor, lead=lead, link_awards=link_awards)
    loader.seed_areas()
    loader.seed_themes()
    loader.seed_indicators()
    assessment = loader.seed_assessment()
    findings = loader.seed_findings(assessment)
    loader.seed_intentions(findings)
    return loader.created
