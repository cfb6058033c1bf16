from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from django.utils import timezone
from hypothesis import assume, given
from hypothesis import strategies as st

from pcc_commissioning.periods import (
    MAX_YEAR,
    MIN_YEAR,
    FinancialYear,
    Period,
    apportion,
    apportion_by_weights,
    date_problem,
    due_date,
    fy_label,
    fys_between,
    half_of,
    month_of,
    parse_fy_input,
    parse_period_code,
    parse_period_input,
    period_code,
    period_for,
    period_of,
    periods_between,
    quarter_end,
    quarter_of,
    year_problem,
)

# Every date whose financial year this system can hold: FY 1 (from 1 April 0001) to FY 9998.
any_date = st.dates(min_value=date(1, 4, 1), max_value=date(9999, 3, 31))
modern_date = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))
any_fy = st.integers(min_value=2, max_value=9997).map(FinancialYear)
any_code = st.sampled_from(["FY", "H1", "H2", "Q1", "Q2", "Q3", "Q4"] + [f"M{n}" for n in range(1, 13)])
amounts = st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def date_ranges(draw, max_days=3000):
    start = draw(modern_date)
    return start, start + timedelta(days=draw(st.integers(min_value=0, max_value=max_days)))


def exact_share(amount, days_in_part, days_in_range):
    return Fraction(amount) * days_in_part / days_in_range


def days_in_common(range_start, range_end, part_start, part_end):
    first, last = max(range_start, part_start), min(range_end, part_end)
    return max((last - first).days + 1, 0)


# ---------------------------------------------------------------------------------------------
# Financial years: examples


def test_31_march_is_q4_of_the_year_that_began_the_april_before():
    day = date(2020, 3, 31)
    assert FinancialYear.of(day) == FinancialYear(2019)
    assert quarter_of(day) == Period(FinancialYear(2019), "Q4")
    assert quarter_of(day).label == "Q4 2019/20"
    assert half_of(day).label == "H2 2019/20"
    assert month_of(day).label == "Mar 2020"


def test_1_april_starts_a_new_financial_year():
    day = date(2020, 4, 1)
    assert FinancialYear.of(day).label == "2020/21"
    assert quarter_of(day).label == "Q1 2020/21"
    assert half_of(day).label == "H1 2020/21"


@pytest.mark.parametrize(
    ("start_year", "label"),
    [(2019, "2019/20"), (1999, "1999/00"), (2099, "2099/00"), (2009, "2009/10"), (2000, "2000/01")],
)
def test_financial_year_labels(start_year, label):
    fy = FinancialYear(start_year)
    assert fy.label == label
    assert str(fy) == label
    assert fy.period.label == label
    assert fy_label(start_year) == fy_label(str(start_year)) == fy_label(fy) == label


def test_financial_year_runs_1_april_to_31_march_inclusive():
    fy = FinancialYear(2019)
    assert (fy.start, fy.end) == (date(2019, 4, 1), date(2020, 3, 31))
    assert fy.contains(date(2019, 4, 1)) and fy.contains(date(2020, 3, 31))
    assert not fy.contains(date(2019, 3, 31)) and not fy.contains(date(2020, 4, 1))


def test_quarters_halves_and_months_of_a_year():
    fy = FinancialYear(2019)
    assert [(q.code, q.start, q.end) for q in fy.quarters()] == [
        ("Q1", date(2019, 4, 1), date(2019, 6, 30)),
        ("Q2", date(2019, 7, 1), date(2019, 9, 30)),
        ("Q3", date(2019, 10, 1), date(2019, 12, 31)),
        ("Q4", date(2020, 1, 1), date(2020, 3, 31)),
    ]
    assert [(h.label, h.start, h.end) for h in fy.halves()] == [
        ("H1 2019/20", date(2019, 4, 1), date(2019, 9, 30)),
        ("H2 2019/20", date(2019, 10, 1), date(2020, 3, 31)),
    ]
    assert [m.label for m in fy.months()] == [
        "Apr 2019", "May 2019", "Jun 2019", "Jul 2019", "Aug 2019", "Sep 2019",
        "Oct 2019", "Nov 2019", "Dec 2019", "Jan 2020", "Feb 2020", "Mar 2020",
    ]  # fmt: skip


def test_leap_day_falls_in_q4_and_makes_the_year_366_days():
    leap = FinancialYear(2019)  # ends March 2020, so it holds 29 February 2020
    assert leap.days == 366
    assert FinancialYear(2020).days == 365
    assert Period(leap, "Q4").days == 91
    assert Period(leap, "M11").end == date(2020, 2, 29)
    assert quarter_of(date(2020, 2, 29)) == Period(leap, "Q4")
    assert FinancialYear(2099).days == 365  # 2100 is not a leap year
    assert FinancialYear(1999).days == 366  # 2000 is


def test_next_and_previous_cross_the_year_boundary():
    fy = FinancialYear(2019)
    assert fy.next() == FinancialYear(2020) and fy.previous() == FinancialYear(2018)
    assert Period(fy, "Q4").next() == Period(FinancialYear(2020), "Q1")
    assert Period(fy, "Q1").previous() == Period(FinancialYear(2018), "Q4")
    assert Period(fy, "H2").next().label == "H1 2020/21"
    assert Period(fy, "M12").next().label == "Apr 2020"
    assert fy.period.next() == FinancialYear(2020).period


def test_years_and_periods_sort_in_time_order():
    assert sorted([FinancialYear(2021), FinancialYear(2019), FinancialYear(2020)]) == [
        FinancialYear(2019),
        FinancialYear(2020),
        FinancialYear(2021),
    ]
    fy = FinancialYear(2019)
    mixed = [Period(fy, "Q2"), Period(fy.next(), "Q1"), Period(fy, "FY"), Period(fy, "Q1")]
    assert sorted(mixed) == [Period(fy, "FY"), Period(fy, "Q1"), Period(fy, "Q2"), Period(fy.next(), "Q1")]


def test_current_financial_year():
    assert FinancialYear.current(today=date(2024, 3, 31)) == FinancialYear(2023)
    assert FinancialYear.current(today=date(2024, 4, 1)) == FinancialYear(2024)
    assert FinancialYear.current() == FinancialYear.of(timezone.localdate())


# ---------------------------------------------------------------------------------------------
# Parsing


@pytest.mark.parametrize(
    "text", ["2019/20", "2019-20", "2019/2020", "2019", " 2019 / 20 ", "FY 2019/20", "2019\u201320"]
)
def test_financial_year_parse_accepts_the_usual_spellings(text):
    assert FinancialYear.parse(text) == FinancialYear(2019)


def test_financial_year_parse_across_a_century():
    assert FinancialYear.parse("1999/00") == FinancialYear(1999)
    assert FinancialYear.parse("2099/2100") == FinancialYear(2099)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2019/21", "2019/20"),  # the second year must follow the first; the message says how
        ("2018/20", "2018/19"),
        ("19/20", "2019/20"),
        ("", "like 2019/20"),
        ("twenty nineteen", "like 2019/20"),
        ("2019-Q1", "like 2019/20"),
        ("20190", "like 2019/20"),
    ],
)
def test_financial_year_parse_errors_name_the_text_and_the_fix(text, reason):
    with pytest.raises(ValueError) as error:
        FinancialYear.parse(text)
    assert f"'{text}'" in str(error.value)
    assert reason in str(error.value)


def test_financial_year_out_of_range_is_refused():
    with pytest.raises(ValueError, match="out of range"):
        FinancialYear(9999)
    with pytest.raises(ValueError):
        FinancialYear.of(date(1, 3, 31))  # in FY 0, which began before dates begin


def test_period_parse_ignores_case_and_spaces():
    fy = FinancialYear(2019)
    assert Period.parse(fy, "q1") == Period(fy, "Q1")
    assert Period.parse(2019, " h2 ") == Period(fy, "H2")
    assert Period.parse("2019/20", "fy") == fy.period
    assert Period.parse(fy, "M01") == Period(fy, "M1")
    assert period_for(2019, "Q3").label == "Q3 2019/20"


@pytest.mark.parametrize("code", ["Q5", "Q0", "H3", "M13", "X1", "", "Q", "2019"])
def test_period_parse_refuses_unknown_codes(code):
    with pytest.raises(ValueError, match="is not a period"):
        Period.parse(FinancialYear(2019), code)


def test_period_codes_of_the_needs_format():
    fy = FinancialYear(2019)
    assert period_code(fy.period) == "2019"
    assert period_code(fy) == "2019"
    assert period_code(Period(fy, "Q1")) == "2019-Q1"
    assert parse_period_code("2019") == fy.period
    assert parse_period_code("2019-Q1") == Period(fy, "Q1")
    assert parse_period_code(" 2019-q4 ") == Period(fy, "Q4")
    assert parse_period_code("2019/20") == fy.period
    assert parse_period_code("2019-H2") == Period(fy, "H2")


@pytest.mark.parametrize("text", ["2019-Q5", "2019Q1", "Q1-2019", "2019-", "19-Q1", "", "2019-H1"])
def test_needs_period_codes_refuse_other_text(text):
    with pytest.raises(ValueError, match="is not a period: write a financial year like 2019"):
        parse_period_code(text, kinds=("FY", "Q"))


def test_needs_period_code_with_a_bad_year_says_what_is_wrong_with_it():
    with pytest.raises(ValueError, match="2019/20"):
        parse_period_code("2019/21-Q1")


# ---------------------------------------------------------------------------------------------
# Relations between periods; due dates; ranges


def test_quarters_of_a_half_and_the_half_of_a_quarter():
    fy = FinancialYear(2019)
    assert Period(fy, "H2").quarters() == (Period(fy, "Q3"), Period(fy, "Q4"))
    assert Period(fy, "Q3").half() == Period(fy, "H2")
    assert Period(fy, "Q2").half() == Period(fy, "H1")
    assert Period(fy, "M10").quarter() == Period(fy, "Q4")  # January
    assert Period(fy, "Q1").months() == (Period(fy, "M1"), Period(fy, "M2"), Period(fy, "M3"))
    with pytest.raises(ValueError):
        Period(fy, "Q1").halves()
    with pytest.raises(ValueError):
        fy.period.half()


def test_quarter_end_and_due_dates():
    assert quarter_end(2019, 1) == date(2019, 6, 30)
    assert quarter_end(FinancialYear(2019), 4) == date(2020, 3, 31)
    assert due_date(Period.parse(2019, "Q1"), 30) == date(2019, 7, 30)
    assert due_date(Period.parse(2019, "Q3"), 31) == date(2020, 1, 31)
    assert due_date(FinancialYear(2019), 0) == date(2020, 3, 31)
    with pytest.raises(ValueError):
        quarter_end(2019, 5)


def test_fys_between():
    assert fys_between(date(2019, 5, 1), date(2019, 5, 1)) == [FinancialYear(2019)]
    assert fys_between(date(2020, 3, 31), date(2020, 4, 1)) == [FinancialYear(2019), FinancialYear(2020)]
    assert fys_between(date(2019, 4, 1), date(2022, 3, 31)) == [
        FinancialYear(2019),
        FinancialYear(2020),
        FinancialYear(2021),
    ]
    with pytest.raises(ValueError, match="before the start"):
        fys_between(date(2020, 1, 2), date(2020, 1, 1))


def test_periods_between():
    assert [p.label for p in periods_between(date(2019, 6, 30), date(2019, 10, 1), "Q")] == [
        "Q1 2019/20",
        "Q2 2019/20",
        "Q3 2019/20",
    ]


def test_datetimes_are_refused_rather_than_misread():
    with pytest.raises(TypeError):
        FinancialYear(2019).contains(datetime(2019, 5, 1, 12, 0))


# ---------------------------------------------------------------------------------------------
# Apportioning: examples


def test_apportion_across_a_leap_year_by_days():
    parts = apportion(
        Decimal("1000.00"),
        [FinancialYear(2019), FinancialYear(2020)],
        start=date(2019, 4, 1),
        end=date(2021, 3, 31),
    )
    assert parts == [Decimal("500.68"), Decimal("499.32")]  # 366 and 365 of 731 days


def test_apportion_gives_the_odd_penny_to_the_earlier_part_on_a_tie():
    fy = FinancialYear(2021)
    halves = [Period(fy, "H2"), Period(fy.next(), "H1")]  # one day of the range in each
    one_day_each = {"start": date(2022, 3, 31), "end": date(2022, 4, 1)}
    assert apportion(Decimal("100.00"), halves, **one_day_each) == [Decimal("50.00")] * 2
    assert apportion(Decimal("0.01"), halves, **one_day_each) == [Decimal("0.01"), Decimal("0")]
    assert apportion(Decimal("-0.01"), halves, **one_day_each) == [Decimal("-0.01"), 0]
    assert apportion_by_weights(Decimal("100"), [1, 1, 1]) == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    assert apportion_by_weights(Decimal("0.02"), [1, 1, 1]) == [Decimal("0.01"), Decimal("0.01"), Decimal("0.00")]


def test_apportion_a_refund():
    parts = apportion(
        Decimal("-1000.00"),
        [FinancialYear(2019), FinancialYear(2020)],
        start=date(2019, 4, 1),
        end=date(2021, 3, 31),
    )
    assert parts == [Decimal("-500.68"), Decimal("-499.32")]
    assert apportion_by_weights(Decimal("-100"), [1, 1, 1]) == [Decimal("-33.34"), Decimal("-33.33"), Decimal("-33.33")]


def test_periods_outside_the_range_get_zero():
    fy = FinancialYear(2019)
    parts = apportion(Decimal("900.00"), fy.quarters(), start=date(2019, 7, 1), end=date(2019, 9, 30))
    assert parts == [Decimal("0.00"), Decimal("900.00"), Decimal("0.00"), Decimal("0.00")]


def test_apportion_accepts_date_pairs_and_whole_pounds():
    parts = apportion(
        12,
        [(date(2019, 4, 1), date(2019, 4, 10)), (date(2019, 4, 11), date(2019, 4, 30))],
        start=date(2019, 4, 1),
        end=date(2019, 4, 30),
    )
    assert parts == [Decimal("4.00"), Decimal("8.00")]


def test_apportion_refuses_gaps_unless_partial_is_allowed():
    fy = FinancialYear(2019)
    with pytest.raises(ValueError, match="cover 366 of the 731 days"):
        apportion(Decimal("1000"), [fy], start=date(2019, 4, 1), end=date(2021, 3, 31))
    share = apportion(Decimal("1000"), [fy], start=date(2019, 4, 1), end=date(2021, 3, 31), allow_partial=True)
    assert share == [Decimal("500.68")]


def test_apportion_refuses_overlapping_periods():
    fy = FinancialYear(2019)
    with pytest.raises(ValueError, match="overlap"):
        apportion(Decimal("10"), [fy.period, Period(fy, "Q1")], start=fy.start, end=fy.end)


@pytest.mark.parametrize(
    ("amount", "error"),
    [(Decimal("1.005"), ValueError), (Decimal("NaN"), ValueError), (1.5, TypeError)],
)
def test_apportion_refuses_amounts_that_are_not_whole_pence(amount, error):
    fy = FinancialYear(2019)
    with pytest.raises(error):
        apportion(amount, [fy], start=fy.start, end=fy.end)


def test_apportion_refuses_an_end_before_the_start():
    with pytest.raises(ValueError, match="before the start"):
        apportion(Decimal("10"), [FinancialYear(2019)], start=date(2019, 5, 2), end=date(2019, 5, 1))


@pytest.mark.parametrize("weights", [[], [0, 0], [1, -1], [1.0, 2.0]])
def test_apportion_by_weights_refuses_bad_weights(weights):
    with pytest.raises((ValueError, TypeError)):
        apportion_by_weights(Decimal("10"), weights)


# ---------------------------------------------------------------------------------------------
# Properties


@given(any_date)
def test_every_date_is_in_exactly_one_year_half_and_quarter_nested(day):
    fy = FinancialYear.of(day)
    neighbours = range(max(fy.start_year - 1, MIN_YEAR), min(fy.start_year + 1, MAX_YEAR) + 1)
    years = [FinancialYear(year) for year in neighbours]
    assert [y for y in years if y.contains(day)] == [fy]
    halves = [h for y in years for h in y.halves() if h.contains(day)]
    quarters = [q for y in years for q in y.quarters() if q.contains(day)]
    months = [m for y in years for m in y.months() if m.contains(day)]
    assert halves == [half_of(day)]
    assert quarters == [quarter_of(day)]
    assert months == [month_of(day)]
    assert quarter_of(day).within(half_of(day)) and half_of(day).within(fy.period)
    assert quarter_of(day).half() == half_of(day)
    assert month_of(day).quarter() == quarter_of(day)
    assert period_of(day, "FY") == fy.period


@given(any_fy, st.sampled_from(["H", "Q", "M"]))
def test_periods_tile_the_year_without_gaps_or_overlaps(fy, kind):
    parts = fy.period.parts(kind)
    assert parts[0].start == fy.start
    assert parts[-1].end == fy.end
    for before, after in zip(parts, parts[1:], strict=False):
        assert after.start == before.end + timedelta(days=1)
        assert before.next() == after and after.previous() == before
    assert sum(p.days for p in parts) == fy.days
    assert parts[-1].next() == fy.next().period.parts(kind)[0]


@given(any_fy, any_code)
def test_labels_and_codes_read_back(fy, code):
    period = Period(fy, code)
    assert FinancialYear.parse(fy.label) == fy
    assert parse_period_code(period_code(period)) == period
    assert period_for(fy.start_year, code.lower()) == period
    assert period_of(period.start, period.kind) == period
    assert period_of(period.end, period.kind) == period


@given(amounts, date_ranges(), st.sampled_from(["FY", "H", "Q", "M"]))
def test_apportioned_parts_add_up_and_are_fair(amount, date_range, kind):
    start, end = date_range
    # Whole years' periods, so some parts usually lie (partly) outside the range.
    parts = [p for fy in fys_between(start, end) for p in fy.period.parts(kind)]
    result = apportion(amount, parts, start=start, end=end)
    total_days = (end - start).days + 1

    assert sum(result) == amount
    assert all(part == part.quantize(Decimal("0.01")) for part in result)
    for part, value in zip(parts, result, strict=False):
        overlap = days_in_common(start, end, part.start, part.end)
        assert abs(Fraction(value) - exact_share(amount, overlap, total_days)) < Fraction(1, 100)
        if overlap == 0:
            assert value == 0
    # A refund splits exactly as the payment it reverses.
    assert apportion(-amount, parts, start=start, end=end) == [-value for value in result]


@given(amounts, date_ranges(max_days=400), st.lists(st.integers(0, 120), min_size=1, max_size=8))
def test_apportion_across_any_date_pairs_adds_up(amount, date_range, cuts):
    start, end = date_range
    # Split a span that reaches a little past both ends of the range at arbitrary cut points.
    span_start, span_end = start - timedelta(days=30), end + timedelta(days=30)
    span_days = (span_end - span_start).days
    points = sorted({span_start + timedelta(days=c * span_days // 120) for c in cuts})
    points = [p for p in points if span_start < p <= span_end]
    edges = [span_start, *points]
    pairs = [
        (first, (following - timedelta(days=1)))
        for first, following in zip(edges, edges[1:] + [span_end + timedelta(days=1)], strict=False)
    ]
    result = apportion(amount, pairs, start=start, end=end)
    assert sum(result) == amount
    total_days = (end - start).days + 1
    for (first, last), value in zip(pairs, result, strict=False):
        overlap = days_in_common(start, end, first, last)
        assert abs(Fraction(value) - exact_share(amount, overlap, total_days)) < Fraction(1, 100)


@given(amounts, date_ranges())
def test_partial_apportioning_is_the_rounded_share_of_the_covered_days(amount, date_range):
    start, end = date_range
    fy = FinancialYear.of(start)
    result = apportion(amount, fy.quarters(), start=start, end=end, allow_partial=True)
    covered = days_in_common(start, end, fy.start, fy.end)
    share_in_pence = exact_share(amount, covered, (end - start).days + 1) * 100
    rounded = int(abs(share_in_pence) + Fraction(1, 2)) * (-1 if share_in_pence < 0 else 1)
    assert sum(result) == Decimal(rounded) / 100  # half a penny rounds away from zero


def test_partial_apportioning_rounds_half_a_penny_away_from_zero():
    one_day_of_two = {"start": date(2020, 3, 31), "end": date(2020, 4, 1), "allow_partial": True}
    assert apportion(Decimal("0.01"), [FinancialYear(2020)], **one_day_of_two) == [Decimal("0.01")]
    assert apportion(Decimal("-0.01"), [FinancialYear(2019)], **one_day_of_two) == [Decimal("-0.01")]


@given(amounts, st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=20))
def test_apportion_by_weights_adds_up_and_is_fair(amount, weights):
    assume(sum(weights) > 0)
    result = apportion_by_weights(amount, weights)
    assert sum(result) == amount
    for weight, value in zip(weights, result, strict=False):
        share = Fraction(amount) * weight / sum(weights)
        assert abs(Fraction(value) - share) < Fraction(1, 100)
        if weight == 0:
            assert value == 0


# The periods that open a year, days as reports write them, and the end of a day ----------------------


def test_the_periods_that_open_the_year_are_those_starting_on_1_april():
    year = FinancialYear(2019)
    opening = [
        period.code for period in (year.period, *year.halves(), *year.quarters(), *year.months()) if period.opens_year
    ]
    assert opening == ["FY", "H1", "Q1", "M1"]


@pytest.mark.parametrize(
    "day, text",
    [
        (date(2019, 6, 30), "30 June 2019"),
        (date(2020, 3, 1), "1 March 2020"),
        (date(2019, 9, 30), "30 September 2019"),
    ],
)
def test_day_label(day, text):
    from pcc_commissioning.periods import day_label

    assert day_label(day) == text


def test_the_end_of_a_day_is_the_first_moment_of_the_next_in_uk_time():

    from pcc_commissioning import clock

    # The service runs on UK time (settings.TIME_ZONE). 30 June is in summer time: the day ends
    # at 23:00 UTC. 31 December ends at midnight UTC.
    assert clock.end_of(date(2019, 6, 30)) == datetime(2019, 6, 30, 23, 0, tzinfo=UTC)
    assert clock.end_of(date(2019, 12, 31)) == datetime(2020, 1, 1, 0, 0, tzinfo=UTC)


# The years people and files may give ---------------------------------------------------------


@pytest.mark.parametrize("year", [1990, "2100", " 2019 "])
def test_years_from_1990_to_2100_are_accepted(year):
    assert year_problem(year) == ""


@pytest.mark.parametrize(
    "year", [1, "0001", 1989, 2101, "9999", "10000", "99999999999999999999", "x", "", "\u0661\u0669\u0669\u0660"]
)
def test_other_years_are_refused_with_a_message(year):
    assert year_problem(year, what="The financial year") == "The financial year must be between 1990 and 2100."


def test_a_financial_year_given_as_input_must_start_in_the_accepted_years():
    assert parse_fy_input("2019/20") == FinancialYear(2019)
    for text in ("1989", "0001", "9999/00", 2101):
        with pytest.raises(ValueError, match="between 1990 and 2100"):
            parse_fy_input(text)


def test_a_period_given_as_input_must_be_in_the_accepted_years():
    assert parse_period_input("2019-Q1", kinds=("FY", "Q")) == Period(FinancialYear(2019), "Q1")
    with pytest.raises(ValueError, match="between 1990 and 2100"):
        parse_period_input("9999-Q1", kinds=("FY", "Q"))


def test_a_date_given_as_input_must_fall_in_the_accepted_years():
    assert date_problem(date(2100, 12, 31)) == ""
    assert date_problem(date(1, 1, 1)) == "The date must fall between 1990 and 2100."


@pytest.mark.parametrize(
    ("fy", "code", "text"),
    [
        (2019, "H1", "H1 2019/20 (April to September 2019)"),
        (2019, "H2", "H2 2019/20 (October 2019 to March 2020)"),
        (2019, "Q4", "Q4 2019/20 (January to March 2020)"),
        (2019, "FY", "2019/20 (April 2019 to March 2020)"),
    ],
)
def test_period_long_label(fy, code, text):
    from pcc_commissioning.periods import period_for, period_long_label

    assert period_long_label(period_for(fy, code)) == text


# Boundaries (each kills a mutant of scripts/mutate: docs/mutation.md).


def test_a_datetime_or_a_text_is_refused_where_a_date_is_wanted():
    with pytest.raises(TypeError, match="must be a datetime.date, not datetime"):
        FinancialYear.of(datetime(2019, 4, 1, 12, 0))
    with pytest.raises(TypeError, match="must be a datetime.date, not str"):
        FinancialYear.of("2019-04-01")


def test_due_date_takes_a_whole_number_of_days_and_not_true_or_text():
    q1 = Period(FinancialYear(2019), "Q1")
    assert due_date(q1, 30) == date(2019, 7, 30)  # 30 June + 30 days
    for wrong in (True, "30", 30.0):
        with pytest.raises(TypeError, match="whole number of days"):
            due_date(q1, wrong)


def test_the_first_and_last_accepted_years_are_accepted_and_the_next_ones_out():
    assert year_problem(1990) == year_problem(2100) == year_problem("2100") == ""
    assert year_problem(1989) and year_problem(2101)
    assert date_problem(date(1990, 1, 1)) == date_problem(date(2100, 12, 31)) == ""
    assert date_problem(date(1989, 12, 31)) == "The date must fall between 1990 and 2100."
    assert date_problem(date(2101, 1, 1)) == "The date must fall between 1990 and 2100."


def test_a_period_is_not_before_itself():
    q1 = Period(FinancialYear(2019), "Q1")
    assert not (q1 < Period(FinancialYear(2019), "Q1"))
    # The same start: the longer period sorts first (FY, H1, Q1, M1 of 2019/20).
    fy = FinancialYear(2019)
    assert sorted([Period(fy, "M1"), Period(fy, "Q1"), Period(fy, "FY"), Period(fy, "H1")]) == [
        Period(fy, "FY"),
        Period(fy, "H1"),
        Period(fy, "Q1"),
        Period(fy, "M1"),
    ]


def test_the_month_codes_run_from_m1_to_m12():
    fy = FinancialYear(2019)
    assert Period(fy, "M1").start == date(2019, 4, 1) and Period(fy, "M12").end == date(2020, 3, 31)
    for wrong in ("M0", "M13", "Q0", "Q5", "H0", "H3"):
        with pytest.raises(ValueError, match="is not a period code"):
            Period(fy, wrong)


# Boundaries written out as literals: tests that read MIN_YEAR/MAX_YEAR move with them.


def test_the_first_and_last_financial_years_python_can_hold_are_accepted():
    assert FinancialYear.of(date(1, 4, 1)) == FinancialYear(1)
    assert FinancialYear(1).start == date(1, 4, 1)
    assert FinancialYear(9998).end == date(9999, 3, 31)
    for outside in (0, 9999):
        with pytest.raises(ValueError, match="out of range"):
            FinancialYear(outside)


def test_true_is_not_a_financial_year():
    with pytest.raises(TypeError, match="start_year must be an int, not bool"):
        FinancialYear(True)


def test_financial_years_sort_by_their_start():
    years = [FinancialYear(2021), FinancialYear(2019), FinancialYear(2020)]
    assert sorted(years) == [FinancialYear(2019), FinancialYear(2020), FinancialYear(2021)]
    assert FinancialYear(2019) < FinancialYear(2020)
    assert max(years) == FinancialYear(2021)


def test_a_period_cannot_be_changed_once_made():
    q1 = Period(FinancialYear(2019), "Q1")
    with pytest.raises(AttributeError):
        q1.code = "Q2"


def test_a_period_lies_in_itself():
    q3 = Period(FinancialYear(2020), "Q3")
    assert q3.enclosing("Q") == q3
    assert Period(FinancialYear(2020), "M7").enclosing("M") == Period(FinancialYear(2020), "M7")


def test_a_code_that_looks_like_a_period_but_is_not_one_is_refused_with_the_codes_to_use():
    for code in ("Q5", "H3", "M13", "M0"):
        with pytest.raises(ValueError, match=r"use FY, H1-H2, Q1-Q4 or M1-M12"):
            Period.parse(2019, code)


def test_quarter_end_refuses_true_and_a_fifth_quarter():
    for quarter in (True, 0, 5):
        with pytest.raises(ValueError, match="is not a quarter"):
            quarter_end(2019, quarter)
    assert [quarter_end(2019, quarter) for quarter in (1, 2, 3, 4)] == [
        date(2019, 6, 30),
        date(2019, 9, 30),
        date(2019, 12, 31),
        date(2020, 3, 31),
    ]


def test_a_range_ending_on_a_periods_last_day_does_not_touch_the_next_period():
    fy = FinancialYear(2020)
    assert periods_between(date(2020, 4, 1), date(2020, 6, 30), "Q") == [Period(fy, "Q1")]
    assert periods_between(date(2020, 4, 15), date(2020, 9, 30), "Q") == [Period(fy, "Q1"), Period(fy, "Q2")]


def test_parts_sharing_one_day_overlap():
    with pytest.raises(ValueError, match="overlap"):
        apportion(
            Decimal("100"),
            [(date(2020, 4, 1), date(2020, 4, 30)), (date(2020, 4, 30), date(2020, 5, 31))],
            start=date(2020, 4, 1),
            end=date(2020, 5, 31),
        )


def test_the_first_and_last_financial_years_can_be_read_from_text_and_the_next_one_cannot():
    assert FinancialYear.parse("0001/02") == FinancialYear(1)
    assert FinancialYear.parse("9998/99") == FinancialYear(9998)
    for text in ("0000/01", "9999/00"):
        with pytest.raises(ValueError, match="is not a financial year this system can hold"):
            FinancialYear.parse(text)


def test_a_financial_year_cannot_be_changed_and_can_be_a_key():
    fy = FinancialYear(2019)
    with pytest.raises(AttributeError):
        fy.start_year = 2020
    assert {FinancialYear(2019): "a"}[FinancialYear(2019)] == "a"


# Quarters as people read them ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fy", "quarter", "text"),
    [(2020, 1, "Q1 2020/21"), (2020, 4, "Q4 2020/21"), (1999, 4, "Q4 1999/00"), ("2019", 2, "Q2 2019/20")],
)
def test_a_quarter_is_labelled_with_its_financial_year_never_a_calendar_year(fy, quarter, text):
    from pcc_commissioning.periods import quarter_label

    assert quarter_label(fy, quarter) == text


@pytest.mark.parametrize("quarter", [0, 5, True, "1"])
def test_there_is_no_fifth_quarter(quarter):
    from pcc_commissioning.periods import quarter_label

    with pytest.raises(ValueError, match="is not a quarter"):
        quarter_label(2020, quarter)


@pytest.mark.parametrize(
    ("code", "text"),
    [("2020-Q1", "Q1 2020/21"), ("2020-Q4", "Q4 2020/21"), ("2020", "2020/21"), ("2019-H2", "H2 2019/20")],
)
def test_a_period_code_reads_as_its_label(code, text):
    from pcc_commissioning.periods import code_label

    assert code_label(code) == text


def test_the_template_filters_write_the_same_labels_and_leave_other_text_alone():
    from pcc_commissioning.templatetags.pcc_tags import period_label, quarter_label

    assert period_label("2020-Q1") == "Q1 2020/21"
    assert period_label("not a period") == "not a period"
    assert quarter_label(2020, 4) == "Q4 2020/21"
