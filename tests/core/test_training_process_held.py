"""The training process held by a signal: seen as held, ended when asked, and never
holding a request of the window's while its dataset crosses."""

import os
import signal
import sys
import threading
import time

import numpy as np
import pytest

from bpdesk.core import Dataset, Network, TrainConfig, make_dataset
from bpdesk.core.training_process import (
    ForwardingControl,
    RunOrder,
    TrainingProcess,
    TrainingProcessGoneError,
)

linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="/proc tells a held process"
)


@pytest.fixture
def process():
    proc = TrainingProcess()
    yield proc
    pid = proc.pid
    if pid is not None:
        os.kill(pid, signal.SIGCONT)
    proc.close()


def wait_until(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.01)


def big_dataset(rows=20_000, inputs=784):
    rng = np.random.default_rng(0)
    x = rng.random((rows, inputs))
    t = (x[:, :1] > 0.5).astype(float)
    return Dataset("binary", x, t, x[:10], t[:10], title="random")


@linux_only
def test_a_held_process_is_seen_held_and_can_be_ended(process):
    assert not process.halted  # not started
    process.start()
    pid = process.pid
    assert not process.halted
    os.kill(pid, signal.SIGSTOP)
    wait_until(lambda: process.halted)
    os.kill(pid, signal.SIGCONT)
    wait_until(lambda: not process.halted)
    os.kill(pid, signal.SIGSTOP)
    wait_until(lambda: process.halted)
    process.abandon()
    with pytest.raises(TrainingProcessGoneError, match="held"):
        process.receive(30.0)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_a_request_made_while_the_dataset_crosses_does_not_wait_for_it(process):
    net = Network.create([784, 2, 1], seed=0)
    data = big_dataset()  # far more than a pipe holds: its sender waits for the reader
    process.start()
    pid = process.pid
    os.kill(pid, signal.SIGSTOP)
    control = ForwardingControl()
    runs = []
    order = lambda **asked: RunOrder(net, TrainConfig(), 0, **asked)  # noqa: E731
    sender = threading.Thread(target=lambda: runs.append(control.attach(process, order, data)))
    sender.start()
    asking = threading.Thread(target=control.pause)
    asking.start()
    asking.join(30.0)
    assert not asking.is_alive()  # the pause did not wait for the dataset
    assert sender.is_alive()  # which is still crossing, the process being held
    os.kill(pid, signal.SIGCONT)
    sender.join(60.0)
    assert not sender.is_alive()
    # The run began paused: it trained no epoch.
    message = process.receive(30.0)
    assert message == ("paused", runs[0])


def test_a_small_run_is_unchanged_by_sending_its_dataset_first(process):
    net = Network.create([2, 3, 1], seed=0)
    data = make_dataset("xor")
    control = ForwardingControl()
    order = lambda **asked: RunOrder(net, TrainConfig(epochs=5), 0, **asked)  # noqa: E731
    run = control.attach(process, order, data)
    while (message := process.receive(30.0))[0] != "end":
        assert message[1] == run
    assert message[2].epoch == 5


def test_a_resume_after_a_step_drops_the_step():
    # Step then Space, both taken before the step's epoch ends: the run goes on.
    control = ForwardingControl()
    control.pause()
    control.request_step()
    control.resume()
    assert not control.take_step()
    assert not control.paused
