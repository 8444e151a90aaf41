"""The ``.bpnet`` file: versioned JSON with a network, its data, settings and history.

Loading checks every field (type, shape, range, finite numbers) and names the
first offending one, e.g. ``network.weights[1][3][0]: expected a number, got
"abc"``; nothing in a file is ever executed. Saving writes a temporary file
next to the target and renames it over, so a crash never leaves half a file.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from bpdesk import __version__
from bpdesk.core.activations import ACTIVATIONS
from bpdesk.core.datasets import (
    GENERATORS,
    KINDS,
    MAX_SAMPLES,
    Dataset,
    DatasetSpec,
    check_spec,
    xor,
)
from bpdesk.core.errors import BpdeskError, FileFormatError
from bpdesk.core.initializers import INITIALIZERS
from bpdesk.core.losses import LOSSES
from bpdesk.core.network import DTYPES, Network
from bpdesk.core.training import TrainConfig

FORMAT = "bpnet"
VERSION = 1
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_LAYERS = 34  # input + 32 hidden + output
MAX_LAYER_SIZE = 4096
MAX_PARAMETERS = 5_000_000
MAX_HISTORY = 10_000_000
VIEW_MODES = ("forward", "backward")


@dataclass(frozen=True)
class ViewState:
    """What the window was showing: the view, the selected parameter and sample."""

    mode: str = "forward"
    selected: tuple[int, int | None, int] | None = None  # (layer, i or None for a bias, j)
    sample: int | None = None  # None: the batch mean


@dataclass
class LossHistory:
    """Loss per epoch since the network was created (``test_loss`` entries may be None)."""

    train_loss: list[float] = field(default_factory=list)
    test_loss: list[float | None] = field(default_factory=list)

    @property
    def epochs(self) -> int:
        """Number of epochs recorded."""
        return len(self.train_loss)


@dataclass
class BpnetDocument:
    """Everything a ``.bpnet`` file holds."""

    network: Network
    dataset: Dataset | None = None
    training: TrainConfig = field(default_factory=TrainConfig)
    history: LossHistory = field(default_factory=LossHistory)
    view: ViewState = field(default_factory=ViewState)


# -- writing ---------------------------------------------------------------------


def to_json(doc: BpnetDocument) -> dict:
    """The document as plain JSON values."""
    net = doc.network
    data = {
        "format": FORMAT,
        "version": VERSION,
        "app": f"bpdesk {__version__}",
        "network": {
            "layer_sizes": list(net.layer_sizes),
            "activations": list(net.activations),
            "loss": net.loss,
            "init": net.init,
            "seed": net.seed,
            "dtype": net.dtype.name,
            "weights": [w.tolist() for w in net.weights],
            "biases": [b.tolist() for b in net.biases],
        },
        "dataset": None,
        "training": doc.training.to_dict(),
        "history": {
            "train_loss": [float(v) for v in doc.history.train_loss],
            "test_loss": [None if v is None else float(v) for v in doc.history.test_loss],
        },
        "view": {
            "mode": doc.view.mode,
            "selected": None
            if doc.view.selected is None
            else dict(zip(("layer", "i", "j"), doc.view.selected)),
            "sample": doc.view.sample,
        },
    }
    if doc.dataset is not None:
        ds = doc.dataset
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
    return data


def dumps(doc: BpnetDocument) -> str:
    """The document as ``.bpnet`` text. Floats are written exactly (shortest repr)."""
    return json.dumps(to_json(doc), allow_nan=False, separators=(",", ":"), default=_plain)


def _plain(value: Any) -> Any:
    # NumPy scalars (a seed or an index computed with NumPy) are written as
    # the plain numbers they hold; anything else is a bug, reported by json.
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    raise TypeError(f"cannot write a {type(value).__name__} into a .bpnet file")


def save(doc: BpnetDocument, path: str | os.PathLike) -> None:
    """Write ``doc`` to ``path`` atomically (temporary file, then rename)."""
    path = Path(path)
    text = dumps(doc)
    mode = _file_mode(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        # mkstemp makes the file private (0600); give it the permissions an
        # ordinary save would have, or those of the file it replaces.
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _file_mode(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


# -- reading ---------------------------------------------------------------------


def load(path: str | os.PathLike) -> BpnetDocument:
    """Read and validate a ``.bpnet`` file; raise :class:`FileFormatError` naming the problem."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise FileFormatError(
                "", f"the file is {size / 2**20:.1f} MB; the limit is {MAX_FILE_BYTES // 2**20} MB"
            )
        raw = path.read_bytes()
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

    def reject_constant(name: str):
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
    history = _history(root.get("history"))
    view = _view(root.get("view"), network, dataset)
    return BpnetDocument(network, dataset, training, history, view)


def _network(obj: dict) -> Network:
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
    n_params = sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))
    if n_params > MAX_PARAMETERS:
        raise FileFormatError(
            "network.layer_sizes", f"{n_params} parameters; the limit is {MAX_PARAMETERS}"
        )
    weights_raw = _list(_required(obj, "weights", "network"), "network.weights", n_layers, n_layers)
    biases_raw = _list(_required(obj, "biases", "network"), "network.biases", n_layers, n_layers)
    weights = [
        _matrix(w, f"network.weights[{l}]", sizes[l], sizes[l + 1])
        for l, w in enumerate(weights_raw)
    ]
    biases = [_vector(b, f"network.biases[{l}]", sizes[l + 1]) for l, b in enumerate(biases_raw)]
    try:
        net = Network(sizes, acts, loss=loss, init=init, seed=seed, dtype=dtype)
    except BpdeskError as exc:
        raise FileFormatError("network", str(exc)) from None
    net.weights = weights
    net.biases = biases
    return net


def _dataset(obj: dict, network: Network) -> Dataset:
    kind = _choice(_required(obj, "kind", "dataset"), "dataset.kind", KINDS)
    n_in, n_out = network.layer_sizes[0], network.layer_sizes[-1]
    parts = []
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
        X = _matrix(xs, f"{where}.x", len(xs), n_in)
        T = _matrix(ts, f"{where}.t", len(ts), n_out)
        _check_targets(T, kind, f"{where}.t")
        parts += [X, T]
    title = obj.get("title", "")
    if not isinstance(title, str) or len(title) > 200:
        raise FileFormatError("dataset.title", "expected a short text")
    names = obj.get("feature_names")
    names = [] if names is None else _list(names, "dataset.feature_names", 0, n_in)
    if names and (
        len(names) != n_in or not all(isinstance(n, str) and len(n) <= 100 for n in names)
    ):
        raise FileFormatError("dataset.feature_names", f"expected {n_in} short texts")
    spec = None
    if obj.get("spec") is not None:
        spec = _spec(_object(obj["spec"], "dataset.spec"))
    try:
        return Dataset(kind, *parts, spec=spec, title=title, feature_names=tuple(names))
    except BpdeskError as exc:
        raise FileFormatError("dataset", str(exc)) from None


def _spec(obj: dict) -> DatasetSpec:
    name = _choice(_required(obj, "name", "dataset.spec"), "dataset.spec.name", GENERATORS)
    values = {}
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
        return xor().spec
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
        bad = np.flatnonzero(~onehot)
        if bad.size:
            raise FileFormatError(f"{where}[{bad[0]}]", "a class target must be one 1 among 0s")


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
        elif key in ("batch_size", "seed", "snapshot_every", "epochs"):
            item = _integer(item, where, 0, 2**63 - 1)
        else:
            item = _number(item, where)
        values[key] = item
    try:
        return TrainConfig(**values).validated()
    except BpdeskError as exc:
        raise FileFormatError("training", str(exc)) from None


def _history(value: Any) -> LossHistory:
    if value is None:
        return LossHistory()
    obj = _object(value, "history")
    train = _list(obj.get("train_loss", []), "history.train_loss", 0, MAX_HISTORY)
    test = _list(obj.get("test_loss", []), "history.test_loss", 0, MAX_HISTORY)
    if test and len(test) != len(train):
        raise FileFormatError(
            "history.test_loss", f"expected {len(train)} entries, got {len(test)}"
        )
    train = [_number(v, f"history.train_loss[{k}]") for k, v in enumerate(train)]
    test = [
        None if v is None else _number(v, f"history.test_loss[{k}]") for k, v in enumerate(test)
    ]
    return LossHistory(train, test or [None] * len(train))


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


def _required(obj: dict, key: str, where: str) -> Any:
    if key not in obj:
        raise FileFormatError(f"{where}.{key}" if where else key, "missing")
    return obj[key]


def _object(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise FileFormatError(where, f"expected an object, got {_show(value)}")
    return value


def _list(value: Any, where: str, low: int, high: int | None) -> list:
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


def _choice(value: Any, where: str, choices) -> str:
    if not isinstance(value, str) or value not in choices:
        raise FileFormatError(where, f"expected one of {', '.join(choices)}; got {_show(value)}")
    return value


def _vector(value: Any, where: str, n: int) -> np.ndarray:
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
    return array


def _matrix(value: Any, where: str, rows: int, cols: int) -> np.ndarray:
    _list(value, where, rows, rows)
    out = np.empty((rows, cols))
    for r, row in enumerate(value):
        out[r] = _vector(row, f"{where}[{r}]", cols)
    return out
