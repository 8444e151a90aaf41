"""Input features (TensorFlow Playground's x₁², x₁·x₂, sin x₁, …): engine, file, export, CLI."""

import json

import numpy as np
import pytest

from bpdesk.core import (
    DatasetError,
    FileFormatError,
    Network,
    TrainConfig,
    Trainer,
    load_bpnet,
    load_csv,
    make_dataset,
    save_bpnet,
    torch_script,
)
from bpdesk.core.architecture import pick_inputs
from bpdesk.core.bpnet import BpnetDocument, dumps, loads
from bpdesk.core.features import FEATURES, feature_columns, parse_features


def test_parse_features_keeps_the_canonical_order_and_refuses_unknown_names():
    assert parse_features("sinx2, x1sq,x2sq,x1sq") == ("x1sq", "x2sq", "sinx2")
    assert parse_features(["x2", "x1"]) == ("x1", "x2")
    with pytest.raises(DatasetError, match="unknown input feature 'x3'"):
        parse_features("x1,x3")
    with pytest.raises(DatasetError, match="at least one"):
        parse_features(" , ")


def test_feature_columns_are_the_formulas():
    P = np.array([[0.5, -2.0], [3.0, 0.25]])
    X = feature_columns(FEATURES, P)
    x1, x2 = P[:, 0], P[:, 1]
    expected = np.column_stack([x1, x2, x1**2, x2**2, x1 * x2, np.sin(x1), np.sin(x2)])
    assert np.array_equal(X, expected)


def test_a_dataset_with_features_trains_on_the_columns_and_keeps_its_points():
    plane = make_dataset("circle", n_samples=40, seed=3)
    data = plane.with_features("x1sq,x2sq,x1x2")
    assert data.features == ("x1sq", "x2sq", "x1x2")
    assert data.feature_names == ("x₁²", "x₂²", "x₁·x₂")
    assert data.plane is plane
    assert plane.plane is plane
    assert data.n_inputs == 3
    assert (data.spec, data.title) == (plane.spec, plane.title)
    assert np.array_equal(data.X_train, feature_columns(data.features, plane.X_train))
    assert np.array_equal(data.X_test, feature_columns(data.features, plane.X_test))
    assert data.T_train is plane.T_train
    grid = np.array([[0.1, 0.2], [-1.0, 3.0]])
    assert np.array_equal(data.network_inputs(grid), feature_columns(data.features, grid))
    assert plane.network_inputs(grid) is grid
    assert data.with_features("x2,x1") is plane  # the plain points again


def test_points_added_to_featured_data_get_their_features():
    data = make_dataset("xor").with_features("x1x2")
    X = np.vstack([data.plane.X_train, [[2.0, 3.0]]])
    T = np.vstack([data.T_train, [[1.0]]])
    more = data.with_points(X, T)
    assert more.features == ("x1x2",)
    assert more.X_train[-1, 0] == 6.0
    assert more.plane.X_train.shape == (5, 2)


def test_only_2d_generated_data_take_features(tmp_path):
    with pytest.raises(DatasetError, match="this dataset has 64"):
        make_dataset("digits").with_features("x1sq")
    path = tmp_path / "two.csv"
    path.write_text("a,b,label\n0,1,0\n1,0,1\n1,1,0\n0,0,1\n", encoding="utf-8")
    csv = load_csv(path)
    assert csv.n_inputs == 2
    assert "CSV" in csv.features_refused()
    with pytest.raises(DatasetError, match="CSV"):
        csv.with_features("x1sq")
    for name in ("xor", "circle", "spiral", "gauss", "blobs", "reg-plane"):
        assert make_dataset(name).features_refused() is None


def test_circle_is_separable_without_a_hidden_layer_only_with_squares():
    """The lesson: with x₁², x₂² a single neuron draws the circle."""
    accuracy = {}
    for features in ("x1sq,x2sq", "x1,x2"):
        data = make_dataset("circle", n_samples=400).with_features(features)
        net = Network.create([2, 1], activation="tanh", output_activation="sigmoid", loss="bce")
        config = TrainConfig(learning_rate=0.03, optimizer="adam", epochs=500)
        snap = list(Trainer(net, data, config).run())[-1]
        accuracy[features] = snap.test_accuracy
    assert accuracy["x1sq,x2sq"] >= 0.95
    assert accuracy["x1,x2"] < 0.8


def test_pick_inputs_keeps_the_weights_of_kept_inputs():
    net = Network.create([3, 2, 1], seed=1)
    picked = pick_inputs(net, [2, None, 0], np.random.default_rng(0))
    assert picked.layer_sizes == (3, 2, 1)
    assert np.array_equal(picked.weights[0][0], net.weights[0][2])
    assert np.array_equal(picked.weights[0][2], net.weights[0][0])
    assert np.array_equal(picked.weights[1], net.weights[1])
    assert np.array_equal(picked.biases[0], net.biases[0])


# -- the .bpnet file ----------------------------------------------------------------------


def featured_document() -> BpnetDocument:
    data = make_dataset("circle", n_samples=30).with_features("x1sq,x2sq,sinx1")
    net = Network.create([3, 2, 1], seed=2)
    return BpnetDocument(net, data, TrainConfig(learning_rate=0.1))


def test_a_file_keeps_the_points_and_the_features(tmp_path):
    doc = featured_document()
    text = dumps(doc)
    raw = json.loads(text)
    assert raw["version"] == 4
    assert raw["dataset"]["features"] == ["x1sq", "x2sq", "sinx1"]
    assert len(raw["dataset"]["train"]["x"][0]) == 2  # points on the plane
    path = tmp_path / "f.bpnet"
    save_bpnet(doc, path)
    back = load_bpnet(path)
    assert back.dataset.features == doc.dataset.features
    assert np.array_equal(back.dataset.plane.X_train, doc.dataset.plane.X_train)
    assert np.array_equal(back.dataset.X_train, doc.dataset.X_train)
    assert back.dataset.spec == doc.dataset.spec


def test_a_file_without_features_is_written_as_before():
    doc = BpnetDocument(Network.create([2, 2, 1]), make_dataset("circle", n_samples=30))
    raw = json.loads(dumps(doc))
    assert raw["version"] == 1
    assert "features" not in raw["dataset"]
    assert loads(dumps(doc)).dataset.features == ()


@pytest.mark.parametrize(
    ("features", "message"),
    [
        (["x1sq", "x2sq"], "2 features for a network with 3 inputs"),
        (["x2sq", "x1sq", "sinx1"], "in the order"),
        (["x1sq", "x1sq", "sinx1"], "in the order"),
        (["x1sq", "x9", "sinx1"], "unknown input feature"),
    ],
)
def test_a_file_with_wrong_features_is_refused(features, message):
    raw = json.loads(dumps(featured_document()))
    raw["dataset"]["features"] = features
    with pytest.raises(FileFormatError, match=message) as err:
        loads(json.dumps(raw))
    assert "dataset.features" in str(err.value)


# -- the PyTorch script -------------------------------------------------------------------


def test_the_script_computes_the_same_features_from_the_points():
    doc = featured_document()
    source = torch_script(doc.network, doc.dataset, TrainConfig())
    assert "def input_features(x):" in source
    assert "X_TRAIN = input_features(POINTS_TRAIN)" in source
    assert "torch.sin(x[:, 0])" in source
    compile(source, "export.py", "exec")


def test_the_scripts_features_match_bpdesks():
    pytest.importorskip("torch")
    data = make_dataset("circle", n_samples=24, test_ratio=0.25).with_features(FEATURES)
    net = Network.create([7, 3, 1], activation="tanh", loss="bce", output_activation="sigmoid")
    namespace = {"__name__": "bpdesk_export"}
    exec(compile(torch_script(net, data, TrainConfig()), "export.py", "exec"), namespace)
    np.testing.assert_allclose(namespace["X_TRAIN"].numpy(), data.X_train, rtol=0, atol=1e-15)
    np.testing.assert_allclose(namespace["X_TEST"].numpy(), data.X_test, rtol=0, atol=1e-15)
    assert namespace["check"]()
