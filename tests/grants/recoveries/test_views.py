"""The spend and recovery pages: who may open what, recording a budget return and raising a
recovery from its underspend, money received and write-off, the award page's section and
banner, the stream page's carry-forward, and flat query counts at two sizes."""

from __future__ import annotations

import datetime
import html
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grants.models import AwardStatus, Payment, Recovery, RecoveryStatus, SpendReturn
from grants.recoveries import services as svc
from pcc_commissioning.concurrency import STALE_MESSAGE
from pcc_commissioning.roles import Role
from providers.services import membership_set
from tests.factories import (
    AwardFactory,
    DecisionFactory,
    FundingLineFactory,
    OrganisationFactory,
    PaymentFactory,
    UserFactory,
)
from tests.factories.recoveries import CarryForwardFactory, RecoveryFactory, SpendLineFactory, SpendReturnFactory
from tests.form_data import date_boxes

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return html.unescape(response.content.decode())


# Who may open what -----------------------------------------------------------------------------------------
LOGIN = "login"
ROLES = (
    "anonymous",
    "officer",
    "finance",
    "board",
    "own provider",
    "other provider",
    "applicant",
    "assessor",
    "partner",
)
_OUTSIDERS = {"own provider": 403, "other provider": 403, "applicant": 403, "assessor": 403, "partner": 403}
READ = {"anonymous": LOGIN, "officer": 200, "finance": 200, "board": 200, **_OUTSIDERS}
OFFICER = {"anonymous": LOGIN, "officer": 200, "finance": 403, "board": 403, **_OUTSIDERS}
FINANCE = {"anonymous": LOGIN, "officer": 403, "finance": 200, "board": 403, **_OUTSIDERS}

PAGES = [
    ("grants:award_recoveries", lambda r: {"pk": r["award"].pk}, READ),
    ("grants:spend_return_create", lambda r: {"pk": r["award"].pk}, OFFICER),
    ("grants:spend_return_edit", lambda r: {"pk": r["award"].pk, "return_pk": r["return"].pk}, OFFICER),
    ("grants:recovery_create", lambda r: {"pk": r["award"].pk}, OFFICER),
    ("grants:recovery_list", lambda r: {}, READ),
    ("grants:recovery_detail", lambda r: {"pk": r["recovery"].pk}, READ),
    ("grants:recovery_receipt", lambda r: {"pk": r["recovery"].pk}, FINANCE),
    ("grants:recovery_write_off", lambda r: {"pk": r["recovery"].pk}, OFFICER),
    ("grants:carry_forwards", lambda r: {}, READ),
    ("grants:carry_forward_create", lambda r: {}, OFFICER),
]


def _records(award) -> dict:
    spend_return = SpendReturnFactory(award=award)
    SpendLineFactory(spend_return=spend_return)
    recovery = RecoveryFactory(award=award, stream=award.lines.get().stream)
    CarryForwardFactory(award=award)
    return {"award": award, "return": spend_return, "recovery": recovery}


def _client_for(role: str, award) -> Client:
    client = Client()
    if role == "anonymous":
        return client
    roles = {
        "officer": Role.OFFICER,
        "finance": Role.FINANCE,
        "board": Role.BOARD,
        "own provider": Role.PROVIDER,
        "other provider": Role.PROVIDER,
        "applicant": Role.APPLICANT,
        "assessor": Role.ASSESSOR,
        "partner": Role.PARTNER,
    }
    user = UserFactory(role=roles[role])
    if role == "own provider":
        membership_set(user=user, organisation=award.provider)
    elif role == "other provider":
        membership_set(user=user, organisation=OrganisationFactory())
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", PAGES, ids=[page[0] for page in PAGES])
def test_permission_matrix(page, role, award):
    name, kwargs, expected = page
    url = reverse(name, kwargs=kwargs(_records(award)) or None)
    response = _client_for(role, award).get(url)
    if expected[role] == LOGIN:
        assert response.status_code == 302
        assert urlsplit(response["Location"]).path == reverse("login")
    else:
        assert response.status_code == expected[role], f"{role}: {response.status_code}"


@pytest.mark.parametrize("role", ["board", "own provider", "partner"])
def test_those_who_only_read_change_nothing(role, award):
    records = _records(award)
    client = _client_for(role, award)
    receipt = reverse("grants:recovery_receipt", kwargs={"pk": records["recovery"].pk})
    write_off = reverse("grants:recovery_write_off", kwargs={"pk": records["recovery"].pk})
    raise_url = reverse("grants:recovery_create", kwargs={"pk": award.pk})
    for url in (receipt, write_off, raise_url):
        assert client.post(url, {"amount": "1"}).status_code == 403
    assert not Payment.objects.filter(recovery__isnull=False).exists()
    assert Recovery.objects.get().status == RecoveryStatus.RAISED


# Budget returns ---------------------------------------------------------------------------------------------
def _return_post(rows, **extra) -> dict:
    data = {
        "fy": "2019",
        "kind": "final",
        **date_boxes("received_on", datetime.date(2020, 4, 30)),
        "notes": "",
        "lines-TOTAL_FORMS": str(max(3, len(rows))),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
    }
    for index, (cost_line, planned, actual, reason) in enumerate(rows):
        data.update(
            {
                f"lines-{index}-cost_line": cost_line,
                f"lines-{index}-planned": planned,
                f"lines-{index}-actual": actual,
                f"lines-{index}-variance_reason": reason,
            }
        )
    data.update(extra)
    return data


def test_an_officer_records_a_return_and_raises_a_recovery_of_its_underspend(officer_client, award, stream):
    url = reverse("grants:spend_return_create", kwargs={"pk": award.pk})
    refused = officer_client.post(url, _return_post([("Staff", "8000", "6500", ""), ("Premises", "2000", "1900", "")]))
    assert refused.status_code == 200
    page = _text(refused)
    assert "Row 1, reason for the variance: Give the reason for the variance: £6,500.00 spent against £8,000.00" in page
    assert not SpendReturn.objects.exists()

    rows = [
        ("Staff", "8000", "6500", "Post vacant"),
        ("Premises", "2000", "1900", ""),
        ("Volunteers", "2000", "1850.50", ""),
    ]
    saved = officer_client.post(url, _return_post(rows))
    assert saved.status_code == 302
    spend_return = SpendReturn.objects.get()
    page = _text(officer_client.get(reverse("grants:award_recoveries", kwargs={"pk": award.pk})))
    for figure in ("£12,000.00", "£10,250.50", "−£1,749.50", "£20,000.00", "Underspend against what was paid"):
        assert figure in page

    raise_url = reverse("grants:recovery_create", kwargs={"pk": award.pk}) + f"?spend_return={spend_return.pk}"
    form = _text(officer_client.get(raise_url))
    assert 'value="1749.50"' in form
    created = officer_client.post(
        raise_url,
        {
            "reason": "underspend",
            "stream": stream.pk,
            "fy": "2019",
            "amount": "1250.50",
            **date_boxes("due_date", datetime.date(2020, 6, 30)),
            "note": "",
            "spend_return": spend_return.pk,
        },
    )
    recovery = Recovery.objects.get()
    assert created.status_code == 302 and created["Location"] == reverse(
        "grants:recovery_detail", kwargs={"pk": recovery.pk}
    )
    assert (recovery.reference, recovery.amount, recovery.spend_return) == (
        "REC-2019-0001",
        Decimal("1250.50"),
        spend_return,
    )


def test_a_stale_return_edit_is_refused(officer_client, officer, award):
    spend_return = SpendReturnFactory(award=award)
    SpendLineFactory(spend_return=spend_return, cost_line="Staff")
    url = reverse("grants:spend_return_edit", kwargs={"pk": award.pk, "return_pk": spend_return.pk})
    data = _return_post([("Staff", "1000", "990", "")], version=str(spend_return.version))
    svc.spend_return_update(
        actor=officer,
        spend_return=spend_return,
        expected_version=spend_return.version,
        received_on=datetime.date(2020, 4, 1),
        lines=[{"cost_line": "Rent", "planned": "5", "actual": "5"}],
    )
    response = officer_client.post(url, data)
    assert STALE_MESSAGE in _text(response)
    assert list(spend_return.lines.values_list("cost_line", flat=True)) == ["Rent"]


# Money received and write-off -------------------------------------------------------------------------------
def test_finance_records_money_received_and_officers_write_off(
    finance_client, officer_client, board_client, award, officer, stream
):
    recovery = svc.recovery_raise(
        actor=officer,
        award=award,
        reason="underspend",
        amount="1250.50",
        stream=stream,
        fy=2019,
        due_date=datetime.date(2020, 6, 30),
    )
    detail = reverse("grants:recovery_detail", kwargs={"pk": recovery.pk})
    assert "Record money received" in _text(finance_client.get(detail))
    assert "Write off" not in _text(finance_client.get(detail))
    assert "Write off" in _text(officer_client.get(detail)) and "Record money received" not in _text(
        officer_client.get(detail)
    )
    board_page = _text(board_client.get(detail))
    assert "Write off" not in board_page and "Record money received" not in board_page

    receipt = reverse("grants:recovery_receipt", kwargs={"pk": recovery.pk})
    data = {
        "amount": "1000",
        **date_boxes("received_on", datetime.date(2020, 5, 1)),
        "reference": "BACS 1",
        "version": "1",
    }
    assert finance_client.post(receipt, data).status_code == 302
    stale = finance_client.post(receipt, data)
    assert STALE_MESSAGE in _text(stale)
    recovery.refresh_from_db()
    assert recovery.status == RecoveryStatus.PART_RECOVERED
    assert Payment.objects.get(recovery=recovery).amount == Decimal("-1000.00")
    page = _text(finance_client.get(detail))
    assert "BACS 1" in page and "£250.50" in page

    write_off = reverse("grants:recovery_write_off", kwargs={"pk": recovery.pk})
    decision = DecisionFactory(signed=True, reference="PCC-2020-011")
    refused = officer_client.post(write_off, {"decision": "", "note": "", "version": str(recovery.version)})
    assert "Choose the signed PCC decision that allows the write-off" in _text(refused)
    done = officer_client.post(
        write_off, {"decision": decision.pk, "note": "Provider wound up", "version": str(recovery.version)}
    )
    assert done.status_code == 302
    recovery.refresh_from_db()
    assert recovery.status == RecoveryStatus.WRITTEN_OFF


def test_the_list_filters_and_totals(officer_client, award, stream):
    RecoveryFactory(award=award, stream=stream, amount=Decimal("100"), fy=2019)
    RecoveryFactory(
        award=award,
        stream=stream,
        amount=Decimal("40"),
        fy=2018,
        status=RecoveryStatus.WRITTEN_OFF,
        write_off_decision=DecisionFactory(signed=True),
    )
    page = _text(officer_client.get(reverse("grants:recovery_list")))
    assert "2 recoveries" in page
    assert "£100.00" in page and "£40.00" in page
    filtered = _text(officer_client.get(reverse("grants:recovery_list") + "?status=raised&fy=2019"))
    assert "1 recovery matches your filters" in filtered


# The award page and the stream page ------------------------------------------------------------------------
def test_the_award_page_shows_the_section_and_the_banner(officer_client, award, stream, provider_client):
    url = reverse("grants:award_detail", kwargs={"pk": award.pk})
    assert "to recover by" not in _text(officer_client.get(url))
    RecoveryFactory(award=award, stream=stream, amount=Decimal("1250.50"), due_date=datetime.date(2020, 6, 30))
    page = _text(officer_client.get(url))
    assert "£1,250.50 to recover by 30 June 2020" in page
    assert "Spend and recovery" in page and reverse("grants:award_recoveries", kwargs={"pk": award.pk}) in page


def test_the_stream_page_shows_money_carried_forward(officer_client, stream):
    CarryForwardFactory(
        stream=stream,
        from_fy=2019,
        amount=Decimal("600662"),
        decision=DecisionFactory(signed=True, reference="PCC-2020-001"),
    )
    page = _text(officer_client.get(reverse("grants:stream_detail", kwargs={"pk": stream.pk})))
    assert "£600,662 carried forward from 2019/20 (PCC-2020-001)" in page


def test_an_officer_records_a_carry_forward(officer_client, award, stream):
    decision = DecisionFactory(signed=True)
    response = officer_client.post(
        reverse("grants:carry_forward_create"),
        {
            "stream": stream.pk,
            "from_fy": "2019",
            "amount": "5000",
            "decision": decision.pk,
            "award": award.reference,
            "note": "",
        },
    )
    assert response.status_code == 302
    assert "£5,000.00" in _text(officer_client.get(reverse("grants:carry_forwards")))


# Query counts --------------------------------------------------------------------------------------------------
def _portfolio(size: int):
    award = AwardFactory(status=AwardStatus.ACTIVE)
    line = FundingLineFactory(award=award, fy=2019, amount=Decimal("100000"))
    PaymentFactory(award=award, stream=line.stream, amount=Decimal("50000"), paid_date=datetime.date(2019, 6, 30))
    for number in range(size):
        spend_return = (
            SpendReturnFactory(award=award, fy=2019 + number % 2, kind=("final", "mid_year")[number // 2 % 2])
            if number < 4
            else None
        )
        if spend_return:
            SpendLineFactory(spend_return=spend_return)
        recovery = RecoveryFactory(award=award, stream=line.stream, amount=Decimal("10"))
        PaymentFactory(
            award=award,
            stream=line.stream,
            due_date=datetime.date(2020, 5, 1),
            paid_date=datetime.date(2020, 5, 1),
            amount=Decimal("-5"),
            reason="Recovery",
            recovery=recovery,
        )
    return award


@pytest.mark.parametrize(
    "url_for",
    [
        lambda award: reverse("grants:award_recoveries", kwargs={"pk": award.pk}),
        lambda award: reverse("grants:award_detail", kwargs={"pk": award.pk}),
        lambda award: reverse("grants:recovery_list"),
        lambda award: reverse("grants:recovery_list") + "?status=raised&fy=2019",
        lambda award: reverse("grants:recovery_detail", kwargs={"pk": award.recoveries.first().pk}),
    ],
    ids=["award-recoveries", "award-page", "list", "list-filtered", "detail"],
)
def test_query_count_is_flat(url_for, officer, django_assert_max_num_queries):
    client = Client()
    client.force_login(officer)
    small = _portfolio(2)
    client.get(url_for(small))  # warm the session and content-type caches
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url_for(small)).status_code == 200
    large = _portfolio(30)
    with django_assert_max_num_queries(len(captured)):
        assert client.get(url_for(large)).status_code == 200
