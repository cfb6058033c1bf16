"""An award made by a round keeps the application it was made from: its answers and budget."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from grants.decisions.services import decision_sign
from grants.models import AwardDocumentKind
from rounds.decision.services import round_decision_prepare, round_make_awards
from rounds.models import BudgetLine
from tests.factories.rounds import ApplicationQuestionFactory

from .scored import scored_application, scored_round

pytestmark = pytest.mark.django_db


def test_the_award_keeps_the_applications_answers_and_budget(officer):
    round, criterion, members = scored_round(reference="CSF-27", name="Community Safety Fund 2027")
    ApplicationQuestionFactory(round=round, key="need", text="What is the need?")
    ApplicationQuestionFactory(round=round, key="start", text="When would it start?", kind="date", word_limit=None)
    application = scored_application(
        round, criterion, members, [9, 8], reference="CSF-27-A", amount_requested=Decimal("3000")
    )
    application.answers = {"need": "=Young people have nowhere to go", "start": "2027-02-01"}
    application.save()
    BudgetLine.objects.create(application=application, question_key="budget", item="Venue hire", amount=Decimal("960"))
    BudgetLine.objects.create(application=application, question_key="budget", item="Staff", amount=Decimal("2040"))
    decision_sign(decision=round_decision_prepare(actor=officer, round=round), actor=officer)
    round.refresh_from_db()
    round_make_awards(actor=officer, round=round)
    application.refresh_from_db()

    (document,) = application.award.documents.all()
    assert (document.kind, document.title) == (AwardDocumentKind.OTHER, "Application CSF-27-A: answers and budget")
    workbook = load_workbook(io.BytesIO(document.file.read()))
    assert workbook.sheetnames == ["Application", "Answers", "Budget"]
    summary = {row[0]: row[1] for row in workbook["Application"].iter_rows(min_row=2, values_only=True)}
    assert summary["Reference"] == "CSF-27-A"
    answers = list(workbook["Answers"].iter_rows(min_row=2, values_only=True))
    # Text a spreadsheet would run is kept as text; a date answer reads as a date.
    assert answers == [
        ("What is the need?", "'=Young people have nowhere to go"),
        ("When would it start?", "1 February 2027"),
    ]
    budget = list(workbook["Budget"].iter_rows(min_row=2, values_only=True))
    assert budget[:2] == [("Venue hire", 960, None), ("Staff", 2040, None)]
