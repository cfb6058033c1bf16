"""The application an award was made from, as a workbook kept with the award's documents: what
the organisation asked for, its eligibility answers, its answers and its budget, so the award
carries them whatever happens to the round later."""

from __future__ import annotations

import io

from django.core.files.base import ContentFile

from grants.models import Award, AwardDocument, AwardDocumentKind
from pcc_commissioning import clock
from pcc_commissioning.interchange.exports import Sheet, write_sheets
from pcc_commissioning.records import attribute_to

from ..applying.selectors import question_value
from ..models import Application


def _summary(application: Application) -> Sheet:
    round = application.round
    rows = [
        ("Reference", application.reference),
        ("Round", f"{round.reference} {round.name}"),
        ("Organisation", application.organisation.name),
        ("Project title", application.title),
        ("Amount requested", application.amount_requested),
        ("Submitted", clock.moment_label(application.submitted_at) if application.submitted_at else ""),
        ("Areas", ", ".join(area.name for area in application.areas.all())),
    ]
    answers = application.eligibility_answers or {}
    for question in round.eligibility_questions.all():
        rows.append((question.question, str(answers.get(question.key, ""))))
    return Sheet("Application", ("item", "value"), rows)


def _answers(application: Application) -> Sheet:
    answers = application.answers or {}
    rows = [
        (question.text, question_value(question, answers.get(question.key)))
        for question in application.round.questions.all()
    ]
    return Sheet("Answers", ("question", "answer"), rows)


def _budget(application: Application) -> Sheet:
    rows = [(line.item, line.amount, line.notes) for line in application.budget_lines.all()]
    return Sheet("Budget", ("item", "amount", "notes"), rows, totals=(1,))


def application_workbook(application: Application) -> bytes:
    output = io.BytesIO()
    write_sheets([_summary(application), _answers(application), _budget(application)], format="xlsx", output=output)
    return output.getvalue()


def attach_application(award: Award, application: Application, *, actor) -> AwardDocument:
    """Keep ``application`` with ``award``'s documents (called as the round makes the award)."""
    document = AwardDocument(
        award=award,
        kind=AwardDocumentKind.OTHER,
        title=f"Application {application.reference}: answers and budget",
        uploaded_by=actor,
    )
    document.file.save(f"{application.reference}.xlsx", ContentFile(application_workbook(application)), save=False)
    attribute_to(document, actor)
    document.save()
    return document
