"""The feed-forward network: parameters, forward pass with its cache, backward pass.

Public arrays are batch-as-rows: ``X`` is ``(batch, n_in)``, layer ``l``'s
weights are ``(n_in, n_out)`` and ``z = x @ W + b``.

Inside, to make the training step a handful of BLAS calls on preallocated
buffers, two things differ (and nothing outside this module and
:mod:`bpdesk.core.training` needs to know):

* a batch is stored feature-major, ``(features, batch)``, with an extra row of
  ones under every layer's activations;
* each layer's weights and bias live together in one ``(n_in + 1, n_out)``
  block whose last row is the bias, so ``zᵀ = [W; b]ᵀ · [a; 1]`` is a single
  ``np.dot`` and so is the gradient ``[∂W; ∂b] = [a; 1] · δᵀ``.

All blocks are views into one flat vector, :attr:`Network.parameters`, which
is what optimisers and the gradient check work on. ``weights[l]`` and
``biases[l]`` are views of the blocks, so writing into them changes the
network.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from bpdesk.core.activations import Activation, get_activation
from bpdesk.core.errors import ConfigError
from bpdesk.core.initializers import DEFAULT_INIT, get_initializer
from bpdesk.core.losses import Loss, check_output, default_output_activation, get_loss

DTYPES = {"float64": np.float64, "float32": np.float32}
Parameter = tuple[int, int | None, int]  # (weight layer, i or None for a bias, j)


# The most rows :meth:`Network.predict` runs forward at once (see there).
PREDICT_ROWS = 4096


class ParameterList(Sequence[np.ndarray]):
    """The weights (or biases) of every layer, as live, writable views.

    ``net.weights[0][1, 2] = 0.5`` and ``net.weights[0] = new_array`` both
    change the network; the number of layers is fixed (architecture edits
    build a new :class:`Network`).
    """

    def __init__(self, arrays: list[np.ndarray]) -> None:
        self._arrays = arrays

    @overload
    def __getitem__(self, index: int) -> np.ndarray: ...

    @overload
    def __getitem__(self, index: slice) -> list[np.ndarray]: ...

    def __getitem__(self, index: int | slice) -> np.ndarray | list[np.ndarray]:
        return self._arrays[index]

    def __len__(self) -> int:
        return len(self._arrays)

    def __iter__(self) -> Iterator[np.ndarray]:
        return iter(self._arrays)

    def __setitem__(self, index: int, value: npt.ArrayLike) -> None:
        target = self._arrays[index]
        array = np.asarray(value, dtype=target.dtype)
        if array.shape != target.shape:
            raise ValueError(f"expected an array of shape {target.shape}, got {array.shape}")
        np.copyto(target, array)

    def __repr__(self) -> str:
        return f"ParameterList({self._arrays!r})"


def augment(X: npt.ArrayLike, dtype: npt.DTypeLike = np.float64) -> np.ndarray:
    """Batch-as-rows ``(batch, n)`` → feature-major ``(n + 1, batch)`` with a row of ones."""
    rows = np.asarray(X, dtype=dtype)
    if rows.ndim == 1:
        rows = rows[None, :]
    xa = np.ones((rows.shape[1] + 1, rows.shape[0]), dtype=dtype)
    xa[:-1] = rows.T
    return xa


class Workspace:
    """Preallocated buffers for one batch size, and the passes that fill them.

    ``a[l]`` is layer ``l``'s activations ``(n_l + 1, batch)`` with the ones row
    (``a[0]`` is the input, supplied per call, and has no columns until then);
    ``h[l]`` is the same without the ones row (``h[0]`` is an empty placeholder:
    the input is ``a[0][:-1]``); ``z[l]`` and ``delta[l]`` belong to weight layer ``l``
    (``(n_{l+1}, batch)``). ``delta`` holds each sample's own ``∂Lₙ/∂z``, so a
    gradient computed from it is the *sum* over the batch.
    """

    def __init__(self, network: Network, batch: int) -> None:
        dtype = network.dtype
        sizes = network.layer_sizes
        n_layers = len(sizes) - 1
        self.batch = batch
        self._wb = network._wb
        self._wb_t = [wb.T for wb in network._wb]
        self._w = [wb[:-1] for wb in network._wb]
        self._acts = network.activation_functions
        self._loss = network.loss_function
        self._bias = network.has_bias
        # Hidden layers keep a ones row under their activations; the output does not.
        self.a = [np.ones((sizes[0] + 1, 0), dtype)]  # the input: forward() brings it
        self.a += [np.ones((n + 1, batch), dtype) for n in sizes[1:-1]]
        self.a.append(np.empty((sizes[-1], batch), dtype))
        self.h = [np.empty((sizes[0], 0), dtype)] + [
            a[: sizes[i + 1]] for i, a in enumerate(self.a[1:])
        ]
        self.z: list[np.ndarray] = []
        for l in range(n_layers):
            # A linear layer's z *is* its activation: share the buffer, skip the copy.
            linear = self._acts[l].name == "linear"
            self.z.append(self.h[l + 1] if linear else np.empty((sizes[l + 1], batch), dtype))
        self.delta = [np.empty((n, batch), dtype) for n in sizes[1:]]
        self.tmp = [np.empty((n, batch), dtype) for n in sizes[1:]]
        self._plan()

    def _plan(self) -> None:
        # Everything each layer's step touches, bound once: the passes below run
        # thousands of times a second on tiny arrays, where Python's attribute
        # lookups would otherwise cost as much as the arithmetic.
        n = len(self._acts)
        self._forward_plan = [
            (self._wb_t[l], self.z[l], self.h[l + 1], self.a[l + 1], self._acts[l].forward)
            for l in range(n)
        ]
        self._backward_plan = [
            (
                l,
                self.a[l],
                self._w[l],
                self.delta[l],
                self.delta[l - 1],
                self._acts[l - 1].backward,
                self.z[l - 1],
                self.h[l],
                self.tmp[l - 1],
            )
            for l in range(n - 1, 0, -1)
        ]

    def forward(self, xa: np.ndarray) -> np.ndarray:
        """Run the batch ``xa`` (``(n_in + 1, batch)``, ones row last) forward; return ``ŷ`` feature-major."""
        self.a[0] = a = xa
        dot = np.dot
        for wb_t, z, h, a_next, activate in self._forward_plan:
            dot(wb_t, a, z)  # zᵀ = [W; b]ᵀ·[a; 1]: (n_out, n_in+1)·(n_in+1, batch)
            activate(z, h)
            a = a_next
        return a

    def backward(self, t: np.ndarray, grads: list[np.ndarray]) -> None:
        """Backpropagate from targets ``t`` (``(n_out, batch)``) after :meth:`forward`.

        Writes the batch-*summed* gradient of every ``[W; b]`` block into ``grads``.
        """
        last = len(self._acts) - 1
        self._loss.output_delta(
            self.a[-1], t, self.z[last], self._acts[last], self.delta[last], self.tmp[last]
        )
        dot = np.dot
        for l, a, w, d, prev, backward, z_prev, h_prev, tmp in self._backward_plan:
            dot(a, d.T, grads[l])  # [∂W; ∂b] = [a; 1]·δᵀ: (n_in+1, batch)·(batch, n_out)
            dot(w, d, prev)  # ∂L/∂a below = W·δ: (n_in, n_out)·(n_out, batch)
            backward(prev, z_prev, h_prev, tmp)  # ∂L/∂z below = ∂L/∂a ⊙ f'(z)
        np.dot(self.a[0], self.delta[0].T, out=grads[0])
        if not self._bias:
            for g in grads:
                g[-1] = 0.0  # no biases: nothing to learn there, they stay at 0


@dataclass(frozen=True, eq=False)
class Evaluation:
    """Every layer's values for a batch, batch-as-rows, in arrays nobody else holds.

    ``activations[0]`` is the input ``(batch, n_in)``, ``activations[-1]`` the
    output; ``zs[l]`` is weight layer ``l``'s weighted sum ``(batch, n_{l+1})``.
    """

    activations: tuple[np.ndarray, ...]
    zs: tuple[np.ndarray, ...]
    loss: float | None = None  # the batch-mean loss, when targets were given

    @property
    def output(self) -> np.ndarray:
        """The network's output ``(batch, n_out)``."""
        return self.activations[-1]


@dataclass(frozen=True, eq=False)
class Backpropagation:
    """A backward pass over a batch, batch-as-rows, in arrays nobody else holds.

    ``deltas[l]`` is each sample's own ``δ = ∂Lₙ/∂z`` for weight layer ``l``,
    ``(batch, n_{l+1})``: the batch-mean loss's δ is their sum over the batch
    divided by its size. ``weight_grads[l]`` ``(n_l, n_{l+1})`` and
    ``bias_grads[l]`` ``(n_{l+1},)`` are the gradients of the batch-mean loss,
    views of ``gradient``, which is laid out like :attr:`Network.parameters`.
    """

    loss: float
    deltas: tuple[np.ndarray, ...]
    weight_grads: tuple[np.ndarray, ...]
    bias_grads: tuple[np.ndarray, ...]
    gradient: np.ndarray


@dataclass(frozen=True)
class ForwardCache:
    """What a forward pass remembers for the backward pass, batch-as-rows.

    ``activations[0]`` is the input, ``activations[-1]`` the output; ``zs[l]``
    is the weighted sum of weight layer ``l``. After :meth:`Network.backward`,
    ``deltas[l]`` holds each sample's ``∂Lₙ/∂z`` for weight layer ``l``.
    """

    workspace: Workspace

    @property
    def activations(self) -> list[np.ndarray]:
        ws = self.workspace
        return [ws.a[0][:-1].T] + [h.T for h in ws.h[1:]]

    @property
    def zs(self) -> list[np.ndarray]:
        return [z.T for z in self.workspace.z]

    @property
    def output(self) -> np.ndarray:
        return self.workspace.a[-1].T

    @property
    def deltas(self) -> list[np.ndarray]:
        return [d.T for d in self.workspace.delta]


class Network:
    """A fully connected feed-forward network with one activation per layer.

    Build one with :meth:`create`. ``weights[l]`` has shape
    ``(layer_sizes[l], layer_sizes[l + 1])``, ``biases[l]`` has shape
    ``(layer_sizes[l + 1],)``. A network made with ``bias=False`` (the
    explainer's one-weight model ``ŷ = w·x``) keeps its biases at 0: they are
    not parameters, get no gradient and are left out of :attr:`n_parameters`.
    """

    def __init__(
        self,
        layer_sizes: Sequence[int],
        activations: Sequence[str],
        loss: str = "mse",
        init: str = DEFAULT_INIT,
        seed: int = 0,
        dtype: str = "float64",
        parameters: np.ndarray | None = None,
        bias: bool = True,
    ) -> None:
        self.layer_sizes = _check_sizes(layer_sizes)
        self.has_bias = bool(bias)
        self.activations = tuple(activations)
        if len(self.activations) != len(self.layer_sizes) - 1:
            raise ConfigError(
                f"{len(self.layer_sizes) - 1} weight layers need as many activations, "
                f"got {len(self.activations)}"
            )
        acts = tuple(get_activation(a) for a in self.activations)
        for act in acts[:-1]:
            if act.output_only:
                raise ConfigError(f"{act.name} can only be used on the output layer")
        self.loss = loss
        loss_fn = get_loss(loss)
        check_output(loss, self.activations[-1], self.layer_sizes[-1])
        get_initializer(init)
        self.init = init
        if (
            isinstance(seed, bool)
            or not isinstance(seed, (int, np.integer))
            or not 0 <= seed < 2**63
        ):
            raise ConfigError(f"the seed must be a whole number from 0 to 2**63 − 1, got {seed!r}")
        self.seed = int(seed)
        if dtype not in DTYPES:
            raise ConfigError(f"dtype must be float64 or float32, got {dtype!r}")
        self.dtype = np.dtype(DTYPES[dtype])
        self._acts = acts
        self._loss = loss_fn

        self._shapes = [
            (n_in + 1, n_out) for n_in, n_out in zip(self.layer_sizes, self.layer_sizes[1:])
        ]
        self._offsets = np.cumsum([0] + [r * c for r, c in self._shapes]).tolist()
        self.parameters = np.zeros(self._offsets[-1], dtype=self.dtype)
        self._wb = self.blocks_of(self.parameters)
        self._grad_flat = np.zeros_like(self.parameters)
        self._grad_wb = self.blocks_of(self._grad_flat)
        self._workspaces: dict[int, Workspace] = {}
        if parameters is None:
            self._initialise()
        else:
            parameters = np.asarray(parameters)
            if parameters.shape != self.parameters.shape:
                raise ConfigError(
                    f"expected {self.parameters.size} parameters, got {parameters.size}"
                )
            self.parameters[:] = parameters
            if not self.has_bias and any(np.any(wb[-1] != 0) for wb in self._wb):
                raise ConfigError("a network without biases needs every bias at 0")

    # -- construction -------------------------------------------------------

    @classmethod
    def create(
        cls,
        layer_sizes: Sequence[int],
        activation: str = "sigmoid",
        output_activation: str | None = None,
        loss: str = "mse",
        init: str = DEFAULT_INIT,
        seed: int = 0,
        dtype: str = "float64",
        bias: bool = True,
    ) -> Network:
        """A new network with the same ``activation`` on every hidden layer.

        ``output_activation`` defaults to softmax for ``loss="ce"`` and sigmoid
        otherwise. Weights come from ``init`` seeded with ``seed``; ``bias=False``
        makes a network without biases.
        """
        sizes = _check_sizes(layer_sizes)
        if output_activation is None:
            output_activation = default_output_activation(loss)
        activations = [activation] * (len(sizes) - 2) + [output_activation]
        return cls(sizes, activations, loss=loss, init=init, seed=seed, dtype=dtype, bias=bias)

    def blocks_of(self, flat: np.ndarray) -> list[np.ndarray]:
        """Views of a flat vector laid out like :attr:`parameters`, one ``[W; b]`` block per layer."""
        o = self._offsets
        return [flat[o[l] : o[l + 1]].reshape(shape) for l, shape in enumerate(self._shapes)]

    def _initialise(self) -> None:
        rng = np.random.default_rng(self.seed)
        initializer = get_initializer(self.init)
        for wb in self._wb:
            n_in, n_out = wb.shape[0] - 1, wb.shape[1]
            wb[:-1] = initializer.weights(n_in, n_out, rng)
            biases = initializer.biases(n_out, rng, n_in)  # drawn either way: same weights after
            wb[-1] = biases if self.has_bias else 0.0

    def __reduce__(self) -> tuple[type[Network], tuple[Any, ...]]:
        # Rebuilt as copy() builds, not attribute by attribute: the per-layer views
        # into ``parameters`` must view the new array, not copies of their own.
        return (
            Network,
            (
                self.layer_sizes,
                self.activations,
                self.loss,
                self.init,
                self.seed,
                self.dtype.name,
                self.parameters,
                self.has_bias,
            ),
        )

    def copy(self) -> Network:
        """An independent copy (parameters copied, nothing shared)."""
        return Network(
            self.layer_sizes,
            self.activations,
            loss=self.loss,
            init=self.init,
            seed=self.seed,
            dtype=self.dtype.name,
            parameters=self.parameters.copy(),
            bias=self.has_bias,
        )

    # -- parameters ---------------------------------------------------------

    @property
    def weights(self) -> ParameterList:
        """``weights[l]``: live ``(n_in, n_out)`` view of layer ``l``'s weights."""
        return ParameterList([wb[:-1] for wb in self._wb])

    @weights.setter
    def weights(self, values: Sequence[np.ndarray]) -> None:
        _assign_all(self.weights, values, "weights")

    @property
    def biases(self) -> ParameterList:
        """``biases[l]``: live ``(n_out,)`` view of layer ``l``'s biases."""
        return ParameterList([wb[-1] for wb in self._wb])

    @biases.setter
    def biases(self, values: Sequence[np.ndarray]) -> None:
        _assign_all(self.biases, values, "biases")

    @property
    def n_layers(self) -> int:
        """Number of weight layers (hidden layers + 1)."""
        return len(self._wb)

    @property
    def n_parameters(self) -> int:
        """Number of weights and biases (just weights without biases)."""
        if self.has_bias:
            return self.parameters.size
        return self.parameters.size - sum(self.layer_sizes[1:])

    def trainable_indices(self) -> np.ndarray:
        """Positions in :attr:`parameters` of the real parameters (the biases only if any)."""
        if self.has_bias:
            return np.arange(self.parameters.size)
        return np.flatnonzero(self.weight_mask())

    @property
    def activation_functions(self) -> tuple[Activation, ...]:
        """The activation objects, one per weight layer."""
        return self._acts

    @property
    def loss_function(self) -> Loss:
        """The loss object."""
        return self._loss

    def weight_index(self, layer: int, i: int, j: int) -> int:
        """Position in :attr:`parameters` of ``weights[layer][i, j]``."""
        n_in, n_out = self._shapes[layer][0] - 1, self._shapes[layer][1]
        if not (0 <= i < n_in and 0 <= j < n_out):
            raise IndexError(f"weight ({i}, {j}) is outside layer {layer}'s {n_in}×{n_out}")
        return self._offsets[layer] + i * n_out + j

    def bias_index(self, layer: int, j: int) -> int:
        """Position in :attr:`parameters` of ``biases[layer][j]``.

        A network without biases has none to point at: :class:`IndexError`.
        """
        if not self.has_bias:
            raise IndexError("this network has no biases (ŷ = w·x)")
        n_in, n_out = self._shapes[layer][0] - 1, self._shapes[layer][1]
        if not 0 <= j < n_out:
            raise IndexError(f"bias {j} is outside layer {layer}'s {n_out} neurons")
        return self._offsets[layer] + n_in * n_out + j

    def parameter_index(self, parameter: Parameter) -> int:
        """Position in :attr:`parameters` of a weight ``(layer, i, j)`` or a bias ``(layer, None, j)``."""
        layer, i, j = parameter
        if not 0 <= layer < len(self._shapes):
            raise IndexError(f"there is no weight layer {layer}")
        return self.bias_index(layer, j) if i is None else self.weight_index(layer, i, j)

    def parameter_at(self, k: int) -> Parameter:
        """The ``(layer, i, j)`` of entry ``k`` of :attr:`parameters` (``i`` None for a bias)."""
        if not 0 <= k < self.parameters.size:
            raise IndexError(f"parameter {k} is outside a network of {self.parameters.size}")
        layer = bisect.bisect_right(self._offsets, k) - 1
        rows, n_out = self._shapes[layer]
        i, j = divmod(k - self._offsets[layer], n_out)
        return (layer, None if i == rows - 1 else i, j)

    def weight_mask(self) -> np.ndarray:
        """1 where :attr:`parameters` holds a weight, 0 where it holds a bias."""
        mask = np.ones_like(self.parameters)
        for block in self.blocks_of(mask):
            block[-1] = 0
        return mask

    def neuron_name(self, layer: int, index: int) -> str:
        """The learner's name for a neuron: ``x1`` inputs, ``h2`` hidden, ``ŷ`` the output.

        Counted from 1; with several hidden layers a hidden neuron is ``h<layer>.<n>``
        and with several outputs the output is ``ŷ<n>``.
        """
        last = len(self.layer_sizes) - 1
        if layer == 0:
            return f"x{index + 1}"
        if layer == last:
            return "ŷ" if self.layer_sizes[-1] == 1 else f"ŷ{index + 1}"
        if last > 2:
            return f"h{layer}.{index + 1}"
        return f"h{index + 1}"

    def parameter_name(self, layer: int, i: int | None, j: int) -> str:
        """``w(x2 → h1)`` for the weight from neuron ``i`` of ``layer`` to neuron ``j``
        of the next; ``b(h1)`` for that neuron's bias (``i`` None)."""
        target = self.neuron_name(layer + 1, j)
        if i is None:
            return f"b({target})"
        return f"w({self.neuron_name(layer, i)} → {target})"

    def layer_name(self, layer: int) -> str:
        """``W1 (x → h1)`` … ``W3 (h2 → ŷ)``: weight layer ``layer`` named by what it joins."""
        source = "x" if layer == 0 else f"h{layer}"
        target = "ŷ" if layer == self.n_layers - 1 else f"h{layer + 1}"
        return f"W{layer + 1} ({source} → {target})"

    def parameter_names(self) -> list[str]:
        """A name for every entry of :attr:`parameters`, in order: ``w(x1 → h1)``, ``b(h1)``, …"""
        names = []
        for l, (rows, n_out) in enumerate(self._shapes):
            names += [self.parameter_name(l, i, j) for i in range(rows - 1) for j in range(n_out)]
            names += [self.parameter_name(l, None, j) for j in range(n_out)]
        return names

    # -- passes -------------------------------------------------------------

    def workspace(self, batch: int) -> Workspace:
        """A reusable workspace for this batch size (the training loop's fast path)."""
        ws = self._workspaces.get(batch)
        if ws is None:
            if len(self._workspaces) >= 8:
                self._workspaces.clear()
            ws = self._workspaces[batch] = Workspace(self, batch)
        return ws

    def forward(self, X: np.ndarray) -> tuple[np.ndarray, ForwardCache]:
        """Run ``X`` (``(batch, n_in)``) forward; return ``(output, cache)``."""
        xa = self._inputs(X)
        ws = Workspace(self, xa.shape[1])
        out = ws.forward(xa)
        return out.T, ForwardCache(ws)

    def backward(
        self, cache: ForwardCache, T: np.ndarray
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Gradients of the batch-mean loss: ``(dW_list, db_list)``, shaped like the parameters.

        Also fills ``cache.deltas`` with each sample's ``∂Lₙ/∂z``.
        """
        ws = cache.workspace
        t = self._targets(T, ws.batch)
        flat = np.empty_like(self.parameters)
        blocks = self.blocks_of(flat)
        ws.backward(t, blocks)
        flat /= ws.batch
        return [b[:-1] for b in blocks], [b[-1] for b in blocks]

    def gradients(
        self, X: np.ndarray, T: np.ndarray
    ) -> tuple[float, list[np.ndarray], list[np.ndarray]]:
        """``(loss, dW_list, db_list)`` for the batch ``X`` with targets ``T`` (new arrays)."""
        _, cache = self.forward(X)
        ws = cache.workspace
        loss = self._loss.value(ws.a[-1], self._targets(T, ws.batch), ws.z[-1])
        dW, db = self.backward(cache, T)
        return loss, dW, db

    def flat_gradient(self, X: np.ndarray, T: np.ndarray) -> tuple[float, np.ndarray]:
        """``(loss, gradient)`` with the gradient laid out like :attr:`parameters`."""
        xa = self._inputs(X)
        ws = self.workspace(xa.shape[1])
        t = self._targets(T, ws.batch)
        y = ws.forward(xa)
        loss = self._loss.value(y, t, ws.z[-1])
        ws.backward(t, self._grad_wb)
        return loss, self._grad_flat / ws.batch

    def evaluate(self, X: np.ndarray, T: np.ndarray | None = None) -> Evaluation:
        """Run ``X`` (``(batch, n_in)``) forward and keep every layer's values, as copies.

        With targets ``T`` (``(batch, n_out)``) the result also holds the batch-mean loss.
        """
        xa = self._inputs(X)
        ws = self.workspace(xa.shape[1])
        y = ws.forward(xa)
        loss = None if T is None else self._loss.value(y, self._targets(T, ws.batch), ws.z[-1])
        activations = [ws.a[0][:-1].T, *(h.T for h in ws.h[1:])]
        return Evaluation(
            tuple(np.array(a, copy=True) for a in activations),
            tuple(np.array(z.T, copy=True) for z in ws.z),
            loss,
        )

    def backpropagate(self, X: np.ndarray, T: np.ndarray) -> Backpropagation:
        """Run ``X`` forward and backpropagate the targets ``T``: the loss, every layer's
        δ and the gradients, as copies (the network's workspace is reused)."""
        xa = self._inputs(X)
        ws = self.workspace(xa.shape[1])
        t = self._targets(T, ws.batch)
        y = ws.forward(xa)
        loss = self._loss.value(y, t, ws.z[-1])
        flat = np.empty_like(self.parameters)
        blocks = self.blocks_of(flat)
        ws.backward(t, blocks)
        flat /= ws.batch
        return Backpropagation(
            loss=loss,
            deltas=tuple(np.array(d.T, copy=True) for d in ws.delta),
            weight_grads=tuple(b[:-1] for b in blocks),
            bias_grads=tuple(b[-1] for b in blocks),
            gradient=flat,
        )

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The network's output for ``X``: ``(batch, n_out)``.

        A large ``X`` goes through in chunks of :data:`PREDICT_ROWS` rows: 63,000
        MNIST images at once took a 400 MB copy with a row of ones (1.2 s) first.
        """
        if len(X) <= PREDICT_ROWS:
            xa = self._inputs(X)
            return self.workspace(xa.shape[1]).forward(xa).T.copy()
        out = np.empty((len(X), self.layer_sizes[-1]), dtype=self.dtype)
        for start, xa in self._chunks(X):
            out[start : start + xa.shape[1]] = self.workspace(xa.shape[1]).forward(xa).T
        return out

    def _chunks(self, X: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
        """``(first row, augmented rows)`` for each :data:`PREDICT_ROWS` rows of ``X``, in
        one buffer filled again for each (fresh memory for every chunk cost as much as
        the forward pass itself); the caller is done with a chunk when it asks for the next."""
        X = self._checked(X)
        n_in = self.layer_sizes[0]
        buffer = np.empty((n_in + 1, 0), dtype=self.dtype)
        for start in range(0, len(X), PREDICT_ROWS):
            rows = X[start : start + PREDICT_ROWS]
            if buffer.shape[1] != len(rows):
                buffer = np.empty((n_in + 1, len(rows)), dtype=self.dtype)
                buffer[n_in] = 1.0
            buffer[:n_in] = rows.T
            yield start, buffer

    def compute_loss(self, X: np.ndarray, T: np.ndarray) -> float:
        """The batch-mean loss on ``(X, T)`` (a large batch in chunks: see :meth:`predict`)."""
        if len(X) > PREDICT_ROWS and len(T) == len(X):
            total = 0.0
            for start, xa in self._chunks(X):
                ws = self.workspace(xa.shape[1])
                y = ws.forward(xa)
                t = self._targets(T[start : start + ws.batch], ws.batch)
                total += self._loss.value(y, t, ws.z[-1]) * ws.batch
            return total / len(X)
        xa = self._inputs(X)
        ws = self.workspace(xa.shape[1])
        y = ws.forward(xa)
        return self._loss.value(y, self._targets(T, ws.batch), ws.z[-1])

    def _inputs(self, X: np.ndarray) -> np.ndarray:
        return augment(self._checked(np.asarray(X, dtype=self.dtype)), self.dtype)

    def _checked(self, X: np.ndarray) -> np.ndarray:
        """``X`` as rows of inputs (one row may come as a vector), or ConfigError."""
        X = np.asarray(X)
        if X.ndim == 1:
            X = X[None, :]
        if X.ndim != 2 or X.shape[1] != self.layer_sizes[0]:
            raise ConfigError(
                f"inputs must have {self.layer_sizes[0]} columns, got shape {X.shape}"
            )
        return X

    def _targets(self, T: np.ndarray, batch: int) -> np.ndarray:
        T = np.asarray(T, dtype=self.dtype)
        if T.ndim == 1:
            T = T[:, None] if self.layer_sizes[-1] == 1 else T[None, :]
        if T.shape != (batch, self.layer_sizes[-1]):
            raise ConfigError(
                f"targets must have shape ({batch}, {self.layer_sizes[-1]}), got {T.shape}"
            )
        return np.ascontiguousarray(T.T)

    # -- description ----------------------------------------------------------

    def describe(self) -> str:
        """One line: ``2-4-1 sigmoid/sigmoid, mse, 17 parameters``."""
        sizes = "-".join(map(str, self.layer_sizes))
        acts = "/".join(dict.fromkeys(self.activations))
        n = self.n_parameters
        no_bias = "" if self.has_bias else ", no biases"
        return f"{sizes} {acts}, {self.loss}{no_bias}, {n} parameter{'' if n == 1 else 's'}"

    def __repr__(self) -> str:
        return f"<Network {self.describe()}>"

    def same_architecture(self, other: Network) -> bool:
        """True when ``other`` has the same sizes, activations, loss and dtype."""
        return (
            self.layer_sizes == other.layer_sizes
            and self.activations == other.activations
            and self.loss == other.loss
            and self.dtype == other.dtype
            and self.has_bias == other.has_bias
        )


def _check_sizes(layer_sizes: Sequence[int]) -> tuple[int, ...]:
    try:
        sizes = tuple(layer_sizes)
    except TypeError:
        raise ConfigError(f"layer sizes must be a list of integers, got {layer_sizes!r}") from None
    if len(sizes) < 2:
        raise ConfigError("a network needs at least an input and an output layer")
    for n in sizes:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ConfigError(f"every layer needs a whole number of neurons ≥ 1, got {n!r}")
    return tuple(int(n) for n in sizes)


def _assign_all(target: ParameterList, values: Sequence[np.ndarray], what: str) -> None:
    if len(values) != len(target):
        raise ValueError(f"expected {len(target)} {what} arrays, got {len(values)}")
    for l, value in enumerate(values):
        target[l] = value
