"""File → Export: each entry asks where, writes its file with :mod:`bpdesk.ui.exporting`,
and says so in the status bar; an entry that cannot be done yet is greyed and says why."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import QGraphicsScene, QMenu, QWidget

from bpdesk.core import BpdeskError
from bpdesk.ui.document import Document
from bpdesk.ui.files import FileController

IMAGE = "PNG image (*.png);;SVG drawing (*.svg)"
CSV = "CSV (*.csv)"
EXPORTED_MESSAGE_MS = 6000


@dataclass(frozen=True)
class ExportItem:
    """One entry: its text, tip and file types, the suggested file name, the writer
    ``write(menu, path)`` and, for an entry that may not be possible yet,
    ``why_not(menu)``: the reason it cannot be done now, or None."""

    text: str
    tip: str
    pattern: str
    default: str
    write: Callable[[ExportMenu, str], None]
    why_not: Callable[[ExportMenu], str | None] | None = None


def _plot(key: str) -> Callable[[ExportMenu, str], None]:
    # Looked up when exporting: a panel behind a tab is built on first use.
    def write(menu: ExportMenu, path: str) -> None:
        from bpdesk.ui import exporting

        exporting.export_plot(menu.panel(key).plot, path)

    return write


def _with(name: str) -> Callable[[ExportMenu, str], None]:
    """A writer that is ``exporting.NAME(doc, path)``."""

    def write(menu: ExportMenu, path: str) -> None:
        from bpdesk.ui import exporting

        getattr(exporting, name)(menu.doc, path)

    return write


def _diagram(menu: ExportMenu, path: str) -> None:
    from bpdesk.ui import exporting

    exporting.render_scene(menu.scene, path)


def _landscape_csv(menu: ExportMenu, path: str) -> None:
    from bpdesk.core import weight_landscape
    from bpdesk.ui import exporting

    doc = menu.doc
    layer, i, j = doc.selected
    X, T = doc.training_arrays()
    lr = doc.config.learning_rate
    scape = weight_landscape(doc.network, X, T, layer, i, j, learning_rate=lr)
    exporting.export_landscape_csv(scape, doc.network.parameter_name(layer, i, j), path)


def _gradcheck_csv(menu: ExportMenu, path: str) -> None:
    from bpdesk.ui import exporting

    exporting.export_gradcheck_csv(menu.panel("gradcheck").result, path)


def _no_selection(menu: ExportMenu) -> str | None:
    if menu.doc.selected is None:
        return "Select a weight first: click a line in the network."
    return None


def _no_check(menu: ExportMenu) -> str | None:
    if menu.panel("gradcheck").result is None:
        return "Run the gradient check first (Gradient check panel)."
    return None


ITEMS = (
    ExportItem("Network diagram…", "PNG or SVG", IMAGE, "network.png", _diagram),
    ExportItem("Loss plot…", "PNG or SVG", IMAGE, "loss.png", _plot("loss")),
    ExportItem("Decision boundary…", "PNG or SVG", IMAGE, "boundary.png", _plot("boundary")),
    ExportItem("Gradient flow plot…", "PNG or SVG", IMAGE, "gradients.png", _plot("gradient_flow")),
    ExportItem("Error landscape plot…", "PNG or SVG", IMAGE, "landscape.png", _plot("landscape")),
    ExportItem(
        "Loss history (CSV)…",
        "epoch, losses, accuracies",
        CSV,
        "history.csv",
        _with("export_history_csv"),
    ),
    ExportItem(
        "Predictions (CSV)…",
        "every example with its output",
        CSV,
        "predictions.csv",
        _with("export_predictions_csv"),
    ),
    ExportItem(
        "Gradient flow (CSV)…",
        "‖∂L/∂W‖ of each layer per epoch",
        CSV,
        "gradients.csv",
        _with("export_gradient_flow_csv"),
    ),
    ExportItem(
        "Error landscape (CSV)…",
        "the selected weight's loss curve, tangent and step",
        CSV,
        "landscape.csv",
        _landscape_csv,
        _no_selection,
    ),
    ExportItem(
        "Gradient check table (CSV)…",
        "the last check, parameter by parameter",
        CSV,
        "gradcheck.csv",
        _gradcheck_csv,
        _no_check,
    ),
    ExportItem(
        "Dataset (CSV)…",
        "the data, readable by Data → From a CSV file",
        CSV,
        "data.csv",
        _with("export_dataset_csv"),
    ),
    ExportItem(
        "PyTorch script…",
        "a standalone script: same network, weights and data, going on as this run does",
        "Python (*.py)",
        "network.py",
        _with("export_torch_script"),
    ),
)


class ExportMenu(QMenu):
    """The Export submenu. ``panel(key)`` gives a dock's panel (built if need be);
    ``say(text, ms)`` shows a message in the status bar."""

    def __init__(
        self,
        doc: Document,
        files: FileController,
        scene: QGraphicsScene,
        panel: Callable[[str], QWidget],
        say: Callable[[str, int], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Export", parent)
        self.doc = doc
        self.files = files
        self.scene = scene
        self.panel = panel
        self.say = say
        self._waiting = []  # (action, item): entries that may not be possible yet
        for item in ITEMS:
            action = self.addAction(item.text)
            action.setToolTip(f"Export: {item.tip}")
            action.setStatusTip(f"Export: {item.tip}")
            action.triggered.connect(lambda _=False, it=item: self.export(it))
            if item.why_not is not None:
                self._waiting.append((action, item))
        self.aboutToShow.connect(self._update)
        self.setToolTipsVisible(True)

    def _update(self) -> None:
        for action, item in self._waiting:
            reason = item.why_not(self)
            action.setEnabled(reason is None)
            action.setToolTip(reason or f"Export: {item.tip}")

    def export(self, item: ExportItem) -> bool:
        """Ask where, and write ``item``'s file there; False if cancelled or it failed."""
        reason = item.why_not(self) if item.why_not is not None else None
        files = self.files
        if reason:
            files.show_error("Nothing to export yet", reason)
            return False
        path = files.ask_save_file(
            item.text.rstrip("…"), str(Path(files.folder()) / item.default), item.pattern
        )
        if not path:
            return False
        try:
            item.write(self, path)
        except UnicodeError as exc:  # a name holds a character no file can store
            files.show_error(
                "Cannot export",
                f"{path}\n\nA name in the network or the data holds a character that cannot "
                f"be written ({exc.reason}); the file was left as it was.",
            )
            return False
        except (OSError, BpdeskError) as exc:
            files.show_error("Cannot export", f"{path}\n\n{getattr(exc, 'strerror', None) or exc}")
            return False
        self.say(f"Exported {Path(path).name}", EXPORTED_MESSAGE_MS)
        return True
