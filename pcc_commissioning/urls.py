from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("accessibility/", views.accessibility_statement, name="accessibility"),
    path("health/", views.health, name="health"),
    path("admin/", admin.site.urls),
    path("providers/", include("providers.urls")),
    path("outcomes/", include("outcomes.urls")),
    path("needs/", include("needs_assessment.urls")),
    path("grants/", include("grants.urls")),
    path("portal/", include("grants.portal_urls")),
    path("reports/", include("reports.urls")),
    path("imports/", include("pcc_commissioning.imports_urls")),
]

admin.site.site_header = f"{settings.SERVICE_NAME} administration"
admin.site.site_title = settings.SERVICE_NAME
