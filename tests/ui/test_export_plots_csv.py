"""The gradient-flow and error-landscape plots export their numbers as CSV too."""

import csv

import numpy as np
import pytest

from bpdesk.ui import exporting


def _rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_gradient_flow_csv_has_every_epochs_norm_per_layer(qtbot, window, tmp_path):
    doc = window.doc
    window.trainer.set_speed(100)
    window.trainer.start()
    qtbot.waitUntil(lambda: doc.epoch >= 5, timeout=10000)
    window.trainer.shutdown()
    exporting.export_gradient_flow_csv(doc, tmp_path / "flow.csv")
    rows = _rows(tmp_path / "flow.csv")
    net = doc.network
    assert rows[0] == ["epoch"] + [f"|dL/d{net.layer_name(k)}|" for k in range(net.n_layers)]
    assert len(rows) == doc.epoch + 1
    norms = doc.gradient_history.norms
    for k in (0, doc.epoch - 1):
        assert [float(v) for v in rows[k + 1][1:]] == list(norms[k])


def test_landscape_csv_is_the_curve_the_tangent_and_the_two_points(qtbot, window, tmp_path):
    doc = window.doc
    doc.select((1, 0, 0))
    window.show_dock("landscape")
    panel = window.landscape_panel
    qtbot.waitUntil(lambda: panel.landscape is not None, timeout=5000)
    scape = panel.landscape
    assert scape is not None
    exporting.export_landscape_csv(scape, "w(h1 → ŷ)", tmp_path / "scape.csv")
    rows = _rows(tmp_path / "scape.csv")
    assert rows[0] == ["w(h1 → ŷ)", "loss", "tangent", "point"]
    curve = rows[1 : 1 + len(scape.values)]
    assert np.allclose([float(r[0]) for r in curve], scape.values)
    assert np.allclose([float(r[1]) for r in curve], scape.losses)
    # The tangent passes through the current point with the backprop slope.
    w0, w1 = float(curve[0][0]), float(curve[-1][0])
    t0, t1 = float(curve[0][2]), float(curve[-1][2])
    assert (t1 - t0) / (w1 - w0) == pytest.approx(scape.slope)
    assert rows[-2][3] == "current"
    assert float(rows[-2][0]) == scape.current
    assert rows[-1][3] == "after one step"
    assert float(rows[-1][1]) == pytest.approx(scape.step_loss)


def test_the_exported_network_has_no_editing_buttons_and_the_editor_keeps_them(
    qtbot, tmp_path, monkeypatch
):
    # Reported: exported PNG/SVG showed the − + × buttons and the insert marks.
    from bpdesk.ui.document import Document
    from bpdesk.ui.editor.items import RoundButton
    from bpdesk.ui.editor.view import NetworkView

    view = NetworkView(Document())
    qtbot.addWidget(view)
    view.resize(800, 600)
    view.show()
    scene = view.network_scene
    buttons = [item for item in scene.items() if isinstance(item, RoundButton) and item.isVisible()]
    assert buttons  # the editor shows them
    painted = []
    paint = RoundButton.paint
    monkeypatch.setattr(
        RoundButton, "paint", lambda self, *args: (painted.append(self), paint(self, *args))
    )
    source = scene.content_rect().adjusted(-80, -110, 260, 70)
    exporting._render(scene, source, tmp_path / "editor.png", 1.0, "as on screen")
    assert painted  # a picture of the editor as it is has them ...
    painted.clear()
    exporting.render_scene(scene, tmp_path / "net.png")
    exporting.render_scene(scene, tmp_path / "net.svg")
    assert painted == []  # ... the exported network does not
    assert all(button.isVisible() for button in buttons)  # and the editor keeps them
    assert "Hidden" in (tmp_path / "net.svg").read_text()  # the headings stay


# -- pictures are written through a temporary file -------------------------------------------

PICTURES = ["Network diagram", "Loss plot", "Decision boundary"]


def _export(window, item: str, target) -> None:
    window.files.ask_save_file = lambda *a: str(target)
    action = next(a for a in window.export_menu.actions() if a.text().startswith(item))
    action.trigger()


@pytest.mark.parametrize("suffix", [".png", ".svg"])
@pytest.mark.parametrize("item", PICTURES)
def test_an_exported_picture_replaces_the_old_file_whole(window, tmp_path, item, suffix):
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / f"picture{suffix}"
    target.write_bytes(b"an older picture")
    target.chmod(0o640)
    _export(window, item, target)
    assert window.errors == []
    data = target.read_bytes()
    assert data.startswith(b"\x89PNG" if suffix == ".png" else b"<?xml")
    assert target.stat().st_mode & 0o777 == 0o640  # as Save: the old file's permissions
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no temporary left


def _half_written_png(self, path, *args):
    # The disk fills up half-way through the picture.
    with open(path, "wb") as f:
        f.write(b"\x89PNG half")
    return False


def _half_written_svg(self, painter, *args, **kwargs):
    # The drawing fails half-way: the SVG's file was opened, and is being written.
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize(("suffix", "failure"), [(".png", "save"), (".svg", "render")])
@pytest.mark.parametrize("item", PICTURES)
def test_a_picture_that_cannot_be_written_keeps_the_old_file(
    window, tmp_path, monkeypatch, item, suffix, failure
):
    # Reported: PNG/SVG exports were written straight over the file chosen.
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QGraphicsScene

    if failure == "save":
        monkeypatch.setattr(QImage, "save", _half_written_png)
    else:
        monkeypatch.setattr(QGraphicsScene, "render", _half_written_svg)
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / f"picture{suffix}"
    target.write_bytes(b"the picture that was there")
    _export(window, item, target)
    assert len(window.errors) == 1
    title, text = window.errors[0]
    assert title == "Cannot export"
    assert str(target) in text
    assert target.read_bytes() == b"the picture that was there"
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no temporary left
