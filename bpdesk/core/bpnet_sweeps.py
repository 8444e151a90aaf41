"""The ``sweeps`` section of a ``.bpnet`` file: the sweeps a document keeps
(:class:`~bpdesk.core.sweep_kept.KeptSweep`), newest last.

Each sweep is an object: its ``network`` (the architecture, written and
checked as the file's own network is), its ``training`` settings, the
``dataset`` name, ``target``, ``epoch`` and ``stopped``, then one entry per
run in every list: ``seeds``, ``learning_rates``, ``epochs``,
``final_losses``, ``epochs_to_target`` (-1: never), ``diverged_at`` (0: it
did not), ``reasons``, optionally ``train_accuracy``, ``test_losses`` and
``test_accuracy``, and ``curves`` (one list per run, a value per entry of
``curve_epochs``; null where a run had stopped) and, when kept,
``parameters`` (one flat list per run, laid out like the network's).

A file without the section opens as before, and older bpdesk versions skip it.
Reading checks every field as the rest of the file is checked and names the
first bad one (``sweeps[0].final_losses[3]: expected a number``), and holds
the section to the bounds a document keeps (:data:`MAX_KEPT_SWEEPS` sweeps,
:data:`~bpdesk.core.sweep_spec.MAX_NETWORKS` runs each, and the curve and
weight limits of :mod:`bpdesk.core.sweep_kept`): a hostile file is refused
before it can ask for much memory.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

# The file's own field checks: this module is a section of that format. Imported as
# a module, since bpdesk.core.bpnet imports this one as it loads.
import bpdesk.core.bpnet as bpnet
from bpdesk.core.errors import FileFormatError
from bpdesk.core.network import Network
from bpdesk.core.sweep_kept import (
    KEPT_CURVE_POINTS,
    MAX_CURVE_NUMBERS,
    MAX_DATASET_CHARS,
    MAX_KEPT_PARAMETERS,
    KeptSweep,
)
from bpdesk.core.sweep_record import SweepRun
from bpdesk.core.sweep_spec import MAX_NETWORKS, MAX_SEED

MAX_KEPT_SWEEPS = 4  # a document keeps the latest few, to compare (2-2-1 against 2-4-1)
MAX_REASON_CHARS = 1000
T = TypeVar("T")
OPTIONAL = ("train_accuracy", "test_losses", "test_accuracy")


# -- writing ------------------------------------------------------------------------------


def _nullable(values: np.ndarray) -> list[float | None]:
    return [v if math.isfinite(v) else None for v in values.astype(np.float64).tolist()]


def sweep_json(sweep: KeptSweep) -> dict[str, Any]:
    """One kept sweep as plain JSON values."""
    net = sweep.template
    network = bpnet.network_json(net)
    out: dict[str, Any] = {
        "network": network,
        "training": sweep.config.to_dict(),
        "dataset": sweep.dataset,
        "target": sweep.target,
        "epoch": sweep.epoch,
        "stopped": sweep.stopped,
        "seeds": list(sweep.seeds),
        "learning_rates": list(sweep.learning_rates),
        "epochs": sweep.epochs.tolist(),
        "final_losses": _nullable(sweep.final_losses),
        "epochs_to_target": sweep.epochs_to_target.tolist(),
        "diverged_at": sweep.diverged_at.tolist(),
        "reasons": list(sweep.reasons),
        "curve_epochs": sweep.curve_epochs.tolist(),
        "curves": [_nullable(row) for row in sweep.curves],
    }
    for name in OPTIONAL:
        values = getattr(sweep, name)
        if values is not None:
            out[name] = _nullable(values)
    if sweep.parameters is not None:
        out["parameters"] = sweep.parameters.astype(np.float64).tolist()
    return out


def sweeps_json(sweeps: tuple[KeptSweep, ...]) -> list[dict[str, Any]]:
    """The ``sweeps`` section."""
    return [sweep_json(sweep) for sweep in sweeps]


# -- reading ------------------------------------------------------------------------------


def read_sweeps(value: Any) -> tuple[KeptSweep, ...]:
    """The ``sweeps`` section of a parsed file, checked (see the module)."""
    if value is None:
        return ()
    items = bpnet._list(value, "sweeps", 0, MAX_KEPT_SWEEPS)
    return tuple(read_sweep(item, f"sweeps[{i}]") for i, item in enumerate(items))


def read_sweep(value: Any, where: str) -> KeptSweep:
    """One sweep object; ``where`` names it in messages (``sweeps[0]``)."""
    obj = bpnet._object(value, where)
    template = _template(bpnet._required(obj, "network", where), f"{where}.network")
    config = _within(where, lambda: bpnet._training(obj.get("training")))
    dataset = obj.get("dataset", "")
    if not isinstance(dataset, str) or len(dataset) > MAX_DATASET_CHARS:
        raise FileFormatError(f"{where}.dataset", "expected a short text")
    target = bpnet._number(bpnet._required(obj, "target", where), f"{where}.target")
    if target <= 0:
        raise FileFormatError(f"{where}.target", f"must be a positive number, got {target:g}")
    epoch = bpnet._integer(obj.get("epoch", 0), f"{where}.epoch", 0, bpnet.MAX_EPOCHS)
    stopped = obj.get("stopped", False)
    if not isinstance(stopped, bool):
        raise FileFormatError(
            f"{where}.stopped", f"expected true or false, got {bpnet._show(stopped)}"
        )
    runs = _runs(obj, where)
    k = len(runs)
    lists = {
        name: bpnet._list(bpnet._required(obj, name, where), f"{where}.{name}", k, k)
        for name in ("epochs", "final_losses", "epochs_to_target", "diverged_at", "reasons")
    }
    epochs = _whole(lists["epochs"], f"{where}.epochs", 0, epoch)
    to_target = _whole(lists["epochs_to_target"], f"{where}.epochs_to_target", -1, epoch)
    diverged = _whole(lists["diverged_at"], f"{where}.diverged_at", 0, epoch)
    reasons = lists["reasons"]
    for i, reason in enumerate(reasons):
        if not isinstance(reason, str) or len(reason) > MAX_REASON_CHARS:
            raise FileFormatError(f"{where}.reasons[{i}]", "expected a short text")
    final = _values(lists["final_losses"], f"{where}.final_losses")
    optional = {}
    for name in OPTIONAL:
        if obj.get(name) is not None:
            raw = bpnet._list(obj[name], f"{where}.{name}", k, k)
            optional[name] = _values(raw, f"{where}.{name}")
    curve_epochs, curves = _curves(obj, where, k, epoch)
    parameters = _parameters(obj.get("parameters"), f"{where}.parameters", template, k)
    return KeptSweep(
        template=template,
        runs=runs,
        target=target,
        epoch=epoch,
        config=config,
        dataset=dataset,
        stopped=stopped,
        epochs=epochs,
        final_losses=final,
        epochs_to_target=to_target,
        diverged_at=diverged,
        reasons=tuple(reasons),
        curve_epochs=curve_epochs,
        curves=curves,
        parameters=parameters,
        **optional,
    )


def _within(where: str, read: Callable[[], T]) -> T:
    """``read()``, its field errors named inside this sweep (``sweeps[0].training.…``)."""
    try:
        return read()
    except FileFormatError as exc:
        raise FileFormatError(f"{where}.{exc.field}" if exc.field else where, exc.message) from None


def _template(value: Any, where: str) -> Network:
    obj = bpnet._object(value, where)
    prefix = where.rsplit(".", 1)[0]  # bpnet names the fields of "network.…"
    return _within(prefix, lambda: bpnet._network(obj))


def _runs(obj: dict[str, Any], where: str) -> tuple[SweepRun, ...]:
    seeds = bpnet._list(bpnet._required(obj, "seeds", where), f"{where}.seeds", 1, MAX_NETWORKS)
    k = len(seeds)
    rates = bpnet._list(
        bpnet._required(obj, "learning_rates", where), f"{where}.learning_rates", k, k
    )
    runs = []
    for i, (seed, rate) in enumerate(zip(seeds, rates, strict=True)):
        seed = bpnet._integer(seed, f"{where}.seeds[{i}]", 0, MAX_SEED)
        rate = bpnet._number(rate, f"{where}.learning_rates[{i}]")
        if rate <= 0:
            raise FileFormatError(
                f"{where}.learning_rates[{i}]", f"must be a positive number, got {rate:g}"
            )
        runs.append(SweepRun(seed, rate))
    return tuple(runs)


def _whole(values: list[Any], where: str, low: int, high: int) -> np.ndarray:
    return np.array(
        [bpnet._integer(v, f"{where}[{i}]", low, high) for i, v in enumerate(values)],
        dtype=np.int64,
    )


def _values(values: list[Any], where: str) -> np.ndarray:
    """Numbers, or null where there was none to write (a NaN or an infinity)."""
    series = bpnet._series(values, where, nullable=True)
    return np.array([math.nan if v is None else v for v in series], dtype=np.float64)


def _curves(obj: dict[str, Any], where: str, k: int, epoch: int) -> tuple[np.ndarray, np.ndarray]:
    columns = bpnet._list(
        bpnet._required(obj, "curve_epochs", where),
        f"{where}.curve_epochs",
        0,
        min(KEPT_CURVE_POINTS, MAX_CURVE_NUMBERS // k),
    )
    epochs = _whole(columns, f"{where}.curve_epochs", 1, max(epoch, 1))
    if np.any(np.diff(epochs) <= 0):
        raise FileFormatError(f"{where}.curve_epochs", "the epochs must rise")
    n = len(epochs)
    rows = bpnet._list(bpnet._required(obj, "curves", where), f"{where}.curves", k, k)
    curves = np.empty((k, n), dtype=np.float32)
    for i, row in enumerate(rows):
        at = f"{where}.curves[{i}]"
        values = _values(bpnet._list(row, at, n, n), at)
        with np.errstate(over="ignore"):
            curves[i] = values  # a loss beyond float32 is drawn off the top: inf
    return epochs, curves


def _parameters(value: Any, where: str, template: Network, k: int) -> np.ndarray | None:
    if value is None:
        return None
    p = template.n_parameters
    if k * p > MAX_KEPT_PARAMETERS:
        raise FileFormatError(
            where,
            f"{k:,} networks of {p:,} parameters are more than the {MAX_KEPT_PARAMETERS:,} "
            "a file keeps",
        )
    rows = bpnet._list(value, where, k, k)
    out = np.empty((k, p), dtype=template.dtype)
    for i, row in enumerate(rows):
        out[i] = bpnet._vector(row, f"{where}[{i}]", p, template.dtype)
    if not template.has_bias:
        biases = template.weight_mask() == 0
        if np.any(out[:, biases] != 0):
            raise FileFormatError(where, "a network without biases needs them at 0")
    return out
