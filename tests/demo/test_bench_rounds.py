"""The grant rounds' share of the benchmark (bench/rounds.py): it finds the largest round and
reports a page or export that has not landed as "not available" instead of failing."""

import pytest
from django.urls import NoReverseMatch

from bench import rounds as bench_rounds
from pcc_commissioning.interchange.exports import ExportError
from tests.factories.rounds import ApplicationFactory, RoundFactory


@pytest.mark.django_db
def test_the_largest_round_is_the_one_with_most_applications():
    assert bench_rounds.largest_round() is None
    small, large = RoundFactory(reference="R-SMALL"), RoundFactory(reference="R-LARGE")
    ApplicationFactory(round=small)
    ApplicationFactory.create_batch(3, round=large)
    assert bench_rounds.largest_round() == "R-LARGE"
    assert bench_rounds.round_counts() == {"grant rounds": 2, "round applications": 4, "panel scores": 0}


def test_pages_without_a_url_name_are_reported_not_available(monkeypatch):
    def reverse(name, args):
        if name == "rounds:ranking":
            raise NoReverseMatch(name)
        return f"/rounds/{args[0]}/applications/"

    monkeypatch.setattr("django.urls.reverse", reverse)
    rows, missing = bench_rounds.round_pages({"round": "CSF-2026"})
    assert rows == [("Round applications list (CSF-2026)", "/rounds/CSF-2026/applications/", "officer")]
    assert missing == [{"name": "Round panel ranking", "note": "not available (no URL named rounds:ranking)"}]
    rows, missing = bench_rounds.round_pages({"round": None})
    assert rows == [] and [row["name"] for row in missing] == ["Round applications list", "Round panel ranking"]


def test_the_export_raises_export_error_while_round_results_is_not_registered(monkeypatch):
    from pcc_commissioning.interchange import exports

    monkeypatch.setattr(exports, "exporters", lambda: {})
    with pytest.raises(ExportError, match="Unknown export 'round_results'"):
        bench_rounds.round_results_export("CSF-2026")()
