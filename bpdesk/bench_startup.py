"""``bpdesk bench --case startup``: from starting the process to the main window on screen.

Three programs are started, in turns, in the same run:

* **bpdesk**: ``python -m bpdesk`` with ``BPDESK_STARTUP_PROBE=1``;
* **bare**: Python, PySide6 and a pyqtgraph ``PlotWidget`` in a ``QMainWindow``
  (:data:`BARE_WINDOW`): the floor for any application built on them;
* **frozen**: the PyInstaller executable, if ``packaging/dist/bpdesk/bpdesk`` was built.

Each prints a marker once its window has been shown and its first paint
processed, and quits. A run's time is from just before the process is started
to the moment this process reads the marker. Qt renders offscreen (unless a
screen is there), and every program gets an empty configuration folder, so
that no one's saved settings take part. One untimed warm-up run of each comes
first (disk cache, compiled bytecode); the medians of the timed runs are reported.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bpdesk.core.errors import BpdeskError
from bpdesk.ui.app import STARTUP_MARKER, STARTUP_PROBE_ENV

FROZEN_EXECUTABLE = (
    Path(__file__).resolve().parent.parent / "packaging" / "dist" / "bpdesk" / "bpdesk"
)
TIMEOUT = 60.0  # seconds for one start; a start this slow is a failure, not a figure

# The bare window does what bpdesk's probe does: show, then report once the
# events of the show (the first paint among them) have been processed.
BARE_WINDOW = f"""
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
import pyqtgraph as pg

app = QApplication(sys.argv[:1])
window = QMainWindow()
window.setCentralWidget(pg.PlotWidget())
window.resize(1600, 1000)
window.show()

def probe():
    print({STARTUP_MARKER!r}, flush=True)
    app.quit()

QTimer.singleShot(0, probe)
sys.exit(app.exec())
"""


class StartupError(BpdeskError):
    """A program ended, or hung, without showing its window."""


def time_to_window(command: list[str], env: dict[str, str], timeout: float = TIMEOUT) -> float:
    """Seconds from starting ``command`` to reading :data:`STARTUP_MARKER` on its output."""
    with tempfile.TemporaryFile(mode="w+") as errors:
        started = time.perf_counter()
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=errors,
            stdin=subprocess.DEVNULL,
            env=env,
            text=True,
        )
        watchdog = threading.Timer(timeout, process.kill)
        watchdog.start()
        shown = None
        try:
            for line in process.stdout:
                if line.strip() == STARTUP_MARKER:
                    shown = time.perf_counter() - started
                    break
            process.stdout.read()  # let it finish writing and quit
            process.wait()
        finally:
            watchdog.cancel()
            if process.poll() is None:
                process.kill()
                process.wait()
            process.stdout.close()
        if shown is None:
            errors.seek(0)
            last = (errors.read().strip().splitlines() or ["no output"])[-1]
            raise StartupError(f"{' '.join(command[:3])} showed no window: {last}")
    return shown


def _environment(config_dir: str) -> dict[str, str]:
    env = dict(os.environ)
    if not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env[STARTUP_PROBE_ENV] = "1"
    # No saved settings, layout or autosave of the user's takes part.
    env["XDG_CONFIG_HOME"] = env["XDG_DATA_HOME"] = config_dir
    return env


def measure(repeats: int = 7, frozen: Path | None = FROZEN_EXECUTABLE) -> dict:
    """Start each program ``repeats`` times, in turns; return the medians and their ratios."""
    if getattr(sys, "frozen", False):
        raise StartupError("the startup benchmark needs Python: run it from a source checkout")
    programs = {
        "bpdesk": [sys.executable, "-m", "bpdesk"],
        "bare": [sys.executable, "-c", BARE_WINDOW],
    }
    if frozen is not None and Path(frozen).is_file():
        programs["frozen"] = [str(frozen)]
    times: dict[str, list[float]] = {name: [] for name in programs}
    with tempfile.TemporaryDirectory(prefix="bpdesk-startup-") as config_dir:
        env = _environment(config_dir)
        for command in programs.values():
            time_to_window(command, env)  # warm-up, not counted
        for _ in range(max(1, repeats)):
            for name, command in programs.items():
                times[name].append(time_to_window(command, env))
    medians = {name: statistics.median(values) for name, values in times.items()}
    frozen_seconds = medians.get("frozen")
    return {
        "bpdesk_seconds": medians["bpdesk"],
        "bare_seconds": medians["bare"],
        "frozen_seconds": frozen_seconds,
        "bpdesk_to_bare_ratio": medians["bpdesk"] / medians["bare"],
        "frozen_to_bare_ratio": frozen_seconds / medians["bare"] if frozen_seconds else None,
        "runs": {name: [round(t, 4) for t in values] for name, values in times.items()},
        "frozen_executable": programs["frozen"][0] if "frozen" in programs else None,
    }
