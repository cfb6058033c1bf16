"""One year rule on every page: each page and export that takes a financial year opens on the
same year when none is asked for, and a year chosen on the dashboard travels with its links.

The pages are found from the URL conf: every view decorated with ``@year_page``
(grants/years.py) is visited, so a new year-taking page is covered without touching this file.
One that reads ``?fy=`` any other way is caught by ``test_no_view_reads_the_year_itself``.
"""

from __future__ import annotations

import datetime
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.urls import resolve, reverse

from grants.models import AwardKind, AwardStatus
from reports.transparency.lists import LISTS
from tests.factories import (
    AwardFactory,
    CommissioningPriorityFactory,
    FundingLineFactory,
    FundingStreamFactory,
    KPQFactory,
    PaymentFactory,
    PriorityBudgetFactory,
    StreamAllocationFactory,
)
from tests.pcc_commissioning.test_url_access import ROUTES

pytestmark = pytest.mark.django_db

# The clock stands in 2023/24, which has no funding line: the rule's year is 2021/22, the latest
# earlier year with lines; 2025/26 has lines but lies in the future; 2019/20 is the year the
# tests choose on the dashboard.
TODAY = datetime.datetime(2023, 11, 15, 12, 0)
RULE_YEAR, RULE_LABEL = 2021, "2021/22"
CHOSEN_YEAR, CHOSEN_LABEL = 2019, "2019/20"

YEAR_PAGES = sorted({route.name: route for route, _ in ROUTES if getattr(route.callback, "year_page", None)}.items())
# What a year page needs besides its year: the values of its URL's parameters, and query
# values without which it is no page (a finance download names its view). Each set of
# arguments is one visit. A new page with parameters fails until it is given them here.
URL_ARGUMENTS = {
    "reports:kpq": lambda data: [[data["kpq"].pk]],
    "reports:transparency_list": lambda data: [[kind] for kind in LISTS],
    "reports:transparency_download": lambda data: [[kind] for kind in LISTS],
}
QUERY = {"reports:finance_download": {"view": "stream"}}


@pytest.fixture
def portfolio(time_machine):
    time_machine.move_to(TODAY)
    stream = FundingStreamFactory(name="Victims' grant", moj_reported=True)
    priority = CommissioningPriorityFactory(name="Victims")
    kpq = KPQFactory()
    award = AwardFactory(
        reference="AWD-1",
        kind=AwardKind.GRANT,
        status=AwardStatus.ACTIVE,
        priority=priority,
        start_date=datetime.date(2019, 4, 1),
        end_date=datetime.date(2026, 3, 31),
    )
    award.kpqs.add(kpq)
    for fy in (2019, 2020, 2021, 2025):
        FundingLineFactory(award=award, stream=stream, fy=fy)
        StreamAllocationFactory(stream=stream, fy=fy)
        PriorityBudgetFactory(priority=priority, fy=fy)
    PaymentFactory(award=award, stream=stream, fy=2021, paid_date=datetime.date(2021, 6, 1))
    return {"kpq": kpq, "award": award}


# Reading the year a response shows -------------------------------------------------------------


class _YearReader(HTMLParser):
    """The selected option of the ``fy`` select, and the text of the h1 and the captions."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.selected: list[str] = []
        self.headings: list[str] = []
        self._in_fy = False
        self._heading: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "select":
            self._in_fy = attributes.get("name") == "fy"
        elif tag == "option" and self._in_fy and "selected" in attributes:
            self.selected.append(attributes.get("value") or "")
        elif tag in ("h1", "caption"):
            self._heading = []

    def handle_endtag(self, tag):
        if tag == "select":
            self._in_fy = False
        elif tag in ("h1", "caption") and self._heading is not None:
            self.headings.append(" ".join("".join(self._heading).split()))
            self._heading = None

    def handle_data(self, data):
        if self._heading is not None:
            self._heading.append(data)


def _shown(response) -> tuple[str, list[str]]:
    """(the year the response is for, as ``?fy=`` writes it, the page's h1 and captions). A page
    says it with its year picker, a download with its file name, a redirect with its address."""
    if response.status_code == 302:
        return parse_qs(urlsplit(response["Location"]).query).get("fy", [""])[0], []
    assert response.status_code == 200, response.status_code
    disposition = response.get("Content-Disposition", "")
    if disposition:
        match = re.search(r"-(\d{4})\b", disposition)
        return (match.group(1) if match else "all"), []
    reader = _YearReader()
    reader.feed(response.content.decode())
    assert len(reader.selected) == 1, f"{response.request['PATH_INFO']}: no single year selected"
    return reader.selected[0], reader.headings


def _visits(name: str, data: dict) -> list[str]:
    arguments = URL_ARGUMENTS.get(name, lambda data: [[]])(data)
    query = "".join(f"&{key}={value}" for key, value in QUERY.get(name, {}).items())
    return [reverse(name, args=args) + ("?" + query[1:] if query else "") for args in arguments]


# Every page, no year given -------------------------------------------------------------------------


def test_there_are_year_pages_to_visit():
    """The pages the issue names are among those found (a guard on the discovery itself)."""
    names = {name for name, _ in YEAR_PAGES}
    assert {
        "reports:dashboard",
        "grants:funding",
        "grants:portfolio_rag",
        "reports:finance",
        "reports:need_vs_spend",
        "reports:kpq",
        "grants:index",
        "reports:transparency_list",
        "reports:threesixty",
        "grants:payments_export",
        "grants:commitments_export",
    } <= names


def test_every_year_page_opens_on_the_rules_year(portfolio, superuser, login_as):
    client = login_as(superuser)
    seen = {}
    for name, _ in YEAR_PAGES:
        for url in _visits(name, portfolio):
            year, headings = _shown(client.get(url))
            seen[url] = year
            if headings:  # a page: its h1 or a caption names the year
                assert any(RULE_LABEL in heading for heading in headings), (url, headings)
    assert set(seen.values()) == {str(RULE_YEAR)}, {url: year for url, year in seen.items() if year != str(RULE_YEAR)}


@pytest.mark.parametrize("kind", ["panel", "moj_return"])
def test_a_report_request_preselects_the_rules_year(portfolio, superuser, login_as, kind):
    """Not a page that shows a year but one that asks for it: it starts on the same year."""
    response = login_as(superuser).get(reverse("reports:report_request"), {"kind": kind})
    assert _shown(response)[0] == str(RULE_YEAR)


def test_a_page_that_offers_all_years_still_offers_them(portfolio, superuser, login_as):
    client = login_as(superuser)
    for name, route in YEAR_PAGES:
        if not route.callback.year_page["all_years"]:
            continue
        for url in _visits(name, portfolio):
            year, _ = _shown(client.get(url + ("&" if "?" in url else "?") + "fy=all"))
            assert year in ("all", ""), (url, year)


def test_a_page_says_why_it_shows_the_year(portfolio, officer_client):
    page = officer_client.get(reverse("grants:index")).content.decode()
    assert "Showing 2021/22, the latest year with funding lines. Choose “All years” to see every year." in page
    funding = officer_client.get(reverse("grants:funding")).content.decode()
    assert "Showing 2021/22, the latest year with funding lines." in funding
    chosen = officer_client.get(reverse("grants:funding"), {"fy": "2021"}).content.decode()
    assert "Showing 2021/22" not in chosen  # the reader chose it: nothing to explain


def test_a_bad_year_falls_back_to_the_rule_on_every_page(portfolio, superuser, login_as):
    client = login_as(superuser)
    for name, _ in YEAR_PAGES:
        for url in _visits(name, portfolio):
            for bad in ("99999999", "x", "2019/21", ""):
                response = client.get(url + ("&" if "?" in url else "?") + f"fy={bad}")
                assert _shown(response)[0] == str(RULE_YEAR), (url, bad)


# The year travels with the dashboard's links ------------------------------------------------------


class _Links(HTMLParser):
    """The links of the page's own content (``<main>``), not of the navigation (``<nav>``),
    whose links open each page on the rule's year, the same everywhere."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self._in_main = False
        self._navs = 0

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "main":
            self._in_main = True
        elif tag == "nav":
            self._navs += 1
        elif tag == "a" and self._in_main and not self._navs and href and href.startswith("/"):
            self.hrefs.append(href)

    def handle_endtag(self, tag):
        if tag == "main":
            self._in_main = False
        elif tag == "nav":
            self._navs -= 1


def _year_links(html: str) -> list[tuple[str, object]]:
    reader = _Links()
    reader.feed(html)
    links = []
    for href in reader.hrefs:
        path = urlsplit(href).path
        if path.startswith(settings.STATIC_URL):
            continue
        match = resolve(path)
        if getattr(match.func, "year_page", None):
            links.append((href.split("#")[0], match))
    return links


def _follow_year_links(client, url: str) -> set[str]:
    """Open ``url`` for CHOSEN_YEAR, follow each of its links to a year page and check that the
    page it opens shows CHOSEN_YEAR (or every year, where the link asks for that). The names
    of the pages opened for the year."""
    page = client.get(url, {"fy": CHOSEN_YEAR})
    assert _shown(page)[0] == str(CHOSEN_YEAR)
    followed = set()
    for href, match in _year_links(page.content.decode()):
        asked = parse_qs(urlsplit(href).query).get("fy", [None])[0]
        assert asked is not None, f"{href} does not carry the year"
        year, headings = _shown(client.get(href))
        if asked == "all":  # a list of every year (awards ending soon, whatever their year)
            assert match.func.year_page["all_years"] and year == "all", href
            continue
        assert year == str(CHOSEN_YEAR), (href, year)
        if headings:
            assert any(CHOSEN_LABEL in heading for heading in headings), (href, headings)
        followed.add(match.view_name)
    return followed


def test_a_year_chosen_on_the_dashboard_travels_with_its_links(portfolio, superuser, login_as):
    followed = _follow_year_links(login_as(superuser), reverse("reports:dashboard"))
    # The year-taking pages the dashboard links to, each opened for 2019/20.
    assert {
        "grants:funding",
        "grants:index",
        "grants:portfolio_rag",
        "reports:kpq",
        "reports:need_vs_spend",
    } <= followed


@pytest.mark.parametrize(
    "url, linked",
    [
        (reverse("reports:threesixty"), {"reports:transparency_list"}),
        (
            reverse("reports:transparency_list", args=["grants_register"]),
            {"reports:transparency_list", "reports:transparency_download", "reports:threesixty"},
        ),
        (reverse("reports:finance"), {"reports:finance_download"}),
        (reverse("grants:funding"), {"grants:commitments_export", "grants:payments_export"}),
    ],
)
def test_a_year_chosen_on_a_list_travels_with_its_links(portfolio, superuser, login_as, url, linked):
    assert linked <= _follow_year_links(login_as(superuser), url)


# No page reads the year any other way ------------------------------------------------------------

APPS = ("grants", "reports", "needs_assessment", "outcomes", "portal", "providers")
# Reading ``?fy=`` directly: only the year rule's module does.
DIRECT_READS = re.compile(r"""fy_param\(|GET\.get\(\s*["']fy["']|GET\[\s*["']fy["']\s*\]""")


def test_no_view_reads_the_year_itself():
    root = Path(settings.BASE_DIR)
    offenders = [
        str(path.relative_to(root))
        for app in APPS
        for path in (root / app).rglob("*.py")
        if DIRECT_READS.search(path.read_text()) and path != root / "grants" / "years.py"
    ]
    assert offenders == [], "read ?fy= through grants/years.py (@year_page or asked_year)"
