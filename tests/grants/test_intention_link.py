"""An award names the commissioning intention it fulfils and the areas it serves: the services
accept and check them (keeping history), the award form sets them, the award page shows them,
and the intention page's "Awards" tab (a grants view) lists the awards fulfilling it."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grants.awards import services as awards_services
from grants.models import Award, AwardStatus
from needs_assessment.models import AreaType, IntentionStatus
from pcc_commissioning.roles import Role
from pcc_commissioning.tabs import page_tabs
from tests import award_steps
from tests.factories import (
    AwardFactory,
    CommissioningPriorityFactory,
    FundingLineFactory,
    FundingStreamFactory,
    OrganisationFactory,
    UserFactory,
)
from tests.factories.needs import AreaFactory, CommissioningIntentionFactory, ThemeFactory
from tests.form_data import date_boxes

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return response.content.decode()


@pytest.fixture
def places():
    force = AreaFactory(code="E23000008", name="Durham", type=AreaType.FORCE_AREA)
    return {
        "force": force,
        "durham": AreaFactory(code="E06000047", name="County Durham", parent=force),
        "darlington": AreaFactory(code="E06000005", name="Darlington", parent=force),
    }


@pytest.fixture
def intention():
    return CommissioningIntentionFactory(title="More refuge places", theme=ThemeFactory(name="Domestic abuse"))


def _create(**extra) -> Award:
    return awards_services.award_create(
        actor=None,
        title="Refuge",
        provider=OrganisationFactory(),
        kind="grant",
        priority=CommissioningPriorityFactory(),
        start_date=datetime.date(2019, 4, 1),
        end_date=datetime.date(2020, 3, 31),
        **extra,
    )


# Services -----------------------------------------------------------------------------------


def test_create_with_intention_and_areas(intention, places, officer):
    award = _create(intention=intention, areas=[places["darlington"], places["darlington"]])
    assert award.intention == intention
    assert list(award.areas.all()) == [places["darlington"]]
    assert list(intention.awards.all()) == [award]


def test_create_without_them_means_no_intention_and_the_whole_force_area():
    award = _create()
    assert award.intention is None
    assert award.areas.count() == 0


def test_update_changes_them_with_history(intention, places, officer):
    award = _create()
    updated = awards_services.award_update(
        award=award,
        actor=officer,
        expected_version=award.version,
        intention=intention,
        areas=[places["durham"], places["darlington"]],
    )
    assert updated.intention == intention
    assert set(updated.areas.all()) == {places["durham"], places["darlington"]}
    latest = Award.history.filter(id=award.pk).latest("history_date", "history_id")
    assert latest.intention_id == intention.pk
    assert latest.history_user == officer
    assert {row.area_id for row in latest.areas.all()} == {places["durham"].pk, places["darlington"].pk}

    # Areas left out: unchanged; an empty list: back to the whole force area.
    again = awards_services.award_update(
        award=updated, actor=officer, expected_version=updated.version, title="Refuge 2"
    )
    assert again.areas.count() == 2
    cleared = awards_services.award_update(
        award=again, actor=officer, expected_version=again.version, areas=[], intention=None
    )
    assert cleared.areas.count() == 0 and cleared.intention is None


def test_update_with_the_same_values_saves_nothing(intention, places):
    award = _create(intention=intention, areas=[places["durham"]])
    version = award.version
    same = awards_services.award_update(
        award=award, actor=None, expected_version=version, intention=intention, areas=[places["durham"]]
    )
    assert same.version == version


@pytest.mark.parametrize("bad", ["More refuge places", 7, object()])
def test_a_bad_intention_is_refused(bad):
    with pytest.raises(ValidationError) as caught:
        _create(intention=bad)
    assert "intention" in caught.value.error_dict
    assert Award.objects.count() == 0


def test_a_dropped_intention_is_refused_but_an_existing_link_is_kept():
    dropped = CommissioningIntentionFactory(title="Old plan", status=IntentionStatus.DROPPED)
    with pytest.raises(ValidationError) as caught:
        _create(intention=dropped)
    assert "Old plan" in caught.value.message_dict["intention"][0]
    assert "dropped" in caught.value.message_dict["intention"][0]
    award = AwardFactory(intention=dropped)  # linked before it was dropped
    updated = awards_services.award_update(award=award, actor=None, expected_version=award.version, title="Renamed")
    assert updated.title == "Renamed" and updated.intention == dropped


@pytest.mark.parametrize("bad", ["E06000047", [1, 2], [None]])
def test_bad_areas_are_refused(bad, places):
    with pytest.raises(ValidationError) as caught:
        _create(areas=bad)
    assert "areas" in caught.value.error_dict
    award = AwardFactory()
    with pytest.raises(ValidationError) as caught:
        awards_services.award_update(award=award, actor=None, expected_version=award.version, areas=bad)
    assert "areas" in caught.value.error_dict
    assert award.areas.count() == 0


# The award form and page ------------------------------------------------------------------------


def _post(**extra) -> dict:
    stream = FundingStreamFactory()
    data = {
        "reference": "",
        "title": "Refuge",
        "provider": OrganisationFactory().pk,
        "kind": "grant",
        "priority": CommissioningPriorityFactory().pk,
        **date_boxes("start_date", datetime.date(2019, 4, 1)),
        **date_boxes("end_date", datetime.date(2020, 3, 31)),
        **date_boxes("extension_until", None),
        "extension_months": "",
        "duration": "",
        "lead_officer": "",
        "decision": "",
        "cost_centre": "",
        "moj_category": "",
        "purpose": "",
        "approach": "",
        "conditions": "",
        "reasons": "",
        "key_activity": "",
        "intention": "",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-stream": stream.pk,
        "lines-0-fy": "2019",
        "lines-0-amount": "1000",
    }
    data.update(extra)
    return data


def test_the_form_offers_intentions_and_areas(officer_client, intention, places):
    journey = award_steps.start(officer_client)
    award_steps.answer_steps(officer_client, journey, _post())
    page = _text(officer_client.get(award_steps.step_url(journey, "plan")))
    assert "Intention it fulfils" in page and "More refuge places (Must)" in page
    assert "Areas served" in page and "Leave empty for the whole force area" in page
    assert re.search(r'type="checkbox"\s+name="areas"', page) and "Darlington (local authority)" in page


def test_the_form_sets_intention_and_areas(officer_client, intention, places):
    response = award_steps.add_award(
        officer_client, _post(intention=intention.pk, areas=[places["durham"].pk, places["darlington"].pk])
    )
    assert response.status_code == 302
    award = Award.objects.get()
    assert award.intention == intention
    assert set(award.areas.all()) == {places["durham"], places["darlington"]}

    edit = reverse("grants:award_edit", kwargs={"pk": award.pk})
    page = _text(officer_client.get(edit))
    assert f'value="{intention.pk}" selected' in page
    data = _post(reference=award.reference, version=award.version, intention="", areas=[places["darlington"].pk])
    assert officer_client.post(edit, data).status_code == 302
    award.refresh_from_db()
    assert award.intention is None
    assert list(award.areas.all()) == [places["darlington"]]


def test_the_form_refuses_unknown_choices(officer_client, intention):
    response = award_steps.add_award(officer_client, _post(intention=999999, areas=[999999]))
    assert response.status_code == 200
    page = _text(response)
    assert "govuk-error-summary" in page
    assert page.count("Select a valid choice") >= 2
    assert Award.objects.count() == 0


def test_the_form_shows_a_dropped_intention_refusal(officer_client):
    dropped = CommissioningIntentionFactory(title="Old plan", status=IntentionStatus.DROPPED)
    response = award_steps.add_award(officer_client, _post(intention=dropped.pk))
    assert response.status_code == 200
    assert "has been dropped" in _text(response)
    assert Award.objects.count() == 0


def test_the_award_page_shows_the_intention_and_areas(board_client, intention, places):
    award = AwardFactory(intention=intention)
    award.areas.set([places["darlington"]])
    page = _text(board_client.get(reverse("grants:award_detail", kwargs={"pk": award.pk})))
    assert reverse("needs_assessment:intention_detail", kwargs={"pk": intention.pk}) in page
    assert "More refuge places" in page
    assert "Darlington (local authority)" in page
    other = AwardFactory()
    page = _text(board_client.get(reverse("grants:award_detail", kwargs={"pk": other.pk})))
    assert "The whole force area" in page and "None linked" in page


def test_a_provider_user_does_not_see_the_intention(provider_client, provider_user, intention):
    award = AwardFactory(
        intention=intention, status=AwardStatus.ACTIVE, provider=provider_user.provider_membership.organisation
    )
    page = _text(provider_client.get(reverse("grants:award_detail", kwargs={"pk": award.pk})))
    assert "More refuge places" not in page
    assert "Intention it fulfils" not in page


# The intention's Awards tab ---------------------------------------------------------------------


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


@pytest.mark.parametrize(
    "role, expected",
    [
        ("anonymous", "login"),
        ("officer", 200),
        ("finance", 200),
        ("board", 200),
        ("provider", 403),
    ],
)
def test_awards_tab_permissions(role, expected, intention):
    response = _client_for(role).get(reverse("grants:intention_awards", kwargs={"pk": intention.pk}))
    if expected == "login":
        assert response.status_code == 302
        assert urlsplit(response["Location"]).path == reverse("login")
    else:
        assert response.status_code == expected


def test_awards_tab_is_registered(officer, intention):
    tabs = page_tabs("intention", user=officer, pk=intention.pk, current="grants:intention_awards")
    assert {
        "label": "Awards",
        "url": reverse("grants:intention_awards", kwargs={"pk": intention.pk}),
        "current": True,
    } in tabs


def test_awards_tab_lists_the_awards_fulfilling_it(finance_client, intention):
    active = AwardFactory(
        reference="AWD-1",
        title="Refuge north",
        status=AwardStatus.ACTIVE,
        intention=intention,
        provider=OrganisationFactory(name="Harbour"),
    )
    FundingLineFactory(award=active, amount=Decimal("12500"))
    planned = AwardFactory(reference="AWD-2", title="Refuge south", intention=intention)
    FundingLineFactory(award=planned, amount=Decimal("4000"))
    AwardFactory(reference="AWD-3", title="Something else", intention=CommissioningIntentionFactory())
    AwardFactory(reference="AWD-4", title="Unlinked")
    response = finance_client.get(reverse("grants:intention_awards", kwargs={"pk": intention.pk}))
    page = _text(response)
    assert "AWD-1" in page and "AWD-2" in page
    assert "AWD-3" not in page and "AWD-4" not in page
    assert "Harbour" in page and "Active" in page
    assert "£12,500 committed, £4,000 planned" in page
    assert '<caption class="govuk-table__caption govuk-table__caption--s">Awards fulfilling' in page
    assert reverse("needs_assessment:intention_detail", kwargs={"pk": intention.pk}) in page  # the Details tab


def test_awards_tab_of_an_unknown_intention_is_404(officer_client):
    assert officer_client.get(reverse("grants:intention_awards", kwargs={"pk": 999999})).status_code == 404


def test_awards_tab_query_count_is_flat(officer_client, intention):
    url = reverse("grants:intention_awards", kwargs={"pk": intention.pk})

    def grow(count: int) -> None:
        for _ in range(count):
            FundingLineFactory(award=AwardFactory(intention=intention, status=AwardStatus.AWARDED))

    grow(3)
    officer_client.get(url)
    with CaptureQueriesContext(connection) as small:
        officer_client.get(url)
    grow(20)
    with CaptureQueriesContext(connection) as large:
        response = officer_client.get(url)
    assert _text(response).count("grants/awards/") >= 23
    assert len(large) == len(small)


def test_award_page_query_count_does_not_grow_with_areas(officer_client, intention, places):
    award = AwardFactory(intention=intention)
    award.areas.set([places["durham"]])
    url = reverse("grants:award_detail", kwargs={"pk": award.pk})
    officer_client.get(url)
    with CaptureQueriesContext(connection) as small:
        officer_client.get(url)
    award.areas.set([AreaFactory() for _ in range(10)])
    with CaptureQueriesContext(connection) as large:
        officer_client.get(url)
    assert len(large) == len(small)
