"""The view onto the network scene: zoom, fit, palette drops, inline value editing, notices."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QDoubleValidator, QPainter
from PySide6.QtWidgets import QFrame, QGraphicsView, QLabel, QLineEdit

from bpdesk.ui import editing
from bpdesk.ui.document import Document, Parameter
from bpdesk.ui.editor.scene import PALETTE_MIME, NetworkScene
from bpdesk.ui.frames import NUMBERS
from bpdesk.ui.jobs import PaintsAlone
from bpdesk.ui.preferences import ViewPreferences
from bpdesk.ui.widgets import fit_text

MIN_SCALE, MAX_SCALE = 0.15, 4.0
# A diagram with blocks may be shown smaller: its pictures and cells need no text to be
# read, and a 784-128-64-10 network must fit a small window's editor whole.
BLOCKS_MIN_SCALE = 0.06
FIT_MAX_SCALE = 2.0  # a tiny network is not blown up beyond this when fitted
# Room (left, right, top, bottom, in pixels) for what keeps its size on screen:
# input names, output notes and the loss, the banner and the layer headings.
FIT_MARGINS = (48, 250, 118, 44)


class NetworkView(PaintsAlone, QGraphicsView):
    """Shows the :class:`NetworkScene`; refits itself until the user zooms by hand."""

    def __init__(self, doc: Document, parent=None, *, prefs: ViewPreferences | None = None) -> None:
        self.doc = doc
        self.network_scene = NetworkScene(doc, prefs=prefs)
        super().__init__(self.network_scene, parent)
        self.prefs = self.network_scene.prefs  # the scene's own when none is given
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.BoundingRectViewportUpdate)
        self.setFrameShape(QFrame.Shape.NoFrame)
        # Panning is by dragging the background; scroll bars would only take room.
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setAcceptDrops(True)
        self.setToolTip("")
        self._auto_fit = True
        self._editor: QLineEdit | None = None
        self._editing: Parameter | None = None

        self.banner = QLabel(self)
        self.banner.setObjectName("modeBanner")
        self.banner.setWordWrap(True)
        self._on_preferences_changed()
        self.toast = QLabel(self)
        self.toast.setObjectName("toast")
        self.toast.setStyleSheet(
            "QLabel#toast { background: #3b3f47; color: white; border-radius: 6px; padding: 6px 12px; }"
        )
        self.toast.setWordWrap(True)  # a long notice wraps within the editor (see _place_overlays)
        # A notice may quote a name from a file (a CSV's column, a file's name): as typed.
        self.toast.setTextFormat(Qt.TextFormat.PlainText)
        self.toast.hide()
        self._toast_timer = QTimer(self)
        self._toast_timer.setSingleShot(True)
        self._toast_timer.timeout.connect(self.toast.hide)

        self.network_scene.editRequested.connect(self.edit_value)
        doc.networkChanged.connect(self._on_network_changed)
        doc.modeChanged.connect(self._update_banner)
        # "Out of date" follows the diagram's values, at the diagram's pace.
        doc.computedChanged.connect(self._request_banner)
        doc.message.connect(self.show_toast)
        self.prefs.changed.connect(self._on_preferences_changed)
        self._update_banner()

    def _on_preferences_changed(self) -> None:
        """Colours of the overlays from the palette."""
        colors = self.prefs.palette
        back = QColor(colors.background)
        back.setAlpha(230)
        self.banner.setStyleSheet(
            f"QLabel#modeBanner {{ background: rgba({back.red()},{back.green()},{back.blue()},230);"
            f" border: 1px solid {colors.grid}; border-radius: 6px; padding: 4px 10px;"
            f" color: {colors.text}; }}"
        )

    # -- zoom -----------------------------------------------------------------

    def fit_network(self) -> None:
        """Fit the whole network in the view (Ctrl+0), leaving room for headings and notes."""
        self._auto_fit = True
        rect = self.network_scene.content_rect().adjusted(0, -12, 0, 26)  # bias values below
        viewport = self.viewport().rect()
        if rect.isEmpty() or viewport.isEmpty():
            return
        left, right, top, bottom = FIT_MARGINS
        width = max(viewport.width() - left - right, 50)
        height = max(viewport.height() - top - bottom, 50)
        scale = min(width / rect.width(), height / rect.height(), FIT_MAX_SCALE)
        scale = max(scale, self.min_scale)
        # Where the network's centre should appear, in viewport pixels.
        want_x = left + width / 2
        want_y = top + height / 2
        center = rect.center() + QPointF(
            (viewport.width() / 2 - want_x) / scale, (viewport.height() / 2 - want_y) / scale
        )
        self.resetTransform()
        self.scale(scale, scale)
        self.centerOn(center)
        self.network_scene.set_view_scale(scale)

    @property
    def auto_fit(self) -> bool:
        """True while the view keeps the whole network in sight as it resizes
        (until the user zooms; Ctrl+0 turns it back on)."""
        return self._auto_fit

    @property
    def value_editor(self) -> QLineEdit | None:
        """The small editor open over a weight or bias (see :meth:`edit_value`), or None."""
        return self._editor

    @property
    def min_scale(self) -> float:
        """The smallest zoom: smaller for a diagram with blocks (see BLOCKS_MIN_SCALE)."""
        return BLOCKS_MIN_SCALE if self.network_scene.compact.blocks else MIN_SCALE

    def zoom(self, factor: float) -> None:
        """Zoom by ``factor`` around the mouse (or the centre), within limits."""
        current = self.transform().m11()
        factor = max(self.min_scale / current, min(MAX_SCALE / current, factor))
        self._auto_fit = False
        self.scale(factor, factor)
        self.network_scene.set_view_scale(self.transform().m11())

    def zoom_to(self, scale: float, center: QPointF) -> None:
        """Show the scene at ``scale`` (1 = actual size) around ``center``."""
        self._auto_fit = False
        scale = max(self.min_scale, min(MAX_SCALE, scale))
        self.resetTransform()
        self.scale(scale, scale)
        self.centerOn(center)
        self.network_scene.set_view_scale(scale)

    def wheelEvent(self, event) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom(1.15**steps)
        event.accept()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._auto_fit:
            self.fit_network()
        self._place_overlays()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._auto_fit:
            self.fit_network()

    def _on_network_changed(self) -> None:
        # The scene has rebuilt itself already (it connected first).
        if self._auto_fit:
            self.fit_network()
        self.cancel_edit()
        self._update_banner()  # blocks may have come or gone

    # -- overlays --------------------------------------------------------------

    def _request_banner(self) -> None:
        self.doc.frames.request(self._update_banner, NUMBERS)

    def _update_banner(self, *_) -> None:
        doc = self.doc
        # With blocks, the numbers are colours in cells and bands, not numbers on lines.
        blocks = bool(self.network_scene.compact.blocks)
        where = ("neurons and cells", "lines and bands") if blocks else ("neurons", "lines")
        if doc.mode == "forward":
            text = f"Forward view — activations in the {where[0]}, weights on the {where[1]}"
        else:
            text = f"Backward view — δ = ∂L/∂z in the {where[0]}, ∂L/∂w on the {where[1]}"
        shown = doc.outside.example
        if shown is not None:
            text += f", for {shown.name}"
        elif doc.sample is None:
            # Otherwise 0.500 in every input reads like an example the network was given.
            text += f", each the mean over all {doc.dataset.n_train} examples"
        if doc.mode == "forward":
            if not doc.is_fresh("forward"):
                text += "   ·   values out of date: run the forward pass (F5)"
        elif doc.backward_state is None:
            text += "   ·   run the backward pass (F6) to compute them"
        elif not doc.is_fresh("backward"):
            text += "   ·   values out of date: run the backward pass (F6)"
        self.banner.setText(text)
        self._place_overlays()

    def _place_overlays(self) -> None:
        # The banner wraps rather than run off the editor's edge, where its last
        # words (what to press) were cut off in a narrow window.
        fit_text(self.banner, self.width() - 20)
        self.banner.move(10, 8)
        if self.toast.isVisible():
            fit_text(self.toast, self.width() - 32)
            self.toast.move(
                (self.width() - self.toast.width()) // 2, self.height() - self.toast.height() - 16
            )

    def show_toast(self, text: str) -> None:
        """A short notice at the bottom of the editor that fades after a few seconds."""
        self.toast.setText(text)
        self.toast.show()
        self.toast.raise_()
        self._place_overlays()
        self._toast_timer.start(4500)

    # -- inline editing ------------------------------------------------------------

    def edit_value(self, parameter: Parameter, scene_pos: QPointF) -> None:
        """Open a small editor over the weight or bias to type a new value."""
        self.cancel_edit()
        editor = QLineEdit(self.viewport())
        editor.setObjectName("valueEditor")
        editor.setValidator(QDoubleValidator(-1e6, 1e6, 12, editor))
        value = self.doc.parameter_value(parameter)
        editor.setText(repr(round(value, 6)))
        editor.selectAll()
        editor.setFixedWidth(110)
        editor.setToolTip("Type a value and press Enter (Esc cancels)")
        point = self.mapFromScene(scene_pos)
        editor.move(point.x() - 55, point.y() - 12)
        editor.returnPressed.connect(self.commit_edit)
        editor.installEventFilter(self)
        editor.show()
        editor.setFocus()
        self._editor, self._editing = editor, parameter

    def commit_edit(self) -> bool:
        """Take the typed value (a bad value keeps the editor open with a message)."""
        if self._editor is None:
            return False
        text = self._editor.text().replace("−", "-").replace(",", ".")
        try:
            value = float(text)
        except ValueError:
            self._editor.setStyleSheet("border: 2px solid #e15759;")
            self.show_toast(f"{text!r} is not a number")
            return False
        parameter = self._editing
        if not editing.set_value(self.doc, parameter, value):
            self._editor.setStyleSheet("border: 2px solid #e15759;")
            return False
        self.cancel_edit()
        return True

    def cancel_edit(self) -> None:
        """Close the inline editor without changing anything."""
        if self._editor is not None:
            editor, self._editor, self._editing = self._editor, None, None
            editor.hide()
            editor.deleteLater()

    def eventFilter(self, obj, event) -> bool:
        if obj is self._editor:
            if event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Escape:
                self.cancel_edit()
                return True
            if event.type() == QEvent.Type.FocusOut:
                QTimer.singleShot(0, self.cancel_edit)
        return super().eventFilter(obj, event)

    # -- drops from the palette --------------------------------------------------------

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasFormat(PALETTE_MIME):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event) -> None:
        if event.mimeData().hasFormat(PALETTE_MIME):
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event) -> None:
        mime = event.mimeData()
        if not mime.hasFormat(PALETTE_MIME):
            super().dropEvent(event)
            return
        kind = bytes(mime.data(PALETTE_MIME)).decode()
        pos = self.mapToScene(event.position().toPoint())
        self.network_scene.drop_palette_item(kind, pos)
        event.acceptProposedAction()

    def visible_scene_rect(self) -> QRectF:
        """The part of the scene on screen."""
        return self.mapToScene(self.viewport().rect()).boundingRect()
