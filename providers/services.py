"""Every write to providers data. Forms, imports and management commands all come here, so
they share the same rules (duplicate names, charity and company numbers, uploads).

Each write checks who may make it, whichever door it comes through: an officer
(``providers.edit``; imports ``providers.import``), or a provider user for its own
organisation's details, contacts and documents (the portal). ``actor`` None is the system
(the command line, the demo)."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from pcc_commissioning import clock
from pcc_commissioning.concurrency import lock_for_update
from pcc_commissioning.records import attribute_to, by_text_ignoring_case
from pcc_commissioning.roles import is_provider_user, provider_organisation_id, require_capability
from pcc_commissioning.services import model_update

from . import identifiers
from .models import (
    Contact,
    DocumentKind,
    DueDiligenceDocument,
    Organisation,
    OrganisationKind,
    ProviderMembership,
)
from .uploads import safe_upload_name, upload_problem

ORGANISATION_FIELDS = (
    "name",
    "kind",
    "charity_number",
    "company_number",
    "org_id",
    "supplier_number",
    "address",
    "postcode",
    "website",
    "email",
    "phone",
    "active",
    "notes",
)
# The columns of the providers import format (docs/formats.md), in order.
IMPORT_COLUMNS = (
    "name",
    "kind",
    "charity_number",
    "company_number",
    "org_id",
    "address",
    "postcode",
    "website",
    "email",
    "phone",
    "supplier_number",
)
_TEXT_FIELDS = tuple(f for f in ORGANISATION_FIELDS if f != "active")
# The kinds' codes, worked out once: ``OrganisationKind.values`` builds a new list on every
# use, which an import of thousands of rows would do for each row.
KIND_CODES = tuple(OrganisationKind.values)
_KIND_CODE_SET = frozenset(KIND_CODES)
_KIND_MESSAGE = f"Choose a kind of organisation ({', '.join(KIND_CODES)})."


def duplicate_name_message(existing_name: str) -> str:
    return (
        f"An organisation called “{existing_name}” already exists (names are compared "
        "ignoring capitals). Use a different name, or edit that organisation."
    )


def _errors_of(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return exc.message_dict
    return {"__all__": exc.messages}


def _stored_with_name(name: str, exclude_pk: int | None) -> Organisation | None:
    return Organisation.objects.filter(name__iexact=name).exclude(pk=exclude_pk).first()


def _clean_organisation(
    *,
    instance: Organisation,
    changes: Mapping[str, Any],
    named: Callable[[str, int | None], Organisation | None] = _stored_with_name,
) -> dict[str, Any]:
    """Validate ``changes`` (merged over ``instance``) and return the final field values.

    ``named(name, exclude_pk)`` finds another organisation with the name (ignoring capitals);
    by default it asks the database, an import answers from the names it loaded for the file.
    Raises ``ValidationError({field: [messages]})`` with every problem found.
    """
    values, _ = _checked_organisation(instance=instance, changes=changes, named=named)
    return values


def _checked_organisation(
    *,
    instance: Organisation,
    changes: Mapping[str, Any],
    named: Callable[[str, int | None], Organisation | None],
) -> tuple[dict[str, Any], Organisation]:
    """``_clean_organisation``, also returning the unsaved organisation with the final values
    that the model's field rules were checked on (a new one can be saved as it is)."""
    values = _merged_values(instance, changes)
    errors: dict[str, list[str]] = {}

    if not values["name"]:
        errors["name"] = ["Enter the organisation's name."]
    else:
        existing = named(values["name"], instance.pk)
        if existing is not None:
            errors["name"] = [duplicate_name_message(existing.name)]

    values["kind"] = values["kind"].lower()
    if values["kind"] not in _KIND_CODE_SET:
        errors["kind"] = [_KIND_MESSAGE]

    _clean_identifiers(values, instance, errors)
    website = values["website"]
    if website and "://" not in website:
        values["website"] = f"https://{website}"
    values["active"] = bool(values["active"])

    # Field-level rules of the model (lengths, e-mail and web addresses) on a scratch copy.
    scratch = Organisation(**values)
    try:
        scratch.full_clean(exclude=["version"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for field, messages in _errors_of(exc).items():
            errors.setdefault(field, messages)

    if errors:
        raise ValidationError(errors)
    return values, scratch


def _merged_values(instance: Organisation, changes: Mapping[str, Any]) -> dict[str, Any]:
    """The organisation's fields with ``changes`` over them (text stripped)."""
    unknown = set(changes) - set(ORGANISATION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown organisation fields: {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {field: getattr(instance, field) for field in ORGANISATION_FIELDS}
    for field, value in changes.items():
        if field in _TEXT_FIELDS:
            value = "" if value is None else str(value).strip()
        values[field] = value
    return values


def _clean_identifiers(values: dict[str, Any], instance: Organisation, errors: dict[str, list[str]]) -> None:
    """Charity and company numbers and the org-id in their standard forms; an org-id left blank,
    or still the one worked out from the old numbers, is worked out from the new ones."""
    for field, normalise in (
        ("charity_number", identifiers.normalise_charity_number),
        ("company_number", identifiers.normalise_company_number),
        ("org_id", identifiers.normalise_org_id),
    ):
        try:
            values[field] = normalise(values[field])
        except ValueError as exc:
            errors[field] = [str(exc)]

    if "org_id" in errors or {"charity_number", "company_number"} & set(errors):
        return
    derived_before = (
        identifiers.derive_org_id(charity_number=instance.charity_number, company_number=instance.company_number)
        if instance.pk
        else ""
    )
    if not values["org_id"] or values["org_id"] == derived_before:
        values["org_id"] = identifiers.derive_org_id(
            charity_number=values["charity_number"], company_number=values["company_number"]
        )


def _save_organisation(organisation: Organisation) -> None:
    try:
        with transaction.atomic():
            organisation.save()
    except IntegrityError:
        # Someone saved the same name between our check and our write.
        existing = Organisation.objects.filter(name__iexact=organisation.name).exclude(pk=organisation.pk).first()
        if existing is None:
            raise
        raise ValidationError({"name": [duplicate_name_message(existing.name)]}) from None


def organisation_problems(*, organisation: Organisation | None, changes: Mapping[str, Any]) -> dict[str, list[str]]:
    """Every rule these values break, without saving anything: lets a form that already has
    errors of its own show the rule errors (duplicate name, identifiers) in the same round."""
    try:
        _clean_organisation(instance=organisation or Organisation(), changes=changes)
    except ValidationError as exc:
        return exc.message_dict
    return {}


def require_may_edit(actor, organisation: Organisation) -> None:
    """An officer (``providers.edit``) edits any organisation; a provider user only its own
    (``PermissionDenied`` otherwise); ``actor`` None is the system."""
    if actor is None:
        return
    if is_provider_user(actor) and organisation.pk is not None:
        if provider_organisation_id(actor) != organisation.pk:
            raise PermissionDenied("You can only change your own organisation's details.")
        return
    require_capability(actor, "providers.edit")


@transaction.atomic
def organisation_create(
    *,
    actor,
    name: str,
    kind: str = OrganisationKind.OTHER,
    charity_number: str = "",
    company_number: str = "",
    org_id: str = "",
    supplier_number: str = "",
    address: str = "",
    postcode: str = "",
    website: str = "",
    email: str = "",
    phone: str = "",
    active: bool = True,
    notes: str = "",
) -> Organisation:
    require_capability(actor, "providers.edit", "providers.import")
    changes = {
        "name": name,
        "kind": kind,
        "charity_number": charity_number,
        "company_number": company_number,
        "org_id": org_id,
        "supplier_number": supplier_number,
        "address": address,
        "postcode": postcode,
        "website": website,
        "email": email,
        "phone": phone,
        "active": active,
        "notes": notes,
    }
    values = _clean_organisation(instance=Organisation(), changes=changes)
    organisation = Organisation(**values)
    attribute_to(organisation, actor)
    _save_organisation(organisation)
    return organisation


@transaction.atomic
def organisation_update(
    *, organisation: Organisation, actor, expected_version: int | None, **fields: Any
) -> Organisation:
    """Change the given fields. ``expected_version`` is the version the editor loaded (None
    skips the check, for imports); if someone saved since, nothing is changed and a
    ``ValidationError`` with ``concurrency.STALE_MESSAGE`` is raised.

    Returns the saved organisation (a fresh instance). Saving identical values writes
    nothing, so no empty history entry appears.
    """
    require_may_edit(actor, organisation)
    locked = lock_for_update(organisation, expected_version=expected_version)
    values = _clean_organisation(instance=locked, changes=fields)
    if not model_update(instance=locked, data=values):
        locked.version -= 1  # lock_for_update bumped it in memory; nothing is saved.
        return locked
    attribute_to(locked, actor)
    _save_organisation(locked)
    return locked


def _import_cells(fields: Mapping[str, Any]) -> dict[str, str]:
    """The non-blank cells of a providers row that belong to the format, stripped."""
    stripped = {
        column: str(value).strip() for column, value in fields.items() if column in IMPORT_COLUMNS and value is not None
    }
    return {column: text for column, text in stripped.items() if text}


@transaction.atomic
def organisation_upsert_from_row(*, actor, fields: Mapping[str, Any]) -> tuple[Organisation, bool]:
    """Create or update an organisation from one row of a providers file.

    The row is matched to an organisation by name, ignoring capitals; a match is updated from
    the row's non-blank cells only (its name is left as stored). Cells of columns outside
    the providers format are ignored. Errors are ``ValidationError({column: [messages]})``.
    """
    require_capability(actor, "providers.import", "providers.edit")
    cells = _import_cells(fields)
    name = cells.pop("name", "")
    if not name:
        raise ValidationError({"name": ["Enter the organisation's name."]})
    existing = Organisation.objects.filter(name__iexact=name).first()
    if existing is None:
        return organisation_create(actor=actor, name=name, **cells), True
    return organisation_update(organisation=existing, actor=actor, expected_version=None, **cells), False


@dataclass(frozen=True)
class UpsertOutcome:
    """What ``organisations_upsert_from_rows`` did with one row: ``error`` when it was refused."""

    organisation: Organisation | None = None
    created: bool = False
    changed: bool = False
    error: ValidationError | None = None


# Rows per INSERT or UPDATE statement of an import.
_BATCH = 500


@transaction.atomic
def organisations_upsert_from_rows(
    *, actor, rows: Sequence[Mapping[str, Any]], check_only: bool = False
) -> list[UpsertOutcome]:
    """``organisation_upsert_from_row`` for every row of a providers file at once, with the
    same rules and messages, in a number of queries that does not grow with the rows (one
    look-up of every name in the file, then batched inserts and updates with their history).

    Names must differ ignoring capitals (a repeat is refused). Returns one outcome per row, in
    order; if any row is refused, nothing is written. The matched organisations are locked
    first, as ``organisation_update`` locks the one it changes. ``check_only`` (a dry run)
    checks every row and returns the same outcomes, but writes nothing: the new organisations
    are not saved and the changed ones keep their stored values in the database.
    """
    require_capability(actor, "providers.import", "providers.edit")
    stored = by_text_ignoring_case(
        Organisation.objects.select_for_update(), field="name", values=[row.get("name") or "" for row in rows]
    )
    claimed: dict[str, Organisation] = {}  # casefolded name -> organisation to be created
    blank = Organisation()  # what a new row is checked against (never changed, so one will do)
    outcomes, new, changed, changed_fields = [], [], [], set()
    for fields in rows:
        cells = _import_cells(fields)
        name = cells.pop("name", "")
        key = name.casefold()
        try:
            if not name:
                raise ValidationError({"name": ["Enter the organisation's name."]})
            if key in claimed:
                raise ValidationError({"name": [duplicate_name_message(claimed[key].name)]})
            existing = stored.get(key)
            if existing is None:
                _, organisation = _checked_organisation(
                    instance=blank,
                    changes={"name": name, **cells},
                    named=_finder_in(stored),
                )
                claimed[key] = organisation
                new.append(organisation)
                outcomes.append(UpsertOutcome(organisation, created=True))
                continue
            values = _clean_organisation(instance=existing, changes=cells, named=_finder_in(stored))
        except ValidationError as exc:
            outcomes.append(UpsertOutcome(error=exc))
            continue
        fields_changed = model_update(instance=existing, data=values)
        if fields_changed:
            changed.append(existing)
            changed_fields.update(fields_changed)
        outcomes.append(UpsertOutcome(existing, changed=bool(fields_changed)))
    if check_only or any(outcome.error for outcome in outcomes):
        return outcomes
    _write_organisations(actor=actor, new=new, changed=changed, fields=changed_fields)
    return outcomes


def _finder_in(stored: Mapping[str, Organisation]) -> Callable[[str, int | None], Organisation | None]:
    def named(name: str, exclude_pk: int | None) -> Organisation | None:
        found = stored.get(name.casefold())
        return None if found is None or found.pk == exclude_pk else found

    return named


def _write_organisations(*, actor, new: list[Organisation], changed: list[Organisation], fields: set[str]) -> None:
    """Insert and update in batches, each with its history rows (one per organisation, as a
    save would write, attributed to ``actor``). Bulk writes skip ``auto_now`` and the version
    bump a save does, so both are set here."""
    try:
        with transaction.atomic():
            bulk_create_with_history(new, Organisation, batch_size=_BATCH, default_user=actor)
    except IntegrityError:
        # Someone saved one of the names between our look-up and our write.
        raise ValidationError(
            {
                "name": [
                    "Another organisation with one of these names was saved while the file was imported: import it again."
                ]
            }
        ) from None
    if not changed:
        return
    now = timezone.now()
    for organisation in changed:
        organisation.version += 1
        organisation.updated_at = now
    bulk_update_with_history(
        changed, Organisation, [*sorted(fields), "version", "updated_at"], batch_size=_BATCH, default_user=actor
    )


# Contacts -----------------------------------------------------------------------------------

CONTACT_FIELDS = ("name", "job_title", "email", "phone", "is_primary")


def _save_contact(contact: Contact, *, actor) -> Contact:
    for field in ("name", "job_title", "email", "phone"):
        setattr(contact, field, (getattr(contact, field) or "").strip())
    contact.is_primary = bool(contact.is_primary)
    errors: dict[str, list[str]] = {}
    if not contact.name:
        errors["name"] = ["Enter the contact's name."]
    try:
        contact.full_clean(exclude=["organisation"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for field, messages in _errors_of(exc).items():
            errors.setdefault(field, messages)
    if errors:
        raise ValidationError(errors)
    if contact.is_primary:
        # One main contact per organisation: the new one takes over (recorded in history).
        others = (
            Contact.objects.select_for_update()
            .filter(organisation_id=contact.organisation_id, is_primary=True)
            .exclude(pk=contact.pk)
        )
        for other in others:
            other.is_primary = False
            attribute_to(other, actor)
            other.save(update_fields=["is_primary"])
    attribute_to(contact, actor)
    contact.save()
    return contact


@transaction.atomic
def contact_create(
    *,
    organisation: Organisation,
    actor,
    name: str,
    job_title: str = "",
    email: str = "",
    phone: str = "",
    is_primary: bool = False,
) -> Contact:
    require_may_edit(actor, organisation)
    contact = Contact(
        organisation=organisation, name=name, job_title=job_title, email=email, phone=phone, is_primary=is_primary
    )
    return _save_contact(contact, actor=actor)


@transaction.atomic
def contact_update(*, contact: Contact, actor, expected_version: int | None = None, **fields: Any) -> Contact:
    require_may_edit(actor, contact.organisation)
    unknown = set(fields) - set(CONTACT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown contact fields: {', '.join(sorted(unknown))}")
    contact = lock_for_update(contact, expected_version=expected_version)
    if not model_update(instance=contact, data=fields):
        contact.version -= 1  # nothing to save
        return contact
    return _save_contact(contact, actor=actor)


@transaction.atomic
def contact_delete(*, contact: Contact, actor) -> None:
    require_may_edit(actor, contact.organisation)
    attribute_to(contact, actor)
    contact.delete()


# Due-diligence documents ----------------------------------------------------------------------


@transaction.atomic
def document_add(
    *,
    organisation: Organisation,
    actor,
    kind: str,
    file: File,
    valid_from: datetime.date | None,
    expires_on: datetime.date | None = None,
    notes: str = "",
) -> DueDiligenceDocument:
    """Store a due-diligence document after checking its size and, by its contents, its type."""
    require_may_edit(actor, organisation)
    errors: dict[str, list[str]] = {}
    if kind not in DocumentKind.values:
        errors["kind"] = ["Choose what kind of document this is."]
    if valid_from is None:
        errors["valid_from"] = ["Enter the date the document is valid from."]
    elif expires_on is not None and expires_on < valid_from:
        errors["expires_on"] = ["The expiry date must be the same as or after the valid-from date."]
    content_type = ""
    if file is None:
        errors["file"] = ["Choose a file to upload."]
    else:
        problem, file_type = upload_problem(
            name=file.name or "", stream=file, size=file.size, max_bytes=settings.UPLOAD_MAX_BYTES
        )
        if problem:
            errors["file"] = [problem]
        else:
            content_type = file_type.content_type
    if errors:
        raise ValidationError(errors)
    original_name = safe_upload_name(file.name, DueDiligenceDocument._meta.get_field("original_name").max_length)
    document = DueDiligenceDocument(
        organisation=organisation,
        kind=kind,
        original_name=original_name,
        content_type=content_type,
        size=file.size,
        valid_from=valid_from,
        expires_on=expires_on,
        notes=(notes or "").strip(),
    )
    document.file.save(original_name, file, save=False)
    attribute_to(document, actor)
    try:
        document.save()
    except Exception:
        document.file.delete(save=False)  # do not leave an orphan file behind
        raise
    return document


@transaction.atomic
def document_verify(*, document: DueDiligenceDocument, actor) -> DueDiligenceDocument:
    """Record that ``actor`` checked the document, today."""
    require_capability(actor, "providers.edit")
    if actor is None:
        raise ValidationError({"verified_by": ["A document is verified by a person."]})
    document = DueDiligenceDocument.objects.select_for_update().get(pk=document.pk)
    document.verified_by = actor
    document.verified_on = clock.today()
    attribute_to(document, actor)
    document.save(update_fields=["verified_by", "verified_on"])
    return document


# Provider users -------------------------------------------------------------------------------


@transaction.atomic
def membership_set(
    *, user, organisation: Organisation | None, is_lead: bool | None = None, is_signatory: bool | None = None
) -> ProviderMembership | None:
    """Link a provider user to the organisation they act for (None removes the link); make them
    its lead (``is_lead``) or authorised signatory (``is_signatory``) or not (None: as it is). For
    the demo and set-up scripts; officers use ``providers.invitations.services``."""
    if organisation is None:
        ProviderMembership.objects.filter(user=user).delete()
        return None
    defaults: dict[str, Any] = {"organisation": organisation}
    if is_lead is not None:
        defaults["is_lead"] = bool(is_lead)
    if is_signatory is not None:
        defaults["is_signatory"] = bool(is_signatory)
    membership, _ = ProviderMembership.objects.update_or_create(user=user, defaults=defaults)
    return membership


@transaction.atomic
def membership_set_signatory(*, actor, membership: ProviderMembership, is_signatory: bool) -> ProviderMembership:
    """Mark the provider user as their organisation's authorised signatory, who accepts its
    grant agreements in the portal (``is_signatory``), or no longer. Officers only: the provider
    says who signs, the commissioning team records it. An organisation may have several."""
    require_capability(actor, "providers.edit")
    locked = ProviderMembership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    if locked.is_signatory == bool(is_signatory):
        state = "already" if is_signatory else "not"
        message = f"{locked.user.display_name} is {state} the organisation's authorised signatory."
        raise ValidationError({"is_signatory": [message]})
    locked.is_signatory = bool(is_signatory)
    attribute_to(locked, actor)
    locked.save(update_fields=["is_signatory"])
    return locked
