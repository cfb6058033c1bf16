"""``needs_assessment`` sits below ``grants``: it must not reach grants' records by any route.

The layer contract (``.importlinter``) catches an import, but not the routes that need none: a
model looked up by name (``apps.get_model("grants", ...)``), a reverse relation followed to its
model (``_meta.get_field("awards").related_model``), an ORM lookup or template loop over an
intention's ``awards``, or a template linking into grants' pages. What the intention's awards
are is shown on its "Awards" tab, which grants serves and registers in ``pcc_commissioning.tabs``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# (what it catches, pattern)
FORBIDDEN = [
    ("an import of grants", re.compile(r"^\s*(from|import)\s+grants\b", re.MULTILINE)),
    ("a grants model looked up by name", re.compile(r"get_model\(\s*['\"]grants\b")),
    ("a model reached through a relation", re.compile(r"\brelated_model\b")),
    ("a grants model named", re.compile(r"\bgrants\.(models\.)?[A-Z]\w*")),
    ("the awards relation followed", re.compile(r"\.awards\b")),
    ("the awards relation named in a lookup", re.compile(r"['\"]awards(__\w+)?['\"]|\bawards__\w+")),
    ("a count of awards", re.compile(r"\baward_count\b")),
    ("a link into grants' pages", re.compile(r"\{%\s*url\s+['\"]grants:")),
]


def _sources() -> list[Path]:
    files = [*ROOT.glob("needs_assessment/**/*.py"), *ROOT.glob("needs_assessment/**/*.html")]
    files += ROOT.glob("templates/needs_assessment/**/*.html")
    # Migrations record the schema as it is: Award's foreign key to an intention lives in grants'.
    return sorted(path for path in files if "migrations" not in path.parts)


def _offences(text: str) -> list[str]:
    return [what for what, pattern in FORBIDDEN if pattern.search(text)]


@pytest.mark.parametrize(
    "text",
    [
        'award = apps.get_model("grants", "Award").objects.first()',
        'awards = CommissioningIntention._meta.get_field("awards").related_model',
        '.annotate(award_count=Count("awards", distinct=True))',
        'Prefetch("awards", queryset=queryset)',
        "CommissioningIntention.objects.filter(awards__status='active')",
        "{% for award in intention.awards.all %}{{ award.reference }}{% endfor %}",
        "<a href=\"{% url 'grants:award_detail' award.pk %}\">",
        "from grants.models import Award",
        "the link is held by ``grants.Award.intention``",
    ],
)
def test_the_check_catches_each_route(text):
    assert _offences(text)


def test_the_check_reads_the_apps_code_and_templates():
    names = {path.name for path in _sources()}
    assert {
        "selectors.py",
        "views.py",
        "services.py",
        "intentions.py",
        "intention_detail.html",
        "intention_board.html",
    } <= names


def test_needs_assessment_does_not_reach_grants():
    found = [
        f"{path.relative_to(ROOT)}: {what}"
        for path in _sources()
        for what in _offences(path.read_text(encoding="utf-8"))
    ]
    assert not found, "needs_assessment reaches into grants:\n" + "\n".join(found)
