"""The public pages of published rounds (under /funding/, no sign-in)."""

from django.urls import path

from . import views

app_name = "rounds_public"

urlpatterns = [
    path("", views.round_list, name="list"),
    path("<str:reference>/", views.round_detail, name="detail"),
]
