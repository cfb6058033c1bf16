"""Officers' pages of the update cycle (namespace ``delivery``)."""

from django.urls import path

from . import import_views, views

urlpatterns = [
    path("<str:reference>/rounds/open/", views.update_round_open, name="update_round_open"),
    path("<str:reference>/progress/import/", import_views.progress_import, name="progress_import"),
    path("rounds/<int:pk>/", views.update_round, name="update_round"),
    path("rounds/<int:pk>/<str:move>/", views.update_round_move, name="update_round_move"),
    path(
        "rounds/<int:pk>/objectives/<int:objective_pk>/update/",
        views.objective_update_start,
        name="objective_update_start",
    ),
    path("updates/<int:pk>/", views.update_detail, name="update"),
    path("updates/<int:pk>/accept/", views.update_accept, name="update_accept"),
    path("updates/<int:pk>/changes/", views.update_request_changes, name="update_request_changes"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence"),
    path("contributors/", views.contributor_list, name="contributors"),
    path("contributors/invite/", views.contributor_invite, name="contributor_invite"),
    path("contributors/<int:pk>/resend/", views.contributor_resend, name="contributor_resend"),
    path("contributors/<int:pk>/switch-off/", views.contributor_switch, {"on": False}, name="contributor_switch_off"),
    path("contributors/<int:pk>/switch-on/", views.contributor_switch, {"on": True}, name="contributor_switch_on"),
]
