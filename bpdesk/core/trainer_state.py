"""What a run carries from one epoch to the next besides the weights.

A trainer remembers two things between epochs: its optimiser's memory
(momentum's velocity, Adam's moments and step count) and where the mini-batch
shuffle's random generator stands. :class:`TrainerState` holds both as plain,
frozen data, so that a run paused, saved, rewound or exported can go on as
the same run: a trainer built with the state of epoch 100 trains epoch 101
exactly as the first trainer would have.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from bpdesk.core.errors import ConfigError
from bpdesk.core.optimizers import OptimizerState

# The bit generator behind np.random.default_rng, whose state a ShuffleState holds.
SHUFFLE_GENERATOR = "PCG64"


@dataclass(frozen=True)
class ShuffleState:
    """Where the mini-batch shuffle stands: the seed its stream began from, and the
    state of NumPy's PCG64 generator after the permutations drawn so far.

    Each mini-batch epoch draws one permutation of the training examples from
    ``np.random.default_rng(seed)``; full-batch epochs draw nothing. The fields
    are NumPy's own (``bit_generator.state``), so any NumPy program can go on
    drawing the same batches (the exported PyTorch script does).
    """

    seed: int
    state: int
    inc: int
    has_uint32: int = 0
    uinteger: int = 0

    @classmethod
    def start(cls, seed: int) -> ShuffleState:
        """The stream of ``seed`` before its first permutation."""
        return cls.of(seed, np.random.default_rng(seed))

    @classmethod
    def of(cls, seed: int, generator: np.random.Generator) -> ShuffleState:
        """The state of ``generator``, a stream begun from ``seed``."""
        raw = generator.bit_generator.state
        if raw["bit_generator"] != SHUFFLE_GENERATOR:
            raise ConfigError(f"the shuffle needs NumPy's {SHUFFLE_GENERATOR} generator")
        return cls(
            int(seed),
            int(raw["state"]["state"]),
            int(raw["state"]["inc"]),
            int(raw["has_uint32"]),
            int(raw["uinteger"]),
        )

    def as_numpy(self) -> dict[str, Any]:
        """The state as ``np.random.default_rng().bit_generator.state`` takes it."""
        return {
            "bit_generator": SHUFFLE_GENERATOR,
            "state": {"state": self.state, "inc": self.inc},
            "has_uint32": self.has_uint32,
            "uinteger": self.uinteger,
        }

    def generator(self) -> np.random.Generator:
        """A new generator that draws what this one would draw next."""
        generator = np.random.default_rng(self.seed)
        generator.bit_generator.state = self.as_numpy()
        return generator


@dataclass(frozen=True, eq=False)
class TrainerState:
    """What a trainer carries from one epoch to the next besides the weights: the
    optimiser's memory and the mini-batch shuffle, after ``epoch``.

    Plain, frozen data holding read-only copies: it can be kept beside a
    snapshot of the weights, saved in a file and given to a new
    :class:`Trainer`, which then continues the run exactly.
    """

    epoch: int
    optimizer: OptimizerState
    shuffle: ShuffleState

    @property
    def nbytes(self) -> int:
        """The memory it holds (the optimiser's vectors; the rest is a few numbers)."""
        return self.optimizer.nbytes + 64


@dataclass(frozen=True)
class Continuation:
    """What a trainer takes from a saved :class:`TrainerState` under given settings.

    ``optimizer`` and ``shuffle`` are None where the run starts that part afresh,
    and ``notes`` says why, in the learner's words (empty when the run continues
    exactly, or there was nothing to continue).
    """

    optimizer: OptimizerState | None
    shuffle: ShuffleState | None
    notes: tuple[str, ...] = ()


def continuation(
    state: TrainerState | None, optimizer_name: str, seed: int, n_parameters: int
) -> Continuation:
    """What of ``state`` a run with the optimiser ``optimizer_name`` and the shuffle
    ``seed``, of a network with ``n_parameters`` entries, can continue.

    The optimiser's memory goes on while the optimiser and the number of
    parameters are the same; the shuffle goes on while the seed is the same
    (another seed starts another stream, as it would have from the start).
    """
    if state is None:
        return Continuation(None, None)
    notes = []
    optimizer: OptimizerState | None = state.optimizer
    sizes = {values.size for values in state.optimizer.buffers.values()}
    if state.optimizer.name != optimizer_name:
        notes.append(
            f"the optimiser is now {optimizer_name} (the run so far used "
            f"{state.optimizer.name}): it starts afresh"
        )
        optimizer = None
    elif sizes and sizes != {n_parameters}:
        notes.append("the network's shape changed since: the optimiser starts afresh")
        optimizer = None
    shuffle: ShuffleState | None = state.shuffle
    if state.shuffle.seed != seed:
        notes.append(
            f"the shuffle seed is now {seed} (it was {state.shuffle.seed}): "
            "the mini-batch order starts afresh"
        )
        shuffle = None
    return Continuation(optimizer, shuffle, tuple(notes))
