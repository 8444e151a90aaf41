"""The window's commands as QActions: their texts, shortcuts and tips, and the
texts that follow the state (Train/Pause, "Undo Move neuron", the speed chosen).

The menus and the toolbar show these actions; the shortcuts work from anywhere
in the window, menu or not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QActionGroup, QKeySequence

from bpdesk.ui import editing
from bpdesk.ui.training import SPEEDS
from bpdesk.ui.widgets import plain_tooltip

if TYPE_CHECKING:
    from bpdesk.ui.main_window import MainWindow

SHORTCUT_NAME = "shortcutName"  # action property: its name in Help → Keyboard shortcuts

Shortcut = str | QKeySequence.StandardKey | list[str] | None


def speed_text(speed: float | None) -> str:
    """A training speed in words: "10 epochs per second", "As fast as possible"."""
    if speed is None:
        return "As fast as possible"
    return f"{speed:,} epoch{'s' if speed != 1 else ''} per second"


class WindowActions(QObject):
    """Every command of the main window, one QAction each.

    The actions are the window's (``window.addAction``), so that their shortcuts
    work even when they are in no visible menu.
    """

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)  # a child of the window: its slots go with it
        self.window = window
        # In the order of Help → Keyboard shortcuts.
        self._create_step_actions()
        self._create_undo_actions()
        self._create_view_actions()
        self._create_file_and_help_actions()
        self._create_training_actions()

    def _action(
        self,
        text: str,
        slot: Callable | None,
        shortcut: Shortcut = None,
        tip: str = "",
        checkable: bool = False,
    ) -> QAction:
        action = QAction(text, self.window)
        if shortcut is not None:
            keys = shortcut if isinstance(shortcut, list) else [shortcut]
            sequences: list[QKeySequence] = []
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
        self.window.addAction(action)  # shortcuts work even when the action is in no visible menu
        return action

    def _create_step_actions(self) -> None:
        window, doc = self.window, self.window.doc
        self.forward_view = self._action(
            "Forward view",
            lambda: doc.set_mode("forward"),
            "F",
            "Show activations flowing left to right",
            checkable=True,
        )
        self.backward_view = self._action(
            "Backward view",
            lambda: doc.set_mode("backward"),
            "B",
            "Show gradients flowing right to left",
            checkable=True,
        )
        group = QActionGroup(self)
        group.addAction(self.forward_view)
        group.addAction(self.backward_view)
        self.forward_pass = self._action(
            "Forward pass",
            window.forward_pass,
            "F5",
            "Run the selected example forward, layer by layer",
        )
        self.backward_pass = self._action(
            "Backward pass", window.backward_pass, "F6", "Send the error backward, layer by layer"
        )
        self.apply = self._action(
            "Apply gradients", window.apply_gradients, "F7", "Move every weight by −η·∂L/∂w"
        )
        self.apply.setIconText("Apply")  # the toolbar's name (room at 1280 pixels wide)
        doc.modeChanged.connect(self._on_mode_changed)
        self._on_mode_changed(doc.mode)

    def _create_undo_actions(self) -> None:
        doc = self.window.doc
        # Undo and redo go through the document, so that training stops first.
        self.undo = self._action(
            "Undo", doc.undo, QKeySequence.StandardKey.Undo, "Undo the last edit"
        )
        self.redo = self._action(
            "Redo",
            doc.redo,
            # Both spellings everywhere (the platform's standard Redo is only one of them).
            ["Ctrl+Shift+Z", "Ctrl+Y"],
            "Redo the edit undone last",
        )
        # Names in the shortcut list for actions whose text changes ("Undo Move").
        self.undo.setProperty(SHORTCUT_NAME, "Undo")
        self.redo.setProperty(SHORTCUT_NAME, "Redo")
        # The toolbar keeps short labels; the menu's items name the command.
        self.undo_short = self._action("Undo", doc.undo, None, "Undo the last edit (Ctrl+Z)")
        self.redo_short = self._action("Redo", doc.redo, None, "Redo (Ctrl+Shift+Z)")
        # Arrows, as in most editors: room for the loss at 1280 pixels wide.
        self.undo_short.setIconText("↶")
        self.redo_short.setIconText("↷")
        stack = doc.undo_stack
        for action in (self.undo, self.undo_short):
            action.setEnabled(False)
            stack.canUndoChanged.connect(action.setEnabled)
        for action in (self.redo, self.redo_short):
            action.setEnabled(False)
            stack.canRedoChanged.connect(action.setEnabled)
        stack.undoTextChanged.connect(self._on_undo_text)
        stack.redoTextChanged.connect(self._on_redo_text)

    def _create_view_actions(self) -> None:
        window, doc, view = self.window, self.window.doc, self.window.view
        self.fit = self._action(
            "Fit network", view.fit_network, "Ctrl+0", "Fit the whole network in view"
        )
        self.fit.setIconText("Fit")  # the toolbar's name (room at 1280 pixels wide)
        self.zoom_in = self._action(
            "Zoom in", lambda: view.zoom(1.25), ["+", "=", "Ctrl++"], "Zoom in"
        )
        self.zoom_out = self._action(
            "Zoom out", lambda: view.zoom(0.8), ["-", "Ctrl+-"], "Zoom out"
        )
        self.heat_maps = self._action(
            "Neuron heat maps",
            self._on_heat_maps,
            None,
            "Show each hidden neuron's output over the input plane, inside the neuron (2-D data)",
            checkable=True,
        )
        heat = window.settings.value("view/heat_maps", True)
        self.heat_maps.setChecked(heat not in (False, "false", "0", 0))
        self.restore_layout = self._action(
            "Restore default layout",
            window.restore_default_layout,
            None,
            "Put every panel back where it started",
        )
        self.add_layer = self._action(
            "Add hidden layer",
            lambda: editing.insert_layer(doc, len(doc.network.layer_sizes) - 1),
            None,
            "Insert a hidden layer before the output",
        )
        self.clear_selection = self._action(
            "Clear selection", lambda: doc.select(None), "Esc", "Deselect the weight"
        )

    def _create_file_and_help_actions(self) -> None:
        window, files = self.window, self.window.files
        self.quit = self._action("Quit", window.close, "Ctrl+Q", "Quit bpdesk")
        self.new = self._action(
            "New",
            files.new,
            QKeySequence.StandardKey.New,
            "Start again with the explainer's XOR network",
        )
        self.open = self._action(
            "Open…", lambda: files.open(), QKeySequence.StandardKey.Open, "Open a .bpnet file"
        )
        self.save = self._action(
            "Save",
            files.save,
            QKeySequence.StandardKey.Save,
            "Save the network, its data and its history",
        )
        self.save_as = self._action(
            "Save As…", files.save_as, "Ctrl+Shift+S", "Save under a new name"
        )
        self.preferences = self._action(
            "Preferences…",
            window.show_preferences,
            "Ctrl+,",
            "Theme, colours, decimals, animation speed",
        )
        self.about = self._action("About bpdesk", window.show_about, None, "Version and licences")
        self.shortcuts = self._action(
            "Keyboard shortcuts", window.show_shortcuts, "F1", "List the shortcuts"
        )

    def _create_training_actions(self) -> None:
        trainer = self.window.trainer
        self.train = self._action("Train", trainer.toggle, "Space", "Start or pause training")
        # A name in the shortcut list that does not change with the text (Train/Pause).
        self.train.setProperty(SHORTCUT_NAME, "Train / pause")
        self.step = self._action(
            "Step one epoch", trainer.step, "Ctrl+Right", "Train exactly one epoch, then pause"
        )
        self.step.setIconText("Step")  # the toolbar's name (room at 1280 pixels wide)
        self.reset = self._action(
            "Reset",
            trainer.reset,
            "Ctrl+R",
            "Re-initialise the weights from the seed (keeps the old curve)",
        )
        self.reset_same = self._action(
            "Reset to the same initial weights",
            trainer.reset_to_start,
            "Ctrl+Shift+R",
            "Train the same start again (with other settings): back to the weights this run "
            "started from (keeps the old curve)",
        )
        self.reset_new = self._action(
            "Reset to new random weights",
            trainer.reset_to_new_weights,
            None,
            "Start from other random weights: the next weight seed (keeps the old curve)",
        )
        self.speed_group = QActionGroup(self)
        self.speeds: dict[float | None, QAction] = {}
        for speed in SPEEDS:
            text = speed_text(speed)
            action = self._action(
                text,
                lambda _=False, v=speed: trainer.set_speed(v),
                None,
                f"Train at {text.lower()}",
                checkable=True,
            )
            self.speed_group.addAction(action)
            self.speeds[speed] = action
        self.speeds[trainer.speed].setChecked(True)
        trainer.stateChanged.connect(self._on_training_state)
        trainer.speedChanged.connect(self._on_speed_changed)

    # -- state → texts ------------------------------------------------------------------

    def _on_mode_changed(self, mode: str) -> None:
        self.forward_view.setChecked(mode == "forward")
        self.backward_view.setChecked(mode == "backward")

    # An edit's text may hold a dataset's title (from a file): "&" would underline the
    # next letter in the menu, and a tooltip that looks like HTML is taken for it.
    def _on_undo_text(self, text: str) -> None:
        self.undo.setText(f"Undo {text}".strip().replace("&", "&&"))
        self.undo_short.setToolTip(
            plain_tooltip(f"Undo {text} (Ctrl+Z)" if text else "Undo (Ctrl+Z)")
        )

    def _on_redo_text(self, text: str) -> None:
        self.redo.setText(f"Redo {text}".strip().replace("&", "&&"))
        self.redo_short.setToolTip(
            plain_tooltip(f"Redo {text} (Ctrl+Shift+Z)" if text else "Redo (Ctrl+Shift+Z)")
        )

    def _on_training_state(self, state: str) -> None:
        self.train.setText("Pause" if state == "running" else "Train")

    def _on_speed_changed(self, speed: float | None) -> None:
        self.speeds[speed].setChecked(True)

    def _on_heat_maps(self, on: bool) -> None:
        self.window.scene.set_heat_maps(on)
        self.window.settings.setValue("view/heat_maps", on)
