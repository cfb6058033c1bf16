"""Factories for grant rounds. They save rows directly (no service rules): build data with them
and test the rules through the services."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from rounds.models import (
    ApplicantMembership,
    ApplicantOrganisation,
    Application,
    ApplicationQuestion,
    ApplicationStatus,
    Assignment,
    Criterion,
    EligibilityKind,
    EligibilityQuestion,
    PanelMember,
    QuestionKind,
    Round,
    RoundStatus,
    Score,
)

from .grants import FundingStreamFactory
from .outcomes import CommissioningPriorityFactory
from .users import UserFactory

UK = timezone.get_default_timezone()


class RoundFactory(factory.django.DjangoModelFactory):
    """A draft round open through April 2026 (noon 1 April to noon 30 April, UK time)."""

    class Meta:
        model = Round

    reference = factory.Sequence(lambda n: f"RND-{n:04d}")
    name = factory.Sequence(lambda n: f"Community Safety Fund {n}")
    priority = factory.SubFactory(CommissioningPriorityFactory)
    funding_stream = factory.SubFactory(FundingStreamFactory)
    fy = 2026
    budget = Decimal("50000.00")
    overallocation_percent = Decimal("10.00")
    min_amount = Decimal("1000.00")
    max_amount = Decimal("25000.00")
    opens_at = datetime.datetime(2026, 4, 1, 12, 0, tzinfo=UK)
    closes_at = datetime.datetime(2026, 4, 30, 12, 0, tzinfo=UK)
    panel_date = datetime.date(2026, 5, 20)
    pass_mark = Decimal("50.00")
    award_start = datetime.date(2026, 7, 1)
    award_end = datetime.date(2027, 3, 31)
    status = RoundStatus.DRAFT


class EligibilityQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EligibilityQuestion

    round = factory.SubFactory(RoundFactory)
    key = factory.Sequence(lambda n: f"elig_{n}")
    question = "Is your organisation a constituted body?"
    kind = EligibilityKind.YES_NO
    required_answer = True


class ApplicationQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApplicationQuestion

    round = factory.SubFactory(RoundFactory)
    key = factory.Sequence(lambda n: f"q_{n}")
    text = "What will the project do?"
    kind = QuestionKind.TEXT
    word_limit = 250
    required = True


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    round = factory.SubFactory(RoundFactory)
    key = factory.Sequence(lambda n: f"c_{n}")
    text = "Meets the need"
    weight = Decimal("100")
    max_score = 5


class ApplicantOrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApplicantOrganisation

    name = factory.Sequence(lambda n: f"Applicant group {n:04d}")
    kind = "charity"
    charity_number = factory.Sequence(lambda n: f"{1100000 + n}")


class ApplicantMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApplicantMembership

    organisation = factory.SubFactory(ApplicantOrganisationFactory)
    user = factory.SubFactory(UserFactory, role="Applicant")
    is_lead = True


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    round = factory.SubFactory(RoundFactory)
    reference = factory.Sequence(lambda n: f"APP-{n:05d}")
    organisation = factory.SubFactory(ApplicantOrganisationFactory)
    title = factory.Sequence(lambda n: f"Project {n}")
    amount_requested = Decimal("10000.00")
    status = ApplicationStatus.SUBMITTED
    submitted_at = factory.LazyAttribute(lambda a: a.round.opens_at + datetime.timedelta(days=1))
    answers_eligible = True


class PanelMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PanelMember

    round = factory.SubFactory(RoundFactory)
    user = factory.SubFactory(UserFactory, role="Assessor")
    added_at = factory.LazyAttribute(lambda m: m.round.closes_at)


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    member = factory.SubFactory(PanelMemberFactory)
    application = factory.SubFactory(ApplicationFactory, round=factory.SelfAttribute("..member.round"))


class ScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Score

    assignment = factory.SubFactory(AssignmentFactory)
    criterion = factory.SubFactory(CriterionFactory, round=factory.SelfAttribute("..assignment.member.round"))
    score = 3
