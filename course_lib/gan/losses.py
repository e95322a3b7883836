r"""The GAN value function and the players' losses, all computed from discriminator logits.

With :math:`D = \sigma(l)`, we have :math:`\log D = \log\sigma(l)` and
:math:`\log(1 - D) = \log\sigma(-l)`; ``F.logsigmoid`` computes both without overflow, where
``torch.log(torch.sigmoid(l))`` would return -inf for l below about -100.

Introduced in notebooks/01_gan_game.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

Tensor = torch.Tensor


def _check_logits(name: str, logits: Tensor) -> None:
    if not isinstance(logits, Tensor):
        raise TypeError(f"`{name}` must be a torch.Tensor of discriminator logits (got {type(logits).__name__})")
    if logits.ndim != 1 or not logits.is_floating_point():
        raise ValueError(
            f"`{name}` must be a 1-D float tensor of logits, shape (B,) (got shape {tuple(logits.shape)}, "
            f"dtype {logits.dtype}); a discriminator output of shape (B, 1) needs .squeeze(-1)"
        )


def gan_value(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    r"""The minimax value :math:`V(D, G) = E_x[\log D(x)] + E_z[\log(1 - D(G(z)))]`, on a batch.

    The discriminator ascends it; the generator (in the original game) descends it.

    Args:
        real_logits: (B,) logits of D on real samples x.
        fake_logits: (B',) logits of D on generated samples G(z).

    Returns:
        A scalar tensor, at most 0. It equals -log 4 = -1.3863 when D = 1/2 everywhere.

    Example:
        >>> round(float(gan_value(torch.zeros(3), torch.zeros(5))), 4)
        -1.3863
    """
    _check_logits("real_logits", real_logits)
    _check_logits("fake_logits", fake_logits)
    return F.logsigmoid(real_logits).mean() + F.logsigmoid(-fake_logits).mean()


def discriminator_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """The discriminator's loss, -V(D, G): binary cross-entropy with labels real = 1, fake = 0.

    Example:
        >>> real, fake = torch.randn(4), torch.randn(6)
        >>> bce = F.binary_cross_entropy_with_logits
        >>> peer = bce(real, torch.ones(4)) + bce(fake, torch.zeros(6))
        >>> bool(torch.isclose(discriminator_loss(real, fake), peer))
        True
    """
    return -gan_value(real_logits, fake_logits)


def saturating_generator_loss(fake_logits: Tensor) -> Tensor:
    r"""The generator's loss in the original minimax game: :math:`E_z[\log(1 - D(G(z)))]`.

    It *saturates*: when D confidently rejects the fakes (D(G(z)) near 0), its gradient with
    respect to the logit, :math:`-\sigma(l) = -D`, vanishes, just when G most needs a signal.

    Example:
        >>> round(float(saturating_generator_loss(torch.tensor([0.0]))), 4)
        -0.6931
    """
    _check_logits("fake_logits", fake_logits)
    return F.logsigmoid(-fake_logits).mean()


def non_saturating_generator_loss(fake_logits: Tensor) -> Tensor:
    r"""The generator's loss that Goodfellow et al. use in practice: :math:`-E_z[\log D(G(z))]`.

    Same fixed point as the saturating loss, but its gradient with respect to the logit,
    :math:`-(1 - D)`, is largest when D(G(z)) is near 0: a rejected generator learns fastest.

    Example:
        >>> round(float(non_saturating_generator_loss(torch.tensor([0.0]))), 4)
        0.6931
    """
    _check_logits("fake_logits", fake_logits)
    return -F.logsigmoid(fake_logits).mean()


GENERATOR_LOSSES = {
    "saturating": saturating_generator_loss,
    "non-saturating": non_saturating_generator_loss,
}


minimax_generator_loss = saturating_generator_loss
"""The generator's loss in the minimax game, :math:`E_z[\\log(1 - D(G(z)))]`: the same function as
``saturating_generator_loss`` under the name the Wasserstein and LSGAN notebooks use.

Introduced in notebooks/04_perfect_vs_lipschitz.
"""


# ----------------------------------------------------------------------------- Wasserstein and least squares
# These take raw *scores* f(x) (a critic, no sigmoid), shape (B,), where the losses above take logits.


def wasserstein_critic_loss(real_scores: Tensor, fake_scores: Tensor) -> Tensor:
    r"""The critic's loss in WGAN: :math:`E_{\tilde x}[f(\tilde x)] - E_x[f(x)]`, minus the dual objective.

    Over 1-Lipschitz f, :math:`\sup_f E_x[f(x)] - E_{\tilde x}[f(\tilde x)] = W_1(p, p_G)`
    (Kantorovich–Rubinstein), so minus the critic's best loss estimates the Wasserstein-1 distance.

    Args:
        real_scores: (B,) critic scores f(x) on real samples.
        fake_scores: (B',) critic scores on generated samples.

    Example:
        >>> float(wasserstein_critic_loss(torch.tensor([2.0, 4.0]), torch.tensor([0.0, 1.0])))
        -2.5

    Introduced in notebooks/04_perfect_vs_lipschitz.
    """
    _check_logits("real_scores", real_scores)
    _check_logits("fake_scores", fake_scores)
    return fake_scores.mean() - real_scores.mean()


def wasserstein_generator_loss(fake_scores: Tensor) -> Tensor:
    r"""The generator's loss in WGAN: :math:`-E_z[f(G(z))]`. Its gradient in x is :math:`-\nabla f`, of norm at most K.

    Example:
        >>> float(wasserstein_generator_loss(torch.tensor([1.0, 3.0])))
        -2.0

    Introduced in notebooks/04_perfect_vs_lipschitz.
    """
    _check_logits("fake_scores", fake_scores)
    return -fake_scores.mean()


LSGAN_LABELS = (-1.0, 1.0, 0.0)
"""(a, b, c) of Mao et al. (2017): fake label a, real label b, and the score c the generator aims for.
With b - c = 1 and b - a = 2, the generator's objective at the optimal D is
C(G) = 1/2 int (p - p_G)^2 / (p + p_G) dx = chi2_Pearson(p_G || (p + p_G) / 2), with the convention
chi2_Pearson(P || Q) = int (P - Q)^2 / Q. (Mao et al. write 2 C(G) = chi2_Pearson(p + p_G || 2 p_G),
putting the first argument in the denominator.) It is bounded: 2 C(G) <= 2, reached for disjoint supports."""


def least_squares_discriminator_loss(real_scores: Tensor, fake_scores: Tensor, a: float = -1.0, b: float = 1.0) -> Tensor:
    r"""LSGAN's discriminator loss :math:`\tfrac12 E_x[(D(x) - b)^2] + \tfrac12 E_{\tilde x}[(D(\tilde x) - a)^2]`.

    D is a real-valued score (no sigmoid). For fixed densities its pointwise minimiser is
    :math:`D^*(x) = (b\,p(x) + a\,p_G(x)) / (p(x) + p_G(x))` (see ``least_squares_optimal_discriminator``).

    Example:
        >>> float(least_squares_discriminator_loss(torch.ones(3), -torch.ones(3)))  # a perfect D
        0.0

    Introduced in notebooks/05_lipschitz_constraints.
    """
    _check_logits("real_scores", real_scores)
    _check_logits("fake_scores", fake_scores)
    return 0.5 * ((real_scores - b) ** 2).mean() + 0.5 * ((fake_scores - a) ** 2).mean()


def least_squares_generator_loss(fake_scores: Tensor, c: float = 0.0) -> Tensor:
    r"""LSGAN's generator loss :math:`\tfrac12 E_z[(D(G(z)) - c)^2]`.

    Its gradient in the score, :math:`D - c`, does not vanish when a real-valued D scores the fakes
    far from c, unlike the minimax loss's :math:`-D` in the logit: that is LSGAN's practical benefit.
    It is not a cure at the optimum: the optimal :math:`D^* = (p - p_G)/(p + p_G)` is flat at
    :math:`a = -1` on fakes far from the data, so the push :math:`-\partial \mathrm{loss} / \partial \tilde x`
    vanishes there, and the divergence it minimises saturates (see ``LSGAN_LABELS``).
    (The popular (a, b, c) = (0, 1, 1) setting is also fine.)

    Example:
        >>> float(least_squares_generator_loss(torch.tensor([-1.0, 1.0])))
        0.5

    Introduced in notebooks/05_lipschitz_constraints.
    """
    _check_logits("fake_scores", fake_scores)
    return 0.5 * ((fake_scores - c) ** 2).mean()


def least_squares_optimal_discriminator(p_x: Tensor, p_gen_x: Tensor, a: float = -1.0, b: float = 1.0) -> Tensor:
    r"""LSGAN's optimal discriminator :math:`D^*(x) = \frac{b\,p(x) + a\,p_G(x)}{p(x) + p_G(x)}`, from density values.

    Pointwise, :math:`\tfrac12 p (D - b)^2 + \tfrac12 p_G (D - a)^2` is a parabola in D with its
    minimum at this weighted average of the labels. Where both densities are 0 it returns (a + b) / 2.

    Args:
        p_x, p_gen_x: (N,) non-negative float tensors, the densities at N points.

    Example:
        >>> least_squares_optimal_discriminator(torch.tensor([1.0, 0.0, 0.5]), torch.tensor([0.0, 1.0, 0.5]))
        tensor([ 1., -1.,  0.])

    Introduced in notebooks/05_lipschitz_constraints.
    """
    for name, values in (("p_x", p_x), ("p_gen_x", p_gen_x)):
        if not isinstance(values, Tensor) or not values.is_floating_point() or (values < 0).any():
            raise ValueError(f"`{name}` must be a float tensor of density values, all >= 0")
    if p_x.shape != p_gen_x.shape:
        raise ValueError(f"`p_x` and `p_gen_x` must have the same shape (got {tuple(p_x.shape)} and {tuple(p_gen_x.shape)})")
    total = p_x + p_gen_x
    safe = torch.where(total > 0, total, torch.ones_like(total))
    return torch.where(total > 0, (b * p_x + a * p_gen_x) / safe, torch.full_like(total, 0.5 * (a + b)))
