"""The assessors' pages (declare first, then score) and the officers' panel and progress pages."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rounds.models import AssignmentStatus, PanelMember, RoundStatus, Score
from tests.factories import UserFactory
from tests.factories.rounds import AssignmentFactory, CriterionFactory, PanelMemberFactory, RoundFactory


@pytest.fixture
def assignment(db):
    round = RoundFactory(status=RoundStatus.PUBLISHED)
    CriterionFactory(round=round, key="need", text="Need", max_score=5)
    return AssignmentFactory(
        member=PanelMemberFactory(round=round),
        application__title="Night bus",
        application__answers={"q": "Secret plan"},
    )


def test_declare_first_shows_only_name_and_title(assignment, login_as):
    client = login_as(assignment.member.user)
    url = reverse("assess:assignment", args=[assignment.pk])
    page = client.get(url).content.decode()
    assert "Do you have a conflict of interest?" in page and "Night bus" in page
    assert "Score " not in page
    assert client.post(url, {"conflict": "yes", "note": "Trustee"}).status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.CONFLICTED
    assert client.get(url).status_code == 403


def test_score_save_and_submit(assignment, login_as):
    client = login_as(assignment.member.user)
    url = reverse("assess:assignment", args=[assignment.pk])
    client.post(url, {"conflict": "no"})
    criterion = assignment.member.round.criteria.get()
    assert client.post(url, {f"score_{criterion.pk}": "", "submit": "1"}).status_code == 400
    assert (
        client.post(url, {f"score_{criterion.pk}": "4", f"comment_{criterion.pk}": "Good", "submit": "1"}).status_code
        == 302
    )
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.SUBMITTED
    assert Score.objects.get().score == 4
    page = client.get(url).content.decode()
    assert "cannot be changed" in page and "Submit scores" not in page


def test_board_member_on_panel_sees_theirs(board_member, login_as):
    AssignmentFactory(member=PanelMemberFactory(user=board_member), application__title="Board item")
    assert "Board item" in login_as(board_member).get(reverse("assess:home")).content.decode()


@pytest.mark.parametrize(
    ("role", "panel_status", "add_status"),
    [
        ("Commissioning officer", 200, 302),
        ("Finance officer", 200, 403),
        ("Board member", 200, 403),
        ("Provider user", 403, 403),
        ("Applicant", 403, 403),
        ("Assessor", 403, 403),
    ],
)
def test_panel_permissions(db, login_as, role, panel_status, add_status):
    round = RoundFactory(status=RoundStatus.PUBLISHED)
    board = UserFactory(role="Board member")
    client = login_as(UserFactory(role=role))
    assert client.get(reverse("rounds:panel", args=[round.reference])).status_code == panel_status
    assert client.get(reverse("rounds:progress", args=[round.reference])).status_code == panel_status
    response = client.post(reverse("rounds:panel_member_add", args=[round.reference]), {"user": board.pk})
    assert response.status_code == add_status
    assert PanelMember.objects.filter(round=round, user=board).exists() == (add_status == 302)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_panel_and_progress_query_counts_flat(officer_client):
    round = RoundFactory(status=RoundStatus.PUBLISHED)
    AssignmentFactory(member=PanelMemberFactory(round=round))
    urls = [reverse(name, args=[round.reference]) for name in ("rounds:panel", "rounds:progress")]
    small = [_queries(officer_client, url) for url in urls]
    for _ in range(6):
        AssignmentFactory(member=PanelMemberFactory(round=round))
    assert [_queries(officer_client, url) for url in urls] == small


def test_chase_button(officer_client):
    round = RoundFactory(status=RoundStatus.PUBLISHED)
    assignment = AssignmentFactory(member=PanelMemberFactory(round=round))
    response = officer_client.post(reverse("rounds:panel_member_chase", args=[round.reference, assignment.member.pk]))
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assignment.member.refresh_from_db()
    assert assignment.member.last_chased_at is not None


def test_accept_page_public(db, client, officer):
    from rounds.assessment import panel

    round = RoundFactory(status=RoundStatus.PUBLISHED)
    panel.assessor_invite(
        actor=officer, round=round, email="n@example.org", first_name="N", last_name="E", link_base="http://testserver/"
    )
    link = mail.outbox[0].body.split("http://testserver")[1].split()[0]
    assert client.get(link).status_code == 200
    response = client.post(
        link, {"new_password1": "a long unusual passphrase 42", "new_password2": "a long unusual passphrase 42"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("assess:home")
    assert client.get(reverse("assess:accept", args=["nonsense"])).status_code == 404
