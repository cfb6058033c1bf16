"""The reports services check the actor's capability themselves: a provider user (no internal
role) asking for a report directly is refused with PermissionDenied and no job is queued."""

import pytest
from django.core.exceptions import PermissionDenied

from reports.engine import services
from reports.models import Report

pytestmark = pytest.mark.django_db


def test_a_provider_user_requesting_a_report_directly_is_refused_and_nothing_is_queued(provider_user):
    with pytest.raises(PermissionDenied, match=r"Your role does not allow this \(reports.request\)\."):
        services.report_request(kind="moj_return", parameters={"fy": 2019, "half": 1}, actor=provider_user)
    assert Report.objects.count() == 0
