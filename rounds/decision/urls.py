"""The officers' pages of this stage of a round (included by rounds/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [path("<str:reference>/decision/", views.decision, name="decision")]
