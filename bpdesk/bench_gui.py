"""``bpdesk bench --case gui``: training inside the real window, against the engine alone.

Runs the main window offscreen (unless a screen is there) with every panel
visible (each dock floated out of its tab, side by side, and a weight selected
so that the chain rule, the error landscape and the math have something to
follow), trains two spirals (2-8-8-1) at full speed for a few seconds, and
measures, in the same run:

* epochs per second in the window against the headless engine on the same problem;
* stalls of the GUI event loop: a 20 ms timer's lateness, 99th percentile and maximum;
* how often the decision boundary and the loss curve were redrawn.
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
    window.resize(1600, 1000)
    window.show()
    window.restore_default_layout()
    _show_every_panel(window)
    doc.select((1, 0, 0))
    for _ in range(20):
        app.processEvents()

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
    panels = [window.loss_panel, window.boundary_panel]
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


def measure(seconds: float = 4.0) -> dict:
    """Train in the window for ``seconds`` and return the figures (see module docstring)."""
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from bpdesk.core import Network, TrainConfig, make_dataset
    from bpdesk.ui.app import batch_window, make_app
    from bpdesk.ui.document import Document

    app = make_app()
    dataset = make_dataset("spiral", n_samples=500, noise=0.1, test_ratio=0.0, seed=0)
    network = Network.create([2, 8, 8, 1], activation="tanh", output_activation="sigmoid", seed=0)
    config = TrainConfig(learning_rate=0.1, batch_size=10, epochs=None)
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
