"""The "Loss" dock: training and test loss per epoch, earlier runs, and rewinding.

Curves are created once and fed slices of the document's growing buffers
(``setData(x[:n], y[:n])`` with clip-to-view and automatic downsampling), so a
run of a million epochs stays smooth and costs no copies. A longer run's record
is thinned in its past: each row says which epoch it holds (``record.kept``).
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from bpdesk.ui import editing
from bpdesk.ui.accuracy_curve import AccuracyCurves
from bpdesk.ui.commands import RewindCommand
from bpdesk.ui.document import Document
from bpdesk.ui.format import fmt, whole_percent
from bpdesk.ui.frames import NUMBERS, PLOT
from bpdesk.ui.plots import (
    LARGEST_SHOWN,
    decade_range,
    epoch_range,
    hold_range,
    nice_ceiling,
    plot_widget,
)
from bpdesk.ui.preferences import ViewPreferences
from bpdesk.ui.widgets import fix_size

HOVER_HINT = "Hover over the curve to read it; click it to go back to that epoch."
EMPTY_HINT = "No training yet: Train (Space) or Step one epoch draws the loss here, epoch by epoch."


def _count(epochs: int) -> str:
    """``4,716``; from a million on ``1.25M`` (the label has room for six digits)."""
    return f"{epochs:,}" if epochs < 1_000_000 else f"{epochs / 1e6:.2f}M"


# Earlier runs, drawn half-transparent: mid-light colours that stay apart once faded
# onto the light or the dark background (CIELAB ΔE > 25 between any two, > 35 from
# the background), and apart from the live curves (text colour, orange test, red cursor).
RUN_COLORS = ("#2ca02c", "#9b59b6", "#b8860b", "#16a085", "#e7298a", "#a0522d")
RUN_ALPHA = 150
# The legend names this many earlier runs, the latest: more would cover a short plot.
LEGEND_RUNS = 4
# Points of a curve handed to pyqtgraph at most: its own work on every redraw is in
# proportion to them (a run of 20 million epochs took 0.4 s a redraw, whole). A longer
# stretch is drawn from every k-th epoch of the epochs in view; zoomed in, every one.
MAX_DRAWN = 20_000


class LossPanel(QWidget):
    """Loss curves with a log-scale toggle, a hover readout, and click/drag to rewind."""

    def __init__(self, doc: Document, parent=None, *, prefs: ViewPreferences | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.prefs = prefs if prefs is not None else ViewPreferences(parent=self)
        self.redraws = 0
        self.plot = plot_widget(prefs=self.prefs)
        self.plot.setMinimumHeight(70)
        item = self.plot.getPlotItem()
        item.setLabel("bottom", "epoch")
        item.setLabel("left", "loss")
        colors = self.prefs.palette
        self.legend = item.addLegend(offset=(-10, 10), labelTextColor=colors.text)
        self._x = np.arange(1, 1025, dtype=np.float64)
        # One-pixel pens: thicker ones take several times longer to rasterise.
        self.train_curve = self._curve(colors.text, 1, "training")
        self.test_curve = self._curve(colors.positive, 1, "test")
        self.cursor = pg.InfiniteLine(
            angle=90, movable=False, pen=pg.mkPen(colors.selected, width=1.5)
        )
        item.addItem(self.cursor)
        self.accuracy = AccuracyCurves(self.plot, self.prefs)  # a classifier's, on the right
        self.run_curves: list[pg.PlotDataItem] = []
        self._run_keys: list = []
        # The extent of earlier runs of the same problem: the view includes them.
        self._runs_epochs = 0
        self._with_runs = True  # earlier runs set the scale too (until Fit)
        self._runs_ymax = 0.0
        self._runs_ymin = np.inf

        self.readout = QLabel(HOVER_HINT)
        self.readout.setObjectName("lossReadout")
        self.readout.setWordWrap(True)  # its longest line must not set the panel's width
        self.log_box = QCheckBox("Log scale")
        self.log_box.setToolTip("Show the loss on a logarithmic axis (small losses become visible)")
        self.log_box.toggled.connect(self._on_log)
        self.clear_runs = QPushButton("Clear runs")
        self.clear_runs.setToolTip("Remove the faint curves of earlier runs")
        self.clear_runs.clicked.connect(lambda: editing.clear_runs(doc))
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setToolTip("History: drag to see the network as it was at an earlier epoch")
        self.slider.setRange(0, 0)
        self.slider.valueChanged.connect(self._on_slider)
        self.slider_label = QLabel()
        fix_size(self.slider_label, "999,999 / 999,999")  # longer runs count in millions
        self.slider_label.setToolTip("The epoch the network is at, of the epochs trained")

        # One row of controls: on a laptop screen every line taken from the plot shows.
        controls = QHBoxLayout()
        controls.addWidget(QLabel("History"))
        controls.addWidget(self.slider, 1)
        controls.addWidget(self.slider_label)
        controls.addWidget(self.log_box)
        controls.addWidget(self.clear_runs)
        layout = QVBoxLayout(self)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.readout)
        layout.addLayout(controls)

        # The view range moves in coarse steps (and never while the user is
        # looking around): axes regenerate their ticks and labels whenever the
        # range changes, which would otherwise be every frame of a training run.
        self._follow = True
        self._ymax = 0.0
        self._ymin = np.inf
        vb = self.plot.getPlotItem().vb
        vb.disableAutoRange()
        vb.sigRangeChangedManually.connect(self._on_user_range)
        vb.sigXRangeChanged.connect(self._on_x_range)
        self.fit_button = QPushButton("Fit")
        self.fit_button.setToolTip("Show the whole history again (after zooming or panning)")
        self.fit_button.clicked.connect(self.fit)
        controls.addWidget(self.fit_button)

        doc.historyExtended.connect(self._on_extended)
        doc.historyChanged.connect(self._on_history_changed)
        # The history slider and its label follow training at the pace of numbers.
        doc.epochChanged.connect(self._request_epoch)
        doc.runsChanged.connect(self._on_runs)
        # Labels name a run's data and loss when they differ from the current ones.
        doc.datasetChanged.connect(self._on_runs)
        doc.networkChanged.connect(self._on_runs)
        self.plot.scene().sigMouseMoved.connect(self._on_hover)
        self.plot.scene().sigMouseClicked.connect(self._on_click)
        self.prefs.changed.connect(self._on_preferences_changed)
        self._on_runs()
        self._on_history_changed()

    def _on_preferences_changed(self) -> None:
        """Curves and cursor in the palette."""
        colors = self.prefs.palette
        self.train_curve.setPen(pg.mkPen(colors.text, width=1))
        self.test_curve.setPen(pg.mkPen(colors.positive, width=1))
        self.cursor.setPen(pg.mkPen(colors.selected, width=1.5))

    def _curve(self, color, width: float, name: str | None, x=None, y=None) -> pg.PlotDataItem:
        curve = pg.PlotDataItem(pen=pg.mkPen(color, width=width), name=name)
        self.plot.addItem(curve)
        # Set after adding: pyqtgraph 0.14 looks for the view box while the item
        # is being added and fails if clipping is already on.
        curve.setClipToView(True)
        curve.setDownsampling(auto=True, method="peak")
        if x is not None:
            curve.setData(x, y)
        return curve

    def _xs(self, n: int) -> np.ndarray:
        if n > len(self._x):
            self._x = np.arange(1, max(n, 2 * len(self._x)) + 1, dtype=np.float64)
        return self._x[:n]

    # -- drawing ------------------------------------------------------------------------

    def _on_extended(self, first: int, count: int) -> None:
        record = self.doc.history
        start = record.rows_through(first - 1)
        rows = slice(start, start + count)
        for values in (record.train_loss[rows], record.test_loss[rows]):
            if values.size and not np.all(np.isnan(values)):
                self._ymax = max(self._ymax, float(np.nanmax(values)))
                self._ymin = min(self._ymin, float(np.nanmin(values)))
        if self.readout.text() == EMPTY_HINT:
            self.readout.setText(HOVER_HINT)
        self.doc.frames.request(self._redraw, PLOT)

    def _on_history_changed(self) -> None:
        record = self.doc.history
        values = np.concatenate([record.train_loss, record.test_loss])
        finite = values[np.isfinite(values)]
        self._ymax = float(finite.max()) if finite.size else 0.0
        self._ymin = float(finite.min()) if finite.size else np.inf
        if len(record) == 0:
            self.readout.setText(EMPTY_HINT)
        elif self.readout.text() == EMPTY_HINT:
            self.readout.setText(HOVER_HINT)
        self._redraw()

    def _on_user_range(self, *_) -> None:
        self._follow = False

    def _on_x_range(self, *_) -> None:
        # Zoomed or panned by hand over a long run: draw the epochs now in view.
        if not self._follow and self.doc.history.kept.size > MAX_DRAWN:
            self.doc.frames.request(self._redraw, PLOT)

    def _drawn(self, n: int, kept: np.ndarray | None = None) -> slice | np.ndarray:
        """The rows to hand to pyqtgraph: all of a short run; of a long one, every k-th
        of those in view (all of them while the view follows the run), at most
        MAX_DRAWN, always ending on the last one in view. Of a record whose past is
        thinned (``kept``: the epoch of each row), rows evenly spread over the epochs
        in view: its recent rows are every epoch, and every k-th row would draw the
        last minutes of a long run in more detail than all the rest."""
        first, stop = 0, n
        if n <= MAX_DRAWN:
            return slice(first, stop)
        if not self._follow:
            (x0, x1), _ = self.plot.getPlotItem().vb.viewRange()
            # One more row each side so that the line runs off the edges.
            epochs = self.doc.history.kept
            first = int(np.clip(np.searchsorted(epochs, x0) - 2, 0, n - 1))
            stop = int(np.clip(np.searchsorted(epochs, x1, side="right") + 1, first + 1, n))
        if kept is not None and stop - first > MAX_DRAWN:
            wanted = np.linspace(kept[first], kept[stop - 1], MAX_DRAWN)
            rows = np.searchsorted(kept[first:stop], wanted)  # increasing: no sort to dedupe
            return rows[np.r_[True, rows[1:] != rows[:-1]]] + first
        step = -(-(stop - first) // MAX_DRAWN)
        first += (stop - 1 - first) % step  # so that the last row is drawn
        return slice(first, stop, step)

    def fit(self) -> None:
        """Follow the live run's whole history: earlier runs stay drawn, but no longer
        set the scale (after a run of 700,000 epochs a new one is otherwise a sliver)
        until the runs change again."""
        self._follow = True
        self._with_runs = False
        self._update_range(force=True)
        if self.doc.history.kept.size > MAX_DRAWN:  # drawn from the rows that were in view
            self.doc.frames.request(self._redraw, PLOT)

    def _update_range(self, force: bool = False) -> None:
        if not self._follow:
            return
        # A finite loss can still be near the float limit (a file, a wild run): keep
        # the axis arithmetic (×1.05, Qt's and pyqtgraph's sums) from overflowing.
        runs = self._with_runs or not len(self.doc.history)
        y_max = min(max(self._ymax, self._runs_ymax if runs else 0.0), LARGEST_SHOWN)
        y_min = min(self._ymin, self._runs_ymin if runs else np.inf)
        if self.log_box.isChecked():
            low = np.log10(max(y_min, 1e-12)) if np.isfinite(y_min) else -3.0
            high = np.log10(max(y_max, 1e-12)) if y_max > 0 else 0.0
            y_range = decade_range(low, high)
        else:
            y_range = (0.0, nice_ceiling(y_max * 1.05) if y_max > 0 else 1.0)
        view = self.plot.getPlotItem().vb
        epochs = len(self.doc.history)
        if self._with_runs or not epochs:
            epochs = max(epochs, self._runs_epochs)
        hold_range(view, epoch_range(epochs), y_range, force)

    def _redraw(self) -> None:
        self.redraws += 1
        record = self.doc.history
        kept = record.kept_if_thinned()
        n = len(record) if kept is None else len(kept)  # rows
        rows = self._drawn(n, kept)  # views, not copies (but of a thinned record)
        # Thinned: at most MAX_DRAWN epochs become floats, a small copy.
        x = self._xs(n)[rows] if kept is None else kept[rows].astype(np.float64)
        train, test = record.train_loss[rows], record.test_loss[rows]
        if self._ymax > LARGEST_SHOWN:  # rare: copies only then
            train, test = (np.minimum(v, LARGEST_SHOWN) for v in (train, test))
        self.train_curve.setData(x, train)
        has_test = n > 0 and not np.isnan(record.test_loss[n - 1])
        self.test_curve.setData(x if has_test else [], test if has_test else [])
        self.accuracy.redraw(x, record.train_accuracy[rows], record.test_accuracy[rows])
        if has_test != self.test_curve.isVisible():
            self.test_curve.setVisible(has_test)
            # The legend lists only what is drawn.
            if has_test:
                self.legend.addItem(self.test_curve, "test")
                # The live curves first, then earlier runs: move those after "test".
                for curve in self.run_curves:
                    if curve.name():
                        self.legend.removeItem(curve)
                        self.legend.addItem(curve, curve.name())
            else:
                self.legend.removeItem(self.test_curve)
        self._update_range()
        self._request_epoch()

    def _request_epoch(self, *_args) -> None:
        self.doc.frames.request(self._show_epoch, NUMBERS)

    def _show_epoch(self) -> None:
        self.show_epoch(self.doc.epoch)

    def show_epoch(self, epoch: int) -> None:
        """Put the cursor, the slider and its label at ``epoch`` now.

        The document's epoch changes ask for this at the pace of :data:`NUMBERS`;
        a rewind calls it at once.
        """
        n = len(self.doc.history)
        self.cursor.setValue(epoch)
        # Visible when looking back in time; not while training, when the epoch shown
        # can trail the history by a report and the line would flicker at its end.
        self.cursor.setVisible(0 < epoch < n and not self.doc.training_active)
        self.slider.blockSignals(True)
        self.slider.setRange(0, n)
        self.slider.setValue(epoch)
        self.slider.blockSignals(False)
        self.slider_label.setText(f"{_count(epoch)} / {_count(n)}")

    def run_label(self, run) -> str:
        """An earlier run's legend entry: its settings, and its data and loss where
        they differ from the current ones."""
        doc = self.doc
        label = run.label
        if run.dataset and run.dataset != doc.dataset_label():
            label += f" · {run.dataset}"
        if run.loss and run.loss != doc.network.loss:
            label += f" · {run.loss} loss"
        return label

    def _comparable(self, run) -> bool:
        doc = self.doc
        return run.dataset in ("", doc.dataset_label()) and run.loss in ("", doc.network.loss)

    def _on_runs(self) -> None:
        runs = self.doc.runs
        keys = [(run, self.run_label(run)) for run in runs]
        if keys == self._run_keys:
            return  # an edit that changes neither the runs nor their labels
        self._run_keys = keys
        for curve in self.run_curves:
            self.plot.removeItem(curve)
            if curve.name():
                self.legend.removeItem(curve)
        self.run_curves = []
        self._runs_epochs, self._runs_ymax, self._runs_ymin = 0, 0.0, np.inf
        self._with_runs = True  # new runs to compare with: the view takes them in again
        for k, (run, (_, label)) in enumerate(zip(runs, keys)):
            color = QColor(RUN_COLORS[k % len(RUN_COLORS)])
            color.setAlpha(RUN_ALPHA)
            x = run.epochs
            named = k >= len(runs) - LEGEND_RUNS
            # The label may hold a dataset's title (from a file): the legend is HTML.
            name = html.escape(label) if named else None
            curve = self._curve(color, 1, name, x, run.train_loss)
            curve.setZValue(-1)
            self.run_curves.append(curve)
            # Earlier runs of the same problem are what the live one is compared
            # with: the view takes them in. Others (other data, another loss) can be
            # on another scale altogether and would flatten the live curve.
            finite = run.train_loss[np.isfinite(run.train_loss)]
            if self._comparable(run) and finite.size:
                self._runs_epochs = max(self._runs_epochs, int(x[-1]))
                self._runs_ymax = max(self._runs_ymax, float(finite.max()))
                self._runs_ymin = min(self._runs_ymin, float(finite.min()))
        self.clear_runs.setEnabled(bool(self.run_curves))
        self._update_range()

    def _on_log(self, on: bool) -> None:
        self.plot.getPlotItem().setLogMode(y=on)
        self._update_range(force=True)

    # -- reading and rewinding ------------------------------------------------------------------

    def epoch_at(self, scene_pos) -> int | None:
        """The epoch under a scene position (None outside the plot or the history)."""
        vb = self.plot.getPlotItem().vb
        if not vb.sceneBoundingRect().contains(scene_pos):
            return None
        x = vb.mapSceneToView(scene_pos).x()
        n = len(self.doc.history)
        if n == 0:
            return None
        return int(min(max(round(x), 1), n))

    def _on_hover(self, scene_pos) -> None:
        epoch = self.epoch_at(scene_pos)
        if epoch is None:
            return
        record = self.doc.history
        row = record.row_of(epoch)
        if row < 0:
            return
        # In a long run's thinned past, the nearest epoch kept: named as it is.
        epoch = int(record.kept[row])
        text = f"epoch {epoch:,}   loss {fmt(record.train_loss[row], 5)}"
        test = record.test_loss[row]
        if not np.isnan(test):
            text += f"   test {fmt(test, 5)}"
        acc = record.train_accuracy[row]
        if not np.isnan(acc):
            text += f"   accuracy {whole_percent(acc)}"
        self.readout.setText(text)

    def _on_click(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        epoch = self.epoch_at(event.scenePos())
        if epoch is not None:
            self.rewind(epoch)

    def _on_slider(self, value: int) -> None:
        self.rewind(value)

    def rewind(self, epoch: int) -> bool:
        """Show the network as it was at ``epoch`` (the nearest kept snapshot), undoably.

        A refused rewind says why and puts the slider back where the network is.
        """
        doc = self.doc
        snapshot, reason = doc.rewind_target(epoch)
        if snapshot is not None:
            # From the last epoch trained, not the one on screen: training stops first
            # (only for a rewind that will happen: a refused one leaves it running).
            doc.prepare_edit(RewindCommand)
            snapshot, reason = doc.rewind_target(epoch)
        if snapshot is None:
            doc.notify(reason)
            self.show_epoch(doc.epoch)
            return False
        doc.push(RewindCommand(doc, snapshot.epoch, snapshot.parameters, snapshot.trainer_state))
        # The nearest snapshot may be the epoch the network is at: then nothing moved,
        # and the slider goes back to it.
        self.show_epoch(doc.epoch)
        return True
