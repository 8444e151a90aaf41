"""What a sweep is asked to run, as people type it: seeds like ``1-100`` or ``1,5,9``,
learning rates like ``0.01,0.1,1``. One reading for the command line and the window.

Each parser returns the values in order, each once, or raises
:class:`~bpdesk.core.errors.ConfigError` with one sentence naming what is wrong.
"""

from __future__ import annotations

import math

from bpdesk.core.errors import ConfigError

# More networks than a learner compares; far fewer than would exhaust a laptop.
MAX_NETWORKS = 10_000
MAX_SEED = 2**63 - 1


def parse_seeds(text: str) -> list[int]:
    """``1-100``, ``1,5,9`` or a mix (``0-9, 20``): the seeds, in order, each once."""
    seeds: list[int] = []
    for part in text.split(","):
        part = part.strip()
        low, dash, high = part.partition("-")
        try:
            first = int(low)
            last = int(high) if dash else first
        except ValueError:
            raise ConfigError(f"expected seeds like 1-100 or 1,5,9; got {text!r}") from None
        if first < 0 or last > MAX_SEED:
            raise ConfigError(f"seeds go from 0 to 2**63 − 1; got {part!r}")
        if last < first:
            raise ConfigError(f"the range {part!r} runs backwards")
        if len(seeds) + last - first + 1 > MAX_NETWORKS:
            raise ConfigError(f"at most {MAX_NETWORKS:,} seeds; got {text!r}")
        seeds.extend(range(first, last + 1))
    if len(set(seeds)) != len(seeds):
        raise ConfigError(f"a seed appears twice in {text!r}")
    return seeds


def parse_rate(text: str) -> float:
    """One learning rate: a positive, finite number."""
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise ConfigError(f"must be a positive finite number, got {text}")
    return value


def parse_rates(text: str) -> list[float]:
    """``0.01,0.1,1,10``: the learning rates, in order, each once."""
    rates = []
    for part in text.split(","):
        try:
            rates.append(parse_rate(part.strip()))
        except ConfigError as exc:
            raise ConfigError(f"{exc} (in {text!r})") from None
    if len(set(rates)) != len(rates):
        raise ConfigError(f"a learning rate appears twice in {text!r}")
    return rates


def check_count(seeds: int, rates: int) -> None:
    """Refuse more than :data:`MAX_NETWORKS` combinations of seeds and learning rates."""
    if seeds * rates > MAX_NETWORKS:
        raise ConfigError(
            f"{seeds:,} seeds × {rates:,} learning rates make more than {MAX_NETWORKS:,} networks"
        )


def spans(seeds: list[int] | tuple[int, ...]) -> str:
    """``1-100`` or ``1-10, 20, 30-32``: distinct seeds in their order, runs collapsed."""
    runs: list[list[int]] = []
    for seed in dict.fromkeys(seeds):
        if runs and seed == runs[-1][1] + 1:
            runs[-1][1] = seed
        else:
            runs.append([seed, seed])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)
