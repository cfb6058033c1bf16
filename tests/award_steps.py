"""Helpers for tests that add an award through its steps (``grants.awards.journey``)."""

from __future__ import annotations

import html
import re

from django.urls import reverse

from grants.awards.forms import AWARD_STEPS
from pcc_commissioning.idempotency import FIELD

_ACTION = re.compile(r'<form method="post" action="(/grants/awards/new/[^"]+)"')
_TOKEN = re.compile(rf'name="{FIELD}" value="([^"]+)"')


def start(client, query: str = "") -> str:
    """Open "Add an award" and return the new journey's id (from the first step's form)."""
    page = client.get(reverse("grants:award_create") + query).content.decode()
    found = _ACTION.search(page)
    assert found, page[:2000]
    return html.unescape(found.group(1)).split("/")[-3]


def step_url(journey: str, slug: str, *, change: bool = False) -> str:
    url = reverse("grants:award_create_step", kwargs={"journey": journey, "step": slug})
    return f"{url}?change=1" if change else url


def check_url(journey: str) -> str:
    return reverse("grants:award_create_check", kwargs={"journey": journey})


def answer_steps(client, journey: str, data: dict):
    """Send ``data`` (every field, as the one-page form had them) to each step in turn; each step
    reads its own fields. Returns the first answer that is not a redirect (a step with errors),
    else the last step's redirect (to the check-answers page)."""
    response = None
    for step in AWARD_STEPS:
        response = client.post(step_url(journey, step.slug), data)
        if response.status_code != 302:
            return response
    return response


def confirm(client, journey: str):
    """Open the check-answers page and confirm it with its one-time token."""
    page = client.get(check_url(journey))
    if page.status_code != 200:
        return page
    token = _TOKEN.search(page.content.decode()).group(1)
    return client.post(check_url(journey), {FIELD: token})


def add_award(client, data: dict, *, query: str = ""):
    """The whole journey: start, answer every step, confirm. Returns the step with errors if one
    refuses its answers, else the answer to confirming."""
    journey = start(client, query)
    response = answer_steps(client, journey, data)
    if response.status_code != 302:
        return response
    return confirm(client, journey)
