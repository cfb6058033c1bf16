"""The demo organisations: a plausible kind for each, and a second run changes nothing."""

import pytest

from demo.providers import infer_kind, organisations_seed
from providers.models import Organisation

pytestmark = pytest.mark.django_db

ROWS = [
    {"priority": "Victims services", "organisation": "Harbour", "purpose": "Domestic abuse support"},
    {"priority": "Victims services", "organisation": "Darlington Borough Council", "purpose": "DA services"},
    {"priority": "Reducing reoffending", "organisation": "Durham County Council", "purpose": "YOS"},
    {"priority": "Reducing reoffending", "organisation": "Durham County Council", "purpose": "ASB officers"},
    {"priority": "Victims services", "organisation": "Durham OPCVC", "purpose": "SARC"},
    {"priority": "Victims services", "organisation": " ", "purpose": "nobody"},
]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Darlington Borough Council", "local_authority"),
        ("Durham Constabulary", "police"),
        ("Durham OPCVC", "pcc"),
        ("County Durham and Darlington NHS Foundation Trust", "health"),
        ("North Durham CCG", "health"),
        ("Ministry of Justice", "central_government"),
        ("Show Racism the Red Card", "voluntary_sector"),
        ("Age UK Darlington", "voluntary_sector"),
    ],
)
def test_infer_kind(name, kind):
    assert infer_kind(name) == kind


def test_seed_creates_each_named_organisation_once_plus_the_funders():
    created = organisations_seed(rows=ROWS)
    names = set(Organisation.objects.values_list("name", flat=True))
    assert names == {
        "Harbour",
        "Darlington Borough Council",
        "Durham County Council",
        "Durham OPCVC",
        "Ministry of Justice",
        "Home Office",
    }
    assert created == 6
    assert Organisation.objects.get(name="Home Office").kind == "central_government"


def test_a_second_run_writes_nothing_not_even_history(officer):
    organisations_seed(rows=ROWS, actor=officer)
    rows_before = list(Organisation.objects.order_by("pk").values())
    history_before = Organisation.history.count()
    assert organisations_seed(rows=ROWS, actor=officer) == 0
    assert list(Organisation.objects.order_by("pk").values()) == rows_before
    assert Organisation.history.count() == history_before


def test_existing_organisations_are_matched_ignoring_capitals():
    Organisation.objects.create(name="HARBOUR", kind="private")
    organisations_seed(rows=ROWS)
    assert Organisation.objects.filter(name__iexact="harbour").count() == 1
    assert Organisation.objects.get(name="HARBOUR").kind == "private"  # left as it was
