from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .roles import Role, has_capability, is_provider_user, user_roles


def home(request):
    """Everyone's landing page; where it leads depends on the role: provider users go to the
    portal, internal roles to the dashboard (``reports``, linked by URL name: a lower layer
    never imports a higher one), anyone else sees a page saying they have no role yet."""
    roles = user_roles(request.user)
    # Applicants, external assessors and partner contributors have one place each (rounds and
    # delivery, linked by URL name).
    for role, url_name in (
        (Role.APPLICANT, "apply:home"),
        (Role.ASSESSOR, "assess:home"),
        (Role.PARTNER, "contribute:home"),
    ):
        if roles == {role} and not request.user.is_superuser:
            try:
                return redirect(reverse(url_name))
            except NoReverseMatch:  # not built yet
                pass
    if is_provider_user(request.user):
        try:
            return redirect(reverse("portal:home"))
        except NoReverseMatch:  # the portal is not installed
            pass
        template = "pcc_commissioning/home_provider.html"
    else:
        if has_capability(request.user, "dashboard.view"):
            try:
                return redirect(reverse("reports:dashboard"))
            except NoReverseMatch:  # the reports app is not installed
                pass
        template = "pcc_commissioning/home.html"
    return render(request, template)


@login_not_required
def accessibility_statement(request):
    return render(request, "pcc_commissioning/accessibility.html")


@login_not_required
@never_cache
@require_GET
def health(request):
    """For load balancers and docker-compose: the app is up and its database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


class HealthFirstMiddleware:
    """Answers /health/ before the session and user are loaded: with the database down they
    would fail first, and a signed-in caller would get a server error instead of the 503 that
    says what is wrong. Sits above the session middleware (settings.MIDDLEWARE)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == reverse("health"):
            return health(request)
        return self.get_response(request)
