"""The demo's grant rounds (demo.rounds): one closed, screened and scored, ready for its panel;
one open, with the demo applicant's application being written."""

import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command

from pcc_commissioning import clock
from pcc_commissioning.roles import Role
from rounds.models import (
    ApplicantMembership,
    Application,
    ApplicationStatus,
    Assignment,
    AssignmentStatus,
    Eligibility,
    PanelMember,
    Round,
    RoundStatus,
    Score,
)

# A Tuesday in December: the closed round opened 70 days before, closed 28 days before.
TODAY = datetime.datetime(2026, 12, 8, 10, 0, tzinfo=datetime.UTC)


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", force=True, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(db):
    with time_machine.travel(TODAY, tick=False):
        output = seed()
    return output


def test_the_community_safety_fund_is_closed_screened_and_scored_ready_for_the_panel(demo):
    # The panel meets in two weeks (22 December); its grants start on the first of the month after
    # two more weeks (1 February 2027, in 2026/27) and run for a year.
    round = Round.objects.get(name="Community Safety Fund 2026/27")
    assert round.reference == "CSF-2026"
    assert round.fy == 2026
    assert round.status == RoundStatus.PUBLISHED
    assert round.closes_at == datetime.datetime(2026, 11, 10, 12, 0, tzinfo=datetime.UTC)
    # 9am UK time on 29 September is 8am UTC (summer time).
    assert round.opens_at == datetime.datetime(2026, 9, 29, 8, 0, tzinfo=datetime.UTC)
    assert round.panel_date == datetime.date(2026, 12, 22)
    assert (round.award_start, round.award_end) == (datetime.date(2027, 2, 1), datetime.date(2028, 1, 31))
    assert (round.budget, round.overallocation_percent) == (Decimal("30500"), Decimal("10"))
    assert [q.key for q in round.eligibility_questions.all()] == ["constituted", "safeguarding", "accounts", "income"]
    assert round.eligibility_questions.get(key="income").max_value == Decimal("1000000")
    assert [(q.key, q.kind, q.word_limit) for q in round.questions.all()] == [
        ("need", "text", 300),
        ("outcomes", "text", 250),
        ("budget", "budget", None),
        ("start_date", "date", None),
    ]
    assert [(c.key, c.weight, c.max_score) for c in round.criteria.all()] == [
        ("need", Decimal("40"), 5),
        ("delivery", Decimal("35"), 5),
        ("value", Decimal("25"), 5),
    ]
    assert sum(c.weight for c in round.criteria.all()) == 100
    assert round.decision is None and not round.applications.filter(award__isnull=False).exists()


def test_its_twelve_applications_are_submitted_and_screened_with_reasons(demo):
    applications = Application.objects.filter(round__reference="CSF-2026")
    assert applications.count() == 12
    round = Round.objects.get(reference="CSF-2026")
    for application in applications:
        assert application.status == ApplicationStatus.SUBMITTED
        assert round.opens_at < application.submitted_at < round.closes_at
        assert application.screening_reason and application.screened_at > round.closes_at
        assert Decimal("1000") <= application.amount_requested <= Decimal("5000")
        assert sum(line.amount for line in application.budget_lines.all()) == application.amount_requested
        assert application.events.get().to_status == ApplicationStatus.SUBMITTED
    ineligible = applications.get(eligibility=Eligibility.INELIGIBLE)
    assert ineligible.organisation.name == "Wear Valley Housing Trust"
    assert ineligible.answers_eligible is False and "1,450,000" in ineligible.screening_reason
    assert applications.filter(eligibility=Eligibility.ELIGIBLE).count() == 11


def test_its_panel_has_submitted_every_assignment_with_a_score_per_criterion(demo):
    members = PanelMember.objects.filter(round__reference="CSF-2026")
    assert sorted(member.user.username for member in members) == ["assessor", "board", "officer"]
    assignments = Assignment.objects.filter(member__round__reference="CSF-2026")
    assert assignments.count() == 3 * 11  # every eligible application, by each member
    assert not assignments.exclude(status=AssignmentStatus.SUBMITTED).exists()
    assert not assignments.filter(submitted_at__isnull=True).exists()
    assert not assignments.filter(application__eligibility=Eligibility.INELIGIBLE).exists()
    assert all(assignment.submitted_at < clock.now() for assignment in assignments)
    scores = Score.objects.filter(assignment__member__round__reference="CSF-2026")
    assert scores.count() == 3 * 11 * 3
    assert {score.score for score in scores} <= {1, 2, 3, 4, 5}
    # The officer scored Peterlee Women's Drop-in 5, 5, 4: 40 + 35 + 20 = 95 out of 100.
    officer = scores.filter(
        assignment__member__user__username="officer", assignment__application__title__startswith="Drop-in support"
    )
    assert [score.score for score in officer] == [5, 5, 4]


def test_protecting_people_and_places_is_open_with_two_drafts(demo):
    round = Round.objects.get(name="Protecting People and Places Fund - tranche 2")
    assert round.status == RoundStatus.PUBLISHED
    assert round.opens_at.date() == datetime.date(2026, 12, 1)
    assert round.closes_at.date() == datetime.date(2026, 12, 29)
    assert round.opens_at < TODAY < round.closes_at
    assert sum(c.weight for c in round.criteria.all()) == 100
    drafts = list(round.applications.order_by("reference"))
    assert [a.status for a in drafts] == [ApplicationStatus.DRAFT, ApplicationStatus.DRAFT]
    assert [a.created_by.username for a in drafts] == ["applicant", "provider"]
    assert drafts[1].organisation.provider.name == "Harbour"
    assert all(a.submitted_at is None for a in drafts)


def test_the_applicant_and_assessor_users_sign_in_with_the_demo_password(demo):
    from django.contrib.auth import get_user_model

    applicant = get_user_model().objects.get(username="applicant")
    assert applicant.check_password("demo-password-2019")
    assert applicant.groups.filter(name=Role.APPLICANT.value).exists()
    membership = ApplicantMembership.objects.get(user=applicant)
    assert membership.organisation.name == "Easington Colliery Community Hub" and membership.is_lead
    assessor = get_user_model().objects.get(username="assessor")
    assert assessor.check_password("demo-password-2019")
    assert assessor.groups.filter(name=Role.ASSESSOR.value).exists()
    assert "applicant" in demo and "assessor" in demo
    assert "Grant rounds: 16 round(s) and application(s) created" in demo


def test_a_second_run_creates_no_more_rounds(demo):
    with time_machine.travel(TODAY + datetime.timedelta(days=200), tick=False):
        output = seed()
    assert "Grant rounds: 0 round(s)" in output
    assert Round.objects.count() == 2
    assert Application.objects.count() == 14


def test_the_demo_panel_sees_a_request_passed_over_and_a_smaller_one_recommended(demo):
    """The demo's scores give this ranking (from the ranking page): eight recommended requests
    come to £30,600; the limit is £30,500 + 10% = £33,550. Ninth, Spennymoor's £4,200 would make
    £34,800, so it is passed over; tenth, Barnard Castle's £2,900 makes £33,500 and fits (its
    score, 60.0, is exactly the pass mark); eleventh, Ferryhill (50.3), is below it."""
    from rounds.moderation.selectors import round_ranking

    ranking, _ = round_ranking(Round.objects.get(reference__startswith="CSF-"))
    recommended = [(row.application.reference[-4:], row.starting_recommended) for row in ranking.rows]
    assert recommended[8:] == [("0005", False), ("0010", True), ("0009", False), ("0012", False)]
    assert all(flag for _, flag in recommended[:8])
    assert ranking.limit == Decimal("33550")
    assert ranking.rows[9].running_total == Decimal("33500")
