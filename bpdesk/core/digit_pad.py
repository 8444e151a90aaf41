"""A drawn digit made into a network's input, exactly as the digit data were made.

Two recipes, one per kind of digit data bpdesk knows:

* **UCI** (the shipped digits, 64 inputs): the digit is a 32×32 *binary*
  bitmap, normalised by NIST's programs to fill the box; the bitmap is cut
  into non-overlapping 4×4 blocks and the dark pixels of each block counted,
  giving 8×8 whole numbers 0–16 (:func:`block_counts`), divided by 16 as
  :mod:`bpdesk.core.digits` scales them.
* **MNIST** (784 inputs): the digit is fitted into a 20×20 box keeping its
  aspect ratio (grey levels from the anti-aliasing), then placed in a 28×28
  image so that its centre of mass is at the centre (:func:`mnist_image`).

A drawing arrives as a grey image of any size (``(rows, cols)``, ink 0–1,
row 0 at the top). Nothing here knows about Qt.
"""

from __future__ import annotations

import numpy as np

UCI_SIDE = 32  # the UCI bitmap
UCI_BLOCK = 4  # counted in 4×4 blocks: 8×8 counts of 0 to 16
UCI_LEVELS = UCI_BLOCK * UCI_BLOCK
MNIST_SIDE = 28
MNIST_BOX = 20  # the digit is fitted into this box, then centred by mass
INK = 0.5  # a resampled cell at least this dark is on in a binary bitmap


def block_counts(bitmap: np.ndarray, block: int = UCI_BLOCK) -> np.ndarray:
    """The dark pixels of each non-overlapping ``block × block`` square of a binary bitmap.

    ``bitmap`` is ``(n·block, m·block)`` of 0/1 (or booleans); the result is
    ``(n, m)`` whole numbers from 0 to ``block²`` (int64).
    """
    cells = np.asarray(bitmap) != 0
    rows, cols = cells.shape
    if rows % block or cols % block:
        raise ValueError(f"a {rows}×{cols} bitmap does not cut into {block}×{block} blocks")
    blocks = cells.reshape(rows // block, block, cols // block, block)
    return blocks.sum(axis=(1, 3), dtype=np.int64)


def _area_weights(n_in: int, n_out: int) -> np.ndarray:
    """``(n_out, n_in)``: how much of each input cell falls in each output cell, rows summing
    to 1 (an input of ``n_in`` cells stretched or squeezed onto ``n_out``)."""
    edges = np.linspace(0.0, n_in, n_out + 1)
    lo, hi = edges[:-1, None], edges[1:, None]
    cells = np.arange(n_in)[None, :]
    overlap = np.clip(np.minimum(hi, cells + 1) - np.maximum(lo, cells), 0.0, None)
    return overlap / (hi - lo)


def resample(image: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """``image`` resized to ``rows × cols`` by area averaging: each new cell is the mean of
    the part of the old image it covers (grey edges, no aliasing, ink conserved on average)."""
    image = np.asarray(image, dtype=np.float64)
    return _area_weights(image.shape[0], rows) @ image @ _area_weights(image.shape[1], cols).T


def ink_box(image: np.ndarray, threshold: float = 0.0) -> tuple[slice, slice] | None:
    """The rows and columns holding ink above ``threshold``, or None for an empty drawing."""
    ink = np.asarray(image) > threshold
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if not rows.size:
        return None
    return slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1)


def fit_into(image: np.ndarray, box: int) -> np.ndarray:
    """The drawing's inked part scaled to fit a ``box × box`` square keeping its aspect
    ratio: its longer side fills the box. ``(h, w)`` with ``max(h, w) == box``; an empty
    drawing gives an empty box."""
    bounds = ink_box(image)
    if bounds is None:
        return np.zeros((box, box))
    ink = np.asarray(image, dtype=np.float64)[bounds]
    height, width = ink.shape
    scale = box / max(height, width)
    return resample(ink, max(1, round(height * scale)), max(1, round(width * scale)))


def _centred(part: np.ndarray, side: int) -> np.ndarray:
    """``part`` pasted into the middle of a ``side × side`` blank image."""
    out = np.zeros((side, side))
    top, left = (side - part.shape[0]) // 2, (side - part.shape[1]) // 2
    out[top : top + part.shape[0], left : left + part.shape[1]] = part
    return out


def uci_bitmap(drawing: np.ndarray) -> np.ndarray:
    """The 32×32 binary bitmap of a drawing as NIST's programs made it: the digit scaled to
    fill the box (its longer side 32 cells, aspect kept), centred, each cell on when at
    least half of it is inked. ``(32, 32)`` of 0/1 (uint8)."""
    fitted = fit_into(drawing, UCI_SIDE)
    return (_centred(fitted, UCI_SIDE) >= INK).astype(np.uint8)


def uci_counts(drawing: np.ndarray) -> np.ndarray:
    """The 8×8 counts (0–16) of a drawing, as the UCI digits were made: :func:`uci_bitmap`
    counted in 4×4 blocks."""
    return block_counts(uci_bitmap(drawing))


def uci_input(drawing: np.ndarray) -> np.ndarray:
    """A drawing as one row of the shipped digits: 64 counts / 16, ``(64,)`` in 0–1."""
    return uci_counts(drawing).reshape(-1) / UCI_LEVELS


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    """``(row, col)`` of an image's centre of mass (the middle of a blank one), where
    cell ``(i, j)`` has its centre at ``(i + 0.5, j + 0.5)``."""
    image = np.asarray(image, dtype=np.float64)
    total = image.sum()
    if total <= 0:
        return image.shape[0] / 2, image.shape[1] / 2
    rows = np.arange(image.shape[0]) + 0.5
    cols = np.arange(image.shape[1]) + 0.5
    return float(image.sum(axis=1) @ rows / total), float(image.sum(axis=0) @ cols / total)


def mnist_image(drawing: np.ndarray) -> np.ndarray:
    """A drawing as MNIST's digits were made: fitted into a 20×20 box keeping its aspect
    ratio, then placed in 28×28 so that its centre of mass falls on the centre (shifted
    by whole pixels, and never off the image). ``(28, 28)`` grey levels 0–1."""
    fitted = fit_into(drawing, MNIST_BOX)
    image = _centred(fitted, MNIST_SIDE)
    if not fitted.any():
        return image
    row, col = centre_of_mass(image)
    bounds = ink_box(image)
    assert bounds is not None
    half = MNIST_SIDE / 2
    # The shift that brings the mass to the centre, kept small enough for no ink to leave.
    dr = int(np.clip(round(half - row), -bounds[0].start, MNIST_SIDE - bounds[0].stop))
    dc = int(np.clip(round(half - col), -bounds[1].start, MNIST_SIDE - bounds[1].stop))
    return np.roll(image, (dr, dc), axis=(0, 1))


def mnist_input(drawing: np.ndarray, peak: float = 1.0) -> np.ndarray:
    """A drawing as one row of an MNIST-shaped dataset: 784 grey levels, full ink at
    ``peak`` (1 for data scaled to 0–1, 255 for pixels read as they are from a CSV)."""
    return mnist_image(drawing).reshape(-1) * peak


def network_input(drawing: np.ndarray, n_inputs: int, peak: float = 1.0) -> np.ndarray:
    """A drawing made into ``n_inputs`` inputs: 64 the UCI way, 784 the MNIST way."""
    if n_inputs == UCI_SIDE // UCI_BLOCK * (UCI_SIDE // UCI_BLOCK):
        return uci_input(drawing) * peak
    if n_inputs == MNIST_SIDE * MNIST_SIDE:
        return mnist_input(drawing, peak)
    raise ValueError(f"a drawn digit makes 64 or 784 inputs, not {n_inputs}")


def input_peak(X_train: np.ndarray, n_inputs: int) -> float:
    """What full ink is in a dataset's inputs: 1 for data scaled to 0–1 (the shipped
    digits), 16 for raw UCI counts, 255 for raw pixels (image CSVs are read as they are)."""
    top = float(np.max(X_train)) if np.size(X_train) else 1.0
    if top <= 1.0:
        return 1.0
    if n_inputs == 64 and top <= UCI_LEVELS:
        return float(UCI_LEVELS)
    return 255.0
