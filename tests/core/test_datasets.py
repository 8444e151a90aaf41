"""Datasets: the explainer's XOR exactly, and every seeded generator's kind, shapes and settings."""

import json
import math
from dataclasses import asdict

import numpy as np
import pytest

from bpdesk.core import DATASET_NAMES, Dataset, DatasetError, make_dataset, xor
from bpdesk.core.datasets import GENERATORS, MAX_SAMPLES, check_spec

# Made by a generator from the settings (XOR and the shipped digits are fixed points).
GENERATED = [name for name in DATASET_NAMES if GENERATORS[name].make is not None]
KIND = {
    "circle": "binary",
    "xor-cloud": "binary",
    "gauss": "binary",
    "spiral": "binary",
    "moons": "binary",
    "blobs": "multiclass",
    "reg-plane": "regression",
    "reg-gauss": "regression",
}


def all_points(data: Dataset) -> tuple[np.ndarray, np.ndarray]:
    return np.vstack([data.X_train, data.X_test]), np.vstack([data.T_train, data.T_test])


# -- XOR --------------------------------------------------------------------------


@pytest.mark.parametrize("build", [xor, lambda: make_dataset("xor")], ids=["xor()", "make"])
def test_xor_is_the_explainers_four_points_all_for_training(build):
    data = build()
    assert data.kind == "binary"
    assert data.name == "xor"
    np.testing.assert_array_equal(data.X_train, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(data.T_train, [[0], [1], [1], [0]])
    assert data.X_train.dtype == data.T_train.dtype == np.float64
    assert (data.n_train, data.n_test) == (4, 0)
    assert data.X_test.shape == (0, 2)
    assert data.T_test.shape == (0, 1)
    assert (data.n_inputs, data.n_outputs) == (2, 1)
    assert data.suggested_output() == ("sigmoid", "mse")


def test_xor_cannot_be_corrupted_through_a_previous_dataset():
    # Every xor() shares the module's constants: none of them may be writable.
    first = xor()
    with pytest.raises(ValueError, match="read-only"):
        first.X_train[0, 0] = 5.0
    from bpdesk.core import datasets

    with pytest.raises(ValueError, match="read-only"):
        datasets.XOR_T[0, 0] = 1.0
    np.testing.assert_array_equal(xor().T_train[:, 0], [0, 1, 1, 0])


# -- every generator ---------------------------------------------------------------


def test_every_registered_name_is_tested():
    assert set(DATASET_NAMES) == {"xor", "digits", *KIND}  # digits: tests/core/test_digits.py
    assert set(GENERATORS) == set(DATASET_NAMES)


@pytest.mark.parametrize("name", GENERATED)
def test_generator_kind_shapes_and_split(name):
    data = make_dataset(name, n_samples=100, noise=0.1, test_ratio=0.25, seed=3)
    assert data.kind == KIND[name]
    assert data.name == name
    assert data.spec.n_samples == 100
    assert (data.n_train, data.n_test) == (75, 25)
    assert data.X_train.shape == (75, 2)
    assert data.X_test.shape == (25, 2)
    width = 3 if data.kind == "multiclass" else 1
    assert data.T_train.shape == (75, width)
    assert data.T_test.shape == (25, width)
    X, _ = all_points(data)
    assert np.all(np.isfinite(X))
    # Generated problems live in roughly [-1, 1]² so that sigmoid and tanh start unsaturated.
    assert np.abs(X).max() < 2.5


@pytest.mark.parametrize("name", [n for n in GENERATED if KIND[n] == "binary"])
def test_binary_targets_are_one_column_of_zeros_and_ones_with_both_classes(name):
    data = make_dataset(name, n_samples=200, seed=1)
    _, T = all_points(data)
    assert set(np.unique(T)) == {0.0, 1.0}
    if name == "xor-cloud":
        # Labels follow uniformly drawn quadrants: balanced only roughly.
        assert 80 <= T.sum() <= 120
    else:
        # These generators make exactly half of the points of each class.
        assert T.sum() == 100
    assert data.suggested_output() == ("sigmoid", "mse")


@pytest.mark.parametrize("n_classes", [3, 5, 8])
def test_blobs_are_one_hot_with_the_asked_number_of_classes(n_classes):
    data = make_dataset("blobs", n_samples=80, n_classes=n_classes, seed=2)
    _, T = all_points(data)
    assert T.shape == (80, n_classes)
    assert set(np.unique(T)) == {0.0, 1.0}
    np.testing.assert_array_equal(T.sum(axis=1), np.ones(80))
    # Every class is present, in equal numbers up to one.
    counts = T.sum(axis=0)
    assert counts.min() >= 80 // n_classes
    assert data.suggested_output() == ("softmax", "ce")
    np.testing.assert_array_equal(data.labels(data.T_train), np.argmax(data.T_train, axis=1))


@pytest.mark.parametrize("name", ["reg-plane", "reg-gauss"])
def test_regression_targets_are_one_column_of_real_values(name):
    data = make_dataset(name, n_samples=200, seed=4)
    _, T = all_points(data)
    assert T.shape == (200, 1)
    assert len(np.unique(T)) > 150  # real values, not labels
    assert not np.all(np.round(T) == T)
    assert data.suggested_output() == ("linear", "mse")


def test_reg_plane_without_noise_is_exactly_the_plane():
    data = make_dataset("reg-plane", n_samples=50, noise=0.0, seed=0)
    X, T = all_points(data)
    np.testing.assert_allclose(T[:, 0], (X[:, 0] + X[:, 1]) / 2, rtol=0, atol=1e-15)


def test_circle_without_noise_has_the_disc_inside_the_ring():
    X, T = all_points(make_dataset("circle", n_samples=200, noise=0.0, seed=0))
    r = np.hypot(X[:, 0], X[:, 1])
    inside = T[:, 0] == 1
    assert r[inside].max() <= 0.5
    assert r[~inside].min() >= 0.7
    assert r[~inside].max() <= 1.0


def test_xor_cloud_without_noise_labels_by_the_signs():
    X, T = all_points(make_dataset("xor-cloud", n_samples=200, noise=0.0, seed=0))
    np.testing.assert_array_equal(T[:, 0], (X[:, 0] * X[:, 1] < 0).astype(float))


@pytest.mark.parametrize("name", GENERATED)
def test_noise_is_honoured(name):
    quiet = make_dataset(name, n_samples=100, noise=0.0, seed=5)
    noisy = make_dataset(name, n_samples=100, noise=0.5, seed=5)
    assert quiet.spec.noise == 0.0
    assert noisy.spec.noise == 0.5
    assert not quiet.same_data(noisy)
    X0, T0 = all_points(quiet)
    X1, T1 = all_points(noisy)
    if KIND[name] == "regression":
        # Regression noise goes into the targets.
        assert not np.array_equal(T0, T1)
    else:
        assert not np.array_equal(X0, X1)


@pytest.mark.parametrize("name", GENERATED)
def test_more_noise_moves_points_further(name):
    # Same seed, same draws: only the noise's scale differs, so the change grows with it.
    base, little, lots = (
        all_points(make_dataset(name, n_samples=200, noise=v, seed=9)) for v in (0.0, 0.1, 0.8)
    )
    column = 1 if KIND[name] == "regression" else 0
    small = np.abs(little[column] - base[column]).mean()
    large = np.abs(lots[column] - base[column]).mean()
    assert 0 < small < large


@pytest.mark.parametrize("name", GENERATED)
def test_same_seed_gives_identical_arrays_bit_for_bit(name):
    a = make_dataset(name, n_samples=60, noise=0.3, test_ratio=0.2, seed=42)
    b = make_dataset(name, n_samples=60, noise=0.3, test_ratio=0.2, seed=42)
    for field in ("X_train", "T_train", "X_test", "T_test"):
        assert getattr(a, field).tobytes() == getattr(b, field).tobytes(), field
    assert a.same_data(b)


@pytest.mark.parametrize("name", GENERATED)
def test_different_seeds_give_different_data(name):
    a = make_dataset(name, n_samples=60, seed=1)
    b = make_dataset(name, n_samples=60, seed=2)
    assert not np.array_equal(a.X_train, b.X_train)


@pytest.mark.parametrize(
    ("n", "ratio", "n_test"), [(100, 0.0, 0), (100, 0.3, 30), (10, 0.5, 5), (4, 0.9, 3)]
)
def test_test_ratio_sets_the_sizes_and_keeps_every_point(n, ratio, n_test):
    data = make_dataset("moons", n_samples=n, test_ratio=ratio, seed=0)
    assert (data.n_train, data.n_test) == (n - n_test, n_test)
    # The split is a shuffle of the same points: nothing lost, nothing repeated.
    split = all_points(data)[0]
    whole = all_points(make_dataset("moons", n_samples=n, test_ratio=0.0, seed=0))[0]
    assert sorted(map(tuple, split)) == sorted(map(tuple, whole))


def test_test_set_without_a_test_ratio_is_empty_with_the_right_columns():
    data = make_dataset("blobs", n_samples=30, test_ratio=0.0, n_classes=4)
    assert data.X_test.shape == (0, 2)
    assert data.T_test.shape == (0, 4)


# -- arrays are read-only copies --------------------------------------------------


@pytest.mark.parametrize("field", ["X_train", "T_train", "X_test", "T_test"])
def test_generated_arrays_are_read_only(field):
    data = make_dataset("gauss", n_samples=20, test_ratio=0.5)
    array = getattr(data, field)
    assert not array.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        array[0, 0] = 1.0


def test_dataset_copies_the_arrays_it_is_given():
    X = np.array([[0.0, 1.0], [2.0, 3.0]])
    T = np.array([[0.0], [1.0]])
    data = Dataset("binary", X, T, X[:1], T[:1])
    X[0, 0] = 99.0
    T[1, 0] = 0.0
    assert data.X_train[0, 0] == 0.0
    assert data.T_train[1, 0] == 1.0
    assert data.X_test[0, 0] == 0.0
    assert not np.shares_memory(data.X_train, X)
    # The caller's arrays stay writable: only the dataset's own copies are frozen.
    assert X.flags.writeable


def test_only_arrays_handed_over_frozen_are_kept_without_a_copy():
    from bpdesk.core.datasets import handed_over

    X = np.array([[0.0, 1.0], [2.0, 3.0]], dtype=np.float32)
    T = np.array([[0.0], [1.0]])
    X.flags.writeable = False
    copied = Dataset("binary", X, T, X[:0], T[:0]).X_train
    assert not np.shares_memory(copied, X)
    assert copied.dtype == np.float64  # float32 inputs stay so only when handed over
    with handed_over():
        kept = Dataset("binary", X, T, X[:0], T[:0])
        writable = np.ones((2, 2))
        copied = Dataset("binary", writable, T, writable[:0], T[:0])
    assert kept.X_train is X
    assert kept.X_train.dtype == np.float32
    assert not np.shares_memory(copied.X_train, writable)
    # A frozen view of someone's writable array is copied too: they could still write.
    base = np.ones((2, 2))
    view = base[:]
    view.flags.writeable = False
    with handed_over():
        assert not np.shares_memory(Dataset("binary", view, T, view[:0], T[:0]).X_train, base)


def test_with_points_keeps_the_test_set_and_copies():
    data = make_dataset("circle", n_samples=20, test_ratio=0.25)
    X = np.zeros((3, 2))
    changed = data.with_points(X, np.ones((3, 1)))
    assert changed.n_train == 3
    np.testing.assert_array_equal(changed.X_test, data.X_test)
    X[0, 0] = 1.0
    assert changed.X_train[0, 0] == 0.0
    assert not changed.X_train.flags.writeable


# -- bad settings ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["nope", "XOR", "", 3, None, ["xor"]])
def test_unknown_name_is_refused_with_the_choices(name):
    with pytest.raises(DatasetError, match=r"unknown dataset .*choose from: xor circle"):
        make_dataset(name)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"n_samples": -1}, r"number of samples must be a whole number from 4 to 100000, got -1"),
        ({"n_samples": 0}, r"number of samples .* got 0"),
        ({"n_samples": 3}, r"number of samples .* got 3"),
        ({"n_samples": MAX_SAMPLES + 1}, r"number of samples .* got 100001"),
        ({"n_samples": 10**12}, r"number of samples"),
        ({"n_samples": True}, r"number of samples .* got True"),
        ({"n_samples": 50.0}, r"number of samples .* got 50.0"),
        ({"n_samples": "50"}, r"number of samples .* got '50'"),
        ({"noise": math.nan}, r"noise must be a finite number, got nan"),
        ({"noise": math.inf}, r"noise must be a finite number"),
        ({"noise": 10**400}, r"noise must be a finite number"),
        ({"noise": -0.1}, r"noise must be between 0.0 and 1.0, got -0.1"),
        ({"noise": 1.5}, r"noise must be between 0.0 and 1.0, got 1.5"),
        ({"noise": True}, r"noise must be a number, got True"),
        ({"noise": "0.1"}, r"noise must be a number, got '0.1'"),
        ({"noise": None}, r"noise must be a number, got None"),
        ({"test_ratio": -0.1}, r"test ratio must be between 0.0 and 0.9, got -0.1"),
        ({"test_ratio": 0.95}, r"test ratio must be between 0.0 and 0.9, got 0.95"),
        ({"test_ratio": 1}, r"test ratio must be between"),
        ({"test_ratio": math.nan}, r"test ratio must be a finite number"),
        ({"test_ratio": False}, r"test ratio must be a number, got False"),
        ({"seed": -1}, r"seed must be a whole number from 0 to \d+, got -1"),
        ({"seed": 2**63}, r"seed must be a whole number"),
        ({"seed": True}, r"seed must be a whole number .* got True"),
        ({"seed": 1.0}, r"seed must be a whole number"),
        ({"n_classes": 2}, r"number of classes must be a whole number from 3 to 8, got 2"),
        ({"n_classes": 9}, r"number of classes .* got 9"),
        ({"n_classes": True}, r"number of classes .* got True"),
    ],
)
@pytest.mark.parametrize("name", ["spiral", "blobs", "reg-gauss"])
def test_bad_settings_are_refused_with_a_clear_message(name, settings, message):
    with pytest.raises(DatasetError, match=message):
        make_dataset(name, **settings)


def test_numpy_numbers_are_accepted_and_stored_as_plain_python_numbers():
    data = make_dataset(
        "blobs",
        n_samples=np.int64(40),
        noise=np.float32(0.25),
        test_ratio=np.float64(0.5),
        seed=np.uint32(7),
        n_classes=np.int8(4),
    )
    spec = data.spec
    assert (spec.n_samples, spec.noise, spec.test_ratio, spec.seed, spec.n_classes) == (
        40,
        0.25,
        0.5,
        7,
        4,
    )
    assert [type(v) for v in asdict(spec).values()] == [str, int, float, float, int, int]
    # A spec goes into .bpnet files as JSON: NumPy scalars would not serialise.
    assert json.loads(json.dumps(asdict(spec)))["n_samples"] == 40
    assert data.same_data(make_dataset("blobs", 40, 0.25, 0.5, 7, 4))


def test_check_spec_returns_the_settings_when_they_are_fine():
    spec = make_dataset("moons").spec
    assert check_spec(spec) == spec


# -- Dataset's own checks -----------------------------------------------------------


def test_unknown_kind_is_refused():
    with pytest.raises(DatasetError, match=r"unknown dataset kind 'ordinal'"):
        Dataset("ordinal", [[0.0]], [[1.0]], [], [])


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        (([[0.0, 1.0]], [[1.0], [0.0]], [], []), "training inputs and targets"),
        (([[0.0]], [[1.0]], [[1.0], [2.0]], [[1.0]]), "test inputs and targets"),
        ((np.empty((0, 2)), np.empty((0, 1)), [], []), "at least one training example"),
        (([[0.0, 1.0]], [[1.0]], [[0.0]], [[1.0]]), "test set columns"),
        (([[0.0, math.nan]], [[1.0]], [], []), "X_train holds a value that is not a finite"),
        (([[0.0, 1.0]], [[math.inf]], [], []), "T_train holds a value that is not a finite"),
        (([[0.0, "a"]], [[1.0]], [], []), "X_train must be a table of numbers"),
        ((np.zeros((2, 2, 2)), [[1.0], [0.0]], [], []), "X_train must be a table"),
    ],
)
def test_inconsistent_arrays_are_refused(arrays, message):
    with pytest.raises(DatasetError, match=message):
        Dataset("binary", *arrays)


def test_feature_names_default_and_must_match_the_inputs():
    data = Dataset("regression", [[0.0, 1.0, 2.0]], [[1.0]], [], [])
    assert data.feature_names == ("x1", "x2", "x3")
    named = Dataset("regression", [[0.0, 1.0]], [[1.0]], [], [], feature_names=("a", "b"))
    assert named.feature_names == ("a", "b")
    with pytest.raises(DatasetError, match="expected 2 feature names"):
        Dataset("regression", [[0.0, 1.0]], [[1.0]], [], [], feature_names=("a",))
    with pytest.raises(DatasetError, match="feature names must be texts"):
        Dataset("regression", [[0.0, 1.0]], [[1.0]], [], [], feature_names=("a", 2))


def test_an_empty_test_set_of_any_shape_means_no_test_set():
    data = Dataset("binary", [[0.0, 1.0]], [[1.0]], np.empty(0), np.empty(0))
    assert data.X_test.shape == (0, 2)
    assert data.T_test.shape == (0, 1)
    assert not data.X_test.flags.writeable
