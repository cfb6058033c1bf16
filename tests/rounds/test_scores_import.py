"""The scores import of a paper panel: all or nothing, each problem with its row and column."""

import pytest

from pcc_commissioning.interchange.imports import run_import
from pcc_commissioning.interchange.rows import ImportFailed
from rounds.models import Assignment, AssignmentStatus, Eligibility, RoundStatus, Score
from tests.factories import UserFactory
from tests.factories.rounds import ApplicationFactory, CriterionFactory, PanelMemberFactory, RoundFactory

HEADER = "application_reference,assessor,criterion,score,comment,conflict\n"


@pytest.fixture
def setting(db):
    round = RoundFactory(reference="CSF-2026", status=RoundStatus.PUBLISHED)
    CriterionFactory(round=round, key="need", max_score=5, weight=60)
    CriterionFactory(round=round, key="value", max_score=3, weight=40)
    ApplicationFactory(round=round, reference="CSF-1")
    ApplicationFactory(round=round, reference="CSF-2", eligibility=Eligibility.INELIGIBLE, screening_reason="no")
    PanelMemberFactory(round=round, user=UserFactory(username="ann", role="Assessor"))
    PanelMemberFactory(round=round, user=UserFactory(username="ben", role="Assessor"))
    UserFactory(username="outsider", role="Assessor")
    return round


def _import(text):
    return run_import("scores", (HEADER + text).encode(), filename="scores.csv", options={"round": "CSF-2026"})


def test_scores_and_conflict(setting):
    result = _import("CSF-1,ann,need,4,Strong,\nCSF-1,ann,value,2,,no\nCSF-1,ben,,,Trustee,yes\n")
    assert result.created == 2
    ann = Assignment.objects.get(member__user__username="ann")
    assert ann.status == AssignmentStatus.SUBMITTED
    assert sorted(Score.objects.values_list("criterion__key", "score")) == [("need", 4), ("value", 2)]
    ben = Assignment.objects.get(member__user__username="ben")
    assert (ben.status, ben.conflict_note) == (AssignmentStatus.CONFLICTED, "Trustee")


def test_partial_scores_leave_in_progress(setting):
    _import("CSF-1,ann,need,4,,\n")
    assert Assignment.objects.get().status == AssignmentStatus.IN_PROGRESS


def test_every_problem_named(setting):
    with pytest.raises(ImportFailed) as exc:
        _import(
            "CSF-1,ann,need,6,,\n"  # above the maximum of 5
            "CSF-9,ann,need,1,,\n"  # unknown application
            "CSF-1,outsider,need,1,,\n"  # not on the panel
            "CSF-1,ben,speed,1,,\n"  # unknown criterion
            "CSF-2,ann,need,1,,\n"  # not assessable
        )
    assert [(e.row, e.column) for e in exc.value.errors] == [
        (2, "score"),
        (3, "application_reference"),
        (4, "assessor"),
        (5, "criterion"),
        (6, "application_reference"),
    ]
    assert not Score.objects.exists() and not Assignment.objects.exists()


def test_conflicted_assessor_cannot_score(setting):
    _import("CSF-1,ben,,,Trustee,yes\n")
    with pytest.raises(ImportFailed) as exc:
        _import("CSF-1,ben,need,3,,\n")
    assert [(e.row, e.column) for e in exc.value.errors] == [(2, "assessor")]


def test_decided_round_refused(setting):
    setting.status = RoundStatus.DECIDED
    setting.save()
    with pytest.raises(ImportFailed):
        _import("CSF-1,ann,need,4,,\n")
