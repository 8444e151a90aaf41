"""Reading a dataset from CSV, row by row, with an exact message for every bad row.

One example per line: the input features, then the target. A header line is
optional; when its last column is ``set``, each row's ``train`` or ``test``
there decides its part (the test ratio is then not used); blank lines and lines starting with ``#`` are skipped; the separator
(comma, semicolon or tab) is taken from the first line.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np

from bpdesk.core.datasets import KINDS, MAX_SAMPLES, Dataset, split
from bpdesk.core.errors import DatasetError

MAX_FEATURES = 64
MAX_CLASSES = 8


Row = tuple[int, list[str]]  # a line's number in the file, and its cells


def load_csv(
    source: str | Path,
    kind: str | None = None,
    test_ratio: float = 0.0,
    seed: int = 0,
    *,
    text: str | None = None,
) -> Dataset:
    """Read a dataset from the CSV file ``source`` (or from ``text`` when given).

    ``kind`` is ``binary``, ``multiclass`` or ``regression``; by default it is
    inferred: targets all 0/1 → binary, small whole numbers → one class each,
    anything else → regression. Raises :class:`DatasetError` naming the line.
    """
    if text is None:
        text = _read(source)
    _check_settings(kind, test_ratio, seed)
    rows = _rows(text)
    first_line = rows[0][0]
    header, rows = _take_header(rows)
    in_test, header, rows = _take_set_column(header, rows)
    width = len(header) if header else len(rows[0][1])
    _check_size(width, len(rows), first_line)
    names = header or [f"x{k + 1}" for k in range(width - 1)] + ["target"]
    data = _numbers(rows, width, names)
    X, targets = data[:, :-1], data[:, -1]
    kind = kind or _infer_kind(targets)
    T = _targets(targets, kind, [n for n, _ in rows], names[-1])
    X_train, T_train, X_test, T_test = _split(X, T, in_test, test_ratio, seed)
    title = Path(source).name if source else "CSV"
    return Dataset(kind, X_train, T_train, X_test, T_test, None, title, tuple(names[:-1]))


def _read(source: str | Path) -> str:
    try:
        return Path(source).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"cannot read {str(source)!r}: {_reason(exc)}") from None


def _check_settings(kind: str | None, test_ratio: float, seed: int) -> None:
    if kind is not None and kind not in KINDS:
        raise DatasetError(f"unknown dataset kind {kind!r} (choose from: {' '.join(KINDS)})")
    if (
        isinstance(test_ratio, bool)
        or not isinstance(test_ratio, (int, float))
        or not 0 <= test_ratio <= 0.9
    ):
        raise DatasetError(f"the test ratio must be between 0 and 0.9, got {test_ratio!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**63:
        raise DatasetError(f"the seed must be a whole number from 0 to {2**63 - 1}, got {seed!r}")


def _rows(text: str) -> list[Row]:
    """The cells of every line that is neither blank nor a ``#`` comment."""
    # Split on line ends only: str.splitlines() also breaks at form feeds and
    # other separators, which would make the line numbers in messages wrong.
    physical = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = [
        (number, line)
        for number, line in enumerate(physical, start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not lines:
        raise DatasetError("the CSV file has no data rows")
    delimiter = _delimiter(lines[0][1])
    return [
        (number, next(csv.reader(io.StringIO(line), delimiter=delimiter))) for number, line in lines
    ]


def _take_header(rows: list[Row]) -> tuple[list[str] | None, list[Row]]:
    """The header's column names (None without one) and the data rows after it."""
    first = rows[0][1]
    # A header has no number in it; a first row with some numbers is data (and a
    # typo in it is reported, rather than the row silently taken for a header).
    if any(_is_number(cell) for cell in first):
        return None, rows
    if len(rows) == 1:
        raise DatasetError("the CSV file has a header but no data rows")
    return [cell.strip() for cell in first], rows[1:]


def _take_set_column(
    header: list[str] | None, rows: list[Row]
) -> tuple[list[bool] | None, list[str] | None, list[Row]]:
    """A last column "set" (train/test), as bpdesk exports it, keeps the file's split.

    Returns which rows are for testing (None without such a column), and the
    header and rows without it.
    """
    if not header or header[-1].lower() != "set":
        return None, header, rows
    in_test = []
    for number, cells in rows:
        value = cells[-1].strip().lower() if len(cells) == len(header) else ""
        if value not in ("train", "test"):
            shown = cells[-1].strip() if len(cells) == len(header) else "nothing"
            raise DatasetError(
                f"line {number}, column {header[-1]!r}: expected train or test, found {shown!r}"
            )
        in_test.append(value == "test")
    return in_test, header[:-1], [(number, cells[:-1]) for number, cells in rows]


def _check_size(width: int, n_rows: int, first_line: int) -> None:
    if width < 2:
        raise DatasetError(f"line {first_line}: need at least one input column and a target column")
    if width - 1 > MAX_FEATURES:
        raise DatasetError(
            f"line {first_line}: {width - 1} input columns; the limit is {MAX_FEATURES}"
        )
    if n_rows > MAX_SAMPLES:
        raise DatasetError(f"the CSV file has {n_rows} rows; the limit is {MAX_SAMPLES}")


def _numbers(rows: list[Row], width: int, names: list[str]) -> np.ndarray:
    """The rows as a ``(rows, width)`` table of finite numbers."""
    data = np.empty((len(rows), width))
    for r, (number, cells) in enumerate(rows):
        if len(cells) != width:
            raise DatasetError(f"line {number}: expected {width} values, found {len(cells)}")
        for c, cell in enumerate(cells):
            if not _is_number(cell):
                raise DatasetError(
                    f"line {number}, column {names[c]!r}: {cell.strip()!r} is not a number"
                )
            value = float(cell)
            if not math.isfinite(value):
                raise DatasetError(
                    f"line {number}, column {names[c]!r}: {cell.strip()} is not finite"
                )
            data[r, c] = value
    return data


def _split(
    X: np.ndarray, T: np.ndarray, in_test: list[bool] | None, test_ratio: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Training and test rows: as the file's "set" column says, else ``test_ratio`` at random."""
    if in_test is not None:
        test = np.array(in_test, dtype=bool)
        if test.all():
            raise DatasetError("every row is in the test set; at least one must be for training")
        return X[~test], T[~test], X[test], T[test]
    if test_ratio > 0 and len(X) >= 2:
        return split(X, T, test_ratio, np.random.default_rng(seed))
    return X, T, X[:0], T[:0]


def _targets(values: np.ndarray, kind: str, line_numbers: list[int], column: str) -> np.ndarray:
    if kind == "regression":
        return values[:, None]
    if kind == "binary":
        bad = np.flatnonzero((values != 0) & (values != 1))
        if bad.size:
            raise DatasetError(
                f"line {line_numbers[bad[0]]}, column {column!r}: a binary target must be "
                f"0 or 1, got {values[bad[0]]:g}"
            )
        return values[:, None]
    bad = np.flatnonzero((values != np.round(values)) | (values < 0) | (values >= MAX_CLASSES))
    if bad.size:
        raise DatasetError(
            f"line {line_numbers[bad[0]]}, column {column!r}: a class label must be a whole "
            f"number from 0 to {MAX_CLASSES - 1}, got {values[bad[0]]:g}"
        )
    classes = max(int(values.max()) + 1, 3)
    return np.eye(classes)[values.astype(int)]


def _infer_kind(values: np.ndarray) -> str:
    if np.all((values == 0) | (values == 1)):
        return "binary"
    if np.all(values == np.round(values)) and values.min() >= 0 and values.max() < MAX_CLASSES:
        return "multiclass"
    return "regression"


def _delimiter(line: str) -> str:
    for candidate in ("\t", ";"):
        if candidate in line and "," not in line:
            return candidate
    return ","


def _is_number(cell: str) -> bool:
    # float() also takes Python's "1_000"; a CSV number never has underscores.
    if "_" in cell:
        return False
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _reason(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "it is not a UTF-8 text file"
    return getattr(exc, "strerror", None) or str(exc)
