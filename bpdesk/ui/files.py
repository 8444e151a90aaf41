"""Files: new, open, recent, save, save as, autosave and recovery.

The controller owns the document's file name and whether there are unsaved
changes (the undo stack's clean state). Every question it asks the user goes
through a small overridable method (``ask_save``, ``ask_open_path``,
``ask_save_path``, ``ask_recover``, ``show_error``) so that tests answer them.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, QSettings, QStandardPaths, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from bpdesk.core import BpdeskError, BpnetDocument, TrainConfig, load_bpnet, save_bpnet, xor
from bpdesk.ui.document import Document, explainer_network

FILTER = "bpdesk networks (*.bpnet);;All files (*)"
MAX_RECENT = 8
AUTOSAVE_MS = 60_000  # a crash loses at most a minute of work


def default_autosave_path() -> Path:
    """Where the autosave goes: the user's application data folder."""
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(folder or Path.home() / ".bpdesk") / "autosave.bpnet"


class FileController(QObject):
    """The document's file, with the questions a desktop application asks around it."""

    pathChanged = Signal(object)  # Path | None
    recentChanged = Signal()

    def __init__(
        self,
        doc: Document,
        window: QWidget,
        settings: QSettings,
        autosave_path: Path | None = None,
        stop_training=lambda: None,
    ) -> None:
        super().__init__(window)
        self.doc = doc
        self.window = window
        self.settings = settings
        self.path: Path | None = None
        self.autosave_path = autosave_path or default_autosave_path()
        self._lock = self._claim_autosave()
        self.stop_training = stop_training
        self._autosave = QTimer(self)
        self._autosave.setInterval(AUTOSAVE_MS)
        self._autosave.timeout.connect(self.autosave)
        self._autosave.start()
        self._autosaved_index = -1

    def _claim_autosave(self) -> QLockFile | None:
        """Lock the autosave file, or move to a private one if another bpdesk holds it.

        Without this a second window would offer the first one's live work
        for "recovery", and each would delete the other's autosave on close.
        A lock left by a process that died is stale and taken over.
        """
        try:
            self.autosave_path.parent.mkdir(parents=True, exist_ok=True)
        except OSError:
            return None  # autosave is best effort
        lock = QLockFile(str(self.autosave_path) + ".lock")
        lock.setStaleLockTime(0)  # stale only when its process is gone
        if lock.tryLock(0):
            return lock
        self.autosave_path = self.autosave_path.with_name(f"autosave-{os.getpid()}.bpnet")
        return None

    @property
    def owns_recovery(self) -> bool:
        """True in the one running bpdesk that may offer the autosave back."""
        return self._lock is not None

    def release(self) -> None:
        """Give up the autosave file (the window is closing)."""
        if self._lock is not None:
            self._lock.unlock()
            self._lock = None

    # -- questions (overridden in tests) --------------------------------------------

    def ask_save(self) -> str:
        """ "save", "discard" or "cancel" for unsaved changes."""
        box = QMessageBox(self.window)
        box.setWindowTitle("Unsaved changes")
        name = self.path.name if self.path else "the network"
        box.setText(f"Save the changes to {name}?")
        box.setInformativeText("Your changes will be lost if you don't save them.")
        box.setStandardButtons(
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel
        )
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        answer = box.exec()
        return {
            QMessageBox.StandardButton.Save: "save",
            QMessageBox.StandardButton.Discard: "discard",
        }.get(QMessageBox.StandardButton(answer), "cancel")

    def ask_open_path(self) -> str | None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Open a network", self._folder(), FILTER)
        return path or None

    def ask_save_path(self) -> str | None:
        suggested = str(self.path) if self.path else str(Path(self._folder()) / "network.bpnet")
        path, _ = QFileDialog.getSaveFileName(self.window, "Save the network", suggested, FILTER)
        if path and not Path(path).suffix:
            path += ".bpnet"
        return path or None

    def ask_recover(self, when: str) -> bool:
        answer = QMessageBox.question(
            self.window,
            "Recover unsaved work?",
            f"bpdesk did not close properly last time ({when}). Recover the unsaved network?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def show_error(self, title: str, text: str) -> None:
        QMessageBox.warning(self.window, title, text)

    def _folder(self) -> str:
        folder = self.settings.value("files/folder", "")
        return folder if isinstance(folder, str) and folder else str(Path.home())

    # -- state ----------------------------------------------------------------------------

    @property
    def modified(self) -> bool:
        """True when there are changes since the last open or save."""
        return not self.doc.undo_stack.isClean()

    def _set_path(self, path: Path | None) -> None:
        self.path = path
        if path is not None:
            self.settings.setValue("files/folder", str(path.parent))
            self._remember(path)
        self.pathChanged.emit(path)

    def recent_files(self) -> list[str]:
        """Most recent first."""
        value = self.settings.value("files/recent", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def _remember(self, path: Path) -> None:
        recent = [p for p in self.recent_files() if p != str(path)]
        self.settings.setValue("files/recent", [str(path), *recent][:MAX_RECENT])
        self.recentChanged.emit()

    def forget_recent(self, path: str) -> None:
        """Drop a file from the recent list (it is gone)."""
        self.settings.setValue("files/recent", [p for p in self.recent_files() if p != path])
        self.recentChanged.emit()

    # -- actions ------------------------------------------------------------------------------

    def maybe_save(self) -> bool:
        """Before the document goes away: True if it may (saved, discarded or unchanged)."""
        if not self.modified:
            return True
        answer = self.ask_save()
        if answer == "save":
            return self.save()
        return answer == "discard"

    def new(self) -> bool:
        """A new document with the explainer's XOR network."""
        if not self.maybe_save():
            return False
        self.stop_training()
        self.doc.load(BpnetDocument(explainer_network(), xor(), TrainConfig(learning_rate=0.5)))
        self._set_path(None)
        return True

    def open(self, path: str | None = None) -> bool:
        """Open a file (asking for one when ``path`` is None); a bad file changes nothing."""
        if not self.maybe_save():
            return False
        if path is None:
            path = self.ask_open_path()
            if path is None:
                return False
        return self.load(path)

    def load(self, path: str | os.PathLike, remember: bool = True) -> bool:
        """Read ``path`` into the document, no questions asked (see :meth:`open`)."""
        try:
            content = load_bpnet(path)
        except BpdeskError as exc:
            self.show_error("Cannot open the file", f"{path}\n\n{exc}")
            if str(path) in self.recent_files() and not Path(path).exists():
                self.forget_recent(str(path))
            return False
        self.stop_training()
        self.doc.load(content)
        self._set_path(Path(path).resolve() if remember else None)
        return True

    def save(self) -> bool:
        """Save to the current file (or ask for one)."""
        if self.path is None:
            return self.save_as()
        return self.save_to(self.path)

    def save_as(self) -> bool:
        """Save under a new name."""
        path = self.ask_save_path()
        if path is None:
            return False
        return self.save_to(Path(path))

    def save_to(self, path: Path) -> bool:
        """Write the document (atomically) and mark it unmodified."""
        self.stop_training()  # the training so far becomes one undo step, then it is saved
        try:
            save_bpnet(self.doc.to_bpnet(), path)
        except (OSError, BpdeskError) as exc:
            self.show_error(
                "Cannot save the file", f"{path}\n\n{getattr(exc, 'strerror', None) or exc}"
            )
            return False
        self.doc.undo_stack.setClean()
        self._set_path(Path(path).resolve())
        self.discard_autosave()
        return True

    # -- autosave -----------------------------------------------------------------------------

    def autosave(self) -> bool:
        """Write unsaved work to the autosave file (only if it changed since last time)."""
        stack = self.doc.undo_stack
        if not self.modified or stack.index() == self._autosaved_index:
            return False
        try:
            self.autosave_path.parent.mkdir(parents=True, exist_ok=True)
            save_bpnet(self.doc.to_bpnet(), self.autosave_path)
        except (OSError, BpdeskError):
            return False  # autosave is best effort: never interrupt the user for it
        self._autosaved_index = stack.index()
        self.settings.setValue("files/autosave_of", str(self.path) if self.path else "")
        return True

    def discard_autosave(self) -> None:
        """Forget the autosave (the work is saved, or the user closed on purpose)."""
        self.autosave_path.unlink(missing_ok=True)
        self._autosaved_index = -1

    def offer_recovery(self) -> bool:
        """On start: if an autosave was left behind, offer to bring it back."""
        if not self.owns_recovery or not self.autosave_path.is_file():
            return False
        import datetime

        when = datetime.datetime.fromtimestamp(self.autosave_path.stat().st_mtime).strftime(
            "%d %b %Y %H:%M"
        )
        if not self.ask_recover(when):
            self.discard_autosave()
            return False
        original = self.settings.value("files/autosave_of", "")
        if not self.load(self.autosave_path, remember=False):
            return False
        if original:
            self.path = Path(original)
            self.pathChanged.emit(self.path)
        # Recovered work is unsaved work: keep it marked modified.
        self.doc.undo_stack.resetClean()
        return True
