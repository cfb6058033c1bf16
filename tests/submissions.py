"""Helpers for tests of create forms that save once (``pcc_commissioning.idempotency``)."""

from __future__ import annotations

import html
import re

from pcc_commissioning.idempotency import FIELD

_TOKEN = re.compile(rf'name="{FIELD}" value="([^"]+)"')


def form_token(client, url: str) -> str:
    """The one-time token on the form page at ``url`` (fails if the page has none)."""
    page = client.get(url).content.decode()
    found = _TOKEN.search(page)
    assert found, f"The form at {url} carries no {FIELD} field."
    return found.group(1)


def post_twice(client, url: str, data, *, form_url: str | None = None):
    """Open the form, then send it twice with the same token, as a double click does. ``data``
    is a dict, or a function giving one (for a file upload, which each request consumes).
    Returns the first response and the second, followed to the page it leads to."""
    token = form_token(client, form_url or url)
    fields = data if callable(data) else (lambda: data)
    first = client.post(url, {**fields(), FIELD: token})
    second = client.post(url, {**fields(), FIELD: token}, follow=True)
    return first, second


def assert_saved_once(first, second, message: str) -> None:
    """The first answer went on to the new record; the second went to the same place and said
    it was already saved, with the first answer's message."""
    assert first.status_code == 302, first.content.decode()[:2000]
    assert second.redirect_chain[0] == (first["Location"], 302)
    page = second.content.decode()
    assert html.escape(f"This was already saved: {message}") in page, page[:3000]
