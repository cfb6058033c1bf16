"""The people and the work that waits on them, for the "My work" tests (selectors and page):
worked out by hand for 15 May 2020 in tests/reports/test_my_work_selectors.py."""

from __future__ import annotations

import datetime
import hashlib
from decimal import Decimal as D

import pytest

from grants.models import AwardStatus, ReturnStatus
from pcc_commissioning.roles import Role
from providers.models import InvitationStatus, ProviderInvitation
from reports.models import MojReturn
from tests.factories import (
    AwardFactory,
    DueDiligenceDocumentFactory,
    MonitoringReturnFactory,
    OrganisationFactory,
    PaymentFactory,
    UserFactory,
)

# 15 May 2020: Q1 2020/21 has begun; Q4 2019/20's returns were due on 20 April 2020.
NOW = datetime.datetime(2020, 5, 15, 12, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2020, 5, 15)


def invitation(organisation, *, sent_by, email, status=InvitationStatus.PENDING, sent=NOW):
    closed = {} if status == InvitationStatus.PENDING else {"closed_at": sent}
    return ProviderInvitation.objects.create(
        organisation=organisation,
        email=email,
        first_name="Ann",
        last_name=email.split("@")[0].title(),
        token_hash=hashlib.sha256(email.encode()).hexdigest(),
        status=status,
        sent_by=sent_by,
        sent_at=sent,
        expires_at=sent + datetime.timedelta(days=14),
        **closed,
    )


@pytest.fixture
def people(db):
    return {
        "me": UserFactory(username="me", role=Role.OFFICER),
        "colleague": UserFactory(username="colleague", role=Role.OFFICER),
        "finance": UserFactory(username="fin", role=Role.FINANCE),
        "other_finance": UserFactory(username="fin2", role=Role.FINANCE),
        "board": UserFactory(username="board", role=Role.BOARD),
    }


@pytest.fixture
def work(people, time_machine):
    """Three active awards: A led by me (finance contact "fin"), B by my colleague (finance
    "fin2"), C by nobody. Worked out by hand for 15 May 2020 below."""
    time_machine.move_to(NOW, tick=False)
    me, colleague, finance = people["me"], people["colleague"], people["finance"]
    active = {"status": AwardStatus.ACTIVE, "start_date": datetime.date(2019, 4, 1)}
    a = AwardFactory(
        reference="A-1",
        title="Mine",
        lead_officer=me,
        finance_contact=finance,
        end_date=datetime.date(2020, 6, 30),
        provider=OrganisationFactory(name="Alpha"),
        **active,
    )
    b = AwardFactory(
        reference="B-1",
        title="Colleague's",
        lead_officer=colleague,
        finance_contact=people["other_finance"],
        end_date=datetime.date(2021, 3, 31),
        provider=OrganisationFactory(name="Beta"),
        **active,
    )
    c = AwardFactory(
        reference="C-1",
        title="Nobody's",
        end_date=datetime.date(2021, 3, 31),
        provider=OrganisationFactory(name="Gamma"),
        **active,
    )
    for award in (a, b, c):
        MonitoringReturnFactory(award=award, fy=2019, quarter=3, submitted=True)  # to review
    MonitoringReturnFactory(award=a, fy=2019, quarter=4)  # due 20 April 2020: 25 days late
    MonitoringReturnFactory(award=b, fy=2019, quarter=4, status=ReturnStatus.DRAFT)  # late, not mine
    MonitoringReturnFactory(award=c, fy=2019, quarter=4, status=ReturnStatus.ACCEPTED, rag="green")  # done
    MonitoringReturnFactory(award=a, fy=2020, quarter=1)  # due 20 July 2020: not late
    valid = {"valid_from": datetime.date(2019, 1, 1)}
    DueDiligenceDocumentFactory(organisation=a.provider, expires_on=datetime.date(2020, 6, 1), **valid)
    DueDiligenceDocumentFactory(organisation=b.provider, expires_on=datetime.date(2020, 6, 1), **valid)
    DueDiligenceDocumentFactory(
        organisation=a.provider, kind="safeguarding", expires_on=datetime.date(2021, 6, 1), **valid
    )
    nobody = OrganisationFactory(name="Delta")
    invitation(nobody, sent_by=me, email="sent@example.org")  # I sent it
    invitation(a.provider, sent_by=colleague, email="alpha@example.org")  # on my award's provider
    invitation(b.provider, sent_by=colleague, email="beta@example.org")  # not mine
    invitation(nobody, sent_by=me, email="took@example.org", status=InvitationStatus.ACCEPTED)
    scheduled = {"approved_at": None, "amount": D("1000")}
    PaymentFactory(award=a, due_date=datetime.date(2020, 6, 1), **scheduled)  # within 31 days: fin's
    PaymentFactory(award=a, due_date=datetime.date(2020, 9, 1), **scheduled)  # too far ahead
    PaymentFactory(award=b, due_date=datetime.date(2020, 5, 1), **scheduled)  # fin2's
    PaymentFactory(award=c, due_date=datetime.date(2020, 5, 20), **scheduled)  # nobody's: everyone's
    PaymentFactory(award=a, due_date=datetime.date(2020, 5, 1))  # approved already
    MojReturn.objects.create(fy=2019, half=2, status="draft")
    MojReturn.objects.create(fy=2019, half=1, status="submitted")
    return {"a": a, "b": b, "c": c}
