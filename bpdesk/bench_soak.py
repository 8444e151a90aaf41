"""A soak of the real window: XOR trained at full speed for minutes on end while input
arrives, as a learner leaving the window running would see it (issue 13).

    python -m bpdesk.bench_soak --minutes 30 [--trace] [--json]

The window is the application's own (offscreen unless a screen is there), set up as the
``bpdesk`` command sets it up. While it trains, in the same run:

* a thread of its own posts mouse moves over the network editor every ~25 ms; each
  one's *input latency* is how long it waited before the editor got it;
* every ``--press-every`` seconds Space is posted (Train → Pause) and the *pause
  latency* is how long from the post until the training thread held still; it is
  resumed half a second later;
* the process's resident memory (RSS) and the epoch are noted every few seconds; the
  memory's growth per epoch is the slope of RSS against epochs over the run's second
  half (the first half warms caches and buffers up);
* the window's own autosave runs on its timer (every minute); at the end the soak
  reads the last one back, saves the run as File → Save does and reads that back too,
  and counts the error dialogs the window showed.

``--trace`` also runs :mod:`tracemalloc` (slower training: the figures of a traced run
are for finding what grows, not for latency) and lists the source lines whose Python
allocations grew most between the run's middle and its end, and the window's records
that grow with the run.

Not run by the tests (it takes minutes); ``bpdesk bench`` is the quick benchmark.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import threading
import time

PROBE_MS = 25  # a mouse move is posted about this often
SAMPLE_S = 5.0  # memory and epoch noted this often
RESUME_AFTER_MS = 500  # a pause is resumed this long after it held


def _rss_bytes(pid: int | str = "self") -> int:
    """A process's resident memory, this one's by default (Linux; 0 where /proc is missing)."""
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


class _InputProbe:
    """Posts mouse moves to a widget from a thread of its own; notes how long each waited.

    Posted events reach one receiver in the order posted, so the times of posting wait
    in a queue and each arrival takes the oldest.
    """

    def __init__(self, widget) -> None:
        from PySide6.QtCore import QEvent, QObject

        self.widget = widget
        self.waits: list[float] = []
        self._posted: collections.deque[float] = collections.deque()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        outer = self

        class Filter(QObject):
            def eventFilter(self, watched, event) -> bool:
                if event.type() == QEvent.Type.MouseMove and outer._posted:
                    with outer._lock:
                        posted = outer._posted.popleft() if outer._posted else None
                    if posted is not None:
                        outer.waits.append(time.perf_counter() - posted)
                return False  # the editor handles it as any mouse move

        self._filter = Filter()
        widget.installEventFilter(self._filter)

    def run(self) -> None:
        """Post a move every ~PROBE_MS until stopped (the probing thread's body)."""
        import random

        from PySide6.QtCore import QCoreApplication, QPointF, Qt
        from PySide6.QtGui import QMouseEvent

        rng = random.Random(0)
        width, height = max(self.widget.width(), 2), max(self.widget.height(), 2)
        while not self._stop.wait(PROBE_MS / 1000 * rng.uniform(0.5, 1.5)):
            point = QPointF(rng.uniform(0, width - 1), rng.uniform(0, height - 1))
            event = QMouseEvent(
                QMouseEvent.Type.MouseMove,
                point,
                point,
                Qt.MouseButton.NoButton,
                Qt.MouseButton.NoButton,
                Qt.KeyboardModifier.NoModifier,
            )
            with self._lock:
                self._posted.append(time.perf_counter())
            QCoreApplication.postEvent(self.widget, event)

    def stop(self) -> None:
        """End :meth:`run` at its next wait."""
        self._stop.set()


class _PauseProbe:
    """Presses Space and measures until the training thread holds still; resumes a
    little later.

    The press is an event posted to the GUI thread that, when it arrives, does what
    Space does (Train → Pause): measured from the post, it waits behind whatever the
    GUI thread has queued, as a key press would. (A posted key event would need the
    window to be the active one for its shortcut, which no window manager makes it
    under a bare X server.)
    """

    def __init__(self, window) -> None:
        from PySide6.QtCore import QEvent, QObject

        self.window = window
        self.pauses: list[float] = []
        self.failed = 0
        self._posted = 0.0
        self._held: list[float] = []
        self._type = QEvent.Type(QEvent.registerEventType())
        outer = self

        class Receiver(QObject):
            def event(self, event) -> bool:
                if event.type() == outer._type:
                    outer.window.trainer.toggle()  # what the Space shortcut does
                    return True
                return super().event(event)

        self._receiver = Receiver()

    def press(self) -> None:
        """Post Space; the pause is measured when the worker says it holds."""
        trainer = self.window.trainer
        job = trainer.job
        if job is None or trainer.state != "running":
            return
        control = job.control
        original = control.on_pause
        held = self._held = []

        def noting() -> None:  # in the worker thread, as the pause takes hold
            held.append(time.perf_counter())
            if original is not None:
                original()

        control.on_pause = noting
        self._posted = time.perf_counter()
        self._post_space()
        self._check(control, original, self._posted + 20.0)

    def _post_space(self) -> None:
        from PySide6.QtCore import QCoreApplication, QEvent

        QCoreApplication.postEvent(self._receiver, QEvent(self._type))

    def _check(self, control, original, deadline: float) -> None:
        from PySide6.QtCore import QTimer

        if self._held or time.perf_counter() > deadline:
            control.on_pause = original
            if self._held:
                self.pauses.append(self._held[0] - self._posted)
            else:
                self.failed += 1
            QTimer.singleShot(RESUME_AFTER_MS, self._post_space)
            return
        QTimer.singleShot(1, lambda: self._check(control, original, deadline))


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def _slope(samples: list[tuple[float, int, int]]) -> float:
    """Bytes of RSS per epoch over the second half of the samples (least squares)."""
    half = samples[len(samples) // 2 :]
    if len(half) < 2:
        return float("nan")
    xs = [s[1] for s in half]
    ys = [s[2] for s in half]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    var = sum((x - mx) ** 2 for x in xs)
    if var == 0:
        return float("nan")
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / var


def _records(window) -> dict[str, int]:
    """The bytes held by the window's records that grow with a run."""
    doc = window.doc
    sizes = {}
    for name in ("history", "gradient_history"):
        record = getattr(doc, name, None)
        if record is not None:
            sizes[name] = int(record.nbytes)
    sizes["snapshots"] = int(doc.snapshots.nbytes)
    return sizes


def _prefill(doc, epochs: int) -> None:
    """Start from a run ``epochs`` long (a falling loss), as if trained that far: what a
    long soak reaches, in seconds."""
    import numpy as np

    from bpdesk.core.history import FIELDS

    rows = np.full((len(FIELDS), epochs), np.nan)
    rows[0] = np.geomspace(0.25, 1e-4, epochs)
    rows[2] = 1.0
    doc.append_training(1, rows, ())
    doc.set_epoch(epochs)


def soak(minutes: float, press_every: float = 60.0, trace: bool = False, prefill: int = 0) -> dict:
    """Train XOR at full speed in the window for ``minutes`` (after a run ``prefill``
    epochs long, if given); the figures as a dict."""
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from bpdesk.cli import BLAS_THREAD_VARIABLES

    for name in BLAS_THREAD_VARIABLES:  # as the bpdesk command sets up the window
        os.environ.setdefault(name, "1")
    import tracemalloc

    from PySide6.QtCore import QEventLoop, QTimer

    from bpdesk.ui.app import batch_window, make_app

    app = make_app()
    with batch_window() as window:
        window.resize(1600, 1000)
        window.show()
        for _ in range(20):
            app.processEvents()
        doc = window.doc
        errors: list[str] = []
        window.files.show_error = lambda title, text: errors.append(f"{title}: {text}")
        if prefill:
            _prefill(doc, prefill)
        samples: list[tuple[float, int, int]] = []
        traced: list = []
        started = time.perf_counter()
        seconds = minutes * 60

        trainer_rss: list[int] = []  # the training process's, when the window trains in one

        def sample() -> None:
            samples.append((time.perf_counter() - started, doc.epoch, _rss_bytes()))
            pid = None if window.trainer.process is None else window.trainer.process.pid
            if pid is not None:
                trainer_rss.append(_rss_bytes(pid))
            if trace and not traced and time.perf_counter() - started >= seconds / 2:
                traced.append(tracemalloc.take_snapshot())

        if trace:
            tracemalloc.start(8)
        inputs = _InputProbe(window.view.viewport())
        pauses = _PauseProbe(window)
        timers = []
        for interval, slot in ((SAMPLE_S, sample), (press_every, pauses.press)):
            timer = QTimer()
            timer.setInterval(int(interval * 1000))
            timer.timeout.connect(slot)
            timer.start()
            timers.append(timer)
        window.trainer.set_speed(None)  # full speed
        sample()
        window.trainer.start()
        prober = threading.Thread(target=inputs.run, daemon=True)
        prober.start()
        loop = QEventLoop()  # the real event loop, as in the application
        QTimer.singleShot(int(seconds * 1000), loop.quit)
        loop.exec()
        sample()
        inputs.stop()
        prober.join()
        for timer in timers:
            timer.stop()
        window.trainer.pause()
        saves = _check_saves(window)
        saves["error_dialogs"] = errors
        growth = _growth(traced[0], tracemalloc.take_snapshot()) if trace and traced else []
        records = _records(window)
        costs = {
            name: {"runs": c.runs, "median_ms": c.median_ms, "p99_ms": c.p99_ms}
            for name, c in doc.frames.costs().items()
        }
        window.trainer.shutdown()
    figures = _figures(samples, inputs.waits, pauses, records, growth, trace)
    # The training process's memory (the window trains in one unless told otherwise).
    figures["training_process_rss_start_mb"] = trainer_rss[0] / 2**20 if trainer_rss else None
    figures["training_process_rss_end_mb"] = trainer_rss[-1] / 2**20 if trainer_rss else None
    figures["frame_costs_last"] = costs  # each redraw's cost over its latest runs
    figures["saves"] = saves
    return figures


def _check_saves(window) -> dict:
    """The last autosave read back, and the run saved as File → Save does and read back."""
    import tempfile
    from pathlib import Path

    from bpdesk.core import load_bpnet

    files, doc = window.files, window.doc
    out: dict = {"epoch": doc.epoch}
    path = files.autosave_path
    if path.exists():
        out["autosave_age_s"] = time.time() - path.stat().st_mtime
        out["autosave_epochs"] = load_bpnet(path).history.epochs
        out["autosave_mode"] = oct(path.stat().st_mode & 0o777)
    with tempfile.TemporaryDirectory(prefix="bpdesk-soak-") as folder:
        target = Path(folder) / "soak.bpnet"
        started = time.perf_counter()
        out["save_ok"] = files.save_to(target)
        out["save_ms"] = (time.perf_counter() - started) * 1000
        if target.exists():
            out["save_bytes"] = target.stat().st_size
            out["saved_epochs"] = load_bpnet(target).history.epochs
    out["epoch_after_save"] = doc.epoch  # Save stops training: the last reports come in
    return out


def _growth(before, after, top: int = 12) -> list[str]:
    stats = after.compare_to(before, "lineno")
    return [str(stat) for stat in stats[:top]]


def _figures(samples, waits, pauses, records, growth, trace) -> dict:
    ms = [w * 1000 for w in waits]
    pause_ms = [p * 1000 for p in pauses.pauses]
    elapsed, epochs = samples[-1][0], samples[-1][1] - samples[0][1]
    return {
        "minutes": elapsed / 60,
        "epochs": epochs,
        "epochs_per_second": epochs / elapsed if elapsed else 0.0,
        "input_latency_p50_ms": _percentile(ms, 50),
        "input_latency_p99_ms": _percentile(ms, 99),
        "input_latency_max_ms": max(ms) if ms else float("nan"),
        "inputs": len(ms),
        "pause_latency_p50_ms": _percentile(pause_ms, 50),
        "pause_latency_max_ms": max(pause_ms) if pause_ms else float("nan"),
        "pauses": len(pause_ms),
        "pauses_that_did_not_hold": pauses.failed,
        "rss_start_mb": samples[0][2] / 2**20,
        "rss_end_mb": samples[-1][2] / 2**20,
        "rss_bytes_per_epoch": _slope(samples),
        "records_bytes": records,
        "traced": trace,
        "tracemalloc_growth_second_half": growth,
    }


def _finite(value):
    """``value`` with NaN (nothing measured) as null: strict JSON."""
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def main(argv: list[str] | None = None) -> int:
    """Run the soak and print its figures (``--json``: one JSON object)."""
    parser = argparse.ArgumentParser(prog="python -m bpdesk.bench_soak", description=__doc__)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--press-every", type=float, default=60.0, help="seconds between pauses")
    parser.add_argument("--trace", action="store_true", help="find what grows (tracemalloc)")
    parser.add_argument(
        "--prefill", type=int, default=0, help="start from a run this many epochs long"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    figures = soak(args.minutes, args.press_every, args.trace, args.prefill)
    if args.json:
        print(json.dumps(_finite(figures), allow_nan=False))
    else:
        for key, value in figures.items():
            if isinstance(value, list):
                print(f"{key}:")
                for line in value:
                    print(f"    {line}")
            elif isinstance(value, float):
                print(f"{key}: {value:,.3f}")
            else:
                print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
