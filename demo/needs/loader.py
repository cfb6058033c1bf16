"""The loader: the tables of ``demo.needs.tables`` written through the services."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from grants.awards.services import award_update
from grants.models import Award
from needs_assessment import assessments, intentions, services
from needs_assessment.models import (
    Area,
    AreaPopulation,
    AreaType,
    CommissioningIntention,
    Finding,
    Indicator,
    IndicatorValue,
    NeedsAssessment,
    Theme,
)
from outcomes.models import KPQ, CommissioningPriority

from .tables import (
    AREAS,
    ASSESSMENT_FY,
    ASSESSMENT_TITLE,
    FINDINGS,
    FORCE,
    FORCE_NAME,
    INDICATORS,
    INTENTIONS,
    LOCAL_AUTHORITIES,
    THEMES,
    YEARS,
    AreaSpec,
    IndicatorSpec,
)


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
            assessment = assessments.assessment_create(
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
                finding = assessments.finding_create(
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
                intention = intentions.intention_create(
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
