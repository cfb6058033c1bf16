"""An award's documents (agreements, policies, certificates with expiry dates) and the due-diligence
check that asks for a reason to go ahead when a required document is missing or expired."""

from __future__ import annotations

from django.conf import settings
from django.core.files import File
from django.db import transaction

from grants.models import (
    Award,
    AwardDocument,
    AwardDocumentKind,
)
from grants.validation import check_award_open, check_lengths
from pcc_commissioning.records import attribute_to
from pcc_commissioning.roles import require_capability
from pcc_commissioning.validation import Errors, add_error, clean_text, raise_if_errors
from providers.models import Organisation
from providers.selectors import due_diligence_gaps
from providers.uploads import safe_upload_name, upload_problem


def due_diligence_check(
    *, organisation: Organisation, actor, reason: str, field: str, doing: str, errors: Errors
) -> str:
    """Due diligence at the moment it matters (an award marked awarded, a payment recorded or
    approved): when the organisation's required documents are missing or expired, a person must
    give a reason to go ahead, or, with ``settings.DUE_DILIGENCE_BLOCKS``, cannot go ahead at
    all. Returns the note to keep in the history ("" when all is in order); problems go to
    ``errors[field]``. Imports and the system (``actor`` None) bring in what already happened
    and are not checked."""
    if actor is None:
        return ""
    gaps = due_diligence_gaps(organisation)
    if not gaps:
        return ""
    missing = f"{organisation.name}'s due diligence is not in order: {'; '.join(gaps)}."
    if settings.DUE_DILIGENCE_BLOCKS:
        add_error(errors, field, f"{missing} Record current documents on its page before {doing}.")
        return ""
    reason = clean_text(reason)
    if not reason:
        add_error(
            errors, field, f"{missing} To go ahead with {doing} anyway, give your reason (it is kept in the history)."
        )
        return ""
    return f"{missing} Went ahead because: {reason}"


@transaction.atomic
def award_document_add(*, actor, award: Award, kind: str, title: str, file: File) -> AwardDocument:
    """Store a document of the award after checking its size and, by its contents, its type
    (``providers.uploads``). A blank title becomes the file's name."""
    require_capability(actor, "grants.edit")
    errors: Errors = {}
    check_award_open(award, errors)
    if kind not in AwardDocumentKind.values:
        add_error(errors, "kind", "Choose what kind of document this is.")
    if file is None:
        add_error(errors, "file", "Choose a file to upload.")
    else:
        problem, _ = upload_problem(
            name=file.name or "", stream=file, size=file.size, max_bytes=settings.UPLOAD_MAX_BYTES
        )
        if problem:
            add_error(errors, "file", problem)
    name_length = AwardDocument._meta.get_field("title").max_length  # the name is the title if none is given
    original_name = safe_upload_name(file.name if file is not None else "", name_length)
    title = clean_text(title) or original_name
    check_lengths(AwardDocument, {"title": title}, errors)
    raise_if_errors(errors)
    document = AwardDocument(award=award, kind=kind, title=title, uploaded_by=actor)
    document.file.save(original_name, file, save=False)
    attribute_to(document, actor)
    try:
        document.save()
    except Exception:
        document.file.delete(save=False)  # no orphan file
        raise
    return document


@transaction.atomic
def award_document_delete(*, actor, document: AwardDocument) -> None:
    require_capability(actor, "grants.edit")
    errors: Errors = {}
    check_award_open(document.award, errors)
    raise_if_errors(errors)
    attribute_to(document, actor)
    stored = document.file.name
    document.delete()
    storage = document.file.storage
    transaction.on_commit(lambda: storage.delete(stored) if stored else None)
