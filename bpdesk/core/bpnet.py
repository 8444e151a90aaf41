"""The ``.bpnet`` file: versioned JSON with a network, its data, settings and history.

Loading reads only a regular file of at most :data:`MAX_FILE_BYTES` (see
:mod:`bpdesk.core.safe_files`), checks every field (type, shape, range, finite
numbers) and names the first offending one, e.g. ``network.weights[1][3][0]:
expected a number, got "abc"``; nothing in a file is ever executed. It also
refuses values the window cannot show (a batch size beyond any dataset, a
selected bias in a network without biases), saying which field and why.
Saving writes a temporary file next to the target and renames it over, so a
crash never leaves half a file (and the next save removes a temporary a
killed save left behind).

Saving checks the text exactly as loading will (size limit included) before
it writes anything: bpdesk never writes a file it would refuse to open. A
document that cannot be saved raises :class:`BpdeskError` naming why.

History. ``history`` holds per-epoch lists: ``train_loss``, and optionally
``test_loss``, ``train_accuracy`` and ``test_accuracy`` (None where there is
no test set or no classes). A run longer than :data:`HISTORY_POINTS` epochs
is *thinned* when saved, so that a file stays a bounded size however long
training went on: ``"every": k`` and ``"epochs": n`` are added, and entry
``i`` of each list holds the figures at epoch ``min((i + 1)·k, n)`` (so the
last entry is always the last epoch). Reading keeps it thinned (a
:class:`~bpdesk.core.loss_history.LossHistory` with ``every``), so that what
a file costs in memory is bounded by its size, not by the epochs it tells of:
a run of any length is saved and opened. Thinning is format version 2; a
file that needs nothing of version 2 is still written as version 1, which
every bpdesk reads.

``history.gradient_norms``, when a run measured them (the window does), holds
one list per weight layer of ‖∂L/∂W‖, entry for entry with ``train_loss``
(null where not measured); with them a long run is thinned harder (see
:data:`GRADIENT_NORM_NUMBERS`). A file without them opens as before.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Collection
from dataclasses import dataclass, field, fields, replace
from enum import Enum
from typing import Any, Literal, NoReturn, overload

import numpy as np

from bpdesk import __version__
from bpdesk.core import bpnet_sweeps  # the sweeps section (it uses this module's checks)
from bpdesk.core.activations import ACTIVATIONS
from bpdesk.core.datasets import (
    GENERATORS,
    KINDS,
    MAX_FEATURE_NAME_CHARS,
    MAX_SAMPLES,
    MAX_TITLE_CHARS,
    XOR_SPEC,
    Dataset,
    DatasetSpec,
    check_spec,
)
from bpdesk.core.errors import BpdeskError, FileFormatError
from bpdesk.core.features import FEATURES, parse_features
from bpdesk.core.initializers import INITIALIZERS
from bpdesk.core.loss_history import SERIES as HISTORY_SERIES
from bpdesk.core.loss_history import LossHistory as LossHistory
from bpdesk.core.loss_history import entries_for
from bpdesk.core.losses import LOSSES
from bpdesk.core.network import DTYPES, Network
from bpdesk.core.optimizers import OPTIMIZERS, OptimizerState, make_optimizer
from bpdesk.core.safe_files import FileTooLargeError, read_regular, replace_atomically
from bpdesk.core.sweep_kept import KeptSweep
from bpdesk.core.trainer_state import SHUFFLE_GENERATOR, ShuffleState, TrainerState
from bpdesk.core.training import TrainConfig

FORMAT = "bpnet"
# The newest format this bpdesk reads (2: thinned histories, networks without
# biases; 3: the trainer's state; 4: input features).
VERSION = 4
MAX_SPEED = 1e6  # epochs per second a file may ask for (the window paces far slower)
MAX_STEPS = 2**53  # optimiser steps a file may count (exact in a float64 as Adam uses it)
MAX_LAYERS = 34  # input + 32 hidden + output
MAX_LAYER_SIZE = 4096
MAX_PARAMETERS = 5_000_000
# A history list holds at most this many entries (files of format 1, written before
# thinning, hold one per epoch); the epochs it tells of are any whole number.
MAX_HISTORY_ENTRIES = 10_000_000
MAX_EPOCHS = 2**63 - 1
# The batch size the window's spin box shows: beyond the largest dataset a batch is the
# whole training set anyway (and 2**31 overflows the box).
MAX_BATCH_SIZE = MAX_SAMPLES
# Entries per history list that save writes; a longer run is thinned. Far more
# points than a plot has pixels, and few enough that writing them (about a
# microsecond a float) and reading them back take about a second.
HISTORY_POINTS = 250_000
# Gradient norms saved at most, all weight layers together: a deep network's long run
# is thinned harder when it has them (17 layers keep 58,823 entries, still more than
# a plot has pixels), so that they add at most 25 MB to a file.
GRADIENT_NORM_NUMBERS = 1_000_000
# JSON writes a float in at most 24 characters ("-2.2250738585072014e-308") and a
# comma. The file limit holds the largest network (125 MB) with the longest
# history save writes (four lists, 25 MB), or the largest data the window
# imports (100,000 rows of 64 features and 8 classes, 180 MB) with that history.
# What does not fit (the largest network *and* such data) save refuses before
# writing anything.
NUMBER_CHARS = 25
MAX_FILE_BYTES = 256 * 2**20
VIEW_MODES = ("forward", "backward")

JSONObject = dict[str, Any]  # a parsed JSON object: its values are checked field by field


class Unset(Enum):
    """The value of a field a file did not have, where that differs from null."""

    UNSET = "unset"


UNSET = Unset.UNSET


@dataclass(frozen=True)
class ViewState:
    """What the window was showing: the view, the selected parameter and sample."""

    mode: str = "forward"
    selected: tuple[int, int | None, int] | None = None  # (layer, i or None for a bias, j)
    sample: int | None = None  # None: the batch mean


@dataclass
class BpnetDocument:
    """Everything a ``.bpnet`` file holds.

    ``trainer_state`` lets training go on as the same run (None: it starts the
    optimiser and the shuffle afresh); ``speed`` is the window's pace in epochs
    per second, None for as fast as it goes and :data:`UNSET` when the file does
    not say; ``sweeps`` the sweeps kept with the network, oldest first (see
    :mod:`bpdesk.core.bpnet_sweeps`).
    """

    network: Network
    dataset: Dataset | None = None
    training: TrainConfig = field(default_factory=TrainConfig)
    history: LossHistory = field(default_factory=LossHistory)
    view: ViewState = field(default_factory=ViewState)
    trainer_state: TrainerState | None = None
    speed: float | Unset | None = UNSET
    sweeps: tuple[KeptSweep, ...] = ()


# -- writing ---------------------------------------------------------------------


def to_json(doc: BpnetDocument, history_points: int | None = None) -> JSONObject:
    """The document as plain JSON values (a history thinned to ``history_points`` entries)."""
    net = doc.network
    data: JSONObject = {
        "format": FORMAT,
        "version": 1,  # 2 only for what older bpdesk would misread (below)
        "app": f"bpdesk {__version__}",
        "network": network_json(net),
        "dataset": None,
        "training": {
            **doc.training.to_dict(),
            **({} if doc.speed is UNSET else {"speed": doc.speed}),
        },
        "history": _history_json(doc.history, history_points),
        "view": {
            "mode": doc.view.mode,
            "selected": None
            if doc.view.selected is None
            else dict(zip(("layer", "i", "j"), doc.view.selected)),
            "sample": doc.view.sample,
        },
    }
    if doc.dataset is not None:
        # Features are saved as their names and the plane's points: reading computes them.
        ds = doc.dataset.plane
        data["dataset"] = {
            "kind": ds.kind,
            "title": ds.title,
            "feature_names": list(ds.feature_names),
            "spec": None
            if ds.spec is None
            else {f.name: getattr(ds.spec, f.name) for f in fields(ds.spec)},
            "train": {"x": ds.X_train.tolist(), "t": ds.T_train.tolist()},
            "test": {"x": ds.X_test.tolist(), "t": ds.T_test.tolist()},
        }
        if doc.dataset.features:
            data["dataset"]["features"] = list(doc.dataset.features)
    if "every" in data["history"] or not net.has_bias:
        # Older readers would take a thinned list for every epoch, or train the zero
        # biases of a network that has none: they must refuse the file.
        data["version"] = 2
    if doc.trainer_state is not None:
        data["trainer_state"] = _trainer_state_json(doc.trainer_state, net)
        data["version"] = 3
    if doc.dataset is not None and doc.dataset.features:
        data["version"] = 4
    if doc.sweeps:
        # Older readers skip a section they do not know: no new version is needed.
        data["sweeps"] = bpnet_sweeps.sweeps_json(doc.sweeps)
    return data


def network_json(net: Network) -> JSONObject:
    """A network as the file's ``network`` object."""
    return {
        "layer_sizes": list(net.layer_sizes),
        "activations": list(net.activations),
        "loss": net.loss,
        "init": net.init,
        "seed": net.seed,
        "dtype": net.dtype.name,
        "weights": [w.tolist() for w in net.weights],
        "biases": [b.tolist() for b in net.biases],
        **({} if net.has_bias else {"bias": False}),
    }


def _trainer_state_json(state: TrainerState, network: Network) -> JSONObject:
    """The trainer's state as plain JSON values (see the module docstring)."""
    optimizer: JSONObject = {"name": state.optimizer.name, "steps": state.optimizer.steps}
    for key, values in state.optimizer.buffers.items():
        blocks = network.blocks_of(values)
        optimizer[key] = {
            "weights": [block[:-1].tolist() for block in blocks],
            "biases": [block[-1].tolist() for block in blocks],
        }
    shuffle = state.shuffle
    return {
        "epoch": state.epoch,
        "optimizer": optimizer,
        "shuffle": {
            "seed": shuffle.seed,
            "bit_generator": SHUFFLE_GENERATOR,
            "state": hex(shuffle.state),
            "inc": hex(shuffle.inc),
            "has_uint32": shuffle.has_uint32,
            "uinteger": shuffle.uinteger,
        },
    }


def _history_json(history: LossHistory, points: int | None = None) -> JSONObject:
    """The history's lists, thinned to at most ``points`` (:data:`HISTORY_POINTS`) entries
    each, and with gradient norms to :data:`GRADIENT_NORM_NUMBERS` numbers in all."""
    points = points or HISTORY_POINTS
    if history.gradient_norms:
        points = min(points, GRADIENT_NORM_NUMBERS // len(history.gradient_norms))
    history = history.thinned(points)
    out: JSONObject = (
        {"every": history.every, "epochs": history.epochs} if history.every > 1 else {}
    )
    out["train_loss"] = [float(v) for v in history.train_loss]
    for name in HISTORY_SERIES[1:]:
        values = getattr(history, name)
        # Accuracies are left out when there are none (regression, older files):
        # a file without them is byte for byte what earlier versions wrote.
        if name == "test_loss" or any(v is not None for v in values):
            out[name] = [None if v is None else float(v) for v in values]
    if any(v is not None for norms in history.gradient_norms for v in norms):
        out["gradient_norms"] = [
            [None if v is None else float(v) for v in norms] for norms in history.gradient_norms
        ]
    return out


def dumps(doc: BpnetDocument, history_points: int | None = None) -> str:
    """The document as ``.bpnet`` text. Floats are written exactly (shortest repr).

    A history longer than ``history_points`` (default :data:`HISTORY_POINTS`)
    epochs is thinned (see the module docstring). A number that is not finite raises :class:`FileFormatError`
    naming its field.
    """
    data = to_json(doc, history_points)
    try:
        return json.dumps(data, allow_nan=False, separators=(",", ":"), default=_plain)
    except ValueError:
        where = _first_non_finite(data, "")
        if where is None:
            raise
        raise FileFormatError(
            where, "is not a finite number; a bpdesk file holds finite numbers only"
        ) from None


def _first_non_finite(value: Any, where: str) -> str | None:
    """The field of the first NaN or infinity in ``value`` (None if there is none)."""
    if isinstance(value, (float, np.floating)):
        return None if math.isfinite(value) else where
    if isinstance(value, dict):
        items = ((f"{where}.{k}" if where else str(k), v) for k, v in value.items())
    elif isinstance(value, list):
        items = ((f"{where}[{k}]", v) for k, v in enumerate(value))
    else:
        return None
    for name, item in items:
        found = _first_non_finite(item, name)
        if found is not None:
            return found
    return None


def _plain(value: Any) -> Any:
    # NumPy scalars (a seed or an index computed with NumPy) are written as
    # the plain numbers they hold; anything else is a bug, reported by json.
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    raise TypeError(f"cannot write a {type(value).__name__} into a .bpnet file")


def save(
    doc: BpnetDocument,
    path: str | os.PathLike[str],
    history_points: int | None = None,
    mode: int | None = None,
) -> None:
    """Write ``doc`` to ``path`` atomically (temporary file, then rename).

    Raises :class:`BpdeskError` before writing anything if :func:`load` would
    refuse the file (too large, a number that is not finite, a field out of range).
    ``history_points`` thins a long history harder (the window's autosave, which
    runs while training and must not hold the window up, keeps fewer). ``mode``:
    the file's permissions (the autosave's are private); by default those of the
    file it replaces, or the umask's for a new file. A trainer
    state that would take the file over :data:`MAX_FILE_BYTES` is left out.
    """
    text = dumps(doc, history_points)
    if len(text) > MAX_FILE_BYTES and doc.trainer_state is not None:
        # An optimiser's vectors can double or triple the file of a large network:
        # rather than refuse the save, leave them out (training then starts the
        # optimiser afresh, as with a file from an older bpdesk).
        doc = replace(doc, trainer_state=None)
        text = dumps(doc, history_points)
    while len(text) > MAX_FILE_BYTES and doc.sweeps:
        # So are kept sweeps, the oldest first: the network and its run come first.
        doc = replace(doc, sweeps=doc.sweeps[1:])
        text = dumps(doc, history_points)
    _check_savable(text)
    replace_atomically(path, text, mode)


def check_savable_once_trained(doc: BpnetDocument) -> None:
    """Raise :class:`BpdeskError` if ``doc`` might not be saved after training it further.

    Training changes only the numbers of the network and the history: this checks
    the rest as :func:`load` will, and the size with every parameter written at its
    longest and the longest history a file holds. ``bpdesk train --save`` asks it
    before training rather than refuse to save after it.
    """
    template = doc.network.copy()
    template.parameters[:] = 0  # written "0.0" (3 characters): the longest is counted below
    text = dumps(replace(doc, network=template, history=LossHistory()))
    numbers = template.n_parameters + len(HISTORY_SERIES) * (HISTORY_POINTS + 1)
    if doc.history.gradient_norms:
        numbers += GRADIENT_NORM_NUMBERS + len(doc.history.gradient_norms)
    longest = len(text) + numbers * NUMBER_CHARS + 100  # and "every", "epochs"
    if longest > MAX_FILE_BYTES:
        raise BpdeskError(
            f"once trained, the file could be {longest / 2**20:.1f} MB; a bpdesk file holds "
            f"at most {MAX_FILE_BYTES // 2**20} MB (a smaller dataset or network fits)"
        )
    loads(text)


def _check_savable(text: str) -> None:
    """Raise :class:`BpdeskError` unless :func:`loads` accepts ``text`` as it is."""
    # dumps escapes every non-ASCII character: one character is one byte.
    if len(text) > MAX_FILE_BYTES:
        raise BpdeskError(
            f"the file would be {len(text) / 2**20:.1f} MB; a bpdesk file holds at most "
            f"{MAX_FILE_BYTES // 2**20} MB (a smaller dataset or network fits)"
        )
    # Reading it back is the only check that cannot drift from what load accepts.
    loads(text)


# -- reading ---------------------------------------------------------------------


def load(path: str | os.PathLike[str]) -> BpnetDocument:
    """Read and validate a ``.bpnet`` file; raise :class:`FileFormatError` naming the problem.

    Only a regular file is read (a folder, a device or a named pipe is refused
    at once), and only up to :data:`MAX_FILE_BYTES`.
    """
    try:
        raw = read_regular(path, MAX_FILE_BYTES)
    except FileTooLargeError as exc:
        raise FileFormatError(
            "", f"the file is {exc.size / 2**20:.1f} MB; the limit is {MAX_FILE_BYTES // 2**20} MB"
        ) from None
    except OSError as exc:
        raise FileFormatError("", f"cannot read {str(path)!r}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise FileFormatError("", "this is not a bpdesk file (it is not UTF-8 text)") from None
    return loads(text)


def loads(text: str) -> BpnetDocument:
    """Parse and validate ``.bpnet`` text."""
    if len(text) > MAX_FILE_BYTES:
        raise FileFormatError("", f"the file is larger than {MAX_FILE_BYTES // 2**20} MB")

    def reject_constant(name: str) -> NoReturn:
        raise FileFormatError(
            "", f"{name} is not allowed in a bpdesk file (numbers must be finite)"
        )

    try:
        data = json.loads(text, parse_constant=reject_constant)
    except FileFormatError:
        raise
    except json.JSONDecodeError as exc:
        if _cut_short(text, exc):
            raise FileFormatError("", "the file ends too early (is it truncated?)") from None
        raise FileFormatError(
            "", f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except ValueError:
        # Python refuses to parse integers of more than 4,300 digits.
        raise FileFormatError("", "the file holds a number too long to read") from None
    except RecursionError:
        raise FileFormatError("", "the file is nested too deeply to be a bpdesk file") from None
    return from_json(data)


def _cut_short(text: str, exc: json.JSONDecodeError) -> bool:
    """True when the JSON error comes from the text ending, not from a wrong character."""
    # An unterminated string ran into the end of the text; otherwise the text
    # is cut short when all that follows the error is the start of a value
    # (a file cut after "0.5e" fails at the "e", not at the end).
    if exc.msg.startswith("Unterminated string"):
        return True
    rest = text[exc.pos :].rstrip()
    if not rest:
        return True
    if len(rest) <= 24 and all(c in "+-.eE0123456789" for c in rest):
        return True
    return any(
        word.startswith(rest) for word in ("true", "false", "null", "NaN", "-Infinity", "Infinity")
    )


def from_json(data: Any) -> BpnetDocument:
    """Validate parsed JSON and build the document."""
    root = _object(data, "")
    fmt = root.get("format")
    if fmt != FORMAT:
        raise FileFormatError(
            "format", f'expected "{FORMAT}", got {_show(fmt)} (not a bpdesk file?)'
        )
    version = _integer(root.get("version"), "version", 1, None)
    if version > VERSION:
        raise FileFormatError(
            "version",
            f"written by a newer bpdesk (format {version}); this one reads up to {VERSION}",
        )
    network = _network(_object(_required(root, "network", ""), "network"))
    dataset = None
    if root.get("dataset") is not None:
        dataset = _dataset(_object(root["dataset"], "dataset"), network)
    training = _training(root.get("training"))
    history = _history(root.get("history"), network)
    view = _view(root.get("view"), network, dataset)
    state = None
    if root.get("trainer_state") is not None:
        state = _trainer_state(_object(root["trainer_state"], "trainer_state"), network)
    speed = _speed(root.get("training"))
    sweeps = bpnet_sweeps.read_sweeps(root.get("sweeps"))
    return BpnetDocument(network, dataset, training, history, view, state, speed, sweeps)


def _network(obj: JSONObject) -> Network:
    sizes = _list(_required(obj, "layer_sizes", "network"), "network.layer_sizes", 2, MAX_LAYERS)
    sizes = [
        _integer(n, f"network.layer_sizes[{k}]", 1, MAX_LAYER_SIZE) for k, n in enumerate(sizes)
    ]
    n_layers = len(sizes) - 1
    acts = _list(
        _required(obj, "activations", "network"), "network.activations", n_layers, n_layers
    )
    acts = [_choice(a, f"network.activations[{k}]", ACTIVATIONS) for k, a in enumerate(acts)]
    loss = _choice(_required(obj, "loss", "network"), "network.loss", LOSSES)
    init = _choice(obj.get("init", "xavier"), "network.init", INITIALIZERS)
    seed = _integer(obj.get("seed", 0), "network.seed", 0, 2**63 - 1)
    dtype = _choice(obj.get("dtype", "float64"), "network.dtype", DTYPES)
    bias = obj.get("bias", True)
    if not isinstance(bias, bool):
        raise FileFormatError("network.bias", f"expected true or false, got {_show(bias)}")
    n_params = sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))
    if n_params > MAX_PARAMETERS:
        raise FileFormatError(
            "network.layer_sizes", f"{n_params} parameters; the limit is {MAX_PARAMETERS}"
        )
    weights_raw = _list(_required(obj, "weights", "network"), "network.weights", n_layers, n_layers)
    biases_raw = _list(_required(obj, "biases", "network"), "network.biases", n_layers, n_layers)
    weights = [
        _matrix(w, f"network.weights[{l}]", sizes[l], sizes[l + 1], np.dtype(dtype))
        for l, w in enumerate(weights_raw)
    ]
    biases = [
        _vector(b, f"network.biases[{l}]", sizes[l + 1], np.dtype(dtype))
        for l, b in enumerate(biases_raw)
    ]
    if not bias:
        for l, b in enumerate(biases):
            if np.any(b != 0):
                raise FileFormatError(
                    f"network.biases[{l}]", "a network without biases (bias: false) needs them at 0"
                )
    try:
        net = Network(sizes, acts, loss=loss, init=init, seed=seed, dtype=dtype, bias=bias)
    except BpdeskError as exc:
        raise FileFormatError("network", str(exc)) from None
    net.weights = weights
    if bias:
        net.biases = biases
    return net


def _dataset(obj: JSONObject, network: Network) -> Dataset:
    features = _features(obj, network)
    if features is None:
        return _points(obj, network.layer_sizes[0], network)
    plane = _points(obj, 2, network)
    try:
        return plane.with_features(features)
    except BpdeskError as exc:
        raise FileFormatError("dataset.features", str(exc)) from None


def _features(obj: JSONObject, network: Network) -> tuple[str, ...] | None:
    """``dataset.features``, checked against the network's inputs (None: the points)."""
    value = obj.get("features")
    if value is None:
        return None
    names = _list(value, "dataset.features", 1, len(FEATURES))
    try:
        features = parse_features(names)
    except BpdeskError as exc:
        raise FileFormatError("dataset.features", str(exc)) from None
    if list(features) != names:
        # The network's inputs are in this order: another order would swap its weights.
        raise FileFormatError(
            "dataset.features", f"expected each at most once, in the order {','.join(FEATURES)}"
        )
    n_in = network.layer_sizes[0]
    if len(features) != n_in:
        raise FileFormatError(
            "dataset.features", f"{len(features)} features for a network with {n_in} inputs"
        )
    return features


def _points(obj: JSONObject, n_in: int, network: Network) -> Dataset:
    """The dataset's rows, of ``n_in`` inputs each (the network's, or a plane's 2)."""
    kind = _choice(_required(obj, "kind", "dataset"), "dataset.kind", KINDS)
    n_out = network.layer_sizes[-1]
    parts: list[np.ndarray] = []  # X and T of the training set, then of the test set
    for part in ("train", "test"):
        where = f"dataset.{part}"
        sub = _object(_required(obj, part, "dataset"), where)
        xs = _list(
            _required(sub, "x", where), f"{where}.x", 1 if part == "train" else 0, MAX_SAMPLES
        )
        ts = _list(_required(sub, "t", where), f"{where}.t", len(xs), len(xs))
        # Say which way a dataset does not fit the network, not just "wrong length".
        for rows, n, key, what in ((xs, n_in, "x", "input"), (ts, n_out, "t", "output")):
            for r, row in enumerate(rows):
                if isinstance(row, list) and len(row) != n:
                    raise FileFormatError(
                        f"{where}.{key}[{r}]",
                        f"has {len(row)} values but the network has {n} {what}"
                        + ("" if n == 1 else "s"),
                    )
        # The network computes in its own dtype: the data must fit it too.
        X = _matrix(xs, f"{where}.x", len(xs), n_in, network.dtype)
        T = _matrix(ts, f"{where}.t", len(ts), n_out, network.dtype)
        _check_targets(T, kind, f"{where}.t")
        parts += [X, T]
    title = obj.get("title", "")
    if not isinstance(title, str) or len(title) > MAX_TITLE_CHARS:
        raise FileFormatError("dataset.title", "expected a short text")
    names = obj.get("feature_names")
    names = [] if names is None else _list(names, "dataset.feature_names", 0, n_in)
    if names and (
        len(names) != n_in
        or not all(isinstance(n, str) and len(n) <= MAX_FEATURE_NAME_CHARS for n in names)
    ):
        raise FileFormatError("dataset.feature_names", f"expected {n_in} short texts")
    spec = None
    if obj.get("spec") is not None:
        spec = _spec(_object(obj["spec"], "dataset.spec"))
    X_train, T_train, X_test, T_test = parts
    try:
        return Dataset(
            kind,
            X_train,
            T_train,
            X_test,
            T_test,
            spec=spec,
            title=title,
            feature_names=tuple(names),
        )
    except BpdeskError as exc:
        raise FileFormatError("dataset", str(exc)) from None


def _spec(obj: JSONObject) -> DatasetSpec:
    name = _choice(_required(obj, "name", "dataset.spec"), "dataset.spec.name", GENERATORS)
    values: JSONObject = {}  # numbers so far: check_spec says which are out of range
    for f in fields(DatasetSpec):
        if f.name != "name" and f.name in obj:
            value = obj[f.name]
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise FileFormatError(
                    f"dataset.spec.{f.name}", f"expected a number, got {_show(value)}"
                )
            values[f.name] = value
    spec = DatasetSpec(name, **values)
    if name == "xor":
        # The explainer's four points have no settings: whatever the file says
        # (a huge sample count would overflow the data panel's spin boxes).
        return XOR_SPEC
    try:
        return check_spec(spec)
    except BpdeskError as exc:
        raise FileFormatError("dataset.spec", str(exc)) from None


def _check_targets(T: np.ndarray, kind: str, where: str) -> None:
    if kind == "binary":
        bad = np.argwhere((T != 0) & (T != 1))
        if bad.size:
            r, c = bad[0]
            raise FileFormatError(
                f"{where}[{r}][{c}]", f"a binary target must be 0 or 1, got {T[r, c]:g}"
            )
    elif kind == "multiclass":
        onehot = np.all((T == 0) | (T == 1), axis=1) & (T.sum(axis=1) == 1)
        bad_rows = np.flatnonzero(~onehot)
        if bad_rows.size:
            raise FileFormatError(
                f"{where}[{bad_rows[0]}]", "a class target must be one 1 among 0s"
            )


def _training(value: Any) -> TrainConfig:
    if value is None:
        return TrainConfig()
    obj = _object(value, "training")
    known = {f.name: f for f in fields(TrainConfig)}
    values = {}
    for key, item in obj.items():
        if key not in known:
            continue  # written by a newer bpdesk: ignore what this one does not know
        where = f"training.{key}"
        if key in ("optimizer", "regularization"):
            if not isinstance(item, str):
                raise FileFormatError(where, f"expected a name, got {_show(item)}")
        elif key == "epochs" and item is None:
            pass
        elif key == "batch_size":
            item = _batch_size(item, where)
        elif key in ("seed", "snapshot_every", "epochs"):
            item = _integer(item, where, 0, 2**63 - 1)
        else:
            item = _number(item, where)
        values[key] = item
    try:
        return TrainConfig(**values).validated()
    except BpdeskError as exc:
        raise FileFormatError(_culprit(values), str(exc)) from None


def _batch_size(value: Any, where: str) -> int:
    size = _integer(value, where, 0, None)
    if size > MAX_BATCH_SIZE:
        raise FileFormatError(
            where,
            f"must be from 0 to {MAX_BATCH_SIZE}, got {size}: no dataset has more than "
            f"{MAX_SAMPLES} examples (0 trains on all of them at once)",
        )
    return size


def _speed(training: Any) -> float | Unset | None:
    """``training.speed``: epochs per second, None for as fast as it goes (see the docstring)."""
    if not isinstance(training, dict) or "speed" not in training:
        return UNSET  # a training object that is not one is reported by _training
    value = training["speed"]
    if value is None:
        return None
    speed = _number(value, "training.speed")
    if not 0 < speed <= MAX_SPEED:
        raise FileFormatError(
            "training.speed",
            f"must be from 0 to {MAX_SPEED:g} epochs per second (null: as fast as it goes), "
            f"got {speed:g}",
        )
    return speed


def _trainer_state(obj: JSONObject, network: Network) -> TrainerState:
    epoch = _integer(_required(obj, "epoch", "trainer_state"), "trainer_state.epoch", 0, MAX_EPOCHS)
    where = "trainer_state.optimizer"
    raw = _object(_required(obj, "optimizer", "trainer_state"), where)
    name = _choice(_required(raw, "name", where), f"{where}.name", OPTIMIZERS)
    steps = _integer(raw.get("steps", 0), f"{where}.steps", 0, MAX_STEPS)
    names = make_optimizer(name, 0, network.dtype, 1.0).buffer_names
    buffers = {key: _buffer(_required(raw, key, where), f"{where}.{key}", network) for key in names}
    if "v" in buffers:
        # Adam's second moment is a mean of squares: a negative one has no square root.
        _check_not_negative(buffers["v"], f"{where}.v", network)
    shuffle = _shuffle(_object(_required(obj, "shuffle", "trainer_state"), "trainer_state.shuffle"))
    return TrainerState(epoch, OptimizerState(name, steps, buffers), shuffle)


def _buffer(value: Any, where: str, network: Network) -> np.ndarray:
    """One optimiser vector, given as ``weights`` and ``biases`` shaped like the network's."""
    obj = _object(value, where)
    sizes, n = network.layer_sizes, network.n_layers
    weights = _list(_required(obj, "weights", where), f"{where}.weights", n, n)
    biases = _list(_required(obj, "biases", where), f"{where}.biases", n, n)
    flat = np.zeros_like(network.parameters)
    for l, block in enumerate(network.blocks_of(flat)):
        block[:-1] = _matrix(
            weights[l], f"{where}.weights[{l}]", sizes[l], sizes[l + 1], flat.dtype
        )
        block[-1] = _vector(biases[l], f"{where}.biases[{l}]", sizes[l + 1], flat.dtype)
        if not network.has_bias and np.any(block[-1] != 0):
            # Non-zero, they would move the biases a network without them keeps at 0.
            raise FileFormatError(
                f"{where}.biases[{l}]", "a network without biases needs them at 0"
            )
    return flat


def _check_not_negative(flat: np.ndarray, where: str, network: Network) -> None:
    """Name the first negative entry of ``flat`` (laid out like the network's parameters)."""
    negative = np.flatnonzero(flat < 0)
    if negative.size:
        layer, i, j = network.parameter_at(int(negative[0]))
        field = (
            f"{where}.biases[{layer}][{j}]" if i is None else f"{where}.weights[{layer}][{i}][{j}]"
        )
        raise FileFormatError(
            field, f"Adam's second moment cannot be negative, got {flat[negative[0]]:g}"
        )


def _shuffle(obj: JSONObject) -> ShuffleState:
    where = "trainer_state.shuffle"
    seed = _integer(_required(obj, "seed", where), f"{where}.seed", 0, 2**63 - 1)
    kind = _choice(
        obj.get("bit_generator", SHUFFLE_GENERATOR), f"{where}.bit_generator", (SHUFFLE_GENERATOR,)
    )
    values = [_hex128(_required(obj, key, where), f"{where}.{key}") for key in ("state", "inc")]
    has_uint32 = _integer(obj.get("has_uint32", 0), f"{where}.has_uint32", 0, 1)
    uinteger = _integer(obj.get("uinteger", 0), f"{where}.uinteger", 0, 2**32 - 1)
    shuffle = ShuffleState(seed, values[0], values[1], has_uint32, uinteger)
    try:
        shuffle.generator()  # NumPy checks what it takes
    except (ValueError, TypeError) as exc:
        raise FileFormatError(where, f"not a {kind} state NumPy accepts ({exc})") from None
    return shuffle


def _hex128(value: Any, where: str) -> int:
    """A 128-bit number written as hexadecimal text, ``"0x…"``."""
    if not isinstance(value, str) or not value.startswith("0x") or len(value) > 34:
        raise FileFormatError(
            where, f'expected a 128-bit number as text like "0x1f", got {_show(value)}'
        )
    try:
        return int(value, 16)
    except ValueError:
        raise FileFormatError(where, f"expected hexadecimal digits, got {_show(value)}") from None


def _culprit(values: JSONObject) -> str:
    """The training setting that is wrong on its own, or "training" for a combination."""
    for key, item in values.items():
        try:
            TrainConfig(**{key: item}).validated()  # the defaults are valid: only ``key`` can fail
        except BpdeskError:
            return f"training.{key}"
    return "training"


def _history(value: Any, network: Network) -> LossHistory:
    if value is None:
        return LossHistory()
    obj = _object(value, "history")
    every = _integer(obj.get("every", 1), "history.every", 1, MAX_EPOCHS)
    train = _list(obj.get("train_loss", []), "history.train_loss", 0, MAX_HISTORY_ENTRIES)
    if every == 1 and "epochs" not in obj:
        epochs = len(train)
    else:
        epochs = _integer(obj.get("epochs"), "history.epochs", 0, MAX_EPOCHS)
        expected = entries_for(epochs, every)
        if len(train) != expected:
            raise FileFormatError(
                "history.train_loss",
                f"expected {expected} entries ({epochs} epochs, one every {every}), got {len(train)}",
            )
    train_loss = _series(train, "history.train_loss", nullable=False)
    others: dict[str, list[float | None]] = {}  # test loss and the accuracies
    for name in HISTORY_SERIES[1:]:
        where = f"history.{name}"
        values = _list(obj.get(name, []), where, 0, MAX_HISTORY_ENTRIES)
        if values and len(values) != len(train):
            raise FileFormatError(where, f"expected {len(train)} entries, got {len(values)}")
        unit = name.endswith("accuracy")
        others[name] = _series(values, where, nullable=True, unit=unit) or [None] * len(train)
    norms = _gradient_norms(obj.get("gradient_norms"), len(train), network)
    # Kept thinned: stretched back to one entry per epoch, a small file could ask
    # for any amount of memory.
    return LossHistory(
        train_loss,
        others["test_loss"],
        others["train_accuracy"],
        others["test_accuracy"],
        every=every,
        span=epochs,
        gradient_norms=norms,
    )


def _gradient_norms(value: Any, entries: int, network: Network) -> list[list[float | None]]:
    """``history.gradient_norms``: one list per weight layer, an entry per loss entry,
    each a length (not negative) or null."""
    if value is None:
        return []
    where = "history.gradient_norms"
    layers = _list(value, where, network.n_layers, network.n_layers)
    out: list[list[float | None]] = []
    for layer, norms in enumerate(layers):
        at = f"{where}[{layer}]"
        values = _list(norms, at, entries, entries)
        series = _series(values, at, nullable=True)
        for k, v in enumerate(series):
            if v is not None and v < 0:
                raise FileFormatError(f"{at}[{k}]", f"a length cannot be negative, got {v:g}")
        out.append(series)
    return out


def _view(value: Any, network: Network, dataset: Dataset | None) -> ViewState:
    if value is None:
        return ViewState()
    obj = _object(value, "view")
    mode = _choice(obj.get("mode", "forward"), "view.mode", VIEW_MODES)
    selected = None
    if obj.get("selected") is not None:
        sel = _object(obj["selected"], "view.selected")
        layer = _integer(sel.get("layer"), "view.selected.layer", 0, network.n_layers - 1)
        n_in, n_out = network.layer_sizes[layer], network.layer_sizes[layer + 1]
        i = None if sel.get("i") is None else _integer(sel["i"], "view.selected.i", 0, n_in - 1)
        if i is None and not network.has_bias:
            raise FileFormatError(
                "view.selected.i",
                "null selects a bias, but this network has none (network.bias is false)",
            )
        j = _integer(sel.get("j"), "view.selected.j", 0, n_out - 1)
        selected = (layer, i, j)
    sample = obj.get("sample")
    if sample is not None:
        limit = dataset.n_train - 1 if dataset is not None else 0
        sample = _integer(sample, "view.sample", 0, limit)
    return ViewState(mode, selected, sample)


# -- field checks ----------------------------------------------------------------

_FLOAT_MAX = int(np.finfo(np.float64).max)


def _show(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    text = json.dumps(value)  # JSON only holds str, int, float, bool and null here
    return text if len(text) <= 40 else text[:37] + "..."


def _required(obj: JSONObject, key: str, where: str) -> Any:
    if key not in obj:
        raise FileFormatError(f"{where}.{key}" if where else key, "missing")
    return obj[key]


def _object(value: Any, where: str) -> JSONObject:
    if not isinstance(value, dict):
        raise FileFormatError(where, f"expected an object, got {_show(value)}")
    return value


def _list(value: Any, where: str, low: int, high: int | None) -> list[Any]:
    if not isinstance(value, list):
        raise FileFormatError(where, f"expected a list, got {_show(value)}")
    if len(value) < low or (high is not None and len(value) > high):
        want = (
            f"{low}"
            if low == high
            else f"{low} to {high}"
            if high is not None
            else f"at least {low}"
        )
        raise FileFormatError(where, f"expected {want} entries, got {len(value)}")
    return value


def _integer(value: Any, where: str, low: int, high: int | None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise FileFormatError(where, f"expected a whole number, got {_show(value)}")
    if value < low or (high is not None and value > high):
        bound = f"from {low} to {high}" if high is not None else f"≥ {low}"
        raise FileFormatError(where, f"must be {bound}, got {value}")
    return value


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FileFormatError(where, f"expected a number, got {_show(value)}")
    try:
        value = float(value)
    except OverflowError:  # a whole number beyond the float range
        value = math.inf
    if not math.isfinite(value):
        raise FileFormatError(where, "expected a finite number")
    return value


def _choice(value: Any, where: str, choices: Collection[str]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise FileFormatError(where, f"expected one of {', '.join(choices)}; got {_show(value)}")
    return value


def _vector(value: Any, where: str, n: int, dtype: np.dtype | None = None) -> np.ndarray:
    _list(value, where, n, n)
    for k, v in enumerate(value):
        if type(v) is not float and type(v) is not int:
            raise FileFormatError(f"{where}[{k}]", f"expected a number, got {_show(v)}")
        if type(v) is int and abs(v) > _FLOAT_MAX:
            raise FileFormatError(f"{where}[{k}]", "expected a finite number")
    array = np.array(value, dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(array))
    if bad.size:
        raise FileFormatError(f"{where}[{bad[0]}]", "expected a finite number")
    if dtype is not None and dtype != np.float64:
        # Finite in float64 is not enough: 1e300 becomes inf in a float32 network.
        with np.errstate(over="ignore"):
            bad = np.flatnonzero(np.isinf(array.astype(dtype)))
        if bad.size:
            k = bad[0]
            raise FileFormatError(
                f"{where}[{k}]",
                f"{array[k]:g} is too large for a {dtype.name} network "
                f"(at most ±{float(np.finfo(dtype).max):.7g})",
            )
    return array


def _matrix(
    value: Any, where: str, rows: int, cols: int, dtype: np.dtype | None = None
) -> np.ndarray:
    _list(value, where, rows, rows)
    out = np.empty((rows, cols))
    for r, row in enumerate(value):
        out[r] = _vector(row, f"{where}[{r}]", cols, dtype)
    return out


_SERIES_TYPES = frozenset({float, int})
_NULLABLE_SERIES_TYPES = frozenset({float, int, type(None)})


@overload
def _series(
    values: list[Any], where: str, nullable: Literal[False], unit: bool = False
) -> list[float]: ...


@overload
def _series(
    values: list[Any], where: str, nullable: Literal[True], unit: bool = False
) -> list[float | None]: ...


def _series(
    values: list[Any], where: str, nullable: bool, unit: bool = False
) -> list[float] | list[float | None]:
    """A history list as floats (and None where ``nullable``); ``unit``: each in [0, 1]."""
    accepted = _series_at_once(values, nullable, unit)
    if accepted is not None:
        return accepted
    # One by one, to name the first bad entry.
    out: list[float | None] = []
    for k, v in enumerate(values):
        if v is None and nullable:
            out.append(None)
            continue
        number = _number(v, f"{where}[{k}]")
        if unit and not 0 <= number <= 1:
            raise FileFormatError(f"{where}[{k}]", f"must be from 0 to 1, got {number:g}")
        out.append(number)
    return out


def _series_at_once(values: list[Any], nullable: bool, unit: bool) -> list[float | None] | None:
    """``values`` as :func:`_series` returns them if all are fine, else None."""
    # A long run holds millions of entries: checked with NumPy, in a fraction of
    # the time a Python loop over them takes.
    kinds = set(map(type, values))
    if not kinds <= (_NULLABLE_SERIES_TYPES if nullable else _SERIES_TYPES):
        return None
    try:
        array = np.array(values, dtype=np.float64)  # None becomes NaN
    except OverflowError:  # a whole number beyond the float range
        return None
    missing = np.isnan(array)
    nulls = values.count(None) if nullable else 0
    # Every NaN must be a null: a NaN float is as bad as an infinite one.
    if np.isinf(array).any() or np.count_nonzero(missing) != nulls:
        return None
    if unit and nulls < len(values):
        numbers = array[~missing]
        if numbers.min() < 0 or numbers.max() > 1:
            return None
    if int not in kinds:
        return list(values)
    return [None if v != v else v for v in array.tolist()]
