"""The officers' pages of a round's set-up: who may open them, the forms and what they show."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pcc_commissioning.roles import Role
from rounds.models import Round, RoundStatus, RoundVersion
from tests.factories import (
    ApplicationQuestionFactory,
    CommissioningPriorityFactory,
    CriterionFactory,
    EligibilityQuestionFactory,
    FundingStreamFactory,
    RoundFactory,
    UserFactory,
)
from tests.form_data import date_boxes

pytestmark = pytest.mark.django_db
UK = timezone.get_default_timezone()


def _complete_round(**fields):
    round = RoundFactory(**fields)
    ApplicationQuestionFactory(round=round, key="need", text="What need will it meet?")
    CriterionFactory(round=round, key="fit", text="Fits the plan", weight=Decimal("60"))
    CriterionFactory(round=round, key="value", text="Value for money", weight=Decimal("40"))
    return round


def _round_post(**changes) -> dict:
    data = {
        "reference": "CSF-2026",
        "name": "Community Safety Fund 2026",
        "kind": "open_call",
        "priority": CommissioningPriorityFactory().pk,
        "funding_stream": FundingStreamFactory().pk,
        "fy": "2026",
        "budget": "100,000",
        "overallocation_percent": "0",
        "min_amount": "1000",
        "max_amount": "20000",
        **date_boxes("opens_on", datetime.date(2026, 4, 1)),
        "opens_time": "09:00",
        **date_boxes("closes_on", datetime.date(2026, 5, 1)),
        "closes_time": "17:30",
        **date_boxes("panel_date", None),
        **date_boxes("award_start", None),
        **date_boxes("award_end", None),
        "pass_mark": "60",
    }
    data.update(changes)
    return data


# Who may open what ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.PROVIDER, Role.APPLICANT, Role.ASSESSOR])
def test_people_outside_the_office_cannot_open_the_officers_pages(login_as, role):
    round = RoundFactory()
    client = login_as(UserFactory(role=role))
    for url in (reverse("rounds:list"), reverse("rounds:detail", args=[round.reference])):
        assert client.get(url).status_code == 403


@pytest.mark.parametrize("client_fixture", ["finance_client", "board_client"])
def test_finance_and_the_board_read_but_do_not_change(request, client_fixture):
    client = request.getfixturevalue(client_fixture)
    round = _complete_round()
    assert client.get(reverse("rounds:list")).status_code == 200
    page = client.get(reverse("rounds:detail", args=[round.reference]))
    assert page.status_code == 200
    assert "Edit the round" not in page.content.decode()
    assert client.get(reverse("rounds:criteria", args=[round.reference])).status_code == 200
    for url in (
        reverse("rounds:create"),
        reverse("rounds:edit", args=[round.reference]),
        reverse("rounds:copy", args=[round.reference]),
        reverse("rounds:criterion_add", args=[round.reference]),
        reverse("rounds:move", args=[round.reference, "publish"]),
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("rounds:move", args=[round.reference, "publish"]), {"version": 1}).status_code == 403
    round.refresh_from_db()
    assert round.status == RoundStatus.DRAFT


# The list -----------------------------------------------------------------------------------------------


def test_the_list_shows_the_years_rounds_and_where_each_is(officer_client, time_machine):
    time_machine.move_to(datetime.datetime(2026, 4, 10, 12, 0, tzinfo=UK))
    RoundFactory(reference="CSF-2026", status=RoundStatus.PUBLISHED)
    RoundFactory(reference="CSF-2025", fy=2025)
    page = officer_client.get(reverse("rounds:list"), {"fy": "2026"}).content.decode()
    assert "Grant rounds, 2026/27" in page
    assert "CSF-2026" in page and "Open for applications" in page
    assert "CSF-2025" not in page
    every = officer_client.get(reverse("rounds:list"), {"fy": "all", "status": "draft"}).content.decode()
    assert "CSF-2025" in every and "CSF-2026" not in every


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("rounds:list"), {"fy": "all"}).status_code == 200
    return len(queries)


def test_the_lists_queries_do_not_grow_with_its_rounds(officer_client):
    RoundFactory.create_batch(2)
    few = _list_queries(officer_client)
    RoundFactory.create_batch(10)
    assert _list_queries(officer_client) == few


# Setting up and editing ------------------------------------------------------------------------------


def test_an_officer_sets_up_a_round_with_its_times_in_uk_time(officer_client):
    response = officer_client.post(reverse("rounds:create"), _round_post())
    assert response.status_code == 302
    round = Round.objects.get(reference="CSF-2026")
    assert round.opens_at == datetime.datetime(2026, 4, 1, 8, 0, tzinfo=datetime.UTC)  # 09:00 BST
    assert round.closes_at == datetime.datetime(2026, 5, 1, 16, 30, tzinfo=datetime.UTC)
    assert round.budget == Decimal("100000")
    page = officer_client.get(response["Location"]).content.decode()
    assert "9am on 1 April 2026 (UK time)" in page


def test_problems_are_listed_in_an_error_summary(officer_client):
    response = officer_client.post(
        reverse("rounds:create"), _round_post(opens_time="25:00", min_amount="30000", max_amount="20000")
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Enter the time as hours and minutes, for example 09:00 or 17:30" in page
    assert not Round.objects.exists()
    response = officer_client.post(reverse("rounds:create"), _round_post(min_amount="30000", max_amount="20000"))
    assert "The largest request must be at least the smallest request." in response.content.decode()


def test_editing_an_open_round_asks_why_and_the_page_lists_the_versions(officer_client, time_machine):
    round = _complete_round(status=RoundStatus.PUBLISHED, opens_at=datetime.datetime(2026, 4, 1, 12, 0, tzinfo=UK))
    time_machine.move_to(datetime.datetime(2026, 4, 2, 12, 0, tzinfo=UK))
    url = reverse("rounds:question_edit", args=[round.reference, round.questions.get().pk])
    data = {"version": 1, "key": "need", "text": "What is the need?", "kind": "text", "required": "on"}
    refused = officer_client.post(url, data)
    assert "The round has opened: say why its definition is being changed." in refused.content.decode()
    assert officer_client.post(url, {**data, "reason": "Clearer wording"}).status_code == 302
    assert RoundVersion.objects.get().number == 1
    page = officer_client.get(reverse("rounds:detail", args=[round.reference])).content.decode()
    assert "Clearer wording" in page
    assert "Open for applications" in page


def test_the_criteria_page_says_when_the_weights_are_not_100(officer_client):
    round = RoundFactory()
    CriterionFactory(round=round, weight=Decimal("60"))
    page = officer_client.get(reverse("rounds:criteria", args=[round.reference])).content.decode()
    assert "The weights add up to 60; they must add up to 100 before the round can be published." in page
    CriterionFactory(round=round, weight=Decimal("40"))
    page = officer_client.get(reverse("rounds:criteria", args=[round.reference])).content.decode()
    assert "The weights add up to 100." in page


def test_adding_moving_and_removing_questions(officer_client):
    round = RoundFactory()
    add = reverse("rounds:question_add", args=[round.reference])
    for key in ("first", "second"):
        data = {"version": Round.objects.get().version, "key": key, "text": key.title(), "kind": "text"}
        assert officer_client.post(add, data).status_code == 302
    second = round.questions.get(key="second")
    move = reverse("rounds:question_move", args=[round.reference, second.pk, "up"])
    assert officer_client.post(move, {"version": Round.objects.get().version}).status_code == 302
    assert list(round.questions.values_list("key", flat=True)) == ["second", "first"]
    delete = reverse("rounds:question_delete", args=[round.reference, second.pk])
    assert officer_client.post(delete, {"version": Round.objects.get().version}).status_code == 302
    assert list(round.questions.values_list("key", flat=True)) == ["first"]


def test_the_round_page_links_only_to_the_stages_built(officer_client):
    round = RoundFactory()
    page = officer_client.get(reverse("rounds:detail", args=[round.reference])).content.decode()
    for label in ("Overview", "Eligibility", "Questions", "Criteria"):
        assert f">{label}</a>" in page


def test_publishing_from_the_rounds_page(officer_client, time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 1, 12, 0, tzinfo=UK))
    round = _complete_round()
    page = officer_client.get(reverse("rounds:detail", args=[round.reference])).content.decode()
    assert reverse("rounds:move", args=[round.reference, "publish"]) in page
    response = officer_client.post(reverse("rounds:move", args=[round.reference, "publish"]), {"version": 1})
    assert response.status_code == 302
    round.refresh_from_db()
    assert round.status == RoundStatus.PUBLISHED


def test_the_overview_offers_taking_back_to_draft_only_before_opening(officer_client, time_machine):
    round = _complete_round(
        status=RoundStatus.PUBLISHED,
        opens_at=datetime.datetime(2026, 4, 1, 9, 0, tzinfo=UK),
        closes_at=datetime.datetime(2026, 5, 1, 17, 0, tzinfo=UK),
    )
    unpublish = reverse("rounds:move", args=[round.reference, "unpublish"])
    time_machine.move_to(datetime.datetime(2026, 4, 1, 8, 59, tzinfo=UK))
    page = officer_client.get(reverse("rounds:detail", args=[round.reference])).content.decode()
    assert unpublish in page and "Take back to draft" in page
    time_machine.move_to(datetime.datetime(2026, 4, 1, 9, 0, tzinfo=UK))
    page = officer_client.get(reverse("rounds:detail", args=[round.reference])).content.decode()
    assert unpublish not in page and "Take back to draft" not in page
    assert reverse("rounds:move", args=[round.reference, "cancel"]) in page
    # the button is gone, and the move itself is still refused
    refused = officer_client.post(unpublish, {"version": round.version})
    assert refused.status_code == 200 and "cannot go back to draft" in refused.content.decode()
    round.refresh_from_db()
    assert round.status == RoundStatus.PUBLISHED


def test_the_overview_offers_publishing_only_a_complete_definition(officer_client):
    round = RoundFactory()
    page = officer_client.get(reverse("rounds:detail", args=[round.reference])).content.decode()
    assert "Before it can be published" in page
    assert reverse("rounds:move", args=[round.reference, "publish"]) not in page


def test_cancelling_from_the_page_asks_why(officer_client):
    round = _complete_round()
    url = reverse("rounds:move", args=[round.reference, "cancel"])
    refused = officer_client.post(url, {"version": 1, "reason": ""})
    assert "Say why the round is being cancelled." in refused.content.decode()
    assert officer_client.post(url, {"version": 1, "reason": "No money"}).status_code == 302
    round.refresh_from_db()
    assert round.status == RoundStatus.CANCELLED


def test_copying_a_round_from_its_page(officer_client):
    source = _complete_round(reference="CSF-2025", fy=2025)
    data = {
        "reference": "CSF-2026",
        "name": "Community Safety Fund 2026",
        "fy": "2026",
        **date_boxes("opens_on", datetime.date(2026, 4, 1)),
        "opens_time": "09:00",
        **date_boxes("closes_on", datetime.date(2026, 5, 1)),
        "closes_time": "17:00",
        **date_boxes("panel_date", None),
    }
    assert officer_client.post(reverse("rounds:copy", args=[source.reference]), data).status_code == 302
    copy = Round.objects.get(reference="CSF-2026")
    assert (copy.status, copy.copied_from, copy.criteria.count()) == (RoundStatus.DRAFT, source, 2)


# The definition as a file ----------------------------------------------------------------------------


def test_the_definition_downloads_and_uploads_from_the_pages(officer_client):
    source = _complete_round(reference="CSF-2025")
    download = officer_client.get(reverse("rounds:definition_download", args=[source.reference]))
    assert download["Content-Disposition"] == 'attachment; filename="round-definition-CSF-2025.json"'
    document = json.loads(download.content)
    document["reference"] = "CSF-2026"
    upload = SimpleUploadedFile("round.json", json.dumps(document).encode(), content_type="application/json")
    response = officer_client.post(reverse("rounds:definition_upload"), {"file": upload})
    assert response.status_code == 302
    assert Round.objects.get(reference="CSF-2026").criteria.count() == 2


def test_a_bad_upload_lists_its_problems_and_imports_nothing(officer_client):
    source = _complete_round(reference="CSF-2025")
    document = json.loads(officer_client.get(reverse("rounds:definition_download", args=[source.reference])).content)
    document.update(reference="CSF-2026")
    document["criteria"][1]["weight"] = "30"
    upload = SimpleUploadedFile("round.json", json.dumps(document).encode())
    page = officer_client.post(reverse("rounds:definition_upload"), {"file": upload}).content.decode()
    assert "criteria: The criteria&#x27;s weights add up to 90; they must add up to 100." in page
    assert not Round.objects.filter(reference="CSF-2026").exists()


def test_the_upload_is_for_officers_only(finance_client):
    upload = SimpleUploadedFile("round.json", b"{}")
    assert finance_client.post(reverse("rounds:definition_upload"), {"file": upload}).status_code == 403


@pytest.mark.parametrize("status", [RoundStatus.DRAFT, RoundStatus.PUBLISHED, RoundStatus.DECIDED])
def test_every_page_of_a_round_opens_for_an_officer_with_its_name_in_the_title(officer_client, status):
    round = _complete_round(status=status, name="Safer Streets Fund")
    EligibilityQuestionFactory(round=round, key="constituted")
    criterion = round.criteria.first()
    urls = [reverse("rounds:create"), reverse("rounds:definition_upload"), reverse("rounds:list")]
    for name in ("detail", "edit", "copy", "eligibility", "questions", "criteria"):
        urls.append(reverse(f"rounds:{name}", args=[round.reference]))
    for name in ("eligibility_add", "question_add", "criterion_add"):
        urls.append(reverse(f"rounds:{name}", args=[round.reference]))
    urls += [
        reverse("rounds:criterion_edit", args=[round.reference, criterion.pk]),
        reverse("rounds:criterion_delete", args=[round.reference, criterion.pk]),
        reverse("rounds:eligibility_edit", args=[round.reference, round.eligibility_questions.get().pk]),
        reverse("rounds:move", args=[round.reference, "cancel"]),
    ]
    for url in urls:
        response = officer_client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert "<h1" in page and "<title>" in page, url
        if "/rounds/" + round.reference in url:
            assert round.reference in page.split("</title>")[0], url


def test_moving_a_question_of_an_open_round_asks_why(officer_client, time_machine):
    round = _complete_round(status=RoundStatus.PUBLISHED)
    ApplicationQuestionFactory(round=round, key="reach", position=1)
    time_machine.move_to(datetime.datetime(2026, 4, 2, 12, 0, tzinfo=UK))
    reach = round.questions.get(key="reach")
    url = reverse("rounds:question_move", args=[round.reference, reach.pk, "up"])
    listing = officer_client.get(reverse("rounds:questions", args=[round.reference])).content.decode()
    assert f'href="{url}"' in listing
    refused = officer_client.post(url, {"version": 1, "reason": ""})
    assert "The round has opened: say why its definition is being changed." in refused.content.decode()
    assert officer_client.post(url, {"version": 1, "reason": "Reach first"}).status_code == 302
    assert list(round.questions.values_list("key", flat=True)) == ["reach", "need"]
    assert RoundVersion.objects.get().reason == "Reach first"
