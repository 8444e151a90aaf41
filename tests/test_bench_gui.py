"""``bpdesk bench --case gui``: it must finish on its own and report every figure.

Only that it runs and its numbers are sane is tested; the figures themselves
are the benchmark's to print (timings never decide a test here).
"""

import json
import os
import subprocess
import sys

from bpdesk.ui.docks import DOCKS

PROBE = "import json; from bpdesk.bench_gui import measure; print(json.dumps(measure(0.8)))"


def test_the_gui_benchmark_trains_in_the_window_and_closes_it_unattended(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env["XDG_CONFIG_HOME"] = env["XDG_DATA_HOME"] = str(tmp_path)
    # A dialog left waiting (unsaved changes on close) would hang here: the timeout fails it.
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    for key in ("gui_to_headless_ratio", "stall_p99_ms", "stall_max_ms", "redraws_per_second"):
        assert key in figures
    assert figures["gui_epochs_per_second"] > 0
    assert figures["headless_epochs_per_second"] > 0
    assert 0 <= figures["stall_p99_ms"] <= figures["stall_max_ms"]
    assert set(figures["redraws_by_panel"]) == {"LossPanel", "DecisionBoundaryPanel"}
    # Every panel on screen, those built on first use included.
    assert {"landscape", "gradient_flow", "chain_rule", "math", "loss", "boundary"} <= set(
        figures["panels_visible"]
    )
    assert len(figures["panels_visible"]) == len(DOCKS)  # every dock
    assert list(tmp_path.iterdir()) == []  # no settings or autosave left behind
    assert os.path.exists(os.devnull)
    assert not os.path.isfile(os.devnull)  # still the device (QSettings once replaced it)


HEAVY = (
    "import json; from bpdesk.bench_gui import measure_heavy; "
    "print(json.dumps(measure_heavy(1.6, hog=True)))"
)


def test_the_heavy_variant_presses_space_beside_a_cpu_hog_and_reports_latencies(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env["XDG_CONFIG_HOME"] = env["XDG_DATA_HOME"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", HEAVY], capture_output=True, text=True, timeout=300, env=env
    )
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["network"] == "2-32-32-32-1"
    assert figures["cpu_hog"] is True
    for key in ("pause", "input"):
        p99, median = figures[f"{key}_latency_p99_ms"], figures[f"{key}_latency_median_ms"]
        assert 0 <= median <= p99 <= figures[f"{key}_latency_max_ms"]
    assert figures["probes"] > 0
    assert figures["presses"] > 0
    assert figures["gui_epochs_per_second"] > 0
    # Every press was answered: a pause that never took hold is reported as the timeout.
    assert figures["pause_latency_max_ms"] < 20_000


def test_the_benchmark_measures_the_window_as_the_app_sets_it_up(monkeypatch):
    from bpdesk import bench_gui

    seen = {}

    def run(argv, **kwargs):
        seen.update(kwargs["env"])
        seen["code"] = argv[-1]
        return subprocess.CompletedProcess(argv, 0, stdout='{"ok": 1}\n', stderr="")

    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.setattr(subprocess, "run", run)
    assert bench_gui.as_the_app_runs("measure_heavy", 8.0) == {"ok": 1}
    assert seen["OPENBLAS_NUM_THREADS"] == "1"
    assert "measure_heavy(seconds=8.0)" in seen["code"]


def test_the_digits_variant_trains_the_explainers_network_in_the_window(tmp_path, monkeypatch):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env["XDG_CONFIG_HOME"] = env["XDG_DATA_HOME"] = str(tmp_path)
    code = (
        "import json; from bpdesk.bench_gui import measure; "
        "print(json.dumps(measure(1.2, problem='digits')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env
    )
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["network"] == "64-128-64-10"
    assert figures["gui_epochs_per_second"] > 0
    assert figures["headless_epochs_per_second"] > 0
    # The decision boundary cannot draw 64 inputs: the gradient flow is counted instead.
    assert set(figures["redraws_by_panel"]) == {"LossPanel", "GradientFlowPanel"}

    from bpdesk import bench_gui

    seen = {}

    def run(argv, **kwargs):
        seen["code"] = argv[-1]
        return subprocess.CompletedProcess(argv, 0, stdout='{"ok": 1}\n', stderr="")

    monkeypatch.setattr(subprocess, "run", run)
    assert bench_gui.as_the_app_runs("measure", 4.0, "digits") == {"ok": 1}
    assert "measure(seconds=4.0, problem='digits')" in seen["code"]
