"""Browser-test harness: Playwright driving Debian's Chromium against pytest-django's live server.

Fixtures:
- ``browser``: headless Chromium from /usr/bin/chromium (never ``playwright install``), launched
  once for all the browser tests. Package-scoped rather than session-scoped: while Playwright
  runs, Django's connections live in another context (see the fixture), and the tests after
  the browser tests should not inherit that.
- ``page``: a fresh browser context and page whose base URL is the live server; a screenshot
  of it is saved to ``test-artifacts/`` when the test fails.
- ``logged_in_page(user)``: signs ``user`` in through the real login form and returns the page.

Mark tests ``@pytest.mark.browser`` and give them a transactional database (the live server
runs in another thread and only sees committed data); ``BROWSER_TEST`` below does both.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from tests.factories.users import TEST_PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TIMEOUT_MS = 15_000

# Transactional, and restoring the data migrations created (the role groups, code lists)
# which the flush after each transactional test removes.
BROWSER_TEST = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="package")
def browser(django_db_setup, django_db_blocker):
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure-test-deps (Debian package chromium)")
    from django.db import connections

    # Django keeps its connections per context (contextvars). While Playwright's sync API
    # runs, this code runs in another context, with connections of its own: give them the
    # test database's serialized contents, which serialized_rollback restores from.
    serialized = {
        alias: connections[alias].__dict__["_test_serialized_contents"]
        for alias in connections
        if "_test_serialized_contents" in connections[alias].__dict__
    }
    # Playwright's sync API runs an event loop in this thread; Django would otherwise refuse
    # to touch the database from it. Set only while the browser runs (check --deploy, run in
    # other tests, rightly rejects the variable).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            for alias, contents in serialized.items():
                connections[alias]._test_serialized_contents = contents
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                yield browser
            finally:
                browser.close()
                # Close this context's connections, or the test database could not be dropped.
                with django_db_blocker.unblock():
                    connections.close_all()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser, live_server, request) -> Page:
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    failed = any(
        getattr(request.node, f"rep_{when}", None) is not None and getattr(request.node, f"rep_{when}").failed
        for when in ("setup", "call")
    )
    if failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        (ARTIFACTS / f"{name}.html").write_text(page.content())
    context.close()


def sign_in(page: Page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def logged_in_page(page):
    """``logged_in_page(user)`` signs in through the login form and returns the page."""

    def login(user, password: str = TEST_PASSWORD) -> Page:
        sign_in(page, user.username, password)
        assert "/accounts/login/" not in page.url, f"could not sign in as {user.username}"
        return page

    return login
