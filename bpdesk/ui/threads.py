"""Running a worker ``QObject`` on a thread of its own (training, gradient checks)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QThread


def worker_thread(worker: QObject, name: str) -> QThread:
    """A thread (not yet started) that runs ``worker.run`` and ends after ``worker.finished``.

    The worker moves to the thread and is deleted there when it ends. The caller
    connects the worker's other signals, keeps both objects, and starts the thread.
    """
    thread = QThread()
    thread.setObjectName(name)
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    # Direct: quit() is thread-safe, and a queued call would wait for a GUI
    # thread that may itself be waiting for this thread to end.
    worker.finished.connect(thread.quit, Qt.ConnectionType.DirectConnection)
    thread.finished.connect(worker.deleteLater)
    return thread
