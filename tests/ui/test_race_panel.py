"""The Race dock: a race on the job runner, its curves filled live and in place, the verdict
in numbers, Cancel, and a race that cannot run refused in words."""

import numpy as np
import pytest

from bpdesk.core import Network
from bpdesk.core.race_result import METHODS
from bpdesk.ui.document import Document
from bpdesk.ui.jobs import JobRunner
from bpdesk.ui.panels.race import RacePanel

TIMEOUT = 60_000  # ms: far more than these races take, even on a loaded machine


@pytest.fixture
def doc(qtbot):
    return Document()


@pytest.fixture
def panel(qtbot, doc):
    view = RacePanel(doc, jobs=JobRunner())
    qtbot.addWidget(view)
    view.resize(1100, 320)
    view.show()
    qtbot.waitExposed(view)
    yield view
    view.shutdown()


def race(qtbot, panel, **inputs):
    panel.set_inputs(**inputs)
    assert panel.run()
    assert panel.running
    qtbot.waitUntil(lambda: not panel.running, timeout=TIMEOUT)
    return panel.outcome


def test_a_race_runs_on_the_job_runner_and_ends_in_a_verdict_in_numbers(qtbot, panel, doc):
    before = doc.network.parameters.copy()
    panel.set_inputs(budget=4000, target="0.2")
    assert panel.run()
    (job,) = panel.jobs.active()  # on the runner, in its own thread
    assert job is panel.job
    assert not panel.race_button.isEnabled()
    assert panel.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: not panel.running, timeout=TIMEOUT)
    outcome = panel.outcome
    result = outcome.result
    assert result.finished
    assert not outcome.stopped
    assert result.budget == 4000
    n = doc.network.n_parameters
    assert result.method("random").forward_passes == 4000
    assert result.method("backprop").updates == 2000
    assert result.method("nudge").updates == 4000 // (2 * n)
    # Every curve is drawn, against passes and against seconds, ending where its method ended.
    for plot in (panel.passes_plot, panel.seconds_plot):
        for name in METHODS:
            xs, ys = plot.curves[name].getData()
            assert xs is not None
            assert len(xs) > 0
            assert np.all(np.isfinite(ys))
    xs, ys = panel.passes_plot.curves["backprop"].getData()
    assert xs[-1] == pytest.approx(np.log10(4000))  # the axis is logarithmic
    verdict = panel.verdict_label.text()
    assert verdict == result.verdict()
    assert "0.2" in verdict
    assert "passes" in verdict
    assert "10,000 knobs" in panel.projection_label.text()
    assert "random search: " in panel.status_label.text()
    # The editor's network is the learner's: a race trains copies.
    assert np.array_equal(doc.network.parameters, before)
    assert panel.race_button.isEnabled()
    assert not panel.cancel_button.isEnabled()


def test_the_curves_grow_while_the_race_runs(qtbot, panel):
    seen = []
    panel.set_inputs(budget=3_000_000)
    assert panel.run()
    panel.job.partial.connect(lambda result: seen.append(result))
    qtbot.waitUntil(lambda: len(seen) >= 3, timeout=TIMEOUT)
    passes = [r.method("random").forward_passes for r in seen]
    assert passes == sorted(passes)
    assert passes[-1] > passes[0]
    assert not seen[-1].finished

    def drawn() -> int:
        xs, _ = panel.passes_plot.curves["random"].getData()
        return 0 if xs is None else len(xs)

    qtbot.waitUntil(lambda: drawn() > 0, timeout=TIMEOUT)
    panel.cancel()
    qtbot.waitUntil(lambda: not panel.running, timeout=TIMEOUT)


def test_cancel_stops_the_race_and_shows_what_it_ran(qtbot, panel):
    panel.set_inputs(budget=500_000_000)
    assert panel.run()
    qtbot.waitUntil(lambda: panel.result is not None, timeout=TIMEOUT)
    panel.cancel()
    assert panel.status_label.text() == "Stopping…"
    qtbot.waitUntil(lambda: not panel.running, timeout=TIMEOUT)
    outcome = panel.outcome
    assert outcome.stopped
    assert not outcome.result.finished
    assert all(m.forward_passes < 500_000_000 for m in outcome.result.methods)
    assert panel.verdict_label.text().startswith("Stopped early.")
    assert panel.race_button.isEnabled()


def test_a_new_race_replaces_a_running_one(qtbot, panel):
    panel.set_inputs(budget=500_000_000)
    assert panel.run()
    first = panel.job
    outcome = race(qtbot, panel, budget=200)
    assert first.cancelled
    assert outcome.result.budget == 200


def test_a_network_that_does_not_fit_its_data_is_refused_in_words(qtbot, panel, doc):
    doc.replace_network(Network.create([3, 2, 1], seed=0))
    assert not panel.run()
    assert not panel.running
    text = panel.status_label.text()
    assert text.startswith("Cannot race this network:")
    assert "does not fit" in text
    panel.set_inputs(target="soon")
    doc.replace_network(Network.create([2, 2, 1], seed=0))
    assert not panel.run()
    assert "Target" in panel.status_label.text()
