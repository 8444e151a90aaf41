"""Writing a table as CSV for spreadsheets: atomically, and with no formula in a text cell.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a
tab or carriage return before one) as a formula: a feature named
``=HYPERLINK(...)`` exported as a header would run when the file is opened
(CSV injection). As OWASP recommends, such a text cell is written with a
single quote before it, which spreadsheets show as text; numbers (``-0.5``,
``+3``) are written as they are. The file replaces its target only once it
is complete (:func:`bpdesk.core.safe_files.atomic_writer`): an export that
fails half-way, on a name that cannot be encoded say, leaves the file the user
chose as it was.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable

from bpdesk.core.safe_files import atomic_writer

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | float | None


def write_csv(
    path: str | os.PathLike[str], header: Iterable[Cell], rows: Iterable[Iterable[Cell]]
) -> None:
    """Write ``header`` and ``rows`` to ``path`` as CSV (UTF-8), text cells made safe."""
    with atomic_writer(path, newline="") as f:
        writer = csv.writer(f)
        writer.writerow(map(safe_cell, header))
        writer.writerows(map(safe_cell, row) for row in rows)


def safe_cell(cell: Cell) -> Cell:
    """``cell`` as a spreadsheet will take it for text: a quote before a formula start."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS) and not _is_number(cell):
        return "'" + cell
    return cell


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return "_" not in text
