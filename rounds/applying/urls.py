"""Applicants' pages (under /apply/): registering, the application journey, their applications.

``register``, ``confirm`` and ``join`` are public (the person has no account yet, or the link's
token is the proof); every other page needs ``rounds.apply`` and shows only the user's own
organisation's applications (``rounds.applying.access``)."""

from django.urls import path

from . import registration_views, views

app_name = "apply"

urlpatterns = [
    path("", views.home, name="home"),
    path("register/", registration_views.register, name="register"),
    path("confirm/<str:token>/", registration_views.confirm, name="confirm"),
    path("join/<str:token>/", registration_views.join, name="join"),
    path("colleagues/", registration_views.colleagues, name="colleagues"),
    path("rounds/<str:reference>/start/", views.start, name="start"),
    path("applications/<int:pk>/", views.application, name="application"),
    path("applications/<int:pk>/eligibility/", views.eligibility, name="eligibility"),
    path("applications/<int:pk>/project/", views.details, name="details"),
    path("applications/<int:pk>/questions/<str:key>/", views.question, name="question"),
    path("applications/<int:pk>/check/", views.check, name="check"),
    path("applications/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("applications/<int:pk>/files/<int:file_pk>/", views.file_download, name="file"),
]
