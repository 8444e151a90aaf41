"""The dock panels around the editor: where each one goes, which share a place as
tabs, their sizes at first start, and the saved layout.

The window says how to build each panel (:class:`PanelDocks` takes a factory per
dock); this module decides where it goes. A panel that starts behind another's
tab is built only when its tab first opens, or when something asks for it (an
export, a tour step, a test): nobody waits at start-up for what they cannot see.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from PySide6.QtCore import QByteArray, QObject, QSettings, Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QMainWindow, QScrollArea, QWidget

from bpdesk.ui.digit_images import image_side
from bpdesk.ui.document import Document
from bpdesk.ui.widgets import Deferred

SETTINGS_VERSION = 2  # a new default layout: saved layouts of older versions are not restored
MAX_PANEL_MIN_HEIGHT = 220  # taller panels scroll (see PanelDocks._add)

LEFT = Qt.DockWidgetArea.LeftDockWidgetArea
RIGHT = Qt.DockWidgetArea.RightDockWidgetArea
BOTTOM = Qt.DockWidgetArea.BottomDockWidgetArea


# Below this window width the default layout puts Loss and Predictions in one place, as
# tabs (at 1024 pixels they side by side made the window wider than the screen).
NARROW_WIDTH = 1200
# The digit pad in the output map's place: the height its page and outputs need, one
# above the other (pixels), but at most this share of the window's height.
DIGITS_PAD_HEIGHT = 520
DIGITS_MAX_SHARE = 0.62


@dataclass(frozen=True)
class DockSpec:
    """One dock: its key (``window.docks[key]``, a tour page's "dock"/"look"), title,
    side of the window and tooltip."""

    key: str
    title: str
    area: Qt.DockWidgetArea
    tip: str


# In the order they are added (and listed in View → Panels).
DOCKS = (
    DockSpec("build", "Build", LEFT, "Drag neurons and layers onto the network"),
    DockSpec("learn", "Learn", LEFT, "A guided tour of backpropagation, page by page"),
    DockSpec("data", "Data and training", LEFT, "The dataset and how the network learns it"),
    DockSpec(
        "boundary",
        "Decision boundary",
        RIGHT,
        "The network's output over the input plane, with the data",
    ),
    DockSpec("chain_rule", "Chain rule", RIGHT, "How the selected weight's gradient is computed"),
    DockSpec(
        "landscape",
        "Error landscape",
        RIGHT,
        "The loss as the selected weight alone moves, with the gradient as its slope",
    ),
    DockSpec(
        "math",
        "The math",
        RIGHT,
        "The equations of this network, and the selected weight's with its numbers",
    ),
    DockSpec("loss", "Loss", BOTTOM, "Training and test loss per epoch"),
    DockSpec(
        "gradient_flow",
        "Gradient flow",
        BOTTOM,
        "How strongly each layer is being taught: ‖∂L/∂W‖ per layer over the epochs",
    ),
    DockSpec(
        "gradcheck",
        "Gradient check",
        BOTTOM,
        "Backprop against central differences: the same gradients, far fewer passes",
    ),
    DockSpec(
        "sweep",
        "Sweep",
        BOTTOM,
        "Many seeds and learning rates at once: which runs converge, get stuck or diverge",
    ),
    DockSpec(
        "race",
        "Race",
        BOTTOM,
        "Random search and nudging each weight against backprop, on one budget of forward passes",
    ),
    DockSpec(
        "predictions",
        "Predictions",
        BOTTOM,
        "Every example: target, prediction and whether it is right",
    ),
    DockSpec(
        "pad",
        "Draw a digit",
        BOTTOM,
        "Draw a digit and watch the network read it, and see where the blame for a digit lies",
    ),
    DockSpec(
        "mistakes",
        "Mistakes",
        BOTTOM,
        "The test images the network gets wrong: click one to see it in the network",
    ),
    DockSpec(
        "confusion",
        "Confusion",
        RIGHT,
        "The confusion matrix: for every true class, how often the network answers each class",
    ),
)
# Panels that share a place are tabs; the first of each group shows at start.
TAB_GROUPS = (
    ("learn", "data"),
    ("loss", "gradient_flow", "gradcheck", "sweep", "race", "pad", "mistakes"),
    ("chain_rule", "landscape", "math", "confusion"),
)
FRONT_TABS = tuple(group[0] for group in TAB_GROUPS)  # the tab of each group shown at first start
# Behind a tab at start, and built when first shown (start-up time). The data panel
# is built at once: it remembers the last generated data's settings as they go by.
# Shown while the network reads digits (64 or 784 inputs, 10 outputs), hidden otherwise:
# a small network's window keeps its tabs readable. View → Panels shows them any time.
DIGIT_DOCKS = ("pad", "mistakes", "confusion")
BUILT_WHEN_SHOWN = (
    "gradient_flow",
    "gradcheck",
    "sweep",
    "race",
    "landscape",
    "math",
    "pad",
    "mistakes",
    "confusion",
)


class PanelDocks(QObject):
    """The window's docks: ``docks[key]`` is the QDockWidget, :meth:`panel` what it holds."""

    def __init__(
        self,
        window: QMainWindow,
        doc: Document,
        factories: Mapping[str, Callable[[], QWidget]],
    ) -> None:
        super().__init__(window)  # a child of the window: gone with it, and so its slots too
        self.window = window
        self.doc = doc
        self.docks: dict[str, QDockWidget] = {}
        self._panels: dict[str, QWidget] = {}
        # What make_room took: each panel's height before, and after (None until laid out).
        self._lent: list[tuple[QDockWidget, int]] = []
        self._lent_as: list[int] | None = None
        for spec in DOCKS:
            factory = factories[spec.key]
            if spec.key in BUILT_WHEN_SHOWN:
                content: QWidget = Deferred(factory)
            else:
                content = self._panels[spec.key] = factory()
            self._add(spec, content)
        window.splitDockWidget(
            self.docks["loss"], self.docks["predictions"], Qt.Orientation.Horizontal
        )
        # The right column runs the full height of the window: the chain rule and the
        # error landscape need more room to be read than the plots below the editor.
        window.setCorner(Qt.Corner.BottomRightCorner, RIGHT)
        for group in TAB_GROUPS:
            for first, second in zip(group, group[1:], strict=False):
                window.tabifyDockWidget(self.docks[first], self.docks[second])
        self.raise_front_tabs()
        for key in BUILT_WHEN_SHOWN:
            self._deferred(key).build_when_shown(self.docks[key])
        doc.datasetChanged.connect(self._name_boundary_dock)
        self._name_boundary_dock()
        self._digits: bool | None = None  # whether the digit docks are shown for the network
        doc.networkChanged.connect(self._follow_digits)
        self._follow_digits()

    def _add(self, spec: DockSpec, widget: QWidget) -> None:
        dock = QDockWidget(spec.title, self.window)
        dock.setObjectName(f"dock_{spec.key}")  # the saved layout knows docks by these names
        # A tall panel scrolls rather than forcing the window taller than a laptop
        # screen (tabs share the tallest panel's minimum height). A panel built
        # later cannot be measured now: it scrolls in any case.
        if isinstance(widget, Deferred) or widget.minimumSizeHint().height() > MAX_PANEL_MIN_HEIGHT:
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QScrollArea.Shape.NoFrame)
            scroll.setWidget(widget)
            dock.setWidget(scroll)
        else:
            dock.setWidget(widget)
        dock.setToolTip(spec.tip)
        self.window.addDockWidget(spec.area, dock)
        self.docks[spec.key] = dock

    def _name_boundary_dock(self) -> None:
        # A regression has no boundary between classes: the map shows the output itself.
        regression = self.doc.dataset.kind == "regression"
        self.docks["boundary"].setWindowTitle("Output map" if regression else "Decision boundary")

    def _follow_digits(self) -> None:
        # Only when the network starts or stops reading digits: a dock the learner
        # closed or opened stays so while the network keeps its kind.
        sizes = self.doc.network.layer_sizes
        digits = image_side(sizes[0]) is not None and sizes[-1] == 10
        if digits != self._digits:
            self._digits = digits
            for key in DIGIT_DOCKS:
                self.docks[key].setVisible(digits)
            if digits:
                self._pad_over_boundary()

    def _pad_over_boundary(self) -> None:
        # The output map cannot draw 64 inputs (it says so, and fills the top right with
        # nothing else): the pad takes its place, in front, the map a tab behind it. When
        # the network stops reading digits the pad goes, and the map is in front again.
        pad, boundary = self.docks["pad"], self.docks["boundary"]
        if pad.isFloating() or boundary.isFloating():
            return  # the learner's own arrangement
        if pad not in self.window.tabifiedDockWidgets(boundary):
            self.window.tabifyDockWidget(boundary, pad)
        pad.raise_()
        if self.window.isVisible():
            self._size_right_column()

    def _deferred(self, key: str) -> Deferred:
        content = self.docks[key].widget()
        assert isinstance(content, QScrollArea)
        deferred = content.widget()
        assert isinstance(deferred, Deferred)
        return deferred

    def panel(self, key: str) -> QWidget:
        """The panel in dock ``key``, built now if its tab has not been opened yet."""
        if key in self._panels:
            return self._panels[key]
        return self._deferred(key).widget()

    def is_built(self, key: str) -> bool:
        """True once the panel in dock ``key`` exists (those behind a tab wait to be shown)."""
        return key in self._panels or self._deferred(key).built

    def show(self, key: str) -> QDockWidget:
        """Show a panel and bring its tab to the front."""
        dock = self.docks[key]
        dock.show()
        dock.raise_()
        return dock

    def raise_front_tabs(self) -> None:
        """Bring the first tab of each group to the front, as at first start."""
        for key in FRONT_TABS:
            self.docks[key].raise_()

    def restore_default_layout(self, default_state: QByteArray) -> None:
        """Show every panel again, where it was at first start (``default_state`` is
        the window's state as first laid out); the digit docks only for a network that
        reads digits."""
        self.window.restoreState(default_state, SETTINGS_VERSION)
        for dock in self.docks.values():
            dock.show()
        self._digits = None  # the digit docks as the network asks
        self._follow_digits()
        self.raise_front_tabs()
        self.apply_default_sizes()

    def apply_default_sizes(self) -> None:
        """Size the docks in proportion to the window, so that the editor keeps the most room."""
        window, docks = self.window, self.docks
        width, height = window.width(), window.height()
        vertical, horizontal = Qt.Orientation.Vertical, Qt.Orientation.Horizontal
        narrow = width < NARROW_WIDTH
        if narrow:
            # Side by side, the Loss and Predictions panels alone are wider than a
            # 1024-pixel screen leaves the editor: they share one place, as tabs.
            window.tabifyDockWidget(docks["loss"], docks["predictions"])
            docks["loss"].raise_()
            # Side by side they may already have widened the window past the screen:
            # once the layout has settled, it comes back within it.
            QTimer.singleShot(0, self, self._within_screen)
        window.resizeDocks(
            [docks["build"], docks["boundary"]], [int(width * 0.19), int(width * 0.24)], horizontal
        )
        build = docks["build"].widget().sizeHint().height() + 30
        window.resizeDocks([docks["build"], docks["learn"]], [build, int(height * 0.6)], vertical)
        window.resizeDocks([docks["loss"]], [int(height * 0.27)], vertical)
        if not narrow:
            window.resizeDocks(
                [docks["loss"], docks["predictions"]],
                [int(width * 0.6), int(width * 0.4)],
                horizontal,
            )
        self._size_right_column()

    def _size_right_column(self) -> None:
        # The map square, the explanations below; the digit pad (in the map's place for
        # a digits network) is taller: its page, then the ten outputs under it.
        height = self.window.height()
        top = int(height * 0.45)
        if self._digits:
            top = max(top, min(DIGITS_PAD_HEIGHT, int(height * DIGITS_MAX_SHARE)))
        self.window.resizeDocks(
            [self.docks["boundary"], self.docks["chain_rule"]],
            [top, height - top],
            Qt.Orientation.Vertical,
        )

    def _within_screen(self) -> None:
        window = self.window
        screen = window.screen()
        if screen is None or window.isMaximized() or window.isFullScreen():
            return
        available = screen.availableGeometry()
        if window.frameGeometry().width() > available.width():
            extra = window.frameGeometry().width() - window.width()
            window.resize(max(available.width() - extra, 1), window.height())
            window.move(available.left(), window.y())

    def make_room(self, dock: QDockWidget) -> None:
        """Give a docked panel the height it asks for, taken from the panels above and
        below it (on a 1280×800 screen the error landscape's words were below the fold
        under an output map with room to spare)."""
        if dock.isFloating():
            return
        content = dock.widget()
        if isinstance(content, QScrollArea) and content.widget() is not None:
            content = content.widget()  # a tall panel scrolls: ask what it holds
        if isinstance(content, Deferred):
            content.widget()  # about to be looked at: build it now, to measure it
        need = content.sizeHint().height() + 2 * dock.fontMetrics().height()
        if dock.height() >= need:
            return
        window = self.window
        area = window.dockWidgetArea(dock)
        column = [
            other
            for other in self.docks.values()
            if other is not dock
            and other.isVisible()
            and not other.isFloating()
            and window.dockWidgetArea(other) == area
            and abs(other.x() - dock.x()) < 5
            and not other.visibleRegion().isEmpty()  # not a tab hidden behind another
        ]
        if not column:
            return
        total = dock.height() + sum(other.height() for other in column)
        give = min(need, int(total * 0.7))
        rest = max(80, (total - give) // len(column))
        self.give_back_room()
        self._lent = [(panel, panel.height()) for panel in (dock, *column)]
        self._lent_as = None
        window.resizeDocks([dock, *column], [give] + [rest] * len(column), Qt.Orientation.Vertical)
        QTimer.singleShot(0, self, self._note_room_made)

    def _note_room_made(self) -> None:
        self._lent_as = [panel.height() for panel, _ in self._lent]

    def give_back_room(self) -> None:
        """Undo the last :meth:`make_room` (a tour page moved on): the panels it shrank
        get their height back, unless the user has resized or moved them since."""
        lent, self._lent = self._lent, []
        after, self._lent_as = self._lent_as, None
        if not lent or after is None:
            return
        panels = [panel for panel, _ in lent]
        if any(panel.isFloating() or not panel.isVisible() for panel in panels):
            return
        if [panel.height() for panel in panels] != after:
            return  # the user's own sizes since: theirs to keep
        heights = [height for _, height in lent]
        self.window.resizeDocks(panels, heights, Qt.Orientation.Vertical)


def restore_window_state(window: QMainWindow, settings: QSettings) -> bool:
    """Bring back the saved geometry and layout; True if there was a layout."""
    geometry = settings.value("window/geometry")
    state = settings.value("window/state")
    restored = isinstance(state, QByteArray) and window.restoreState(state, SETTINGS_VERSION)
    # Geometry after the panels (and their layout settled): hidden panels no
    # longer hold the window's minimum size up, so a small size comes back.
    window.layout().activate()
    if isinstance(geometry, QByteArray):
        window.restoreGeometry(geometry)
    return restored


def save_window_state(window: QMainWindow, settings: QSettings) -> None:
    """Remember the window's geometry and the panels' layout."""
    settings.setValue("window/geometry", window.saveGeometry())
    settings.setValue("window/state", window.saveState(SETTINGS_VERSION))
    settings.sync()
