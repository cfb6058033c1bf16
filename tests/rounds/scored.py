"""A small published round with scored applications, for the moderation, decision and reporting
tests. Weighted score = 10 × the one criterion's mean (weight 100, out of 10)."""

from __future__ import annotations

from decimal import Decimal

from rounds.models import AssignmentStatus, Eligibility, RoundStatus
from tests.factories.rounds import (
    ApplicationFactory,
    AssignmentFactory,
    CriterionFactory,
    PanelMemberFactory,
    RoundFactory,
    ScoreFactory,
)


def scored_round(**round_fields):
    """Budget 20,000, no over-allocation, pass mark 50, one criterion out of 10."""
    fields = {
        "status": RoundStatus.PUBLISHED,
        "budget": Decimal("20000"),
        "overallocation_percent": Decimal("0"),
        "pass_mark": Decimal("50"),
        **round_fields,
    }
    round = RoundFactory(**fields)
    criterion = CriterionFactory(round=round, key="fit", weight=Decimal("100"), max_score=10)
    members = [PanelMemberFactory(round=round) for _ in range(2)]
    return round, criterion, members


def scored_application(round, criterion, members, scores, **fields):
    """An application scored ``scores`` (one per member, submitted)."""
    application = ApplicationFactory(round=round, **fields)
    for member, value in zip(members, scores, strict=False):
        assignment = AssignmentFactory(member=member, application=application, status=AssignmentStatus.SUBMITTED)
        ScoreFactory(assignment=assignment, criterion=criterion, score=value)
    return application


def ineligible(application):
    application.eligibility = Eligibility.INELIGIBLE
    application.screening_reason = "Not a constituted body."
    application.save()
    return application
