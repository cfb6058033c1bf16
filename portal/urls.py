"""The provider portal (namespace ``portal``), included at ``portal/``."""

from django.urls import path

from . import agreements, variations, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("awards/<int:pk>/", views.award_detail, name="award"),
    path("awards/<int:pk>/variations/new/", variations.variation_create, name="variation_create"),
    path("variations/<int:pk>/", variations.variation_detail, name="variation"),
    path("variations/<int:pk>/withdraw/", variations.variation_withdraw, name="variation_withdraw"),
    path("agreements/<int:pk>/", agreements.agreement_detail, name="agreement"),
    path("agreements/<int:pk>/download/<slug:kind>/", agreements.agreement_download, name="agreement_download"),
    path("returns/<int:pk>/", views.return_edit, name="return"),
    path("organisation/", views.organisation_detail, name="organisation"),
    path("organisation/edit/", views.organisation_edit, name="organisation_edit"),
    path("organisation/contacts/new/", views.contact_add, name="contact_add"),
    path("organisation/contacts/<int:contact_pk>/edit/", views.contact_edit, name="contact_edit"),
    path("organisation/contacts/<int:contact_pk>/delete/", views.contact_delete, name="contact_delete"),
    path("documents/", views.documents, name="documents"),
    path("documents/new/", views.document_add, name="document_add"),
    path("documents/<int:document_pk>/download/", views.document_download, name="document_download"),
    path("users/", views.users, name="users"),
    path("users/invite/", views.invitation_create, name="invitation_create"),
]
