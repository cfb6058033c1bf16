"""The panel's ranking of a round's applications and the starting recommendation: a pure
function of plain data (no database), so the arithmetic is exact and testable by hand.

Weighted score = sum over the criteria of weight × (mean score ÷ maximum score), where the mean
is over the assessors who scored that criterion on a *submitted* assessment (an assessment in
progress or a declared conflict never counts). The weights add up to 100, so the score is from 0
to 100. It is a ``Fraction``: two applications tie only when their scores are exactly equal, and
the one decimal place shown is rounded half up from the exact value. A criterion nobody scored
adds nothing; an application with no scores at all has no score (None) and ranks after the
scored ones.

Order: eligible applications by score (highest first); ties by the smaller request, then the
earlier submission, then the reference. Ineligible ones come last, unranked.

Starting recommendation: walk the scored applications in rank order; one whose score reaches
the pass mark is recommended if the running total plus its request stays within the limit
(budget plus the over-allocation the Treasurer allows); otherwise it is passed over and the walk
goes on, since a smaller request further down may still fit. The panel's overrides then replace
a row's recommendation or amount, and the running total adds up what is actually offered, in
rank order.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

SUBMITTED = "submitted"  # AssignmentStatus.SUBMITTED: the only assessments that count
ZERO = Decimal("0")


@dataclass(frozen=True)
class CriterionInput:
    key: str
    weight: Decimal
    max_score: int


@dataclass(frozen=True)
class AssessmentInput:
    """One panel member's assessment of an application: its status and scores by criterion key."""

    status: str
    scores: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ApplicationInput:
    id: int
    reference: str
    amount_requested: Decimal | None
    submitted_at: datetime.datetime | None
    eligible: bool
    assessments: Sequence[AssessmentInput] = ()
    recommended_override: bool | None = None
    amount_offered_override: Decimal | None = None


@dataclass(frozen=True)
class CriterionResult:
    key: str
    mean: Fraction | None  # None: nobody scored it
    spread: int | None  # highest minus lowest score given


@dataclass(frozen=True)
class Row:
    application: ApplicationInput
    rank: int | None  # None: ineligible
    score: Fraction | None  # None: not scored, or ineligible
    criteria: tuple[CriterionResult, ...]
    starting_recommended: bool
    starting_amount: Decimal
    recommended: bool
    amount_offered: Decimal
    running_total: Decimal | None  # None: ineligible (not counted)

    @property
    def score_shown(self) -> Decimal | None:
        return one_place(self.score)

    @property
    def overridden(self) -> bool:
        app = self.application
        return app.recommended_override is not None or app.amount_offered_override is not None


@dataclass(frozen=True)
class Ranking:
    rows: tuple[Row, ...]
    budget: Decimal
    overallocation_percent: Decimal
    pass_mark: Decimal
    limit: Decimal

    @property
    def total_offered(self) -> Decimal:
        return sum((row.amount_offered for row in self.rows), ZERO)

    @property
    def over_limit(self) -> bool:
        return self.total_offered > self.limit


def one_place(score: Fraction | None) -> Decimal | None:
    """``score`` to one decimal place, half up (72.25 -> 72.3), from the exact fraction."""
    if score is None:
        return None
    tenths = math.floor(score * 10 + Fraction(1, 2))
    return Decimal(tenths).scaleb(-1)


def limit_of(budget: Decimal, overallocation_percent: Decimal) -> Decimal:
    """The most the panel may recommend: the budget plus the over-allocation (exact)."""
    return budget + budget * overallocation_percent / Decimal(100)


def criterion_results(
    criteria: Sequence[CriterionInput], assessments: Sequence[AssessmentInput]
) -> tuple[CriterionResult, ...]:
    counted = [assessment for assessment in assessments if assessment.status == SUBMITTED]
    results = []
    for criterion in criteria:
        given = [a.scores[criterion.key] for a in counted if a.scores.get(criterion.key) is not None]
        if not given:
            results.append(CriterionResult(criterion.key, None, None))
            continue
        results.append(CriterionResult(criterion.key, Fraction(sum(given), len(given)), max(given) - min(given)))
    return tuple(results)


def weighted_score(criteria: Sequence[CriterionInput], results: Sequence[CriterionResult]) -> Fraction | None:
    """Sum of weight × mean ÷ maximum over the criteria scored; None when none was."""
    total = Fraction(0)
    scored = False
    for criterion, result in zip(criteria, results, strict=True):
        if result.mean is None:
            continue
        scored = True
        total += Fraction(criterion.weight) * result.mean / criterion.max_score
    return total if scored else None


def _order_key(item: tuple[ApplicationInput, Fraction | None]):
    app, score = item
    return (
        score is None,
        -(score or 0),
        app.amount_requested is None,
        app.amount_requested or ZERO,
        app.submitted_at is None,
        app.submitted_at or datetime.datetime.min.replace(tzinfo=datetime.UTC),
        app.reference,
    )


def rank(
    *,
    criteria: Sequence[CriterionInput],
    applications: Sequence[ApplicationInput],
    budget: Decimal,
    overallocation_percent: Decimal,
    pass_mark: Decimal,
) -> Ranking:
    """The round's applications in rank order with the starting and the panel's recommendation."""
    limit = limit_of(budget, overallocation_percent)
    mark = Fraction(pass_mark)
    scored: list[tuple[ApplicationInput, Fraction | None, tuple[CriterionResult, ...]]] = []
    ineligible = []
    for app in applications:
        results = criterion_results(criteria, app.assessments)
        if app.eligible:
            scored.append((app, weighted_score(criteria, results), results))
        else:
            ineligible.append((app, results))
    scored.sort(key=lambda item: _order_key(item[:2]))
    rows: list[Row] = []
    starting_total = ZERO
    running = ZERO
    for position, (app, score, results) in enumerate(scored, start=1):
        requested = app.amount_requested
        starting = score is not None and requested is not None and score >= mark and starting_total + requested <= limit
        starting_amount = requested if starting else ZERO
        starting_total += starting_amount
        recommended = starting if app.recommended_override is None else app.recommended_override
        if not recommended:
            offered = ZERO
        elif app.amount_offered_override is not None:
            offered = app.amount_offered_override
        else:
            offered = requested or ZERO
        running += offered
        rows.append(Row(app, position, score, results, starting, starting_amount, recommended, offered, running))
    for app, results in sorted(ineligible, key=lambda item: item[0].reference):
        rows.append(Row(app, None, None, results, False, ZERO, False, ZERO, None))
    return Ranking(tuple(rows), budget, overallocation_percent, pass_mark, limit)
