"""Import and export kinds of this stage of a round (pcc_commissioning.interchange): the
``applications`` import, for applications received outside the service (on paper, by e-mail,
from another system) into one round (``--round REF``). All or nothing; every bad cell named."""

from __future__ import annotations

import datetime

from django.utils import timezone

from pcc_commissioning.interchange.cells import CellError, parse_money
from pcc_commissioning.interchange.imports import ImportResult, RowContext, RowReader, importer
from pcc_commissioning.interchange.rows import Row
from providers.identifiers import normalise_charity_number, normalise_company_number
from providers.models import Organisation

from ..models import (
    ApplicantOrganisation,
    Application,
    ApplicationSource,
    ApplicationStatus,
    Eligibility,
    EligibilityKind,
    Round,
)
from .answers import amount_problem, eligibility_verdict, number, parse_date_answer, yes_no
from .services import next_reference

COLUMNS = (
    "reference",
    "organisation",
    "charity_number",
    "company_number",
    "contact_email",
    "title",
    "amount_requested",
    "submitted_at",
)


def _moment(text: str) -> datetime.datetime:
    """``YYYY-MM-DD`` or ``YYYY-MM-DD HH:MM`` (UK time unless an offset is given)."""
    try:
        value = datetime.datetime.fromisoformat(text.strip())
    except ValueError:
        raise CellError(f"'{text}' is not a date and time in the form YYYY-MM-DD HH:MM.") from None
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def _number_cell(normalise):
    def parse(text: str) -> str:
        try:
            return normalise(text)
        except ValueError as exc:
            raise CellError(str(exc)) from None

    return parse


def _organisation(name: str, charity: str, company: str) -> ApplicantOrganisation:
    for field, value in (("charity_number", charity), ("company_number", company)):
        if value:
            found = ApplicantOrganisation.objects.filter(**{field: value}).first()
            if found is not None:
                return found
    provider = None
    for field, value in (("charity_number", charity), ("company_number", company)):
        if value and provider is None:
            provider = Organisation.objects.filter(**{field: value}).order_by("pk").first()
    if provider is not None and not ApplicantOrganisation.objects.filter(provider=provider).exists():
        return ApplicantOrganisation.objects.create(
            name=name or provider.name,
            kind=provider.kind,
            charity_number=charity,
            company_number=company,
            provider=provider,
        )
    if provider is not None:
        return ApplicantOrganisation.objects.get(provider=provider)
    return ApplicantOrganisation.objects.create(name=name, charity_number=charity, company_number=company)


def _eligibility(reader: RowReader, round: Round) -> dict:
    answers = {}
    for question in round.eligibility_questions.all():
        column = f"elig:{question.key}"
        text = reader.row.get(column)
        if not text:
            continue
        value = yes_no(text) if question.kind == EligibilityKind.YES_NO else number(text)
        if value is None:
            kind = "yes or no" if question.kind == EligibilityKind.YES_NO else "a number"
            reader.error(column, f"'{text}' is not {kind}.")
            continue
        answers[question.key] = value if isinstance(value, bool) else str(value)
    return answers


def _answers(reader: RowReader, round: Round) -> dict:
    answers = {}
    for question in round.questions.all():
        column = f"q:{question.key}"
        text = reader.row.get(column)
        if not text:
            continue
        if question.kind == "number" and number(text) is None:
            reader.error(column, f"'{text}' is not a number.")
        elif question.kind == "date" and parse_date_answer(text) is None:
            reader.error(column, f"'{text}' is not a date in the form YYYY-MM-DD.")
        elif question.kind == "choice" and text not in question.choice_list:
            reader.error(column, f"'{text}' is not one of: {', '.join(question.choice_list)}.")
        answers[question.key] = text
    return answers


def _unknown_columns(rows: list[Row], round: Round, context: RowContext) -> bool:
    headers = set(rows[0].cells) if rows else set()
    elig = {f"elig:{key}" for key in round.eligibility_questions.values_list("key", flat=True)}
    asked = {f"q:{key}" for key in round.questions.values_list("key", flat=True)}
    bad = False
    for column in sorted(headers):
        if (column.startswith("elig:") and column not in elig) or (column.startswith("q:") and column not in asked):
            context.add(1, column, f"Round {round.reference} has no question with this key.")
            bad = True
    return bad


def _read(reader: RowReader, round: Round, seen: set[str]) -> dict:
    values = {
        "reference": reader.value("reference", default=""),
        "name": reader.value("organisation", required=True, default=""),
        "charity": reader.value("charity_number", _number_cell(normalise_charity_number), default=""),
        "company": reader.value("company_number", _number_cell(normalise_company_number), default=""),
        "title": reader.value("title", required=True, default=""),
        "amount": reader.value("amount_requested", parse_money, required=True),
        "submitted_at": reader.value("submitted_at", _moment, required=True),
        "contact_email": reader.value("contact_email", default=""),
    }
    reference = values["reference"]
    if reference:
        if reference.lower() in seen or Application.objects.filter(reference__iexact=reference).exists():
            reader.error("reference", f"There is already an application with the reference {reference}.")
        seen.add(reference.lower())
    if values["amount"] is not None:
        problem = amount_problem(round, values["amount"])
        if problem:
            reader.error("amount_requested", problem.replace("you ask for", "asked for"))
    values["eligibility_answers"] = _eligibility(reader, round)
    values["answers"] = _answers(reader, round)
    return values


def _create(values: dict, round: Round) -> Application:
    organisation = _organisation(values["name"], values["charity"], values["company"])
    eligible, reasons = eligibility_verdict(round, values["eligibility_answers"])
    application = Application(
        round=round,
        reference=values["reference"] or next_reference(round),
        organisation=organisation,
        title=values["title"],
        amount_requested=values["amount"],
        contact_email=values["contact_email"],
        status=ApplicationStatus.SUBMITTED,
        source=ApplicationSource.IMPORT,
        eligibility_answers=values["eligibility_answers"],
        answers=values["answers"],
        answers_eligible=eligible,
        submitted_at=values["submitted_at"],
        definition_version=round.definition_version,
    )
    if eligible is False:
        # The verdict of the answers; an officer screening the application may decide otherwise.
        application.eligibility = Eligibility.INELIGIBLE
        application.screening_reason = "Eligibility answers: " + " ".join(reasons)
    application.save()
    return application


@importer(
    "applications",
    columns=COLUMNS,
    required=("organisation", "title", "amount_requested", "submitted_at"),
    capability="rounds.import",
    description="Applications received outside the service, into one round (--round REF).",
    options=("round",),
)
def import_applications(rows, *, actor, update: bool, context: RowContext) -> ImportResult:
    result = ImportResult(kind="applications")
    round = Round.objects.filter(reference__iexact=context.options["round"]).first()
    if round is None:
        context.add(1, "", f"There is no round with the reference {context.options['round']} (given with --round).")
        return result
    rows = list(rows)
    if _unknown_columns(rows, round, context):
        return result
    seen: set[str] = set()
    checked = []
    for row in rows:
        reader = RowReader(row, context)
        values = _read(reader, round, seen)
        if reader.ok:
            checked.append(values)
    if context.errors or context.dry_run:
        result.created = len(checked) if not context.errors else 0
        return result
    for values in checked:
        _create(values, round)
        result.created += 1
    return result
