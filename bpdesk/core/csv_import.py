"""Reading a dataset from CSV, row by row, with an exact message for every bad row.

One example per line: the input features and the target. A header line is
optional. The target is the column the header names ``label``, ``class`` or
``target`` (in any case), wherever it stands; otherwise the last column, or
the first when the caller says so (``target_column="first"``: image files such
as the MNIST CSVs put the label first, then the pixels). When the header's
last column is ``set``, each row's ``train`` or ``test`` there decides its part
(the test ratio is then not used); blank lines and lines starting with ``#``
are skipped; the separator (comma, semicolon or tab) is taken from the first
line.

The file is streamed: only a regular file is opened (see
:mod:`bpdesk.core.safe_files`), a line is read only up to
:data:`MAX_LINE_CHARS`, and reading stops at the first row beyond
:data:`MAX_SAMPLES` or the first line wider than :data:`MAX_FEATURES` inputs,
so that refusing a file costs no more time or memory than the rows it would
keep. The numbers go straight into a table that grows as rows come (memory
proportional to the data); the limits are constants, and nothing else
changes when they are raised. With ``compact=True`` (``bpdesk train --csv``),
inputs that are all exactly float32 numbers (pixels 0 to 255, for one) are
kept as float32, half the memory of float64 with not a bit lost: 70,000 images
of 784 pixels take 220 MB.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import numpy as np
import numpy.typing as npt

from bpdesk.core.datasets import (
    KINDS,
    MAX_FEATURE_NAME_CHARS,
    MAX_SAMPLES,
    MAX_TITLE_CHARS,
    Dataset,
    handed_over,
    split,
)
from bpdesk.core.errors import DatasetError
from bpdesk.core.safe_files import FileTooLargeError, open_regular

MAX_FEATURES = 1024
# Why there is a limit, in the refusal: what a learner can do about it.
FEATURES_REASON = (
    "enough for a 32×32 image; bpdesk trains on the CPU, where wider inputs make every step slow"
)
MAX_CLASSES = 10  # the ten digits
TARGET_NAMES = ("label", "class", "target")  # a header column of these names is the target
TARGET_COLUMNS = ("last", "first")  # where the target is when no header names it
# A cell of a number, or a column name, is far shorter; a line is read only up to room
# for the widest row (inputs, target and a "set" column) of such cells.
MAX_CELL_CHARS = 1000
MAX_LINE_CHARS = (MAX_FEATURES + 2) * MAX_CELL_CHARS
# Refused before reading: 70,000 rows of 785 numbers in full precision are about 1.1 GB.
MAX_FILE_BYTES = 2 * 2**30
Row = tuple[int, list[str]]  # a line's number in the file, and its cells


class _Numbers(dict[str, float]):
    """``float(cell)``, remembered for the first :attr:`SIZE` cells met.

    Most data repeats its cells (pixels 0 to 255, labels, rounded values): a
    dictionary hit costs a fraction of parsing the number again. ``misses``
    counts the parses, so that data whose cells do not repeat can go back to
    plain ``float`` (see :meth:`_Table._numbers_of`).
    """

    SIZE = 4096

    def __init__(self) -> None:
        super().__init__()
        self.misses = 0
        # Set by the first number that float32 cannot hold exactly: checked once per
        # parse here, rather than once per cell of every row.
        self.inexact = False

    def __missing__(self, cell: str) -> float:
        value = float(cell)  # exactly what float() says, errors included
        self.misses += 1
        if not self.inexact and not _exact_in_float32(np.array(value)):
            self.inexact = True
        if len(self) < self.SIZE:
            self[cell] = value
        return value


def load_csv(
    source: str | Path,
    kind: str | None = None,
    test_ratio: float = 0.0,
    seed: int = 0,
    *,
    text: str | None = None,
    target_column: str = "last",
    compact: bool = False,
) -> Dataset:
    """Read a dataset from the CSV file ``source`` (or from ``text`` when given).

    ``kind`` is ``binary``, ``multiclass`` or ``regression``; by default it is
    inferred: targets all 0/1 → binary, whole numbers 0 to 9 → one class each,
    anything else → regression. ``target_column`` (``last`` or ``first``) says
    where the target is when no header column is named label, class or target.
    ``compact`` keeps inputs that float32 holds exactly as float32 (big data on the
    command line; the window's views expect float64). Raises :class:`DatasetError`
    naming the line.
    """
    _check_settings(kind, test_ratio, seed)
    if target_column not in TARGET_COLUMNS:
        raise DatasetError(
            f"the target column must be one of {' '.join(TARGET_COLUMNS)}, got {target_column!r}"
        )
    if text is not None:
        table = _Table.read(
            _lines(io.StringIO(text, newline=None)), target_column, len(text), compact
        )
    else:
        with _open(source) as stream:
            try:
                table = _Table.read(_lines(stream), target_column, _size_of(stream), compact)
            except UnicodeDecodeError:
                raise DatasetError(
                    f"cannot read {str(source)!r}: it is not a UTF-8 text file"
                ) from None
    X, targets = table.inputs(), table.targets()
    kind = kind or _infer_kind(targets)
    T = _targets(targets, kind, table.line_numbers(), table.names[table.target])
    X_train, T_train, X_test, T_test = _split(X, T, table.in_test(), test_ratio, seed)
    title = _title(Path(source).name) if source else "CSV"
    names = tuple(table.feature_names())
    del table, X  # nothing else holds the tables now: the dataset takes them as they are
    for array in (X_train, T_train, X_test, T_test):
        array.flags.writeable = False
    with handed_over():
        return Dataset(kind, X_train, T_train, X_test, T_test, None, title, names)


def _open(source: str | Path) -> TextIO:
    try:
        raw = open_regular(source, MAX_FILE_BYTES)
    except FileTooLargeError as exc:
        raise DatasetError(f"cannot read {str(source)!r}: {exc.strerror}") from None
    except OSError as exc:
        raise DatasetError(
            f"cannot read {str(source)!r}: {exc.strerror or exc}"  # e.g. "it is a named pipe"
        ) from None
    # Universal newlines: a line ends at \n, \r\n or \r only (not at a form feed, as
    # str.splitlines() would: the line numbers in messages must be the editor's).
    return io.TextIOWrapper(raw, encoding="utf-8-sig", newline=None)


def _size_of(stream: TextIO) -> int | None:
    """The size of the file under ``stream`` in bytes, if it can be known."""
    try:
        return os.fstat(stream.fileno()).st_size
    except (OSError, ValueError, io.UnsupportedOperation):
        return None


def _title(name: str) -> str:
    if len(name) <= MAX_TITLE_CHARS:
        return name
    return name[: MAX_TITLE_CHARS - 1] + "…"


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


def _lines(stream: TextIO) -> Iterator[tuple[int, str]]:
    """``(number, line)`` of every line that is neither blank nor a ``#`` comment."""
    number = 0
    while True:
        line = stream.readline(MAX_LINE_CHARS + 1)
        if not line:
            return
        number += 1
        if line.endswith("\n"):
            line = line[:-1]
        elif len(line) > MAX_LINE_CHARS:
            raise _too_long(number, line)
        if line.strip() and not line.lstrip().startswith("#"):
            yield number, line


def _too_long(number: int, start: str) -> DatasetError:
    """The error for a line longer than :data:`MAX_LINE_CHARS` (``start`` is its beginning)."""
    columns = max(start.count(sep) for sep in (",", ";", "\t")) + 1
    if columns > MAX_FEATURES + 2:
        return DatasetError(
            f"line {number}: more than {columns - 1} input columns; the limit is {MAX_FEATURES} "
            f"({FEATURES_REASON})"
        )
    return DatasetError(
        f"line {number} is longer than {MAX_LINE_CHARS:,} characters: too long for a row "
        f"of at most {MAX_FEATURES} inputs and a target"
    )


def _cells(number: int, line: str, delimiter: str) -> list[str]:
    if '"' not in line and "\0" not in line:
        return line.split(delimiter)  # what csv reads from a line without quotes, faster
    try:
        return next(csv.reader((line,), delimiter=delimiter))
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise DatasetError(
                f"line {number}: a value is longer than {csv.field_size_limit():,} characters"
            ) from None
        raise DatasetError(f"line {number}: {exc}") from None


class _Table:
    """The rows of a CSV file as they are read: header, numbers, line numbers, parts."""

    def __init__(
        self,
        first: Row,
        delimiter: str,
        target_column: str = "last",
        size: int | None = None,
        compact: bool = False,
    ) -> None:
        self.delimiter = delimiter
        # The file's size and the characters of the rows so far: how many rows to expect.
        self._size, self._chars = size, 0
        self.first_line, cells = first
        # A header has no number in it; a first row with some numbers is data (and a
        # typo in it is reported, rather than the row silently taken for a header).
        header = None if any(_is_number(c) for c in cells) else [c.strip() for c in cells]
        self.header = header
        self.has_set = header is not None and header[-1].lower() == "set"
        columns = cells if header is None else header[:-1] if self.has_set else header
        self.width = len(columns)
        _check_width(self.width, self.first_line)
        self.target = _target_of(
            None if header is None else columns, self.width, target_column, self.first_line
        )
        self.names = _default_names(self.width, self.target) if header is None else columns
        for k, name in enumerate(() if header is None else self.names):
            if len(name) > MAX_FEATURE_NAME_CHARS:
                raise DatasetError(
                    f"line {self.first_line}, column {k + 1}: a column name may have at most "
                    f"{MAX_FEATURE_NAME_CHARS} characters, this one has {len(name)}"
                )
        # Which cells of a row are inputs: a slice (no copy) unless the target is inside.
        last = self.width - 1
        self._input_cells: slice | np.ndarray = (
            slice(0, last)
            if self.target == last
            else slice(1, None)
            if self.target == 0
            else np.delete(np.arange(self.width), self.target)
        )
        # The numbers, in tables grown as rows come (see _rows_expected) up to the row
        # limit: memory follows the data. Inputs and targets apart, so that the inputs
        # are one block whatever the target's column. Compact inputs stay float32 while
        # every one is exactly a float32.
        self._row = np.empty(self.width)
        self._inputs = np.empty((16, self.width - 1), np.float32 if compact else np.float64)
        self._targets = np.empty(16)
        self._cache: _Numbers | None = _Numbers()  # None once the cells stop repeating
        self._lines: list[int] = []
        self._test: list[bool] = []

    @classmethod
    def read(
        cls,
        lines: Iterator[tuple[int, str]],
        target_column: str = "last",
        size: int | None = None,
        compact: bool = False,
    ) -> _Table:
        """The table of ``lines`` (numbered, without blanks and comments) of a file of
        ``size`` characters (None if not known); ``compact``: see :func:`load_csv`."""
        first = next(lines, None)
        if first is None:
            raise DatasetError("the CSV file has no data rows")
        delimiter = _delimiter(first[1])
        table = cls((first[0], _cells(*first, delimiter)), delimiter, target_column, size, compact)
        if table.header is None:
            table.add(*first)
        for number, line in lines:
            table.add(number, line)
        if not table._lines:
            raise DatasetError("the CSV file has a header but no data rows")
        return table

    def add(self, number: int, line: str) -> None:
        """One more data row, checked."""
        cells = _cells(number, line, self.delimiter)
        if len(self._lines) >= MAX_SAMPLES:
            raise DatasetError(
                f"the CSV file has more than {MAX_SAMPLES} rows; the limit is {MAX_SAMPLES}"
            )
        if self.has_set:
            self._test.append(self._part(number, cells))
            cells = cells[:-1]
        if len(cells) != self.width:
            raise DatasetError(f"line {number}: expected {self.width} values, found {len(cells)}")
        row = len(self._lines)
        self._chars += len(line) + 1
        if row == len(self._targets):
            self._grow(self._rows_expected(row))
        # float() also takes Python's "1_000"; a CSV number never has underscores.
        cache = self._cache
        self._read_numbers(number, cells, "_" in line, self._row)
        inputs = self._row[self._input_cells]
        # Numbers that came through the cache were checked there, once each.
        checked = cache is not None and not cache.inexact
        if self._inputs.dtype == np.float32 and not checked and not _exact_in_float32(inputs):
            self._grow(len(self._targets), np.float64)  # this row needs every bit
        self._inputs[row] = inputs
        self._targets[row] = self._row[self.target]
        self._lines.append(number)

    def _rows_expected(self, rows: int) -> int:
        """Room to make when ``rows`` rows are full: as many as the file seems to hold, with
        a tenth more, when its size is known; else twice as many. Untouched room costs no
        memory (the system gives pages as they are written); copying the rows into a
        bigger table, as a bad guess makes it do, does."""
        guess = 2 * rows
        if self._size and self._chars:
            guess = max(rows + 16, math.ceil(self._size / self._chars * rows * 1.1))
        return min(guess, MAX_SAMPLES)

    def _grow(self, rows: int, dtype: npt.DTypeLike | None = None) -> None:
        """Room for ``rows`` rows (inputs in ``dtype``, default: as they are), rows kept."""
        kept = len(self._lines)
        inputs = np.empty((rows, self.width - 1), dtype=dtype or self._inputs.dtype)
        inputs[:kept] = self._inputs[:kept]
        targets = np.empty(rows)
        targets[:kept] = self._targets[:kept]
        self._inputs, self._targets = inputs, targets

    def _part(self, number: int, cells: list[str]) -> bool:
        """True if the row's "set" cell says test (a row of the wrong length says nothing)."""
        value = cells[-1].strip().lower() if len(cells) == self.width + 1 else ""
        if value not in ("train", "test"):
            shown = cells[-1].strip() if len(cells) == self.width + 1 else "nothing"
            assert self.header is not None  # a "set" column is named in the header
            raise DatasetError(
                f"line {number}, column {self.header[-1]!r}: expected train or test, "
                f"found {shown!r}"
            )
        return value == "test"

    def _read_numbers(
        self, number: int, cells: list[str], underscore: bool, out: np.ndarray
    ) -> None:
        """The row's numbers into ``out``, or :class:`DatasetError` naming its first bad cell."""
        # The common case at C speed: every cell a number, and all finite.
        if not underscore:
            try:
                self._parse(cells, out)
            except ValueError:
                pass
            else:
                if np.isfinite(out).all():
                    return
        out[:] = self._check_cells(number, cells)

    def _parse(self, cells: list[str], out: np.ndarray) -> None:
        cache = self._cache
        if cache is None:
            out[:] = np.fromiter(map(float, cells), np.float64, len(cells))
            return
        cache.misses = 0
        out[:] = np.fromiter(map(cache.__getitem__, cells), np.float64, len(cells))
        if cache.misses > len(cells) // 2 and len(cache) == cache.SIZE:
            self._cache = None  # mostly new numbers, and no room left to remember them

    def _check_cells(self, number: int, cells: list[str]) -> list[float]:
        values = []
        for c, cell in enumerate(cells):
            if not _is_number(cell):
                raise DatasetError(
                    f"line {number}, column {self.names[c]!r}: {_shown(cell)!r} is not a number"
                )
            value = float(cell)
            if not math.isfinite(value):
                raise DatasetError(
                    f"line {number}, column {self.names[c]!r}: {_shown(cell)} is not finite"
                )
            values.append(value)
        return values

    def inputs(self) -> np.ndarray:
        """The rows' inputs, ``(rows, width - 1)``: float32 if all exactly so, else float64.

        The table's room for more rows is given back first (in place, no copy), so
        that the array returned is the table's own memory, not a view of it.
        """
        rows = len(self._lines)
        if len(self._inputs) > rows:
            self._inputs.resize((rows, self.width - 1), refcheck=False)  # no views exist
        return self._inputs

    def targets(self) -> np.ndarray:
        """The rows' targets as read, ``(rows,)``."""
        return self._targets[: len(self._lines)]

    def feature_names(self) -> list[str]:
        """The names of the input columns, in the file's order."""
        return [name for k, name in enumerate(self.names) if k != self.target]

    def line_numbers(self) -> np.ndarray:
        """The line of each row in the file."""
        return np.array(self._lines, dtype=np.int64)

    def in_test(self) -> list[bool] | None:
        """Which rows the file's "set" column puts in the test set (None without one)."""
        return self._test if self.has_set else None


def _target_of(header: list[str] | None, width: int, target_column: str, line: int) -> int:
    """The target's column: the one the header names label, class or target, else the
    first or the last as ``target_column`` says."""
    named = [k for k, name in enumerate(header or ()) if name.lower() in TARGET_NAMES]
    if len(named) > 1:
        assert header is not None
        both = " and ".join(repr(header[k]) for k in named[:2])
        raise DatasetError(
            f"line {line}: columns {both} could each be the target; rename all but one"
        )
    if named:
        return named[0]
    return 0 if target_column == "first" else width - 1


def _check_width(width: int, first_line: int) -> None:
    if width < 2:
        raise DatasetError(f"line {first_line}: need at least one input column and a target column")
    if width - 1 > MAX_FEATURES:
        raise DatasetError(
            f"line {first_line}: {width - 1} input columns; the limit is {MAX_FEATURES} "
            f"({FEATURES_REASON})"
        )


def _exact_in_float32(values: np.ndarray) -> bool:
    with np.errstate(over="ignore"):  # a number beyond float32's range is simply not exact
        return bool((values.astype(np.float32) == values).all())


def _default_names(width: int, target: int) -> list[str]:
    names = [f"x{k + 1}" for k in range(width - 1)]
    names.insert(target, "target")
    return names


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


def _targets(values: np.ndarray, kind: str, line_numbers: np.ndarray, column: str) -> np.ndarray:
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


def _shown(cell: str) -> str:
    """The cell as a message shows it: stripped, and cut short if long."""
    cell = cell.strip()
    return cell if len(cell) <= 40 else cell[:37] + "..."


def _is_number(cell: str) -> bool:
    # float() also takes Python's "1_000"; a CSV number never has underscores.
    if "_" in cell:
        return False
    try:
        float(cell)
    except ValueError:
        return False
    return True
