"""Officers' monitoring pages, included under ``monitoring/`` in ``grants/urls.py`` (so they
live in the ``grants`` namespace: ``grants:returns_inbox`` …)."""

from django.urls import path

from grants.monitoring import views as monitoring_views

urlpatterns = [
    path("returns/", monitoring_views.returns_inbox, name="returns_inbox"),
    path("returns/<int:pk>/", monitoring_views.return_review, name="return_review"),
    path("returns/schedule/", monitoring_views.return_schedule_export, name="return_schedule_export"),
    path("portfolio/", monitoring_views.portfolio_rag, name="portfolio_rag"),
    path("awards/<int:pk>/performance/", monitoring_views.award_performance, name="award_performance"),
    path("awards/<int:pk>/kpis/new/", monitoring_views.kpi_create, name="kpi_create"),
    path("awards/<int:pk>/kpis/<int:kpi_pk>/edit/", monitoring_views.kpi_edit, name="kpi_edit"),
    path("awards/<int:pk>/kpis/<int:kpi_pk>/delete/", monitoring_views.kpi_delete, name="kpi_delete"),
]
