from django.urls import include, path

from . import views

app_name = "grants"

urlpatterns = [
    path("", views.award_list, name="index"),
    path("awards/new/", views.award_create, name="award_create"),
    path("awards/export/", views.awards_export, name="awards_export"),
    path("awards/<int:pk>/", views.award_detail, name="award_detail"),
    path("awards/<int:pk>/edit/", views.award_edit, name="award_edit"),
    path("awards/<int:pk>/status/", views.award_transition, name="award_transition"),
    path("awards/<int:pk>/forecast/", views.award_forecast, name="award_forecast"),
    path("awards/<int:pk>/co-funding/new/", views.award_cofunding_add, name="award_cofunding_add"),
    path(
        "awards/<int:pk>/co-funding/<int:cofunding_pk>/remove/",
        views.award_cofunding_remove,
        name="award_cofunding_remove",
    ),
    path("awards/<int:pk>/documents/new/", views.award_document_add, name="award_document_add"),
    path(
        "awards/<int:pk>/documents/<int:document_pk>/download/",
        views.award_document_download,
        name="award_document_download",
    ),
    path(
        "awards/<int:pk>/documents/<int:document_pk>/delete/", views.award_document_delete, name="award_document_delete"
    ),
    path("awards/<int:pk>/payments/new/", views.payment_create, name="payment_create"),
    path("awards/<int:pk>/payments/<int:payment_pk>/edit/", views.payment_edit, name="payment_edit"),
    path("awards/<int:pk>/payments/<int:payment_pk>/paid/", views.payment_mark_paid, name="payment_mark_paid"),
    path("awards/<int:pk>/payments/<int:payment_pk>/approve/", views.payment_approve, name="payment_approve"),
    path("awards/<int:pk>/payments/<int:payment_pk>/cancel/", views.payment_cancel, name="payment_cancel"),
    path("awards/<int:pk>/payment-plan/", views.payment_plan, name="payment_plan"),
    path("payments/export/", views.payments_export, name="payments_export"),
    path("decisions/", views.decision_list, name="decision_list"),
    path("decisions/new/", views.decision_create, name="decision_create"),
    path("decisions/<int:pk>/", views.decision_detail, name="decision_detail"),
    path("decisions/<int:pk>/edit/", views.decision_edit, name="decision_edit"),
    path("decisions/<int:pk>/sign/", views.decision_sign, name="decision_sign"),
    path("decisions/<int:pk>/publish/", views.decision_publish, name="decision_publish"),
    path("funding/", views.funding, name="funding"),
    path("funding/budget/", views.budget_set, name="budget_set"),
    path("funding/commitments/export/", views.commitments_export, name="commitments_export"),
    path("streams/", views.stream_list, name="stream_list"),
    path("streams/new/", views.stream_create, name="stream_create"),
    path("streams/<int:pk>/", views.stream_detail, name="stream_detail"),
    path("streams/<int:pk>/edit/", views.stream_edit, name="stream_edit"),
    path("streams/<int:pk>/allocation/", views.allocation_set, name="allocation_set"),
    path("provider/<int:pk>/awards/", views.provider_awards, name="provider_awards"),
    path("intentions/<int:pk>/awards/", views.intention_awards, name="intention_awards"),
    path("monitoring/", include("grants.monitoring_urls")),
]
