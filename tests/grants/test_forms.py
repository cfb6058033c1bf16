"""The grants forms: amounts as people type them, funding-line rows, where the services'
line messages land, and the register's filters."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from grants.awards.filters import AwardFilter
from grants.awards.forms import AwardForm, LineFormSet, line_years
from grants.form_fields import add_line_errors
from grants.payments.forms import PaymentForm
from grants.years import year_choice
from pcc_commissioning.fields import MoneyField
from pcc_commissioning.forms import add_service_errors
from pcc_commissioning.periods import FinancialYear
from tests.factories import CommissioningPriorityFactory, FundingStreamFactory, KPQFactory


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("1234.56", Decimal("1234.56")),
        ("1,234.56", Decimal("1234.56")),
        ("£1,234", Decimal("1234")),
        (" 842,100 ", Decimal("842100")),
        ("-250.00", Decimal("-250.00")),
        ("-£250", Decimal("-250")),
    ],
)
def test_money_field_reads_amounts_as_typed(typed, expected):
    assert MoneyField().clean(typed) == expected


@pytest.mark.parametrize("typed", ["ten", "12.5.6", "1e3x", "NaN", "Infinity", "£", "1" * 31, "842 100", "1,50"])
def test_money_field_refuses_what_is_not_an_amount(typed):
    with pytest.raises(ValidationError) as caught:
        MoneyField().clean(typed)
    assert "amount" in caught.value.messages[0]


def test_money_field_names_what_it_is_in_its_messages():
    with pytest.raises(ValidationError) as caught:
        MoneyField(what="forecast").clean("lots")
    assert caught.value.messages == ["The forecast must be written in pounds, like 1234.50 or 1,234.50, not 'lots'."]
    with pytest.raises(ValidationError) as caught:
        MoneyField(what="forecast").clean("")
    assert caught.value.messages == ["Enter the forecast"]


def test_only_a_user_who_may_override_is_offered_the_override_on_the_payment_form():
    assert {"override", "override_reason"} <= set(PaymentForm(can_override=True).fields)
    assert not {"override", "override_reason"} & set(PaymentForm(can_override=False).fields)


def test_line_years_span_the_dates_with_a_year_either_side():
    assert line_years(datetime.date(2019, 4, 1), datetime.date(2021, 3, 31)) == [2018, 2019, 2020, 2021]
    assert line_years(datetime.date(2019, 6, 1), None, datetime.date(2019, 9, 1)) == [2018, 2019, 2020]


def _formset(rows, years=(2019, 2020)):
    data = {
        "lines-TOTAL_FORMS": str(len(rows)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
    }
    for index, (stream, fy, amount) in enumerate(rows):
        data.update({f"lines-{index}-stream": stream, f"lines-{index}-fy": fy, f"lines-{index}-amount": amount})
    return LineFormSet(data, prefix="lines", years=list(years))


@pytest.mark.django_db
def test_blank_rows_are_ignored_and_half_filled_rows_refused():
    stream = FundingStreamFactory()
    formset = _formset([(stream.pk, "2019", "100"), ("", "", ""), ("", "2020", "")])
    assert not formset.is_valid()
    assert formset.forms[0].errors == {}
    assert formset.forms[1].is_blank
    assert formset.forms[2].errors == {"stream": ["Choose the funding stream"], "amount": ["Enter the amount"]}


@pytest.mark.django_db
def test_year_outside_the_offered_ones_is_refused():
    formset = _formset([(FundingStreamFactory().pk, "2025", "1")])
    assert not formset.is_valid()
    assert "fy" in formset.forms[0].errors


@pytest.mark.django_db
def test_service_line_messages_land_on_their_rows_and_fields():
    stream = FundingStreamFactory()
    formset = _formset([(stream.pk, "2019", "1"), ("", "", ""), (stream.pk, "2020", "-1")])
    assert formset.is_valid()
    sent = [formset.forms[0], formset.forms[2]]  # the blank row was not sent
    add_line_errors(
        formset,
        [
            "Funding line 2 (Stream, 2020/21): the amount cannot be negative.",
            "Funding line 1 (Stream, 2019/20): 2019/20 is outside the award's dates, which cover 2020/21.",
            "Payments of £5.00 are recorded for 2019/20, but the lines would commit only £1.00 for that year.",
        ],
        sent,
    )
    assert formset.forms[2].errors["amount"] == ["The amount cannot be negative."]
    assert formset.forms[0].errors["fy"] == ["2019/20 is outside the award's dates, which cover 2020/21."]
    assert list(formset.non_form_errors()) == [
        "Payments of £5.00 are recorded for 2019/20, but the lines would commit only £1.00 for that year."
    ]


@pytest.mark.django_db
def test_service_errors_for_fields_the_form_lacks_go_to_the_top_naming_the_field():
    form = AwardForm(data={})
    form.is_valid()
    add_service_errors(
        form, name_fields=True, exc=ValidationError({"status": ["Choose a status."], "title": ["Too long."]})
    )
    assert "Status: Choose a status." in form.non_field_errors()
    assert "Too long." in form.errors["title"]


@pytest.mark.django_db
def test_filter_turns_the_query_into_selector_arguments():
    priority = CommissioningPriorityFactory()
    kpq = KPQFactory()
    stream = FundingStreamFactory()
    arguments = AwardFilter(
        {
            "fy": "all",
            "priority": str(priority.pk),
            "kpq": str(kpq.pk),
            "stream": str(stream.pk),
            "status": "active",
            "ending": "6",
            "q": " refuge ",
            "provider": "harbour",
        },
        year=year_choice(RequestFactory().get("/", {"fy": "all"}), all_years=True),
    ).selector_arguments()
    assert arguments["priority"] == priority and arguments["kpq"] == kpq and arguments["stream"] == stream.pk
    assert arguments["provider_name"] == "harbour"
    assert arguments["status"] == "active" and arguments["ending_within_months"] == 6
    assert arguments["fy"] is None and arguments["search"] == "refuge"


@pytest.mark.django_db
def test_filter_ignores_invalid_values():
    # An unreadable year is the year rule's: with no funding lines at all, the current year.
    data = {"fy": "99999999", "status": "lost", "ending": "-3"}
    year = year_choice(RequestFactory().get("/", data), all_years=True)
    arguments = AwardFilter(data, year=year).selector_arguments()
    assert arguments["fy"] == FinancialYear.current().start_year
    assert arguments["status"] is None and arguments["ending_within_months"] is None
