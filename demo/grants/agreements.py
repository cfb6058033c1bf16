"""The demo's awards as they stand after the paperwork: each award paid in the demo has its
agreement (version 1, issued a few weeks before the award starts) and the provider's signed
copy, received and recorded before the first payment, as an OPCC that needs an accepted
agreement before paying (``PAYMENT_NEEDS_ACCEPTED_AGREEMENT``) would hold it.

The agreement's PDF here is a small stand-in document (the demo makes thirty of them in a
second, where typesetting each would take minutes); its figures are the award's own
(``award_figures``). The signed copy goes through ``agreement_record_signed`` like any other."""

from __future__ import annotations

import datetime
import hashlib

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from grants.agreements.acceptance import agreement_record_signed
from grants.agreements.figures import award_figures
from grants.models import Agreement, AgreementKind, Award, AwardKind
from pcc_commissioning import clock
from providers.models import Contact, ProviderMembership


def _pdf(text: str) -> bytes:
    """A one-page PDF saying ``text`` (plain ASCII), small and valid enough for any reader."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("ascii", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _signatory(award: Award) -> tuple[str, str]:
    """Who signed for the provider: its authorised signatory in the portal, else its first
    contact, else its chief executive (the demo's organisations name few people)."""
    membership = (
        ProviderMembership.objects.filter(organisation=award.provider, is_signatory=True).select_related("user").first()
    )
    if membership is not None:
        return membership.user.display_name, "Chief Executive"
    contact = Contact.objects.filter(organisation=award.provider).order_by("pk").first()
    if contact is not None and contact.name:
        return contact.name, contact.job_title or "Authorised signatory"
    return f"The Chief Executive of {award.provider.name}", "Chief Executive"


def agreement_signed_seed(award: Award, *, actor=None) -> int:
    """Issue ``award``'s agreement (version 1) and record its signed copy; returns how many
    records it created (0 if the award already has one)."""
    if Agreement.objects.filter(award=award).exists():
        return 0
    issued_on = award.start_date - datetime.timedelta(days=21)
    kind = AgreementKind.CONTRACT_AWARD_LETTER if award.kind == AwardKind.CONTRACT else AgreementKind.GRANT_AGREEMENT
    title = f"{AgreementKind(kind).label} for {award.reference} {award.title}"
    document = _pdf(f"{title} - version 1")
    agreement = Agreement(
        award=award,
        kind=kind,
        number=1,
        title=title[:300],
        figures=award_figures(award),
        checksum=hashlib.sha256(document).hexdigest(),
        issued_at=clock.start_of(issued_on) + datetime.timedelta(hours=10),
        issued_by=award.lead_officer,
    )
    agreement.pdf.save(f"{award.reference}-agreement-v1.pdf", ContentFile(document), save=False)
    agreement.save()
    name, role = _signatory(award)
    signed = _pdf(f"{title} - version 1 - signed by {name}")
    agreement_record_signed(
        actor=actor,
        agreement=agreement,
        signed_copy=SimpleUploadedFile(f"{award.reference}-signed.pdf", signed, content_type="application/pdf"),
        name=name,
        role=role,
        accepted_on=issued_on + datetime.timedelta(days=14),
    )
    return 1
