"""The shared form fields: a money box and a GOV.UK date whose year is one people may give."""

import datetime

import pytest
from django import forms

from pcc_commissioning.fields import DateField, MoneyField, date_field


class DueForm(forms.Form):
    due = DateField(label="Due date")
    amount = MoneyField(label="Amount (£)", required=False, allow_negative=False)


def _form(day="15", month="6", year="2019", amount=""):
    return DueForm({"due_0": day, "due_1": month, "due_2": year, "amount": amount})


def test_a_date_in_the_accepted_years_is_read():
    form = _form(year="2100")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["due"] == datetime.date(2100, 6, 15)


@pytest.mark.parametrize("year", ["1", "0001", "1989", "2101", "9999", "10000", "99999999999999999999", "9" * 5000])
def test_a_year_outside_1990_to_2100_is_a_message_not_a_crash(year):
    form = _form(year=year)
    assert not form.is_valid()
    assert form.errors["due"] == ["The year must be between 1990 and 2100."]


@pytest.mark.parametrize("day, month", [("31", "2"), ("99999999999999999999", "1"), ("1", "13")])
def test_a_day_or_month_that_cannot_be_is_a_message(day, month):
    form = _form(day=day, month=month)
    assert not form.is_valid()
    assert form.errors["due"] == ["Enter a real date: check the day and the month"]


def test_a_money_box_that_refuses_negatives_says_so_naming_it():
    form = _form(amount="-5")
    assert not form.is_valid()
    assert form.errors["amount"] == ["The amount cannot be negative."]


class DatedForm(forms.Form):
    start = date_field("Start date")
    end = date_field("End date", required=False, help_text="Leave blank if it does not end")


def test_date_field_labels_the_day_box_so_the_error_summary_links_to_it():
    form = DatedForm({"start_0": "", "start_1": "", "start_2": ""})
    assert not form.is_valid()
    assert form["start"].id_for_label == "id_start_0"
    assert form["start"].help_text == "For example, 1 4 2019"
    assert (form.fields["end"].required, form["end"].help_text) == (False, "Leave blank if it does not end")
    assert '<label for="id_start_0"' in str(form["start"].label_tag())
