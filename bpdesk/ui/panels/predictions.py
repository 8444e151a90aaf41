"""The "Predictions" dock: every example's target next to the network's answer.

The explainer's "Predictions vs Truth" table, for any dataset: inputs,
target, output ŷ, the rounded answer and ✓/✗ per example (the error
``|ŷ − t|`` for regression), test examples included and marked, with the
accuracy on the training and test sets and a confusion matrix. Inputs that make
a picture (64 or 784 of them: digits) are one column of thumbnails; ten classes
have their confusion matrix in a dock of its own.
"""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QItemSelectionModel, QModelIndex, QSize, Qt
from PySide6.QtGui import QFont, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from bpdesk.core import Dataset
from bpdesk.core.digit_pad import input_peak
from bpdesk.core.metrics import predicted_labels, target_labels
from bpdesk.ui import theme
from bpdesk.ui.digit_images import digit_pixmap, image_side
from bpdesk.ui.document import Document
from bpdesk.ui.format import displayed, fmt_target, format_percent
from bpdesk.ui.frames import TABLE
from bpdesk.ui.predicted import pending, predicted, ready_signal
from bpdesk.ui.preferences import ViewPreferences
from bpdesk.ui.shown_refresh import RefreshesWhenShown

VALUE_ROLE = Qt.ItemDataRole.UserRole  # a cell's number (or class) rather than its text

# Column keys, in the order they appear after the inputs.
TARGET, OUTPUT, ROUNDED, CHECK, ERROR, SET = "target", "output", "rounded", "check", "error", "set"
IMAGE = "image"  # every input at once, as a picture (digits)
THUMBNAIL = 24  # pixels a side of a picture in the table, at least (28×28 images: 28)
TABLE_CLASSES = 8  # a confusion matrix of more classes has a dock of its own

_DISPLAY = Qt.ItemDataRole.DisplayRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_FONT = Qt.ItemDataRole.FontRole
_BACKGROUND = Qt.ItemDataRole.BackgroundRole
_ALIGNMENT = Qt.ItemDataRole.TextAlignmentRole
_DECORATION = Qt.ItemDataRole.DecorationRole
_CELL_ROLES = frozenset(
    (
        _DISPLAY,
        _FOREGROUND,
        _FONT,
        _BACKGROUND,
        _ALIGNMENT,
        Qt.ItemDataRole.ToolTipRole,
        VALUE_ROLE,
        _DECORATION,
    )
)
_ALIGN_NUMBER = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_ALIGN_CENTER = Qt.AlignmentFlag.AlignCenter


def _same(a: tuple | None, b: tuple | None) -> bool:
    if a is None or b is None:
        return a is b
    return all(x.shape == y.shape and np.array_equal(x, y, equal_nan=True) for x, y in zip(a, b))


class _Joined:
    """The training rows then the test rows, read as one table without being copied into
    one (for 70,000 MNIST images that copy took a second of the window's thread)."""

    ndim = 2

    def __init__(self, first: np.ndarray, second: np.ndarray) -> None:
        self.parts = (first, second)
        self._n = len(first)
        self.shape = (len(first) + len(second), first.shape[1] if first.ndim == 2 else 0)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, key: int | tuple[int, int]) -> np.ndarray:
        row, rest = (key[0], key[1:]) if isinstance(key, tuple) else (key, ())
        part, at = (self.parts[0], row) if row < self._n else (self.parts[1], row - self._n)
        return part[(at, *rest)]


class PredictionsModel(QAbstractTableModel):
    """Rows are the training examples, then the test examples; columns are set by the dataset.

    The dataset's arrays are read-only and the outputs are a private array,
    so the model never changes under the view: it changes only in
    :meth:`set_dataset` and :meth:`set_outputs`, which say what changed.
    """

    def __init__(self, prefs: ViewPreferences, parent=None) -> None:
        super().__init__(parent)
        self.prefs = prefs
        self.dataset: Dataset | None = None
        self.columns: list[str] = []
        self.output_is_probability = False
        self.outputs: np.ndarray | None = None  # (rows, n_out), or None when not computable
        self.predicted: np.ndarray | None = None  # class per row (classification)
        self.correct: np.ndarray | None = None  # bool per row (classification)
        self.errors: np.ndarray | None = None  # |ŷ − t| per row (regression, mean over outputs)
        self._X = _Joined(np.empty((0, 0)), np.empty((0, 0)))
        self._T = np.empty((0, 0))
        self._true: np.ndarray | None = None
        self._n_train = 0
        self._shown: tuple[np.ndarray, np.ndarray] | None = None  # what the text shows
        self._pictures: dict[int, QPixmap] = {}  # thumbnails made so far, by row
        self._peak = 1.0  # full ink in the inputs' numbers (255 for raw pixels)
        self._italic = QFont()
        self._italic.setItalic(True)
        self._colors()

    # -- shape -------------------------------------------------------------------

    @property
    def n_train(self) -> int:
        """Training rows come first: ``0 … n_train − 1`` are ``doc.sample`` numbers."""
        return self._n_train

    @property
    def n_test(self) -> int:
        """Test rows follow the training rows."""
        return len(self._X) - self._n_train

    @property
    def inputs(self) -> np.ndarray:
        """Inputs of every row, training then test: ``(rows, features)`` (a copy)."""
        return np.concatenate(self._X.parts)

    @property
    def true_labels(self) -> np.ndarray | None:
        """Target class of every row (None for regression)."""
        return self._true

    def is_test(self, row: int) -> bool:
        """True for a held-out test example."""
        return row >= self._n_train

    def column(self, key: str) -> int:
        """The column showing ``key`` (``target``, ``output``, ``check``…); -1 if absent."""
        return self.columns.index(key) if key in self.columns else -1

    def rowCount(self, parent: QModelIndex | None = None) -> int:
        """Number of examples, training and test."""
        return 0 if parent is not None and parent.isValid() else len(self._X)

    def columnCount(self, parent: QModelIndex | None = None) -> int:
        """Inputs, target, output, rounded (classification), ✓/✗ or error, set."""
        return 0 if parent is not None and parent.isValid() else len(self.columns)

    # -- updates -------------------------------------------------------------------

    def set_dataset(self, dataset: Dataset) -> None:
        """Show ``dataset``'s examples; resets the view only if the table's shape changes."""
        X = _Joined(dataset.X_train, dataset.X_test)
        T = np.concatenate([dataset.T_train, dataset.T_test])
        if image_side(dataset.n_inputs) is not None:
            columns = [IMAGE, TARGET, OUTPUT]  # 784 columns of numbers say nothing
        else:
            columns = [f"input:{k}" for k in range(dataset.n_inputs)] + [TARGET, OUTPUT]
        if dataset.kind == "regression":
            columns += [ERROR, SET]
        else:
            columns += [ROUNDED, CHECK, SET]
        old = self.dataset
        reshaped = (
            old is None
            or columns != self.columns
            or len(X) != len(self._X)
            or dataset.n_train != old.n_train
            or dataset.kind != old.kind
            or dataset.n_outputs != old.n_outputs
        )
        if reshaped:
            self.beginResetModel()
        self.dataset = dataset
        self.columns = columns
        self._X, self._T = X, T
        self._n_train = dataset.n_train
        self._true = None if dataset.kind == "regression" else target_labels(T, dataset.kind)
        self._pictures = {}
        self._peak = input_peak(dataset.X_train, dataset.n_inputs)
        self.outputs = self.predicted = self.correct = self.errors = None
        self._shown = None
        if reshaped:
            self.endResetModel()
        elif len(X):
            # Same shape, new points: every cell may differ, but the view keeps
            # its scroll position and selection.
            self.dataChanged.emit(self.index(0, 0), self.index(len(X) - 1, len(columns) - 1))
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(columns) - 1)

    def set_outputs(self, Y: np.ndarray | None, probability: bool = False) -> bool:
        """Show the network's outputs ``(rows, n_out)`` (None: cannot be computed).

        ``probability``: the outputs are class probabilities (a softmax layer).

        Returns True when what the table shows changed (and says so to the view).
        """
        kind = self.dataset.kind
        shown_before = None if probability != self.output_is_probability else self._shown
        self.output_is_probability = probability
        self.outputs = Y
        self.predicted = self.correct = self.errors = None
        self._shown = None
        if Y is not None:
            if kind == "regression":
                self.errors = np.abs(Y - self._T).mean(axis=1)
                decimals = self.prefs.decimals
                self._shown = (displayed(Y, decimals), displayed(self.errors, decimals))
            else:
                self.predicted = predicted_labels(Y, kind)
                self.correct = self.predicted == self._true
                # The class is part of the key: 0.4999 and 0.5004 both read 0.500.
                self._shown = (displayed(Y, self.prefs.decimals), self.predicted)
        if _same(shown_before, self._shown):
            # Late in training the outputs move in the fifth decimal: the text is
            # the same, so the visible rows need not be repainted 10 times a second.
            return False
        self._colors()
        if len(self._X):
            # Only the columns that depend on the network: output … ✓/✗ (or error).
            first, last = self.column(OUTPUT), self.column(SET) - 1
            self.dataChanged.emit(self.index(0, first), self.index(len(self._X) - 1, last))
        return True

    def _colors(self) -> None:
        # Looked up once per update, not once per painted cell.
        prefs = self.prefs
        self._right, self._wrong = theme.verdict_colors(prefs.palette)
        self._faint = prefs.color("faint_text")
        self._test_background = theme.mix(prefs.color("grid"), prefs.color("background"), 0.5)

    # -- cells -----------------------------------------------------------------------

    def data(self, index: QModelIndex, role: int = _DISPLAY):
        """Text, value, colour, font, alignment and tooltip of one cell."""
        # Called for every role of every visible cell on each repaint: roles the
        # table does not use leave first, and enum members are looked up once.
        if role not in _CELL_ROLES or not index.isValid():
            return None
        row, key = index.row(), self.columns[index.column()]
        if role == _DISPLAY:
            return self._text(row, key)
        if role == _DECORATION:
            return self.picture(row) if key == IMAGE else None
        test = row >= self._n_train
        if role == _FOREGROUND:
            if key == CHECK and self.correct is not None:
                return self._right if self.correct[row] else self._wrong
            return self._faint if test else None
        if role == _FONT:
            return self._italic if test else None
        if role == _BACKGROUND:
            return self._test_background if test else None
        if role == _ALIGNMENT:
            return _ALIGN_CENTER if key in (CHECK, SET, ROUNDED) else _ALIGN_NUMBER
        if role == VALUE_ROLE:
            return self._value(row, key)
        return self._tooltip(row, key)

    @property
    def thumbnail_size(self) -> int:
        """Pixels a side of a thumbnail: every pixel of the image shows (8×8 three times)."""
        side = image_side(self._X.shape[1]) if self._X.ndim == 2 else None
        return max(THUMBNAIL, side or 0)

    def picture(self, row: int) -> QPixmap:
        """Row ``row``'s inputs as a thumbnail (made when first shown: the view asks for
        the visible rows only)."""
        picture = self._pictures.get(row)
        if picture is None:
            size = self.thumbnail_size
            picture = self._pictures[row] = digit_pixmap(self._X[row], size, self._peak)
        return picture

    def _value(self, row: int, key: str):
        if key == IMAGE:
            return None
        if key.startswith("input:"):
            return float(self._X[row, int(key[6:])])
        if key == TARGET:
            return float(self._T[row, 0]) if self._true is None else int(self._true[row])
        if key == SET:
            return "test" if self.is_test(row) else "train"
        if self.outputs is None:
            return None
        if key == OUTPUT:
            return self._output_value(row)
        if key == ROUNDED:
            return int(self.predicted[row])
        if key == CHECK:
            return bool(self.correct[row])
        if key == ERROR:
            return float(self.errors[row])
        return None

    def _output_value(self, row: int) -> float:
        # The winning class's output for multi-class; the (first) output otherwise.
        k = int(self.predicted[row]) if self.dataset.kind == "multiclass" else 0
        return float(self.outputs[row, k])

    def _text(self, row: int, key: str) -> str:
        if key == IMAGE:
            return ""
        if key.startswith("input:"):
            return fmt_target(self._X[row, int(key[6:])])
        if key == TARGET:
            if self._true is not None:
                return str(int(self._true[row]))
            return ", ".join(self.prefs.fmt(v) for v in self._T[row])
        if key == SET:
            return "test" if self.is_test(row) else "train"
        if self.outputs is None:
            return "—"
        if key == OUTPUT:
            if self.dataset.kind == "multiclass":
                name = "p" if self.output_is_probability else "ŷ"
                return f"{self.predicted[row]} ({name} = {self.prefs.fmt(self._output_value(row))})"
            return ", ".join(self.prefs.fmt(v) for v in self.outputs[row])
        if key == ROUNDED:
            return str(int(self.predicted[row]))
        if key == CHECK:
            return "✓" if self.correct[row] else "✗"
        if key == ERROR:
            return self.prefs.fmt(self.errors[row])
        return ""

    def _tooltip(self, row: int, key: str) -> str:
        where = self.row_name(row)
        if self.is_test(row):
            lead = (
                f"{where}: held out, never trained on. It measures how well the network "
                "generalises; it cannot drive the network views (pick a training row for that)."
            )
        else:
            lead = f"{where}: click to follow it through the network views."
        if self.outputs is None:
            return lead
        if key == OUTPUT and self.dataset.kind == "multiclass":
            outs = ", ".join(f"{k}: {self.prefs.fmt(v)}" for k, v in enumerate(self.outputs[row]))
            return f"{lead}\nOutputs per class: {outs}. The largest wins."
        if key in (ROUNDED, CHECK) and self.correct is not None:
            predicted, true = int(self.predicted[row]), int(self._true[row])
            if self.dataset.kind == "binary":
                rule = f"ŷ = {self.prefs.fmt(self.outputs[row, 0])} {'>' if predicted else '≤'} 0.5"
                said = f"{rule}, so the network says {predicted}"
            else:
                said = f"the network says class {predicted}"
            verdict = "right" if predicted == true else "wrong"
            return f"{lead}\n{said}; the target is {true}: {verdict}."
        if key == ERROR and self.errors is not None:
            return (
                f"{lead}\n|ŷ − t| = {self.prefs.fmt(self.errors[row])}: how far the output is off."
            )
        return lead

    def row_name(self, row: int) -> str:
        """How the learner reads a row: ``example 3`` or ``test example 2`` (1-based)."""
        if self.is_test(row):
            return f"test example {row - self._n_train + 1}"
        return f"example {row + 1}"

    def headerData(self, section: int, orientation, role: int = Qt.ItemDataRole.DisplayRole):
        """Column titles with tooltips; rows numbered 1… for training and T1… for test."""
        if orientation == Qt.Orientation.Vertical:
            if role == Qt.ItemDataRole.DisplayRole:
                test = self.is_test(section)
                return f"T{section - self._n_train + 1}" if test else str(section + 1)
            if role == Qt.ItemDataRole.FontRole and self.is_test(section):
                return self._italic
            if role == Qt.ItemDataRole.ToolTipRole:
                return self.row_name(section)
            return None
        if not 0 <= section < len(self.columns):
            return None
        key = self.columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._title(key)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._header_tooltip(key)
        return None

    def _title(self, key: str) -> str:
        multiclass = self.dataset is not None and self.dataset.kind == "multiclass"
        if key.startswith("input:"):
            return self.dataset.feature_names[int(key[6:])]
        if key == IMAGE:
            return "image"
        return {
            TARGET: "class t" if multiclass else "target t",
            OUTPUT: "output ŷ",
            ROUNDED: "predicted" if multiclass else "rounded",
            CHECK: "✓/✗",
            ERROR: "|ŷ − t|",
            SET: "set",
        }[key]

    def _header_tooltip(self, key: str) -> str:
        kind = self.dataset.kind if self.dataset is not None else "binary"
        if key.startswith("input:"):
            return "An input the network reads."
        if key == IMAGE:
            return "Every input the network reads, as the picture they make (dark: more ink)."
        if key == OUTPUT and kind == "multiclass":
            what = "probability" if self.output_is_probability else "output"
            return f"The class the network picks and its {what} (3 decimals)."
        return {
            TARGET: "The right answer for this example.",
            OUTPUT: "The network's output for this example (3 decimals).",
            ROUNDED: (
                "The class with the largest output."
                if kind == "multiclass"
                else "The output rounded: ŷ > 0.5 means 1, otherwise 0."
            ),
            CHECK: "✓ when the rounded answer equals the target, ✗ when it does not.",
            ERROR: "How far the output is from the target.",
            SET: "train: used for training; test: held out to check generalisation.",
        }[key]


class ConfusionModel(QAbstractTableModel):
    """A confusion matrix: rows are the true class, columns the predicted one."""

    def __init__(self, prefs: ViewPreferences, parent=None) -> None:
        super().__init__(parent)
        self.prefs = prefs
        self.counts = np.zeros((0, 0), dtype=np.int64)

    def rowCount(self, parent: QModelIndex | None = None) -> int:
        """One row per true class."""
        return 0 if parent is not None and parent.isValid() else self.counts.shape[0]

    def columnCount(self, parent: QModelIndex | None = None) -> int:
        """One column per predicted class."""
        return 0 if parent is not None and parent.isValid() else self.counts.shape[1]

    def set_counts(self, counts: np.ndarray) -> None:
        """Show ``counts[true, predicted]``; resets only when the number of classes changes."""
        if counts.shape != self.counts.shape:
            self.beginResetModel()
            self.counts = counts
            self.endResetModel()
        elif not np.array_equal(counts, self.counts):
            self.counts = counts
            n = counts.shape[0]
            self.dataChanged.emit(self.index(0, 0), self.index(n - 1, n - 1))

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        """The count, tinted green on the diagonal (right) and red off it (wrong)."""
        if not index.isValid():
            return None
        true, pred = index.row(), index.column()
        count = int(self.counts[true, pred])
        if role in (Qt.ItemDataRole.DisplayRole, VALUE_ROLE):
            return str(count) if role == Qt.ItemDataRole.DisplayRole else count
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _ALIGN_CENTER
        if role == Qt.ItemDataRole.BackgroundRole and count:
            right, wrong = theme.verdict_colors(self.prefs.palette)
            share = count / max(int(self.counts[true].sum()), 1)
            tint = right if true == pred else wrong
            return theme.mix(tint, self.prefs.color("background"), 0.85 - 0.55 * share)
        if role == Qt.ItemDataRole.ToolTipRole:
            s = "" if count == 1 else "s"
            verdict = "right" if true == pred else "wrong"
            return f"{count} example{s} of class {true} predicted as {pred} ({verdict})"
        return None

    def headerData(self, section: int, orientation, role: int = Qt.ItemDataRole.DisplayRole):
        """``true k`` down the side, ``pred. k`` across the top."""
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                f"true {section}" if orientation == Qt.Orientation.Vertical else f"pred. {section}"
            )
        if role == Qt.ItemDataRole.ToolTipRole:
            if orientation == Qt.Orientation.Vertical:
                return f"Examples whose target is class {section}"
            return f"Examples the network puts in class {section}"
        return None


class PredictionsPanel(RefreshesWhenShown, QWidget):
    """Every example with its target, the network's answer and whether it is right.

    Attributes for the window and tests: ``model`` (:class:`PredictionsModel`),
    ``table``, ``accuracy_label``, ``confusion_model`` (:class:`ConfusionModel`),
    ``confusion_table``, ``confusion_set`` (which examples the matrix counts),
    ``hint_label``, ``train_accuracy`` and ``test_accuracy`` (fractions, None
    when they do not apply), ``last_refresh_ms``, ``stale`` (a refresh is due:
    the panel waits for its frame, or to be shown).
    """

    def __init__(self, doc: Document, parent=None, *, prefs: ViewPreferences | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.prefs = prefs if prefs is not None else ViewPreferences(parent=self)
        self.train_accuracy: float | None = None
        self.test_accuracy: float | None = None
        self.last_refresh_ms = 0.0
        self.stale = False  # the document changed since the last refresh
        self._syncing = False  # True while the table follows doc.sample: not a user's choice

        self.accuracy_label = QLabel()
        self.accuracy_label.setObjectName("predictionsAccuracy")
        self.prefs.style(self.accuracy_label, "font-weight: bold;")
        self.accuracy_label.setToolTip(
            "Accuracy: the share of examples whose rounded output equals the target "
            "(ŷ > 0.5 means 1). Test examples are never trained on, so their accuracy "
            "shows how well the network generalises."
        )

        self.model = PredictionsModel(self.prefs, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        # Columns fit the rows on screen: Qt's default reads a thousand more, and for
        # images that meant drawing a thousand thumbnails (0.25 s) per dataset.
        self.table.horizontalHeader().setResizeContentsPrecision(0)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        # Fixed row heights: a view that measured rows would read every cell of
        # a large dataset; with fixed ones it only ever reads the visible rows.
        rows = self.table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.table.setToolTip(
            "Every example: click a training row to follow it through the network. "
            "Grey italic rows are test examples, held out from training."
        )
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)

        self.hint_label = QLabel()
        self.hint_label.setWordWrap(True)
        self.prefs.style(self.hint_label, "color: {faint_text};")

        self.confusion_model = ConfusionModel(self.prefs, self)
        self.confusion_table = QTableView()
        self.confusion_table.setModel(self.confusion_model)
        self.confusion_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.confusion_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.confusion_table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.confusion_table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.confusion_model.modelReset.connect(self._fit_confusion_table)
        self.confusion_table.setToolTip(
            "Confusion matrix: each row is a true class, each column the class the network "
            "predicts. The diagonal counts right answers; everything off it is a mistake."
        )
        self.confusion_set = QComboBox()
        self.confusion_set.addItem("Training examples", "train")
        self.confusion_set.addItem("Test examples", "test")
        self.confusion_set.addItem("All examples", "all")
        self.confusion_set.setToolTip("Which examples the confusion matrix counts")
        self.confusion_set.currentIndexChanged.connect(self._on_confusion_set_changed)
        # One line: the matrix's own headers ("true 0", "pred. 1") say which way it
        # reads, and on a short dock (1280×800) every line is a table row less.
        caption = QLabel("Confusion matrix")
        caption.setToolTip("Rows: the true class; columns: the class the network predicts")
        self.prefs.style(caption, "color: {faint_text};")
        side = QVBoxLayout()
        side.addWidget(caption)
        side.addWidget(self.confusion_set)
        side.addStretch(1)
        self.confusion_box = QWidget()
        box = QHBoxLayout(self.confusion_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(side)
        box.addWidget(self.confusion_table)
        box.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addWidget(self.accuracy_label)
        self.table.setMinimumHeight(48)  # the window must still fit small screens
        layout.addWidget(self.table, 1)
        layout.addWidget(self.hint_label)
        layout.addWidget(self.confusion_box)
        self.confusion_note = QLabel(
            "The confusion matrix of this many classes has a panel of its own: "
            "View → Panels → Confusion."
        )
        self.confusion_note.setWordWrap(True)
        self.prefs.style(self.confusion_note, "color: {faint_text};")
        layout.addWidget(self.confusion_note)

        doc.parametersChanged.connect(self._on_network_values_changed)
        doc.networkChanged.connect(self._on_network_values_changed)
        doc.datasetChanged.connect(self._on_network_values_changed)
        doc.sampleChanged.connect(self._on_sample_changed)
        doc.frames.liveChanged.connect(self._catch_up_after_training)
        ready_signal(doc).connect(self._on_network_values_changed)
        self.prefs.changed.connect(self._on_preferences_changed)
        self.refresh()

    # -- updates -------------------------------------------------------------------

    def _on_network_values_changed(self) -> None:
        self.stale = True
        # Training changes the parameters up to 60 times a second: the table follows
        # at the pace of the document's tables.
        self.doc.frames.request(self._on_frame, TABLE)

    def flush(self) -> None:
        """Run a refresh that the frame clock is still holding back (if the panel is visible)."""
        self.doc.frames.flush(self._on_frame)

    def _on_preferences_changed(self) -> None:
        """Colours and number format from the preferences."""
        self.refresh()
        self.table.viewport().update()

    def refresh(self) -> None:
        """Recompute every prediction with one vectorised pass and update the table in place."""
        start = time.perf_counter()
        self.stale = False
        doc, model = self.doc, self.model
        data, net = doc.dataset, doc.network
        outputs = predicted(doc)  # training and test rows in one pass, shared
        if outputs is None and pending(doc):
            # Its pass runs on the job runner (a large dataset): ready_signal brings the
            # refresh, and the table shows what it showed until then.
            self.stale = True
            return
        new_data = data is not model.dataset
        if new_data:
            model.set_dataset(data)
            many = data.kind == "multiclass" and data.n_outputs > TABLE_CLASSES
            self.confusion_box.setVisible(data.kind != "regression" and not many)
            self.confusion_note.setVisible(many)
            line = self.fontMetrics().height() + 6
            pictures = model.column(IMAGE) >= 0
            size = model.thumbnail_size
            self.table.setIconSize(QSize(size, size))  # digits' thumbnails at full size
            self.table.verticalHeader().setDefaultSectionSize(
                max(line, size + 4) if pictures else line
            )
            self.confusion_set.setEnabled(data.n_test > 0)
            if not data.n_test:
                self.confusion_set.setCurrentIndex(0)  # the training examples: all there is
        # Between an architecture edit and the dataset that fits it the two may
        # not match for a moment: show "—" rather than fail.
        fits = net.layer_sizes[0] == data.n_inputs and net.layer_sizes[-1] == data.n_outputs
        Y = outputs.all if outputs is not None and len(outputs.all) else None
        changed = model.set_outputs(Y, probability=net.activations[-1] == "softmax")
        if new_data:
            # Sized once per dataset, with outputs in place; the view reads the
            # visible rows only, so this stays cheap for large datasets.
            self.table.resizeColumnsToContents()
            self._syncing = True
            try:
                self._select(doc.sample)
            finally:
                self._syncing = False
        if changed or new_data:
            self._update_summary(fits)
        self._update_hint()
        self.last_refresh_ms = (time.perf_counter() - start) * 1000

    def _update_summary(self, fits: bool) -> None:
        model = self.model
        data = model.dataset
        n = model.n_train
        if not fits:
            self.train_accuracy = self.test_accuracy = None
            self.accuracy_label.setText("The network's inputs or outputs do not fit this dataset.")
            self.confusion_model.set_counts(np.zeros((0, 0), dtype=np.int64))
            return
        if data.kind == "regression":
            self.train_accuracy = self.test_accuracy = None
            errors = model.errors
            number = self.prefs.fmt
            train = number(float(errors[:n].mean()))
            test = f"test {number(float(errors[n:].mean()))}" if model.n_test else "no test set"
            self.accuracy_label.setText(f"Mean |ŷ − t|: training {train} · {test}")
            return
        correct = model.correct
        self.train_accuracy = float(correct[:n].mean())
        self.test_accuracy = float(correct[n:].mean()) if model.n_test else None
        text = f"Accuracy: training {format_percent(self.train_accuracy)}"
        text += f" ({int(correct[:n].sum())} of {n})"
        if model.n_test:
            right = int(correct[n:].sum())
            text += f" · test {format_percent(self.test_accuracy)} ({right} of {model.n_test})"
        else:
            text += " · no test set"
        self.accuracy_label.setText(text)
        self._update_confusion()

    def _update_confusion(self) -> None:
        model = self.model
        if model.correct is None:
            return
        k = 2 if model.dataset.kind == "binary" else model.dataset.n_outputs
        rows = self._confusion_rows()
        true = model.true_labels[rows]
        pred = model.predicted[rows]
        # One bincount over true·k + predicted fills the whole k×k matrix.
        counts = np.bincount(true * k + pred, minlength=k * k).reshape(k, k)
        self.confusion_model.set_counts(counts)

    def _fit_confusion_table(self) -> None:
        # Exactly as big as its k×k counts (at most 8×8): the example table
        # gets the rest of the dock, and the matrix never needs scrolling.
        table = self.confusion_table
        table.resizeColumnsToContents()
        table.resizeRowsToContents()
        columns, rows = table.horizontalHeader(), table.verticalHeader()
        frame = 2 * table.frameWidth()
        table.setFixedSize(
            rows.sizeHint().width() + columns.length() + frame,
            columns.sizeHint().height() + rows.length() + frame,
        )

    def _confusion_rows(self) -> slice:
        which = self.confusion_set.currentData()
        n = self.model.n_train
        if which == "test" and self.model.n_test:
            return slice(n, None)
        if which == "all":
            return slice(None)
        return slice(0, n)

    def _on_confusion_set_changed(self) -> None:
        self._update_confusion()

    # -- selection -------------------------------------------------------------------

    def selected_row(self) -> int | None:
        """The row selected in the table, or None."""
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def _select(self, row: int | None) -> None:
        selection = self.table.selectionModel()
        if row is None or row >= self.model.rowCount():
            selection.clearSelection()
            return
        index = self.model.index(row, 0)
        flags = (
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows
        )
        selection.setCurrentIndex(index, flags)
        self.table.scrollTo(index)

    def _on_selection_changed(self, *_) -> None:
        self._update_hint()
        if self._syncing:
            return
        row = self.selected_row()
        # A click in a table that is a refresh behind a new dataset could name a
        # row that no longer exists: only rows of the current data drive the views.
        if row is None or self.model.dataset is not self.doc.dataset:
            return
        if not self.model.is_test(row):
            self.doc.set_sample(row)

    def _on_sample_changed(self) -> None:
        self.flush()  # a new dataset must be in the table before its rows are selected
        sample = self.doc.sample
        row = self.selected_row()
        if row == sample or (sample is None and row is not None and self.model.is_test(row)):
            # Already shown; a selected test row stays when the views go back to the mean.
            self._update_hint()
            return
        self._syncing = True
        try:
            self._select(sample)
        finally:
            self._syncing = False
        self._update_hint()

    def _update_hint(self) -> None:
        row = self.selected_row()
        sample = self.doc.sample
        if row is not None and self.model.is_test(row):
            shown = "the mean of all examples" if sample is None else f"example {sample + 1}"
            self.hint_label.setText(
                f"{self.model.row_name(row).capitalize()} is held out from training, so the "
                f"network views keep showing {shown}."
            )
        else:
            # The everyday hint is the table's tooltip: on a short dock (1280×800)
            # its two lines are worth more as table rows.
            self.hint_label.setText("")
        self.hint_label.setVisible(bool(self.hint_label.text()))
