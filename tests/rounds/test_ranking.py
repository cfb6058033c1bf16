"""The ranking arithmetic (rounds.moderation.ranking), every expected value worked by hand in the
comments. No database: the function takes plain data."""

from __future__ import annotations

import datetime
from decimal import Decimal
from fractions import Fraction

from rounds.moderation.ranking import (
    ApplicationInput,
    AssessmentInput,
    CriterionInput,
    criterion_results,
    limit_of,
    one_place,
    rank,
    weighted_score,
)

T0 = datetime.datetime(2026, 4, 2, 9, 0, tzinfo=datetime.UTC)
ONE = (CriterionInput("fit", Decimal("100"), 10),)  # score = 10 × the mean


def done(**scores) -> AssessmentInput:
    return AssessmentInput("submitted", scores)


def app(ref, amount, *scores, eligible=True, at=T0, rec=None, offered=None, key="fit") -> ApplicationInput:
    return ApplicationInput(
        id=hash(ref) % 10_000,
        reference=ref,
        amount_requested=None if amount is None else Decimal(amount),
        submitted_at=at,
        eligible=eligible,
        assessments=tuple(done(**{key: s}) for s in scores),
        recommended_override=rec,
        amount_offered_override=None if offered is None else Decimal(offered),
    )


def ranked(apps, *, budget="20000", over="0", mark="50", criteria=ONE):
    return rank(
        criteria=criteria,
        applications=apps,
        budget=Decimal(budget),
        overallocation_percent=Decimal(over),
        pass_mark=Decimal(mark),
    )


def refs(ranking):
    return [row.application.reference for row in ranking.rows]


def test_mean_of_three_assessors_is_an_exact_recurring_fraction():
    # A: weight 60, out of 5; B: weight 40, out of 10.
    # A scores 4, 4, 5 -> mean 13/3, spread 1; B scores 7, 8, 8 -> mean 23/3, spread 1.
    # 60 × (13/3)/5 = 52; 40 × (23/3)/10 = 92/3; total 52 + 92/3 = 248/3 = 82.666… -> 82.7.
    criteria = (CriterionInput("a", Decimal("60"), 5), CriterionInput("b", Decimal("40"), 10))
    assessments = (
        done(a=4, b=7),
        done(a=4, b=8),
        done(a=5, b=8),
        AssessmentInput("in_progress", {"a": 0, "b": 0}),  # not submitted: does not count
        AssessmentInput("conflicted", {"a": 0, "b": 0}),  # a conflict never counts
    )
    results = criterion_results(criteria, assessments)
    assert [(r.key, r.mean, r.spread) for r in results] == [("a", Fraction(13, 3), 1), ("b", Fraction(23, 3), 1)]
    score = weighted_score(criteria, results)
    assert score == Fraction(248, 3)
    assert isinstance(score, Fraction)
    assert one_place(score) == Decimal("82.7")


def test_spread_is_highest_minus_lowest():
    # Scores 2, 9, 5: spread 9 - 2 = 7; mean 16/3.
    (result,) = criterion_results(ONE, (done(fit=2), done(fit=9), done(fit=5)))
    assert result.spread == 7
    assert result.mean == Fraction(16, 3)


def test_criterion_nobody_scored_adds_nothing_and_no_scores_is_none():
    criteria = (CriterionInput("a", Decimal("50"), 5), CriterionInput("b", Decimal("50"), 5))
    # Only A scored, 4 -> 50 × 4/5 = 40; B has no mean and no spread.
    results = criterion_results(criteria, (done(a=4),))
    assert results[1].mean is None and results[1].spread is None
    assert weighted_score(criteria, results) == 40
    assert weighted_score(criteria, criterion_results(criteria, ())) is None


def test_one_place_rounds_half_up_from_the_exact_value():
    assert one_place(Fraction(289, 4)) == Decimal("72.3")  # 72.25 -> 72.3 (half up)
    assert one_place(Fraction(7224, 100)) == Decimal("72.2")  # 72.24 -> 72.2
    assert one_place(Fraction(200, 3)) == Decimal("66.7")  # 66.666…
    assert one_place(Fraction(0)) == Decimal("0.0")
    assert one_place(Fraction(100)) == Decimal("100.0")
    assert one_place(None) is None


def test_half_up_from_scores():
    # Weight 100 out of 8; scores 5 and 6 -> mean 11/2 -> 100 × 11/16 = 68.75 -> 68.8.
    criteria = (CriterionInput("fit", Decimal("100"), 8),)
    ranking = ranked([app("A", "100", 5, 6)], criteria=criteria)
    assert ranking.rows[0].score == Fraction(275, 4)
    assert ranking.rows[0].score_shown == Decimal("68.8")


def test_limit_is_budget_plus_over_allocation_exactly():
    # 50,000 × (1 + 12.5/100) = 56,250; 20,000 × 1.10 = 22,000.
    assert limit_of(Decimal("50000.00"), Decimal("12.5")) == Decimal("56250")
    assert limit_of(Decimal("20000"), Decimal("10")) == Decimal("22000")
    assert limit_of(Decimal("20000"), Decimal("0")) == Decimal("20000")


def test_ties_smaller_request_then_earlier_submission_then_reference():
    criteria = (CriterionInput("a", Decimal("50"), 5), CriterionInput("b", Decimal("50"), 5))

    def two(ref, amount, a, b, at=T0):
        return ApplicationInput(1, ref, Decimal(amount), at, True, (done(a=a, b=b),))

    # X: 50×4/5 + 50×2/5 = 40 + 20 = 60; Y: 30 + 30 = 60; exactly equal scores.
    later = T0 + datetime.timedelta(hours=1)
    apps = [
        two("X", "5000", 4, 2),  # 60, 5,000
        two("Y", "3000", 3, 3),  # 60, 3,000: smaller request first
        two("Z", "5000", 2, 4, at=later),  # 60, 5,000, submitted later than X
        two("W", "5000", 3, 3),  # 60, 5,000, same time as X: by reference W < X
        two("TOP", "9000", 5, 5),  # 100: first whatever it asks
    ]
    ranking = ranked(apps, budget="100000", criteria=criteria)
    assert refs(ranking) == ["TOP", "Y", "W", "X", "Z"]
    assert [row.rank for row in ranking.rows] == [1, 2, 3, 4, 5]
    assert {row.score for row in ranking.rows[1:]} == {Fraction(60)}


def test_pass_over_and_go_on_and_exactly_at_the_limit():
    # Limit 20,000. P1 90 asks 12,000: total 12,000. P2 80 asks 10,000: 22,000 > 20,000, passed over.
    # P3 70 asks 8,000: 12,000 + 8,000 = 20,000 = the limit, recommended. P4 60 asks 1: 20,001, no.
    apps = [app("P4", "1", 6), app("P2", "10000", 8), app("P1", "12000", 9), app("P3", "8000", 7)]
    ranking = ranked(apps)
    assert refs(ranking) == ["P1", "P2", "P3", "P4"]
    assert [row.starting_recommended for row in ranking.rows] == [True, False, True, False]
    assert [row.recommended for row in ranking.rows] == [True, False, True, False]
    assert [row.amount_offered for row in ranking.rows] == [Decimal(12000), 0, Decimal(8000), 0]
    assert [row.running_total for row in ranking.rows] == [Decimal(n) for n in (12000, 12000, 20000, 20000)]
    assert ranking.limit == Decimal(20000)
    assert ranking.total_offered == Decimal(20000)
    assert not ranking.over_limit


def test_exactly_at_the_pass_mark_is_recommended_just_below_is_not():
    # Pass mark 50. AT: 10 × 5 = 50, recommended. BELOW: out of 200, scores 99 and 100 ->
    # mean 199/2 -> 100 × 199/400 = 49.75 (shown 49.8): below 50, not recommended though it fits.
    below = ApplicationInput(
        2, "BELOW", Decimal("100"), T0, True, (AssessmentInput("submitted", {"big": 99}), done(big=100))
    )
    criteria_big = (CriterionInput("big", Decimal("100"), 200),)
    ranking_below = ranked([below], criteria=criteria_big)
    assert ranking_below.rows[0].score == Fraction(199, 4)
    assert ranking_below.rows[0].score_shown == Decimal("49.8")
    assert ranking_below.rows[0].starting_recommended is False
    at = ranked([app("AT", "100", 5)])
    assert at.rows[0].score == 50
    assert at.rows[0].starting_recommended is True


def test_over_allocation_of_ten_percent_lets_the_panel_go_over_budget():
    # Budget 50,000 + 10% = 55,000. A 90 asks 30,000; B 80 asks 25,000: 55,000 = limit, yes
    # (over the budget, within the over-allocation); C 70 asks 1,000: 56,000, no.
    apps = [app("A", "30000", 9), app("B", "25000", 8), app("C", "1000", 7)]
    ranking = ranked(apps, budget="50000", over="10")
    assert ranking.limit == Decimal("55000")
    assert [row.starting_recommended for row in ranking.rows] == [True, True, False]
    assert ranking.rows[-1].running_total == Decimal("55000")
    # Without it, B would not fit (30,000 + 25,000 > 50,000) but C would (31,000).
    assert [row.starting_recommended for row in ranked(apps, budget="50000").rows] == [True, False, True]


def test_overrides_replace_the_row_and_the_running_total_follows_what_is_offered():
    # The pass-over example with the panel's changes: P1 not recommended (0); P2 recommended with
    # 5,000 offered; P3 keeps its starting 8,000; P4 recommended with no amount -> its 1 asked.
    # Running totals: 0, 5,000, 13,000, 13,001. Starting recommendations stay as they were.
    apps = [
        app("P1", "12000", 9, rec=False),
        app("P2", "10000", 8, rec=True, offered="5000"),
        app("P3", "8000", 7),
        app("P4", "1", 6, rec=True),
    ]
    ranking = ranked(apps)
    assert [row.starting_recommended for row in ranking.rows] == [True, False, True, False]
    assert [row.starting_amount for row in ranking.rows] == [Decimal(12000), 0, Decimal(8000), 0]
    assert [row.recommended for row in ranking.rows] == [False, True, True, True]
    assert [row.amount_offered for row in ranking.rows] == [0, Decimal(5000), Decimal(8000), Decimal(1)]
    assert [row.running_total for row in ranking.rows] == [0, Decimal(5000), Decimal(13000), Decimal(13001)]
    assert [row.overridden for row in ranking.rows] == [True, True, False, True]
    assert ranking.total_offered == Decimal(13001)


def test_amount_override_without_recommendation_keeps_the_starting_one():
    # P1 recommended from the start, offered 10,000 instead of 12,000; P2 (not recommended)
    # with an amount but no recommendation offers nothing.
    apps = [app("P1", "12000", 9, offered="10000"), app("P2", "10000", 8, offered="3000")]
    ranking = ranked(apps)
    assert [row.amount_offered for row in ranking.rows] == [Decimal(10000), 0]
    assert [row.running_total for row in ranking.rows] == [Decimal(10000), Decimal(10000)]


def test_going_over_the_limit_is_shown():
    # Limit 20,000; panel recommends P2 too: 12,000 + 10,000 = 22,000 > 20,000.
    ranking = ranked([app("P1", "12000", 9), app("P2", "10000", 8, rec=True)])
    assert ranking.total_offered == Decimal(22000)
    assert ranking.over_limit


def test_unscored_rank_after_scored_and_ineligible_come_last_unranked():
    # NONE has no scores: no score, not recommended though it would fit, ranked after LOW (score 10).
    # An assessment in progress is no score. BAD and AAA are ineligible: last, by reference, no
    # rank, no score, nothing offered even if the panel had said yes, no running total.
    none = ApplicationInput(9, "NONE", Decimal("10"), T0, True, (AssessmentInput("in_progress", {"fit": 9}),))
    apps = [
        app("BAD", "10", 9, eligible=False, rec=True),
        none,
        app("LOW", "10", 1),
        app("AAA", "10", 9, eligible=False),
        app("HIGH", "10", 9),
    ]
    ranking = ranked(apps, mark="0")
    assert refs(ranking) == ["HIGH", "LOW", "NONE", "AAA", "BAD"]
    assert [row.rank for row in ranking.rows] == [1, 2, 3, None, None]
    assert [row.score for row in ranking.rows] == [90, 10, None, None, None]
    assert [row.recommended for row in ranking.rows] == [True, True, False, False, False]
    assert [row.running_total for row in ranking.rows] == [Decimal(10), Decimal(20), Decimal(20), None, None]
    # The ineligible rows still show the criteria's means for the record.
    assert ranking.rows[3].criteria[0].mean == 9


def test_no_amount_requested_is_not_recommended():
    ranking = ranked([app("X", None, 9), app("Y", "100", 8)])
    assert refs(ranking) == ["X", "Y"]  # same score order; X has no request
    assert [row.starting_recommended for row in ranking.rows] == [False, True]
