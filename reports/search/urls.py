"""The search results page, included at ``search/`` by ``pcc_commissioning/urls.py`` (namespace
``search``): the header's search box spans every app, so it lives in ``reports``."""

from django.urls import path

from . import views

app_name = "search"

urlpatterns = [
    path("", views.search, name="index"),
]
