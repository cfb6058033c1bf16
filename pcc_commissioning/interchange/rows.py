"""What an import reports: a row of cells with its number, and the errors found in a cell or a row."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MAX_LISTED_CELL_ERRORS = 1_000  # a whole file of bad cells is listed this far, so the page stays small


# ---------------------------------------------------------------------------------------------
# Errors
class CellError(ValueError):
    """A cell's value is not acceptable; the message says why, in the user's terms."""


@dataclass(frozen=True)
class RowError:
    row: int  # the spreadsheet row number: the header is row 1
    column: str  # "" when the problem is the row as a whole
    message: str

    def __str__(self) -> str:
        where = f"Row {self.row}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


class ImportFailed(Exception):
    """The file was refused; nothing was written. ``errors`` lists every problem found."""

    def __init__(self, errors: Sequence[RowError]):
        self.errors = list(errors)
        super().__init__(f"{len(self.errors)} problem(s) found; nothing was imported.")


@dataclass
class Row:
    """One data row: its spreadsheet number and cells by lower-case column name."""

    number: int
    cells: dict[str, str]

    def get(self, column: str) -> str:
        return self.cells.get(column, "")
