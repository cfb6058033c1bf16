"""A quarter's table: percentages to one decimal place, half up, from the exact fraction; the
change from the quarter before; the year's trend; in a fixed number of queries."""

from decimal import Decimal

import pytest

from delivery.compliance.selectors import (
    body_year,
    code_editions,
    percentage,
    quarter_table,
    review_meetings,
)
from delivery.models import ComplianceMeasure
from tests.factories import OrganisationFactory
from tests.factories.delivery import ComplianceFigureFactory, ReviewActionFactory, ReviewMeetingFactory

pytestmark = pytest.mark.django_db

CODE_2020 = "Code of Practice for Victims of Crime 2020"


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (412, 500, "82.4"),  # exact
        (2, 3, "66.7"),  # 66.666…
        (1, 3, "33.3"),  # 33.333…
        (1, 8, "12.5"),  # exact
        (1, 16, "6.3"),  # 6.25: half up, not to even
        (3, 16, "18.8"),  # 18.75
        (1, 400, "0.3"),  # 0.25
        (0, 7, "0.0"),
        (7, 7, "100.0"),
        (1, 2000, "0.1"),  # 0.05 up
        (1, 2001, "0.0"),  # 0.04997…
    ],
)
def test_percentage_is_rounded_half_up_from_the_exact_fraction(numerator, denominator, expected):
    assert percentage(numerator, denominator) == Decimal(expected)


def test_no_victims_has_no_percentage():
    assert percentage(0, 0) is None


def _measure(key):
    return ComplianceMeasure.objects.get(edition__name=CODE_2020, key=key)


def test_the_quarter_table_with_changes_and_trend():
    police = OrganisationFactory(name="Durham Constabulary")
    cps = OrganisationFactory(name="CPS North East")
    vps, ack = _measure("vps"), _measure("acknowledgement")
    # Police: VPS Q4 2024/25 150/200 = 75.0; Q1 2025/26 2/3 = 66.7 -> change -8.3 points.
    ComplianceFigureFactory(body=police, measure=vps, fy=2024, quarter=4, numerator=150, denominator=200)
    ComplianceFigureFactory(body=police, measure=vps, fy=2025, quarter=1, numerator=2, denominator=3)
    # Police acknowledgement: Q1 1/16 = 6.3, no figure the quarter before.
    ComplianceFigureFactory(body=police, measure=ack, fy=2025, quarter=1, numerator=1, denominator=16)
    # CPS reported only in Q2: a row for the year, nothing in Q1.
    ComplianceFigureFactory(body=cps, measure=vps, fy=2025, quarter=2, numerator=45, denominator=50)

    table = quarter_table(fy=2025, quarter=1)

    assert table.label == "Q1 2025/26"
    assert table.previous_label == "Q4 2024/25"
    assert table.edition.name == CODE_2020
    assert [m.key for m in table.measures] == ["acknowledgement", "referral", "updates", "vps", "release"]
    assert [row.body.name for row in table.rows] == ["CPS North East", "Durham Constabulary"]
    cps_row, police_row = table.rows
    assert all(cell.figure is None for cell in cps_row.cells)
    cells = {cell.measure.key: cell for cell in police_row.cells}
    assert cells["vps"].percentage == Decimal("66.7")
    assert cells["vps"].previous_percentage == Decimal("75.0")
    assert cells["vps"].change == Decimal("-8.3")
    assert cells["acknowledgement"].percentage == Decimal("6.3")
    assert cells["acknowledgement"].change is None
    assert cells["referral"].figure is None
    # The year: CPS 90.0 in Q2 (45 of 50); the police 66.7 in Q1.
    trend = {body.name: values for body, values in table.trend(vps)}
    assert trend == {
        "CPS North East": [None, Decimal("90.0"), None, None],
        "Durham Constabulary": [Decimal("66.7"), None, None, None],
    }


def test_a_quarter_with_no_edition_in_force_shows_only_what_was_reported():
    table = quarter_table(fy=2015, quarter=1)
    assert table.edition is None
    assert table.measures == [] and table.rows == []


def test_a_body_year_has_each_quarter_and_its_breakdown():
    police = OrganisationFactory(name="Durham Constabulary")
    ComplianceFigureFactory(
        body=police,
        measure=_measure("referral"),
        fy=2025,
        quarter=3,
        numerator=30,
        denominator=40,
        breakdown={"crime_type": {"Burglary": [10, 16]}},
    )
    year = body_year(body_id=police.pk, fy=2025)
    (section,) = year.sections
    assert [q["figure"] is not None for q in section["quarters"]] == [False, False, True, False]
    third = section["quarters"][2]
    assert third["percentage"] == Decimal("75.0")
    (group,) = third["groups"]
    assert group.label == "Crime type"
    assert (group.parts[0].category, group.parts[0].percentage) == ("Burglary", Decimal("62.5"))


def _figures(bodies: int):
    measures = list(ComplianceMeasure.objects.filter(edition__name=CODE_2020))
    for index in range(bodies):
        body = OrganisationFactory()
        for measure in measures:
            for fy, quarter in ((2024, 4), (2025, 1), (2025, 2)):
                ComplianceFigureFactory(body=body, measure=measure, fy=fy, quarter=quarter, numerator=index)


@pytest.mark.parametrize("bodies", [1, 6])
def test_the_table_costs_the_same_queries_at_any_size(bodies, django_assert_num_queries):
    _figures(bodies)
    with django_assert_num_queries(3):
        table = quarter_table(fy=2025, quarter=2)
        for row in table.rows:
            for cell in row.cells:
                (cell.percentage, cell.change, cell.measure.right, cell.measure.edition.name)
    assert len(table.rows) == bodies


@pytest.mark.parametrize("meetings", [1, 5])
def test_the_meetings_cost_the_same_queries_at_any_size(meetings, django_assert_num_queries):
    for _ in range(meetings):
        meeting = ReviewMeetingFactory()
        meeting.bodies.add(OrganisationFactory())
        ReviewActionFactory(meeting=meeting, body=OrganisationFactory())
        ReviewActionFactory(meeting=meeting)
    with django_assert_num_queries(3):
        found = review_meetings()
        for meeting in found:
            [body.name for body in meeting.bodies.all()]
            [action.body.name if action.body else "" for action in meeting.actions.all()]
    assert len(found) == meetings


@pytest.mark.parametrize("extra", [0, 3])
def test_the_code_costs_the_same_queries_at_any_size(extra, django_assert_num_queries):
    from tests.factories.delivery import CodeEditionFactory, CodeRightFactory, ComplianceMeasureFactory

    for index in range(extra):
        edition = CodeEditionFactory(name=f"Edition {index}")
        CodeRightFactory(edition=edition, number=1)
        ComplianceMeasureFactory(edition=edition)
    with django_assert_num_queries(3):
        for edition in code_editions():
            [right.title for right in edition.rights.all()]
            [measure.right for measure in edition.measures.all()]
