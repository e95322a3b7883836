"""Toy data distributions with exact densities, so that every GAN quantity can be checked.

Each distribution has ``sample(n, generator=None)``; the 1D ones also have ``pdf(x)`` and
``log_prob(x)`` (tensor in, tensor out, same shape).

Introduced in notebooks/01_gan_game.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

Tensor = torch.Tensor


def _positive_float(name: str, value: float) -> float:
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"`{name}` must be a positive finite number (got {value!r})")
    return value


def _finite_float(name: str, value: float) -> float:
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"`{name}` must be a finite number (got {value!r})")
    return value


def _count(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"`n` must be a positive int, the number of samples (got {n!r})")
    return n


def _as_points(x: Tensor | float | Sequence[float]) -> Tensor:
    """``x`` as a float tensor; a clear error for what cannot be one."""
    try:
        x = torch.as_tensor(x)  # a tensor passes through; a NumPy float64 array stays float64
    except (TypeError, ValueError, RuntimeError) as error:
        raise TypeError(f"`x` must be a tensor of points, or a number, list or array of them (got {type(x).__name__})") from error
    return x if x.is_floating_point() else x.to(torch.get_default_dtype())


class Distribution1D:
    """A density on the real line. Subclasses implement ``_log_prob`` (on a float tensor) and ``sample``."""

    def log_prob(self, x: Tensor) -> Tensor:
        """log p(x), elementwise. x: a tensor of any shape (or a number, list or array). Returns the same shape."""
        return self._log_prob(_as_points(x))

    def pdf(self, x: Tensor) -> Tensor:
        """The density p(x), elementwise. x: a tensor of any shape (or a number, list or array). Returns the same shape."""
        return self.log_prob(x).exp()

    def _log_prob(self, x: Tensor) -> Tensor:
        raise NotImplementedError

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        raise NotImplementedError


class Gaussian(Distribution1D):
    r"""The normal distribution :math:`\mathcal N(\mu, \sigma^2)` on the real line.

    Example:
        >>> p = Gaussian(0.0, 1.0)
        >>> round(float(p.pdf(torch.tensor(0.0))), 4)
        0.3989
        >>> p.sample(3, generator=torch.Generator().manual_seed(0)).shape
        torch.Size([3, 1])
    """

    def __init__(self, mean: float, std: float):
        self.mean = _finite_float("mean", mean)
        self.std = _positive_float("std", std)

    def _log_prob(self, x: Tensor) -> Tensor:
        z = (x - self.mean) / self.std
        return -0.5 * z**2 - math.log(self.std) - 0.5 * math.log(2 * math.pi)

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """n samples as an (n, 1) float tensor (one column: the data dimension)."""
        return self.mean + self.std * torch.randn(_count(n), 1, generator=generator)

    def __repr__(self) -> str:
        return f"Gaussian(mean={self.mean:g}, std={self.std:g})"


class Uniform(Distribution1D):
    """The uniform distribution on [low, high]: a density with a hard edge, for disjoint supports.

    Example:
        >>> Uniform(0, 2).pdf(torch.tensor([-1.0, 1.0, 3.0]))
        tensor([0.0000, 0.5000, 0.0000])
    """

    def __init__(self, low: float, high: float):
        self.low, self.high = _finite_float("low", low), _finite_float("high", high)
        if not self.low < self.high:
            raise ValueError(f"`low` must be below `high` (got low={low!r}, high={high!r})")

    def _log_prob(self, x: Tensor) -> Tensor:
        inside = (x >= self.low) & (x <= self.high)
        return torch.where(inside, -math.log(self.high - self.low), -math.inf).to(x.dtype)

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """n samples as an (n, 1) float tensor."""
        return self.low + (self.high - self.low) * torch.rand(_count(n), 1, generator=generator)

    def __repr__(self) -> str:
        return f"Uniform(low={self.low:g}, high={self.high:g})"


class Mixture(Distribution1D):
    r"""A weighted mixture :math:`p(x) = \sum_k w_k\, p_k(x)` of 1D distributions.

    Example:
        >>> p = Mixture([Gaussian(-2, 0.5), Gaussian(2, 0.5)])
        >>> p
        Mixture([Gaussian(mean=-2, std=0.5), Gaussian(mean=2, std=0.5)], weights=[0.5, 0.5])
        >>> round(float(p.pdf(torch.tensor(2.0))), 4)
        0.3989
    """

    def __init__(self, components: Sequence[Distribution1D], weights: Sequence[float] | None = None):
        components = list(components)
        if not components or not all(isinstance(c, Distribution1D) for c in components):
            raise ValueError("`components` must be a non-empty list of distributions, e.g. [Gaussian(0, 1)]")
        if weights is None:
            weights = [1.0 / len(components)] * len(components)
        weights = [float(w) for w in weights]
        if len(weights) != len(components):
            raise ValueError(f"`weights` has {len(weights)} entries for {len(components)} components")
        if any(not math.isfinite(w) or w < 0 for w in weights):
            raise ValueError(f"`weights` must be finite and non-negative (got {weights})")
        if abs(sum(weights) - 1.0) > 1e-6:
            raise ValueError(f"`weights` must sum to 1 (got {sum(weights):.4g}); normalise them by their sum")
        self.components, self.weights = components, weights

    def _log_prob(self, x: Tensor) -> Tensor:
        terms = [c.log_prob(x) + math.log(w) for c, w in zip(self.components, self.weights) if w > 0]
        return torch.logsumexp(torch.stack(terms), dim=0)

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """n samples as an (n, 1) float tensor: pick a component by weight, then sample it."""
        which = torch.multinomial(torch.tensor(self.weights), _count(n), replacement=True, generator=generator)
        draws = torch.stack([c.sample(n, generator=generator) for c in self.components])  # (K, n, 1)
        return draws[which, torch.arange(n)]  # (n, 1)

    def __repr__(self) -> str:
        weights = ", ".join(f"{w:g}" for w in self.weights)
        return f"Mixture({self.components!r}, weights=[{weights}])"


class GaussianRing:
    """A 2D mixture of equal Gaussians whose means sit evenly on a circle: the classic GAN test.

    Example:
        >>> ring = GaussianRing(num_modes=8, radius=2.0, std=0.05)
        >>> ring.means.shape
        torch.Size([8, 2])
        >>> ring.sample(5, generator=torch.Generator().manual_seed(0)).shape
        torch.Size([5, 2])
    """

    def __init__(self, num_modes: int = 8, radius: float = 2.0, std: float = 0.05):
        if isinstance(num_modes, bool) or not isinstance(num_modes, int) or num_modes < 1:
            raise ValueError(f"`num_modes` must be a positive int (got {num_modes!r})")
        self.num_modes = num_modes
        self.radius = _positive_float("radius", radius)
        self.std = _positive_float("std", std)
        angles = 2 * math.pi * torch.arange(num_modes) / num_modes
        self.means = self.radius * torch.stack([angles.cos(), angles.sin()], dim=1)  # (K, 2)

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """n samples as an (n, 2) float tensor."""
        which = torch.randint(self.num_modes, (_count(n),), generator=generator)
        return self.means[which] + self.std * torch.randn(n, 2, generator=generator)

    def modes_covered(self, x: Tensor, within_stds: float = 3.0, min_fraction: float = 0.01) -> int:
        """How many modes hold at least ``min_fraction`` of the points x: (n, 2) within 3 stds."""
        distances = torch.cdist(x, self.means)  # (n, K)
        nearest, which = distances.min(dim=1)
        close = nearest < within_stds * self.std
        counts = torch.bincount(which[close], minlength=self.num_modes)
        return int((counts >= min_fraction * len(x)).sum())

    def high_quality_fraction(self, x: Tensor, within_stds: float = 3.0) -> float:
        r"""The share of the points x that lie within ``within_stds`` stds of their nearest mode.

        ``modes_covered`` only asks that each mode get a few points (1% by default), so a blurred
        generator that smears its samples along the whole circle covers every mode. This is the
        other half of the picture: how many samples look like data. For the ring itself it is the
        chance that a 2D Gaussian falls within 3 stds, :math:`1 - e^{-9/2} \approx 0.989`.

        Args:
            x: (n, 2) float points, e.g. generated samples.
            within_stds: the radius around each mode, in stds, that counts as "on the mode".

        Returns:
            A float in [0, 1].

        Example:
            >>> ring = GaussianRing(num_modes=8, radius=2.0, std=0.1)
            >>> round(ring.high_quality_fraction(ring.sample(4000, generator=torch.Generator().manual_seed(0))), 2)
            0.99
            >>> ring.high_quality_fraction(torch.zeros(10, 2))  # all at the centre, far from every mode
            0.0
        """
        nearest = torch.cdist(x, self.means).min(dim=1).values  # (n,) distance to the nearest mode
        return float((nearest < within_stds * self.std).float().mean())

    def __repr__(self) -> str:
        return f"GaussianRing(num_modes={self.num_modes}, radius={self.radius:g}, std={self.std:g})"
