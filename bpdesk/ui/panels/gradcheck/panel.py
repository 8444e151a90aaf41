"""The "Gradient check" dock: backprop against central differences, counted and timed.

The explainer's argument in numbers. Central differences nudge every weight
up and down and run the network forward each time: 2 forward passes per
parameter. Backprop gets every gradient from 1 forward and 1 backward pass.
"Run check" does both on the open network and shows the pass counts, the
times, the speedup and whether the two gradients agree, parameter by
parameter. "Scale up" does the same on a ~10,000-weight network, on the job
runner, to reproduce the explainer's headline (about 20,000 forward passes
against 2). "Inject a bug" swaps backprop for one with a deliberate mistake
(:mod:`bpdesk.core.bugs`) so the learner sees what the check is for.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from bpdesk.core import GradCheckResult
from bpdesk.core.bugs import BUGS, Bug
from bpdesk.ui.document import Document
from bpdesk.ui.format import format_seconds, format_speedup, sci
from bpdesk.ui.job_panel import JobPanel
from bpdesk.ui.jobs import JobHandle, JobRunner
from bpdesk.ui.panels.gradcheck.job import (
    NETWORK,
    SCALE_UP,
    SCALE_UP_SAMPLES,
    CheckJob,
    CheckOutcome,
    scale_up_problem,
)
from bpdesk.ui.panels.gradcheck.table import (
    THRESHOLD,
    FailingFilter,
    GradCheckModel,
    make_table_view,
)
from bpdesk.ui.preferences import ViewPreferences
from bpdesk.ui.theme import verdict_colors

_TOOLTIP = Qt.ItemDataRole.ToolTipRole


class GradCheckPanel(JobPanel, QWidget):
    """Backprop against central differences: pass counts, times, speedup and agreement.

    Public for the window and tests:

    * :meth:`run_check` checks the open network on ``doc.training_arrays()``
      (in the GUI thread while :attr:`CheckJob.quick`, else on the job
      runner); :meth:`scale_up` checks :func:`scale_up_problem` on the job
      runner; :meth:`cancel` stops a running check (it reports what it got
      so far); :meth:`shutdown` stops it and joins its thread (so does
      :meth:`closeEvent`; the window's runner joins every job as it closes).
    * ``result``: the last :class:`GradCheckResult` (None before the first
      check, while one runs, and after the network's architecture changed);
      ``outcome``: the same with what was checked (:class:`CheckOutcome`);
      ``stale``: the network or the data changed since; ``running``;
      ``job``: the running check's :class:`bpdesk.ui.jobs.JobHandle`, or None.
    * ``inject`` (a checkable box) and ``bug_box`` (the bugs of
      :data:`bpdesk.core.bugs.BUGS`, the key as item data); :meth:`set_bug`
      sets both; ``bug`` is the bug in use or None.
    * ``table`` (a ``QTableView``), ``model`` (:class:`GradCheckModel`, which
      also sorts), ``proxy`` (:class:`FailingFilter`, between the two),
      ``only_failing`` (its checkbox); labels ``headline``, ``subtitle``, ``params_label``, ``numerical_label``, ``backprop_label``,
      ``speedup_label``, ``error_label``, ``verdict_label``, ``status_label``,
      ``bug_note``; ``run_button``, ``scale_button``, ``cancel_button``,
      ``progress``.
    """

    def __init__(
        self,
        doc: Document,
        parent=None,
        *,
        jobs: JobRunner | None = None,
        prefs: ViewPreferences | None = None,
    ) -> None:
        super().__init__(parent)
        self.doc = doc
        self.prefs = prefs if prefs is not None else ViewPreferences(parent=self)
        # The application's job runner; a panel on its own has one of its own
        # (which joins its thread even if the panel is destroyed mid-check).
        self.jobs = jobs if jobs is not None else JobRunner(self)
        self.result: GradCheckResult | None = None
        self.outcome: CheckOutcome | None = None
        self.stale = False
        self.job: JobHandle | None = None
        self._syncing = False  # True while the table follows doc.selected

        self._build()
        doc.networkChanged.connect(self._on_network_changed)
        doc.parametersChanged.connect(self._update_stale)
        doc.datasetChanged.connect(self._on_data_changed)
        doc.sampleChanged.connect(self._on_data_changed)
        doc.selectionChanged.connect(self._on_doc_selection_changed)
        self.prefs.changed.connect(self._on_preferences_changed)
        self._show(None)
        self._update_bug_note()  # hidden until a bug is injected (a blank line otherwise)

    def _on_preferences_changed(self) -> None:
        """Table tints and the verdict in the palette."""
        self.model.refresh_colors()
        if self.outcome is not None and self.outcome.result is not None:
            self._show_verdict(self.outcome)
        self._update_bug_note()

    # -- widgets -------------------------------------------------------------------------

    def _build(self) -> None:
        buttons = self._build_buttons()
        bug_row = self._build_bug_row()
        grid = self._build_figures()
        self._build_table()
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addLayout(bug_row)
        layout.addWidget(self.bug_note)
        layout.addWidget(self.progress)
        # The gist first: the pass counts and whether the gradients agree, so a
        # short dock shows them without scrolling; the figures follow.
        layout.addWidget(self.headline)
        layout.addWidget(self.verdict_label)
        layout.addWidget(self.subtitle)
        layout.addLayout(grid)
        layout.addWidget(self.status_label)
        layout.addWidget(self.only_failing)
        layout.addWidget(self.table, 1)

    def _build_buttons(self) -> QHBoxLayout:
        self.run_button = QPushButton("Run check")
        self.run_button.setToolTip(
            "Compute every gradient twice: by backprop (1 forward + 1 backward pass) and by "
            "central differences (2 forward passes per parameter), and compare them. Uses the "
            "selected example, or all of them."
        )
        self.run_button.clicked.connect(self.run_check)
        self.scale_button = QPushButton("Scale up")
        self.scale_button.setToolTip(
            "The same comparison on a network of about 10,000 weights (100-64-50-1, "
            f"{SCALE_UP_SAMPLES} random examples): the explainer's 20,000 forward passes "
            "against 2, measured"
        )
        self.scale_button.clicked.connect(self.scale_up)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the running check (what it checked so far is shown)")
        self.cancel_button.clicked.connect(self.cancel)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.scale_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        return buttons

    def _build_bug_row(self) -> QHBoxLayout:
        self.inject = QCheckBox("Inject a bug:")
        self.inject.setToolTip(
            "Replace backprop with one that makes a deliberate, plausible mistake, and see the "
            "check catch it. The network itself is not changed."
        )
        self.bug_box = QComboBox()
        for bug in BUGS.values():
            self.bug_box.addItem(bug.title, bug.key)
            self.bug_box.setItemData(self.bug_box.count() - 1, bug.explanation, _TOOLTIP)
        self.bug_box.setToolTip("The mistake to inject into backprop")
        self.bug_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.bug_box.setMinimumContentsLength(12)
        self.inject.toggled.connect(self._on_inject_toggled)
        self.bug_box.currentIndexChanged.connect(self._on_bug_chosen)
        # Picking a bug from the list is asking for it: the box turns itself on.
        self.bug_box.activated.connect(self._on_bug_activated)
        bug_row = QHBoxLayout()
        bug_row.addWidget(self.inject)
        bug_row.addWidget(self.bug_box, 1)
        self.bug_note = self._faint_label()
        self.bug_note.setToolTip("What the injected bug gets wrong, and whether it can show here")
        return bug_row

    def _build_figures(self) -> QGridLayout:
        """The progress bar, the headline, the figures' grid, the verdict and the status."""
        self.progress = QProgressBar()
        self.progress.setToolTip("Parameters checked by central differences so far")
        self.progress.setFormat("%v of %m parameters")
        self.progress.setVisible(False)

        self.headline = QLabel()
        self.headline.setObjectName("gradcheckHeadline")
        self.headline.setWordWrap(True)
        self.prefs.style(self.headline, "font-weight: bold; font-size: 11pt;")
        self.headline.setToolTip(
            "Forward passes the numerical method needed, against backprop's two passes"
        )
        self.subtitle = self._faint_label()
        self.subtitle.setToolTip("The network and data this check was run on")

        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        rows = (
            ("Parameters", "params_label", "Weights and biases: each one has a gradient"),
            (
                "Numerical",
                "numerical_label",
                "Central differences: 2 forward passes per parameter (counted as the check "
                "ran), and the time the whole sweep took",
            ),
            (
                "Backprop",
                "backprop_label",
                "1 forward pass + 1 backward pass for all the gradients at once, and the time it "
                "took (median of 5 runs)",
            ),
            ("Speedup", "speedup_label", "How many times faster backprop got the same gradients"),
            (
                "Max. rel. error",
                "error_label",
                "The largest disagreement between the two gradients over all parameters, "
                "relative to their size",
            ),
        )
        for r, (caption, name, tip) in enumerate(rows):
            label = self._faint_label(caption)
            label.setWordWrap(False)
            label.setToolTip(tip)
            value = QLabel()
            value.setWordWrap(True)  # a narrow dock wraps the figures instead of widening
            value.setToolTip(tip)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            setattr(self, name, value)
            grid.addWidget(label, r, 0)
            grid.addWidget(value, r, 1)
        grid.setColumnStretch(1, 1)

        self.verdict_label = QLabel()
        self.verdict_label.setObjectName("gradcheckVerdict")
        self.verdict_label.setWordWrap(True)
        self.verdict_label.setToolTip(
            f"Pass when every parameter's relative error is below {THRESHOLD}, or within "
            "the float64 rounding of the loss divided by 2ε where that is more (nothing finer "
            "can be told): then backprop computes the same gradients as the slow, obviously "
            "correct method"
        )
        self.status_label = self._faint_label()
        self.status_label.setToolTip("Whether these figures still describe the open network")
        return grid

    def _build_table(self) -> None:
        self.model = GradCheckModel(self.prefs, self)
        self.proxy = FailingFilter(self)
        self.proxy.setSourceModel(self.model)
        self.table = make_table_view(self.proxy, self.fontMetrics())
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.only_failing = QCheckBox("Only failing")
        self.only_failing.setToolTip("Show only the parameters whose two gradients disagree")
        self.only_failing.toggled.connect(self.proxy.set_only_failing)

    def _faint_label(self, text: str = "") -> QLabel:
        label = QLabel(text)
        label.setWordWrap(True)
        self.prefs.style(label, "color: {faint_text};")
        return label

    # -- public API --------------------------------------------------------------------------

    def reveal_result(self) -> None:
        """Scroll a dock too short for the whole panel to the pass counts and the verdict."""
        scroll = self.parentWidget()
        while scroll is not None and not isinstance(scroll, QScrollArea):
            scroll = scroll.parentWidget()
        if scroll is None:
            return
        self.layout().activate()  # the verdict may have just grown a line
        scroll.ensureWidgetVisible(self.verdict_label, 0, 4)
        scroll.ensureWidgetVisible(self.headline, 0, 4)

    @property
    def running(self) -> bool:
        """True while a check runs on the job runner."""
        return self.job is not None

    @property
    def bug(self) -> Bug | None:
        """The bug injected into backprop, or None for the real engine."""
        if not self.inject.isChecked():
            return None
        return BUGS.get(self.bug_box.currentData())

    def set_bug(self, key: str | None) -> None:
        """Inject the bug ``key`` (see :data:`bpdesk.core.bugs.BUGS`), or None to restore backprop."""
        if key is not None:
            index = self.bug_box.findData(key)
            if index < 0:
                raise KeyError(f"unknown bug {key!r}")
            self.bug_box.setCurrentIndex(index)
        self.inject.setChecked(key is not None)

    def run_check(self) -> None:
        """Check the open network on the selected example (or all); cancels a running check."""
        doc = self.doc
        X, T = doc.training_arrays()
        net = doc.network
        batch = "1 example" if len(X) == 1 else f"{len(X)} examples"
        job = CheckJob(
            kind=NETWORK,
            # Copies: a check nudges every parameter, and must never nudge the document's.
            network=net.copy(),
            X=np.array(X, dtype=np.float64),
            T=np.array(T, dtype=np.float64),
            bug=self.bug,
            label=f"{net.describe()} · {batch}",
            version=self._doc_version(),
        )
        if job.quick:
            self._cancel_running()
            self._show(job.run())
        else:
            self._launch(job)

    def scale_up(self) -> None:
        """Check the ~10,000-weight :func:`scale_up_problem` on the job runner."""
        net, X, T = scale_up_problem()
        job = CheckJob(
            kind=SCALE_UP,
            network=net,
            X=X,
            T=T,
            bug=self.bug,
            label=f"{net.describe()} · {len(X)} random examples",
            version=(),
        )
        self._launch(job)

    # -- the check on the job runner -----------------------------------------------------------

    def _launch(self, job: CheckJob) -> None:
        self._cancel_running()  # one check at a time: a new one cancels the old
        handle = self.jobs.start(job, slot="gradcheck")
        handle.progress.connect(self._on_progress)
        handle.finished.connect(self._on_finished)
        self.job = handle
        self._show_running(job)

    def _show_stopping(self) -> None:
        self.status_label.setText("Cancelling…")

    def _show_cancelled(self) -> None:
        self._show(None)
        self.status_label.setText("Stopped before it finished.")

    def _on_finished(self, outcome: CheckOutcome) -> None:
        self._job_done()
        self._show(outcome)

    # -- showing results ------------------------------------------------------------------------

    def _doc_version(self) -> tuple:
        return (self.doc.version, self.doc.rows)

    def _show_running(self, job: CheckJob) -> None:
        self.result = self.outcome = None
        self.stale = False
        self.model.set_result(None)
        n = job.network.n_parameters
        self.progress.setRange(0, n)
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.cancel_button.setEnabled(True)
        self.headline.setText(f"Checking {n:,} parameters: {2 * n:,} forward passes…")
        self.subtitle.setText(job.label)
        for label in self._figure_labels():
            label.setText("…")
        self.verdict_label.setText("")
        self.verdict_label.setStyleSheet("")
        self.status_label.setText("Running on a worker thread: the window stays responsive.")

    def _figure_labels(self) -> tuple[QLabel, ...]:
        return (
            self.params_label,
            self.numerical_label,
            self.backprop_label,
            self.speedup_label,
            self.error_label,
        )

    def _show(self, outcome: CheckOutcome | None) -> None:
        self.outcome = outcome
        self.result = None if outcome is None else outcome.result
        result = self.result
        self.stale = False
        self.cancel_button.setEnabled(self.running)
        if outcome is None or result is None:
            self.model.set_result(None)
            self.headline.setText("Backprop against central differences")
            self.subtitle.setText(
                "Run check: every gradient by backprop and by nudging each parameter up and "
                "down. Scale up: the same on ~10,000 weights."
            )
            for label in self._figure_labels():
                label.setText("—")
            self.verdict_label.setText(outcome.error if outcome is not None else "")
            self.verdict_label.setStyleSheet("")
            self.status_label.setText("")
            return
        job = outcome.job
        self.model.set_result(result, job.network)
        n, done = result.n_parameters, result.completed
        passes = result.numerical_forward_passes
        if result.cancelled:
            self.headline.setText(
                f"Cancelled after {done:,} of {n:,} parameters ({passes:,} forward passes)"
            )
        else:
            # The gist on one line, in sight in a short dock: the counts and what they cost.
            self.headline.setText(
                f"{passes:,} forward passes against {result.backprop_passes}: "
                f"{format_speedup(result.speedup)}"
            )
        self.subtitle.setText(job.label)
        self.params_label.setText(f"{n:,}")
        self.numerical_label.setText(
            f"{passes:,} forward passes (2 per parameter) · "
            f"{format_seconds(result.numerical_seconds)}"
        )
        self.backprop_label.setText(
            f"{result.backprop_passes} passes (1 forward + 1 backward) · "
            f"{format_seconds(result.backprop_seconds)}"
        )
        if result.cancelled:
            # A partial sweep's time says nothing about the whole one.
            self.speedup_label.setText("— (cancelled)")
        else:
            self.speedup_label.setText(format_speedup(result.speedup))
        self.error_label.setText(sci(result.max_relative_error))
        self._show_verdict(outcome)
        self._update_stale(force=True)
        self._sync_selection()

    def _show_verdict(self, outcome: CheckOutcome) -> None:
        result, bug = outcome.result, outcome.job.bug
        right, wrong = verdict_colors(self.prefs.palette)
        failing = int(self.model.failing.sum())
        checked = "parameters checked so far" if result.cancelled else "parameters"
        kinks = result.n_kinks
        compared = result.completed - kinks
        if result.passed:
            every = "all " if not kinks else ""
            text = (
                f"✓ Pass: backprop agrees with central differences on {every}{compared:,} "
                f"{checked} (every relative error < {THRESHOLD} or within the loss's rounding)."
            )
            color = right
        else:
            text = (
                f"✗ Fail: {failing:,} of {compared:,} {checked} disagree "
                f"(max. relative error {sci(result.max_relative_error)} ≥ "
                f"{THRESHOLD})."
            )
            color = wrong
        if kinks:
            text += (
                f"\n{kinks:,} more sit on a ReLU kink (for some example a ReLU's input is "
                "within ε of 0): there the slope jumps, central differences measure no "
                "derivative, so they are marked “kink” and not counted."
            )
        if bug is not None:
            if outcome.bug_shows:
                text += f"\nInjected bug: {bug.title}."
            else:
                why = bug.why_not(outcome.job.network, outcome.job.X)
                text += f"\nInjected bug: {bug.title}, but it cannot show here: {why}."
        self.verdict_label.setText(text)
        self.verdict_label.setStyleSheet(f"color: {color.name()}; font-weight: bold;")

    def _on_data_changed(self) -> None:
        self._update_stale()
        self._update_bug_note()  # a bug may show on a batch and not on one example

    def _update_stale(self, force: bool = False) -> None:
        outcome = self.outcome
        stale = (
            outcome is not None
            and outcome.result is not None
            and outcome.job.kind == NETWORK
            and outcome.job.version != self._doc_version()
        )
        if stale == self.stale and not force:
            return  # parameters change 60 times a second in training: only flips matter
        self.stale = stale
        self.model.set_stale(stale)
        if stale:
            self.status_label.setText(
                "Out of date: the network or the data changed since this check. Run it again."
            )
        elif outcome is not None and outcome.result is not None:
            if outcome.job.kind == SCALE_UP:
                self.status_label.setText(
                    "A separate network, not the one in the editor: rows do not select weights."
                )
            else:
                self.status_label.setText("Click a row to select that weight or bias.")

    def _on_network_changed(self) -> None:
        outcome = self.outcome
        if outcome is not None and outcome.job.kind == NETWORK:
            if outcome.job.network.layer_sizes != self.doc.network.layer_sizes:
                # Its rows name parameters that no longer exist.
                self._show(None)
                self.status_label.setText(
                    "The network's architecture changed: run the check again."
                )
            else:
                self._update_stale()
        self._update_bug_note()

    def _on_inject_toggled(self, _checked: bool) -> None:
        self._update_bug_note()
        self._recheck()

    def _on_bug_chosen(self, _index: int) -> None:
        self._update_bug_note()
        if self.inject.isChecked():
            self._recheck()

    def _on_bug_activated(self, _index: int) -> None:
        self.inject.setChecked(True)

    def _recheck(self) -> None:
        outcome = self.outcome
        # A small network is re-checked at once: toggling the bug is the lesson.
        if (
            outcome is not None
            and outcome.job.kind == NETWORK
            and outcome.job.quick
            and not self.running
        ):
            self.run_check()

    def _update_bug_note(self) -> None:
        bug = BUGS.get(self.bug_box.currentData())
        # Off, the explanation is the list item's tooltip: the panel's few lines
        # are kept for the figures and the verdict.
        on = bug is not None and self.inject.isChecked()
        self.bug_note.setVisible(on)
        if not on:
            self.bug_note.setText("")
            return
        text = bug.explanation
        X, _ = self.doc.training_arrays()
        why = bug.why_not(self.doc.network, X)
        if why:
            text += f" It cannot show on this network: {why}."
        self.bug_note.setText(text)

    # -- selection ---------------------------------------------------------------------------------

    def _selects_in_doc(self) -> bool:
        outcome = self.outcome
        return (
            outcome is not None
            and outcome.result is not None
            and outcome.job.kind == NETWORK
            and outcome.job.network.layer_sizes == self.doc.network.layer_sizes
        )

    def _on_table_selection_changed(self, *_args) -> None:
        if self._syncing or not self._selects_in_doc():
            return
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        k = self.model.parameter(self.proxy.mapToSource(rows[0]).row())
        self.doc.select(self.model.network.parameter_at(self.model.position(k)))

    def _on_doc_selection_changed(self) -> None:
        self._sync_selection()

    def _sync_selection(self) -> None:
        """Highlight the row of the weight selected in the editor (without selecting it again)."""
        if not self._selects_in_doc():
            return
        selected = self.doc.selected
        selection = self.table.selectionModel()
        self._syncing = True
        try:
            if selected is None:
                selection.clearSelection()
                return
            k = self.model.entry_of(self.doc.parameter_index(selected))
            if k is None:  # a bias of a network without biases: not a parameter
                selection.clearSelection()
                return
            index = self.proxy.mapFromSource(self.model.index(self.model.row_of(k), 0))
            if not index.isValid():  # filtered out
                selection.clearSelection()
                return
            flags = (
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows
            )
            selection.setCurrentIndex(index, flags)
            self.table.scrollTo(index)
        finally:
            self._syncing = False
