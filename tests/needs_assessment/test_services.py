import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from needs_assessment import assessments, intentions, services
from needs_assessment.models import (
    Area,
    AreaPopulation,
    AreaType,
    CommissioningIntention,
    IndicatorValue,
    IntentionStatus,
    NeedsAssessment,
    Theme,
)
from pcc_commissioning.concurrency import STALE_MESSAGE

from ..factories import (
    AreaFactory,
    CommissioningIntentionFactory,
    CommissioningPriorityFactory,
    FindingFactory,
    IndicatorFactory,
    IndicatorValueFactory,
    KPQFactory,
    NeedsAssessmentFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db


def errors_of(excinfo) -> dict[str, list[str]]:
    return excinfo.value.message_dict


# Themes -------------------------------------------------------------------------------------------


def test_theme_get_or_create_matches_names_ignoring_capitals(officer):
    theme, created = services.theme_get_or_create(actor=officer, name="Domestic abuse")
    again, created_again = services.theme_get_or_create(actor=officer, name="  DOMESTIC ABUSE ")
    assert (created, created_again) == (True, False)
    assert again == theme
    assert Theme.objects.count() == 1
    assert theme.history.first().history_user == officer


def test_a_second_theme_with_the_same_name_is_refused(officer):
    ThemeFactory(name="Hate crime")
    with pytest.raises(ValidationError) as excinfo:
        services.theme_create(actor=officer, name="hate CRIME")
    assert "name" in errors_of(excinfo)


def test_a_theme_edit_from_a_stale_form_is_refused_and_changes_nothing(officer):
    theme = ThemeFactory(name="Hate crime", description="")
    loaded = theme.version
    services.theme_update(theme=theme, actor=officer, expected_version=loaded, description="Reported hate crime")
    with pytest.raises(ValidationError, match="Someone else saved this record"):
        services.theme_update(theme=theme, actor=officer, expected_version=loaded, name="Hate incidents")
    theme.refresh_from_db()
    assert (theme.name, theme.description, theme.version) == ("Hate crime", "Reported hate crime", loaded + 1)


# Areas --------------------------------------------------------------------------------------------


def test_area_create_normalises_the_code_and_records_who(officer):
    force = services.area_create(actor=officer, code="e23000008", name="Durham", type="FORCE_AREA")
    la = services.area_create(actor=officer, code="E06000005", name="Darlington", type="local_authority", parent=force)
    assert (force.code, force.type) == ("E23000008", AreaType.FORCE_AREA)
    assert la.parent == force
    assert la.history.first().history_user == officer


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"code": "E0600005", "name": "Short", "type": "local_authority"}, "code"),
        ({"code": "123456789", "name": "Digits", "type": "local_authority"}, "code"),
        ({"code": "E06000005", "name": "", "type": "local_authority"}, "name"),
        ({"code": "E06000005", "name": "Darlington", "type": "county"}, "type"),
    ],
)
def test_bad_areas_are_refused_naming_the_field(officer, fields, field):
    with pytest.raises(ValidationError) as excinfo:
        services.area_create(actor=officer, **fields)
    assert field in errors_of(excinfo)
    assert not Area.objects.exists()


def test_an_area_code_is_unique(officer):
    AreaFactory(code="E06000005")
    with pytest.raises(ValidationError) as excinfo:
        services.area_create(actor=officer, code="e06000005", name="Again", type="local_authority")
    assert "E06000005" in errors_of(excinfo)["code"][0]


def test_an_area_cannot_lie_within_itself_or_its_children(officer):
    force = AreaFactory(code="E23000008", type=AreaType.FORCE_AREA)
    la = AreaFactory(code="E06000005", parent=force)
    csp = AreaFactory(code="E22000001", type=AreaType.CSP, parent=la)
    with pytest.raises(ValidationError) as excinfo:
        services.area_update(area=la, actor=officer, parent=csp)
    assert "parent" in errors_of(excinfo)
    with pytest.raises(ValidationError):
        services.area_update(area=force, actor=officer, parent=la)
    la.refresh_from_db()
    assert la.parent == force


def test_population_set_creates_updates_and_leaves_an_equal_value_alone(officer):
    area = AreaFactory()
    services.population_set(actor=officer, area=area, year=2019, population=106_803)
    services.population_set(actor=officer, area=area, year=2019, population=106_803)
    assert AreaPopulation.history.count() == 1
    services.population_set(actor=officer, area=area, year=2019, population=107_000)
    assert AreaPopulation.objects.get(area=area, year=2019).population == 107_000
    assert AreaPopulation.history.count() == 2


@pytest.mark.parametrize(
    ("year", "population", "field"), [(2019, 0, "population"), (19, 1000, "year"), (2019, -5, "population")]
)
def test_bad_populations_are_refused(officer, year, population, field):
    with pytest.raises(ValidationError) as excinfo:
        services.population_set(actor=officer, area=AreaFactory(), year=year, population=population)
    assert field in errors_of(excinfo)


def test_the_database_refuses_a_population_of_zero():
    area = AreaFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        AreaPopulation.objects.create(area=area, year=2019, population=0)


# Assessments --------------------------------------------------------------------------------------


def test_a_thematic_assessment_needs_its_theme(officer):
    with pytest.raises(ValidationError) as excinfo:
        assessments.assessment_create(actor=officer, title="DA needs", fy=2019, scope="thematic")
    assert errors_of(excinfo)["theme"] == ["A thematic assessment needs its theme."]
    theme = ThemeFactory(name="Domestic abuse")
    assessment = assessments.assessment_create(
        actor=officer, title="DA needs", fy="2019/20", scope="thematic", theme=theme
    )
    assert (assessment.fy, assessment.theme) == (2019, theme)


def test_the_database_refuses_a_thematic_assessment_without_a_theme():
    with pytest.raises(IntegrityError), transaction.atomic():
        NeedsAssessment.objects.create(title="x", fy=2019, scope="thematic")


def test_assessment_document_must_be_an_allowed_type(officer):
    bad = SimpleUploadedFile("report.pdf", b"not really a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError) as excinfo:
        assessments.assessment_create(actor=officer, title="Needs 2019", fy=2019, document=bad)
    assert "document" in errors_of(excinfo)
    good = SimpleUploadedFile("report.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    assessment = assessments.assessment_create(actor=officer, title="Needs 2019", fy=2019, document=good)
    assert assessment.document.name.endswith("/report.pdf")


def test_assessment_document_with_a_long_name_keeps_its_extension(officer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    # 284 characters: longer than a file system allows in one name (255 bytes).
    document = SimpleUploadedFile("a" * 280 + ".pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    assessment = assessments.assessment_create(actor=officer, title="Needs 2019", fy=2019, document=document)
    assert assessment.document.name.endswith("/" + "a" * 196 + ".pdf")


def test_a_stale_assessment_edit_is_refused(officer):
    assessment = assessments.assessment_create(actor=officer, title="Needs 2019", fy=2019)
    assessments.assessment_update(assessment=assessment, actor=officer, expected_version=1, summary="First edit")
    with pytest.raises(ValidationError) as excinfo:
        assessments.assessment_update(assessment=assessment, actor=officer, expected_version=1, summary="Second edit")
    assert excinfo.value.messages == [STALE_MESSAGE]
    assessment.refresh_from_db()
    assert (assessment.summary, assessment.version) == ("First edit", 2)


def test_an_unchanged_assessment_keeps_its_version_and_history(officer):
    assessment = assessments.assessment_create(actor=officer, title="Needs 2019", fy=2019)
    assessments.assessment_update(assessment=assessment, actor=officer, expected_version=1, title="Needs 2019")
    assessment.refresh_from_db()
    assert assessment.version == 1
    assert assessment.history.count() == 1


# Indicators and values ----------------------------------------------------------------------------


def test_indicator_names_are_unique_ignoring_capitals(officer):
    services.indicator_create(actor=officer, name="Hate crimes")
    with pytest.raises(ValidationError) as excinfo:
        services.indicator_create(actor=officer, name="HATE CRIMES")
    assert "name" in errors_of(excinfo)


def test_indicator_polarity_must_be_known(officer):
    with pytest.raises(ValidationError) as excinfo:
        services.indicator_create(actor=officer, name="Hate crimes", polarity="lower_is_better")
    assert "polarity" in errors_of(excinfo)


def test_value_set_stores_the_period_as_financial_year_and_quarter(officer):
    indicator, area = IndicatorFactory(), AreaFactory()
    year = services.value_set(actor=officer, indicator=indicator, area=area, period="2019/20", value="1,234")
    quarter = services.value_set(actor=officer, indicator=indicator, area=area, period="2019-q3", value=Decimal("12.5"))
    assert (year.period, year.fy, year.quarter, year.value) == ("2019", 2019, None, Decimal("1234"))
    assert (quarter.period, quarter.fy, quarter.quarter) == ("2019-Q3", 2019, 3)


def test_value_set_updates_the_stored_value_and_writes_nothing_when_equal(officer):
    indicator, area = IndicatorFactory(), AreaFactory()
    services.value_set(actor=officer, indicator=indicator, area=area, period="2019", value=100)
    services.value_set(actor=officer, indicator=indicator, area=area, period="2019", value="100.0")
    assert IndicatorValue.history.count() == 1
    services.value_set(actor=officer, indicator=indicator, area=area, period="2019", value=120)
    assert IndicatorValue.objects.get().value == Decimal("120")
    assert IndicatorValue.history.count() == 2


@pytest.mark.parametrize(
    ("period", "value", "field"),
    [
        ("2019-H1", "1", "period"),
        ("19", "1", "period"),
        ("2019-Q5", "1", "period"),
        ("2019", "twelve", "value"),
        ("2019", "1.23456", "value"),
        ("2019", "NaN", "value"),
        ("2019", "1e20", "value"),
    ],
)
def test_bad_values_and_periods_are_refused(officer, period, value, field):
    with pytest.raises(ValidationError) as excinfo:
        services.value_set(actor=officer, indicator=IndicatorFactory(), area=AreaFactory(), period=period, value=value)
    assert field in errors_of(excinfo)
    assert not IndicatorValue.objects.exists()


def test_the_database_refuses_two_values_for_one_indicator_area_and_period():
    value = IndicatorValueFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorValue.objects.create(indicator=value.indicator, area=value.area, period="2019", fy=2019, value=1)


# Findings -----------------------------------------------------------------------------------------


def test_finding_create_links_areas_kpqs_priority_and_evidence(officer):
    assessment = NeedsAssessmentFactory()
    area = AreaFactory()
    kpq = KPQFactory(number=3)
    priority = CommissioningPriorityFactory(name="Victims services")
    evidence = IndicatorValueFactory(area=area)
    finding = assessments.finding_create(
        actor=officer,
        assessment=assessment,
        title="Rising domestic abuse",
        severity="HIGH",
        theme=evidence.indicator.theme,
        priority=priority,
        areas=[area],
        kpqs=[kpq],
        evidence=[evidence],
    )
    assert finding.severity == "high"
    assert list(finding.areas.all()) == [area]
    assert list(finding.kpqs.all()) == [kpq]
    assert list(finding.evidence.all()) == [evidence]
    assert finding.history.first().history_user == officer


def test_finding_update_replaces_sets_only_when_given(officer):
    finding = FindingFactory()
    first, second = AreaFactory(), AreaFactory()
    assessments.finding_update(finding=finding, actor=officer, areas=[first])
    assessments.finding_update(finding=finding, actor=officer, title="New title")
    assert list(finding.areas.all()) == [first]
    assessments.finding_update(finding=finding, actor=officer, areas=[second])
    assert list(finding.areas.all()) == [second]


@pytest.mark.parametrize(("fields", "field"), [({"title": " "}, "title"), ({"severity": "critical"}, "severity")])
def test_bad_findings_are_refused(officer, fields, field):
    values = {"assessment": NeedsAssessmentFactory(), "title": "A gap", **fields}
    with pytest.raises(ValidationError) as excinfo:
        assessments.finding_create(actor=officer, **values)
    assert field in errors_of(excinfo)


# Intentions ---------------------------------------------------------------------------------------


def test_intention_create_with_findings_lead_and_cost(officer):
    finding = FindingFactory()
    intention = intentions.intention_create(
        actor=officer,
        title="Sustain DA support",
        rank="Must",
        findings=[finding],
        when_fy="2020/21",
        lead=officer,
        status="agreed",
        estimated_annual_cost="£45,000",
    )
    assert (intention.rank, intention.when_fy, intention.status) == ("must", 2020, "agreed")
    assert intention.estimated_annual_cost == Decimal("45000.00")
    assert list(intention.findings.all()) == [finding]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"rank": "would"}, "rank"),
        ({"status": "finished"}, "status"),
        ({"estimated_annual_cost": Decimal("-1")}, "estimated_annual_cost"),
        ({"estimated_annual_cost": "lots"}, "estimated_annual_cost"),
        ({"when_date": datetime.date(2020, 7, 1), "when_fy": 2020}, "when_fy"),
        ({"when_fy": "next year"}, "when_fy"),
        ({"title": ""}, "title"),
    ],
)
def test_bad_intentions_are_refused_naming_the_field(officer, fields, field):
    values = {"title": "Sustain DA support", "rank": "must", **fields}
    with pytest.raises(ValidationError) as excinfo:
        intentions.intention_create(actor=officer, **values)
    assert field in errors_of(excinfo)
    assert not CommissioningIntention.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"estimated_annual_cost": Decimal("-1")},
        {"when_date": datetime.date(2020, 7, 1), "when_fy": 2020},
        {"status": "finished"},
    ],
)
def test_the_database_refuses_what_the_service_refuses(fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        CommissioningIntention.objects.create(title="x", rank="must", **fields)


def test_intention_set_status_and_stale_edits(officer):
    intention = CommissioningIntentionFactory()
    intentions.intention_set_status(intention=intention, actor=officer, status="in_procurement", expected_version=1)
    intention.refresh_from_db()
    assert (intention.status, intention.version) == (IntentionStatus.IN_PROCUREMENT, 2)
    with pytest.raises(ValidationError) as excinfo:
        intentions.intention_update(intention=intention, actor=officer, expected_version=1, title="Changed")
    assert excinfo.value.messages == [STALE_MESSAGE]


def test_intention_findings_change_is_recorded_and_bumps_the_version(officer):
    intention = CommissioningIntentionFactory()
    finding = FindingFactory()
    intentions.intention_update(intention=intention, actor=officer, expected_version=1, findings=[finding])
    intention.refresh_from_db()
    assert intention.version == 2
    assert list(intention.findings.all()) == [finding]
    intentions.intention_update(intention=intention, actor=officer, expected_version=2, findings=[finding])
    intention.refresh_from_db()
    assert intention.version == 2
