"""The "Chain rule" dock: how the selected weight's gradient is computed, with real numbers.

Weights and biases are named as in the editor and "The math" dock, by the
neurons they join: ``w(x2 → h1)`` and ``b(h1)``
(:func:`bpdesk.core.chainrule.parameter_name`). Like "The math", the numbers
are those of the example chosen in the toolbar, or their mean over all
examples, and the title says which.
"""

from __future__ import annotations

import html
import math
from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocumentFragment
from PySide6.QtWidgets import QLabel, QTextBrowser, QVBoxLayout, QWidget

from bpdesk.core import ChainRule, explain_weight
from bpdesk.core.chainrule import (
    Factor,
    example_text,
    neuron_name,
    parameter_meaning,
    plural,
    precise_number,
)
from bpdesk.core.chainrule_paths import PathSummary, path_text, summarize_paths
from bpdesk.ui.document import Document
from bpdesk.ui.format import unbroken
from bpdesk.ui.frames import READING
from bpdesk.ui.preferences import ViewPreferences

MAX_SHOWN_TERMS = 24
MAX_LISTED_SUM = 8  # a mean of more products than this is shown by their sum


class ChainRulePanel(QWidget):
    """Explains ``∂L/∂w`` of the selected weight (or ``∂L/∂b`` of a bias) for the selected example."""

    def __init__(self, doc: Document, parent=None, *, prefs: ViewPreferences | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.prefs = prefs if prefs is not None else ViewPreferences(parent=self)
        self.rule: ChainRule | None = None
        # Every path summed at once, when there are too many to list (a big network).
        self.paths: PathSummary | None = None
        self.title = QLabel()
        self.title.setObjectName("chainTitle")
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.PlainText)  # names, never markup
        self.prefs.style(self.title, "font-weight: bold; font-size: 11pt;")
        self.result = QLabel()
        self.result.setObjectName("chainResult")
        self.result.setWordWrap(True)
        self.prefs.style(self.result, "font-size: 11pt;")
        self.browser = QTextBrowser()
        self.browser.setOpenLinks(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.browser, 1)
        layout.addWidget(self.result)
        # An edit or another example shows at once, in step with "The math";
        # while training (up to 60 changes a second) twice a second is slow enough to read.
        doc.selectionChanged.connect(self._on_changed)
        for signal in (
            doc.parametersChanged,
            doc.networkChanged,
            doc.sampleChanged,
            doc.datasetChanged,
            doc.outside.changed,
        ):
            signal.connect(self._request_changed)
        self.prefs.changed.connect(self._on_preferences_changed)
        # The last line points at the diagram's number, which a backward pass shows.
        doc.computedChanged.connect(self._on_computed)
        self._showing_help = False
        self._on_changed()

    def _on_preferences_changed(self) -> None:
        """Write the explanation again in the palette's colours and the decimals."""
        self._showing_help = False
        self._on_changed()

    def plain_text(self) -> str:
        """Title, explanation and result as plain text (brought up to date first)."""
        self.doc.frames.flush(self._on_changed)
        result = QTextDocumentFragment.fromHtml(self.result.text()).toPlainText()
        return "\n".join([self.title.text(), self.browser.toPlainText(), result])

    def _request_changed(self) -> None:
        self.doc.frames.request(self._on_changed, READING)

    def _on_changed(self) -> None:
        doc = self.doc
        if doc.selected is None:
            self.rule = self.paths = None
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
        # The example the network views show: a training row, their mean, or one from
        # outside the training set (a test image, a drawing), named as it is.
        X, T, sample = doc.outside.explained()
        rule = explain_weight(doc.network, X, T, layer, i, j, sample=sample)
        if doc.outside.example is not None:
            rule = replace(rule, examples=example_text(X[0], T[0], doc.outside.which()))
        self.rule, self.paths = rule, None
        if rule.grouping != "paths" and rule.n_paths > 1:
            self.paths = summarize_paths(doc.network, X, T, layer, i, j, sample=sample)
        self._show(self.rule)

    def _on_computed(self) -> None:
        if self.rule is not None:
            self._show_result(self.rule)

    @property
    def final_value(self) -> float | None:
        """The gradient the panel ends with (None when nothing is selected)."""
        return None if self.rule is None else self.rule.total

    def _show(self, rule: ChainRule) -> None:
        net = self.doc.network
        if rule.is_bias:
            value = float(net.biases[rule.layer][rule.j])
        else:
            value = float(net.weights[rule.layer][rule.i, rule.j])
        self.title.setText(f"{rule.derivative} — {unbroken(rule.examples)}")
        meaning = parameter_meaning(net, rule.layer, rule.i, rule.j)
        parts = [
            f"<p>{html.escape(meaning)}; it is now {self.prefs.fmt(value)}.</p>",
            f"<p style='color:{self.prefs.palette.faint_text}'>"
            f"{html.escape(self._intro(rule))}</p>",
            self._paths_html(self.paths, rule),
            self._terms_table(rule),
            f"<p><b>Blame.</b> {html.escape(rule.blame)}</p>",
        ]
        self.browser.setHtml("".join(parts))
        self._show_result(rule)

    def _show_result(self, rule: ChainRule) -> None:
        net = self.doc.network
        what = "bias" if rule.is_bias else "weight"
        if rule.total == 0:
            effect = f"this {what} has no effect on the loss here"
        else:
            effect = (
                f"increasing this {what} {'increases' if rule.total > 0 else 'decreases'} the loss"
            )
        if rule.is_bias:
            where = f"the ∂L/∂b under {neuron_name(net, rule.layer + 1, rule.j)}"
        else:
            where = "the number on this weight's line"
        # Before a backward pass the diagram has no gradients to point at yet.
        if self.doc.is_fresh("backward"):
            shown = f"{where} in the backward view"
        else:
            shown = f"{where} once the backward pass (F6) has run"
        self.result.setText(
            f"{html.escape(rule.derivative)} = <b>{self._total(rule.total)}</b>   "
            f"<span style='color:{self.prefs.palette.faint_text}'>({shown}; {effect})</span>"
        )

    def _paths_html(self, paths: PathSummary | None, rule: ChainRule) -> str:
        """Too many paths to list: how many, their total, and the few largest."""
        if paths is None:
            return ""
        net = self.doc.network
        n = paths.n_examples
        each = f", one for each path and each of the {n:,} examples," if n > 1 else ""
        head = (
            f"<p><b>All {paths.n_paths:,} paths at once.</b> The {paths.n_terms:,} "
            f"products{each} add up to {html.escape(rule.derivative)} = "
            f"<b>{self._total(paths.total)}</b>."
        )
        if not paths.largest:
            return head + " There are too many to multiply out one by one: backprop sums them.</p>"
        share = "each path's product averaged over the examples" if n > 1 else "its product"
        rows = "".join(
            f"<li>{html.escape(path_text(net, paths.layer, p.path))}: "
            f"<b>{self._total(p.value)}</b></li>"
            for p in paths.largest
        )
        return (
            f"{head} The {len(paths.largest)} largest paths ({share}):</p>"
            f"<ol style='margin-top:0'>{rows}</ol>"
            "<p>Backprop gets the same total without visiting each path:</p>"
        )

    def _intro(self, rule: ChainRule) -> str:
        n = rule.n_examples
        count = rule.n_paths
        paths = (
            "There is 1 path from the loss back to it"
            if count == 1
            else f"There are {count:,} paths from the loss back to it"
        )
        if rule.grouping == "paths":
            if count == 1:
                how = "The chain rule multiplies the local slopes along the path"
            else:
                how = "The chain rule multiplies the local slopes along each path and adds the products"
        elif rule.grouping == "next-layer":
            following = neuron_name(self.doc.network, rule.layer + 2, 0)
            how = (
                "Backprop has already summed the paths beyond the next layer into each of its "
                f"neurons' δ = ∂L/∂z, so each term goes through one neuron of that layer "
                f"({following}, …) and the terms add up"
            )
        else:
            target = neuron_name(self.doc.network, rule.layer + 1, rule.j)
            how = (
                f"Backprop sums them all into δ = ∂L/∂z of {target}, which leaves one "
                "product: δ × input"
            )
        if n > 1:
            how += (
                f", for each of the {n} examples; the gradient is the mean of the examples' "
                f"results (their sum ÷ {n})"
            )
        return f"{paths}. {how}:"

    def _label(self, rule: ChainRule, k: int) -> str:
        term = rule.terms[k]
        parts = []
        if rule.n_examples > 1:
            parts.append(f"ex. {term.sample + 1}")
        if rule.grouping == "paths" and rule.n_paths > 1:
            per_example = rule.n_paths
            parts.append(f"path {k % per_example + 1}")
        elif rule.grouping == "next-layer":
            parts.append(f"via {neuron_name(self.doc.network, rule.layer + 2, term.path[1])}")
        return ", ".join(parts) or ("path" if rule.grouping == "paths" else "term")

    # The factors carry a digit or two more than the diagram (at least 4 and 5
    # decimals), so that a learner can multiply them out and land on the total; a
    # preference for more decimals raises both.
    def _factor(self, value: float) -> str:
        return precise_number(value, max(self.prefs.decimals, 4))

    def _total(self, value: float) -> str:
        return precise_number(value, max(self.prefs.decimals + 1, 5))

    def _factor_html(self, f: Factor, small: str) -> str:
        symbol = html.escape(f.symbol)
        if f.constant:  # a bias's input 1: its symbol is its value, said once
            return f"<nobr>{symbol} <span style='{small}'>({html.escape(f.meaning)})</span></nobr>"
        return f"<nobr><span style='{small}'>{symbol}</span> {self._factor(f.value)}</nobr>"

    def _terms_table(self, rule: ChainRule) -> str:
        faint = self.prefs.palette.faint_text
        small = f"color:{faint}; font-size:9pt"
        n = rule.n_examples
        lines = []
        for k, term in enumerate(rule.terms[:MAX_SHOWN_TERMS]):
            # The mean's 1/n is applied once, at the end, not in every line.
            shown = term.factors[:-1] if n > 1 else term.factors
            # Each factor keeps its symbol and value together; lines wrap between factors.
            factors = " × ".join(self._factor_html(f, small) for f in shown)
            lines.append(
                f"<p style='margin:3px 0'><span style='{small}'>{self._label(rule, k)}:</span> "
                f"{factors} <nobr>= <b>{self._total(term.example_value)}</b></nobr></p>"
            )
        hidden = len(rule.terms) - MAX_SHOWN_TERMS
        if hidden > 0:
            rest = math.fsum(t.example_value for t in rule.terms[MAX_SHOWN_TERMS:])
            lines.append(
                f"<p>… and {plural(hidden, 'more product')} adding up to {self._total(rest)}</p>"
            )
        lines.append(f"<p>{self._total_line(rule)}</p>")
        if rule.terms:
            first = rule.terms[0].factors[:-1] if n > 1 else rule.terms[0].factors
            legend = "".join(
                f"<li><b>{html.escape(f.symbol)}</b>"
                + ("" if f.constant else f" = {self._factor(f.value)}")
                + f": {html.escape(f.meaning)}</li>"
                for f in first
            )
            where = "In the first line" if len(rule.terms) > 1 else "The factors"
            lines.append(f"<p style='{small}'>{where}:</p><ul style='{small}'>{legend}</ul>")
        return "".join(lines)

    def _total_line(self, rule: ChainRule) -> str:
        """How the lines above make the gradient: it is the product, a sum, or a mean."""
        name = html.escape(rule.derivative)
        total = f"{name} = <b>{self._total(rule.total)}</b>"
        count, n = len(rule.terms), rule.n_examples
        if n == 1:
            if count == 1:
                return f"This product is the gradient: {total}"
            what = "paths" if rule.grouping == "paths" else "terms"
            return f"Adding the {count:,} {what}: {total}"
        values = [t.example_value for t in rule.terms]
        if count <= MAX_LISTED_SUM:
            terms = " + ".join(
                f"({self._total(v)})" if self._total(v).startswith("−") else self._total(v)
                for v in values
            )
            summed = f"({terms})"
        else:
            summed = f"(the sum of the {count:,} products, {self._total(math.fsum(values))})"
        return f"The mean over the {n} examples: {summed} ÷ {n} = {total}"
