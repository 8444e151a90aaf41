"""Files: new, open, recent, save, save as, autosave and recovery.

The controller owns the document's file name and whether there are unsaved
changes (the undo stack's clean state, or a training run in progress). Every
question it asks the user goes through a small overridable method
(``ask_save``, ``ask_open_path``, ``ask_save_file``, ``ask_recover``,
``show_error``) so that tests answer them.

Autosave: each running bpdesk writes its unsaved work, at most once a minute,
to its own file in the application data folder, held by a lock file while it
runs. A file whose lock is stale (its process died) is work a crash left
behind: the next bpdesk to start offers it back. Autosaves are private to the
user (0600, in a 0700 folder when bpdesk makes it), as editors keep theirs; an
autosave that fails says so once (until one succeeds again). At start-up the
temporaries of saves killed half-way are cleared from the autosave folder
(the save of a file clears those beside it: see :mod:`bpdesk.core.safe_files`).
"""

from __future__ import annotations

import contextlib
import datetime
import os
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, QSettings, QStandardPaths, Qt, QTimer, Signal
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QWidget

from bpdesk.core import (
    BpdeskError,
    BpnetDocument,
    FileFormatError,
    Network,
    TrainConfig,
    load_bpnet,
    save_bpnet,
    xor,
)
from bpdesk.core.architecture import EDITOR_MAX_NEURONS, EDITOR_REASON, MAX_HIDDEN_LAYERS
from bpdesk.core.history import check_fits_record
from bpdesk.core.safe_files import remove_stale_temporaries, replace_atomically
from bpdesk.ui.document import Document, explainer_network

FILTER = "bpdesk networks (*.bpnet);;All files (*)"
MAX_RECENT = 8
AUTOSAVE_MS = 60_000  # a crash loses at most a minute of work
AUTOSAVE_HISTORY_POINTS = 10_000  # the recovered loss curve: more points than a plot shows
AUTOSAVE_MODE = 0o600  # the autosave holds the user's work: only the user reads it
AUTOSAVE_FOLDER_MODE = 0o700
UNTITLED = "Untitled"


def default_autosave_path() -> Path:
    """Where the autosave goes: the user's application data folder."""
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(folder or Path.home() / ".bpdesk") / "autosave.bpnet"


def _lock_for(path: Path) -> QLockFile:
    lock = QLockFile(str(path) + ".lock")
    lock.setStaleLockTime(0)  # stale only when its process is gone, however long it ran
    return lock


def _origin_of(autosave: Path) -> Path:
    """The file beside an autosave that names the document's own file, if it had one."""
    return autosave.with_suffix(".origin")


def check_editable(network: Network) -> None:
    """Raise :class:`FileFormatError` on ``network.layer_sizes`` if the editor cannot show it.

    The editor draws a big layer as a block and its weights as a heat map, so it
    shows layers up to :data:`~bpdesk.core.architecture.EDITOR_MAX_NEURONS` (the
    engine's own limit); ``bpdesk train`` trains what a file holds beyond it.
    """
    sizes = network.layer_sizes
    shown = "-".join(map(str, sizes))
    hidden = len(sizes) - 2
    if hidden > MAX_HIDDEN_LAYERS:
        raise FileFormatError(
            "network.layer_sizes",
            f"{shown} has {hidden} hidden layers; the editor shows at most {MAX_HIDDEN_LAYERS} "
            "(bpdesk train trains it from the command line)",
        )
    if max(sizes) > EDITOR_MAX_NEURONS:
        raise FileFormatError(
            "network.layer_sizes",
            f"{shown} has a layer of {max(sizes)} neurons; the editor shows at most "
            f"{EDITOR_MAX_NEURONS} a layer: {EDITOR_REASON} (bpdesk train trains it from "
            "the command line)",
        )


def _suffix_of(name_filter: str) -> str:
    """``"png"`` for ``"PNG image (*.png)"``; empty for ``"All files (*)"``."""
    return name_filter.split("*.", 1)[1].split(")")[0].split()[0] if "*." in name_filter else ""


class FileController(QObject):
    """The document's file, with the questions a desktop application asks around it."""

    pathChanged = Signal(object)  # Path | None; the title (see ``title``) changes with it
    recentChanged = Signal()

    def __init__(
        self,
        doc: Document,
        window: QWidget,
        settings: QSettings,
        autosave_path: Path | None = None,
        stop_training=lambda: None,
        is_training=lambda: False,
    ) -> None:
        super().__init__(window)
        self.doc = doc
        self.window = window
        self.settings = settings
        self.path: Path | None = None
        self.title = UNTITLED  # the file's name, or "example: NAME"
        self.stop_training = stop_training
        self.is_training = is_training
        self.autosave_path, self._lock = self._claim_autosave(
            autosave_path or default_autosave_path()
        )
        # Set by every change (an edit, an undo, an epoch trained), cleared by an autosave.
        self._unsaved_since_autosave = False
        self._autosave_failure_told = False  # said once, until an autosave works again
        doc.undo_stack.indexChanged.connect(self._mark_changed)
        doc.historyExtended.connect(self._mark_changed)
        self._autosave = QTimer(self)
        self._autosave.setInterval(AUTOSAVE_MS)
        self._autosave.timeout.connect(self.autosave)
        self._autosave.start()

    def _claim_autosave(self, preferred: Path) -> tuple[Path, QLockFile | None]:
        """Lock ``preferred``, or a file of this process's own if another bpdesk holds it.

        Without the lock a second window would offer the first one's live work
        for "recovery", and each would delete the other's autosave on close.
        """
        mine = preferred.with_name(f"{preferred.stem}-{os.getpid()}{preferred.suffix}")
        try:
            preferred.parent.mkdir(mode=AUTOSAVE_FOLDER_MODE, parents=True, exist_ok=True)
        except OSError:
            return preferred, None  # autosave is best effort
        remove_stale_temporaries(preferred.parent)  # of autosaves killed half-way
        for path in (preferred, mine):
            lock = _lock_for(path)
            if lock.tryLock(0):
                return path, lock
        return mine, None

    def release(self) -> None:
        """Stop autosaving and give up the autosave file (the window is closing)."""
        self._autosave.stop()
        if self._lock is not None:
            self._lock.unlock()
            self._lock = None

    # -- questions (overridden in tests) --------------------------------------------

    def ask_save(self) -> str:
        """ "save", "discard" or "cancel" for unsaved changes."""
        box = QMessageBox(self.window)
        box.setTextFormat(Qt.TextFormat.PlainText)  # a file's name, as typed
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
        """A file to open, or None if the user cancelled."""
        path, _ = QFileDialog.getOpenFileName(self.window, "Open a network", self._folder(), FILTER)
        return path or None

    def ask_save_file(self, title: str, suggested: str, filters: str) -> str | None:
        """A file to write, or None if the user cancelled.

        The dialog adds the chosen filter's suffix itself (``setDefaultSuffix``),
        so that its "replace the existing file?" question sees the real name.
        """
        dialog = QFileDialog(self.window, title, suggested, filters)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.selectFile(suggested)
        dialog.setDefaultSuffix(_suffix_of(dialog.selectedNameFilter()))
        dialog.filterSelected.connect(lambda f: dialog.setDefaultSuffix(_suffix_of(f)))
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        chosen = dialog.selectedFiles()
        return chosen[0] if chosen else None

    def ask_save_path(self) -> str | None:
        """Where to save the network, or None if the user cancelled."""
        suggested = str(self.path) if self.path else str(Path(self._folder()) / "network.bpnet")
        return self.ask_save_file("Save the network", suggested, FILTER)

    def ask_recover(self, when: str) -> bool:
        """Whether to bring back the work an earlier run left behind at ``when``."""
        box = self.message_box(
            "Recover unsaved work?",
            f"bpdesk did not close properly last time ({when}). Recover the unsaved network?",
            QMessageBox.Icon.Question,
        )
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        return box.exec() == QMessageBox.StandardButton.Yes

    def show_error(self, title: str, text: str) -> None:
        """Tell the user why something could not be done."""
        self.message_box(title, text, QMessageBox.Icon.Warning).exec()

    def message_box(self, title: str, text: str, icon: QMessageBox.Icon) -> QMessageBox:
        """A message box that shows ``text`` as plain text: it holds file names and
        names from files, which QMessageBox would take for HTML if they looked like it
        (an ``<img>`` in a file's name would load a picture)."""
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self.window)
        box.setTextFormat(Qt.TextFormat.PlainText)
        return box

    def folder(self) -> str:
        """The folder the last file was opened from or saved to (home at first)."""
        return self._folder()

    def _folder(self) -> str:
        folder = self.settings.value("files/folder", "")
        return folder if isinstance(folder, str) and folder else str(Path.home())

    # -- state ----------------------------------------------------------------------------

    @property
    def modified(self) -> bool:
        """True when there are changes since the last open or save (a run counts)."""
        return not self.doc.undo_stack.isClean() or self.is_training()

    def _mark_changed(self, *_args) -> None:
        self._unsaved_since_autosave = True

    def _set_path(self, path: Path | None, title: str | None = None) -> None:
        self.path = path
        self.title = path.name if path is not None else (title or UNTITLED)
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
        # A run in progress is unsaved work too: stop it, so that it becomes an undo
        # step the question below is about (and Save writes it).
        self.stop_training()
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
        self.doc.load(BpnetDocument(explainer_network(), xor(), TrainConfig(learning_rate=0.5)))
        self._set_path(None)
        self.discard_autosave()
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

    def load(
        self, path: str | os.PathLike, remember: bool = True, title: str | None = None
    ) -> bool:
        """Read ``path`` into the document, no questions asked (see :meth:`open`).

        ``remember=False`` opens it as an untitled document called ``title``
        (an example, a recovered autosave): saving asks where.
        """
        try:
            content = load_bpnet(path)
            check_editable(content.network)
            check_fits_record(content.history)
        except BpdeskError as exc:
            self.show_error("Cannot open the file", f"{path}\n\n{exc}")
            if str(path) in self.recent_files() and not Path(path).exists():
                self.forget_recent(str(path))
            return False
        self.stop_training()
        self.doc.load(content)
        self._set_path(Path(path).resolve() if remember else None, title)
        self.discard_autosave()  # the work it held was saved or let go before this
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
        except (OSError, ValueError) as exc:
            # ValueError: BpdeskError (a file bpdesk would not open) and what json
            # refuses (a number too long to write) alike; never a traceback.
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
        """Write unsaved work to the autosave file (only if something changed since last time)."""
        if not self.modified or not self._unsaved_since_autosave:
            return False
        try:
            # A recovery copy: the loss curve at plot resolution is plenty, and a
            # full one (millions of epochs) took a second of the window's time.
            # Thinned as it is taken from the record: a history of a file's 250,000
            # points, made only to be thinned again, took ~0.3 s of the window's time.
            save_bpnet(
                self.doc.to_bpnet(AUTOSAVE_HISTORY_POINTS),
                self.autosave_path,
                AUTOSAVE_HISTORY_POINTS,
                AUTOSAVE_MODE,
            )
            origin = _origin_of(self.autosave_path)
            if self.path is not None:
                replace_atomically(origin, str(self.path), mode=AUTOSAVE_MODE)
            else:
                origin.unlink(missing_ok=True)
        except (OSError, ValueError) as exc:  # ValueError includes BpdeskError
            self._tell_autosave_failed(exc)
            return False
        self._unsaved_since_autosave = False
        self._autosave_failure_told = False
        return True

    def _tell_autosave_failed(self, exc: Exception) -> None:
        """Say once that the work is not being kept safe (it goes on trying each minute)."""
        if self._autosave_failure_told:
            return
        self._autosave_failure_told = True
        reason = getattr(exc, "strerror", None) or str(exc)
        self.show_error(
            "Autosave failed",
            f"bpdesk could not keep a recovery copy of your work in {self.autosave_path}:"
            f"\n\n{reason}\n\nIt keeps trying every minute; until it works, save your "
            "work (File → Save) to keep it safe.",
        )

    def discard_autosave(self) -> None:
        """Forget the autosave (the work is saved, or the user let it go on purpose)."""
        _remove_autosave(self.autosave_path)
        self._unsaved_since_autosave = False

    def left_behind(self) -> list[Path]:
        """Autosaves of bpdesk runs that ended without closing, newest first."""
        folder, stem = self.autosave_path.parent, self.autosave_path.stem.split("-")[0]
        try:
            found = [p for p in folder.glob(f"{stem}*.bpnet") if p != self.autosave_path]
            found.sort(key=lambda p: p.stat().st_mtime, reverse=True)
        except OSError:
            return []
        own = (
            [self.autosave_path] if self._lock is not None and self.autosave_path.is_file() else []
        )
        return own + [p for p in found if _is_stale(p)]

    def offer_recovery(self) -> bool:
        """On start: offer back work a crash left behind (the newest first)."""
        for path in self.left_behind():
            lock = None if path == self.autosave_path else _lock_for(path)
            if lock is not None and not lock.tryLock(0):
                continue  # another bpdesk starting at the same moment took it
            try:
                if self._recover(path):
                    return True
            finally:
                if lock is not None:
                    lock.unlock()
        return False

    def _recover(self, path: Path) -> bool:
        try:
            stamp = path.stat().st_mtime
            origin_file = _origin_of(path)
            origin = origin_file.read_text(encoding="utf-8") if origin_file.is_file() else ""
        except OSError:
            return False
        when = datetime.datetime.fromtimestamp(stamp).strftime("%d %b %Y %H:%M")
        if not self.ask_recover(when):
            _remove_autosave(path)
            return False
        if not self.load(path, remember=False, title=f"recovered from {when}"):
            _remove_autosave(path)  # unreadable: it would be offered on every start
            return False
        _remove_autosave(path)
        if origin:
            self.path = Path(origin)
            self.title = self.path.name
            self.pathChanged.emit(self.path)
        # Recovered work is unsaved work: marked modified, and safe again at once.
        self.doc.undo_stack.resetClean()
        self._unsaved_since_autosave = True
        self.autosave()
        return True


def _is_stale(path: Path) -> bool:
    """True if the lock on ``path`` belongs to a process that is gone."""
    lock = _lock_for(path)
    if lock.tryLock(0):
        lock.unlock()
        return True
    return False


def _remove_autosave(path: Path) -> None:
    for leftover in (path, _origin_of(path)):
        with contextlib.suppress(OSError):  # best effort, as the autosave itself
            leftover.unlink(missing_ok=True)
