"""Build bpdesk's one-folder executable with PyInstaller.

    python packaging/build.py                 # -> packaging/dist/bpdesk/bpdesk
    python packaging/build.py --dist DIR      # -> DIR/bpdesk/bpdesk (work files beside it)

Run it with the Python environment whose packages should be frozen (one
with bpdesk's dependencies and ``pip install '.[package]'``). It prints the
bundle's folder and size last; the exit status is PyInstaller's.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
from pathlib import Path

PACKAGING = Path(__file__).resolve().parent
SPEC = PACKAGING / "bpdesk.spec"
SIZE_BUDGET_MB = 180


def bundle_size(folder: Path) -> int:
    """Bytes in ``folder``, each file once (symbolic links count as themselves, as in ``du``)."""
    return sum(p.lstat().st_size for p in folder.rglob("*") if p.is_symlink() or p.is_file())


def build(dist: Path, work: Path, clean: bool = True, quiet: bool = False) -> Path:
    """Run PyInstaller on the spec; return the bundle's folder (raises CalledProcessError)."""
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--distpath",
        str(dist),
        "--workpath",
        str(work),
        "--log-level",
        "WARN" if quiet else "INFO",
        str(SPEC),
    ]
    if clean:
        command.insert(3, "--clean")
    subprocess.run(command, check=True)
    return dist / "bpdesk"


def main(argv: list[str] | None = None) -> int:
    """Build, then print the bundle's folder and size."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--dist", type=Path, default=PACKAGING / "dist", help="where the bundle goes"
    )
    parser.add_argument(
        "--work", type=Path, help="PyInstaller's work folder (default: build/ beside --dist)"
    )
    parser.add_argument(
        "--no-clean", action="store_true", help="reuse PyInstaller's cache (faster rebuilds)"
    )
    parser.add_argument("--quiet", action="store_true", help="only PyInstaller's warnings")
    args = parser.parse_args(argv)
    if importlib.util.find_spec("PyInstaller") is None:
        print(
            "build.py: PyInstaller is not installed in this environment (pip install '.[package]')",
            file=sys.stderr,
        )
        return 2
    dist = args.dist.resolve()
    work = (args.work or dist.parent / "build").resolve()
    try:
        bundle = build(dist, work, clean=not args.no_clean, quiet=args.quiet)
    except subprocess.CalledProcessError as exc:
        print(f"build.py: PyInstaller failed (exit status {exc.returncode})", file=sys.stderr)
        return exc.returncode or 1
    size_mb = bundle_size(bundle) / 2**20  # MiB, as du -sh counts
    over = "" if size_mb <= SIZE_BUDGET_MB else f" — over the {SIZE_BUDGET_MB} MB budget"
    print(f"{bundle / 'bpdesk'}\n{bundle}: {size_mb:.0f} MB{over}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
