from django.conf import settings
from django.urls import NoReverseMatch, reverse

from .roles import has_capability, is_provider_user

# (label, url name, capability, section key used to mark the current section)
NAVIGATION = (
    ("Dashboard", "home", "dashboard.view", "dashboard"),
    ("My work", "my_work:index", "dashboard.view", "my_work"),
    ("Providers", "providers:list", "providers.view", "providers"),
    ("Grants and contracts", "grants:index", "grants.view", "grants"),
    ("Needs", "needs_assessment:index", "needs.view", "needs"),
    ("Outcomes", "outcomes:plan", "plan.view", "outcomes"),
    ("Reports", "reports:index", "reports.view", "reports"),
)


def _navigation(request) -> list[dict]:
    user = request.user
    if not user.is_authenticated:
        return []
    if is_provider_user(user):
        return [{"label": "Your organisation", "url": reverse("home"), "section": "portal"}]
    items = []
    for label, url_name, capability, section in NAVIGATION:
        if not has_capability(user, capability):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:  # a section whose app serves no pages yet
            continue
        items.append({"label": label, "url": url, "section": section})
    return items


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
    }
