r"""Lipschitz critics: the optimal 1-Lipschitz critic in 1D, instance noise, and WGAN training with each constraint.

The Wasserstein-1 distance has the dual form (Kantorovich–Rubinstein)

.. math::
    W_1(p, p_G) = \sup_{\mathrm{Lip}(f) \le 1} E_{x \sim p}[f(x)] - E_{\tilde x \sim p_G}[f(\tilde x)].

On the real line, integrating by parts gives :math:`E_p[f] - E_{p_G}[f] = \int f'(x)\,(F_G(x) - F(x))\,dx`
with F, F_G the two CDFs; with :math:`|f'| \le 1`, the supremum takes :math:`f'(x) = \mathrm{sign}(F_G(x) - F(x))`
and equals :math:`\int |F(x) - F_G(x)|\,dx`. So in 1D the optimal critic is known exactly.

``train_wgan`` trains a generator against a critic kept Lipschitz in one of four ways ("plain":
no constraint; "clip": weight clipping; "gp": gradient penalty; "sn": spectral normalisation).
It reuses notebook 01's networks; only the losses and the constraint differ from ``train_gan``.

Introduced in notebooks/04_perfect_vs_lipschitz.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch

from course_lib.gan.discriminators import optimal_discriminator
from course_lib.gan.distributions import Distribution1D, Gaussian, Mixture
from course_lib.gan.lipschitz import apply_spectral_norm_, clip_weights_, gradient_penalty, normalised_weight_norms
from course_lib.gan.losses import (
    minimax_generator_loss,
    non_saturating_generator_loss,
    wasserstein_critic_loss,
    wasserstein_generator_loss,
)
from course_lib.gan.networks import Discriminator, Generator
from course_lib.optim import Adam
from course_lib.gan.training import Samples

Tensor = torch.Tensor

VARIANTS = ("plain", "clip", "gp", "sn")


# ----------------------------------------------------------------------------- the optimal critic in 1D


def _as_sample_array(name: str, x: Tensor | np.ndarray) -> np.ndarray:
    x = x.detach().cpu().numpy() if isinstance(x, Tensor) else np.asarray(x)
    if x.ndim == 2 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim != 1 or x.size == 0 or x.dtype.kind not in "fiu" or not np.isfinite(x).all():
        raise ValueError(f"`{name}` must be finite 1D samples, shape (n,) or (n, 1) (got shape {x.shape})")
    return x.astype(np.float64)


@dataclass(frozen=True)
class PiecewiseLinearCritic:
    """A critic f on the real line, linear between ``knots``, constant outside them. Call it on an array."""

    knots: np.ndarray  # (N,) increasing
    values: np.ndarray  # (N,) f at the knots

    def __call__(self, x: np.ndarray | Tensor) -> np.ndarray:
        x = x.detach().numpy() if isinstance(x, Tensor) else np.asarray(x, dtype=np.float64)
        return np.interp(x, self.knots, self.values)


def optimal_critic_1d(x_real: Tensor | np.ndarray, x_fake: Tensor | np.ndarray, K: float = 1.0) -> PiecewiseLinearCritic:
    r"""The best K-Lipschitz critic for two sets of 1D samples: :math:`f' = K\,\mathrm{sign}(F_G - F)` between samples.

    F and F_G are the empirical CDFs. For this f, :math:`\mathrm{mean}\, f(x_{real}) - \mathrm{mean}\, f(x_{fake})`
    equals K times ``scipy.stats.wasserstein_distance(x_real, x_fake)``, up to round-off. f is
    centred to have mean 0 over the two sample sets (the dual does not see a constant).

    Args:
        x_real, x_fake: (n,) or (n, 1) samples (tensors or arrays; sizes may differ).
        K: the Lipschitz constant allowed.

    Example:
        >>> f = optimal_critic_1d(np.array([2.0, 3.0]), np.array([0.0, 1.0]))
        >>> float(f(np.array([2.0, 3.0])).mean() - f(np.array([0.0, 1.0])).mean())  # W1 = 2
        2.0

    Introduced in notebooks/04_perfect_vs_lipschitz.
    """
    real, fake = _as_sample_array("x_real", x_real), _as_sample_array("x_fake", x_fake)
    knots = np.unique(np.concatenate([real, fake]))  # (N,)
    cdf_real = np.searchsorted(np.sort(real), knots[:-1], side="right") / len(real)  # (N-1,) F on each gap
    cdf_fake = np.searchsorted(np.sort(fake), knots[:-1], side="right") / len(fake)  # (N-1,) F_G on each gap
    slopes = K * np.sign(cdf_fake - cdf_real)  # (N-1,)
    values = np.concatenate([[0.0], np.cumsum(slopes * np.diff(knots))])  # (N,)
    f = PiecewiseLinearCritic(knots, values)
    return PiecewiseLinearCritic(knots, values - np.concatenate([f(real), f(fake)]).mean())


def wasserstein_dual_1d(x_real: Tensor | np.ndarray, x_fake: Tensor | np.ndarray) -> float:
    r"""W_1 between two 1D sample sets through the dual: :math:`E_{real}[f^*] - E_{fake}[f^*]` with f* from ``optimal_critic_1d``.

    Example:
        >>> round(wasserstein_dual_1d(np.array([0.0, 1.0, 2.0]), np.array([5.0, 6.0, 7.0])), 10)
        5.0

    Introduced in notebooks/04_perfect_vs_lipschitz.
    """
    real, fake = _as_sample_array("x_real", x_real), _as_sample_array("x_fake", x_fake)
    f = optimal_critic_1d(real, fake)
    return float(f(real).mean() - f(fake).mean())


def optimal_critic_on_grid(p_data: Distribution1D, p_gen: Distribution1D, grid: np.ndarray, K: float = 1.0) -> tuple[np.ndarray, float]:
    r"""The optimal K-Lipschitz critic of two densities on an even grid, and :math:`W_1 = \int |F - F_G|\,dx`.

    The CDFs are integrated from the densities by the trapezoid rule on the grid, which must cover
    (nearly) all of both distributions' mass. The dual does not see a constant, so f is centred: it
    is 0 at the grid point where :math:`|F_G - F|` is largest (between two bumps, in the gap).

    Args:
        p_data, p_gen: 1D distributions with ``pdf``.
        grid: (N,) increasing, evenly spaced points.
        K: the Lipschitz constant allowed.

    Returns:
        f: (N,) the critic on the grid; and W_1 (for K = 1; the dual value is K · W_1).

    Example:
        >>> grid = np.linspace(-8, 10, 1801)
        >>> f, w1 = optimal_critic_on_grid(Gaussian(2, 1), Gaussian(0, 1), grid)
        >>> round(w1, 3)  # equal widths: W1 is the distance between the means
        2.0

    Introduced in notebooks/04_perfect_vs_lipschitz.
    """
    x = torch.from_numpy(np.asarray(grid, dtype=np.float64))
    with torch.no_grad():
        densities = np.stack([p_data.pdf(x).numpy(), p_gen.pdf(x).numpy()])  # (2, N)
    dx = float(grid[1] - grid[0])
    cdfs = np.concatenate([np.zeros((2, 1)), np.cumsum(0.5 * (densities[:, 1:] + densities[:, :-1]) * dx, axis=1)], axis=1)  # (2, N)
    gap = cdfs[1] - cdfs[0]  # (N,) F_G - F
    gap_mid = 0.5 * (gap[1:] + gap[:-1])  # (N-1,)
    slopes = K * np.sign(gap_mid) * (np.abs(gap_mid) > 1e-12)  # (N-1,) flat where the CDFs agree up to round-off
    f = np.concatenate([[0.0], np.cumsum(slopes * dx)])  # (N,)
    centre = int(np.argmax(np.abs(gap)))
    return f - f[centre], float(np.abs(gap).sum() * dx)


def sliced_wasserstein(x: Tensor | np.ndarray, y: Tensor | np.ndarray, num_directions: int = 16) -> float:
    r"""W_1 between two sample sets in 1D (as ``scipy.stats.wasserstein_distance``); in d > 1 dimensions, its sliced version.

    The sliced distance averages the 1D W_1 of the projections onto ``num_directions`` fixed unit
    directions, evenly spread on the half circle in 2D (random but seeded in higher dimensions).
    It is a cheap yardstick that, unlike a critic's estimate, does not depend on training.

    Args:
        x, y: (n, d) and (m, d) samples.

    Example:
        >>> round(sliced_wasserstein(np.zeros((3, 1)), np.ones((4, 1))), 6)
        1.0

    Introduced in notebooks/05_lipschitz_constraints.
    """
    x = x.detach().numpy() if isinstance(x, Tensor) else np.asarray(x)
    y = y.detach().numpy() if isinstance(y, Tensor) else np.asarray(y)
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1]:
        raise ValueError(f"`x` and `y` must be (n, d) and (m, d) samples of the same dimension (got {x.shape} and {y.shape})")
    d = x.shape[1]
    if d == 1:
        return _wasserstein_1d(x[:, 0], y[:, 0])
    if d == 2:
        angles = np.pi * np.arange(num_directions) / num_directions
        directions = np.stack([np.cos(angles), np.sin(angles)], axis=1)  # (L, 2)
    else:
        directions = np.random.default_rng(0).standard_normal((num_directions, d))
        directions /= np.linalg.norm(directions, axis=1, keepdims=True)  # (L, d)
    return float(np.mean([_wasserstein_1d(x @ u, y @ u) for u in directions]))


def _wasserstein_1d(x: np.ndarray, y: np.ndarray) -> float:
    """W1 of two 1D sample sets: for equal sizes, the mean gap between sorted samples; else scipy's."""
    if len(x) == len(y):
        return float(np.abs(np.sort(x) - np.sort(y)).mean())
    from scipy.stats import wasserstein_distance  # imported here: scipy.stats takes half a second to import

    return float(wasserstein_distance(x, y))


def generator_pushes_1d(p_data: Distribution1D, p_gen: Distribution1D, x_fake: Tensor | np.ndarray, K: float = 1.0) -> dict[str, np.ndarray]:
    r"""The push each loss gives each generated sample: :math:`-\partial\,\mathrm{loss} / \partial \tilde x`, per sample.

    The push is the direction in which gradient descent on the loss moves the sample: positive
    means "move right". Under the perfect discriminator :math:`D^* = \sigma(l)`, :math:`l = \log p - \log p_G`,
    it is computed by autograd through the library's losses: the minimax (saturating) loss
    :math:`\log(1 - D^*)` pushes with :math:`D^*(\tilde x)\, l'(\tilde x)`, the non-saturating loss
    :math:`-\log D^*` with :math:`(1 - D^*(\tilde x))\, l'(\tilde x)`. Under the optimal K-Lipschitz critic,
    the WGAN loss :math:`-f(\tilde x)` pushes with :math:`f'(\tilde x) = \pm K`.

    Args:
        p_data, p_gen: Gaussian, Uniform or Mixture distributions (with uniforms, D* is flat: pushes 0).
        x_fake: (n,) or (n, 1) generated samples.
        K: the critic's Lipschitz constant.

    Returns:
        {"minimax": (n,), "non-saturating": (n,), "critic": (n,)} float64 arrays of pushes.

    Example:
        >>> pushes = generator_pushes_1d(Gaussian(2, 0.5), Gaussian(-2, 0.5), np.array([-2.0]))
        >>> [f"{name} {push[0]:+.1e}" for name, push in pushes.items()]  # all push right, towards the data
        ['minimax +2.0e-13', 'non-saturating +1.6e+01', 'critic +1.0e+00']

    Introduced in notebooks/04_perfect_vs_lipschitz.
    """
    fake = _as_sample_array("x_fake", x_fake)
    x = torch.from_numpy(fake).requires_grad_(True)  # (n,)
    logits = optimal_discriminator(p_data, p_gen).logit(x)  # (n,) l(x)
    pushes = {}
    for name, loss in (("minimax", minimax_generator_loss), ("non-saturating", non_saturating_generator_loss)):
        if not logits.requires_grad:  # piecewise-constant densities (uniforms): D* is flat on every sample
            pushes[name] = np.zeros_like(fake)
            continue
        (grad,) = torch.autograd.grad(loss(logits) * len(fake), x, retain_graph=True)  # (n,) per-sample derivative
        pushes[name] = np.nan_to_num(-grad.numpy(), nan=0.0)
    low, high = min(fake.min(), -12.0), max(fake.max(), 12.0)
    grid = np.linspace(low - 1.0, high + 1.0, 4001)
    f, _ = optimal_critic_on_grid(p_data, p_gen, grid, K)
    pushes["critic"] = np.interp(fake, 0.5 * (grid[1:] + grid[:-1]), np.diff(f) / np.diff(grid))
    return pushes


# ----------------------------------------------------------------------------- instance noise


def with_instance_noise(distribution: Distribution1D, noise_std: float) -> Distribution1D:
    r"""The distribution of x + e, with e ~ N(0, noise_std²) independent of x: the density convolved with a Gaussian.

    Adding the same noise to real and generated samples blurs both densities, so their supports
    overlap, D* becomes smooth, and the generator gets a gradient (Sønderby et al., 2017). For a
    Gaussian, the variances add; for a mixture, each component's does.

    Example:
        >>> with_instance_noise(Gaussian(0, 0.3), 0.4)
        Gaussian(mean=0, std=0.5)

    Introduced in notebooks/05_lipschitz_constraints.
    """
    if not (isinstance(noise_std, (int, float)) and math.isfinite(noise_std) and noise_std >= 0):
        raise ValueError(f"`noise_std` must be a number >= 0 (got {noise_std!r})")
    if isinstance(distribution, Gaussian):
        return Gaussian(distribution.mean, math.hypot(distribution.std, noise_std))
    if isinstance(distribution, Mixture):
        return Mixture([with_instance_noise(c, noise_std) for c in distribution.components], distribution.weights)
    raise ValueError(
        f"with_instance_noise knows Gaussian and Mixture of Gaussians (got {type(distribution).__name__}); "
        f"for other data, add noise to the samples: x + noise_std * torch.randn_like(x)"
    )


# ----------------------------------------------------------------------------- WGAN training


@dataclass
class CriticConfig:
    """Settings of a WGAN run with one Lipschitz constraint. The defaults train the 1D toy in about a quarter second."""

    variant: str = "gp"  # "plain" (unconstrained), "clip", "gp" or "sn"
    num_steps: int = 100  # generator steps
    critic_steps: int = 3  # critic steps per generator step (WGAN uses 5; 3 is enough on the toys)
    batch_size: int = 128
    lr_critic: float = 2e-3  # Adam for every variant, so that only the constraint differs
    lr_g: float = 2e-3
    betas: tuple[float, float] = (0.0, 0.9)  # WGAN-GP's Adam setting: no momentum on the critic's moving target
    clip: float = 0.05  # weight clipping's c; WGAN's 0.01 leaves a width-32 critic nearly flat (K tiny)
    gp_lambda: float = 10.0  # Gulrajani et al.'s lambda
    sn_iters: int = 2  # power iterations per call, u kept between calls; Miyato et al. use 1, which lags our fast Adam steps more (see CriticHistory.sn_weight_norm)
    num_shown: int = 512  # generated samples kept at the end, from one fixed noise batch
    track_sn_lag: bool = True  # "sn": record sn_weight_norm (an SVD per layer per critic call, about 40% of an SN run's time)

    def __post_init__(self) -> None:
        if self.variant not in VARIANTS:
            raise ValueError(f"CriticConfig.variant must be one of {VARIANTS} (got {self.variant!r})")
        for name in ("num_steps", "critic_steps", "batch_size", "sn_iters", "num_shown"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"CriticConfig.{name} must be a positive int (got {value!r})")
        if not isinstance(self.track_sn_lag, bool):
            raise ValueError(f"CriticConfig.track_sn_lag must be True or False (got {self.track_sn_lag!r})")
        for name in ("lr_critic", "lr_g", "clip", "gp_lambda"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise ValueError(f"CriticConfig.{name} must be a positive number (got {value!r})")


@dataclass
class CriticHistory:
    """What a WGAN run produced: the critic's estimate of W1 per generator step, and the final state."""

    config: CriticConfig
    w_estimate: list[float] = field(default_factory=list)  # E f(real) - E f(fake) on the last critic batch of each step
    loss_g: list[float] = field(default_factory=list)
    w1_steps: list[int] = field(default_factory=list)  # the steps at which w1_samples was measured
    w1_samples: list[float] = field(default_factory=list)  # W1 (sliced in 2D) between the shown generated and real samples
    x_fake: np.ndarray | None = None  # (num_shown, data_dim) final generated samples
    grid: np.ndarray | None = None  # (num_grid, data_dim)
    critic_grid: np.ndarray | None = None  # (num_grid,) final critic scores on the grid
    sn_weight_norm: list[float] = field(default_factory=list)  # "sn" with track_sn_lag only: per step, the largest true norm of a normalised weight used (1 if sigma were exact)

    def __repr__(self) -> str:
        last = f", final critic estimate {self.w_estimate[-1]:.3f}" if self.w_estimate else ""
        return f"CriticHistory({self.config.variant!r}, {len(self.w_estimate)} steps{last})"


def critic_for(variant: str, data_dim: int = 1, hidden: int = 32, sn_iters: int = 2) -> Discriminator:
    """A critic network for a variant: notebook 01's MLP (LeakyReLU 0.2, 1-Lipschitz), spectrally normalised for "sn".

    ``sn_iters`` is the number of power iterations per call for "sn" (see ``CriticConfig.sn_iters``).

    Its outputs are raw scores f(x), not logits: no sigmoid is applied anywhere.

    Introduced in notebooks/05_lipschitz_constraints.
    """
    if variant not in VARIANTS:
        raise ValueError(f"`variant` must be one of {VARIANTS} (got {variant!r})")
    critic = Discriminator(data_dim=data_dim, hidden=hidden)
    return apply_spectral_norm_(critic, sn_iters) if variant == "sn" else critic


def critic_step(critic: Discriminator, optimizer: Adam, x_real: Tensor, x_fake: Tensor, config: CriticConfig, rng: torch.Generator) -> float:
    """One critic step on the WGAN loss plus the variant's constraint. Returns the dual estimate E f(real) - E f(fake).

    "gp" adds ``gradient_penalty`` to the loss; "clip" clips the weights after the step; "sn"
    needs nothing here (its weights are normalised on every call); "plain" is unconstrained.

    Introduced in notebooks/05_lipschitz_constraints.
    """
    scores = critic(torch.cat([x_real, x_fake]))  # (2B,)
    loss = wasserstein_critic_loss(scores[: len(x_real)], scores[len(x_real) :])
    penalty = gradient_penalty(critic, x_real, x_fake, config.gp_lambda, generator=rng) if config.variant == "gp" else 0.0
    optimizer.zero_grad()
    (loss + penalty).backward()
    optimizer.step()
    if config.variant == "clip":
        clip_weights_(critic, config.clip)
    return -loss.item()


def train_wgan(
    generator: Generator,
    critic: Discriminator,
    data: Samples,
    config: CriticConfig | None = None,
    rng: torch.Generator | None = None,
    grid: Tensor | None = None,
) -> CriticHistory:
    """Train a generator against a Lipschitz critic: ``critic_steps`` critic steps, then one generator step.

    Args:
        generator: notebook 01's ``Generator``, trained in place.
        critic: from ``critic_for(config.variant, ...)``, trained in place.
        data: the real distribution, anything with ``sample(n, generator)``.
        config: the run's settings.
        rng: the torch generator for all the run's randomness (seed 0 by default).
        grid: (num_grid, data_dim) points where the final critic is evaluated; None to skip.

    Returns:
        A ``CriticHistory``: the critic's W1 estimate per step (unreliable for "plain"), and every
        10 steps an independent measure, ``sliced_wasserstein`` between generated and real samples.
        For "sn" it also records, per step, the largest true spectral norm of a normalised weight
        (``normalised_weight_norms``, taken just before each call of the critic that trains), unless
        ``config.track_sn_lag`` is False.

    Example:
        >>> _ = torch.manual_seed(0)
        >>> config = CriticConfig(variant="sn", num_steps=3)
        >>> train_wgan(Generator(), critic_for("sn"), Gaussian(2, 0.5), config)
        CriticHistory('sn', 3 steps, final critic estimate ...)

    Introduced in notebooks/05_lipschitz_constraints.
    """
    config = config or CriticConfig()
    rng = rng if rng is not None else torch.Generator().manual_seed(0)
    if (config.variant == "sn") != any(hasattr(m, "parametrizations") for m in critic.modules()):
        raise ValueError(f"the critic does not match variant {config.variant!r}; build it with critic_for({config.variant!r}, data_dim)")
    opt_c = Adam(critic.parameters(), lr=config.lr_critic, betas=config.betas)
    opt_g = Adam(generator.parameters(), lr=config.lr_g, betas=config.betas)
    fixed = torch.Generator().manual_seed(1)
    z_shown, x_shown = generator.noise(config.num_shown, generator=fixed), data.sample(config.num_shown, generator=fixed)
    history = CriticHistory(config=config)
    track_lag = config.variant == "sn" and config.track_sn_lag
    for step in range(1, config.num_steps + 1):
        weight_norms = []  # "sn": the true norm of each normalised weight, just before each call that uses it
        for _ in range(config.critic_steps):
            x_real = data.sample(config.batch_size, generator=rng)  # (B, d)
            with torch.no_grad():
                x_fake = generator.sample(config.batch_size, generator=rng)  # (B, d)
            if track_lag:
                weight_norms += normalised_weight_norms(critic)
            estimate = critic_step(critic, opt_c, x_real, x_fake, config, rng)
        if track_lag:
            weight_norms += normalised_weight_norms(critic)
            history.sn_weight_norm.append(max(weight_norms))
        loss_g = wasserstein_generator_loss(critic(generator.sample(config.batch_size, generator=rng)))
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        if not (math.isfinite(estimate) and math.isfinite(loss_g.item())):
            raise FloatingPointError(f"training diverged at step {step}; lower config.lr_critic and config.lr_g")
        history.w_estimate.append(estimate)
        history.loss_g.append(loss_g.item())
        if step % 10 == 0 or step == 1:
            with torch.no_grad():
                history.w1_steps.append(step)
                history.w1_samples.append(sliced_wasserstein(generator(z_shown), x_shown))
    with torch.no_grad():
        history.x_fake = generator(z_shown).numpy()
        if grid is not None:
            history.grid, history.critic_grid = grid.numpy(), critic(grid).numpy()
    return history


def train_critic_variants(
    data: Samples,
    data_dim: int,
    variants: tuple[str, ...] = VARIANTS,
    seed: int = 0,
    grid: Tensor | None = None,
    hidden: int = 32,
    **config: object,
) -> dict[str, CriticHistory]:
    """Train one WGAN per variant from the same initial generator and the same seed: a side-by-side comparison.

    Args:
        data, data_dim: the real distribution and its dimension.
        variants: which constraints, a subset of ``VARIANTS``.
        grid: (num_grid, data_dim) points for each final critic.
        config: other ``CriticConfig`` fields, the same for every variant.

    Returns:
        {variant: CriticHistory}.

    Introduced in notebooks/05_lipschitz_constraints.
    """
    runs = {}
    for variant in variants:
        settings = CriticConfig(variant=variant, **config)
        torch.manual_seed(seed)
        generator = Generator(z_dim=data_dim, data_dim=data_dim, hidden=hidden)
        critic = critic_for(variant, data_dim, hidden, settings.sn_iters)
        runs[variant] = train_wgan(generator, critic, data, settings, torch.Generator().manual_seed(seed), grid)
    return runs
