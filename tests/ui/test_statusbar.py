"""The status bar at 1024 pixels: long text is shortened with "…" and whole in its
tooltip, never widening the window; and it follows every change it reports."""

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument

from bpdesk.core import Network, make_dataset, xor
from bpdesk.ui import editing
from bpdesk.ui.commands import SetParameterCommand
from bpdesk.ui.document import Document
from bpdesk.ui.format import whole_percent
from bpdesk.ui.statusbar import MainStatusBar
from bpdesk.ui.training import TrainingController

WIDTH = 1024

LONG_TITLES = [
    "Measurements of the year 2024, cleaned, second version, from the lab's shared drive " * 3,
    "<h1>Spirals</h1> and <img src='/etc/hostname'> " * 4,
    "二つの渦巻き、ノイズあり、テストなし、" * 8,  # wide characters
    "x" * 10_000,
    "a title\nover\r\nthree lines\u2028and more " * 5,
]


def tooltip_text(widget) -> str:
    """What the tooltip shows, as the user reads it (Qt renders it as rich text)."""
    document = QTextDocument()
    document.setHtml(widget.toolTip())
    return document.toPlainText()


@pytest.fixture
def bar(qtbot):
    doc = Document(Network.create([2, 2, 1], seed=0), xor())
    status = MainStatusBar(doc, TrainingController(doc))
    qtbot.addWidget(status)
    status.resize(WIDTH, status.sizeHint().height())
    status.show()
    qtbot.waitExposed(status)
    return status


@pytest.mark.parametrize("title", LONG_TITLES, ids=["words", "markup", "wide", "10k", "lines"])
def test_a_long_title_is_shortened_and_whole_in_the_tooltip(qtbot, bar, title):
    editing.change_dataset(bar.doc, replace(bar.doc.dataset, title=title))
    label = bar.network_label
    qtbot.waitUntil(lambda: label.text().startswith(bar.doc.network.describe()))
    one_line = " ".join(title.splitlines())
    assert label.text().endswith(one_line)
    # It does not ask the window for more room than 1024 pixels leave it.
    assert bar.minimumSizeHint().width() <= WIDTH
    assert label.width() < label.fontMetrics().horizontalAdvance(label.text())
    assert label.is_elided()
    shown = label.shown_text()
    assert shown.endswith("…")
    assert label.text().startswith(shown[:-1])
    assert label.fontMetrics().horizontalAdvance(shown) <= label.contentsRect().width()
    # The tooltip holds it whole, as typed: markup shown, never obeyed.
    assert one_line in tooltip_text(label)
    assert "<img" not in label.toolTip().replace("&lt;img", "")
    assert bar.height() <= 2 * bar.fontMetrics().height() + 16  # one line, not three


def test_a_short_text_is_shown_whole_with_its_description(bar):
    label = bar.network_label
    assert not label.is_elided()
    assert label.shown_text() == label.text()
    assert tooltip_text(label) == "The network's shape and the dataset"


@pytest.mark.parametrize("length", [40, 400, 4000])
def test_a_long_message_is_shortened_and_whole_in_the_tooltip(bar, length):
    text = ("Applied gradients: the loss fell from 0.25 to 0.24. " * 100)[:length]
    bar.doc.notify(text)
    label = bar.message_label
    assert bar.currentMessage() == text
    assert label.text() == text
    assert label.width() > WIDTH // 3  # room for a message beside the labels
    if label.fontMetrics().horizontalAdvance(text) > label.contentsRect().width():
        assert label.shown_text().endswith("…")
        assert tooltip_text(label) == text
    else:
        assert label.shown_text() == text
    assert bar.minimumSizeHint().width() <= WIDTH
    bar.clearMessage()  # the message goes: so does what the label shows
    assert label.text() == ""
    assert label.shown_text() == ""


def test_qstatusbar_paints_no_message_of_its_own_under_the_label(bar):
    # The message is the label's to draw: QStatusBar's own would be clipped under it.
    bar.showMessage("x" * 300)
    rect_right = bar.message_label.geometry().left()
    assert rect_right <= 8  # QStatusBar draws its message only left of the first label


def expected_network(doc) -> str:
    return f"{doc.network.describe()}  ·  {doc.dataset.title or doc.dataset.name}"


def expected_epoch(doc, state: str) -> str:
    text = f"epoch {doc.epoch:,}"
    if 0 < doc.epoch <= len(doc.history):
        row = doc.epoch - 1
        accuracy = doc.history.train_accuracy[row]
        if accuracy == accuracy:
            text += f"  ·  accuracy {whole_percent(accuracy)}"
            test = doc.history.test_accuracy[row]
            if test == test:
                text += f" (test {whole_percent(test)})"
    return f"{state} · {text}" if state != "idle" else text


def _train(window, epochs):
    """Step ``epochs`` epochs, one at a time, as Step does; wait for each."""
    from pytestqt.qtbot import QtBot

    qtbot = QtBot(None)
    for _ in range(epochs):
        before = window.doc.epoch
        window.trainer.step()
        qtbot.waitUntil(lambda b=before: window.doc.epoch > b and window.trainer.state != "running")


CHANGES = {
    "activation": lambda w: editing.set_activation(w.doc, 0, "tanh"),
    "loss": lambda w: editing.set_loss(w.doc, "bce"),
    "neuron": lambda w: editing.add_neuron(w.doc, 1),
    "layer": lambda w: editing.insert_layer(w.doc, 1),
    "weight": lambda w: w.doc.push(SetParameterCommand(w.doc, (0, 0, 0), 0.5)),
    "dataset": lambda w: editing.change_dataset(w.doc, make_dataset("spiral", n_samples=40)),
    "title": lambda w: editing.change_dataset(w.doc, replace(w.doc.dataset, title="Mine")),
    "steps": lambda w: _train(w, 3),
    "reset": lambda w: (_train(w, 3), w.trainer.reset()),
    "rewind": lambda w: (_train(w, 3), w.trainer.pause(), w.doc.set_epoch(1)),
    "undo": lambda w: (editing.add_neuron(w.doc, 1), w.doc.undo_stack.undo()),
    "undo training": lambda w: (_train(w, 2), w.trainer.pause(), w.doc.undo_stack.undo()),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_the_status_bar_follows_every_change_it_reports(qtbot, window, change):
    window.resize(WIDTH, 700)
    bar = window.status_bar
    CHANGES[change](window)
    doc = window.doc

    def current() -> bool:
        state = window.trainer.state
        return bar.network_label.text() == expected_network(
            doc
        ) and bar.training_label.text() == expected_epoch(doc, state)

    qtbot.waitUntil(current, timeout=3000)
    assert window.width() <= WIDTH


def test_a_long_title_does_not_widen_the_window(qtbot, window):
    window.resize(WIDTH, 700)
    qtbot.wait(10)
    width = window.width()
    editing.change_dataset(window.doc, replace(window.doc.dataset, title=LONG_TITLES[0]))
    window.doc.notify(LONG_TITLES[1])
    qtbot.waitUntil(lambda: window.status_bar.network_label.text().endswith(LONG_TITLES[0]))
    qtbot.wait(50)
    assert window.width() == width
    assert window.minimumSizeHint().width() <= WIDTH
    assert Qt.TextFormat.PlainText == window.status_bar.network_label.textFormat()
