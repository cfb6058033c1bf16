"""Panel members' pages (under /assess/): their assignments, conflict declarations and scores."""

from django.urls import path

from . import views

app_name = "assess"

urlpatterns = [
    path("", views.home, name="home"),
    path("assignments/<int:pk>/", views.assignment, name="assignment"),
    path("invitations/<slug:token>/", views.accept, name="accept"),
]
