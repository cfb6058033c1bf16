"""Two sets of URLs.

``organisation_urlpatterns``: the Users tab of an organisation's page and its actions,
included by ``providers.urls`` under ``<pk>/users/`` (so named ``providers:users`` etc.).

``urlpatterns`` (namespace ``invitations``, included at ``invitations/``): the public page an
invitation's link opens.
"""

from django.urls import path

from . import views

organisation_urlpatterns = [
    path("", views.organisation_users, name="users"),
    path("invite/", views.invitation_create, name="invitation_create"),
    path("invitations/<int:invitation_pk>/resend/", views.invitation_resend, name="invitation_resend"),
    path("invitations/<int:invitation_pk>/withdraw/", views.invitation_withdraw, name="invitation_withdraw"),
    path("<int:user_pk>/switch-off/", views.user_switch_off, name="user_switch_off"),
    path("<int:user_pk>/switch-on/", views.user_switch_on, name="user_switch_on"),
    path("<int:user_pk>/make-lead/", views.user_lead_set, name="user_lead_set"),
    path("<int:user_pk>/remove-lead/", views.user_lead_unset, name="user_lead_unset"),
    path("<int:user_pk>/make-signatory/", views.user_signatory_set, name="user_signatory_set"),
    path("<int:user_pk>/remove-signatory/", views.user_signatory_unset, name="user_signatory_unset"),
]

app_name = "invitations"

urlpatterns = [
    path("<slug:token>/", views.invitation_accept, name="accept"),
]
