from django.urls import path

from . import views

urlpatterns = [
    path("meetings/", views.meeting_list, name="meetings"),
    path("update-rounds/<int:round_pk>/meeting/", views.meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/version/", views.meeting_version_make, name="meeting_version_make"),
    path("plans/<int:pk>/versions/", views.version_list, name="versions"),
    path("plans/<int:pk>/versions/<int:number>/", views.version_detail, name="version"),
]
