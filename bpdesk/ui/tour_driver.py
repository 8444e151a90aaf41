"""What a tour page's "Show me" does to the window: its steps, one handler per step
word (:data:`bpdesk.ui.tour.STEP_WORDS`), then a frame around what to look at.

The tour's own example may be replaced by the next "Show me" without a question;
once the learner edits it or trains it, it is their work, and the next page asks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QDockWidget, QWidget

from bpdesk.ui import editing
from bpdesk.ui.commands import SetConfigCommand
from bpdesk.ui.tour import TourPage

if TYPE_CHECKING:
    from bpdesk.ui.main_window import MainWindow

ROOM_DELAY_MS = 100  # see point_at

Step = Callable[["MainWindow", tuple[str, ...]], None]


def _example(window: MainWindow, args: tuple[str, ...]) -> None:
    window.trainer.shutdown()
    window.open_example(args[0])


def _select(window: MainWindow, args: tuple[str, ...]) -> None:
    layer, i, j = args
    window.doc.select((int(layer), None if i == "b" else int(i), int(j)))


def _learning_rate(window: MainWindow, args: tuple[str, ...]) -> None:
    doc = window.doc
    doc.push(SetConfigCommand(doc, replace(doc.config, learning_rate=float(args[0]))))


def _gradient_check(window: MainWindow, _args: tuple[str, ...]) -> None:
    window.show_dock("gradcheck")
    window.gradcheck_panel.run_check()
    window.gradcheck_panel.reveal_result()


def _scale_up(window: MainWindow, _args: tuple[str, ...]) -> None:
    window.show_dock("gradcheck")
    window.gradcheck_panel.scale_up()


def _neurons(window: MainWindow, args: tuple[str, ...]) -> None:
    """``neurons LAYER N``: hidden layer LAYER gets N neurons (edits, as the learner's are)."""
    doc, layer, size = window.doc, int(args[0]), int(args[1])
    while doc.network.layer_sizes[layer] < size and editing.add_neuron(doc, layer):
        pass
    while doc.network.layer_sizes[layer] > size and editing.remove_neuron(
        doc, layer, doc.network.layer_sizes[layer] - 1
    ):
        pass


def _sweep(window: MainWindow, args: tuple[str, ...]) -> None:
    """``sweep seeds 1-100 [lr 0.1,1] [epochs N]``: run a sweep in the Sweep dock (without
    ``lr``, at the learning rate set for training)."""
    options = dict(zip(args[::2], args[1::2], strict=False))
    window.show_dock("sweep")
    panel = window.sweep_panel
    panel.set_inputs(
        seeds=options.get("seeds", "1-100"),
        rates=options.get("lr", ""),
        epochs=int(options.get("epochs", 2000)),
    )
    panel.run()


def _race(window: MainWindow, args: tuple[str, ...]) -> None:
    """``race [budget N]``: race random search and nudging against backprop in the Race dock."""
    options = dict(zip(args[::2], args[1::2], strict=False))
    window.show_dock("race")
    panel = window.race_panel
    if "budget" in options:
        panel.set_inputs(budget=int(options["budget"]))
    panel.run()


# One handler per word of bpdesk.ui.tour.STEP_WORDS (a test holds them to it).
STEPS: dict[str, Step] = {
    "example": _example,
    "view": lambda window, args: window.doc.set_mode(args[0]),
    "sample": lambda window, args: window.doc.set_sample(
        None if args[0] == "all" else int(args[0]) - 1
    ),
    "select": _select,
    "forward": lambda window, _: window.forward_pass(),
    "backward": lambda window, _: window.backward_pass(),
    "apply": lambda window, _: window.apply_gradients(),
    "train": lambda window, _: window.trainer.start(),
    "pause": lambda window, _: window.trainer.pause(),
    "reset": lambda window, _: window.trainer.reset(),
    "speed": lambda window, args: window.trainer.set_speed(
        None if args[0] == "max" else float(args[0])
    ),
    "lr": _learning_rate,
    "dock": lambda window, args: window.show_dock(args[0]),
    "gradcheck": _gradient_check,
    "scaleup": _scale_up,
    "neurons": _neurons,
    "activation": lambda window, args: editing.set_activation(window.doc, int(args[0]), args[1]),
    "sweep": _sweep,
    "race": _race,
}


class TourDriver(QObject):
    """Performs tour pages on ``window`` (``window.tour``'s "Show me" asks for them)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)  # a child of the window: its slots go with it
        self.window = window
        self._acting = False
        self._scratch: str | None = None  # the title of a document the tour opened
        window.doc.aboutToEdit.connect(self._note_edit)
        # Training the learner starts is their work too (it goes on the undo
        # stack without an edit signal): the next "Show me" asks before replacing it.
        window.trainer.stateChanged.connect(self._note_training)

    def show_page(self, page: TourPage) -> None:
        """Do what a tour page's "Show me" promises, then point at what to look at."""
        window = self.window
        needs_example = any(word == "example" for word, _ in page.steps)
        # Through the window: a test (or a later dialog) may answer for it.
        if needs_example and not self._is_scratch() and not window.confirm_replace():
            return
        self._acting = True
        try:
            for word, args in page.steps:
                STEPS[word](window, args)
        finally:
            self._acting = False
        if needs_example:
            # The tour's own example, changed only by the tour (and training): the next
            # "Show me" replaces it without asking to save it.
            self._scratch = window.files.title
        if page.look:
            self.point_at(page.look)

    def point_at(self, part: str) -> None:
        """Frame a part of the window for a moment ("look here")."""
        target = self.look_target(part)
        if isinstance(target, QDockWidget):
            # Once the window has settled: an example just opened re-lays the docks
            # out (a panel changes what it shows), which would undo a resize made now.
            make_room = self.window.panel_docks.make_room
            QTimer.singleShot(ROOM_DELAY_MS, self, lambda: make_room(target))
        if target is not None:
            self.window.highlighter.flash(target)

    def look_target(self, part: str) -> QWidget | None:
        """The widget a tour page's "look:" names: a dock by its key ("loss" is the
        Loss plot, shown if hidden), or the editor, the toolbar or its loss value."""
        window = self.window
        targets = {
            "editor": window.view,
            "toolbar": window.toolbar,
            "loss_value": window.toolbar.loss_label,
        }
        if part in targets:
            return targets[part]
        return window.show_dock(part) if part in window.docks else None

    def _is_scratch(self) -> bool:
        return self._scratch is not None and self._scratch == self.window.files.title

    def _note_training(self, state: str) -> None:
        if state == "running" and not self._acting:
            self._scratch = None

    def _note_edit(self, _command) -> None:
        if not self._acting:
            self._scratch = None  # the learner's own edit: worth a question
