"""Victims' Code compliance, under /delivery/compliance/ (namespace "delivery")."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.compliance, name="compliance"),
    path("bodies/<int:body_id>/", views.compliance_body, name="compliance_body"),
    path("figure/", views.compliance_figure, name="compliance_figure"),
    path("import/", views.compliance_import, name="compliance_import"),
    path("pack.<str:format>", views.compliance_pack, name="compliance_pack"),
    path("reviews/", views.review_list, name="compliance_reviews"),
    path("reviews/new/", views.review_create, name="compliance_review_create"),
    path("reviews/<int:pk>/", views.review, name="compliance_review"),
    path("reviews/<int:pk>/edit/", views.review_edit, name="compliance_review_edit"),
    path("reviews/<int:pk>/actions/new/", views.action_create, name="compliance_action_create"),
    path("reviews/<int:pk>/actions/<int:action_pk>/edit/", views.action_edit, name="compliance_action_edit"),
    path("code/", views.code, name="compliance_code"),
    path("code/editions/new/", views.code_add, name="compliance_code_add"),
    path("code/editions/<int:pk>/rights/new/", views.right_add, name="compliance_right_add"),
    path("code/editions/<int:pk>/measures/new/", views.measure_add, name="compliance_measure_add"),
]
