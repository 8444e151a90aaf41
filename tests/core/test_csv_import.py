"""CSV import: good files load exactly; every bad row is named by its line and column."""

import numpy as np
import pytest
from hostile_files import SPECIAL, SPECIAL_IDS, finishes, posix_only

from bpdesk.core import DatasetError, csv_import, load_csv
from bpdesk.core.datasets import MAX_FEATURE_NAME_CHARS, MAX_TITLE_CHARS


def write(tmp_path, text: str, name: str = "data.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


XOR_ROWS = [[0, 0, 0], [0, 1, 1], [1, 0, 1], [1, 1, 0]]


# -- good files ---------------------------------------------------------------------


@pytest.mark.parametrize("sep", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
def test_file_with_header_loads_exactly(tmp_path, sep):
    lines = [sep.join(["a", "b", "label"])] + [sep.join(map(str, r)) for r in XOR_ROWS]
    data = load_csv(write(tmp_path, "\n".join(lines) + "\n", "xor.csv"))
    assert data.kind == "binary"
    assert data.feature_names == ("a", "b")
    assert data.title == "xor.csv"
    assert data.name == "custom"
    np.testing.assert_array_equal(data.X_train, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(data.T_train, [[0], [1], [1], [0]])
    assert data.n_test == 0
    assert data.X_test.shape == (0, 2)


@pytest.mark.parametrize("sep", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
def test_file_without_header_names_the_columns(tmp_path, sep):
    text = "\n".join(sep.join(f"{v}" for v in row) for row in [[0.5, -1.25, 2.0, 1], [3, 4, 5, 0]])
    data = load_csv(write(tmp_path, text))
    assert data.feature_names == ("x1", "x2", "x3")
    np.testing.assert_array_equal(data.X_train, [[0.5, -1.25, 2.0], [3, 4, 5]])
    np.testing.assert_array_equal(data.T_train, [[1], [0]])


def test_comments_blank_lines_spaces_and_crlf_are_handled(tmp_path):
    text = (
        "# exported by hand\r\n\r\nx, y, t\r\n  # a comment\r\n 1.5 , 2 , 1 \r\n\r\n-3e-1,4,0\r\n"
    )
    data = load_csv(write(tmp_path, text))
    assert data.feature_names == ("x", "y")
    np.testing.assert_array_equal(data.X_train, [[1.5, 2.0], [-0.3, 4.0]])
    np.testing.assert_array_equal(data.T_train, [[1], [0]])


def test_quoted_cells_and_a_byte_order_mark_are_read(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes('\ufeff"x","y","t"\n"1","2","0"\n"3","4","1"\n'.encode())
    data = load_csv(path)
    assert data.feature_names == ("x", "y")
    np.testing.assert_array_equal(data.X_train, [[1, 2], [3, 4]])


def test_text_can_be_given_directly():
    data = load_csv("", text="1,2,0.5\n3,4,1.5\n")
    assert data.title == "CSV"
    assert data.kind == "regression"
    np.testing.assert_array_equal(data.T_train, [[0.5], [1.5]])


def test_small_whole_labels_are_inferred_as_multiclass_one_hot():
    data = load_csv("", text="0,0,0\n1,1,1\n2,2,2\n3,3,1\n")
    assert data.kind == "multiclass"
    np.testing.assert_array_equal(data.T_train, [[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 1, 0]])
    assert data.suggested_output() == ("softmax", "ce")


def test_multiclass_has_as_many_columns_as_the_largest_label_needs():
    data = load_csv("", text="0,0\n1,5\n2,7\n")
    assert data.T_train.shape == (3, 8)
    np.testing.assert_array_equal(data.labels(data.T_train), [0, 5, 7])


def test_explicit_multiclass_on_two_labels_still_has_at_least_three_classes():
    # A softmax output needs at least two neurons; bpdesk's multi-class problems have three.
    data = load_csv("", text="0,0\n1,1\n2,0\n", kind="multiclass")
    assert data.kind == "multiclass"
    assert data.T_train.shape == (3, 3)
    np.testing.assert_array_equal(data.T_train, [[1, 0, 0], [0, 1, 0], [1, 0, 0]])


@pytest.mark.parametrize(
    ("targets", "kind"),
    [
        ("0 1 1 0", "binary"),
        ("1 1 1 1", "binary"),
        ("0 2 1 0", "multiclass"),
        ("0.5 1 2 3", "regression"),
        ("-1 0 1 0", "regression"),
        ("0 1 9 2", "multiclass"),  # the ten digits
        ("0 1 10 2", "regression"),  # 10 is beyond the largest class label (9)
    ],
)
def test_kind_is_inferred_from_the_targets(targets, kind):
    text = "".join(f"{k},{t}\n" for k, t in enumerate(targets.split()))
    assert load_csv("", text=text).kind == kind


def test_explicit_regression_keeps_zero_one_targets_as_values():
    data = load_csv("", text="0,0\n1,1\n2,1\n", kind="regression")
    assert data.kind == "regression"
    np.testing.assert_array_equal(data.T_train, [[0], [1], [1]])


def test_test_split_is_seeded_and_keeps_every_row(tmp_path):
    rows = "".join(f"{k},{k * 10},{k % 2}\n" for k in range(10))
    path = write(tmp_path, rows)
    a = load_csv(path, test_ratio=0.3, seed=4)
    b = load_csv(path, test_ratio=0.3, seed=4)
    c = load_csv(path, test_ratio=0.3, seed=5)
    assert (a.n_train, a.n_test) == (7, 3)
    assert a.same_data(b)
    assert not a.same_data(c)
    X = np.vstack([a.X_train, a.X_test])
    assert sorted(X[:, 0]) == list(range(10))
    # Rows stay whole: each input still sits beside its own target.
    T = np.vstack([a.T_train, a.T_test])
    np.testing.assert_array_equal(T[:, 0], X[:, 0] % 2)


def test_a_set_column_decides_the_split():
    data = load_csv(
        "",
        text="x1,x2,target,set\n0,0,0,train\n0,1,1,test\n1,0,1,Train\n1,1,0,train\n",
        test_ratio=0.5,
    )
    assert data.feature_names == ("x1", "x2")
    assert data.X_train.tolist() == [[0, 0], [1, 0], [1, 1]]
    assert data.X_test.tolist() == [[0, 1]]
    assert data.T_test.tolist() == [[1]]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "x,target,set\n0,0,train\n1,1,validation\n",
            "line 3, column 'set': expected train or test",
        ),
        ("x,target,set\n0,0,test\n1,1,test\n", "every row is in the test set"),
    ],
)
def test_a_bad_set_column_is_refused(text, message):
    with pytest.raises(DatasetError, match=message):
        load_csv("", text=text)


def test_arrays_are_read_only():
    data = load_csv("", text="0,1\n1,0\n")
    with pytest.raises(ValueError, match="read-only"):
        data.X_train[0, 0] = 3.0


# -- bad rows: line and column ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "message"),
    [
        ("x,y,t\n1,2,0\n3,4\n", None, r"^line 3: expected 3 values, found 2$"),
        ("x,y,t\n1,2,0\n3,4,1,5\n", None, r"^line 3: expected 3 values, found 4$"),
        ("x,y,t\n1,2,0\n3,abc,1\n", None, r"^line 3, column 'y': 'abc' is not a number$"),
        ("1,2,0\n3,,1\n", None, r"^line 2, column 'x2': '' is not a number$"),
        ("1,2,0\n3,1_000,1\n", None, r"^line 2, column 'x2': '1_000' is not a number$"),
        ("x,y,t\n1,2,0\n3,4,nan\n", None, r"^line 3, column 't': nan is not finite$"),
        ("x,y,t\n1,inf,0\n", None, r"^line 2, column 'y': inf is not finite$"),
        ("x,y,t\n1,2,0\n1,-Infinity,1\n", None, r"^line 3, column 'y': -Infinity is not finite$"),
        (
            "x,y,t\n1,2,0\n3,4,2\n",
            "binary",
            r"^line 3, column 't': a binary target must be 0 or 1, got 2$",
        ),
        ("x,y,t\n1,2,0\n3,4,0.5\n", "binary", r"^line 3, column 't': a binary target .* got 0.5$"),
        (
            "1,2,0\n3,4,10\n",
            "multiclass",
            r"^line 2, column 'target': a class label must be a whole number from 0 to 9, got 10$",
        ),
        ("1,2,0\n3,4,1.5\n", "multiclass", r"^line 2, column 'target': a class label .* got 1.5$"),
        ("1,2,-1\n3,4,1\n", "multiclass", r"^line 1, column 'target': a class label .* got -1$"),
    ],
)
def test_bad_rows_are_named_by_line_and_column(text, kind, message):
    with pytest.raises(DatasetError, match=message):
        load_csv("", text=text, kind=kind)


def test_line_numbers_count_comments_and_blank_lines():
    text = "# header comment\n\nx,y,t\n\n1,2,0\n# another\n\n3,zz,1\n"
    with pytest.raises(DatasetError, match=r"^line 8, column 'y': 'zz' is not a number$"):
        load_csv("", text=text)


def test_line_numbers_are_not_thrown_off_by_a_form_feed():
    # str.splitlines() would count the form feed as a line break.
    with pytest.raises(DatasetError, match=r"^line 3, column 'x2'"):
        load_csv("", text="1,2,0\n\x0c3,4,1\n5,?,0\n")


def test_a_typo_in_the_first_row_is_reported_not_taken_for_a_header():
    with pytest.raises(DatasetError, match=r"^line 1, column 'x2': 'abc' is not a number$"):
        load_csv("", text="0,abc,1\n0,1,1\n1,1,0\n")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", r"^the CSV file has no data rows$"),
        ("\n\n  \n", r"^the CSV file has no data rows$"),
        ("# only a comment\n", r"^the CSV file has no data rows$"),
        ("x,y,label\n", r"^the CSV file has a header but no data rows$"),
        ("x,y,label\n# nothing\n\n", r"^the CSV file has a header but no data rows$"),
        ("1\n2\n", r"^line 1: need at least one input column and a target column$"),
        (
            ",".join(["1"] * 1026) + "\n",
            r"^line 1: 1025 input columns; the limit is 1024 \(enough for a 32×32 image; "
            r"bpdesk trains on the CPU, where wider inputs make every step slow\)$",
        ),
    ],
)
def test_files_without_usable_rows_are_refused(text, message):
    with pytest.raises(DatasetError, match=message):
        load_csv("", text=text)


def test_too_many_rows_are_refused(tmp_path, monkeypatch):
    # The real limit is 100,000 rows; a small one keeps the test quick.
    monkeypatch.setattr(csv_import, "MAX_SAMPLES", 5)
    load_csv(write(tmp_path, "x,t\n" + "1,0\n" * 5))
    # Reading stops at the first row too many: the rows after it are never counted.
    with pytest.raises(DatasetError, match=r"^the CSV file has more than 5 rows; the limit is 5$"):
        load_csv(write(tmp_path, "x,t\n" + "1,0\n" * 6))


def test_missing_file_is_named(tmp_path):
    path = tmp_path / "nowhere.csv"
    with pytest.raises(DatasetError, match=r"^cannot read '.*nowhere\.csv': No such file"):
        load_csv(path)


def test_a_folder_is_not_a_file(tmp_path):
    with pytest.raises(DatasetError, match=r"^cannot read .*: it is a folder, not a file$"):
        load_csv(tmp_path)


def test_non_utf8_file_is_refused(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("x,größe,t\n1,2,0\n".encode("latin-1"))
    with pytest.raises(DatasetError, match=r"^cannot read '.*latin1\.csv': it is not a UTF-8 text"):
        load_csv(path)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"kind": "ordinal"}, r"unknown dataset kind 'ordinal'"),
        ({"test_ratio": 0.95}, r"test ratio must be between 0 and 0.9, got 0.95"),
        ({"test_ratio": -0.1}, r"test ratio must be between"),
        ({"test_ratio": float("nan")}, r"test ratio must be between"),
        ({"test_ratio": True}, r"test ratio must be between .* got True"),
        ({"test_ratio": "0.2"}, r"test ratio must be between"),
        ({"seed": -1}, r"the seed must be a whole number from 0 to \d+, got -1"),
        ({"seed": 2**63}, r"the seed must be a whole number"),
        ({"seed": 1.5}, r"the seed must be a whole number"),
    ],
)
def test_bad_options_are_refused(options, message):
    with pytest.raises(DatasetError, match=message):
        load_csv("", text="0,1\n1,0\n", **options)


# -- hostile files (issue 13) ------------------------------------------------------------


@posix_only
@pytest.mark.parametrize(("kind", "message"), SPECIAL, ids=SPECIAL_IDS)
def test_a_special_file_given_as_a_csv_is_refused_at_once(special, kind, message):
    # A link to /dev/zero was read until memory ran out; a named pipe blocked for ever.
    path = special(kind, ".csv")
    error = finishes(lambda: load_csv(path))
    assert isinstance(error, DatasetError)
    assert str(error) == f"cannot read {str(path)!r}: {message}"


def test_reading_stops_at_the_first_row_too_many(tmp_path, monkeypatch):
    # Whatever follows is never read: not even bytes that are not UTF-8 text.
    monkeypatch.setattr(csv_import, "MAX_SAMPLES", 5)
    path = tmp_path / "long.csv"
    # (past the first 64 kB, which the text layer decodes at once)
    path.write_bytes(b"x,t\n" + b"1,0\n" * 20_000 + b"\xff\xfe" * 1000)
    with pytest.raises(DatasetError, match=r"^the CSV file has more than 5 rows; the limit is 5$"):
        load_csv(path)
    path.write_bytes(b"x,t\n" + b"1,0\n" * 5 + b"\xff\xfe")  # within the limit: read
    with pytest.raises(DatasetError, match="not a UTF-8 text file"):
        load_csv(path)


def test_reading_stops_at_a_first_line_wider_than_the_limit(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_bytes(b",".join([b"1"] * 1030) + b"\n" + b"1,0\n" * 20_000 + b"\xff" * 1000)
    with pytest.raises(DatasetError, match=r"^line 1: 1029 input columns; the limit is 1024 \("):
        load_csv(path)


def test_a_line_longer_than_any_row_is_refused_before_it_is_read_whole(tmp_path):
    limit = csv_import.MAX_LINE_CHARS
    # The fuzzing pass's file, grown with the limit: one value as long as a row may be.
    path = write(tmp_path, "x,t\n1," + "9" * limit + "\n")
    with pytest.raises(DatasetError) as info:
        load_csv(path)
    assert str(info.value) == (
        f"line 2 is longer than {limit:,} characters: too long for a row of at most "
        f"{csv_import.MAX_FEATURES} inputs and a target"
    )
    # A line of many short cells says how many columns at least.
    path = write(tmp_path, "1," * 600_000 + "0\n")
    with pytest.raises(
        DatasetError, match=r"^line 1: more than \d+ input columns; the limit is 1024 \(enough"
    ):
        load_csv(path)
    # Given as text too, at the same line.
    with pytest.raises(DatasetError, match=r"^line 3 is longer than"):
        load_csv("", text="x,t\n1,0\n" + "2" * (limit + 1))
    load_csv("", text="x,t\n1," + "0" * (limit - 2))  # exactly at the limit: read


@pytest.mark.parametrize("quoted", [True, False])
def test_a_value_longer_than_the_csv_modules_limit_is_a_clear_error(monkeypatch, quoted):
    # It raised an uncaught _csv.Error (a traceback in the CLI, silence in the Data panel).
    monkeypatch.setattr(csv_import, "MAX_LINE_CHARS", 10**6)
    cell = "9" * 140_000
    text = "x,t\n1," + (f'"{cell}"' if quoted else cell) + "\n"
    with pytest.raises(DatasetError) as info:
        load_csv("", text=text)
    if quoted:  # read by the csv module
        assert str(info.value) == "line 2: a value is longer than 131,072 characters"
    else:  # a number beyond the float range, shown cut short
        assert str(info.value) == f"line 2, column 't': {'9' * 37}... is not finite"


def test_names_and_titles_a_file_cannot_hold_are_refused_or_shortened(tmp_path):
    name = "n" * (MAX_FEATURE_NAME_CHARS + 1)
    with pytest.raises(DatasetError) as info:
        load_csv("", text=f"x,{name},t\n1,2,0\n")
    assert str(info.value) == (
        f"line 1, column 2: a column name may have at most {MAX_FEATURE_NAME_CHARS} "
        f"characters, this one has {MAX_FEATURE_NAME_CHARS + 1}"
    )
    ok = load_csv("", text=f"x,{name[:-1]},t\n1,2,0\n")
    assert ok.feature_names[1] == name[:-1]
    long_name = "d" * 240 + ".csv"
    data = load_csv(write(tmp_path, "1,0\n", long_name))
    assert len(data.title) == MAX_TITLE_CHARS
    assert data.title.endswith("…")
    # ... so that what was imported can be saved and opened again.
    from bpdesk.core import BpnetDocument, Network, bpnet

    doc = BpnetDocument(Network.create([2, 1]), ok)
    assert bpnet.loads(bpnet.dumps(doc)).dataset.feature_names == ok.feature_names


def test_numbers_are_exact_whether_or_not_their_cells_repeat(monkeypatch):
    monkeypatch.setattr(csv_import._Numbers, "SIZE", 4)
    rng = np.random.default_rng(1)
    # Repeating cells first (whole numbers), then mostly new ones (up to 17 digits).
    cells = [
        [repr(round(float(v), 0 if r < 150 else int(d))) for v, d in zip(row, digits)]
        for r, (row, digits) in enumerate(
            zip(rng.normal(size=(300, 9)) * 10, rng.integers(1, 17, size=(300, 9)))
        )
    ]
    text = "".join(",".join(row) + ",1\n" for row in cells)
    data = load_csv("", text=text)
    expected = [[float(c) for c in row] for row in cells]
    assert data.X_train.tolist() == expected
    bad = text + ",".join(["1"] * 4 + ["1e999"] + ["0"] * 5) + "\n"
    with pytest.raises(DatasetError, match=r"^line 301, column 'x5': 1e999 is not finite$"):
        load_csv("", text=bad)


def test_huge_finite_numbers_are_kept():
    data = load_csv("", text="1e308,1e308,-1.7976931348623157e308,0.5\n")
    assert data.X_train.tolist() == [[1e308, 1e308, -1.7976931348623157e308]]


def test_refusing_a_large_file_reads_only_what_it_keeps(tmp_path, monkeypatch):
    # A million rows past the limit: refused without reading them (the fuzzing pass's
    # 140 MB CSV took 31 s and 4.7 GB before it was refused).
    monkeypatch.setattr(csv_import, "MAX_SAMPLES", 1000)
    path = tmp_path / "big.csv"
    with path.open("w") as f:
        f.write("x,y,t\n")
        f.write("0.25,0.5,1\n" * 1_000_000)
    read = []
    real = csv_import._lines

    def counting(stream):
        for number, line in real(stream):
            read.append(number)
            yield number, line

    monkeypatch.setattr(csv_import, "_lines", counting)
    with pytest.raises(DatasetError, match="more than 1000 rows"):
        load_csv(path)
    assert read[-1] == 1 + 1001  # the header and one row too many


# -- image files: MNIST's layout, the target by name or position, float32 pixels ------------


def mnist_like(rows: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``rows`` label-first rows of 784 pixels 0-255, as the MNIST CSVs have them."""
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, size=(rows, 784))
    pixels[:, ::3] = 0  # most of an MNIST image is background
    return pixels, np.arange(rows) % 10


@pytest.mark.parametrize("header", [True, False], ids=["header", "no-header"])
def test_a_label_first_784_pixel_file_loads(tmp_path, header):
    pixels, labels = mnist_like(30)
    lines = [f"{y}," + ",".join(map(str, row)) for y, row in zip(labels, pixels)]
    if header:
        lines.insert(0, "label," + ",".join(f"{r}x{c}" for r in range(1, 29) for c in range(1, 29)))
    path = write(tmp_path, "\n".join(lines) + "\n", "mnist.csv")
    options = {} if header else {"target_column": "first"}
    data = load_csv(path, test_ratio=0.2, seed=1, compact=True, **options)
    assert data.kind == "multiclass"
    assert (data.n_inputs, data.n_outputs) == (784, 10)
    assert (data.n_train, data.n_test) == (24, 6)
    assert data.feature_names[0] == ("1x1" if header else "x1")
    # Every row keeps its own pixels and label, whatever the split put where.
    X = np.vstack([data.X_train, data.X_test])
    y = np.concatenate([data.labels(data.T_train), data.labels(data.T_test)])
    order = [int(np.flatnonzero((pixels == row).all(axis=1))[0]) for row in X]
    np.testing.assert_array_equal(X, pixels[order])
    np.testing.assert_array_equal(y, labels[order])
    # Pixels are exact float32 numbers: kept so, half the memory (for the window: float64).
    assert data.X_train.dtype == np.float32
    assert data.X_test.dtype == np.float32
    assert load_csv(path, **options).X_train.dtype == np.float64


def test_without_a_header_the_target_is_last_unless_first_is_asked_for():
    text = "7,1,2\n3,4,5\n"
    last = load_csv("", text=text, kind="regression")
    np.testing.assert_array_equal(last.X_train, [[7, 1], [3, 4]])
    np.testing.assert_array_equal(last.T_train, [[2], [5]])
    first = load_csv("", text=text, kind="regression", target_column="first")
    np.testing.assert_array_equal(first.X_train, [[1, 2], [4, 5]])
    np.testing.assert_array_equal(first.T_train, [[7], [3]])
    assert first.feature_names == ("x1", "x2")


@pytest.mark.parametrize("name", ["label", "Class", "TARGET"])
@pytest.mark.parametrize("target_column", ["last", "first"])
def test_a_header_named_target_column_wins_wherever_it_stands(name, target_column):
    text = f"a,{name},b\n1,0,2\n3,1,4\n5,1,6\n"
    data = load_csv("", text=text, target_column=target_column)
    assert data.feature_names == ("a", "b")
    np.testing.assert_array_equal(data.X_train, [[1, 2], [3, 4], [5, 6]])
    np.testing.assert_array_equal(data.T_train, [[0], [1], [1]])
    # A bad label is named by that column.
    with pytest.raises(DatasetError, match=rf"^line 3, column '{name}': a binary target"):
        load_csv("", text=f"a,{name},b\n1,0,2\n3,2,4\n", kind="binary")


def test_a_header_naming_two_targets_is_refused():
    with pytest.raises(
        DatasetError,
        match=r"^line 1: columns 'label' and 'target' could each be the target; rename all but one$",
    ):
        load_csv("", text="label,x,target\n1,2,0\n")


def test_a_set_column_works_with_a_label_first_header():
    data = load_csv("", text="label,x,y,set\n1,2,3,train\n0,4,5,test\n1,6,7,train\n")
    np.testing.assert_array_equal(data.X_train, [[2, 3], [6, 7]])
    np.testing.assert_array_equal(data.X_test, [[4, 5]])
    np.testing.assert_array_equal(data.T_test, [[0]])


def test_inputs_that_need_float64_keep_every_bit():
    # The first rows fit float32; the third does not: the whole table becomes float64.
    data = load_csv("", text="1,2,0\n3,4.5,1\n0.1,1e300,0\n", compact=True)
    assert data.X_train.dtype == np.float64
    assert data.X_train.tolist() == [[1, 2], [3, 4.5], [0.1, 1e300]]
    assert load_csv("", text="1,2,0\n3,4.5,1\n", compact=True).X_train.dtype == np.float32
    # A target that float32 cannot hold does not make the inputs float64.
    assert load_csv("", text="1,2,0.1\n3,4,0.7\n", compact=True).X_train.dtype == np.float32


def test_an_unknown_target_column_is_refused():
    with pytest.raises(
        DatasetError, match=r"^the target column must be one of last first, got 'middle'$"
    ):
        load_csv("", text="1,2\n", target_column="middle")


def test_a_float32_dataset_trains_exactly_as_its_float64_twin():
    from bpdesk.core import Dataset, Network, TrainConfig, Trainer

    text = "".join(f"{k % 7},{k % 5},{k % 3},{k % 2}\n" for k in range(40))
    data = load_csv("", text=text, compact=True)
    assert data.X_train.dtype == np.float32
    twin = Dataset(
        data.kind, data.X_train.astype(np.float64), data.T_train, data.X_test, data.T_test
    )
    assert twin.X_train.dtype == np.float64
    runs = []
    for dataset in (data, twin):
        net = Network.create([3, 4, 1], seed=3)
        snaps = list(Trainer(net, dataset, TrainConfig(learning_rate=0.3, epochs=20)).run())
        runs.append((snaps[-1].train_loss, net.parameters.copy()))
    assert runs[0][0] == runs[1][0]
    np.testing.assert_array_equal(runs[0][1], runs[1][1])
