"""What every page's header gets from the context processor: the link to the Django admin goes
to system administrators (superusers) only."""

from __future__ import annotations

import pytest
from django.urls import reverse

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
