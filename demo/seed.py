"""The whole demo in one transaction, in the order each part needs the one before: the Plan and
its measures, the organisations, the users, the grants register (led by the demo officer, with the demo finance officer as finance contact), the
needs assessment (linked to the awards), then the paperwork after the decision (agreements, variations, recoveries:
demo.grants.after_decision), then the awards' statuses brought to today and one award closed, then the
grant rounds (dated from today, one ready for its panel and one open), then the Force's delivery
plan, its year of updates and their scrutiny, and Victims' Code compliance."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from delivery.models import DeliveryPlan
from grants.calendar.statuses import StatusResult, award_statuses_follow_calendar

from .delivery import PLAN_REFERENCE, delivery_seed, delivery_seed_updates
from .delivery.compliance import compliance_seed
from .delivery.review import first_half_considered, plan_publish_first, rounds_accept, rounds_open
from .files import read_csv
from .grants import grants_seed
from .grants.after_decision import after_decision_seed, award_closed_seed
from .needs import needs_seed
from .outcomes import measures_seed, plan_seed
from .providers import organisations_seed, partners_seed
from .rounds import rounds_seed
from .users import users_seed


@dataclass(frozen=True)
class DemoSeeded:
    """How many records each part of the demo created (all 0 on a second run)."""

    plan: int
    organisations: int
    users: int
    grants: int
    needs: int
    statuses: StatusResult
    rounds: int = 0
    delivery: int = 0
    after_decision: int = 0


def _delivery_year(*, officer) -> int:
    """The delivery plan's year: published, its half-years' updates given and accepted, the
    first considered by the board (demo.delivery.review); and Victims' Code compliance."""
    plan = DeliveryPlan.objects.filter(reference__iexact=PLAN_REFERENCE).first()
    if plan is None:
        return 0
    written = plan_publish_first(plan, officer=officer) + rounds_open(plan, officer=officer)
    written += delivery_seed_updates()
    written += rounds_accept(plan, officer=officer) + first_half_considered(plan, officer=officer)
    return written + compliance_seed(officer=officer)


@transaction.atomic
def demo_seed() -> DemoSeeded:
    """Load the demo (see the module's docstring). Safe to run again: a second run writes nothing."""
    plan = plan_seed(rows=read_csv("plan.csv")) + measures_seed()
    organisations = organisations_seed(rows=read_csv("organisations.csv")) + partners_seed()
    users = users_seed()
    officer = get_user_model().objects.filter(username="officer").first()
    grants = grants_seed(
        delivery_rows=read_csv("delivery_plan.csv"),
        organisation_rows=read_csv("organisations.csv"),
        lead_officer=officer,
        finance_contact=get_user_model().objects.filter(username="finance").first(),
    )
    needs = needs_seed(lead=officer, link_awards=True)
    # Agreements are issued and varied while the awards run, so before their statuses move on.
    after_decision = after_decision_seed(
        officer=officer,
        finance=get_user_model().objects.filter(username="finance").first(),
        provider_user=get_user_model().objects.filter(username="provider").first(),
    )
    # The demo's awards are of 2019/20 and 2020/21: bring their statuses to today, as the
    # daily run would have done had the service been running all along.
    statuses = award_statuses_follow_calendar()
    after_decision += award_closed_seed(officer=officer)
    rounds = rounds_seed()
    delivery = delivery_seed(officer=officer) + _delivery_year(officer=officer)
    return DemoSeeded(
        plan=plan,
        organisations=organisations,
        users=users,
        grants=grants,
        needs=needs,
        statuses=statuses,
        rounds=rounds,
        delivery=delivery,
        after_decision=after_decision,
    )
