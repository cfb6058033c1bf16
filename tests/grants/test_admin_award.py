"""The Django admin's award pages open (the benchmark compares our awards list with them)."""

from __future__ import annotations

from django.urls import reverse

from tests.factories.grants import AwardFactory, AwardTransitionFactory, ForecastOutturnFactory, FundingLineFactory


def test_the_admin_award_change_page_shows_its_read_only_inlines(superuser, login_as):
    award = AwardFactory()
    FundingLineFactory(award=award)
    ForecastOutturnFactory(award=award)  # its updated_at (auto_now) is listed in the inline
    AwardTransitionFactory(award=award)
    client = login_as(superuser)

    assert client.get(reverse("admin:grants_award_changelist"), {"status__exact": "active"}).status_code == 200
    page = client.get(reverse("admin:grants_award_change", args=[award.pk]))

    assert page.status_code == 200
    assert award.reference in page.content.decode()
