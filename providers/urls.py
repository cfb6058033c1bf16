from django.urls import include, path

from . import views
from .invitations.urls import organisation_urlpatterns as users_urlpatterns

app_name = "providers"

urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("new/", views.organisation_create, name="create"),
    path("<int:pk>/", views.organisation_detail, name="detail"),
    path("<int:pk>/edit/", views.organisation_edit, name="edit"),
    path("<int:pk>/contacts/", views.organisation_contacts, name="contacts"),
    path("<int:pk>/contacts/new/", views.contact_add, name="contact_add"),
    path("<int:pk>/contacts/<int:contact_pk>/edit/", views.contact_edit, name="contact_edit"),
    path("<int:pk>/contacts/<int:contact_pk>/delete/", views.contact_delete, name="contact_delete"),
    path("<int:pk>/documents/", views.organisation_documents, name="documents"),
    path("<int:pk>/documents/new/", views.document_add, name="document_add"),
    path("<int:pk>/documents/<int:document_pk>/download/", views.document_download, name="document_download"),
    path("<int:pk>/documents/<int:document_pk>/verify/", views.document_verify, name="document_verify"),
    path("<int:pk>/users/", include(users_urlpatterns)),
    path("<int:pk>/history/", views.organisation_history, name="history"),
]
