"""Close-out pages, included in ``grants/urls.py`` (so they live in the ``grants`` namespace)."""

from django.urls import path

from grants.closeout import views

urlpatterns = [
    path("closing-soon/", views.closing_soon, name="closing_soon"),
    path("awards/<int:pk>/close/", views.award_close, name="award_close"),
    path("retention/", views.retention, name="retention"),
    path("retention/<int:pk>/redact/", views.retention_redact, name="retention_redact"),
]
