"""Before Qt opens a window: is there a screen, and can Qt's X11 plugin load?

On a minimal Linux, Qt's xcb platform plugin needs system libraries that a
pip install cannot bring (``libxcb-cursor0`` and friends). Without them Qt
prints a page about plugins and aborts the process (exit status 134); without
a display at all it does the same. :func:`display_problem` looks first and
says in one line what is missing and which package to install.

It loads the plugin the way Qt would (``dlopen`` resolves every library it
needs), so the answer is the system's own: the first library the loader could
not find. Nothing here imports Qt's GUI modules.
"""

from __future__ import annotations

import ctypes
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

# A library Qt's X11 plugin needs -> the package that provides it on
# (Debian/Ubuntu, Fedora, Arch).
PACKAGES: dict[str, tuple[str, str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm", "xcb-util-wm"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image", "xcb-util-image"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms", "xcb-util-keysyms"),
    "libxcb-render-util.so.0": (
        "libxcb-render-util0",
        "xcb-util-renderutil",
        "xcb-util-renderutil",
    ),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util", "xcb-util"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon", "libxkbcommon"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb", "libxcb"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb", "libx11"),
    "libX11.so.6": ("libx11-6", "libX11", "libx11"),
    "libGL.so.1": ("libgl1", "mesa-libGL", "libglvnd"),
    "libEGL.so.1": ("libegl1", "mesa-libEGL", "libglvnd"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype", "freetype2"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs", "dbus"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2", "glib2"),
}
# How each family installs a package, in the order of PACKAGES' tuples.
FAMILIES = (
    ("debian", "sudo apt install {}"),
    ("fedora", "sudo dnf install {}"),
    ("arch", "sudo pacman -S {}"),
)
_MISSING = re.compile(r"([\w.+-]+\.so[\w.]*): cannot open shared object file")


def display_problem(
    environ: dict[str, str] | None = None,
    load: Callable[[str], object] = ctypes.CDLL,
    plugin_dirs: list[Path] | None = None,
    os_release: str | None = None,
) -> str | None:
    """One line saying why Qt could not open a window here, or None if it can.

    Only Linux's X11 path is checked (another platform, or a platform chosen
    in ``QT_QPA_PLATFORM`` such as ``offscreen`` or ``wayland``, is Qt's to
    judge). The arguments replace the process's environment, the loader, the
    plugin folders and ``/etc/os-release`` in tests.
    """
    if sys.platform != "linux":
        return None
    env = os.environ if environ is None else environ
    platform = env.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith("xcb"):
        return None
    if not platform and env.get("WAYLAND_DISPLAY"):
        return None  # Qt picks its Wayland plugin there, and falls back to X11 itself
    if not env.get("DISPLAY"):
        return (
            "bpdesk: there is no display to open a window on (DISPLAY is not set). Run it "
            "in a desktop session, or render without one: bpdesk --screenshot out.png"
        )
    plugin = _xcb_plugin(plugin_dirs if plugin_dirs is not None else _plugin_dirs(env))
    if plugin is None:
        return None  # an unusual install: Qt says what it finds
    try:
        load(str(plugin))
    except OSError as exc:
        return _missing_library_message(str(exc), os_release)
    return None


def _missing_library_message(error: str, os_release: str | None) -> str:
    found = _MISSING.search(error)
    if found is None:
        return f"bpdesk: Qt's X11 support cannot load: {error.strip()}"
    library = found.group(1)
    packages = PACKAGES.get(library)
    if packages is None:
        return (
            f"bpdesk: Qt's X11 support needs the system library {library}, which is not "
            "installed; install the package that provides it"
        )
    family = _family(os_release)
    if family is not None:
        index = [name for name, _ in FAMILIES].index(family)
        how = FAMILIES[index][1].format(packages[index])
        return f"bpdesk: Qt's X11 support needs {library}, which is missing. Install it: {how}"
    listed = "; ".join(
        f"{label} {package}"
        for label, package in zip(("Debian/Ubuntu:", "Fedora:", "Arch:"), packages, strict=True)
    )
    return f"bpdesk: Qt's X11 support needs {library}, which is missing. Install it ({listed})"


def _family(os_release: str | None) -> str | None:
    """The distribution family from ``/etc/os-release`` (ID and ID_LIKE), if we know it."""
    if os_release is None:
        try:
            os_release = Path("/etc/os-release").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
    ids: list[str] = []
    for line in os_release.splitlines():
        key, _, value = line.partition("=")
        if key in ("ID", "ID_LIKE"):
            ids += value.strip().strip('"').lower().split()
    aliases = {"ubuntu": "debian", "rhel": "fedora", "centos": "fedora", "manjaro": "arch"}
    for name in ids:
        family = aliases.get(name, name)
        if family in ("debian", "fedora", "arch"):
            return family
    return None


def _plugin_dirs(env: dict[str, str] | os._Environ[str]) -> list[Path]:
    """Where Qt looks for its plugins: QT_PLUGIN_PATH, then its own folder."""
    dirs = [Path(p) for p in env.get("QT_PLUGIN_PATH", "").split(os.pathsep) if p]
    from PySide6.QtCore import QLibraryInfo  # QtCore only: no platform plugin is loaded

    dirs.append(Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)))
    return dirs


def _xcb_plugin(dirs: list[Path]) -> Path | None:
    for folder in dirs:
        plugin = folder / "platforms" / "libqxcb.so"
        if plugin.is_file():
            return plugin
    return None
