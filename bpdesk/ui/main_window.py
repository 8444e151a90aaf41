"""The main window: the network editor in the middle, dock panels around it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QGuiApplication, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QToolBar,
    QWidget,
)

from bpdesk import __version__
from bpdesk.core import BpdeskError
from bpdesk.paths import resource_path
from bpdesk.ui import editing, theme
from bpdesk.ui.commands import SetConfigCommand, SetParametersCommand
from bpdesk.ui.document import Document
from bpdesk.ui.editor.palette import Palette
from bpdesk.ui.editor.view import NetworkView
from bpdesk.ui.files import FileController
from bpdesk.ui.highlight import Highlighter
from bpdesk.ui.jobs import JobRunner
from bpdesk.ui.panels.boundary import DecisionBoundaryPanel
from bpdesk.ui.panels.chain_rule import ChainRulePanel
from bpdesk.ui.panels.data import DataPanel
from bpdesk.ui.panels.gradcheck import GradCheckPanel
from bpdesk.ui.panels.gradient_flow import GradientFlowPanel
from bpdesk.ui.panels.landscape import LandscapePanel
from bpdesk.ui.panels.loss import LossPanel
from bpdesk.ui.panels.math import MathPanel
from bpdesk.ui.panels.predictions import PredictionsPanel
from bpdesk.ui.throttle import NUMBERS_MS, LiveThrottle
from bpdesk.ui.tour import TourPage, TourPanel
from bpdesk.ui.training import SPEEDS, TrainingController
from bpdesk.ui.widgets import (
    Deferred,
    ElidingComboBox,
    fix_size,
    learning_rate_box,
    spin_moved,
)

ROOM_DELAY_MS = 100  # see point_at
SETTINGS_VERSION = 2  # a new default layout: saved layouts of older versions are not restored
MOUSE_ACTIONS = (
    ("Click a line", "select that weight: its chain rule, landscape and equation"),
    ("Click a b value", "select that bias"),
    ("Double-click a line or b value", "type a new value"),
    ("Drag Neuron or Hidden layer", "from the Build panel onto the network: add it"),
    ("Drag a neuron", "up or down: reorder its layer; off the network: remove it"),
    ("Right-click", "a hidden neuron, a line or the space between layers: what can be done there"),
    ("Wheel, drag the background", "zoom and pan the network"),
    ("Click the loss curve", "go back to that epoch"),
    ("Click the decision boundary", "add a point (left: class 1, right: class 0)"),
)
SHORTCUT_NAME = "shortcutName"  # action property: its name in Help → Keyboard shortcuts
MAX_PANEL_MIN_HEIGHT = 220  # taller panels scroll (see _add_dock)
FRONT_TABS = ("learn", "loss", "chain_rule")  # the tab of each group shown at first start
LABEL_MS = NUMBERS_MS  # in step with the diagram while training


class MainWindow(QMainWindow):
    """bpdesk's window. Pass ``settings`` to keep window state somewhere other than the default."""

    def __init__(
        self,
        doc: Document | None = None,
        settings: QSettings | None = None,
        autosave_path: Path | None = None,
    ) -> None:
        super().__init__()
        self.doc = doc or Document(parent=self)
        self.settings = settings if settings is not None else QSettings("bpdesk", "bpdesk")
        self.setWindowTitle("bpdesk — Untitled[*]")
        icon = resource_path("icons", "bpdesk.svg")
        if icon.is_file():
            self.setWindowIcon(QIcon(str(icon)))
        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks
            | QMainWindow.DockOption.AllowTabbedDocks
            | QMainWindow.DockOption.AllowNestedDocks
        )

        self.jobs = JobRunner(self)  # every background computation runs and is joined here
        self.trainer = TrainingController(self.doc, self, jobs=self.jobs)
        self.files = FileController(
            self.doc,
            self,
            self.settings,
            autosave_path,
            stop_training=self.trainer.shutdown,
            is_training=lambda: self.trainer.state == "running",
        )
        self.files.pathChanged.connect(self._update_title)
        self.files.recentChanged.connect(self._fill_recent)
        # Bound methods, not lambdas: Qt drops them with the window, while the
        # document (and its undo stack) may outlive it.
        self.doc.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self.setAcceptDrops(True)
        self.view = NetworkView(self.doc, self)
        self.scene = self.view.network_scene
        self.setCentralWidget(self.view)
        self.docks: dict[str, QDockWidget] = {}
        self._create_docks()
        self.highlighter = Highlighter(self)

        self._create_actions()
        self._create_menus()
        self._create_toolbar()
        self._create_status_bar()
        self._connect_document()
        self._fit_to_screen(1600, 1000)
        self._default_state = self.saveState(SETTINGS_VERSION)
        self._restored = self._restore_settings()
        from bpdesk.ui import preferences

        self.preferences = preferences.Preferences.load(self.settings)
        if preferences.differs_from_current(self.preferences):
            preferences.apply(self, self.preferences)
        else:
            self.scene.reveal_ms = self.preferences.animation_ms
        # "Follow the system" follows it while the app runs, too.
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._on_color_scheme_changed)
        heat = self.settings.value("view/heat_maps", True)
        self.act_heat_maps.setChecked(heat not in (False, "false", "0", 0))
        self.scene.set_heat_maps(self.act_heat_maps.isChecked())
        self._shown_once = False
        self._on_mode_changed(self.doc.mode)
        self._on_computed()

    # -- construction ---------------------------------------------------------------

    def _create_docks(self) -> None:
        doc = self.doc
        self.palette = Palette()
        self.chain_rule = ChainRulePanel(doc)
        self.data_panel = DataPanel(doc)
        self.loss_panel = LossPanel(doc)
        self.boundary_panel = DecisionBoundaryPanel(doc)
        self.predictions_panel = PredictionsPanel(doc)
        # Behind tabs at start: built when first shown (start-up time).
        self._gradient_flow = Deferred(lambda: GradientFlowPanel(doc))
        self._landscape = Deferred(self._make_landscape_panel)
        self.math_panel = MathPanel(doc)
        self.gradcheck_panel = GradCheckPanel(doc, jobs=self.jobs)
        self.tour = TourPanel(self.settings)
        self.tour.showRequested.connect(self.show_tour_page)
        self._tour_acting = False
        self._tour_scratch: str | None = None  # the title of a document the tour opened
        doc.aboutToEdit.connect(self._note_edit_for_tour)
        # Training the learner starts is their work too (it goes on the undo
        # stack without an edit signal): the next "Show me" asks before replacing it.
        self.trainer.stateChanged.connect(self._note_training_for_tour)
        left, right, bottom = (
            Qt.DockWidgetArea.LeftDockWidgetArea,
            Qt.DockWidgetArea.RightDockWidgetArea,
            Qt.DockWidgetArea.BottomDockWidgetArea,
        )
        add = self._add_dock
        add("build", "Build", self.palette, left, "Drag neurons and layers onto the network")
        add("learn", "Learn", self.tour, left, "A guided tour of backpropagation, page by page")
        add(
            "data",
            "Data and training",
            self.data_panel,
            left,
            "The dataset and how the network learns it",
        )
        add(
            "boundary",
            "Decision boundary",
            self.boundary_panel,
            right,
            "The network's output over the input plane, with the data",
        )
        add(
            "chain_rule",
            "Chain rule",
            self.chain_rule,
            right,
            "How the selected weight's gradient is computed",
        )
        add(
            "landscape",
            "Error landscape",
            self._landscape,
            right,
            "The loss as the selected weight alone moves, with the gradient as its slope",
        )
        add(
            "math",
            "The math",
            self.math_panel,
            right,
            "The equations of this network, and the selected weight's with its numbers",
        )
        add("loss", "Loss", self.loss_panel, bottom, "Training and test loss per epoch")
        add(
            "gradient_flow",
            "Gradient flow",
            self._gradient_flow,
            bottom,
            "How strongly each layer is being taught: ‖∂L/∂W‖ per layer over the epochs",
        )
        add(
            "gradcheck",
            "Gradient check",
            self.gradcheck_panel,
            bottom,
            "Backprop against central differences: the same gradients, far fewer passes",
        )
        add(
            "predictions",
            "Predictions",
            self.predictions_panel,
            bottom,
            "Every example: target, prediction and whether it is right",
        )
        self.splitDockWidget(
            self.docks["loss"], self.docks["predictions"], Qt.Orientation.Horizontal
        )
        # The right column runs the full height of the window: the chain rule and the
        # error landscape need more room to be read than the plots below the editor.
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        # Panels that share a place are tabs; the first of each group shows at start.
        self.tabifyDockWidget(self.docks["learn"], self.docks["data"])
        self.tabifyDockWidget(self.docks["loss"], self.docks["gradient_flow"])
        self.tabifyDockWidget(self.docks["gradient_flow"], self.docks["gradcheck"])
        self.tabifyDockWidget(self.docks["chain_rule"], self.docks["landscape"])
        self.tabifyDockWidget(self.docks["landscape"], self.docks["math"])
        for key in FRONT_TABS:
            self.docks[key].raise_()
        self._gradient_flow.build_when_shown(self.docks["gradient_flow"])
        self._landscape.build_when_shown(self.docks["landscape"])

    @property
    def gradient_flow_panel(self) -> GradientFlowPanel:
        """The gradient-flow panel (built on first use)."""
        return self._gradient_flow.widget()

    @property
    def landscape_panel(self) -> LandscapePanel:
        """The error-landscape panel (built on first use)."""
        return self._landscape.widget()

    def show_dock(self, key: str) -> QDockWidget:
        """Show a panel and bring its tab to the front."""
        dock = self.docks[key]
        dock.show()
        dock.raise_()
        return dock

    def _add_dock(self, key: str, title: str, widget: QWidget, area, tip: str) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{key}")
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
        dock.setToolTip(tip)
        self.addDockWidget(area, dock)
        self.docks[key] = dock
        return dock

    def _action(
        self, text: str, slot, shortcut=None, tip: str = "", checkable: bool = False
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            keys = shortcut if isinstance(shortcut, list) else [shortcut]
            sequences = []
            for key in keys:
                sequence = QKeySequence(key)
                if sequence not in sequences:
                    sequences.append(sequence)
            action.setShortcuts(sequences)
        action.setCheckable(checkable)
        if tip:
            shown = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            action.setToolTip(f"{tip} ({shown})" if shown else tip)
            action.setStatusTip(tip)
        if slot is not None:
            action.triggered.connect(slot)
        self.addAction(action)  # shortcuts work even when the action is in no visible menu
        return action

    def _create_actions(self) -> None:
        doc = self.doc
        self.act_forward_view = self._action(
            "Forward view",
            lambda: doc.set_mode("forward"),
            "F",
            "Show activations flowing left to right",
            checkable=True,
        )
        self.act_backward_view = self._action(
            "Backward view",
            lambda: doc.set_mode("backward"),
            "B",
            "Show gradients flowing right to left",
            checkable=True,
        )
        group = QActionGroup(self)
        group.addAction(self.act_forward_view)
        group.addAction(self.act_backward_view)
        self.act_forward_pass = self._action(
            "Forward pass",
            self.forward_pass,
            "F5",
            "Run the selected example forward, layer by layer",
        )
        self.act_backward_pass = self._action(
            "Backward pass", self.backward_pass, "F6", "Send the error backward, layer by layer"
        )
        self.act_apply = self._action(
            "Apply gradients", self.apply_gradients, "F7", "Move every weight by −η·∂L/∂w"
        )
        self.act_apply.setIconText("Apply")  # the toolbar's name (room at 1280 pixels wide)
        # Undo and redo go through the document, so that training stops first.
        self.act_undo = self._action(
            "Undo", doc.undo, QKeySequence.StandardKey.Undo, "Undo the last edit"
        )
        self.act_redo = self._action(
            "Redo",
            doc.redo,
            # Both spellings everywhere (the platform's standard Redo is only one of them).
            ["Ctrl+Shift+Z", "Ctrl+Y"],
            "Redo the edit undone last",
        )
        # The toolbar keeps short labels; the menu's items name the command.
        self.act_undo_short = self._action("Undo", doc.undo, None, "Undo the last edit (Ctrl+Z)")
        self.act_redo_short = self._action("Redo", doc.redo, None, "Redo (Ctrl+Shift+Z)")
        # Arrows, as in most editors: room for the loss at 1280 pixels wide.
        self.act_undo_short.setIconText("↶")
        self.act_redo_short.setIconText("↷")
        stack = doc.undo_stack
        for action in (self.act_undo, self.act_undo_short):
            action.setEnabled(False)
            stack.canUndoChanged.connect(action.setEnabled)
        for action in (self.act_redo, self.act_redo_short):
            action.setEnabled(False)
            stack.canRedoChanged.connect(action.setEnabled)
        stack.undoTextChanged.connect(self._on_undo_text)
        stack.redoTextChanged.connect(self._on_redo_text)
        self.act_fit = self._action(
            "Fit network", self.view.fit_network, "Ctrl+0", "Fit the whole network in view"
        )
        self.act_fit.setIconText("Fit")  # the toolbar's name (room at 1280 pixels wide)
        self.act_zoom_in = self._action(
            "Zoom in", lambda: self.view.zoom(1.25), ["+", "=", "Ctrl++"], "Zoom in"
        )
        self.act_zoom_out = self._action(
            "Zoom out", lambda: self.view.zoom(0.8), ["-", "Ctrl+-"], "Zoom out"
        )
        self.act_heat_maps = self._action(
            "Neuron heat maps",
            self._on_heat_maps,
            None,
            "Show each hidden neuron's output over the input plane, inside the neuron (2-D data)",
            checkable=True,
        )
        self.act_restore_layout = self._action(
            "Restore default layout",
            self.restore_default_layout,
            None,
            "Put every panel back where it started",
        )
        self.act_add_layer = self._action(
            "Add hidden layer",
            self._add_layer_before_output,
            None,
            "Insert a hidden layer before the output",
        )
        self.act_clear_selection = self._action(
            "Clear selection", lambda: doc.select(None), "Esc", "Deselect the weight"
        )
        self.act_quit = self._action("Quit", self.close, "Ctrl+Q", "Quit bpdesk")
        files = self.files
        self.act_new = self._action(
            "New",
            files.new,
            QKeySequence.StandardKey.New,
            "Start again with the explainer's XOR network",
        )
        self.act_open = self._action(
            "Open…", lambda: files.open(), QKeySequence.StandardKey.Open, "Open a .bpnet file"
        )
        self.act_save = self._action(
            "Save",
            files.save,
            QKeySequence.StandardKey.Save,
            "Save the network, its data and its history",
        )
        self.act_save_as = self._action(
            "Save As…", files.save_as, "Ctrl+Shift+S", "Save under a new name"
        )
        self.act_preferences = self._action(
            "Preferences…",
            self.show_preferences,
            "Ctrl+,",
            "Theme, colours, decimals, animation speed",
        )
        self.act_about = self._action("About bpdesk", self.show_about, None, "Version and licences")
        self.act_shortcuts = self._action(
            "Keyboard shortcuts", self.show_shortcuts, "F1", "List the shortcuts"
        )
        trainer = self.trainer
        self.act_train = self._action("Train", trainer.toggle, "Space", "Start or pause training")
        # Names in the shortcut list for actions whose text changes (Train/Pause, "Undo Move").
        self.act_train.setProperty(SHORTCUT_NAME, "Train / pause")
        self.act_undo.setProperty(SHORTCUT_NAME, "Undo")
        self.act_redo.setProperty(SHORTCUT_NAME, "Redo")
        self.act_step = self._action(
            "Step one epoch", trainer.step, "Ctrl+Right", "Train exactly one epoch, then pause"
        )
        self.act_step.setIconText("Step")  # the toolbar's name (room at 1280 pixels wide)
        self.act_reset = self._action(
            "Reset",
            trainer.reset,
            "Ctrl+R",
            "Re-initialise the weights from the seed (keeps the old curve)",
        )
        self.speed_group = QActionGroup(self)
        self.speed_actions = {}
        for speed in SPEEDS:
            text = (
                "As fast as possible"
                if speed is None
                else f"{speed} epoch{'s' if speed != 1 else ''} per second"
            )
            action = self._action(
                text,
                lambda _=False, v=speed: trainer.set_speed(v),
                None,
                f"Train at {text.lower()}",
                checkable=True,
            )
            self.speed_group.addAction(action)
            self.speed_actions[speed] = action
        self.speed_actions[trainer.speed].setChecked(True)
        trainer.stateChanged.connect(self._on_training_state)
        trainer.speedChanged.connect(self._on_speed_changed)

    def _create_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.act_new)
        file_menu.addAction(self.act_open)
        self.recent_menu = file_menu.addMenu("Open Recent")
        self.recent_menu.setToolTipsVisible(True)
        self._fill_recent()
        file_menu.addAction(self.act_save)
        file_menu.addAction(self.act_save_as)
        file_menu.addSeparator()
        self.examples_menu = file_menu.addMenu("Examples")
        self.examples_menu.setToolTipsVisible(True)
        from bpdesk.core.examples import EXAMPLES

        for name, (title, description, _) in EXAMPLES.items():
            action = self.examples_menu.addAction(title)
            action.setToolTip(description)
            action.setStatusTip(description)
            action.triggered.connect(
                lambda _=False, n=name: self.confirm_replace() and self.open_example(n)
            )
        self.export_menu = file_menu.addMenu("Export")
        self._fill_export_menu(self.export_menu)
        file_menu.addSeparator()
        file_menu.addAction(self.act_preferences)
        file_menu.addSeparator()
        file_menu.addAction(self.act_quit)
        edit = bar.addMenu("&Edit")
        edit.addAction(self.act_undo)
        edit.addAction(self.act_redo)
        edit.addSeparator()
        edit.addAction(self.act_clear_selection)
        view = bar.addMenu("&View")
        view.addAction(self.act_forward_view)
        view.addAction(self.act_backward_view)
        view.addSeparator()
        view.addAction(self.act_fit)
        view.addAction(self.act_zoom_in)
        view.addAction(self.act_zoom_out)
        view.addAction(self.act_heat_maps)
        view.addSeparator()
        self.panels_menu = view.addMenu("Panels")
        for dock in self.docks.values():
            toggle = dock.toggleViewAction()
            toggle.setToolTip(f"Show or hide the {dock.windowTitle()} panel")
            self.panels_menu.addAction(toggle)
        view.addAction(self.act_restore_layout)
        network = bar.addMenu("&Network")
        network.addAction(self.act_forward_pass)
        network.addAction(self.act_backward_pass)
        network.addAction(self.act_apply)
        network.addSeparator()
        network.addAction(self.act_add_layer)
        self.train_menu = bar.addMenu("&Train")
        self.train_menu.addAction(self.act_train)
        self.train_menu.addAction(self.act_step)
        self.train_menu.addAction(self.act_reset)
        speed_menu = self.train_menu.addMenu("Speed")
        for action in self.speed_actions.values():
            speed_menu.addAction(action)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.act_shortcuts)
        help_menu.addAction(self.act_about)

    def _create_toolbar(self) -> None:
        bar = QToolBar("Main", self)
        bar.setObjectName("toolbar_main")
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.addToolBar(bar)
        self.toolbar = bar
        bar.addAction(self.act_forward_view)
        bar.addAction(self.act_backward_view)
        bar.addSeparator()
        bar.addAction(self.act_forward_pass)
        bar.addAction(self.act_backward_pass)
        bar.addAction(self.act_apply)
        bar.addSeparator()
        bar.addAction(self.act_train)
        self.speed_box = self._speed_box()
        bar.addWidget(self.speed_box)
        bar.addAction(self.act_step)
        bar.addAction(self.act_reset)
        bar.addSeparator()
        sample_tip = "Which training example drives the views (or the mean over all)"
        bar.addWidget(self._label("Example", sample_tip))
        self.sample_box = ElidingComboBox()
        self.sample_box.setToolTip(sample_tip)
        # A steady width, whatever data the window starts with (XOR's examples fit
        # whole; longer ones are shortened in the middle, and the list opens wider).
        self.sample_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.sample_box.setMinimumContentsLength(14)
        self.sample_box.currentIndexChanged.connect(self._on_sample_chosen)
        bar.addWidget(self.sample_box)
        lr_tip = "Learning rate η: how big a step Apply gradients (and training) takes"
        bar.addWidget(self._label(" η ", lr_tip))
        self.lr_box = learning_rate_box(lr_tip)
        self.lr_box.editingFinished.connect(self._on_lr_edited)
        bar.addWidget(self.lr_box)
        bar.addSeparator()
        self.loss_label = QLabel()
        self.loss_label.setObjectName("lossLabel")
        self.loss_label.setToolTip("Loss over all training examples")
        theme.style(self.loss_label, "font-weight: bold; padding: 0 8px;")
        # Room for a loss below a thousand, and for the short scientific form from a
        # million on (1.50e306); one in between is shortened, the tooltip has it whole.
        fix_size(self.loss_label, "Loss 000.0000")
        bar.addWidget(self.loss_label)
        bar.addSeparator()
        bar.addAction(self.act_undo_short)
        bar.addAction(self.act_redo_short)
        for action in (self.act_undo_short, self.act_redo_short):
            button = bar.widgetForAction(action)
            font = button.font()
            font.setPointSizeF(font.pointSizeF() * 1.3)  # the arrows are small glyphs
            button.setFont(font)
        bar.addAction(self.act_fit)

    def _speed_box(self) -> QComboBox:
        """The training speed beside Train: the same choice as Train → Speed."""
        box = QComboBox()
        box.setObjectName("speedBox")
        box.setToolTip(
            "Training speed: epochs per second, or as fast as possible (also Train → Speed)"
        )
        for speed in SPEEDS:
            box.addItem("max" if speed is None else f"{speed}/s")
            box.setItemData(
                box.count() - 1,
                self.speed_actions[speed].text(),
                Qt.ItemDataRole.ToolTipRole,
            )
        box.setCurrentIndex(SPEEDS.index(self.trainer.speed))
        box.activated.connect(lambda index: self.trainer.set_speed(SPEEDS[index]))
        return box

    def _fill_export_menu(self, menu) -> None:
        from bpdesk.ui import exporting

        image = "PNG image (*.png);;SVG drawing (*.svg)"

        def plot(panel):  # looked up when exporting: some panels are built on first use
            return lambda p: exporting.export_plot(getattr(self, panel).plot, p)

        def gradcheck_missing():
            if self.gradcheck_panel.result is None:
                return "Run the gradient check first (Gradient check panel)."
            return None

        def landscape_missing():
            if self.doc.selected is None:
                return "Select a weight first: click a line in the network."
            return None

        def write_landscape(path):
            from bpdesk.core import weight_landscape

            doc = self.doc
            layer, i, j = doc.selected
            X, T = doc.training_arrays()
            lr = doc.config.learning_rate
            scape = weight_landscape(doc.network, X, T, layer, i, j, learning_rate=lr)
            name = doc.network.parameter_name(layer, i, j)
            exporting.export_landscape_csv(scape, name, path)

        # (menu text, tip, file types, suggested name, writer, why it cannot be done now)
        items = (
            (
                "Network diagram…",
                "PNG or SVG",
                image,
                "network.png",
                lambda p: exporting.render_scene(self.scene, p),
                None,
            ),
            ("Loss plot…", "PNG or SVG", image, "loss.png", plot("loss_panel"), None),
            (
                "Decision boundary…",
                "PNG or SVG",
                image,
                "boundary.png",
                plot("boundary_panel"),
                None,
            ),
            (
                "Gradient flow plot…",
                "PNG or SVG",
                image,
                "gradients.png",
                plot("gradient_flow_panel"),
                None,
            ),
            (
                "Error landscape plot…",
                "PNG or SVG",
                image,
                "landscape.png",
                plot("landscape_panel"),
                None,
            ),
            (
                "Loss history (CSV)…",
                "epoch, losses, accuracies",
                "CSV (*.csv)",
                "history.csv",
                lambda p: exporting.export_history_csv(self.doc, p),
                None,
            ),
            (
                "Predictions (CSV)…",
                "every example with its output",
                "CSV (*.csv)",
                "predictions.csv",
                lambda p: exporting.export_predictions_csv(self.doc, p),
                None,
            ),
            (
                "Gradient flow (CSV)…",
                "‖∂L/∂W‖ of each layer per epoch",
                "CSV (*.csv)",
                "gradients.csv",
                lambda p: exporting.export_gradient_flow_csv(self.doc, p),
                None,
            ),
            (
                "Error landscape (CSV)…",
                "the selected weight's loss curve, tangent and step",
                "CSV (*.csv)",
                "landscape.csv",
                write_landscape,
                landscape_missing,
            ),
            (
                "Gradient check table (CSV)…",
                "the last check, parameter by parameter",
                "CSV (*.csv)",
                "gradcheck.csv",
                lambda p: exporting.export_gradcheck_csv(self.gradcheck_panel.result, p),
                gradcheck_missing,
            ),
            (
                "Dataset (CSV)…",
                "the data, readable by Data → From a CSV file",
                "CSV (*.csv)",
                "data.csv",
                lambda p: exporting.export_dataset_csv(self.doc, p),
                None,
            ),
            (
                "PyTorch script…",
                "a standalone script: same network, same weights, same data",
                "Python (*.py)",
                "network.py",
                lambda p: exporting.export_torch_script(self.doc, p),
                None,
            ),
        )
        waiting = []
        for text, tip, pattern, default, write, why_not in items:
            action = menu.addAction(text)
            action.setToolTip(f"Export: {tip}")
            action.setStatusTip(f"Export: {tip}")
            action.triggered.connect(
                lambda _=False, t=text, f=pattern, d=default, w=write, n=why_not: self._export(
                    t, f, d, w, n
                )
            )
            if why_not is not None:
                waiting.append((action, why_not, tip))

        def update() -> None:
            for action, why_not, tip in waiting:
                reason = why_not()
                action.setEnabled(reason is None)
                action.setToolTip(reason or f"Export: {tip}")

        menu.aboutToShow.connect(update)
        menu.setToolTipsVisible(True)

    def _export(self, title: str, pattern: str, default: str, write, why_not=None) -> bool:
        reason = why_not() if why_not is not None else None
        if reason:
            self.files.show_error("Nothing to export yet", reason)
            return False
        path = self.files.ask_save_file(
            title.rstrip("…"), str(Path(self.files.folder()) / default), pattern
        )
        if not path:
            return False
        try:
            write(path)
        except (OSError, BpdeskError) as exc:
            self.files.show_error(
                "Cannot export", f"{path}\n\n{getattr(exc, 'strerror', None) or exc}"
            )
            return False
        self.statusBar().showMessage(f"Exported {Path(path).name}", 6000)
        return True

    def _on_undo_text(self, text: str) -> None:
        self.act_undo.setText(f"Undo {text}".strip())
        self.act_undo_short.setToolTip(f"Undo {text} (Ctrl+Z)" if text else "Undo (Ctrl+Z)")

    def _on_redo_text(self, text: str) -> None:
        self.act_redo.setText(f"Redo {text}".strip())
        self.act_redo_short.setToolTip(
            f"Redo {text} (Ctrl+Shift+Z)" if text else "Redo (Ctrl+Shift+Z)"
        )

    def _fit_to_screen(self, width: int, height: int) -> None:
        """Start at ``width × height``, or smaller if the screen is smaller."""
        screen = self.screen()
        if screen is not None:
            available = screen.availableGeometry()
            width = min(width, available.width())
            height = min(height, available.height())
        self.resize(width, height)

    @staticmethod
    def _label(text: str, tip: str) -> QLabel:
        label = QLabel(text)
        label.setToolTip(tip)
        return label

    def _create_status_bar(self) -> None:
        status = self.statusBar()
        self.status_training = QLabel()
        self.status_training.setObjectName("trainingStatus")
        self.status_training.setToolTip(
            "Epochs trained, and accuracy on the training (and test) set"
        )
        status.addPermanentWidget(self.status_training)
        self.status_network = QLabel()
        self.status_network.setToolTip("The network's shape and the dataset")
        status.addPermanentWidget(self.status_network)
        self._on_epoch()

    def _connect_document(self) -> None:
        doc = self.doc
        doc.modeChanged.connect(self._on_mode_changed)
        # Labels follow training five times a second: each repaint of a label
        # costs the GUI thread (and so the training thread) more than it shows.
        live = lambda: doc.training_active  # noqa: E731
        self._computed_refresh = LiveThrottle(self._on_computed, LABEL_MS, live, self)
        self._epoch_refresh = LiveThrottle(self._on_epoch, LABEL_MS, live, self)
        doc.computedChanged.connect(self._computed_refresh.request)
        doc.datasetChanged.connect(self._fill_samples)
        doc.datasetChanged.connect(self._name_boundary_dock)
        doc.sampleChanged.connect(self._on_sample_changed)
        doc.settingsChanged.connect(self._on_settings_changed)
        doc.networkChanged.connect(self._on_computed)
        doc.message.connect(self._on_message)
        doc.epochChanged.connect(self._epoch_refresh.request)
        doc.historyChanged.connect(self._epoch_refresh.request)
        self._fill_samples()
        self._name_boundary_dock()
        self._on_settings_changed()

    # -- step through one training step ------------------------------------------------

    def forward_pass(self) -> None:
        """Run the forward pass and animate it left to right."""
        self.doc.run_forward()
        self.doc.set_mode("forward")
        self.scene.reveal("forward")

    def backward_pass(self) -> None:
        """Run the backward pass and animate it right to left."""
        self.doc.run_backward()
        self.doc.set_mode("backward")
        self.scene.reveal("backward")

    def apply_gradients(self) -> None:
        """Step every weight by −η·∂L/∂w; the status bar says how the loss changed."""
        doc = self.doc
        # Training stops first, then the losses are those of the network the step
        # starts from (the forward pass on screen may be a frame or an edit behind).
        doc.prepare_edit(SetParametersCommand)
        before = self._losses_now()
        editing.apply_gradients(doc)
        fwd = doc.forward_state
        if fwd is None:
            return

        def change(old: float, new: float) -> str:
            # Judged as shown: "rose from 0.1253 to 0.1253" would read as a contradiction.
            old_text, new_text = theme.fmt(old, 4), theme.fmt(new, 4)
            if old_text == new_text:
                return f"stayed at {new_text}"
            return f"{'fell' if new < old else 'rose'} from {old_text} to {new_text}"

        n = doc.dataset.n_train
        after = self._losses_now()
        if len(fwd.rows) == 1 and n > 1:
            # The step followed one example's gradient: its own loss is the one that
            # must fall; the mean over all examples may not.
            text = (
                f"Applied example {fwd.rows[0] + 1}'s gradients: its loss "
                f"{change(before[0], after[0])}; the mean over all {n} "
                f"{change(before[1], after[1])}"
            )
        else:
            text = f"Applied gradients: the loss {change(before[1], after[1])}"
        # Long enough to read while stepping through by hand.
        self.statusBar().showMessage(text, 30_000)

    def _losses_now(self) -> tuple[float, float]:
        """The current network's loss on the rows the views use, and over all examples."""
        doc = self.doc
        data, net = doc.dataset, doc.network
        with np.errstate(all="ignore"):
            rows = net.compute_loss(*doc.training_arrays())
            every = net.compute_loss(data.X_train, data.T_train)
        return rows, every

    def _add_layer_before_output(self) -> None:
        editing.insert_layer(self.doc, len(self.doc.network.layer_sizes) - 1)

    # -- document → widgets ------------------------------------------------------------

    def _on_mode_changed(self, mode: str) -> None:
        self.act_forward_view.setChecked(mode == "forward")
        self.act_backward_view.setChecked(mode == "backward")

    def _on_computed(self) -> None:
        fwd = self.doc.forward_state
        net = self.doc.network
        if fwd is None:
            # A new architecture: the old loss belongs to another network.
            self.loss_label.setText("Loss —")
            self.loss_label.setToolTip("Run the forward pass (F5) to see the loss")
            self.loss_label.setEnabled(False)
        else:
            # The toolbar keeps to the loss that training and Apply gradients bring down,
            # the mean over all examples (room at 1280 pixels wide); one example's loss
            # is beside the output in the network, and in the tooltip.
            label = self.loss_label
            text = f"Loss {theme.fmt(fwd.total_loss, 4)}"
            room = label.contentsRect().width()
            label.setText(label.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, room))
            tip = f"{text}: over all {self.doc.dataset.n_train} training examples (their mean)"
            if len(fwd.rows) == 1:
                tip += f"; example {fwd.rows[0] + 1} alone: {theme.fmt(fwd.loss, 4)}"
            fresh = self.doc.is_fresh("forward")
            if not fresh:
                tip += ".\nOut of date (greyed): the network changed; run the forward pass (F5)"
            label.setToolTip(tip)
            label.setEnabled(fresh)
        self.status_network.setText(
            f"{net.describe()}  ·  {self.doc.dataset.title or self.doc.dataset.name}"
        )

    def _on_clean_changed(self, clean: bool) -> None:
        # From the signal's own argument: the stack also reports (clean) while it is
        # being destroyed, when asking it anything would fail.
        self.setWindowModified(not clean or self.files.is_training())

    def _on_speed_changed(self, speed) -> None:
        self.speed_actions[speed].setChecked(True)
        self.speed_box.setCurrentIndex(SPEEDS.index(speed))

    def _on_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 6000)

    def _on_heat_maps(self, on: bool) -> None:
        self.scene.set_heat_maps(on)
        self.settings.setValue("view/heat_maps", on)

    def _on_training_state(self, state: str) -> None:
        self.act_train.setText("Pause" if state == "running" else "Train")
        if state == "running":
            self.statusBar().clearMessage()  # e.g. "Applied gradients …": old news now
        self.setWindowModified(self.files.modified)  # a run is unsaved work
        self._on_epoch()

    def _on_epoch(self, *_) -> None:
        doc = self.doc
        record = doc.history
        text = f"epoch {doc.epoch:,}"
        if 0 < doc.epoch <= len(record):
            row = doc.epoch - 1
            train_acc = record.train_accuracy[row]
            test_acc = record.test_accuracy[row]
            if train_acc == train_acc:  # not NaN: a classification problem
                text += f"  ·  accuracy {train_acc:.0%}"
                if test_acc == test_acc:
                    text += f" (test {test_acc:.0%})"
        state = self.trainer.state
        if state != "idle":
            text = f"{state} · {text}"
        self.status_training.setText(text)

    def _name_boundary_dock(self) -> None:
        # A regression has no boundary between classes: the map shows the output itself.
        regression = self.doc.dataset.kind == "regression"
        title = "Output map" if regression else "Decision boundary"
        self.docks["boundary"].setWindowTitle(title)

    def _fill_samples(self) -> None:
        data = self.doc.dataset
        box = self.sample_box
        box.blockSignals(True)
        box.clear()
        box.addItem(f"All {data.n_train} (mean)", None)
        shown = min(data.n_train, 500)
        if data.kind == "multiclass":
            # One-hot targets read as the class, as the Predictions table names them.
            targets = [f"class {k}" for k in data.labels(data.T_train[:shown])]
        else:
            fmt = theme.fmt_target if data.kind == "binary" else lambda v: theme.fmt(v, 2)
            targets = [", ".join(fmt(v) for v in row) for row in data.T_train[:shown]]
        for n in range(shown):
            x = ", ".join(theme.fmt(v, 2) for v in data.X_train[n])
            box.addItem(f"{n + 1}: ({x}) → {targets[n]}", n)
        # The list opens as wide as its longest entry; the box itself keeps its width.
        view = box.view()
        view.setMinimumWidth(
            view.sizeHintForColumn(0) + view.verticalScrollBar().sizeHint().width()
        )
        box.blockSignals(False)
        self._on_sample_changed()

    def _on_sample_chosen(self, index: int) -> None:
        self.doc.set_sample(self.sample_box.itemData(index))

    def _on_sample_changed(self) -> None:
        sample = self.doc.sample
        index = 0 if sample is None else sample + 1
        if index < self.sample_box.count() and self.sample_box.currentIndex() != index:
            self.sample_box.blockSignals(True)
            self.sample_box.setCurrentIndex(index)
            self.sample_box.blockSignals(False)

    def _on_settings_changed(self) -> None:
        self.lr_box.blockSignals(True)
        self.lr_box.setValue(self.doc.config.learning_rate)
        self.lr_box.blockSignals(False)

    def _on_lr_edited(self) -> None:
        # Tabbing through the box must not round the rate to the box's decimals.
        if not spin_moved(self.lr_box, self.doc.config.learning_rate):
            return
        value = round(self.lr_box.value(), 6)
        config = replace(self.doc.config, learning_rate=value)
        self.doc.push(SetConfigCommand(self.doc, config, f"Learning rate {value:g}"))

    # -- window state -------------------------------------------------------------------

    def restore_default_layout(self) -> None:
        """Show every panel again, where it was at first start."""
        self.restoreState(self._default_state, SETTINGS_VERSION)
        for dock in self.docks.values():
            dock.show()
        for key in FRONT_TABS:
            self.docks[key].raise_()
        self._apply_default_sizes()

    def _apply_default_sizes(self) -> None:
        # Proportions of the window, so that the editor keeps the most room.
        width, height = self.width(), self.height()
        docks = self.docks
        horizontal = [docks[k] for k in ("build", "boundary") if k in docks]
        self.resizeDocks(
            horizontal, [int(width * 0.19), int(width * 0.24)], Qt.Orientation.Horizontal
        )
        build = docks["build"].widget().sizeHint().height() + 30
        self.resizeDocks(
            [docks["build"], docks["learn"]], [build, int(height * 0.6)], Qt.Orientation.Vertical
        )
        self.resizeDocks([docks["loss"]], [int(height * 0.27)], Qt.Orientation.Vertical)
        self.resizeDocks(
            [docks["loss"], docks["predictions"]],
            [int(width * 0.6), int(width * 0.4)],
            Qt.Orientation.Horizontal,
        )
        self.resizeDocks(
            [docks["boundary"], docks["chain_rule"]],
            [int(height * 0.45), int(height * 0.55)],  # the map square, the explanations below
            Qt.Orientation.Vertical,
        )

    def showEvent(self, event) -> None:
        """First show: the work that waits until the window is on screen."""
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            if not self._restored:
                self._apply_default_sizes()
            # The editor has the keyboard at start, so F, B, Space and the others work at once.
            self.view.setFocus()

    def _restore_settings(self) -> bool:
        """Bring back the saved geometry and layout; True if there was a layout."""
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        restored = isinstance(state, QByteArray) and self.restoreState(state, SETTINGS_VERSION)
        # Geometry after the panels (and their layout settled): hidden panels no
        # longer hold the window's minimum size up, so a small size comes back.
        self.layout().activate()
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        return restored

    def save_settings(self) -> None:
        """Remember window geometry and the panels' layout."""
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState(SETTINGS_VERSION))
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Stop training, ask about unsaved work, remember the layout; or stay open."""
        # Stop and join the training thread before anything it reports to goes away
        # (and so that a save keeps every epoch trained).
        was_training = self.trainer.state == "running"
        self.trainer.shutdown()
        if not self.files.maybe_save():
            event.ignore()
            if was_training:
                self.trainer.start()  # the window stays: so does the run
            return
        self.files.discard_autosave()
        self.files.release()
        self.jobs.shutdown()  # every other job (the gradient check): cancelled and joined
        self.save_settings()
        event.accept()

    # -- files -------------------------------------------------------------------------------

    def open_path(self, path: str) -> bool:
        """Open a ``.bpnet`` file (asking first about unsaved changes); a bad file is
        refused with a message naming the problem and changes nothing."""
        return self.files.open(path)

    def open_example(self, name: str) -> bool:
        """Open one of the shipped examples (``resources/examples/NAME.bpnet``)."""
        path = resource_path("examples", f"{name}.bpnet")
        if not path.is_file():
            self.doc.notify(f"There is no example called {name!r}")
            return False
        # An example opens as a new, unnamed document: saving asks where.
        self.statusBar().clearMessage()  # a message about the last document is old news
        return self.files.load(path, remember=False, title=f"example: {name}")

    def _update_title(self, _path=None) -> None:
        self.setWindowTitle(f"bpdesk — {self.files.title}[*]")
        self.setWindowModified(self.files.modified)

    def _fill_recent(self) -> None:
        menu = self.recent_menu
        menu.clear()
        recent = self.files.recent_files()
        for path in recent:
            action = menu.addAction(Path(path).name)
            action.setToolTip(path)
            action.setStatusTip(path)
            action.triggered.connect(lambda _=False, p=path: self.files.open(p))
        menu.setEnabled(bool(recent))

    def dragEnterEvent(self, event) -> None:
        """Accept a dragged .bpnet or .csv file."""
        if any(
            url.toLocalFile().lower().endswith((".bpnet", ".csv"))
            for url in event.mimeData().urls()
        ):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        """A .bpnet file opens; a .csv file becomes the dataset."""
        for url in event.mimeData().urls():
            path = url.toLocalFile()
            # After the drop has finished: the unsaved-changes question is modal, and
            # asked inside the drop it would hold the application the file came from.
            if path.lower().endswith(".bpnet"):
                QTimer.singleShot(0, lambda p=path: self.files.open(p))
                break
            if path.lower().endswith(".csv"):
                QTimer.singleShot(0, lambda p=path: self.data_panel.import_csv(p))
                break
        event.acceptProposedAction()

    # -- the guided tour ----------------------------------------------------------------------

    def show_tour_page(self, page: TourPage) -> None:
        """Do what a tour page's "Show me" promises, then point at what to look at."""
        needs_example = any(word == "example" for word, _ in page.steps)
        if needs_example and not self._is_tour_scratch() and not self.confirm_replace():
            return
        self._tour_acting = True
        try:
            self._run_tour_steps(page)
        finally:
            self._tour_acting = False
        if needs_example:
            # The tour's own example, changed only by the tour (and training): the next
            # "Show me" replaces it without asking to save it.
            self._tour_scratch = self.files.title
        if page.look:
            self.point_at(page.look)

    def _is_tour_scratch(self) -> bool:
        return self._tour_scratch is not None and self._tour_scratch == self.files.title

    def _make_landscape_panel(self) -> LandscapePanel:
        panel = LandscapePanel(self.doc)
        panel.gestureStarted.connect(self.trainer.hold)
        panel.gestureFinished.connect(self.trainer.release)
        return panel

    def _note_training_for_tour(self, state: str) -> None:
        if state == "running" and not self._tour_acting:
            self._tour_scratch = None

    def _note_edit_for_tour(self, _command) -> None:
        if not self._tour_acting:
            self._tour_scratch = None  # the learner's own edit: worth a question

    def _run_tour_steps(self, page: TourPage) -> None:
        from bpdesk.ui.commands import SetConfigCommand

        doc = self.doc
        for word, args in page.steps:
            if word == "example":
                self.trainer.shutdown()
                self.open_example(args[0])
            elif word == "view":
                doc.set_mode(args[0])
            elif word == "sample":
                doc.set_sample(None if args[0] == "all" else int(args[0]) - 1)
            elif word == "select":
                layer, i, j = args
                doc.select((int(layer), None if i == "b" else int(i), int(j)))
            elif word == "forward":
                self.forward_pass()
            elif word == "backward":
                self.backward_pass()
            elif word == "apply":
                self.apply_gradients()
            elif word == "train":
                self.trainer.start()
            elif word == "pause":
                self.trainer.pause()
            elif word == "reset":
                self.trainer.reset()
            elif word == "speed":
                self.trainer.set_speed(None if args[0] == "max" else float(args[0]))
            elif word == "lr":
                doc.push(SetConfigCommand(doc, replace(doc.config, learning_rate=float(args[0]))))
            elif word == "dock":
                self.show_dock(args[0])
            elif word == "gradcheck" and "gradcheck" in self.docks:
                self.show_dock("gradcheck")
                self.gradcheck_panel.run_check()
                self.gradcheck_panel.reveal_result()
            elif word == "scaleup" and "gradcheck" in self.docks:
                self.show_dock("gradcheck")
                self.gradcheck_panel.scale_up()

    def point_at(self, part: str) -> None:
        """Frame a part of the window for a moment ("look here")."""
        target = self.look_target(part)
        if isinstance(target, QDockWidget):
            # Once the window has settled: an example just opened re-lays the docks
            # out (a panel changes what it shows), which would undo a resize made now.
            QTimer.singleShot(ROOM_DELAY_MS, self, lambda: self._make_room(target))
        if target is not None:
            self.highlighter.flash(target)

    def _make_room(self, dock: QDockWidget) -> None:
        """Give a docked panel the page points at the height it asks for, taken from the
        panels above and below it (on a 1280×800 screen the error landscape's words
        were below the fold under an output map with room to spare)."""
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
        area = self.dockWidgetArea(dock)
        column = [
            other
            for other in self.docks.values()
            if other is not dock
            and other.isVisible()
            and not other.isFloating()
            and self.dockWidgetArea(other) == area
            and abs(other.x() - dock.x()) < 5
            and not other.visibleRegion().isEmpty()  # not a tab hidden behind another
        ]
        if not column:
            return
        total = dock.height() + sum(other.height() for other in column)
        give = min(need, int(total * 0.7))
        rest = max(80, (total - give) // len(column))
        self.resizeDocks([dock, *column], [give] + [rest] * len(column), Qt.Orientation.Vertical)

    def look_target(self, part: str) -> QWidget | None:
        """The widget a tour page's "look:" names: a dock by its key ("loss" is the
        Loss plot, shown if hidden), or the editor, the toolbar or its loss value."""
        targets = {"editor": self.view, "toolbar": self.toolbar, "loss_value": self.loss_label}
        if part in targets:
            return targets[part]
        return self.show_dock(part) if part in self.docks else None

    def confirm_replace(self) -> bool:
        """Before replacing the document (an example, the tour): save, discard or cancel."""
        return self.files.maybe_save()

    # -- help ------------------------------------------------------------------------------

    def _on_color_scheme_changed(self, _scheme) -> None:
        from bpdesk.ui import preferences

        if self.preferences.theme == "system":
            preferences.apply(self, self.preferences)

    def show_preferences(self) -> None:
        """Theme, colours, decimals and animation speed (applied at once, remembered)."""
        from bpdesk.ui.preferences import PreferencesDialog

        PreferencesDialog(self).exec()

    def show_about(self) -> None:
        """Version and licences."""
        import numpy
        import pyqtgraph
        import PySide6

        QMessageBox.about(
            self,
            "About bpdesk",
            f"<h3>bpdesk {__version__}</h3>"
            "<p>See and touch backpropagation. After <i>Learning representations by "
            "back-propagating errors</i>, Rumelhart, Hinton &amp; Williams, Nature 323, 1986.</p>"
            f"<p>Qt for Python (PySide6) {PySide6.__version__} — LGPLv3<br>"
            f"pyqtgraph {pyqtgraph.__version__} — MIT<br>NumPy {numpy.__version__} — BSD</p>",
        )

    def shortcut_rows(self) -> list[tuple[str, str]]:
        """(keys, what they do) for every action with a shortcut."""
        rows = []
        for action in self.actions():
            keys = ", ".join(
                k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()
            )
            if keys:
                rows.append(
                    (keys, action.property(SHORTCUT_NAME) or action.text().replace("&", ""))
                )
        return rows

    def show_shortcuts(self) -> None:
        """A table of the keyboard shortcuts."""

        def table(pairs) -> str:
            cells = "".join(f"<tr><td><b>{k}</b></td><td>{t}</td></tr>" for k, t in pairs)
            return f"<table cellspacing='6'>{cells}</table>"

        QMessageBox.information(
            self,
            "Keyboard shortcuts",
            table(self.shortcut_rows()) + "<p><b>With the mouse</b></p>" + table(MOUSE_ACTIONS),
        )

    def settle(self, ms: int = 0) -> None:
        """Finish pending layout (used before screenshots)."""
        QTimer.singleShot(ms, lambda: None)
