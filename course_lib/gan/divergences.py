r"""Divergences between distributions: KL, Jensen–Shannon, and the same on the real line by quadrature.

With the mixture :math:`m = \tfrac12 (p + q)`,

.. math::
    \mathrm{KL}(p \,\|\, q) = \sum_k p_k \log\frac{p_k}{q_k}, \qquad
    \mathrm{JSD}(p, q) = \tfrac12 \mathrm{KL}(p \,\|\, m) + \tfrac12 \mathrm{KL}(q \,\|\, m).

Everything is in nats (natural logarithms), with the convention :math:`0 \log 0 = 0`. The JSD is
symmetric, finite, and at most :math:`\log 2`, reached exactly when p and q have disjoint supports;
the KL is infinite as soon as p puts mass where q has none.

Introduced in notebooks/03_js_divergence.
"""

from __future__ import annotations

import functools
import math
from typing import Union

import numpy as np
import torch

from course_lib.gan.distributions import Distribution1D, Gaussian, Mixture, Uniform

ArrayLike = Union[np.ndarray, torch.Tensor]

LOG_2 = math.log(2.0)
GAUSSIAN_REACH = 12.0  # integrate each Gaussian over mean ± 12 std: the mass left outside is below 1e-32
PANEL_WIDTH_IN_STDS = 0.5  # Gauss–Legendre panels half a standard deviation wide: errors far below 1e-10
NODES_PER_PANEL = 16


# ----------------------------------------------------------------------------- discrete distributions


def _as_probabilities(name: str, p: ArrayLike) -> np.ndarray:
    """Check that ``p`` is a 1-D probability vector and return it as float64 NumPy. The one validation."""
    if isinstance(p, (list, tuple)):  # a short list typed by hand is a fine distribution
        try:
            p = np.asarray(p, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"`{name}` must be a list of numbers, one probability per outcome (got {p!r:.60})") from None
    if isinstance(p, torch.Tensor):
        if p.is_complex() or p.dtype == torch.bool:
            raise ValueError(f"`{name}` must hold real probabilities (got a {p.dtype} tensor)")
        dtype_eps = torch.finfo(p.dtype).eps if p.is_floating_point() else 0.0
        values = p.detach().cpu().to(torch.float64).numpy()
    elif isinstance(p, np.ndarray):
        if p.dtype.kind not in "fiu":
            raise ValueError(f"`{name}` must hold real probabilities (got an array of dtype {p.dtype})")
        dtype_eps = float(np.finfo(p.dtype).eps) if p.dtype.kind == "f" else 0.0
        values = p.astype(np.float64)
    else:
        raise TypeError(
            f"`{name}` must be a 1-D NumPy array, torch tensor or list of probabilities (got {type(p).__name__})"
        )
    if values.ndim != 1 or values.size == 0:
        raise ValueError(
            f"`{name}` must be a non-empty 1-D array, shape (K,), one probability per outcome "
            f"(got shape {tuple(values.shape)}); flatten it with .ravel() if it holds one distribution"
        )
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise ValueError(f"`{name}` contains {values[bad[0]]} at index {bad[0]}; probabilities must be finite numbers")
    negative = np.flatnonzero(values < 0)
    if negative.size:
        raise ValueError(
            f"`{name}` has a negative entry {values[negative[0]]:.4g} at index {negative[0]}; probabilities are >= 0"
        )
    total = values.sum()
    tolerance = max(1e-6, 16 * math.sqrt(values.size) * dtype_eps)  # rounding in a float32 sum is not an error
    if abs(total - 1.0) > tolerance:
        raise ValueError(f"`{name}` must sum to 1 (got {total:.6g}); normalise it with {name} / {name}.sum()")
    return values


def _as_pair(p: ArrayLike, q: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    p, q = _as_probabilities("p", p), _as_probabilities("q", q)
    if p.shape != q.shape:
        raise ValueError(
            f"`p` and `q` must have the same length, one entry per outcome (got {p.size} and {q.size})"
        )
    return p, q


def _kl(p: np.ndarray, q: np.ndarray) -> float:
    """KL(p || q) of checked float64 vectors, with 0 log 0 = 0 and p log(p / 0) = inf."""
    support = p > 0
    if np.any(q[support] == 0):
        return math.inf
    return float(np.sum(p[support] * (np.log(p[support]) - np.log(q[support]))))


def kl_divergence(p: ArrayLike, q: ArrayLike) -> float:
    r"""The Kullback–Leibler divergence :math:`\mathrm{KL}(p \,\|\, q) = \sum_k p_k \log (p_k / q_k)`, in nats.

    Terms with :math:`p_k = 0` count 0; a term with :math:`p_k > 0 = q_k` makes it infinite.
    It is not symmetric: KL(p || q) and KL(q || p) differ in general.

    Args:
        p, q: (K,) probabilities over the same K outcomes, NumPy arrays or torch tensors, each
            non-negative and summing to 1.

    Returns:
        A Python float in [0, inf].

    Example:
        >>> round(kl_divergence(np.array([0.5, 0.5]), np.array([0.9, 0.1])), 4)
        0.5108
        >>> kl_divergence(np.array([0.5, 0.5]), np.array([1.0, 0.0]))
        inf

    Introduced in notebooks/03_js_divergence.
    """
    return _kl(*_as_pair(p, q))


def js_divergence(p: ArrayLike, q: ArrayLike) -> float:
    r"""The Jensen–Shannon divergence :math:`\tfrac12\mathrm{KL}(p\,\|\,m) + \tfrac12\mathrm{KL}(q\,\|\,m)`, in nats.

    Here :math:`m = \tfrac12(p + q)`. Since m is positive wherever p or q is, the JSD is always
    finite; it is symmetric, 0 only when p = q, and at most log 2, reached for disjoint supports.
    It equals ``scipy.spatial.distance.jensenshannon(p, q) ** 2`` (SciPy returns its square root).

    Args:
        p, q: (K,) probabilities over the same K outcomes, NumPy arrays or torch tensors.

    Returns:
        A Python float in [0, log 2].

    Example:
        >>> round(js_divergence(np.array([1.0, 0.0]), np.array([0.0, 1.0])), 4)  # disjoint: log 2
        0.6931
        >>> js_divergence(torch.tensor([0.2, 0.8]), torch.tensor([0.2, 0.8]))
        0.0

    Introduced in notebooks/03_js_divergence.
    """
    p, q = _as_pair(p, q)
    m = 0.5 * (p + q)
    return 0.5 * _kl(p, m) + 0.5 * _kl(q, m)


# ----------------------------------------------------------------------------- densities on the real line


def _check_distribution_1d(name: str, distribution: object) -> None:
    if not isinstance(distribution, Distribution1D):
        raise TypeError(
            f"`{name}` must be a 1D distribution from course_lib.gan.distributions, such as Gaussian(0, 1) "
            f"(got {type(distribution).__name__})"
        )


def _breakpoints(name: str, distribution: Distribution1D) -> np.ndarray:
    """Points where the density changes fast or jumps: the panel edges of the quadrature."""
    if isinstance(distribution, Gaussian):
        steps = np.arange(-GAUSSIAN_REACH, GAUSSIAN_REACH + 1e-9, PANEL_WIDTH_IN_STDS)
        return distribution.mean + distribution.std * steps
    if isinstance(distribution, Uniform):
        return np.array([distribution.low, distribution.high])  # constant inside: its edges suffice
    if isinstance(distribution, Mixture):
        parts = [_breakpoints(name, c) for c, w in zip(distribution.components, distribution.weights) if w > 0]
        return np.concatenate(parts)
    raise ValueError(
        f"`{name}` is a {type(distribution).__name__}; the quadrature knows Gaussian, Uniform and Mixture "
        f"(of those), whose supports and kinks it can find"
    )


@functools.lru_cache(maxsize=None)
def _legendre(num_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    return np.polynomial.legendre.leggauss(num_nodes)


def quadrature_rule(*distributions: Distribution1D) -> tuple[np.ndarray, np.ndarray]:
    r"""Nodes x and weights w with :math:`\int f(x)\,dx \approx \sum_i w_i f(x_i)` for densities of these distributions.

    Composite Gauss–Legendre: panels at most half a standard deviation wide over mean ± 12 std of
    every Gaussian component, with panel edges on every uniform's endpoints (where densities jump),
    16 nodes per panel. For smooth integrands the error is far below 1e-10.

    Args:
        distributions: Gaussian, Uniform or Mixture (of those) instances.

    Returns:
        x: (N,) float64 nodes; w: (N,) float64 weights.

    Example:
        >>> x, w = quadrature_rule(Gaussian(0, 1), Uniform(2, 3))
        >>> p = Gaussian(0, 1).pdf(torch.from_numpy(x)).numpy()
        >>> round(float(w @ p), 10)
        1.0

    Introduced in notebooks/03_js_divergence.
    """
    for i, distribution in enumerate(distributions):
        _check_distribution_1d(f"distributions[{i}]", distribution)
    edges = np.unique(np.concatenate([_breakpoints(f"distributions[{i}]", d) for i, d in enumerate(distributions)]))
    nodes, weights = _legendre(NODES_PER_PANEL)  # on [-1, 1]: (n,), (n,)
    left, half_width = edges[:-1, None], 0.5 * np.diff(edges)[:, None]  # (P, 1), (P, 1)
    x = (left + half_width * (nodes[None, :] + 1)).ravel()  # (P * n,)
    w = (half_width * weights[None, :]).ravel()  # (P * n,)
    return x, w


def log_densities(p_data: Distribution1D, p_gen: Distribution1D, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """log p(x) and log p_G(x) as float64 NumPy arrays, -inf where a density is 0. x: (N,). Returns (N,), (N,)."""
    x_tensor = torch.from_numpy(np.asarray(x, dtype=np.float64))
    with torch.no_grad():
        return (
            p_data.log_prob(x_tensor).to(torch.float64).numpy(),
            p_gen.log_prob(x_tensor).to(torch.float64).numpy(),
        )


def _plogp_ratio(log_a: np.ndarray, log_b: np.ndarray) -> np.ndarray:
    """a · (log a - log b) elementwise, 0 where a = 0, from the logs of a and b (b > 0 wherever a > 0)."""
    out = np.zeros_like(log_a)
    positive = log_a > -np.inf
    out[positive] = np.exp(log_a[positive]) * (log_a[positive] - log_b[positive])
    return out


def js_divergence_1d(p_data: Distribution1D, p_gen: Distribution1D) -> float:
    r"""The Jensen–Shannon divergence between two densities on the real line, by quadrature, in nats.

    .. math::
        \mathrm{JSD}(p, p_G) = \tfrac12 \int p \log\frac{p}{q}\,dx + \tfrac12 \int p_G \log\frac{p_G}{q}\,dx,
        \qquad q = \tfrac12 (p + p_G).

    The logs are taken from ``log_prob`` (never log of a tiny pdf), so far tails cost no accuracy.
    Accurate to about 1e-10 for Gaussians (see ``quadrature_rule``).

    Args:
        p_data, p_gen: Gaussian, Uniform or Mixture distributions from ``course_lib.gan.distributions``.

    Returns:
        A Python float in [0, log 2]; log 2 exactly when the supports are disjoint.

    Example:
        >>> round(js_divergence_1d(Gaussian(0, 1), Gaussian(4, 1)), 5)
        0.63272
        >>> round(js_divergence_1d(Uniform(0, 1), Uniform(2, 3)), 6) == round(math.log(2), 6)
        True

    Introduced in notebooks/03_js_divergence.
    """
    _check_distribution_1d("p_data", p_data)
    _check_distribution_1d("p_gen", p_gen)
    x, w = quadrature_rule(p_data, p_gen)
    log_p, log_g = log_densities(p_data, p_gen, x)  # (N,), (N,)
    log_q = np.logaddexp(log_p, log_g) - LOG_2  # (N,) the mixture q = (p + p_G) / 2
    value = 0.5 * w @ _plogp_ratio(log_p, log_q) + 0.5 * w @ _plogp_ratio(log_g, log_q)
    return float(min(max(value, 0.0), LOG_2))  # quadrature rounding must not leave [0, log 2]


def kl_divergence_1d(p: Distribution1D, q: Distribution1D) -> float:
    r"""The KL divergence :math:`\int p \log (p / q)\,dx` between two densities on the real line, in nats.

    Infinite when p has mass where q has none (for instance two uniforms that do not nest).

    Args:
        p, q: Gaussian, Uniform or Mixture distributions from ``course_lib.gan.distributions``.

    Returns:
        A Python float in [0, inf].

    Example:
        >>> round(kl_divergence_1d(Gaussian(0, 1), Gaussian(2, 1)), 6)  # mu^2 / 2 for unit variances
        2.0
        >>> kl_divergence_1d(Uniform(0, 1), Uniform(0.5, 1.5))
        inf

    Introduced in notebooks/03_js_divergence.
    """
    _check_distribution_1d("p", p)
    _check_distribution_1d("q", q)
    x, w = quadrature_rule(p, q)
    log_p, log_q = log_densities(p, q, x)
    if np.any((log_p > -np.inf) & (log_q == -np.inf) & (w > 0)):
        return math.inf
    return float(max(w @ _plogp_ratio(log_p, log_q), 0.0))
