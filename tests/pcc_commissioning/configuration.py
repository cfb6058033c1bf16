"""What the configuration is, read from the files themselves (for the configuration tests).

``settings_variables()`` is the one list of environment variables the application reads: it
parses ``pcc_commissioning/settings.py`` for ``env("X")``, ``env.bool("X")``, … and
``os.environ``/``os.getenv`` look-ups, so a variable added there is picked up automatically.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SETTINGS_FILE = PROJECT_ROOT / "pcc_commissioning" / "settings.py"
README = PROJECT_ROOT / "README.md"
COMPOSE_FILE = PROJECT_ROOT / "docker-compose.yml"
DOCKERFILE = PROJECT_ROOT / "Dockerfile"


def _first_string_argument(node: ast.Call) -> str | None:
    if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
        return node.args[0].value
    return None


def _is_env_reader(func: ast.expr) -> bool:
    # env("X"), env.bool("X"), env.list("X"), env.db("X"), …
    if isinstance(func, ast.Name) and func.id == "env":
        return True
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "env":
        return True
    # os.getenv("X"), os.environ.get("X")
    if isinstance(func, ast.Attribute) and func.attr == "getenv":
        return True
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "get"
        and isinstance(func.value, ast.Attribute)
        and func.value.attr == "environ"
    )


def settings_variables(source: str | None = None) -> set[str]:
    """Every environment variable settings.py reads."""
    tree = ast.parse(source if source is not None else SETTINGS_FILE.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _is_env_reader(node.func):
            name = _first_string_argument(node)
            if name:
                names.add(name)
        elif (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "environ"
            and isinstance(node.slice, ast.Constant)
            and isinstance(node.slice.value, str)
        ):
            names.add(node.slice.value)
    return names


def readme_settings_table() -> list[str]:
    """Variable names in the first table of the README's "## Configuration" section."""
    text = README.read_text()
    match = re.search(r"^## Configuration\s*$(.*?)(?=^## )", text, flags=re.M | re.S)
    assert match, "README.md has no '## Configuration' section"
    names: list[str] = []
    in_table = False
    for line in match.group(1).splitlines():
        if line.startswith("|"):
            in_table = True
            cell = re.match(r"\|\s*`([A-Z][A-Z0-9_]*)`\s*\|", line)
            if cell:
                names.append(cell.group(1))
        elif in_table:
            break  # the first table ends at its first non-table line
    return names
