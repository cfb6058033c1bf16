"""Ids numbered from 1 again, for the tests that walk every URL with id 1 over the demo data."""

from __future__ import annotations


def restart_ids() -> None:
    """Ids of empty tables start again from 1, and of others just after their highest id
    (PostgreSQL's sequences survive rolled-back tests, SQLite's counters survive a flush), so
    the URL walk's ids of 1 name the demo's first records on every database."""
    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import connection

    statements = connection.ops.sequence_reset_sql(no_style(), apps.get_models(include_auto_created=True))
    if connection.vendor == "sqlite":  # no sequences: without its counters SQLite numbers on from the largest id
        statements = ["DELETE FROM sqlite_sequence"]
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
