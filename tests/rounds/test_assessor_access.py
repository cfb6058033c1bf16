"""An external assessor sees only their own, unconflicted assignments, and nothing else."""

import pytest
from django.urls import reverse

from rounds.assessment.access import access_assignment
from rounds.models import AssignmentStatus, RoundStatus
from tests.factories import UserFactory
from tests.factories.rounds import AssignmentFactory, PanelMemberFactory, RoundFactory
from tests.factories.users import TEST_PASSWORD


@pytest.fixture
def assessor(db):
    return UserFactory(username="ext", role="Assessor")


def test_sign_in_lands_on_assess_home(assessor, client):
    response = client.post(reverse("login"), {"username": "ext", "password": TEST_PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("assess:home")


@pytest.mark.parametrize(
    "name",
    ["reports:dashboard", "providers:list", "grants:index", "rounds:list", "apply:home"],
)
def test_every_other_page_refused(assessor, login_as, name):
    from django.urls import NoReverseMatch

    try:
        url = reverse(name)
    except NoReverseMatch:
        pytest.skip(f"{name} is not built on this branch")
    assert login_as(assessor).get(url).status_code == 403


def test_round_pages_refused(assessor, login_as):
    round = RoundFactory()
    client = login_as(assessor)
    for name in ("rounds:applications", "rounds:panel", "rounds:progress"):
        assert client.get(reverse(name, args=[round.reference])).status_code == 403


def test_home_lists_only_own_assignments(assessor, login_as):
    round = RoundFactory(status=RoundStatus.PUBLISHED)
    mine = AssignmentFactory(member=PanelMemberFactory(round=round, user=assessor), application__title="Mine")
    AssignmentFactory(member=PanelMemberFactory(round=round), application__title="Theirs")
    page = login_as(assessor).get(reverse("assess:home")).content.decode()
    assert "Mine" in page and "Theirs" not in page
    assert access_assignment(assessor, mine.pk) == mine


def test_other_members_assignment_is_404(assessor, login_as):
    theirs = AssignmentFactory()
    assert login_as(assessor).get(reverse("assess:assignment", args=[theirs.pk])).status_code == 404


def test_conflicted_assignment_is_403(assessor, login_as):
    conflicted = AssignmentFactory(
        member=PanelMemberFactory(user=assessor), status=AssignmentStatus.CONFLICTED, conflict_note="Trustee"
    )
    assert login_as(assessor).get(reverse("assess:assignment", args=[conflicted.pk])).status_code == 403
