"""Training in a process of its own: the same run as on a thread, driven by messages."""

import os
import pickle
import signal
import threading
import time

import numpy as np
import pytest

from bpdesk.core import Network, TrainConfig, Trainer, make_dataset
from bpdesk.core.optimizers import OptimizerState
from bpdesk.core.training_process import (
    ForwardingControl,
    RunOrder,
    TrainingProcess,
    TrainingProcessGoneError,
)


@pytest.fixture
def process():
    proc = TrainingProcess()
    yield proc
    proc.close()


def spirals():
    data = make_dataset("spiral", n_samples=100, noise=0.1, test_ratio=0.2, seed=0)
    net = Network.create([2, 6, 1], activation="tanh", output_activation="sigmoid", seed=3)
    return net, data


def receive_until(process, kinds, timeout=30.0):
    """Every message up to and including the first of ``kinds``."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = process.receive(0.1)
        if message is not None:
            seen.append(message)
            if message[0] in kinds:
                return seen
    raise AssertionError(f"no {kinds} within {timeout} s; got {[m[0] for m in seen]}")


def test_a_network_sent_to_another_process_trains_there():
    # Its layers are views of one parameter vector: a pickled copy must keep them so,
    # or the optimiser would step a vector the forward pass never reads.
    net, _ = spirals()
    copy = pickle.loads(pickle.dumps(net))
    copy.parameters += 1.0
    assert np.array_equal(copy.weights[0], net.weights[0] + 1.0)
    state = OptimizerState("adam", 3, {"m": np.ones(4), "v": np.zeros(4)})
    back = pickle.loads(pickle.dumps(state))
    assert back.name == "adam"
    assert back.steps == 3
    assert np.array_equal(back.buffers["m"], np.ones(4))
    assert not back.buffers["m"].flags.writeable


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_a_run_in_the_process_is_the_run_on_a_thread(process, optimizer):
    net, data = spirals()
    config = TrainConfig(learning_rate=0.05, batch_size=16, optimizer=optimizer, epochs=40)
    alone = net.copy()
    trainer = Trainer(alone, data, config)
    for _ in trainer.run():
        pass
    run = process.start_run(RunOrder(net, config, 0, None), data)
    messages = receive_until(process, {"end", "failed"})
    assert messages[-1][0] == "end"
    assert messages[-1][1] == run
    updates = [m[2] for m in messages if m[0] in ("update", "end") and m[2] is not None]
    rows = np.hstack([u.rows for u in updates])
    assert rows.shape[1] == 40  # every epoch, once, in order
    assert next(u.first_epoch for u in updates) == 1
    end = messages[-1][2]
    assert end.epoch == 40
    assert np.array_equal(end.parameters, alone.parameters)  # to the last bit
    assert end.state.optimizer.steps == trainer.state().optimizer.steps


def test_pause_step_and_stop_reach_the_run(process):
    net, data = spirals()
    control = ForwardingControl(speed=200)
    run = control.attach(
        process, lambda **asked: RunOrder(net, TrainConfig(batch_size=10), 0, **asked), data
    )
    before = receive_until(process, {"update"})
    control.pause()
    held = before + receive_until(process, {"paused"})
    # What was trained before the pause is sent before "paused", and nothing after it.
    last = max(m[2].epoch for m in held if m[0] == "update")
    assert process.receive(0.3) is None
    control.request_step()
    stepped = receive_until(process, {"paused"})
    assert [m[2].epoch for m in stepped if m[0] == "update"] == [last + 1]
    control.change_settings(learning_rate=0.5)
    control.request_stop()
    end = receive_until(process, {"end"})[-1]
    assert end[1] == run
    assert end[2] is None or end[2].epoch == last + 1  # stopped while held: no epoch more


def test_a_late_command_of_an_ended_run_is_not_taken_by_the_next(process):
    net, data = spirals()
    config = TrainConfig(batch_size=10, epochs=5)
    first = process.start_run(RunOrder(net, config, 0, None), data)
    receive_until(process, {"end"})
    process.command(first, "pause")  # too late for its run
    second = process.start_run(RunOrder(net, config, 0, None), data)
    messages = receive_until(process, {"end"})
    assert messages[-1][1] == second
    assert not [m for m in messages if m[0] == "paused"]
    assert messages[-1][2].epoch == 5


def test_a_process_that_is_killed_is_reported_not_waited_for(process):
    net, data = spirals()
    process.start_run(RunOrder(net, TrainConfig(batch_size=10), 0, None), data)
    receive_until(process, {"update"})
    os.kill(process.pid, signal.SIGKILL)
    with pytest.raises(TrainingProcessGoneError, match="signal 9"):
        receive_until(process, {"end"})
    # The next run starts a new process.
    process.start_run(RunOrder(net, TrainConfig(batch_size=10, epochs=3), 0, None), data)
    assert receive_until(process, {"end"})[-1][2].epoch == 3


def test_a_run_that_fails_in_the_process_says_why(process):
    net, _data = spirals()
    three_classes = make_dataset("blobs", n_samples=30, seed=0)  # needs 3 outputs, not 1
    run = process.start_run(RunOrder(net, TrainConfig(epochs=3), 0, None), three_classes)
    message = receive_until(process, {"end", "failed"})[-1]
    assert message[:2] == ("failed", run)
    assert "outputs" in message[2]


def test_closing_ends_the_process():
    proc = TrainingProcess()
    proc.start()
    pid = proc.pid
    assert pid is not None
    assert pid != os.getpid()
    proc.close()
    assert proc.pid is None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_a_dataset_goes_to_the_process_without_a_pickled_copy_and_arrives_whole():
    from multiprocessing import Pipe

    from bpdesk.core.training_process import _receive_out_of_band, _send_out_of_band

    data = make_dataset("digits", test_ratio=0.3, seed=0)
    ours, theirs = Pipe()
    # Sent from a thread, as the pipe holds less than the dataset until it is read.
    sender = threading.Thread(target=_send_out_of_band, args=(ours, "dataset", data))
    sender.start()
    kind, count = theirs.recv()
    assert kind == "dataset"
    assert count >= 4  # its arrays went as they lie, not inside the pickle
    back = _receive_out_of_band(theirs, count)
    for name in ("X_train", "T_train", "X_test", "T_test"):
        assert np.array_equal(getattr(back, name), getattr(data, name))
        assert not getattr(back, name).flags.writeable
    assert back.kind == data.kind
    sender.join()
