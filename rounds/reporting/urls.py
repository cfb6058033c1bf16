"""The officers' pages of this stage of a round (included by rounds/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("<str:reference>/report/", views.report, name="report"),
    path("<str:reference>/report/download/", views.report_export, name="report_export"),
]
