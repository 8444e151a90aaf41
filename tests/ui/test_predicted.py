"""The network's outputs on the dataset are computed once per change, for every view."""

import numpy as np

from bpdesk.core import Network, make_dataset
from bpdesk.ui.document import Document
from bpdesk.ui.panels.confusion import ConfusionPanel
from bpdesk.ui.panels.predictions import PredictionsPanel
from bpdesk.ui.predicted import predicted


def test_the_table_and_the_matrix_share_one_forward_pass_per_change(qtbot):
    data = make_dataset("blobs", n_samples=60, test_ratio=0.25, seed=0)
    net = Network.create([2, 5, data.n_outputs], activation="tanh", loss="ce", seed=0)
    doc = Document(net, data)
    calls = []
    predict = net.predict
    net.predict = lambda X: calls.append(len(X)) or predict(X)
    table, matrix = PredictionsPanel(doc), ConfusionPanel(doc)
    for panel in (table, matrix):
        qtbot.addWidget(panel)
        panel.show()
    calls.clear()
    doc.set_parameters(net.parameters * 0.5)
    table.refresh()
    matrix.refresh()
    assert calls == [60]  # training and test rows, once for both views
    outputs = predicted(doc)
    np.testing.assert_allclose(outputs.all, predict(np.concatenate([data.X_train, data.X_test])))
    assert outputs.train.shape[0] == data.n_train
    assert outputs.test.shape[0] == data.n_test
    assert int(matrix.counts.sum()) == data.n_test  # the test examples, by default
    doc.set_parameters(net.parameters * 2.0)
    matrix.refresh()
    assert calls == [60, 60]  # a change is computed again
