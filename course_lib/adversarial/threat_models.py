r"""Threat models: the norm balls an attacker may move an input within.

The attacker adds a perturbation :math:`\delta` to an input x, with :math:`\|\delta\| \le \epsilon`.
The course uses two norms, each taken per sample over every non-batch dimension (for images
(B, C, H, W), over C·H·W):

.. math::
    \|\delta\|_\infty = \max_i |\delta_i| \qquad \text{(each pixel moves by at most } \epsilon\text{)},
    \qquad \|\delta\|_2 = \Big(\sum_i \delta_i^2\Big)^{1/2} \qquad \text{(a total budget } \epsilon\text{)}.

A norm is named ``"inf"`` (or ``float("inf")``) or ``"2"`` (or ``2``). Attacks in
``course_lib.adversarial.attacks`` use the steepest-ascent direction of each norm, the projection
back onto the ball, and a uniform random point of the ball as a start.

Introduced in notebooks/06_fgsm.
"""

from __future__ import annotations

import math

import torch

from course_lib.adversarial._checks import check_input, check_nonnegative

Tensor = torch.Tensor

NORM_NAMES = {math.inf: "L∞", 2.0: "L2"}


def norm_order(norm: str | float) -> float:
    """The order p of the norm named by ``norm``: ``math.inf`` for "inf" or inf, ``2.0`` for "2" or 2.

    Example:
        >>> norm_order("inf"), norm_order(2)
        (inf, 2.0)

    Introduced in notebooks/06_fgsm.
    """
    if not isinstance(norm, bool):  # True == 1: a bool is never a norm
        if norm in ("inf", math.inf):
            return math.inf
        if norm in ("2", 2):
            return 2.0
    raise ValueError(f"`norm` must be 'inf' (or float('inf')) for the L∞ ball, or '2' (or 2) for the L2 ball (got {norm!r})")


def _per_sample(values: Tensor, like: Tensor) -> Tensor:
    """(B,) values reshaped to (B, 1, ..., 1), to broadcast against ``like``: (B, ...)."""
    return values.reshape(-1, *[1] * (like.dim() - 1))


def lp_norm(delta: Tensor, norm: str | float) -> Tensor:
    """The norm of each sample of ``delta``: (B, ...) to (B,), over every non-batch dimension.

    Example:
        >>> delta = torch.tensor([[[3.0, -4.0]], [[0.0, 0.5]]])  # (2, 1, 2)
        >>> lp_norm(delta, "inf"), lp_norm(delta, 2)
        (tensor([4.0000, 0.5000]), tensor([5.0000, 0.5000]))

    Introduced in notebooks/06_fgsm.
    """
    check_input(delta, "delta")
    return _lp_norm(delta, norm_order(norm))


def _lp_norm(delta: Tensor, p: float) -> Tensor:
    flat = delta.flatten(1)  # (B, D)
    return flat.abs().amax(dim=1) if p == math.inf else torch.linalg.vector_norm(flat, dim=1)


def steepest_ascent_direction(grad: Tensor, norm: str | float) -> Tensor:
    r"""The unit vector u that gains most on the linearised loss: :math:`\arg\max_{\|u\| \le 1} g^\top u`.

    .. math::
        u = \operatorname{sign}(g) \ \text{for } L_\infty \ (\text{gain } \|g\|_1), \qquad
        u = g / \|g\|_2 \ \text{for } L_2 \ (\text{gain } \|g\|_2).

    A sample whose gradient is all zero gets u = 0: with no slope there is no direction to prefer.

    Args:
        grad: (B, ...) gradients, one per sample.
        norm: "inf" or "2".

    Returns:
        u: (B, ...), like ``grad``.

    Example:
        >>> g = torch.tensor([[3.0, -4.0], [0.0, 0.0]])
        >>> steepest_ascent_direction(g, "inf"), steepest_ascent_direction(g, "2")
        (tensor([[ 1., -1.],
                [ 0.,  0.]]), tensor([[ 0.6000, -0.8000],
                [ 0.0000,  0.0000]]))

    Introduced in notebooks/06_fgsm.
    """
    check_input(grad, "grad")
    return _steepest_ascent_direction(grad, norm_order(norm))


def _steepest_ascent_direction(grad: Tensor, p: float) -> Tensor:
    if p == math.inf:
        return grad.sign()
    lengths = _per_sample(_lp_norm(grad, 2.0), grad)  # (B, 1, ..., 1)
    return grad / torch.where(lengths > 0, lengths, 1.0)  # zero stays zero, no 0/0


def project(delta: Tensor, eps: float, norm: str | float) -> Tensor:
    r"""The nearest point of the ball :math:`\{\|\delta\| \le \epsilon\}` to each sample of ``delta``.

    L∞: clamp every coordinate to [-eps, eps]. L2: shrink the samples longer than eps to length
    eps, :math:`\delta \cdot \min(1, \epsilon / \|\delta\|_2)`; shorter ones stay put.

    Args:
        delta: (B, ...) perturbations.
        eps: the radius, >= 0.

    Returns:
        (B, ...), like ``delta``.

    Example:
        >>> delta = torch.tensor([[3.0, -4.0], [0.1, 0.0]])
        >>> project(delta, 1.0, "inf"), project(delta, 1.0, "2")
        (tensor([[ 1.0000, -1.0000],
                [ 0.1000,  0.0000]]), tensor([[ 0.6000, -0.8000],
                [ 0.1000,  0.0000]]))

    Introduced in notebooks/06_fgsm.
    """
    check_input(delta, "delta")
    check_nonnegative("eps", eps, "0.1")
    return _project(delta, eps, norm_order(norm))


def _project(delta: Tensor, eps: float, p: float) -> Tensor:
    if p == math.inf:
        return delta.clamp(-eps, eps)
    lengths = _per_sample(_lp_norm(delta, 2.0), delta)  # (B, 1, ..., 1)
    return delta * (eps / torch.where(lengths > 0, lengths, 1.0)).clamp(max=1.0)


def in_ball(delta: Tensor, eps: float, norm: str | float, atol: float = 1e-6) -> Tensor:
    """Whether each sample of ``delta`` lies in the ball of radius eps: (B, ...) to (B,) bool.

    ``atol`` forgives round-off: x_adv - x, recomputed in float32 from images near 1, can exceed
    eps by a few units in the last place (about 1e-7).

    Example:
        >>> in_ball(torch.tensor([[0.1, -0.1], [0.1, 0.2]]), 0.1, "inf")
        tensor([ True, False])

    Introduced in notebooks/06_fgsm.
    """
    check_input(delta, "delta")
    check_nonnegative("eps", eps, "0.1")
    check_nonnegative("atol", atol, "1e-6")
    return _lp_norm(delta, norm_order(norm)) <= eps + atol


def sample_ball(
    shape: tuple[int, ...], eps: float, norm: str | float, generator: torch.Generator | None = None, dtype: torch.dtype = torch.float32
) -> Tensor:
    r"""Perturbations drawn uniformly from the ball of radius eps, one per sample: PGD's random start.

    L∞: every coordinate uniform in [-eps, eps]. L2 in D dimensions: a uniform direction
    (a normalised Gaussian) times a radius :math:`\epsilon U^{1/D}`, U uniform in [0, 1], since the
    volume within radius r grows like :math:`r^D`.

    Args:
        shape: (B, ...), the shape of the batch to perturb.
        generator: the source of randomness (torch's global one when None).

    Returns:
        delta: ``shape``, in the ball.

    Example:
        >>> delta = sample_ball((3, 1, 8, 8), 0.1, "2", generator=torch.Generator().manual_seed(0))
        >>> bool(in_ball(delta, 0.1, "2").all())
        True

    Introduced in notebooks/06_fgsm.
    """
    if not (isinstance(shape, (tuple, list, torch.Size)) and len(shape) >= 2 and all(isinstance(n, int) and n >= 1 for n in shape)):
        raise ValueError(f"`shape` must be (B, ...), at least two positive ints such as (4, 1, 8, 8) (got {shape!r}); pass x.shape")
    check_nonnegative("eps", eps, "0.1")
    return _sample_ball(tuple(shape), eps, norm_order(norm), generator, dtype)


def _sample_ball(shape: tuple[int, ...], eps: float, p: float, generator: torch.Generator | None, dtype: torch.dtype) -> Tensor:
    if p == math.inf:
        return (2 * torch.rand(shape, generator=generator, dtype=dtype) - 1) * eps
    direction = _steepest_ascent_direction(torch.randn(shape, generator=generator, dtype=dtype), 2.0)  # unit length
    num_dims = math.prod(shape[1:])
    radius = eps * torch.rand(shape[0], generator=generator, dtype=dtype) ** (1 / num_dims)  # (B,)
    return direction * _per_sample(radius, direction)
