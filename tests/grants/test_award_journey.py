"""Adding an award in steps, then "Check your answers" (``grants.awards.journey``)."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from grants.awards import services as awards_services
from grants.awards.forms import AWARD_STEPS, AwardForm
from grants.awards.journey import SESSION_KEY
from grants.models import Award, AwardStatus, FundingLine
from pcc_commissioning.roles import Role
from tests import award_steps
from tests.factories import (
    AwardFactory,
    CommissioningPriorityFactory,
    FundingStreamFactory,
    KPQFactory,
    OrganisationFactory,
    UserFactory,
)
from tests.form_data import date_boxes

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return response.content.decode()


@pytest.fixture
def setting_up(db):
    return {
        "provider": OrganisationFactory(name="Harbour Women's Aid"),
        "priority": CommissioningPriorityFactory(name="Victims services"),
        "kpq": KPQFactory(),
        "core": FundingStreamFactory(name="MoJ victims' grant (Core)"),
        "precept": FundingStreamFactory(name="Precept"),
    }


def _about(s, **changes) -> dict:
    return {
        "title": "Independent domestic violence advisers",
        "reference": "",
        "provider": s["provider"].pk,
        "kind": "grant",
        "priority": s["priority"].pk,
    } | changes


def _dates(start=datetime.date(2019, 4, 1), end=datetime.date(2021, 3, 31)) -> dict:
    return {
        **date_boxes("start_date", start),
        **date_boxes("end_date", end),
        **date_boxes("extension_until", None),
        "extension_months": "",
        "duration": "2 years",
    }


def _funding(rows, **changes) -> dict:
    data = {
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        "decision": "",
        "cost_centre": "CC12",
    }
    for index, (stream, fy, amount) in enumerate(rows):
        data |= {f"lines-{index}-stream": stream.pk, f"lines-{index}-fy": fy, f"lines-{index}-amount": amount}
    return data | changes


def _plan(s) -> dict:
    return {"lead_officer": "", "intention": "", "kpqs": [s["kpq"].pk], "moj_category": ""}


def _description() -> dict:
    return {"purpose": "Advice for victims", "approach": "", "conditions": "Quarterly returns", "reasons": ""}


def _answer_all(client, s, journey: str, *, lines=None) -> None:
    rows = lines if lines is not None else [(s["core"], 2019, "20,000"), (s["precept"], 2020, "12500.50")]
    for slug, data in (
        ("about", _about(s)),
        ("dates", _dates()),
        ("funding", _funding(rows)),
        ("plan", _plan(s)),
        ("description", _description()),
    ):
        response = client.post(award_steps.step_url(journey, slug), data)
        assert response.status_code == 302, _text(response)[:3000]


def test_the_steps_cover_every_field_of_the_award_form_once():
    asked = [name for step in AWARD_STEPS for name in step.fields]
    assert sorted(asked) == sorted(AwardForm.base_fields)


def test_each_step_leads_to_the_next_and_the_last_to_check_answers(officer_client, setting_up):
    journey = award_steps.start(officer_client)
    steps = [step.slug for step in AWARD_STEPS]
    data = {**_about(setting_up), **_dates(), **_funding([]), **_plan(setting_up), **_description()}
    for slug, following in zip(steps, [*steps[1:], None], strict=True):
        response = officer_client.post(award_steps.step_url(journey, slug), data)
        expected = award_steps.check_url(journey) if following is None else award_steps.step_url(journey, following)
        assert response["Location"] == expected
    assert not Award.objects.exists()  # nothing until the answers are confirmed


def test_the_first_step_refuses_blanks_with_an_error_summary(officer_client, setting_up):
    journey = award_steps.start(officer_client)
    response = officer_client.post(award_steps.step_url(journey, "about"), {})
    page = _text(response)
    assert response.status_code == 200
    assert "There is a problem" in page and "<title>Error: About the award" in page
    assert '<a href="#id_title">Title: Enter the title of the award</a>' in page
    assert "Choose the provider the award is made to" in page
    assert "Choose the commissioning priority the award serves" in page
    # Only this step's fields are asked (and checked) here.
    assert "id_start_date_0" not in page and "Funding lines" not in page


def test_the_dates_step_shows_the_rule_that_the_end_follows_the_start(officer_client, setting_up):
    journey = award_steps.start(officer_client)
    officer_client.post(award_steps.step_url(journey, "about"), _about(setting_up))
    response = officer_client.post(
        award_steps.step_url(journey, "dates"), _dates(datetime.date(2020, 4, 1), datetime.date(2020, 1, 1))
    )
    page = _text(response)
    assert response.status_code == 200
    assert 'href="#id_end_date_0">End date: The end date must be the same as or after the start date' in page


def test_the_first_step_says_at_once_that_a_reference_is_taken(officer_client, setting_up):
    AwardFactory(reference="IDVA-1")
    journey = award_steps.start(officer_client)
    response = officer_client.post(award_steps.step_url(journey, "about"), _about(setting_up, reference="idva-1"))
    assert response.status_code == 200
    assert "There is already an award with the reference" in _text(response)


def test_the_funding_step_offers_the_years_of_the_dates_and_checks_lines_against_them(officer_client, setting_up):
    journey = award_steps.start(officer_client)
    officer_client.post(award_steps.step_url(journey, "about"), _about(setting_up))
    officer_client.post(award_steps.step_url(journey, "dates"), _dates())
    page = _text(officer_client.get(award_steps.step_url(journey, "funding")))
    # 1 April 2019 to 31 March 2021: its two years, and one either side.
    offered = re.findall(r'<option value="(\d{4})"', page.split('id="id_lines-0-fy"')[1].split("</select>")[0])
    assert offered == ["2018", "2019", "2020", "2021"]
    response = officer_client.post(
        award_steps.step_url(journey, "funding"), _funding([(setting_up["core"], 2021, "5")])
    )
    assert response.status_code == 200
    assert "Row 1, financial year: 2021/22 is outside the award&#x27;s dates" in _text(response)


def test_more_funding_rows_without_javascript_keep_what_was_typed(officer_client, setting_up):
    journey = award_steps.start(officer_client)
    officer_client.post(award_steps.step_url(journey, "about"), _about(setting_up))
    officer_client.post(award_steps.step_url(journey, "dates"), _dates())
    response = officer_client.post(
        award_steps.step_url(journey, "funding"), _funding([(setting_up["core"], 2019, "100")], add_line="1")
    )
    page = _text(response)
    assert response.status_code == 200
    assert 'name="lines-5-amount"' in page and 'value="100"' in page
    assert "There is a problem" not in page


def test_back_links_go_to_the_step_before(officer_client, setting_up):
    journey = award_steps.start(officer_client)
    first = _text(officer_client.get(reverse("grants:award_create")))
    assert f'<a href="{reverse("grants:index")}" class="govuk-back-link">Back</a>' in first
    officer_client.post(award_steps.step_url(journey, "about"), _about(setting_up))
    dates = _text(officer_client.get(award_steps.step_url(journey, "dates")))
    assert f'<a href="{award_steps.step_url(journey, "about")}" class="govuk-back-link">Back</a>' in dates
    assert "Add an award: step 2 of 5" in dates
    # Going back shows what was entered.
    assert 'value="Independent domestic violence advisers"' in _text(
        officer_client.get(award_steps.step_url(journey, "about"))
    )
    changing = _text(officer_client.get(award_steps.step_url(journey, "dates", change=True)))
    assert f'<a href="{award_steps.check_url(journey)}" class="govuk-back-link">Back</a>' in changing


def test_check_answers_shows_what_was_entered_with_change_links(officer_client, setting_up):
    journey = award_steps.start(officer_client)
    _answer_all(officer_client, setting_up, journey)
    page = _text(officer_client.get(award_steps.check_url(journey)))
    assert "Check your answers before adding the award" in page
    for expected in (
        "Independent domestic violence advisers",
        "Harbour Women&#x27;s Aid",
        "Made for you when the award is added",  # the blank reference
        "Victims services",
        "1 April 2019",
        "31 March 2021",
        "MoJ victims&#x27; grant (Core), 2019/20",
        "£20,000.00",
        "Precept, 2020/21",
        "£12,500.50",
        "£32,500.50",  # the value: the two lines
        "CC12",
        "The whole force area",  # no areas chosen
        "Advice for victims",
        "Quarterly returns",
    ):
        assert expected in page, expected
    assert f"How well are we doing on question {setting_up['kpq'].number}?" in page
    for step in AWARD_STEPS:
        assert f'href="{award_steps.step_url(journey, step.slug, change=True)}' in page
    assert f'href="{award_steps.step_url(journey, "about", change=True)}#id_title"' in page
    assert not Award.objects.exists()


def test_a_change_returns_to_check_answers(officer_client, setting_up):
    journey = award_steps.start(officer_client)
    _answer_all(officer_client, setting_up, journey)
    response = officer_client.post(
        award_steps.step_url(journey, "about", change=True), _about(setting_up, title="Refuge places")
    )
    assert response["Location"] == award_steps.check_url(journey)
    page = _text(officer_client.get(award_steps.check_url(journey)))
    assert "Refuge places" in page and "Independent domestic violence advisers" not in page


def test_new_dates_that_leave_a_line_outside_send_the_officer_to_the_funding_step(officer_client, setting_up):
    journey = award_steps.start(officer_client)
    _answer_all(officer_client, setting_up, journey)
    officer_client.post(
        award_steps.step_url(journey, "dates", change=True), _dates(end=datetime.date(2020, 3, 31))
    )  # the 2020/21 line is now outside
    response = officer_client.get(award_steps.check_url(journey))
    assert response["Location"] == award_steps.step_url(journey, "funding", change=True)
    page = _text(officer_client.get(response["Location"]))
    assert "There is a problem" in page and "2020/21 is outside the award&#x27;s dates" in page
    assert officer_client.post(award_steps.check_url(journey), {}).status_code == 302
    assert not Award.objects.exists()


def test_check_answers_before_every_step_is_answered_goes_to_the_missing_step(officer_client, setting_up):
    journey = award_steps.start(officer_client)
    officer_client.post(award_steps.step_url(journey, "about"), _about(setting_up))
    response = officer_client.get(award_steps.check_url(journey))
    assert response["Location"] == award_steps.step_url(journey, "dates")


def test_confirming_creates_exactly_one_award_with_the_values_through_the_service(officer_client, setting_up):
    journey = award_steps.start(officer_client)
    _answer_all(officer_client, setting_up, journey)
    with mock.patch.object(awards_services, "award_create", wraps=awards_services.award_create) as service:
        response = award_steps.confirm(officer_client, journey)
    award = Award.objects.get()
    assert response["Location"] == reverse("grants:award_detail", kwargs={"pk": award.pk})
    # The steps ran the service's checks (undone); it created once, as the officer.
    creations = [call.kwargs for call in service.call_args_list if call.kwargs["actor"] is not None]
    assert len(creations) == 1
    arguments = creations[0]
    assert arguments["title"] == "Independent domestic violence advisers"
    assert arguments["provider"] == setting_up["provider"] and arguments["kind"] == "grant"
    assert arguments["start_date"] == datetime.date(2019, 4, 1) and arguments["end_date"] == datetime.date(2021, 3, 31)
    assert award.reference == "AWD-2019-0001" and award.status == AwardStatus.PLANNED
    assert (award.cost_centre, award.duration, award.purpose) == ("CC12", "2 years", "Advice for victims")
    assert list(award.kpqs.all()) == [setting_up["kpq"]]
    assert sorted((line.stream.name, line.fy, line.amount) for line in award.lines.all()) == [
        ("MoJ victims' grant (Core)", 2019, Decimal("20000.00")),
        ("Precept", 2020, Decimal("12500.50")),
    ]
    assert "Award AWD-2019-0001 has been added." in _text(officer_client.get(response["Location"]))
    # The answers are gone: the same journey cannot add a second award.
    assert SESSION_KEY not in officer_client.session or journey not in officer_client.session[SESSION_KEY]
    again = officer_client.post(award_steps.check_url(journey), {})
    assert again["Location"] == reverse("grants:award_create")
    assert Award.objects.count() == 1 and FundingLine.objects.count() == 2


def test_abandoning_the_journey_creates_nothing(officer_client, setting_up):
    journey = award_steps.start(officer_client)
    _answer_all(officer_client, setting_up, journey)
    officer_client.get(award_steps.check_url(journey))
    officer_client.get(reverse("grants:index"))
    assert not Award.objects.exists() and not FundingLine.objects.exists()


def test_two_journeys_in_one_session_do_not_mix(officer_client, setting_up):
    first, second = award_steps.start(officer_client), award_steps.start(officer_client)
    assert first != second
    officer_client.post(award_steps.step_url(first, "about"), _about(setting_up, title="First"))
    officer_client.post(award_steps.step_url(second, "about"), _about(setting_up, title="Second"))
    assert 'value="First"' in _text(officer_client.get(award_steps.step_url(first, "about")))
    assert 'value="Second"' in _text(officer_client.get(award_steps.step_url(second, "about")))


def test_a_step_of_an_unknown_journey_starts_again(officer_client):
    response = officer_client.get(award_steps.step_url("not-a-journey", "dates"))
    assert response["Location"] == reverse("grants:award_create")
    assert officer_client.get(award_steps.step_url("not-a-journey", "nonsense")).status_code == 404


def test_a_reference_taken_meanwhile_is_shown_on_its_step(officer_client, setting_up):
    journey = award_steps.start(officer_client)
    _answer_all(officer_client, setting_up, journey)
    officer_client.post(award_steps.step_url(journey, "about", change=True), _about(setting_up, reference="IDVA-9"))
    AwardFactory(reference="IDVA-9")  # another officer, between the steps and the confirmation
    response = officer_client.post(award_steps.check_url(journey), {}, follow=True)
    page = _text(response)
    assert '<h1 class="govuk-heading-xl">About the award</h1>' in page
    assert "There is a problem" in page and "There is already an award with the reference IDVA-9" in page
    assert Award.objects.count() == 1


def test_the_provider_from_the_address_is_chosen(officer_client, setting_up):
    page = _text(officer_client.get(reverse("grants:award_create") + f"?provider={setting_up['provider'].pk}"))
    assert f'value="{setting_up["provider"].pk}" selected' in page


@pytest.mark.parametrize("role", [Role.BOARD, Role.FINANCE])
def test_only_those_who_edit_awards_reach_the_steps(role, officer_client, setting_up):
    journey = award_steps.start(officer_client)
    _answer_all(officer_client, setting_up, journey)
    client = Client()
    client.force_login(UserFactory(role=role))
    assert client.get(reverse("grants:award_create")).status_code == 403
    assert client.get(award_steps.step_url(journey, "about")).status_code == 403
    assert client.post(award_steps.step_url(journey, "about"), _about(setting_up)).status_code == 403
    assert client.get(award_steps.check_url(journey)).status_code == 403
    assert client.post(award_steps.check_url(journey), {}).status_code == 403
    assert not Award.objects.exists()


def test_signed_out_visitors_are_sent_to_sign_in(setting_up):
    response = Client().get(award_steps.step_url("abc", "about"))
    assert urlsplit(response["Location"]).path == reverse("login")


def test_the_edit_page_keeps_one_page_in_sections(officer_client, setting_up):
    award = AwardFactory(provider=setting_up["provider"])
    page = _text(officer_client.get(reverse("grants:award_edit", kwargs={"pk": award.pk})))
    for step in AWARD_STEPS:
        assert f'id="section-{step.slug}">{step.title}</h2>' in page
    assert 'name="title"' in page and 'name="lines-0-amount"' in page and 'name="purpose"' in page
