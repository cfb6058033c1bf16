from django.urls import include, path

from grants.agreements import acceptance_views
from grants.agreements import views as agreements_views
from grants.awards import journey as awards_journey
from grants.awards import views as awards_views
from grants.decisions import views as decisions_views
from grants.funding import views as funding_views
from grants.payments import views as payments_views
from grants.recoveries import views as recoveries_views
from grants.variations import views as variations_views

app_name = "grants"

urlpatterns = [
    path("", awards_views.award_list, name="index"),
    path("awards/new/", awards_journey.award_create, name="award_create"),
    path("awards/new/<slug:journey>/check/", awards_journey.award_create_check, name="award_create_check"),
    path("awards/new/<slug:journey>/<slug:step>/", awards_journey.award_create_step, name="award_create_step"),
    path("awards/export/", awards_views.awards_export, name="awards_export"),
    path("awards/<int:pk>/", awards_views.award_detail, name="award_detail"),
    path("awards/<int:pk>/edit/", awards_views.award_edit, name="award_edit"),
    path("awards/<int:pk>/status/", awards_views.award_transition, name="award_transition"),
    path("awards/<int:pk>/forecast/", awards_views.award_forecast, name="award_forecast"),
    path("awards/<int:pk>/co-funding/new/", awards_views.award_cofunding_add, name="award_cofunding_add"),
    path(
        "awards/<int:pk>/co-funding/<int:cofunding_pk>/remove/",
        awards_views.award_cofunding_remove,
        name="award_cofunding_remove",
    ),
    path("awards/<int:pk>/documents/new/", awards_views.award_document_add, name="award_document_add"),
    path(
        "awards/<int:pk>/documents/<int:document_pk>/download/",
        awards_views.award_document_download,
        name="award_document_download",
    ),
    path(
        "awards/<int:pk>/documents/<int:document_pk>/delete/",
        awards_views.award_document_delete,
        name="award_document_delete",
    ),
    path("awards/<int:pk>/payments/new/", payments_views.payment_create, name="payment_create"),
    path("awards/<int:pk>/payments/<int:payment_pk>/edit/", payments_views.payment_edit, name="payment_edit"),
    path("awards/<int:pk>/payments/<int:payment_pk>/paid/", payments_views.payment_mark_paid, name="payment_mark_paid"),
    path("awards/<int:pk>/payments/<int:payment_pk>/approve/", payments_views.payment_approve, name="payment_approve"),
    path("awards/<int:pk>/payments/<int:payment_pk>/cancel/", payments_views.payment_cancel, name="payment_cancel"),
    path("awards/<int:pk>/payment-plan/", payments_views.payment_plan, name="payment_plan"),
    path("awards/<int:pk>/variations/", variations_views.award_variations, name="award_variations"),
    path("variations/", variations_views.variation_list, name="variation_list"),
    path("variations/<int:pk>/", variations_views.variation_detail, name="variation_detail"),
    path("variations/<int:pk>/approve/", variations_views.variation_approve, name="variation_approve"),
    path("variations/<int:pk>/decline/", variations_views.variation_decline, name="variation_decline"),
    path("variations/<int:pk>/withdraw/", variations_views.variation_withdraw, name="variation_withdraw"),
    path("variations/<int:pk>/decision/", variations_views.variation_link_decision, name="variation_link_decision"),
    path("awards/<int:pk>/agreements/", agreements_views.award_agreements, name="award_agreements"),
    path("agreements/<int:pk>/download/", agreements_views.agreement_download, name="agreement_download"),
    path("agreement-templates/", agreements_views.agreement_template_list, name="agreement_template_list"),
    path("agreement-templates/new/", agreements_views.agreement_template_create, name="agreement_template_create"),
    path(
        "agreement-templates/<int:pk>/edit/", agreements_views.agreement_template_edit, name="agreement_template_edit"
    ),
    path("payments/export/", payments_views.payments_export, name="payments_export"),
    path("agreements/<int:pk>/countersign/", acceptance_views.agreement_countersign, name="agreement_countersign"),
    path(
        "agreements/<int:pk>/signed-copy/new/",
        acceptance_views.agreement_record_signed,
        name="agreement_record_signed",
    ),
    path(
        "agreements/<int:pk>/signed-copy/",
        acceptance_views.agreement_signed_copy,
        name="agreement_signed_copy",
    ),
    path("decisions/", decisions_views.decision_list, name="decision_list"),
    path("decisions/new/", decisions_views.decision_create, name="decision_create"),
    path("decisions/<int:pk>/", decisions_views.decision_detail, name="decision_detail"),
    path(
        "decisions/monitoring/<int:round_pk>/",
        decisions_views.decision_monitoring_prepare,
        name="decision_monitoring",
    ),
    path("decisions/<int:pk>/edit/", decisions_views.decision_edit, name="decision_edit"),
    path("decisions/<int:pk>/sign/", decisions_views.decision_sign, name="decision_sign"),
    path("decisions/<int:pk>/publish/", decisions_views.decision_publish, name="decision_publish"),
    path("funding/", funding_views.funding, name="funding"),
    path("funding/budget/", funding_views.budget_set, name="budget_set"),
    path("funding/commitments/export/", funding_views.commitments_export, name="commitments_export"),
    path("streams/", funding_views.stream_list, name="stream_list"),
    path("streams/new/", funding_views.stream_create, name="stream_create"),
    path("streams/<int:pk>/", funding_views.stream_detail, name="stream_detail"),
    path("streams/<int:pk>/edit/", funding_views.stream_edit, name="stream_edit"),
    path("streams/<int:pk>/allocation/", funding_views.allocation_set, name="allocation_set"),
    path("provider/<int:pk>/awards/", awards_views.provider_awards, name="provider_awards"),
    path("intentions/<int:pk>/awards/", awards_views.intention_awards, name="intention_awards"),
    path("monitoring/", include("grants.monitoring.urls")),
    path("awards/<int:pk>/recoveries/", recoveries_views.award_recoveries, name="award_recoveries"),
    path("awards/<int:pk>/recoveries/new/", recoveries_views.recovery_create, name="recovery_create"),
    path("awards/<int:pk>/spend-returns/new/", recoveries_views.spend_return_create, name="spend_return_create"),
    path(
        "awards/<int:pk>/spend-returns/<int:return_pk>/edit/",
        recoveries_views.spend_return_edit,
        name="spend_return_edit",
    ),
    path("recoveries/", recoveries_views.recovery_list, name="recovery_list"),
    path("recoveries/<int:pk>/", recoveries_views.recovery_detail, name="recovery_detail"),
    path("recoveries/<int:pk>/receipts/new/", recoveries_views.recovery_receipt, name="recovery_receipt"),
    path("recoveries/<int:pk>/write-off/", recoveries_views.recovery_write_off, name="recovery_write_off"),
    path("carry-forwards/", recoveries_views.carry_forwards, name="carry_forwards"),
    path("carry-forwards/new/", recoveries_views.carry_forward_create, name="carry_forward_create"),
    path("", include("grants.closeout.urls")),
]
