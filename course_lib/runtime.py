"""Seeding, thread count and device selection: the first cell of every notebook calls these.

Introduced in notebooks/01_gan_game.
"""

from __future__ import annotations

import os
import random

import numpy as np
import torch

DEFAULT_SEED = 0
# One thread: the course's models are tiny, so a second thread buys little speed, and a fixed
# count keeps floating-point reductions (and so the stored notebook outputs) identical on every
# laptop, whatever its number of cores.
DEFAULT_NUM_THREADS = 1


def seed_everything(seed: int = DEFAULT_SEED, num_threads: int = DEFAULT_NUM_THREADS) -> torch.Generator:
    """Seed Python, NumPy and torch, fix torch's thread count, and return a seeded torch generator.

    Args:
        seed: a non-negative integer.
        num_threads: torch's intra-op thread count (at least 1).

    Returns:
        A ``torch.Generator`` seeded with ``seed``, for code that takes its randomness explicitly.

    Example:
        >>> rng = seed_everything(0)
        >>> a = torch.rand(2, generator=rng)
        >>> b = torch.rand(2, generator=seed_everything(0))
        >>> bool(torch.equal(a, b))
        True

    Introduced in notebooks/01_gan_game.
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"`seed` must be a non-negative int (got {seed!r}); pass e.g. seed_everything(0)")
    if isinstance(num_threads, bool) or not isinstance(num_threads, int) or num_threads < 1:
        raise ValueError(f"`num_threads` must be an int >= 1 (got {num_threads!r})")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(num_threads)
    os.environ["PYTHONHASHSEED"] = str(seed)  # inherited by any subprocess a notebook starts
    return torch.Generator().manual_seed(seed)


def default_device(prefer_gpu: bool = True) -> torch.device:
    """The device to train on: a CUDA or Apple GPU when present and wanted, else the CPU.

    Every notebook runs in seconds on a CPU; a GPU only makes the optional, longer runs faster.

    Example:
        >>> default_device(prefer_gpu=False)
        device(type='cpu')

    Introduced in notebooks/01_gan_game.
    """
    if prefer_gpu and torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if prefer_gpu and mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")
