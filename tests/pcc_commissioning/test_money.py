from decimal import Decimal

import pytest

from pcc_commissioning.money import format_pence, format_pounds


@pytest.mark.parametrize(
    ("value", "pounds", "pence"),
    [
        (Decimal("842100"), "£842,100", "£842,100.00"),
        (Decimal("1234.5"), "£1,235", "£1,234.50"),  # whole pounds round half up
        (Decimal("-1200.004"), "-£1,200", "-£1,200.00"),  # the minus sign goes before the £
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
