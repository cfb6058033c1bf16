"""Who sees which update (delivery.updates.access): a Partner contributor sees and writes only
the activities they lead, and nothing else in the service."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from delivery.updates.access import access_activity_update
from pcc_commissioning.roles import Role
from tests.factories import UserFactory
from tests.factories.delivery import ActivityFactory, ProgressUpdateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead():
    return UserFactory(role=Role.PARTNER)


@pytest.fixture
def mine(lead):
    return ProgressUpdateFactory(activity=ActivityFactory(lead_user=lead))


@pytest.fixture
def theirs():
    return ProgressUpdateFactory(activity=ActivityFactory(lead_user=UserFactory(role=Role.PARTNER)))


def test_the_lead_gets_their_own_update_and_not_found_for_anothers(lead, mine, theirs):
    assert access_activity_update(lead, mine.pk) == mine
    with pytest.raises(Http404):
        access_activity_update(lead, theirs.pk)
    with pytest.raises(Http404):
        access_activity_update(lead, 999999)


def test_every_internal_role_reads_any_update_and_other_roles_are_refused(
    officer, board_member, finance_officer, provider_user, theirs
):
    for user in (officer, board_member, finance_officer):
        assert access_activity_update(user, theirs.pk) == theirs
    with pytest.raises(PermissionDenied):
        access_activity_update(provider_user, theirs.pk)


def test_a_lead_who_is_no_longer_the_lead_loses_the_update(lead, mine):
    mine.activity.lead_user = UserFactory(role=Role.PARTNER)
    mine.activity.save()
    with pytest.raises(Http404):
        access_activity_update(lead, mine.pk)


def test_a_contributor_is_refused_another_leads_pages(login_as, lead, mine, theirs):
    client = login_as(lead)
    assert client.get(reverse("contribute:update", args=[mine.pk])).status_code == 200
    assert client.get(reverse("contribute:update", args=[theirs.pk])).status_code == 404
    response = client.post(
        reverse("contribute:update", args=[theirs.pk]), {"narrative": "Not mine", "action": "save", "version": 1}
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.narrative == ""


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/delivery/",
        "/providers/",
        "/grants/",
        "/rounds/",
        "/needs/",
        "/outcomes/",
        "/reports/",
        "/portal/",
        "/my-work/",
        "/imports/",
        "/rounds/",
        "/apply/",
        "/assess/",
        "/admin/",
    ],
)
def test_a_contributor_sees_nothing_else_in_the_service(login_as, lead, path):
    response = login_as(lead).get(path)
    if path == "/":
        # Their home is their own page.
        assert response.status_code == 302 and response["Location"] == reverse("contribute:home")
    else:
        # Refused, or (the admin, the applicants' and assessors' own places) sent to sign in as
        # someone else.
        assert response.status_code in (403, 404) or (
            response.status_code == 302 and "login" in response["Location"]
        ), path


def test_the_header_search_finds_a_contributor_nothing(login_as, lead, officer_client):
    from tests.factories.providers import OrganisationFactory

    OrganisationFactory(name="Harbourside Refuge Trust")
    assert "Harbourside Refuge Trust" in officer_client.get("/search/?q=Harbourside").content.decode()
    page = login_as(lead).get("/search/?q=Harbourside").content.decode()
    assert "Harbourside Refuge Trust" not in page


def test_a_contributor_is_refused_every_officer_page_of_the_update_cycle(login_as, lead, mine):
    client = login_as(lead)
    update_round = mine.update_round
    for path in (
        reverse("delivery:update_round_open", args=[update_round.plan.reference]),
        reverse("delivery:update_round", args=[update_round.pk]),
        reverse("delivery:update", args=[mine.pk]),
        reverse("delivery:update_request_changes", args=[mine.pk]),
        reverse("delivery:contributors"),
        reverse("delivery:contributor_invite"),
    ):
        assert client.get(path).status_code == 403, path
    assert client.post(reverse("delivery:update_accept", args=[mine.pk]), {"version": 1}).status_code == 403
    assert client.post(reverse("delivery:update_round_move", args=[update_round.pk, "cancel"])).status_code == 403


def test_other_roles_are_refused_the_contributors_pages(board_client, provider_client, mine):
    assert board_client.get(reverse("contribute:home")).status_code == 403
    assert board_client.get(reverse("contribute:update", args=[mine.pk])).status_code == 403
    assert provider_client.get(reverse("contribute:home")).status_code == 403
