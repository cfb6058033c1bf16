"""Which applications count as eligible: one rule, as a query and for one application."""

import pytest

from rounds.models import Application, Eligibility
from rounds.screening.selectors import ELIGIBLE, is_eligible
from tests.factories import ApplicationFactory, RoundFactory

pytestmark = pytest.mark.django_db

# (screening, answers_eligible) -> eligible, worked out from the rule: screened eligible, or not
# screened yet with answers meeting every requirement; answers not all given wait for screening.
CASES = {
    (Eligibility.ELIGIBLE, True): True,
    (Eligibility.ELIGIBLE, False): True,
    (Eligibility.ELIGIBLE, None): True,
    (Eligibility.INELIGIBLE, True): False,
    (Eligibility.INELIGIBLE, None): False,
    (Eligibility.UNSCREENED, True): True,
    (Eligibility.UNSCREENED, False): False,
    (Eligibility.UNSCREENED, None): False,
}


def test_the_query_and_the_function_agree_with_the_rule():
    round = RoundFactory()
    made = {
        case: ApplicationFactory(round=round, eligibility=case[0], answers_eligible=case[1], screening_reason="x")
        for case in CASES
    }
    for case, application in made.items():
        assert is_eligible(application) is CASES[case], case
    found = set(Application.objects.filter(ELIGIBLE, round=round).values_list("pk", flat=True))
    assert found == {made[case].pk for case, eligible in CASES.items() if eligible}
