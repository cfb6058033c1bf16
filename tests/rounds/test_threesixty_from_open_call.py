"""360Giving: a grant made from a grant round's application says whether the round was an open
call; other grants leave ``fromOpenCall`` out, as before."""

from __future__ import annotations

import pytest

from grants.models import AwardStatus
from reports.transparency import threesixty
from rounds.models import RoundKind
from tests.factories import AwardFactory, FundingLineFactory
from tests.factories.rounds import ApplicationFactory, RoundFactory

pytestmark = pytest.mark.django_db


def records():
    who = threesixty.publisher()
    return {award.reference: threesixty.grant_record(award, who) for award in threesixty.award_queryset()}


def test_from_open_call():
    plain = AwardFactory(reference="G-PLAIN", status=AwardStatus.AWARDED)
    open_call = AwardFactory(reference="G-OPEN", status=AwardStatus.AWARDED)
    invited = AwardFactory(reference="G-INVITED", status=AwardStatus.AWARDED)
    for award in (plain, open_call, invited):
        FundingLineFactory(award=award)
    ApplicationFactory(round=RoundFactory(kind=RoundKind.OPEN_CALL), award=open_call)
    ApplicationFactory(round=RoundFactory(kind=RoundKind.INVITATION), award=invited)
    found = records()
    assert "fromOpenCall" not in found["G-PLAIN"]
    assert found["G-OPEN"]["fromOpenCall"] == "Yes"
    assert found["G-INVITED"]["fromOpenCall"] == "No"
    assert threesixty.grant_problems(found["G-OPEN"]) == []
