"""An objective's (or a plan's) progress from its parts' statuses (a pure function).

The worst news wins: any part off track makes the whole off track; otherwise any slippage makes
it "some slippage"; a whole is complete only when every part is, and not started only when no
part has started; any other mix (some on track, some complete or not started) is on track. An
objective's own update, when it has one, is its status; this rule is for when it has none."""

from __future__ import annotations

from collections.abc import Iterable

from ..models import ProgressStatus


def overall_status(statuses: Iterable[str]) -> str:
    """The whole's status from its parts' (blank parts, not yet reported, are left out);
    "" when no part has one."""
    given = {status for status in statuses if status}
    if not given:
        return ""
    if ProgressStatus.OFF_TRACK in given:
        return ProgressStatus.OFF_TRACK
    if ProgressStatus.SOME_SLIPPAGE in given:
        return ProgressStatus.SOME_SLIPPAGE
    if given == {ProgressStatus.COMPLETE}:
        return ProgressStatus.COMPLETE
    if given == {ProgressStatus.NOT_STARTED}:
        return ProgressStatus.NOT_STARTED
    return ProgressStatus.ON_TRACK


def objective_status(own: str, activities: Iterable[str]) -> tuple[str, bool]:
    """An objective's status, and whether it was worked out from its activities': its own
    accepted update's status when it has one, else ``overall_status`` of its activities'."""
    if own:
        return own, False
    return overall_status(activities), True
