"""Factories for plan delivery. They save rows directly (no service rules): build data with them
and test the rules through the services."""

import datetime
from decimal import Decimal

import factory

from delivery.models import (
    Activity,
    BoardMeeting,
    CodeEdition,
    CodeRight,
    ComplianceFigure,
    ComplianceMeasure,
    DeliveryPlan,
    Metric,
    MetricValue,
    Objective,
    PlanPriority,
    ProgressUpdate,
    ReviewAction,
    ReviewMeeting,
    UpdateRound,
    number_sort_key,
)
from providers.models import OrganisationKind

from .providers import OrganisationFactory


class DeliveryPlanFactory(factory.django.DjangoModelFactory):
    """A draft plan for 2019/20, owned by a police force."""

    class Meta:
        model = DeliveryPlan

    reference = factory.Sequence(lambda n: f"FDP-{n:04d}")
    title = factory.Sequence(lambda n: f"Force Delivery Plan {n}")
    owner = factory.SubFactory(OrganisationFactory, kind=OrganisationKind.POLICE)
    fy = 2019


class PlanPriorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanPriority

    plan = factory.SubFactory(DeliveryPlanFactory)
    position = factory.Sequence(lambda n: n % 30000 + 1)
    title = factory.Sequence(lambda n: f"Priority {n}")
    outcome = "People are satisfied that the police meet their needs."
    strategy = "Listen, act and report back."


class ObjectiveFactory(factory.django.DjangoModelFactory):
    """Objective "P.N" where P is the priority's position and N counts up."""

    class Meta:
        model = Objective

    plan_priority = factory.SubFactory(PlanPriorityFactory)
    plan = factory.LazyAttribute(lambda o: o.plan_priority.plan)
    number = factory.Sequence(lambda n: f"1.{n + 1}")
    title = factory.Sequence(lambda n: f"Increase satisfaction {n}")
    sort_key = factory.LazyAttribute(lambda o: number_sort_key(o.number))


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    objective = factory.SubFactory(ObjectiveFactory)
    plan = factory.LazyAttribute(lambda o: o.objective.plan)
    # Under its objective's number, as the services require ("1.2" → "1.2.N").
    number = factory.LazyAttributeSequence(lambda o, n: f"{o.objective.number}.{n + 1}")
    title = factory.Sequence(lambda n: f"Activity {n}")
    lead = "Chief Inspector Jane Smith"
    lead_organisation = factory.LazyAttribute(lambda o: o.objective.plan.owner)
    start_date = datetime.date(2019, 4, 1)
    end_date = datetime.date(2020, 3, 31)
    sort_key = factory.LazyAttribute(lambda o: number_sort_key(o.number))


class MetricFactory(factory.django.DjangoModelFactory):
    """An objective's percentage metric (pass ``activity=...`` and ``objective=None`` for an
    activity's)."""

    class Meta:
        model = Metric

    objective = factory.SubFactory(ObjectiveFactory)
    activity = None
    plan = factory.LazyAttribute(lambda o: (o.objective or o.activity).plan)
    name = factory.Sequence(lambda n: f"Satisfaction measure {n}")
    unit = "percent"
    source = "Crime Survey for England and Wales"


class MetricValueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MetricValue

    metric = factory.SubFactory(MetricFactory)
    as_at = factory.Sequence(lambda n: datetime.date(2019, 9, 30) + datetime.timedelta(days=n))
    value = Decimal("56.7")


class UpdateRoundFactory(factory.django.DjangoModelFactory):
    """An open round for 2019/20 H1 (April to September 2019), due 31 October 2019."""

    class Meta:
        model = UpdateRound

    plan = factory.SubFactory(DeliveryPlanFactory)
    period = "2019-H1"
    period_start = datetime.date(2019, 4, 1)
    period_end = datetime.date(2019, 9, 30)
    deadline = datetime.date(2019, 10, 31)


class ProgressUpdateFactory(factory.django.DjangoModelFactory):
    """A requested (not yet written) update of an activity."""

    class Meta:
        model = ProgressUpdate

    activity = factory.SubFactory(ActivityFactory)
    update_round = factory.SubFactory(UpdateRoundFactory, plan=factory.SelfAttribute("..activity.plan"))
    objective = None


class BoardMeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BoardMeeting

    update_round = factory.SubFactory(UpdateRoundFactory)
    held_on = datetime.date(2019, 11, 20)
    comments = "The board asked for clearer measures."


class CodeEditionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CodeEdition
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Victims' Code edition {n}")
    in_force_from = datetime.date(2021, 4, 1)


class CodeRightFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CodeRight

    edition = factory.SubFactory(CodeEditionFactory)
    number = factory.Sequence(lambda n: n % 12 + 1)
    title = factory.Sequence(lambda n: f"Right {n}")


class ComplianceMeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ComplianceMeasure

    edition = factory.SubFactory(CodeEditionFactory)
    key = factory.Sequence(lambda n: f"measure_{n}")
    name = factory.Sequence(lambda n: f"Measure {n}")


class ComplianceFigureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ComplianceFigure

    body = factory.SubFactory(OrganisationFactory, kind=OrganisationKind.POLICE)
    measure = factory.SubFactory(ComplianceMeasureFactory)
    fy = 2025
    quarter = 1
    numerator = 80
    denominator = 100


class ReviewMeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewMeeting

    fy = 2025
    quarter = 1
    held_on = datetime.date(2025, 7, 15)


class ReviewActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewAction

    meeting = factory.SubFactory(ReviewMeetingFactory)
    action = "Send the acknowledgement letters within five working days."
