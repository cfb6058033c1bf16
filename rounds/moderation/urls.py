"""The officers' pages of this stage of a round (included by rounds/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("<str:reference>/ranking/", views.ranking, name="ranking"),
    path("<str:reference>/ranking/download/", views.ranking_export, name="ranking_export"),
    path(
        "<str:reference>/ranking/<str:app_reference>/",
        views.recommendation,
        name="recommendation",
    ),
]
