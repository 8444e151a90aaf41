"""What a panel that runs one job at a time on the job runner (the gradient check, the
sweep, the race) does with it: Cancel, shutting down and closing, the progress bar. The
panel says what to show while its job stops and after it was cancelled (the hooks)."""

from __future__ import annotations

from PySide6.QtWidgets import QProgressBar, QPushButton

from bpdesk.ui.jobs import JobHandle


class JobPanel:
    """Mix into a panel (before ``QWidget``) that has ``job``, ``progress`` and
    ``cancel_button``; ``start_button`` (if any) is enabled again when the job ends."""

    job: JobHandle | None
    progress: QProgressBar
    cancel_button: QPushButton
    start_button: QPushButton | None = None

    def cancel(self) -> None:
        """Ask the running job to stop; it reports what it did so far."""
        if self.job is not None:
            self.job.request_stop()
            self.cancel_button.setEnabled(False)
            self._show_stopping()

    def shutdown(self) -> None:
        """Stop the running job and join its thread (nothing more of it is shown)."""
        self._cancel_running()

    def closeEvent(self, event) -> None:
        """A panel closed on its own (a floating dock, a test) joins its thread first."""
        self.shutdown()
        super().closeEvent(event)  # type: ignore[misc]  # the QWidget after this mixin

    def _cancel_running(self) -> None:
        """Stop the running job, wait for its thread, and forget what it may still send."""
        if self.job is None:
            return
        self.job.cancel(wait=True)
        self._job_done()
        self._show_cancelled()

    def _job_done(self) -> None:
        self.job = None
        self.progress.setVisible(False)
        if self.start_button is not None:
            self.start_button.setEnabled(True)
        self.cancel_button.setEnabled(False)

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setMaximum(total)
        self.progress.setValue(done)

    def _show_stopping(self) -> None:
        """Say that the job is stopping (Cancel was pressed)."""
        raise NotImplementedError

    def _show_cancelled(self) -> None:
        """Show the panel as it is after its job was cancelled and joined."""
        raise NotImplementedError
