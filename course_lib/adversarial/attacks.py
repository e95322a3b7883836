r"""Attacks on a classifier: FGSM and PGD with its gradient, gradient estimates without it, and transfer.

An attack looks for an adversarial example :math:`x_{adv} = x + \delta` inside the threat model
(``course_lib.adversarial.threat_models``) that makes the loss large:

.. math::
    \delta^* = \arg\max_{\|\delta\| \le \epsilon} L(x + \delta, y), \qquad
    L = \text{the mean cross-entropy over the batch}.

- White box (the gradient is known): ``loss_gradient`` computes :math:`\nabla_x L` by autograd;
  ``fgsm`` takes one step on the linearised loss; ``pgd`` takes many small ones, projecting back
  onto the ball after each. ``fgsm_from_gradient`` is FGSM's step for any gradient, estimated ones included.
- Black box (only values can be queried): ``finite_difference_gradient`` and
  ``random_direction_gradient`` estimate a gradient and count the queries they spent;
  ``transfer_attack`` and ``transfer_matrix`` craft examples on a surrogate model and try them on a target.

The white-box attacks run the model in eval mode (dropout off, so the same call gives the same
answer) and restore every module's train/eval flag afterwards, even after an error. They never
change ``x`` and return detached tensors.

Introduced in notebooks/06_fgsm (white box) and notebooks/07_black_box_attacks (black box).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from course_lib.adversarial._checks import (
    check_clip,
    check_count,
    check_input,
    check_labelled_batch,
    check_model,
    check_nonnegative,
    check_positive,
)
from course_lib.adversarial.models import _accuracy, evaluation_mode
from course_lib.adversarial.threat_models import _project, _sample_ball, _steepest_ascent_direction, norm_order

Tensor = torch.Tensor
Clip = tuple[float, float] | None

ATTACKS = ("fgsm", "pgd")
METHODS = ("central", "forward")


# ----------------------------------------------------------------------------- white box


def loss_gradient(model: nn.Module, x: Tensor, y: Tensor) -> Tensor:
    r"""The gradient :math:`\nabla_x L` of the mean cross-entropy :math:`L = \frac1B \sum_i \ell(f(x_i), y_i)`, model in eval mode.

    Sample i's row is :math:`\frac1B \nabla_{x_i} \ell(f(x_i), y_i)`: the mean only rescales every
    row by 1/B, which changes neither a sign nor a direction.

    Args:
        model: maps (B, ...) inputs to (B, num_classes) logits.
        x: (B, ...) float inputs; y: (B,) int64 labels.

    Returns:
        (B, ...), like x, detached.

    Example:
        >>> from course_lib.adversarial.models import mlp_classifier
        >>> loss_gradient(mlp_classifier(), torch.zeros(4, 1, 8, 8), torch.zeros(4, dtype=torch.long)).shape
        torch.Size([4, 1, 8, 8])

    Introduced in notebooks/06_fgsm.
    """
    check_model(model)
    check_labelled_batch(x, y)
    with evaluation_mode(model):
        return _loss_gradient(model, x, y)


def _loss_gradient(model: nn.Module, x: Tensor, y: Tensor) -> Tensor:
    with torch.enable_grad():  # an attack works inside a caller's torch.no_grad() block too
        x = x.detach().requires_grad_(True)
        loss = F.cross_entropy(model(x), y)  # reduction="mean"
        (grad,) = torch.autograd.grad(loss, x)  # only x's gradient: the model's .grad fields stay untouched
    return grad


def _projected_step(x_adv: Tensor, grad: Tensor, x: Tensor, step_size: float, eps: float, p: float, clip: Clip) -> Tensor:
    """The one ascent step of FGSM and PGD, all tensors (B, ...): move x_adv by step_size along the
    steepest direction of ``grad`` and clip; then project the perturbation onto the eps-ball around x.

    Clipping before projecting (ART's order) matters for L2: a push on a pixel that is already at 0
    or 1 is dropped before the budget is shared out, so the whole budget goes to pixels that can move.
    For L∞ the two orders give the same result. The last clip only mops up round-off: x and the
    clipped point both lie in the box, and so does every point between them.
    """
    x_adv = _clip(x_adv + step_size * _steepest_ascent_direction(grad, p), clip)  # climb the linearised loss
    return _clip(x + _project(x_adv - x, eps, p), clip)  # back into the threat model


def _clip(x: Tensor, clip: Clip) -> Tensor:
    return x if clip is None else x.clamp(*clip)


def fgsm(model: nn.Module, x: Tensor, y: Tensor, eps: float, norm: str | float = "inf", clip: Clip = (0.0, 1.0)) -> Tensor:
    r"""The fast gradient (sign) method: one step that maximises the linearised loss over the ball.

    With :math:`g = \nabla_x L(x, y)` (``loss_gradient``), the best perturbation of the linear
    model :math:`L(x) + g^\top \delta` over :math:`\|\delta\| \le \epsilon` is

    .. math::
        \delta = \epsilon \operatorname{sign}(g) \ (L_\infty), \qquad \delta = \epsilon\, g / \|g\|_2 \ (L_2),

    the L2 norm taken per sample over all non-batch dimensions; a sample with g = 0 stays put.
    The result is clipped to ``clip``.

    Args:
        model: maps (B, 1, 8, 8) images to (B, 10) logits; run in eval mode, its flags restored after.
        x: (B, ...) float inputs inside ``clip``; never modified.
        y: (B,) int64 true labels.
        eps: the budget, >= 0.
        norm: "inf" (or float("inf")) or "2" (or 2).
        clip: (low, high), the range of valid inputs, or None for no clipping.

    Returns:
        x_adv: (B, ...), detached.

    Example:
        >>> from course_lib.adversarial.data import load_digits
        >>> from course_lib.adversarial.models import accuracy, trained_classifier
        >>> model, (x, y) = trained_classifier("mlp"), load_digits("test")
        >>> x_adv = fgsm(model, x, y, eps=0.1)
        >>> float((x_adv - x).abs().max()) <= 0.1 + 1e-6
        True
        >>> accuracy(model, x_adv, y) < 0.5 < accuracy(model, x, y)
        True

    Introduced in notebooks/06_fgsm.
    """
    p = _check_attack(model, x, y, eps, norm, clip)
    with evaluation_mode(model):
        return _fgsm(model, x, y, eps, p, clip)


def _fgsm(model: nn.Module, x: Tensor, y: Tensor, eps: float, p: float, clip: Clip) -> Tensor:
    x = x.detach()
    return _projected_step(x, _loss_gradient(model, x, y), x, eps, eps, p, clip)


def fgsm_from_gradient(x: Tensor, grad: Tensor, eps: float, norm: str | float = "inf", clip: Clip = (0.0, 1.0)) -> Tensor:
    """FGSM's step for a given gradient: ``x`` moved by eps along the steepest direction of ``grad``, clipped.

    ``fgsm(model, x, y, eps)`` equals ``fgsm_from_gradient(x, loss_gradient(model, x, y), eps)``;
    a black-box attacker passes an estimate instead (``finite_difference_gradient``).

    Args:
        x: (B, ...) float inputs inside ``clip``.
        grad: (B, ...) gradients (or estimates) at x.

    Returns:
        x_adv: (B, ...).

    Example:
        >>> fgsm_from_gradient(torch.full((1, 3), 0.5), torch.tensor([[2.0, -1.0, 0.0]]), eps=0.1)
        tensor([[0.6000, 0.4000, 0.5000]])

    Introduced in notebooks/07_black_box_attacks.
    """
    check_input(x)
    if not isinstance(grad, torch.Tensor) or grad.shape != x.shape:
        raise ValueError(f"`grad` must be a tensor shaped like `x`, {tuple(x.shape)} (got {getattr(grad, 'shape', type(grad).__name__)})")
    check_nonnegative("eps", eps, "0.1")
    p = norm_order(norm)
    check_clip(clip, x)
    return _projected_step(x.detach(), grad.detach(), x.detach(), eps, eps, p, clip)


def pgd(
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    eps: float,
    alpha: float,
    steps: int,
    norm: str | float = "inf",
    random_start: bool = False,
    clip: Clip = (0.0, 1.0),
    generator: torch.Generator | None = None,
) -> Tensor:
    r"""Projected gradient descent (here, ascent): ``steps`` FGSM steps of size alpha, each projected back onto the ball.

    .. math::
        x^{t+1} = x + \Pi_{\|\delta\| \le \epsilon}\Big(\operatorname{clip}\big(x^t + \alpha\, u(\nabla_x L(x^t, y))\big) - x\Big),

    where u is FGSM's direction (sign(g) for L∞, g / ‖g‖₂ for L2) and Π the projection
    (``threat_models.project``); clipping before projecting is ART's order, and for L2 the better
    one (see ``_projected_step``). The start :math:`x^0` is x, or with ``random_start`` a uniform
    random point of the ball around x (Madry et al. 2018). A common choice is alpha = 2.5 eps / steps.

    Args:
        model, x, y, eps, norm, clip: as in ``fgsm``.
        alpha: the step size, > 0.
        steps: the number of steps, >= 1.
        random_start: start from a random point of the ball instead of x.
        generator: the randomness of the random start (torch's global generator when None).

    Returns:
        x_adv: (B, ...) after the last step, detached.

    Example:
        >>> from course_lib.adversarial.data import load_digits
        >>> from course_lib.adversarial.models import accuracy, trained_classifier
        >>> model, (x, y) = trained_classifier("mlp"), load_digits("test")
        >>> accuracy(model, pgd(model, x, y, eps=0.1, alpha=0.025, steps=10), y) <= accuracy(model, fgsm(model, x, y, eps=0.1), y)
        True

    Introduced in notebooks/06_fgsm.
    """
    p = _check_attack(model, x, y, eps, norm, clip)
    check_positive("alpha", alpha, "2.5 * eps / steps")
    check_count("steps", steps, "10")
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"`generator` must be a torch.Generator, such as torch.Generator().manual_seed(0) (got {type(generator).__name__})")
    with evaluation_mode(model):
        return _pgd(model, x, y, eps, alpha, steps, p, random_start, clip, generator)


def _pgd(
    model: nn.Module, x: Tensor, y: Tensor, eps: float, alpha: float, steps: int, p: float, random_start: bool, clip: Clip, generator: torch.Generator | None
) -> Tensor:
    x = x.detach()
    x_adv = x
    if random_start:
        x_adv = _clip(x + _sample_ball(tuple(x.shape), eps, p, generator, x.dtype), clip)
    for _ in range(steps):
        x_adv = _projected_step(x_adv, _loss_gradient(model, x_adv, y), x, alpha, eps, p, clip)
    return x_adv


def _check_attack(model: nn.Module, x: Tensor, y: Tensor, eps: float, norm: str | float, clip: Clip, name: str = "model") -> float:
    """The checks every white-box attack shares; returns the norm's order p."""
    check_model(model, name)
    check_labelled_batch(x, y)
    check_nonnegative("eps", eps, "0.1")
    p = norm_order(norm)
    check_clip(clip, x)
    return p


# ----------------------------------------------------------------------------- black box: gradient estimates


@dataclass(repr=False)
class GradientEstimate:
    """A gradient estimated from values of a function, and what it cost."""

    gradient: Tensor  # shaped like the point x it was estimated at
    queries: int  # how many points the function was evaluated at
    method: str  # how, e.g. "central differences, h=4.9e-03"

    def __repr__(self) -> str:
        norm = float(torch.linalg.vector_norm(self.gradient))
        return f"GradientEstimate({self.method}, {self.queries} queries, ‖gradient‖₂ = {norm:.4g})"


def default_step(dtype: torch.dtype, method: str = "central") -> float:
    r"""The finite-difference step h that balances truncation against round-off, for inputs of size about 1.

    A central difference errs by about :math:`h^2 |f'''| / 6` (truncation) plus
    :math:`\varepsilon |f| / h` (round-off, :math:`\varepsilon` the dtype's machine epsilon): the sum
    is smallest near :math:`h = \varepsilon^{1/3}`. A forward difference errs by :math:`h |f''| / 2 + \varepsilon |f| / h`,
    smallest near :math:`h = \varepsilon^{1/2}`.

    Example:
        >>> f"{default_step(torch.float32):.1e}, {default_step(torch.float64):.1e}, {default_step(torch.float64, 'forward'):.1e}"
        '4.9e-03, 6.1e-06, 1.5e-08'

    Introduced in notebooks/07_black_box_attacks.
    """
    if method not in METHODS:
        raise ValueError(f"`method` must be 'central' or 'forward' (got {method!r})")
    machine_eps = torch.finfo(dtype).eps
    return machine_eps ** (1 / 3) if method == "central" else machine_eps**0.5


def finite_difference_gradient(
    f: Callable[[Tensor], Tensor], x: Tensor, h: float | None = None, method: str = "central", batched: bool = False
) -> GradientEstimate:
    r"""Estimate :math:`\nabla f(x)` one coordinate at a time, from values of f alone (a black box).

    .. math::
        \partial_i f(x) \approx \frac{f(x + h e_i) - f(x - h e_i)}{2h} \ (\text{central, error } O(h^2)),
        \qquad \frac{f(x + h e_i) - f(x)}{h} \ (\text{forward, error } O(h)).

    In D dimensions this costs 2D queries (central) or D + 1 (forward): 128 or 65 for one 8×8 digit.
    The denominator is the step actually taken, :math:`(x_i + h) - (x_i - h)` as rounded in x's dtype,
    not 2h: in float32 near 1 the two differ by up to 1e-7, a relative error of 1e-7/h.

    Args:
        f: the black box. By default it maps one input shaped like x to a scalar (a 0-d tensor or
            a float), and is called once per query. With ``batched=True`` it maps a stack of
            inputs (n, *x.shape) to (n,) values, and is called once with all the queries.
            Called under ``torch.no_grad()``; put a model in eval mode yourself.
        x: the point, any shape (one input, not a batch), float.
        h: the step, > 0; None picks ``default_step(x.dtype, method)`` (4.9e-3 central in float32,
            6.1e-6 in float64).
        method: "central" or "forward".

    Returns:
        A ``GradientEstimate``: the gradient (shaped like x) and the number of queries.

    Example:
        >>> x = torch.tensor([1.0, 2.0], dtype=torch.float64)
        >>> estimate = finite_difference_gradient(lambda v: (v**2).sum(), x)
        >>> estimate
        GradientEstimate(central differences, h=6.1e-06, 4 queries, ‖gradient‖₂ = 4.472)
        >>> torch.allclose(estimate.gradient, 2 * x)
        True

    Introduced in notebooks/07_black_box_attacks.
    """
    _check_black_box(f, x, batched)
    if method not in METHODS:
        raise ValueError(f"`method` must be 'central' or 'forward' (got {method!r})")
    if h is not None:
        check_positive("h", h, "1e-4")
    h = default_step(x.dtype, method) if h is None else h
    x = x.detach()
    num_dims = x.numel()
    flat = x.reshape(-1)  # (D,)
    basis = torch.eye(num_dims, dtype=x.dtype).reshape(num_dims, *x.shape)  # (D, *S): e_1, ..., e_D
    x_plus = x + h * basis  # (D, *S)
    if method == "central":
        points = torch.cat([x_plus, x - h * basis])  # (2D, *S)
        run = (flat + h) - (flat - h)  # (D,) the steps actually taken, rounded as in the points
    else:
        points = torch.cat([x.unsqueeze(0), x_plus])  # (D + 1, *S): f(x) once, then each x + h e_i
        run = (flat + h) - flat  # (D,)
    if not (run > 0).all():
        raise ValueError(f"`h`={h:g} is lost to round-off at x's precision ({x.dtype}): x_i + h == x_i; take h >= {default_step(x.dtype, 'forward'):.0e}")
    values = _query(f, points, batched)  # (2D,) or (D + 1,)
    rise = values[:num_dims] - values[num_dims:] if method == "central" else values[1:] - values[0]  # (D,)
    return GradientEstimate((rise / run).reshape(x.shape), len(values), f"{method} differences, h={h:.1e}")


def random_direction_gradient(
    f: Callable[[Tensor], Tensor],
    x: Tensor,
    num_directions: int,
    sigma: float = 1e-3,
    generator: torch.Generator | None = None,
    antithetic: bool = True,
    batched: bool = False,
) -> GradientEstimate:
    r"""Estimate :math:`\nabla f(x)` from slopes along random Gaussian directions (NES, Ilyas et al. 2018).

    For :math:`u \sim N(0, I)`, :math:`E[(u^\top g)\, u] = g`, so averaging the directional
    derivative along n random directions, times the direction, estimates g. With a finite
    :math:`\sigma` the differences below are exactly unbiased for the gradient of the smoothed
    loss :math:`f_\sigma(x) = E f(x + \sigma u)` (Stein's identity), which tends to g as
    :math:`\sigma \to 0` for a smooth f:

    .. math::
        \hat g = \frac1n \sum_{k=1}^n \frac{f(x + \sigma u_k) - f(x - \sigma u_k)}{2\sigma}\, u_k
        \quad (\text{antithetic, } 2n \text{ queries}), \qquad
        \frac{f(x + \sigma u_k) - f(x)}{\sigma}\, u_k \ (n + 1 \text{ queries}).

    Its cosine with the true gradient grows with n, roughly like :math:`\sqrt{n / (n + D + 1)}` in D
    dimensions: far fewer queries than 2D buy a useful direction, not an exact gradient.

    Args:
        f, x, batched: as in ``finite_difference_gradient``.
        num_directions: n, >= 1.
        sigma: the step along each direction, > 0. 1e-3 is Ilyas et al.'s choice for images in [0, 1].
        generator: the randomness of the directions (torch's global generator when None).
        antithetic: pair each direction with its opposite (central differences) instead of
            comparing with f(x) (forward differences).

    Returns:
        A ``GradientEstimate``.

    Example:
        >>> x, g = torch.zeros(64, dtype=torch.float64), torch.arange(64.0, dtype=torch.float64)
        >>> estimate = random_direction_gradient(lambda v: v @ g, x, 100, generator=torch.Generator().manual_seed(0))
        >>> estimate.queries, round(float(torch.cosine_similarity(estimate.gradient, g, dim=0)), 2)  # sqrt(100 / 165) = 0.78
        (200, 0.79)

    Introduced in notebooks/07_black_box_attacks.
    """
    _check_black_box(f, x, batched)
    check_count("num_directions", num_directions, "100")
    check_positive("sigma", sigma, "1e-3")
    x = x.detach()
    n = num_directions
    u = torch.randn(n, *x.shape, generator=generator, dtype=x.dtype)  # (n, *S)
    if antithetic:
        values = _query(f, torch.cat([x + sigma * u, x - sigma * u]), batched)  # (2n,)
        slopes = (values[:n] - values[n:]) / (2 * sigma)  # (n,) directional derivatives
    else:
        values = _query(f, torch.cat([x.unsqueeze(0), x + sigma * u]), batched)  # (n + 1,)
        slopes = (values[1:] - values[0]) / sigma  # (n,)
    gradient = (slopes.reshape(n, *[1] * x.dim()) * u).mean(dim=0)  # (*S)
    kind = "antithetic" if antithetic else "forward"
    return GradientEstimate(gradient, len(values), f"{n} random directions ({kind}), sigma={sigma:.0e}")


def _query(f: Callable[[Tensor], Tensor], points: Tensor, batched: bool) -> Tensor:
    """The black box's values at ``points``: (n, *S) to (n,), in the points' dtype."""
    with torch.no_grad():
        if batched:
            values = torch.as_tensor(f(points))
            if values.shape != (len(points),):
                raise ValueError(
                    f"with batched=True, `f` must map a stack of {len(points)} inputs to {len(points)} values, shape "
                    f"({len(points)},) (got shape {tuple(values.shape)})"
                )
        else:
            values = torch.stack([_scalar(f(point)) for point in points])
    return values.to(points.dtype)


def _scalar(value: Tensor | float) -> Tensor:
    value = torch.as_tensor(value)
    if value.numel() != 1:
        raise ValueError(
            f"`f` must return one number for one input shaped like x (got shape {tuple(value.shape)}); to pass a "
            "batch of queries at once, make f map (n, *x.shape) to (n,) and pass batched=True"
        )
    return value.reshape(())


def _check_black_box(f: Callable[[Tensor], Tensor], x: Tensor, batched: bool) -> None:
    if not callable(f):
        raise TypeError(f"`f` must be a function of one input, the black box (got {type(f).__name__})")
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"`x` must be a float tensor, the point to estimate the gradient at (got {type(x).__name__})")
    if not x.is_floating_point():
        raise ValueError(f"`x` must be a float tensor, the point to estimate the gradient at (got {x.dtype}); convert it with x.double()")
    if not torch.isfinite(x).all():
        raise ValueError("`x` contains NaN or inf; the point must be finite")
    if not isinstance(batched, bool):
        raise ValueError(f"`batched` must be True or False (got {batched!r})")


# ----------------------------------------------------------------------------- black box: transfer


@dataclass(repr=False)
class TransferResult:
    """Examples crafted on a surrogate model, and the accuracy of surrogate and target on them."""

    x_adv: Tensor  # (B, ...) crafted on the surrogate
    attack: str  # "fgsm" or "pgd"
    eps: float
    surrogate_accuracy: float  # on the clean inputs
    surrogate_adv_accuracy: float  # on x_adv: the white-box attack
    target_accuracy: float  # on the clean inputs
    target_adv_accuracy: float  # on x_adv: what transferred

    def __repr__(self) -> str:
        return (
            f"TransferResult({self.attack}, eps={self.eps:g}: target {self.target_accuracy:.1%} → {self.target_adv_accuracy:.1%} "
            f"(transferred), surrogate {self.surrogate_accuracy:.1%} → {self.surrogate_adv_accuracy:.1%} (white box))"
        )


def transfer_attack(
    surrogate: nn.Module,
    target: nn.Module,
    x: Tensor,
    y: Tensor,
    eps: float,
    attack: str = "fgsm",
    norm: str | float = "inf",
    alpha: float | None = None,
    steps: int = 10,
    clip: Clip = (0.0, 1.0),
) -> TransferResult:
    """Craft adversarial examples on ``surrogate`` (white box), then measure how well they fool ``target`` (black box).

    The attacker never touches the target's gradients: the attack works when the two models have
    similar input gradients, which models trained on similar data often do.

    Args:
        surrogate: the attacker's own model; target: the model under attack.
        x, y, eps, norm, clip: as in ``fgsm``.
        attack: "fgsm" or "pgd".
        alpha, steps: PGD's step size (2.5 eps / steps when None) and step count; ignored by FGSM.

    Returns:
        A ``TransferResult`` with x_adv and the four accuracies.

    Example:
        >>> from course_lib.adversarial.data import load_digits
        >>> from course_lib.adversarial.models import trained_classifier
        >>> x, y = load_digits("test")
        >>> result = transfer_attack(trained_classifier("mlp", data="train_a"), trained_classifier("cnn", data="train_b"), x, y, eps=0.2)
        >>> result.target_adv_accuracy < result.target_accuracy
        True

    Introduced in notebooks/07_black_box_attacks.
    """
    check_model(surrogate, "surrogate")
    p = _check_transfer(target, x, y, eps, attack, norm, alpha, steps, clip)
    x_adv = _craft(surrogate, x, y, eps, attack, p, alpha, steps, clip)
    return TransferResult(
        x_adv, attack, eps, _accuracy(surrogate, x, y), _accuracy(surrogate, x_adv, y), _accuracy(target, x, y), _accuracy(target, x_adv, y)
    )


@dataclass(repr=False)
class TransferMatrix:
    """How well examples crafted on each model (rows) fool each model (columns)."""

    names: list[str]
    accuracy: Tensor  # (M, M): accuracy[i, j] = accuracy of model j on the examples crafted on model i
    clean_accuracy: Tensor  # (M,) each model's accuracy on the clean inputs
    attack: str
    eps: float

    def __repr__(self) -> str:
        width = max(12, *(len(name) + 2 for name in self.names))
        header = "crafted on".ljust(width) + "".join(name.rjust(width) for name in self.names)
        rows = [("clean", self.clean_accuracy)] + list(zip(self.names, self.accuracy))
        lines = [name.ljust(width) + "".join(f"{float(a):.1%}".rjust(width) for a in row) for name, row in rows]
        title = f"TransferMatrix({self.attack}, eps={self.eps:g}): accuracy of each model (column) on examples crafted on each model (row)"
        return "\n".join([title, header, *lines])


def transfer_matrix(
    models: dict[str, nn.Module],
    x: Tensor,
    y: Tensor,
    eps: float,
    attack: str = "fgsm",
    norm: str | float = "inf",
    alpha: float | None = None,
    steps: int = 10,
    clip: Clip = (0.0, 1.0),
) -> TransferMatrix:
    """Craft examples on every model and evaluate every model on them: white box on the diagonal, transfer off it.

    Args:
        models: names to models, e.g. {"mlp": ..., "cnn": ...}.
        x, y, eps, attack, norm, alpha, steps, clip: as in ``transfer_attack``.

    Returns:
        A ``TransferMatrix``; its ``accuracy[i, j]`` is model j's accuracy on examples crafted on model i.

    Example:
        >>> from course_lib.adversarial.data import load_digits
        >>> from course_lib.adversarial.models import trained_classifier
        >>> x, y = load_digits("test")
        >>> transfer_matrix({"mlp": trained_classifier("mlp"), "dropout_mlp": trained_classifier("dropout_mlp")}, x, y, eps=0.1)
        TransferMatrix(fgsm, eps=0.1): accuracy of each model (column) on examples crafted on each model (row)
        crafted on             mlp  dropout_mlp
        clean                96.4%        96.9%
        mlp                  44.8%        59.1%
        dropout_mlp          50.4%        56.8%

    Introduced in notebooks/07_black_box_attacks.
    """
    if not isinstance(models, dict) or not models:
        raise ValueError(f"`models` must be a non-empty dict of names to models, such as {{'mlp': mlp, 'cnn': cnn}} (got {models!r})")
    for name, model in models.items():
        check_model(model, f"models[{name!r}]")
    p = _check_transfer(next(iter(models.values())), x, y, eps, attack, norm, alpha, steps, clip)  # the models are checked above
    names, nets = [str(name) for name in models], list(models.values())
    crafted = [_craft(source, x, y, eps, attack, p, alpha, steps, clip) for source in nets]
    accuracy = torch.tensor([[_accuracy(target, x_adv, y) for target in nets] for x_adv in crafted])  # (M, M)
    clean = torch.tensor([_accuracy(target, x, y) for target in nets])  # (M,)
    return TransferMatrix(names, accuracy, clean, attack, eps)


def _craft(model: nn.Module, x: Tensor, y: Tensor, eps: float, attack: str, p: float, alpha: float | None, steps: int, clip: Clip) -> Tensor:
    with evaluation_mode(model):
        if attack == "fgsm":
            return _fgsm(model, x, y, eps, p, clip)
        return _pgd(model, x, y, eps, 2.5 * eps / steps if alpha is None else alpha, steps, p, False, clip, None)


def _check_transfer(
    target: nn.Module, x: Tensor, y: Tensor, eps: float, attack: str, norm: str | float, alpha: float | None, steps: int, clip: Clip
) -> float:
    p = _check_attack(target, x, y, eps, norm, clip, name="target")
    if attack not in ATTACKS:
        raise ValueError(f"`attack` must be 'fgsm' or 'pgd' (got {attack!r})")
    if alpha is not None:
        check_positive("alpha", alpha, "2.5 * eps / steps")
    check_count("steps", steps, "10")
    return p


class BlackBox:
    """A model that an attacker may query but not differentiate: every answer comes back detached.

    ``BlackBox(model)(x)`` runs ``model(x)`` without building a graph, so ``torch.autograd`` has
    nothing to follow; ``queries`` counts the calls. The grader sends black boxes like this one
    to a student's finite-difference function.

    Example:
        >>> box = BlackBox(torch.nn.Linear(3, 1))
        >>> box(torch.ones(3)).requires_grad, box.queries
        (False, 1)

    Introduced in notebooks/07_black_box_attacks.
    """

    def __init__(self, model: nn.Module):
        self._model = model
        self.queries = 0

    def __call__(self, x: Tensor) -> Tensor:
        self.queries += 1
        with torch.no_grad():
            return self._model(x).detach()

    def __repr__(self) -> str:
        return f"BlackBox(queries={self.queries})"
