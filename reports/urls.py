from django.urls import include, path

from . import dashboard_views, engine_views, finance_views, views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("need-versus-spend/", views.need_vs_spend, name="need_vs_spend"),
    path("kpqs/", views.kpq_index, name="kpq_index"),
    path("kpqs/<int:pk>/", views.kpq, name="kpq"),
    path("request/", engine_views.report_request, name="report_request"),
    path("archive/", engine_views.report_archive, name="report_archive"),
    path("archive/<int:pk>/", engine_views.report_detail, name="report_detail"),
    path("archive/<int:pk>/status/", engine_views.report_status, name="report_status"),
    path("archive/<int:pk>/download/", engine_views.report_download, name="report_download"),
    path("moj/", include("reports.moj.urls")),
    path("finance/", finance_views.finance_page, name="finance"),
    path("finance/download/", finance_views.finance_download, name="finance_download"),
    path("transparency/360giving/", finance_views.threesixty_page, name="threesixty"),
    path("transparency/360giving/download/", finance_views.threesixty_download, name="threesixty_download"),
    path("transparency/<slug:kind>/", finance_views.transparency_list, name="transparency_list"),
    path("transparency/<slug:kind>/download/", finance_views.transparency_download, name="transparency_download"),
]
