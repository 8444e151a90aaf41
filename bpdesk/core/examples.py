"""The example networks shipped in ``resources/examples`` (File → Examples).

``python -m bpdesk.core.examples resources/examples`` writes them again; a
test checks that the shipped files are exactly what this module builds. Each
example names its initialiser (``xavier``, biases at 0, unless it says
otherwise): the files were made with it, and a change of the default for new
networks must not change them. Their ``epochs`` are None (the window trains
until paused) but the digits' 30: the window stops there, and so does
``bpdesk train FILE``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from bpdesk.core.bpnet import BpnetDocument, ViewState, save
from bpdesk.core.datasets import make_dataset, xor
from bpdesk.core.landscape import single_weight_dataset, single_weight_network
from bpdesk.core.network import Network
from bpdesk.core.training import TrainConfig


def _xor() -> BpnetDocument:
    net = Network.create([2, 2, 1], activation="sigmoid", loss="mse", init="xavier", seed=1)
    return BpnetDocument(
        net, xor(), TrainConfig(learning_rate=0.5, epochs=None), view=ViewState(sample=1)
    )


def _single_weight() -> BpnetDocument:
    return BpnetDocument(
        single_weight_network(0.5),
        single_weight_dataset(),
        TrainConfig(learning_rate=0.1, epochs=None),
        view=ViewState(selected=(0, 0, 0), sample=0),
    )


def _xor_no_hidden() -> BpnetDocument:
    net = Network.create([2, 1], loss="mse", init="xavier", seed=1)
    return BpnetDocument(net, xor(), TrainConfig(learning_rate=0.5, epochs=None))


def _deep(activation: str, init: str) -> Callable[[], BpnetDocument]:
    def build() -> BpnetDocument:
        data = make_dataset("circle", n_samples=200, noise=0.1, test_ratio=0.2, seed=0)
        net = Network.create([2, 8, 8, 8, 8, 8, 1], activation=activation, init=init, seed=0)
        return BpnetDocument(net, data, TrainConfig(learning_rate=0.3, batch_size=20, epochs=None))

    return build


def _spirals() -> BpnetDocument:
    data = make_dataset("spiral", n_samples=300, noise=0.1, test_ratio=0.2, seed=0)
    net = Network.create([2, 12, 12, 1], activation="tanh", init="xavier", seed=0)
    return BpnetDocument(
        net, data, TrainConfig(learning_rate=0.01, batch_size=10, optimizer="adam", epochs=None)
    )


def _circle() -> BpnetDocument:
    data = make_dataset("circle", n_samples=200, noise=0.1, test_ratio=0.3, seed=0)
    net = Network.create([2, 4, 1], activation="tanh", init="xavier", seed=0)
    return BpnetDocument(net, data, TrainConfig(learning_rate=0.5, batch_size=10, epochs=None))


def _blobs() -> BpnetDocument:
    data = make_dataset("blobs", n_samples=240, noise=0.1, test_ratio=0.25, seed=0, n_classes=4)
    net = Network.create([2, 6, 4], activation="relu", loss="ce", init="he", seed=0)
    return BpnetDocument(net, data, TrainConfig(learning_rate=0.1, batch_size=16, epochs=None))


def _regression() -> BpnetDocument:
    data = make_dataset("reg-gauss", n_samples=300, noise=0.05, test_ratio=0.2, seed=0)
    net = Network.create(
        [2, 10, 10, 1], activation="tanh", output_activation="linear", init="xavier", seed=0
    )
    return BpnetDocument(
        net, data, TrainConfig(learning_rate=0.01, batch_size=10, optimizer="adam", epochs=None)
    )


def _digits() -> BpnetDocument:
    # The explainer's digit network at the scale of the shipped 8×8 images: 17,226
    # weights and biases. Adam at 0.001 in batches of 32 reaches 95 %+ on the test set
    # within 30 epochs (bpdesk train FILE --epochs 30).
    data = make_dataset("digits", test_ratio=0.3, seed=0)
    net = Network.create(
        [64, 128, 64, 10],
        activation="relu",
        output_activation="softmax",
        loss="ce",
        init="he",
        seed=0,
    )
    config = TrainConfig(learning_rate=0.001, batch_size=32, optimizer="adam", epochs=30)
    return BpnetDocument(net, data, config)


EXAMPLES: dict[str, tuple[str, str, Callable[[], BpnetDocument]]] = {
    "xor": (
        "XOR (the explainer's 2-2-1 network)",
        "Two inputs, two hidden sigmoids, one output.",
        _xor,
    ),
    "single-weight": (
        "One weight (the error landscape)",
        "Output w·x with x = 1, target 2, loss (ŷ − t)²: at w = 0.5 the gradient is −3.",
        _single_weight,
    ),
    "xor-no-hidden": (
        "XOR without a hidden layer",
        "One straight line cannot separate XOR: training stalls at ŷ = 0.5 for every corner.",
        _xor_no_hidden,
    ),
    "deep-sigmoid": (
        "Deep sigmoid network (vanishing gradients)",
        "Five hidden sigmoid layers: the first layers hardly learn.",
        _deep("sigmoid", "xavier"),
    ),
    "deep-relu": (
        "Deep ReLU network (He initialisation)",
        "The same depth with ReLU and He initialisation: every layer learns.",
        _deep("relu", "he"),
    ),
    "spirals": (
        "Two spirals",
        "A hard one: 2-12-12-1 tanh with Adam; a long plateau first.",
        _spirals,
    ),
    "circle": ("Circle", "A disc inside a ring: a small hidden layer suffices.", _circle),
    "blobs": ("Four classes", "Softmax and cross-entropy on four Gaussian blobs.", _blobs),
    "regression": (
        "Regression: hills and valleys",
        "A real-valued target and a linear output.",
        _regression,
    ),
    "digits": (
        "Handwritten digits (64-128-64-10)",
        "The explainer's digit network on 1,797 8×8 images: ReLU, softmax, "
        "cross-entropy, Adam; 17,226 weights and biases.",
        _digits,
    ),
}


def build(name: str) -> BpnetDocument:
    """The example ``name`` (a key of :data:`EXAMPLES`)."""
    return EXAMPLES[name][2]()


def write_all(folder: str | Path) -> list[Path]:
    """Write every example as ``NAME.bpnet`` into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in EXAMPLES:
        path = folder / f"{name}.bpnet"
        save(build(name), path)
        paths.append(path)
    return paths


if __name__ == "__main__":
    for written in write_all(sys.argv[1] if len(sys.argv) > 1 else "resources/examples"):
        print(written)
