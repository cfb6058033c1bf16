"""An issued agreement saved directly, with a tiny PDF and its checksum: enough to accept,
countersign and record as signed, without the issuing service (tested beside it)."""

from __future__ import annotations

import datetime
import hashlib

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from grants.models import Agreement, AgreementKind, AgreementStatus, AwardStatus

from .grants import AwardFactory
from .providers import PDF_BYTES


def agreement_pdf(number: int) -> bytes:
    """A distinct tiny PDF per version, so each version's checksum differs."""
    return PDF_BYTES + f"% version {number}\n".encode()


class AgreementFactory(factory.django.DjangoModelFactory):
    """Version 1 of an active award's grant agreement, issued on 3 May 2019 at 10:00."""

    class Meta:
        model = Agreement

    award = factory.SubFactory(AwardFactory, status=AwardStatus.ACTIVE)
    kind = AgreementKind.GRANT_AGREEMENT
    number = 1
    title = factory.LazyAttribute(lambda o: f"Grant agreement for {o.award.reference}")
    status = AgreementStatus.ISSUED
    figures = factory.LazyAttribute(lambda o: {"reference": o.award.reference, "total": "1000.00"})
    issued_at = factory.LazyFunction(
        lambda: timezone.make_aware(datetime.datetime(2019, 5, 3, 10, 0))  # UK time
    )
    pdf = factory.LazyAttribute(lambda o: ContentFile(agreement_pdf(o.number), name=f"agreement-v{o.number}.pdf"))
    checksum = factory.LazyAttribute(lambda o: hashlib.sha256(agreement_pdf(o.number)).hexdigest())


def provider_user_of(organisation, username: str, *, signatory: bool, **names):
    """A provider user of ``organisation``, its authorised signatory or not."""
    from pcc_commissioning.roles import Role
    from providers.services import membership_set

    from .users import UserFactory

    user = UserFactory(username=username, role=Role.PROVIDER, **names)
    membership_set(user=user, organisation=organisation, is_signatory=signatory)
    user.refresh_from_db()
    return user
