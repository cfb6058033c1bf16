"""The officers' pages of the panel (included by rounds/urls.py)."""

from django.urls import path

from . import officer_views as views

urlpatterns = [
    path("<str:reference>/panel/", views.panel_page, name="panel"),
    path("<str:reference>/panel/add/", views.member_add, name="panel_member_add"),
    path("<str:reference>/panel/invite/", views.assessor_invite, name="assessor_invite"),
    path(
        "<str:reference>/panel/invitations/<int:pk>/withdraw/",
        views.invitation_withdraw,
        name="assessor_invitation_withdraw",
    ),
    path("<str:reference>/panel/members/<int:pk>/remove/", views.member_remove, name="panel_member_remove"),
    path("<str:reference>/panel/assign/", views.assign_all, name="panel_assign_all"),
    path("<str:reference>/panel/assignments/<int:pk>/remove/", views.assignment_remove, name="assignment_remove"),
    path("<str:reference>/progress/", views.progress, name="progress"),
    path("<str:reference>/progress/<int:pk>/chase/", views.member_chase, name="panel_member_chase"),
]
