"""Datasets: the explainer's four-point XOR, seeded 2-D generators and the shipped digits.

Inputs are batch-as-rows ``(n, features)``. Targets are ``(n, 1)`` with 0/1
for binary problems, one-hot ``(n, classes)`` for multi-class problems and
``(n, 1)`` real values for regression. Generated problems live in roughly
``[-1, 1]²`` so that sigmoid and tanh units start out of saturation; the
shipped digits (:mod:`bpdesk.core.digits`) are 64 pixels from 0 to 1, and
only their split into training and test examples depends on the settings.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

import numpy as np

from bpdesk.core.digits import digit_images
from bpdesk.core.errors import DatasetError
from bpdesk.core.features import LABELS, PLAIN, feature_columns, parse_features

KINDS = ("binary", "multiclass", "regression")
MAX_SAMPLES = 100_000
# What a .bpnet file holds of a dataset's texts (a CSV import refuses longer names and
# shortens a longer file name, so that what the window imports it can also save).
MAX_TITLE_CHARS = 200
MAX_FEATURE_NAME_CHARS = 100


@dataclass(frozen=True)
class DatasetSpec:
    """How a dataset was made, so that it can be made again: name and settings."""

    name: str
    n_samples: int = 200
    noise: float = 0.1
    test_ratio: float = 0.3
    seed: int = 0
    n_classes: int = 3


@dataclass(frozen=True, eq=False)
class Dataset:
    """A train/test split; arrays are private copies marked read-only.

    Targets and inputs are float64, with one exception: inside
    :func:`handed_over`, read-only arrays that own their memory are kept
    rather than copied, and float32 inputs stay float32 (a 220 MB table of
    pixels read by ``bpdesk train --csv`` is neither held twice nor doubled).

    ``features`` (see :mod:`bpdesk.core.features`) says that the inputs are
    computed from points on a plane, which ``source`` holds: the network
    trains on the feature columns, the views draw ``source``'s points
    (:attr:`plane`) and send the plane through :meth:`network_inputs`.
    Made by :meth:`with_features`; empty when the inputs are the points.
    """

    kind: str
    X_train: np.ndarray
    T_train: np.ndarray
    X_test: np.ndarray
    T_test: np.ndarray
    spec: DatasetSpec | None = None
    title: str = ""
    feature_names: tuple[str, ...] = field(default=())
    features: tuple[str, ...] = field(default=())
    source: Dataset | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise DatasetError(
                f"unknown dataset kind {self.kind!r} (choose from: {' '.join(KINDS)})"
            )
        # Pixels handed over as float32 stay so: half the memory, the same numbers. The
        # window's views expect float64, and get it from every other path.
        inputs = (self.X_train, self.X_test)
        small = all(getattr(a, "dtype", None) == np.float32 or np.size(a) == 0 for a in inputs)
        x_dtype = (
            np.float32
            if _HANDED_OVER.get() and small and getattr(self.X_train, "dtype", None) == np.float32
            else np.float64
        )
        for name in ("X_train", "T_train", "X_test", "T_test"):
            dtype = x_dtype if name.startswith("X") else np.float64
            given = getattr(self, name)
            if _HANDED_OVER.get() and _frozen(given, dtype):
                object.__setattr__(self, name, given)
                continue
            try:
                array = np.array(given, dtype=dtype, ndmin=2)
            except (TypeError, ValueError):
                raise DatasetError(f"{name} must be a table of numbers") from None
            if array.ndim != 2:
                raise DatasetError(f"{name} must be a table (rows × columns), not {array.ndim}-D")
            if not np.all(np.isfinite(array)):
                raise DatasetError(f"{name} holds a value that is not a finite number")
            array.flags.writeable = False
            object.__setattr__(self, name, array)
        n_in = self.X_train.shape[1]
        n_out = self.T_train.shape[1]
        if self.X_train.shape[0] != self.T_train.shape[0]:
            raise DatasetError("training inputs and targets have different numbers of rows")
        if self.X_train.shape[0] == 0:
            raise DatasetError("a dataset needs at least one training example")
        if n_in == 0 or n_out == 0:
            raise DatasetError("a dataset needs at least one input column and one target column")
        if self.X_test.size == 0 and self.T_test.size == 0:
            # Any empty test set (even a bare np.empty(0)) means "no test set".
            for name, width in (("X_test", n_in), ("T_test", n_out)):
                empty = np.empty((0, width))
                empty.flags.writeable = False
                object.__setattr__(self, name, empty)
        if self.X_test.shape[0] != self.T_test.shape[0]:
            raise DatasetError("test inputs and targets have different numbers of rows")
        if self.X_test.shape[1] != n_in or self.T_test.shape[1] != n_out:
            raise DatasetError("test set columns do not match the training set")
        names = tuple(self.feature_names)
        if not names:
            names = tuple(f"x{k + 1}" for k in range(n_in))
        elif len(names) != n_in:
            raise DatasetError(f"expected {n_in} feature names (one per input), got {len(names)}")
        elif not all(isinstance(n, str) for n in names):
            raise DatasetError("feature names must be texts")
        object.__setattr__(self, "feature_names", names)
        if self.features and (self.source is None or len(self.features) != n_in):
            raise DatasetError("input features need their plane's points, one column each")

    @property
    def n_inputs(self) -> int:
        """Number of input features."""
        return self.X_train.shape[1]

    @property
    def n_outputs(self) -> int:
        """Number of output neurons the problem needs (classes for multi-class)."""
        return self.T_train.shape[1]

    @property
    def n_train(self) -> int:
        """Number of training examples."""
        return self.X_train.shape[0]

    @property
    def n_test(self) -> int:
        """Number of test examples."""
        return self.X_test.shape[0]

    @property
    def name(self) -> str:
        """The generator's name, or ``custom``."""
        return self.spec.name if self.spec else "custom"

    def suggested_output(self) -> tuple[str, str]:
        """``(output_activation, loss)`` that suit this kind of problem."""
        return {
            "binary": ("sigmoid", "mse"),
            "multiclass": ("softmax", "ce"),
            "regression": ("linear", "mse"),
        }[self.kind]

    def labels(self, T: np.ndarray) -> np.ndarray:
        """Class index of each row of targets (binary: 0/1; multi-class: argmax)."""
        if self.kind == "multiclass":
            return np.argmax(T, axis=1)
        return (T[:, 0] > 0.5).astype(int)

    def with_points(self, X_train: np.ndarray, T_train: np.ndarray) -> Dataset:
        """The same dataset with different training points (the test set is kept).

        With input features, ``X_train`` are points on the plane (as
        :attr:`plane` holds them): the features are computed again.
        """
        if self.source is not None:
            return self.source.with_points(X_train, T_train).with_features(self.features)
        return Dataset(
            self.kind,
            X_train,
            T_train,
            self.X_test,
            self.T_test,
            None,
            self.title,
            self.feature_names,
        )

    # -- input features (TensorFlow Playground's x₁², sin x₁, …) ---------------------

    @property
    def plane(self) -> Dataset:
        """The data as points on their plane: the source of input features, or itself."""
        return self.source if self.source is not None else self

    def network_inputs(self, points: np.ndarray) -> np.ndarray:
        """What the network sees for ``points`` of :attr:`plane`: their feature columns
        (the points themselves when there are no features)."""
        return feature_columns(self.features, points) if self.features else points

    def features_refused(self) -> str | None:
        """Why these data cannot take input features, or None when they can."""
        plane = self.plane
        if plane.n_inputs != 2:
            return (
                "input features (x₁², sin x₁, …) are made from two inputs x₁, x₂; "
                f"this dataset has {plane.n_inputs}"
            )
        if plane.spec is None and plane.title not in GENERATED_TITLES:
            return (
                "input features (x₁², sin x₁, …) are for the generated 2-D data "
                "(xor, circle, spiral, …), not the columns of a CSV file"
            )
        return None

    def with_features(self, features: str | tuple[str, ...] | list[str]) -> Dataset:
        """The same points, the network's inputs computed by ``features`` (names of
        :data:`bpdesk.core.features.FEATURES`); x1,x2 gives the plain points back.
        Raises :class:`DatasetError` for data that take no features."""
        why = self.features_refused()
        if why is not None:
            raise DatasetError(why)
        names = parse_features(features)
        plane = self.plane
        if names == PLAIN:
            return plane

        def columns(X: np.ndarray) -> np.ndarray:
            made = feature_columns(names, X)
            made.flags.writeable = False
            return made

        with handed_over():  # the new columns and the plane's own targets: no copies
            return Dataset(
                plane.kind,
                columns(plane.X_train),
                plane.T_train,
                columns(plane.X_test),
                plane.T_test,
                plane.spec,
                plane.title,
                tuple(LABELS[f] for f in names),
                names,
                plane,
            )

    def same_data(self, other: Dataset) -> bool:
        """True when both hold exactly the same points and targets."""
        return self.kind == other.kind and all(
            np.array_equal(getattr(self, n), getattr(other, n))
            for n in ("X_train", "T_train", "X_test", "T_test")
        )


_HANDED_OVER: ContextVar[bool] = ContextVar("handed_over", default=False)


@contextmanager
def handed_over() -> Iterator[None]:
    """Datasets made inside this block keep the read-only arrays they are given.

    For a caller that made the arrays for the dataset, froze them and keeps
    no other way to change them (the CSV reader): the dataset then needs no
    copy of its own. Any other array is copied as always.
    """
    token = _HANDED_OVER.set(True)
    try:
        yield
    finally:
        _HANDED_OVER.reset(token)


def _frozen(array: object, dtype: type) -> bool:
    """True for a read-only 2-D array of ``dtype`` that owns its finite numbers."""
    return (
        isinstance(array, np.ndarray)
        and array.dtype == dtype
        and array.ndim == 2
        and array.flags.owndata
        and not array.flags.writeable
        and bool(np.all(np.isfinite(array)))
    )


# -- generators ------------------------------------------------------------------

Points = tuple[np.ndarray, np.ndarray]  # inputs (n, features) and targets (n, outputs)
Generator = Callable[[np.random.Generator, int, float, int], Points]


def _circle(rng: np.random.Generator, n: int, noise: float, _classes: int) -> Points:
    # Class 1 inside radius 0.5, class 0 in a ring from 0.7 to 1.0.
    inner = n // 2
    r = np.concatenate([rng.uniform(0, 0.5, inner), rng.uniform(0.7, 1.0, n - inner)])
    angle = rng.uniform(0, 2 * np.pi, n)
    X = np.column_stack([r * np.cos(angle), r * np.sin(angle)])
    X += rng.normal(0, noise * 0.5, X.shape)
    t = np.concatenate([np.ones(inner), np.zeros(n - inner)])
    return X, t[:, None]


def _xor_cloud(rng: np.random.Generator, n: int, noise: float, _classes: int) -> Points:
    # Points in the four quadrants; class 1 where the coordinates' signs differ.
    X = rng.uniform(-1, 1, (n, 2))
    X += np.sign(X) * 0.05  # a small gap along the axes
    t = (X[:, 0] * X[:, 1] < 0).astype(float)
    X += rng.normal(0, noise * 0.5, X.shape)
    return X, t[:, None]


def _gauss(rng: np.random.Generator, n: int, noise: float, _classes: int) -> Points:
    half = n // 2
    spread = 0.2 + noise
    X = np.concatenate(
        [rng.normal(0.5, spread, (half, 2)), rng.normal(-0.5, spread, (n - half, 2))]
    )
    t = np.concatenate([np.ones(half), np.zeros(n - half)])
    return X, t[:, None]


def _spiral(rng: np.random.Generator, n: int, noise: float, _classes: int) -> Points:
    half = n // 2
    parts, targets = [], []
    for label, count in ((1, half), (0, n - half)):
        k = np.arange(count)
        r = k / max(count, 1) * 0.95 + 0.05
        angle = 1.75 * k / max(count, 1) * 2 * np.pi + (0 if label else np.pi)
        pts = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
        parts.append(pts + rng.normal(0, noise * 0.15, pts.shape))
        targets.append(np.full(count, float(label)))
    return np.concatenate(parts), np.concatenate(targets)[:, None]


def _moons(rng: np.random.Generator, n: int, noise: float, _classes: int) -> Points:
    half = n // 2
    a = rng.uniform(0, np.pi, half)
    b = rng.uniform(0, np.pi, n - half)
    upper = np.column_stack([np.cos(a), np.sin(a)])
    lower = np.column_stack([1 - np.cos(b), 0.5 - np.sin(b)])
    X = (np.concatenate([upper, lower]) - [0.5, 0.25]) * 0.8
    X += rng.normal(0, noise * 0.5, X.shape)
    t = np.concatenate([np.ones(half), np.zeros(n - half)])
    return X, t[:, None]


def _blobs(rng: np.random.Generator, n: int, noise: float, classes: int) -> Points:
    labels = np.arange(n) % classes
    angle = 2 * np.pi * labels / classes + np.pi / 2
    centres = 0.6 * np.column_stack([np.cos(angle), np.sin(angle)])
    X = centres + rng.normal(0, 0.15 + noise, (n, 2))
    return X, np.eye(classes)[labels]


def _reg_plane(rng: np.random.Generator, n: int, noise: float, _classes: int) -> Points:
    X = rng.uniform(-1, 1, (n, 2))
    t = (X[:, 0] + X[:, 1]) / 2 + rng.normal(0, noise * 0.5, n)
    return X, t[:, None]


def _reg_gauss(rng: np.random.Generator, n: int, noise: float, _classes: int) -> Points:
    X = rng.uniform(-1, 1, (n, 2))
    bumps = ((-0.5, -0.5, 1.0), (0.5, 0.5, 1.0), (-0.5, 0.5, -1.0), (0.5, -0.5, -1.0))
    t = sum(s * np.exp(-((X[:, 0] - cx) ** 2 + (X[:, 1] - cy) ** 2) / 0.18) for cx, cy, s in bumps)
    t = t + rng.normal(0, noise * 0.5, n)
    return X, t[:, None]


def _digits() -> Points:
    pixels, labels = digit_images()
    return pixels, np.eye(10)[labels]


@dataclass(frozen=True)
class GeneratorInfo:
    """A registered dataset: its kind, title and one-line description.

    ``make`` generates points; a shipped dataset has fixed ``points`` instead,
    split by class (stratified) with the test ratio and seed, the only
    settings that apply to it. XOR has neither.
    """

    kind: str
    title: str
    description: str
    make: Generator | None
    points: Callable[[], Points] | None = None

    @property
    def shipped(self) -> bool:
        """True for data read from ``resources/`` (fixed points; only the split varies)."""
        return self.points is not None


GENERATORS: dict[str, GeneratorInfo] = {
    "xor": GeneratorInfo(
        "binary",
        "XOR (4 points)",
        "The explainer's four points: 1 when exactly one input is 1.",
        None,
    ),
    "circle": GeneratorInfo(
        "binary", "Circle", "A disc of one class inside a ring of the other.", _circle
    ),
    "xor-cloud": GeneratorInfo(
        "binary",
        "XOR cloud",
        "Points in four quadrants; class 1 where the signs differ.",
        _xor_cloud,
    ),
    "gauss": GeneratorInfo("binary", "Two Gaussians", "Two overlapping round clouds.", _gauss),
    "spiral": GeneratorInfo(
        "binary", "Two spirals", "Two interleaved spirals: a hard one.", _spiral
    ),
    "moons": GeneratorInfo("binary", "Two moons", "Two interlocking half-moons.", _moons),
    "blobs": GeneratorInfo(
        "multiclass", "Gaussian blobs", "Three or more clouds, one class each.", _blobs
    ),
    "reg-plane": GeneratorInfo(
        "regression", "Regression: plane", "A tilted plane t = (x₁ + x₂)/2.", _reg_plane
    ),
    "reg-gauss": GeneratorInfo(
        "regression", "Regression: bumps", "Two hills and two valleys.", _reg_gauss
    ),
    "digits": GeneratorInfo(
        "multiclass",
        "Handwritten digits (8×8)",
        "1,797 handwritten digits 0–9 as 8×8 images (UCI, CC BY 4.0): 64 inputs, 10 classes.",
        None,
        _digits,
    ),
}
DATASET_NAMES = tuple(GENERATORS)
# The titles of generated data (XOR's four points are titled "XOR"): points added by
# hand keep the title, and input features are made for such data only.
GENERATED_TITLES = frozenset({info.title for info in GENERATORS.values()} | {"XOR"})

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_T = np.array([[0.0], [1.0], [1.0], [0.0]])
XOR_X.flags.writeable = XOR_T.flags.writeable = False  # shared by every xor()
XOR_SPEC = DatasetSpec("xor", 4, 0.0, 0.0)


def xor() -> Dataset:
    """The explainer's XOR: (0,0)→0, (0,1)→1, (1,0)→1, (1,1)→0, all for training."""
    return Dataset(
        "binary",
        XOR_X,
        XOR_T,
        np.empty((0, 2)),
        np.empty((0, 1)),
        XOR_SPEC,
        "XOR",
    )


def make_dataset(
    name: str,
    n_samples: int = 200,
    noise: float = 0.1,
    test_ratio: float = 0.3,
    seed: int = 0,
    n_classes: int = 3,
) -> Dataset:
    """Build a named dataset (``xor circle … reg-gauss digits``, see :data:`GENERATORS`).

    ``noise`` is between 0 and 1, ``test_ratio`` the fraction held out for
    testing (0 ≤ ratio ≤ 0.9); the same ``seed`` gives the same points.
    ``xor`` is always the explainer's four points, all for training: the
    settings do not apply to it. ``digits`` are always the same 1,797
    images: ``n_samples``, ``noise`` and ``n_classes`` do not apply, and the
    test set takes ``test_ratio`` of each digit's images, chosen by ``seed``.
    """
    info = GENERATORS.get(name) if isinstance(name, str) else None
    if info is None:
        raise DatasetError(f"unknown dataset {name!r} (choose from: {' '.join(DATASET_NAMES)})")
    if info.points is not None:
        return _shipped(name, info, test_ratio, seed)
    if info.make is None:  # "xor": the explainer's four points, not generated
        return xor()
    spec = check_spec(DatasetSpec(name, n_samples, noise, test_ratio, seed, n_classes))
    rng = np.random.default_rng(spec.seed)
    X, T = info.make(rng, spec.n_samples, spec.noise, spec.n_classes)
    X_train, T_train, X_test, T_test = split(X, T, spec.test_ratio, rng)
    return Dataset(info.kind, X_train, T_train, X_test, T_test, spec, info.title)


def _shipped(name: str, info: GeneratorInfo, test_ratio: float, seed: int) -> Dataset:
    assert info.points is not None
    X, T = info.points()
    spec = check_spec(DatasetSpec(name, len(X), 0.0, test_ratio, seed))
    rng = np.random.default_rng(spec.seed)
    parts = stratified_split(X, T, np.argmax(T, axis=1), spec.test_ratio, rng)
    return Dataset(info.kind, *parts, spec, info.title)


def check_spec(spec: DatasetSpec) -> DatasetSpec:
    """Validate a generator's settings; return them or raise :class:`DatasetError`."""

    def whole(value: object, low: int, high: int, what: str) -> None:
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, np.integer))
            or not low <= value <= high
        ):
            raise DatasetError(f"{what} must be a whole number from {low} to {high}, got {value!r}")

    def number(value: object, low: float, high: float, what: str) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise DatasetError(f"{what} must be a number, got {value!r}")
        try:
            value = float(value)
        except OverflowError:  # an int too large for a float
            value = math.inf
        if not math.isfinite(value):
            raise DatasetError(f"{what} must be a finite number, got {value!r}")
        if not low <= value <= high:
            raise DatasetError(f"{what} must be between {low} and {high}, got {value}")

    whole(spec.n_samples, 4, MAX_SAMPLES, "the number of samples")
    whole(spec.seed, 0, 2**63 - 1, "the seed")
    whole(spec.n_classes, 3, 8, "the number of classes")
    number(spec.noise, 0.0, 1.0, "noise")
    number(spec.test_ratio, 0.0, 0.9, "the test ratio")
    # Plain Python numbers: a NumPy integer in a spec would not survive json.dumps (.bpnet).
    return DatasetSpec(
        spec.name,
        int(spec.n_samples),
        float(spec.noise),
        float(spec.test_ratio),
        int(spec.seed),
        int(spec.n_classes),
    )


def split(
    X: np.ndarray, T: np.ndarray, test_ratio: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle rows with ``rng`` and hold out ``test_ratio`` of them for testing."""
    order = rng.permutation(len(X))
    n_test = round(len(X) * test_ratio)
    n_test = min(n_test, len(X) - 1)
    test, train = order[:n_test], order[n_test:]
    return X[train], T[train], X[test], T[test]


def stratified_split(
    X: np.ndarray, T: np.ndarray, labels: np.ndarray, test_ratio: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Hold out ``test_ratio`` of the rows, the same share of every label, chosen with ``rng``.

    The test set has as many rows as :func:`split` would hold out; each label
    gets its share rounded (the largest remainders take the rows left over),
    so that both sets keep the classes in the proportions of the whole. Both
    sets come out shuffled.
    """
    n = len(X)
    n_test = min(round(n * test_ratio), n - 1)
    classes, counts = np.unique(labels, return_counts=True)
    exact = counts * (n_test / n)
    take = np.floor(exact).astype(np.int64)
    left = n_test - int(take.sum())
    take[np.argsort(take - exact, kind="stable")[:left]] += 1
    chosen = [rng.permutation(np.flatnonzero(labels == c))[:k] for c, k in zip(classes, take)]
    test = rng.permutation(np.concatenate(chosen)) if chosen else np.empty(0, np.int64)
    in_train = np.ones(n, dtype=bool)
    in_train[test] = False
    train = rng.permutation(np.flatnonzero(in_train))
    return X[train], T[train], X[test], T[test]
