"""The menu bar: File, Edit, View, Network, Train and Help, made of the window's
actions, with the lists that change (recent files) kept up to date."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMenu

from bpdesk.ui.export_menu import ExportMenu
from bpdesk.ui.widgets import plain_tooltip

if TYPE_CHECKING:
    from bpdesk.ui.main_window import MainWindow


class WindowMenus(QObject):
    """Fills ``window``'s menu bar from ``window.window_actions``."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)  # a child of the window: its slots go with it
        self.window = window
        self.files = window.files
        self._fill_file_menu()
        self._fill_other_menus()
        self.files.recentChanged.connect(self._fill_recent)

    def _fill_file_menu(self) -> None:
        window, acts = self.window, self.window.window_actions
        menu = window.menuBar().addMenu("&File")
        menu.addAction(acts.new)
        menu.addAction(acts.open)
        self.recent = menu.addMenu("Open Recent")
        self.recent.setToolTipsVisible(True)
        self._fill_recent()
        menu.addAction(acts.save)
        menu.addAction(acts.save_as)
        menu.addSeparator()
        self.examples = menu.addMenu("Examples")
        self.examples.setToolTipsVisible(True)
        from bpdesk.core.examples import EXAMPLES

        for name, (title, description, _) in EXAMPLES.items():
            action = self.examples.addAction(title)
            action.setToolTip(description)
            action.setStatusTip(description)
            # Through the window: it asks about unsaved work first.
            action.triggered.connect(
                lambda _=False, n=name: window.confirm_replace() and window.open_example(n)
            )
        self.export = ExportMenu(
            window.doc,
            window.files,
            window.scene,
            window.panel_docks.panel,
            lambda text, ms: window.statusBar().showMessage(text, ms),
            menu,
        )
        menu.addMenu(self.export)
        menu.addSeparator()
        menu.addAction(acts.preferences)
        menu.addSeparator()
        menu.addAction(acts.quit)

    def _fill_other_menus(self) -> None:
        window, acts = self.window, self.window.window_actions
        bar = window.menuBar()
        edit = bar.addMenu("&Edit")
        edit.addAction(acts.undo)
        edit.addAction(acts.redo)
        edit.addSeparator()
        edit.addAction(acts.clear_selection)
        view = bar.addMenu("&View")
        view.addAction(acts.forward_view)
        view.addAction(acts.backward_view)
        view.addSeparator()
        view.addAction(acts.fit)
        view.addAction(acts.zoom_in)
        view.addAction(acts.zoom_out)
        view.addAction(acts.heat_maps)
        view.addSeparator()
        self.panels = view.addMenu("Panels")
        for dock in window.docks.values():
            toggle = dock.toggleViewAction()
            toggle.setToolTip(f"Show or hide the {dock.windowTitle()} panel")
            self.panels.addAction(toggle)
        view.addAction(acts.restore_layout)
        network = bar.addMenu("&Network")
        network.addAction(acts.forward_pass)
        network.addAction(acts.backward_pass)
        network.addAction(acts.apply)
        network.addSeparator()
        network.addAction(acts.add_layer)
        self.train = bar.addMenu("&Train")
        self.train.addAction(acts.train)
        self.train.addAction(acts.step)
        self.train.addAction(acts.reset)
        self.train.addAction(acts.reset_same)
        self.train.addAction(acts.reset_new)
        speed = self.train.addMenu("Speed")
        for action in acts.speeds.values():
            speed.addAction(action)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(acts.shortcuts)
        help_menu.addAction(acts.about)

    def _fill_recent(self) -> None:
        menu: QMenu = self.recent
        menu.clear()
        recent = self.files.recent_files()
        for path in recent:
            # A file's name as typed: "&" is not a shortcut, a tag in it not HTML.
            action = menu.addAction(Path(path).name.replace("&", "&&"))
            action.setToolTip(plain_tooltip(path))
            action.setStatusTip(path)
            action.triggered.connect(lambda _=False, p=path: self.files.open(p))
        menu.setEnabled(bool(recent))
