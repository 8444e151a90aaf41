"""Exports: the network diagram, the plots, tables and data as files others can use.

Each function takes what it exports and a path, writes the file through a
temporary file renamed over it (a failed export leaves the file there as it was)
and raises ``OSError`` on failure; the window asks for paths and reports errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QImageWriter, QPainter
from PySide6.QtSvg import QSvgGenerator

from bpdesk.core.csv_export import write_csv
from bpdesk.core.export_torch import torch_script
from bpdesk.core.metrics import predicted_labels, target_labels
from bpdesk.core.run import RunSettings
from bpdesk.core.safe_files import atomic_path, replace_atomically
from bpdesk.ui.document import Document


def _suffix(path: str | Path) -> str:
    return Path(path).suffix.lower()


def _image_format(path: str | Path) -> bytes:
    """The image format the path's suffix names (PNG when Qt cannot write that one)."""
    suffix = _suffix(path).lstrip(".").encode()
    return suffix if suffix in QImageWriter.supportedImageFormats() else b"png"


def _render(scene, source: QRectF, path: str | Path, scale: float, title: str) -> None:
    """Paint ``source`` of a graphics scene into a PNG (``scale`` × its size) or an SVG.

    Through a temporary file beside ``path``, as Save writes: a picture that cannot be
    written (a full disk, a folder that refuses it) leaves the file there as it was.
    """
    with atomic_path(path) as tmp:
        _paint(scene, source, tmp, _suffix(path) == ".svg", _image_format(path), scale, title)


def _paint(scene, source: QRectF, tmp: Path, svg: bool, form: bytes, scale: float, title: str):
    size = QSize(max(1, int(source.width() * scale)), max(1, int(source.height() * scale)))
    if svg:
        target = QSvgGenerator()
        target.setFileName(str(tmp))
        target.setSize(size)
        target.setViewBox(QRectF(0, 0, size.width(), size.height()))
        target.setTitle(title)
    else:
        target = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
        target.fill(QColor(scene.backgroundBrush().color()))
    painter = QPainter(target)
    if not painter.isActive():  # an SVG file that cannot be opened for writing
        raise OSError(f"could not write {tmp.name}")
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        if svg:
            # An SVG has no background of its own; paint the scene's so dark themes read.
            painter.fillRect(QRectF(0, 0, size.width(), size.height()), scene.backgroundBrush())
        scene.render(
            painter,
            QRectF(0, 0, size.width(), size.height()),
            source,
            Qt.AspectRatioMode.KeepAspectRatio,
        )
    finally:
        painter.end()  # an SVG is written out as its painter ends
    if not svg and not target.save(str(tmp), form.decode()):
        raise OSError("the image could not be written")


def render_scene(scene, path: str | Path, scale: float = 2.0) -> None:
    """The network diagram as PNG (``scale`` × its size) or SVG, by the path's suffix."""
    source = scene.content_rect().adjusted(-80, -110, 260, 70)
    with scene.without_editing_controls():  # a picture of the network, not of the editor
        _render(scene, source, path, scale, "bpdesk network")


def export_plot(plot_widget, path: str | Path, min_width: int = 1200) -> None:
    """A pyqtgraph plot as PNG (at least ``min_width`` pixels wide) or SVG, by the path's suffix.

    Painted through Qt rather than pyqtgraph's exporters: its SVG exporter
    cannot parse the path data Qt 6.11 writes (pyqtgraph issue #3485).
    """
    scene = plot_widget.scene()
    if scene.backgroundBrush().style() == Qt.BrushStyle.NoBrush:
        background = plot_widget.backgroundBrush()
    else:
        background = scene.backgroundBrush()
    previous = scene.backgroundBrush()
    scene.setBackgroundBrush(background)
    source = plot_widget.getPlotItem().sceneBoundingRect()
    scale = max(2.0, min_width / max(source.width(), 1.0))
    try:
        _render(scene, source, path, scale, "bpdesk plot")
    finally:
        scene.setBackgroundBrush(previous)


def _write_csv(path: str | Path, header: list[str], rows) -> None:
    # Atomically, and with a quote before any text cell a spreadsheet would run as a
    # formula (a feature named "=HYPERLINK(...)"): see bpdesk.core.csv_export.
    write_csv(path, header, rows)


def _number(value) -> str:
    """Full precision, empty for missing (NaN/None)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return repr(float(value))


def export_history_csv(doc: Document, path: str | Path) -> None:
    """Loss and accuracy per epoch kept (every one of all but a very long run), up to the
    epoch the network is at (as Save keeps it)."""
    record = doc.history
    columns = (record.train_loss, record.test_loss, record.train_accuracy, record.test_accuracy)
    kept = record.kept
    # After a rewind, not the abandoned future.
    count = record.rows_through(min(len(record), doc.epoch))
    rows = ([int(kept[k]), *(_number(c[k]) for c in columns)] for k in range(count))
    _write_csv(path, ["epoch", "train_loss", "test_loss", "train_accuracy", "test_accuracy"], rows)


def export_dataset_csv(doc: Document, path: str | Path) -> None:
    """The data in the format ``bpdesk.core.load_csv`` reads: features, the target, the set.

    The ``set`` column (train/test) keeps the split when the file is imported again.
    """
    data = doc.dataset
    rows = []
    for name, X, T in (("train", data.X_train, data.T_train), ("test", data.X_test, data.T_test)):
        labels = data.labels(T) if data.kind == "multiclass" else T[:, 0]
        for x, t in zip(X, labels):
            rows.append(
                [
                    *(repr(float(v)) for v in x),
                    repr(float(t)) if data.kind == "regression" else int(t),
                    name,
                ]
            )
    _write_csv(path, [*data.feature_names, "target", "set"], rows)


def export_predictions_csv(doc: Document, path: str | Path) -> None:
    """Every example with its target, the network's output, the rounded answer and whether it is right."""
    data, net = doc.dataset, doc.network
    header = [*data.feature_names, "set"]
    header += (
        [f"target_{k + 1}" for k in range(data.n_outputs)] if data.n_outputs > 1 else ["target"]
    )
    header += (
        [f"output_{k + 1}" for k in range(data.n_outputs)] if data.n_outputs > 1 else ["output"]
    )
    if data.kind != "regression":
        header += ["predicted", "correct"]
    rows = []
    for name, X, T in (("train", data.X_train, data.T_train), ("test", data.X_test, data.T_test)):
        if not len(X):
            continue
        Y = net.predict(X)
        for k in range(len(X)):
            row = [*(repr(float(v)) for v in X[k]), name, *(repr(float(v)) for v in T[k])]
            row += [repr(float(v)) for v in Y[k]]
            if data.kind != "regression":
                guess = int(predicted_labels(Y[k : k + 1], data.kind)[0])
                truth = int(target_labels(T[k : k + 1], data.kind)[0])
                row += [guess, int(guess == truth)]
            rows.append(row)
    _write_csv(path, header, rows)


def export_gradcheck_csv(result, path: str | Path) -> None:
    """The gradient check, parameter by parameter."""
    rows = (
        [name, _number(b), _number(n), _number(e)]
        for name, b, n, e in zip(
            result.names, result.backprop, result.numerical, result.relative_errors
        )
    )
    _write_csv(path, ["parameter", "backprop", "numerical", "relative_error"], rows)


def export_gradient_flow_csv(doc: Document, path: str | Path) -> None:
    """‖∂L/∂W‖ of each weight layer per epoch, as recorded while training (empty: not measured)."""
    record = doc.gradient_history
    norms, kept = record.norms, record.kept
    net = doc.network
    count = record.rows_through(doc.epoch)
    columns = norms.shape[1] if norms.ndim == 2 else 0
    if columns != net.n_layers:
        count = 0  # recorded for another architecture: nothing that names these layers
    # Unmeasured epochs are NaN or 0 in the record: both are left empty.
    rows = ([int(kept[k]), *(_number(v) if v > 0 else "" for v in norms[k])] for k in range(count))
    header = ["epoch"] + [f"|dL/d{net.layer_name(k)}|" for k in range(net.n_layers)]
    _write_csv(path, header, rows)


def export_landscape_csv(landscape, parameter: str, path: str | Path) -> None:
    """The swept loss curve of one weight, with the current point and one step's landing.

    Columns: the weight's value, the loss there, and the tangent (the line
    through the current point with the backprop gradient as its slope).
    """
    rows = [
        [
            _number(w),
            _number(loss),
            _number(landscape.current_loss + landscape.slope * (w - landscape.current)),
            "",
        ]
        for w, loss in zip(landscape.values, landscape.losses)
    ]
    rows.append([_number(landscape.current), _number(landscape.current_loss), "", "current"])
    rows.append([_number(landscape.step_to), _number(landscape.step_loss), "", "after one step"])
    _write_csv(path, [parameter, "loss", "tangent", "point"], rows)


def export_torch_script(doc: Document, path: str | Path, epochs: int = 1000) -> None:
    """A standalone PyTorch script that rebuilds the network as it stands and trains it on
    the same data, going on as the window's run does.

    The script starts from the trainer state of the epoch the network is at (the
    optimiser's memory and the mini-batch shuffle), so its epochs are the window's
    next ones. After a rewind, while the settings are those the run went on with from
    there, it replays the run the window recorded, changes of learning rate and all
    (see :func:`learning_rates_after`), for at least as many epochs as that run went on.
    """
    schedule = learning_rates_after(
        doc.trained_with, doc.epoch, len(doc.history), doc.run_settings()
    )
    if schedule:
        epochs = max(epochs, len(doc.history) - doc.epoch)
    text = torch_script(
        doc.network,
        doc.dataset,
        doc.config,
        epochs=epochs,
        state=doc.trainer_state,
        learning_rates=schedule if len(schedule) > 1 else None,  # one rate: the settings'
    )
    # Through a temporary file: a script that cannot be written (a name that cannot be
    # encoded) leaves the file the user chose as it was, not emptied.
    replace_atomically(path, text)


def learning_rates_after(
    trained_with: Sequence[tuple[int, RunSettings]], epoch: int, recorded: int, now: RunSettings
) -> dict[int, float]:
    """The learning rates a run recorded up to epoch ``recorded`` went on with after
    ``epoch``, by epoch counted from there (1 is ``epoch + 1``): what the exported script
    replays. ``trained_with`` holds each setting and the epoch it came into force.

    Empty when there is nothing to replay, and the script trains at the settings of
    ``now``: the run was not recorded past ``epoch``, or the settings changed since it
    went on from there (as the window would train from there now). The rates are kept
    up to where the run changed optimiser or activation.
    """
    if recorded <= epoch:
        return {}
    schedule: dict[int, float] = {}
    for start, settings in trained_with:
        if start > recorded:
            break
        same = (settings.optimizer, settings.activation) == (now.optimizer, now.activation)
        if start <= epoch + 1:
            # In force at the first epoch replayed (the latest such entry wins).
            schedule = {1: settings.learning_rate} if same else {}
        elif not same:
            break  # the replay goes on as far as the run went with these settings
        else:
            schedule[start - epoch] = settings.learning_rate
    return schedule if schedule.get(1) == now.learning_rate else {}
