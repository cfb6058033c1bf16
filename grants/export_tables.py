"""The shape every grants export table takes: a header row and the data rows."""

from __future__ import annotations

from typing import Any

Table = tuple[list[str], list[list[Any]]]
