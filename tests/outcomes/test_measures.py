"""KPQ performance measures and their values by period; the code lists page with the counting
definitions; the Plan page linking each KPQ to its measures and its KPQ page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from outcomes import services
from outcomes.models import CountingDefinition, CountingTerm, PerformanceMeasure, PerformanceValue, Polarity
from tests.submissions import assert_saved_once, post_twice

from ..factories import KPQFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def kpq():
    return KPQFactory(number=3, question="Are victims satisfied with the support they get?")


@pytest.fixture
def measure(kpq):
    return services.measure_create(actor=None, kpq=kpq, name="Victim satisfaction", unit="%")


# Services -------------------------------------------------------------------------------------------


def test_a_measure_name_is_unique_within_its_kpq_ignoring_case(kpq, measure):
    with pytest.raises(ValidationError) as error:
        services.measure_create(actor=None, kpq=kpq, name="victim SATISFACTION")
    assert "already has a measure" in str(error.value.message_dict["name"])
    services.measure_create(actor=None, kpq=KPQFactory(number=4), name="Victim satisfaction")  # another KPQ may
    assert PerformanceMeasure.objects.count() == 2


def test_a_measure_edit_from_a_stale_form_is_refused_and_changes_nothing(measure):
    loaded = measure.version
    services.measure_update(actor=None, measure=measure, expected_version=loaded, source="Victim survey")
    with pytest.raises(ValidationError, match="Someone else saved this record"):
        services.measure_update(actor=None, measure=measure, expected_version=loaded, unit="people")
    measure.refresh_from_db()
    assert (measure.unit, measure.source, measure.version) == ("%", "Victim survey", loaded + 1)


def test_values_are_recorded_for_a_year_or_a_quarter_and_corrected_in_place(measure):
    year, created = services.measure_value_set(actor=None, measure=measure, period="2019/20", value="81.5", target="85")
    assert created and (year.period, year.fy, year.quarter) == ("2019", 2019, None)
    assert (year.value, year.target) == (Decimal("81.5"), Decimal("85"))

    quarter, created = services.measure_value_set(actor=None, measure=measure, period="2019-q2", value=79)
    assert created and (quarter.period, quarter.fy, quarter.quarter) == ("2019-Q2", 2019, 2)

    again, created = services.measure_value_set(actor=None, measure=measure, period="2019", value="83")
    assert not created and again.pk == year.pk
    again.refresh_from_db()
    assert (again.value, again.target) == (Decimal("83"), None)
    assert PerformanceValue.objects.filter(measure=measure).count() == 2


@pytest.mark.parametrize(
    "period, value, field",
    [("2019-H1", "80", "period"), ("next year", "80", "period"), ("2019", "", "value"), ("2019", "lots", "value")],
)
def test_bad_periods_and_values_are_refused_and_nothing_saved(measure, period, value, field):
    with pytest.raises(ValidationError) as error:
        services.measure_value_set(actor=None, measure=measure, period=period, value=value)
    assert field in error.value.message_dict
    assert not PerformanceValue.objects.exists()


# Pages ------------------------------------------------------------------------------------------------


def test_officer_adds_a_measure_and_records_values(officer_client, kpq):
    response = officer_client.post(
        reverse("outcomes:measure_create", args=[kpq.pk]),
        {
            "name": "Reoffending rate",
            "unit": "%",
            "polarity": Polarity.HIGHER_IS_WORSE,
            "source": "MoJ proven reoffending",
        },
    )
    assert response.status_code == 302
    measure = PerformanceMeasure.objects.get(kpq=kpq)
    assert measure.polarity == Polarity.HIGHER_IS_WORSE

    response = officer_client.post(
        reverse("outcomes:measure_value_add", args=[measure.pk]), {"period": "2019-Q1", "value": "24.2", "target": "22"}
    )
    assert response.status_code == 302
    response = officer_client.get(response["Location"])
    assert "The value for Q1 2019/20 has been recorded." in response.content.decode()

    page = response.content.decode()
    assert "Reoffending rate (%)" in page
    # The period as people read it: a quarter of the financial year, not the code typed.
    assert '<th scope="row" class="govuk-table__header">Q1 2019/20</th>' in page
    assert "2019-Q1" not in page and "24.2" in page and "22" in page
    assert "Higher is worse" in page


def test_a_bad_period_shows_the_error_beside_the_field(officer_client, measure):
    response = officer_client.post(
        reverse("outcomes:measure_value_add", args=[measure.pk]), {"period": "Spring 2019", "value": "80"}
    )
    assert response.status_code == 200
    assert "is not a period" in response.content.decode()
    assert not PerformanceValue.objects.exists()


def test_officer_changes_a_measure(officer_client, measure):
    response = officer_client.post(
        reverse("outcomes:measure_edit", args=[measure.pk]),
        {
            "name": "Victim satisfaction (survey)",
            "unit": "%",
            "polarity": Polarity.HIGHER_IS_BETTER,
            "version": measure.version,
        },
    )
    assert response.status_code == 302
    assert (
        "The measure “Victim satisfaction (survey)” has been updated." in officer_client.get(response["Location"]).text
    )
    measure.refresh_from_db()
    assert measure.name == "Victim satisfaction (survey)"


@pytest.mark.parametrize("client_name", ["finance_client", "board_client"])
def test_finance_and_board_read_measures_but_cannot_change_them(request, client_name, kpq, measure):
    client = request.getfixturevalue(client_name)
    page = client.get(reverse("outcomes:kpq_measures", args=[kpq.pk]))
    assert page.status_code == 200 and "Victim satisfaction" in page.content.decode()
    assert "Record a value" not in page.content.decode()
    for url, data in [
        (reverse("outcomes:measure_create", args=[kpq.pk]), {"name": "X", "polarity": Polarity.HIGHER_IS_BETTER}),
        (reverse("outcomes:measure_edit", args=[measure.pk]), {"name": "X", "polarity": Polarity.HIGHER_IS_BETTER}),
        (reverse("outcomes:measure_value_add", args=[measure.pk]), {"period": "2019", "value": "1"}),
    ]:
        assert client.get(url).status_code == 403
        assert client.post(url, data).status_code == 403
    measure.refresh_from_db()
    assert measure.name == "Victim satisfaction"
    assert not PerformanceValue.objects.exists()


def test_provider_users_cannot_see_measures(provider_client, kpq, measure):
    assert provider_client.get(reverse("outcomes:kpq_measures", args=[kpq.pk])).status_code == 403
    assert (
        provider_client.post(
            reverse("outcomes:measure_value_add", args=[measure.pk]), {"period": "2019", "value": "1"}
        ).status_code
        == 403
    )
    assert not PerformanceValue.objects.exists()


def test_unknown_kpq_or_measure_is_404(officer_client):
    assert officer_client.get(reverse("outcomes:kpq_measures", args=[9999])).status_code == 404
    assert officer_client.get(reverse("outcomes:measure_value_add", args=[9999])).status_code == 404


def test_plan_links_each_kpq_to_its_kpq_page_and_measures(officer_client, kpq):
    page = officer_client.get(reverse("outcomes:plan")).content.decode()
    assert reverse("reports:kpq", args=[kpq.pk]) in page
    assert reverse("outcomes:kpq_measures", args=[kpq.pk]) in page


def test_code_lists_page_states_the_counting_definitions(officer_client):
    CountingDefinition.objects.update_or_create(
        term=CountingTerm.REFERRAL,
        defaults={"label": "Referral", "definition": "A request for support received from any source."},
    )
    page = officer_client.get(reverse("outcomes:code_lists"), {"fy": 2019}).content.decode()
    assert "A request for support received from any source." in page
    assert "current Ministry of Justice" in page


def test_the_measure_form_sent_twice_adds_one_measure(officer_client, kpq):
    data = {"name": "Reoffending rate", "unit": "%", "polarity": Polarity.HIGHER_IS_WORSE, "source": ""}
    first, second = post_twice(officer_client, reverse("outcomes:measure_create", args=[kpq.pk]), data)
    assert PerformanceMeasure.objects.filter(kpq=kpq).count() == 1
    assert_saved_once(first, second, f"The measure “Reoffending rate” has been added to {kpq.label}.")
