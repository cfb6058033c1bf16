"""The Django admin shows awards but is no way round the grants services: an administrator can
list and open an award (the benchmark compares our awards list with these pages), not add,
change, revert or delete one."""

from __future__ import annotations

import pytest
from django.urls import reverse

from grants.models import Award
from tests.factories.grants import AwardFactory, AwardTransitionFactory, ForecastOutturnFactory, FundingLineFactory

pytestmark = pytest.mark.django_db


def test_the_admin_award_change_page_shows_the_award_and_its_inlines_read_only(superuser, login_as):
    award = AwardFactory()
    FundingLineFactory(award=award)
    ForecastOutturnFactory(award=award)  # its updated_at (auto_now) is listed in the inline
    AwardTransitionFactory(award=award)
    client = login_as(superuser)

    assert client.get(reverse("admin:grants_award_changelist"), {"status__exact": "active"}).status_code == 200
    page = client.get(reverse("admin:grants_award_change", args=[award.pk]))

    assert page.status_code == 200
    content = page.content.decode()
    assert award.reference in content and award.title in content
    assert 'name="_save"' not in content  # no Save button: nothing to submit
    assert not page.context["adminform"].form.fields  # every field shown as text, none as a box


def test_an_admin_post_to_the_award_change_page_is_refused_and_changes_nothing(superuser, login_as):
    award = AwardFactory(title="IDVA service")
    before = Award.objects.filter(pk=award.pk).values().get()
    client = login_as(superuser)

    response = client.post(
        reverse("admin:grants_award_change", args=[award.pk]),
        {"title": "Changed in the admin", "start_date": "2030-01-01", "end_date": "2031-01-01"},
    )

    assert response.status_code == 403
    assert Award.objects.filter(pk=award.pk).values().get() == before


def test_awards_cannot_be_added_deleted_or_reverted_in_the_admin(superuser, login_as):
    award = AwardFactory()
    old_copy = award.history.earliest()
    client = login_as(superuser)

    assert client.get(reverse("admin:grants_award_add")).status_code == 403
    assert client.post(reverse("admin:grants_award_add"), {"title": "New"}).status_code == 403
    assert client.get(reverse("admin:grants_award_delete", args=[award.pk])).status_code == 403
    assert client.post(reverse("admin:grants_award_delete", args=[award.pk]), {"post": "yes"}).status_code == 403
    revert = reverse("admin:grants_award_simple_history", args=[award.pk, old_copy.history_id])
    assert client.get(revert).status_code == 200  # the old copy may be looked at
    assert client.post(revert, {"title": "Reverted"}).status_code == 403
    changelist = client.post(
        reverse("admin:grants_award_changelist"), {"action": "delete_selected", "_selected_action": [award.pk]}
    )
    assert changelist.status_code in (200, 302)  # no such action offered: nothing happens
    assert Award.objects.filter(pk=award.pk).exists()
