from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from .interchange.imports import importers
from .roles import CAPABILITIES, Role, has_capability, is_provider_user, user_roles


def may_import(user) -> bool:
    """Whether ``user`` may import any kind of file: the Import page offers the kinds whose
    importer's capability the user holds (officers, finance officers), so the way in shows for
    exactly those users."""
    return any(
        spec.capability in CAPABILITIES and has_capability(user, spec.capability) for spec in importers().values()
    )


@dataclass(frozen=True)
class NavItem:
    """One entry of the top navigation: the first of the three levels (top navigation, a
    section's page, an item). ``section`` is the key a page sets to mark its entry current."""

    label: str
    url_name: str
    section: str
    capability: str = ""  # shown to users who hold it ...
    shown: Callable[[object], bool] | None = None  # ... or for whom this says so


# The service's sections, in the order the navigation lists them. A new section (such as a
# person's own work) adds its entry here, where it should appear, with the capability or test
# that decides who sees it.
NAVIGATION: tuple[NavItem, ...] = (
    NavItem("Dashboard", "home", "dashboard", capability="dashboard.view"),
    NavItem("My work", "my_work:index", "my_work", capability="dashboard.view"),
    NavItem("Providers", "providers:list", "providers", capability="providers.view"),
    NavItem("Grants and contracts", "grants:index", "grants", capability="grants.view"),
    NavItem("Rounds", "rounds:list", "rounds", capability="rounds.view"),
    NavItem("Needs", "needs_assessment:index", "needs", capability="needs.view"),
    NavItem("Outcomes", "outcomes:plan", "outcomes", capability="plan.view"),
    NavItem("Delivery", "delivery:plan_list", "delivery", capability="delivery.view"),
    NavItem("Reports", "reports:index", "reports", capability="reports.view"),
    NavItem("Import", "imports:upload", "imports", shown=may_import),
)


def _is_shown(item: NavItem, user) -> bool:
    if item.shown is not None:
        return item.shown(user)
    return has_capability(user, item.capability)


def _navigation(request) -> list[dict]:
    user = request.user
    if not user.is_authenticated:
        return []
    if is_provider_user(user):
        return [{"label": "Your organisation", "url": reverse("home"), "section": "portal"}]
    own = _own_place(user)
    if own is not None:
        return own
    items = []
    for item in NAVIGATION:
        if not _is_shown(item, user):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:  # a section whose app serves no pages yet
            continue
        items.append({"label": item.label, "url": url, "section": item.section})
    return items


# The one place of users with no internal role: an applicant's applications, an external
# assessor's assessments (grant rounds), a partner contributor's activities (plan delivery);
# linked by URL name.
OWN_PLACES = (
    (Role.APPLICANT, "Your applications", "apply:home", "apply"),
    (Role.ASSESSOR, "Your assessments", "assess:home", "assess"),
    (Role.PARTNER, "Your activities", "contribute:home", "contribute"),
)


def _own_place(user) -> list[dict] | None:
    roles = user_roles(user)
    if user.is_superuser or roles & {Role.OFFICER, Role.FINANCE, Role.BOARD}:
        return None
    items = []
    for role, label, url_name, section in OWN_PLACES:
        if role in roles:
            try:
                items.append({"label": label, "url": reverse(url_name), "section": section})
            except NoReverseMatch:
                continue
    return items or None


def _admin_url(request) -> str:
    """The Django admin, for system administrators (superusers) only: nobody else may use
    it, so nobody else is shown the way in."""
    user = request.user
    if user.is_authenticated and user.is_active and user.is_superuser:
        return reverse("admin:index")
    return ""


def service(request) -> dict:
    return {
        "service_name": settings.SERVICE_NAME,
        "opcc_name": settings.OPCC_NAME,
        "navigation": _navigation(request),
        "admin_url": _admin_url(request),
        # Applicants and external assessors have their one place and nothing to search.
        "show_search": request.user.is_authenticated and _own_place(request.user) is None,
    }
