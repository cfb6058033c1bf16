"""The year rule (grants/years.py): which financial year a page opens on, and reading ``?fy=``."""

from __future__ import annotations

import datetime

import pytest
from django.test import RequestFactory

from grants.years import YearChoice, asked_year, default_year, year_choice, year_page
from pcc_commissioning.periods import FinancialYear
from tests.factories import AwardFactory, FundingLineFactory

pytestmark = pytest.mark.django_db


def _lines(*years: int) -> None:
    award = AwardFactory(start_date=datetime.date(2015, 4, 1), end_date=datetime.date(2035, 3, 31))
    for fy in years:
        FundingLineFactory(award=award, fy=fy)


def _get(**query):
    return RequestFactory().get("/", query)


# The rule ------------------------------------------------------------------------------------


def test_the_current_year_when_it_has_funding_lines(time_machine):
    _lines(2019, 2023, 2024)
    time_machine.move_to(datetime.datetime(2023, 4, 1, 9, 0))  # the first day of 2023/24
    assert default_year() == 2023


def test_the_year_turns_on_1_april(time_machine):
    _lines(2022, 2023)
    time_machine.move_to(datetime.datetime(2023, 3, 31, 12, 0))  # the last day of 2022/23
    assert default_year() == 2022
    time_machine.move_to(datetime.datetime(2023, 4, 1, 9, 0))
    assert default_year() == 2023


def test_no_lines_this_year_gives_the_latest_earlier_year_that_has(time_machine):
    _lines(2017, 2019)
    time_machine.move_to(datetime.datetime(2026, 12, 6, 12, 0))  # 2026/27: no lines
    assert default_year() == 2019


def test_a_year_with_lines_only_in_the_future_is_never_chosen(time_machine):
    _lines(2018, 2027, 2028)
    time_machine.move_to(datetime.datetime(2026, 6, 1, 12, 0))  # 2026/27: none; 2027 is next year
    assert default_year() == 2018


def test_only_future_lines_give_the_current_year(time_machine):
    _lines(2030)
    time_machine.move_to(datetime.datetime(2026, 6, 1, 12, 0))
    assert default_year() == 2026


def test_no_lines_at_all_give_the_current_year(time_machine):
    time_machine.move_to(datetime.datetime(2026, 2, 1, 12, 0))  # February 2026 is in 2025/26
    assert default_year() == 2025


def test_a_given_day_is_used_instead_of_the_clock():
    _lines(2019, 2021)
    assert default_year(datetime.date(2020, 5, 1)) == 2019
    assert default_year(datetime.date(2021, 4, 1)) == 2021


def test_the_rule_is_one_query(django_assert_num_queries):
    _lines(2018, 2019)
    with django_assert_num_queries(1):
        default_year()


# Reading ?fy= --------------------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [("2018", 2018), ("2018/19", 2018), (" 2017 ", 2017)])
def test_a_year_asked_for_is_shown(value, expected):
    _lines(2019)
    choice = year_choice(_get(fy=value), today=datetime.date(2026, 6, 1))
    assert (choice.fy, choice.chosen) == (expected, True)


@pytest.mark.parametrize("value", ["", "x", "1", "99999999", "2019/21", "9" * 500, "all", "\x00"])
def test_a_bad_or_blank_year_gives_the_rules_year(value):
    _lines(2019)
    choice = year_choice(_get(fy=value), today=datetime.date(2026, 6, 1))
    assert (choice.fy, choice.chosen) == (2019, False)


def test_all_years_only_where_the_page_offers_it():
    _lines(2019)
    today = datetime.date(2026, 6, 1)
    assert year_choice(_get(fy="all"), all_years=True, today=today) == YearChoice(
        fy=None, chosen=True, current=2026, offers_all=True
    )
    assert year_choice(_get(fy="ALL"), all_years=True, today=today).fy is None
    assert year_choice(_get(fy="all"), today=today).fy == 2019


def test_asked_year_never_guesses():
    _lines(2019)
    assert asked_year(_get(fy="2020")) == 2020
    assert asked_year(_get()) is None and asked_year(_get(fy="99999999")) is None


# What the page says ------------------------------------------------------------------------


def test_the_note_says_why_the_year_is_shown():
    latest = YearChoice(fy=2019, chosen=False, current=2026, offers_all=True)
    assert latest.note == "Showing 2019/20, the latest year with funding lines. Choose “All years” to see every year."
    current = YearChoice(fy=2026, chosen=False, current=2026)
    assert current.note == "Showing 2026/27, the current financial year."
    assert YearChoice(fy=2019, chosen=True, current=2026).note == ""
    assert YearChoice(fy=None, chosen=True, current=2026, offers_all=True).note == ""


def test_label_and_query_ask_for_the_same_choice_again():
    chosen = YearChoice(fy=2019, chosen=True, current=2026)
    assert (chosen.label, chosen.query) == ("2019/20", "2019")
    every = YearChoice(fy=None, chosen=True, current=2026, offers_all=True)
    assert (every.label, every.query) == ("All years", "all")


# The decorator -------------------------------------------------------------------------------


def test_the_decorator_passes_the_choice_and_marks_the_view():
    _lines(2019)

    @year_page(all_years=True)
    def view(request, pk, *, year):
        return pk, year

    assert view.year_page == {"all_years": True}
    current = FinancialYear.current().start_year
    assert view(_get(fy="all"), 7) == (7, YearChoice(fy=None, chosen=True, current=current, offers_all=True))
    pk, year = view(_get(), 8)
    assert (pk, year.fy, year.chosen) == (8, 2019 if current >= 2019 else current, False)
