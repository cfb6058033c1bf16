"""What waits on a person (reports/my_work/selectors.py): which items each role gets, on whose
awards, when time makes them late, ending or expiring, and the queries it takes."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from grants.models import AwardStatus, ReturnStatus
from reports.my_work import selectors
from tests.factories import (
    AwardFactory,
    DueDiligenceDocumentFactory,
    FundingStreamFactory,
    MonitoringReturnFactory,
    PaymentFactory,
    StreamAllocationFactory,
)
from tests.reports.my_work_dataset import NOW, TODAY, invitation, people, work  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def _counts(user, **options):
    return selectors.my_work(user, **options).counts


def test_an_officer_gets_the_work_on_awards_they_lead_and_on_awards_nobody_leads(work, people):
    assert _counts(people["me"]) == {
        "review": 2,  # A and C
        "late": 1,  # A's Q4
        "documents": 1,  # Alpha's insurance, expiring 1 June
        "ending": 1,  # A ends 30 June, within 90 days
        "invitations": 2,  # the one I sent, and Alpha's
        "variations": 0,
        "countersign": 0,
        "moj_prepare": 1,  # H2 2019/20, a draft
    }


def test_everyone_is_the_whole_teams_work(work, people):
    assert _counts(people["me"], everyone=True) == {
        "review": 3,
        "late": 2,
        "documents": 2,
        "ending": 1,
        "invitations": 3,
        "variations": 0,
        "countersign": 0,
        "moj_prepare": 1,
    }


def test_finance_gets_the_payments_of_their_awards_and_of_awards_with_no_finance_contact(work, people):
    nothing_else = {"variations_finance": 0, "recoveries": 0}
    assert _counts(people["finance"]) == {"payments": 2, "moj_sign_off": 1} | nothing_else  # A's of 1 June and C's
    assert _counts(people["other_finance"]) == {"payments": 2, "moj_sign_off": 1} | nothing_else  # B's and C's
    assert _counts(people["finance"], everyone=True) == {"payments": 3, "moj_sign_off": 1} | nothing_else


def test_a_board_member_sees_the_whole_teams_work_read_only(work, people):
    mine = selectors.my_work(people["board"])
    assert (mine.read_only, mine.everyone) == (True, True)
    assert mine.counts == {
        "review": 3,
        "payments": 3,
        "late": 2,
        "documents": 2,
        "ending": 1,
        "invitations": 3,
        "variations": 0,
        "variations_finance": 0,
        "countersign": 0,
        "recoveries": 0,
        "moj_prepare": 1,
        "moj_sign_off": 1,
    }
    assert not any(section.can_act for section in mine.sections)
    assert mine.total == 16


def test_the_items_say_what_and_when(work, people):
    found = {section.key: section.items for section in selectors.my_work(people["me"]).sections}
    assert [(item.title, item.unassigned) for item in found["review"]] == [
        ("A-1 Mine: Q3 2019/20 return", False),
        ("C-1 Nobody's: Q3 2019/20 return", True),
    ]
    (late,) = found["late"]
    assert (late.title, late.detail, late.warning) == (
        "A-1 Mine: Q4 2019/20 return",
        "From Alpha, due 20 April 2020, 25 days late",
        True,
    )
    (document,) = found["documents"]
    assert (document.title, document.detail, document.organisation_id) == (
        "Alpha: insurance certificate",
        "Expires on 1 June 2020",
        work["a"].provider_id,
    )
    (ending,) = found["ending"]
    assert ending.detail == "Alpha, ends on 30 June 2020 (in 46 days)"
    assert [item.title for item in found["invitations"]] == ["Ann Sent, Delta", "Ann Alpha, Alpha"]
    (moj,) = found["moj_prepare"]
    assert (moj.title, moj.detail, moj.fy, moj.half) == ("MoJ return H2 2019/20", "Version 1, draft", 2019, 2)
    payments = selectors.my_work(people["finance"]).sections[0].items
    assert [(item.title, item.detail, item.warning) for item in payments] == [
        ("C-1 Nobody's: £1,000.00", "To Gamma, due 20 May 2020", False),
        ("A-1 Mine: £1,000.00", "To Alpha, due 1 June 2020", False),
    ]


def test_nothing_waiting(people, time_machine):
    time_machine.move_to(NOW, tick=False)
    work = selectors.my_work(people["me"])
    assert work.total == 0
    assert [section.key for section in work.sections] == [
        "review",
        "late",
        "documents",
        "ending",
        "invitations",
        "variations",
        "countersign",
        "moj_prepare",
    ]


# Time decides what is late, ending and expiring -------------------------------------------------------
def test_a_return_is_late_the_day_after_its_due_date(work, people, time_machine):
    time_machine.move_to(datetime.datetime(2020, 4, 20, 12, 0, tzinfo=datetime.UTC), tick=False)
    assert _counts(people["me"])["late"] == 0
    time_machine.move_to(datetime.datetime(2020, 4, 21, 12, 0, tzinfo=datetime.UTC), tick=False)
    assert _counts(people["me"])["late"] == 1


def test_an_award_is_ending_from_contract_ending_days_before_its_last_day(work, people, time_machine, settings):
    settings.CONTRACT_ENDING_DAYS = 90
    time_machine.move_to(datetime.datetime(2020, 3, 31, 12, 0, tzinfo=datetime.UTC), tick=False)  # 91 days
    assert _counts(people["me"])["ending"] == 0
    time_machine.move_to(datetime.datetime(2020, 4, 1, 12, 0, tzinfo=datetime.UTC), tick=False)  # 90 days
    assert _counts(people["me"])["ending"] == 1
    time_machine.move_to(datetime.datetime(2020, 7, 1, 12, 0, tzinfo=datetime.UTC), tick=False)  # ended
    assert _counts(people["me"])["ending"] == 0


def test_a_taken_extension_moves_the_end(work, people, time_machine):
    award = work["a"]
    award.extension_until = datetime.date(2021, 3, 31)
    award.extension_taken = True
    award.save()
    assert _counts(people["me"])["ending"] == 0


def test_a_document_shows_from_the_warning_period_and_stays_once_expired(work, people, time_machine, settings):
    settings.DUE_DILIGENCE_WARNING_DAYS = 60
    time_machine.move_to(datetime.datetime(2020, 4, 1, 12, 0, tzinfo=datetime.UTC), tick=False)  # 61 days
    assert _counts(people["me"])["documents"] == 0
    time_machine.move_to(datetime.datetime(2020, 4, 2, 12, 0, tzinfo=datetime.UTC), tick=False)  # 60 days
    assert _counts(people["me"])["documents"] == 1
    time_machine.move_to(datetime.datetime(2020, 6, 2, 12, 0, tzinfo=datetime.UTC), tick=False)
    (document,) = next(s for s in selectors.my_work(people["me"]).sections if s.key == "documents").items
    assert (document.detail, document.warning) == ("Expired on 1 June 2020", True)


def test_a_payment_is_to_approve_from_a_month_before_it_falls_due(work, people, time_machine):
    # A's payment of 1 September 2020: 31 days before is 1 August.
    time_machine.move_to(datetime.datetime(2020, 7, 31, 12, 0, tzinfo=datetime.UTC), tick=False)
    assert _counts(people["finance"])["payments"] == 2  # A's of 1 June (overdue now) and C's
    time_machine.move_to(datetime.datetime(2020, 8, 1, 12, 0, tzinfo=datetime.UTC), tick=False)
    assert _counts(people["finance"])["payments"] == 3


def test_an_instalment_waiting_for_its_return_is_not_ready_to_approve(work, people):
    waiting = MonitoringReturnFactory(award=work["c"], fy=2020, quarter=1)
    PaymentFactory(award=work["c"], due_date=datetime.date(2020, 5, 25), approved_at=None, awaits_return=waiting)
    assert _counts(people["finance"])["payments"] == 2
    waiting.status, waiting.rag = ReturnStatus.ACCEPTED, "green"
    waiting.save()
    assert _counts(people["finance"])["payments"] == 3


def test_an_moj_half_not_started_is_to_prepare_for_a_year_after_it_ends(people, time_machine):
    StreamAllocationFactory(stream=FundingStreamFactory(moj_reported=True), fy=2019, amount=D("100000"))
    time_machine.move_to(datetime.datetime(2020, 5, 15, 12, 0, tzinfo=datetime.UTC), tick=False)
    titles = [
        item.title for item in next(s for s in selectors.my_work(people["me"]).sections if s.key == "moj_prepare").items
    ]
    assert titles == ["MoJ return H1 2019/20", "MoJ return H2 2019/20"]  # both halves have ended
    time_machine.move_to(datetime.datetime(2020, 10, 1, 12, 0, tzinfo=datetime.UTC), tick=False)
    assert _counts(people["me"])["moj_prepare"] == 1  # H1 ended 30 September 2019, over a year ago
    assert _counts(people["finance"])["moj_sign_off"] == 0


# Queries --------------------------------------------------------------------------------------------------
def _bulk(people, n: int, start: int = 0) -> None:
    """``n`` awards with a return to review, a late return, an expiring document, a payment to
    approve and an invitation each, all on awards nobody leads."""
    for index in range(start, start + n):
        award = AwardFactory(
            status=AwardStatus.ACTIVE, start_date=datetime.date(2019, 4, 1), end_date=datetime.date(2020, 6, 30)
        )
        MonitoringReturnFactory(award=award, fy=2019, quarter=3, submitted=True)
        MonitoringReturnFactory(award=award, fy=2019, quarter=4)
        DueDiligenceDocumentFactory(
            organisation=award.provider, valid_from=datetime.date(2019, 1, 1), expires_on=datetime.date(2020, 6, 1)
        )
        PaymentFactory(award=award, due_date=datetime.date(2020, 5, 20), approved_at=None)
        invitation(award.provider, sent_by=people["me"], email=f"bulk{index}@example.org")


@pytest.mark.parametrize("who", ["me", "finance", "board"])
def test_the_queries_do_not_grow_with_the_work(people, time_machine, who):
    time_machine.move_to(NOW, tick=False)
    user = people[who]
    _bulk(people, 2)
    with CaptureQueriesContext(connection) as small:
        selectors.my_work(user)
    _bulk(people, 18, start=2)
    user = type(user).objects.get(pk=user.pk)  # its roles read again, as in a new request
    with CaptureQueriesContext(connection) as large:
        work = selectors.my_work(user)
    assert len(large.captured_queries) == len(small.captured_queries)
    key = "payments" if who == "finance" else "review"
    assert work.counts[key] == 20
    assert len(next(s for s in work.sections if s.key == key).items) == selectors.SUMMARY_ITEMS


def test_counts_only_for_the_dashboard_reads_no_rows(work, people):
    with CaptureQueriesContext(connection) as queries:
        summary = selectors.my_work(people["me"], items=0)
    assert all(section.items == [] for section in summary.sections)
    assert summary.counts == _counts(people["me"])
    # One count per section, three for the MoJ return's halves, and the user's roles.
    assert len(queries.captured_queries) <= 7 + 3 + 1


def test_section_rows_are_none_for_a_section_the_person_does_not_see(work, people):
    assert selectors.section_rows(people["me"], "payments") is None
    rows = selectors.section_rows(people["finance"], "payments", today=TODAY)
    assert [payment.due_date for payment in rows] == [datetime.date(2020, 5, 20), datetime.date(2020, 6, 1)]


def test_a_system_administrator_may_act_on_every_section(work, superuser):
    mine = selectors.my_work(superuser)
    assert [section.key for section in mine.sections] == [section.key for section in selectors.SECTIONS]
    assert not mine.read_only and all(section.can_act for section in mine.sections)
    # Leading no award, they get the work nobody is named for, and the MoJ returns.
    assert mine.counts == {
        "review": 1,
        "payments": 1,
        "late": 0,
        "documents": 0,
        "ending": 0,
        "invitations": 0,
        "variations": 0,
        "variations_finance": 0,
        "countersign": 0,
        "recoveries": 0,
        "moj_prepare": 1,
        "moj_sign_off": 1,
    }


def test_days_are_counted_in_words_with_thousands_separated():
    from reports.my_work.selectors import _days

    assert (_days(1), _days(25), _days(2696)) == ("1 day", "25 days", "2,696 days")
