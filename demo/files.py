"""The published Durham 2019/20 tables the demo is built from (``data/durham_2019_20``, see its
README for where they come from)."""

import csv
from pathlib import Path

DEMO_DATA = Path(__file__).resolve().parent / "data" / "durham_2019_20"


def read_csv(name: str) -> list[dict]:
    with (DEMO_DATA / name).open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))
