"""Role × page matrix: what each role gets when it opens each page.

One row per page: URL name, how to build its arguments, the method, and the expected answer
for each role. A row whose page is gone (its URL name no longer reverses with those arguments)
or whose arguments cannot be built fails: a renamed or removed page must change its row here,
on purpose. Add a row for each new page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from pcc_commissioning.roles import Role
from tests.factories import UserFactory

LOGIN = "login"  # expected: redirected to the login page
ROLES = ("anonymous", "officer", "finance", "board", "provider", "superuser")

PUBLIC = dict.fromkeys(ROLES, 200)
SIGNED_IN = {**dict.fromkeys(ROLES, 200), "anonymous": LOGIN}
INTERNAL_READ = {"anonymous": LOGIN, "officer": 200, "finance": 200, "board": 200, "provider": 403, "superuser": 200}
OFFICER_EDIT = {"anonymous": LOGIN, "officer": 200, "finance": 403, "board": 403, "provider": 403, "superuser": 200}


def _organisation() -> dict:
    from tests.factories.providers import OrganisationFactory

    return {"pk": OrganisationFactory().pk}


def _delivery_plan() -> dict:
    from tests.factories.delivery import DeliveryPlanFactory

    return {"reference": DeliveryPlanFactory().reference}


def _invitation(*, token: str = "matrix-token") -> dict:
    """A pending invitation (whose link's token is ``token``) to a new organisation."""
    import datetime

    from pcc_commissioning import clock
    from providers.invitations.selectors import token_hash
    from providers.models import ProviderInvitation
    from tests.factories.providers import OrganisationFactory

    now = clock.now()
    invitation = ProviderInvitation.objects.create(
        organisation=OrganisationFactory(),
        email="invited@example.org",
        first_name="Ivy",
        last_name="Invited",
        token_hash=token_hash(token),
        sent_at=now,
        expires_at=now + datetime.timedelta(days=14),
    )
    return {"pk": invitation.organisation_id, "invitation_pk": invitation.pk}


def _invitation_link() -> dict:
    _invitation(token="matrix-token")
    return {"token": "matrix-token"}


def _member() -> dict:
    """A provider user of a new organisation, for the Users tab's actions."""
    from tests.factories.providers import ProviderMembershipFactory

    membership = ProviderMembershipFactory(user=UserFactory(role=Role.PROVIDER))
    return {"pk": membership.organisation_id, "user_pk": membership.user_id}


def _moj_half() -> dict:
    """The 2019/20 H1 MoJ return, submitted for sign-off (no data behind it: the page says so)."""
    from reports.models import MojReturn

    MojReturn.objects.create(fy=2019, half=1, status="submitted")
    return {"fy": 2019, "half": 1}


def _moj_empty_half() -> dict:
    return {"fy": 2019, "half": 1}


@dataclass(frozen=True)
class Page:
    url_name: str
    expected: dict
    kwargs: Callable[[], dict] = dict
    method: str = "get"
    data: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.method.upper()} {self.url_name}"


FINANCE_READ = {"anonymous": LOGIN, "officer": 200, "finance": 200, "board": 403, "provider": 403, "superuser": 200}
PORTAL = {"anonymous": LOGIN, "officer": 403, "finance": 403, "board": 403, "provider": 200, "superuser": 200}

PAGES = [
    # Provider users are sent on to the portal's home page, internal roles to the dashboard.
    Page("home", {**dict.fromkeys(ROLES, 302), "anonymous": LOGIN}),
    Page("reports:dashboard", INTERNAL_READ),
    # Every signed-in user may search; what each finds depends on the role (tests/reports/test_search.py).
    Page("search:index", SIGNED_IN, data={"q": "a"}),
    Page("portal:home", PORTAL),
    Page("accessibility", PUBLIC),
    Page("outcomes:plan", INTERNAL_READ),
    Page("outcomes:code_lists", INTERNAL_READ),
    Page("providers:list", INTERNAL_READ),
    Page("providers:create", OFFICER_EDIT),
    # An empty form comes back with its errors (200) for an officer; everyone else is refused.
    Page("providers:create", OFFICER_EDIT, method="post"),
    Page("providers:detail", INTERNAL_READ, kwargs=_organisation),
    Page("providers:edit", OFFICER_EDIT, kwargs=_organisation),
    Page("providers:edit", OFFICER_EDIT, kwargs=_organisation, method="post"),
    # A provider's users: every internal role reads the tab; only officers invite and act (an
    # action redirects back to the tab, with a message when it is refused); provider users
    # manage their colleagues in the portal, and only its leads (none here) may.
    Page("providers:users", INTERNAL_READ, kwargs=_organisation),
    Page("providers:invitation_create", OFFICER_EDIT, kwargs=_organisation),
    Page("providers:invitation_create", OFFICER_EDIT, kwargs=_organisation, method="post"),
    *(
        Page(
            f"providers:invitation_{action}",
            {**OFFICER_EDIT, "officer": 302, "superuser": 302},
            kwargs=_invitation,
            method="post",
        )
        for action in ("resend", "withdraw")
    ),
    *(
        Page(
            f"providers:user_{action}",
            {**OFFICER_EDIT, "officer": 302, "superuser": 302},
            kwargs=_member,
            method="post",
        )
        for action in ("switch_off", "switch_on", "lead_set", "lead_unset")
    ),
    Page("portal:users", {**PORTAL, "provider": 403, "superuser": 403}),
    Page("portal:invitation_create", {**PORTAL, "provider": 403, "superuser": 403}),
    Page("portal:invitation_create", {**PORTAL, "provider": 403, "superuser": 403}, method="post"),
    # The page an invitation's link opens: anyone holding the link, signed in or not.
    Page("invitations:accept", PUBLIC, kwargs=_invitation_link),
    # Sections in the navigation whose pages are still being built.
    Page("grants:index", INTERNAL_READ),
    Page("needs_assessment:index", INTERNAL_READ),
    Page("reports:index", INTERNAL_READ),
    # The MoJ return: every internal role reads; officers start, submit and amend, finance signs
    # off, either returns it to draft; board members change nothing. Empty posts: the start has
    # nothing in scope and the submit no version (both redirect with a message); the others show
    # their form's errors (200). Downloads: a bad request goes back to the page (302).
    Page("reports:moj_index", INTERNAL_READ),
    Page("reports:moj_return", INTERNAL_READ, kwargs=_moj_half),
    Page(
        "reports:moj_start", {**OFFICER_EDIT, "officer": 302, "superuser": 302}, kwargs=_moj_empty_half, method="post"
    ),
    Page("reports:moj_submit", {**OFFICER_EDIT, "officer": 302, "superuser": 302}, kwargs=_moj_half, method="post"),
    Page("reports:moj_reopen", {**OFFICER_EDIT, "finance": 200}, kwargs=_moj_half, method="post"),
    Page("reports:moj_sign_off", {**OFFICER_EDIT, "officer": 403, "finance": 200}, kwargs=_moj_half, method="post"),
    Page("reports:moj_amend", OFFICER_EDIT, kwargs=_moj_half, method="post"),
    Page(
        "reports:moj_download",
        {**INTERNAL_READ, "officer": 302, "finance": 302, "board": 302, "superuser": 302},
        kwargs=_moj_half,
        method="post",
    ),
    # Finance views (finance and commissioning officers) and the transparency lists (every internal role).
    Page("reports:finance", FINANCE_READ),
    Page("reports:finance_download", FINANCE_READ, data={"fy": "2019", "view": "pack"}),
    *(
        Page("reports:transparency_list", INTERNAL_READ, kwargs=lambda kind=kind: {"kind": kind})
        for kind in ("grants_register", "contracts_register", "decisions", "spend_over_500")
    ),
    Page(
        "reports:transparency_download", INTERNAL_READ, kwargs=lambda: {"kind": "spend_over_500"}, data={"fy": "2019"}
    ),
    Page("reports:threesixty", INTERNAL_READ),
    # Delivery plans: every internal role reads, officers change them.
    Page("delivery:plan_list", INTERNAL_READ),
    Page("delivery:plan", INTERNAL_READ, kwargs=_delivery_plan),
    Page("delivery:plan_create", OFFICER_EDIT),
    Page("delivery:plan_edit", OFFICER_EDIT, kwargs=_delivery_plan),
    Page("delivery:plan_edit", OFFICER_EDIT, kwargs=_delivery_plan, method="post"),
    Page("delivery:objective_add", OFFICER_EDIT, kwargs=_delivery_plan),
    # With no grant to publish, the download goes back to the 360Giving page with a message.
    Page(
        "reports:threesixty_download", {**INTERNAL_READ, "officer": 302, "finance": 302, "board": 302, "superuser": 302}
    ),
]


def _user(role: str):
    if role == "anonymous":
        return None
    if role == "superuser":
        return UserFactory(is_superuser=True, is_staff=True)
    if role == "provider":
        from tests.factories.providers import ProviderMembershipFactory

        user = UserFactory(role=Role.PROVIDER)
        ProviderMembershipFactory(user=user)  # a provider user belongs to an organisation
        return user
    return UserFactory(role={"officer": Role.OFFICER, "finance": Role.FINANCE, "board": Role.BOARD}[role])


def _page_url(page: Page) -> str:
    """The row's URL; a row whose page is gone fails the test (it used to be skipped)."""
    kwargs = page.kwargs()
    try:
        return reverse(page.url_name, kwargs=kwargs or None)
    except NoReverseMatch:
        pytest.fail(f"{page.url_name} ({kwargs or 'no arguments'}) is not a page: update its row in PAGES")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", PAGES, ids=[page.id for page in PAGES])
def test_role_page_matrix(page: Page, role: str):
    url = _page_url(page)
    client = Client()
    user = _user(role)
    if user is not None:
        client.force_login(user)

    response = getattr(client, page.method)(url, page.data)

    expected = page.expected[role]
    if expected == LOGIN:
        assert response.status_code == 302, f"{role} got {response.status_code}"
        assert urlsplit(response["Location"]).path == reverse("login")
    else:
        assert response.status_code == expected, f"{role} got {response.status_code}"


def test_every_row_states_every_role():
    for page in PAGES:
        assert set(page.expected) == set(ROLES), page.id


def test_a_row_whose_page_is_gone_fails_rather_than_skips():
    with pytest.raises(pytest.fail.Exception, match="providers:no_such_page"):
        _page_url(Page("providers:no_such_page", INTERNAL_READ))
    with pytest.raises(pytest.fail.Exception, match="providers:detail"):
        _page_url(Page("providers:detail", INTERNAL_READ, kwargs=lambda: {"slug": "x"}))
