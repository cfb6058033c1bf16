"""Helpers for thin views: the ``fy`` query parameter, a service's refusal as banners."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.test import RequestFactory

from pcc_commissioning.web import fy_param, show_errors, year_url


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2019", 2019),
        ("2019/20", 2019),
        (" 2020 ", 2020),  # what the pickers and people type
        ("", 2018),
        ("next year", 2018),
        ("99999999999999999999", 2018),
        ("2019/21", 2018),  # default
        ("0001", 2018),
        ("9999", 2018),
        ("1989", 2018),
        ("2101", 2018),
        ("2100", 2100),  # outside 1990 to 2100
    ],
)
def test_fy_param_reads_the_year_or_falls_back_to_the_default(value, expected):
    request = RequestFactory().get("/", {"fy": value})
    assert fy_param(request, default=2018) == expected


def test_fy_param_without_the_parameter_gives_the_default():
    assert fy_param(RequestFactory().get("/"), default=None) is None


def test_year_url_carries_the_year_to_the_next_page():
    assert year_url("grants:funding", 2019) == "/grants/funding/?fy=2019"
    assert year_url("grants:index", None, ending=6) == "/grants/?fy=all&ending=6"  # every year
    assert year_url("grants:index", 2019, priority=3, kpq=None, anchor="x") == "/grants/?fy=2019&priority=3#x"
    assert year_url("reports:kpq", 2020, args=[4]) == "/reports/kpqs/4/?fy=2020"


def test_the_template_tag_writes_the_same_link_escaped():
    template = Template(
        "{% load pcc_tags %}{% year_url 'grants:index' fy status='made' %}|{% year_url 'reports:kpq' fy 7 %}"
        "|{% year_url 'grants:index' None ending=6 %}"
    )
    assert template.render(Context({"fy": 2019})).split("|") == [
        "/grants/?fy=2019&amp;status=made",
        "/reports/kpqs/7/?fy=2019",
        "/grants/?fy=all&amp;ending=6",
    ]


def _banners(error, **options) -> list[str]:
    request = RequestFactory().post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    show_errors(request, error, **options)
    return [(message.level_tag, message.message) for message in get_messages(request)]


def test_show_errors_puts_each_message_in_an_error_banner_naming_the_field_when_asked():
    refusal = ValidationError({"to_status": ["Choose a status."], "end_date": ["Too early.", "Not a date."]})
    assert _banners(refusal, name_fields=True) == [
        ("error", "To status: Choose a status."),
        ("error", "End date: Too early."),
        ("error", "End date: Not a date."),
    ]
    assert _banners(refusal) == [("error", "Choose a status."), ("error", "Too early."), ("error", "Not a date.")]
    assert _banners(ValidationError("Someone else changed it.")) == [("error", "Someone else changed it.")]
