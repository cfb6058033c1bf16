"""After the decision's share of the benchmark (bench/after_decision.py): every page it times
exists and answers the officer."""

import pytest

from bench import after_decision as bench_after_decision
from pcc_commissioning.roles import Role
from tests.factories import UserFactory


def test_every_page_timed_has_its_url():
    rows, missing = bench_after_decision.pages()
    assert missing == []
    assert [name for name, _url in rows] == [name for name, _url_name in bench_after_decision.PAGES]


@pytest.mark.django_db
def test_each_page_answers_the_officer_with_its_queries_counted():
    UserFactory(username="officer", role=Role.OFFICER)
    results = bench_after_decision.time_pages(1)
    assert [row["status"] for row in results] == [200, 200, 200, 200]
    assert all(row["queries"] > 0 for row in results)
    assert bench_after_decision.counts()["recoveries"] == 0
