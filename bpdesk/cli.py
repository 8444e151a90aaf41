"""The ``bpdesk`` command: the desktop application by default, plus headless sub-commands.

    bpdesk [FILE.bpnet]             open the window (optionally with a file)
    bpdesk train [FILE] [options]   train from the terminal
    bpdesk sweep [FILE] [options]   train many seeds and/or learning rates at once
    bpdesk race [FILE] [options]    random search and nudging against backprop, one budget
    bpdesk gradcheck [FILE] [...]   backprop against central differences
    bpdesk bench [--case NAME ...]  speed, side by side with PyTorch

Bad input ends with exit status 2 and one line on stderr, never a traceback.
The sub-commands never import Qt. Their ``--json`` output is strict JSON: a
number that is not finite (an overflowing loss) is written as null.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections.abc import Sequence

from bpdesk import __version__

SUBCOMMANDS = ("train", "sweep", "race", "gradcheck", "bench")
EXIT_USAGE = 2


class UsageError(Exception):
    """Bad command-line input: reported as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, not a usage dump."""

    def error(self, message: str):
        raise UsageError(message)


# -- argument types ----------------------------------------------------------------


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive finite number, got {text}")
    return value


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value) or not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def _whole(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {value}")
    return value


def _batch_size(text: str) -> int:
    from bpdesk.core.bpnet import MAX_BATCH_SIZE

    value = _whole(text)
    if value > MAX_BATCH_SIZE:  # what a .bpnet file (and the window) holds
        raise argparse.ArgumentTypeError(
            f"must be at most {MAX_BATCH_SIZE} (no dataset has more examples; 0 = all), got {value}"
        )
    return value


def _seed(text: str) -> int:
    value = _whole(text)
    if value >= 2**63:  # the .bpnet file (and NumPy's generators) take 63-bit seeds
        raise argparse.ArgumentTypeError(f"must be below 2**63, got {value}")
    return value


def _features(text: str) -> tuple[str, ...]:
    from bpdesk.core import BpdeskError
    from bpdesk.core.features import parse_features

    try:
        return parse_features(text)
    except BpdeskError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _layers(text: str) -> list[int]:
    from bpdesk.core.bpnet import MAX_LAYER_SIZE, MAX_LAYERS, MAX_PARAMETERS

    parts = [p.strip() for p in text.replace("-", ",").split(",")]
    try:
        sizes = [int(p) for p in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected sizes separated by commas, like 2,4,1; got {text!r}"
        ) from None
    if len(sizes) < 2 or any(n < 1 for n in sizes):
        raise argparse.ArgumentTypeError(f"need at least two sizes, each ≥ 1; got {text!r}")
    # The limits of the .bpnet file: a network trained here can always be saved and reopened.
    if len(sizes) > MAX_LAYERS or max(sizes) > MAX_LAYER_SIZE:
        raise argparse.ArgumentTypeError(
            f"at most {MAX_LAYERS} layers of at most {MAX_LAYER_SIZE} neurons; got {text!r}"
        )
    n_params = sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))
    if n_params > MAX_PARAMETERS:
        raise argparse.ArgumentTypeError(
            f"{n_params:,} parameters; the limit is {MAX_PARAMETERS:,}"
        )
    return sizes


# -- parsers -----------------------------------------------------------------------


def _gui_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="bpdesk",
        description="See and touch backpropagation. Sub-commands: train, sweep, race, "
        "gradcheck, bench (run 'bpdesk train --help').",
    )
    p.add_argument("--version", action="version", version=f"bpdesk {__version__}")
    p.add_argument("file", nargs="?", help="a .bpnet file to open")
    p.add_argument("--screenshot", metavar="PATH", help="render the main window to a PNG and exit")
    p.add_argument("--size", default="1600x1000", help="window size for --screenshot (WxH)")
    p.add_argument(
        "--smoke", action="store_true", help="open the window, train briefly, check, exit"
    )
    return p


def _model_options(p: argparse.ArgumentParser) -> None:
    from bpdesk.core import ACTIVATIONS, DATASET_NAMES, INITIALIZERS, LOSSES

    p.add_argument(
        "file", nargs="?", help="start from this .bpnet file (its network, data and settings)"
    )
    p.add_argument("--dataset", choices=DATASET_NAMES, help="dataset to train on (default: xor)")
    p.add_argument("--csv", metavar="PATH", help="read the dataset from a CSV file instead")
    p.add_argument(
        "--target-column",
        choices=["last", "first"],
        help="the CSV's target column when no header names it label, class or target "
        "(default: last; MNIST's CSVs put it first)",
    )
    p.add_argument("--samples", type=_whole, help="number of generated points (default 200)")
    p.add_argument("--noise", type=_fraction, help="noise of generated data, 0 to 1 (default 0.1)")
    p.add_argument(
        "--test-ratio", type=_fraction, help="fraction held out for testing (default 0.3)"
    )
    p.add_argument(
        "--features",
        type=_features,
        help="the network's inputs, computed from a 2-D dataset's x1, x2: any of "
        "x1,x2,x1sq,x2sq,x1x2,sinx1,sinx2 (default x1,x2; the first layer has one per feature)",
    )
    p.add_argument("--layers", type=_layers, help="layer sizes, e.g. 2,4,1")
    p.add_argument("--activation", choices=[a for a in ACTIVATIONS if a != "softmax"])
    p.add_argument("--output-activation", choices=list(ACTIVATIONS))
    p.add_argument("--loss", choices=list(LOSSES))
    p.add_argument("--init", choices=list(INITIALIZERS))
    p.add_argument("--dtype", choices=["float64", "float32"])
    p.add_argument("--seed", type=_seed, help="seed for weights, data and shuffling (default 0)")
    p.add_argument(
        "--data-seed",
        type=_seed,
        help="seed for the generated data and the test split only (default: --seed)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")


def _train_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="bpdesk train", description="Train a network from the terminal.")
    _model_options(p)
    p.add_argument("--lr", type=_positive_float, help="learning rate η (default 0.5)")
    _training_options(p)
    p.add_argument("--save", metavar="OUT.bpnet", help="save the trained network and its history")
    return p


def _training_options(p: argparse.ArgumentParser) -> None:
    """The training settings but the learning rate (train takes one, sweep a list)."""
    from bpdesk.core import OPTIMIZERS, REGULARIZATIONS

    p.add_argument("--optimizer", choices=OPTIMIZERS)
    p.add_argument("--momentum", type=_fraction)
    p.add_argument("--reg", choices=REGULARIZATIONS, help="regularisation")
    p.add_argument("--reg-rate", type=_fraction)
    p.add_argument("--batch-size", type=_batch_size, help="examples per step; 0 = all (default)")
    p.add_argument("--epochs", type=_whole, help="epochs to train (default 2000)")


def _gradcheck_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="bpdesk gradcheck",
        description="Compare backprop's gradient with central differences, and their cost.",
    )
    _model_options(p)
    p.add_argument(
        "--epsilon", type=_positive_float, default=1e-5, help="nudge size (default 1e-5)"
    )
    return p


def _bench_parser() -> argparse.ArgumentParser:
    from bpdesk.bench import CASES

    p = _Parser(prog="bpdesk bench", description="Measure speed, side by side with PyTorch CPU.")
    p.add_argument(
        "--case", action="append", choices=list(CASES), help="a case to run (repeatable)"
    )
    p.add_argument("--repeats", type=_whole, default=7, help="timed repeats per case (default 7)")
    p.add_argument("--seconds", type=_positive_float, default=0.4, help="length of a repeat")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    return p


# -- building a problem from options -------------------------------------------------


def _problem(args) -> tuple:
    """``(network, dataset, config, history, saved)`` from a file and/or options;
    ``saved`` is the file's document (None without a file)."""
    from bpdesk.core import (
        BpdeskError,
        FileFormatError,
        LossHistory,
        Network,
        TrainConfig,
        load_bpnet,
        load_csv,
        make_dataset,
    )
    from bpdesk.core.initializers import DEFAULT_INIT

    history = LossHistory()
    doc = None
    if args.file:
        conflicting = [
            name
            for name in ("layers", "activation", "output_activation", "loss", "init", "dtype")
            if getattr(args, name) is not None
        ]
        if conflicting:
            flag = "--" + conflicting[0].replace("_", "-")
            raise UsageError(f"{flag} cannot be combined with FILE (the file has its own network)")
    if args.csv and args.dataset:
        raise UsageError("--csv and --dataset cannot be combined (choose one source of data)")
    if args.target_column and not args.csv:
        raise UsageError("--target-column goes with --csv (it says where a CSV file's target is)")
    if args.dataset == "digits" and (args.samples is not None or args.noise is not None):
        flag = "--samples" if args.samples is not None else "--noise"
        raise UsageError(
            f"{flag} does not apply to the digits: they are 1,797 fixed images "
            "(--test-ratio and --data-seed choose their split)"
        )
    if args.file:
        try:
            doc = load_bpnet(args.file)
        except FileFormatError as exc:
            # Name the file: the field alone does not say which file is broken.
            raise UsageError(f"{args.file}: {exc}") from None
        if doc.dataset is None and not (args.dataset or args.csv):
            raise UsageError(f"{args.file} holds no dataset: add --dataset NAME or --csv PATH")
        network, dataset, config, history = doc.network, doc.dataset, doc.training, doc.history
    else:
        network, dataset, config = None, None, TrainConfig(epochs=2000)
    seed = args.seed if args.seed is not None else (network.seed if network else 0)
    data_seed = args.data_seed if args.data_seed is not None else seed
    if args.csv:
        dataset = load_csv(
            args.csv,
            test_ratio=args.test_ratio or 0.0,
            seed=data_seed,
            target_column=args.target_column or "last",
            compact=True,  # pixels as float32: half the memory, the same numbers
        )
    elif args.dataset or dataset is None:
        dataset = make_dataset(
            args.dataset or "xor",
            n_samples=args.samples if args.samples is not None else 200,
            noise=args.noise if args.noise is not None else 0.1,
            test_ratio=args.test_ratio if args.test_ratio is not None else 0.3,
            seed=data_seed,
        )
    if args.features is not None:
        try:
            dataset = dataset.with_features(args.features)
        except BpdeskError as exc:
            raise UsageError(f"--features: {exc}") from None
    if network is None:
        output, loss = dataset.suggested_output()
        loss = args.loss or loss
        if args.output_activation:
            output = args.output_activation
        elif args.loss == "bce":
            output = "sigmoid"
        elif args.loss == "ce":
            output = "softmax"
        sizes = args.layers or [dataset.n_inputs, 4, dataset.n_outputs]
        # Checked before building: a misfit is the problem to report, not
        # what it upsets first (e.g. a softmax on a single output neuron).
        _check_fit(sizes, dataset)
        network = Network.create(
            sizes,
            activation=args.activation or "sigmoid",
            output_activation=output,
            loss=loss,
            init=args.init or DEFAULT_INIT,
            seed=seed,
            dtype=args.dtype or "float64",
        )
    _check_fit(network.layer_sizes, dataset)
    return network, dataset, config, history, doc


def _check_fit(sizes, dataset) -> None:
    if dataset.features and sizes[0] != dataset.n_inputs:
        raise UsageError(
            f"the network {'-'.join(map(str, sizes))} has {_count(sizes[0], 'input')} but "
            f"--features {','.join(dataset.features)} makes {_count(dataset.n_inputs, 'input')}: "
            "the first layer size must match the number of features"
        )
    if sizes[0] != dataset.n_inputs or sizes[-1] != dataset.n_outputs:
        raise UsageError(
            f"the network {'-'.join(map(str, sizes))} does not fit the dataset "
            f"{dataset.name} ({_count(dataset.n_inputs, 'input')}, {_count(dataset.n_outputs, 'output')})"
        )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


# -- sub-commands ----------------------------------------------------------------------


class _Progress:
    """A single updating line on a terminal, at most ten times a second; silent otherwise."""

    def __init__(self, total: int | None, stream=None) -> None:
        self.total = total
        # Looked up now, not at import: tests and callers may have replaced sys.stderr.
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty()
        self._last = 0.0

    def update(self, epoch: int, loss: float, accuracy: float | None, force: bool = False) -> None:
        now = time.monotonic()
        if not self.enabled or (not force and now - self._last < 0.1):
            return
        self._last = now
        acc = f"  accuracy {accuracy:6.1%}" if accuracy is not None else ""
        if self.total:
            filled = int(30 * epoch / self.total)
            bar = f"[{'#' * filled}{'.' * (30 - filled)}] "
            count = f"epoch {epoch}/{self.total}"
        else:
            bar, count = "", f"epoch {epoch}"
        self.stream.write(f"\r{bar}{count}  loss {loss:.6g}{acc}  ")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


def cmd_train(argv: Sequence[str]) -> int:
    """``bpdesk train``: train, show progress, print a summary (or JSON)."""
    from dataclasses import replace

    from bpdesk.core import BpnetDocument, Trainer, TrainingControl

    args = _train_parser().parse_args(argv)
    if args.save:
        _check_save_path(args.save)  # before training, not after minutes of it
    network, dataset, config, history, saved = _problem(args)
    changes = {
        "learning_rate": args.lr,
        "batch_size": args.batch_size,
        "optimizer": args.optimizer,
        "momentum": args.momentum,
        "regularization": args.reg,
        "reg_rate": args.reg_rate,
        "seed": args.seed,
    }
    config = replace(config, **{k: v for k, v in changes.items() if v is not None})
    start_epoch = history.epochs
    epochs = args.epochs if args.epochs is not None else (config.epochs or 2000)
    config = replace(config, epochs=start_epoch + epochs).validated()
    # The file keeps the length of this run, not the epoch it ended at:
    # continuing it without --epochs trains as long again, not ever longer.
    saved_config = replace(config, epochs=epochs)
    if args.save:
        _check_savable(args.save, BpnetDocument(network, dataset, saved_config, history))

    state, notes = _saved_state(saved, start_epoch, config, dataset)
    trainer = Trainer(network, dataset, config, start_epoch, state=state)
    notes += trainer.notes
    progress = _Progress(epochs)
    control = TrainingControl()
    last = good = None  # the last snapshot, and the last one with a finite loss
    interrupted = False
    started = time.perf_counter()
    try:
        for snap in trainer.run(control):
            last = snap
            if not snap.diverged:
                good = snap
                # Thinned as it grows: a run of any length fits in memory, and in the file.
                history.append(
                    snap.train_loss, snap.test_loss, snap.train_accuracy, snap.test_accuracy
                )
            progress.update(snap.epoch - start_epoch, snap.train_loss, snap.train_accuracy)
    except KeyboardInterrupt:
        interrupted = True
    seconds = time.perf_counter() - started
    if last is not None:
        progress.update(last.epoch - start_epoch, last.train_loss, last.train_accuracy, force=True)
    progress.close()

    trained = (last.epoch - start_epoch) if last else 0
    if good is None:
        # Zero epochs, or the first epoch diverged and the network is back at
        # its start: report the starting point (a diverged snapshot's loss is
        # not a number JSON can hold).
        final_loss, test_loss, train_acc, test_acc = _evaluate(network, dataset)
    else:
        final_loss, train_acc, test_acc, test_loss = (
            good.train_loss,
            good.train_accuracy,
            good.test_accuracy,
            good.test_loss,
        )
    summary = {
        "network": network.describe(),
        "dataset": dataset.name,
        "train_examples": dataset.n_train,
        "test_examples": dataset.n_test,
        "epochs": trained,
        "total_epochs": start_epoch + trained,
        "final_loss": final_loss,
        "test_loss": test_loss,
        "train_accuracy": train_acc,
        "test_accuracy": test_acc,
        "seconds": seconds,
        "epochs_per_second": trained / seconds if seconds > 0 and trained else 0.0,
        "diverged": bool(last and last.diverged),
        "reason": last.reason if last and last.diverged else ("interrupted" if interrupted else ""),
        # Went on exactly (optimiser and shuffle as saved)? None: nothing to continue.
        "continued": None if not start_epoch else not notes,
        "notes": notes,
        "saved": None,
    }
    if args.save:
        failed = _save(args.save, network, dataset, saved_config, history, trainer.state(), saved)
        if failed:
            return failed
        summary["saved"] = args.save
    if args.json:
        print(_json(summary))
    else:
        print(_train_text(summary))
    return 130 if interrupted else 0


def _check_savable(path: str, doc) -> None:
    """Before training: refuse a save that would fail whatever the run does (what it
    saves is known now but for its numbers)."""
    from bpdesk.core.bpnet import check_savable_once_trained

    try:
        check_savable_once_trained(doc)
    except ValueError as exc:  # BpdeskError, or a number json cannot write
        raise UsageError(f"cannot save {path!r}: {exc}") from None


def _save(path: str, network, dataset, config, history, state, saved) -> int:
    """Save a run with its trainer ``state`` (and the window's pace from the ``saved``
    document it came from, if any) to ``path``: 0, or the exit status after one line
    on stderr."""
    from bpdesk.core import BpnetDocument, save_bpnet
    from bpdesk.core.bpnet import UNSET

    speed = saved.speed if saved is not None else UNSET
    try:
        document = BpnetDocument(
            network, dataset, config, history, trainer_state=state, speed=speed
        )
        save_bpnet(document, path)
    except OSError as exc:
        print(f"bpdesk train: cannot save {path!r}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except ValueError as exc:
        # What bpdesk would not open again (BpdeskError) or json cannot write:
        # a fault of the content, not of the disk, reported like bad input.
        print(f"bpdesk train: cannot save {path!r}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return 0


def _saved_state(saved, start_epoch: int, config, dataset) -> tuple:
    """``(trainer state, notes)``: the state a saved run goes on from (None: afresh),
    and why it starts afresh when its history has epochs the state cannot continue."""
    state = saved.trainer_state if saved is not None else None
    if state is not None and state.epoch != start_epoch:
        return None, [
            f"the file's trainer state is of epoch {state.epoch:,} but its history ends at "
            f"epoch {start_epoch:,}: the optimiser and the mini-batch shuffle start afresh"
        ]
    # Plain full-batch gradient descent carries nothing from one epoch to the next.
    carries = config.optimizer != "sgd" or 0 < config.batch_size < dataset.n_train
    if state is None and start_epoch and carries:
        return None, [
            "the file holds no optimiser or shuffle state (an older bpdesk saved it): "
            f"from epoch {start_epoch:,} they start afresh, so this is not exactly the "
            "run that training all the epochs at once would be"
        ]
    return state, []


def _check_save_path(path: str) -> None:
    """Refuse, before any training, a place a save would fail to write."""
    import os
    import stat
    import tempfile
    from pathlib import Path

    from bpdesk.core.safe_files import temporary_prefix

    target = Path(path)
    if target.is_dir():
        raise UsageError(f"cannot save to {path!r}: it is a folder")
    folder = target.absolute().parent
    if not folder.is_dir():
        raise UsageError(f"cannot save to {path!r}: its folder does not exist")
    if target.exists() and not stat.S_ISREG(target.stat().st_mode):
        raise UsageError(f"cannot save to {path!r}: it is not a regular file")
    try:
        # What the save will do: a temporary file beside the target.
        fd, probe = tempfile.mkstemp(prefix=temporary_prefix(target.name), dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise UsageError(f"cannot save to {path!r}: {exc.strerror or exc}") from None


def _json(value) -> str:
    """``value`` as strict JSON: a float that is not finite (NaN, ±infinity) becomes null.

    Python would write NaN and Infinity, which no strict JSON parser reads.
    """
    return json.dumps(_finite_or_null(value), allow_nan=False, default=str)


def _finite_or_null(value):
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite_or_null(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite_or_null(item) for item in value]
    return value


def _evaluate(network, dataset) -> tuple:
    """``(train_loss, test_loss, train_accuracy, test_accuracy)`` of the network as it is."""
    from bpdesk.core.metrics import accuracy

    def score(X, T):
        if len(X) == 0:
            return None, None
        return network.compute_loss(X, T), accuracy(network.predict(X), T, dataset.kind)

    train_loss, train_acc = score(dataset.X_train, dataset.T_train)
    test_loss, test_acc = score(dataset.X_test, dataset.T_test)
    return train_loss, test_loss, train_acc, test_acc


def _train_text(s: dict) -> str:
    def pct(v):
        return "—" if v is None else f"{v:.1%}"

    lines = [
        f"trained {s['network']} on {s['dataset']} "
        f"({s['train_examples']} training, {s['test_examples']} test examples)",
        f"  epochs          {s['epochs']:,}",
        f"  final loss      {s['final_loss']:.6g}",
        f"  test loss       {'—' if s['test_loss'] is None else format(s['test_loss'], '.6g')}",
        f"  train accuracy  {pct(s['train_accuracy'])}",
        f"  test accuracy   {pct(s['test_accuracy'])}",
        f"  speed           {s['epochs_per_second']:,.0f} epochs/s",
    ]
    if s["diverged"]:
        lines.append(f"  diverged        {s['reason']}")
    elif s["reason"]:
        lines.append(f"  stopped         {s['reason']}")
    for note in s["notes"]:
        lines.append(f"  note            {note}")
    if s["saved"]:
        lines.append(f"  saved           {s['saved']}")
    return "\n".join(lines)


def cmd_gradcheck(argv: Sequence[str]) -> int:
    """``bpdesk gradcheck``: backprop against central differences, with pass counts and times."""

    from bpdesk.core import gradient_check

    args = _gradcheck_parser().parse_args(argv)
    network, dataset, _, _, _ = _problem(args)
    X, T = dataset.X_train, dataset.T_train
    if args.samples is not None:
        if args.samples < 1:
            raise UsageError("--samples must be at least 1")
        X, T = X[: args.samples], T[: args.samples]
    result = gradient_check(network, X, T, epsilon=args.epsilon)
    summary = {"network": network.describe(), "samples": len(X), **result.summary()}
    if args.json:
        print(_json(summary))
    else:
        print(
            f"gradient check of {summary['network']} on {len(X)} examples\n"
            f"  parameters                {result.n_parameters:,}\n"
            f"  numerical forward passes  {result.numerical_forward_passes:,}"
            f"   ({result.numerical_seconds:.4f} s)\n"
            f"  backprop passes           {result.backprop_passes}"
            f"   ({result.backprop_seconds * 1e3:.4f} ms: 1 forward + 1 backward)\n"
            f"  speedup                   {result.speedup:,.0f}×\n"
            f"  max relative error        {result.max_relative_error:.2e}"
            f"   ({'pass' if result.passed else 'FAIL'})\n"
            f"  allowed                   {result.threshold:.0e} relative"
            " (more where the loss's rounding over 2ε hides more)"
        )
        if result.n_kinks:
            print(
                f"  on a ReLU kink            {result.n_kinks:,} parameters"
                "   (a nudge crosses z = 0: not compared)"
            )
    return 0 if result.passed else 1


def cmd_bench(argv: Sequence[str]) -> int:
    """``bpdesk bench``: the benchmark cases, with PyTorch in the same run when installed."""
    from bpdesk import bench

    args = _bench_parser().parse_args(argv)
    names = args.case or [name for name in bench.CASES if name not in bench.EXPLICIT_ONLY]
    if args.repeats < 1:
        raise UsageError("--repeats must be at least 1")

    def progress(name: str) -> None:
        if not args.json and sys.stderr.isatty():
            print(f"running {name} …", file=sys.stderr)

    results = bench.run(names, repeats=args.repeats, seconds=args.seconds, progress=progress)
    env = bench.environment()
    if args.json:
        print(_json({"environment": env, "cases": [r.to_dict() for r in results]}))
    else:
        print(", ".join(f"{k} {v}" for k, v in env.items() if v is not None))
        print(bench.format_table(results))
        print(f"medians of {args.repeats} repeats")
    return 0


# Environment variables that size the BLAS libraries' thread pools (OpenBLAS, OpenMP, MKL).
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _one_blas_thread() -> None:
    """The window's matrices are small and its two threads (the GUI and the training)
    already share the cores: BLAS threads on top of them only wait for each other.

    Measured on 2 cores beside a CPU-bound process (2-32-32-32-1, batch 10): the
    engine alone ran 79 epochs/s with one BLAS thread against 11 with OpenBLAS's
    default two. The libraries read these variables once, when NumPy is imported,
    so this runs before that; a value the user set is kept.
    """
    if "numpy" in sys.modules:
        return  # too late to matter (bpdesk.cli.main called from Python)
    for name in BLAS_THREAD_VARIABLES:
        os.environ.setdefault(name, "1")


def cmd_gui(argv: Sequence[str]) -> int:
    """Open the desktop application."""
    args = _gui_parser().parse_args(argv)
    from bpdesk.ui.app import run_app

    return run_app(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``bpdesk`` command."""
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv[0] if argv and argv[0] in SUBCOMMANDS else None
    if command is None:
        _one_blas_thread()  # before anything imports NumPy
    from bpdesk.cli_race import cmd_race
    from bpdesk.cli_sweep import cmd_sweep
    from bpdesk.core.errors import BpdeskError

    handlers = {"train": cmd_train, "sweep": cmd_sweep, "gradcheck": cmd_gradcheck}
    handlers["race"] = cmd_race
    handler = {**handlers, "bench": cmd_bench}.get(command, cmd_gui)
    try:
        if command is None:
            return handler(argv)
        import numpy as np

        # A run that overflows is reported (diverged, a null in JSON), not warned
        # about line by line on the terminal.
        with np.errstate(all="ignore"):
            return handler(argv[1:])
    except (UsageError, BpdeskError) as exc:
        print(f"bpdesk{' ' + command if command else ''}: {exc}", file=sys.stderr)
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
