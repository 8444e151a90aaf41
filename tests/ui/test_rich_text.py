"""User text never reaches Qt as rich text (issue 13): names from files (CSV columns,
a dataset's title, a file's name) are shown as typed wherever the window shows them.

Each place is given names that would do something as HTML (an image, a heading, a
table, an entity) and must show them character for character.
"""

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from bpdesk.core import Network
from bpdesk.core.equations import Equations, Line, Section
from bpdesk.ui import editing
from bpdesk.ui.commands import ReplaceNetworkCommand
from bpdesk.ui.document import Document
from bpdesk.ui.panels.chain_rule import ChainRulePanel
from bpdesk.ui.panels.math import MathPanel

HOSTILE = ["<img src=x>", "<h1>big</h1>", "<table><tr><td>t</td></tr></table>", "a &amp; b"]


def escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@pytest.fixture(params=HOSTILE, ids=["img", "h1", "table", "entity"])
def name(request):
    return request.param


def _hostile_dataset(doc, name):
    data = doc.dataset
    features = (f"{name} one", f"{name} two")[: data.n_inputs]
    editing.change_dataset(doc, replace(data, title=f"{name} title", feature_names=features))


def test_the_math_panel_escapes_every_text_it_is_given(qtbot, name):
    doc = Document()
    panel = MathPanel(doc)
    qtbot.addWidget(panel)
    equations = Equations(
        sections=(Section("forward", name, (Line(f"z = {name}", name),), name),), numbers=None
    )
    page = panel._to_html(equations)
    assert name not in page
    assert page.count(escaped(name)) == 4
    panel.browser.setHtml(page)
    assert panel.browser.toPlainText().count(name) == 4  # shown as typed


def test_names_in_the_network_reach_both_panels_as_text(qtbot, monkeypatch, name):
    # Neurons are named by the network; were they ever named from a file (a CSV's
    # columns), both panels' HTML would carry them: they are escaped on the way.
    original = Network.neuron_name
    monkeypatch.setattr(Network, "neuron_name", lambda self, l, k: f"{name}{original(self, l, k)}")
    doc = Document()
    chain, math = ChainRulePanel(doc), MathPanel(doc)
    for panel in (chain, math):
        qtbot.addWidget(panel)
        panel.show()
    _hostile_dataset(doc, name)
    doc.select((0, 1, 0))
    qtbot.waitUntil(lambda: chain.rule is not None)
    qtbot.waitUntil(lambda: math.equations is not None and math.equations.numbers is not None)
    for page in (chain.browser.toHtml(), math.browser.toHtml()):
        assert escaped(name) in page
        assert "<img" not in page
        assert "<h1" not in page
    assert name in chain.plain_text()
    assert name in math.browser.toPlainText()
    assert chain.title.textFormat() == Qt.TextFormat.PlainText
    assert name in chain.title.text()


def test_the_decision_boundary_axes_and_loss_legend_show_names_as_typed(window, name):
    doc = window.doc
    _hostile_dataset(doc, name)
    window.show_dock("boundary")
    item = window.boundary_panel.plot.getPlotItem()
    for side, feature in (("bottom", f"{name} one"), ("left", f"{name} two")):
        label = item.getAxis(side).label  # pyqtgraph's axis label: a QGraphicsTextItem
        assert label.toPlainText().strip() == feature  # pyqtgraph adds a space for units
        assert escaped(name) in label.toHtml()


def test_notices_and_dialogs_show_file_names_as_typed(window, name):
    # A notice quoting a name (a refused CSV, an example not found) in the editor's toast.
    window.doc.notify(f"Cannot use that CSV file: {name}.csv")
    assert window.view.toast.textFormat() == Qt.TextFormat.PlainText
    assert window.view.toast.text().endswith(f"{name}.csv")
    # Every message box the file controller shows is plain text.
    box = window.files.message_box(
        "Cannot open the file", f"/tmp/{name}.bpnet", QMessageBox.Icon.Warning
    )
    assert box.textFormat() == Qt.TextFormat.PlainText
    assert box.text() == f"/tmp/{name}.bpnet"


def test_undo_and_recent_files_show_names_as_typed(window, tmp_path, name):
    from PySide6.QtGui import QTextDocument

    def tooltip_text(html_text: str) -> str:
        document = QTextDocument()
        document.setHtml(html_text)
        return document.toPlainText()

    doc = window.doc
    editing.change_dataset(doc, replace(doc.dataset, title=f"{name} & co"), f"Use {name} & co")
    actions = window.window_actions
    assert tooltip_text(actions.undo_short.toolTip()) == f"Undo Use {name} & co (Ctrl+Z)"
    assert actions.undo.text() == f"Undo Use {name} & co".replace("&", "&&")  # not a shortcut
    path = tmp_path / f"{name.replace('/', '_')} & more.bpnet"
    assert window.files.save_to(path)
    window.menus._fill_recent()
    (action,) = [a for a in window.menus.recent.actions() if a.toolTip()]
    assert tooltip_text(action.toolTip()) == str(path)
    assert action.text() == path.name.replace("&", "&&")


def test_a_replaced_network_keeps_the_escaping(qtbot, name):
    doc = Document()
    chain = ChainRulePanel(doc)
    qtbot.addWidget(chain)
    _hostile_dataset(doc, name)
    doc.push(ReplaceNetworkCommand(doc, Network.create([2, 3, 1], seed=1), "Replace"))
    doc.select((1, 2, 0))
    qtbot.waitUntil(lambda: chain.rule is not None)
    assert "<img" not in chain.browser.toHtml()


def test_the_loss_legend_names_a_run_by_its_data_as_typed(qtbot, window, name):
    # An earlier run on other data is named by that data's title in the legend (HTML).
    doc = window.doc
    _hostile_dataset(doc, name)
    window.trainer.step()
    qtbot.waitUntil(lambda: doc.epoch == 1 and window.trainer.state != "running")
    editing.change_dataset(doc, replace(doc.dataset, title="other data"))
    qtbot.waitUntil(lambda: len(doc.runs) == 1)
    panel = window.loss_panel
    assert panel.run_label(doc.runs[0]).endswith(f"· {name} title")
    labels = [label for _, label in panel.legend.items]
    assert any(f"{escaped(name)} title" in label.text for label in labels)
    assert not any("<img" in label.text or "<h1" in label.text for label in labels)
