"""scikit-learn's bundled 8×8 handwritten digits, with the course's fixed train/test split.

The 1797 images ship inside scikit-learn, so nothing is downloaded. Pixels are integers 0–16;
we divide by 16 so that images live in [0, 1], the box every attack clips to. The split is
stratified (a fifth of each class is held out) and seeded, so every notebook, test and grader
sees the same 1438 training and 359 test images.

Transfer attacks need a *surrogate* model trained on "other data": ``split="train_a"`` and
``split="train_b"`` are two disjoint, stratified halves of the training split (721 and 717 images).

Introduced in notebooks/06_fgsm.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import numpy as np
import torch

Tensor = torch.Tensor

SPLIT_SEED = 0  # fixed forever: the stored notebook outputs depend on which images are held out
TEST_FRACTION = 0.2  # a fifth of each class is held out (359 of 1797 images)
NUM_CLASSES = 10
IMAGE_SHAPE = (1, 8, 8)  # (C, H, W): one grey channel
SPLITS = ("train", "test", "train_a", "train_b")


def load_digits(split: str = "train") -> tuple[Tensor, Tensor]:
    """The digits of one split, as images in [0, 1] and integer labels.

    Args:
        split: "train" (1438 images), "test" (359), or one of the two disjoint halves of the
            training split, "train_a" and "train_b" (721 and 717), for a surrogate model trained on
            other data than the model it attacks.

    Returns:
        x: (N, 1, 8, 8) float32 in [0, 1], the pixel intensities divided by 16.
        y: (N,) int64 labels 0–9.

    Every call returns fresh tensors: changing them changes nothing for the next caller.

    Example:
        >>> x, y = load_digits("test")
        >>> tuple(x.shape), x.dtype, y.dtype
        ((359, 1, 8, 8), torch.float32, torch.int64)
        >>> float(x.min()), float(x.max())
        (0.0, 1.0)

    Introduced in notebooks/06_fgsm.
    """
    if split not in SPLITS:
        raise ValueError(f"`split` must be one of {', '.join(map(repr, SPLITS))} (got {split!r})")
    pixels, labels = _digits_arrays()
    index = _split_indices()[split]
    x = torch.from_numpy(pixels[index] / 16.0).float().reshape(-1, *IMAGE_SHAPE)  # (N, 1, 8, 8)
    return x, torch.from_numpy(labels[index]).long()


@functools.cache
def _digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    """(1797, 64) float64 pixels 0–16 and (1797,) int64 labels, exactly ``sklearn.datasets.load_digits()``'s.

    Reads scikit-learn's bundled CSV file itself: importing ``sklearn.datasets`` costs over a
    second per fresh kernel (it imports scipy.stats), reading the file 10 ms.
    ``tests/test_adversarial_data.py`` checks that the arrays equal scikit-learn's.
    """
    spec = importlib.util.find_spec("sklearn")  # finds the package without importing it
    path = Path(spec.submodule_search_locations[0]) / "datasets" / "data" / "digits.csv.gz" if spec else None
    if path is None or not path.exists():  # another scikit-learn layout: take the slow, public road
        from sklearn.datasets import load_digits as sklearn_load_digits

        bunch = sklearn_load_digits()
        return bunch.data, bunch.target.astype(np.int64)
    table = np.loadtxt(path, delimiter=",")  # (1797, 65): 64 pixels, then the label
    return table[:, :-1], table[:, -1].astype(np.int64)


@functools.cache
def _split_indices() -> dict[str, np.ndarray]:
    """Sorted row indices of each split: per class, a seeded shuffle, the first fifth to test, the rest halved."""
    _, labels = _digits_arrays()
    rng = np.random.default_rng(SPLIT_SEED)
    parts: dict[str, list[np.ndarray]] = {split: [] for split in SPLITS}
    for digit in range(NUM_CLASSES):
        rows = rng.permutation(np.flatnonzero(labels == digit))
        num_test = round(TEST_FRACTION * len(rows))
        test, train = rows[:num_test], rows[num_test:]
        parts["test"].append(test)
        parts["train"].append(train)
        parts["train_a"].append(train[0::2])  # alternate rows of the shuffled class: two disjoint halves
        parts["train_b"].append(train[1::2])
    return {split: np.sort(np.concatenate(rows)) for split, rows in parts.items()}
