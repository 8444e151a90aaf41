"""The "The math" dock: the equations of the current network, with real numbers for a selection.

The text itself is built by :mod:`bpdesk.core.equations` (no Qt); this panel
only lays it out as simple HTML and keeps it up to date.
"""

from __future__ import annotations

import html

from PySide6.QtWidgets import QTextBrowser, QVBoxLayout, QWidget

from bpdesk.core.equations import Equations, Section, network_equations
from bpdesk.ui.document import Document
from bpdesk.ui.frames import READING
from bpdesk.ui.preferences import ViewPreferences

# A serif with the Greek letters, ∂, ⊙ and the subscript digits, like printed maths.
EQUATION_FONT = "'STIX Two Math', 'Cambria Math', 'DejaVu Serif', 'Times New Roman', serif"


class MathPanel(QWidget):
    """Shows the forward pass, loss, chain rule and update of the document's network.

    The equations follow the chosen layers, activations and loss; with a weight
    or bias selected, a last section fills them in with the engine's numbers
    for the selected example (or the mean over the training set), naming the
    parameter and the example exactly as the "Chain rule" dock does.
    """

    def __init__(
        self,
        doc: Document,
        parent: QWidget | None = None,
        *,
        prefs: ViewPreferences | None = None,
    ) -> None:
        super().__init__(parent)
        self.doc = doc
        self.prefs = prefs if prefs is not None else ViewPreferences(parent=self)
        self.equations: Equations | None = None
        self._html = ""
        self._dirty = False
        self._shown_selection = None
        self.browser = QTextBrowser()
        self.browser.setObjectName("mathBrowser")
        self.browser.setOpenLinks(False)
        self.browser.setToolTip(
            "The equations of this network: forward pass, loss, chain rule and update.\n"
            "Select a weight or bias to see them with its real numbers."
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.browser)
        # An edit shows at once; during training (up to 60 changes a second) twice
        # a second is slow enough to read the numbers.
        for signal in (
            doc.networkChanged,
            doc.parametersChanged,
            doc.selectionChanged,
            doc.sampleChanged,
            doc.settingsChanged,
            doc.datasetChanged,
            doc.outside.changed,
        ):
            signal.connect(self._request_refresh)
        self.prefs.changed.connect(self._on_preferences_changed)
        self._rebuild()

    # -- keeping up to date -------------------------------------------------------

    def _request_refresh(self) -> None:
        self.doc.frames.request(self.refresh, READING)

    def _on_preferences_changed(self) -> None:
        self.refresh()  # the notes in the palette's faint colour

    def refresh(self) -> None:
        """Rebuild the text now, or when the panel is next shown if it is hidden."""
        if self.isVisible():
            self._rebuild()
        else:
            self._dirty = True  # a dock tabbed away costs nothing until it is looked at

    def showEvent(self, event) -> None:
        """Catch up with changes made while the panel was hidden."""
        super().showEvent(event)
        if self._dirty:
            self._rebuild()

    def plain_text(self) -> str:
        """What the panel shows, as plain text (brought up to date first)."""
        self.doc.frames.flush(self.refresh)
        if self._dirty:
            self._rebuild()
        return self.browser.toPlainText()

    def _rebuild(self) -> None:
        self._dirty = False
        doc = self.doc
        X, T = doc.outside.arrays()  # what the network views show
        self.equations = network_equations(
            doc.network,
            doc.config.learning_rate,
            X,
            T,
            selected=doc.selected,
            optimizer=doc.config.optimizer,
            example=doc.outside.which(),  # named as the chain-rule dock names it
        )
        text = self._to_html(self.equations)
        if text == self._html:
            return
        self._html = text
        bar = self.browser.verticalScrollBar()
        position = bar.value()
        self.browser.setHtml(text)
        if doc.selected is not None and doc.selected != self._shown_selection:
            # A new selection: bring its numbers into view (they come last).
            self.browser.scrollToAnchor("selected")
        else:
            # Keep the reader's place: new numbers must not scroll back to the top.
            bar.setValue(position)
        self._shown_selection = doc.selected

    # -- layout -------------------------------------------------------------------

    def _to_html(self, equations: Equations) -> str:
        parts = [self._section_html(s) for s in equations.sections]
        if equations.numbers is None:
            faint = self.prefs.palette.faint_text
            parts.append(
                f"<p style='color:{faint}'>Click a weight (a line in the network) or a bias "
                "to see these equations with its real numbers filled in.</p>"
            )
        return "".join(parts)

    def _section_html(self, section: Section) -> str:
        faint = self.prefs.palette.faint_text
        out = [
            f"<a name='{section.key}'></a>"
            f"<h3 style='margin:10px 0 4px 0'>{html.escape(section.title)}</h3>"
        ]
        if section.intro:
            out.append(f"<p style='margin:0 0 4px 0'>{html.escape(section.intro)}</p>")
        for line in section.lines:
            out.append(
                f'<p style="margin:4px 0 0 12px; font-family:{EQUATION_FONT}; font-size:12pt">'
                f"{html.escape(line.text)}</p>"
            )
            if line.note:
                out.append(
                    f"<p style='margin:0 0 2px 28px; color:{faint}; font-size:9pt'>"
                    f"{html.escape(line.note)}</p>"
                )
        return "".join(out)
