"""``bpdesk bench``: the engine's speed, side by side with PyTorch CPU in the same run.

Every figure is the median of several timed repeats; bpdesk and PyTorch
repeats alternate so that a noisy machine slows both alike. PyTorch is
optional (``pip install torch==2.13.0``); without it only bpdesk's figures are
reported. Nothing here is a pass/fail test: the targets are printed next to
the measurements.
"""

from __future__ import annotations

import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from bpdesk import __version__
from bpdesk.core.datasets import Dataset, make_dataset, xor
from bpdesk.core.gradcheck import gradient_check
from bpdesk.core.network import Network
from bpdesk.core.stacked import stacked_blocks
from bpdesk.core.sweep import Sweep, sweep_runs
from bpdesk.core.training import TrainConfig, Trainer


@dataclass
class CaseResult:
    """One benchmark case: rates (per second) for bpdesk and, if available, PyTorch."""

    name: str
    description: str
    unit: str
    bpdesk: float
    torch: float | None = None
    target: float | None = None
    target_text: str = ""
    extra: dict = field(default_factory=dict)
    lower_is_better: bool = False  # a time, not a rate: the target is a ceiling
    # Further targets on figures in ``extra``: (key, bound, True if the bound is a ceiling).
    limits: tuple[tuple[str, float, bool], ...] = ()

    @property
    def ratio(self) -> float | None:
        """bpdesk's rate over PyTorch's (or the case's own ratio, e.g. a speedup)."""
        if "ratio" in self.extra:
            return self.extra["ratio"]
        if self.torch:
            return self.bpdesk / self.torch
        return None

    @property
    def met(self) -> bool | None:
        """Whether the measured ratio reached the target (None if it could not be measured)."""
        if self.target is None or self.ratio is None:
            return None
        met = self.ratio <= self.target if self.lower_is_better else self.ratio >= self.target
        for key, bound, ceiling in self.limits:
            value = self.extra.get(key)
            if value is None:
                return None
            met = met and (value <= bound if ceiling else value >= bound)
        return met

    def to_dict(self) -> dict:
        """Plain values for ``--json``."""
        return {
            "name": self.name,
            "description": self.description,
            "unit": self.unit,
            "bpdesk": self.bpdesk,
            "torch": self.torch,
            "ratio": self.ratio,
            "target": self.target,
            "met": self.met,
            **self.extra,
        }


def _rate(fn: Callable[[], object], per_call: int, seconds: float) -> Callable[[], float]:
    """A repeat: call ``fn`` for about ``seconds`` and return units per second."""
    # Calibrate once so that each repeat makes the same number of calls.
    fn()
    start = time.perf_counter()
    calls = 0
    while time.perf_counter() - start < seconds / 10:
        fn()
        calls += 1
    calls = max(1, calls * 10)

    def repeat() -> float:
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        return calls * per_call / (time.perf_counter() - t0)

    return repeat


def _alternate(ours: Callable[[], float], theirs: Callable[[], float] | None, repeats: int):
    a, b = [], []
    for _ in range(repeats):
        a.append(ours())
        if theirs is not None:
            b.append(theirs())
    return statistics.median(a), (statistics.median(b) if b else None)


def _torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


def _torch_mlp(torch, sizes, hidden, output, dtype):
    layers = []
    acts = {"sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}
    for k, (a, b) in enumerate(zip(sizes, sizes[1:])):
        layers.append(torch.nn.Linear(a, b))
        last = k == len(sizes) - 2
        act = output if last else hidden
        if act in acts:
            layers.append(acts[act]())
    return torch.nn.Sequential(*layers).to(dtype)


def _torch_step(torch, model, opt, loss_kind):
    def step(x, t):
        opt.zero_grad()
        y = model(x)
        if loss_kind == "ce":
            loss = torch.nn.functional.cross_entropy(y, t)
        else:
            loss = 0.5 * ((y - t) ** 2).sum(dim=1).mean()
        loss.backward()
        opt.step()
        return loss

    return step


def case_xor(repeats: int, seconds: float) -> CaseResult:
    """XOR, 2-4-1 sigmoid, MSE, full batch, SGD: training steps per second."""
    data = xor()
    net = Network.create([2, 4, 1], activation="sigmoid", seed=0)
    trainer = Trainer(net, data, TrainConfig(learning_rate=0.5, epochs=None))
    ours_step = _rate(trainer.step, 1, seconds)
    ours_epoch = _rate(trainer.run_epoch, 1, seconds)
    torch = _torch()
    theirs_step = theirs_epoch = None
    if torch is not None:
        torch.manual_seed(0)
        X = torch.tensor(data.X_train, dtype=torch.float64)
        T = torch.tensor(data.T_train, dtype=torch.float64)
        model = _torch_mlp(torch, [2, 4, 1], "sigmoid", "sigmoid", torch.float64)
        opt = torch.optim.SGD(model.parameters(), lr=0.5)
        step = _torch_step(torch, model, opt, "mse")

        def epoch():
            # What bpdesk's epoch also does: the loss and accuracy of the new weights.
            step(X, T)
            with torch.no_grad():
                y = model(X)
                float(0.5 * ((y - T) ** 2).sum(dim=1).mean())
                float(((y > 0.5) == (T > 0.5)).double().mean())

        theirs_step = _rate(lambda: step(X, T), 1, seconds)
        theirs_epoch = _rate(epoch, 1, seconds)
    step_rate, torch_step = _alternate(ours_step, theirs_step, repeats)
    epoch_rate, torch_epoch = _alternate(ours_epoch, theirs_epoch, repeats)
    return CaseResult(
        "xor",
        "XOR, 2-4-1 sigmoid, MSE, full batch, SGD (a step: forward, backward, update)",
        "steps/s",
        step_rate,
        torch_step,
        20.0,
        "≥ 20× PyTorch",
        {
            "epochs_per_second": epoch_rate,
            "torch_epochs_per_second": torch_epoch,
            "epoch_ratio": epoch_rate / torch_epoch if torch_epoch else None,
        },
    )


def case_spirals(repeats: int, seconds: float) -> CaseResult:
    """Two spirals, 500 points, 2-8-8-1 tanh/sigmoid, mini-batch 10: epochs per second."""
    data = make_dataset("spiral", n_samples=500, noise=0.1, test_ratio=0.0, seed=0)
    net = Network.create([2, 8, 8, 1], activation="tanh", output_activation="sigmoid", seed=0)
    trainer = Trainer(net, data, TrainConfig(learning_rate=0.1, batch_size=10, epochs=None))
    ours = _rate(trainer.run_epoch, 1, seconds)
    theirs = None
    torch = _torch()
    if torch is not None:
        torch.manual_seed(0)
        X = torch.tensor(data.X_train, dtype=torch.float64)
        T = torch.tensor(data.T_train, dtype=torch.float64)
        model = _torch_mlp(torch, [2, 8, 8, 1], "tanh", "sigmoid", torch.float64)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        step = _torch_step(torch, model, opt, "mse")
        n = len(X)

        def epoch():
            perm = torch.randperm(n)
            for s in range(0, n, 10):
                idx = perm[s : s + 10]
                step(X[idx], T[idx])
            with torch.no_grad():
                y = model(X)
                float(0.5 * ((y - T) ** 2).sum(dim=1).mean())
                float(((y > 0.5) == (T > 0.5)).double().mean())

        theirs = _rate(epoch, 1, seconds)
    rate, torch_rate = _alternate(ours, theirs, repeats)
    return CaseResult(
        "spirals",
        "Two spirals, 500 points, 2-8-8-1 tanh/sigmoid, MSE, mini-batch 10, SGD (an epoch: "
        "50 steps, then loss and accuracy on all 500 points)",
        "epochs/s",
        rate,
        torch_rate,
        15.0,
        "≥ 15× PyTorch",
    )


def _mnist_like(n: int, seed: int = 0) -> Dataset:
    # Ten Gaussian clusters in 784 dimensions stand in for MNIST: the cost of a
    # step depends on the shapes, not on what the pixels show.
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n)
    centres = rng.normal(0, 1, (10, 784))
    X = centres[labels] + rng.normal(0, 1, (n, 784))
    T = np.eye(10)[labels]
    return Dataset("multiclass", X, T, np.empty((0, 784)), np.empty((0, 10)))


def case_mlp(repeats: int, seconds: float) -> CaseResult:
    """784-128-64-10 ReLU, softmax cross-entropy, batch 64, float64: steps per second."""
    data = _mnist_like(64)
    net = Network.create([784, 128, 64, 10], activation="relu", loss="ce", init="he", seed=0)
    trainer = Trainer(net, data, TrainConfig(learning_rate=0.01, epochs=None))
    ours = _rate(trainer.step, 1, seconds)
    theirs = None
    torch = _torch()
    if torch is not None:
        torch.manual_seed(0)
        X = torch.tensor(data.X_train, dtype=torch.float64)
        labels = torch.tensor(np.argmax(data.T_train, axis=1))
        model = _torch_mlp(torch, [784, 128, 64, 10], "relu", "softmax", torch.float64)
        opt = torch.optim.SGD(model.parameters(), lr=0.01)
        step = _torch_step(torch, model, opt, "ce")
        theirs = _rate(lambda: step(X, labels), 1, seconds)
    rate, torch_rate = _alternate(ours, theirs, repeats)
    return CaseResult(
        "mlp",
        "784-128-64-10 ReLU, softmax cross-entropy, batch 64, float64, SGD (a step)",
        "steps/s",
        rate,
        torch_rate,
        1.5,
        "≥ 1.5× PyTorch float64",
    )


def case_digits(repeats: int, seconds: float) -> CaseResult:
    """The digits, 64-128-64-10 ReLU/softmax, CE, Adam, batch 32, float64: epochs per second."""
    data = make_dataset("digits", test_ratio=0.3, seed=0)
    sizes = [64, 128, 64, 10]
    net = Network.create(sizes, activation="relu", loss="ce", seed=0)
    config = TrainConfig(learning_rate=0.001, batch_size=32, optimizer="adam", epochs=None)
    trainer = Trainer(net, data, config)
    ours = _rate(trainer.run_epoch, 1, seconds)
    theirs = None
    torch = _torch()
    if torch is not None:
        torch.manual_seed(0)
        X = torch.tensor(data.X_train, dtype=torch.float64)
        labels = torch.tensor(np.argmax(data.T_train, axis=1))
        X_test = torch.tensor(data.X_test, dtype=torch.float64)
        test_labels = torch.tensor(np.argmax(data.T_test, axis=1))
        model = _torch_mlp(torch, sizes, "relu", "softmax", torch.float64)
        opt = torch.optim.Adam(model.parameters(), lr=0.001)
        step = _torch_step(torch, model, opt, "ce")
        n = len(X)

        def epoch():
            perm = torch.randperm(n)
            for s in range(0, n, 32):
                idx = perm[s : s + 32]
                step(X[idx], labels[idx])
            # What bpdesk's epoch also does: loss and accuracy on the training and test sets.
            with torch.no_grad():
                for inputs, truth in ((X, labels), (X_test, test_labels)):
                    y = model(inputs)
                    float(torch.nn.functional.cross_entropy(y, truth))
                    float((y.argmax(dim=1) == truth).double().mean())

        theirs = _rate(epoch, 1, seconds)
    rate, torch_rate = _alternate(ours, theirs, repeats)
    return CaseResult(
        "digits",
        "The 1,797 digits (1,258 train, 539 test), 64-128-64-10 ReLU/softmax, cross-entropy, "
        "Adam, batch 32, float64 (an epoch: 40 steps, then loss and accuracy on both sets)",
        "epochs/s",
        rate,
        torch_rate,
        1.5,
        "≥ 1.5× PyTorch float64",
    )


def case_gradcheck(repeats: int, seconds: float) -> CaseResult:
    """Gradient check of a 100-64-50-1 network (~10,000 parameters): backprop vs numerical."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(32, 100))
    T = (rng.uniform(size=(32, 1)) > 0.5).astype(float)
    net = Network.create([100, 64, 50, 1], activation="tanh", output_activation="sigmoid", seed=0)
    speedups, results = [], []
    for _ in range(max(1, min(repeats, 3))):
        result = gradient_check(net, X, T, repeats=max(5, repeats * 5))
        speedups.append(result.speedup)
        results.append(result)
    result = results[speedups.index(statistics.median(speedups))]
    return CaseResult(
        "gradcheck",
        "Gradient check, 100-64-50-1 tanh/sigmoid, 32 samples: central differences "
        "(2 forward passes per parameter) against backprop (1 forward + 1 backward)",
        "gradients/s",
        1.0 / result.backprop_seconds,
        None,
        5000.0,
        "speedup ≥ 5,000×",
        {
            "ratio": statistics.median(speedups),
            "parameters": result.n_parameters,
            "numerical_forward_passes": result.numerical_forward_passes,
            "backprop_passes": result.backprop_passes,
            "numerical_seconds": result.numerical_seconds,
            "backprop_seconds": result.backprop_seconds,
            "max_relative_error": result.max_relative_error,
        },
    )


SWEEP_NETWORKS = 100


def _torch_sweep(torch, sweep: Sweep) -> tuple[Callable[[], object], Callable[[], object]]:
    """``(batched, one_at_a_time)``: one step of every network of ``sweep`` (XOR 2-4-1
    sigmoid, MSE, SGD η = 0.5, from its current weights), as PyTorch users write it: the
    networks stacked, ``torch.bmm``, autograd and ``torch.optim.SGD``; and each model on
    its own, a step of each in turn. Each returns the networks' losses before its step
    (a tensor, or a list of them), so that a test can see they train the sweep's networks."""
    dt = torch.float64
    data = sweep.dataset
    X = torch.tensor(data.X_train, dtype=dt)
    T = torch.tensor(data.T_train, dtype=dt)
    blocks = stacked_blocks(sweep.template, sweep.result().parameters)
    k = blocks[0].shape[0]
    W1 = torch.tensor(blocks[0][:, :-1]).requires_grad_()  # (K, 2, 4)
    b1 = torch.tensor(blocks[0][:, -1:]).requires_grad_()  # (K, 1, 4)
    W2 = torch.tensor(blocks[1][:, :-1]).requires_grad_()  # (K, 4, 1)
    b2 = torch.tensor(blocks[1][:, -1:]).requires_grad_()  # (K, 1, 1)
    stacked = [W1, b1, W2, b2]
    opt = torch.optim.SGD(stacked, lr=0.5)
    Xk = X.expand(k, *X.shape)

    def batched():
        opt.zero_grad()
        h = torch.sigmoid(torch.bmm(Xk, W1) + b1)
        y = torch.sigmoid(torch.bmm(h, W2) + b2)
        # The sum of each network's mean loss: each gets its own gradient.
        losses = 0.5 * ((y - T) ** 2).sum(dim=2).mean(dim=1)
        losses.sum().backward()
        opt.step()
        return losses

    models = []
    for n in range(k):
        model = _torch_mlp(torch, [2, 4, 1], "sigmoid", "sigmoid", dt)
        with torch.no_grad():
            model[0].weight.copy_(torch.tensor(blocks[0][n, :-1].T))
            model[0].bias.copy_(torch.tensor(blocks[0][n, -1]))
            model[2].weight.copy_(torch.tensor(blocks[1][n, :-1].T))
            model[2].bias.copy_(torch.tensor(blocks[1][n, -1]))
        models.append((model, torch.optim.SGD(model.parameters(), lr=0.5)))
    steps = [_torch_step(torch, model, o, "mse") for model, o in models]

    def one_at_a_time():
        return [step(X, T) for step in steps]

    return batched, one_at_a_time


def case_sweep(repeats: int, seconds: float) -> CaseResult:
    """100 XOR 2-4-1 networks trained at once: network-steps per second, against PyTorch
    training the same 100 models batched (bmm, autograd, one thread) and one at a time."""
    runs = sweep_runs(range(1, SWEEP_NETWORKS + 1), [0.5])
    template = Network.create([2, 4, 1], activation="sigmoid", output_activation="sigmoid")
    sweep = Sweep(template, xor(), TrainConfig(learning_rate=0.5, epochs=None), runs)
    torch = _torch()
    rates: dict[str, list[float]] = {"ours": [], "batched": [], "single": []}
    timed: dict[str, Callable[[], float]] = {}
    threads = None
    if torch is not None:
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
    try:
        if torch is not None:
            batched, single = _torch_sweep(torch, sweep)  # from the untrained weights
            timed["batched"] = _rate(batched, SWEEP_NETWORKS, seconds)
            timed["single"] = _rate(single, SWEEP_NETWORKS, seconds)
        timed["ours"] = _rate(sweep.run_epoch, SWEEP_NETWORKS, seconds)
        for _ in range(repeats):  # alternating, so that a noisy machine slows all alike
            for name, repeat in timed.items():
                rates[name].append(repeat())
    finally:
        if threads is not None:
            torch.set_num_threads(threads)
    median = {name: statistics.median(r) if r else None for name, r in rates.items()}
    rate, single_rate = median["ours"], median["single"]
    single_ratio = rate / single_rate if single_rate else None
    return CaseResult(
        "sweep",
        f"{SWEEP_NETWORKS} XOR 2-4-1 sigmoid networks (seeds 1-{SWEEP_NETWORKS}), MSE, full "
        "batch, SGD, trained at once (an epoch of each: step, loss, divergence check), "
        "against PyTorch with the same models stacked (bmm, autograd, one thread)",
        "net-steps/s",
        rate,
        median["batched"],
        1.5,
        "≥ 1.5× batched PyTorch",
        {
            "networks": SWEEP_NETWORKS,
            "torch_one_at_a_time": single_rate,
            "one_at_a_time_ratio": single_ratio,
            "one_at_a_time_target": 100.0,
            "one_at_a_time_met": None if single_ratio is None else single_ratio >= 100.0,
            "torch_threads": 1,
        },
    )


def _gui_figures(repeats: int, seconds: float, problem: str | None) -> tuple[dict, dict]:
    """The light measurement's median run (by ratio) and the heavy one, for ``problem``."""
    from bpdesk.bench_gui import as_the_app_runs

    # Each run opens a window and trains for a few seconds; the run with the
    # median ratio is reported (this machine's speed drifts from run to run).
    light = max(4.0, seconds * 10)
    runs = [as_the_app_runs("measure", light, problem) for _ in range(max(1, min(repeats, 3)))]
    runs.sort(key=lambda r: r["gui_to_headless_ratio"])
    figures = runs[len(runs) // 2]
    figures["ratios_of_runs"] = [round(r["gui_to_headless_ratio"], 3) for r in runs]
    heavy = as_the_app_runs("measure_heavy", max(8.0, seconds * 20), problem)
    return figures, heavy


def case_gui(repeats: int, seconds: float) -> CaseResult:
    """Training in the real window (offscreen) against the headless engine, same run;
    then the heavy variant: a big network beside a CPU-bound process, Space pressed."""
    figures, heavy = _gui_figures(repeats, seconds, None)
    return _gui_result(
        "gui",
        "Two spirals 2-8-8-1 trained at full speed in the main window with every panel "
        "visible, against the headless engine on the same problem; heavy: "
        f"{heavy['network']} at full speed beside a CPU-bound process, Space pressed "
        f"{heavy['presses']} times to pause and resume",
        figures,
        heavy,
    )


def case_gui_digits(repeats: int, seconds: float) -> CaseResult:
    """The digits network (64-128-64-10, Adam, batch 32) trained in the window with every
    panel visible against the headless engine; then beside a CPU-bound process, Space pressed."""
    figures, heavy = _gui_figures(repeats, seconds, "digits")
    return _gui_result(
        "gui-digits",
        "The digits 64-128-64-10 (ReLU, softmax, CE, Adam, batch 32) trained at full speed "
        "in the main window with every panel visible, against the headless engine; then "
        f"beside a CPU-bound process, Space pressed {heavy['presses']} times",
        figures,
        heavy,
        # The digits issue asks for speed and answers, not a redraw rate: the gradient
        # flow over 17,226 weights redraws as often as its cost allows (its frame budget).
        redraws=False,
    )


def _gui_result(
    name: str, what: str, figures: dict, heavy: dict, redraws: bool = True
) -> CaseResult:
    limits = (
        ("stall_p99_ms", 50.0, True),
        ("redraws_per_second", 20.0, False),
        ("pause_latency_p99_ms", 100.0, True),
        ("input_latency_p99_ms", 100.0, True),
    )
    if not redraws:
        limits = tuple(limit for limit in limits if limit[0] != "redraws_per_second")
    return CaseResult(
        name,
        what,
        "epochs/s",
        figures["gui_epochs_per_second"],
        None,
        0.7,
        "≥ 0.7× headless; stall p99 ≤ 50 ms; "
        + ("≥ 20 redraws/s; " if redraws else "")
        + "heavy: pause and input p99 ≤ 100 ms",
        {
            "ratio": figures["gui_to_headless_ratio"],
            **figures,
            "pause_latency_p99_ms": heavy["pause_latency_p99_ms"],
            "input_latency_p99_ms": heavy["input_latency_p99_ms"],
            "heavy": heavy,
        },
        limits=limits,
    )


def case_startup(repeats: int, seconds: float) -> CaseResult:
    """From process start to the main window shown: bpdesk against a bare Qt + pyqtgraph window."""
    from bpdesk.bench_startup import measure

    figures = measure(repeats=max(3, repeats))
    return CaseResult(
        "startup",
        "From starting the process to the main window shown and painted (offscreen): "
        "python -m bpdesk against a bare PySide6 + pyqtgraph window, and the frozen "
        "executable if packaging/dist/bpdesk was built",
        "ms",
        figures["bpdesk_seconds"] * 1e3,
        None,
        1.3,
        "≤ 1.3× a bare window",
        {"ratio": figures["bpdesk_to_bare_ratio"], **figures},
        lower_is_better=True,
    )


CASES: dict[str, Callable[[int, float], CaseResult]] = {
    "xor": case_xor,
    "spirals": case_spirals,
    "mlp": case_mlp,
    "digits": case_digits,
    "sweep": case_sweep,
    "gradcheck": case_gradcheck,
    "gui": case_gui,
    "gui-digits": case_gui_digits,
    "startup": case_startup,
}
# Cases that open a window: run only when asked for by name.
EXPLICIT_ONLY = ("gui", "gui-digits", "startup")


def environment() -> dict:
    """Versions and threads, printed with every run so figures can be compared."""
    torch = _torch()
    return {
        "bpdesk": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": getattr(torch, "__version__", None),
        "torch_threads": torch.get_num_threads() if torch is not None else None,
        "machine": platform.machine(),
    }


def run(
    names: list[str], repeats: int = 7, seconds: float = 0.4, progress=None
) -> list[CaseResult]:
    """Run the named cases (all by default) and return their results."""
    results = []
    for name in names:
        if progress is not None:
            progress(name)
        results.append(CASES[name](repeats, seconds))
    return results


def format_table(results: list[CaseResult]) -> str:
    """A plain-text table of the results."""
    lines = [f"{'case':<10} {'bpdesk':>18} {'PyTorch':>18} {'ratio':>9}  target"]
    for r in results:
        theirs = f"{r.torch:,.0f} {r.unit}" if r.torch else "—"
        ratio = f"{r.ratio:,.1f}×" if r.ratio is not None else "—"
        mark = {True: "met", False: "MISSED", None: ""}[r.met]
        lines.append(
            f"{r.name:<10} {r.bpdesk:>12,.0f} {r.unit:<5} {theirs:>18} {ratio:>9}  {r.target_text} {mark}"
        )
        if r.extra.get("epoch_ratio"):
            lines.append(
                f"{'':<10} {r.extra['epochs_per_second']:>12,.0f} ep/s  "
                f"{r.extra['torch_epochs_per_second']:>12,.0f} ep/s {r.extra['epoch_ratio']:>8.1f}×  "
                f"(whole epochs, with loss and accuracy)"
            )
        if r.extra.get("torch_one_at_a_time"):
            e = r.extra
            mark = "met" if e["one_at_a_time_met"] else "MISSED"
            theirs = f"{e['torch_one_at_a_time']:,.0f} {r.unit}"
            lines.append(
                f"{'':<10} {'':>{13 + max(5, len(r.unit))}} {theirs:>18} "
                f"{e['one_at_a_time_ratio']:>8,.0f}×  ≥ 100× PyTorch one model at a time {mark}"
            )
        if "stall_p99_ms" in r.extra:
            e = r.extra
            lines.append(
                f"{'':<10} headless {e['headless_epochs_per_second']:,.0f} epochs/s; GUI stalls p99 "
                f"{e['stall_p99_ms']:.1f} ms, max {e['stall_max_ms']:.1f} ms; redraws "
                f"{e['redraws_per_second']:.0f}/s {e['redraws_by_panel']}"
            )
        if "heavy" in r.extra:
            h = r.extra["heavy"]
            hog = "beside a CPU-bound process" if h["cpu_hog"] else "alone"
            lines.append(
                f"{'':<10} heavy {h['network']} {hog}: {h['gui_epochs_per_second']:,.0f} epochs/s "
                f"(headless {h['headless_epochs_per_second']:,.0f}); pause p99 "
                f"{h['pause_latency_p99_ms']:.0f} ms (median {h['pause_latency_median_ms']:.0f}); "
                f"input p99 {h['input_latency_p99_ms']:.0f} ms (median "
                f"{h['input_latency_median_ms']:.0f}); epochs after a press ≤ "
                f"{h['epochs_after_press_max']}"
            )
        if "bare_seconds" in r.extra:
            e = r.extra
            frozen = (
                f"frozen {e['frozen_seconds'] * 1e3:,.0f} ms ({e['frozen_to_bare_ratio']:.2f}× bare)"
                if e["frozen_seconds"]
                else "frozen: not built (python packaging/build.py)"
            )
            lines.append(
                f"{'':<10} bare PySide6 + pyqtgraph window {e['bare_seconds'] * 1e3:,.0f} ms; "
                f"bpdesk {r.ratio:.2f}× bare; {frozen}"
            )
        if "numerical_forward_passes" in r.extra:
            e = r.extra
            lines.append(
                f"{'':<10} {e['parameters']:,} parameters: {e['numerical_forward_passes']:,} forward passes "
                f"in {e['numerical_seconds']:.3f} s against {e['backprop_passes']} passes in "
                f"{e['backprop_seconds'] * 1e3:.3f} ms; max relative error {e['max_relative_error']:.1e}"
            )
    return "\n".join(lines)
