"""A Partner contributor's pages (under /contribute/): the activities they lead, nothing else."""

from django.urls import path  # noqa: F401

app_name = "contribute"

urlpatterns: list = []
