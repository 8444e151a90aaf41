"""Before Qt opens a window: one line naming what is missing instead of Qt's abort."""

import os
import subprocess
import sys

import pytest

from bpdesk.ui.display_check import PACKAGES, display_problem

X11 = {"DISPLAY": ":0"}
DEBIAN = 'PRETTY_NAME="Ubuntu 24.04"\nID=ubuntu\nID_LIKE=debian\n'
FEDORA = 'NAME="Fedora Linux"\nID=fedora\n'
ARCH = "NAME=Arch Linux\nID=arch\n"
UNKNOWN = "ID=gentoo\n"

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="X11's libraries are Linux's")


@pytest.fixture
def plugins(tmp_path):
    """A plugin folder with an X11 plugin in it (what is in the file is the loader's business)."""
    (tmp_path / "platforms").mkdir()
    (tmp_path / "platforms" / "libqxcb.so").write_bytes(b"not an ELF file")
    return [tmp_path]


def missing(library):
    def load(_path):
        raise OSError(f"{library}: cannot open shared object file: No such file or directory")

    return load


@pytest.mark.parametrize(
    ("release", "command"),
    [
        (DEBIAN, "sudo apt install libxcb-cursor0"),
        (FEDORA, "sudo dnf install xcb-util-cursor"),
        (ARCH, "sudo pacman -S xcb-util-cursor"),
    ],
)
def test_a_missing_x11_library_is_named_with_the_command_that_installs_it(
    plugins, release, command
):
    line = display_problem(X11, missing("libxcb-cursor.so.0"), plugins, release)
    assert line == (
        "bpdesk: Qt's X11 support needs libxcb-cursor.so.0, which is missing. "
        f"Install it: {command}"
    )


def test_on_a_distribution_it_does_not_know_it_names_the_package_of_each(plugins):
    line = display_problem(X11, missing("libxkbcommon-x11.so.0"), plugins, UNKNOWN)
    assert "\n" not in line
    assert "Debian/Ubuntu: libxkbcommon-x11-0; Fedora: libxkbcommon-x11; Arch:" in line


@pytest.mark.parametrize("library", sorted(PACKAGES))
def test_every_library_the_plugin_needs_has_a_package_in_each_family(plugins, library):
    line = display_problem(X11, missing(library), plugins, DEBIAN)
    assert line.endswith(f"sudo apt install {PACKAGES[library][0]}")


def test_a_library_it_has_no_package_for_is_still_named(plugins):
    line = display_problem(X11, missing("libweird.so.7"), plugins, DEBIAN)
    assert "libweird.so.7" in line
    assert "\n" not in line


def test_the_systems_own_loader_error_is_reported_in_one_line(plugins):
    # The real dlopen on a file that is no library: whatever it says, it is one line.
    import ctypes

    line = display_problem(X11, ctypes.CDLL, plugins, DEBIAN)
    assert line.startswith("bpdesk: Qt's X11 support cannot load: ")
    assert "\n" not in line


def test_a_plugin_that_loads_is_no_problem(plugins):
    assert display_problem(X11, lambda _path: object(), plugins, DEBIAN) is None


def test_no_display_is_said_plainly_and_points_to_the_screenshot_mode(plugins):
    line = display_problem({}, missing("libxcb.so.1"), plugins, DEBIAN)
    assert "DISPLAY is not set" in line
    assert "--screenshot" in line


@pytest.mark.parametrize(
    "environ",
    [
        {"QT_QPA_PLATFORM": "offscreen"},
        {"QT_QPA_PLATFORM": "wayland", "DISPLAY": ":0"},
        {"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"},
    ],
)
def test_other_platforms_are_left_to_qt(plugins, environ):
    assert display_problem(environ, missing("libxcb.so.1"), plugins, DEBIAN) is None


def test_a_platform_chosen_as_xcb_is_checked(plugins):
    environ = {"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":0"}
    assert display_problem(environ, missing("libxcb.so.1"), plugins, DEBIAN) is not None


def test_an_install_without_the_x11_plugin_is_left_to_qt(tmp_path):
    assert display_problem(X11, missing("libxcb.so.1"), [tmp_path], DEBIAN) is None


def test_on_this_machine_the_check_agrees_with_ldd():
    # The real plugin with the real loader: refused exactly when a library is missing.
    import shutil

    from bpdesk.ui.display_check import _plugin_dirs, _xcb_plugin

    plugin = _xcb_plugin(_plugin_dirs({}))
    if plugin is None or shutil.which("ldd") is None:
        pytest.skip("no X11 plugin or no ldd here")
    listing = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True).stdout
    absent = [line.split()[0] for line in listing.splitlines() if "not found" in line]
    line = display_problem(X11)
    if absent:
        assert line is not None
        assert any(library in line for library in absent)
    else:
        assert line is None


def test_bpdesk_without_a_display_exits_with_one_line_not_an_abort(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    env["XDG_CONFIG_HOME"] = env["XDG_DATA_HOME"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "bpdesk"], capture_output=True, text=True, timeout=60, env=env
    )
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0
    assert "no display" in done.stderr


def test_a_screenshot_without_a_display_renders_offscreen_even_with_an_empty_platform(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["QT_QPA_PLATFORM"] = ""  # set but empty: Qt's default platform, as if unset
    env["XDG_CONFIG_HOME"] = env["XDG_DATA_HOME"] = str(tmp_path)
    out = tmp_path / "shot.png"
    done = subprocess.run(
        [sys.executable, "-m", "bpdesk", "--screenshot", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-1000:]
    assert out.stat().st_size > 10_000
