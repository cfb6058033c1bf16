"""Helpers for thin views: the ``fy`` query parameter."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from pcc_commissioning.web import fy_param


@pytest.mark.parametrize("value, expected", [
    ("2019", 2019), ("2019/20", 2019), (" 2020 ", 2020),   # what the pickers and people type
    ("", 2018), ("next year", 2018), ("99999999999999999999", 2018), ("2019/21", 2018),  # default
])
def test_fy_param_reads_the_year_or_falls_back_to_the_default(value, expected):
    request = RequestFactory().get("/", {"fy": value})
    assert fy_param(request, default=2018) == expected


def test_fy_param_without_the_parameter_gives_the_default():
    assert fy_param(RequestFactory().get("/"), default=None) is None
