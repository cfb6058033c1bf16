"""The rules a round's definition must keep before it is published (and when it is imported):
the money and dates in order, the weights adding up to 100, at least one criterion."""

from __future__ import annotations

from decimal import Decimal

from ..models import Round

WEIGHTS_TOTAL = Decimal(100)


def weights_problem(weights) -> str | None:
    """The refusal for a set of criterion weights that do not add up to exactly 100."""
    total = sum((Decimal(weight) for weight in weights), Decimal(0))
    if total != WEIGHTS_TOTAL:
        return f"The criteria's weights add up to {total.normalize():f}; they must add up to 100."
    return None


def definition_problems(round: Round) -> list[str]:
    """Why ``round`` cannot be published yet (empty: it can)."""
    problems: list[str] = []
    criteria = list(round.criteria.all())
    if not criteria:
        problems.append("Add at least one assessment criterion.")
    else:
        problem = weights_problem(criterion.weight for criterion in criteria)
        if problem:
            problems.append(problem)
    if not round.questions.exists():
        problems.append("Add at least one application question.")
    return problems
