"""The Sweep dock: a small sweep run offscreen, a run clicked into the editor and undone,
the CSV export, the sweep kept in the .bpnet file, and bad input refused in place."""

import csv
import json

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from bpdesk.core import Network, TrainConfig, Trainer, xor
from bpdesk.core.bpnet import load, save
from bpdesk.ui import editing
from bpdesk.ui.document import Document
from bpdesk.ui.panels.sweep import SweepPanel
from bpdesk.ui.panels.sweep.fan import log_losses

TIMEOUT = 30_000  # ms: far more than these sweeps take, even on a loaded machine


@pytest.fixture
def doc(qtbot):
    return Document()


@pytest.fixture
def panel(qtbot, doc):
    view = SweepPanel(doc)
    view.errors = []
    view.show_error = lambda title, text: view.errors.append((title, text))
    qtbot.addWidget(view)
    view.resize(1100, 320)
    view.show()
    qtbot.waitExposed(view)
    yield view
    view.shutdown()


def run_sweep(qtbot, panel, **inputs):
    panel.set_inputs(**inputs)
    assert panel.run()
    qtbot.waitUntil(lambda: not panel.running, timeout=TIMEOUT)
    return panel.shown


def click_view(qtbot, plot, x: float, y: float) -> None:
    """A real left click on the point (x, y) of ``plot``'s view."""
    vb = plot.getPlotItem().vb
    scene = vb.mapViewToScene(QPointF(x, y))
    where = plot.mapFromScene(scene)
    qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, pos=where)


def lone_run(seed: int, lr: float, epochs: int) -> Network:
    net = Network.create([2, 2, 1], activation="sigmoid", loss="mse", init="xavier", seed=seed)
    for _ in Trainer(net, xor(), TrainConfig(learning_rate=lr, epochs=epochs, seed=seed)).run():
        pass
    return net


def test_a_sweep_runs_in_the_panel_and_is_kept_with_the_network(qtbot, panel, doc):
    sweep = run_sweep(qtbot, panel, seeds="1-12", epochs=300)
    assert doc.sweeps == (sweep,)
    assert sweep.n_networks == 12
    assert sweep.epoch == 300
    assert sweep.seeds == tuple(range(1, 13))
    assert sweep.learning_rates == (0.5,) * 12  # the document's learning rate
    assert sweep.template.layer_sizes == doc.network.layer_sizes
    assert doc.undo_stack.canUndo()  # keeping it is an edit: the file has changed
    # The fan draws every run, coloured by its outcome; the summary counts them.
    drawn = sum(
        np.count_nonzero(np.isnan(curve.getData()[1])) for curve in panel.fan.by_outcome.values()
    )
    assert drawn == 12  # one NaN after each run's curve
    assert "of 12 converged" in panel.summary_label.text()
    assert sum(len(runs) for runs in panel.histogram.bins) == 12
    assert not panel.rates_plot.isVisible()  # one learning rate: no rate plot


def test_clicking_a_curve_loads_that_network_and_undo_brings_the_old_one_back(qtbot, panel, doc):
    before = doc.network.parameters.copy()
    sweep = run_sweep(qtbot, panel, seeds="1-8", epochs=300)
    fan = panel.fan
    # The run whose curve ends furthest from the others: a click there is unambiguous.
    ends = log_losses(sweep.curves[:, -1])
    gaps = [np.min(np.abs(np.delete(ends, k) - ends[k])) for k in range(len(ends))]
    k = int(np.argmax(gaps))
    x = float(sweep.curve_epochs[-3])
    y = float(log_losses(sweep.curves[k, -3:-2])[0])
    click_view(qtbot, fan, x, y)
    assert panel.selected == k
    assert np.array_equal(doc.network.parameters, sweep.parameters[k])
    # That exact network: the one a lone trainer trains from that seed.
    alone = lone_run(sweep.seeds[k], 0.5, 300)
    assert np.allclose(doc.network.parameters, alone.parameters, rtol=1e-12, atol=0)
    assert doc.network.seed == sweep.seeds[k]  # Reset starts that run again
    assert f"seed {sweep.seeds[k]}" in panel.readout.text()
    doc.undo()
    assert np.array_equal(doc.network.parameters, before)
    assert doc.sweeps == (sweep,)  # undoing the load leaves the sweep


def test_clicking_a_bar_or_a_point_loads_one_of_its_runs(qtbot, panel, doc):
    sweep = run_sweep(qtbot, panel, seeds="1-4", rates="0.1, 1, 10", epochs=200)
    assert panel.rates_plot.isVisible()  # a learning-rate sweep opens on its rate plot
    panel.summary_tabs.setCurrentWidget(panel.histogram)
    hist = panel.histogram
    bar = hist.bins[0]
    click_view(qtbot, hist, float(hist._centres[0]), 0.5)
    first = panel.selected
    assert first in bar
    assert np.array_equal(doc.network.parameters, sweep.parameters[first])
    if len(bar) > 1:
        click_view(qtbot, hist, float(hist._centres[0]), 0.5)
        assert panel.selected in bar
        assert panel.selected != first
    plot = panel.rates_plot
    panel.summary_tabs.setCurrentWidget(plot)
    # A point on its own (seeds of one rate can end at the same loss).
    spread = [np.delete(plot._xy, k, axis=0) - plot._xy[k] for k in range(len(plot._xy))]
    k = int(np.argmax([np.min(np.abs(d).sum(axis=1)) for d in spread]))
    x, y = plot._xy[k]
    click_view(qtbot, plot, float(x), float(y))
    assert panel.selected == k
    assert np.array_equal(doc.network.parameters, sweep.parameters[k])
    assert f"η {sweep.learning_rates[k]:g}" in panel.readout.text()


def test_the_sweep_exports_as_csv_and_errors_show_in_a_dialog(qtbot, panel, tmp_path):
    sweep = run_sweep(qtbot, panel, seeds="3,5,7", rates="0.5,2", epochs=100)
    path = tmp_path / "sweep.csv"
    panel.ask_save_file = lambda title, suggested, filters: str(path)
    assert panel.export_csv()
    rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
    assert rows[0][:4] == ["run", "seed", "learning_rate", "final_loss"]
    assert len(rows) == 1 + 6
    assert [int(r[1]) for r in rows[1:]] == [3, 5, 7, 3, 5, 7]
    assert [float(r[2]) for r in rows[1:]] == [0.5] * 3 + [2.0] * 3
    assert [float(r[3]) for r in rows[1:]] == sweep.final_losses.tolist()
    assert [r[4] for r in rows[1:]] == [str(int(c)) for c in sweep.converged]
    assert panel.errors == []
    assert not panel.export_csv(str(tmp_path))  # a folder: cannot be written
    assert len(panel.errors) == 1
    assert panel.errors[0][0] == "Cannot export"


def test_bad_seeds_are_refused_in_place_and_nothing_is_lost(qtbot, panel, doc):
    sweep = run_sweep(qtbot, panel, seeds="1-5", epochs=50)
    panel.set_inputs(seeds="1-5, 9-3")
    assert panel.error_label.isVisible()  # said at once, while typing
    assert "runs backwards" in panel.error_label.text()
    assert not panel.run()
    assert panel.seeds_edit.text() == "1-5, 9-3"  # the text stays as typed
    assert panel.shown is sweep
    assert doc.sweeps == (sweep,)
    assert panel.epochs_box.value() == 50
    panel.set_inputs(seeds="1-3", rates="0.1, x")
    assert "Learning rates" in panel.error_label.text()
    assert not panel.run()
    panel.set_inputs(rates="", target="-1")
    assert "Target loss" in panel.error_label.text()
    panel.set_inputs(target="0.01")
    assert not panel.error_label.isVisible()


def test_cancel_keeps_what_the_sweep_trained(qtbot, panel, doc):
    panel.set_inputs(seeds="1-50", epochs=5_000_000)
    assert panel.run()
    qtbot.waitUntil(lambda: panel.fan._live_n >= 2, timeout=TIMEOUT)
    panel.cancel()
    qtbot.waitUntil(lambda: not panel.running, timeout=TIMEOUT)
    sweep = doc.sweeps[-1]
    assert sweep.stopped
    assert 0 < sweep.epoch < 5_000_000
    assert "stopped early" in panel.summary_label.text()


def test_a_sweep_is_saved_in_the_file_and_restored_into_the_panel(qtbot, panel, doc, tmp_path):
    sweep = run_sweep(qtbot, panel, seeds="1-6", rates="0.5, 5", epochs=120)
    path = tmp_path / "swept.bpnet"
    save(doc.to_bpnet(), path)
    other = Document()
    restored_panel = SweepPanel(other)
    qtbot.addWidget(restored_panel)
    assert restored_panel.shown is None
    other.load(load(path))
    back = restored_panel.shown
    assert back is not None
    assert other.sweeps == (back,)
    assert back.runs == sweep.runs
    assert np.array_equal(back.parameters, sweep.parameters)
    assert np.array_equal(back.final_losses, sweep.final_losses)
    assert np.array_equal(back.curves, sweep.curves, equal_nan=True)
    assert back.config == sweep.config
    assert back.target == sweep.target
    assert not restored_panel.rates_plot.isHidden()
    # A run of the restored sweep loads as the one of the sweep it was.
    assert restored_panel.load_run(7)
    assert np.array_equal(other.network.parameters, sweep.parameters[7])


def test_a_sweep_of_another_architecture_loads_with_its_own_shape(qtbot, panel, doc):
    sweep = run_sweep(qtbot, panel, seeds="1-3", epochs=30)
    editing.add_neuron(doc, 1)  # the editor's network is 2-3-1 now
    assert panel.load_run(1)
    assert doc.network.layer_sizes == sweep.template.layer_sizes
    doc.undo()
    assert doc.network.layer_sizes == (2, 3, 1)


def test_the_window_has_a_sweep_dock_listed_in_view_panels(qtbot, window):
    titles = [action.text() for action in window.panels_menu.actions()]
    assert "Sweep" in titles
    window.show_dock("sweep")
    panel = window.sweep_panel
    assert panel.jobs is window.jobs  # the one job runner
    panel.set_inputs(seeds="1-4", epochs=20)
    assert panel.run()
    qtbot.waitUntil(lambda: not panel.running, timeout=TIMEOUT)
    assert window.doc.sweeps
    assert window.isWindowModified()


def test_a_file_with_a_hostile_sweep_is_refused_with_one_message(qtbot, window, tmp_path):
    doc = window.doc
    window.show_dock("sweep")
    panel = window.sweep_panel
    panel.set_inputs(seeds="1-3", epochs=20)
    assert panel.run()
    qtbot.waitUntil(lambda: not panel.running, timeout=TIMEOUT)
    path = tmp_path / "hostile.bpnet"
    save(doc.to_bpnet(), path)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["sweeps"][0]["curves"][1] = ["a lot"] * 10**5
    path.write_text(json.dumps(data), encoding="utf-8")
    before = doc.sweeps
    assert not window.open_path(str(path))
    assert len(window.errors) == 1
    assert "sweeps[0].curves[1]: expected" in window.errors[0][1]
    assert doc.sweeps == before  # the open document is left as it was
    assert panel.shown is before[-1]


def test_a_big_sweep_draws_a_bounded_fan_and_picks_runs_by_their_own_index(qtbot, panel):
    from bpdesk.ui.panels.sweep.fan import DRAWN_COLUMNS, DRAWN_CURVES

    sweep = run_sweep(qtbot, panel, seeds="0-699", epochs=600)
    fan = panel.fan
    assert len(fan.drawn) == DRAWN_CURVES
    assert len(fan._epochs) <= DRAWN_COLUMNS
    drawn = sum(np.count_nonzero(np.isnan(c.getData()[1])) for c in fan.by_outcome.values())
    assert drawn == DRAWN_CURVES
    # A drawn run far from the others' index: the pick names it by its index in the sweep.
    k = int(fan.drawn[-1])
    assert k == 699
    y = float(log_losses(sweep.curves[k, -1:])[0])
    picked = fan.run_at(float(sweep.curve_epochs[-1]), y, pixel_height=1e-9)
    assert picked is not None
    assert sweep.curves[picked, -1] == sweep.curves[k, -1]
