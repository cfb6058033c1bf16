import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.national import NationalDataPresent, national_data_present, national_seed
from demo.seed import demo_seed
from demo.users import DEMO_APPLICANT, DEMO_PASSWORD, DEMO_PROVIDER, DEMO_USERS
from pcc_commissioning.roles import Role


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
        seeded = demo_seed()
        self.stdout.write(
            f"Demo loaded: {seeded.plan} Plan record(s), {seeded.organisations} organisation(s), "
            f"{seeded.users} user(s) created."
        )
        self.stdout.write(
            f"Grants register: {seeded.grants} record(s) created (streams, allocations, budgets, "
            "decisions, awards and payments)."
        )
        statuses = seeded.statuses
        if statuses.changed:
            self.stdout.write(
                f"Statuses brought to today: {statuses.activated} award(s) made active, {statuses.ended} ended."
            )
        self.stdout.write(
            f"After the decision: {seeded.after_decision} record(s) created (agreements, variations, spend "
            "returns, recoveries, a carry-forward and a closed award)."
        )
        self.stdout.write(
            f"Needs assessment: {seeded.needs} record(s) created (areas, populations, indicators and values, "
            "findings, intentions and award links)."
        )
        self.stdout.write(
            f"Grant rounds: {seeded.rounds} round(s) and application(s) created (one ready for its panel, one open)."
        )
        self.stdout.write(
            f"Plan delivery: {seeded.delivery} record(s) created (Durham Constabulary's delivery plan "
            "2019/20, its metrics, its half-yearly updates and their scrutiny; Victims' Code compliance)."
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

    def print_logins(self) -> None:
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        for username, (role, *_names) in DEMO_USERS.items():
            suffix = {
                Role.PROVIDER: f" ({DEMO_PROVIDER}, its lead and authorised signatory)",
                Role.APPLICANT: f" ({DEMO_APPLICANT}, its lead)",
            }
            suffix = suffix.get(role, "")
            self.stdout.write(f"  {username:<10} {role.value}{suffix}")
        self.stdout.write(f"  {'admin':<10} System administrator (Django admin at /admin/)")
