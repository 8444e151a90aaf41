"""Sweeps kept in a .bpnet file: written and read back exactly, older files still open,
and a hostile sweeps section refused with one message naming its field."""

import json

import numpy as np
import pytest

from bpdesk.core import BpnetDocument, FileFormatError, Network, TrainConfig, xor
from bpdesk.core.bpnet import dumps, loads
from bpdesk.core.bpnet_sweeps import MAX_KEPT_SWEEPS
from bpdesk.core.sweep import Sweep, sweep_runs
from bpdesk.core.sweep_kept import KeptSweep, thin_columns
from bpdesk.core.sweep_spec import parse_rates, parse_seeds


@pytest.fixture(scope="module")
def kept() -> KeptSweep:
    net = Network.create([2, 2, 1], activation="sigmoid", output_activation="linear")
    config = TrainConfig(learning_rate=0.5, epochs=600)
    sweep = Sweep(net, xor(), config, sweep_runs([1, 2, 3], [0.3, 5.0]))
    for _ in sweep.run():
        pass
    return KeptSweep.of(sweep.result(), config, "XOR", curve_points=50)


def document(*sweeps: KeptSweep) -> BpnetDocument:
    net = Network.create([2, 2, 1], activation="sigmoid", seed=4)
    return BpnetDocument(net, xor(), TrainConfig(), sweeps=sweeps)


def test_a_kept_sweep_reads_back_exactly(kept):
    assert kept.diverged.any()  # η = 5 with a linear output runs away: NaN after it stopped
    assert kept.curves.shape[1] == 50
    back = loads(dumps(document(kept))).sweeps[0]
    assert back.runs == kept.runs
    assert back.template.layer_sizes == kept.template.layer_sizes
    assert back.template.activations == kept.template.activations
    for name in ("epochs", "epochs_to_target", "diverged_at", "curve_epochs", "parameters"):
        assert np.array_equal(getattr(back, name), getattr(kept, name)), name
    for name in ("final_losses", "curves", "train_accuracy"):
        assert np.array_equal(getattr(back, name), getattr(kept, name), equal_nan=True), name
    assert back.reasons == kept.reasons
    assert (back.config, back.dataset, back.target, back.epoch) == (
        kept.config,
        kept.dataset,
        kept.target,
        kept.epoch,
    )
    assert np.array_equal(back.network(4).parameters, kept.parameters[4])


def test_a_file_without_sweeps_opens_as_before_and_does_not_mention_them():
    text = dumps(document())
    assert "sweeps" not in json.loads(text)
    assert loads(text).sweeps == ()


def test_curves_are_thinned_to_a_bounded_count_ending_on_the_last_epoch():
    epochs = np.arange(1, 1001)
    curves = np.arange(3000, dtype=np.float32).reshape(3, 1000)
    kept_epochs, kept_curves = thin_columns(epochs, curves, 256)
    assert len(kept_epochs) <= 256
    assert kept_epochs[-1] == 1000
    assert np.array_equal(kept_curves[:, -1], curves[:, -1])


def hostile(kept, change) -> str:
    data = json.loads(dumps(document(kept)))
    change(data["sweeps"][0], data)
    return json.dumps(data)


HOSTILE = [
    (lambda s, d: s.update(final_losses="abc"), "sweeps[0].final_losses: expected a list"),
    (
        lambda s, d: s["final_losses"].__setitem__(1, "x"),
        'sweeps[0].final_losses[1]: expected a number, got "x"',
    ),
    (lambda s, d: s.update(seeds=[]), "sweeps[0].seeds: expected 1 to 10000 entries"),
    (lambda s, d: s["seeds"].__setitem__(0, -1), "sweeps[0].seeds[0]: must be from 0"),
    (lambda s, d: s["learning_rates"].__setitem__(2, 0), "sweeps[0].learning_rates[2]"),
    (lambda s, d: s["curves"].pop(), "sweeps[0].curves: expected 6 entries, got 5"),
    (lambda s, d: s["curves"][0].append(1.0), "sweeps[0].curves[0]: expected 50 entries"),
    (lambda s, d: s["parameters"][3].pop(), "sweeps[0].parameters[3]: expected 9 entries"),
    (lambda s, d: s["network"].update(layer_sizes=[2, 0, 1]), "sweeps[0].network.layer_sizes[1]"),
    (lambda s, d: s["training"].update(optimizer="magic"), "sweeps[0].training.optimizer"),
    (lambda s, d: s["epochs"].__setitem__(0, 10**9), "sweeps[0].epochs[0]: must be from 0 to 600"),
    (lambda s, d: s["curve_epochs"].reverse(), "sweeps[0].curve_epochs: the epochs must rise"),
    (lambda s, d: s.update(target=-1), "sweeps[0].target: must be a positive number"),
    (lambda s, d: s["reasons"].__setitem__(0, "x" * 5000), "sweeps[0].reasons[0]"),
    (lambda s, d: d.update(sweeps=[s] * (MAX_KEPT_SWEEPS + 1)), "sweeps: expected 0 to 4 entries"),
    (lambda s, d: d.update(sweeps={}), "sweeps: expected a list, got an object"),
    (lambda s, d: s["network"].update(layer_sizes=[2, 4096, 1]), "sweeps[0].network.weights[0]"),
]


@pytest.mark.parametrize(("change", "message"), HOSTILE, ids=[m for _, m in HOSTILE])
def test_a_hostile_sweeps_section_is_refused_with_one_message(kept, change, message):
    with pytest.raises(FileFormatError) as caught:
        loads(hostile(kept, change))
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_too_many_kept_weights_are_refused_before_they_are_read(kept):
    def huge(s, d):
        s["network"].update(
            layer_sizes=[2, 600, 600, 1],
            activations=["sigmoid"] * 3,
            weights=[[[0.0] * 600] * 2, [[0.0] * 600] * 600, [[0.0]] * 600],
            biases=[[0.0] * 600, [0.0] * 600, [0.0]],
        )
        s["parameters"] = [[]] * 6

    with pytest.raises(FileFormatError, match=r"sweeps\[0\]\.parameters: 6 networks of 363,001"):
        loads(hostile(kept, huge))


def test_the_window_and_the_command_line_read_seeds_and_rates_alike():
    assert parse_seeds("1-3, 7,9-10") == [1, 2, 3, 7, 9, 10]
    assert parse_rates("0.01, 0.1,1") == [0.01, 0.1, 1.0]
    with pytest.raises(ValueError, match="runs backwards"):
        parse_seeds("5-1")
    with pytest.raises(ValueError, match="appears twice"):
        parse_rates("1,1.0")
