"""``bpdesk race``: random search, nudging each weight and backprop, on one budget.

It takes the network, data and training options of ``bpdesk train`` (the
optimiser, learning rate and regularisation are used by nudging and backprop
alike), plus ``--budget`` (forward passes per method), ``--scale`` (random
search's step) and ``--target`` (the loss the verdict counts passes to). Every
method trains on the whole training set, so ``--batch-size`` and ``--epochs``
do not apply: the budget is the race's length. See :mod:`bpdesk.core.race` for
what each method pays.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence

from bpdesk.cli import (
    UsageError,
    _json,
    _model_options,
    _Parser,
    _positive_float,
    _problem,
    _training_options,
    _whole,
)

__all__ = ["cmd_race"]


def _budget(text: str) -> int:
    from bpdesk.core.errors import ConfigError
    from bpdesk.core.race import check_budget

    try:
        return check_budget(_whole(text))
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _race_parser() -> argparse.ArgumentParser:
    from bpdesk.core.race import DEFAULT_BUDGET, DEFAULT_SCALE, DEFAULT_TARGET

    p = _Parser(
        prog="bpdesk race",
        description="Train one network three ways from the same start, each with the same "
        "budget of forward passes: random search, nudging each weight, and backprop.",
    )
    _model_options(p)
    p.add_argument("--lr", type=_positive_float, help="learning rate η (default 0.5)")
    _training_options(p)
    p.add_argument(
        "--budget",
        type=_budget,
        default=DEFAULT_BUDGET,
        help=f"forward passes each method may use (default {DEFAULT_BUDGET:,}; "
        "a backward pass counts as one)",
    )
    p.add_argument(
        "--scale",
        type=_positive_float,
        default=DEFAULT_SCALE,
        help=f"random search's step: the spread of the noise added to every weight "
        f"(default {DEFAULT_SCALE:g})",
    )
    p.add_argument(
        "--target",
        type=_positive_float,
        default=DEFAULT_TARGET,
        help=f"the loss the verdict counts passes to (default {DEFAULT_TARGET:g})",
    )
    return p


def cmd_race(argv: Sequence[str]) -> int:
    """``bpdesk race``: race the three methods, print a table and the verdict (or JSON)."""
    from dataclasses import replace

    from bpdesk.core.errors import ConfigError
    from bpdesk.core.race import Race

    args = _race_parser().parse_args(argv)
    for flag, value, why in (
        ("--epochs", args.epochs, "--budget sets the race's length"),
        ("--batch-size", args.batch_size, "every method learns on the whole training set"),
    ):
        if value is not None:
            raise UsageError(f"{flag} does not apply to a race: {why}")
    network, dataset, config, _, _ = _problem(args)
    changes = {
        "learning_rate": args.lr,
        "optimizer": args.optimizer,
        "momentum": args.momentum,
        "regularization": args.reg,
        "reg_rate": args.reg_rate,
        "seed": args.seed,
    }
    config = replace(config, **{k: v for k, v in changes.items() if v is not None})
    try:
        race = Race(
            network, dataset, config.validated(), args.budget, scale=args.scale, target=args.target
        )
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    interrupted = False
    try:
        for _ in race.rounds(turn=0.1):
            pass
    except KeyboardInterrupt:
        interrupted = True
    result = race.result(projection=True)
    summary = {
        "network": network.describe(),
        "dataset": dataset.name,
        "train_examples": dataset.n_train,
        **result.summary(),
        "stopped": "interrupted" if interrupted else "",
    }
    print(_json(summary) if args.json else _text(summary, result))
    return 130 if interrupted else 0


def _g(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value:.3g}"


def _text(s: dict, result) -> str:
    """A table of the three methods, the verdict and the projection."""
    lines = [
        f"race of {s['network']} on {s['dataset']} ({s['train_examples']} training examples): "
        f"{s['budget']:,} forward passes each",
        f"  {'method':<14} {'updates':>9} {'passes/update':>13} {'forward passes':>14} "
        f"{'seconds':>8} {'final loss':>10}  passes to {s['target']:g}",
    ]
    for m in result.methods:
        reached = m.passes_to_target
        lines.append(
            f"  {m.label:<14} {m.updates:>9,} {m.passes_per_update:>13,} {m.forward_passes:>14,} "
            f"{m.seconds:>8.2f} {_g(m.final_loss):>10}  {'—' if reached is None else f'{reached:,}'}"
        )
    random = result.method("random")
    lines.append(
        f"  (random search tried {random.trials:,} changes of scale {s['scale']:g} and kept "
        f"{random.updates:,}; its first pass measured the start)"
    )
    for m in result.methods:
        if m.note:
            lines.append(f"  {m.label}: {m.note}")
    lines.append(result.verdict())
    lines.append(result.projection_text())
    if s["stopped"]:
        lines.append(f"stopped: {s['stopped']}")
    return "\n".join(lines)
