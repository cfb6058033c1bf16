"""Every URL refuses anonymous users, except a short, explicit allowlist.

The URL resolver is walked at collection time (namespaced includes too), so a page another
app adds later is covered without touching this file. An anonymous request must be sent to
the login page (the admin's own login page for ``admin:`` URLs) or refused with 403/405;
never 200, never 500.
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.converters import IntConverter
from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils.regex_helper import normalize

# URL names anonymous users may reach (the login, password reset and accessibility pages,
# the health check, the admin's own login page).
ANONYMOUS_ALLOWED = frozenset(
    {
        "login",
        "logout",
        "password_reset",
        "password_reset_done",
        "password_reset_confirm",
        "password_reset_complete",
        "accessibility",
        "health",
        "admin:login",
        # The link in an invitation e-mail: the invited person has no account yet.
        "invitations:accept",
        # An assessor's invitation link: the invited person may have no account yet.
        "assess:accept",
        # Grant rounds' public pages: published rounds only (drafts are 404 to everyone there).
        "rounds_public:list",
        "rounds_public:detail",
        # Published delivery plans, page and PDF: drafts and archived plans are 404 to everyone.
        "plans_public:index",
        "plans_public:plan",
        "plans_public:pdf",
        "plans_public:pdf_page",
        # Grant rounds: registering to apply, and the links e-mailed to confirm the address and
        # to join a colleague's organisation (the token is the proof).
        "apply:register",
        "apply:confirm",
        "apply:join",
    }
)
SAMPLE_UUID = str(uuid.UUID(int=1))
# Values tried, in order, for a URL parameter; the first that builds a URL resolving back to
# the same view is used. Add one here if a new converter or regex needs it.
SAMPLES = ("x", "1", SAMPLE_UUID)
ROUTE_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
LITERAL_ALTERNATIVES = re.compile(r"\(\?P<(?P<name>\w+)>(?P<alternatives>\w+(?:\|\w+)*)\)")


@dataclass(frozen=True)
class Route:
    namespace: str  # "admin", "providers", … or "" at the top level
    url_name: str  # "" for an unnamed pattern
    patterns: tuple  # the chain of patterns from the root URLconf, outermost first
    callback: object

    @property
    def name(self) -> str:
        """The name reverse() takes ("providers:list"), or "" for an unnamed pattern."""
        if not self.url_name:
            return ""
        return f"{self.namespace}:{self.url_name}" if self.namespace else self.url_name


def _walk(resolver: URLResolver, chain: tuple = (), namespaces: tuple = ()):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespaces + ((entry.namespace,) if entry.namespace else ())
            yield from _walk(entry, chain + (entry.pattern,), inner)
        elif isinstance(entry, URLPattern):
            yield Route(
                namespace=":".join(namespaces),
                url_name=entry.name or "",
                patterns=chain + (entry.pattern,),
                callback=entry.callback,
            )


def _piece_options(pattern, integer: str | Mapping[str, str] = "1") -> list[str]:
    """Candidate texts for one piece of a URL; ``integer`` for every integer parameter, or, given
    a mapping, the value for that parameter's name (its "pk" for any name it does not list)."""
    ids = integer if isinstance(integer, Mapping) else {}
    default = ids.get("pk", "1") if ids else integer
    samples = tuple(default if sample == "1" else sample for sample in SAMPLES)
    if isinstance(pattern, RoutePattern):
        route = str(pattern._route)

        def fill(match: re.Match) -> str:
            converter = pattern.converters[match.group("name")]
            if isinstance(converter, IntConverter):
                return ids.get(match.group("name"), default)
            for sample in samples:
                if re.fullmatch(converter.regex, sample):
                    return sample
            raise AssertionError(f"no sample value fits <{match.group(0)}>: add one to SAMPLES")

        return [ROUTE_PARAMETER.sub(fill, route)]
    if isinstance(pattern, RegexPattern):
        regex = str(pattern._regex)
        literals = {m["name"]: m["alternatives"].split("|")[0] for m in LITERAL_ALTERNATIVES.finditer(regex)}
        options = []
        for template, params in normalize(regex):
            choices = [[literals[p]] if p in literals else list(samples) for p in params]
            for values in itertools.product(*choices):
                options.append(template % dict(zip(params, values, strict=False)))
        return options
    raise AssertionError(f"unknown pattern type {type(pattern)!r}")


def _url(route: Route, integer: str | Mapping[str, str] = "1") -> str:
    """A URL that resolves to ``route``'s view, with ``integer`` for every integer id in it, or
    the id a mapping gives for each parameter by name (``test_cross_organisation`` puts another
    organisation's ids there, a different one in each slot)."""
    for pieces in itertools.product(*(_piece_options(p, integer) for p in route.patterns)):
        url = "/" + "".join(pieces)
        try:
            match = resolve(url)
        except Exception:
            continue
        if match.func is route.callback:
            return url
    raise AssertionError(
        f"cannot build a URL for {route.name or [str(p) for p in route.patterns]}: add a sample value to SAMPLES"
    )


def _routes() -> list[tuple[Route, str]]:
    routes = []
    for route in _walk(get_resolver()):
        routes.append((route, _url(route)))
    return routes


ROUTES = _routes()


def _is_allowed(route: Route, url: str) -> bool:
    return route.name in ANONYMOUS_ALLOWED or url.startswith(settings.STATIC_URL)


PROTECTED = [(route, url) for route, url in ROUTES if not _is_allowed(route, url)]


def test_the_walk_finds_the_projects_pages():
    names = {route.name for route, _ in ROUTES}
    assert {"home", "health", "login", "accessibility", "admin:index", "admin:login"} <= names
    assert len(PROTECTED) > 10


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("route, url", PROTECTED, ids=[f"{route.name or '-'} {url}" for route, url in PROTECTED])
def test_anonymous_users_are_refused(route, url, method):
    response = getattr(Client(raise_request_exception=False), method)(url)
    assert response.status_code not in (200, 500), f"{method.upper()} {url} gave {response.status_code}"
    if response.status_code in (403, 405):
        return
    assert response.status_code == 302, f"{method.upper()} {url} gave {response.status_code}"
    login_pages = {reverse("login")}
    if route.namespace == "admin":
        login_pages.add(reverse("admin:login"))
    target = urlsplit(response["Location"])
    assert target.path in login_pages, f"{method.upper()} {url} redirects to {response['Location']}"
    assert f"next={url}" in target.query or f"next={url.replace('/', '%2F')}" in target.query


def test_only_the_allowlisted_views_opt_out_of_the_login_requirement():
    # A view marked @login_not_required skips LoginRequiredMiddleware: it must be on the list.
    opted_out = {
        route.name or url
        for route, url in ROUTES
        if getattr(route.callback, "login_required", True) is False and not _is_allowed(route, url)
    }
    assert opted_out == set()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("login", {}),
        ("password_reset", {}),
        ("password_reset_done", {}),
        ("password_reset_confirm", {"uidb64": "MQ", "token": "set-password"}),
        ("password_reset_complete", {}),
        ("accessibility", {}),
        ("health", {}),
        ("admin:login", {}),
    ],
)
def test_the_allowlisted_pages_work_for_anonymous_users(name, kwargs):
    assert name in ANONYMOUS_ALLOWED
    response = Client().get(reverse(name, kwargs=kwargs), follow=True)
    assert response.status_code == 200


@pytest.mark.django_db
def test_an_invitation_link_works_for_anonymous_users_and_a_made_up_one_is_not_found():
    from django.core import mail

    from pcc_commissioning.roles import Role
    from providers.invitations.services import invitation_create
    from tests.factories import OrganisationFactory, UserFactory

    assert "invitations:accept" in ANONYMOUS_ALLOWED
    invitation_create(
        organisation=OrganisationFactory(name="Harbour"),
        actor=UserFactory(role=Role.OFFICER),
        email="jo@example.org",
        first_name="Jo",
        last_name="Bloggs",
        link_base="http://testserver",
    )
    link = re.search(r"http://testserver(/invitations/[\w-]+/)", mail.outbox[0].body).group(1)
    response = Client().get(link)
    assert response.status_code == 200
    assert "Create your account" in response.content.decode()
    assert Client().get(reverse("invitations:accept", kwargs={"token": "made-up"})).status_code == 404


@pytest.mark.django_db
def test_signing_out_is_a_post_that_returns_to_the_login_page():
    client = Client()
    assert client.get(reverse("logout")).status_code in (302, 405)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("login")
