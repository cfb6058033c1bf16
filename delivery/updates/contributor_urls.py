"""A Partner contributor's pages (under /contribute/): the activities they lead, nothing else."""

from django.urls import path

from . import contributor_views as views

app_name = "contribute"

urlpatterns = [
    path("", views.home, name="home"),
    path("updates/<int:pk>/", views.update, name="update"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence"),
    path("evidence/<int:pk>/remove/", views.evidence_remove, name="evidence_remove"),
]
