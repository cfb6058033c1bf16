"""Officers' monitoring pages, included under ``monitoring/`` in ``grants/urls.py`` (so they
live in the ``grants`` namespace: ``grants:returns_inbox`` …)."""

from django.urls import path

from . import monitoring_views as views

urlpatterns = [
    path("returns/", views.returns_inbox, name="returns_inbox"),
    path("returns/<int:pk>/", views.return_review, name="return_review"),
    path("returns/schedule/", views.return_schedule_export, name="return_schedule_export"),
    path("portfolio/", views.portfolio_rag, name="portfolio_rag"),
    path("awards/<int:pk>/performance/", views.award_performance, name="award_performance"),
    path("awards/<int:pk>/kpis/new/", views.kpi_create, name="kpi_create"),
    path("awards/<int:pk>/kpis/<int:kpi_pk>/edit/", views.kpi_edit, name="kpi_edit"),
    path("awards/<int:pk>/kpis/<int:kpi_pk>/delete/", views.kpi_delete, name="kpi_delete"),
]
