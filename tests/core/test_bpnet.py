"""The .bpnet file: exact round trips, atomic saves, and a named field for every bad file."""

import copy
import json
import os
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from hostile_files import SPECIAL, SPECIAL_IDS, finishes, posix_only

from bpdesk.core import (
    BpdeskError,
    BpnetDocument,
    Dataset,
    FileFormatError,
    LossHistory,
    Network,
    TrainConfig,
    ViewState,
    bpnet,
    load_bpnet,
    load_csv,
    make_dataset,
    save_bpnet,
    xor,
)
from bpdesk.core.architecture import EDITOR_MAX_NEURONS, MAX_HIDDEN_LAYERS
from bpdesk.core.csv_import import MAX_CLASSES, MAX_FEATURES
from bpdesk.core.datasets import MAX_SAMPLES

# Awkward floats that a sloppy writer would round: shortest-repr JSON must keep every one.
AWKWARD = [5e-324, -2.2250738585072014e-308, 1e308, -0.0, 0.1, 1 / 3, np.pi * 1e-200, -7.0]


def awkward_network(dtype: str) -> Network:
    net = Network.create(
        [2, 5, 4, 3],
        activation="tanh",
        output_activation="softmax",
        loss="ce",
        init="he",
        seed=123,
        dtype=dtype,
    )
    rng = np.random.default_rng(8)
    values = rng.normal(size=net.n_parameters) * 10.0 ** rng.integers(-30, 30, net.n_parameters)
    if dtype == "float64":
        values[: len(AWKWARD)] = AWKWARD
    net.parameters[:] = values.astype(dtype)
    return net


def full_document(dtype: str = "float64") -> BpnetDocument:
    data = make_dataset("blobs", n_samples=40, noise=0.25, test_ratio=0.25, seed=6)
    data = Dataset(
        data.kind,
        data.X_train,
        data.T_train,
        data.X_test,
        data.T_test,
        data.spec,
        "Blobs for the test",
        ("width", "height"),
    )
    training = TrainConfig(
        learning_rate=0.123456789,
        batch_size=8,
        optimizer="adam",
        momentum=0.5,
        regularization="l2",
        reg_rate=0.001,
        epochs=777,
        seed=5,
        snapshot_every=3,
    )
    history = LossHistory([1.5, 0.75, 1 / 3, 5e-324], [None, 0.8, None, 0.1])
    view = ViewState("backward", (1, None, 2), 3)
    return BpnetDocument(awkward_network(dtype), data, training, history, view)


def round_trip(doc: BpnetDocument, tmp_path) -> BpnetDocument:
    path = tmp_path / "doc.bpnet"
    save_bpnet(doc, path)
    return load_bpnet(path)


def small_json() -> dict:
    """A valid file's JSON: a 2-4-1 network on XOR, with a selected weight and sample."""
    net = Network.create([2, 4, 1], seed=1)
    doc = BpnetDocument(net, xor(), view=ViewState("forward", (1, 3, 0), 2))
    doc.history.train_loss += [0.3, 0.2]
    doc.history.test_loss += [None, None]
    doc.history.train_accuracy += [0.5, 0.75]
    doc.history.test_accuracy += [None, 0.5]
    return bpnet.to_json(doc)


DELETE = object()


def set_at(data: dict, field: str, value) -> dict:
    """A copy of ``data`` with ``field`` (written as in error messages, ``a.b[1][2]``) set."""
    data = copy.deepcopy(data)
    keys = [int(k) if k.isdigit() else k for k in re.findall(r"[^.\[\]]+", field)]
    target = data
    for key in keys[:-1]:
        target = target[key]
    if value is DELETE:
        del target[keys[-1]]
    else:
        target[keys[-1]] = value
    return data


def rejected(data, text: str | None = None) -> FileFormatError:
    with pytest.raises(FileFormatError) as info:
        bpnet.loads(json.dumps(data) if text is None else text)
    return info.value


# -- round trips --------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_network_round_trips_bit_for_bit(tmp_path, dtype):
    doc = full_document(dtype)
    loaded = round_trip(doc, tmp_path)
    net, back = doc.network, loaded.network
    assert back.dtype == np.dtype(dtype)
    assert back.parameters.dtype == np.dtype(dtype)
    # tobytes tells -0.0 from 0.0 and catches a last-bit rounding that == would not.
    assert back.parameters.tobytes() == net.parameters.tobytes()
    for w, v in zip(net.weights, back.weights):
        assert v.tobytes() == w.tobytes()
    assert back.layer_sizes == (2, 5, 4, 3)
    assert back.activations == ("tanh", "tanh", "softmax")
    assert (back.loss, back.init, back.seed) == ("ce", "he", 123)


def test_awkward_floats_survive(tmp_path):
    loaded = round_trip(full_document(), tmp_path)
    head = loaded.network.parameters[: len(AWKWARD)]
    assert head.tobytes() == np.array(AWKWARD).tobytes()
    assert np.signbit(head[3])  # -0.0 stays negative


def test_dataset_training_history_and_view_round_trip(tmp_path):
    doc = full_document()
    loaded = round_trip(doc, tmp_path)
    data, back = doc.dataset, loaded.dataset
    assert back.kind == "multiclass"
    assert back.same_data(data)
    for field in ("X_train", "T_train", "X_test", "T_test"):
        assert getattr(back, field).tobytes() == getattr(data, field).tobytes()
    assert back.spec == data.spec
    assert back.spec.name == "blobs"
    assert back.title == "Blobs for the test"
    assert back.feature_names == ("width", "height")
    assert loaded.training == doc.training
    assert loaded.history.train_loss == [1.5, 0.75, 1 / 3, 5e-324]
    assert loaded.history.test_loss == [None, 0.8, None, 0.1]
    assert loaded.history.epochs == 4
    assert loaded.view == ViewState("backward", (1, None, 2), 3)


def test_xor_dataset_and_a_csv_dataset_round_trip(tmp_path):
    net = Network.create([2, 3, 1], seed=0)
    loaded = round_trip(BpnetDocument(net, xor()), tmp_path)
    assert loaded.dataset.same_data(xor())
    assert loaded.dataset.spec == xor().spec
    csv = load_csv("", text="a,b,t\n0.25,1,0\n-1,2.5,1\n")
    loaded = round_trip(BpnetDocument(net, csv), tmp_path)
    assert loaded.dataset.spec is None
    assert loaded.dataset.name == "custom"
    assert loaded.dataset.feature_names == ("a", "b")
    assert loaded.dataset.same_data(csv)


def test_document_without_dataset_round_trips_with_defaults(tmp_path):
    net = Network.create([3, 2], activation="relu", output_activation="linear", seed=9)
    loaded = round_trip(BpnetDocument(net), tmp_path)
    assert loaded.dataset is None
    assert loaded.training == TrainConfig()
    assert loaded.history == LossHistory()
    assert loaded.view == ViewState()
    assert loaded.network.parameters.tobytes() == net.parameters.tobytes()
    X = np.random.default_rng(0).normal(size=(7, 3))
    assert np.array_equal(loaded.network.predict(X), net.predict(X))


def test_epochs_none_round_trips(tmp_path):
    doc = BpnetDocument(Network.create([2, 1]), training=TrainConfig(epochs=None))
    assert round_trip(doc, tmp_path).training.epochs is None


def test_numpy_numbers_in_a_document_are_written_as_plain_numbers(tmp_path):
    doc = BpnetDocument(
        Network.create([2, 4, 1]),
        make_dataset("circle", n_samples=np.int64(30), seed=np.int64(2)),
        TrainConfig(learning_rate=np.float64(0.25), batch_size=np.int64(4)),
        LossHistory([np.float32(0.5)], [None]),
        ViewState("forward", (np.int64(0), np.int64(1), np.int64(2)), np.int64(0)),
    )
    loaded = round_trip(doc, tmp_path)
    assert loaded.dataset.spec.n_samples == 30
    assert loaded.training.batch_size == 4
    assert loaded.view.selected == (0, 1, 2)


def test_file_is_compact_json_with_format_and_version(tmp_path):
    path = tmp_path / "x.bpnet"
    save_bpnet(BpnetDocument(Network.create([2, 4, 1])), path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == "bpnet"
    # Nothing in it needs format 2 (a thinned history): every bpdesk can read it.
    assert data["version"] == 1
    assert data["network"]["layer_sizes"] == [2, 4, 1]


# -- atomic saving ------------------------------------------------------------------


def test_saving_leaves_no_temporary_file(tmp_path):
    save_bpnet(full_document(), tmp_path / "a.bpnet")
    save_bpnet(full_document(), tmp_path / "a.bpnet")  # over an existing file too
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.bpnet"]


def test_saving_goes_through_a_temporary_file_and_a_rename(tmp_path, monkeypatch):
    calls = []
    real_replace = os.replace

    def spy(src, dst):
        calls.append((os.path.basename(src), os.path.basename(dst)))
        # At the moment of the rename the whole document is already on disk.
        assert json.loads(Path(src).read_text(encoding="utf-8"))["format"] == "bpnet"
        real_replace(src, dst)

    monkeypatch.setattr(bpnet.os, "replace", spy)
    save_bpnet(full_document(), tmp_path / "b.bpnet")
    assert len(calls) == 1
    src, dst = calls[0]
    assert dst == "b.bpnet"
    assert src.startswith(".b.bpnet.")
    assert src.endswith(".tmp")


def test_a_failed_rename_leaves_the_old_file_untouched(tmp_path, monkeypatch):
    path = tmp_path / "keep.bpnet"
    save_bpnet(BpnetDocument(Network.create([2, 4, 1], seed=1)), path)
    before = path.read_bytes()

    def broken(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(bpnet.os, "replace", broken)
    with pytest.raises(OSError, match="No space left"):
        save_bpnet(full_document(), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["keep.bpnet"]


def test_an_unserialisable_document_leaves_the_old_file_untouched(tmp_path):
    path = tmp_path / "keep.bpnet"
    save_bpnet(BpnetDocument(Network.create([2, 4, 1], seed=1)), path)
    before = path.read_bytes()
    bad_history = BpnetDocument(Network.create([2, 1]), history=LossHistory([float("nan")], [None]))
    with pytest.raises(FileFormatError, match=r"^history\.train_loss\[0\]: is not a finite"):
        save_bpnet(bad_history, path)
    bad_view = BpnetDocument(Network.create([2, 1]), view=ViewState(object()))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        save_bpnet(bad_view, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["keep.bpnet"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_saved_files_get_ordinary_permissions_not_the_temporary_files(tmp_path):
    umask = os.umask(0o022)
    try:
        new = tmp_path / "new.bpnet"
        save_bpnet(BpnetDocument(Network.create([2, 1])), new)
        # A temporary file is created private (0600); the saved file must not be.
        assert new.stat().st_mode & 0o777 == 0o644
        shared = tmp_path / "shared.bpnet"
        shared.write_text("old")
        shared.chmod(0o664)
        save_bpnet(BpnetDocument(Network.create([2, 1])), shared)
        assert shared.stat().st_mode & 0o777 == 0o664
    finally:
        os.umask(umask)


# -- loading: what is rejected, and where --------------------------------------------


def test_the_reference_file_loads():
    doc = bpnet.from_json(small_json())
    assert doc.network.layer_sizes == (2, 4, 1)
    assert doc.view.selected == (1, 3, 0)


# (field, bad value, what the message says): the error names exactly the field that was spoiled.
BAD_FIELDS = [
    # wrong types at several depths
    ("network.weights[1][3][0]", "abc", 'expected a number, got "abc"'),
    ("network.weights[0][1][2]", True, "expected a number, got true"),
    ("network.weights[0][1][2]", None, "expected a number, got null"),
    ("network.weights[0][1][2]", [1.0], "expected a number, got a list"),
    ("network.biases[0][2]", {}, "expected a number, got an object"),
    ("network.layer_sizes[1]", True, "expected a whole number, got true"),
    ("network.layer_sizes[1]", 4.0, "expected a whole number, got 4.0"),
    ("network.layer_sizes[1]", "4", 'expected a whole number, got "4"'),
    ("network.layer_sizes[1]", 0, "must be from 1 to 4096, got 0"),
    ("network.seed", -1, "must be from 0 to"),
    ("training.learning_rate", "fast", 'expected a number, got "fast"'),
    ("training.learning_rate", True, "expected a number, got true"),
    ("training.batch_size", False, "expected a whole number, got false"),
    ("training.batch_size", 2.5, "expected a whole number, got 2.5"),
    ("training.optimizer", 3, "expected a name, got 3"),
    ("dataset.train.t[2][0]", "1", 'expected a number, got "1"'),
    ("dataset.train.x[0][1]", None, "expected a number, got null"),
    ("dataset.train.t[0][0]", 0.5, "a binary target must be 0 or 1, got 0.5"),
    ("dataset.spec.n_samples", "many", 'expected a number, got "many"'),
    ("dataset.title", 5, "expected a short text"),
    ("view.selected.j", "0", 'expected a whole number, got "0"'),
    ("view.selected.j", True, "expected a whole number, got true"),
    ("view.selected.j", 1, "must be from 0 to 0, got 1"),
    ("view.selected.i", 4, "must be from 0 to 3, got 4"),
    ("view.selected.layer", 2, "must be from 0 to 1, got 2"),
    ("view.sample", 4, "must be from 0 to 3, got 4"),
    ("view.mode", "sideways", "expected one of forward, backward"),
    # objects where lists belong, and the other way round
    ("network.weights", {}, "expected a list, got an object"),
    ("network.layer_sizes", {"0": 2}, "expected a list, got an object"),
    ("history.train_loss", {}, "expected a list, got an object"),
    ("dataset.feature_names", {}, "expected a list, got an object"),
    ("dataset.feature_names", "x1", 'expected a list, got "x1"'),
    ("dataset.train", [], "expected an object, got a list"),
    ("network", [], "expected an object, got a list"),
    ("training", "sgd", 'expected an object, got "sgd"'),
    ("view", [], "expected an object, got a list"),
    # wrong shapes
    ("network.weights[0]", [[0.0] * 4], "expected 2 entries, got 1"),
    ("network.weights[0][1]", [0.0] * 3, "expected 4 entries, got 3"),
    ("network.weights", [], "expected 2 entries, got 0"),
    ("network.biases[1]", [0.0, 0.0], "expected 1 entries, got 2"),
    ("network.layer_sizes", [2], "expected 2 to 34 entries, got 1"),
    ("network.activations", ["sigmoid"], "expected 2 entries, got 1"),
    ("history.test_loss", [None], "expected 2 entries, got 1"),
    ("history.train_accuracy", [0.5], "expected 2 entries, got 1"),
    ("history.test_accuracy", [None, None, 0.5], "expected 2 entries, got 3"),
    ("history.train_accuracy", "0.5", 'expected a list, got "0.5"'),
    # accuracies are fractions, as the losses are numbers
    ("history.train_accuracy[1]", 1.5, "must be from 0 to 1, got 1.5"),
    ("history.test_accuracy[1]", -0.25, "must be from 0 to 1, got -0.25"),
    ("history.train_accuracy[0]", "high", 'expected a number, got "high"'),
    ("history.test_accuracy[0]", False, "expected a number, got false"),
    ("history.train_loss[1]", None, "expected a number, got null"),
    ("history.test_loss[0]", True, "expected a number, got true"),
    ("dataset.train.x", [], "expected 1 to 100000 entries, got 0"),
    # unknown names
    (
        "network.activations[0]",
        "swish",
        'expected one of sigmoid, tanh, relu, leaky_relu, linear, softmax; got "swish"',
    ),
    ("network.loss", "hinge", 'expected one of mse, bce, ce, se; got "hinge"'),
    ("network.init", "zeros", 'got "zeros"'),
    ("network.dtype", "float16", 'got "float16"'),
    ("dataset.kind", "ranking", 'expected one of binary, multiclass, regression; got "ranking"'),
    ("dataset.spec.name", "mnist", 'got "mnist"'),
    # the dataset must fit the network
    ("dataset.train.x[1]", [0.0, 1.0, 2.0], "has 3 values but the network has 2 inputs"),
    ("dataset.train.t[3]", [0.0, 1.0], "has 2 values but the network has 1 output"),
    # missing pieces
    ("network.weights", DELETE, "missing"),
    ("network", DELETE, "missing"),
    ("format", DELETE, 'expected "bpnet", got null'),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_FIELDS)
def test_bad_fields_are_named(field, value, message):
    error = rejected(set_at(small_json(), field, value))
    assert error.field == field
    assert message in error.message
    assert str(error) == f"{field}: {error.message}"


# Settings that are each fine alone but impossible together are reported on their object.
BAD_COMBINATIONS = [
    ("network.activations[0]", "softmax", "network", "softmax can only be used on the output"),
    ("network.loss", "ce", "network", "cross-entropy (ce) needs a softmax output layer"),
]


# A training setting out of range names itself, not just "training".
BAD_TRAINING = [
    ("training.optimizer", "rmsprop", "unknown optimiser 'rmsprop'"),
    ("training.regularization", "l3", "unknown regularisation 'l3'"),
    ("training.learning_rate", -1.0, "learning rate must be a positive number"),
    ("training.learning_rate", 0, "learning rate must be a positive number"),
    ("training.momentum", 1.5, "momentum must be below 1, got 1.5"),
    ("training.momentum", -0.5, "momentum must be a number ≥ 0.0"),
    ("training.reg_rate", -0.01, "reg rate must be a number ≥ 0.0"),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_TRAINING)
def test_training_settings_out_of_range_name_the_exact_field(field, value, message):
    error = rejected(set_at(small_json(), field, value))
    assert error.field == field
    assert message in error.message


@pytest.mark.parametrize(("path", "value", "field", "message"), BAD_COMBINATIONS)
def test_impossible_settings_are_named_by_their_object(path, value, field, message):
    error = rejected(set_at(small_json(), path, value))
    assert error.field == field
    assert message in error.message


@pytest.mark.parametrize(
    ("value", "message"),
    [("json", 'expected "bpnet", got "json" (not a bpdesk file?)'), (1, "got 1")],
)
def test_wrong_format_tag(value, message):
    error = rejected(set_at(small_json(), "format", value))
    assert error.field == "format"
    assert message in error.message


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (5, "written by a newer bpdesk (format 5); this one reads up to 4"),
        (99, "format 99"),
        (0, "must be ≥ 1, got 0"),
        ("1", 'expected a whole number, got "1"'),
        (1.0, "expected a whole number, got 1.0"),
    ],
)
def test_wrong_version(value, message):
    error = rejected(set_at(small_json(), "version", value))
    assert error.field == "version"
    assert message in error.message


def test_a_file_that_is_not_an_object():
    error = rejected([1, 2, 3])
    assert error.field == ""
    assert "expected an object, got a list" in error.message


def test_corrupt_json_names_line_and_column():
    error = rejected(None, text='{"format": "bpnet",\n  "version": 1,, }')
    assert error.field == ""
    assert error.message == (
        "not valid JSON at line 2, column 16: Expecting property name enclosed in double quotes"
    )


@pytest.mark.parametrize("fraction", [0.5, 0.25, 0.9, 0.999])
def test_a_truncated_file_is_reported_as_truncated(tmp_path, fraction):
    path = tmp_path / "full.bpnet"
    save_bpnet(full_document(), path)
    raw = path.read_bytes()
    cut = tmp_path / "cut.bpnet"
    cut.write_bytes(raw[: int(len(raw) * fraction)])
    with pytest.raises(FileFormatError, match=r"^the file ends too early \(is it truncated\?\)$"):
        load_bpnet(cut)


def test_every_cut_of_a_file_is_reported_as_truncated():
    # Wherever the cut falls (inside a number, a string, a keyword, between
    # tokens) the message is the same, and never a confusing "expected ','".
    text = bpnet.dumps(BpnetDocument(Network.create([2, 2, 1], seed=3), xor()))
    for end in range(1, len(text)):
        with pytest.raises(FileFormatError) as info:
            bpnet.loads(text[:end])
        message = info.value.message
        if message != "the file ends too early (is it truncated?)":
            # Only a cut that leaves valid JSON may fail later, on a field.
            json.loads(text[:end])


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_tokens_are_refused(token):
    text = json.dumps(set_at(small_json(), "network.weights[0][0][0]", 12345.5))
    assert text.count("12345.5") == 1
    error = rejected(None, text=text.replace("12345.5", token))
    assert error.message == f"{token} is not allowed in a bpdesk file (numbers must be finite)"


@pytest.mark.parametrize(
    "field",
    [
        "network.weights[0][0][0]",
        "network.biases[1][0]",
        "training.learning_rate",
        "history.train_loss[1]",
        "history.test_accuracy[1]",
        "dataset.train.x[2][1]",
    ],
)
@pytest.mark.parametrize("number", ["1e999", "-1e999", "1" + "0" * 400])
def test_numbers_that_overflow_are_refused(field, number):
    # 1e999 parses to inf, and a 401-digit integer does not fit a float either.
    text = json.dumps(set_at(small_json(), field, 12345.5)).replace("12345.5", number)
    error = rejected(None, text=text)
    assert error.field == field
    assert error.message == "expected a finite number"


def test_an_integer_too_long_for_python_to_parse_is_refused():
    # Python refuses to turn more than 4,300 digits into an int (a denial-of-service guard).
    text = json.dumps(set_at(small_json(), "network.seed", 12345))
    error = rejected(None, text=text.replace("12345", "9" * 5000))
    assert error.message == "the file holds a number too long to read"


def test_deep_nesting_is_refused():
    error = rejected(None, text="[" * 100_000 + "]" * 100_000)
    assert "nested too deeply" in error.message


def test_oversized_files_are_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "big.bpnet"
    save_bpnet(full_document(), path)
    monkeypatch.setattr(bpnet, "MAX_FILE_BYTES", 1000)
    with pytest.raises(FileFormatError, match=r"^the file is .* MB; the limit is"):
        load_bpnet(path)
    with pytest.raises(FileFormatError, match=r"^the file is larger than"):
        bpnet.loads(path.read_text(encoding="utf-8"))


def test_too_many_parameters_are_refused_before_the_weights_are_read():
    data = set_at(small_json(), "network.layer_sizes", [2, 4096, 4096, 1])
    data = set_at(data, "network.activations", ["sigmoid"] * 3)
    error = rejected(data)
    assert error.field == "network.layer_sizes"
    assert error.message == "16797697 parameters; the limit is 5000000"


def test_missing_file_non_utf8_and_folder(tmp_path):
    with pytest.raises(FileFormatError, match=r"^cannot read '.*nope\.bpnet': No such file"):
        load_bpnet(tmp_path / "nope.bpnet")
    latin = tmp_path / "latin.bpnet"
    latin.write_bytes('{"format": "bpnet", "title": "Größe"}'.encode("latin-1"))
    with pytest.raises(FileFormatError, match=r"not UTF-8 text"):
        load_bpnet(latin)
    with pytest.raises(FileFormatError, match=r"^cannot read .*: it is a folder, not a file$"):
        load_bpnet(tmp_path)


def test_unknown_keys_and_class_like_keys_do_nothing():
    # The file is plain JSON read into dicts: no key can name a class or run code.
    data = small_json()
    data["__class__"] = "os.system"
    data["__reduce__"] = ["os.system", ["echo pwned"]]
    data["network"]["__class__"] = {"py/object": "subprocess.Popen"}
    data["training"]["__init__"] = "rm -rf /"
    data["view"]["!!python/object"] = "x"
    doc = bpnet.from_json(data)
    assert type(doc.network) is Network
    assert type(doc.training) is TrainConfig
    assert doc.network.layer_sizes == (2, 4, 1)
    assert not hasattr(doc.training, "__init___")


def test_a_file_from_a_newer_bpdesk_with_extra_training_settings_still_loads():
    data = set_at(small_json(), "training.warmup_epochs", 10)
    assert bpnet.from_json(data).training == TrainConfig()


# -- accuracy history -------------------------------------------------------------------


def test_accuracies_round_trip_with_the_losses(tmp_path):
    history = LossHistory([0.7, 0.5, 0.25], [0.8, None, 0.3], [0.5, 0.75, 1.0], [0.25, None, 0])
    doc = BpnetDocument(Network.create([2, 4, 1]), xor(), history=history)
    loaded = round_trip(doc, tmp_path)
    assert loaded.history == history
    assert loaded.history.train_accuracy == [0.5, 0.75, 1.0]
    assert loaded.history.test_accuracy == [0.25, None, 0.0]


def test_a_file_without_accuracies_is_written_as_before_and_reads_them_as_none(tmp_path):
    # Regression runs have no accuracy, and neither do files of earlier bpdesk:
    # such a file is byte for byte what earlier versions wrote.
    doc = BpnetDocument(Network.create([2, 1]), history=LossHistory([0.5, 0.25], [None, 0.125]))
    data = bpnet.to_json(doc)
    assert list(data["history"]) == ["train_loss", "test_loss"]
    loaded = round_trip(doc, tmp_path)
    assert loaded.history.train_accuracy == [None, None]
    assert loaded.history.test_accuracy == [None, None]


def test_a_long_history_with_a_bad_entry_deep_inside_names_it():
    data = small_json()
    n = 5000
    data["history"] = {
        "train_loss": [0.5] * n,
        "test_loss": [None] * n,
        "train_accuracy": [0.25] * n,
    }
    assert bpnet.from_json(data).history.epochs == n
    for series, k, value, message in [
        ("train_loss", 4321, "x", 'expected a number, got "x"'),
        ("test_loss", 4999, True, "expected a number, got true"),
        ("train_accuracy", 17, 1.0000001, "must be from 0 to 1"),
        ("train_accuracy", 3000, 10**400, "expected a finite number"),
    ]:
        error = rejected(set_at(data, f"history.{series}[{k}]", value))
        assert error.field == f"history.{series}[{k}]"
        assert message in error.message


# -- float32 networks -------------------------------------------------------------------


@pytest.mark.parametrize(
    "field",
    [
        "network.weights[0][0][0]",
        "network.weights[1][3][0]",
        "network.biases[0][2]",
        "dataset.train.x[1][0]",
        "dataset.test.x[0][1]",
    ],
)
@pytest.mark.parametrize("value", [1e300, -3.5e38])
def test_numbers_a_float32_network_cannot_hold_are_refused(field, value):
    data = small_json()
    data["network"]["dtype"] = "float32"
    data["dataset"]["test"] = {"x": [[0.0, 1.0]], "t": [[1.0]]}
    error = rejected(set_at(data, field, value))
    assert error.field == field
    assert error.message == (
        f"{value:g} is too large for a float32 network (at most ±3.402823e+38)"
    )


def test_the_largest_float32_still_loads_and_a_float64_network_takes_1e300():
    data = set_at(small_json(), "network.dtype", "float32")
    biggest = float(np.finfo(np.float32).max)
    net = bpnet.from_json(set_at(data, "network.weights[0][0][0]", -biggest)).network
    assert net.weights[0][0, 0] == -np.finfo(np.float32).max
    net = bpnet.from_json(set_at(small_json(), "network.weights[0][0][0]", 1e300)).network
    assert net.weights[0][0, 0] == 1e300


# -- size limits: what save writes, load opens -------------------------------------------


def test_the_largest_network_and_history_fit_the_file_limit():
    # No float takes more than NUMBER_CHARS - 1 characters in the file.
    longest = max(len(json.dumps(v)) for v in [*AWKWARD, -2.2250738585072014e-308, -1 / 3e-300])
    assert longest < bpnet.NUMBER_CHARS
    network = bpnet.MAX_PARAMETERS * bpnet.NUMBER_CHARS
    history = len(bpnet.HISTORY_SERIES) * bpnet.HISTORY_POINTS * bpnet.NUMBER_CHARS
    assert network + history + 16 * 2**20 < bpnet.MAX_FILE_BYTES
    assert bpnet.HISTORY_POINTS <= bpnet.MAX_HISTORY_ENTRIES
    # The editor shows layers as wide as a CSV import's inputs.
    assert EDITOR_MAX_NEURONS <= MAX_FEATURES
    # Since it draws big layers as blocks, the window can hold more than a file does
    # (100,000 rows of 1,024 pixels; saving that is refused with its size, see
    # check_savable). What it held when it drew every neuron (64 a layer) still fits:
    # the largest such data, the history and a network of 16 hidden layers of 64.
    drawn = 64
    data = MAX_SAMPLES * (drawn + MAX_CLASSES) * bpnet.NUMBER_CHARS
    editor_network = (MAX_HIDDEN_LAYERS + 1) * (drawn + 1) * drawn
    assert data + history + editor_network * bpnet.NUMBER_CHARS < bpnet.MAX_FILE_BYTES
    # And the digits' networks, up to a 784-128-64-10 one, fit the file's parameters.
    assert bpnet.MAX_PARAMETERS >= 785 * 128 + 129 * 64 + 65 * 10


def long_history(n: int) -> LossHistory:
    k = np.arange(1, n + 1)
    return LossHistory(
        (1.0 / k).tolist(),
        [None if e % 3 else 2.0 / e for e in k.tolist()],
        (k / n).tolist(),
        [None] * n,
    )


def test_a_history_longer_than_the_file_keeps_is_thinned_and_versioned(tmp_path, monkeypatch):
    monkeypatch.setattr(bpnet, "HISTORY_POINTS", 10)
    history = long_history(25)
    doc = BpnetDocument(Network.create([2, 4, 1]), xor(), history=history)
    path = tmp_path / "long.bpnet"
    save_bpnet(doc, path)
    data = json.loads(path.read_text(encoding="utf-8"))
    # Format 2, so that an older bpdesk refuses it rather than take 9 entries for 9 epochs.
    assert data["version"] == 2
    saved = data["history"]
    assert (saved["every"], saved["epochs"]) == (3, 25)
    # Epochs 3, 6, …, 24, and always the last one, 25.
    assert saved["train_loss"] == [1 / e for e in [3, 6, 9, 12, 15, 18, 21, 24, 25]]
    assert saved["test_loss"][:2] == [2 / 3, 2 / 6]
    assert "test_accuracy" not in saved  # none recorded
    loaded = load_bpnet(path).history
    # Kept thinned (what a file costs in memory is bounded by its size) ...
    assert (loaded.every, loaded.epochs) == (3, 25)
    assert loaded.train_loss == saved["train_loss"]
    assert loaded.test_accuracy == [None] * 9
    # ... and each kept figure stands for the epochs up to it, per epoch again.
    rows = loaded.per_epoch()
    assert rows.shape == (4, 25)
    assert rows[0, :4].tolist() == [1 / 3, 1 / 3, 1 / 3, 1 / 6]
    assert rows[0, -1] == history.train_loss[-1]
    assert rows[2, -1] == 1.0
    assert np.isnan(rows[3]).all()


def test_a_history_that_fits_is_kept_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(bpnet, "HISTORY_POINTS", 25)
    history = long_history(25)
    loaded = round_trip(BpnetDocument(Network.create([2, 4, 1]), xor(), history=history), tmp_path)
    assert loaded.history == history
    assert "every" not in bpnet.to_json(BpnetDocument(Network.create([2, 1]), history=history))


BAD_THINNED = [
    ("history.every", 0, "must be from 1 to"),
    ("history.every", "3", 'expected a whole number, got "3"'),
    ("history.epochs", DELETE, "expected a whole number, got null"),
    ("history.epochs", 26, "expected 9 entries (26 epochs, one every 3), got 10"),
    ("history.epochs", 2**63, "must be from 0 to 9223372036854775807"),
    ("history.every", 2**63, "must be from 1 to 9223372036854775807"),
    ("history.test_loss", [None] * 9, "expected 10 entries, got 9"),
    ("history.train_loss[9]", "x", 'expected a number, got "x"'),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_THINNED)
def test_a_bad_thinned_history_is_named(field, value, message):
    data = small_json()
    data["version"] = 2
    data["history"] = {"every": 3, "epochs": 28, "train_loss": [0.5] * 10, "test_loss": [None] * 10}
    assert bpnet.from_json(data).history.epochs == 28
    error = rejected(set_at(data, field, value))
    if field == "history.epochs" and value == 26:
        field = "history.train_loss"
    assert error.field == field
    assert message in error.message


def test_save_refuses_a_file_load_would_refuse_and_writes_nothing(tmp_path, monkeypatch):
    path = tmp_path / "keep.bpnet"
    save_bpnet(BpnetDocument(Network.create([2, 4, 1], seed=1)), path)
    before = path.read_bytes()
    big = full_document()
    size = len(bpnet.dumps(big))
    monkeypatch.setattr(bpnet, "MAX_FILE_BYTES", size - 1)
    with pytest.raises(BpdeskError, match=r"^the file would be .* MB; a bpdesk file holds at most"):
        save_bpnet(big, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["keep.bpnet"]
    monkeypatch.setattr(bpnet, "MAX_FILE_BYTES", size)
    save_bpnet(big, path)  # exactly at the limit: saved, and it opens
    assert load_bpnet(path).history.epochs == 4


def test_a_non_finite_weight_is_named_when_saving(tmp_path):
    net = Network.create([2, 4, 1], seed=1)
    net.weights[1][2, 0] = np.inf
    with pytest.raises(FileFormatError) as info:
        save_bpnet(BpnetDocument(net), tmp_path / "x.bpnet")
    assert info.value.field == "network.weights[1][2][0]"
    assert not list(tmp_path.iterdir())


def test_a_network_without_biases_round_trips_and_is_checked():
    from bpdesk.core.landscape import single_weight_dataset, single_weight_network

    doc = BpnetDocument(single_weight_network(0.75), single_weight_dataset())
    text = bpnet.dumps(doc)
    data = json.loads(text)
    assert data["network"]["bias"] is False
    assert data["version"] == 2  # an older reader would train the biases: it must refuse
    back = bpnet.loads(text)
    assert not back.network.has_bias
    assert back.network.n_parameters == 1
    assert back.network.weights[0][0, 0] == 0.75
    data["network"]["biases"] = [[0.5]]
    with pytest.raises(FileFormatError, match=r"network\.biases\[0\]"):
        bpnet.loads(json.dumps(data))
    data["network"]["biases"] = [[0.0]]
    data["network"]["bias"] = "no"
    with pytest.raises(FileFormatError, match=r"network\.bias"):
        bpnet.loads(json.dumps(data))
    # A network with biases is written as before: no "bias" key, version 1.
    plain = json.loads(bpnet.dumps(BpnetDocument(Network.create([2, 2, 1]), None)))
    assert "bias" not in plain["network"]
    assert plain["version"] == 1


# -- hostile files and long runs (issue 13) ------------------------------------------------


@posix_only
@pytest.mark.parametrize(("kind", "message"), SPECIAL, ids=SPECIAL_IDS)
def test_a_special_file_given_as_a_bpnet_file_is_refused_at_once(special, kind, message):
    # A link to /dev/zero used to be read without end, a named pipe waited on forever.
    path = special(kind)
    error = finishes(lambda: load_bpnet(path))
    assert isinstance(error, FileFormatError)
    assert str(error) == f"cannot read {str(path)!r}: {message}"


@pytest.mark.parametrize("size", [bpnet.MAX_BATCH_SIZE + 1, 2**31 - 1, 2**31, 2**63 - 1, 2**70])
def test_a_batch_size_the_window_cannot_show_is_refused_naming_why(size):
    # 2**31 and more overflowed the Data panel's spin box (OverflowError in the window).
    error = rejected(set_at(small_json(), "training.batch_size", size))
    assert error.field == "training.batch_size"
    assert error.message == (
        f"must be from 0 to {bpnet.MAX_BATCH_SIZE}, got {size}: no dataset has more than "
        f"{MAX_SAMPLES} examples (0 trains on all of them at once)"
    )


def test_the_largest_batch_size_still_loads():
    data = set_at(small_json(), "training.batch_size", bpnet.MAX_BATCH_SIZE)
    assert bpnet.from_json(data).training.batch_size == bpnet.MAX_BATCH_SIZE


def no_bias_json(selected) -> dict:
    from bpdesk.core.landscape import single_weight_dataset, single_weight_network

    view = ViewState("backward", selected, 0)
    return bpnet.to_json(
        BpnetDocument(single_weight_network(0.75), single_weight_dataset(), view=view)
    )


def test_a_selected_bias_in_a_network_without_biases_is_refused():
    # The window raised IndexError five times drawing the selection of a bias that is not there.
    assert bpnet.from_json(no_bias_json((0, 0, 0))).view.selected == (0, 0, 0)
    data = set_at(no_bias_json((0, 0, 0)), "view.selected.i", None)
    error = rejected(data)
    assert error.field == "view.selected.i"
    assert error.message == "null selects a bias, but this network has none (network.bias is false)"
    data = set_at(no_bias_json((0, 0, 0)), "view.selected.i", DELETE)  # a missing i is a bias too
    assert rejected(data).field == "view.selected.i"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("view.selected.layer", -1, "must be from 0 to 0, got -1"),
        ("view.selected.layer", 1, "must be from 0 to 0, got 1"),
        ("view.selected.i", 1, "must be from 0 to 0, got 1"),
        ("view.selected.j", 2**40, "must be from 0 to 0, got 1099511627776"),
        ("view.sample", 1, "must be from 0 to 0, got 1"),
        ("view.sample", -1, "must be from 0 to 0, got -1"),
    ],
)
def test_a_view_out_of_range_of_a_network_without_biases_is_named(field, value, message):
    error = rejected(set_at(no_bias_json((0, 0, 0)), field, value))
    assert (error.field, error.message) == (field, message)


def test_a_history_of_any_length_loads_in_memory_bounded_by_the_file():
    # 10**15 epochs in three entries: read back as three entries, never stretched.
    data = small_json()
    data["version"] = 2
    data["history"] = {"every": 4 * 10**14, "epochs": 10**15, "train_loss": [0.5, 0.25, 0.125]}
    history = bpnet.from_json(data).history
    assert (history.epochs, history.every, history.train_loss) == (
        10**15,
        4 * 10**14,
        [0.5, 0.25, 0.125],
    )
    assert history.test_loss == [None] * 3


def test_a_thinned_history_is_thinned_again_when_saved_with_fewer_points():
    history = LossHistory([0.5, 0.4, 0.3, 0.2, 0.1], every=3, span=14)  # epochs 3, 6, 9, 12, 14
    saved = bpnet.to_json(BpnetDocument(Network.create([2, 1]), history=history), 2)["history"]
    assert (saved["every"], saved["epochs"], saved["train_loss"]) == (9, 14, [0.3, 0.1])


@pytest.mark.slow
def test_a_ten_million_epoch_history_saves_and_opens_within_the_file_limit(tmp_path):
    from bpdesk.core.history import LossRecord

    # One epoch past the old limit: autosave, Save and bpdesk train --save all failed here.
    n = 10_000_001
    record = LossRecord(n)
    rows = np.full((4, n), np.nan)
    rows[0] = 1.0 / np.arange(1, n + 1)
    rows[2] = np.linspace(0.5, 1.0, n)
    record.extend(rows)
    del rows
    doc = BpnetDocument(Network.create([2, 4, 1]), xor(), history=record.to_history())
    path = tmp_path / "long.bpnet"
    save_bpnet(doc, path)
    assert path.stat().st_size < bpnet.MAX_FILE_BYTES
    assert json.loads(path.read_text())["version"] == 2
    loaded = load_bpnet(path).history
    assert loaded.epochs == n
    assert len(loaded.train_loss) <= bpnet.HISTORY_POINTS
    back = LossRecord.from_history(loaded)
    assert len(back) == n
    every = loaded.every
    for epoch in (every, 2 * every, n - n % every, n):  # kept exactly, the last one too
        # Both records are thinned (bounded memory): each row says its epoch.
        mine, theirs = back.row_of(epoch, exact=True), record.row_of(epoch, exact=True)
        assert mine >= 0
        assert theirs >= 0
        assert back.train_loss[mine] == record.train_loss[theirs] == 1.0 / epoch
        assert back.train_accuracy[mine] == record.train_accuracy[theirs]
    assert np.isnan(back.test_loss).all()
