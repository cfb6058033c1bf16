from django.conf import settings
from django.contrib import admin
from django.contrib.auth import urls as auth_urls
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views
from .security import ThrottledAdminAuthenticationForm, ThrottledAuthenticationForm, ThrottledPasswordResetForm

urlpatterns = [
    path("", views.home, name="home"),
    # Django's sign-in page with failed attempts throttled (pcc_commissioning/security.py).
    path(
        "accounts/login/", auth_views.LoginView.as_view(authentication_form=ThrottledAuthenticationForm), name="login"
    ),
    # Password-reset e-mails throttled per e-mail address and per client (pcc_commissioning/security.py).
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=ThrottledPasswordResetForm),
        name="password_reset",
    ),
    path("accounts/", include([p for p in auth_urls.urlpatterns if p.name not in {"login", "password_reset"}])),
    path("accessibility/", views.accessibility_statement, name="accessibility"),
    path("health/", views.health, name="health"),
    path("admin/", admin.site.urls),
    path("providers/", include("providers.urls")),
    # The link in an invitation e-mail: public, the token proves who follows it.
    path("invitations/", include("providers.invitations.urls")),
    path("outcomes/", include("outcomes.urls")),
    path("needs/", include("needs_assessment.urls")),
    path("delivery/", include("delivery.urls")),
    # Published delivery plans (no sign-in) and Partner contributors' pages.
    path("plans/", include("delivery.public.urls")),
    path("contribute/", include("delivery.updates.contributor_urls")),
    path("grants/", include("grants.urls")),
    path("portal/", include("portal.urls")),
    path("reports/", include("reports.urls")),
    path("search/", include("reports.search.urls")),
    path("my-work/", include("reports.my_work.urls")),
    path("imports/", include("reports.imports.urls")),
    path("rounds/", include("rounds.urls")),
    # Grant rounds' public pages (no sign-in), applicants' and panel members' pages.
    path("funding/", include("rounds.public.urls")),
    path("apply/", include("rounds.applying.urls")),
    path("assess/", include("rounds.assessment.urls")),
]

admin.site.site_header = f"{settings.SERVICE_NAME} administration"
admin.site.site_title = settings.SERVICE_NAME
admin.site.login_form = ThrottledAdminAuthenticationForm
