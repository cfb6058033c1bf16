import factory

from outcomes.models import KPQ, CodeList, CodeListEntry, CommissioningPriority, PlanOutcome


class PlanOutcomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanOutcome
        django_get_or_create = ("number",)

    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Plan outcome {n + 1}")
    description = ""


class KPQFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KPQ
        django_get_or_create = ("number",)

    number = factory.Sequence(lambda n: n + 1)
    question = factory.Sequence(lambda n: f"How well are we doing on question {n + 1}?")
    outcome = factory.SubFactory(PlanOutcomeFactory)


class CommissioningPriorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommissioningPriority
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"P{n + 1}")
    name = factory.Sequence(lambda n: f"Priority {n + 1}")
    description = ""
    # A small integer: the sequence wraps, so a long session never overflows it.
    sort_order = factory.Sequence(lambda n: (n % 3000 + 1) * 10)


class CodeListEntryFactory(factory.django.DjangoModelFactory):
    """An entry with a code no seeded entry uses (the seeded code lists exist in every database)."""

    class Meta:
        model = CodeListEntry

    list = CodeList.CRIME
    code = factory.Sequence(lambda n: f"test_code_{n}")
    label = factory.Sequence(lambda n: f"Test code {n}")
    definition = "A code made for a test."
    valid_from_fy = None
    valid_to_fy = None
    sort_order = 1000
