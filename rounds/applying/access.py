"""Which applications a user may see and change: their own organisation's.

An applicant acts for the organisation of their ``ApplicantMembership``; a provider user for
the applicant record of their provider, made the first time they need it (a provider applies
as itself, so its name and numbers are copied from the register)."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import Http404

from pcc_commissioning.roles import provider_organisation_id

from ..models import ApplicantMembership, ApplicantOrganisation, Application


def _membership(user) -> ApplicantMembership | None:
    try:
        return user.applicant_membership
    except ObjectDoesNotExist:
        return None


def _for_provider(organisation_id: int) -> ApplicantOrganisation:
    existing = ApplicantOrganisation.objects.filter(provider_id=organisation_id).first()
    if existing is not None:
        return existing
    from providers.models import Organisation

    provider = Organisation.objects.get(pk=organisation_id)
    numbers = Q(pk__in=[])
    if provider.charity_number:
        numbers |= Q(charity_number=provider.charity_number)
    if provider.company_number:
        numbers |= Q(company_number=provider.company_number)
    # The organisation may have registered as an applicant before it was matched: that record
    # is the provider's, and keeps its applications.
    registered = ApplicantOrganisation.objects.filter(numbers, provider__isnull=True).first()
    try:
        with transaction.atomic():
            if registered is not None:
                registered.provider = provider
                registered.save(update_fields=["provider"])
                return registered
            return ApplicantOrganisation.objects.create(
                provider=provider,
                name=provider.name,
                kind=provider.kind,
                charity_number=provider.charity_number,
                company_number=provider.company_number,
                address=provider.address,
                postcode=provider.postcode,
            )
    except IntegrityError:
        # Made meanwhile by another request of the same provider (or its numbers belong to an
        # applicant matched with another provider, when the record is made without them).
        existing = ApplicantOrganisation.objects.filter(provider_id=organisation_id).first()
        if existing is not None:
            return existing
        return ApplicantOrganisation.objects.create(
            provider=provider, name=provider.name, kind=provider.kind, address=provider.address
        )


def applicant_organisation(user) -> ApplicantOrganisation | None:
    """The organisation ``user`` applies for (None: they apply for none)."""
    if not user.is_authenticated:
        return None
    membership = _membership(user)
    if membership is not None:
        return membership.organisation
    organisation_id = provider_organisation_id(user)
    if organisation_id is None:
        return None
    return _for_provider(organisation_id)


def require_organisation(user) -> ApplicantOrganisation:
    organisation = applicant_organisation(user)
    if organisation is None:
        raise PermissionDenied("Your account does not apply for an organisation.")
    return organisation


def organisation_applications(organisation: ApplicantOrganisation | None) -> QuerySet[Application]:
    """The organisation's applications, newest round first (none for no organisation)."""
    if organisation is None:
        return Application.objects.none()
    return (
        Application.objects.filter(organisation=organisation)
        .select_related("round")
        .order_by("-round__closes_at", "-created_at", "-pk")
    )


def access_own_application(user, application_id: int) -> Application:
    """The application ``application_id`` if it is the user's organisation's: 404 if there is
    none, 403 if it is another organisation's."""
    try:
        application = Application.objects.select_related("round", "organisation").get(pk=application_id)
    except (Application.DoesNotExist, ValueError, TypeError):
        raise Http404("No such application.") from None
    organisation = applicant_organisation(user)
    if organisation is None or application.organisation_id != organisation.pk:
        raise PermissionDenied("This application is not your organisation's.")
    return application


def is_lead(user) -> bool:
    """Whether ``user`` is a registered applicant who may invite colleagues."""
    membership = _membership(user) if user.is_authenticated else None
    return bool(membership and membership.is_lead and user.is_active)
