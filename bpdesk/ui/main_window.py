"""The main window: the network editor in the middle, dock panels around it.

The window assembles; it does no work of its own. It creates the document's
controllers (training, files), the editor and the panels, and lays them out.
Each other part lives in a module named for what it is:

* :mod:`~bpdesk.ui.actions`: every command as a QAction, with its shortcut and tip;
* :mod:`~bpdesk.ui.menus` and :mod:`~bpdesk.ui.export_menu`: the menu bar, File → Export;
* :mod:`~bpdesk.ui.toolbar` and :mod:`~bpdesk.ui.statusbar`;
* :mod:`~bpdesk.ui.docks`: where each panel goes, its size at first start, the saved layout;
* :mod:`~bpdesk.ui.panel_factories`: how each dock's panel is built;
* :mod:`~bpdesk.ui.step_through`: forward pass, backward pass, apply gradients;
* :mod:`~bpdesk.ui.tour_driver`: what a tour page's "Show me" does;
* :mod:`~bpdesk.ui.help_dialogs`: the keyboard shortcuts and About.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QCloseEvent, QGuiApplication, QIcon
from PySide6.QtWidgets import QDockWidget, QMainWindow, QWidget

from bpdesk.paths import resource_path
from bpdesk.ui import app_look, help_dialogs, predicted, theme
from bpdesk.ui.actions import WindowActions
from bpdesk.ui.docks import SETTINGS_VERSION, PanelDocks, restore_window_state, save_window_state
from bpdesk.ui.document import Document
from bpdesk.ui.editor.view import NetworkView
from bpdesk.ui.files import FileController
from bpdesk.ui.highlight import Highlighter
from bpdesk.ui.jobs import JobRunner
from bpdesk.ui.menus import WindowMenus
from bpdesk.ui.panel_factories import panel_factories
from bpdesk.ui.preferences import PreferencesDialog, ViewPreferences
from bpdesk.ui.statusbar import MainStatusBar
from bpdesk.ui.step_through import StepThrough
from bpdesk.ui.toolbar import MainToolBar
from bpdesk.ui.tour import TourPage
from bpdesk.ui.tour_driver import TourDriver
from bpdesk.ui.training import TrainingController


def _panel(key: str) -> property:
    """``window.NAME``: the panel in dock ``key``, built now if it waited behind a tab."""
    return property(lambda window: window.panel_docks.panel(key), doc=f"The {key!r} dock's panel.")


def _part(owner: str, name: str) -> property:
    """``window.NAME``: ``window.OWNER.NAME``, under the name it has always had."""
    return property(
        lambda window: getattr(getattr(window, owner), name), doc=f"``{owner}.{name}``."
    )


class MainWindow(QMainWindow):
    """bpdesk's window. Pass ``settings`` to keep window state somewhere other than the default."""

    # The panels, widgets and actions by the names menus, tests and the benchmark use.
    build_panel = _panel("build")
    tour = _panel("learn")
    data_panel = _panel("data")
    boundary_panel = _panel("boundary")
    chain_rule = _panel("chain_rule")
    landscape_panel = _panel("landscape")
    math_panel = _panel("math")
    loss_panel = _panel("loss")
    gradient_flow_panel = _panel("gradient_flow")
    gradcheck_panel = _panel("gradcheck")
    sweep_panel = _panel("sweep")
    race_panel = _panel("race")
    predictions_panel = _panel("predictions")
    digit_pad_panel = _panel("pad")
    mistakes_panel = _panel("mistakes")
    confusion_panel = _panel("confusion")
    act_forward_view = _part("window_actions", "forward_view")
    act_backward_view = _part("window_actions", "backward_view")
    act_forward_pass = _part("window_actions", "forward_pass")
    act_backward_pass = _part("window_actions", "backward_pass")
    act_apply = _part("window_actions", "apply")
    act_heat_maps = _part("window_actions", "heat_maps")
    act_restore_layout = _part("window_actions", "restore_layout")
    act_train = _part("window_actions", "train")
    act_reset = _part("window_actions", "reset")
    speed_actions = _part("window_actions", "speeds")
    export_menu = _part("menus", "export")
    panels_menu = _part("menus", "panels")
    speed_box = _part("toolbar", "speed_box")
    sample_box = _part("toolbar", "sample_box")
    lr_box = _part("toolbar", "lr_box")
    loss_label = _part("toolbar", "loss_label")
    status_training = _part("status_bar", "training_label")
    status_network = _part("status_bar", "network_label")

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
        self.setAcceptDrops(True)
        self._create_preferences()
        self._create_controllers(autosave_path)
        self._create_views()
        self._fit_to_screen(1600, 1000)
        self._default_state = self.saveState(SETTINGS_VERSION)
        self._restored = restore_window_state(self, self.settings)
        self.scene.set_heat_maps(self.act_heat_maps.isChecked())
        self._shown_once = False

    # -- construction ---------------------------------------------------------------

    def _create_controllers(self, autosave_path: Path | None) -> None:
        self.jobs = JobRunner(self)  # every background computation runs and is joined here
        predicted.run_in_background(self.doc, self.jobs)  # a pass over 70,000 images
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
        # Bound methods, not lambdas: Qt drops them with the window, while the
        # document (and its undo stack) may outlive it.
        self.doc.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self.trainer.stateChanged.connect(self._on_training_state)

    def _create_views(self) -> None:
        prefs = self.preferences
        self.view = NetworkView(self.doc, self, prefs=prefs)
        self.scene = self.view.network_scene
        self.setCentralWidget(self.view)
        self.steps = StepThrough(self.doc, self.scene, self._say)
        self.panel_docks = PanelDocks(self, self.doc, panel_factories(self))
        self.docks: dict[str, QDockWidget] = self.panel_docks.docks
        self.highlighter = Highlighter(self, prefs)
        self.tour_driver = TourDriver(self)
        self.tour.showRequested.connect(self.show_tour_page)
        # A panel a page made room for gives it back when the tour moves on.
        self.tour.pageChanged.connect(self.panel_docks.give_back_room)
        self.window_actions = WindowActions(self)
        self.menus = WindowMenus(self)
        self.toolbar = MainToolBar(self.window_actions, self.doc, self.trainer, self, prefs=prefs)
        self.addToolBar(self.toolbar)
        self.addToolBar(self.toolbar.data_bar)
        self.status_bar = MainStatusBar(self.doc, self.trainer, self)
        self.setStatusBar(self.status_bar)

    def _fit_to_screen(self, width: int, height: int) -> None:
        """Start at ``width × height``, or smaller if the screen is smaller."""
        screen = self.screen()
        if screen is not None:
            available = screen.availableGeometry()
            width = min(width, available.width())
            height = min(height, available.height())
        self.resize(width, height)

    # -- preferences: every view is given them; the application's look follows them --------

    def _create_preferences(self) -> None:
        """``self.preferences``, from the settings, before any view: each is built in them."""
        self.preferences = ViewPreferences.from_settings(self.settings, self)
        if self.preferences.palette is theme.STANDARD:
            app_look.show_in_plots(self.preferences)  # Qt keeps the platform's own light look
        else:
            app_look.show_preferences(self.preferences)
        # Connected before any view is: the application changes its look before they redraw.
        self.preferences.changed.connect(self._on_preferences_changed)
        # "Follow the system" follows it while the app runs, too.
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._on_color_scheme_changed)

    def _on_preferences_changed(self) -> None:
        app_look.show_preferences(self.preferences)

    def _on_color_scheme_changed(self, _scheme) -> None:
        self.preferences.follow_system()

    def show_preferences(self) -> None:
        """Theme, colours, decimals and animation speed (applied at once, remembered)."""
        PreferencesDialog(self.preferences, self.settings, self).exec()

    # -- docks and window state ---------------------------------------------------------

    def show_dock(self, key: str) -> QDockWidget:
        """Show a panel and bring its tab to the front."""
        return self.panel_docks.show(key)

    def restore_default_layout(self) -> None:
        """Show every panel again, where it was at first start."""
        self.panel_docks.restore_default_layout(self._default_state)

    def resizeEvent(self, event) -> None:
        """The toolbars take one row or two, as the width allows."""
        super().resizeEvent(event)
        self.toolbar.wrap_toolbars(self)

    def showEvent(self, event) -> None:
        """First show: the work that waits until the window is on screen."""
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            if not self._restored:
                self.panel_docks.apply_default_sizes()
            # The editor has the keyboard at start, so F, B, Space and the others work at once.
            self.view.setFocus()

    def save_settings(self) -> None:
        """Remember window geometry and the panels' layout."""
        save_window_state(self, self.settings)

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

    # -- files ---------------------------------------------------------------------------

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

    def confirm_replace(self) -> bool:
        """Before replacing the document (an example, the tour): save, discard or cancel."""
        return self.files.maybe_save()

    def _update_title(self, _path=None) -> None:
        self.setWindowTitle(f"bpdesk — {self.files.title}[*]")
        self.setWindowModified(self.files.modified)

    def _on_clean_changed(self, clean: bool) -> None:
        # From the signal's own argument: the stack also reports (clean) while it is
        # being destroyed, when asking it anything would fail.
        self.setWindowModified(not clean or self.files.is_training())

    def _on_training_state(self, _state: str) -> None:
        self.setWindowModified(self.files.modified)  # a run is unsaved work

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

    # -- stepping through one training step ------------------------------------------------

    def forward_pass(self) -> None:
        """Run the forward pass and animate it left to right."""
        self.steps.forward_pass()

    def backward_pass(self) -> None:
        """Run the backward pass and animate it right to left."""
        self.steps.backward_pass()

    def apply_gradients(self) -> None:
        """Step every weight by −η·∂L/∂w; the status bar says how the loss changed."""
        self.steps.apply_gradients()

    def _say(self, text: str, ms: int) -> None:
        self.statusBar().showMessage(text, ms)

    # -- the guided tour ------------------------------------------------------------------

    def show_tour_page(self, page: TourPage) -> None:
        """Do what a tour page's "Show me" promises, then point at what to look at."""
        self.tour_driver.show_page(page)

    def point_at(self, part: str) -> None:
        """Frame a part of the window for a moment ("look here")."""
        self.tour_driver.point_at(part)

    def look_target(self, part: str) -> QWidget | None:
        """The widget a tour page's "look:" names (see :meth:`TourDriver.look_target`)."""
        return self.tour_driver.look_target(part)

    # -- help ------------------------------------------------------------------------------

    def show_about(self) -> None:
        """Version and licences."""
        help_dialogs.show_about(self)

    def shortcut_rows(self) -> list[tuple[str, str]]:
        """(keys, what they do) for every action with a shortcut."""
        return help_dialogs.shortcut_rows(self)

    def show_shortcuts(self) -> None:
        """A table of the keyboard shortcuts."""
        help_dialogs.show_shortcuts(self)

    def settle(self, ms: int = 0) -> None:
        """Finish pending layout (used before screenshots)."""
        QTimer.singleShot(ms, lambda: None)
