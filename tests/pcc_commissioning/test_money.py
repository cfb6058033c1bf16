from decimal import Decimal

import pytest

from pcc_commissioning.money import AmountError, amount_from, format_pence, format_pounds, parse_amount, to_penny
from pcc_commissioning.templatetags.pcc_tags import pence


@pytest.mark.parametrize(
    ("value", "pounds", "pence"),
    [
        (Decimal("842100"), "£842,100", "£842,100.00"),
        (Decimal("1234.5"), "£1,235", "£1,234.50"),  # whole pounds round half up
        # A minus sign (U+2212, not a hyphen) goes before the £.
        (Decimal("-1200.004"), "\u2212£1,200", "\u2212£1,200.00"),
        (Decimal("0"), "£0", "£0.00"),
        ("99.995", "£100", "£100.00"),
    ],
)
def test_amounts_are_written_as_people_read_them(value, pounds, pence):
    assert format_pounds(value) == pounds
    assert format_pence(value) == pence


def test_a_missing_amount_is_a_dash_unless_told_otherwise():
    assert format_pounds(None) == "–"
    assert format_pence("", missing="?") == "?"


# Reading amounts: one rule for every form and import (docs/formats.md "Money") ----------------


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1,234.50", Decimal("1234.50")),
        ("1234.5", Decimal("1234.50")),
        ("£1,234,567", Decimal("1234567.00")),
        (" 42 ", Decimal("42.00")),
        ("-£250", Decimal("-250.00")),
        ("\u2212£250.00", Decimal("-250.00")),  # the minus sign the pages write, copied back
        ("1000000000", Decimal("1000000000.00")),  # the bound itself is allowed
        ("-1,000,000,000.00", Decimal("-1000000000.00")),
    ],
)
def test_unambiguous_amounts_are_read_to_the_penny(text, amount):
    assert parse_amount(text, allow_negative=True) == amount


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("1,50", "ambiguous"),  # was read as £150.00
        ("1.234,50", "ambiguous"),
        ("12,34", "ambiguous"),
        ("1.234", "more than two decimal places"),
        ("1e5", "must be written in pounds"),
        ("1e309", "must be written in pounds"),
        ("NaN", "must be written in pounds"),
        ("Infinity", "must be written in pounds"),
        ("1 234", "must be written in pounds"),
        ("£-5", "must be written in pounds"),
        ("1.", "must be written in pounds"),
        ("\u0661\u0662", "must be written in pounds"),  # Arabic-Indic digits
        ("1000000000.01", "cannot be more than £1,000,000,000"),
        ("99999999999999999999", "cannot be more than £1,000,000,000"),
        ("-1000000000.01", "cannot be less than \u2212£1,000,000,000"),
    ],
)
def test_ambiguous_or_unbounded_amounts_are_refused_saying_why(text, why):
    with pytest.raises(AmountError) as refused:
        parse_amount(text, what="forecast", allow_negative=True)
    assert why in str(refused.value) and "forecast" in str(refused.value)


def test_a_negative_amount_is_refused_unless_allowed():
    with pytest.raises(AmountError, match="The allocation cannot be negative."):
        parse_amount("-5", what="allocation")


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), Decimal("1E+309"), 1.5, True, Decimal("0.001")])
def test_a_number_given_to_a_service_is_held_to_the_same_rule(value):
    with pytest.raises(AmountError):
        amount_from(value)


def test_a_whole_number_given_to_a_service_is_pounds():
    assert amount_from(Decimal("1E+3")) == Decimal("1000.00") and amount_from(7) == Decimal("7.00")


# Boundaries (each kills a mutant scripts/mutate makes: see docs/mutation.md).


def test_zero_and_pence_below_a_pound_are_not_negative():
    assert parse_amount("0") == Decimal("0.00")
    assert parse_amount("0.50") == Decimal("0.50")


def test_a_text_of_exactly_the_longest_length_is_read():
    text = "0" * 26 + "1.00"  # 30 characters, the longest an amount may be written in
    assert len(text) == 30
    assert parse_amount(text) == Decimal("1.00")


def test_a_refused_text_is_quoted_whole_up_to_the_longest_length_and_cut_beyond_it():
    with pytest.raises(AmountError) as short:
        parse_amount("abc")
    assert "'abc'" in str(short.value) and "…" not in str(short.value)
    with pytest.raises(AmountError) as longest:
        parse_amount("x" * 30)
    assert f"'{'x' * 30}'" in str(longest.value) and "…" not in str(longest.value)
    with pytest.raises(AmountError) as longer:
        parse_amount("x" * 31)
    assert f"'{'x' * 30}…'" in str(longer.value)


def test_a_service_may_be_given_a_negative_amount_and_exactly_the_largest_one():
    assert amount_from(Decimal("-5")) == Decimal("-5.00")
    assert amount_from(Decimal("1000000000")) == Decimal("1000000000.00")
    assert amount_from(-1000000000) == Decimal("-1000000000.00")
    with pytest.raises(AmountError, match="more than £1,000,000,000"):
        amount_from(Decimal("1000000000.01"))


@pytest.mark.parametrize(
    "amount, expected",
    [(None, "0.00"), (Decimal("12"), "12.00"), (Decimal("0.125"), "0.12"), (Decimal("-3.5"), "-3.50")],
)
def test_to_penny_gives_pounds_and_pence_with_none_as_zero(amount, expected):
    assert str(to_penny(amount)) == expected


def test_a_refund_is_written_with_the_minus_sign_before_the_pound_sign():
    assert format_pence(Decimal("-250")) == "\u2212£250.00"
    assert format_pounds(Decimal("-250")) == "\u2212£250"
    assert pence(Decimal("-1234.5")) == "\u2212£1,234.50"  # the template filter writes it the same way
    assert format_pence(Decimal("-0.01")) == "\u2212£0.01"
    assert "£-" not in format_pence(Decimal("-0.01")) and "-" not in format_pence(Decimal("-0.01"))
