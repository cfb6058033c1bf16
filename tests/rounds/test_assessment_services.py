"""A panel member's conflict declaration and scores; the officers' panel services."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from rounds.assessment import panel
from rounds.assessment.services import assignment_declare, scores_save
from rounds.models import AssignmentStatus, Eligibility, PanelMember, RoundStatus, Score
from tests.factories import UserFactory
from tests.factories.rounds import (
    ApplicationFactory,
    AssignmentFactory,
    CriterionFactory,
    PanelMemberFactory,
    RoundFactory,
    ScoreFactory,
)


@pytest.fixture
def assignment(db):
    round = RoundFactory(status=RoundStatus.PUBLISHED)
    return AssignmentFactory(member=PanelMemberFactory(round=round))


@pytest.fixture
def criteria(assignment):
    round = assignment.member.round
    return (
        CriterionFactory(round=round, key="need", text="Need", max_score=5, weight=60),
        CriterionFactory(round=round, key="value", text="Value", max_score=3, weight=40),
    )


def _declared(assignment):
    return assignment_declare(actor=assignment.member.user, assignment=assignment, conflict=False, note="")


def test_declaring_no_conflict_starts_scoring(assignment):
    assert _declared(assignment).status == AssignmentStatus.IN_PROGRESS


def test_declaring_conflict_needs_what_it_is(assignment):
    with pytest.raises(ValidationError) as exc:
        assignment_declare(actor=assignment.member.user, assignment=assignment, conflict=True, note="")
    assert "note" in exc.value.message_dict
    saved = assignment_declare(
        actor=assignment.member.user, assignment=assignment, conflict=True, note="I am a trustee"
    )
    assert saved.status == AssignmentStatus.CONFLICTED and saved.conflict_note == "I am a trustee"


def test_conflicted_cannot_score(assignment, criteria):
    assignment_declare(actor=assignment.member.user, assignment=assignment, conflict=True, note="Trustee")
    with pytest.raises(PermissionDenied):
        scores_save(actor=assignment.member.user, assignment=assignment, scores={criteria[0].pk: (3, "")}, submit=False)


def test_someone_elses_assignment_refused(assignment, criteria):
    other = UserFactory(role="Assessor")
    with pytest.raises(PermissionDenied):
        assignment_declare(actor=other, assignment=assignment, conflict=False)
    _declared(assignment)
    with pytest.raises(PermissionDenied):
        scores_save(actor=other, assignment=assignment, scores={criteria[0].pk: (3, "")}, submit=False)


def test_partial_save_then_submit(assignment, criteria):
    need, value = criteria
    user = assignment.member.user
    _declared(assignment)
    scores_save(
        actor=user, assignment=assignment, scores={need.pk: (4, "Clear need"), value.pk: (None, "")}, submit=False
    )
    assert list(Score.objects.values_list("criterion__key", "score", "comment")) == [("need", 4, "Clear need")]
    with pytest.raises(ValidationError) as exc:
        scores_save(actor=user, assignment=assignment, scores={need.pk: (4, "")}, submit=True)
    assert exc.value.message_dict == {f"score_{value.pk}": ["Value: give a score before submitting."]}
    saved = scores_save(actor=user, assignment=assignment, scores={need.pk: (4, ""), value.pk: (2, "")}, submit=True)
    assert saved.status == AssignmentStatus.SUBMITTED
    with pytest.raises(ValidationError, match="submitted"):
        scores_save(actor=user, assignment=assignment, scores={need.pk: (1, "")}, submit=False)


def test_score_above_maximum_names_field(assignment, criteria):
    _declared(assignment)
    value = criteria[1]
    with pytest.raises(ValidationError) as exc:
        scores_save(actor=assignment.member.user, assignment=assignment, scores={value.pk: (4, "")}, submit=False)
    assert exc.value.message_dict == {f"score_{value.pk}": ["Value: the score must be from 0 to 3."]}
    assert not Score.objects.exists()


@pytest.mark.parametrize("status", [RoundStatus.DECIDED, RoundStatus.RESULTS_PUBLISHED])
def test_nobody_scores_after_the_round_is_decided(assignment, criteria, status):
    _declared(assignment)
    round = assignment.member.round
    round.status = status
    round.save()
    with pytest.raises(ValidationError, match="nobody scores after the round is decided"):
        scores_save(actor=assignment.member.user, assignment=assignment, scores={criteria[0].pk: (3, "")}, submit=False)


def test_finance_cannot_score(assignment, finance_officer):
    with pytest.raises(PermissionDenied):
        assignment_declare(actor=finance_officer, assignment=assignment, conflict=False)


# Panel ---------------------------------------------------------------------------------------


@pytest.fixture
def round(db):
    return RoundFactory(status=RoundStatus.PUBLISHED)


def test_assign_all_only_assessable(round, officer):
    member_a, member_b = PanelMemberFactory(round=round), PanelMemberFactory(round=round)
    screened = ApplicationFactory(round=round, eligibility=Eligibility.ELIGIBLE, screening_reason="ok")
    unscreened_ok = ApplicationFactory(round=round, answers_eligible=True)
    ApplicationFactory(round=round, answers_eligible=None)  # not all answered: not assessed until screened
    ApplicationFactory(round=round, eligibility=Eligibility.INELIGIBLE, screening_reason="no")
    ApplicationFactory(round=round, status="withdrawn")
    assert panel.assign_all(actor=officer, round=round) == 4
    assert panel.assign_all(actor=officer, round=round) == 0
    assigned = {(a.member_id, a.application_id) for a in member_a.assignments.all() | member_b.assignments.all()}
    assert assigned == {(m.pk, app.pk) for m in (member_a, member_b) for app in (screened, unscreened_ok)}


def test_member_who_scored_stays(round, officer):
    score = ScoreFactory(assignment__member__round=round)
    with pytest.raises(ValidationError, match="has scored"):
        panel.panel_member_remove(actor=officer, member=score.assignment.member)
    fresh = PanelMemberFactory(round=round)
    panel.panel_member_remove(actor=officer, member=fresh)
    assert not PanelMember.objects.filter(pk=fresh.pk).exists()


def test_add_board_member_not_provider(round, officer, board_member, provider_user):
    panel.panel_member_add(actor=officer, round=round, user=board_member)
    with pytest.raises(ValidationError):
        panel.panel_member_add(actor=officer, round=round, user=provider_user)
    with pytest.raises(PermissionDenied):
        panel.panel_member_add(actor=board_member, round=round, user=officer)


def test_chase_lists_outstanding_and_notes_time(round, officer):
    assignment = AssignmentFactory(member=PanelMemberFactory(round=round, user__email="a@example.org"))
    member = panel.member_chase(actor=officer, member=assignment.member, link_base="https://x.test/")
    assert member.last_chased_at is not None
    assert mail.outbox[0].to == ["a@example.org"]
    assert assignment.application.reference in mail.outbox[0].body


def test_invite_and_accept_creates_assessor_on_panel(round, officer):
    invitation = panel.assessor_invite(
        actor=officer,
        round=round,
        email="Ext@Example.org",
        first_name="Eve",
        last_name="Ext",
        link_base="https://x.test/",
    )
    token = mail.outbox[0].body.split("/assess/invitations/")[1].split("/")[0]
    assert invitation.token_hash != token
    user = panel.invitation_accept(token=token, password="a long unusual passphrase 42")
    assert user.username == "ext@example.org" and user.groups.filter(name="Assessor").exists()
    assert PanelMember.objects.filter(round=round, user=user).exists()
    with pytest.raises(ValidationError):
        panel.invitation_accept(token=token, password="a long unusual passphrase 42")


def test_accept_existing_assessor_just_adds(round, officer):
    existing = UserFactory(role="Assessor", email="old@example.org")
    panel.assessor_invite(
        actor=officer, round=round, email="old@example.org", first_name="O", last_name="Ld", link_base="https://x.test/"
    )
    token = mail.outbox[0].body.split("/assess/invitations/")[1].split("/")[0]
    assert panel.invitation_accept(token=token) == existing
    assert PanelMember.objects.filter(round=round, user=existing).exists()
