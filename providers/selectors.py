"""Every non-trivial read of providers data, with the query shapes that keep counts flat."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Lower
from django.http import Http404
from django.utils import timezone

from pcc_commissioning import clock
from pcc_commissioning.records import ordering_for
from pcc_commissioning.roles import is_provider_user, provider_organisation_id, require

from .filters import OrganisationFilter
from .models import (
    Contact,
    DocumentKind,
    DueDiligenceDocument,
    InvitationStatus,
    MembershipEvent,
    Organisation,
    OrganisationKind,
    ProviderInvitation,
    ProviderMembership,
    RequiredDocument,
)


def warning_limit(today: datetime.date | None = None, within_days: int | None = None) -> datetime.date:
    today = today or clock.today()
    days = settings.DUE_DILIGENCE_WARNING_DAYS if within_days is None else within_days
    return today + datetime.timedelta(days=days)


def _superseded() -> Exists:
    """True for a document replaced by a later one of the same kind (kind "other" never is):
    one that expires later, or one that never expires and became valid later."""
    return Exists(
        DueDiligenceDocument.objects.filter(organisation=OuterRef("organisation"), kind=OuterRef("kind"))
        .exclude(kind=DocumentKind.OTHER)
        .exclude(pk=OuterRef("pk"))
        .filter(
            Q(expires_on__gt=OuterRef("expires_on")) | Q(expires_on__isnull=True, valid_from__gt=OuterRef("valid_from"))
        )
    )


def current_documents() -> QuerySet[DueDiligenceDocument]:
    """Documents that have not been replaced by a later one of the same kind."""
    return DueDiligenceDocument.objects.exclude(_superseded())


def _count(queryset: QuerySet) -> Coalesce:
    counted = queryset.order_by().values("organisation").annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _annotated_organisations(*, today: datetime.date | None = None) -> QuerySet[Organisation]:
    """Organisations with ``next_expiry`` (the earliest expiry among current documents),
    ``needs_attention`` (a current document expired or expiring within the warning period),
    ``contact_count`` and ``document_count``."""
    limit = warning_limit(today)
    next_expiry = (
        current_documents()
        .filter(organisation=OuterRef("pk"), expires_on__isnull=False)
        .order_by("expires_on")
        .values("expires_on")[:1]
    )
    return Organisation.objects.annotate(
        next_expiry=Subquery(next_expiry),
        needs_attention=Exists(current_documents().filter(organisation=OuterRef("pk"), expires_on__lte=limit)),
        contact_count=_count(Contact.objects.filter(organisation=OuterRef("pk"))),
        document_count=_count(DueDiligenceDocument.objects.filter(organisation=OuterRef("pk"))),
    )


_KIND_LABEL = Case(
    *[When(kind=value, then=Value(str(label))) for value, label in OrganisationKind.choices],
    default=F("kind"),
)
# sort key (as in ?sort=) -> expression; each is followed by the name as a tie-break.
SORT_FIELDS = {
    "name": Lower("name"),
    "kind": _KIND_LABEL,
    "postcode": F("postcode"),
    "active": F("active"),
    "expiry": F("next_expiry"),
}
DEFAULT_SORT = "name"


def _ordering(sort: str) -> list:
    return ordering_for(sort, fields=SORT_FIELDS, default=DEFAULT_SORT, tiebreak="name")


def organisation_list(
    *, filters: Mapping | None = None, sort: str = "", today: datetime.date | None = None
) -> QuerySet[Organisation]:
    """Organisations filtered (``filters.OrganisationFilter``: q, kind, active, expiring)
    and sorted by a whitelisted key (``SORT_FIELDS``, "-" for descending)."""
    queryset = _annotated_organisations(today=today)
    queryset = OrganisationFilter(filters or {}, queryset=queryset).qs
    return queryset.order_by(*_ordering(sort or ""))


def organisation_detail(pk: int) -> Organisation:
    """One organisation with the list's annotations; Http404 if there is none."""
    try:
        return _annotated_organisations().get(pk=pk)
    except Organisation.DoesNotExist:
        raise Http404("No such organisation.") from None


def access_organisation(user, pk: int, *, for_edit: bool = False) -> Organisation:
    """The organisation ``pk`` if ``user`` may see it (or, with ``for_edit``, change it).

    Internal roles with ``providers.view`` may read any organisation; only ``providers.edit``
    may change one. A provider user may read only its own organisation (others are 404, so
    their existence is not revealed) and change none.
    """
    if not user.is_authenticated:
        raise PermissionDenied("Sign in first.")
    if is_provider_user(user):
        if for_edit:
            raise PermissionDenied("Provider users cannot change organisation records.")
        if provider_organisation_id(user) != int(pk):
            raise Http404("No such organisation.")
    else:
        require(user, "providers.edit" if for_edit else "providers.view")
    return organisation_detail(pk)


@dataclass
class DocumentRow:
    document: DueDiligenceDocument
    status: str
    colour: str  # a govuk-tag modifier


def document_status(
    document: DueDiligenceDocument, *, superseded: bool, today: datetime.date | None = None
) -> tuple[str, str]:
    """(label, govuk-tag colour) for a document."""
    today = today or clock.today()
    if superseded:
        return "Replaced", "grey"
    if document.expires_on is None:
        return "Does not expire", "blue"
    if document.expires_on < today:
        return "Expired", "red"
    if document.expires_on <= warning_limit(today):
        days = (document.expires_on - today).days
        return ("Expires today" if days == 0 else f"Expires in {days} day{'s' if days != 1 else ''}"), "orange"
    return "Valid", "green"


def organisation_documents(organisation: Organisation) -> list[DocumentRow]:
    documents = (
        DueDiligenceDocument.objects.filter(organisation=organisation)
        .annotate(superseded=_superseded())
        .select_related("verified_by")
        .order_by("kind", F("expires_on").desc(nulls_first=True), "-valid_from", "-pk")
    )
    today = clock.today()
    rows = []
    for document in documents:
        label, colour = document_status(document, superseded=document.superseded, today=today)
        rows.append(DocumentRow(document, label, colour))
    return rows


def documents_expiring(
    within_days: int | None = None, *, today: datetime.date | None = None
) -> QuerySet[DueDiligenceDocument]:
    """Current (not replaced) documents of active organisations that expire within
    ``within_days`` (default: the warning period) or have already expired, soonest first.
    For reminders and dashboards."""
    limit = warning_limit(today, within_days)
    return (
        current_documents()
        .filter(expires_on__lte=limit, organisation__active=True)
        .select_related("organisation")
        .order_by("expires_on", Lower("organisation__name"), "pk")
    )


def required_document_kinds(organisation_kind: str) -> list[str]:
    """The due-diligence document kinds an organisation of this kind must hold (data:
    ``RequiredDocument``), in the order ``DocumentKind`` lists them."""
    wanted = set(
        RequiredDocument.objects.filter(organisation_kind=organisation_kind).values_list("document_kind", flat=True)
    )
    return [kind for kind in DocumentKind.values if kind in wanted]


def due_diligence_gaps(organisation: Organisation, *, today: datetime.date | None = None) -> list[str]:
    """What is wrong with the organisation's due diligence on ``today``, one sentence per
    required kind that has no document on file or whose current one has expired (expiring on
    ``today`` itself is still valid). Empty when all is in order. Two queries."""
    today = today or clock.today()
    labels = dict(DocumentKind.choices)
    latest: dict[str, DueDiligenceDocument] = {}
    for document in current_documents().filter(organisation=organisation).order_by("kind", "-valid_from", "-pk"):
        latest.setdefault(document.kind, document)
    gaps = []
    for kind in required_document_kinds(organisation.kind):
        document = latest.get(kind)
        if document is None:
            gaps.append(f"no {labels[kind].lower()} on file")
        elif document.valid_from > today:
            gaps.append(f"the {labels[kind].lower()} is valid only from {document.valid_from:%-d %B %Y}")
        elif document.expires_on is not None and document.expires_on < today:
            gaps.append(f"the {labels[kind].lower()} expired on {document.expires_on:%-d %B %Y}")
    return gaps


def organisation_contacts(organisation: Organisation) -> QuerySet[Contact]:
    return Contact.objects.filter(organisation=organisation).order_by("-is_primary", Lower("name"), "pk")


def contact_for(organisation: Organisation, contact_pk: int) -> Contact:
    try:
        return Contact.objects.get(organisation=organisation, pk=contact_pk)
    except Contact.DoesNotExist:
        raise Http404("No such contact.") from None


def document_for(organisation: Organisation, document_pk: int) -> DueDiligenceDocument:
    try:
        return DueDiligenceDocument.objects.get(organisation=organisation, pk=document_pk)
    except DueDiligenceDocument.DoesNotExist:
        raise Http404("No such document.") from None


# History --------------------------------------------------------------------------------------


@dataclass
class HistoryEntry:
    when: datetime.datetime
    who: str
    title: str  # "Organisation changed", "Contact added: Jo Bloggs", "Document uploaded: x.pdf"
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (field label, old, new)


_TRACKED = {
    Organisation: (
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
    ),
    Contact: ("name", "job_title", "email", "phone", "is_primary"),
    DueDiligenceDocument: ("kind", "original_name", "valid_from", "expires_on", "verified_by", "verified_on", "notes"),
}
_VERBS = {
    Organisation: {"+": "created", "~": "changed", "-": "deleted"},
    Contact: {"+": "added", "~": "changed", "-": "removed"},
    DueDiligenceDocument: {"+": "uploaded", "~": "changed", "-": "deleted"},
}


def _display(model, name: str, value, users: dict) -> str:
    model_field = model._meta.get_field(name)
    if value is None or value == "":
        return "(blank)"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime.date):
        return f"{value.day} {value:%B %Y}"
    if model_field.is_relation:
        user = users.get(value)
        return user.display_name if user else f"(user {value})"
    return str(value)


def _title(model, record) -> str:
    verb = _VERBS[model].get(record.history_type, "changed")
    if model is Organisation:
        return f"Organisation {verb}"
    if model is Contact:
        return f"Contact {verb}: {record.name}"
    return f"Document {verb}: {record.get_kind_display()} ({record.original_name})"


def organisation_history(organisation: Organisation) -> list[HistoryEntry]:
    """The audit trail of the organisation, its contacts, its documents and its portal users
    (invitations, leads, access switched off and on), newest first: who did what, when, and
    which fields changed from what to what."""
    sources = (
        (Organisation, Organisation.history.filter(id=organisation.pk)),
        (Contact, Contact.history.filter(organisation_id=organisation.pk)),
        (DueDiligenceDocument, DueDiligenceDocument.history.filter(organisation_id=organisation.pk)),
    )
    loaded = []
    user_ids: set[int] = set()
    for model, records in sources:
        rows = list(records.select_related("history_user").order_by("id", "history_date", "history_id"))
        loaded.append((model, rows))
        if model is DueDiligenceDocument:
            user_ids.update(row.verified_by_id for row in rows if row.verified_by_id)
    users = {user.pk: user for user in get_user_model().objects.filter(pk__in=user_ids)} if user_ids else {}

    entries: list[HistoryEntry] = []
    for model, rows in loaded:
        fields = _TRACKED[model]
        previous = None
        for row in rows:
            if previous is not None and previous.id != row.id:
                previous = None
            changes = []
            if row.history_type == "~" and previous is not None:
                for name in fields:
                    attname = model._meta.get_field(name).attname
                    old, new = getattr(previous, attname), getattr(row, attname)
                    if old != new:
                        changes.append(
                            (
                                str(model._meta.get_field(name).verbose_name).capitalize(),
                                _display(model, name, old, users),
                                _display(model, name, new, users),
                            )
                        )
                if not changes:
                    previous = row
                    continue  # a save that changed nothing we show
            user = row.history_user
            entries.append(
                HistoryEntry(
                    when=row.history_date,
                    who=user.display_name if user else "System",
                    title=_title(model, row),
                    changes=changes,
                )
            )
            previous = row
    entries.extend(_invitation_entries(organisation))
    entries.extend(_membership_entries(organisation))
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries


def _who(record) -> str:
    user = record.history_user
    return user.display_name if user else "System"


def _moment(value: datetime.datetime) -> str:
    local = timezone.localtime(value)
    return f"{local.day} {local:%B %Y} at {local:%H:%M}"


def _invitation_entries(organisation: Organisation) -> list[HistoryEntry]:
    """Invitations sent, re-sent, withdrawn and accepted (their history rows, in order)."""
    rows = (
        ProviderInvitation.history.filter(organisation_id=organisation.pk)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    entries = []
    previous = None
    for row in rows:
        if previous is not None and previous.id != row.id:
            previous = None
        person = f"{row.first_name} {row.last_name} ({row.email})"
        changes: list[tuple[str, str, str]] = []
        if row.history_type == "+":
            title = f"Invitation sent to {person}" + (" as the organisation's lead" if row.as_lead else "")
        elif row.history_type == "-":
            title = f"Invitation deleted: {person}"
        elif previous is not None and previous.status != row.status and row.status == InvitationStatus.WITHDRAWN:
            title = f"Invitation withdrawn: {person}"
        elif previous is not None and previous.status != row.status and row.status == InvitationStatus.ACCEPTED:
            title = f"Invitation accepted: {person} now has access" + (
                " as the organisation's lead" if row.as_lead else ""
            )
        elif previous is not None and previous.sent_at != row.sent_at:
            title = f"Invitation re-sent to {person} with a new link"
            changes.append(("Link expires", _moment(previous.expires_at), _moment(row.expires_at)))
        else:
            previous = row
            continue  # a save that changed nothing shown here
        entries.append(HistoryEntry(when=row.history_date, who=_who(row), title=title, changes=changes))
        previous = row
    return entries


_MEMBERSHIP_EVENT_TITLES = {
    MembershipEvent.SWITCHED_OFF.value: "Access switched off",
    MembershipEvent.SWITCHED_ON.value: "Access switched back on",
}


def _membership_entries(organisation: Organisation) -> list[HistoryEntry]:
    """Provider users made or unmade leads, switched off and on, linked and unlinked. The
    link made by accepting an invitation is left out: the invitation's entry says it."""
    rows = list(
        ProviderMembership.history.filter(organisation_id=organisation.pk)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    user_ids = {row.user_id for row in rows if row.user_id}
    users = {user.pk: user for user in get_user_model().objects.filter(pk__in=user_ids)} if user_ids else {}
    entries = []
    previous = None
    for row in rows:
        if previous is not None and previous.id != row.id:
            previous = None
        user = users.get(row.user_id)
        name = user.display_name if user else f"a user no longer recorded (user {row.user_id})"
        reason = row.history_change_reason or ""
        if reason in _MEMBERSHIP_EVENT_TITLES:
            title = f"{_MEMBERSHIP_EVENT_TITLES[reason]}: {name}"
        elif row.history_type == "+" or (row.history_type == "~" and previous is None):
            title = None if reason == MembershipEvent.ACCEPTED else f"User linked to the organisation: {name}"
        elif row.history_type == "-":
            title = f"User unlinked from the organisation: {name}"
        elif previous.is_lead != row.is_lead:
            title = (
                f"Made a lead of the organisation: {name}"
                if row.is_lead
                else f"No longer a lead of the organisation: {name}"
            )
        else:
            title = None  # a save that changed nothing shown here
        if title:
            entries.append(HistoryEntry(when=row.history_date, who=_who(row), title=title))
        previous = row
    return entries
