from django.urls import include, path

from . import views
from .dashboard import views as dashboard_views
from .engine import views as engine_views
from .finance import views as finance_views
from .transparency import views as transparency_views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("need-versus-spend/", dashboard_views.need_vs_spend, name="need_vs_spend"),
    path("kpqs/", dashboard_views.kpq_index, name="kpq_index"),
    path("kpqs/<int:pk>/", dashboard_views.kpq, name="kpq"),
    path("request/", engine_views.report_request, name="report_request"),
    path("archive/", engine_views.report_archive, name="report_archive"),
    path("archive/<int:pk>/", engine_views.report_detail, name="report_detail"),
    path("archive/<int:pk>/status/", engine_views.report_status, name="report_status"),
    path("archive/<int:pk>/download/", engine_views.report_download, name="report_download"),
    path("moj/", include("reports.moj.urls")),
    path("finance/", finance_views.finance_page, name="finance"),
    path("finance/download/", finance_views.finance_download, name="finance_download"),
    path("transparency/360giving/", transparency_views.threesixty_page, name="threesixty"),
    path("transparency/360giving/download/", transparency_views.threesixty_download, name="threesixty_download"),
    path("transparency/<slug:kind>/", transparency_views.transparency_list, name="transparency_list"),
    path("transparency/<slug:kind>/download/", transparency_views.transparency_download, name="transparency_download"),
]
