"""Retention: a closed award's personal data goes after its retention date, its figures stay."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from grants.closeout.selectors import retention_due
from grants.closeout.services import personal_data_redact
from grants.models import AwardClosure, MonitoringReturn, ReturnStatus, Variation
from tests.factories import AwardFactory, MonitoringReturnFactory, ReturnBreakdownFactory
from tests.factories.closeout import AwardClosureFactory, VariationFactory

pytestmark = pytest.mark.django_db

STORY = "A woman we supported after a burglary now feels safe at home."


@pytest.fixture
def closure(db):
    """Closed 6 April 2020: its personal data may be deleted after 6 April 2026."""
    closure = AwardClosureFactory(award__reference="AWD-2019-0042")
    ret = MonitoringReturnFactory(
        award=closure.award,
        quarter=4,
        accepted=True,
        case_study=STORY,
        case_study_consent=True,
        feedback="Jo said the caseworker listened.",
        narrative="Referrals from the police rose.",
        breakdown_explanation="One person declined to give an age.",
    )
    ret.case_study = STORY + " (edited)"  # a second version, so the history holds two copies
    ret.save()
    ReturnBreakdownFactory(monitoring_return=ret, count=7)
    VariationFactory(award=closure.award, status="approved", decided_on=datetime.date(2020, 2, 1))
    return closure


def _due(day):
    return [closure.award.reference for closure in retention_due(today=day)]


@pytest.mark.parametrize(
    "day, due",
    [(datetime.date(2026, 4, 5), False), (datetime.date(2026, 4, 6), False), (datetime.date(2026, 4, 7), True)],
    ids=["day-before", "the-date", "day-after"],
)
def test_an_award_is_due_only_after_its_retention_date(closure, officer, time_machine, day, due):
    time_machine.move_to(datetime.datetime.combine(day, datetime.time(9)))
    assert _due(day) == (["AWD-2019-0042"] if due else [])
    if due:
        assert personal_data_redact(actor=officer, closure=closure).returns == 1
    else:
        with pytest.raises(ValidationError, match="may be deleted only after 6 April 2026"):
            personal_data_redact(actor=officer, closure=closure)


def test_redaction_clears_the_words_in_the_records_and_their_history_and_keeps_the_figures(
    closure, officer, time_machine
):
    time_machine.move_to(datetime.datetime(2026, 4, 7, 9, 0))
    assert [(c.case_studies, c.feedback, c.contacts) for c in retention_due()] == [(1, 1, 1)]
    personal_data_redact(actor=officer, closure=closure)
    ret = MonitoringReturn.objects.get(award=closure.award)
    assert (ret.case_study, ret.feedback, ret.narrative, ret.breakdown_explanation, ret.case_study_consent) == (
        "",
        "",
        "",
        "",
        False,
    )
    assert ret.personal_data_redacted_at is not None
    assert (ret.referrals, ret.supported, ret.status, ret.rag) == (12, 10, ReturnStatus.ACCEPTED, "green")
    assert [b.count for b in ret.breakdowns.all()] == [7]
    history = MonitoringReturn.history.filter(award_id=closure.award_id)
    assert history.count() >= 2
    assert not history.exclude(case_study="").exists() and not history.exclude(feedback="").exists()
    assert not history.exclude(narrative="").exists()
    assert Variation.objects.get(award=closure.award).new_lead_contact == ""
    assert not Variation.history.filter(award_id=closure.award_id).exclude(new_lead_contact="").exists()
    assert AwardClosure.objects.get(pk=closure.pk).redacted_at is not None
    assert _due(datetime.date(2026, 4, 7)) == []
    with pytest.raises(ValidationError, match="already removed"):
        personal_data_redact(actor=officer, closure=closure)


def test_only_officers_redact(closure, finance_officer, board_member, time_machine):
    time_machine.move_to(datetime.datetime(2026, 4, 7, 9, 0))
    for user in (finance_officer, board_member):
        with pytest.raises(PermissionDenied):
            personal_data_redact(actor=user, closure=closure)


def test_another_awards_returns_are_untouched(closure, officer, time_machine):
    other = MonitoringReturnFactory(award=AwardFactory(status="active"), case_study=STORY)
    time_machine.move_to(datetime.datetime(2026, 4, 7, 9, 0))
    personal_data_redact(actor=officer, closure=closure)
    assert MonitoringReturn.objects.get(pk=other.pk).case_study == STORY


def _command(*args) -> str:
    out = io.StringIO()
    call_command("redact_personal_data", *args, stdout=out)
    return out.getvalue()


def test_the_command_says_what_it_would_do_then_does_it(closure, time_machine):
    time_machine.move_to(datetime.datetime(2026, 4, 6, 9, 0))
    assert _command() == "No closed award's personal data is due for deletion.\n"
    time_machine.move_to(datetime.datetime(2026, 4, 7, 9, 0))
    line = "AWD-2019-0042: personal data removed from 1 monitoring return and 1 variation\n"
    assert _command("--dry-run") == "Would remove: " + line
    assert MonitoringReturn.objects.get(award=closure.award).case_study.startswith(STORY)
    assert AwardClosure.objects.get(pk=closure.pk).redacted_at is None
    assert _command() == line
    assert MonitoringReturn.objects.get(award=closure.award).case_study == ""
    assert _command() == "No closed award's personal data is due for deletion.\n"
