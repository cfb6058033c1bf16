"""An objective's status from its activities' (delivery.plans.progress)."""

import pytest

from delivery.plans.progress import objective_status, overall_status


@pytest.mark.parametrize(
    ("parts", "whole"),
    [
        ([], ""),
        (["", ""], ""),
        (["on_track", "off_track", "complete"], "off_track"),
        (["on_track", "some_slippage", "complete"], "some_slippage"),
        (["complete", "complete"], "complete"),
        (["complete", ""], "complete"),
        (["not_started", "not_started"], "not_started"),
        (["not_started", "complete"], "on_track"),
        (["on_track", "complete"], "on_track"),
    ],
)
def test_the_worst_news_wins(parts, whole):
    assert overall_status(parts) == whole


def test_an_objectives_own_update_wins_over_its_activities():
    assert objective_status("some_slippage", ["off_track"]) == ("some_slippage", False)
    assert objective_status("", ["off_track", "on_track"]) == ("off_track", True)
    assert objective_status("", []) == ("", True)
