"""PySide6.QtGui as PyInstaller's own hook collects it, with only the Qt plugins bpdesk uses.

This hook takes the place of PyInstaller's (``hookspath`` comes first).
Plugins are filtered here, not in the spec: PyInstaller resolves the system
libraries that the collected binaries link against after the hooks have run,
so a plugin dropped here also drops what only it needed (the GTK theme
plugin alone would pull in GTK's whole stack of cairo, pango, gdk-pixbuf…).
"""

import sys
from pathlib import PurePath

from PyInstaller.utils.hooks.qt import add_qt6_dependencies

# Plugin folder -> the plugin files kept (None: all of them). Folders not
# listed are left out: embedded-device back-ends (eglfs, linuxfb, vnc, evdev,
# tuio), the GTK theme, and image formats other than SVG (PNG is built into QtGui).
KEEP_PLUGINS = {
    "platforms": {"libqxcb.so", "libqwayland.so", "libqoffscreen.so", "libqminimal.so"},
    "xcbglintegrations": None,
    "wayland-shell-integration": {"libxdg-shell.so"},
    "wayland-decoration-client": None,
    "wayland-graphics-integration-client": None,
    "platforminputcontexts": None,
    "platformthemes": {"libqxdgdesktopportal.so"},
    "iconengines": None,
    "imageformats": {"libqsvg.so"},
}


def _kept(source: str, destination: str) -> bool:
    if not sys.platform.startswith("linux"):
        # The list names Linux plugin files (.so); elsewhere keep PyInstaller's
        # choice rather than drop every plugin, the platform one included.
        return True
    parts = PurePath(destination).parts
    if "plugins" not in parts:
        return True
    folder = "/".join(parts[parts.index("plugins") + 1 :])
    if folder not in KEEP_PLUGINS:
        return False
    names = KEEP_PLUGINS[folder]
    return names is None or PurePath(source).name in names


hiddenimports, binaries, datas = add_qt6_dependencies(__file__)
binaries = [(source, destination) for source, destination in binaries if _kept(source, destination)]
