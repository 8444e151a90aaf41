"""A run longer than the records' rows: the record thins its past, and the loss panel, the
gradient-flow panel, the status bar, rewinding, undo, the runs kept for comparison, the
exports and the file all read epochs by the record's epoch column.

The records are made small here (a few thousand rows) so that a run of some tens of
thousands of epochs is thinned, in a fraction of a second.
"""

import csv

import numpy as np
import pytest
from PySide6.QtCore import QPointF

from bpdesk.core import Network, bpnet, epoch_rows, load_bpnet, save_bpnet, xor
from bpdesk.core.history import FIELDS
from bpdesk.ui import editing
from bpdesk.ui.commands import TrainCommand
from bpdesk.ui.document import Document
from bpdesk.ui.exporting import export_gradient_flow_csv, export_history_csv
from bpdesk.ui.panels.gradient_flow import GradientFlowPanel
from bpdesk.ui.panels.loss import MAX_DRAWN, LossPanel

LIMIT = 4096  # rows a record keeps here


@pytest.fixture(autouse=True)
def small_records(monkeypatch):
    """Records of LIMIT rows: what a run of millions of epochs does, in milliseconds."""
    monkeypatch.setattr(epoch_rows, "LIMIT_ROWS", LIMIT)


def train(doc: Document, epochs: int, snapshots_every: int = 0, norms: bool = False) -> None:
    """A stretch of epochs as if trained (one undo step), in reports of 1,000: the loss of
    epoch e is 1/e, its accuracy e/10⁶, and its gradient norms e and 2e (a row read back
    says its epoch)."""
    doc.begin_training()
    first = doc.epoch + 1
    for start in range(first, first + epochs, 1000):
        k = min(1000, first + epochs - start)
        e = np.arange(start, start + k, dtype=np.float64)
        rows = np.full((len(FIELDS), k), np.nan)
        rows[0], rows[2] = 1.0 / e, e / 1e6
        params = doc.network.parameters
        snaps = [
            (int(x), params + x) for x in e if snapshots_every and int(x) % snapshots_every == 0
        ]
        doc.append_training(start, rows, snaps, np.vstack([e, 2 * e]).T if norms else None)
    doc.set_epoch(first + epochs - 1)
    record = doc.finish_training()
    if record is not None:
        doc.undo_stack.push(TrainCommand(doc, record))


@pytest.fixture
def loss_panel(qtbot):
    doc = Document()
    panel = LossPanel(doc)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    yield doc, panel
    panel.close()


def test_the_loss_curve_of_a_thinned_run_is_drawn_at_its_epochs(qtbot, loss_panel):
    doc, panel = loss_panel
    train(doc, 50_000)
    record = doc.history
    assert record.folds > 0
    assert len(record.kept) <= LIMIT
    doc.frames.flush()
    x, y = panel.train_curve.xData, panel.train_curve.yData
    assert x[0] == 1
    assert x[-1] == 50_000
    assert np.array_equal(y, 1.0 / x)  # each point is its own epoch's loss
    assert panel.slider_label.text() == "50,000 / 50,000"
    # The hover readout of an epoch in the thinned past names the epoch it reads.
    stride = record.stride
    vb = panel.plot.getPlotItem().vb
    (_, _), (y0, y1) = vb.viewRange()
    panel.plot.scene().sigMouseMoved.emit(vb.mapViewToScene(QPointF(stride * 5 + 1, (y0 + y1) / 2)))
    assert panel.readout.text().startswith(f"epoch {stride * 6:,}   loss ")


def test_a_thinned_run_longer_than_the_plot_takes_still_draws_a_bounded_sample(qtbot, monkeypatch):
    monkeypatch.setattr(epoch_rows, "LIMIT_ROWS", 4 * MAX_DRAWN)
    doc = Document()
    panel = LossPanel(doc)
    qtbot.addWidget(panel)
    panel.show()
    train(doc, 400_000)
    assert MAX_DRAWN < len(doc.history.kept) <= 4 * MAX_DRAWN
    doc.frames.flush()
    x, y = panel.train_curve.xData, panel.train_curve.yData
    assert len(x) <= MAX_DRAWN
    assert x[-1] == 400_000
    assert np.array_equal(y, 1.0 / x)
    # Spread over the epochs, not the rows: the recent rows (every epoch, a quarter of
    # the rows at least) do not take a quarter of the points.
    assert np.count_nonzero(x > 360_000) < 0.15 * len(x)
    # Zoomed in on the recent, exact part: every epoch in view.
    vb = panel.plot.getPlotItem().vb
    vb.setXRange(390_000, 391_000, padding=0)
    panel._on_user_range()
    vb.sigXRangeChanged.emit(vb, vb.viewRange()[0])
    doc.frames.flush()
    x = panel.train_curve.xData
    assert x[0] <= 390_000
    assert x[-1] >= 391_000
    assert np.all(np.diff(x) == 1)
    assert np.array_equal(panel.train_curve.yData, 1.0 / x)


def test_the_gradient_flow_of_a_thinned_run_ends_where_training_is(qtbot):
    doc = Document(network=Network.create([2, 2, 1]), dataset=xor())
    panel = GradientFlowPanel(doc)
    qtbot.addWidget(panel)
    panel.show()
    train(doc, 30_000, norms=True)
    assert doc.gradient_history.folds > 0
    doc.frames.flush()
    kept = doc.gradient_history.kept
    for layer, curve in enumerate(panel.curves):
        x, y = curve.getData()
        assert x[-1] == 30_000
        assert np.isin(x, kept).all()  # drawn at epochs the record holds
        # A smoothed log norm of figures e·(layer + 1) lies between the ends of its window.
        assert (10**y <= (layer + 1) * 30_000 * 1.0001).all()
    # Training goes on past a fold: the sums start again and follow.
    train(doc, 10_000, norms=True)
    doc.frames.flush()
    assert panel.curves[0].getData()[0][-1] == 40_000
    doc.training_active = True
    doc.show_training_state(doc.network.parameters.copy(), 40_000)
    assert panel.current_norms().tolist() == [40_000.0, 80_000.0]
    doc.training_active = False


def test_rewinding_a_thinned_run_and_training_on_is_undone_exactly(qtbot, loss_panel):
    doc, panel = loss_panel
    train(doc, 30_000, snapshots_every=500)
    record = doc.history
    stride = record.stride
    assert stride > 1
    before = (record.kept.copy(), record.train_loss.copy(), len(record))
    # A snapshot's epoch between two kept rows.
    target = next(e for e in range(500, 30_000, 500) if record.row_of(e, exact=True) == -1)
    assert panel.rewind(target)
    assert doc.epoch == target
    train(doc, 2000)  # from the rewind: the later history is replaced
    assert len(doc.history) == target + 2000
    assert doc.history.kept[-1] == target + 2000
    assert doc.history.train_loss[-1] == 1.0 / (target + 2000)
    doc.undo()  # the training after the rewind
    doc.undo()  # the rewind
    assert doc.epoch == 30_000
    assert np.array_equal(doc.history.kept, before[0])
    assert np.array_equal(doc.history.train_loss, before[1])
    assert len(doc.history) == before[2]


def test_a_thinned_run_set_aside_is_compared_at_its_epochs(window):
    doc = window.doc
    train(doc, 20_000)
    assert doc.history.folds > 0
    window.act_reset.trigger()
    (run,) = doc.runs
    (curve,) = window.loss_panel.run_curves
    x, y = curve.xData, curve.yData
    assert x[-1] == 20_000
    assert np.array_equal(x, run.epochs)
    assert np.array_equal(y, 1.0 / x)
    editing.clear_runs(doc)
    doc.undo()
    assert np.array_equal(window.loss_panel.run_curves[0].xData, x)


def test_exports_of_a_thinned_run_name_each_rows_epoch(tmp_path):
    doc = Document(network=Network.create([2, 2, 1]), dataset=xor())
    train(doc, 20_000, norms=True)
    export_history_csv(doc, tmp_path / "loss.csv")
    with open(tmp_path / "loss.csv", newline="") as f:
        rows = list(csv.reader(f))[1:]
    epochs = [int(r[0]) for r in rows]
    assert epochs == doc.history.kept.tolist()
    assert epochs[-1] == 20_000
    assert all(float(r[1]) == 1.0 / int(r[0]) for r in rows)
    export_gradient_flow_csv(doc, tmp_path / "norms.csv")
    with open(tmp_path / "norms.csv", newline="") as f:
        rows = list(csv.reader(f))[1:]
    assert [int(r[0]) for r in rows] == doc.gradient_history.kept.tolist()
    assert all(float(r[1]) == int(r[0]) for r in rows)


def test_a_thinned_run_saves_and_reopens_thinned(tmp_path, monkeypatch):
    monkeypatch.setattr(bpnet, "HISTORY_POINTS", 1000)
    doc = Document(network=Network.create([2, 2, 1]), dataset=xor())
    train(doc, 20_000, norms=True)
    path = tmp_path / "long.bpnet"
    save_bpnet(doc.to_bpnet(), path)
    history = load_bpnet(path).history
    assert history.epochs == 20_000
    assert history.every % doc.history.stride == 0
    assert history.train_loss == [1.0 / e for e in history.entry_epochs()]
    reopened = Document()
    reopened.load(load_bpnet(path))
    assert reopened.epoch == 20_000
    # Longer than the record's rows: kept as the file's entries, not stretched.
    assert reopened.history.kept.tolist() == history.entry_epochs().tolist()
    assert reopened.gradient_history.kept.tolist() == history.entry_epochs().tolist()
    assert np.array_equal(reopened.gradient_history.norms[:, 0], reopened.history.kept)


def test_the_window_autosaves_a_thinned_run_and_opens_it_again(window, tmp_path):
    from bpdesk.ui.commands import SetParameterCommand

    doc = window.doc
    train(doc, 3 * LIMIT + 123)
    assert doc.history.folds > 0
    doc.push(SetParameterCommand(doc, (0, 0, 0), 0.5))  # unsaved work to keep
    assert window.files.autosave()
    history = load_bpnet(window.files.autosave_path).history
    assert history.epochs == 3 * LIMIT + 123
    assert history.every % doc.history.stride == 0
    assert history.train_loss == [1.0 / e for e in history.entry_epochs()]
    assert window.errors == []
    path = tmp_path / "long.bpnet"
    assert window.files.save_to(path)
    assert window.files.open(str(path)), window.errors
    assert window.doc.epoch == 3 * LIMIT + 123
    assert window.doc.history.train_loss[-1] == 1.0 / (3 * LIMIT + 123)
