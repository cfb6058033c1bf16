"""The daily reminders (``grants.calendar.reminders``): who gets which e-mail, and each one only once."""

import datetime

import pytest
from django.core import mail

from grants.calendar.reminders import NO_RECIPIENT, reminders_send
from grants.models import AwardStatus, MonitoringReturn, ReminderKind, ReminderSent, ReturnStatus
from grants.tasks import send_reminders
from pcc_commissioning.roles import Role
from tests.factories.grants import AwardFactory
from tests.factories.providers import ContactFactory, DueDiligenceDocumentFactory, OrganisationFactory
from tests.factories.users import UserFactory

TODAY = datetime.date(2020, 7, 10)


@pytest.fixture(autouse=True)
def _reminder_settings(settings):
    settings.REMINDER_DUE_SOON_DAYS = 7
    settings.CONTRACT_ENDING_DAYS = 90
    settings.DUE_DILIGENCE_WARNING_DAYS = 60
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def a_return(award, *, fy=2020, quarter=1, due_date, status=ReturnStatus.DUE):
    return MonitoringReturn.objects.create(award=award, fy=fy, quarter=quarter, due_date=due_date, status=status)


def active_award(**kwargs):
    kwargs.setdefault("status", AwardStatus.ACTIVE)
    kwargs.setdefault("start_date", datetime.date(2019, 4, 1))
    kwargs.setdefault("end_date", datetime.date(2022, 3, 31))
    return AwardFactory(**kwargs)


def sent_to(address):
    return [message for message in mail.outbox if address in message.to]


@pytest.mark.django_db
def test_returns_due_soon_and_late_are_emailed_to_the_providers_contacts_main_contact_first():
    provider = OrganisationFactory(email="office@provider.example")
    ContactFactory(organisation=provider, name="Zoe", email="zoe@provider.example", is_primary=True)
    ContactFactory(organisation=provider, name="Adam", email="adam@provider.example")
    ContactFactory(organisation=provider, name="No Email", email="")
    award = active_award(provider=provider)
    a_return(award, quarter=1, due_date=TODAY + datetime.timedelta(days=7))  # due soon
    a_return(award, fy=2019, quarter=4, due_date=TODAY - datetime.timedelta(days=1), status=ReturnStatus.DRAFT)  # late
    a_return(award, fy=2019, quarter=3, due_date=TODAY - datetime.timedelta(days=90), status=ReturnStatus.SUBMITTED)
    a_return(award, fy=2020, quarter=2, due_date=TODAY + datetime.timedelta(days=8))  # not yet

    result = reminders_send(today=TODAY)

    assert result[ReminderKind.RETURN_DUE] == 1
    assert result[ReminderKind.RETURN_LATE] == 1
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        assert message.to == ["zoe@provider.example", "adam@provider.example"]
        assert award.reference in message.subject
    late = next(m for m in mail.outbox if m.subject.startswith("Late"))
    assert "Q4 2019/20" in late.subject


@pytest.mark.django_db
def test_run_twice_on_the_same_day_each_reminder_is_sent_once():
    provider = OrganisationFactory(email="office@provider.example")
    award = active_award(provider=provider, end_date=TODAY + datetime.timedelta(days=30))
    UserFactory(username="lead", role=Role.OFFICER, email="lead@opcc.example")
    a_return(award, due_date=TODAY + datetime.timedelta(days=3))
    a_return(award, fy=2019, quarter=4, due_date=TODAY - datetime.timedelta(days=5))
    DueDiligenceDocumentFactory(
        organisation=provider, valid_from=datetime.date(2019, 1, 1), expires_on=TODAY + datetime.timedelta(days=10)
    )

    first = reminders_send(today=TODAY)
    assert len(mail.outbox) == 4
    assert first == {
        ReminderKind.RETURN_DUE: 1,
        ReminderKind.RETURN_LATE: 1,
        ReminderKind.DOCUMENT_EXPIRING: 1,
        ReminderKind.CONTRACT_ENDING: 1,
        NO_RECIPIENT: 0,
    }
    second = reminders_send(today=TODAY)
    assert len(mail.outbox) == 4
    assert sum(second.values()) == 0
    # The next day nothing new either: the items and their dates have not changed.
    reminders_send(today=TODAY + datetime.timedelta(days=1))
    assert len(mail.outbox) == 4
    assert ReminderSent.objects.count() == 4


@pytest.mark.django_db
def test_a_changed_due_date_reminds_again():
    provider = OrganisationFactory(email="office@provider.example")
    monitoring_return = a_return(active_award(provider=provider), due_date=TODAY + datetime.timedelta(days=2))
    reminders_send(today=TODAY)
    assert len(mail.outbox) == 1

    MonitoringReturn.objects.filter(pk=monitoring_return.pk).update(due_date=TODAY + datetime.timedelta(days=6))
    result = reminders_send(today=TODAY)

    assert result[ReminderKind.RETURN_DUE] == 1
    assert len(mail.outbox) == 2
    assert "16 July 2020" in mail.outbox[1].subject


@pytest.mark.django_db
def test_a_due_return_becomes_late_and_is_reminded_as_late():
    provider = OrganisationFactory(email="office@provider.example")
    a_return(active_award(provider=provider), due_date=TODAY)
    assert reminders_send(today=TODAY)[ReminderKind.RETURN_DUE] == 1
    assert reminders_send(today=TODAY + datetime.timedelta(days=1))[ReminderKind.RETURN_LATE] == 1
    assert [m.subject.split(":")[0] for m in mail.outbox] == ["Due 10 July 2020", "Late"]


@pytest.mark.django_db
def test_no_email_without_a_recipient_and_the_result_says_so_then_sent_once_someone_can_receive_it():
    provider = OrganisationFactory(email="")
    ContactFactory(organisation=provider, email="")
    a_return(active_award(provider=provider), due_date=TODAY + datetime.timedelta(days=1))

    result = reminders_send(today=TODAY)

    assert mail.outbox == []
    assert result[NO_RECIPIENT] == 1
    assert result[ReminderKind.RETURN_DUE] == 0
    assert not ReminderSent.objects.exists()

    provider.email = "office@provider.example"
    provider.save()
    assert reminders_send(today=TODAY)[ReminderKind.RETURN_DUE] == 1
    assert mail.outbox[0].to == ["office@provider.example"]


@pytest.mark.django_db
def test_officers_are_told_of_expiring_documents_and_ending_awards_lead_officer_first():
    UserFactory(username="aaron", last_name="Aaronson", role=Role.OFFICER, email="aaron@opcc.example")
    lead = UserFactory(username="zed", last_name="Zed", role=Role.OFFICER, email="zed@opcc.example")
    UserFactory(username="noemail", role=Role.OFFICER, email="")
    UserFactory(username="finance", role=Role.FINANCE, email="finance@opcc.example")
    provider = OrganisationFactory()
    ending = active_award(provider=provider, lead_officer=lead, end_date=TODAY + datetime.timedelta(days=90))
    active_award(provider=provider, end_date=TODAY + datetime.timedelta(days=91))  # not yet
    active_award(provider=provider, status=AwardStatus.ENDED, end_date=TODAY + datetime.timedelta(days=10))
    DueDiligenceDocumentFactory(
        organisation=provider, valid_from=datetime.date(2019, 1, 1), expires_on=TODAY + datetime.timedelta(days=60)
    )
    DueDiligenceDocumentFactory(
        organisation=provider,
        kind="safeguarding",
        valid_from=datetime.date(2019, 1, 1),
        expires_on=TODAY + datetime.timedelta(days=61),
    )

    result = reminders_send(today=TODAY)

    assert result[ReminderKind.CONTRACT_ENDING] == 1
    assert result[ReminderKind.DOCUMENT_EXPIRING] == 1
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        assert message.to == ["zed@opcc.example", "aaron@opcc.example"]
    assert any(ending.reference in message.subject for message in mail.outbox)


@pytest.mark.django_db
def test_a_taken_extension_moves_the_end_and_reminds_again_for_the_new_end():
    UserFactory(username="officer1", role=Role.OFFICER, email="officer1@opcc.example")
    award = active_award(end_date=TODAY + datetime.timedelta(days=20))
    assert reminders_send(today=TODAY)[ReminderKind.CONTRACT_ENDING] == 1

    award.extension_until = TODAY + datetime.timedelta(days=80)
    award.extension_taken = True
    award.save()
    assert reminders_send(today=TODAY)[ReminderKind.CONTRACT_ENDING] == 1
    award.extension_until = TODAY + datetime.timedelta(days=200)
    award.save()
    assert reminders_send(today=TODAY)[ReminderKind.CONTRACT_ENDING] == 0
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_the_celery_task_runs_the_reminders_once_per_day(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    provider = OrganisationFactory(email="office@provider.example")
    from django.utils import timezone

    a_return(active_award(provider=provider), due_date=timezone.localdate() + datetime.timedelta(days=1))

    outcome = send_reminders.delay()
    assert outcome.get()[ReminderKind.RETURN_DUE] == 1
    send_reminders.apply()
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_many_late_returns_are_each_reminded_once():
    provider = OrganisationFactory(email="office@provider.example")
    awards = [active_award(provider=provider) for _ in range(160)]
    for award in awards:
        for quarter in (1, 2, 3, 4):
            a_return(
                award, fy=2019, quarter=quarter, due_date=datetime.date(2020, 1, 1) + datetime.timedelta(days=quarter)
            )
    assert reminders_send(today=TODAY)[ReminderKind.RETURN_LATE] == 640
    assert reminders_send(today=TODAY)[ReminderKind.RETURN_LATE] == 0
    assert len(mail.outbox) == 640
