"""Signing in through the real login form."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from pcc_commissioning.roles import Role
from tests.factories import UserFactory

from .conftest import BROWSER_TEST, sign_in

pytestmark = BROWSER_TEST


def _navigation_labels(page) -> list[str]:
    return [label.strip() for label in page.locator(".govuk-service-navigation__list a").all_inner_texts()]


def test_wrong_password_shows_the_error_summary(page, officer):
    sign_in(page, officer.username, "not-the-password")

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("There is a problem")
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert "/accounts/login/" in page.url
    expect(page.get_by_text("Signed in as")).to_have_count(0)


@pytest.mark.parametrize(
    "role, expected",
    [
        (Role.OFFICER, {"Dashboard", "Providers", "Outcomes"}),
        (Role.BOARD, {"Dashboard", "Providers", "Outcomes"}),
    ],
    ids=["officer", "board"],
)
def test_staff_land_on_the_dashboard_with_their_navigation(logged_in_page, role, expected):
    user = UserFactory(username=f"{role.name.lower()}-user", first_name="Sam", last_name="Hall", role=role)
    page = logged_in_page(user)

    assert urlsplit(page.url).path == reverse("reports:dashboard")  # the home page sends staff on to it
    expect(page.get_by_role("banner")).to_contain_text("Signed in as Sam Hall")
    assert expected <= set(_navigation_labels(page))
    assert "Your organisation" not in _navigation_labels(page)


def test_a_provider_user_sees_only_their_organisation_in_the_navigation(logged_in_page):
    user = UserFactory(username="provider-user", role=Role.PROVIDER)
    page = logged_in_page(user)

    assert urlsplit(page.url).path == reverse("portal:home")  # the home page sends them on to the portal
    assert _navigation_labels(page) == ["Your organisation"]
