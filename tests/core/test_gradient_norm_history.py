"""The gradient-flow record in a file: saved with the loss, thinned alike, checked on load."""

import json

import numpy as np
import pytest

from bpdesk.core import BpnetDocument, Network, xor
from bpdesk.core.bpnet import GRADIENT_NORM_NUMBERS, dumps, loads
from bpdesk.core.errors import FileFormatError
from bpdesk.core.loss_history import LossHistory


def rows_and_norms(epochs, layers, seed=0):
    rng = np.random.default_rng(seed)
    rows = np.full((4, epochs), np.nan)
    rows[0] = rng.uniform(0, 1, epochs)
    norms = rng.uniform(0, 2, (epochs, layers))
    norms[: epochs // 3] = np.nan  # measured only from an edit on
    return rows, norms


def document(history, sizes=(2, 3, 1)):
    return BpnetDocument(Network.create(list(sizes), seed=0), xor(), history=history)


def test_norms_round_trip_through_a_file_entry_for_entry_with_the_loss():
    rows, norms = rows_and_norms(30, 2)
    history = LossHistory.from_rows(rows, 1000, norms)
    back = loads(dumps(document(history))).history
    np.testing.assert_array_equal(back.gradient_norms_per_epoch(), norms)
    np.testing.assert_array_equal(back.per_epoch()[0], rows[0])


def test_a_long_run_keeps_norms_on_the_same_epochs_as_the_loss():
    rows, norms = rows_and_norms(1000, 2)
    history = LossHistory.from_rows(rows, 64, norms)
    assert history.every == 16
    kept = [*range(15, 1000, 16), 999]  # every 16th epoch and the last
    assert history.train_loss == rows[0, kept].tolist()
    for layer in range(2):
        expected = [None if np.isnan(v) else v for v in norms[kept, layer]]
        assert history.gradient_norms[layer] == expected
    thinner = history.thinned(20)
    assert [len(n) for n in thinner.gradient_norms] == [len(thinner.train_loss)] * 2
    stretched = thinner.gradient_norms_per_epoch()
    assert stretched.shape == (1000, 2)
    assert stretched[-1, 0] == norms[-1, 0]


def test_an_epoch_appended_without_norms_records_none_for_each_layer():
    rows, norms = rows_and_norms(4, 2)
    history = LossHistory.from_rows(rows, 100, norms)
    history.append(0.5)
    assert [n[-1] for n in history.gradient_norms] == [None, None]
    assert [len(n) for n in history.gradient_norms] == [5, 5]


def test_a_deep_network_is_thinned_harder_when_it_has_norms():
    layers = 17
    epochs = 2 * GRADIENT_NORM_NUMBERS // layers
    rows = np.zeros((4, epochs))
    rows[1:] = np.nan
    history = LossHistory.from_rows(rows, 10 * epochs, np.ones((epochs, layers)))
    sizes = (2, *[3] * (layers - 1), 1)
    saved = json.loads(dumps(document(history, sizes)))["history"]
    numbers = sum(len(n) for n in saved["gradient_norms"])
    assert numbers <= GRADIENT_NORM_NUMBERS
    assert len(saved["train_loss"]) == len(saved["gradient_norms"][0])


def test_a_file_without_norms_is_written_as_before():
    rows, _ = rows_and_norms(10, 2)
    text = dumps(document(LossHistory.from_rows(rows, 100)))
    assert "gradient_norms" not in text
    assert loads(text).history.gradient_norms == []


def saved_with(change):
    rows, norms = rows_and_norms(6, 2)
    data = json.loads(dumps(document(LossHistory.from_rows(rows, 100, norms))))
    change(data["history"]["gradient_norms"])
    return json.dumps(data)


@pytest.mark.parametrize(
    ("change", "where", "says"),
    [
        (lambda n: n.pop(), "history.gradient_norms", "expected 2 entries, got 1"),
        (lambda n: n.append(n[0]), "history.gradient_norms", "expected 2 entries, got 3"),
        (lambda n: n[1].pop(), "history.gradient_norms[1]", "expected 6 entries, got 5"),
        (lambda n: n[0].__setitem__(4, -1.0), "history.gradient_norms[0][4]", "negative"),
        (lambda n: n[0].__setitem__(3, "big"), "history.gradient_norms[0][3]", "number"),
        (lambda n: n.__setitem__(0, {"a": 1}), "history.gradient_norms[0]", "a list"),
    ],
)
def test_norms_that_do_not_fit_the_network_or_the_loss_are_refused(change, where, says):
    with pytest.raises(FileFormatError) as refused:
        loads(saved_with(change))
    assert where in str(refused.value)
    assert says in str(refused.value)


def test_infinite_norms_are_refused_too():
    text = saved_with(lambda n: n[0].__setitem__(5, 1e999))
    with pytest.raises(FileFormatError, match=r"history\.gradient_norms\[0\]"):
        loads(text.replace("Infinity", "1e999"))
