"""Every page names itself, and the navigation is at most three levels deep.

On the demo data, every page each role can open (the URL walk of ``test_url_access``, ids 1)
is read as a person or a screen reader meets it: the browser's title, the page's ``<h1>``,
its breadcrumbs and its sub-navigation.

- The title's own part (before "– PCC Commissioning – …") contains the ``<h1>``: the tab,
  a bookmark and the history name the page the person is on. A caption ("Grants and
  contracts" above "Awards") and a status tag in the heading are not its name.
- Two different pages of one section never share a ``<h1>`` (the awards list, the decision
  register and the funding page were all "Grants and contracts"), and no two different
  pages share a title.
- Three levels: the top navigation, a section's pages (one row of tabs), an item. So a
  page has at most one row of tabs for pages of the service, and the breadcrumbs name at
  most those three levels after Home.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.conf import settings
from django.core.management import call_command
from django.test import Client

from pcc_commissioning.models import User
from tests.ids import restart_ids

from .test_url_access import ROUTES

# Not the service's pages: the Django admin (Django's own) and signing out.
SKIPPED_NAMESPACES = {"admin"}
SKIPPED_NAMES = {"logout"}
# Parts of a heading that are not its name.
NOT_THE_NAME = re.compile(r"\b(govuk-caption-[a-z]+|govuk-tag|govuk-visually-hidden)\b")
# Tabs that filter one list by a query (?show=…) rather than lead to other pages.
FILTER_TABS = {"Returns by state"}
ROLES = ("officer", "finance", "board", "provider", "admin")


@dataclass
class Page:
    """What a person meets first on a page."""

    title: str = ""
    h1: list[str] = field(default_factory=list)
    breadcrumbs: int = 0
    sub_navigations: list[str] = field(default_factory=list)
    section: str = ""


class _Reader(HTMLParser):
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__()
        self.page = Page()
        self._stack: list[tuple[str, bool]] = []  # (tag, text not part of the name)
        self._in_title = False
        self._in_h1 = False
        self._in_active_nav = False
        self._active: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        classes = attributes.get("class") or ""
        if tag in self.VOID:
            return
        hidden = bool(NOT_THE_NAME.search(classes)) or any(skip for _, skip in self._stack)
        self._stack.append((tag, hidden))
        if tag == "title":
            self._in_title = True
        elif tag == "h1":
            self._in_h1 = True
            self.page.h1.append("")
        elif tag == "li" and "govuk-breadcrumbs__list-item" in classes:
            self.page.breadcrumbs += 1
        elif tag == "nav" and "moj-sub-navigation" in classes:
            self.page.sub_navigations.append(attributes.get("aria-label") or "")
        elif tag == "li" and "govuk-service-navigation__item--active" in classes:
            self._in_active_nav = True

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        while self._stack:
            open_tag, _ = self._stack.pop()
            if open_tag == tag:
                break
        if tag == "title":
            self._in_title = False
        elif tag == "h1":
            self._in_h1 = False
        elif tag == "li" and self._in_active_nav:
            self._in_active_nav = False
            self.page.section = " ".join("".join(self._active).split())

    def handle_data(self, data):
        if self._in_title:
            self.page.title += data
        if self._in_h1 and not (self._stack and self._stack[-1][1]):
            self.page.h1[-1] += data
        if self._in_active_nav:
            self._active.append(data)


def read(html: str) -> Page:
    reader = _Reader()
    reader.feed(html)
    page = reader.page
    page.title = " ".join(page.title.split())
    page.h1 = [" ".join(text.split()) for text in page.h1]
    return page


def own_title(title: str) -> str:
    """The title's own part: what comes before "– PCC Commissioning – <OPCC>"."""
    suffix = f" – {settings.SERVICE_NAME} – {settings.OPCC_NAME}"
    assert title.endswith(suffix), title
    return title[: -len(suffix)]


def test_the_reader_sees_what_a_person_sees():
    page = read(
        "<html><head><title>Awards – PCC Commissioning – Office</title></head><body>"
        '<li class="govuk-service-navigation__item govuk-service-navigation__item--active"><a><strong>Grants'
        " and contracts</strong></a></li>"
        '<nav class="govuk-breadcrumbs"><ol><li class="govuk-breadcrumbs__list-item"><a>Home</a></li></ol></nav>'
        '<h1 class="govuk-heading-xl"><span class="govuk-caption-xl">Grants and contracts</span>Awards'
        ' <strong class="govuk-tag">Active</strong><br></h1>'
        '<nav class="moj-sub-navigation" aria-label="Grants and contracts sections"></nav></body></html>'
    )
    assert page.title == "Awards – PCC Commissioning – Office"
    assert page.h1 == ["Awards"]
    assert (page.breadcrumbs, page.sub_navigations) == (1, ["Grants and contracts sections"])
    assert page.section == "Grants and contracts"


def walk() -> dict[str, dict[str, tuple[str, Page]]]:
    """role -> URL name -> (URL, page), for every HTML page the role opens on the demo data."""
    restart_ids()  # the walk's URLs carry id 1: the demo's records are numbered from 1
    call_command("seed_demo", force=True, stdout=io.StringIO())
    found: dict[str, dict[str, tuple[str, Page]]] = {}
    for role in ROLES:
        client = Client(raise_request_exception=False)
        client.force_login(User.objects.get(username=role))
        found[role] = {}
        for route, url in ROUTES:
            if route.namespace in SKIPPED_NAMESPACES or route.name in SKIPPED_NAMES:
                continue
            if url.startswith(settings.STATIC_URL):
                continue
            response = client.get(url)
            if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
                found[role][route.name] = (url, read(response.content.decode()))
    return found


def unnamed(pages: dict[str, tuple[str, Page]]) -> list[str]:
    """Pages without exactly one <h1>, or whose title does not contain it."""
    wrong = []
    for name, (url, page) in pages.items():
        if len(page.h1) != 1 or not page.h1[0]:
            wrong.append(f"{name} {url}: {len(page.h1)} <h1> {page.h1}")
        elif page.h1[0].lower() not in own_title(page.title).lower():
            wrong.append(f"{name} {url}: title {own_title(page.title)!r} does not name <h1> {page.h1[0]!r}")
    return wrong


def shared(pages: dict[str, tuple[str, Page]]) -> list[str]:
    """Headings two pages of a section share, and titles any two pages share."""
    by_heading: dict[tuple[str, str], list[str]] = defaultdict(list)
    by_title: dict[str, list[str]] = defaultdict(list)
    for name, (_url, page) in pages.items():
        if page.h1:
            by_heading[(page.section, page.h1[0])].append(name)
        by_title[page.title].append(name)
    # The tabs of one record (an organisation's contacts, documents and users) share its name as
    # their heading (their titles say which tab it is): pages with an id in their address.
    return [
        f"<h1> {heading!r} in section {section!r}: {names}"
        for (section, heading), names in by_heading.items()
        if len(names) > 1 and not all(re.search(r"/\d+/", pages[name][0]) for name in names)
    ] + [f"title {title!r}: {names}" for title, names in by_title.items() if len(names) > 1]


def too_deep(pages: dict[str, tuple[str, Page]]) -> list[str]:
    """Pages with more than one row of tabs of pages, or breadcrumbs beyond Home and three levels."""
    wrong = []
    for name, (url, page) in pages.items():
        tabs = [label for label in page.sub_navigations if label not in FILTER_TABS]
        if len(tabs) > 1:
            wrong.append(f"{name} {url}: {len(tabs)} rows of tabs {tabs}")
        if page.breadcrumbs > 4:
            wrong.append(f"{name} {url}: {page.breadcrumbs} breadcrumbs")
    return wrong


def test_every_page_names_itself_and_sits_at_most_three_levels_deep(db):
    pages = walk()
    assert {"grants:index", "grants:decision_list", "grants:funding", "reports:index", "imports:upload"} <= set(
        pages["officer"]
    )
    assert {"grants:index", "reports:finance", "imports:upload"} <= set(pages["finance"])
    assert {"reports:dashboard", "grants:award_detail"} <= set(pages["board"])
    assert {"portal:home", "portal:documents"} <= set(pages["provider"])
    assert len(pages["officer"]) > 60 and len(pages["admin"]) >= len(pages["officer"])

    problems = {role: unnamed(found) + shared(found) + too_deep(found) for role, found in pages.items()}
    assert problems == dict.fromkeys(ROLES, [])
