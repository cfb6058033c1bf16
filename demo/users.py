"""The demo's logins: one user per role and a system administrator, all with a published
password (so ``seed_demo`` runs only with DEBUG on, or with --force on a throwaway database).

There is no service for creating users (accounts come from invitations or the Django admin), so
they are written here with the ORM; the provider user's membership of its organisation goes
through ``providers.services.membership_set``. A user who already exists is left as it is."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from pcc_commissioning.roles import Role
from providers.models import Organisation
from providers.services import membership_set

DEMO_PASSWORD = "demo-password-2019"
# username -> (role, first name, last name); the provider user works for DEMO_PROVIDER.
DEMO_USERS = {
    "officer": (Role.OFFICER, "Olivia", "Officer"),
    "finance": (Role.FINANCE, "Frank", "Finance"),
    "board": (Role.BOARD, "Beatrice", "Board"),
    "provider": (Role.PROVIDER, "Priya", "Provider"),
}
DEMO_PROVIDER = "Harbour"


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
                # The organisation's lead, so the demo shows how a lead invites colleagues.
                membership_set(
                    user=user, organisation=Organisation.objects.get(name__iexact=DEMO_PROVIDER), is_lead=True
                )
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
