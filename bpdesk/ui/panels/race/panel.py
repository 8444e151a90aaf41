"""The "Race" dock: the explainer's two naive ideas against backprop, on one budget.

Race trains the network in the editor three ways from its current weights, on
its data and with its training settings (see :mod:`bpdesk.core.race`): random
search, nudging each weight, and backprop, each with the same budget of forward
passes. It runs on the job runner; the three loss curves grow live against the
passes used (log axis) and against seconds, and Cancel stops the race with what
it ran. Then the verdict in numbers, and what one update would cost at the
explainer's 10,000 knobs at this machine's measured speed. The network in the
editor is not changed.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from bpdesk.core import BpdeskError
from bpdesk.core.errors import ConfigError
from bpdesk.core.race import DEFAULT_BUDGET, DEFAULT_SCALE, DEFAULT_TARGET, MIN_BUDGET, Race
from bpdesk.core.race_result import RaceResult
from bpdesk.ui.document import Document
from bpdesk.ui.frames import PLOT
from bpdesk.ui.job_panel import JobPanel
from bpdesk.ui.jobs import JobHandle, JobRunner
from bpdesk.ui.panels.race.curves import PASSES, SECONDS, RaceCurves
from bpdesk.ui.panels.race.job import PROGRESS_STEPS, RaceJob, RaceOutcome
from bpdesk.ui.preferences import ViewPreferences
from bpdesk.ui.theme import verdict_colors

MAX_BUDGET = 1_000_000_000  # what the box takes (a spin box holds 32-bit numbers)
IDLE_TEXT = (
    "Press Race: the network in the editor learns three ways from its current weights, each "
    "with the same budget of forward passes."
)


class RacePanel(JobPanel, QWidget):
    """Budget and random search's scale in, three live loss curves and a verdict out.

    Public for the window, the tour and tests: :meth:`set_inputs`, :meth:`run`
    (False, with the reason in ``status_label``, when the race cannot run),
    :meth:`cancel`, :meth:`shutdown`; ``running``, ``job`` (the running race's
    handle), ``result`` (the last :class:`RaceResult` shown, live or final),
    ``outcome`` (the last finished race); the widgets ``budget_box``,
    ``scale_box``, ``target_edit``, ``race_button``, ``cancel_button``,
    ``progress``, ``status_label``, ``verdict_label``, ``projection_label`` and
    the plots ``passes_plot`` and ``seconds_plot``.
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
        # The application's job runner; a panel on its own has its own (joined with it).
        self.jobs = jobs if jobs is not None else JobRunner(self)
        self.job: JobHandle | None = None
        self.result: RaceResult | None = None
        self.outcome: RaceOutcome | None = None
        self._build()
        self.prefs.changed.connect(self._on_preferences_changed)
        self._show_outcome(None)

    # -- widgets ----------------------------------------------------------------------------

    def _build(self) -> None:
        self.passes_plot = RaceCurves(PASSES, prefs=self.prefs)
        self.passes_plot.setToolTip(
            "Each method's training loss against the forward passes it has used (both axes "
            "logarithmic; a backward pass counts as one). The dashed line is the target; losses "
            "below 1e-12 sit on the bottom."
        )
        self.seconds_plot = RaceCurves(SECONDS, prefs=self.prefs)
        self.seconds_plot.setToolTip(
            "The same losses against each method's own computing time on this machine"
        )
        plots = QHBoxLayout()
        plots.addWidget(self.passes_plot, 1)
        plots.addWidget(self.seconds_plot, 1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)  # a docked panel is short: every line counts
        layout.addWidget(self._build_controls())
        layout.addLayout(plots, 1)

    def _build_controls(self) -> QWidget:
        self.budget_box = QSpinBox()
        self.budget_box.setRange(MIN_BUDGET, MAX_BUDGET)
        self.budget_box.setGroupSeparatorShown(True)
        self.budget_box.setSingleStep(10_000)
        self.budget_box.setValue(DEFAULT_BUDGET)
        self.budget_box.setToolTip(
            "Forward passes each method may use. Random search pays 1 per trial, nudging 2 per "
            "weight per update, backprop 2 per update (1 forward + 1 backward)."
        )
        self.scale_box = QDoubleSpinBox()
        self.scale_box.setDecimals(3)
        self.scale_box.setRange(0.001, 10.0)
        self.scale_box.setSingleStep(0.05)
        self.scale_box.setValue(DEFAULT_SCALE)
        self.scale_box.setToolTip(
            "Random search's step: every weight moves by noise of this spread; the change is "
            "kept if the loss falls"
        )
        self.target_edit = QLineEdit(f"{DEFAULT_TARGET:g}")
        self.target_edit.setToolTip(
            "The verdict counts the forward passes each method needed "
            "to bring the training loss down to this"
        )
        self.target_edit.returnPressed.connect(self.run)
        # The budget a row, the scale and target beside each other: a docked panel is short.
        form = QGridLayout()
        form.setVerticalSpacing(2)
        for row, column, caption, field in (
            (0, 0, "Budget", self.budget_box),
            (1, 0, "Scale", self.scale_box),
            (1, 2, "Target", self.target_edit),
        ):
            label = QLabel(caption)
            label.setToolTip(field.toolTip())
            form.addWidget(label, row, column)
            form.addWidget(field, row, column + 1, 1, 3 if column == 0 and row == 0 else 1)
        form.setColumnStretch(1, 1)
        form.setColumnStretch(3, 1)
        self.race_button = QPushButton("Race")
        self.start_button = self.race_button  # enabled again when a race ends
        self.race_button.setToolTip(
            "Train the network in the editor three ways from its current weights, with its data "
            "and training settings: random search, nudging each weight, backprop (the editor's "
            "network is not changed)"
        )
        self.race_button.clicked.connect(self.run)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the race (what it ran so far is shown)")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.race_button)
        buttons.addWidget(self.cancel_button)
        self.progress = QProgressBar()
        self.progress.setRange(0, PROGRESS_STEPS)
        self.progress.setTextVisible(False)
        self.progress.setVisible(False)
        self.status_label = self._label("")
        self.status_label.setObjectName("raceStatus")
        self.verdict_label = self._label("")
        self.verdict_label.setObjectName("raceVerdict")
        self.prefs.style(self.verdict_label, "font-weight: bold;")
        self.projection_label = self._label("")
        self.projection_label.setObjectName("raceProjection")
        self.projection_label.setToolTip(
            "A forward pass of a network like this one grown to about 10,000 weights and "
            "biases, timed on this machine on as many examples; a backward pass is counted as "
            "costing as much"
        )
        self.prefs.style(self.projection_label, "color: {faint_text};")
        controls = QWidget()
        # A fixed width: wrapped labels then know their height, and the plots get the rest.
        controls.setFixedWidth(controls.fontMetrics().horizontalAdvance("x") * 44)
        column = QVBoxLayout(controls)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(3)
        column.addLayout(form)
        column.addLayout(buttons)
        column.addWidget(self.progress)
        column.addWidget(self._build_texts(), 1)
        return controls

    def _build_texts(self) -> QScrollArea:
        """The verdict, the counts and the projection, scrolled on their own: the plots
        keep the dock's whole height (a docked panel is about 200 pixels high)."""
        texts = QWidget()
        lines = QVBoxLayout(texts)
        lines.setContentsMargins(0, 0, 0, 0)
        lines.setSpacing(3)
        lines.addWidget(self.verdict_label)
        lines.addWidget(self.status_label)
        lines.addWidget(self.projection_label)
        lines.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(texts)
        return scroll

    def _label(self, text: str) -> QLabel:
        label = QLabel(text)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    # -- inputs -------------------------------------------------------------------------------

    def set_inputs(
        self, budget: int | None = None, scale: float | None = None, target: str | None = None
    ) -> None:
        """Fill in the fields given (the tour, tests); the others stay as they are."""
        if budget is not None:
            self.budget_box.setValue(budget)
        if scale is not None:
            self.scale_box.setValue(scale)
        if target is not None:
            self.target_edit.setText(target)

    def _read_inputs(self) -> RaceJob:
        """The race the fields ask for, on the document as it stands; raises
        :class:`BpdeskError` saying what is wrong."""
        text = self.target_edit.text().strip()
        try:
            target = float(text)
        except ValueError:
            raise ConfigError(f"Target: expected a number, got {text!r}") from None
        doc = self.doc
        race = Race(
            doc.network,
            doc.dataset,
            doc.config,
            budget=self.budget_box.value(),
            scale=self.scale_box.value(),
            target=target,
        )
        return RaceJob(race=race, label=f"{doc.network.describe()} · {doc.dataset_label()}")

    # -- running ------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """True while a race runs on the job runner."""
        return self.job is not None

    def run(self) -> bool:
        """Start the race the fields ask for (a running one is cancelled first); False, with
        the reason shown, when it cannot run."""
        try:
            job = self._read_inputs()
        except BpdeskError as exc:
            self._say_error(f"Cannot race this network: {exc}")
            return False
        self._cancel_running()
        handle = self.jobs.start(job, slot="race")
        handle.progress.connect(self._on_progress)
        handle.partial.connect(self._on_partial)
        handle.finished.connect(self._on_finished)
        handle.failed.connect(self._on_failed)
        self.job = handle
        self.result = None
        self.outcome = None
        self._show_curves(None)
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.race_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.verdict_label.setText("")
        self.projection_label.setText("")
        self._say(f"Racing {job.label}: {job.race.budget:,} forward passes each…")
        return True

    def _show_stopping(self) -> None:
        self._say("Stopping…")

    def _show_cancelled(self) -> None:
        self._show_outcome(self.outcome)

    def _on_partial(self, result: RaceResult) -> None:
        self.result = result
        self._say(_live_counts(result))
        self.doc.frames.request(self._redraw, PLOT)

    def _redraw(self) -> None:
        self._show_curves(self.result)

    def _on_finished(self, outcome: RaceOutcome) -> None:
        self._job_done()
        self.doc.frames.flush(self._redraw)
        self._show_outcome(outcome)

    def _on_failed(self, message: str) -> None:
        self._job_done()
        self._say_error(f"The race could not run: {message}")

    # -- showing ------------------------------------------------------------------------------

    def _show_curves(self, result: RaceResult | None) -> None:
        self.passes_plot.show_result(result)
        self.seconds_plot.show_result(result)

    def _show_outcome(self, outcome: RaceOutcome | None) -> None:
        self.outcome = outcome
        if outcome is None:
            self.result = None
            self._show_curves(None)
            self.verdict_label.setText("")
            self.projection_label.setText("")
            self._say(IDLE_TEXT)
            return
        result = self.result = outcome.result
        self._show_curves(result)
        verdict = result.verdict()
        if outcome.stopped:
            verdict = f"Stopped early. {verdict}"
        self.verdict_label.setText(verdict)
        self._say(f"{outcome.label}\n{_final_counts(result)}")
        self.projection_label.setText(result.projection_text())

    def _say(self, text: str) -> None:
        self.status_label.setStyleSheet("")
        self.status_label.setText(text)

    def _say_error(self, text: str) -> None:
        wrong = verdict_colors(self.prefs.palette)[1]
        self.status_label.setText(text)
        self.status_label.setStyleSheet(f"color: {wrong.name()};")

    def _on_preferences_changed(self) -> None:
        if self.status_label.styleSheet():  # an error on show: in the new palette's red
            self._say_error(self.status_label.text())


def _live_counts(result: RaceResult) -> str:
    """Forward passes used so far by each method, and the loss it is at."""
    lines = [f"Forward passes used of {result.budget:,} each:"]
    for m in result.methods:
        lines.append(f"{m.label}: {m.forward_passes:,} · loss {_loss(m.final_loss)}")
    return "\n".join(lines)


def _final_counts(result: RaceResult) -> str:
    """Each method's updates, passes, time and final loss, a line each."""
    lines = []
    for m in result.methods:
        what = (
            f"{m.updates:,} of {m.trials:,} trials kept"
            if m.name == "random"
            else f"{m.updates:,} updates × {m.passes_per_update:,} passes"
        )
        line = (
            f"{m.label}: {what}, {m.forward_passes:,} passes in {m.seconds:.2f} s, "
            f"loss {_loss(m.final_loss)}"
        )
        if m.note:
            line += f" ({m.note})"
        lines.append(line)
    return "\n".join(lines)


def _loss(value: float) -> str:
    return f"{value:.3g}" if math.isfinite(value) else "—"
