"""The table behind the default cache when CACHE_URL is unset (settings.CACHES): the sign-in and
password-reset throttles count there, so every process serving the site sees the same counts.

Made by migrate, so every database that runs the service (make run, docker-compose, the tests)
has it; made whatever CACHES says, so dropping CACHE_URL later needs no extra step.
"""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

CACHE_TABLE = "pcc_cache"  # settings.CACHES["default"]["LOCATION"] when CACHE_URL is unset


def create_cache_table(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, CACHE_TABLE, dry_run=False)


def drop_cache_table(apps, schema_editor):
    if CACHE_TABLE in schema_editor.connection.introspection.table_names():
        schema_editor.execute(f"DROP TABLE {schema_editor.quote_name(CACHE_TABLE)}")


class Migration(migrations.Migration):
    dependencies = [
        ("pcc_commissioning", "0003_submission_token"),
    ]

    operations = [
        migrations.RunPython(create_cache_table, drop_cache_table),
    ]
