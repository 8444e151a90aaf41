"""Injected backprop bugs: each fails the gradient check where it applies, and only there."""

import numpy as np
import pytest

from bpdesk.core import Network, gradient_check, xor
from bpdesk.core.bugs import BUGS, get_bug, reference_gradient


def _problems():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(16, 2))
    T = (rng.uniform(size=(16, 1)) > 0.5).astype(float)
    X3 = rng.normal(size=(16, 2))
    T3 = np.eye(3)[rng.integers(0, 3, size=16)]
    data = xor()
    return {
        "xor 2-2-1 sigmoid mse": (Network.create([2, 2, 1], seed=1), data.X_train, data.T_train),
        "xor, one example": (
            Network.create([2, 2, 1], seed=1),
            data.X_train[1:2],
            data.T_train[1:2],
        ),
        "2-5-4-1 tanh, sigmoid out": (Network.create([2, 5, 4, 1], activation="tanh"), X, T),
        "2-6-3 relu, softmax ce": (Network.create([2, 6, 3], activation="relu", loss="ce"), X3, T3),
        "2-4-1 sigmoid bce": (Network.create([2, 4, 1], loss="bce", seed=2), X, T),
        "2-3-1 linear hidden, bce": (
            Network.create([2, 3, 1], activation="linear", loss="bce"),
            X,
            T,
        ),
        "2-4-3 leaky relu, softmax mse": (
            Network((2, 4, 3), ("leaky_relu", "softmax"), loss="mse", seed=3),
            X3,
            T3,
        ),
        "10-8-6-1 tanh float32": (
            Network.create([10, 8, 6, 1], activation="tanh", dtype="float32", seed=4),
            rng.normal(size=(8, 10)),
            (rng.uniform(size=(8, 1)) > 0.5).astype(float),
        ),
    }


PROBLEMS = _problems()
CASES = [(bug, problem) for bug in BUGS for problem in PROBLEMS]


@pytest.mark.parametrize("problem", list(PROBLEMS))
def test_the_reference_backward_pass_is_the_engine_and_passes(problem):
    net, X, T = PROBLEMS[problem]
    assert np.allclose(reference_gradient(net, X, T), net.flat_gradient(X, T)[1], atol=1e-6)
    assert gradient_check(net, X, T).passed
    assert gradient_check(net, X, T, backprop=reference_gradient).passed


@pytest.mark.parametrize(("key", "problem"), CASES)
def test_a_bug_fails_the_check_exactly_where_it_applies(key, problem):
    bug = BUGS[key]
    net, X, T = PROBLEMS[problem]
    before = net.parameters.copy()
    result = gradient_check(net, X, T, backprop=bug)
    assert np.array_equal(net.parameters, before)  # the network is read, never changed
    if bug.applies(net, X):
        assert bug.why_not(net, X) == ""
        assert result.max_relative_error > 1e-3
        assert not result.passed
    else:
        # A mistake in code the network never runs changes nothing: the check says so.
        assert bug.why_not(net, X)
        assert result.passed


def test_every_bug_applies_to_some_problem_and_has_a_title_and_one_sentence():
    for bug in BUGS.values():
        assert any(bug.applies(net, X) for net, X, _ in PROBLEMS.values()), bug.key
        assert bug.title
        assert len(bug.title) < 50
        assert bug.explanation.endswith(".")
        assert bug.explanation.count(". ") == 0  # one sentence


def test_which_bugs_apply_where():
    def applies(key, problem):
        net, X, _ = PROBLEMS[problem]
        return get_bug(key).applies(net, X)

    assert applies("sigmoid_derivative", "xor 2-2-1 sigmoid mse")
    assert not applies("sigmoid_derivative", "2-6-3 relu, softmax ce")
    # bce cancels the output sigmoid's derivative; a hidden sigmoid still uses it.
    assert applies("sigmoid_derivative", "2-4-1 sigmoid bce")
    assert not applies("sigmoid_derivative", "2-3-1 linear hidden, bce")
    assert applies("tanh_derivative", "2-5-4-1 tanh, sigmoid out")
    assert not applies("tanh_derivative", "xor 2-2-1 sigmoid mse")
    assert not applies("sum_not_mean", "xor, one example")
    assert applies("sum_not_mean", "xor 2-2-1 sigmoid mse")
    assert not applies("mse_missing_half", "2-4-1 sigmoid bce")
    assert not applies("z_instead_of_a", "2-3-1 linear hidden, bce")
    # Without a batch, a bug that depends on it is assumed to apply.
    assert get_bug("sum_not_mean").applies(PROBLEMS["xor, one example"][0])


def test_the_sum_bug_is_the_mean_times_the_batch_size():
    net, X, T = PROBLEMS["xor 2-2-1 sigmoid mse"]
    assert np.allclose(get_bug("sum_not_mean")(net, X, T), len(X) * reference_gradient(net, X, T))


def test_the_bias_bug_zeroes_the_biases_only():
    net, X, T = PROBLEMS["2-5-4-1 tanh, sigmoid out"]
    right = reference_gradient(net, X, T)
    wrong = get_bug("bias_zero")(net, X, T)
    weights = net.weight_mask().astype(bool)
    assert np.array_equal(wrong[weights], right[weights])
    assert np.all(wrong[~weights] == 0)
    assert np.any(right[~weights] != 0)


def test_unknown_bugs_are_named_in_the_error():
    with pytest.raises(KeyError, match="sign_flipped"):
        get_bug("no such bug")
