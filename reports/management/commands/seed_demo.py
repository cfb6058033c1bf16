import csv
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from grants.awards.services import award_update
from grants.calendar.statuses import award_statuses_follow_calendar
from grants.demo import grants_seed
from needs_assessment.demo import needs_seed
from outcomes.demo import measures_seed, plan_seed
from pcc_commissioning.roles import Role
from providers.demo import organisations_seed
from providers.models import Organisation
from providers.services import membership_set
from reports.national import NationalDataPresent, national_data_present, national_seed

DEMO_DATA = Path(__file__).resolve().parents[2] / "demo_data" / "durham_2019_20"
DEMO_PASSWORD = "demo-password-2019"
# username -> (role, first name, last name); the provider user works for DEMO_PROVIDER.
DEMO_USERS = {
    "officer": (Role.OFFICER, "Olivia", "Officer"),
    "finance": (Role.FINANCE, "Frank", "Finance"),
    "board": (Role.BOARD, "Beatrice", "Board"),
    "provider": (Role.PROVIDER, "Priya", "Provider"),
}
DEMO_PROVIDER = "Harbour"


def read_csv(name: str) -> list[dict]:
    with (DEMO_DATA / name).open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


class Command(BaseCommand):
    help = (
        "Load the demo: the Durham 2019/20 Plan, priorities and organisations, its grants register "
        "(streams, budgets, awards, decisions, payments) and one user per role. Safe to run again: "
        "a second run writes nothing. With --scale national, then also generate the national "
        "stress dataset (deterministic for --seed; refused if it is already loaded)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=["demo", "national"], default="demo")
        parser.add_argument("--seed", type=int, default=2019, help="random seed (generated data)")
        parser.add_argument(
            "--scale-factor",
            type=float,
            default=1.0,
            help="national scale only: multiply the providers and awards (and what follows from them) by this",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="run even with DEBUG off (the demo users have a published password)",
        )

    def handle(self, *, scale, seed, force, scale_factor=1.0, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates accounts with a published password, so it runs only with "
                "DEBUG=1 (or --force on a throwaway database)."
            )
        if scale == "national":
            if scale_factor <= 0:
                raise CommandError("--scale-factor must be more than zero.")
            if national_data_present():
                raise CommandError("This database already holds the national dataset; load it into a fresh database.")
        with transaction.atomic():
            created_plan = plan_seed(rows=read_csv("plan.csv")) + measures_seed()
            created_organisations = organisations_seed(rows=read_csv("organisations.csv"))
            created_users = self.seed_users()
            created_grants = grants_seed(
                delivery_rows=read_csv("delivery_plan.csv"),
                organisation_rows=read_csv("organisations.csv"),
                lead_officer=get_user_model().objects.filter(username="officer").first(),
            )
            created_needs = needs_seed(
                lead=get_user_model().objects.filter(username="officer").first(), award_update=award_update
            )
            # The demo's awards are of 2019/20 and 2020/21: bring their statuses to today, as the
            # daily run would have done had the service been running all along.
            statuses = award_statuses_follow_calendar()
        self.stdout.write(
            f"Demo loaded: {created_plan} Plan record(s), {created_organisations} organisation(s), "
            f"{created_users} user(s) created."
        )
        self.stdout.write(
            f"Grants register: {created_grants} record(s) created (streams, allocations, budgets, "
            "decisions, awards and payments)."
        )
        if statuses.changed:
            self.stdout.write(
                f"Statuses brought to today: {statuses.activated} award(s) made active, {statuses.ended} ended."
            )
        self.stdout.write(
            f"Needs assessment: {created_needs} record(s) created (areas, populations, indicators and values, "
            "findings, intentions and award links)."
        )
        if scale == "national":
            self.seed_national(seed=seed, scale_factor=scale_factor)
        self.print_logins()

    def seed_national(self, *, seed: int, scale_factor: float) -> None:
        self.stdout.write(f"Generating the national dataset (seed {seed}, scale factor {scale_factor:g})...")
        started = time.perf_counter()
        try:
            counts = national_seed(seed=seed, stdout=self.stdout, scale_factor=scale_factor)
        except NationalDataPresent as exc:
            raise CommandError(str(exc)) from None
        elapsed = time.perf_counter() - started
        self.stdout.write("National dataset loaded:")
        for name, count in counts.items():
            self.stdout.write(f"  {name.replace('_', ' '):<20} {count:>8,}")
        self.stdout.write(f"  {'elapsed':<20} {elapsed:>7.1f}s")

    def seed_users(self) -> int:
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

    def print_logins(self) -> None:
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        for username, (role, *_names) in DEMO_USERS.items():
            suffix = f" ({DEMO_PROVIDER}, its lead)" if role is Role.PROVIDER else ""
            self.stdout.write(f"  {username:<10} {role.value}{suffix}")
        self.stdout.write(f"  {'admin':<10} System administrator (Django admin at /admin/)")
