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
    assert form.errors["due"] == ["Due date must be between 1990 and 2100"]


@pytest.mark.parametrize(
    "day, month, year",
    [
        ("31", "2", "2019"),
        ("29", "2", "2019"),
        ("99999999999999999999", "1", "2019"),
        ("1", "13", "2019"),
        ("0", "1", "2019"),
        ("x", "1", "2019"),
        ("1", "one", "2019"),
        ("1", "1", "20l9"),
        ("\u0661", "1", "2019"),
    ],
)
def test_a_date_that_cannot_be_is_a_real_date_message_naming_the_field(day, month, year):
    # The GOV.UK wording, never Python's "day is out of range for month".
    form = _form(day=day, month=month, year=year)
    assert not form.is_valid()
    assert form.errors["due"] == ["Due date must be a real date"]


def test_the_29th_of_february_of_a_leap_year_is_real():
    form = _form(day="29", month="2", year="2020")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["due"] == datetime.date(2020, 2, 29)


@pytest.mark.parametrize(
    "day, month, year, message",
    [
        ("", "6", "2019", "Due date must include a day"),
        ("15", "", "2019", "Due date must include a month"),
        ("15", "6", "", "Due date must include a year"),
        ("", "", "2019", "Due date must include a day and a month"),
    ],
)
def test_a_date_with_a_box_left_empty_says_which(day, month, year, message):
    form = _form(day=day, month=month, year=year)
    assert not form.is_valid()
    assert form.errors["due"] == [message]


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


def test_an_optional_date_half_typed_in_is_not_taken_for_a_blank():
    form = DatedForm({"start_0": "1", "start_1": "4", "start_2": "2019", "end_0": "31", "end_1": "", "end_2": "2020"})
    assert not form.is_valid()
    assert form.errors["end"] == ["End date must include a month"]
    blank = DatedForm({"start_0": "1", "start_1": "4", "start_2": "2019", "end_0": "", "end_1": "", "end_2": ""})
    assert blank.is_valid(), blank.errors
    assert blank.cleaned_data["end"] is None


def test_a_required_date_left_blank_asks_for_it_by_name():
    form = DatedForm({"start_0": "", "start_1": "", "start_2": ""})
    assert not form.is_valid()
    assert form.errors["start"] == ["Enter the start date"]
    worded = date_field("Valid from", blank_message="Enter the date the document is valid from")
    with pytest.raises(forms.ValidationError) as error:
        worded.clean(["", "", ""])
    assert error.value.messages == ["Enter the date the document is valid from"]


def test_an_impossible_optional_date_is_refused_too():
    form = DatedForm({"start_0": "1", "start_1": "4", "start_2": "2019", "end_0": "31", "end_1": "4", "end_2": "2020"})
    assert not form.is_valid()
    assert form.errors["end"] == ["End date must be a real date"]


FORM_MODULES = [
    "grants.awards.forms",
    "grants.decisions.forms",
    "grants.funding.forms",
    "grants.payments.forms",
    "needs_assessment.forms",
    "outcomes.forms",
    "portal.forms",
    "providers.forms",
    "providers.invitations.forms",
    "reports.engine.forms",
    "reports.moj.forms",
]


def test_every_date_box_of_the_service_is_this_date_field():
    """So every date the service asks for answers an impossible date with "<label> must be a
    real date": no form declares Django's own date field or a date input of its own."""
    from importlib import import_module

    dates = {}
    for name in FORM_MODULES:
        module = import_module(name)
        for form in vars(module).values():
            if isinstance(form, type) and issubclass(form, forms.BaseForm) and form.__module__ == name:
                for field_name, field in form.base_fields.items():
                    if isinstance(field, (forms.DateField, forms.DateTimeField, forms.MultiValueField)):
                        dates[f"{name}.{form.__name__}.{field_name}"] = type(field)
    assert len(dates) >= 8  # due, paid, decided, published, start, end, valid from, expires …
    assert {kind for kind in dates.values()} == {DateField}, dates


@pytest.mark.parametrize(
    ("module", "form_name", "field", "label"),
    [
        ("grants.payments.forms", "MarkPaidForm", "paid_date", "Paid date"),
        ("providers.forms", "DocumentForm", "valid_from", "Valid from"),
        ("grants.decisions.forms", "DecisionForm", "decided_on", "Date of the decision"),
    ],
)
def test_an_impossible_date_on_the_services_forms_is_named_by_its_label(module, form_name, field, label):
    from importlib import import_module

    form_class = getattr(import_module(module), form_name)
    date = form_class.base_fields[field]
    with pytest.raises(forms.ValidationError) as refused:
        date.clean(["31", "4", "2020"])
    assert refused.value.messages == [f"{label} must be a real date"]
