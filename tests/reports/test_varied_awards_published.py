"""The grants register and the 360Giving file publish an award as varied: an approved variation
has already rewritten the award's funding lines and end date (or taken its extension), so the
amount and the planned dates follow; 360Giving also says the award was varied and when. A
declined or pending request changes nothing.

Variations are set up as the variations service leaves them: the award's new lines or dates
written, and the Variation row approved."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from grants.models import AwardStatus, DecisionStatus, FundingLine, VariationKind, VariationStatus
from reports.transparency import threesixty
from reports.transparency.lists import CONTRACTS_REGISTER, GRANTS_REGISTER
from tests.factories import AwardFactory, DecisionFactory, FundingLineFactory, FundingStreamFactory
from tests.factories.after_decision_exports import VariationRowFactory

pytestmark = pytest.mark.django_db

D = Decimal
day = datetime.date


@pytest.fixture(autouse=True)
def publisher_settings(settings):
    settings.THREESIXTY_GIVING_PREFIX = "pcctest"
    settings.OPCC_ORG_ID = "GB-GOR-PC999"


@pytest.fixture
def award(db):
    """A £30,000 grant for 2019/20, 1 April 2019 to 31 March 2020, with a 12-month extension on offer."""
    with time_machine.travel(datetime.datetime(2019, 4, 1, 9, tzinfo=datetime.UTC), tick=False):
        award = AwardFactory(
            reference="AWD-V",
            status=AwardStatus.ACTIVE,
            start_date=day(2019, 4, 1),
            end_date=day(2020, 3, 31),
            extension_months=12,
            extension_until=day(2021, 3, 31),
            decision=DecisionFactory(status=DecisionStatus.SIGNED, decided_on=day(2019, 3, 1)),
        )
        FundingLineFactory(award=award, stream=FundingStreamFactory(name="MoJ Core"), fy=2019, amount=D("30000.00"))
    return award


def approve(award, **fields):
    return VariationRowFactory(
        award=award,
        status=VariationStatus.APPROVED,
        decided_on=day(2019, 10, 20),
        old_end_date=day(2020, 3, 31),
        old_value=D("30000.00"),
        **fields,
    )


def register_row(award) -> dict:
    rows = GRANTS_REGISTER.rows(GRANTS_REGISTER.queryset())
    (row,) = [dict(zip(GRANTS_REGISTER.headers, row, strict=True)) for row in rows if row[0] == award.reference]
    return row


def grant(award) -> dict:
    export = threesixty.threesixty_giving()
    assert export.problems == []  # a varied grant is still valid against the schema
    (record,) = [record for record in export.grants if record["id"] == f"360G-pcctest-{award.reference}"]
    return record


def test_a_no_cost_extension_moves_the_end_date(award):
    with time_machine.travel(datetime.datetime(2019, 10, 20, 15, tzinfo=datetime.UTC), tick=False):
        award.end_date = day(2020, 9, 30)
        award.save()
    approve(award, kind=VariationKind.EXTENSION, new_end_date=day(2020, 9, 30), new_value=D("30000.00"))

    row = register_row(award)
    assert (row["amount"], row["start_date"], row["end_date"]) == (D("30000.00"), day(2019, 4, 1), day(2020, 9, 30))
    record = grant(award)
    assert record["amountAwarded"] == 30000
    assert record["plannedDates"] == [
        {
            "startDate": "2019-04-01",
            "endDate": "2020-09-30",
            "duration": 18,
            "description": "Varied: the dates and amount after the variations approved up to 2019-10-20.",
        }
    ]
    assert record["dateModified"] == "2019-10-20T16:00:00+01:00"  # the award saved then (BST)


def test_taking_the_extension_offered_moves_the_end_to_the_extension(award):
    award.extension_taken = True
    award.save()
    approve(award, kind=VariationKind.EXTENSION, takes_extension=True, new_end_date=day(2021, 3, 31))

    assert register_row(award)["end_date"] == day(2021, 3, 31)
    dates = grant(award)["plannedDates"][0]
    assert (dates["endDate"], dates["duration"]) == ("2021-03-31", 24)


def test_a_value_increase_changes_the_amount_and_the_day_modified(award):
    # Only the lines are rewritten: the award's own row is not saved again.
    FundingLine.objects.filter(award=award).update(amount=D("36000.00"))
    FundingLineFactory(award=award, stream=FundingStreamFactory(name="Precept"), fy=2019, amount=D("1250.50"))
    approve(award, kind=VariationKind.VALUE, new_value=D("37250.50"))

    assert register_row(award)["amount"] == D("37250.50")
    record = grant(award)
    assert record["amountAwarded"] == 37250.5
    assert record["plannedDates"][0]["endDate"] == "2020-03-31"
    # Later than the award's last save (1 April 2019): the start of the day it was approved.
    assert record["dateModified"] == "2019-10-20T00:00:00+01:00"


def test_declined_and_pending_variations_change_nothing(award):
    VariationRowFactory(
        award=award,
        kind=VariationKind.VALUE,
        status=VariationStatus.DECLINED,
        decided_on=day(2019, 11, 1),
        decision_note="Over budget",
        old_value=D("30000.00"),
        new_value=D("45000.00"),
    )
    VariationRowFactory(award=award, kind=VariationKind.EXTENSION, new_end_date=day(2020, 9, 30))
    VariationRowFactory(
        award=award,
        kind=VariationKind.EXTENSION,
        takes_extension=True,
        new_end_date=day(2021, 3, 31),
        status=VariationStatus.AWAITING_FINANCE,
    )

    row = register_row(award)
    assert (row["amount"], row["end_date"]) == (D("30000.00"), day(2020, 3, 31))
    record = grant(award)
    assert record["amountAwarded"] == 30000
    assert record["plannedDates"] == [{"startDate": "2019-04-01", "endDate": "2020-03-31", "duration": 12}]
    assert record["dateModified"] == timezone.localtime(award.updated_at).isoformat(timespec="seconds")


def test_the_contracts_register_shows_a_taken_extension_too(award):
    award.kind = "contract"
    award.extension_taken = True
    award.save()
    approve(award, kind=VariationKind.EXTENSION, takes_extension=True, new_end_date=day(2021, 3, 31))

    (row,) = CONTRACTS_REGISTER.rows(CONTRACTS_REGISTER.queryset())
    assert dict(zip(CONTRACTS_REGISTER.headers, row, strict=True))["end_date"] == day(2021, 3, 31)
