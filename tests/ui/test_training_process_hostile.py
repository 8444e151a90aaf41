"""The window's training process under a hostile user and a hostile machine: keys pressed
faster than the process answers, the process suspended or killed at every turn, datasets
swapped under a run, two windows at once. None of it may hang the window, lose an epoch
from the history, or leave a process behind."""

import dataclasses
import os
import random
import signal
import threading
from contextlib import contextmanager, suppress

import numpy as np
import pytest

from bpdesk.core import Dataset, make_dataset
from bpdesk.core.datasets import handed_over
from bpdesk.ui import editing
from bpdesk.ui.commands import SetConfigCommand


def wait_for_epoch(qtbot, doc, epoch, timeout=30000):
    qtbot.waitUntil(lambda: doc.epoch >= epoch, timeout=timeout)


def gone(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@contextmanager
def watchdog(pid, after=60.0):
    """Kill ``pid`` if the block has not ended ``after`` seconds on: a hang then ends
    as a failed test (``fired``), not as a suite that never returns."""
    fired = []

    def fire():
        fired.append(True)
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)

    timer = threading.Timer(after, fire)
    timer.start()
    try:
        yield fired
    finally:
        timer.cancel()


def settle(qtbot, window):
    """Stop the run and check that the history and the network shown agree."""
    doc, trainer = window.doc, window.trainer
    trainer.shutdown()
    qtbot.waitUntil(lambda: not doc.recording_training, timeout=10000)
    assert len(doc.history) == doc.epoch
    if doc.epoch:
        doc.set_sample(None)  # the loss of the network shown, on the whole training set:
        shown = doc.run_forward(emit=False).total_loss
        assert doc.history.train_loss[-1] == pytest.approx(shown, rel=1e-9)


def random_digits(rows, inputs=784, classes=10, seed=0):
    """A big multiclass dataset of random float32 pixels (kept as they are, not copied)."""
    rng = np.random.default_rng(seed)

    def frozen(array):
        array.flags.writeable = False
        return array

    def part(n):
        x = frozen(rng.random((n, inputs), dtype=np.float32))
        t = frozen(np.eye(classes)[rng.integers(0, classes, n)])
        return x, t

    (x_train, t_train), (x_test, t_test) = part(rows), part(rows // 10)
    with handed_over():
        return Dataset("multiclass", x_train, t_train, x_test, t_test, title="random pixels")


# -- 1. keys faster than the process answers ------------------------------------------------


def test_rapid_keys_edits_undo_and_redo_keep_the_history_whole(qtbot, window):
    doc, trainer = window.doc, window.trainer
    rng = random.Random(0)
    trainer.set_speed(None)
    trainer.start()
    wait_for_epoch(qtbot, doc, 5)
    pid = trainer.process.pid
    with watchdog(pid, after=240.0) as fired:
        for i in range(200):
            action = rng.random()
            if action < 0.4:
                trainer.toggle()  # Space
            elif action < 0.55:
                trainer.step()
            elif action < 0.65:
                doc.undo()
            elif action < 0.72:
                doc.redo()
            elif action < 0.8:
                editing.add_neuron(doc, 1)
            elif action < 0.9:
                rate = rng.choice([0.01, 0.05, 0.1, 0.3])
                config = dataclasses.replace(doc.config, learning_rate=rate)
                doc.push(SetConfigCommand(doc, config))
            if i % 10 == 0:
                qtbot.wait(rng.choice([0, 1, 5, 20]))
        # An edit leaves the last epoch's loss behind: the network shown is trained again.
        trainer.start()
        wait_for_epoch(qtbot, doc, doc.epoch + 5)
        settle(qtbot, window)
    assert not fired
    assert trainer.process.pid is None  # shut down with the run
    assert gone(pid)


def test_resume_right_after_a_step_trains_on(qtbot, window):
    # Step, then Space before the step's epoch is done: the run goes on, as the
    # window says, instead of pausing after one epoch under a "running" window.
    doc, trainer = window.doc, window.trainer
    trainer.start()
    wait_for_epoch(qtbot, doc, 20)
    trainer.pause()
    qtbot.waitUntil(lambda: not doc.recording_training, timeout=10000)
    pid = trainer.process.pid
    os.kill(pid, signal.SIGSTOP)  # it takes both requests before the step's epoch
    trainer.step()
    trainer.start()
    assert trainer.state == "running"
    os.kill(pid, signal.SIGCONT)
    wait_for_epoch(qtbot, doc, doc.epoch + 50)
    assert trainer.state == "running"
    assert not trainer.job.control.paused
    settle(qtbot, window)


# -- 2. the process suspended (SIGSTOP) ------------------------------------------------------


def test_a_suspended_process_does_not_hang_pause_and_close(qtbot, window):
    doc, trainer = window.doc, window.trainer
    messages = []
    doc.message.connect(messages.append)
    trainer.start()
    wait_for_epoch(qtbot, doc, 50)
    pid = trainer.process.pid
    os.kill(pid, signal.SIGSTOP)
    with watchdog(pid) as fired:
        trainer.pause()  # only asks: nothing waits for the answer
        assert trainer.state == "paused"
        trainer.shutdown()  # as the window closes: it waits for the run's end, not for ever
    assert not fired
    assert gone(pid)
    assert len([m for m in messages if "training process" in m]) == 1
    assert any("did not answer" in m for m in messages)
    kept = doc.epoch
    assert kept >= 50
    assert len(doc.history) == kept
    trainer.start()  # a new process
    wait_for_epoch(qtbot, doc, kept + 20)
    settle(qtbot, window)


def test_a_suspended_process_does_not_hang_an_edit(qtbot, window):
    doc, trainer = window.doc, window.trainer
    trainer.start()
    wait_for_epoch(qtbot, doc, 20)
    pid = trainer.process.pid
    os.kill(pid, signal.SIGSTOP)
    neurons = doc.network.layer_sizes[1]
    with watchdog(pid) as fired:
        editing.add_neuron(doc, 1)  # stops the run, edits, trains on in a new process
        wait_for_epoch(qtbot, doc, doc.epoch + 20)
    assert not fired
    assert gone(pid)
    assert doc.network.layer_sizes[1] == neurons + 1
    settle(qtbot, window)


def test_a_process_suspended_and_continued_trains_on(qtbot, window):
    # Ctrl+Z in the terminal, then fg: the process is only held, and nothing is lost.
    doc, trainer = window.doc, window.trainer
    trainer.start()
    wait_for_epoch(qtbot, doc, 20)
    pid = trainer.process.pid
    os.kill(pid, signal.SIGSTOP)
    trainer.pause()
    qtbot.wait(300)
    trainer.start()
    os.kill(pid, signal.SIGCONT)
    wait_for_epoch(qtbot, doc, doc.epoch + 50)
    assert trainer.process.pid == pid
    settle(qtbot, window)


def test_a_process_suspended_while_its_dataset_goes_over_does_not_hang(qtbot, window):
    doc, trainer = window.doc, window.trainer
    big = random_digits(20_000)
    trainer.warm_up()
    pid = trainer.process.pid
    os.kill(pid, signal.SIGSTOP)  # it reads nothing: the pipe fills with the dataset
    with watchdog(pid) as fired:
        assert editing.change_dataset(doc, big)
        trainer.start()
        qtbot.wait(300)
        trainer.pause()  # must not wait for the transfer
        trainer.shutdown()
    assert not fired
    assert gone(pid)
    assert doc.epoch == 0


# -- 3. the process killed at every turn -----------------------------------------------------


def killed_then_trains_again(qtbot, window, messages, pid):
    doc, trainer = window.doc, window.trainer
    os.kill(pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: trainer.state == "idle", timeout=20000)
    told = [m for m in messages if "training process" in m]
    assert len(told) == 1, messages
    assert "Traceback" not in told[0]
    assert len(doc.history) == doc.epoch
    kept = doc.epoch
    trainer.start()
    wait_for_epoch(qtbot, doc, kept + 20)
    assert trainer.process.pid != pid
    settle(qtbot, window)


@pytest.fixture
def told(window):
    messages = []
    window.doc.message.connect(messages.append)
    return messages


def test_killed_before_its_first_epoch(qtbot, window, told):
    trainer = window.trainer
    trainer.warm_up()
    pid = trainer.process.pid
    os.kill(pid, signal.SIGSTOP)  # held: it has the run and trains no epoch of it
    trainer.start()
    qtbot.waitUntil(lambda: trainer.job.job._started, timeout=10000)  # the run was sent
    killed_then_trains_again(qtbot, window, told, pid)


def test_killed_while_warming_up_then_train(qtbot, window, told):
    trainer = window.trainer
    trainer.warm_up()
    pid = trainer.process.pid
    os.kill(pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: gone(pid) or trainer.process.pid is None, timeout=10000)
    trainer.start()  # a process that ended before any run: a new one, nothing to say
    wait_for_epoch(qtbot, window.doc, 20)
    assert not [m for m in told if "training process" in m]
    settle(qtbot, window)


def test_killed_while_paused(qtbot, window, told):
    doc, trainer = window.doc, window.trainer
    trainer.start()
    wait_for_epoch(qtbot, doc, 30)
    trainer.pause()
    qtbot.waitUntil(lambda: not doc.recording_training, timeout=10000)
    killed_then_trains_again(qtbot, window, told, trainer.process.pid)


def test_killed_while_its_dataset_goes_over(qtbot, window, told):
    doc, trainer = window.doc, window.trainer
    trainer.warm_up()
    pid = trainer.process.pid
    os.kill(pid, signal.SIGSTOP)  # held, so that the kill finds the transfer under way
    assert editing.change_dataset(doc, random_digits(2_000))
    trainer.start()
    qtbot.wait(300)
    killed_then_trains_again(qtbot, window, told, pid)


def test_killed_while_stopping(qtbot, window, told):
    doc, trainer = window.doc, window.trainer
    trainer.start()
    wait_for_epoch(qtbot, doc, 30)
    pid = trainer.process.pid
    os.kill(pid, signal.SIGSTOP)  # it will not answer the stop...
    killer = threading.Timer(0.5, os.kill, (pid, signal.SIGKILL))  # ...and dies meanwhile
    killer.start()
    trainer.shutdown()
    killer.join()
    assert gone(pid)
    told_now = [m for m in told if "training process" in m]
    assert len(told_now) == 1, told
    assert len(doc.history) == doc.epoch
    trainer.start()
    wait_for_epoch(qtbot, doc, doc.epoch + 20)
    settle(qtbot, window)


# -- 4. datasets swapped under a run ---------------------------------------------------------


def test_datasets_swapped_under_a_run_many_times(qtbot, window):
    doc, trainer = window.doc, window.trainer
    names = ["xor", "circle", "spiral", "moons", "gauss"]
    trainer.start()
    wait_for_epoch(qtbot, doc, 5)
    for i in range(30):
        assert editing.change_dataset(doc, make_dataset(names[i % len(names)], seed=i))
        qtbot.wait(i % 4 * 10)
    wait_for_epoch(qtbot, doc, 20)
    assert trainer.state == "running"
    settle(qtbot, window)


def test_a_big_dataset_then_xor_before_its_first_epoch(qtbot, window):
    doc, trainer = window.doc, window.trainer
    trainer.start()
    wait_for_epoch(qtbot, doc, 5)
    assert editing.change_dataset(doc, random_digits(20_000))
    qtbot.wait(50)  # the transfer under way, no epoch yet
    assert editing.change_dataset(doc, make_dataset("xor"))
    wait_for_epoch(qtbot, doc, 50)
    assert doc.dataset.n_inputs == 2
    settle(qtbot, window)


# -- 5. two windows ----------------------------------------------------------------------------


def test_two_windows_train_in_two_processes_and_close_apart(qtbot, window, settings, tmp_path):
    from conftest import quiet_window

    (tmp_path / "other").mkdir()
    other = quiet_window(settings, tmp_path / "other")
    qtbot.addWidget(other)
    other.show()
    window.trainer.start()
    other.trainer.start()
    wait_for_epoch(qtbot, window.doc, 20)
    wait_for_epoch(qtbot, other.doc, 20)
    mine, theirs = window.trainer.process.pid, other.trainer.process.pid
    assert mine != theirs
    other.close()
    assert gone(theirs)
    wait_for_epoch(qtbot, window.doc, window.doc.epoch + 50)
    assert window.trainer.process.pid == mine
    assert window.trainer.state == "running"
    settle(qtbot, window)


# -- 6. closed mid-epoch -----------------------------------------------------------------------


def test_closing_mid_epoch_on_a_slow_network_leaves_no_process(qtbot, window, told):
    doc, trainer = window.doc, window.trainer
    assert editing.change_dataset(doc, random_digits(5_000))
    editing.set_layer_size(doc, 1, 256)
    trainer.start()
    wait_for_epoch(qtbot, doc, 1, timeout=60000)
    pid = trainer.process.pid
    with watchdog(pid) as fired:
        window.close()  # the next epoch is under way
    assert not fired
    assert gone(pid)
    assert len(doc.history) == doc.epoch
    assert not [m for m in told if "training process" in m]  # a busy process is waited for


# -- 7. started from a file ----------------------------------------------------------------------


def test_the_package_run_as_a_file_trains_in_its_process(tmp_path):
    # "python bpdesk/__main__.py", as an editor's Run button does: the training process
    # imports that file again as it starts, and must not run the command a second time.
    import subprocess
    import sys
    from pathlib import Path

    import bpdesk

    main = Path(bpdesk.__file__).parent / "__main__.py"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path))
    done = subprocess.run(
        [sys.executable, str(main), "--smoke"],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
        env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "in the training process" in done.stdout
    assert "Traceback" not in done.stderr


def test_a_held_process_does_not_hold_the_window_closing_between_runs(qtbot, window):
    trainer = window.trainer
    trainer.warm_up()
    pid = trainer.process.pid
    os.kill(pid, signal.SIGSTOP)  # it cannot read "quit"
    with watchdog(pid) as fired:
        window.close()
    assert not fired
    assert gone(pid)
