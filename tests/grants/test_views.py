"""The grants pages: who may open what, the happy paths, every refused input named in the
issue (shown with a message naming the field, nothing saved), stale edits, status changes,
payments and overrides, and flat query counts at two sizes."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from grants.models import (
    Award,
    AwardDocument,
    AwardStatus,
    AwardTransition,
    CoFunding,
    Decision,
    DecisionStatus,
    ForecastOutturn,
    FundingLine,
    FundingStream,
    Payment,
    PriorityBudget,
    StreamAllocation,
)
from pcc_commissioning.concurrency import NO_RECORD_VERSION, STALE_MESSAGE
from pcc_commissioning.roles import Role
from tests import award_steps
from tests.award_steps import add_award
from tests.factories import (
    AwardFactory,
    AwardTransitionFactory,
    CoFundingFactory,
    CommissioningPriorityFactory,
    DecisionFactory,
    FundingLineFactory,
    FundingStreamFactory,
    KPQFactory,
    MonitoringReturnFactory,
    OrganisationFactory,
    PaymentFactory,
    PriorityBudgetFactory,
    StreamAllocationFactory,
    UserFactory,
)
from tests.form_data import date_boxes
from tests.submissions import assert_saved_once, post_twice

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _text(response) -> str:
    return response.content.decode()


def _lines(rows: list[tuple], total: int = 3, initial: int = 0) -> dict:
    data = {
        "lines-TOTAL_FORMS": str(max(total, len(rows))),
        "lines-INITIAL_FORMS": str(initial),
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
    }
    for index, (stream, fy, amount) in enumerate(rows):
        data[f"lines-{index}-stream"] = stream.pk if stream else ""
        data[f"lines-{index}-fy"] = fy
        data[f"lines-{index}-amount"] = amount
    return data


@pytest.fixture
def setting_up(db):
    """A provider, a priority, a KPQ and two streams to build awards from."""
    return {
        "provider": OrganisationFactory(name="Harbour Women's Aid"),
        "priority": CommissioningPriorityFactory(name="Victims services"),
        "kpq": KPQFactory(),
        "core": FundingStreamFactory(name="MoJ victims' grant (Core)"),
        "precept": FundingStreamFactory(name="Precept"),
    }


def _award_post(setting_up, *, lines, start=datetime.date(2019, 4, 1), end=datetime.date(2021, 3, 31), **extra) -> dict:
    data = {
        "reference": "",
        "title": "Independent domestic violence advisers",
        "provider": setting_up["provider"].pk,
        "kind": "grant",
        "priority": setting_up["priority"].pk,
        "kpqs": [setting_up["kpq"].pk],
        **date_boxes("start_date", start),
        **date_boxes("end_date", end),
        **date_boxes("extension_until", None),
        "extension_months": "",
        "duration": "",
        "lead_officer": "",
        "decision": "",
        "cost_centre": "CC12",
        "moj_category": "",
        "purpose": "",
        "approach": "",
        "conditions": "",
        "reasons": "",
        "key_activity": "",
        **_lines(lines),
    }
    data.update(extra)
    return data


# Who may open what ------------------------------------------------------------------------------

LOGIN = "login"
ROLES = ("anonymous", "officer", "finance", "board", "provider")
READ = {"anonymous": LOGIN, "officer": 200, "finance": 200, "board": 200, "provider": 403}
OFFICER = {"anonymous": LOGIN, "officer": 200, "finance": 403, "board": 403, "provider": 403}
FINANCE = {"anonymous": LOGIN, "officer": 403, "finance": 200, "board": 403, "provider": 403}
OFFICER_POST = {"anonymous": LOGIN, "officer": 302, "finance": 403, "board": 403, "provider": 403}


def _records() -> dict:
    award = AwardFactory(status=AwardStatus.ACTIVE)
    line = FundingLineFactory(award=award, amount=Decimal("20000"))
    payment = PaymentFactory(award=award, stream=line.stream)
    document = AwardDocument.objects.create(
        award=award, kind="other", title="Agreement", file=SimpleUploadedFile("agreement.pdf", PDF)
    )
    cofunding = CoFundingFactory(award=award)
    return {
        "award": award,
        "stream": line.stream,
        "payment": payment,
        "document": document,
        "cofunding": cofunding,
        "decision": DecisionFactory(),
    }


# (url name, kwargs from the records, method, expected by role)
PAGES = [
    ("grants:index", lambda r: {}, "get", READ),
    ("grants:award_detail", lambda r: {"pk": r["award"].pk}, "get", READ),
    ("grants:award_create", lambda r: {}, "get", OFFICER),
    ("grants:award_edit", lambda r: {"pk": r["award"].pk}, "get", OFFICER),
    ("grants:award_transition", lambda r: {"pk": r["award"].pk}, "post", OFFICER_POST),
    ("grants:award_forecast", lambda r: {"pk": r["award"].pk}, "get", OFFICER),
    ("grants:award_cofunding_add", lambda r: {"pk": r["award"].pk}, "get", OFFICER),
    (
        "grants:award_cofunding_remove",
        lambda r: {"pk": r["award"].pk, "cofunding_pk": r["cofunding"].pk},
        "post",
        OFFICER_POST,
    ),
    ("grants:award_document_add", lambda r: {"pk": r["award"].pk}, "get", OFFICER),
    ("grants:award_document_download", lambda r: {"pk": r["award"].pk, "document_pk": r["document"].pk}, "get", READ),
    (
        "grants:award_document_delete",
        lambda r: {"pk": r["award"].pk, "document_pk": r["document"].pk},
        "post",
        OFFICER_POST,
    ),
    ("grants:payment_create", lambda r: {"pk": r["award"].pk}, "get", FINANCE),
    ("grants:payment_edit", lambda r: {"pk": r["award"].pk, "payment_pk": r["payment"].pk}, "get", FINANCE),
    ("grants:payment_mark_paid", lambda r: {"pk": r["award"].pk, "payment_pk": r["payment"].pk}, "get", FINANCE),
    ("grants:payment_approve", lambda r: {"pk": r["award"].pk, "payment_pk": r["payment"].pk}, "get", FINANCE),
    ("grants:payment_cancel", lambda r: {"pk": r["award"].pk, "payment_pk": r["payment"].pk}, "get", FINANCE),
    ("grants:payment_plan", lambda r: {"pk": r["award"].pk}, "get", OFFICER),
    ("grants:decision_list", lambda r: {}, "get", READ),
    ("grants:decision_detail", lambda r: {"pk": r["decision"].pk}, "get", READ),
    ("grants:decision_create", lambda r: {}, "get", OFFICER),
    ("grants:decision_edit", lambda r: {"pk": r["decision"].pk}, "get", OFFICER),
    ("grants:decision_sign", lambda r: {"pk": r["decision"].pk}, "post", OFFICER_POST),
    ("grants:decision_publish", lambda r: {"pk": r["decision"].pk}, "post", OFFICER_POST),
    ("grants:funding", lambda r: {}, "get", READ),
    ("grants:stream_list", lambda r: {}, "get", READ),
    ("grants:stream_detail", lambda r: {"pk": r["stream"].pk}, "get", READ),
    ("grants:stream_create", lambda r: {}, "get", OFFICER),
    ("grants:stream_edit", lambda r: {"pk": r["stream"].pk}, "get", OFFICER),
    ("grants:allocation_set", lambda r: {"pk": r["stream"].pk}, "get", FINANCE),
    ("grants:budget_set", lambda r: {}, "get", FINANCE),
    ("grants:provider_awards", lambda r: {"pk": r["award"].provider_id}, "get", READ),
    ("grants:awards_export", lambda r: {}, "get", READ),
    ("grants:payments_export", lambda r: {}, "get", READ),
    ("grants:commitments_export", lambda r: {}, "get", READ),
]


def _client_for(role: str) -> Client:
    client = Client()
    if role == "anonymous":
        return client
    if role == "provider":
        from providers.services import membership_set

        user = UserFactory(role=Role.PROVIDER)
        membership_set(user=user, organisation=OrganisationFactory())
    else:
        user = UserFactory(role={"officer": Role.OFFICER, "finance": Role.FINANCE, "board": Role.BOARD}[role])
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", PAGES, ids=[f"{p[2]} {p[0]}" for p in PAGES])
def test_permission_matrix(page, role, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    name, kwargs, method, expected = page
    url = reverse(name, kwargs=kwargs(_records()) or None)
    response = getattr(_client_for(role), method)(url)
    if expected[role] == LOGIN:
        assert response.status_code == 302
        assert urlsplit(response["Location"]).path == reverse("login")
    else:
        assert response.status_code == expected[role], f"{role}: {response.status_code}"


def test_board_and_finance_see_no_officer_buttons(board_client, finance_client, officer_client):
    award = AwardFactory(status=AwardStatus.PLANNED)
    url = reverse("grants:award_detail", kwargs={"pk": award.pk})
    for client in (board_client, finance_client):
        page = _text(client.get(url))
        assert "Edit the award" not in page
        assert "Mark as awarded" not in page
        assert reverse("grants:award_transition", kwargs={"pk": award.pk}) not in page
    assert "Add an award" not in _text(board_client.get(reverse("grants:index")))
    officer_page = _text(officer_client.get(url))
    assert "Edit the award" in officer_page and "Mark as awarded" in officer_page


def test_only_finance_sees_the_payment_button(board_client, finance_client, officer_client):
    award = AwardFactory(status=AwardStatus.ACTIVE)
    url = reverse("grants:award_detail", kwargs={"pk": award.pk})
    assert "Record a payment" in _text(finance_client.get(url))
    assert "Record a payment" not in _text(officer_client.get(url))
    assert "Record a payment" not in _text(board_client.get(url))


def test_navigation_marks_the_grants_section(officer_client):
    page = _text(officer_client.get(reverse("grants:index")))
    assert re.search(r'govuk-service-navigation__item--active">\s*<a[^>]*href="/grants/"', page)


# The register ---------------------------------------------------------------------------------------


def test_list_filters_totals_and_money_in_whole_pounds(officer_client, setting_up):
    matching = AwardFactory(title="Refuge", status=AwardStatus.ACTIVE, priority=setting_up["priority"])
    FundingLineFactory(award=matching, stream=setting_up["core"], amount=Decimal("842100.40"))
    PaymentFactory(
        award=matching, stream=setting_up["core"], amount=Decimal("1000"), paid_date=datetime.date(2019, 5, 1)
    )
    planned = AwardFactory(title="Restorative justice", status=AwardStatus.PLANNED, priority=setting_up["priority"])
    FundingLineFactory(award=planned, stream=setting_up["precept"], amount=Decimal("5000"))
    other = AwardFactory(title="Street triage")  # another priority
    FundingLineFactory(award=other, stream=setting_up["core"], amount=Decimal("99999"))

    response = officer_client.get(reverse("grants:index"), {"priority": setting_up["priority"].pk, "fy": "2019"})
    page = _text(response)
    assert "2 awards match your filters" in page
    assert "Refuge" in page and "Restorative justice" in page and "Street triage" not in page
    assert re.search(r'id="total-committed">£842,100<', page)
    assert re.search(r'id="total-planned">£5,000<', page)
    assert re.search(r'id="total-paid">£1,000<', page)

    by_stream = _text(officer_client.get(reverse("grants:index"), {"stream": setting_up["precept"].pk}))
    assert "1 award match" in by_stream and "Restorative justice" in by_stream and "Refuge" not in by_stream
    by_search = _text(officer_client.get(reverse("grants:index"), {"q": "refu"}))
    assert "1 award match" in by_search and "Refuge" in by_search


def test_list_filters_by_part_of_the_providers_name_typed_not_chosen(officer_client, setting_up):
    AwardFactory(title="Refuge", provider=setting_up["provider"])  # Harbour Women's Aid
    AwardFactory(title="Street triage", provider=OrganisationFactory(name="Tees Health Trust"))
    # No award has a funding line, so the year rule would show the current year: ask for all.
    page = _text(officer_client.get(reverse("grants:index"), {"provider": "harbour", "fy": "all"}))
    assert "1 award matches your filters" in page and "Refuge" in page and "Street triage" not in page
    assert re.search(r'<input[^>]*name="provider"[^>]*value="harbour"', page)  # kept in the box
    assert '<select name="provider"' not in page


def test_list_ending_within_months_and_status(officer_client):
    today = datetime.date.today()
    AwardFactory(
        title="Ends soon",
        status=AwardStatus.ACTIVE,
        start_date=today - datetime.timedelta(days=300),
        end_date=today + datetime.timedelta(days=40),
    )
    AwardFactory(
        title="Ends later",
        status=AwardStatus.ACTIVE,
        start_date=today - datetime.timedelta(days=300),
        end_date=today + datetime.timedelta(days=400),
    )
    page = _text(officer_client.get(reverse("grants:index"), {"ending": "3"}))
    assert "Ends soon" in page and "Ends later" not in page
    page = _text(officer_client.get(reverse("grants:index"), {"status": "planned"}))
    assert "0 awards match your filters" in page


def test_list_sorts_and_paginates(officer_client):
    for number in range(30):
        AwardFactory(reference=f"R-{number:03d}", title=f"Award {number:03d}")
    # Every year: the awards have no funding line, so the year rule would show the current year.
    first = _text(officer_client.get(reverse("grants:index"), {"sort": "-reference", "fy": "all"}))
    assert first.index("R-029") < first.index("R-028")
    assert "R-004" not in first  # 25 a page
    assert 'aria-sort="descending"' in first
    second = _text(officer_client.get(reverse("grants:index"), {"sort": "-reference", "fy": "all", "page": 2}))
    assert "R-004" in second and "R-029" not in second


def test_list_keeps_working_with_nonsense_filters(officer_client):
    # A nonsense year is the year rule's: 2019/20, the latest with a funding line.
    FundingLineFactory(award=AwardFactory(title="Still listed"), fy=2019)
    response = officer_client.get(reverse("grants:index"), {"fy": "banana", "ending": "x", "priority": "999999"})
    assert response.status_code == 200
    assert "Still listed" in _text(response)


# Creating and editing awards ----------------------------------------------------------------------


def test_officer_creates_an_award_with_two_funding_lines(officer_client, officer, setting_up):
    data = _award_post(
        setting_up, lines=[(setting_up["core"], 2019, "20,000"), (setting_up["precept"], 2020, "£12500.50")]
    )
    response = add_award(officer_client, data)
    award = Award.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("grants:award_detail", kwargs={"pk": award.pk})
    assert award.reference == "AWD-2019-0001"  # blank reference generated
    assert award.status == AwardStatus.PLANNED
    assert list(award.kpqs.all()) == [setting_up["kpq"]]
    assert sorted((line.stream.name, line.fy, line.amount) for line in award.lines.all()) == [
        ("MoJ victims' grant (Core)", 2019, Decimal("20000.00")),
        ("Precept", 2020, Decimal("12500.50")),
    ]
    page = _text(officer_client.get(response["Location"]))
    assert "Award AWD-2019-0001 has been added" in page
    assert "£32,501" in page  # total value, whole pounds


def test_the_finance_contact_is_one_of_the_finance_officers(officer_client, officer, finance_officer, setting_up):
    lines = [(setting_up["core"], 2019, "1,000")]
    refused = add_award(officer_client, _award_post(setting_up, lines=lines, finance_contact=officer.pk))
    assert refused.status_code == 200 and not Award.objects.exists()
    assert "Select a valid choice" in _text(refused)
    data = _award_post(setting_up, lines=lines, lead_officer=officer.pk, finance_contact=finance_officer.pk)
    response = add_award(officer_client, data)
    award = Award.objects.get()
    assert (award.lead_officer, award.finance_contact) == (officer, finance_officer)
    page = _text(officer_client.get(response["Location"]))
    assert (
        f'Finance contact</dt><dd class="govuk-summary-list__value">{escape(finance_officer.display_name)}</dd>' in page
    )


def test_add_more_rows_without_javascript_keeps_input_and_saves_nothing(officer_client, setting_up):
    data = _award_post(setting_up, lines=[(setting_up["core"], 2019, "100")], add_line="1")
    response = add_award(officer_client, data)
    page = _text(response)
    assert response.status_code == 200
    assert 'name="lines-5-amount"' in page  # three more rows
    assert 'value="100"' in page
    assert "There is a problem" not in page
    assert not Award.objects.exists()


def _refused(response, *fragments) -> str:
    page = _text(response)
    assert response.status_code == 200
    assert "There is a problem" in page
    for fragment in fragments:
        assert fragment in page, fragment
    return page


def test_end_before_start_is_refused(officer_client, setting_up):
    data = _award_post(setting_up, lines=[], start=datetime.date(2020, 4, 1), end=datetime.date(2020, 1, 1))
    page = _refused(
        add_award(officer_client, data),
        "End date: The end date must be the same as or after the start date",
    )
    assert 'href="#id_end_date_0"' in page
    assert not Award.objects.exists()


def test_negative_line_amount_is_refused_on_its_row(officer_client, setting_up):
    data = _award_post(setting_up, lines=[(setting_up["core"], 2019, "1000"), (setting_up["precept"], 2019, "-5")])
    page = _refused(add_award(officer_client, data), "Row 2, amount (£): The amount cannot be negative")
    assert 'href="#id_lines-1-amount"' in page
    assert not Award.objects.exists() and not FundingLine.objects.exists()


def test_non_numeric_amount_is_refused(officer_client, setting_up):
    data = _award_post(setting_up, lines=[(setting_up["core"], 2019, "ten thousand")])
    _refused(
        add_award(officer_client, data),
        "Row 1, amount (£): The amount must be written in pounds, like 1234.50",
    )
    assert not Award.objects.exists()


def test_half_filled_line_is_refused(officer_client, setting_up):
    data = _award_post(setting_up, lines=[(setting_up["core"], "", "100")])
    _refused(add_award(officer_client, data), "Row 1, financial year: Choose the financial year")
    assert not Award.objects.exists()


def test_line_outside_the_award_dates_is_refused(officer_client, setting_up):
    data = _award_post(
        setting_up,
        lines=[(setting_up["core"], 2021, "1000")],
        start=datetime.date(2019, 4, 1),
        end=datetime.date(2021, 3, 31),
    )
    _refused(
        add_award(officer_client, data),
        "Row 1, financial year: 2021/22 is outside the award&#x27;s dates, which cover 2019/20, 2020/21",
    )
    assert not Award.objects.exists()


def test_duplicate_line_is_refused(officer_client, setting_up):
    data = _award_post(setting_up, lines=[(setting_up["core"], 2019, "10"), (setting_up["core"], 2019, "20")])
    _refused(
        add_award(officer_client, data),
        "Row 2, funding stream: There is already a line for this stream and year",
    )
    assert not Award.objects.exists()


def _edit_data(award: Award, setting_up, lines, **changes) -> dict:
    data = _award_post(setting_up, lines=lines, start=award.start_date, end=award.end_date)
    data.update(
        {"reference": award.reference, "title": award.title, "version": award.version, "lines-INITIAL_FORMS": "0"}
    )
    data.update(changes)
    return data


def test_officer_edits_an_award_and_its_lines(officer_client, setting_up):
    award = AwardFactory(
        provider=setting_up["provider"], priority=setting_up["priority"], end_date=datetime.date(2021, 3, 31)
    )
    FundingLineFactory(award=award, stream=setting_up["core"], fy=2019, amount=Decimal("1000"))
    form_page = _text(officer_client.get(reverse("grants:award_edit", kwargs={"pk": award.pk})))
    assert 'name="version" value="1"' in form_page and 'value="1000.00"' in form_page

    data = _edit_data(
        award,
        setting_up,
        [(setting_up["core"], 2019, "1500"), (setting_up["precept"], 2020, "700")],
        title="Renamed service",
    )
    response = officer_client.post(reverse("grants:award_edit", kwargs={"pk": award.pk}), data)
    assert response.status_code == 302
    award.refresh_from_db()
    assert award.title == "Renamed service" and award.version == 2
    assert sorted((line.fy, line.amount) for line in award.lines.all()) == [
        (2019, Decimal("1500.00")),
        (2020, Decimal("700.00")),
    ]
    page = _text(officer_client.get(reverse("grants:award_detail", kwargs={"pk": award.pk})))
    assert "Funding line changed" in page and "Funding line added" in page  # the history timeline


def test_second_officer_saving_a_stale_form_is_refused(officer_client, setting_up):
    award = AwardFactory(provider=setting_up["provider"], priority=setting_up["priority"], title="Original")
    stale = _edit_data(award, setting_up, [], title="Second officer's title")
    first = _edit_data(award, setting_up, [], title="First officer's title")
    assert officer_client.post(reverse("grants:award_edit", kwargs={"pk": award.pk}), first).status_code == 302

    response = officer_client.post(reverse("grants:award_edit", kwargs={"pk": award.pk}), stale)
    _refused(response, STALE_MESSAGE.split(":")[0])
    award.refresh_from_db()
    assert award.title == "First officer's title"  # nothing lost


def test_award_above_the_limit_cannot_be_kept_committed_without_a_signed_decision(officer_client, setting_up):
    award = AwardFactory(status=AwardStatus.ACTIVE, provider=setting_up["provider"], priority=setting_up["priority"])
    FundingLineFactory(award=award, stream=setting_up["core"], amount=Decimal("20000"))
    data = _edit_data(award, setting_up, [(setting_up["core"], 2019, "30000")])
    _refused(
        officer_client.post(reverse("grants:award_edit", kwargs={"pk": award.pk}), data),
        "is above the delegated limit of £25,000.00",
    )
    assert award.lines.get().amount == Decimal("20000.00")


# Status changes -------------------------------------------------------------------------------------


def test_only_allowed_transitions_are_offered(officer_client):
    award = AwardFactory(status=AwardStatus.AWARDED)
    page = _text(officer_client.get(reverse("grants:award_detail", kwargs={"pk": award.pk})))
    assert "Mark as active" in page and "Cancel award" in page
    assert "Mark as awarded" not in page and "Start procurement" not in page and "Mark as ended" not in page
    ended = AwardFactory(status=AwardStatus.ENDED)
    assert "Change the status" not in _text(officer_client.get(reverse("grants:award_detail", kwargs={"pk": ended.pk})))


def _transition(client, award, to_status, note=""):
    return client.post(
        reverse("grants:award_transition", kwargs={"pk": award.pk}),
        {"to_status": to_status, "note": note, "version": award.version},
        follow=True,
    )


def test_transition_moves_the_award_and_records_it(officer_client):
    award = AwardFactory(status=AwardStatus.PLANNED)
    FundingLineFactory(award=award, amount=Decimal("1000"))
    page = _text(_transition(officer_client, award, "awarded"))
    award.refresh_from_db()
    assert award.status == AwardStatus.AWARDED
    assert "is now awarded" in page
    assert "Status changed from planned to awarded" in page


def test_invalid_transition_is_refused(officer_client):
    award = AwardFactory(status=AwardStatus.PLANNED)
    page = _text(_transition(officer_client, award, "ended"))
    award.refresh_from_db()
    assert award.status == AwardStatus.PLANNED
    assert "Status: An award that is planned cannot be marked ended" in page


def test_cancelling_needs_a_note(officer_client):
    award = AwardFactory(status=AwardStatus.ACTIVE)
    page = _text(_transition(officer_client, award, "cancelled"))
    award.refresh_from_db()
    assert award.status == AwardStatus.ACTIVE
    assert "Note: Say why" in page
    page = _text(_transition(officer_client, award, "cancelled", note="Provider closed"))
    award.refresh_from_db()
    assert award.status == AwardStatus.CANCELLED and "Provider closed" in page


def test_over_the_limit_without_a_signed_decision_is_refused_then_allowed(officer_client):
    decision = DecisionFactory(amount=Decimal("30000"))
    award = AwardFactory(status=AwardStatus.PLANNED, decision=decision)
    FundingLineFactory(award=award, amount=Decimal("25000.01"))
    page = _text(_transition(officer_client, award, "awarded"))
    award.refresh_from_db()
    assert award.status == AwardStatus.PLANNED
    assert "Decision: The award&#x27;s total value, £25,000.01, is above the delegated limit" in page

    officer_client.post(reverse("grants:decision_sign", kwargs={"pk": decision.pk}), {"version": decision.version})
    _transition(officer_client, award, "awarded")
    award.refresh_from_db()
    assert award.status == AwardStatus.AWARDED


def test_stale_transition_is_refused(officer_client):
    award = AwardFactory(status=AwardStatus.PLANNED)
    response = officer_client.post(
        reverse("grants:award_transition", kwargs={"pk": award.pk}),
        {"to_status": "procuring", "version": award.version + 1},
        follow=True,
    )
    award.refresh_from_db()
    assert award.status == AwardStatus.PLANNED
    assert "Someone else saved this record" in _text(response)


# Payments ---------------------------------------------------------------------------------------------


def _payment_data(stream, amount, *, paid=datetime.date(2019, 6, 1), **extra) -> dict:
    return {
        "stream": stream.pk,
        "fy": "",
        **date_boxes("due_date", datetime.date(2019, 5, 1)),
        **date_boxes("paid_date", paid),
        "amount": amount,
        "reason": "",
        "invoice_reference": "INV-1",
        "po_number": "",
        "override_reason": "",
        **extra,
    }


@pytest.fixture
def paid_award(setting_up):
    award = AwardFactory(status=AwardStatus.ACTIVE, provider=setting_up["provider"], priority=setting_up["priority"])
    FundingLineFactory(award=award, stream=setting_up["core"], fy=2019, amount=Decimal("10000"))
    return award


def test_finance_records_a_payment(finance_client, finance_officer, paid_award, setting_up):
    url = reverse("grants:payment_create", kwargs={"pk": paid_award.pk})
    response = finance_client.post(url, _payment_data(setting_up["core"], "2,500.25"), follow=True)
    payment = Payment.objects.get()
    assert (payment.amount, payment.fy, payment.recorded_by) == (Decimal("2500.25"), 2019, finance_officer)
    page = _text(response)
    assert "A payment of £2,500.25 has been recorded as paid on 1 June 2019" in page
    assert "£2,500.25" in page and "2019/20" in page and "INV-1" in page


def test_payment_beyond_commitment_is_refused_then_accepted_with_an_override(
    finance_client, finance_officer, paid_award, setting_up
):
    url = reverse("grants:payment_create", kwargs={"pk": paid_award.pk})
    _refused(
        finance_client.post(url, _payment_data(setting_up["core"], "10000.01")),
        "Amount (£): This would take the payments of award",
        "£0.01 more than its £10,000.00 funding line",
    )
    assert not Payment.objects.exists()

    response = finance_client.post(
        url, _payment_data(setting_up["core"], "10000.01", override="on", override_reason="Agreed uplift, email 3 May")
    )
    assert response.status_code == 302
    payment = Payment.objects.get()
    assert payment.override_reason == "Agreed uplift, email 3 May" and payment.override_by == finance_officer
    page = _text(finance_client.get(reverse("grants:award_detail", kwargs={"pk": paid_award.pk})))
    assert "Override" in page and "Agreed uplift" in page


def test_refund_needs_a_reason(finance_client, paid_award, setting_up):
    PaymentFactory(
        award=paid_award, stream=setting_up["core"], amount=Decimal("1000"), paid_date=datetime.date(2019, 6, 1)
    )
    url = reverse("grants:payment_create", kwargs={"pk": paid_award.pk})
    _refused(
        finance_client.post(url, _payment_data(setting_up["core"], "-250")), "Reason: Give the reason for the refund"
    )
    assert not Payment.objects.filter(amount__lt=0).exists()
    assert (
        finance_client.post(url, _payment_data(setting_up["core"], "-250", reason="Underspend returned")).status_code
        == 302
    )
    assert Payment.objects.get(amount__lt=0).amount == Decimal("-250.00")


def _banner(response) -> str:
    """The success banner's message."""
    page = _text(response)
    start = page.index("govuk-notification-banner--success")
    return re.search(r'<p class="govuk-notification-banner__heading">([^<]*)</p>', page[start:]).group(1)


def test_the_message_says_whether_a_payment_was_scheduled_or_paid_and_a_refund_reads_as_one(
    finance_client, paid_award, setting_up
):
    url = reverse("grants:payment_create", kwargs={"pk": paid_award.pk})
    core = setting_up["core"]

    scheduled = finance_client.post(url, _payment_data(core, "3,000", paid=None), follow=True)
    assert _banner(scheduled) == "A payment of £3,000.00 has been scheduled for 1 May 2019."

    paid = finance_client.post(url, _payment_data(core, "1,000", invoice_reference="INV-2"), follow=True)
    assert _banner(paid) == "A payment of £1,000.00 has been recorded as paid on 1 June 2019."

    refund = finance_client.post(url, _payment_data(core, "-250", reason="Underspend returned"), follow=True)
    assert _banner(refund) == "A refund of £250.00 has been recorded as received on 1 June 2019."
    # On the award's payments the refund is a negative amount, with the minus sign before the £.
    assert "\u2212£250.00" in _text(refund) and "£-250" not in _text(refund) and "-£250" not in _text(refund)


def test_the_message_after_marking_paid_says_when(finance_client, paid_award, setting_up):
    payment = PaymentFactory(
        award=paid_award, stream=setting_up["core"], amount=Decimal("1000"), due_date=datetime.date(2019, 6, 30)
    )
    url = reverse("grants:payment_mark_paid", kwargs={"pk": paid_award.pk, "payment_pk": payment.pk})
    response = finance_client.post(
        url, {**date_boxes("paid_date", datetime.date(2019, 7, 1)), "version": payment.version}, follow=True
    )
    assert _banner(response) == "The payment of £1,000.00 due 30 June 2019 has been marked as paid on 1 July 2019."


def test_an_ambiguous_or_huge_amount_is_refused_on_the_payment_form_naming_the_box(
    finance_client, paid_award, setting_up
):
    url = reverse("grants:payment_create", kwargs={"pk": paid_award.pk})
    _refused(
        finance_client.post(url, _payment_data(setting_up["core"], "1,50")),
        "Amount (£): The amount &#x27;1,50&#x27; is ambiguous",
    )
    _refused(
        finance_client.post(url, _payment_data(setting_up["core"], "1e309")),
        "Amount (£): The amount must be written in pounds",
    )
    _refused(
        finance_client.post(url, _payment_data(setting_up["core"], "1000000000.01")),
        "Amount (£): The amount cannot be more than £1,000,000,000.",
    )
    assert not Payment.objects.exists()
    assert finance_client.post(url, _payment_data(setting_up["core"], "1,234.50")).status_code == 302
    assert Payment.objects.get().amount == Decimal("1234.50")


def test_a_refund_beyond_what_was_paid_needs_the_override_box_and_a_reason(
    finance_client, finance_officer, paid_award, setting_up
):
    PaymentFactory(
        award=paid_award, stream=setting_up["core"], amount=Decimal("1000"), paid_date=datetime.date(2019, 6, 1)
    )
    url = reverse("grants:payment_create", kwargs={"pk": paid_award.pk})
    refund = _payment_data(setting_up["core"], "-999,999,999.99", reason="Typed in error")
    _refused(
        finance_client.post(url, refund),
        "more than the £1,000.00 paid",
        "Change the amount, or record a finance override with a reason",
    )
    _refused(finance_client.post(url, {**refund, "override_reason": "No box ticked"}), "more than the £1,000.00 paid")
    _refused(finance_client.post(url, {**refund, "override": "on"}), "Say why the override is allowed")
    assert Payment.objects.count() == 1
    response = finance_client.post(
        url, {**refund, "amount": "-1500", "override": "on", "override_reason": "Clawback agreed, letter of 3 May"}
    )
    assert response.status_code == 302
    stored = Payment.objects.get(amount__lt=0)
    assert (stored.amount, stored.override_reason, stored.override_by) == (
        Decimal("-1500.00"),
        "Clawback agreed, letter of 3 May",
        finance_officer,
    )


def test_payment_offers_only_the_award_streams_and_years(finance_client, paid_award, setting_up):
    url = reverse("grants:payment_create", kwargs={"pk": paid_award.pk})
    form = _text(finance_client.get(url))
    assert "MoJ victims&#x27; grant (Core)" in form and ">Precept<" not in form
    _refused(
        finance_client.post(url, _payment_data(setting_up["precept"], "100")), "Funding stream: Select a valid choice"
    )
    _refused(
        finance_client.post(url, _payment_data(setting_up["core"], "100", fy="2020")),
        "Financial year it counts against: Select a valid choice",
    )
    assert not Payment.objects.exists()


def test_payment_due_in_a_year_without_a_line_is_refused(finance_client, paid_award, setting_up):
    """The year defaults to the due date's: a due date in 2020/21 finds no line that year."""
    url = reverse("grants:payment_create", kwargs={"pk": paid_award.pk})
    data = {**_payment_data(setting_up["core"], "100", paid=None), **date_boxes("due_date", datetime.date(2020, 5, 1))}
    _refused(
        finance_client.post(url, data),
        "Financial year it counts against: Award",
        "has no funding from MoJ victims&#x27; grant (Core) in 2020/21",
    )
    assert not Payment.objects.exists()


def test_payment_non_numeric_amount_is_refused(finance_client, paid_award, setting_up):
    url = reverse("grants:payment_create", kwargs={"pk": paid_award.pk})
    _refused(
        finance_client.post(url, _payment_data(setting_up["core"], "12.5.6")),
        "Amount (£): The amount must be written in pounds",
    )
    assert not Payment.objects.exists()


def test_mark_paid_and_edit_a_payment(finance_client, paid_award, setting_up):
    payment = PaymentFactory(award=paid_award, stream=setting_up["core"], amount=Decimal("1000"))
    url = reverse("grants:payment_mark_paid", kwargs={"pk": paid_award.pk, "payment_pk": payment.pk})
    response = finance_client.post(
        url, {**date_boxes("paid_date", datetime.date(2019, 7, 1)), "version": payment.version}
    )
    assert response.status_code == 302
    payment.refresh_from_db()
    assert payment.paid_date == datetime.date(2019, 7, 1)

    edit = reverse("grants:payment_edit", kwargs={"pk": paid_award.pk, "payment_pk": payment.pk})
    data = _payment_data(
        setting_up["core"],
        "1000",
        paid=datetime.date(2019, 7, 1),
        invoice_reference="INV-9",
        version=payment.version,
        fy="2019",
    )
    data.update(date_boxes("due_date", payment.due_date))
    assert finance_client.post(edit, data).status_code == 302
    payment.refresh_from_db()
    assert payment.invoice_reference == "INV-9"
    stale = {**data, "invoice_reference": "INV-10", "version": 1}
    _refused(finance_client.post(edit, stale), "Someone else saved this record")
    payment.refresh_from_db()
    assert payment.invoice_reference == "INV-9"


def test_payment_on_a_planned_award_is_refused(finance_client, setting_up):
    award = AwardFactory(status=AwardStatus.PLANNED)
    FundingLineFactory(award=award, stream=setting_up["core"])
    response = finance_client.post(
        reverse("grants:payment_create", kwargs={"pk": award.pk}), _payment_data(setting_up["core"], "100")
    )
    _refused(response, "only awarded, active or ended awards can be paid")
    assert not Payment.objects.exists()


# Forecasts, co-funders and documents ----------------------------------------------------------------------


def test_forecast_outturn_is_set_and_shown(officer_client, paid_award):
    url = reverse("grants:award_forecast", kwargs={"pk": paid_award.pk})
    assert officer_client.post(url, {"fy": "2019", "amount": "9,000"}).status_code == 302
    assert ForecastOutturn.objects.get().amount == Decimal("9000.00")
    page = _text(officer_client.get(reverse("grants:award_detail", kwargs={"pk": paid_award.pk})))
    assert '£9,000 <span class="govuk-body-s">(forecast)</span>' in page
    _refused(
        officer_client.post(url, {"fy": "2019", "amount": "-1"}),
        "Forecast outturn (£): The forecast cannot be negative",
    )
    assert ForecastOutturn.objects.get().amount == Decimal("9000.00")


def test_cofunder_added_and_removed(officer_client, paid_award):
    partner = OrganisationFactory(name="County Council")
    url = reverse("grants:award_cofunding_add", kwargs={"pk": paid_award.pk})
    assert (
        officer_client.post(url, {"partner": partner.pk, "fy": "2019", "amount": "5000", "notes": ""}).status_code
        == 302
    )
    record = CoFunding.objects.get()
    assert "County Council" in _text(officer_client.get(reverse("grants:award_detail", kwargs={"pk": paid_award.pk})))
    _refused(
        officer_client.post(url, {"partner": paid_award.provider.pk, "fy": "", "amount": "", "notes": ""}),
        "cannot also be its co-commissioning partner",
    )
    officer_client.post(
        reverse("grants:award_cofunding_remove", kwargs={"pk": paid_award.pk, "cofunding_pk": record.pk})
    )
    assert not CoFunding.objects.exists()


def test_document_upload_and_permission_checked_download(officer_client, board_client, paid_award, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    url = reverse("grants:award_document_add", kwargs={"pk": paid_award.pk})
    response = officer_client.post(
        url, {"kind": "grant_agreement", "title": "", "file": SimpleUploadedFile("agreement.pdf", PDF)}
    )
    assert response.status_code == 302
    document = AwardDocument.objects.get()
    assert document.title == "agreement.pdf"
    download = board_client.get(
        reverse("grants:award_document_download", kwargs={"pk": paid_award.pk, "document_pk": document.pk})
    )
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == PDF
    other = AwardFactory()
    wrong = board_client.get(
        reverse("grants:award_document_download", kwargs={"pk": other.pk, "document_pk": document.pk})
    )
    assert wrong.status_code == 404

    bad = officer_client.post(
        url, {"kind": "other", "title": "", "file": SimpleUploadedFile("run.pdf", b"MZ\x90\x00binary")}
    )
    _refused(bad, "File: The selected file must be")
    assert AwardDocument.objects.count() == 1


# Decisions --------------------------------------------------------------------------------------------------


def test_decision_create_edit_sign_publish(officer_client):
    data = {
        "reference": "PCC-2019-033",
        "subject": "Victims' services 2019-21",
        "summary": "",
        "decision_text": "",
        **date_boxes("decided_on", None),
        "amount": "",
        "decision_maker": "Police and Crime Commissioner",
        "declaration_of_interests": "",
        "contact_officer": "",
        "background_papers": "",
    }
    response = officer_client.post(reverse("grants:decision_create"), data)
    decision = Decision.objects.get()
    assert response.status_code == 302 and decision.status == DecisionStatus.DRAFT

    edit = reverse("grants:decision_edit", kwargs={"pk": decision.pk})
    assert officer_client.post(edit, {**data, "subject": "Victims' services", "version": 1}).status_code == 302
    _refused(officer_client.post(edit, {**data, "subject": "Stale", "version": 1}), "Someone else saved this record")
    decision.refresh_from_db()
    assert decision.subject == "Victims' services"

    # No amount approved yet: the signature is not recorded, and the page says why.
    page = _text(
        officer_client.post(
            reverse("grants:decision_sign", kwargs={"pk": decision.pk}), {"version": decision.version}, follow=True
        )
    )
    assert "Record the amount the PCC approved" in page
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.DRAFT
    assert (
        officer_client.post(
            edit, {**data, "subject": "Victims' services", "amount": "£48,500", "version": decision.version}
        ).status_code
        == 302
    )
    decision.refresh_from_db()
    assert decision.amount == Decimal("48500.00")

    officer_client.post(reverse("grants:decision_sign", kwargs={"pk": decision.pk}), {"version": decision.version})
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.SIGNED and decision.decided_on is not None
    # A signed decision is a record: its edit page sends you back.
    assert officer_client.get(edit).status_code == 302

    # The officer chooses the day it was published; one before the decision is refused.
    publish = reverse("grants:decision_publish", kwargs={"pk": decision.pk})
    assert "Record as published" in _text(officer_client.get(publish))
    day_before = decision.decided_on - datetime.timedelta(days=1)
    _refused(
        officer_client.post(publish, {"version": decision.version, **date_boxes("published_on", day_before)}),
        "cannot be published before the date it was decided on",
    )
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.SIGNED
    officer_client.post(publish, {"version": decision.version, **date_boxes("published_on", decision.decided_on)})
    decision.refresh_from_db()
    assert (decision.status, decision.published_on) == (DecisionStatus.PUBLISHED, decision.decided_on)

    award = AwardFactory(decision=decision, title="Made by it")
    listing = _text(officer_client.get(reverse("grants:decision_list")))
    assert "PCC-2019-033" in listing and "Published" in listing
    detail = _text(officer_client.get(reverse("grants:decision_detail", kwargs={"pk": decision.pk})))
    assert "Made by it" in detail and award.reference in detail


def test_duplicate_decision_reference_is_refused(officer_client):
    DecisionFactory(reference="PCC-2019-001")
    data = {
        "reference": "pcc-2019-001",
        "subject": "Again",
        **date_boxes("decided_on", None),
        "decision_maker": "Police and Crime Commissioner",
    }
    _refused(
        officer_client.post(reverse("grants:decision_create"), data), "There is already a decision with the reference"
    )
    assert Decision.objects.count() == 1


def test_publishing_a_draft_is_refused(officer_client):
    decision = DecisionFactory()
    page = _text(
        officer_client.post(
            reverse("grants:decision_publish", kwargs={"pk": decision.pk}), {"version": decision.version}, follow=True
        )
    )
    assert "Status: Decision" in page and "must be signed before it is published" in page
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.DRAFT


# Streams, allocations and budgets (officers edit streams; finance sets the figures) ------------------------------


def test_officer_creates_and_edits_a_stream(officer_client):
    source = OrganisationFactory(name="Ministry of Justice")
    data = {
        "name": "MoJ ISVA",
        "source": source.pk,
        "kind": "central_government",
        "moj_reported": "on",
        "ring_fenced_for": "ISVA",
        "description": "",
    }
    response = officer_client.post(reverse("grants:stream_create"), data)
    stream = FundingStream.objects.get()
    assert response.status_code == 302 and stream.moj_reported
    _refused(
        officer_client.post(reverse("grants:stream_create"), {**data, "name": "moj isva"}),
        "There is already a funding stream called",
    )
    edit = reverse("grants:stream_edit", kwargs={"pk": stream.pk})
    assert officer_client.post(edit, {**data, "name": "MoJ ISVA grant", "version": 1}).status_code == 302
    stream.refresh_from_db()
    assert stream.name == "MoJ ISVA grant"


def test_finance_sets_allocations_and_budgets_and_officers_cannot(finance_client, officer_client, setting_up):
    stream = setting_up["core"]
    url = reverse("grants:allocation_set", kwargs={"pk": stream.pk})
    assert officer_client.post(url, {"fy": "2019", "amount": "1000"}).status_code == 403
    # The version is the hidden box of the page (NO_RECORD_VERSION: it showed no figure).
    new = {"fy": "2019", "version": str(NO_RECORD_VERSION)}
    assert finance_client.post(url, {**new, "amount": "150,000", "notes": "Grant letter"}).status_code == 302
    assert StreamAllocation.objects.get(stream=stream, fy=2019).amount == Decimal("150000.00")
    _refused(finance_client.post(url, {**new, "amount": "-1"}), "Amount (£): The amount cannot be negative")
    assert StreamAllocation.objects.get(stream=stream, fy=2019).amount == Decimal("150000.00")

    budget = reverse("grants:budget_set")
    priority = setting_up["priority"]
    assert officer_client.post(budget, {"priority": priority.pk, "fy": "2019", "amount": "1"}).status_code == 403
    response = finance_client.post(budget, {**new, "priority": priority.pk, "amount": "400000"})
    assert response.status_code == 302 and response["Location"].endswith("?fy=2019")
    assert PriorityBudget.objects.get(priority=priority, fy=2019).amount == Decimal("400000.00")


# The funding page ---------------------------------------------------------------------------------------


def test_funding_page_shows_the_year_and_flags_over_commitment(board_client, setting_up):
    StreamAllocationFactory(stream=setting_up["core"], fy=2019, amount=Decimal("10000"))
    StreamAllocationFactory(stream=setting_up["precept"], fy=2019, amount=Decimal("50000"))
    PriorityBudgetFactory(priority=setting_up["priority"], fy=2019, amount=Decimal("12000"))
    award = AwardFactory(status=AwardStatus.ACTIVE, priority=setting_up["priority"])
    FundingLineFactory(award=award, stream=setting_up["core"], amount=Decimal("15000"))
    PaymentFactory(award=award, stream=setting_up["core"], amount=Decimal("4000"), paid_date=datetime.date(2019, 5, 1))

    page = _text(board_client.get(reverse("grants:funding"), {"fy": "2019"}))
    assert "Funding in 2019/20" in page
    streams = page[page.index('id="stream-table"') : page.index('id="priority-table"')]
    core_row = streams[streams.index("MoJ victims") : streams.index("Precept")]
    assert (
        "Over-committed" in core_row and "£15,000" in core_row and "£4,000" in core_row and "\u2212£5,000" in core_row
    )
    precept_row = streams[streams.index("Precept") :]
    assert "Over-committed" not in precept_row.split("</tr>")[0]
    priorities = page[page.index('id="priority-table"') :]
    assert "Forecast overspend" in priorities and "\u2212£3,000" in priorities
    assert "Set budget" not in page  # board changes nothing


def test_funding_page_defaults_to_the_current_year(board_client):
    from pcc_commissioning.periods import FinancialYear

    page = _text(board_client.get(reverse("grants:funding")))
    assert f"Funding in {FinancialYear.current().label}" in page
    assert f"Funding in {FinancialYear.current().label}" in _text(
        board_client.get(reverse("grants:funding"), {"fy": "x"})
    )


# Downloads -------------------------------------------------------------------------------------------------


def test_awards_download_keeps_the_list_filters(board_client, setting_up):
    wanted = AwardFactory(reference="KEEP-1", priority=setting_up["priority"])
    FundingLineFactory(award=wanted, stream=setting_up["core"], amount=Decimal("1234.50"))
    AwardFactory(reference="DROP-1")
    listing = _text(board_client.get(reverse("grants:index"), {"priority": setting_up["priority"].pk, "page": "1"}))
    link = re.search(r'href="(/grants/awards/export/\?[^"]*format=csv[^"]*)"', listing).group(1).replace("&amp;", "&")
    assert f"priority={setting_up['priority'].pk}" in link and "page=" not in link

    # The list and its download show the year rule's year: 2019/20, the only one with lines.
    response = board_client.get(link)
    assert response["Content-Disposition"] == 'attachment; filename="awards-2019.csv"'
    body = response.content.decode("utf-8-sig")
    assert body.splitlines()[0].startswith("reference,title,provider")
    assert "KEEP-1" in body and "DROP-1" not in body and "1234.50" in body

    xlsx = board_client.get(reverse("grants:awards_export"), {"format": "xlsx"})
    assert xlsx["Content-Disposition"] == 'attachment; filename="awards-2019.xlsx"'
    assert xlsx.content[:2] == b"PK"


def test_payments_and_commitments_downloads_for_a_year(finance_client, paid_award, setting_up):
    PaymentFactory(award=paid_award, stream=setting_up["core"], amount=Decimal("300"), invoice_reference="INV-2019")
    PaymentFactory(
        award=paid_award, stream=setting_up["core"], fy=2020, amount=Decimal("400"), invoice_reference="INV-2020"
    )
    payments = finance_client.get(reverse("grants:payments_export"), {"fy": "2019"}).content.decode("utf-8-sig")
    assert "INV-2019" in payments and "INV-2020" not in payments
    commitments = finance_client.get(reverse("grants:commitments_export"), {"fy": "2019", "format": "csv"})
    assert commitments["Content-Disposition"] == 'attachment; filename="commitments-2019.csv"'
    assert paid_award.reference in commitments.content.decode("utf-8-sig")
    funding = _text(finance_client.get(reverse("grants:funding"), {"fy": "2019"}))
    assert "/grants/funding/commitments/export/?fy=2019&amp;format=xlsx" in funding


# The provider page's Awards tab -------------------------------------------------------------------------


def test_provider_awards_tab(board_client, setting_up):
    provider = setting_up["provider"]
    mine = AwardFactory(provider=provider, title="Refuge places", status=AwardStatus.ACTIVE)
    FundingLineFactory(award=mine, amount=Decimal("12345"))
    AwardFactory(title="Someone else's")
    page = _text(board_client.get(reverse("grants:provider_awards", kwargs={"pk": provider.pk})))
    assert "Refuge places" in page and "Someone else" not in page and "£12,345" in page
    assert 'aria-current="page">Awards</a>' in page
    details = _text(board_client.get(reverse("providers:detail", kwargs={"pk": provider.pk})))
    assert reverse("grants:provider_awards", kwargs={"pk": provider.pk}) in details


# Query counts stay flat -----------------------------------------------------------------------------------


def _portfolio(size: int, provider, priority) -> Award:
    decision = DecisionFactory(signed=True)
    streams = [FundingStreamFactory() for _ in range(3)]
    first = None
    for number in range(size):
        award = AwardFactory(
            provider=provider,
            priority=priority,
            status=AwardStatus.ACTIVE,
            decision=decision,
            end_date=datetime.date(2029, 3, 31),
        )
        award.kpqs.add(KPQFactory())
        first = first or award
        AwardTransitionFactory(award=award)
        FundingLineFactory(award=award, stream=streams[number % 3], fy=2019, amount=Decimal("1000"))
        PaymentFactory(
            award=award, stream=streams[number % 3], amount=Decimal("10"), paid_date=datetime.date(2019, 6, 1)
        )
    for number in range(size):  # the first award gets many lines and payments
        stream = FundingStreamFactory()
        StreamAllocationFactory(stream=stream, fy=2019)
        FundingLineFactory(award=first, stream=stream, fy=2019 + number % 10, amount=Decimal("500"))
        PaymentFactory(
            award=first,
            stream=stream,
            fy=2019 + number % 10,
            amount=Decimal("5"),
            due_date=datetime.date(2019 + number % 10, 6, 1),
        )
        # A cancelled payment and an instalment waiting for its quarter's return: shown too.
        PaymentFactory(
            award=first,
            stream=stream,
            fy=2019 + number % 10,
            amount=Decimal("5"),
            approved_at=None,
            cancelled_at=timezone.now(),
            cancel_reason="Entered twice",
        )
        waited_for = MonitoringReturnFactory(award=first, fy=2019 + number // 4, quarter=number % 4 + 1)
        PaymentFactory(
            award=first,
            stream=stream,
            fy=2019 + number % 10,
            amount=Decimal("5"),
            approved_at=None,
            awaits_return=waited_for,
            plan_period=f"{2019 + number // 4}-Q{number % 4 + 1}",
        )
        CoFundingFactory(award=first)
    return first


@pytest.mark.parametrize(
    "url_for",
    [
        lambda award: reverse("grants:index"),
        lambda award: reverse("grants:index") + "?fy=2019&sort=-value",
        lambda award: reverse("grants:award_detail", kwargs={"pk": award.pk}),
        lambda award: reverse("grants:provider_awards", kwargs={"pk": award.provider_id}),
        lambda award: reverse("grants:funding") + "?fy=2019",
        lambda award: reverse("grants:decision_list"),
        lambda award: reverse("grants:stream_list"),
    ],
    ids=["list", "list-filtered", "detail", "provider-tab", "funding", "decisions", "streams"],
)
def test_query_count_is_flat(url_for, officer, django_assert_max_num_queries):
    """The same number of queries for 3 awards (lines, payments) as for 30 more."""
    client = Client()
    client.force_login(officer)
    small = _portfolio(3, OrganisationFactory(), CommissioningPriorityFactory())
    client.get(url_for(small))  # warm the session and content-type caches
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url_for(small)).status_code == 200
    large = _portfolio(30, OrganisationFactory(), CommissioningPriorityFactory())
    with django_assert_max_num_queries(len(captured)):
        assert client.get(url_for(large)).status_code == 200


def test_every_problem_of_a_step_shows_in_one_round(officer_client, setting_up):
    """On the funding step, a row the form cannot read (a negative amount) must not hide the rule
    errors about the other rows (a line outside the award's dates, the service's check); a
    missing title is shown on the first step, where it is asked."""
    data = _award_post(
        setting_up,
        lines=[(setting_up["core"], 2021, "1000"), (setting_up["precept"], 2019, "-5")],
        start=datetime.date(2019, 4, 1),
        end=datetime.date(2021, 3, 31),
    )
    data["title"] = ""
    first = _refused(add_award(officer_client, data), "Title: Enter the title of the award")
    assert "Funding lines" not in first and "Row 1" not in first
    data["title"] = "Fixed"
    page = _refused(
        add_award(officer_client, data),
        "Row 1, financial year: 2021/22 is outside the award&#x27;s dates",
        "Row 2, amount (£): The amount cannot be negative",
    )
    assert page.count("There is a problem") == 1
    assert not Award.objects.exists()
    data.update(**{"end_date_0": "1", "end_date_1": "1", "end_date_2": "2019"})
    _refused(add_award(officer_client, data), "The end date must be the same as or after")


# Payment plans, approval, cancellation and due diligence on the pages -----------------------------------


def test_an_officer_sets_a_plan_and_finance_approves_then_pays_an_instalment(
    officer_client, finance_client, paid_award, setting_up, time_machine
):
    time_machine.move_to(datetime.datetime(2019, 7, 2, 10, 0))
    plan_url = reverse("grants:payment_plan", kwargs={"pk": paid_award.pk})
    _refused(
        officer_client.post(plan_url, {"frequency": "monthly", "timing": "on_return", "version": 0}),
        "must be quarterly",
    )
    assert not Payment.objects.exists()
    assert (
        officer_client.post(plan_url, {"frequency": "quarterly", "timing": "arrears", "version": 0}).status_code == 302
    )
    # £10,000 of MoJ Core in 2019/20, in four whole quarters: £2,500 due 1 July, 1 October, 1 January, 1 April.
    assert [(p.amount, p.due_date) for p in Payment.objects.order_by("due_date")] == [
        (Decimal("2500.00"), datetime.date(2019, 7, 1)),
        (Decimal("2500.00"), datetime.date(2019, 10, 1)),
        (Decimal("2500.00"), datetime.date(2020, 1, 1)),
        (Decimal("2500.00"), datetime.date(2020, 4, 1)),
    ]
    first = Payment.objects.order_by("due_date").first()
    page = _text(finance_client.get(reverse("grants:award_detail", kwargs={"pk": paid_award.pk})))
    assert "Paid <strong>quarterly</strong>, in arrears" in page and "Scheduled" in page
    approve = reverse("grants:payment_approve", kwargs={"pk": paid_award.pk, "payment_pk": first.pk})
    assert approve in page and "Mark paid" not in page
    assert finance_client.post(approve, {"version": first.version}).status_code == 302
    first.refresh_from_db()
    assert first.is_approved
    mark_paid = reverse("grants:payment_mark_paid", kwargs={"pk": paid_award.pk, "payment_pk": first.pk})
    finance_client.post(mark_paid, {"version": first.version, **date_boxes("paid_date", datetime.date(2019, 7, 2))})
    first.refresh_from_db()
    assert first.paid_date == datetime.date(2019, 7, 2)


def test_finance_cancels_a_scheduled_payment_with_a_reason_and_it_stays_on_the_page(
    finance_client, paid_award, setting_up
):
    payment = PaymentFactory(award=paid_award, stream=setting_up["core"], amount=Decimal("3000"))
    url = reverse("grants:payment_cancel", kwargs={"pk": paid_award.pk, "payment_pk": payment.pk})
    _refused(finance_client.post(url, {"version": payment.version, "reason": ""}), "Say why the payment is cancelled")
    assert Payment.objects.filter(pk=payment.pk).exists()
    finance_client.post(url, {"version": payment.version, "reason": "Entered twice by mistake"})
    assert not Payment.objects.filter(pk=payment.pk).exists()  # counts for nothing
    page = _text(finance_client.get(reverse("grants:award_detail", kwargs={"pk": paid_award.pk})))
    assert "Cancelled" in page and "Entered twice by mistake" in page
    # The money it held is free again: the whole £10,000 line can be scheduled.
    assert (
        finance_client.post(
            reverse("grants:payment_create", kwargs={"pk": paid_award.pk}),
            _payment_data(setting_up["core"], "10000", paid=None),
        ).status_code
        == 302
    )


@pytest.mark.due_diligence
def test_marking_awarded_asks_for_a_reason_when_due_diligence_is_not_in_order(officer_client):
    award = AwardFactory(
        status=AwardStatus.PLANNED, provider=OrganisationFactory(name="Harbour", kind="voluntary_sector")
    )
    url = reverse("grants:award_detail", kwargs={"pk": award.pk})
    page = _text(officer_client.get(url))
    assert "Harbour's due diligence is not in order: no safeguarding policy on file" in page
    assert "Why mark it awarded although the due diligence is not in order?" in page
    refused = _text(_transition(officer_client, award, "awarded"))
    award.refresh_from_db()
    assert award.status == AwardStatus.PLANNED and "give your reason" in refused
    done = _text(
        officer_client.post(
            reverse("grants:award_transition", kwargs={"pk": award.pk}),
            {
                "to_status": "awarded",
                "version": award.version,
                "due_diligence_reason": "Documents promised by Friday",
            },
            follow=True,
        )
    )
    award.refresh_from_db()
    assert award.status == AwardStatus.AWARDED and "Documents promised by Friday" in done


@pytest.mark.due_diligence
def test_recording_a_payment_asks_for_a_reason_when_due_diligence_is_not_in_order(finance_client, setting_up):
    award = AwardFactory(
        status=AwardStatus.ACTIVE, provider=OrganisationFactory(name="Harbour", kind="voluntary_sector")
    )
    FundingLineFactory(award=award, stream=setting_up["core"], fy=2019, amount=Decimal("10000"))
    url = reverse("grants:payment_create", kwargs={"pk": award.pk})
    assert "Why go ahead although the due diligence is not in order?" in _text(finance_client.get(url))
    _refused(finance_client.post(url, _payment_data(setting_up["core"], "100")), "give your reason")
    assert not Payment.objects.exists()
    finance_client.post(url, _payment_data(setting_up["core"], "100", due_diligence_reason="Agreed by the Treasurer"))
    assert Payment.objects.get().due_diligence_note.endswith("Went ahead because: Agreed by the Treasurer")


# Create forms sent twice (a double click, a retry) save once --------------------------------------------


def test_the_award_form_sent_twice_adds_one_award(officer_client, setting_up):
    data = _award_post(setting_up, lines=[(setting_up["core"], 2019, "20,000")])
    journey = award_steps.start(officer_client)
    award_steps.answer_steps(officer_client, journey, data)
    first, second = post_twice(officer_client, award_steps.check_url(journey), {})
    assert Award.objects.count() == 1
    assert_saved_once(first, second, "Award AWD-2019-0001 has been added.")


def test_the_payment_form_sent_twice_records_one_payment(finance_client, paid_award, setting_up):
    url = reverse("grants:payment_create", kwargs={"pk": paid_award.pk})
    first, second = post_twice(finance_client, url, _payment_data(setting_up["core"], "2,500.25"))
    assert Payment.objects.count() == 1
    assert_saved_once(first, second, "A payment of £2,500.25 has been recorded as paid on 1 June 2019.")


def test_the_document_form_sent_twice_uploads_one_document(officer_client, paid_award, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    url = reverse("grants:award_document_add", kwargs={"pk": paid_award.pk})
    first, second = post_twice(
        officer_client,
        url,
        lambda: {"kind": "grant_agreement", "title": "Agreement", "file": SimpleUploadedFile("agreement.pdf", PDF)},
    )
    assert AwardDocument.objects.count() == 1
    assert_saved_once(first, second, "Agreement has been uploaded.")


def test_the_decision_form_sent_twice_adds_one_decision(officer_client):
    data = {
        "reference": "PCC-2019-033",
        "subject": "Victims services 2019-21",
        "summary": "",
        "decision_text": "",
        **date_boxes("decided_on", None),
        "amount": "",
        "decision_maker": "Police and Crime Commissioner",
        "declaration_of_interests": "",
        "contact_officer": "",
        "background_papers": "",
    }
    first, second = post_twice(officer_client, reverse("grants:decision_create"), data)
    assert Decision.objects.count() == 1
    assert_saved_once(first, second, "Decision PCC-2019-033 has been added as a draft.")


def test_the_stream_form_sent_twice_adds_one_stream(officer_client):
    data = {
        "name": "MoJ ISVA",
        "source": OrganisationFactory(name="Ministry of Justice").pk,
        "kind": "central_government",
        "moj_reported": "on",
        "ring_fenced_for": "ISVA",
        "description": "",
    }
    first, second = post_twice(officer_client, reverse("grants:stream_create"), data)
    assert FundingStream.objects.count() == 1
    assert_saved_once(first, second, "MoJ ISVA has been added.")


# The award's history, a page at a time --------------------------------------------------------------


def _history(award: Award, count: int, by) -> None:
    """``count`` status changes, an hour apart, their notes numbered from the oldest."""
    start = timezone.make_aware(datetime.datetime(2020, 1, 1, 9, 0))
    AwardTransition.objects.bulk_create(
        AwardTransition(
            award=award,
            from_status=AwardStatus.PLANNED,
            to_status=AwardStatus.AWARDED,
            at=start + datetime.timedelta(hours=number),
            by=by,
            note=f"Change number {number}.",
        )
        for number in range(1, count + 1)
    )


def _history_notes(page: str) -> list[int]:
    return [int(n) for n in re.findall(r"Change number (\d+)\.", page.split('id="history"')[1])]


def test_the_history_is_paged_latest_first(officer_client, officer):
    award = AwardFactory()
    _history(award, 45, officer)
    url = reverse("grants:award_detail", kwargs={"pk": award.pk})
    first = _text(officer_client.get(url))
    assert _history_notes(first) == list(range(45, 25, -1))  # the 20 latest
    assert "Showing 1 to 20 of 45" in first
    assert 'href="?page=2#history"' in first
    last = _text(officer_client.get(url + "?page=3"))
    assert _history_notes(last) == [5, 4, 3, 2, 1]
    assert "Showing 41 to 45 of 45" in last
    # A page beyond the last shows the last; nonsense shows the first.
    assert _history_notes(_text(officer_client.get(url + "?page=99"))) == [5, 4, 3, 2, 1]
    assert _history_notes(_text(officer_client.get(url + "?page=x")))[0] == 45


def test_a_short_history_has_no_pages(officer_client, officer):
    award = AwardFactory()
    _history(award, 3, officer)
    page = _text(officer_client.get(reverse("grants:award_detail", kwargs={"pk": award.pk})))
    assert _history_notes(page) == [3, 2, 1]
    assert 'aria-label="Pagination"' not in page


def test_the_history_pages_take_the_same_queries_however_long_the_history(
    officer_client, officer, django_assert_max_num_queries
):
    small, large = AwardFactory(), AwardFactory()
    _history(small, 3, officer)
    _history(large, 90, officer)
    officer_client.get(reverse("grants:award_detail", kwargs={"pk": small.pk}))  # warm the caches
    with CaptureQueriesContext(connection) as captured:
        officer_client.get(reverse("grants:award_detail", kwargs={"pk": small.pk}))
    for query in ("", "?page=3"):
        with django_assert_max_num_queries(len(captured)):
            officer_client.get(reverse("grants:award_detail", kwargs={"pk": large.pk}) + query)
