"""The "My work" page, included at ``my-work/`` by ``pcc_commissioning/urls.py`` (namespace
``my_work``): it gathers work from every app, so it lives in ``reports``."""

from django.urls import path

from . import views

app_name = "my_work"

urlpatterns = [
    path("", views.my_work, name="index"),
]
