"""Size limits for bpdesk/: no class over 600 lines, no function or method over 100.

A class or function is measured from its ``class``/``def`` line to its last
line (decorators not counted), nested ones on their own as well as inside
their parent. What was over a limit when the limits came in (issue 11) is
listed in ``KNOWN_OVER``; that list can only shrink: an entry that is back
within its limit fails the test until it is taken off the list.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "bpdesk"
MAX_CLASS_LINES = 600
MAX_FUNCTION_LINES = 100

# "path::qualified name": over the limit today (issue 11 brought the last ones under it).
KNOWN_OVER: frozenset[str] = frozenset()

Definition = ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef


def definitions(tree: ast.AST, prefix: str = "") -> Iterator[tuple[str, Definition]]:
    """Every class and function in ``tree``, nested ones too, with its dotted name."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, Definition):
            name = prefix + node.name
            yield name, node
            yield from definitions(node, name + ".")
        else:
            yield from definitions(node, prefix)


def oversized(source: str, where: str) -> dict[str, tuple[int, int]]:
    """``{"where::name": (lines, limit)}`` for each definition in ``source`` over its limit."""
    found = {}
    for name, node in definitions(ast.parse(source)):
        assert node.end_lineno is not None  # set by ast.parse
        lines = node.end_lineno - node.lineno + 1
        limit = MAX_CLASS_LINES if isinstance(node, ast.ClassDef) else MAX_FUNCTION_LINES
        if lines > limit:
            found[f"{where}::{name}"] = (lines, limit)
    return found


def oversized_in_package() -> dict[str, tuple[int, int]]:
    """:func:`oversized` over every module of bpdesk/."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        where = path.relative_to(ROOT).as_posix()
        found.update(oversized(path.read_text(encoding="utf-8"), where))
    return found


def _listing(names: set[str], sizes: dict[str, tuple[int, int]]) -> str:
    return "\n".join(
        f"  {name}: {sizes[name][0]} lines (limit {sizes[name][1]})"
        if name in sizes
        else f"  {name}"
        for name in sorted(names)
    )


def test_no_class_or_function_over_its_limit() -> None:
    found = oversized_in_package()
    new = set(found) - KNOWN_OVER
    assert not new, "over the size limits (split them up):\n" + _listing(new, found)


def test_known_offenders_are_still_over_their_limits() -> None:
    # Keeps KNOWN_OVER honest: a definition brought under its limit, renamed or
    # removed must leave the list, so that it cannot grow back unnoticed.
    found = oversized_in_package()
    fixed = KNOWN_OVER - set(found)
    assert not fixed, "within the limits now: remove them from KNOWN_OVER\n" + _listing(
        fixed, found
    )


def test_sizes_count_from_the_def_line_to_the_last_line() -> None:
    body = "\n".join(f"    x{k} = {k}" for k in range(MAX_FUNCTION_LINES - 1))
    at_limit = f"def f():\n{body}\n"  # the def line and 99 more: exactly 100
    over = f"@decorator\ndef g():\n{body}\n    return 0\n"  # 101, the decorator not counted
    nested = f"class C:\n    def m(self):\n        def inner():\n{body}\n            return 0\n"
    assert oversized(at_limit, "a.py") == {}
    assert oversized(over, "b.py") == {"b.py::g": (101, MAX_FUNCTION_LINES)}
    assert oversized(nested.replace("\n    x", "\n            x"), "c.py") == {
        "c.py::C.m": (102, MAX_FUNCTION_LINES),
        "c.py::C.m.inner": (101, MAX_FUNCTION_LINES),
    }
    big_class = "class Big:\n" + "\n".join(f"    a{k} = {k}" for k in range(MAX_CLASS_LINES))
    assert oversized(big_class, "d.py") == {"d.py::Big": (601, MAX_CLASS_LINES)}
