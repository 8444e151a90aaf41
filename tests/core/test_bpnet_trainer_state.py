"""The trainer's state and the window's pace in the .bpnet file (format version 3).

A run saved with its trainer state and continued from the file is the run that
never stopped; a file without one (older files) still opens, and starts the
optimiser afresh; every field of the state is checked like the rest of a file.
"""

import copy
import json
import re

import numpy as np
import pytest

from bpdesk.core import (
    BpnetDocument,
    FileFormatError,
    LossHistory,
    Network,
    TrainConfig,
    Trainer,
    bpnet,
    load_bpnet,
    make_dataset,
    save_bpnet,
    train,
)
from bpdesk.core.bpnet import UNSET


def trained(optimizer: str, batch: int = 7, epochs: int = 6, bias: bool = True):
    """A network trained a few epochs, its data and settings, and its trainer."""
    data = make_dataset("moons", n_samples=40, test_ratio=0.25, seed=1)
    net = Network.create([2, 5, 1], activation="tanh", seed=2, bias=bias)
    config = TrainConfig(
        learning_rate=0.05, batch_size=batch, optimizer=optimizer, epochs=epochs, seed=4
    )
    trainer = Trainer(net, data, config)
    history = LossHistory([s.train_loss for s in trainer.run()])
    return net, data, config, history, trainer


def document(optimizer: str = "adam", **kwargs) -> BpnetDocument:
    net, data, config, history, trainer = trained(optimizer, **kwargs)
    return BpnetDocument(net, data, config, history, trainer_state=trainer.state())


def state_json(optimizer: str = "adam", **kwargs) -> dict:
    return bpnet.to_json(document(optimizer, **kwargs))


def rejected(data: dict) -> FileFormatError:
    with pytest.raises(FileFormatError) as info:
        bpnet.loads(json.dumps(data))
    return info.value


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_the_trainer_state_round_trips_exactly(tmp_path, optimizer, dtype):
    net, data, config, history, trainer = trained(optimizer)
    if dtype == "float32":
        net = Network(net.layer_sizes, net.activations, dtype="float32", seed=2)
        trainer = Trainer(net, data, config)
        list(trainer.run())
    state = trainer.state()
    path = tmp_path / "run.bpnet"
    save_bpnet(BpnetDocument(net, data, config, history, trainer_state=state), path)
    back = load_bpnet(path).trainer_state
    assert back.epoch == state.epoch == 6
    assert back.optimizer.name == optimizer
    assert back.optimizer.steps == state.optimizer.steps
    assert back.shuffle == state.shuffle
    assert set(back.optimizer.buffers) == set(state.optimizer.buffers)
    for key, values in state.optimizer.buffers.items():
        assert back.optimizer.buffers[key].dtype == net.dtype
        assert back.optimizer.buffers[key].tobytes() == values.tobytes()


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_a_run_continued_from_its_file_is_the_run_that_never_stopped(tmp_path, optimizer):
    net, data, config, history, trainer = trained(optimizer, epochs=30)
    path = tmp_path / "half.bpnet"
    save_bpnet(BpnetDocument(net, data, config, history, trainer_state=trainer.state()), path)
    doc = load_bpnet(path)
    more = TrainConfig(**{**config.to_dict(), "epochs": 60})
    continued = Trainer(doc.network, doc.dataset, more, state=doc.trainer_state)
    losses = history.train_loss + [s.train_loss for s in continued.run()]
    whole = trained(optimizer, epochs=60)
    np.testing.assert_allclose(losses, whole[3].train_loss, rtol=1e-9, atol=0)
    assert np.array_equal(doc.network.parameters, whole[0].parameters)


def test_the_state_is_written_as_the_network_is_and_makes_the_file_version_3():
    data = state_json("momentum")
    assert data["version"] == 3
    state = data["trainer_state"]
    assert state["epoch"] == 6
    assert state["optimizer"]["name"] == "momentum"
    velocity = state["optimizer"]["velocity"]
    assert [np.shape(w) for w in velocity["weights"]] == [(2, 5), (5, 1)]
    assert [np.shape(b) for b in velocity["biases"]] == [(5,), (1,)]
    shuffle = state["shuffle"]
    assert shuffle["bit_generator"] == "PCG64"
    assert shuffle["seed"] == 4
    # 128-bit numbers as text: other JSON readers would round them as numbers.
    assert shuffle["state"].startswith("0x")
    assert shuffle["inc"].startswith("0x")
    # Plain gradient descent remembers nothing but its steps.
    assert set(state_json("sgd")["trainer_state"]["optimizer"]) == {"name", "steps"}


def test_a_file_without_a_state_is_written_and_read_as_before():
    net, data, config, history, _ = trained("adam")
    data_json = bpnet.to_json(BpnetDocument(net, data, config, history))
    assert data_json["version"] == 1
    assert "trainer_state" not in data_json
    assert "speed" not in data_json["training"]
    back = bpnet.from_json(data_json)
    assert back.trainer_state is None
    assert back.speed is UNSET
    # What an older bpdesk wrote: training continued from it starts afresh.
    trainer = Trainer(back.network, back.dataset, config, start_epoch=6)
    assert trainer.state().optimizer.steps == 0


def test_a_network_without_biases_keeps_its_state_biases_at_zero():
    data = state_json("momentum", bias=False)
    assert data["version"] == 3
    assert bpnet.from_json(data).trainer_state.optimizer.buffers["velocity"].any()
    data["trainer_state"]["optimizer"]["velocity"]["biases"][0][2] = 0.5
    error = rejected(data)
    assert error.field == "trainer_state.optimizer.velocity.biases[0]"


BAD_STATE = [
    ("trainer_state.epoch", -1, "must be from 0 to"),
    ("trainer_state.optimizer.name", "rmsprop", "expected one of sgd, momentum, adam"),
    ("trainer_state.optimizer.steps", 1.5, "expected a whole number"),
    ("trainer_state.optimizer.m", None, "expected an object"),
    ("trainer_state.optimizer.v.weights[0][1][2]", "x", 'expected a number, got "x"'),
    ("trainer_state.optimizer.v.weights[1]", [[0.0]], "expected 5 entries, got 1"),
    ("trainer_state.optimizer.v.biases[0][3]", -1.0, "cannot be negative, got -1"),
    ("trainer_state.optimizer.v.weights[1][4][0]", -2.0, "cannot be negative, got -2"),
    ("trainer_state.shuffle.state", 12, "as text"),
    ("trainer_state.shuffle.inc", "0xzz", "hexadecimal"),
    ("trainer_state.shuffle.bit_generator", "MT19937", "expected one of PCG64"),
    ("trainer_state.shuffle.has_uint32", 2, "must be from 0 to 1"),
    ("trainer_state.shuffle.seed", -3, "must be from 0"),
    ("trainer_state.shuffle", [], "expected an object"),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_STATE)
def test_bad_state_fields_are_named(field, value, message):
    data = copy.deepcopy(state_json("adam"))
    keys = [int(k) if k.isdigit() else k for k in re.findall(r"[^.\[\]]+", field)]
    target = data
    for key in keys[:-1]:
        target = target[key]
    target[keys[-1]] = value
    error = rejected(data)
    assert error.field == field
    assert message in str(error)


def test_a_missing_buffer_is_named():
    data = state_json("adam")
    del data["trainer_state"]["optimizer"]["v"]
    assert rejected(data).field == "trainer_state.optimizer.v"


def test_the_window_pace_round_trips_and_null_means_as_fast_as_it_goes():
    net, data, config, history, _ = trained("sgd")
    for speed in (100.0, 2.5, None):
        doc = BpnetDocument(net, data, config, history, speed=speed)
        text = bpnet.dumps(doc)
        assert json.loads(text)["training"]["speed"] == speed
        assert bpnet.loads(text).speed == speed
    for bad in (0, -1.0, 1e7, "fast", True):
        with pytest.raises(FileFormatError) as info:
            bpnet.loads(bpnet.dumps(BpnetDocument(net, data, config, history, speed=bad)))
        assert info.value.field == "training.speed"


def test_a_state_too_large_for_the_file_is_left_out_rather_than_refusing_the_save(
    tmp_path, monkeypatch
):
    doc = document("adam")
    with_state = len(bpnet.dumps(doc))
    without = len(bpnet.dumps(BpnetDocument(doc.network, doc.dataset, doc.training, doc.history)))
    monkeypatch.setattr(bpnet, "MAX_FILE_BYTES", (with_state + without) // 2)
    path = tmp_path / "big.bpnet"
    save_bpnet(doc, path)
    assert load_bpnet(path).trainer_state is None


def test_train_continues_the_state_it_is_given():
    net, data, config, _history, trainer = trained("adam", epochs=3)
    state = trainer.state()
    more = TrainConfig(**{**config.to_dict(), "epochs": 5})
    snaps = list(train(net, data, more, state=state))
    assert [s.epoch for s in snaps] == [4, 5]
