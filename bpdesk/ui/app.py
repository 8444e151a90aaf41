"""Starting the Qt application, and its modes that need no one at the screen.

* ``--screenshot PATH`` renders the main window to a PNG and exits.
* ``--smoke`` opens the main window, trains XOR for a moment on the real
  training thread, checks the numbers and prints one line (also the frozen
  executable's self-test).
* With ``BPDESK_STARTUP_PROBE=1`` in the environment, the application prints
  :data:`STARTUP_MARKER` as soon as the main window has been shown and painted,
  then quits (``bpdesk bench --case startup`` times it).
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

STARTUP_PROBE_ENV = "BPDESK_STARTUP_PROBE"
STARTUP_MARKER = "bpdesk-startup-probe: window shown"
SMOKE_EPOCHS = 2000  # enough for XOR's loss to fall clearly
SMOKE_SECONDS = 5.0  # a slow machine stops here, with the epochs it managed
SMOKE_TIMEOUT = 60.0  # the whole self-test, start to finish
SMOKE_OK = "bpdesk smoke: ok"
WARM_UP_MS = 1000  # after the window shows, the training process starts (see run_app)


class SmokeError(Exception):
    """A check of ``--smoke`` failed: reported as one line, exit status 1."""


def _wants_offscreen(args) -> bool:
    # A screenshot or a smoke test needs no screen: render offscreen unless one is clearly there.
    has_display = bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    batch = getattr(args, "screenshot", None) or getattr(args, "smoke", False)
    return bool(batch) and not has_display


def make_app():
    """The QApplication (created once), named for QSettings."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    app.setApplicationName("bpdesk")
    app.setOrganizationName("bpdesk")
    return app


def screenshot(window, path: str, settle_ms: int = 400) -> None:
    """Render ``window`` to a PNG once layout and the first paint have settled."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(settle_ms, loop.quit)
    loop.exec()
    window.view.fit_network()
    if not window.grab().save(path):
        raise OSError(f"could not write {path}")


def _check_file(path: str) -> str | None:
    """Why ``path`` cannot be opened, or None: a batch mode must not stop at a message box."""
    from bpdesk.core import BpdeskError, load_bpnet
    from bpdesk.core.history import check_fits_record
    from bpdesk.ui.files import check_editable

    try:
        content = load_bpnet(path)
        check_editable(content.network)  # what the window would refuse
        check_fits_record(content.history)
    except BpdeskError as exc:
        return str(exc) if path in str(exc) else f"{path}: {exc}"
    return None


def _wait(condition, seconds: float, poll_ms: int = 20) -> None:
    """Run the event loop until ``condition()`` holds or ``seconds`` have passed."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    deadline = time.perf_counter() + seconds

    def check() -> None:
        if condition() or time.perf_counter() >= deadline:
            loop.quit()

    poll = QTimer()
    poll.setInterval(poll_ms)
    poll.timeout.connect(check)
    poll.start()
    loop.exec()
    poll.stop()


def smoke(window, epochs: int = SMOKE_EPOCHS, seconds: float = SMOKE_SECONDS) -> str:
    """Train ``window``'s document briefly (in the training process, unless the window
    trains on a thread) and check the outcome.

    Returns a one-line summary; raises :class:`SmokeError` naming the first
    check that failed. The training thread is joined before this returns.
    """
    import numpy as np
    from PySide6.QtGui import QIcon

    from bpdesk.paths import resource_path

    icon = resource_path("icons", "bpdesk.svg")
    if not icon.is_file():
        raise SmokeError(f"resource missing: {icon}")
    # Rendering the SVG icon proves Qt's SVG plugins came along (in the frozen build too).
    if QIcon(str(icon)).pixmap(32, 32).isNull():
        raise SmokeError(f"the icon {icon} does not render (Qt's SVG support is missing)")

    doc, trainer = window.doc, window.trainer
    X, T = doc.dataset.X_train, doc.dataset.T_train
    start_epoch = doc.epoch
    loss_before = doc.network.compute_loss(X, T)
    started = time.perf_counter()
    trainer.start()
    where = "on the training thread"
    try:
        if trainer.state != "running":
            raise SmokeError("training did not start")
        _wait(lambda: doc.epoch - start_epoch >= epochs, seconds)
        process = trainer.process
        if process is not None:
            if process.pid is None:
                raise SmokeError("the training process is not running")
            where = f"in the training process (pid {process.pid})"
    finally:
        trainer.pause()
        trainer.shutdown()  # joins the thread and takes in every epoch it trained
    elapsed = time.perf_counter() - started

    trained = doc.epoch - start_epoch
    history = doc.history
    parameters = doc.network.parameters
    if trained <= 0:
        raise SmokeError(f"no epoch was trained in {elapsed:.1f} s")
    if len(history) != doc.epoch:
        raise SmokeError(f"the history holds {len(history)} epochs, the network {doc.epoch}")
    if not np.all(np.isfinite(parameters)):
        raise SmokeError("the trained parameters are not all finite")
    loss_after = doc.network.compute_loss(X, T)
    recorded = float(history.train_loss[-1])
    if not (math.isfinite(loss_after) and loss_after < loss_before):
        raise SmokeError(f"the loss did not fall: {loss_before:.6g} → {loss_after:.6g}")
    if not math.isclose(recorded, loss_after, rel_tol=1e-6, abs_tol=1e-12):
        raise SmokeError(
            f"the window's network (loss {loss_after:.6g}) is not the one the history "
            f"ended with (loss {recorded:.6g})"
        )
    return (
        f"{SMOKE_OK}: trained {doc.network.describe()} on {doc.dataset.name} for "
        f"{trained:,} epochs in {elapsed:.2f} s {where}; loss "
        f"{loss_before:.4g} → {loss_after:.4g}; history {len(history):,} epochs; "
        f"parameters finite; resources in {icon.parent.parent}"
    )


def _quiet_offscreen_messages() -> None:
    """Drop the offscreen platform's notice that it cannot resize windows to fit; keep the rest."""
    from PySide6.QtCore import qInstallMessageHandler

    def handler(kind, context, message: str) -> None:
        if "does not support propagateSizeHints" not in message:
            print(message, file=sys.stderr)

    qInstallMessageHandler(handler)


@contextmanager
def batch_window(doc=None):
    """A main window that leaves no trace: no saved settings or layout, a private autosave.

    For ``--smoke``, ``--screenshot`` and the GUI benchmark. The window is
    closed on the way out, answering "discard" if it asks about unsaved
    changes: nobody is there to answer, and this work is throwaway.
    """
    from PySide6.QtCore import QSettings

    from bpdesk.ui.main_window import MainWindow

    _quiet_offscreen_messages()
    with tempfile.TemporaryDirectory(prefix="bpdesk-") as folder:
        window = MainWindow(
            doc=doc,
            # Not os.devnull: QSettings saves by writing a file beside it and renaming it
            # over, which, run as root, replaces the /dev/null device with a plain file.
            settings=QSettings(str(Path(folder) / "settings.ini"), QSettings.Format.IniFormat),
            autosave_path=Path(folder) / "autosave.bpnet",
        )
        window.files.ask_save = lambda: "discard"
        try:
            yield window
        finally:
            window.close()  # closeEvent joins the training thread (again: harmless)


def _start_watchdog(seconds: float) -> None:
    """End the process with a message if it is still running after ``seconds``.

    A self-test must not hang: a dialog waiting for a click that never comes
    (nothing is on the screen) would otherwise keep it running forever.
    """
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    def give_up() -> None:
        modal = QApplication.activeModalWidget()
        why = f": a dialog is waiting ({modal.windowTitle()!r})" if modal is not None else ""
        print(f"bpdesk --smoke: FAILED: still running after {seconds:.0f} s{why}", file=sys.stderr)
        sys.stderr.flush()
        os._exit(1)  # the stuck call cannot be unwound from here

    timer = QTimer(QApplication.instance())
    timer.setSingleShot(True)
    timer.timeout.connect(give_up)
    timer.start(int(seconds * 1000))


def _run_smoke(args) -> int:
    from bpdesk.paths import resources_dir

    try:
        resources_dir()
    except FileNotFoundError as exc:
        print(f"bpdesk --smoke: FAILED: {exc}", file=sys.stderr)
        return 1
    if args.file and (problem := _check_file(args.file)):
        print(f"bpdesk --smoke: {problem}", file=sys.stderr)
        return 2
    make_app()
    _start_watchdog(SMOKE_TIMEOUT)
    with batch_window() as window:
        if args.file:
            window.open_path(args.file)
        window.show()
        try:
            summary = smoke(window)
        except SmokeError as exc:
            print(f"bpdesk --smoke: FAILED: {exc}", file=sys.stderr)
            return 1
    print(summary, flush=True)
    return 0


def _probe_startup(app) -> None:
    print(STARTUP_MARKER, flush=True)
    app.quit()


def run_app(args) -> int:
    """Create the application and the main window; return the exit status."""
    if _wants_offscreen(args) and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # an empty value is Qt's default too
    from bpdesk.ui.display_check import display_problem

    if problem := display_problem():
        print(problem, file=sys.stderr)  # instead of Qt's abort (exit status 134)
        return 1
    if getattr(args, "smoke", False):
        return _run_smoke(args)
    from PySide6.QtCore import QTimer

    from bpdesk.ui.main_window import MainWindow

    app = make_app()
    if args.screenshot:
        if args.file and (problem := _check_file(args.file)):
            print(f"bpdesk: {problem}", file=sys.stderr)
            return 2
        try:
            width, height = (int(v) for v in args.size.lower().split("x"))
        except ValueError:
            print(f"bpdesk: --size must look like 1600x1000, got {args.size!r}", file=sys.stderr)
            return 2
        # A screenshot shows the default window, whatever the user's saved layout.
        with batch_window() as window:
            if args.file and not window.open_path(args.file):
                return 2
            window.resize(width, height)
            window.show()
            try:
                screenshot(window, args.screenshot)
            except OSError as exc:
                print(f"bpdesk: {exc}", file=sys.stderr)
                return 1
        print(args.screenshot)
        return 0
    window = MainWindow()
    window.show()
    # The keyboard goes to the new window (Space trains) even where nothing hands it
    # over: on an X server without a window manager the first key presses were lost.
    window.raise_()
    window.activateWindow()
    if os.environ.get(STARTUP_PROBE_ENV) == "1":
        # Queued behind the show's own events: it runs once the first paint is done.
        QTimer.singleShot(0, lambda: _probe_startup(app))
    else:
        QTimer.singleShot(0, lambda: _first_document(window, args.file))
        # Once the window has drawn: the first Train then starts at once.
        QTimer.singleShot(WARM_UP_MS, window.trainer.warm_up)
    return app.exec()


def _first_document(window, path: str | None) -> None:
    """Once the window is up: offer back work lost in a crash, else open ``path``."""
    if window.files.offer_recovery():
        if path:
            window.statusBar().showMessage(
                f"Recovered the unsaved work; {path} was not opened (File → Open).", 10_000
            )
        return
    if path:
        window.open_path(path)
