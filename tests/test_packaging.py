"""The self-test (``bpdesk --smoke``), the startup probe, and the PyInstaller bundle.

The bundle test builds with the same script a person uses
(``python packaging/build.py``), into a temporary folder, then runs the
frozen executable the way a user would: from another folder, without a screen.
"""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

import bpdesk
from bpdesk import bench
from bpdesk.ui.app import SMOKE_OK, STARTUP_MARKER, STARTUP_PROBE_ENV, SmokeError, smoke

ROOT = Path(__file__).resolve().parents[1]
BUILD_SCRIPT = ROOT / "packaging" / "build.py"
RUN_TIMEOUT = 180
# PyInstaller takes about a minute here; a cold cache on a busy machine, several.
BUILD_TIMEOUT = 900
SIZE_BUDGET_MB = 180  # MiB, as du -sh counts


def _environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    """Offscreen Qt, and configuration folders of its own: no user's settings take part."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", **extra)
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    return env


def _run(command: list[str], tmp_path: Path, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        cwd=tmp_path,
        env=_environment(tmp_path, **extra),
    )


def _assert_smoke_passed(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1, done.stdout
    assert lines[0].startswith(SMOKE_OK), lines[0]
    assert "Traceback" not in done.stderr
    assert "QThread: Destroyed while thread is still running" not in done.stderr
    return lines[0]


# -- bpdesk --smoke from the installed package ---------------------------------------------


def test_smoke_from_the_installed_package(tmp_path):
    summary = _assert_smoke_passed(_run([sys.executable, "-m", "bpdesk", "--smoke"], tmp_path))
    assert "on xor" in summary
    assert "parameters finite" in summary


def test_smoke_refuses_a_file_it_cannot_read_in_one_line(tmp_path):
    done = _run([sys.executable, "-m", "bpdesk", "--smoke", "missing.bpnet"], tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "bpdesk --smoke: cannot read 'missing.bpnet': No such file or directory"
    ]


def test_smoke_refuses_a_network_too_big_for_the_editor_in_one_line(tmp_path):
    from bpdesk.core import BpnetDocument, Network, save_bpnet

    save_bpnet(BpnetDocument(Network.create([2, 1025, 1]), None), tmp_path / "wide.bpnet")
    done = _run([sys.executable, "-m", "bpdesk", "--smoke", "wide.bpnet"], tmp_path)
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("bpdesk --smoke: ")
    assert "network.layer_sizes" in line


@pytest.fixture
def window(qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    from bpdesk.ui.main_window import MainWindow

    win = MainWindow(
        settings=QSettings(str(tmp_path / "bpdesk.ini"), QSettings.Format.IniFormat),
        autosave_path=tmp_path / "autosave.bpnet",
    )
    win.files.ask_save = lambda: "discard"
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()


def test_smoke_names_a_missing_resource(window, monkeypatch, tmp_path):
    import bpdesk.paths

    monkeypatch.setattr(bpdesk.paths, "resource_path", lambda *parts: tmp_path.joinpath(*parts))
    with pytest.raises(SmokeError, match=r"resource missing: .*bpdesk\.svg"):
        smoke(window)
    assert window.doc.epoch == 0  # it stopped before training


def test_smoke_trains_in_the_training_process_and_joins_its_job(window):
    summary = smoke(window, epochs=300)
    assert summary.startswith(SMOKE_OK)
    assert "in the training process (pid " in summary
    assert window.doc.epoch >= 1
    assert len(window.doc.history) == window.doc.epoch
    assert window.trainer.state == "idle"
    assert window.trainer.job is None  # joined, not left running


# -- the startup probe and its benchmark ----------------------------------------------------


def test_startup_probe_prints_its_marker_once_the_window_is_shown(tmp_path):
    done = _run([sys.executable, "-m", "bpdesk"], tmp_path, **{STARTUP_PROBE_ENV: "1"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [STARTUP_MARKER]


def test_the_startup_case_runs_only_when_asked_for():
    assert "startup" in bench.CASES
    assert "startup" in bench.EXPLICIT_ONLY


@pytest.mark.slow
def test_startup_measure_times_bpdesk_and_the_bare_window():
    from bpdesk.bench_startup import measure

    figures = measure(repeats=1, frozen=None)
    assert figures["bpdesk_seconds"] > 0
    assert figures["bare_seconds"] > 0
    assert figures["bpdesk_to_bare_ratio"] == pytest.approx(
        figures["bpdesk_seconds"] / figures["bare_seconds"]
    )
    assert figures["frozen_seconds"] is None
    assert figures["frozen_to_bare_ratio"] is None
    assert set(figures["runs"]) == {"bpdesk", "bare"}


# -- the PyInstaller bundle -------------------------------------------------------------------


def _build_module():
    spec = importlib.util.spec_from_file_location("bpdesk_packaging_build", BUILD_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    """The one-folder bundle, built once for this module's tests by packaging/build.py."""
    pytest.importorskip(
        "PyInstaller", reason="PyInstaller is not installed (pip install '.[package]')"
    )
    dist = tmp_path_factory.mktemp("packaging") / "dist"
    done = subprocess.run(
        [sys.executable, str(BUILD_SCRIPT), "--dist", str(dist), "--quiet"],
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    folder = dist / "bpdesk"
    assert str(folder / "bpdesk") in done.stdout  # the script names what it built
    return folder


@pytest.mark.packaging
@pytest.mark.slow
def test_the_bundle_is_small_and_carries_only_what_bpdesk_uses(bundle):
    size_mb = _build_module().bundle_size(bundle) / 2**20
    assert size_mb <= SIZE_BUDGET_MB, f"{size_mb:.0f} MB"
    internal = bundle / "_internal"
    assert (internal / "resources" / "icons" / "bpdesk.svg").is_file()
    assert (internal / "resources" / "datasets" / "digits.npz").is_file()
    assert (internal / "resources" / "datasets" / "digits-LICENSE.txt").is_file()
    assert (internal / "pyqtgraph" / "colors" / "maps").is_dir()  # pyqtgraph's data files
    for unwanted in ("torch", "scipy", "matplotlib", "IPython", "pytest", "hypothesis", "tkinter"):
        assert not (internal / unwanted).exists(), unwanted
    qt = internal / "PySide6"
    assert (qt / "QtOpenGL.abi3.so").exists()  # pyqtgraph imports it as it starts
    assert not (qt / "QtTest.abi3.so").exists()
    assert not (qt / "QtNetwork.abi3.so").exists()
    assert not (qt / "Qt" / "translations").exists()
    assert (qt / "Qt" / "plugins" / "platforms" / "libqoffscreen.so").exists()
    assert not (qt / "Qt" / "plugins" / "platformthemes" / "libqgtk3.so").exists()


@pytest.mark.packaging
@pytest.mark.slow
def test_the_frozen_executable_reports_its_version(bundle, tmp_path):
    done = _run([str(bundle / "bpdesk"), "--version"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"bpdesk {bpdesk.__version__}"


@pytest.mark.packaging
@pytest.mark.slow
def test_the_frozen_executable_passes_its_smoke_test(bundle, tmp_path):
    summary = _assert_smoke_passed(_run([str(bundle / "bpdesk"), "--smoke"], tmp_path))
    # It trained in a process of its own, started from the executable itself.
    assert "in the training process (pid " in summary
    # The resources came from inside the bundle, not from this checkout.
    assert f"resources in {bundle / '_internal' / 'resources'}" in summary
