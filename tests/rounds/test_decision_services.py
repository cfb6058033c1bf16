"""The round's decision: prepared from the recommendation, signed on the register, then the
awards made, the applications decided and the applicants told."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from grants.decisions.services import decision_sign
from grants.models import Award, AwardStatus, DecisionStatus
from pcc_commissioning.roles import Role
from providers.models import Organisation
from rounds.decision.services import outcome_send, provider_for, round_decision_prepare, round_make_awards
from rounds.models import ApplicationStatus, RoundStatus
from tests.factories import OrganisationFactory, UserFactory
from tests.factories.rounds import ApplicantMembershipFactory, ApplicantOrganisationFactory, ApplicationFactory

from .scored import ineligible, scored_application, scored_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided_data(officer):
    round, criterion, members = scored_round(reference="CSF-26", name="Community Safety Fund 2026")
    # A 85.0 asks 12,000 -> recommended; B 80.0 asks 10,000 -> 22,000 > 20,000 passed over;
    # C 70.0 asks 8,000 -> 20,000 recommended. D ineligible.
    a = scored_application(
        round,
        criterion,
        members,
        [9, 8],
        reference="CSF-26-A",
        amount_requested=Decimal("12000"),
        contact_email="a@example.org",
    )
    b = scored_application(
        round,
        criterion,
        members,
        [8, 8],
        reference="CSF-26-B",
        amount_requested=Decimal("10000"),
        contact_email="b@example.org",
        feedback="Costs were unclear.",
    )
    c = scored_application(
        round,
        criterion,
        members,
        [7, 7],
        reference="CSF-26-C",
        amount_requested=Decimal("8000"),
        contact_email="c@example.org",
    )
    d = ineligible(
        scored_application(round, criterion, members, [9, 9], reference="CSF-26-D", contact_email="d@example.org")
    )
    return round, a, b, c, d


def test_prepare_the_decision(officer, decided_data):
    round, *_ = decided_data
    decision = round_decision_prepare(actor=officer, round=round)
    round.refresh_from_db()
    assert round.decision == decision
    assert decision.reference == "CSF-26-DEC"
    assert decision.status == DecisionStatus.DRAFT
    assert decision.subject == "Awards from Community Safety Fund 2026"
    assert decision.amount == Decimal("20000")  # 12,000 + 8,000
    assert "CSF-26-A" in decision.summary and "CSF-26-C" in decision.summary
    assert "CSF-26-B" not in decision.summary
    with pytest.raises(ValidationError, match="already has decision"):
        round_decision_prepare(actor=officer, round=round)


def test_awards_need_a_signed_decision(officer, decided_data):
    round, *_ = decided_data
    round_decision_prepare(actor=officer, round=round)
    round.refresh_from_db()
    with pytest.raises(ValidationError, match="must be signed"):
        round_make_awards(actor=officer, round=round)
    assert not Award.objects.exists()


def test_make_the_awards(officer, decided_data):
    round, a, b, c, d = decided_data
    # A's organisation is on the register already under its charity number: matched, not created.
    existing = OrganisationFactory(name="Already known", charity_number=a.organisation.charity_number)
    decision = round_decision_prepare(actor=officer, round=round)
    decision_sign(decision=decision, actor=officer)
    round.refresh_from_db()
    mail.outbox.clear()
    decided = round_make_awards(actor=officer, round=round)
    assert decided.status == RoundStatus.DECIDED
    assert decided.awards_made_at is not None
    for app in (a, b, c, d):
        app.refresh_from_db()
    assert [a.status, b.status, c.status, d.status] == [
        ApplicationStatus.SUCCESSFUL,
        ApplicationStatus.UNSUCCESSFUL,
        ApplicationStatus.SUCCESSFUL,
        ApplicationStatus.UNSUCCESSFUL,
    ]
    assert a.award.provider == existing
    assert c.award.provider.name == c.organisation.name
    c.organisation.refresh_from_db()
    assert c.organisation.provider == c.award.provider
    for app, amount in ((a, Decimal("12000")), (c, Decimal("8000"))):
        award = app.award
        assert award.status == AwardStatus.AWARDED
        assert award.decision == decision
        assert award.kind == "grant"
        assert award.start_date == round.award_start and award.end_date == round.award_end
        (line,) = award.lines.all()
        assert (line.stream, line.fy, line.amount) == (round.funding_stream, 2026, amount)
        assert f"Made from application {app.reference} in round CSF-26." in award.purpose
    assert Award.objects.count() == 2
    assert b.award is None
    # Outcome e-mails to all four, with the amount or the panel's feedback.
    by_address = {message.to[0]: message.body for message in mail.outbox}
    assert set(by_address) == {"a@example.org", "b@example.org", "c@example.org", "d@example.org"}
    assert "£12,000.00" in by_address["a@example.org"]
    assert "Costs were unclear." in by_address["b@example.org"]
    assert "not been successful" in by_address["d@example.org"]
    assert all(app.outcome_sent_at is not None for app in (a, b, c, d))
    with pytest.raises(ValidationError):
        round_make_awards(actor=officer, round=decided)
    assert Award.objects.count() == 2


def test_provider_created_from_the_applicant(officer):
    applicant = ApplicantOrganisationFactory(name="New Group", charity_number="", company_number="01234567")
    provider = provider_for(applicant, actor=officer)
    assert provider.company_number == "01234567" and provider.name == "New Group"
    assert provider_for(applicant, actor=officer) == provider
    assert Organisation.objects.filter(name="New Group").count() == 1


@pytest.mark.parametrize("role", [Role.BOARD, Role.ASSESSOR, Role.APPLICANT, Role.PROVIDER])
def test_only_officers(decided_data, role):
    round, *_ = decided_data
    user = UserFactory(role=role)
    with pytest.raises(PermissionDenied):
        round_decision_prepare(actor=user, round=round)
    with pytest.raises(PermissionDenied):
        round_make_awards(actor=user, round=round)


def test_decision_page(officer_client, board_client, decided_data):
    from django.urls import reverse

    round, *_ = decided_data
    url = reverse("rounds:decision", args=[round.reference])
    page = officer_client.get(url).content.decode()
    assert "Decision on CSF-26</h1>" in page and "Prepare the decision" in page
    assert board_client.get(url).status_code == 200
    assert board_client.post(url, {"action": "prepare"}).status_code == 403
    assert officer_client.post(url, {"action": "prepare", "reference": ""}).status_code == 302
    round.refresh_from_db()
    assert round.decision.reference == "CSF-26-DEC"
    assert "Sign it on the decision register" in officer_client.get(url).content.decode()


def test_an_outcome_without_a_contact_address_goes_to_the_organisations_members(db):
    membership = ApplicantMembershipFactory(user__email="lead@example.org")
    application = ApplicationFactory(reference="CSF-26-X", organisation=membership.organisation, contact_email="")
    assert outcome_send(application, round=application.round, amount=None) is True
    assert [message.to for message in mail.outbox] == [["lead@example.org"]]
