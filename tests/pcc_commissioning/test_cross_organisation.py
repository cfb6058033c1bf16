"""No page leaks another organisation's data or lets a user change what it should not.

Builds on the URL walk of ``test_url_access`` (every URL, including pages added later), with
two organisations: "ours", whose provider user signs in, and "theirs", whose every record
(organisation, award, return, payment, contact, KPI, co-funding, documents) carries the marker
word ``Zephyr``. Records a URL names by ``pk`` (organisation, award, return) have the id
``THEIRS``; those named by their own slot (``payment_pk``, ``contact_pk``, …) each have a
different id (``_ids``), and every URL gets the id of the slot's kind in each slot. Each page is
so asked for the other organisation's record of whatever kind it takes, and a view that reads
the wrong slot (the award's id as the payment's, say) looks for a record that is not there,
which the officer's control test below notices.

- As our provider user, GET and POST (empty, then a form-like payload) every URL holding
  their ids: no response shows the marker, and the database is unchanged.
- As our provider user, GET every URL holding OUR ids: our pages never show their data, and
  every page outside the portal (and the few pages every signed-in user has) is refused.
- As a board member, POST to every URL: nothing changes (a board member changes nothing,
  apart from asking for a report).

The role × page expectations live in ``test_role_matrix``; anonymous access in ``test_url_access``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client

from grants.models import AwardDocument, AwardStatus
from pcc_commissioning.roles import Role
from providers.services import membership_set
from tests.factories import (
    AwardFactory,
    CoFundingFactory,
    FundingLineFactory,
    MonitoringReturnFactory,
    PaymentFactory,
    UserFactory,
)
from tests.factories.monitoring import AwardKPIFactory
from tests.factories.providers import PDF_BYTES, ContactFactory, DueDiligenceDocumentFactory, OrganisationFactory

from .test_url_access import ROUTES, _url

THEIRS = 7001
OURS = 7002
# The id of the record each named URL slot takes, as an offset from the organisation's base id
# (THEIRS or OURS): distinct per slot, so no two slots of a URL hold the same number.
SLOT_OFFSETS = {"contact_pk": 10, "document_pk": 20, "payment_pk": 30, "kpi_pk": 40, "cofunding_pk": 50}
MARKER = "zephyr"
# Every field a form in the project is likely to take, so a view that forgot its check would
# have something valid-looking to save.
FORM_LIKE = {
    "name": "Changed",
    "title": "Changed",
    "email": "changed@example.org",
    "job_title": "Changed",
    "narrative": "Changed",
    "case_study": "Changed",
    "notes": "Changed",
    "reason": "Changed",
    "referrals": "1",
    "supported": "1",
    "rag": "red",
    "amount": "1.00",
    "version": "1",
    "kind": "other",
    "status": "withdrawn",
    "to_status": "withdrawn",
    "action": "submit",
    "confirm": "yes",
    "postcode": "DH1 1AA",
    "fy": "2019",
    "quarter": "1",
}
# Pages every signed-in user may open, whatever the role (besides the portal).
FOR_EVERY_SIGNED_IN_USER = {
    "home",
    "accessibility",
    "health",
    "login",
    "logout",
    "password_change",
    "password_change_done",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "admin:login",  # the admin's sign-in form, which refuses anyone but staff
    "search:index",  # searches only what the user's role may see (tests/reports/test_search.py)
    # Grant rounds' public pages: published rounds only, open to anyone (tests/rounds/test_public_views.py).
    "rounds_public:list",
    "rounds_public:detail",
    # Published delivery plans: open to anyone (tests/delivery/test_public_views.py).
    "plans_public:index",
    "plans_public:plan",
    "plans_public:pdf",
    "plans_public:pdf_page",
}
# What a board member may do with a POST: sign out, and ask for a report.
BOARD_MAY_POST = {"logout", "reports:report_request"}
SNAPSHOT_APPS = ("providers", "grants", "outcomes", "needs_assessment", "reports", "pcc_commissioning")


def _ids(base: int) -> dict[str, str]:
    """The id for each URL slot of the organisation whose base id is ``base`` (``pk`` and any
    slot not listed: ``base``)."""
    return {"pk": str(base), **{slot: str(base + offset) for slot, offset in SLOT_OFFSETS.items()}}


def _organisation_records(organisation, pk: int, word: str) -> dict:
    """One of each record an organisation owns: those a URL names by ``pk`` with id ``pk``, the
    others with the id of their own slot (``_ids``)."""
    ids = {slot: int(value) for slot, value in _ids(pk).items()}
    award = AwardFactory(
        pk=pk,
        reference=f"{word.upper()}-{pk}",
        title=f"{word} victim service",
        provider=organisation,
        status=AwardStatus.ACTIVE,
    )
    FundingLineFactory(pk=pk, award=award, fy=2019, amount=Decimal("40000.00"))
    PaymentFactory(
        pk=ids["payment_pk"], award=award, invoice_reference=f"{word}-INV", paid_date=datetime.date(2019, 7, 1)
    )
    MonitoringReturnFactory(pk=pk, award=award, submitted=True, narrative=f"{word} narrative")
    MonitoringReturnFactory(pk=pk + 100, award=award, quarter=2, narrative=f"{word} draft narrative")
    AwardKPIFactory(pk=ids["kpi_pk"], award=award, name=f"{word} KPI")
    CoFundingFactory(pk=ids["cofunding_pk"], award=award, partner=OrganisationFactory(name=f"{word} partner council"))
    ContactFactory(
        pk=ids["contact_pk"], organisation=organisation, name=f"{word} Person", email=f"{word.lower()}@example.org"
    )
    DueDiligenceDocumentFactory(
        pk=ids["document_pk"],
        organisation=organisation,
        original_name=f"{word}-insurance.pdf",
        file=ContentFile(PDF_BYTES + f"%{word}\n".encode(), name=f"{word}-insurance.pdf"),
    )
    AwardDocument.objects.create(
        pk=ids["document_pk"],
        award=award,
        kind="contract",
        title=f"{word} contract",
        file=ContentFile(PDF_BYTES + f"%{word}\n".encode(), name=f"{word}-contract.pdf"),
    )
    return {"award": award}


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    theirs = OrganisationFactory(pk=THEIRS, name="Zephyr Other Trust")
    ours = OrganisationFactory(pk=OURS, name="Harbour Support Services")
    _organisation_records(theirs, THEIRS, "Zephyr")
    _organisation_records(ours, OURS, "Harbour")
    user = UserFactory(username="harbour-provider", role=Role.PROVIDER)
    membership_set(user=user, organisation=ours)
    return {"provider": user}


def _snapshot() -> dict[str, list]:
    state = {}
    for app in SNAPSHOT_APPS:
        for model in apps.get_app_config(app).get_models():
            state[model._meta.label] = list(model.objects.order_by("pk").values_list())
    return state


def _body(response) -> str:
    data = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    return data.decode("utf-8", errors="replace").lower()


def _routes_with_ids() -> list:
    return [(route, url) for route, url in ROUTES if _url(route, _ids(THEIRS)) != url]


def _skip(route, url) -> bool:
    return route.name == "logout" or url.startswith("/static/")


def _changed(before: dict, after: dict) -> list[str]:
    return [label for label in before if before[label] != after[label]]


class _Writes:
    """Notes every INSERT, UPDATE or DELETE a request runs (sessions aside). A request that
    writes nothing changes nothing, so the full comparison runs only after one that did."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")) and "django_session" not in sql:
            self.count += 1
        return execute(sql, params, many, context)


class _Guard:
    """``guard.post(client, url, data)``: posts, and returns the models it changed."""

    def __init__(self):
        self.state = _snapshot()

    def post(self, client, url, data):
        writes = _Writes()
        with connection.execute_wrapper(writes):
            response = client.post(url, data)
        changed = []
        if writes.count:
            after = _snapshot()
            changed, self.state = _changed(self.state, after), after
        return response, changed


def test_the_walk_finds_pages_that_take_ids():
    names = {route.name for route, _ in _routes_with_ids()}
    assert {"portal:award", "portal:return", "portal:document_download", "grants:award_detail"} <= names


def test_a_provider_user_cannot_reach_another_organisations_records(world):
    client = Client(raise_request_exception=False)
    client.force_login(world["provider"])
    leaks, changes, errors = [], [], []
    guard = _Guard()
    for route, _ in _routes_with_ids():
        if _skip(route, _):
            continue
        url = _url(route, _ids(THEIRS))
        response = client.get(url)
        if response.status_code >= 500:
            errors.append(f"GET {url}: {response.status_code}")
        if MARKER in _body(response):
            leaks.append(f"GET {url} ({route.name}): {response.status_code}")
        for data in ({}, FORM_LIKE):
            response, changed = guard.post(client, url, data)
            if response.status_code >= 500:
                errors.append(f"POST {url}: {response.status_code}")
            if MARKER in _body(response):
                leaks.append(f"POST {url} ({route.name}): {response.status_code}")
            if changed:
                changes.append(f"POST {url} ({route.name}) changed {changed}")
    assert (leaks, changes, errors) == ([], [], [])


def test_a_provider_user_sees_only_its_own_organisation_and_the_portal(world):
    client = Client(raise_request_exception=False)
    client.force_login(world["provider"])
    leaks, open_pages, seen_own = [], [], 0
    for route, _ in ROUTES:
        if _skip(route, _):
            continue
        url = _url(route, _ids(OURS))
        # A query for their award's title: the search and filtered lists must not find it.
        response = client.get(url, {"q": "victim service"})
        body = _body(response)
        if MARKER in body:
            leaks.append(f"GET {url} ({route.name})")
        if response.status_code == 200:
            # Provider users apply to grant rounds too (their organisation's applications only,
            # rounds.applying.access): the applicants' pages are theirs as much as the portal.
            if route.namespace in ("portal", "apply"):
                seen_own += "harbour" in body
            elif route.name not in FOR_EVERY_SIGNED_IN_USER:
                open_pages.append(f"GET {url} ({route.name})")
    assert leaks == []
    assert open_pages == [], "pages outside the portal a provider user can open"
    assert seen_own >= 5  # the portal pages did show our organisation's records


def test_a_board_member_changes_nothing(world):
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(role=Role.BOARD))
    changes = []
    guard = _Guard()
    for route, _ in ROUTES:
        if _skip(route, _) or route.name in BOARD_MAY_POST:
            continue
        for base in (THEIRS, OURS):
            url = _url(route, _ids(base))
            _, changed = guard.post(client, url, FORM_LIKE)
            if changed:
                changes.append(f"POST {url} ({route.name}) changed {changed}")
    assert changes == []


def test_the_probes_see_their_data_and_changes_where_they_are_allowed(world):
    """Controls: an officer, who may, sees the marker and changes a record, and the test notices."""
    officer = Client()
    officer.force_login(UserFactory(role=Role.OFFICER))
    assert MARKER in _body(officer.get(_url(_route("grants:award_detail"), _ids(THEIRS))))
    assert MARKER in _body(officer.get(_url(_route("providers:document_download"), _ids(THEIRS))))
    _, changed = _Guard().post(officer, _url(_route("providers:contact_delete"), _ids(THEIRS)), {})
    assert "providers.Contact" in changed


def test_each_slot_of_a_url_gets_its_own_id():
    assert _url(_route("grants:payment_edit"), _ids(THEIRS)) == "/grants/awards/7001/payments/7031/edit/"
    assert _url(_route("providers:contact_edit"), _ids(OURS)) == "/providers/7002/contacts/7012/edit/"
    assert _url(_route("portal:document_download"), _ids(THEIRS)) == "/portal/documents/7021/download/"


def test_an_administrator_finds_the_record_each_slot_names(world):
    """Every internal page taking a second id (payment, contact, document, KPI, co-funding) finds
    their record for a superuser (who may open them all): a view that looked the record up by the
    wrong slot would look for, say, payment 7001 (the award's id), which does not exist, and
    answer 404. Pages answering GET with 405 are posted to (empty), after every GET."""
    admin = Client(raise_request_exception=False)
    admin.force_login(UserFactory(is_superuser=True, is_staff=True))
    named = [
        route
        for route, _ in ROUTES
        if set(SLOT_OFFSETS) & set(_slot_names(route)) and route.namespace not in ("portal", "admin")
    ]
    assert len(named) >= 10
    not_found, post_only = [], []
    for route in named:
        url = _url(route, _ids(THEIRS))
        status = admin.get(url).status_code
        if status == 405:
            post_only.append((route, url))
        elif status != 200:
            not_found.append(f"GET {url} ({route.name}): {status}")
    assert post_only, "no page taking a second id is POST-only: the walk is wrong"
    for route, url in post_only:
        status = admin.post(url, {}).status_code
        if status not in (200, 302):
            not_found.append(f"POST {url} ({route.name}): {status}")
    assert not_found == []


def _slot_names(route) -> list[str]:
    return [name for pattern in route.patterns for name in getattr(pattern, "converters", {})]


def _route(name: str):
    return next(route for route, _ in ROUTES if route.name == name)
