"""Many networks of one architecture as stacks: the passes and optimisers of a sweep.

A stack of K networks keeps the layout of :mod:`bpdesk.core.network` with a
leading network axis: the parameters are one ``(K, n_parameters)`` array whose
rows are each network's :attr:`Network.parameters`, layer ``l``'s blocks are
``(K, n_in + 1, n_out)`` views of it, and a batch is ``(K, features, batch)``
(or ``(features, batch)`` when every network sees the same examples: it is
broadcast). Each pass is the same handful of NumPy calls as one network's,
with ``np.matmul`` over the stack where one network calls ``np.dot``: per
network the same arithmetic in the same order, so a network trained in a stack
is the network trained alone, to rounding. What one network's step costs in
calls (dispatch, not arithmetic, on small networks) is paid once for all K.

The optimisers repeat :mod:`bpdesk.core.optimizers` operation by operation,
with a learning rate per network (a ``(K, 1)`` column) where those take one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bpdesk.core.network import Network
from bpdesk.core.optimizers import Adam, OptimizerState


def stacked_blocks(network: Network, stack: np.ndarray) -> list[np.ndarray]:
    """Views of the rows of ``stack`` (``(K, n_parameters)``), laid out like ``network``'s
    parameters: one ``(K, n_in + 1, n_out)`` ``[W; b]`` block per layer."""
    blocks, start = [], 0
    for wb in network.blocks_of(network.parameters):
        rows, cols = wb.shape
        blocks.append(stack[:, start : start + rows * cols].reshape(len(stack), rows, cols))
        start += rows * cols
    return blocks


class StackedWorkspace:
    """Buffers for K networks on batches of one size, and the passes that fill them.

    As :class:`bpdesk.core.network.Workspace`, with a leading network axis:
    ``a[l]`` is ``(K, n_l + 1, batch)`` with its ones row, ``h[l]`` the same
    without it, ``z[l]`` and ``delta[l]`` are ``(K, n_{l+1}, batch)``. The input
    ``a[0]`` comes with each call.
    """

    def __init__(self, template: Network, blocks: list[np.ndarray], batch: int) -> None:
        dtype = template.dtype
        sizes = template.layer_sizes
        k = blocks[0].shape[0]
        self.batch = batch
        self._acts = template.activation_functions
        self._loss = template.loss_function
        self._bias = template.has_bias
        self.a: list[np.ndarray] = [np.ones((sizes[0] + 1, 0), dtype)]
        self.a += [np.ones((k, n + 1, batch), dtype) for n in sizes[1:-1]]
        self.a.append(np.empty((k, sizes[-1], batch), dtype))
        self.h = [self.a[0][:-1]] + [a[:, :n] for a, n in zip(self.a[1:], sizes[1:])]
        self.z: list[np.ndarray] = []
        for l, act in enumerate(self._acts):
            linear = act.name == "linear"  # z is the activation: one buffer, no copy
            self.z.append(self.h[l + 1] if linear else np.empty((k, sizes[l + 1], batch), dtype))
        self.delta = [np.empty((k, n, batch), dtype) for n in sizes[1:]]
        self.tmp = [np.empty((k, n, batch), dtype) for n in sizes[1:]]
        n = len(self._acts)
        # Bound once, as Workspace does: the passes run thousands of times a second.
        self._forward_plan = [
            (
                blocks[l].transpose(0, 2, 1),
                self.z[l],
                self.h[l + 1],
                self.a[l + 1],
                self._acts[l].forward,
            )
            for l in range(n)
        ]
        self._backward_plan = [
            (
                l,
                self.a[l],
                blocks[l][:, :-1],
                self.delta[l],
                self.delta[l].transpose(0, 2, 1),
                self.delta[l - 1],
                self._acts[l - 1].backward,
                self.z[l - 1],
                self.h[l],
                self.tmp[l - 1],
            )
            for l in range(n - 1, 0, -1)
        ]
        self._delta0_t = self.delta[0].transpose(0, 2, 1)

    def forward(self, xa: np.ndarray) -> np.ndarray:
        """Run ``xa`` (``([K,] n_in + 1, batch)``, ones row last) forward; return ``ŷ`` ``(K, n_out, batch)``."""
        self.a[0] = a = xa
        matmul = np.matmul
        for wb_t, z, h, a_next, activate in self._forward_plan:
            matmul(wb_t, a, out=z)  # zᵀ = [W; b]ᵀ·[a; 1] for each network
            activate(z, h)
            a = a_next
        return a

    def backward(self, t: np.ndarray, grads: list[np.ndarray]) -> None:
        """Backpropagate targets ``t`` (``([K,] n_out, batch)``) after :meth:`forward`;
        write each network's batch-*summed* ``[∂W; ∂b]`` into ``grads`` (``(K, n_in + 1, n_out)``)."""
        last = len(self._acts) - 1
        self._loss.output_delta(
            self.a[-1], t, self.z[last], self._acts[last], self.delta[last], self.tmp[last]
        )
        matmul = np.matmul
        for l, a, w, d, d_t, prev, backward, z_prev, h_prev, tmp in self._backward_plan:
            matmul(a, d_t, out=grads[l])  # [∂W; ∂b] = [a; 1]·δᵀ
            matmul(w, d, out=prev)  # ∂L/∂a below = W·δ
            backward(prev, z_prev, h_prev, tmp)
        matmul(self.a[0], self._delta0_t, out=grads[0])
        if not self._bias:
            for g in grads:
                g[:, -1] = 0.0


class StackedOptimizer:
    """One optimiser for K networks, each with its own learning rate.

    ``step(params, grad_sum, batch)`` updates the ``(K, n_parameters)`` stack in
    place from its batch-summed gradient (which it may overwrite), operation by
    operation as :mod:`bpdesk.core.optimizers` updates one network.
    """

    name = "sgd"
    buffer_names: tuple[str, ...] = ()

    def __init__(
        self, shape: tuple[int, int], dtype: np.dtype, learning_rates: np.ndarray, momentum: float
    ) -> None:
        self.steps = 0
        self.momentum = momentum
        self._dtype = dtype
        self._rates = np.asarray(learning_rates, dtype=np.float64).reshape(-1, 1)
        for key in self.buffer_names:
            setattr(self, key, np.zeros(shape, dtype))
        self._per_batch: dict[int, np.ndarray] = {}
        self._mu = np.array(momentum, dtype)

    def keep(self, rows: np.ndarray) -> None:
        """Go on with only the networks ``rows`` (a boolean mask or indices) selects."""
        self._rates = self._rates[rows]
        self._per_batch.clear()
        for key in self.buffer_names:
            setattr(self, key, getattr(self, key)[rows])

    def state(self, row: int) -> OptimizerState:
        """Network ``row``'s optimiser memory, as :meth:`Optimizer.state` gives one network's."""
        buffers = {key: getattr(self, key)[row] for key in self.buffer_names}
        return OptimizerState(self.name, self.steps, buffers)

    def _rate_over(self, batch: int) -> np.ndarray:
        # η/batch per network, rounded to the network's type as a 0-d array of it would be.
        c = self._per_batch.get(batch)
        if c is None:
            c = self._per_batch[batch] = (self._rates / batch).astype(self._dtype)
        return c

    def step(self, params: np.ndarray, grad_sum: np.ndarray, batch: int) -> None:
        """``w ← w − η·∂L/∂w`` for every network."""
        self.steps += 1
        np.multiply(grad_sum, self._rate_over(batch), grad_sum)
        np.subtract(params, grad_sum, params)


class StackedMomentum(StackedOptimizer):
    """Momentum as :class:`bpdesk.core.optimizers.Momentum`: ``v ← μ·v + ∂L/∂w``, ``w ← w − η·v``."""

    name = "momentum"
    buffer_names = ("velocity",)
    velocity: np.ndarray

    def step(self, params: np.ndarray, grad_sum: np.ndarray, batch: int) -> None:
        self.steps += 1
        v = self.velocity
        np.multiply(v, self._mu, out=v)
        np.multiply(grad_sum, np.array(1.0 / batch, self._dtype), out=grad_sum)
        np.add(v, grad_sum, out=v)
        np.multiply(v, self._rate_over(1), out=grad_sum)
        np.subtract(params, grad_sum, out=params)


class StackedAdam(StackedOptimizer):
    """Adam as :class:`bpdesk.core.optimizers.Adam` (β₁ = 0.9, β₂ = 0.999, ε = 1e-8)."""

    name = "adam"
    buffer_names = ("m", "v")
    m: np.ndarray
    v: np.ndarray

    def __init__(
        self, shape: tuple[int, int], dtype: np.dtype, learning_rates: np.ndarray, momentum: float
    ) -> None:
        super().__init__(shape, dtype, learning_rates, momentum)
        self._tmp = np.zeros(shape, dtype)
        self._step_rate64 = np.empty_like(self._rates)

    def keep(self, rows: np.ndarray) -> None:
        super().keep(rows)
        self._tmp = self._tmp[rows]
        self._step_rate64 = self._step_rate64[rows]

    def step(self, params: np.ndarray, grad_sum: np.ndarray, batch: int) -> None:
        self.steps += 1
        dtype = self._dtype
        g, m, v, tmp = grad_sum, self.m, self.v, self._tmp
        b1, b2 = Adam.beta1, Adam.beta2
        np.multiply(g, np.array(1.0 / batch, dtype), out=g)
        np.multiply(m, np.array(b1, dtype), out=m)
        np.multiply(g, np.array(1 - b1, dtype), out=tmp)
        np.add(m, tmp, out=m)
        np.multiply(g, g, out=tmp)
        np.multiply(tmp, np.array(1 - b2, dtype), out=tmp)
        np.multiply(v, np.array(b2, dtype), out=v)
        np.add(v, tmp, out=v)
        c1 = 1 - b1**self.steps
        c2 = 1 - b2**self.steps
        np.multiply(v, 1.0 / c2, out=tmp)
        np.sqrt(tmp, out=tmp)
        np.add(tmp, Adam.eps, out=tmp)
        np.divide(m, tmp, out=tmp)
        # η/c₁ per network: divided in float64 as Python divides, then rounded to the type.
        np.divide(self._rates, c1, out=self._step_rate64)
        np.multiply(tmp, self._step_rate64.astype(dtype, copy=False), out=tmp)
        np.subtract(params, tmp, out=params)


_STACKED = {cls.name: cls for cls in (StackedOptimizer, StackedMomentum, StackedAdam)}


def make_stacked_optimizer(
    name: str,
    shape: tuple[int, int],
    dtype: np.dtype,
    learning_rates: Sequence[float] | np.ndarray,
    momentum: float = 0.9,
) -> StackedOptimizer:
    """A fresh optimiser (``sgd momentum adam``) for a ``(K, n_parameters)`` stack."""
    return _STACKED[name](shape, dtype, np.asarray(learning_rates, dtype=np.float64), momentum)
