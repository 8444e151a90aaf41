"""Where bpdesk's shipped resources are, however bpdesk was installed."""

from __future__ import annotations

import sys
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def resources_dir() -> Path:
    """Return the ``resources`` directory.

    Looked for, in order: inside a PyInstaller bundle (``sys._MEIPASS``), next
    to the package (a wheel install, where the build maps ``resources/`` to
    ``bpdesk/resources``), and at the top of a source checkout (an editable
    install or running from the repository).
    """
    candidates = []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        candidates.append(Path(bundle) / "resources")
    candidates += [_PACKAGE_DIR / "resources", _PACKAGE_DIR.parent / "resources"]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    searched = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(f"bpdesk resources not found (looked in {searched})")


def resource_path(*parts: str) -> Path:
    """Return the path of a shipped resource, e.g. ``resource_path("examples", "xor.bpnet")``."""
    return resources_dir().joinpath(*parts)
