"""The MoJ return's pages, included under ``moj/`` in ``reports/urls.py`` (namespace ``reports``:
``reports:moj_index``, ``reports:moj_return`` …)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.moj_index, name="moj_index"),
    path("<int:fy>/h<int:half>/", views.moj_return, name="moj_return"),
    path("<int:fy>/h<int:half>/start/", views.moj_start, name="moj_start"),
    path("<int:fy>/h<int:half>/submit/", views.moj_submit, name="moj_submit"),
    path("<int:fy>/h<int:half>/reopen/", views.moj_reopen, name="moj_reopen"),
    path("<int:fy>/h<int:half>/sign-off/", views.moj_sign_off, name="moj_sign_off"),
    path("<int:fy>/h<int:half>/amend/", views.moj_amend, name="moj_amend"),
    path("<int:fy>/h<int:half>/download/", views.moj_download, name="moj_download"),
]
