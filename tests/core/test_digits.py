"""The shipped handwritten digits: the UCI images exactly, their licence, a stratified split."""

import numpy as np
import pytest

from bpdesk.core import DatasetError, Network, TrainConfig, Trainer, make_dataset
from bpdesk.core.datasets import GENERATORS, stratified_split
from bpdesk.core.digits import DATA_FILE, LICENCE_FILE, digit_images
from bpdesk.paths import resource_path

# The UCI test set's images of each digit 0-9, as the dataset's own description counts them.
UCI_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def test_the_images_are_the_uci_test_set_scaled_to_0_1():
    pixels, labels = digit_images()
    assert pixels.shape == (1797, 64)
    assert labels.shape == (1797,)
    assert np.bincount(labels).tolist() == UCI_COUNTS
    assert pixels.min() == 0.0
    assert pixels.max() == 1.0
    # Counts 0..16 of a 4×4 block, divided by 16: exactly 17 levels.
    np.testing.assert_array_equal(np.unique(pixels * 16), np.arange(17))
    # The first image is a 0 (as in scikit-learn's copy): its top row is 0 0 5 13 9 1 0 0.
    assert labels[0] == 0
    np.testing.assert_array_equal(pixels[0, :8] * 16, [0, 0, 5, 13, 9, 1, 0, 0])
    assert not pixels.flags.writeable
    assert not labels.flags.writeable


def test_the_file_is_compact_and_its_attribution_and_licence_lie_beside_it():
    assert resource_path(*DATA_FILE).stat().st_size <= 100_000
    text = resource_path(*LICENCE_FILE).read_text(encoding="utf-8")
    assert "Alpaydin" in text
    assert "Kaynak" in text
    assert "UCI Machine Learning Repository" in text
    assert "Creative Commons Attribution 4.0 International Public License" in text
    assert "Section 3 - License Conditions." in text  # the licence's full text, not a link


def test_a_missing_file_is_a_dataset_error_naming_it(monkeypatch, tmp_path):
    from bpdesk.core import digits

    monkeypatch.setattr(digits, "resource_path", lambda *parts: tmp_path.joinpath(*parts))
    digits.digit_images.cache_clear()
    try:
        with pytest.raises(DatasetError, match=r"cannot read the shipped digits .*digits\.npz"):
            digits.digit_images()
    finally:
        digits.digit_images.cache_clear()


def test_digits_are_a_ten_class_dataset_with_a_stratified_split():
    data = make_dataset("digits", test_ratio=0.3, seed=0)
    assert data.kind == "multiclass"
    assert data.name == "digits"
    assert (data.n_inputs, data.n_outputs) == (64, 10)
    assert (data.n_train, data.n_test) == (1258, 539)  # round(1797 · 0.3) held out
    assert data.suggested_output() == ("softmax", "ce")
    for T in (data.T_train, data.T_test):
        assert set(np.unique(T)) == {0.0, 1.0}
        np.testing.assert_array_equal(T.sum(axis=1), 1.0)
    # Every digit is split 70/30 to within one image.
    train = np.bincount(data.labels(data.T_train), minlength=10)
    test = np.bincount(data.labels(data.T_test), minlength=10)
    np.testing.assert_array_equal(train + test, UCI_COUNTS)
    assert np.all(np.abs(test - 0.3 * np.array(UCI_COUNTS)) <= 1)
    # Nothing lost, nothing repeated: the split rearranges the 1,797 images.
    pixels, _ = digit_images()
    both = np.vstack([data.X_train, data.X_test])

    def images(rows):
        return sorted(map(bytes, np.rint(rows * 16).astype(np.uint8)))

    assert images(both) == images(pixels)


def test_the_seed_chooses_the_split_and_only_it():
    a = make_dataset("digits", test_ratio=0.2, seed=1)
    b = make_dataset("digits", test_ratio=0.2, seed=1)
    c = make_dataset("digits", test_ratio=0.2, seed=2)
    assert a.same_data(b)
    assert not np.array_equal(a.X_test, c.X_test)
    # Points and noise do not apply: the settings say what was used.
    d = make_dataset("digits", n_samples=50, noise=0.7, test_ratio=0.2, seed=1)
    assert d.same_data(a)
    assert (d.spec.n_samples, d.spec.noise, d.spec.test_ratio, d.spec.seed) == (1797, 0.0, 0.2, 1)
    assert GENERATORS["digits"].shipped
    assert not GENERATORS["blobs"].shipped


def test_without_a_test_ratio_every_image_trains():
    data = make_dataset("digits", test_ratio=0.0)
    assert (data.n_train, data.n_test) == (1797, 0)
    assert data.X_test.shape == (0, 64)


@pytest.mark.parametrize("ratio", [0.1, 0.25, 0.5, 0.9])
def test_a_stratified_split_holds_out_the_ratio_of_every_label(ratio):
    labels = np.repeat(np.arange(3), [5, 20, 75])
    X = np.arange(100.0)[:, None]
    T = np.eye(3)[labels]
    X_train, T_train, X_test, T_test = stratified_split(
        X, T, labels, ratio, np.random.default_rng(0)
    )
    assert len(X_test) == round(100 * ratio)
    held = np.bincount(T_test.argmax(axis=1), minlength=3)
    assert np.all(np.abs(held - ratio * np.array([5, 20, 75])) < 1)
    assert sorted(np.concatenate([X_train, X_test])[:, 0]) == list(range(100))
    # Rows keep their targets.
    np.testing.assert_array_equal(T_train.argmax(axis=1), labels[X_train[:, 0].astype(int)])


def test_a_small_network_learns_the_digits():
    data = make_dataset("digits", test_ratio=0.3, seed=0)
    net = Network.create([64, 32, 10], activation="relu", output_activation="softmax", loss="ce")
    config = TrainConfig(learning_rate=0.01, optimizer="adam", batch_size=32, epochs=5)
    snaps = list(Trainer(net, data, config).run())
    assert snaps[-1].test_accuracy > 0.85
