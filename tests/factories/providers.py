import datetime

import factory
from django.core.files.base import ContentFile

from providers.models import (
    Contact,
    DocumentKind,
    DueDiligenceDocument,
    Organisation,
    OrganisationKind,
    ProviderMembership,
)

from .users import UserFactory

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


class OrganisationFactory(factory.django.DjangoModelFactory):
    """An organisation saved directly (no service rules); use the services to test the rules."""

    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n:04d}")
    kind = OrganisationKind.VOLUNTARY_SECTOR
    postcode = factory.Sequence(lambda n: f"DH{n % 10} {n % 9}AB")
    active = True


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Faker("name", locale="en_GB")
    job_title = "Service manager"
    email = factory.Sequence(lambda n: f"contact{n}@example.org")


class DueDiligenceDocumentFactory(factory.django.DjangoModelFactory):
    """A stored document (a small PDF); pass ``expires_on`` to test expiry."""

    class Meta:
        model = DueDiligenceDocument

    organisation = factory.SubFactory(OrganisationFactory)
    kind = DocumentKind.INSURANCE
    file = factory.LazyFunction(lambda: ContentFile(PDF_BYTES, name="certificate.pdf"))
    original_name = "certificate.pdf"
    content_type = "application/pdf"
    size = len(PDF_BYTES)
    valid_from = factory.LazyFunction(lambda: datetime.date.today() - datetime.timedelta(days=300))
    expires_on = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=365))


class ProviderMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProviderMembership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
