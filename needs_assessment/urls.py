from django.urls import path

from . import views

app_name = "needs_assessment"

urlpatterns = [
    path("", views.assessment_list, name="index"),
    path("assessments/new/", views.assessment_create, name="assessment_create"),
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment_detail"),
    path("assessments/<int:pk>/edit/", views.assessment_edit, name="assessment_edit"),
    path("assessments/<int:pk>/document/", views.assessment_document, name="assessment_document"),
    path("assessments/<int:pk>/findings/new/", views.finding_create, name="finding_create"),
    path("findings/<int:pk>/", views.finding_detail, name="finding_detail"),
    path("findings/<int:pk>/edit/", views.finding_edit, name="finding_edit"),
    path("indicators/", views.indicator_list, name="indicator_list"),
    path("indicators/<int:pk>/", views.indicator_detail, name="indicator_detail"),
    path("intentions/", views.intention_board, name="intentions"),
    path("intentions/new/", views.intention_create, name="intention_create"),
    path("intentions/<int:pk>/", views.intention_detail, name="intention_detail"),
    path("intentions/<int:pk>/edit/", views.intention_edit, name="intention_edit"),
    path("intentions/<int:pk>/status/", views.intention_status, name="intention_status"),
    path("themes/", views.theme_list, name="theme_list"),
    path("themes/new/", views.theme_create, name="theme_create"),
    path("themes/<int:pk>/edit/", views.theme_edit, name="theme_edit"),
]
