"""The rules an application's answers keep (filled in by the applying track)."""

from __future__ import annotations


def submission_problems(application) -> dict[str, list[str]]:
    """Why ``application`` cannot be submitted yet, by field (empty: it can)."""
    return {}
