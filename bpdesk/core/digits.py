"""The handwritten digits shipped with bpdesk: 1,797 images of 8×8 counts, ten classes.

They are the test set of the UCI "Optical Recognition of Handwritten Digits"
(E. Alpaydin and C. Kaynak, 1998; CC BY 4.0): each 32×32 bitmap of a digit
was cut into 4×4 blocks and the dark pixels of each block counted, giving 64
whole numbers from 0 to 16. They are stored in ``resources/datasets/digits.npz``
(the numbers as bytes, compressed: about 45 KB) beside their attribution and
licence, ``digits-LICENSE.txt``, and read with NumPy alone.
"""

from __future__ import annotations

import functools
import zipfile

import numpy as np

from bpdesk.core.errors import DatasetError
from bpdesk.paths import resource_path

DATA_FILE = ("datasets", "digits.npz")
LICENCE_FILE = ("datasets", "digits-LICENSE.txt")
N_IMAGES = 1797
SIDE = 8  # an image is SIDE × SIDE counts, stored row by row
LEVELS = 16  # a count is 0 to LEVELS: the dark pixels of a 4×4 block
N_CLASSES = 10


@functools.cache
def digit_images() -> tuple[np.ndarray, np.ndarray]:
    """``(pixels, labels)``: the images as rows of 64 counts scaled to 0–1, and their digits.

    Both arrays are read-only and shared by every caller: ``pixels`` is
    ``(1797, 64)`` float64 (count / 16, exact), ``labels`` ``(1797,)`` int64.
    Raises :class:`DatasetError` if the shipped file is missing or damaged.
    """
    path = resource_path(*DATA_FILE)
    try:
        with np.load(path, allow_pickle=False) as archive:
            counts, labels = archive["pixels"], archive["labels"]
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise DatasetError(f"cannot read the shipped digits ({path}): {exc}") from None
    if (
        counts.shape != (N_IMAGES, SIDE * SIDE)
        or labels.shape != (N_IMAGES,)
        or counts.max() > LEVELS
        or labels.max() >= N_CLASSES
    ):
        raise DatasetError(f"the shipped digits ({path}) are not the 1,797 8×8 images")
    pixels = counts.astype(np.float64) / LEVELS
    labels = labels.astype(np.int64)
    pixels.flags.writeable = labels.flags.writeable = False
    return pixels, labels
