r"""The optimal discriminator D* = p / (p + p_G), the value of the game at D*, and a trained D to compare.

For a fixed generator, the value :math:`V(D, G) = \int p \log D + p_G \log(1 - D)\,dx` is
maximised pointwise: at each x, :math:`a \log D + b \log(1 - D)` with :math:`a = p(x)`,
:math:`b = p_G(x)` is concave in D and peaks at :math:`D = a / (a + b)`. Hence

.. math::
    D^*(x) = \frac{p(x)}{p(x) + p_G(x)} = \sigma\big(\log p(x) - \log p_G(x)\big),
    \qquad V(G, D^*) = 2\,\mathrm{JSD}(p, p_G) - \log 4.

The library evaluates D* in the second form, from log-densities: no 0/0 and no overflow in the tails.

Introduced in notebooks/02_optimal_discriminator.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from course_lib.gan.distributions import Distribution1D
from course_lib.gan.divergences import _check_distribution_1d, log_densities, quadrature_rule
from course_lib.gan.networks import Discriminator
from course_lib.gan.training import GANConfig, train_discriminator

Tensor = torch.Tensor


def _as_points(x: Tensor | np.ndarray) -> Tensor:
    """Check that x holds points on the real line, shape (), (B,) or (B, 1), and return it as a float tensor."""
    if isinstance(x, np.ndarray):
        if x.dtype.kind not in "fiu":
            raise ValueError(f"`x` must hold real numbers (got an array of dtype {x.dtype})")
        x = torch.from_numpy(x)
    if not isinstance(x, Tensor):
        raise TypeError(f"`x` must be a torch tensor of points, shape (B,) or (B, 1) (got {type(x).__name__})")
    if x.is_complex() or x.dtype == torch.bool:
        raise ValueError(f"`x` must hold real numbers (got dtype {x.dtype})")
    if not (x.ndim <= 1 or (x.ndim == 2 and x.shape[1] == 1)):
        raise ValueError(
            f"`x` must have shape (B,) or (B, 1): points on the real line (got shape {tuple(x.shape)}); "
            f"these distributions are one-dimensional"
        )
    if not x.is_floating_point():
        x = x.to(torch.get_default_dtype())
    if torch.isnan(x).any():
        raise ValueError(f"`x` contains NaN at index {int(torch.isnan(x).flatten().nonzero()[0])}; pass finite points")
    return x.squeeze(-1) if x.ndim == 2 else x


class OptimalDiscriminator:
    r"""The discriminator that maximises V(D, G) for a fixed generator: :math:`D^*(x) = p(x) / (p(x) + p_G(x))`.

    Where both densities are 0 (outside both supports), every D is equally good, since such points
    carry no mass and do not change V. We return 1/2 there: "cannot tell", the same value D* takes
    wherever :math:`p = p_G`. Where only :math:`p_G` is 0, D* = 1; where only p is 0, D* = 0.

    Calls are differentiable in x (for Gaussians), so autograd gives the push D* sends the generator.

    Args:
        p_data: the real distribution p.
        p_gen: the generator's distribution p_G.

    Example:
        >>> from course_lib.gan.distributions import Gaussian
        >>> d_star = OptimalDiscriminator(Gaussian(0, 1), Gaussian(2, 1))
        >>> d_star(torch.tensor([1.0]))  # halfway between the two means, it cannot tell
        tensor([0.5000])

    Introduced in notebooks/02_optimal_discriminator.
    """

    def __init__(self, p_data: Distribution1D, p_gen: Distribution1D):
        _check_distribution_1d("p_data", p_data)
        _check_distribution_1d("p_gen", p_gen)
        self.p_data, self.p_gen = p_data, p_gen

    def logit(self, x: Tensor | np.ndarray) -> Tensor:
        """log p(x) - log p_G(x): +inf where only p_G is 0, -inf where only p is 0, 0 where both are.

        x: (), (B,) or (B, 1) float. Returns (B,) (or () for a scalar).
        """
        return self._logit(_as_points(x))

    def _logit(self, x: Tensor) -> Tensor:
        log_p, log_g = self.p_data.log_prob(x), self.p_gen.log_prob(x)
        both_zero = (log_p == -math.inf) & (log_g == -math.inf)
        return torch.where(both_zero, torch.zeros_like(log_p), log_p - log_g)

    def __call__(self, x: Tensor | np.ndarray) -> Tensor:
        """D*(x). x: (), (B,) or (B, 1) float. Returns (B,) (or ()) in [0, 1]."""
        return torch.sigmoid(self._logit(_as_points(x)))

    def __repr__(self) -> str:
        return f"OptimalDiscriminator(p_data={self.p_data!r}, p_gen={self.p_gen!r})"


def optimal_discriminator(p_data: Distribution1D, p_gen: Distribution1D) -> OptimalDiscriminator:
    r"""The optimal discriminator for a fixed generator, as a callable :math:`x \mapsto p(x) / (p(x) + p_G(x))`.

    See ``OptimalDiscriminator`` for the conventions where a density is 0 (1/2 where both are).

    Args:
        p_data: the real distribution p, a 1D distribution from ``course_lib.gan.distributions``.
        p_gen: the generator's distribution p_G.

    Returns:
        A callable: x of shape (B,) or (B, 1), tensor or array, to D*(x) of shape (B,).

    Example:
        >>> from course_lib.gan.distributions import Gaussian, Uniform
        >>> d_star = optimal_discriminator(Uniform(0, 1), Uniform(0.5, 1.5))
        >>> d_star(torch.tensor([0.25, 0.75, 1.25, 3.0]))  # only p, both, only p_G, neither
        tensor([1.0000, 0.5000, 0.0000, 0.5000])

    Introduced in notebooks/02_optimal_discriminator.
    """
    return OptimalDiscriminator(p_data, p_gen)


def optimal_discriminator_from_densities(p_x: Tensor, p_gen_x: Tensor) -> Tensor:
    r"""D* from density values: :math:`p / (p + p_G)` elementwise, and 1/2 where both densities are 0.

    The same D* as ``OptimalDiscriminator``, for when only the two densities' values at some points
    are known (ps01's grader passes such values). ``OptimalDiscriminator`` works from log-densities
    instead, which stays exact in far tails where both densities underflow to 0.

    Args:
        p_x: (B,) values p(x) >= 0, a float tensor.
        p_gen_x: (B,) values p_G(x) >= 0, same shape.

    Returns:
        (B,) float tensor in [0, 1].

    Example:
        >>> optimal_discriminator_from_densities(torch.tensor([0.3, 0.0, 0.2, 0.0]), torch.tensor([0.1, 0.5, 0.2, 0.0]))
        tensor([0.7500, 0.0000, 0.5000, 0.5000])

    Introduced in notebooks/02_optimal_discriminator.
    """
    for name, values in (("p_x", p_x), ("p_gen_x", p_gen_x)):
        if not isinstance(values, Tensor) or not values.is_floating_point():
            raise TypeError(f"`{name}` must be a float torch tensor of density values (got {type(values).__name__})")
        if torch.isnan(values).any() or (values < 0).any():
            raise ValueError(f"`{name}` must hold densities: non-negative numbers, no NaN")
    if p_x.shape != p_gen_x.shape:
        raise ValueError(f"`p_x` and `p_gen_x` must have the same shape (got {tuple(p_x.shape)} and {tuple(p_gen_x.shape)})")
    total = p_x + p_gen_x
    both_zero = total == 0
    return torch.where(both_zero, torch.full_like(total, 0.5), p_x / torch.where(both_zero, torch.ones_like(total), total))


def optimal_value(p_data: Distribution1D, p_gen: Distribution1D) -> float:
    r"""The value of the game at the optimal discriminator, by quadrature:

    .. math::
        V(G, D^*) = \int p(x) \log D^*(x)\,dx + \int p_G(x) \log\big(1 - D^*(x)\big)\,dx.

    It equals :math:`2\,\mathrm{JSD}(p, p_G) - \log 4`: -log 4 when p = p_G, 0 for disjoint supports.

    Args:
        p_data, p_gen: Gaussian, Uniform or Mixture distributions.

    Returns:
        A Python float in [-log 4, 0].

    Example:
        >>> from course_lib.gan.distributions import Gaussian
        >>> round(optimal_value(Gaussian(0, 1), Gaussian(0, 1)), 6) == round(-math.log(4), 6)
        True

    Introduced in notebooks/03_js_divergence.
    """
    d_star = OptimalDiscriminator(p_data, p_gen)
    x, w = quadrature_rule(p_data, p_gen)  # (N,), (N,)
    log_p, log_g = log_densities(p_data, p_gen, x)
    with torch.no_grad():
        logit = d_star._logit(torch.from_numpy(x)).to(torch.float64).numpy()  # (N,)
    log_d, log_one_minus_d = -np.logaddexp(0.0, -logit), -np.logaddexp(0.0, logit)  # log sigma(l), log sigma(-l)
    return float(w @ _density_times(log_p, log_d) + w @ _density_times(log_g, log_one_minus_d))


def _density_times(log_density: np.ndarray, values: np.ndarray) -> np.ndarray:
    """density · values elementwise, 0 where the density is 0 (values there may be -inf)."""
    out = np.zeros_like(values)
    positive = log_density > -np.inf
    out[positive] = np.exp(log_density[positive]) * values[positive]
    return out


@dataclass(frozen=True)
class MonteCarloEstimate:
    """A sample mean and its standard error: the truth lies within 2 standard errors about 95% of the time."""

    mean: float
    standard_error: float
    num_samples: int

    def __repr__(self) -> str:
        return f"{self.mean:.4f} ± {2 * self.standard_error:.4f} (2 standard errors, n = {self.num_samples})"


def optimal_value_monte_carlo(
    p_data: Distribution1D, p_gen: Distribution1D, n: int = 10_000, generator: torch.Generator | None = None
) -> MonteCarloEstimate:
    r"""V(G, D*) estimated from samples: the mean of :math:`\log D^*(x)` over x ~ p plus that of :math:`\log(1 - D^*(\tilde x))` over x̃ ~ p_G.

    This is how a GAN meets V: as averages over batches, never as integrals.

    Args:
        p_data, p_gen: 1D distributions with densities.
        n: samples drawn from each distribution.
        generator: a torch generator, for repeatable draws.

    Returns:
        A ``MonteCarloEstimate``; its standard error is sqrt(var_real / n + var_fake / n).

    Example:
        >>> from course_lib.gan.distributions import Uniform
        >>> optimal_value_monte_carlo(Uniform(0, 1), Uniform(2, 3), n=100)  # disjoint: D* is perfect, V = 0
        0.0000 ± 0.0000 (2 standard errors, n = 100)

    Introduced in notebooks/03_js_divergence.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ValueError(f"`n` must be an int >= 2, the samples per distribution (got {n!r}); a standard error needs two")
    d_star = OptimalDiscriminator(p_data, p_gen)
    x_real, x_fake = p_data.sample(n, generator=generator), p_gen.sample(n, generator=generator)  # (n, 1) each
    with torch.no_grad():
        log_d_real = F.logsigmoid(d_star._logit(x_real[:, 0]).double())  # (n,) log D*(x)
        log_one_minus_d_fake = F.logsigmoid(-d_star._logit(x_fake[:, 0]).double())  # (n,) log(1 - D*(x~))
    mean = float(log_d_real.mean() + log_one_minus_d_fake.mean())
    variance = float(log_d_real.var(correction=1) + log_one_minus_d_fake.var(correction=1)) / n
    return MonteCarloEstimate(mean, math.sqrt(variance), n)


def generator_gradient_at_optimum(p_data: Distribution1D, p_gen: Distribution1D) -> float:
    r"""How hard the optimal discriminator pushes the generator: the derivative of its minimax loss under a shift.

    Move every generated sample by t, with D* held fixed. The generator's loss
    :math:`E_{\tilde x \sim p_G}[\log(1 - D^*(\tilde x + t))]` changes at t = 0 at the rate

    .. math::
        g = \int p_G(x)\, \frac{d}{dx} \log\big(1 - D^*(x)\big)\,dx,

    computed by autograd through D* at the quadrature nodes. For smooth densities it equals
    :math:`2\, \frac{d}{dt}\mathrm{JSD}(p, p_G(\cdot - t))` (the envelope theorem: D* is optimal,
    so its own change does not count to first order). Where D* is flat on the generated samples,
    g is 0: the generator learns nothing.

    Args:
        p_data, p_gen: Gaussian, Uniform or Mixture distributions.

    Returns:
        A Python float; negative when moving the samples right lowers the loss.

    Example:
        >>> from course_lib.gan.distributions import Gaussian
        >>> round(generator_gradient_at_optimum(Gaussian(0, 1), Gaussian(0, 1)), 8)  # at equilibrium: no push
        0.0

    Introduced in notebooks/03_js_divergence.
    """
    d_star = OptimalDiscriminator(p_data, p_gen)
    x_nodes, w = quadrature_rule(p_data, p_gen)  # (N,), (N,)
    x = torch.from_numpy(x_nodes).requires_grad_(True)
    loss_per_point = F.logsigmoid(-d_star._logit(x))  # (N,) log(1 - D*(x))
    if loss_per_point.requires_grad:
        (slope,) = torch.autograd.grad(loss_per_point.sum(), x)  # (N,) d/dx log(1 - D*(x)), pointwise
    else:  # piecewise-constant densities (uniforms): D* is flat between their edges
        slope = torch.zeros_like(x)
    _, log_g = log_densities(p_data, p_gen, x_nodes)
    slope = torch.nan_to_num(slope.detach().double(), nan=0.0).numpy()
    return float(w @ (np.exp(log_g) * slope))


class _FrozenGenerator(nn.Module):
    """Adapts a distribution with a known density to the trainer's generator interface; it never learns.

    ``GANTrainer`` also builds the generator's optimiser, which needs a parameter: ours gets no gradient.
    """

    def __init__(self, distribution: Distribution1D):
        super().__init__()
        self.distribution, self.data_dim, self.z_dim = distribution, 1, 1
        self.unused = nn.Parameter(torch.zeros(()), requires_grad=False)

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        return self.distribution.sample(n, generator=generator).to(torch.get_default_dtype())  # (n, 1)


def train_against_fixed_generator(
    discriminator: Discriminator,
    p_data: Distribution1D,
    p_gen: Distribution1D,
    num_steps: int = 300,
    config: GANConfig | None = None,
    rng: torch.Generator | None = None,
) -> list[float]:
    """Train an MLP discriminator on samples of p (label 1) and p_G (label 0): the inner max of the game.

    The generator is frozen at a distribution with a known density, so the result can be compared
    with ``optimal_discriminator(p_data, p_gen)``. The loop is notebook 01's
    ``course_lib.gan.training.train_discriminator``; this only hands it the frozen generator.

    Args:
        discriminator: a 1D ``Discriminator`` (data_dim=1), trained in place.
        p_data, p_gen: the real and generated distributions (anything with ``sample``).
        num_steps: discriminator steps, one batch of each per step.
        config: learning rate and batch size (``GANConfig()`` by default).
        rng: the torch generator for the batches.

    Returns:
        V(D, G) on each step's batch: it climbs towards V(G, D*) = 2 JSD - log 4.

    Introduced in notebooks/02_optimal_discriminator.
    """
    _check_distribution_1d("p_data", p_data)
    _check_distribution_1d("p_gen", p_gen)
    if not isinstance(discriminator, Discriminator) or discriminator.data_dim != 1:
        raise ValueError("`discriminator` must be a course_lib.gan.networks.Discriminator(data_dim=1)")
    return train_discriminator(discriminator, _FrozenGenerator(p_gen), p_data, num_steps=num_steps, config=config, rng=rng)
