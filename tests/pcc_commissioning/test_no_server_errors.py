"""No 500s on user input: every page of the project, on the demo data, answers an empty form
submission and a plain visit with a page or a refusal — never a server error.

Reuses the URL walk of ``test_url_access`` (every URL, including ones added later). Integer
ids are 1, which exists for most records of the demo; a 404 is a fine answer.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client

from pcc_commissioning.models import User

from .test_url_access import ROUTES

# Pages whose job is to sign the user out or to answer only anonymous visitors.
SKIPPED = {"logout"}


@pytest.fixture
def demo(db):
    call_command("seed_demo", force=True, stdout=io.StringIO())


@pytest.mark.parametrize("username", ["admin", "officer"])
def test_every_page_answers_empty_submissions_and_visits_without_a_server_error(demo, username):
    client = Client(raise_request_exception=False)
    client.force_login(User.objects.get(username=username))
    failures = []
    for route, url in ROUTES:
        if route.name in SKIPPED or url.startswith("/static/"):
            continue
        for method in (client.get, client.post):
            response = method(url, {})
            if response.status_code >= 500:
                failures.append(f"{method.__name__.upper()} {url} ({route.name}): {response.status_code}")
    assert failures == []
