"""The architecture page names real files: every path it writes in backticks exists.

docs/architecture.md tells a newcomer where things are; when code moves and the page does not,
it sends them to files that are gone. A path here is a backticked word with a "/" in it
(``grants/payments/services.py``, ``reports/engine/``) or a dotfile (``.importlinter``);
addresses (``/portal/``) and patterns (``<app>/templates/<app>/``) are not paths.
"""

import re
from pathlib import Path

from django.conf import settings

DOC = Path(settings.BASE_DIR) / "docs" / "architecture.md"
BACKTICKED = re.compile(r"`([^`\s]+)`")


def named_paths(text: str) -> list[str]:
    paths = []
    for word in BACKTICKED.findall(text):
        if word.startswith("/") or any(character in word for character in "<>*…:=("):
            continue
        if "/" in word or re.fullmatch(r"\.[a-z][a-z0-9_.-]*", word):
            paths.append(word)
    return paths


def test_the_architecture_page_names_paths():
    assert len(named_paths(DOC.read_text(encoding="utf-8"))) > 30


def test_every_path_on_the_architecture_page_exists():
    missing = [path for path in named_paths(DOC.read_text(encoding="utf-8")) if not (DOC.parent.parent / path).exists()]
    assert not missing, f"docs/architecture.md names paths that do not exist: {', '.join(sorted(set(missing)))}"


def test_the_path_finder_skips_addresses_and_patterns():
    text = "`grants/models.py`, `/portal/`, `<app>/templates/<app>/`, `.importlinter`, `services.py`, `a | b`"
    assert named_paths(text) == ["grants/models.py", ".importlinter"]
