"""The gradient-check dock: pass counts, verdicts, injected bugs, the table, the scale-up thread."""

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from bpdesk.core import Network
from bpdesk.core.bugs import BUGS
from bpdesk.ui import editing
from bpdesk.ui.document import Document
from bpdesk.ui.format import sci
from bpdesk.ui.panels.gradcheck import (
    ERROR,
    PARAMETER,
    SYNC_LIMIT,
    GradCheckPanel,
    scale_up_problem,
)


@pytest.fixture
def doc():
    """The explainer's XOR 2-2-1 network, driven by example 2 (one row)."""
    return Document()


@pytest.fixture
def panel(qtbot, qtlog, doc):
    """A shown panel; its thread is joined at teardown and Qt must not complain about it."""
    widget = GradCheckPanel(doc)
    qtbot.addWidget(widget)
    widget.resize(480, 700)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget  # a strong reference until the test is over
    widget.shutdown()
    assert not widget.running
    threads = [r.message for r in qtlog.records if "thread" in r.message.lower()]
    assert not threads


def shown_errors(panel):
    """Relative errors in the order the table shows them (unchecked rows as NaN)."""
    proxy, model = panel.proxy, panel.model
    ks = [
        model.parameter(proxy.mapToSource(proxy.index(r, 0)).row()) for r in range(proxy.rowCount())
    ]
    return np.array([panel.result.relative_errors[k] for k in ks])


def click_row(qtbot, panel, row):
    index = panel.proxy.index(row, PARAMETER)
    panel.table.scrollTo(index)
    rect = panel.table.visualRect(index)
    qtbot.mouseClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_the_check_counts_two_forward_passes_per_parameter_against_two(panel, doc):
    before = doc.network.parameters.copy()
    panel.run_check()
    result = panel.result
    n = doc.network.n_parameters
    assert n == 9
    assert result.n_parameters == n
    assert result.numerical_forward_passes == 2 * n == 18
    assert result.backprop_passes == 2
    assert result.max_relative_error < 1e-6
    assert result.passed
    assert panel.headline.text().startswith("18 forward passes against 2: backprop ")
    assert panel.params_label.text() == "9"
    assert panel.numerical_label.text().startswith("18 forward passes (2 per parameter) · ")
    assert panel.backprop_label.text().startswith("2 passes (1 forward + 1 backward) · ")
    assert panel.speedup_label.text().startswith("backprop ")
    assert panel.error_label.text() == sci(result.max_relative_error)
    assert panel.verdict_label.text().startswith("✓ Pass")
    assert "1 example" in panel.subtitle.text()
    assert panel.model.rowCount() == n
    assert not panel.model.failing.any()
    assert np.array_equal(doc.network.parameters, before)  # nudged a copy, never the network


def test_the_check_uses_all_examples_when_none_is_selected(panel, doc):
    doc.set_sample(None)
    panel.run_check()
    assert "4 examples" in panel.subtitle.text()
    assert panel.result.passed


def test_an_injected_bug_fails_and_turning_it_off_passes_again(panel, doc):
    before = doc.network.parameters.copy()
    panel.run_check()
    assert panel.result.passed
    panel.set_bug("sigmoid_derivative")  # a small network is re-checked at once
    assert panel.bug is BUGS["sigmoid_derivative"]
    assert not panel.result.passed
    assert panel.result.max_relative_error > 1e-3
    verdict = panel.verdict_label.text()
    assert verdict.startswith("✗ Fail")
    assert BUGS["sigmoid_derivative"].title in verdict
    assert panel.model.failing.any()
    panel.run_check()
    assert not panel.result.passed
    panel.inject.setChecked(False)
    assert panel.bug is None
    assert panel.result.passed
    assert panel.verdict_label.text().startswith("✓ Pass")
    assert np.array_equal(doc.network.parameters, before)


def test_choosing_a_bug_in_the_box_switches_it_on(panel):
    panel.run_check()
    index = panel.bug_box.findData("bias_zero")
    panel.bug_box.setCurrentIndex(index)
    assert panel.result.passed  # off until asked for
    panel.bug_box.activated.emit(index)  # what a user's choice sends
    assert panel.inject.isChecked()
    assert not panel.result.passed
    # Only the biases are wrong: exactly their rows are marked.
    names = panel.result.names
    assert {names[k] for k in np.flatnonzero(panel.model.failing)} <= {"b(h1)", "b(h2)", "b(ŷ)"}


def test_a_bug_that_cannot_show_here_says_why(panel, doc):
    assert len(doc.training_arrays()[0]) == 1
    panel.run_check()
    panel.set_bug("sum_not_mean")  # one example: the sum is the mean
    assert panel.result.passed
    assert "cannot show here" in panel.verdict_label.text()
    assert "cannot show" in panel.bug_note.text()
    doc.set_sample(None)
    panel.run_check()
    assert not panel.result.passed


def test_clicking_a_row_selects_that_weight_or_bias(qtbot, panel, doc):
    panel.run_check()
    names = panel.result.names
    click_row(qtbot, panel, names.index("b(ŷ)"))
    assert doc.selected == (1, None, 0)
    click_row(qtbot, panel, names.index("w(x2 → h1)"))
    assert doc.selected == (0, 1, 0)
    assert doc.parameter_index(doc.selected) == names.index("w(x2 → h1)")
    # The other way: a weight selected in the editor is highlighted in the table.
    doc.select((1, 1, 0))
    rows = panel.table.selectionModel().selectedRows()
    assert [panel.proxy.data(r) for r in rows] == ["w(h2 → ŷ)"]


def test_sorting_by_relative_error(qtbot, panel, doc):
    doc.set_sample(None)
    panel.set_bug("bias_zero")
    panel.run_check()
    # A click on the header, as the learner would.
    header = panel.table.horizontalHeader()
    x = header.sectionViewportPosition(ERROR) + header.sectionSize(ERROR) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    assert header.sortIndicatorSection() == ERROR
    errors = shown_errors(panel)
    if header.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder:
        errors = errors[::-1]
    assert np.all(np.diff(errors) <= 0)
    panel.table.sortByColumn(ERROR, Qt.SortOrder.AscendingOrder)
    assert np.all(np.diff(shown_errors(panel)) >= 0)
    panel.table.sortByColumn(ERROR, Qt.SortOrder.DescendingOrder)
    errors = shown_errors(panel)
    assert np.all(np.diff(errors) <= 0)
    assert errors[0] > 1e-3
    assert panel.proxy.index(0, PARAMETER).data().startswith("b")  # the worst: a bias
    # The selection follows the parameter, not the row number, through a sort.
    click_row(qtbot, panel, 0)
    chosen = doc.selected
    assert chosen[1] is None
    panel.table.sortByColumn(PARAMETER, Qt.SortOrder.AscendingOrder)
    rows = panel.table.selectionModel().selectedRows()
    k = panel.model.parameter(panel.proxy.mapToSource(rows[0]).row())
    assert doc.network.parameter_at(k) == chosen
    assert panel.proxy.index(0, PARAMETER).data() == "w(x1 → h1)"  # the network's own order
    # Only the failing rows, when asked: the three biases.
    panel.only_failing.setChecked(True)
    assert panel.proxy.rowCount() == int(panel.model.failing.sum()) == 3


def test_results_go_stale_and_are_cleared_by_a_new_architecture(panel, doc):
    panel.run_check()
    assert not panel.stale
    doc.set_parameter((0, 0, 0), 0.25)
    assert panel.stale
    assert panel.status_label.text().startswith("Out of date")
    assert panel.model.stale
    panel.run_check()
    assert not panel.stale
    doc.set_sample(None)  # other data
    assert panel.stale
    panel.run_check()
    editing.add_neuron(doc, 1)
    assert doc.network.layer_sizes == (2, 3, 1)
    assert panel.result is None
    assert panel.model.rowCount() == 0
    panel.run_check()
    assert panel.result.n_parameters == doc.network.n_parameters == 13


def test_scale_up_cancel_stops_promptly(qtbot, panel):
    panel.scale_up()
    assert panel.running
    assert panel.result is None
    qtbot.waitUntil(lambda: panel.progress.value() > 0, timeout=20000)
    job = panel.job
    panel.cancel()
    qtbot.waitUntil(job.is_finished, timeout=2000)
    qtbot.waitUntil(lambda: panel.result is not None, timeout=2000)
    result = panel.result
    assert result.cancelled
    assert 0 < result.completed < result.n_parameters
    assert result.numerical_forward_passes == 2 * result.completed
    assert not panel.running
    assert panel.headline.text().startswith("Cancelled after")
    assert panel.speedup_label.text().startswith("—")
    unchecked = panel.model.index(panel.model.row_of(result.n_parameters - 1), ERROR)
    assert unchecked.data() == "—"


def test_scale_up_reproduces_the_explainers_headline(qtbot, panel, doc):
    net, _, _ = scale_up_problem()
    n = net.n_parameters
    assert n == 9765  # 100-64-50-1: "about 10,000 weights"
    with qtbot.waitSignal(panel.model.modelReset, timeout=60000):
        panel.scale_up()
    qtbot.waitUntil(lambda: panel.result is not None, timeout=60000)
    result = panel.result
    assert result.n_parameters == n
    assert result.numerical_forward_passes == 2 * n == 19530
    assert result.backprop_passes == 2
    assert result.speedup > 100
    assert result.passed
    assert panel.headline.text().startswith("19,530 forward passes against 2: backprop ")
    assert panel.numerical_label.text().startswith("19,530 forward passes")
    assert panel.model.rowCount() == n
    # The table sorts 9,765 rows without asking Python once per comparison.
    panel.table.sortByColumn(ERROR, Qt.SortOrder.DescendingOrder)
    assert np.all(np.diff(shown_errors(panel)) <= 0)
    # Its rows are another network's: they do not select weights in the editor.
    panel.table.selectRow(0)
    assert doc.selected is None


def test_scale_up_with_a_bug_fails(qtbot, panel):
    panel.set_bug("tanh_derivative")
    panel.scale_up()
    qtbot.waitUntil(lambda: panel.result is not None, timeout=60000)
    assert not panel.result.passed
    assert panel.verdict_label.text().startswith("✗ Fail")


def test_a_new_check_cancels_the_running_one(qtbot, panel):
    panel.scale_up()
    qtbot.waitUntil(lambda: panel.progress.value() > 0, timeout=20000)
    job = panel.job
    panel.run_check()  # the small network: checked at once, in this thread
    assert job.is_finished()
    assert panel.result.n_parameters == 9
    qtbot.wait(100)  # anything the old run still sent is ignored
    assert panel.result.n_parameters == 9
    panel.scale_up()
    first = panel.job
    qtbot.waitUntil(lambda: panel.progress.value() > 0, timeout=20000)
    panel.scale_up()
    assert first.is_finished()
    assert panel.running


def test_a_large_network_is_checked_on_the_worker_thread(qtbot, qtlog):
    net = Network.create([2, 64, 30, 1], seed=0)
    assert net.n_parameters > SYNC_LIMIT
    doc = Document(network=net)
    panel = GradCheckPanel(doc)
    qtbot.addWidget(panel)
    panel.run_check()
    assert panel.running
    qtbot.waitUntil(lambda: panel.result is not None, timeout=60000)
    assert panel.result.n_parameters == net.n_parameters
    assert panel.result.passed
    assert not panel.stale
    # An edit while the check runs: the result arrives already out of date.
    panel.run_check()
    doc.set_parameter((0, 0, 0), 0.5)
    qtbot.waitUntil(lambda: panel.result is not None, timeout=60000)
    assert panel.stale
    panel.table.selectRow(3)
    k = panel.model.parameter(panel.proxy.mapToSource(panel.proxy.index(3, 0)).row())
    assert doc.parameter_index(doc.selected) == k
    panel.shutdown()


def test_closing_the_panel_mid_run_joins_the_thread(qtbot, qtlog, doc):
    panel = GradCheckPanel(doc)
    qtbot.addWidget(panel)
    panel.show()
    panel.scale_up()
    qtbot.waitUntil(lambda: panel.progress.value() > 0, timeout=20000)
    job = panel.job
    panel.close()
    assert job.is_finished()
    assert not panel.running
    assert not [r for r in qtlog.records if "thread" in r.message.lower()]


def test_destroying_the_panel_mid_run_joins_the_thread(qtbot, qtlog, doc):
    import shiboken6

    panel = GradCheckPanel(doc)
    panel.scale_up()
    qtbot.waitUntil(lambda: panel.progress.value() > 0, timeout=20000)
    job = panel.job
    shiboken6.delete(panel)  # as when its window goes away without calling shutdown()
    assert job.is_finished()
    assert not [r for r in qtlog.records if "thread" in r.message.lower()]


def test_parameters_nudged_across_a_relu_kink_are_marked_not_failed(panel, doc):
    # The XOR net with ReLU hidden units: example (0, 0) puts h1's and h2's
    # input exactly on the kink (zero biases), so their nudges straddle it.
    editing.set_activation(doc, 0, "relu")
    for b in doc.network.biases:
        b[:] = 0.0
    doc.set_sample(None)
    panel.run_check()
    result = panel.result
    assert result.n_kinks > 0
    assert result.passed
    verdict = panel.verdict_label.text()
    assert verdict.startswith("✓ Pass")
    assert f"{result.n_kinks} more sit on a ReLU kink" in verdict
    model = panel.model
    assert model.kinks.sum() == result.n_kinks
    assert not model.failing[model.kinks].any()
    k = int(np.flatnonzero(model.kinks)[0])
    row = model.row_of(k)
    assert model.data(model.index(row, ERROR)).endswith(" kink")
    assert "not compared" in model.data(model.index(row, ERROR), Qt.ItemDataRole.ToolTipRole)


def test_the_speedup_says_slower_when_backprop_lost():
    from bpdesk.ui.format import format_speedup

    assert format_speedup(6049.4) == "backprop 6,049× faster"
    assert format_speedup(4.04) == "backprop 4.0× faster"
    assert format_speedup(0.4) == "backprop 2.5× slower"
    assert format_speedup(float("inf")) == "—"


def test_a_right_gradient_the_loss_cannot_resolve_passes_in_the_panel(qtbot, qtlog):
    # Issue 12's case: 100→100 sigmoid without biases on 8 examples; one parameter is at
    # 1.05e-6 relative, within what the rounding of the loss (about 14) can hide.
    from bpdesk.core import Dataset
    from bpdesk.core.gradcheck import PASS_THRESHOLD

    rng = np.random.default_rng(0)
    net = Network.create(
        [100, 100], output_activation="sigmoid", loss="mse", init="xavier", seed=0, bias=False
    )
    X = rng.normal(size=(8, 100))
    T = (rng.uniform(size=(8, 100)) > 0.5).astype(float)
    empty = np.zeros((0, 100))
    doc = Document(network=net, dataset=Dataset("regression", X, T, empty, empty))
    doc.set_sample(None)
    panel = GradCheckPanel(doc)
    qtbot.addWidget(panel)
    panel.run_check()
    qtbot.waitUntil(lambda: panel.result is not None, timeout=120000)
    assert panel.result.max_relative_error > PASS_THRESHOLD  # a fixed threshold would fail it
    assert panel.result.passed
    assert panel.verdict_label.text().startswith("✓ Pass")
    assert not panel.model.failing.any()
    panel.shutdown()
