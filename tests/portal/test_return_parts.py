"""A monitoring return filled in one part at a time, each saved as a draft, then "Check your
answers" and submit (``portal.views.return_edit``)."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from grants.models import AwardKPI, AwardStatus, MonitoringReturn, ReturnStatus
from pcc_commissioning.roles import Role
from tests.factories import AwardFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def award(organisation):
    return AwardFactory(provider=organisation, status=AwardStatus.ACTIVE, reference="AWD-OWN-1")


@pytest.fixture
def due_return(award):
    return MonitoringReturn.objects.create(
        award=award, fy=2019, quarter=1, status=ReturnStatus.DUE, due_date=datetime.date(2019, 7, 20)
    )


def _url(ret, part: str = "") -> str:
    url = reverse("portal:return", args=[ret.pk])
    return f"{url}?part={part}" if part else url


def _send(client, ret, part: str, button: str = "continue", **fields):
    ret.refresh_from_db()
    return client.post(_url(ret), {"version": ret.version, "part": part, button: "1", **fields})


def _summary_links(html: str) -> list[tuple[str, str]]:
    summary = re.search(r'<div class="govuk-error-summary".*?</ul>', html, re.S)
    assert summary, "no error summary"
    return re.findall(r'<a href="([^"]+)">([^<]*)</a>', summary.group(0))


def test_the_parts_and_their_order(provider_client, due_return, award):
    page = provider_client.get(_url(due_return)).content.decode()
    nav = page.split('id="return-parts-title"')[1].split("</nav>")[0]
    titles = re.findall(r">(?:<strong>)?([^<>]+)(?:</strong>)?</a>", nav)
    # No KPIs part: the award has none.
    assert titles == [
        "Referrals and victims supported",
        "Who was supported",
        "Victims&#x27; outcomes",
        "About the quarter",
        "Check your answers and submit",
    ]
    assert "part 1 of 4" in page and 'name="referrals"' in page and 'name="narrative"' not in page
    AwardKPI.objects.create(award=award, name="Sessions held")
    assert "Key performance indicators" in provider_client.get(_url(due_return)).content.decode()


def test_save_and_continue_goes_part_by_part_to_check_answers(provider_client, due_return):
    response = _send(provider_client, due_return, "numbers", referrals=12, supported=10)
    assert response["Location"] == _url(due_return, "breakdowns")
    due_return.refresh_from_db()
    assert (due_return.status, due_return.referrals, due_return.supported) == (ReturnStatus.DRAFT, 12, 10)
    assert _send(provider_client, due_return, "breakdowns", sex__female=10)["Location"] == _url(due_return, "outcomes")
    assert _send(provider_client, due_return, "outcomes")["Location"] == _url(due_return, "about")
    assert _send(provider_client, due_return, "about", narrative="Busy.")["Location"] == _url(due_return, "check")
    # "Save as draft" stays on the part.
    assert _send(provider_client, due_return, "about", "save", narrative="Busier.")["Location"] == _url(
        due_return, "about"
    )


def test_a_part_changes_only_its_own_answers(provider_client, due_return):
    _send(provider_client, due_return, "numbers", referrals=12, supported=10)
    _send(provider_client, due_return, "about", narrative="A steady quarter.", case_study_consent="on")
    _send(provider_client, due_return, "breakdowns", sex__female=6, sex__male=4)
    due_return.refresh_from_db()
    assert (due_return.referrals, due_return.supported) == (12, 10)
    assert due_return.narrative == "A steady quarter." and due_return.case_study_consent is True
    assert sorted(b.count for b in due_return.breakdowns.all()) == [4, 6]
    # Sending the numbers part again leaves the breakdowns; an unticked box on its own part clears it.
    _send(provider_client, due_return, "numbers", referrals=13, supported=10)
    _send(provider_client, due_return, "about", narrative="A steady quarter.")
    due_return.refresh_from_db()
    assert due_return.referrals == 13 and sorted(b.count for b in due_return.breakdowns.all()) == [4, 6]
    assert due_return.case_study_consent is False


def test_the_breakdowns_part_counts_against_the_victims_supported_of_the_first_part(provider_client, due_return):
    _send(provider_client, due_return, "numbers", referrals=12, supported=10)
    _send(provider_client, due_return, "breakdowns", "save", sex__female=6, sex__male=2)
    page = provider_client.get(_url(due_return, "breakdowns")).content.decode()
    assert "Total entered: 8 of 10 supported — 2 short" in re.sub(r"<[^>]+>", "", page)
    assert '<input type="hidden" name="supported" value="10"' in page  # for the running totals' script


def test_an_error_is_shown_on_its_part_and_nothing_is_saved(provider_client, due_return):
    response = _send(provider_client, due_return, "numbers", referrals=-1, supported=3)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Error: Referrals and victims supported" in page
    assert _summary_links(page) == [("#id_referrals", "Referrals received: Enter a number that is 0 or more")]
    due_return.refresh_from_db()
    assert due_return.status == ReturnStatus.DUE and due_return.referrals is None


def test_check_answers_shows_every_part_with_change_links(provider_client, due_return):
    _send(provider_client, due_return, "numbers", referrals=12, supported=10)
    _send(provider_client, due_return, "breakdowns", sex__female=10)
    _send(provider_client, due_return, "outcomes", outcome__feel_safer__assessed=8, outcome__feel_safer__improved=5)
    _send(provider_client, due_return, "about", narrative="A steady quarter.")
    page = provider_client.get(_url(due_return, "check")).content.decode()
    assert "Check your answers before submitting" in page
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "Referrals received 12" in text and "Victims supported (new in the quarter) 10" in text
    assert "Female: 10" in text and "Total 10 of 10 supported, adds up" in text
    assert "8 assessed, 5 improved" in text and "A steady quarter." in text
    assert 'href="?part=numbers#id_referrals"' in page and 'href="?part=about#id_narrative"' in page
    assert 'href="?part=breakdowns#id_sex__female"' in page
    due_return.refresh_from_db()
    assert due_return.status == ReturnStatus.DRAFT  # looking is not submitting


def test_submitting_from_check_answers_submits_what_was_saved(provider_client, provider_user, due_return):
    _send(provider_client, due_return, "numbers", referrals=12, supported=10)
    _send(provider_client, due_return, "about", narrative="A steady quarter.")
    response = _send(provider_client, due_return, "check", "submit")
    assert response["Location"] == reverse("portal:home")
    due_return.refresh_from_db()
    assert (due_return.status, due_return.submitted_by) == (ReturnStatus.SUBMITTED, provider_user)
    assert (due_return.referrals, due_return.supported, due_return.narrative) == (12, 10, "A steady quarter.")


def test_a_refused_submission_shows_the_part_of_the_first_problem(provider_client, due_return):
    _send(provider_client, due_return, "about", narrative="Nothing counted yet.")
    response = _send(provider_client, due_return, "check", "submit")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Referrals and victims supported</h1>" in page and 'name="referrals"' in page
    hrefs = [href for href, _text in _summary_links(page)]
    assert hrefs and all(href in ("#id_referrals", "#id_supported") for href in hrefs)
    due_return.refresh_from_db()
    assert due_return.status == ReturnStatus.DRAFT and due_return.narrative == "Nothing counted yet."


def test_an_error_about_another_part_links_to_that_part(provider_client, due_return):
    _send(provider_client, due_return, "numbers", referrals=12, supported=10)
    _send(provider_client, due_return, "breakdowns", "save", sex__female=6)
    response = _send(provider_client, due_return, "check", "submit")  # 6 of 10, not explained
    page = response.content.decode()
    assert "Who was supported</h1>" in page
    assert any(href.startswith("#id_") for href, _text in _summary_links(page))
    assert MonitoringReturn.objects.get(pk=due_return.pk).status == ReturnStatus.DRAFT


def test_a_provider_reaches_only_their_own_returns_parts(provider_client, due_return):
    other = MonitoringReturn.objects.create(
        award=AwardFactory(provider=OrganisationFactory(name="Other Org"), status=AwardStatus.ACTIVE),
        fy=2019,
        quarter=1,
        status=ReturnStatus.DUE,
        due_date=datetime.date(2019, 7, 20),
    )
    for part in ("numbers", "about", "check"):
        assert provider_client.get(_url(other, part)).status_code == 404
    assert _send(provider_client, other, "numbers", referrals=1, supported=1).status_code == 404
    assert _send(provider_client, other, "check", "submit").status_code == 404
    other.refresh_from_db()
    assert other.status == ReturnStatus.DUE and other.referrals is None


@pytest.mark.parametrize("role", [Role.OFFICER, Role.BOARD])
def test_staff_do_not_fill_in_a_providers_return_in_the_portal(role, due_return):
    client = Client()
    client.force_login(UserFactory(role=role))
    assert client.get(_url(due_return, "check")).status_code == 403
    assert _send(client, due_return, "check", "submit").status_code == 403
    assert MonitoringReturn.objects.get(pk=due_return.pk).status == ReturnStatus.DUE


def test_a_submitted_return_shows_all_its_answers_read_only(provider_client, due_return):
    MonitoringReturn.objects.filter(pk=due_return.pk).update(
        status=ReturnStatus.SUBMITTED, referrals=9, supported=8, narrative="All done."
    )
    page = provider_client.get(_url(due_return, "numbers")).content.decode()
    assert "Parts of this return" not in page and "Save and continue" not in page
    assert "All done." in page and 'name="referrals"' in page and "disabled" in page
    assert _send(provider_client, due_return, "check", "submit").status_code == 302
    assert MonitoringReturn.objects.get(pk=due_return.pk).status == ReturnStatus.SUBMITTED


def test_kpi_values_are_their_own_part(provider_client, due_return, award):
    kpi = AwardKPI.objects.create(award=award, name="Sessions held", unit="sessions")
    response = _send(provider_client, due_return, "kpis", **{f"kpi__{kpi.pk}": "28.5"})
    assert response["Location"] == _url(due_return, "about")
    assert due_return.kpi_values.get().value == Decimal("28.5")
    # A round value reads as it was typed, on its part and on the check-answers page (not 2E+1).
    _send(provider_client, due_return, "kpis", **{f"kpi__{kpi.pk}": "20"})
    assert f'name="kpi__{kpi.pk}" value="20"' in provider_client.get(_url(due_return, "kpis")).content.decode()
    check = re.sub(
        r"\s+", " ", re.sub(r"<[^>]+>", " ", provider_client.get(_url(due_return, "check")).content.decode())
    )
    assert "Sessions held 20 " in check
