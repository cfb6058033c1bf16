"""The officers' screening pages of a round (included by rounds/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("<str:reference>/applications/", views.applications, name="applications"),
    path("<str:reference>/applications/<str:app_reference>/", views.application, name="application"),
    path(
        "<str:reference>/applications/<str:app_reference>/screen/", views.application_screen, name="application_screen"
    ),
    path(
        "<str:reference>/applications/<str:app_reference>/request-info/",
        views.application_request_info,
        name="application_request_info",
    ),
]
