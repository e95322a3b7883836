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
