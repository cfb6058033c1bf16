"""What waits on a person after the decision: variations to decide (the award's lead officer),
variations waiting for finance (the award's finance contact), agreements to countersign, and
money to recover that falls due within a month or is overdue. Worked out by hand for 15 May 2020."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from grants.models import AgreementStatus, AwardStatus, RecoveryStatus, VariationKind, VariationStatus
from pcc_commissioning.roles import Role
from reports.my_work import selectors
from reports.my_work.views import item_url
from tests.factories import AwardFactory, UserFactory
from tests.factories.agreement_acceptance import AgreementFactory
from tests.factories.recoveries import RecoveryFactory
from tests.factories.variations import VariationFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2020, 5, 15, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def team(time_machine):
    time_machine.move_to(NOW, tick=False)
    people = {
        "me": UserFactory(username="me", role=Role.OFFICER),
        "colleague": UserFactory(username="colleague", role=Role.OFFICER),
        "finance": UserFactory(username="fin", role=Role.FINANCE),
        "board": UserFactory(username="board", role=Role.BOARD),
    }
    mine = AwardFactory(
        reference="AWD-A", status=AwardStatus.ACTIVE, lead_officer=people["me"], finance_contact=people["finance"]
    )
    theirs = AwardFactory(reference="AWD-B", status=AwardStatus.ACTIVE, lead_officer=people["colleague"])
    VariationFactory(award=mine, reference="AWD-A-V1", requested_on=datetime.date(2020, 5, 1))
    VariationFactory(
        award=mine, reference="AWD-A-V2", status=VariationStatus.AWAITING_FINANCE, kind=VariationKind.VALUE
    )
    VariationFactory(award=theirs, reference="AWD-B-V1", status=VariationStatus.AWAITING_DECISION)
    VariationFactory(
        award=mine,
        reference="AWD-A-V3",
        status=VariationStatus.DECLINED,
        decided_on=datetime.date(2020, 5, 2),
        decision_note="Not needed.",
    )
    AgreementFactory(
        award=mine,
        status=AgreementStatus.ACCEPTED,
        accepted_name="Jane Doe",
        accepted_at=timezone.make_aware(datetime.datetime(2020, 5, 12, 14, 0)),
    )
    AgreementFactory(award=theirs)  # issued: waiting on the provider, not on us
    RecoveryFactory(award=mine, reference="REC-2019-0001", due_date=datetime.date(2020, 5, 14))  # overdue
    RecoveryFactory(award=mine, reference="REC-2019-0002", due_date=datetime.date(2020, 6, 15))  # in 31 days
    RecoveryFactory(award=mine, reference="REC-2019-0003", due_date=datetime.date(2020, 6, 16))  # in 32: not yet
    RecoveryFactory(
        award=mine, reference="REC-2019-0004", due_date=datetime.date(2020, 5, 1), status=RecoveryStatus.RECOVERED
    )
    return people


def _section(user, key, **options):
    return next(section for section in selectors.my_work(user, **options).sections if section.key == key)


def test_the_lead_officer_decides_the_variations_of_their_awards(team):
    mine = _section(team["me"], "variations")
    assert [item.title.split(" ")[0] for item in mine.items] == ["AWD-A-V1"]
    assert mine.items[0].detail.endswith("asked 1 May 2020; requested")
    # The whole team's, oldest request first (AWD-B-V1 was asked on 1 September 2019); the declined
    # request and the one waiting for finance are not an officer's to decide.
    everyone = _section(team["me"], "variations", everyone=True)
    assert [item.title.split(" ")[0] for item in everyone.items] == ["AWD-B-V1", "AWD-A-V1"]


def test_finance_approves_the_variations_waiting_for_them(team):
    section = _section(team["finance"], "variations_finance")
    assert [item.title.split(" ")[0] for item in section.items] == ["AWD-A-V2"]
    assert item_url(section.items[0], can_act=True) == reverse(
        "grants:variation_detail", args=[section.items[0].record_id]
    )


def test_accepted_agreements_wait_for_the_countersignature(team):
    section = _section(team["me"], "countersign")
    assert section.count == 1
    item = section.items[0]
    assert item.detail.startswith("Accepted by Jane Doe of ") and item.detail.endswith("on 12 May 2020")
    assert item_url(item, can_act=True) == reverse("grants:agreement_countersign", args=[item.record_id])
    assert item_url(item, can_act=False) == reverse("grants:award_agreements", args=[item.award_id])
    assert _section(team["colleague"], "countersign").count == 0


def test_money_to_recover_within_a_month_or_overdue(team):
    section = _section(team["finance"], "recoveries")
    assert [(item.title.split(" ")[0], item.warning) for item in section.items] == [
        ("REC-2019-0001", True),
        ("REC-2019-0002", False),
    ]


def test_board_members_see_every_new_section_read_only(team):
    work = selectors.my_work(team["board"])
    counts = work.counts
    assert (counts["variations"], counts["variations_finance"], counts["countersign"], counts["recoveries"]) == (
        2,
        1,
        1,
        2,
    )
    assert not any(section.can_act for section in work.sections)
