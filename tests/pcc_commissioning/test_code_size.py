"""Code stays in pieces a reader can hold: no function over 60 lines and no module over 600 lines
in the apps, unless a comment says why (``# long: <why>`` directly above the ``def`` or its
decorators; ``# long module: <why>`` above a module's first import)."""

import ast
from pathlib import Path

import pytest

from tests.pcc_commissioning.test_layers import _project_apps

ROOT = Path(__file__).resolve().parents[2]
MAX_FUNCTION_LINES = 60
MAX_MODULE_LINES = 600


def _app_modules():
    for app in sorted(_project_apps()):
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _excused(lines: list[str], line_number: int) -> bool:
    above = lines[line_number - 2].strip() if line_number >= 2 else ""
    return above.startswith("# long:") and len(above) > len("# long:") + 3


def _long_functions(path: Path) -> list[str]:
    text = path.read_text()
    lines = text.splitlines()
    found = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            length = node.end_lineno - node.lineno + 1
            if length > MAX_FUNCTION_LINES and not _excused(lines, first):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length} lines)")
    return found


def test_no_function_is_longer_than_sixty_lines_without_a_reason():
    long = [entry for path in _app_modules() for entry in _long_functions(path)]
    assert long == []


def test_no_module_is_longer_than_six_hundred_lines_without_a_reason():
    long = []
    for path in _app_modules():
        lines = path.read_text().splitlines()
        header = lines[: next((n for n, line in enumerate(lines) if line.startswith(("import ", "from "))), 0)]
        excused = any(line.startswith("# long module:") for line in header)
        if len(lines) > MAX_MODULE_LINES and not excused:
            long.append(f"{path.relative_to(ROOT)} ({len(lines)} lines)")
    assert long == []


@pytest.mark.parametrize(
    "source, expected",
    [
        ("def f():\n" + "    x = 1\n" * 60, ["f"]),  # 61 lines
        ("def f():\n" + "    x = 1\n" * 59, []),  # 60 lines
        ("# long: one flat table of the export's columns\ndef f():\n" + "    x = 1\n" * 80, []),
        ("# long:\ndef f():\n" + "    x = 1\n" * 80, ["f"]),  # a reason must be given
    ],
)
def test_the_rule_counts_lines_and_reads_the_reason(tmp_path, source, expected, monkeypatch):
    path = tmp_path / "module.py"
    path.write_text(source)
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    assert [entry.split()[1] for entry in _long_functions(path)] == expected
