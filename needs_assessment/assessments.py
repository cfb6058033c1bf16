"""Writes to needs assessments (with their documents) and their findings."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction

from needs_assessment.models import (
    Area,
    AssessmentScope,
    Finding,
    IndicatorValue,
    NeedsAssessment,
    Severity,
    Theme,
)
from needs_assessment.validation import (
    check_lengths,
    choice_value,
    current_values,
    fy_value,
    optional_record,
    records_named,
    set_m2m,
)
from outcomes.models import KPQ, CommissioningPriority
from pcc_commissioning.concurrency import lock_for_update
from pcc_commissioning.records import attribute_to
from pcc_commissioning.roles import require_capability
from pcc_commissioning.services import model_update
from pcc_commissioning.validation import Errors, add_error, clean_text, raise_if_errors, refuse_unknown_fields
from providers.uploads import safe_upload_name, upload_problem

# Needs assessments --------------------------------------------------------------------------------
ASSESSMENT_FIELDS = ("title", "scope", "theme", "fy", "author", "published_on", "summary")


def _clean_assessment(*, instance: NeedsAssessment, changes: Mapping[str, Any]) -> dict[str, Any]:
    refuse_unknown_fields(changes, ASSESSMENT_FIELDS, "needs assessment")
    errors: Errors = {}
    values: dict[str, Any] = {
        name: (instance.theme if instance.theme_id else None) if name == "theme" else getattr(instance, name)
        for name in ASSESSMENT_FIELDS
    }
    values.update(changes)
    for name in ("title", "author", "summary"):
        values[name] = clean_text(values[name])
    if not values["title"]:
        add_error(errors, "title", "Enter the title of the needs assessment.")
    values["scope"] = choice_value(
        values["scope"] or AssessmentScope.UNIFIED, AssessmentScope, "scope", errors, what="scope"
    )
    values["theme"] = optional_record(
        values["theme"], Theme, "theme", errors, message="Choose the theme of the assessment."
    )
    if values["scope"] == AssessmentScope.THEMATIC and values["theme"] is None and "theme" not in errors:
        add_error(errors, "theme", "A thematic assessment needs its theme.")
    if values["scope"] == AssessmentScope.UNIFIED:
        values["theme"] = None
    values["fy"] = fy_value(values["fy"], "fy", errors, required=True)
    published = values["published_on"]
    if published is not None and (not isinstance(published, datetime.date) or isinstance(published, datetime.datetime)):
        add_error(errors, "published_on", "Enter the date it was published, like 2019-11-30.")
    check_lengths(NeedsAssessment, {"title": values["title"], "author": values["author"]}, errors)
    raise_if_errors(errors)
    return values


# The stored path is "needs/<32-character folder>/<name>" in a 300-character field.
UPLOAD_NAME_LENGTH = 200


def _check_document(document: File | None) -> None:
    if document is None:
        return
    problem, _ = upload_problem(
        name=document.name or "", stream=document, size=document.size, max_bytes=settings.UPLOAD_MAX_BYTES
    )
    if problem:
        raise ValidationError({"document": [problem]})


@transaction.atomic
def assessment_create(
    *,
    actor,
    title: str,
    fy: int,
    scope: str = AssessmentScope.UNIFIED,
    theme: Theme | None = None,
    author: str = "",
    published_on: datetime.date | None = None,
    summary: str = "",
    document: File | None = None,
) -> NeedsAssessment:
    require_capability(actor, "needs.edit")
    values = _clean_assessment(
        instance=NeedsAssessment(),
        changes={
            "title": title,
            "fy": fy,
            "scope": scope,
            "theme": theme,
            "author": author,
            "published_on": published_on,
            "summary": summary,
        },
    )
    _check_document(document)
    assessment = NeedsAssessment(**values)
    if document is not None:
        assessment.document.save(safe_upload_name(document.name, UPLOAD_NAME_LENGTH), document, save=False)
    attribute_to(assessment, actor)
    assessment.save()
    return assessment


@transaction.atomic
def assessment_update(
    *, assessment: NeedsAssessment, actor, expected_version: int | None, document: File | None = None, **fields: Any
) -> NeedsAssessment:
    """Change an assessment's fields (and its document, when one is given). ``expected_version``
    is the version the editor loaded (None skips the check); if someone saved since, nothing changes."""
    require_capability(actor, "needs.edit")
    locked = lock_for_update(assessment, expected_version=expected_version)
    values = _clean_assessment(instance=locked, changes=fields)
    _check_document(document)
    changed = bool(model_update(instance=locked, data=values))
    if document is not None:
        locked.document.save(safe_upload_name(document.name, UPLOAD_NAME_LENGTH), document, save=False)
        changed = True
    if not changed:
        locked.version -= 1
        return locked
    attribute_to(locked, actor)
    locked.save()
    return locked


# Findings -----------------------------------------------------------------------------------------
FINDING_FIELDS = ("assessment", "title", "description", "severity", "theme", "priority")


_FINDING_RELATIONS = ("assessment", "theme", "priority")


def _clean_finding(*, instance: Finding, changes: Mapping[str, Any]) -> tuple[dict[str, Any], Errors]:
    refuse_unknown_fields(changes, FINDING_FIELDS, "finding")
    errors: Errors = {}
    values = current_values(instance, FINDING_FIELDS, _FINDING_RELATIONS)
    values.update(changes)
    values["title"] = clean_text(values["title"])
    values["description"] = clean_text(values["description"])
    if not isinstance(values["assessment"], NeedsAssessment):
        add_error(errors, "assessment", "Choose the needs assessment that made the finding.")
    if not values["title"]:
        add_error(errors, "title", "Enter what the assessment found.")
    values["severity"] = choice_value(values["severity"], Severity, "severity", errors, what="severity")
    values["theme"] = optional_record(values["theme"], Theme, "theme", errors, message="Choose the finding's theme.")
    values["priority"] = optional_record(
        values["priority"],
        CommissioningPriority,
        "priority",
        errors,
        message="Choose the commissioning priority it bears on.",
    )
    check_lengths(Finding, {"title": values["title"]}, errors)
    return values, errors


def _finding_relations(areas, kpqs, evidence, errors: Errors) -> tuple[list | None, list | None, list | None]:
    return (
        records_named(areas, Area, "areas", errors, message="Choose the areas affected."),
        records_named(kpqs, KPQ, "kpqs", errors, message="Choose the KPQs it bears on."),
        records_named(
            evidence, IndicatorValue, "evidence", errors, message="Choose the indicator values behind the finding."
        ),
    )


@transaction.atomic
def finding_create(
    *,
    actor,
    assessment: NeedsAssessment,
    title: str,
    description: str = "",
    severity: str = Severity.MEDIUM,
    theme: Theme | None = None,
    priority: CommissioningPriority | None = None,
    areas: Iterable[Area] = (),
    kpqs: Iterable[KPQ] = (),
    evidence: Iterable[IndicatorValue] = (),
) -> Finding:
    require_capability(actor, "needs.edit")
    values, errors = _clean_finding(
        instance=Finding(),
        changes={
            "assessment": assessment,
            "title": title,
            "description": description,
            "severity": severity,
            "theme": theme,
            "priority": priority,
        },
    )
    areas, kpqs, evidence = _finding_relations(areas, kpqs, evidence, errors)
    raise_if_errors(errors)
    finding = Finding(**values)
    attribute_to(finding, actor)
    finding.save()
    for name, chosen in (("areas", areas), ("kpqs", kpqs), ("evidence", evidence)):
        if chosen:
            attribute_to(finding, actor)
            getattr(finding, name).set(chosen)
    return finding


@transaction.atomic
def finding_update(
    *,
    finding: Finding,
    actor,
    areas: Iterable[Area] | None = None,
    kpqs: Iterable[KPQ] | None = None,
    evidence: Iterable[IndicatorValue] | None = None,
    expected_version: int | None = None,
    **fields: Any,
) -> Finding:
    """Change a finding's fields, and its areas, KPQs and evidence when given (None leaves them).
    ``expected_version`` is the version the editor loaded: a stale edit is refused."""
    require_capability(actor, "needs.edit")
    locked = lock_for_update(finding, expected_version=expected_version)
    values, errors = _clean_finding(instance=locked, changes=fields)
    areas, kpqs, evidence = _finding_relations(areas, kpqs, evidence, errors)
    raise_if_errors(errors)
    fields_changed = model_update(instance=locked, data=values)
    relations_changed = [
        set_m2m(locked, name, chosen, actor=actor)
        for name, chosen in (("areas", areas), ("kpqs", kpqs), ("evidence", evidence))
    ]
    if fields_changed or any(relations_changed):
        attribute_to(locked, actor)
        locked.save()  # saves the bumped version too, so a concurrent editor is refused
    else:
        locked.version -= 1  # nothing changed: lock_for_update's bump is not saved
    return locked
