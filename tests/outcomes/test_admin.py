import pytest
from django.urls import reverse

from outcomes.models import CodeListEntry, PlanOutcome
from pcc_commissioning.templatetags.pcc_tags import fy_label

pytestmark = pytest.mark.django_db


def test_fy_label():
    assert fy_label(2019) == "2019/20"
    assert fy_label(2099) == "2099/00"
    assert fy_label(None) == "open"


def test_admin_lists_code_list_entries_filtered_by_list_and_searched(login_as, superuser):
    client = login_as(superuser)
    url = reverse("admin:outcomes_codelistentry_changelist")
    filtered = client.get(url, {"list__exact": "disability"})
    assert filtered.status_code == 200
    assert [e.code for e in filtered.context["cl"].result_list] == ["yes", "no", "unknown"]
    searched = client.get(url, {"q": "ISVA"})
    assert "isva" in [e.code for e in searched.context["cl"].result_list]


def test_admin_refuses_an_overlapping_entry(login_as, superuser):
    client = login_as(superuser)
    response = client.post(
        reverse("admin:outcomes_codelistentry_add"),
        {
            "list": "crime",
            "code": "ASB",
            "label": "ASB",
            "definition": "",
            "sort_order": "0",
            "valid_from_fy": "2024",
            "valid_to_fy": "",
        },
    )
    assert response.status_code == 200  # the form comes back with the error
    assert "already has an entry for some of these years" in response.content.decode()
    assert CodeListEntry.objects.filter(code="asb").count() == 1


def test_admin_edits_are_recorded_in_history(login_as, superuser):
    client = login_as(superuser)
    response = client.post(
        reverse("admin:outcomes_planoutcome_add"),
        {
            "number": "1",
            "title": "Communities are safe",
            "description": "",
            "kpqs-TOTAL_FORMS": "0",
            "kpqs-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    outcome = PlanOutcome.objects.get(number=1)
    assert outcome.history.get().history_user == superuser
    history_page = client.get(reverse("admin:outcomes_planoutcome_history", args=[outcome.pk]))
    assert history_page.status_code == 200
