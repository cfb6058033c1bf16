"""Reads for the panel's ranking: a round and its applications, criteria and submitted scores
loaded in a fixed number of queries, handed to the pure ranking function."""

from __future__ import annotations

from collections import defaultdict

from ..applying.transitions import received
from ..models import Application, Assignment, Criterion, Round, RoundStatus, Score
from ..screening.selectors import is_eligible
from .ranking import ApplicationInput, AssessmentInput, CriterionInput, Ranking, rank

# After the decision nobody changes a recommendation (the awards were made from them).
DECIDED_STATES = frozenset({RoundStatus.DECIDED, RoundStatus.RESULTS_PUBLISHED, RoundStatus.CANCELLED})


def round_ranking(round: Round) -> tuple[Ranking, dict[int, Application]]:
    """The ranking of the round's received applications and the applications by id. Four
    queries whatever the size of the round."""
    criteria = list(Criterion.objects.filter(round=round).order_by("position", "pk"))
    applications = {
        app.pk: app for app in received(Application.objects.filter(round=round)).select_related("organisation", "award")
    }
    scores: dict[int, dict[str, int]] = defaultdict(dict)
    for assignment_id, key, value in Score.objects.filter(assignment__application__round=round).values_list(
        "assignment_id", "criterion__key", "score"
    ):
        scores[assignment_id][key] = value
    assessments: dict[int, list[AssessmentInput]] = defaultdict(list)
    for assignment_id, application_id, status in Assignment.objects.filter(application__round=round).values_list(
        "pk", "application_id", "status"
    ):
        assessments[application_id].append(AssessmentInput(status, scores.get(assignment_id, {})))
    inputs = [
        ApplicationInput(
            id=app.pk,
            reference=app.reference,
            amount_requested=app.amount_requested,
            submitted_at=app.submitted_at,
            eligible=is_eligible(app),
            assessments=tuple(assessments.get(app.pk, ())),
            recommended_override=app.recommended_override,
            amount_offered_override=app.amount_offered_override,
        )
        for app in applications.values()
    ]
    ranking = rank(
        criteria=[CriterionInput(c.key, c.weight, c.max_score) for c in criteria],
        applications=inputs,
        budget=round.budget,
        overallocation_percent=round.overallocation_percent,
        pass_mark=round.pass_mark,
    )
    return ranking, applications


def criteria_of(round: Round) -> list[Criterion]:
    return list(Criterion.objects.filter(round=round).order_by("position", "pk"))
