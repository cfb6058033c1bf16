"""The organisation page's tabs, as ``grants.views`` still imports them: the registry itself is
``pcc_commissioning.tabs`` (page ``"organisation"``). Delete this module once nothing imports it."""

from __future__ import annotations

from pcc_commissioning.tabs import page_tabs


def organisation_tabs(*, user, organisation_pk: int, current: str) -> list[dict]:
    return page_tabs("organisation", user=user, pk=organisation_pk, current=current)
