"""The applicants' pages: registering, the journey from eligibility to the receipt, another
organisation's application refused, files served only to the organisation's users."""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from pcc_commissioning.roles import Role
from rounds.models import Application, ApplicationStatus, QuestionKind, RoundStatus
from tests.factories import (
    ApplicantMembershipFactory,
    ApplicationFactory,
    ApplicationQuestionFactory,
    EligibilityQuestionFactory,
    RoundFactory,
    UserFactory,
)
from tests.factories.rounds import UK

pytestmark = pytest.mark.django_db

DURING = datetime.datetime(2026, 4, 10, 9, 0, tzinfo=UK)
PASSWORD = "correct horse battery staple"


@pytest.fixture
def round():
    round = RoundFactory(reference="CSF-2026", name="Community Safety Fund", status=RoundStatus.PUBLISHED)
    EligibilityQuestionFactory(round=round, key="constituted", question="Are you constituted?", required_answer=True)
    ApplicationQuestionFactory(round=round, key="need", text="What is the need?", word_limit=10, position=1)
    ApplicationQuestionFactory(
        round=round, key="costs", text="Your costs", kind=QuestionKind.BUDGET, word_limit=None, position=2
    )
    ApplicationQuestionFactory(
        round=round, key="plan", text="Your plan", kind=QuestionKind.FILE, word_limit=None, position=3, required=False
    )
    return round


@pytest.fixture
def lead():
    return ApplicantMembershipFactory(user__email="lead@example.org")


@pytest.fixture
def client_of(login_as):
    return login_as


def test_registering_and_confirming_signs_the_applicant_in():
    client = Client()
    assert client.get(reverse("apply:register")).status_code == 200
    response = client.post(
        reverse("apply:register"),
        {
            "name": "Riverside Youth Trust",
            "kind": "voluntary_sector",
            "charity_number": "1098765",
            "first_name": "Sam",
            "last_name": "Jones",
            "email": "sam@riverside.example",
            "password": PASSWORD,
            "password_again": PASSWORD,
        },
    )
    assert response.status_code == 200 and b"Check your email" in response.content
    link = re.search(r"http://testserver(/apply/confirm/[^/]+/)", mail.outbox[0].body).group(1)
    assert client.get(link).status_code == 200
    response = client.post(link)
    assert response.status_code == 302 and response.url == reverse("apply:home")
    assert client.get(reverse("apply:home")).status_code == 200
    used = client.get(link)
    assert used.status_code == 410 and b"This link has been used" in used.content


def test_a_duplicate_registration_is_shown_on_the_charity_number():
    ApplicantMembershipFactory(organisation__name="Riverside Trust", organisation__charity_number="1098765")
    response = Client().post(
        reverse("apply:register"),
        {
            "name": "X",
            "kind": "other",
            "charity_number": "1098765",
            "first_name": "A",
            "last_name": "B",
            "email": "a@b.example",
            "password": PASSWORD,
            "password_again": PASSWORD,
        },
    )
    assert response.status_code == 200
    assert "Ask Riverside Trust&#x27;s lead to add you" in response.content.decode()


def test_an_unknown_link_is_a_clear_404():
    response = Client().get(reverse("apply:confirm", args=["nonsense"]))
    assert response.status_code == 404 and b"This link does not work" in response.content


@time_machine.travel(DURING, tick=False)
def test_the_journey_from_eligibility_to_the_receipt(round, lead, client_of):
    client = client_of(lead.user)
    home = client.get(reverse("apply:home"))
    assert b"Community Safety Fund" in home.content
    response = client.post(reverse("apply:start", args=["CSF-2026"]))
    application = Application.objects.get()
    assert response.url == reverse("apply:eligibility", args=[application.pk])
    # The questions wait for the eligibility answers.
    assert client.get(reverse("apply:details", args=[application.pk])).url == reverse(
        "apply:eligibility", args=[application.pk]
    )
    response = client.post(reverse("apply:eligibility", args=[application.pk]), {"constituted": "no"})
    page = client.get(response.url).content.decode()
    assert "You cannot apply to this round" in page and "You answered no" in page
    response = client.post(reverse("apply:eligibility", args=[application.pk]), {"constituted": "yes"})
    assert response.url == reverse("apply:details", args=[application.pk])
    response = client.post(
        reverse("apply:details", args=[application.pk]), {"title": "Safer streets", "amount_requested": "5000"}
    )
    assert response.url == reverse("apply:question", args=[application.pk, "need"])
    page = client.get(response.url).content.decode()
    assert 'data-maxwords="10"' in page and "You can enter up to 10 words" in page
    too_long = client.post(response.url, {"answer": "one two three four five six seven eight nine ten eleven"})
    assert too_long.status_code == 400 and "has 11 words: the limit is 10" in too_long.content.decode()
    response = client.post(
        reverse("apply:question", args=[application.pk, "need"]), {"answer": "Young people need help"}
    )
    assert response.url == reverse("apply:question", args=[application.pk, "costs"])
    client.post(response.url, {"add": "1", "item": "Staff", "amount": "4000", "notes": ""})
    budget = client.get(response.url).content.decode()
    assert "£4,000.00" in budget
    check = client.get(reverse("apply:check", args=[application.pk])).content.decode()
    assert "Your budget adds up to £4,000.00 but you are asking for £5,000.00" in check
    response = client.post(reverse("apply:check", args=[application.pk]))
    assert response.url == reverse("apply:application", args=[application.pk])
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert "CSF-2026-0001" in mail.outbox[-1].body
    read_only = client.get(reverse("apply:application", args=[application.pk])).content.decode()
    assert "Young people need help" in read_only and ">Change<" not in read_only
    assert client.get(reverse("apply:question", args=[application.pk, "need"])).status_code == 302


@time_machine.travel(DURING, tick=False)
def test_another_organisations_applicant_is_refused_every_page(round, lead, client_of):
    application = ApplicationFactory(
        round=round, organisation=lead.organisation, status=ApplicationStatus.DRAFT, submitted_at=None
    )
    client = client_of(ApplicantMembershipFactory().user)
    for name, args in (
        ("apply:application", [application.pk]),
        ("apply:eligibility", [application.pk]),
        ("apply:details", [application.pk]),
        ("apply:question", [application.pk, "need"]),
        ("apply:check", [application.pk]),
        ("apply:withdraw", [application.pk]),
    ):
        assert client.get(reverse(name, args=args)).status_code == 403
        posted = client.post(reverse(name, args=args), {"answer": "x", "constituted": "yes"})
        assert posted.status_code == (405 if name == "apply:application" else 403)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT and application.eligibility_answers == {}


@time_machine.travel(DURING, tick=False)
def test_officers_and_board_members_do_not_apply(round, client_of):
    for role in (Role.OFFICER, Role.BOARD):
        assert client_of(UserFactory(role=role)).get(reverse("apply:home")).status_code == 403


@time_machine.travel(DURING, tick=False)
def test_files_are_uploaded_and_served_only_to_the_organisation(round, lead, client_of, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    application = ApplicationFactory(
        round=round,
        organisation=lead.organisation,
        status=ApplicationStatus.DRAFT,
        submitted_at=None,
        answers_eligible=True,
    )
    client = client_of(lead.user)
    url = reverse("apply:question", args=[application.pk, "plan"])
    refused = client.post(url, {"upload": "1", "file": SimpleUploadedFile("plan.pdf", b"not a pdf")})
    assert "must be a PDF" in refused.content.decode()
    client.post(url, {"upload": "1", "file": SimpleUploadedFile("plan.pdf", b"%PDF-1.4 test")})
    stored = application.files.get()
    download = reverse("apply:file", args=[application.pk, stored.pk])
    assert client.get(download).status_code == 200
    assert client_of(ApplicantMembershipFactory().user).get(download).status_code == 403


@time_machine.travel(DURING, tick=False)
def test_withdrawing_asks_first(round, lead, client_of):
    application = ApplicationFactory(round=round, organisation=lead.organisation)
    client = client_of(lead.user)
    assert b"Withdraw application" in client.get(reverse("apply:withdraw", args=[application.pk])).content
    client.post(reverse("apply:withdraw", args=[application.pk]), {"reason": "No longer needed"})
    application.refresh_from_db()
    assert (application.status, application.withdrawn_reason) == ("withdrawn", "No longer needed")


@time_machine.travel(DURING, tick=False)
def test_the_information_asked_for_is_shown(round, lead, client_of):
    application = ApplicationFactory(
        round=round,
        organisation=lead.organisation,
        status=ApplicationStatus.INFO_REQUESTED,
        info_request="Send your latest accounts.",
        info_until=datetime.datetime(2026, 4, 20, 17, 0, tzinfo=UK),
        amount_requested=Decimal("5000"),
    )
    page = client_of(lead.user).get(reverse("apply:application", args=[application.pk])).content.decode()
    assert "Send your latest accounts." in page and "5pm on 20 April 2026" in page


def test_the_home_page_lists_applications_with_a_flat_query_count(
    round, lead, client_of, django_assert_max_num_queries
):
    client = client_of(lead.user)
    ApplicationFactory(round=round, organisation=lead.organisation)
    with time_machine.travel(DURING, tick=False), django_assert_max_num_queries(20) as few:
        client.get(reverse("apply:home"))
    for _ in range(10):
        ApplicationFactory(organisation=lead.organisation)
    with time_machine.travel(DURING, tick=False), django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("apply:home"))


def test_a_lead_invites_a_colleague_from_the_colleagues_page(lead, client_of):
    client = client_of(lead.user)
    client.post(reverse("apply:colleagues"), {"email": "pat@example.org"})
    link = re.search(r"http://testserver(/apply/join/[^/]+/)", mail.outbox[0].body).group(1)
    visitor = Client()
    response = visitor.post(
        link, {"first_name": "Pat", "last_name": "Lee", "password": PASSWORD, "password_again": PASSWORD}
    )
    assert response.url == reverse("apply:home")
    colleague = ApplicantMembershipFactory._meta.model.objects.get(user__email="pat@example.org")
    assert colleague.organisation == lead.organisation
    assert client_of(colleague.user).get(reverse("apply:colleagues")).status_code == 403


@time_machine.travel(DURING, tick=False)
def test_a_provider_user_finds_the_rounds_from_the_portal_and_applies(provider_client, provider_user, organisation):
    invitation = RoundFactory(reference="INV-1", kind="invitation", status=RoundStatus.PUBLISHED)
    portal = provider_client.get(reverse("portal:home")).content.decode()
    assert reverse("apply:home") in portal and "Funding rounds" in portal
    assert b"INV-1" in provider_client.get(reverse("apply:home")).content
    response = provider_client.post(reverse("apply:start", args=["INV-1"]))
    application = Application.objects.get(round=invitation)
    assert application.organisation.provider == organisation
    assert response.url == reverse("apply:eligibility", args=[application.pk])


@time_machine.travel(DURING, tick=False)
def test_an_applicant_cannot_start_an_invitation_round(lead, client_of):
    RoundFactory(reference="INV-1", kind="invitation", status=RoundStatus.PUBLISHED)
    client = client_of(lead.user)
    assert b"INV-1" not in client.get(reverse("apply:home")).content
    assert client.post(reverse("apply:start", args=["INV-1"])).status_code == 404
