"""The digit docks are in the window, behind tabs, listed in View → Panels."""

import numpy as np

from bpdesk.core import Network, make_dataset
from bpdesk.ui.commands import ReplaceDatasetCommand


def test_the_digit_docks_wait_behind_tabs_and_are_in_the_view_menu(window):
    for key, title in (
        ("pad", "Draw a digit"),
        ("mistakes", "Mistakes"),
        ("confusion", "Confusion"),
    ):
        dock = window.docks[key]
        assert dock.windowTitle() == title
        assert dock.toolTip()
        assert not window.panel_docks.is_built(key)  # built when first shown
        assert not dock.isVisible()  # the XOR network reads no digits: no tabs for them
        toggle = dock.toggleViewAction()
        assert toggle in window.panels_menu.actions()
        assert title in toggle.toolTip()


def test_the_pad_in_the_window_shows_its_drawing_in_the_network(window, qtbot):
    doc = window.doc
    data = make_dataset("digits")
    net = Network.create([64, 16, 10], activation="relu", loss="ce", seed=1)
    doc.push(ReplaceDatasetCommand(doc, data, net, "Use digits"))
    docks = window.docks
    # A network that reads digits brings its docks, as tabs beside the others; the pad
    # takes the output map's place, in front (the map cannot draw 64 inputs).
    assert all(docks[key].isVisible() for key in ("pad", "mistakes", "confusion"))
    assert docks["pad"] in window.tabifiedDockWidgets(docks["boundary"])
    assert docks["mistakes"] in window.tabifiedDockWidgets(docks["loss"])
    assert docks["confusion"] in window.tabifiedDockWidgets(docks["chain_rule"])
    assert not docks["loss"].visibleRegion().isEmpty()  # the loss stays in front
    window.show_dock("pad")
    pad = window.digit_pad_panel
    assert pad.isVisible()
    assert pad.message == ""
    pad.canvas.stroke([(128, 30), (128, 220)])
    assert doc.outside.example is not None
    qtbot.waitUntil(lambda: doc.is_fresh("forward"), timeout=2000)  # the editor asks for it
    np.testing.assert_allclose(doc.forward_state.activations[0], pad.current_input())
    window.show_dock("mistakes")
    gallery = window.mistakes_panel
    assert gallery.gallery.count() > 0
    window.show_dock("confusion")
    assert window.confusion_panel.counts.shape == (10, 10)


def test_the_digit_docks_go_when_the_network_stops_reading_digits(window):
    doc = window.doc
    doc.push(
        ReplaceDatasetCommand(
            doc, make_dataset("digits"), Network.create([64, 8, 10], loss="ce"), "Use digits"
        )
    )
    assert window.docks["pad"].isVisible()
    doc.undo()  # back to XOR
    assert not window.docks["pad"].isVisible()
    window.docks["pad"].show()  # View → Panels shows it any time: it explains itself
    window.restore_default_layout()
    assert not window.docks["pad"].isVisible()
    assert window.docks["loss"].isVisible()


def test_the_pad_takes_the_output_maps_place_while_the_network_reads_digits(window, qtbot):
    doc, docks = window.doc, window.docks
    doc.push(
        ReplaceDatasetCommand(
            doc, make_dataset("digits"), Network.create([64, 8, 10], loss="ce"), "Use digits"
        )
    )
    qtbot.waitUntil(lambda: not docks["pad"].visibleRegion().isEmpty(), timeout=2000)
    assert docks["pad"] in window.tabifiedDockWidgets(docks["boundary"])
    assert docks["boundary"].visibleRegion().isEmpty()  # behind the pad's tab
    doc.undo()  # back to XOR: the map is in front again, the pad gone
    assert not docks["pad"].isVisible()
    qtbot.waitUntil(lambda: not docks["boundary"].visibleRegion().isEmpty(), timeout=2000)
    doc.redo()
    window.restore_default_layout()  # Restore layout follows the network
    qtbot.waitUntil(lambda: not docks["pad"].visibleRegion().isEmpty(), timeout=2000)
    assert docks["pad"] in window.tabifiedDockWidgets(docks["boundary"])


def test_the_pad_puts_its_outputs_under_the_page_in_a_narrow_dock(qtbot):
    from bpdesk.ui.document import Document
    from bpdesk.ui.panels.digits.pad import WIDE_PAD, DigitPadPanel

    net = Network.create([64, 16, 10], activation="relu", output_activation="softmax", seed=1)
    pad = DigitPadPanel(Document(net, make_dataset("digits")))
    qtbot.addWidget(pad)
    pad.resize(WIDE_PAD + 50, 300)
    pad.show()
    qtbot.waitExposed(pad)
    assert pad.wide
    assert pad.plot.geometry().left() > pad.canvas.geometry().right()
    pad.resize(280, 480)
    qtbot.waitUntil(lambda: not pad.wide, timeout=2000)
    pad.layout().activate()
    qtbot.waitUntil(
        lambda: pad.plot.geometry().top() > pad.canvas.geometry().bottom(), timeout=2000
    )
    assert pad.minimumSizeHint().width() <= 280


def test_a_pad_built_after_an_example_was_shown_shows_it(qtbot):
    from bpdesk.ui.document import Document
    from bpdesk.ui.panels.digits.pad import DigitPadPanel

    net = Network.create([64, 16, 10], activation="relu", output_activation="softmax", seed=1)
    doc = Document(net, make_dataset("digits"))
    data = doc.dataset
    doc.outside.show(data.X_test[3], data.T_test[3], "test example 4")
    pad = DigitPadPanel(doc)
    qtbot.addWidget(pad)
    np.testing.assert_allclose(pad.current_input(), data.X_test[3])
    assert pad.target_box.value() == int(np.argmax(data.T_test[3]))
