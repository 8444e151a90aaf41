"""``bpdesk sweep``: many seeds and/or learning rates of one network, trained at once.

It takes the network, data and training options of ``bpdesk train``, plus
``--seeds`` (ranges and lists: ``1-100``, ``1,5,9``, ``0-9,20``), ``--lr`` as
a list, and ``--target``. Run ``k`` is the network ``bpdesk train --seed s_k
--lr η_k`` trains (the data come from ``--data-seed``, else ``--seed``, else
0: the same for every run); with both lists, every combination, learning rate
by learning rate. From a FILE the sweep takes its network's architecture and
initialiser, its data and its settings; every run starts afresh from its seed's
weights.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from collections.abc import Sequence

from bpdesk.cli import (
    UsageError,
    _json,
    _model_options,
    _Parser,
    _positive_float,
    _problem,
    _training_options,
)
from bpdesk.core.errors import ConfigError
from bpdesk.core.sweep_spec import MAX_NETWORKS, check_count, parse_rates, parse_seeds, spans

__all__ = ["MAX_NETWORKS", "cmd_sweep"]


def _seeds(text: str) -> list[int]:
    """``1-100``, ``1,5,9`` or a mix: the seeds, in order, each once."""
    try:
        return parse_seeds(text)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _rates(text: str) -> list[float]:
    """``0.01,0.1,1,10``: the learning rates, in order, each once."""
    try:
        return parse_rates(text)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _sweep_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="bpdesk sweep",
        description="Train one network from many seeds and/or with many learning rates, at "
        "once; each run is the one 'bpdesk train --seed S --lr X' trains.",
    )
    _model_options(p)
    p.add_argument(
        "--seeds",
        type=_seeds,
        help="seeds of the runs' weights and mini-batch order: 1-100, 1,5,9 (default: --seed)",
    )
    p.add_argument("--lr", type=_rates, help="learning rates, e.g. 0.01,0.1,1,10 (default 0.5)")
    _training_options(p)
    p.add_argument(
        "--target",
        type=_positive_float,
        default=0.01,
        help="the training loss below which a run counts as converged (default 0.01)",
    )
    return p


def cmd_sweep(argv: Sequence[str]) -> int:
    """``bpdesk sweep``: train every run at once, show progress, print a summary (or JSON)."""
    from dataclasses import replace

    from bpdesk.core import TrainingControl
    from bpdesk.core.sweep import Sweep, sweep_runs

    args = _sweep_parser().parse_args(argv)
    if args.seeds is not None and args.seed is not None:
        raise UsageError(
            "--seed and --seeds cannot be combined (--seeds seeds the runs; "
            "--data-seed seeds the data)"
        )
    network, dataset, config, _, _ = _problem(args)
    seeds = args.seeds if args.seeds is not None else [network.seed]
    rates = args.lr if args.lr is not None else [config.learning_rate]
    try:
        check_count(len(seeds), len(rates))
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    changes = {
        "batch_size": args.batch_size,
        "optimizer": args.optimizer,
        "momentum": args.momentum,
        "regularization": args.reg,
        "reg_rate": args.reg_rate,
    }
    config = replace(config, **{k: v for k, v in changes.items() if v is not None})
    epochs = args.epochs if args.epochs is not None else (config.epochs or 2000)
    config = replace(config, epochs=epochs).validated()
    sweep = Sweep(network, dataset, config, sweep_runs(seeds, rates), target=args.target)

    progress = _SweepProgress(epochs, len(sweep.runs))
    interrupted = False
    started = time.perf_counter()
    try:
        for snapshot in sweep.run(TrainingControl()):
            progress.update(snapshot)
    except KeyboardInterrupt:
        interrupted = True
    seconds = time.perf_counter() - started
    progress.close()
    summary = _summary(sweep.result(), network, dataset, seconds)
    summary["stopped"] = "interrupted" if interrupted else ""
    print(_json(summary) if args.json else _text(summary))
    return 130 if interrupted else 0


class _SweepProgress:
    """One updating line on a terminal, at most ten times a second; silent otherwise."""

    def __init__(self, epochs: int, networks: int) -> None:
        self.epochs, self.networks = epochs, networks
        self.stream = sys.stderr  # looked up now: tests may have replaced it
        self.enabled = self.stream.isatty()
        self._last = 0.0

    def update(self, snapshot) -> None:
        now = time.monotonic()
        if not self.enabled or now - self._last < 0.1:
            return
        self._last = now
        filled = int(30 * snapshot.epoch / self.epochs) if self.epochs else 30
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (30 - filled)}] epoch {snapshot.epoch}/{self.epochs}  "
            f"below target {snapshot.reached}/{self.networks}  diverged {snapshot.diverged}  "
        )
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


def _listed(values) -> list | None:
    return None if values is None else values.tolist()


def _summary(result, network, dataset, seconds: float) -> dict:
    """The sweep as plain values: one entry per run, in the order of the runs."""
    to_target = [int(e) if e > 0 else None for e in result.epochs_to_target]
    return {
        "network": network.describe(),
        "dataset": dataset.name,
        "train_examples": dataset.n_train,
        "test_examples": dataset.n_test,
        "networks": result.n_networks,
        "epochs": result.epoch,
        "target": result.target,
        "seeds": list(result.seeds),
        "learning_rates": list(result.learning_rates),
        "final_losses": result.final_losses.tolist(),
        "epochs_to_target": to_target,
        "converged": result.converged.tolist(),
        "converged_fraction": result.converged_fraction,
        "diverged": result.diverged.tolist(),
        "diverged_at": [int(e) if e else None for e in result.diverged_at],
        "reasons": list(result.reasons),
        "train_accuracies": _listed(result.train_accuracy),
        "test_losses": _listed(result.test_losses),
        "test_accuracies": _listed(result.test_accuracy),
        "by_learning_rate": _by_rate(result),
        "seconds": seconds,
        "net_steps": result.net_steps,
        "net_steps_per_second": result.net_steps / seconds if seconds > 0 else 0.0,
    }


def _median(values: list[float]) -> float | None:
    finite = [v for v in values if math.isfinite(v)]
    return statistics.median(finite) if finite else None


def _by_rate(result) -> list[dict]:
    """Per learning rate: how many runs converged and diverged, the median final loss of
    those that did not diverge, and the median epochs to the target of those that reached it."""
    rows = []
    for rate in dict.fromkeys(result.learning_rates):
        ks = [k for k, r in enumerate(result.learning_rates) if r == rate]
        reached = [int(result.epochs_to_target[k]) for k in ks if result.epochs_to_target[k] > 0]
        rows.append(
            {
                "learning_rate": rate,
                "networks": len(ks),
                "converged_fraction": sum(bool(result.converged[k]) for k in ks) / len(ks),
                "diverged": sum(bool(result.diverged[k]) for k in ks),
                "median_final_loss": _median(
                    [float(result.final_losses[k]) for k in ks if not result.diverged[k]]
                ),
                "median_epochs_to_target": statistics.median(reached) if reached else None,
            }
        )
    return rows


def _g(value: float | None) -> str:
    return "—" if value is None else f"{value:.4g}"


def _text(s: dict) -> str:
    """The summary for people: what converged, how fast, what did not."""
    n, target = s["networks"], s["target"]
    converged = sum(s["converged"])
    reached = [e for e in s["epochs_to_target"] if e is not None]
    lines = [
        f"swept {n:,} network{'s' if n != 1 else ''} {s['network']} on {s['dataset']} "
        f"({s['train_examples']} training, {s['test_examples']} test examples)",
        f"  seeds            {spans(s['seeds'])}",
        f"  learning rates   {', '.join(format(r, 'g') for r in dict.fromkeys(s['learning_rates']))}",
        f"  epochs           {s['epochs']:,}",
        f"  converged        {converged:,} of {n:,} ({s['converged_fraction']:.1%}): "
        f"final loss below {target:g}",
    ]
    if reached:
        lines.append(
            f"  epochs to {target:<6g} median {statistics.median(reached):,.0f} "
            f"(fastest {min(reached):,}, slowest {max(reached):,})"
        )
    # A diverged run's last finite loss says little about the others: left out.
    kept = [v for v, d in zip(s["final_losses"], s["diverged"]) if not d and v is not None]
    finite = [v for v in kept if math.isfinite(v)]
    if finite:
        which = "" if len(kept) == n else " of those that did not diverge"
        lines.append(
            f"  final loss       median {_g(statistics.median(finite))} "
            f"(best {_g(min(finite))}, worst {_g(max(finite))}){which}"
        )
    lines += _rate_table(s) + _failures(s)
    lines.append(
        f"  speed            {s['net_steps_per_second']:,.0f} network-steps/s "
        f"({s['seconds']:.2f} s)"
    )
    if s["stopped"]:
        lines.append(f"  stopped          {s['stopped']}")
    return "\n".join(lines)


def _rate_table(s: dict) -> list[str]:
    rows = s["by_learning_rate"]
    if len(rows) < 2:
        return []
    lines = [
        f"  {'learning rate':>13}  {'converged':>9}  {'median loss':>11}  "
        f"{'median epochs to target':>23}  diverged"
    ]
    for r in rows:
        epochs = r["median_epochs_to_target"]
        lines.append(
            f"  {r['learning_rate']:>13g}  {r['converged_fraction']:>9.0%}  "
            f"{_g(r['median_final_loss']):>11}  {'—' if epochs is None else f'{epochs:,.0f}':>23}  "
            f"{r['diverged']}/{r['networks']}"
        )
    return lines


def _failures(s: dict) -> list[str]:
    """The runs that did not converge, named by seed (and rate), the first few."""
    several_rates = len(set(s["learning_rates"])) > 1
    stuck, diverged = [], []
    for k, seed in enumerate(s["seeds"]):
        name = f"{seed} (η {s['learning_rates'][k]:g})" if several_rates else str(seed)
        if s["diverged"][k]:
            diverged.append(f"{name} at epoch {s['diverged_at'][k]:,}")
        elif not s["converged"][k]:
            stuck.append(name)
    lines = []
    for label, names in (("not converged", stuck), ("diverged", diverged)):
        if names:
            more = f", … ({len(names) - 12:,} more)" if len(names) > 12 else ""
            lines.append(
                f"  {label:<16} seed{'s' if len(names) > 1 else ''} {', '.join(names[:12])}{more}"
            )
    return lines
