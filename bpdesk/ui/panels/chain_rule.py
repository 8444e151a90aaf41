"""The "Chain rule" dock: how the selected weight's gradient is computed, with real numbers."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QLabel, QTextBrowser, QVBoxLayout, QWidget

from bpdesk.core import ChainRule, explain_weight
from bpdesk.core.chainrule import neuron_name
from bpdesk.ui import theme
from bpdesk.ui.document import Document
from bpdesk.ui.throttle import Throttle

MAX_SHOWN_TERMS = 24


class ChainRulePanel(QWidget):
    """Explains ``∂L/∂w`` of the selected weight (or bias) for the selected sample."""

    def __init__(self, doc: Document, parent=None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.rule: ChainRule | None = None
        self.title = QLabel()
        self.title.setObjectName("chainTitle")
        self.title.setWordWrap(True)
        theme.style(self.title, "font-weight: bold; font-size: 11pt;")
        self.result = QLabel()
        self.result.setObjectName("chainResult")
        self.result.setWordWrap(True)
        theme.style(self.result, "font-size: 11pt;")
        self.browser = QTextBrowser()
        self.browser.setOpenLinks(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.browser, 1)
        layout.addWidget(self.result)
        # Selecting is immediate; value changes (up to 60 a second while training)
        # are throttled: the explanation is re-laid out as rich text each time.
        self._throttle = Throttle(self._on_changed, 200, self)
        doc.selectionChanged.connect(self._on_changed)
        for signal in (
            doc.parametersChanged,
            doc.networkChanged,
            doc.sampleChanged,
            doc.datasetChanged,
        ):
            signal.connect(self._throttle.request)
        theme.signals.changed.connect(self.refresh_theme)
        self._showing_help = False
        self._on_changed()

    def refresh_theme(self) -> None:
        """Write the explanation again in the current colours and decimals."""
        self._showing_help = False
        self._on_changed()

    def _on_changed(self) -> None:
        doc = self.doc
        if doc.selected is None:
            self.rule = None
            if self._showing_help:
                return
            self._showing_help = True
            self.title.setText("Chain rule")
            self.browser.setHtml(
                "<p>Click any weight (a line in the network) to see how backprop computes its "
                "gradient: the chain rule, with the network's real numbers.</p>"
                "<p>Click a bias value (under a neuron) to explain a bias.</p>"
            )
            self.result.setText("")
            return
        self._showing_help = False
        layer, i, j = doc.selected
        X, T = doc.dataset.X_train, doc.dataset.T_train
        self.rule = explain_weight(doc.network, X, T, layer, i, j, sample=doc.sample)
        self._show(self.rule)

    @property
    def final_value(self) -> float | None:
        """The gradient the panel ends with (None when nothing is selected)."""
        return None if self.rule is None else self.rule.total

    def _show(self, rule: ChainRule) -> None:
        doc = self.doc
        net = doc.network
        target = neuron_name(net, rule.layer + 1, rule.j)
        if rule.i is None:
            what = f"bias of {target}"
            value = float(net.biases[rule.layer][rule.j])
        else:
            source = neuron_name(net, rule.layer, rule.i)
            what = f"weight {source} → {target}"
            value = float(net.weights[rule.layer][rule.i, rule.j])
        if doc.sample is None:
            sample = f"mean over all {doc.dataset.n_train} training examples"
        else:
            x = ", ".join(theme.fmt(v, 2) for v in doc.dataset.X_train[doc.sample])
            sample = f"example {doc.sample + 1}: ({x})"
        self.title.setText(
            f"∂L/∂w for the {what} ({rule.parameter} = {theme.fmt(value)}) — {sample}"
        )
        parts = [f"<p style='color:{theme.current.faint_text}'>{self._intro(rule)}</p>"]
        parts.append(self._terms_table(rule))
        parts.append(f"<p><b>Blame.</b> {html.escape(rule.blame)}</p>")
        self.browser.setHtml("".join(parts))
        what = "bias" if rule.i is None else "weight"
        if rule.total == 0:
            effect = f"this {what} has no effect on the loss here"
        else:
            effect = (
                f"increasing this {what} {'increases' if rule.total > 0 else 'decreases'} the loss"
            )
        self.result.setText(
            f"∂L/∂w = <b>{theme.fmt(rule.total, 5)}</b>   "
            f"<span style='color:{theme.current.faint_text}'>(the number on the edge in the backward "
            f"view; {effect})</span>"
        )

    def _intro(self, rule: ChainRule) -> str:
        n_samples = len({t.sample for t in rule.terms})
        per_sample = "" if n_samples == 1 else f" for each of the {n_samples} examples"
        if rule.grouping == "paths":
            count = rule.n_paths
            paths = "the one path" if count == 1 else f"each of the {count} paths"
            return (
                "The chain rule multiplies the local slopes along "
                f"{paths} from the loss back to this parameter{per_sample}, "
                "then adds the products:"
            )
        if rule.grouping == "next-layer":
            return (
                f"There are {rule.n_paths:,} paths to the output; backprop has already summed those "
                "beyond the next layer into each neuron's δ = ∂L/∂z, so each term goes through one "
                f"neuron of the next layer{per_sample}:"
            )
        return (
            f"There are {rule.n_paths:,} paths to the output; backprop sums them all into δ = ∂L/∂z "
            f"of this neuron, so each term is δ × input{per_sample}:"
        )

    def _terms_table(self, rule: ChainRule) -> str:
        faint = theme.current.faint_text
        small = f"color:{faint}; font-size:9pt"
        lines = []
        for k, term in enumerate(rule.terms[:MAX_SHOWN_TERMS]):
            kind = "path" if rule.grouping == "paths" else "term"
            label = f"{kind} {k + 1}" if rule.sample is not None else f"ex. {term.sample + 1}"
            # Each factor keeps its symbol and value together; lines wrap between factors.
            factors = " × ".join(
                f"<nobr><span style='{small}'>{html.escape(f.symbol)}</span> {theme.fmt(f.value, 4)}</nobr>"
                for f in term.factors
            )
            lines.append(
                f"<p style='margin:3px 0'><span style='{small}'>{label}:</span> {factors} "
                f"<nobr>= <b>{theme.fmt(term.value, 5)}</b></nobr></p>"
            )
        hidden = len(rule.terms) - MAX_SHOWN_TERMS
        if hidden > 0:
            rest = sum(t.value for t in rule.terms[MAX_SHOWN_TERMS:])
            lines.append(f"<p>… and {hidden} more terms adding up to {theme.fmt(rest, 5)}</p>")
        count = len(rule.terms)
        lines.append(
            f"<p>Sum of {count} term{'s' if count != 1 else ''} = <b>{theme.fmt(rule.total, 5)}</b></p>"
        )
        if rule.terms:
            legend = "".join(
                f"<li><b>{html.escape(f.symbol)}</b> = {theme.fmt(f.value, 4)}: {html.escape(f.meaning)}</li>"
                for f in rule.terms[0].factors
            )
            lines.append(
                f"<p style='{small}'>In the first term:</p><ul style='{small}'>{legend}</ul>"
            )
        return "".join(lines)
