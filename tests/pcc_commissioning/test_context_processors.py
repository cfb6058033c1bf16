"""What every page's header gets from the context processor: the link to the Django admin goes
to system administrators (superusers) only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pcc_commissioning.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADMIN_LINK = f'<a href="{reverse("admin:index")}" class="app-header__link">Django admin</a>'


def test_a_system_administrator_has_a_link_to_the_django_admin_in_the_header(login_as, superuser):
    response = login_as(superuser).get(reverse("providers:list"))
    assert response.context["admin_url"] == "/admin/"
    assert ADMIN_LINK in response.content.decode()


@pytest.mark.parametrize("who", ["officer", "finance", "board", "provider", "staff"])
def test_nobody_else_sees_it(who, login_as, officer, finance_officer, board_member, provider_user):
    users = {
        "officer": officer,
        "finance": finance_officer,
        "board": board_member,
        "provider": provider_user,
        # Staff status alone lets a user into the admin only with permissions; no link either.
        "staff": UserFactory(username="staff", is_staff=True),
    }
    response = login_as(users[who]).get(reverse("home"), follow=True)
    assert response.status_code in (200, 403)
    assert response.context["admin_url"] == ""
    assert "Django admin" not in response.content.decode()


def test_signed_out_visitors_do_not_see_it(client):
    response = client.get(reverse("login"))
    assert response.context["admin_url"] == ""
    assert "Django admin" not in response.content.decode()


# The top navigation ----------------------------------------------------------------------------


def _menu(response) -> list[tuple[str, str]]:
    return [(item["label"], item["url"]) for item in response.context["navigation"]]


@pytest.mark.parametrize(
    ("who", "sees_import"),
    [("officer", True), ("finance", True), ("board", False), ("superuser", True)],
)
def test_the_import_page_is_in_the_navigation_for_the_roles_that_may_import(
    who, sees_import, login_as, officer, finance_officer, board_member, superuser
):
    user = {"officer": officer, "finance": finance_officer, "board": board_member, "superuser": superuser}[who]
    response = login_as(user).get(reverse("providers:list"))
    assert (("Import", "/imports/") in _menu(response)) is sees_import
    assert ('href="/imports/">Import</a>' in response.content.decode()) is sees_import


def test_a_board_member_may_not_import_and_the_page_refuses_them_too(login_as, board_member):
    # The navigation shows the way in to exactly those the page lets in.
    assert login_as(board_member).get(reverse("imports:upload")).status_code == 403


def test_the_navigation_lists_the_sections_in_order_and_marks_the_import_page_current(login_as, officer):
    response = login_as(officer).get(reverse("imports:upload"))
    assert [label for label, _url in _menu(response)] == [
        "Dashboard",
        "My work",
        "Providers",
        "Grants and contracts",
        "Rounds",
        "Needs",
        "Outcomes",
        "Delivery",
        "Reports",
        "Import",
    ]
    page = response.content.decode()
    current = page[page.index("govuk-service-navigation__item--active") :]
    assert current.index('href="/imports/"') < current.index("</li>")


def test_a_provider_user_has_only_their_organisation(login_as, provider_user):
    response = login_as(provider_user).get(reverse("portal:home"))
    assert _menu(response) == [("Your organisation", "/")]


@pytest.mark.parametrize(
    "role, entry",
    [
        (Role.APPLICANT, ("Your applications", "/apply/")),
        (Role.ASSESSOR, ("Your assessments", "/assess/")),
        (Role.PARTNER, ("Your activities", "/contribute/")),
    ],
)
def test_applicants_assessors_and_partner_contributors_have_only_their_own_place(login_as, role, entry):
    user = UserFactory(role=role)
    response = login_as(user).get(entry[1])
    assert response.status_code == 200
    assert _menu(response) == [entry]
    # and signing in lands there
    assert login_as(user).get("/").url == entry[1]
