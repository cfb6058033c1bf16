"""No 500 on any input: every form of the project and every import, fed hostile values.

The forms are found the way a user finds them: every page of the URL walk of
``test_url_access`` is opened (GET) by each demo user, and every ``<form>`` on it is read,
hidden inputs included, so a form that gains a hidden field (a one-time token, say) is sent
back what the page gave. Each field in turn is then filled with a hostile value (an amount
like ``1e309`` or ``1,50``, a year like 1 or 10000, a 10,000-character string, a NUL byte,
markup) while the other fields keep a plausible value, and the form is posted.

Every answer must be a page or a refusal, never a server error. A refused submission must
change nothing (row counts of every table, history tables included, so an update shows
too), and an amount, date or year that breaks the rules of docs/formats.md must be refused
wherever it is sent. Each post runs in a savepoint that is rolled back, so one post never
changes what the next one sees.

GET filters get the same treatment (``?fy=99999999``, ``?year=1``): a page must fall back or
say what is wrong. Each importer is run on rows with the same kinds of cells. Fields are
sampled to keep the module quick: each field gets one of the values (money boxes three bad
amounts, year boxes two bad years), in rotation so that every value is sent, and a formset's
rows count as one field; every form and every field is covered.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client

from pcc_commissioning.interchange.imports import importers, run_import
from pcc_commissioning.interchange.rows import ImportFailed
from pcc_commissioning.models import User
from tests.ids import restart_ids

from .test_url_access import ROUTES

NUL = "\x00"
META_REFRESH = "<meta http-equiv=refresh content=0;url=//example.invalid>"
LONG_TEXT = "x" * 10_000
# Never a valid amount of money anywhere (docs/formats.md "Money").
BAD_AMOUNTS = ("1e309", "-1e309", "NaN", "Infinity", "1,50", "1.234,50", "1e5", "99999999999999999999")
# Never a valid year (1990 to 2100 only).
BAD_YEARS = ("1", "0001", "9999", "10000", "99999999999999999999")
HOSTILE = (
    *BAD_AMOUNTS,
    "0001",
    "9999",
    "10000",
    LONG_TEXT,
    NUL,
    f"abc{NUL}def",
    META_REFRESH,
    "0001-01-01",
    "9999-12-31",
    "-1",
    "",
)
QUERY_PARAMETERS = ("fy", "year", "quarter", "month", "page", "version", "sort", "format", "view", "kind", "q")
# Pages whose job is to sign the user out, and Django's own admin (its model forms are Django's).
SKIPPED_ROUTES = {"logout"}
SKIPPED_NAMESPACES = {"admin"}
# The system administrator holds every capability, so sees every internal form; the provider
# user sees the portal's.
USERS = ("admin", "provider")


# Reading the forms of a page -------------------------------------------------------------------


@dataclass
class Control:
    name: str
    kind: str  # "text", "hidden", "select", "textarea", "checkbox", "radio", "file", ...
    value: str = ""
    options: list[str] = field(default_factory=list)
    money: bool = False  # inputmode=decimal: the app's money (and number) boxes


@dataclass
class PageForm:
    action: str
    method: str
    controls: dict[str, Control] = field(default_factory=dict)

    @property
    def signature(self) -> tuple:
        return (urlsplit(self.action).path, self.method, tuple(sorted(self.controls)))


class _FormReader(HTMLParser):
    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[PageForm] = []
        self._form: PageForm | None = None
        self._select: Control | None = None
        self._textarea: Control | None = None

    def handle_starttag(self, tag, attrs):
        attributes = {key: value or "" for key, value in attrs}
        if tag == "form":
            action = urljoin(self.page_url, attributes.get("action") or self.page_url)
            self._form = PageForm(action=action, method=(attributes.get("method") or "get").lower())
            self.forms.append(self._form)
            return
        if self._form is None or "name" not in attributes or "disabled" in attributes:
            if tag == "option" and self._select is not None:
                self._option(attributes)
            return
        name = attributes["name"]
        if tag == "input":
            kind = attributes.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset"):
                return
            control = self._form.controls.setdefault(
                name, Control(name, kind, money=attributes.get("inputmode") == "decimal")
            )
            if kind in ("checkbox", "radio"):
                control.options.append(attributes.get("value", "on"))
                if "checked" in attributes:
                    control.value = attributes.get("value", "on")
            else:
                control.value = attributes.get("value", "")
        elif tag == "select":
            self._select = self._form.controls.setdefault(name, Control(name, "select"))
        elif tag == "textarea":
            self._textarea = self._form.controls.setdefault(name, Control(name, "textarea"))

    def _option(self, attributes):
        value = attributes.get("value", "")
        self._select.options.append(value)
        if "selected" in attributes:
            self._select.value = value

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def page_forms(url: str, html: str) -> list[PageForm]:
    reader = _FormReader(url)
    reader.feed(html)
    return reader.forms


# Plausible values, so that a form can pass except for the one hostile field ---------------------


def _date_part(name: str) -> str | None:
    """Day, month or year box of a GOV.UK date input (``due_date_0``, ``_1``, ``_2``)."""
    stem, _, index = name.rpartition("_")
    return {"0": "15", "1": "6", "2": "2019"}.get(index) if stem.endswith(("date", "_on", "_from", "until")) else None


def plausible(control: Control) -> str | list[str] | None:
    if control.kind == "hidden":
        return control.value
    if control.kind == "file":
        return None
    if control.kind in ("select", "radio"):
        if control.value:
            return control.value
        chosen = [option for option in control.options if option]
        return chosen[0] if chosen else ""
    if control.kind == "checkbox":
        return control.value or None
    if control.value:
        return control.value
    part = _date_part(control.name)
    if part is not None:
        return part
    if control.money or control.kind == "number":
        return "100"
    return "Fuzz test text"


def base_data(form: PageForm) -> dict[str, str]:
    data = {}
    for control in form.controls.values():
        value = plausible(control)
        if value is not None:
            data[control.name] = value
    return data


def _take(values: tuple[str, ...], index: int, count: int) -> list[str]:
    """``count`` of ``values``, starting further along for each field, so all are used."""
    return [values[(index * count + k) % len(values)] for k in range(count)]


def hostile_values(index: int, control: Control) -> list[str]:
    """The hostile values one field gets: three bad amounts for a money box, two bad years for
    a year box, one of the rest otherwise (rotating, so every value is sent somewhere)."""
    if control.money:
        return _take(BAD_AMOUNTS, index, 3)
    if _date_part(control.name) and control.name.endswith("_2"):
        return _take(BAD_YEARS, index, 2)
    return _take(HOSTILE, index, 1)


def _field_kind(name: str) -> str:
    """A formset's rows repeat one form: ``lines-3-amount`` is the same field as ``lines-0-amount``."""
    return re.sub(r"-\d+-", "-N-", name)


def must_be_refused(control: Control, value: str) -> bool:
    """Values the rules refuse wherever they are sent: bad amounts in money boxes, bad years."""
    if control.money:
        return value in BAD_AMOUNTS
    return bool(_date_part(control.name)) and control.name.endswith("_2") and value in BAD_YEARS


# The database, before and after ----------------------------------------------------------------


def row_counts() -> dict[str, int]:
    """Rows of every table (history tables record every change to a tracked row), in one query."""
    tables = sorted({model._meta.db_table for model in apps.get_models()} - {"django_session"})
    counts = ", ".join(f'(SELECT COUNT(*) FROM "{table}")' for table in tables)  # names from the models
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts}")
        return dict(zip(tables, cursor.fetchone(), strict=False))


def changed(before: dict[str, int], after: dict[str, int]) -> list[str]:
    return [f"{table}: {before[table]} -> {after[table]}" for table in before if before[table] != after[table]]


# The walk --------------------------------------------------------------------------------------


@pytest.fixture
def demo(db):
    # The walk's URLs carry id 1 (test_url_access): the demo's records are numbered from 1.
    restart_ids()
    call_command("seed_demo", force=True, stdout=io.StringIO())


def _clients() -> dict[str, Client]:
    clients = {}
    for username in USERS:
        client = Client(raise_request_exception=False)
        client.force_login(User.objects.get(username=username))
        clients[username] = client
    return clients


def _pages() -> list[str]:
    return [
        url
        for route, url in ROUTES
        if route.name not in SKIPPED_ROUTES
        and route.namespace not in SKIPPED_NAMESPACES
        and not url.startswith("/static/")
    ]


def discover_forms(clients: dict[str, Client]) -> Iterator[tuple[str, str, PageForm]]:
    """(user, page, form) for each distinct form any demo user is shown on any page."""
    seen = set()
    for url, (username, client) in itertools.product(_pages(), clients.items()):
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        for form in page_forms(url, response.content.decode()):
            if form.signature in seen or not form.controls or urlsplit(form.action).path == "/logout/":
                continue
            seen.add(form.signature)
            yield username, url, form


def _post_in_savepoint(client: Client, form: PageForm, data: dict) -> tuple[int, list[str]]:
    savepoint = transaction.savepoint()
    try:
        before = row_counts()
        response = client.post(form.action, data)
        return response.status_code, changed(before, row_counts())
    finally:
        transaction.savepoint_rollback(savepoint)


def test_every_form_refuses_hostile_values_without_a_server_error_or_a_change(demo):
    clients = _clients()
    failures, forms_seen, fields_seen = [], 0, 0
    for username, page, form in discover_forms(clients):
        if form.method != "post":
            continue
        forms_seen += 1
        base = base_data(form)
        kinds = set()
        for control in form.controls.values():
            if control.kind in ("hidden", "file", "checkbox") or _field_kind(control.name) in kinds:
                continue
            kinds.add(_field_kind(control.name))
            index = fields_seen
            fields_seen += 1
            for value in hostile_values(index, control):
                status, changes = _post_in_savepoint(clients[username], form, {**base, control.name: value})
                where = f"{username} POST {form.action} (from {page}) {control.name}={value[:30]!r}"
                if status >= 500:
                    failures.append(f"{where}: {status}")
                elif changes and (status == 200 or must_be_refused(control, value)):
                    failures.append(f"{where}: {status} and changed {changes}")
    assert forms_seen >= 30 and fields_seen >= 100, (forms_seen, fields_seen)
    assert failures == []


# Query strings ---------------------------------------------------------------------------------

# Each page is asked for with every filter set to one of these at once.
QUERY_VALUES = ("99999999", "1", "1e309", "9999-Q9", LONG_TEXT[:500])


def test_every_page_answers_hostile_query_strings_without_a_server_error(demo):
    clients = _clients()
    failures, pages_seen = [], 0
    for url, (username, client) in itertools.product(_pages(), clients.items()):
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        pages_seen += 1
        names = set(QUERY_PARAMETERS)
        for form in page_forms(url, response.content.decode()):
            if form.method == "get" and urlsplit(form.action).path == urlsplit(url).path:
                names |= set(form.controls)
        for value in QUERY_VALUES:
            answer = client.get(url, {name: value for name in sorted(names)})
            if answer.status_code >= 500:
                failures.append(f"{username} GET {url}?…={value[:20]!r}: {answer.status_code}")
    assert pages_seen >= 50, pages_seen
    assert failures == []


# Imports ---------------------------------------------------------------------------------------

IMPORT_VALUES = (*BAD_AMOUNTS, *BAD_YEARS, "0001-01-01", "9999-12-31", LONG_TEXT, META_REFRESH, "'=1+1")


def _strict_column(column: str) -> tuple[str, ...]:
    """The hostile values a column must refuse: amounts in money columns, years in dates and years."""
    if column in ("amount", "allocation") or column.endswith("_cost"):
        return BAD_AMOUNTS
    if column == "fy" or column.endswith(("_date", "_fy")):
        return (*BAD_YEARS, "0001-01-01", "9999-12-31")
    return ()


def _csv(columns, row) -> bytes:
    import csv

    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(columns)
    writer.writerow(row)
    return output.getvalue().encode()


def test_every_import_refuses_hostile_cells_without_a_crash_or_a_change(db):
    actor = User.objects.create(username="fuzz", is_superuser=True, is_staff=True)
    failures, cells = [], 0
    for kind, spec in sorted(importers().items()):
        for position, column in enumerate(spec.columns):
            for value in IMPORT_VALUES[position % 3 :: 3] + _strict_column(column):
                cells += 1
                row = ["Fuzz" if index != position else value for index in range(len(spec.columns))]
                before = row_counts()
                try:
                    run_import(kind, _csv(spec.columns, row), filename="fuzz.csv", actor=actor)
                except ImportFailed:
                    if changed(before, row_counts()):
                        failures.append(f"{kind}.{column}={value[:20]!r}: refused but changed the data")
                    continue
                except Exception as exc:
                    failures.append(f"{kind}.{column}={value[:20]!r}: {type(exc).__name__}: {str(exc)[:80]}")
                    continue
                if value in _strict_column(column):
                    failures.append(f"{kind}.{column}={value[:20]!r}: accepted")
    assert cells >= 100, cells
    assert failures == []
