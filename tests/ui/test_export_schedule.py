"""The learning rates the window's PyTorch script replays (exporting.learning_rates_after)."""

from bpdesk.core.run import RunSettings
from bpdesk.ui.exporting import learning_rates_after


def at(rate: float, optimizer: str = "momentum", activation: str = "tanh") -> RunSettings:
    return RunSettings(rate, activation, optimizer)


RUN = ((1, at(0.5)), (41, at(0.1)), (81, at(0.02)))  # η changed at epochs 41 and 81


def test_a_run_not_recorded_past_the_epoch_has_nothing_to_replay():
    assert learning_rates_after(RUN, 120, 120, at(0.02)) == {}
    assert learning_rates_after((), 0, 0, at(0.5)) == {}


def test_the_rates_from_the_epoch_on_counted_from_it():
    assert learning_rates_after(RUN, 0, 120, at(0.5)) == {1: 0.5, 41: 0.1, 81: 0.02}
    assert learning_rates_after(RUN, 40, 120, at(0.1)) == {1: 0.1, 41: 0.02}
    assert learning_rates_after(RUN, 50, 120, at(0.1)) == {1: 0.1, 31: 0.02}
    assert learning_rates_after(RUN, 50, 70, at(0.1)) == {1: 0.1}  # recorded up to 70


def test_settings_changed_since_the_rewind_are_what_the_script_trains_with():
    # The window would train on at the rate now, not replay the recorded run.
    assert learning_rates_after(RUN, 50, 120, at(0.3)) == {}
    assert learning_rates_after(RUN, 50, 120, at(0.1, optimizer="adam")) == {}


def test_the_replay_ends_where_the_run_changed_optimiser():
    run = (*RUN, (101, at(0.02, optimizer="adam")))
    assert learning_rates_after(run, 0, 120, at(0.5)) == {1: 0.5, 41: 0.1, 81: 0.02}
    assert learning_rates_after(run, 100, 120, at(0.02, optimizer="adam")) == {1: 0.02}
    run = ((1, at(0.5, optimizer="sgd")), (11, at(0.5)), (21, at(0.1)))
    assert learning_rates_after(run, 0, 30, at(0.5)) == {}  # began with another optimiser
    assert learning_rates_after(run, 10, 30, at(0.5)) == {1: 0.5, 11: 0.1}
