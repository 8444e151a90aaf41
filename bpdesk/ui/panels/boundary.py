"""The "Decision boundary" dock: the network's output over the input plane.

As in the explainer's coloured square, every point of the plane is an input
pair and its colour is what the network answers there; the training points
sit on top, filled with their target's colour, so that success reads as
"each point's background matches its fill". Test points are hollow rings.

The plot items are created once. A redraw asks the network for its output on
a fixed grid of input pairs (:meth:`~bpdesk.core.Network.predict`, which reuses
the network's buffers for a batch of that size) and writes the result into the
same float32 (or, for several classes, RGBA) buffer, which the one
``ImageItem`` shows with fixed levels and a 256-entry lookup table.
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from bpdesk.core import Dataset, Network
from bpdesk.ui.commands import ReplaceDatasetCommand
from bpdesk.ui.document import Document
from bpdesk.ui.format import fmt
from bpdesk.ui.frames import PLOT
from bpdesk.ui.output_curve import OutputCurve
from bpdesk.ui.plane import PLANE_LIMIT, diverging_lut, neutral, plane_bounds, rgb
from bpdesk.ui.plots import plot_widget
from bpdesk.ui.preferences import ViewPreferences
from bpdesk.ui.theme import class_colors

# The largest value the float32 map holds and colours (its levels' span stays finite).
MAP_LIMIT = 1e37
GRID = 100  # pixels per side: 10 000 input pairs, a few milliseconds for a small network
TINT = 0.25  # the map's strongest colours are this much paler than the points drawn on them
THRESHOLD = 0.5  # ŷ > 0.5 means class 1: the explainer's rule (and bpdesk.core.metrics')
# While training, one redraw evaluates at most about this many neurons (a neuron at
# one point costs about one float64 tanh: 10-30 ns measured here, the more under load):
# a big network's map is drawn in blocks of k × k pixels that share one evaluation, so
# the redraw stays under ~10 ms (2-32-32-32-1 pixel by pixel took 17-32 ms a redraw).
LIVE_WORK = 800_000
BLOCKS = (1, 2, 4, 5, 10)  # block sides that divide GRID


def live_block(network: Network) -> int:
    """The block side (pixels) the map of ``network`` is drawn in while training."""
    # Per point: every neuron's activation, and the matrix products (much cheaper per
    # multiply-add than an activation) that feed them.
    per_point = sum(network.layer_sizes[1:]) + network.n_parameters / 32
    for block in BLOCKS:
        if (GRID // block) ** 2 * per_point <= LIVE_WORK:
            return block
    return BLOCKS[-1]


class DecisionBoundaryPanel(QWidget):
    """The network's output as a heat map over the input plane, with the data on top.

    Binary problems show ŷ from blue (0) through white (0.5) to orange (1);
    multi-class problems the winning class's colour, paler where the network
    is less sure; regression a diverging map over the targets' range. Clicks
    add training points (undoably); hovering reads the output under the cursor.
    """

    def __init__(
        self,
        doc: Document,
        parent: QWidget | None = None,
        *,
        prefs: ViewPreferences | None = None,
    ) -> None:
        super().__init__(parent)
        self.doc = doc
        self.prefs = prefs if prefs is not None else ViewPreferences(parent=self)
        self.redraws = 0  # grid evaluations so far (the benchmark reads it)
        self.kind = ""
        self.bounds: tuple[float, float, float, float] | None = None  # x_min, x_max, y_min, y_max
        self.grid_x = np.empty(0)  # pixel centres along x₁ (image columns)
        self.grid_y = np.empty(0)  # pixel centres along x₂ (image rows, bottom to top)
        self.region_colors = np.empty((0, 3), np.uint8)  # per class, as painted in the map
        self._grid: np.ndarray | None = None  # (GRID², 2) input pairs, row-major over the image
        self._coarse: dict[int, np.ndarray] = {}  # block side → one pair per block (its middle)
        # The network's inputs at every pixel (the grid itself, or its input features) and
        # the data they were computed for.
        self._inputs: np.ndarray | None = None
        self._inputs_of: Dataset | None = None
        self._block = 1  # the block side the map on screen was drawn in
        self._values = np.zeros((GRID, GRID), np.float32)  # binary and regression
        self._rgba = np.full((GRID, GRID, 4), 255, np.uint8)  # multi-class
        self._lut: np.ndarray | None = None
        self._levels = (0.0, 1.0)
        self._hover: tuple[float, float] | None = None

        self._build_plot()

        self.discretise = QCheckBox("Discretise")
        self.discretise.toggled.connect(self._on_discretise)
        self.class_label = QLabel("Left click adds")
        self.class_choice = QComboBox()
        self.class_choice.setToolTip("The class of the point a left click adds")
        self.class_label.setToolTip(self.class_choice.toolTip())
        self.readout = QLabel()
        self.readout.setObjectName("boundaryReadout")
        self.readout.setWordWrap(True)
        self.readout.setToolTip("The inputs under the cursor and the network's output there")
        self.message = QLabel()
        self.message.setObjectName("boundaryMessage")
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setToolTip(
            "Choose a dataset with two inputs (Data panel) to see the decision boundary"
        )

        controls = QHBoxLayout()
        controls.addWidget(self.discretise)
        controls.addStretch(1)
        controls.addWidget(self.class_label)
        controls.addWidget(self.class_choice)
        page = QWidget()
        page_layout = QVBoxLayout(page)
        page_layout.setContentsMargins(0, 0, 0, 0)
        page_layout.addLayout(controls)
        page_layout.addWidget(self.plot, 1)
        page_layout.addWidget(self.readout)
        # One input: ŷ against x instead of a plane (see ``curve``), built when first
        # needed: most data have two inputs, and a plot costs start-up time.
        self._curve: OutputCurve | None = None
        self.stack = QStackedWidget()
        self.stack.addWidget(page)
        self.stack.addWidget(self.message)
        self._page = page
        layout = QVBoxLayout(self)
        layout.addWidget(self.stack)

        doc.parametersChanged.connect(self.request_redraw)
        doc.frames.liveChanged.connect(self._on_live_changed)
        doc.networkChanged.connect(self._on_network_changed)
        doc.datasetChanged.connect(self._on_dataset_changed)
        doc.sampleChanged.connect(self._on_sample_changed)
        self.prefs.changed.connect(self._on_preferences_changed)
        scene = self.plot.scene()
        scene.sigMouseMoved.connect(self._on_mouse_moved)
        scene.sigMouseClicked.connect(self._on_scene_clicked)
        self.plot.viewport().installEventFilter(self)
        self._on_dataset_changed()

    def _build_plot(self) -> None:
        """The map and the points over it, in a plot that stays put."""
        self.plot = plot_widget(prefs=self.prefs)
        self.plot.setMinimumSize(120, 120)
        self.plot.setToolTip(
            "The network's output for every input pair. Click to add a training point."
        )
        item = self.plot.getPlotItem()
        # A fixed view: the map covers only the data's region, so panning or
        # zooming would just reveal empty plane; clicks add points instead.
        item.setMouseEnabled(x=False, y=False)
        item.hideButtons()
        item.setAspectLocked(True)  # a circle of points should look like one
        item.showGrid(x=False, y=False)  # grid lines over the map would read as its pixels
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setAutoLevels(False)  # fixed levels: 0.5 is always white, however ŷ ranges
        self.image.setZValue(-10)
        item.addItem(self.image)
        # Hollow rings with a pale inside, so that they show on their own class's colour.
        self.test_points = pg.ScatterPlotItem(
            size=11, brush=pg.mkBrush(self.prefs.palette.node_fill)
        )
        self.test_points.setZValue(1)
        self.train_points = pg.ScatterPlotItem(size=11)
        self.train_points.setZValue(2)
        self.sample_ring = pg.ScatterPlotItem(size=24, brush=pg.mkBrush(None))
        self.sample_ring.setZValue(3)
        for scatter in (self.test_points, self.train_points, self.sample_ring):
            # The points do not move while training repaints the map under them ~25
            # times a second: Qt keeps them as a picture (redrawn on resize only)
            # rather than painting every point again, which holds the interpreter.
            scatter.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            item.addItem(scatter)

    # -- reading ---------------------------------------------------------------------

    @property
    def curve(self) -> OutputCurve:
        """The output against the one input, for one-input data (built on first use)."""
        if self._curve is None:
            self._curve = OutputCurve(self.doc, prefs=self.prefs)
            self.stack.insertWidget(1, self._curve)  # between the plane and the message
        return self._curve

    @property
    def showing_plot(self) -> bool:
        """False when the dataset has no plane to draw (not exactly two inputs)."""
        return self.stack.currentWidget() is self._page

    def output_at(self, x1: float, x2: float) -> np.ndarray:
        """The network's output for one input pair: ``(n_out,)``."""
        inputs = self.doc.dataset.network_inputs(np.array([[x1, x2]]))
        with np.errstate(all="ignore"):
            return self.doc.network.predict(inputs)[0]

    def contains(self, x1: float, x2: float) -> bool:
        """True when ``(x1, x2)`` lies inside the mapped region."""
        if self.bounds is None:
            return False
        x_min, x_max, y_min, y_max = self.bounds
        return x_min <= x1 <= x_max and y_min <= x2 <= y_max

    # -- drawing ---------------------------------------------------------------------

    def request_redraw(self) -> None:
        """Redraw soon: at the pace of the document's plots however often this is asked."""
        self.doc.frames.request(self.redraw, PLOT)

    def redraw(self) -> None:
        """Evaluate the network on the grid now and show it (the same image, new data)."""
        doc = self.doc
        net, ds = doc.network, doc.dataset
        if self._curve is not None and self.stack.currentWidget() is self._curve:
            self._curve.redraw()
            self.redraws += 1
            return
        if (
            not self.showing_plot
            or self._grid is None
            or not _fits(net, ds)
            or (self.kind == "multiclass" and len(self.region_colors) < net.layer_sizes[-1])
        ):
            # An edit swaps the network first and the data next (the colours follow
            # the data, a class each): wait for the data.
            return
        self._block = live_block(net) if doc.training_active else 1
        with np.errstate(all="ignore"):  # a diverged network gives inf/NaN, shown as gaps
            y = self._evaluate(net, self._block)
            if self.kind == "multiclass":
                self._paint_classes(y)
            else:
                self._paint_values(y[0])
        self.redraws += 1
        self._show_readout()

    def _on_live_changed(self, live: bool) -> None:
        if not live and self._block > 1:
            self.request_redraw()  # training stopped: the whole map, pixel by pixel

    def _evaluate(self, net: Network, block: int) -> np.ndarray:
        """The network's outputs at every pixel, ``(n_out, GRID²)`` row-major over the grid,
        evaluated once per ``block`` × ``block`` pixels."""
        data = self.doc.dataset
        if self._inputs_of is not data:
            # Input features are computed from the grid: other data, other inputs per pixel.
            self._inputs, self._coarse, self._inputs_of = None, {}, data
        inputs = data.network_inputs
        if block == 1:
            if self._inputs is None:
                self._inputs = inputs(self._grid)  # the features of every pixel, once
            return net.predict(self._inputs).T
        side = GRID // block
        coarse = self._coarse.get(block)
        if coarse is None:
            middle = self._grid.reshape(GRID, GRID, 2)[block // 2 :: block, block // 2 :: block]
            coarse = np.ascontiguousarray(middle.reshape(side * side, 2))
            coarse = self._coarse[block] = inputs(coarse)
        y = net.predict(coarse).T.reshape(-1, side, side)
        return np.repeat(np.repeat(y, block, axis=1), block, axis=2).reshape(len(y), GRID * GRID)

    def _paint_values(self, y: np.ndarray) -> None:
        values = self._values
        # float64 → float32, into the same buffer. Outputs far past the colour scale's
        # ends look like its ends anyway; clipped a million spans out, the scaling to
        # colours cannot overflow (an output of 1e37 times 255 did) and an infinite
        # one is placed, while the values a panel reads stay as computed.
        with np.errstate(over="ignore"):
            np.copyto(values, y.reshape(GRID, GRID))
        low, high = self._levels
        reach = 1e6 * (high - low)
        np.clip(values, max(low - reach, -MAP_LIMIT), min(high + reach, MAP_LIMIT), out=values)
        if self.kind == "binary" and self.discretise.isChecked():
            np.greater(values, THRESHOLD, out=values)
        self.image.setImage(values, autoLevels=False, levels=self._levels, lut=self._lut)

    def _paint_classes(self, y: np.ndarray) -> None:
        labels = np.argmax(np.nan_to_num(y, nan=-np.inf), axis=0)  # (GRID²,)
        colors = self.region_colors[labels].astype(np.float64)  # (GRID², 3)
        if not self.discretise.isChecked():
            # Blend towards neutral by how unsure the network is: neutral where every
            # class is equally likely (1/K), the full class colour at certainty.
            k = y.shape[0]
            sure = (np.nan_to_num(y.max(axis=0), nan=1 / k) - 1 / k) / (1 - 1 / k)
            np.clip(sure, 0.0, 1.0, out=sure)
            middle = neutral(self.prefs.palette)
            colors = middle + (colors - middle) * sure[:, None]
        self._rgba[..., :3] = colors.reshape(GRID, GRID, 3)
        self.image.setImage(self._rgba, autoLevels=False, levels=None, lut=None)

    # -- following the document ------------------------------------------------------------

    def _on_network_changed(self) -> None:
        self.redraw()

    def _on_preferences_changed(self) -> None:
        """Region colours, points and marker in the palette; the readout in the decimals."""
        self._on_dataset_changed()
        self.redraw()

    def _on_dataset_changed(self) -> None:
        ds = self.doc.dataset
        plane = ds.plane  # the points, drawn where they are whatever features they feed
        if plane.n_inputs == 1:
            self.stack.setCurrentWidget(self.curve)
            self.bounds = None
            self.curve.set_dataset(ds)
            return
        if plane.n_inputs != 2:
            self.message.setText(
                f"The output map needs 1 or 2 inputs to draw; this dataset has {ds.n_inputs}."
            )
            self.stack.setCurrentWidget(self.message)
            self.bounds = None
            return
        self.stack.setCurrentWidget(self._page)
        if self.kind != ds.kind:
            self.kind = ds.kind
            self._configure_kind(ds)
        self._configure_colors(ds)
        bounds = self._bounds_for(ds)
        if bounds != self.bounds:
            self._set_bounds(bounds)
        item = self.plot.getPlotItem()
        # Feature names come from a CSV file: pyqtgraph's labels are HTML, so escaped.
        item.setLabel("bottom", html.escape(plane.feature_names[0]))
        item.setLabel("left", html.escape(plane.feature_names[1]))
        self._show_points(plane)
        self._on_sample_changed()
        self.redraw()

    def _on_sample_changed(self) -> None:
        if self._curve is not None:
            self._curve.show_sample()
        doc = self.doc
        sample = doc.sample
        plane = doc.dataset.plane
        if sample is None or plane.n_inputs != 2:
            self.sample_ring.setData([], [])  # the batch mean: no one point to ring
            return
        x1, x2 = plane.X_train[sample]
        self.sample_ring.setData(
            [x1], [x2], pen=pg.mkPen(self.prefs.palette.selected, width=2.5), brush=pg.mkBrush(None)
        )

    def _on_discretise(self, _on: bool) -> None:
        self.redraw()

    def _configure_kind(self, ds: Dataset) -> None:
        regression = ds.kind == "regression"
        self.discretise.setVisible(not regression)  # a real-valued output has no classes to snap to
        self.discretise.setToolTip(
            "Regression has no classes to round to: the map shows the output itself"
            if regression
            else "Show the network's decision (the rounded class) instead of its continuous output"
        )
        multiclass = ds.kind == "multiclass"
        self.class_label.setVisible(multiclass)
        self.class_choice.setVisible(multiclass)
        if regression:
            tip = (
                "The network's output for every input pair. Adding points needs a "
                "classification dataset: a click cannot choose a regression target."
            )
        elif multiclass:
            tip = (
                "The network's output for every input pair. "
                "Left click adds a training point of the class chosen above."
            )
        else:
            tip = (
                "The network's output for every input pair. "
                "Left click adds a class-1 training point, right click a class-0 one."
            )
        self.plot.setToolTip(tip)

    def _configure_colors(self, ds: Dataset) -> None:
        palette = self.prefs.palette
        classes = class_colors(palette, max(ds.n_outputs, 2))
        middle = neutral(palette)
        self.region_colors = np.array(
            [np.round(rgb(c) + (middle - rgb(c)) * TINT) for c in classes], np.uint8
        )
        if ds.kind == "regression":
            targets = np.concatenate([ds.T_train[:, 0], ds.T_test[:, 0]])
            # The map's buffer is float32: targets beyond it (a file may hold 1e200) are
            # coloured as the largest it holds.
            low, high = (
                float(v) for v in np.clip([targets.min(), targets.max()], -MAP_LIMIT, MAP_LIMIT)
            )
            if high - low < 1e-9:  # every target equal: centre it in a range of one
                low, high = low - 0.5, high + 0.5
            self._levels = (low, high)
        else:
            self._levels = (0.0, 1.0)
        self._lut = diverging_lut(classes[0], classes[1], middle, TINT)
        if ds.kind == "multiclass":
            names = [f"class {k}" for k in range(ds.n_outputs)]
            current = self.class_choice.currentIndex()
            if [self.class_choice.itemText(k) for k in range(self.class_choice.count())] != names:
                self.class_choice.clear()
                for name, color in zip(names, classes):
                    swatch = QPixmap(12, 12)
                    swatch.fill(color)
                    self.class_choice.addItem(QIcon(swatch), name)
                self.class_choice.setCurrentIndex(min(max(current, 0), ds.n_outputs - 1))

    def _bounds_for(self, ds: Dataset) -> tuple[float, float, float, float]:
        if ds.name != "xor":
            X = np.concatenate([ds.plane.X_train, ds.plane.X_test])
            if (
                ds.spec is None
                and self.bounds is not None
                and ds.kind == self.kind
                and self._covers(X)
            ):
                # Points added by hand (or undone): keep the view still under the cursor.
                return self.bounds
        return plane_bounds(ds)

    def _covers(self, X: np.ndarray) -> bool:
        x_min, x_max, y_min, y_max = self.bounds
        x1, x2 = X[:, 0], X[:, 1]
        return bool(np.all((x_min <= x1) & (x1 <= x_max) & (y_min <= x2) & (x2 <= y_max)))

    def _set_bounds(self, bounds: tuple[float, float, float, float]) -> None:
        self.bounds = bounds
        x_min, x_max, y_min, y_max = bounds
        # Pixel centres, so that each pixel shows the output at its own middle.
        self.grid_x = x_min + (np.arange(GRID) + 0.5) * (x_max - x_min) / GRID
        self.grid_y = y_min + (np.arange(GRID) + 0.5) * (y_max - y_min) / GRID
        xx, yy = np.meshgrid(self.grid_x, self.grid_y)  # row i is grid_y[i]: row-major image
        self._grid = np.column_stack([xx.ravel(), yy.ravel()])
        self._inputs, self._coarse = None, {}
        if self.image.image is None:
            self.image.setImage(self._values, autoLevels=False, levels=self._levels)
        self.image.setRect(x_min, y_min, x_max - x_min, y_max - y_min)
        self.plot.getPlotItem().vb.setRange(xRange=(x_min, x_max), yRange=(y_min, y_max), padding=0)

    def _show_points(self, ds: Dataset) -> None:
        # A pale outline lifts a point off its own class's colour; regression targets
        # shade towards white in the middle of their range, where a dark one shows better.
        palette = self.prefs.palette
        edge = palette.node_border if ds.kind == "regression" else palette.node_fill
        outline = pg.mkPen(edge, width=1 if ds.kind == "regression" else 1.5)
        size = point_size(ds.n_train + ds.n_test)
        brushes = self._point_styles(ds, ds.T_train, pg.mkBrush)
        # Drawn where the map clamps them (see plane_bounds): a point at ±1e308 would
        # overflow the plot's own arithmetic.
        train, test = (np.clip(X, -PLANE_LIMIT, PLANE_LIMIT) for X in (ds.X_train, ds.X_test))
        self.train_points.setData(train[:, 0], train[:, 1], brush=brushes, pen=outline, size=size)
        if ds.n_test:
            pens = self._point_styles(ds, ds.T_test, lambda c: pg.mkPen(c, width=2.5))
            self.test_points.setData(test[:, 0], test[:, 1], pen=pens, size=size)
        else:
            self.test_points.setData([], [])

    def _point_styles(self, ds: Dataset, T: np.ndarray, make) -> list:
        """One brush (or pen) per point, shared between points of one colour.

        Making one per distinct colour, not per point, keeps a dataset of
        100 000 points quick to show.
        """
        palette = self.prefs.palette
        if ds.kind == "regression":
            low, high = self._levels
            index = np.clip((T[:, 0] - low) / (high - low) * 255, 0, 255).round().astype(int)
            lut = diverging_lut(*class_colors(palette, 2), neutral(palette))
            colors = [QColor(*map(int, rgb)) for rgb in lut]
        else:
            index = ds.labels(T)
            colors = class_colors(palette, max(ds.n_outputs, 2))
        # flatnonzero(bincount) rather than np.unique: the latter imports numpy.ma
        # (some 15 ms) the first time, and this runs while the window starts.
        styles = {k: make(colors[k]) for k in np.flatnonzero(np.bincount(index)).tolist()}
        return [styles[k] for k in index.tolist()]

    # -- hovering and clicking ---------------------------------------------------------------

    def _on_mouse_moved(self, scene_pos) -> None:
        vb = self.plot.getPlotItem().vb
        if not vb.sceneBoundingRect().contains(scene_pos):
            self.show_readout_at(None)
            return
        point = vb.mapSceneToView(scene_pos)
        self.show_readout_at(point.x(), point.y())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Forget the hover position when the pointer leaves the plot."""
        # The type first: this sees every paint and move of the viewport, and may
        # still see some while the panel is being torn down.
        if event.type() == QEvent.Type.Leave and watched is self.plot.viewport():
            self.show_readout_at(None)
        return super().eventFilter(watched, event)

    def show_readout_at(self, x1: float | None, x2: float | None = None) -> None:
        """Show the inputs ``(x1, x2)`` and the network's output there (None: the hint)."""
        self._hover = None if x1 is None else (float(x1), float(x2))
        self._show_readout()

    def _show_readout(self) -> None:
        ds = self.doc.dataset
        if self._hover is None or not _fits(self.doc.network, ds):
            self.readout.setText(self._hint())
            return
        x1, x2 = self._hover
        y = self.output_at(x1, x2)
        n1, n2 = ds.plane.feature_names
        number = self.prefs.fmt  # the decimals the learner chose
        text = f"{n1} = {fmt(x1, 2)}   {n2} = {fmt(x2, 2)}   "
        if ds.kind == "multiclass":
            k = int(np.argmax(np.nan_to_num(y, nan=-np.inf)))
            text += f"→ class {k} (output {number(float(y[k]))})"
        elif ds.kind == "binary":
            label = 1 if y[0] > THRESHOLD else 0
            text += f"ŷ = {number(float(y[0]))} → class {label}"
        else:
            text += f"ŷ = {number(float(y[0]))}"
        self.readout.setText(text)

    def _hint(self) -> str:
        kind = self.doc.dataset.kind
        if kind == "binary":
            return "Orange: ŷ near 1 (class 1); blue: near 0. Left click adds a class-1 point, right click a class-0 one."
        if kind == "multiclass":
            return "Each class has a colour, paler where the network is unsure. Left click adds a point of the chosen class."
        return "Orange: high output, blue: low (white: the middle of the targets' range)."

    def _on_scene_clicked(self, event) -> None:
        if event.double():
            return  # the second click of a double click is not another point
        vb = self.plot.getPlotItem().vb
        if not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        point = vb.mapSceneToView(event.scenePos())
        if self.click_at(point.x(), point.y(), event.button()):
            event.accept()

    def click_at(self, x1: float, x2: float, button: Qt.MouseButton) -> bool:
        """Handle a click at plot coordinates: add the point it means. True if one was added.

        Binary: left adds class 1, right class 0. Multi-class: left adds the class
        chosen in the combo box. Regression and clicks outside the map add nothing.
        """
        ds = self.doc.dataset
        if ds.plane.n_inputs != 2:
            return False
        if not self.contains(x1, x2):
            if ds.kind in ("binary", "multiclass") and self.bounds is not None:
                x_min, x_max, y_min, y_max = self.bounds
                self.doc.notify(
                    f"No point added: new points go inside the map (x1 from {fmt(x_min, 2)} "
                    f"to {fmt(x_max, 2)}, x2 from {fmt(y_min, 2)} to {fmt(y_max, 2)})."
                )
            return False
        if ds.kind == "binary":
            label = {Qt.MouseButton.LeftButton: 1, Qt.MouseButton.RightButton: 0}.get(button)
        elif ds.kind == "multiclass" and button == Qt.MouseButton.LeftButton:
            label = self.class_choice.currentIndex()
        else:
            label = None
        if label is None or label < 0:
            return False
        self.add_point(x1, x2, label)
        return True

    def add_point(self, x1: float, x2: float, label: int) -> None:
        """Add a training point of class ``label`` at ``(x1, x2)`` as one undoable edit."""
        doc = self.doc
        doc.prepare_edit(ReplaceDatasetCommand)
        ds = doc.dataset
        target = np.eye(ds.n_outputs)[label] if ds.kind == "multiclass" else [float(label)]
        X = np.vstack([ds.plane.X_train, [[x1, x2]]])  # a point: its features follow
        T = np.vstack([ds.T_train, [target]])
        doc.push(
            ReplaceDatasetCommand(doc, ds.with_points(X, T), None, f"Add a class-{label} point")
        )
        if doc.epoch > 0:
            # A trained network can fit a few new points badly: say why the loss jumps.
            doc.notify(
                f"Added a class-{label} point: the data changed, so the network, trained on "
                "the data before it, may fit it worse until it is trained again (Ctrl+Z undoes it)."
            )


def point_size(n: int) -> float:
    """The size in pixels of a data point when ``n`` are shown: smaller as they crowd.

    Eleven pixels up to 30 points (the XOR's corners stand out), then shrinking
    with the logarithm of the count, so that a few hundred points leave the map
    between them visible: 300 → 7.5, 1,000 → 5.7, 3,000 and more → 4.
    """
    return float(np.clip(11.0 - 3.5 * np.log10(max(n, 1) / 30), 4.0, 11.0))


def _fits(net: Network, ds: Dataset) -> bool:
    """True when the network can run the dataset (not in the middle of swapping both)
    and the data lie on a plane."""
    return (
        ds.plane.n_inputs == 2
        and net.layer_sizes[0] == ds.n_inputs
        and net.layer_sizes[-1] == ds.n_outputs
    )
