"""Seed how this OPCC counts a "referral" and a "victim supported".

PCCs count them differently, so each deployment states its definitions once; they are shown
beside the fields on every monitoring return form. These are sensible defaults, written out
here (not imported from the app) so the migration keeps meaning what it meant; an OPCC edits
them in the admin. An existing definition is never overwritten.
"""

from django.db import migrations

DEFINITIONS = [
    (
        "referral",
        "Referral",
        "A request for support for one person, received by the service in the quarter from any "
        "source: the police, another agency, or the person themselves. Count each person once per "
        "referral; a second referral for the same person about a new crime counts again. Count "
        "referrals whether or not they were taken up.",
    ),
    (
        "supported",
        "Victim supported",
        "A person who began receiving support in the quarter (new in the quarter): at least one "
        "contact beyond the first assessment, such as information, advocacy, emotional or "
        "practical help. Count each person once in the quarter, however many times they were "
        "helped. People still supported from an earlier quarter are not counted again.",
    ),
]


def seed(apps, schema_editor):
    CountingDefinition = apps.get_model("outcomes", "CountingDefinition")
    for term, label, definition in DEFINITIONS:
        CountingDefinition.objects.get_or_create(term=term, defaults={"label": label, "definition": definition})


def unseed(apps, schema_editor):
    CountingDefinition = apps.get_model("outcomes", "CountingDefinition")
    for term, label, definition in DEFINITIONS:
        CountingDefinition.objects.filter(term=term, label=label, definition=definition).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("outcomes", "0003_performance_measures_and_counting_definitions"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
