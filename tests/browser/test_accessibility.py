"""Automated accessibility: axe-core (vendored in ``vendor/axe-core/``) run in headless Chromium
over the service's pages for each role, in their normal state and, for forms, after an empty
submission (the error state): no WCAG 2.0, 2.1 or 2.2 A/AA violation.

The pages come from the URL walk of ``tests/pcc_commissioning/test_url_access.py`` on the
demo data (ids 1, which exist for most records): every page an officer can open, every page of
the provider portal for the demo provider, and for finance and the board the pages listed in
``READ_PAGES`` (the same templates, without the officer's buttons; add a row there for a page
that differs by role). One browser and one page for the whole run; the Content-Security-Policy
stays on (axe is injected through the DevTools protocol, which the policy does not govern), and
a page that logs a policy violation fails too.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from django.core.management import call_command
from django.test import Client

from pcc_commissioning.models import User
from tests.ids import restart_ids
from tests.pcc_commissioning.test_url_access import ROUTES

from .conftest import BROWSER_TEST, TIMEOUT_MS, sign_in

pytestmark = BROWSER_TEST

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
DEMO_PASSWORD = "demo-password-2019"  # seed_demo's published password

# Not pages of the service: the Django admin (Django's own), signing out, the sign-in page
# (checked on its own, signed out).
SKIPPED_NAMESPACES = {"admin"}
SKIPPED_NAMES = {"logout", "login"}
# Pages finance officers and board members read (their own view of what officers see).
READ_PAGES = [
    "reports:dashboard",
    "my_work:index",
    "grants:index",
    "grants:award_detail",
    "grants:funding",
    "grants:stream_list",
    "grants:decision_list",
    "providers:list",
    "providers:detail",
    "reports:index",
    "reports:finance",
    "reports:kpq_index",
    "needs_assessment:index",
    "outcomes:plan",
    "search:index",
    "password_change",
]
# A page with a form whose empty submission shows the error state.
FORM_PAGE = re.compile(r"(?:create|new|add|edit|_set|forecast|transition|request|upload|change|^portal:return)$")
FORM_PAGE_EXCLUDED = re.compile(r"delete|remove|logout")


def _html_pages(user: User, names: set[str] | None = None) -> list[tuple[str, str]]:
    """(name, URL) of the walked pages ``user`` gets as HTML with status 200."""
    client = Client(raise_request_exception=False)
    client.force_login(user)
    pages = []
    for route, url in ROUTES:
        if route.namespace in SKIPPED_NAMESPACES or route.name in SKIPPED_NAMES or url.startswith("/static/"):
            continue
        if names is not None and route.name not in names:
            continue
        response = client.get(url)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            pages.append((route.name, url))
    return pages


def _axe(page) -> list[str]:
    if not page.evaluate("() => typeof window.axe === 'object'"):  # a document no init script ran in
        page.evaluate(AXE_SOURCE)
    violations = page.evaluate(
        """async (tags) => {
            const results = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return results.violations.map(v => `${v.id} (${v.impact}): ${v.help} — ` +
                v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '));
        }""",
        AXE_TAGS,
    )
    return violations


def _submit_empty(page) -> bool:
    """Empty the main form's text fields and submit it; False if the page has no such form."""
    forms = page.locator("main form[method=post], main form[method=POST]")
    for index in range(forms.count()):
        form = forms.nth(index)
        button = form.locator("button[type=submit], button:not([type]), input[type=submit]").first
        if not button.count() or not button.is_visible():
            continue
        if re.search(r"delete|remove|sign out", button.inner_text().lower()):
            continue
        for field in form.locator(
            "input[type=text], input[type=number], input[type=email], input:not([type]), textarea"
        ).all():
            if field.is_visible() and field.is_editable():
                field.fill("")
        with page.expect_navigation(timeout=TIMEOUT_MS):
            button.click()
        return True
    return False


def test_every_page_passes_axe_for_every_role(page, live_server):
    restart_ids()
    call_command("seed_demo", force=True, stdout=io.StringIO())
    users = {name: User.objects.get(username=name) for name in ("officer", "finance", "board", "provider")}
    officer_pages = _html_pages(users["officer"])
    # Finance: the pages it reads, and its own forms (payments, budgets), which officers cannot open.
    finance_pages = [
        (name, url)
        for name, url in _html_pages(users["finance"])
        if name in READ_PAGES or (name, url) not in officer_pages
    ]
    plan = {
        "officer": officer_pages,
        "finance": finance_pages,
        "board": _html_pages(users["board"], set(READ_PAGES)),
        "provider": _html_pages(users["provider"]),
    }
    assert len(plan["officer"]) > 40 and len(plan["provider"]) >= 5
    assert len(plan["finance"]) >= 10 and len(plan["board"]) >= 10

    # axe is added to every document through the DevTools protocol (the policy does not apply).
    page.context.add_init_script(script=AXE_SOURCE)
    page.set_content("<!DOCTYPE html><html lang='en'><title>Control</title><main><img src='data:,'></main></html>")
    assert any(found.startswith("image-alt") for found in _axe(page)), "axe did not run"

    csp_errors: list[str] = []
    page.on(
        "console",
        lambda message: (
            csp_errors.append(f"{page.url}: {message.text}") if "Content Security Policy" in message.text else None
        ),
    )
    failures: dict[str, list[str]] = {}
    checked = 0

    def check(label: str) -> None:
        nonlocal checked
        checked += 1
        if found := _axe(page):
            failures[label] = found

    # Signed out: the sign-in page, then its error state.
    page.goto("/accounts/login/")
    check("anonymous login")
    sign_in(page, "officer", "not the password")
    check("anonymous login (error)")

    for role, pages in plan.items():
        page.context.clear_cookies()
        sign_in(page, role, DEMO_PASSWORD)
        assert "/accounts/login/" not in page.url, f"could not sign in as {role}"
        for name, url in pages:
            page.goto(url)
            check(f"{role} {url} ({name})")
            if (
                FORM_PAGE.search(name)
                and role != "board"
                and not FORM_PAGE_EXCLUDED.search(name)
                and _submit_empty(page)
            ):
                check(f"{role} {url} ({name}, after an empty submission)")

    assert checked > 80
    assert failures == {}, "\n".join(f"{label}:\n  " + "\n  ".join(found) for label, found in failures.items())
    assert csp_errors == []
