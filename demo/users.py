"""The demo's logins: one user per role and a system administrator, all with a published
password (so ``seed_demo`` runs only with DEBUG on, or with --force on a throwaway database).

There is no service for creating users (accounts come from invitations or the Django admin), so
they are written here with the ORM; the provider user's membership of its organisation goes
through ``providers.services.membership_set``; the applicant user's organisation (an applicant
record, not a provider) and membership are written with the ORM too, as the grant rounds demo
(``demo.rounds``) is. A user who already exists is left as it is."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from pcc_commissioning.roles import Role
from providers.models import Organisation
from providers.services import membership_set
from rounds.models import ApplicantMembership, ApplicantOrganisation

DEMO_PASSWORD = "demo-password-2019"
# username -> (role, first name, last name); the provider user works for DEMO_PROVIDER, the
# applicant user for DEMO_APPLICANT (a community group that applies to grant rounds).
DEMO_USERS = {
    "officer": (Role.OFFICER, "Olivia", "Officer"),
    "finance": (Role.FINANCE, "Frank", "Finance"),
    "board": (Role.BOARD, "Beatrice", "Board"),
    "provider": (Role.PROVIDER, "Priya", "Provider"),
    "applicant": (Role.APPLICANT, "Amir", "Applicant"),
    "assessor": (Role.ASSESSOR, "Aisha", "Assessor"),
    # A superintendent in the Force who leads some of the delivery plan's activities.
    "contributor": (Role.PARTNER, "Connor", "Contributor"),
}
DEMO_PROVIDER = "Harbour"
DEMO_APPLICANT = "Easington Colliery Community Hub"


def demo_applicant_organisation() -> ApplicantOrganisation:
    """The demo applicant's organisation (created on first use)."""
    organisation, _created = ApplicantOrganisation.objects.get_or_create(
        name=DEMO_APPLICANT,
        defaults={
            "kind": "voluntary_sector",
            "charity_number": "1167042",
            "address": "Seaside Lane, Easington Colliery",
            "postcode": "SR8 3PQ",
        },
    )
    return organisation


def users_seed() -> int:
    """Create the demo users (the organisations must be loaded first); returns how many."""
    User = get_user_model()
    created = 0
    for username, (role, first_name, last_name) in DEMO_USERS.items():
        user, was_created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first_name, "last_name": last_name, "email": f"{username}@example.org"},
        )
        if was_created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            user.groups.add(Group.objects.get(name=role.value))
            if role is Role.PROVIDER:
                # The organisation's lead, so the demo shows how a lead invites colleagues, and
                # its authorised signatory, who accepts its grant agreements in the portal.
                membership_set(
                    user=user,
                    organisation=Organisation.objects.get(name__iexact=DEMO_PROVIDER),
                    is_lead=True,
                    is_signatory=True,
                )
            if role is Role.APPLICANT:
                # It registered the organisation, so it is the lead, as a self-registered applicant is.
                ApplicantMembership.objects.create(user=user, organisation=demo_applicant_organisation(), is_lead=True)
            created += 1
    admin, was_created = User.objects.get_or_create(
        username="admin",
        defaults={"is_staff": True, "is_superuser": True, "first_name": "System", "last_name": "Administrator"},
    )
    if was_created:
        admin.set_password(DEMO_PASSWORD)
        admin.save(update_fields=["password"])
        created += 1
    return created
