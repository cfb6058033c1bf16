"""The database keeps a round's invariants whatever writes to it."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from tests.factories import ApplicationFactory, CriterionFactory, RoundFactory, ScoreFactory

pytestmark = pytest.mark.django_db


def test_factories_build_a_scored_application():
    score = ScoreFactory()
    assert score.assignment.application.round == score.criterion.round == score.assignment.member.round


@pytest.mark.parametrize(
    "changes",
    [
        {"min_amount": Decimal("30000"), "max_amount": Decimal("25000")},
        {"pass_mark": Decimal("100.01")},
        {"overallocation_percent": Decimal("-1")},
        {"budget": Decimal("-0.01")},
    ],
)
def test_a_round_refuses_values_out_of_range(changes):
    with pytest.raises(IntegrityError), transaction.atomic():
        RoundFactory(**changes)


def test_a_round_closes_after_it_opens():
    round = RoundFactory.build()
    round.closes_at = round.opens_at
    with pytest.raises(IntegrityError), transaction.atomic():
        RoundFactory(opens_at=round.opens_at, closes_at=round.closes_at)


def test_criterion_keys_are_unique_within_a_round():
    criterion = CriterionFactory(key="need")
    CriterionFactory(key="need")  # another round: fine
    with pytest.raises(IntegrityError), transaction.atomic():
        CriterionFactory(round=criterion.round, key="need")


def test_a_submitted_application_has_its_time():
    with pytest.raises(IntegrityError), transaction.atomic():
        ApplicationFactory(submitted_at=None)
