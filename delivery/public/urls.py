"""Published delivery plans (under /plans/, no sign-in)."""

from django.urls import path  # noqa: F401

app_name = "plans_public"

urlpatterns: list = []
