"""The engine's CSV writer: no formula in a text cell, and a failed write changes nothing."""

import csv
import os

import pytest

from bpdesk.core.csv_export import safe_cell, write_csv


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3+cmd", "'-2+3+cmd"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("width", "width"),
        ("a=b", "a=b"),
        ("-0.5", "-0.5"),  # numbers are numbers
        ("+3", "+3"),
        ("-1e-300", "-1e-300"),
        ("-1_0", "'-1_0"),  # not a number a CSV reader takes
        (1, 1),
        (-0.25, -0.25),
        (None, None),
    ],
)
def test_text_that_a_spreadsheet_would_run_is_quoted(cell, written):
    assert safe_cell(cell) == written


def test_a_table_is_written_with_safe_headers_and_exact_numbers(tmp_path):
    path = tmp_path / "data.csv"
    write_csv(path, ["=x", "y", "target"], [[repr(-0.1), repr(1 / 3), 1], ["-2", "@a", 0]])
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows == [["'=x", "y", "target"], ["-0.1", repr(1 / 3), "1"], ["-2", "'@a", "0"]]


def test_a_write_that_fails_half_way_leaves_the_file_as_it_was(tmp_path):
    path = tmp_path / "predictions.csv"
    path.write_text("what the user had\n", encoding="utf-8")
    path.chmod(0o640)
    rows = [["a", 1]] * 1000 + [["\ud800", 2]]  # a lone surrogate: UTF-8 cannot hold it
    with pytest.raises(UnicodeEncodeError):
        write_csv(path, ["name", "value"], rows)
    assert path.read_text(encoding="utf-8") == "what the user had\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["predictions.csv"]
    write_csv(path, ["name", "value"], [["a", 1]])
    assert path.read_bytes() == b"name,value\r\na,1\r\n"
    assert os.stat(path).st_mode & 0o777 == 0o640
