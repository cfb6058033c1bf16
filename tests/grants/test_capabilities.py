"""Each grants write service checks the actor's capability itself: a board member (a
read-only role) calling one directly is refused with PermissionDenied and nothing changes.
The system (``actor`` None: imports from the command line, the daily run) is let through."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from grants.awards import cofunding as awards_cofunding
from grants.awards import services as awards_services
from grants.decisions import services as decisions_services
from grants.funding import services as funding_services
from grants.models import (
    Award,
    AwardStatus,
    AwardTransition,
    CoFunding,
    Decision,
    DecisionStatus,
    FundingStream,
    MonitoringReturn,
    Payment,
    PaymentPlan,
    ReturnStatus,
    StreamAllocation,
)
from grants.monitoring import kpis as monitoring_kpis
from grants.monitoring import services as monitoring_services
from grants.payments import services as payments_services
from grants.schedules import instalments
from tests.factories import (
    AwardFactory,
    DecisionFactory,
    FundingStreamFactory,
    OrganisationFactory,
    PaymentFactory,
)
from tests.factories.monitoring import MonitoringReturnFactory

pytestmark = pytest.mark.django_db


def _snapshot() -> dict:
    """Every row these tests might write, and the state of the ones they might change."""
    return {
        "awards": list(Award.objects.values_list("pk", "title", "status", "version").order_by("pk")),
        "transitions": AwardTransition.objects.count(),
        "decisions": list(Decision.objects.values_list("pk", "status", "subject").order_by("pk")),
        "streams": list(FundingStream.objects.values_list("pk", "name").order_by("pk")),
        "allocations": StreamAllocation.objects.count(),
        "payments": list(Payment.objects.values_list("pk", "amount", "cancelled_at").order_by("pk")),
        "cofunding": CoFunding.objects.count(),
        "plans": PaymentPlan.objects.count(),
        "returns": list(MonitoringReturn.objects.values_list("pk", "status", "rag").order_by("pk")),
    }


CALLS = {
    "award_create": lambda actor, award, **_: awards_services.award_create(
        actor=actor,
        title="New",
        provider=award.provider,
        kind=award.kind,
        priority=award.priority,
        start_date=award.start_date,
        end_date=award.end_date,
    ),
    "award_update": lambda actor, award, **_: awards_services.award_update(
        award=award, actor=actor, expected_version=None, title="Changed"
    ),
    "award_transition": lambda actor, award, **_: awards_services.award_transition(
        award=award, actor=actor, to_status=AwardStatus.PROCURING
    ),
    "decision_create": lambda actor, **_: decisions_services.decision_create(
        actor=actor, reference="PCC-2099-001", subject="New"
    ),
    "decision_sign": lambda actor, decision, **_: decisions_services.decision_sign(decision=decision, actor=actor),
    "stream_create": lambda actor, award, **_: funding_services.stream_create(
        actor=actor, name="New stream", source=award.provider, kind="other"
    ),
    "allocation_set": lambda actor, stream, **_: funding_services.allocation_set(
        actor=actor, stream=stream, fy=2019, amount=Decimal("100")
    ),
    "payment_cancel": lambda actor, payment, **_: payments_services.payment_cancel(
        payment=payment, actor=actor, reason="No"
    ),
    "cofunding_set": lambda actor, award, **_: awards_cofunding.cofunding_set(
        actor=actor, award=award, partner=OrganisationFactory(), amount=Decimal("10")
    ),
    "payment_plan_set": lambda actor, award, **_: instalments.payment_plan_set(
        actor=actor, award=award, frequency="quarterly", timing="advance"
    ),
    "kpi_create": lambda actor, award, **_: monitoring_kpis.kpi_create(award=award, actor=actor, name="KPI"),
    "return_accept": lambda actor, submitted, **_: monitoring_services.return_accept(
        monitoring_return=submitted, actor=actor, rag="green", expected_version=None
    ),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_a_board_member_calling_a_service_directly_is_refused_and_nothing_changes(name, board_member):
    records = {
        "award": AwardFactory(status=AwardStatus.PLANNED),
        "decision": DecisionFactory(amount=Decimal("100")),
        "stream": FundingStreamFactory(),
        "payment": PaymentFactory(),
        "submitted": MonitoringReturnFactory(submitted=True),
    }
    before = _snapshot()
    with pytest.raises(PermissionDenied):
        CALLS[name](board_member, **records)
    assert _snapshot() == before


def test_a_finance_officer_may_record_payments_but_not_move_an_award(finance_officer):
    award = AwardFactory(status=AwardStatus.PLANNED)
    with pytest.raises(PermissionDenied, match=r"\(grants.edit\)"):
        awards_services.award_transition(award=award, actor=finance_officer, to_status=AwardStatus.PROCURING)
    award.refresh_from_db()
    assert award.status == AwardStatus.PLANNED
    assert AwardTransition.objects.filter(award=award).count() == 0


def test_the_system_may_sign_a_decision_and_accept_a_return():
    decision = decisions_services.decision_sign(
        decision=DecisionFactory(amount=Decimal("100")), actor=None, decided_on=datetime.date(2019, 3, 1)
    )
    assert decision.status == DecisionStatus.SIGNED
    accepted = monitoring_services.return_accept(
        monitoring_return=MonitoringReturnFactory(submitted=True), actor=None, rag="green", expected_version=None
    )
    assert accepted.status == ReturnStatus.ACCEPTED
