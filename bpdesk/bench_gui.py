"""``bpdesk bench --case gui``: training inside the real window, against the engine alone.

Runs the main window offscreen (unless a screen is there) with every panel
visible (each dock floated out of its tab, side by side, and a weight selected
so that the chain rule, the error landscape and the math have something to
follow), trains two spirals (2-8-8-1) at full speed for a few seconds, and
measures, in the same run:

* epochs per second in the window against the headless engine on the same problem;
* stalls of the GUI event loop: a 20 ms timer's lateness, 99th percentile and maximum;
* how often the decision boundary and the loss curve were redrawn.

Its heavy variant (:func:`measure_heavy`) trains 2-32-32-32-1 beside a
CPU-bound process and presses Space: how long a pause takes to hold, and how
long any event posted to the window waits. ``bpdesk bench --case gui`` runs
both in processes of their own set up as the ``bpdesk`` command sets up the
window (:func:`as_the_app_runs`).
"""

from __future__ import annotations

import os
import statistics
import time

import numpy as np

# The stall probe: a timer this often, and how late it fires. Not faster: each
# tick runs Python, taking the interpreter from the training thread, and a 5 ms
# probe alone cost the measured ratio ~0.07 (0.66 against 0.73, medians of 3).
TICK_MS = 20


def _problem(name: str):
    """``(network, dataset, config, label)`` of a measured problem: "spirals" (the light
    case), "heavy" (the trust issue's big network) or "digits" (the explainer's 64-128-64-10
    digit recogniser, as the example file trains it)."""
    from bpdesk.core import Network, TrainConfig, make_dataset

    if name == "digits":
        dataset = make_dataset("digits", test_ratio=0.3, seed=0)
        network = Network.create([64, 128, 64, 10], activation="relu", loss="ce", seed=0)
        config = TrainConfig(learning_rate=0.001, batch_size=32, optimizer="adam", epochs=None)
        return network, dataset, config, "64-128-64-10"
    dataset = make_dataset("spiral", n_samples=500, noise=0.1, test_ratio=0.0, seed=0)
    if name == "heavy":
        network = Network.create(
            HEAVY_SIZES, activation="tanh", output_activation="sigmoid", seed=0
        )
        config = TrainConfig(learning_rate=0.05, batch_size=10, epochs=None)
        return network, dataset, config, "-".join(map(str, HEAVY_SIZES))
    if name != "spirals":
        raise ValueError(f"no GUI problem called {name!r}")
    network = Network.create([2, 8, 8, 1], activation="tanh", output_activation="sigmoid", seed=0)
    config = TrainConfig(learning_rate=0.1, batch_size=10, epochs=None)
    return network, dataset, config, "2-8-8-1"


def as_the_app_runs(measurement: str, seconds: float, problem: str | None = None) -> dict:
    """Run ``measurement`` ("measure" or "measure_heavy") in a process of its own, set up
    as the ``bpdesk`` command sets up the window (one BLAS thread unless the user
    chose), and return its figures. The benchmark's own process has NumPy loaded
    with whatever the command-line cases use. ``problem`` (see :func:`_problem`) replaces
    the measurement's own network and data."""
    import json
    import subprocess
    import sys

    from bpdesk.cli import BLAS_THREAD_VARIABLES

    if measurement not in ("measure", "measure_heavy"):
        raise ValueError(f"no GUI measurement called {measurement!r}")
    env = dict(os.environ)
    for name in BLAS_THREAD_VARIABLES:
        env.setdefault(name, "1")
    code = (
        "import json, sys; from bpdesk import bench_gui; "
        f"print(json.dumps(bench_gui.{measurement}(seconds={seconds!r}"
        + ("" if problem is None else f", problem={problem!r}")
        + ")))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"the {measurement} run failed: {done.stderr.strip()[-500:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _headless_rate(network, dataset, config, seconds: float) -> float:
    from bpdesk.core import Trainer

    trainer = Trainer(network.copy(), dataset, config)
    trainer.run_epoch()
    start = time.perf_counter()
    epochs = 0
    while time.perf_counter() - start < seconds:
        trainer.run_epoch()
        epochs += 1
    return epochs / (time.perf_counter() - start)


def _show_every_panel(window, columns: int = 4) -> None:
    """Float every dock out of its tab into a grid, so that all of them are on screen."""
    docks = list(window.docks.values())
    width, height = 420, 330
    for k, dock in enumerate(docks):
        dock.setFloating(True)
        dock.resize(width, height)
        dock.move(20 + (k % columns) * (width + 10), 20 + (k // columns) * (height + 10))
        dock.show()


def _lay_out(app, window) -> None:
    """Show the window at 1600×1000 with every panel on screen and a weight selected, so
    that the chain rule, the error landscape and the math have something to follow."""
    window.resize(1600, 1000)
    window.show()
    window.restore_default_layout()
    _show_every_panel(window)
    window.doc.select((1, 0, 0))
    # The main window has the keyboard, as when a learner clicks it after arranging the
    # panels: on a real screen the floated panels would take it, and Space (a shortcut
    # of the main window) would go to the last one shown.
    window.raise_()
    window.activateWindow()
    for _ in range(20):
        app.processEvents()
    deadline = time.perf_counter() + 5.0
    while app.activeWindow() is not window and time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.01)


def _on_screen(dock) -> bool:
    """True when the panel in ``dock`` (inside its scroll area, if any) can be seen."""
    from PySide6.QtWidgets import QScrollArea

    content = dock.widget()
    if isinstance(content, QScrollArea):
        content = content.widget()  # the scroll area itself is covered by its viewport
    return not content.visibleRegion().isEmpty()


def _train_in(app, window, seconds: float) -> tuple[float, int, list[float], dict]:
    """Train at full speed in the shown window.

    Returns (elapsed, epochs, timer lateness, redraws/s, the panels on screen).
    """
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer

    doc = window.doc
    _lay_out(app, window)

    lateness: list[float] = []
    clock = QElapsedTimer()
    tick = QTimer()
    tick.setInterval(TICK_MS)
    last = [0.0]

    def on_tick() -> None:
        now = clock.nsecsElapsed() / 1e6
        if last[0]:
            lateness.append(max(0.0, now - last[0] - TICK_MS))
        last[0] = now

    tick.timeout.connect(on_tick)
    visible = sorted(key for key, dock in window.docks.items() if _on_screen(dock))
    # The panels that follow training most often: the decision boundary, or for data it
    # cannot draw (the digits) the gradient flow.
    second = (
        window.boundary_panel if doc.network.layer_sizes[0] <= 2 else window.gradient_flow_panel
    )
    panels = [window.loss_panel, second]
    redraws_before = {id(p): p.redraws for p in panels}
    clock.start()
    tick.start()
    start_epoch = doc.epoch
    window.trainer.set_speed(None)  # full speed: the window's default is a watchable pace
    started = time.perf_counter()
    window.trainer.start()
    # The real event loop, as in the application (processEvents in a Python loop
    # would compete with the worker for the interpreter in a way the app does not).
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()
    window.trainer.pause()
    elapsed = time.perf_counter() - started
    tick.stop()
    window.trainer.shutdown()
    redraws = {type(p).__name__: (p.redraws - redraws_before[id(p)]) / elapsed for p in panels}
    return elapsed, doc.epoch - start_epoch, lateness, redraws, visible


def measure(seconds: float = 4.0, problem: str = "spirals") -> dict:
    """Train in the window for ``seconds`` and return the figures (see module docstring)."""
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from bpdesk.ui.app import batch_window, make_app
    from bpdesk.ui.document import Document

    app = make_app()
    network, dataset, config, label = _problem(problem)
    # The headless rate is taken before and after the window's run and averaged:
    # this machine's speed drifts, and both sides should see the same drift.
    headless_before = _headless_rate(network, dataset, config, seconds / 3)

    doc = Document(network.copy(), dataset, config)
    with batch_window(doc) as window:
        elapsed, epochs, lateness, redraws, visible = _train_in(app, window, seconds)
    headless = (headless_before + _headless_rate(network, dataset, config, seconds / 3)) / 2
    gui_rate = epochs / elapsed
    lat = np.array(lateness) if lateness else np.zeros(1)
    return {
        "network": label,
        "seconds": elapsed,
        "gui_epochs_per_second": gui_rate,
        "headless_epochs_per_second": headless,
        "gui_to_headless_ratio": gui_rate / headless,
        "stall_p99_ms": float(np.percentile(lat, 99)),
        "stall_max_ms": float(lat.max()),
        "stall_median_ms": float(statistics.median(lat.tolist())),
        "redraws_per_second": min(redraws.values()) if redraws else 0.0,
        "redraws_by_panel": redraws,
        "panels_visible": visible,
    }


# -- the heavy case: a big network, full speed, a CPU-bound process beside the app ------

HEAVY_SIZES = (2, 32, 32, 32, 1)  # the 2-32-32-32-1 tanh network on 500 spirals
PRESSES = 8  # Space presses (pause, then resume) measured per run
PROBE_MS = 25  # a probe event is posted this often, from another thread


def _cpu_hog():
    """A separate CPU-bound process, as a browser beside the app on a 2-core laptop."""
    import subprocess
    import sys

    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


class _Probe:
    """Posts events to the GUI thread from a thread of its own and measures their wait.

    Each event carries the moment it was posted; the GUI thread notes how long it
    waited in the queue. A "press" event does what a key press does when the GUI
    thread gets to it: it sends Space to the editor (the Train / Pause shortcut).
    """

    def __init__(self, window) -> None:
        from PySide6.QtCore import QEvent, QObject

        self.window = window
        self.waits: list[float] = []
        self.pressed_at: list[float] = []
        probe_type = QEvent.Type(QEvent.registerEventType())
        press_type = QEvent.Type(QEvent.registerEventType())
        self._types = probe_type, press_type
        outer = self

        class Receiver(QObject):
            def event(self, event) -> bool:
                kind = event.type()
                if kind in outer._types:
                    outer._received(kind, event.posted_at)
                    return True
                return super().event(event)

        self.receiver = Receiver()
        self._stop = False

    def _received(self, kind, posted_at: float) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        waited = time.perf_counter() - posted_at
        if kind == self._types[0]:
            self.waits.append(waited)
        else:
            QTest.keyClick(self.window.view, Qt.Key.Key_Space)

    def post(self, press: bool = False) -> float:
        """Post one event now (from any thread); returns the moment it was posted."""
        from PySide6.QtCore import QCoreApplication, QEvent

        event = QEvent(self._types[1] if press else self._types[0])
        event.posted_at = now = time.perf_counter()
        QCoreApplication.postEvent(self.receiver, event)
        return now

    def run_probes(self) -> None:
        """Post a probe every PROBE_MS until stopped (the probing thread's body)."""
        rng = np.random.default_rng(0)
        while not self._stop:
            time.sleep(PROBE_MS / 1000 * rng.uniform(0.5, 1.5))
            self.post()


def _press_and_wait(trainer, probe, state: str, timeout: float = 20.0):
    """Post a Space press; return (seconds from the post until the run's state is
    ``state`` in the worker, epochs trained after the post).

    The GUI thread waits in its real event loop meanwhile (a loop of processEvents
    would take the interpreter in a way the application does not).
    """
    from PySide6.QtCore import QEventLoop, QTimer

    before = trainer.trained_epoch or 0
    held: list[float] = []
    control = trainer.job.control
    original = control.on_pause
    if state == "paused":

        def noting() -> None:  # in the worker thread, as the pause takes hold
            held.append(time.perf_counter())
            if original is not None:
                original()

        control.on_pause = noting
    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(1)

    def check() -> None:
        if state == "running" and not control.paused and not held:
            held.append(time.perf_counter())
        if held or time.perf_counter() > deadline:
            loop.quit()

    poll.timeout.connect(check)
    posted = probe.post(press=True)
    deadline = posted + timeout
    poll.start()
    loop.exec()
    poll.stop()
    control.on_pause = original
    if not held:
        return timeout, 0
    after = trainer.trained_epoch or 0  # the epochs it sent before it held
    return held[0] - posted, after - before


def measure_heavy(seconds: float = 8.0, hog: bool = True, problem: str = "heavy") -> dict:
    """Train the heavy network at full speed beside a CPU hog; press Space to pause and
    resume, and probe the event queue. Returns latencies (p99, max) and the rates."""
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import threading

    from bpdesk.ui.app import batch_window, make_app
    from bpdesk.ui.document import Document

    app = make_app()
    network, dataset, config, label = _problem(problem)
    hog_process = _cpu_hog() if hog else None
    try:
        headless = _headless_rate(network, dataset, config, seconds / 4)
        doc = Document(network.copy(), dataset, config)
        with batch_window(doc) as window:
            _lay_out(app, window)
            trainer = window.trainer
            trainer.set_speed(None)
            probe = _Probe(window)
            prober = threading.Thread(target=probe.run_probes, daemon=True)
            doc.frames.reset_costs()
            trainer.start()
            prober.start()
            started, gui_cpu = time.perf_counter(), time.thread_time()
            start_epoch = doc.epoch
            pauses, resumes, overrun = _press_space(trainer, probe, seconds)
            elapsed = time.perf_counter() - started
            gui_cpu = time.thread_time() - gui_cpu
            probe._stop = True
            prober.join()
            trainer.shutdown()
            epochs = doc.epoch - start_epoch
            costs = {
                name: {"runs": c.runs, "median_ms": c.median_ms, "p99_ms": c.p99_ms}
                for name, c in doc.frames.costs().items()
            }
    finally:
        if hog_process is not None:
            hog_process.kill()
            hog_process.wait()
    waits = np.array(probe.waits or [0.0]) * 1000
    pause_ms = np.array(pauses) * 1000
    return {
        "network": label,
        "cpu_hog": hog,
        "presses": PRESSES,
        "seconds": elapsed,
        "gui_epochs_per_second": epochs / elapsed,
        "headless_epochs_per_second": headless,
        "pause_latency_p99_ms": float(np.percentile(pause_ms, 99)),
        "pause_latency_median_ms": float(np.median(pause_ms)),
        "pause_latency_max_ms": float(pause_ms.max()),
        "resume_latency_max_ms": float(np.max(resumes) * 1000),
        "epochs_after_press_max": int(max(overrun)),
        "input_latency_p99_ms": float(np.percentile(waits, 99)),
        "input_latency_median_ms": float(np.median(waits)),
        "input_latency_max_ms": float(waits.max()),
        "probes": len(probe.waits),
        # The GUI thread's own CPU time per second (the machine's load left out),
        # and each view's redraws: what the frame clock measured.
        "gui_cpu_ms_per_second": gui_cpu / elapsed * 1000,
        "frame_costs": costs,
    }


def _press_space(trainer, probe, seconds: float):
    """Train a while, as a learner watching, then press Space twice; PRESSES times over
    ``seconds``. Returns the pauses' and resumes' waits and the epochs after each pause."""
    from PySide6.QtCore import QEventLoop, QTimer

    pauses, resumes, overrun = [], [], []
    rng = np.random.default_rng(1)
    loop = QEventLoop()
    for _ in range(PRESSES):
        QTimer.singleShot(int(seconds * 1000 / PRESSES * rng.uniform(0.6, 1.0)), loop.quit)
        loop.exec()
        wait, epochs = _press_and_wait(trainer, probe, "paused")
        pauses.append(wait)
        overrun.append(epochs)
        QTimer.singleShot(150, loop.quit)
        loop.exec()
        wait, _ = _press_and_wait(trainer, probe, "running")
        resumes.append(wait)
    return pauses, resumes, overrun
