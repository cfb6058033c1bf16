import io
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from pcc_commissioning.roles import has_capability, provider_organisation_id

PROJECT_APPS = (
    "pcc_commissioning",
    "providers",
    "outcomes",
    "needs_assessment",
    "grants",
    "rounds",
    "reports",
    "delivery",
)


def row_counts() -> dict[str, int]:
    """Rows in every table of the project, history tables included."""
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in PROJECT_APPS
    }


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", force=True, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_seed_demo_loads_the_plan_organisations_and_one_user_per_role():
    output = seed()
    User = apps.get_model("pcc_commissioning", "User")
    Organisation = apps.get_model("providers", "Organisation")
    KPQ = apps.get_model("outcomes", "KPQ")
    assert KPQ.objects.count() == 8
    assert Organisation.objects.filter(name__iexact="Ministry of Justice").exists()
    assert has_capability(User.objects.get(username="officer"), "providers.edit")
    assert not has_capability(User.objects.get(username="board"), "providers.edit")
    provider = User.objects.get(username="provider")
    assert Organisation.objects.get(pk=provider_organisation_id(provider)).name == "Harbour"
    assert provider.provider_membership.is_lead  # so the demo shows a lead inviting colleagues
    for username in ("officer", "finance", "board", "provider", "applicant", "assessor", "contributor", "admin"):
        assert username in output
        assert User.objects.get(username=username).check_password("demo-password-2019")
    assert "demo-password-2019" in output


@pytest.mark.django_db
def test_a_second_run_writes_nothing():
    seed()
    before = row_counts()
    output = seed()
    assert row_counts() == before
    assert "0 Plan record(s), 0 organisation(s), 0 user(s) created" in output
    assert "Grants register: 0 record(s) created" in output
    assert "Needs assessment: 0 record(s) created" in output
    assert "Grant rounds: 0 round(s) and application(s) created" in output
    assert "Plan delivery: 0 record(s) created" in output
    assert before["delivery.Activity"] > 0
    assert before["rounds.Score"] > 0
    assert before["needs_assessment.IndicatorValue"] > 0
    assert before["needs_assessment.HistoricalCommissioningIntention"] > 0


@pytest.mark.django_db
def test_the_demo_commits_the_published_2019_20_budget_of_each_priority():
    from grants.funding.selectors import funding_summary

    output = seed()
    committed = {row.priority.name: row.committed for row in funding_summary(fy=2019).priorities}
    assert committed == {
        "Victims services": Decimal("842100.00"),
        "Reducing reoffending": Decimal("634900.00"),
        "Community safety and prevention": Decimal("577100.00"),
    }
    Award = apps.get_model("grants", "Award")
    # Its awards ran in 2019/20 and 2020/21 (to 31 March 2021 at the latest): on any day since,
    # the daily run's rule has ended all 17.
    assert Award.objects.filter(status="ended").count() == 17
    assert "Statuses brought to today: 0 award(s) made active, 17 ended." in output
    assert Award.objects.filter(lead_officer__username="officer").count() == Award.objects.count()
    assert Award.objects.filter(finance_contact__username="finance").count() == Award.objects.count()
    assert "Grants register:" in output


@pytest.mark.django_db
def test_refuses_to_create_published_passwords_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=1"):
        call_command("seed_demo")
    assert not apps.get_model("pcc_commissioning", "User").objects.filter(username="officer").exists()


@pytest.mark.django_db
def test_the_demo_links_durham_awards_to_the_intentions_they_fulfil():
    output = seed()
    assert "Needs assessment:" in output
    Award = apps.get_model("grants", "Award")
    Intention = apps.get_model("needs_assessment", "CommissioningIntention")
    harbour = Award.objects.get(reference="AWD-2019-0005")  # domestic abuse support, County Durham
    assert harbour.intention.theme.name == "Domestic abuse"
    assert [area.name for area in harbour.areas.all()] == ["County Durham"]
    assert [area.name for area in Award.objects.get(reference="AWD-2019-0002").areas.all()] == ["Darlington"]
    assert not Award.objects.get(reference="AWD-2019-0006").areas.exists()  # the whole force area
    must = Intention.objects.filter(rank="must")
    assert must.filter(status="commissioned", awards__isnull=False).exists()
    assert must.exclude(status="commissioned").filter(awards__isnull=True).exists()  # a gap still open


@pytest.mark.django_db
def test_the_demo_has_kpq_performance_measures_with_values_and_targets():
    seed()
    Measure = apps.get_model("outcomes", "PerformanceMeasure")
    satisfaction = Measure.objects.get(kpq__number=3, name__startswith="Victims satisfied")
    assert [(v.period, v.target is not None) for v in satisfaction.values.order_by("fy")] == [
        ("2017", True),
        ("2018", True),
        ("2019", True),
    ]
