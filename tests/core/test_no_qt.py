"""The engine never imports Qt: checked in a fresh interpreter."""

import subprocess
import sys


def test_importing_the_engine_loads_no_qt_module():
    code = (
        "import sys, bpdesk.core, bpdesk.core.bpnet, bpdesk.core.training, bpdesk.core.sweep, bpdesk.core.race, bpdesk.cli, bpdesk.cli_sweep, bpdesk.cli_race, bpdesk.bench;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph')];"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_no_core_module_mentions_qt_imports():
    from pathlib import Path

    import bpdesk.core

    for path in Path(bpdesk.core.__file__).parent.glob("*.py"):
        for line in path.read_text().splitlines():
            stripped = line.strip()
            if stripped.startswith(("import ", "from ")):
                assert "PySide6" not in stripped, (path, line)
                assert "pyqtgraph" not in stripped, (path, line)
