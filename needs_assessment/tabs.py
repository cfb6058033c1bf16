"""The intention page's tabs, as ``grants.views`` still imports them: the registry itself is
``pcc_commissioning.tabs`` (page ``"intention"``). Delete this module once nothing imports it."""

from __future__ import annotations

from pcc_commissioning.tabs import page_tabs


def intention_tabs(*, user, intention_pk: int, current: str) -> list[dict]:
    return page_tabs("intention", user=user, pk=intention_pk, current=current)
