"""The "Sweep" dock: train the open network from many seeds and/or with many learning
rates at once, and see which runs get stuck.

The sweep takes the document's architecture, data and training settings (as
``bpdesk sweep FILE`` takes a file's); the panel adds the seeds, the learning
rates, the epochs and the target. It runs on the job runner: the window stays
responsive, the fan of loss curves grows as the reports come (at the pace of
the document's frame clock) and Cancel stops it with what it trained. A
finished sweep is kept with the network (an undoable edit, saved in its file)
and summarised: the converged fraction, a histogram of final losses and, for
several learning rates, final loss and epochs to the target against the rate.
Clicking a run (a curve, a bar, a point) puts that network into the editor as
it ended; Ctrl+Z brings the previous one back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from bpdesk.core import BpdeskError
from bpdesk.core.csv_export import write_csv
from bpdesk.core.errors import ConfigError
from bpdesk.core.sweep import DEFAULT_MAX_BYTES, sweep_bytes, sweep_runs
from bpdesk.core.sweep_kept import KeptSweep
from bpdesk.core.sweep_spec import check_count, parse_rate, parse_rates, parse_seeds, spans
from bpdesk.ui import editing
from bpdesk.ui.document import Document
from bpdesk.ui.format import whole_percent
from bpdesk.ui.frames import PLOT
from bpdesk.ui.job_panel import JobPanel
from bpdesk.ui.jobs import JobHandle, JobRunner
from bpdesk.ui.panels.sweep.fan import FanPlot
from bpdesk.ui.panels.sweep.job import SweepJob, SweepOutcome
from bpdesk.ui.panels.sweep.summary import HistogramPlot, RatePlot
from bpdesk.ui.preferences import ViewPreferences
from bpdesk.ui.theme import verdict_colors

DEFAULT_SEEDS = "1-100"
DEFAULT_EPOCHS = 2000
DEFAULT_TARGET = "0.01"
MAX_EPOCHS = 10_000_000
CSV_FILTER = "CSV (*.csv)"
CLICK_HINT = "Click a run (a curve, a bar or a point) to load its network into the editor."

AskPath = Callable[[str, str, str], "str | None"]  # (title, suggested path, filters)
ShowError = Callable[[str, str], None]  # (title, text)


class SweepPanel(JobPanel, QWidget):
    """Seeds and learning rates in, a fan of loss curves and a summary out.

    Public for the window, the tour and tests: :meth:`set_inputs`, :meth:`run`
    (False, with the reason in ``error_label``, when the inputs are not usable),
    :meth:`cancel`, :meth:`shutdown`, :meth:`load_run`, :meth:`export_csv`;
    ``running``, ``job`` (the running sweep's handle), ``shown`` (the kept sweep
    on show), ``selected`` (its run picked last); the widgets ``seeds_edit``,
    ``rates_edit``, ``epochs_box``, ``target_edit``, ``error_label``,
    ``run_button``, ``cancel_button``, ``export_button``, ``progress``,
    ``summary_label``, ``readout``, ``sweep_box`` and the plots ``fan``,
    ``histogram``, ``rates_plot`` (the last two as tabs of ``summary_tabs``). ``ask_save_file`` and ``show_error`` are the
    questions it asks (a test answers them).
    """

    def __init__(
        self,
        doc: Document,
        parent=None,
        *,
        jobs: JobRunner | None = None,
        prefs: ViewPreferences | None = None,
        ask_save_file: AskPath | None = None,
        show_error: ShowError | None = None,
    ) -> None:
        super().__init__(parent)
        self.doc = doc
        self.prefs = prefs if prefs is not None else ViewPreferences(parent=self)
        # The application's job runner; a panel on its own has its own (joined with it).
        self.jobs = jobs if jobs is not None else JobRunner(self)
        self.ask_save_file: AskPath = ask_save_file or self._ask_save_file
        self.show_error: ShowError = show_error or self._show_error
        self.job: JobHandle | None = None
        self.shown: KeptSweep | None = None
        self.selected: int | None = None
        self._new_sweep = False  # the next kept sweep is the one this panel just ran
        self._build()
        doc.sweepsChanged.connect(self._on_sweeps_changed)
        doc.settingsChanged.connect(self._update_placeholders)
        doc.networkChanged.connect(self._update_placeholders)
        self._update_placeholders()
        self._on_sweeps_changed()

    # -- widgets ----------------------------------------------------------------------------

    def _build(self) -> None:
        self.fan = FanPlot(self.prefs)
        self.histogram = HistogramPlot(self.prefs)
        self.rates_plot = RatePlot(self.prefs)
        for plot in (self.fan, self.histogram, self.rates_plot):
            plot.runClicked.connect(self.load_run)
        self.fan.setToolTip("Every run's training loss; click a curve to load that network")
        self.histogram.setToolTip(
            "How many runs ended at each final loss (the dashed line is the target); click a "
            "bar to load one of its networks, again for the next"
        )
        self.rates_plot.setToolTip(
            "Final loss of each run against its learning rate (crosses: diverged), the median "
            "as a line, and the median epochs to the target (dashed, right axis). Click a point."
        )
        # The two summaries share a place, as tabs: a docked panel is narrow.
        self.summary_tabs = QTabWidget()
        self.summary_tabs.setTabPosition(QTabWidget.TabPosition.South)
        self.summary_tabs.setDocumentMode(True)
        self.summary_tabs.addTab(self.histogram, "Losses")
        self.summary_tabs.addTab(self.rates_plot, "By η")
        self.summary_tabs.setTabVisible(1, False)
        self.summary_tabs.tabBar().setVisible(False)
        plots = QHBoxLayout()
        plots.addWidget(self.fan, 1)
        plots.addWidget(self.summary_tabs, 1)
        self.readout = self._label("")
        self.readout.setVisible(False)  # lines are few in a docked panel: only when it speaks
        self.readout.setObjectName("sweepReadout")
        self.prefs.style(self.readout, "color: {faint_text};")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)  # a docked panel is short: every line counts
        layout.addWidget(self._build_controls())
        layout.addLayout(plots, 1)
        export = QAction("Export sweep as CSV…", self)
        export.triggered.connect(lambda: self.export_csv())
        self.addAction(export)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

    def _build_controls(self) -> QWidget:
        self.seeds_edit = QLineEdit(DEFAULT_SEEDS)
        self.seeds_edit.setToolTip(
            "Seeds of the runs' starting weights (and mini-batch order): 1-100, or 1,5,9, "
            "or a mix. Empty: the network's own seed."
        )
        self.rates_edit = QLineEdit()
        self.rates_edit.setToolTip(
            "Learning rates, e.g. 0.01, 0.1, 1, 10 (every seed with every rate). Empty: the "
            "learning rate set for training."
        )
        self.epochs_box = QSpinBox()
        self.epochs_box.setRange(1, MAX_EPOCHS)
        self.epochs_box.setGroupSeparatorShown(True)
        self.epochs_box.setValue(DEFAULT_EPOCHS)
        self.epochs_box.setToolTip("Epochs each run trains for")
        self.target_edit = QLineEdit(DEFAULT_TARGET)
        self.target_edit.setToolTip("A run counts as converged when its loss ends below this")
        for edit in (self.seeds_edit, self.rates_edit, self.target_edit):
            edit.textChanged.connect(self._check_inputs)
            edit.returnPressed.connect(self.run)
        # Two fields a row: a docked panel is short (about 200 pixels at 1600×1000).
        form = QGridLayout()
        form.setVerticalSpacing(2)
        for row, (first, second) in enumerate(
            (
                (("Seeds", self.seeds_edit), ("Epochs", self.epochs_box)),
                (("η", self.rates_edit), ("Target", self.target_edit)),
            )
        ):
            for column, (caption, field) in enumerate((first, second)):
                label = QLabel(caption)
                label.setToolTip(field.toolTip())
                form.addWidget(label, row, 2 * column)
                form.addWidget(field, row, 2 * column + 1)
        form.setColumnStretch(1, 3)
        form.setColumnStretch(3, 2)
        self.error_label = self._label("")
        self.error_label.setObjectName("sweepError")
        self.error_label.setVisible(False)
        self.run_button = QPushButton("Run sweep")
        self.start_button = self.run_button  # enabled again when a sweep ends
        self.run_button.setToolTip(
            "Train the network in the editor from every seed (and learning rate) at once, "
            "with its data and training settings"
        )
        self.run_button.clicked.connect(self.run)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the sweep (what it trained so far is kept)")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setEnabled(False)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Write every run of the sweep shown to a CSV file")
        self.export_button.clicked.connect(lambda: self.export_csv())
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.export_button)
        self.progress = QProgressBar()
        self.progress.setFormat("epoch %v of %m")
        self.progress.setVisible(False)
        self.summary_label = self._label("")
        self.summary_label.setObjectName("sweepSummary")
        self.summary_label.setTextFormat(Qt.TextFormat.RichText)
        self.sweep_box = QComboBox()
        self.sweep_box.setToolTip("The sweeps kept with this network: pick one to show")
        self.sweep_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.sweep_box.setMinimumContentsLength(16)
        self.sweep_box.activated.connect(self._on_sweep_chosen)
        controls = QWidget()
        # A fixed width: wrapped labels then know their height, and the plots get the rest.
        controls.setFixedWidth(controls.fontMetrics().horizontalAdvance("x") * 42)
        column = QVBoxLayout(controls)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(3)
        column.addLayout(form)
        column.addWidget(self.error_label)
        column.addLayout(buttons)
        column.addWidget(self.progress)
        column.addWidget(self.summary_label)
        column.addWidget(self.readout)
        column.addWidget(self.sweep_box)
        column.addStretch(1)
        return controls

    def _label(self, text: str) -> QLabel:
        label = QLabel(text)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def _say(self, text: str) -> None:
        """What became of the last click or export, under the summary (nothing: hidden)."""
        self.readout.setText(text)
        self.readout.setVisible(bool(text))

    def _update_placeholders(self) -> None:
        self.seeds_edit.setPlaceholderText(f"{self.doc.network.seed} (the network's)")
        self.rates_edit.setPlaceholderText(f"{self.doc.config.learning_rate:g} (training's)")

    # -- inputs -------------------------------------------------------------------------------

    def set_inputs(
        self,
        seeds: str | None = None,
        rates: str | None = None,
        epochs: int | None = None,
        target: str | None = None,
    ) -> None:
        """Fill in the fields given (the tour, tests); the others stay as they are."""
        if seeds is not None:
            self.seeds_edit.setText(seeds)
        if rates is not None:
            self.rates_edit.setText(rates)
        if epochs is not None:
            self.epochs_box.setValue(epochs)
        if target is not None:
            self.target_edit.setText(target)

    def _read_inputs(self) -> SweepJob:
        """The sweep the fields ask for, on the document as it stands; raises
        :class:`BpdeskError` naming the field that is wrong."""
        doc = self.doc
        text = self.seeds_edit.text().strip()
        seeds = _field("Seeds", lambda: parse_seeds(text)) if text else [doc.network.seed]
        text = self.rates_edit.text().strip()
        rates = _field("Learning rates", lambda: parse_rates(text)) if text else None
        rates = rates or [doc.config.learning_rate]
        target = _field("Target loss", lambda: parse_rate(self.target_edit.text().strip()))
        check_count(len(seeds), len(rates))
        config = replace(doc.config, epochs=self.epochs_box.value()).validated()
        net, data = doc.network, doc.dataset
        needed = sweep_bytes(net, data, config, len(seeds) * len(rates))
        if needed > DEFAULT_MAX_BYTES:
            raise ConfigError(
                f"{len(seeds) * len(rates):,} networks like this would need about "
                f"{needed / 2**20:,.0f} MB: sweep fewer, or use mini-batches"
            )
        return SweepJob(
            network=net.copy(),
            dataset=data,
            config=config,
            runs=sweep_runs(seeds, rates),
            target=target,
            dataset_label=doc.dataset_label(),
        )

    def _check_inputs(self) -> bool:
        """Say at once what is wrong with the fields (the text stays as typed)."""
        try:
            self._read_inputs()
        except BpdeskError as exc:
            self._say_error(str(exc))
            return False
        self._say_error("")
        return True

    def _say_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))
        if text:
            wrong = verdict_colors(self.prefs.palette)[1]
            self.error_label.setStyleSheet(f"color: {wrong.name()};")

    # -- running ------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """True while a sweep runs on the job runner."""
        return self.job is not None

    def run(self) -> bool:
        """Start the sweep the fields ask for (a running one is cancelled first); False,
        with the reason shown under the fields, when they are not usable."""
        try:
            job = self._read_inputs()
        except BpdeskError as exc:
            self._say_error(str(exc))
            return False
        self._say_error("")
        self._cancel_running()
        handle = self.jobs.start(job, slot="sweep")
        handle.progress.connect(self._on_progress)
        handle.partial.connect(self._on_partial)
        handle.finished.connect(self._on_finished)
        handle.failed.connect(self._on_failed)
        self.job = handle
        n = len(job.runs)
        self.fan.start_live(n, job.target)
        self.histogram.show_sweep(None)
        self.summary_tabs.setTabVisible(1, False)
        self.progress.setRange(0, job.config.epochs or 0)
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.summary_label.setText(f"Training {n:,} networks at once…")
        self._say("")
        return True

    def _show_stopping(self) -> None:
        self.summary_label.setText("Stopping…")

    def _show_cancelled(self) -> None:
        self._show(self.shown)

    def _on_partial(self, snapshot) -> None:
        self.fan.add_live(snapshot.epoch, snapshot.losses)
        n = len(snapshot.losses)
        self.summary_label.setText(
            f"Epoch {snapshot.epoch:,}: {snapshot.reached:,} of {n:,} below the target, "
            f"{snapshot.diverged:,} diverged"
        )
        self.doc.frames.request(self.fan.redraw, PLOT)

    def _on_finished(self, outcome: SweepOutcome) -> None:
        self._job_done()
        self.doc.frames.flush(self.fan.redraw)
        kept = KeptSweep.of(outcome.result, outcome.config, outcome.dataset, outcome.stopped)
        self._new_sweep = True
        editing.keep_sweep(self.doc, kept)  # the document tells the panel (sweepsChanged)

    def _on_failed(self, message: str) -> None:
        self._job_done()
        self._show(self.shown)
        self._say_error(f"The sweep could not run: {message}")

    # -- showing ------------------------------------------------------------------------------

    def _on_sweeps_changed(self) -> None:
        sweeps = self.doc.sweeps
        new = self._new_sweep
        self._new_sweep = False
        self.sweep_box.blockSignals(True)
        self.sweep_box.clear()
        for sweep in sweeps:
            self.sweep_box.addItem(
                f"{sweep.describe()} · {whole_percent(sweep.converged_fraction)} converged"
            )
        self.sweep_box.blockSignals(False)
        self.sweep_box.setVisible(len(sweeps) > 1)
        shown = self.shown
        if new or shown not in sweeps:  # a new sweep shows; so does the last when it went
            shown = sweeps[-1] if sweeps else None
            if shown is not None and not new:  # from a file: its settings, to run again
                self._fill_inputs(shown)
        self._show(shown)

    def _on_sweep_chosen(self, index: int) -> None:
        if 0 <= index < len(self.doc.sweeps):
            self._fill_inputs(self.doc.sweeps[index])
            self._show(self.doc.sweeps[index])

    def _fill_inputs(self, sweep: KeptSweep) -> None:
        """The fields as they were for ``sweep``: Run sweep runs it again."""
        rates = list(dict.fromkeys(sweep.learning_rates))
        self.set_inputs(
            seeds=spans(sweep.seeds),
            rates=", ".join(f"{r:g}" for r in rates) if len(rates) > 1 else "",
            epochs=min(max(sweep.epoch, 1), MAX_EPOCHS),
            target=f"{sweep.target:g}",
        )

    def _show(self, sweep: KeptSweep | None) -> None:
        if self.running:
            return  # the live fan is on show; the kept sweep comes when it ends
        changed = sweep is not self.shown
        if changed:
            self.selected = None
        self.shown = sweep
        self.fan.show_sweep(sweep, self.selected)
        self.histogram.show_sweep(sweep)
        self.histogram.select(self.selected)
        several = sweep is not None and sweep.several_rates
        self.summary_tabs.setTabVisible(1, several)
        self.summary_tabs.tabBar().setVisible(several)  # one tab needs no tab bar
        self.rates_plot.show_sweep(sweep if several else None)
        if changed:  # a learning-rate sweep opens on its curve against the rate
            self.summary_tabs.setCurrentIndex(1 if several else 0)
        self.rates_plot.select(self.selected)
        self.export_button.setEnabled(sweep is not None)
        if sweep is not None:
            index = self.doc.sweeps.index(sweep) if sweep in self.doc.sweeps else -1
            self.sweep_box.setCurrentIndex(index)
        self.summary_label.setText(_summary(sweep))
        self.summary_label.setToolTip(CLICK_HINT if sweep is not None else "")
        if self.selected is None:
            self._say("")

    # -- runs and export ----------------------------------------------------------------------

    def load_run(self, k: int) -> bool:
        """Put run ``k`` of the sweep shown into the editor as it ended (undoably)."""
        sweep = self.shown
        if sweep is None or self.running or not 0 <= k < sweep.n_networks:
            return False
        if not editing.load_sweep_run(self.doc, sweep, k):
            return False
        self.selected = k
        self.fan.select(k)
        self.histogram.select(k)
        self.rates_plot.select(k)
        loss = sweep.final_losses[k]
        self._say(
            f"Loaded {sweep.run_name(k)}: final loss {loss:.4g}, {sweep.outcome(k)}. "
            "Ctrl+Z brings the previous network back."
        )
        return True

    def export_csv(self, path: str | None = None) -> bool:
        """Write the sweep shown as CSV (asking where when ``path`` is None); an error is
        shown in a dialog. False when nothing was written."""
        sweep = self.shown
        if sweep is None:
            self.show_error("Nothing to export yet", "Run a sweep first.")
            return False
        if path is None:
            path = self.ask_save_file("Export the sweep", "sweep.csv", CSV_FILTER)
            if not path:
                return False
        header, rows = sweep.table()
        try:
            write_csv(path, header, rows)
        except UnicodeError as exc:
            self.show_error("Cannot export", f"{path}\n\n{exc}")
            return False
        except OSError as exc:
            self.show_error("Cannot export", f"{path}\n\n{exc.strerror or exc}")
            return False
        self._say(f"Exported {Path(path).name}")
        return True

    def _ask_save_file(self, title: str, suggested: str, filters: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(self, title, suggested, filters)
        return path or None

    def _show_error(self, title: str, text: str) -> None:
        QMessageBox.warning(self, title, text)


def _field(name: str, read):
    try:
        return read()
    except ConfigError as exc:
        raise ConfigError(f"{name}: {exc}") from None


def _summary(sweep: KeptSweep | None) -> str:
    """The converged fraction, and what did not converge, in a line or two."""
    if sweep is None:
        return "No sweep yet: choose seeds (and learning rates) and press Run sweep."
    n = sweep.n_networks
    converged = int(sweep.converged.sum())
    diverged = int(sweep.diverged.sum())
    stuck = n - converged - diverged
    text = f"<b>{converged:,} of {n:,} converged ({whole_percent(sweep.converged_fraction)})</b>"
    text += f"<br>below {sweep.target:g} in {sweep.epoch:,} epochs"
    if stuck:
        text += f" · {stuck:,} did not"
    if diverged:
        text += f" · {diverged:,} diverged"
    return text + (" · stopped early" if sweep.stopped else "")
