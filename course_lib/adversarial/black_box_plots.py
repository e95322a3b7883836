r"""Black-box attacks in practice: a query-counting loss API, gradient estimates on a budget, the studies and figures of notebook 07.

The attacker of notebook 07 never sees a gradient. It sends images to a ``LossAPI`` and gets back
one loss value per image, :math:`f(x) = -\log p(y \mid x)`, while the box counts the queries. From
those values alone it estimates :math:`\nabla_x f` two ways (``estimate_gradient``):

- **coordinates**: central differences along k of the D pixels (``subset_finite_differences``),
  2k queries, exact on those pixels and 0 on the others;
- **random directions**: ``random_direction_gradient`` with n antithetic Gaussian directions, 2n queries,
  a little information about every pixel.

The studies (``cosine_study``, ``query_fgsm_study``, ``gradient_alignment``) return plain results
that the ``plot_*`` functions draw. Each figure tells its roles apart by line style, marker or
text as well as by colour, so it reads in greyscale and for colour-blind readers.

Introduced in notebooks/07_black_box_attacks.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from torch import nn

from course_lib.adversarial.attacks import (
    METHODS,
    GradientEstimate,
    TransferMatrix,
    default_step,
    fgsm,
    fgsm_from_gradient,
    finite_difference_gradient,
    loss_gradient,
    random_direction_gradient,
)
from course_lib.adversarial.models import accuracy
from course_lib.plotting import COLORS

Tensor = torch.Tensor

ESTIMATORS = ("coordinates", "random directions")
# Okabe–Ito colours (distinguishable with every common colour-vision deficiency), each with its own
# line style and marker, so the curves also part in greyscale.
ESTIMATOR_STYLES = {
    "coordinates": {"color": "#0072B2", "linestyle": "-", "marker": "o"},
    "random directions": {"color": "#CC79A7", "linestyle": "--", "marker": "s"},
}
# Finite differences of the step-size study: central is what "coordinates" runs, so it shares its look.
METHOD_STYLES = {
    "central": ESTIMATOR_STYLES["coordinates"],
    "forward": {"color": "#D55E00", "linestyle": "--", "marker": "^"},
}
# Thin lines for what theory predicts, each its own dash pattern (the colour pairs it with its measurement).
PREDICTION_STYLES = {
    "coordinates": {"linestyle": ":"},
    "random directions": {"linestyle": (0, (5, 2, 1, 2))},
    "central": {"linestyle": ":"},
    "forward": {"linestyle": (0, (5, 2, 1, 2))},
}
WHITE_BOX_STYLE = {"color": "black", "linestyle": "-.", "linewidth": 1.4}  # the true gradient, and what it buys
NOISE_STYLE = {"color": COLORS["neutral"], "linestyle": ":", "linewidth": 1.4}
GRADIENT_CMAP = "cividis"  # monotonic in lightness: negative dark, positive light, in colour and in grey


# ----------------------------------------------------------------------------- the attacker's view


class LossAPI:
    """A deployed classifier as the attacker sees it: one loss value per image sent, and a running count of queries.

    ``loss_of(label)`` is the black box f that ``finite_difference_gradient`` and
    ``random_direction_gradient`` take with ``batched=True``: it maps (n, 1, 8, 8) queries to (n,)
    losses :math:`-\\log p(\\text{label} \\mid x)`, what an API returning probabilities reveals. It
    runs its own frozen copy of the model, in eval mode as deployed, under ``torch.no_grad()``: no
    gradient ever leaves the box, and the caller's model is never touched.

    Example:
        >>> from course_lib.adversarial.data import load_digits
        >>> from course_lib.adversarial.models import trained_classifier
        >>> x, y = load_digits("test")
        >>> api = LossAPI(trained_classifier("mlp", data="train_b"))
        >>> api.loss_of(y[0])(x[:3]).shape
        torch.Size([3])
        >>> api
        LossAPI(3 queries so far)

    Introduced in notebooks/07_black_box_attacks.
    """

    def __init__(self, model: nn.Module):
        if not isinstance(model, nn.Module):
            raise TypeError(f"`model` must be a torch.nn.Module, the classifier behind the API (got {type(model).__name__})")
        self._model = copy.deepcopy(model).eval()  # deployed: frozen, dropout off
        for parameter in self._model.parameters():
            parameter.requires_grad_(False)
        self.queries = 0  # images evaluated so far, over every label

    def loss_of(self, label: int | Tensor) -> Callable[[Tensor], Tensor]:
        """The black box for one true label: (n, 1, 8, 8) float images to (n,) cross-entropy losses."""
        label = int(label)

        def f(points: Tensor) -> Tensor:
            if points.dim() != 4:
                raise ValueError(
                    f"the black box takes a stack of images (n, 1, 8, 8) (got shape {tuple(points.shape)}); "
                    "pass batched=True to the gradient estimator"
                )
            self.queries += len(points)
            with torch.no_grad():
                logits = self._model(points)  # (n, 10)
            return F.cross_entropy(logits, torch.full((len(points),), label), reduction="none")  # (n,)

        return f

    def __repr__(self) -> str:
        return f"LossAPI({self.queries} queries so far)"


def subset_finite_differences(f: Callable[[Tensor], Tensor], x: Tensor, coords: Tensor, h: float | None = None) -> GradientEstimate:
    r"""Central differences along the coordinates ``coords`` only: 2k queries, and 0 for every other coordinate.

    The library's ``finite_difference_gradient`` runs on the function of the k chosen coordinates
    :math:`z \mapsto f(x \text{ with } x_{\text{coords}} = z)`, so the steps, the denominators and
    the count are the library's. With every coordinate chosen it is ``finite_difference_gradient(f, x, batched=True)``.

    Args:
        f: the black box, batched: (n, *x.shape) to (n,).
        x: the point, e.g. (1, 8, 8) float.
        coords: (k,) int64 indices into ``x.flatten()``, without repeats.
        h: the step; None for ``default_step(x.dtype)``.

    Returns:
        A ``GradientEstimate`` shaped like x, with 2k queries.

    Example:
        >>> x = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
        >>> estimate = subset_finite_differences(lambda v: (v**2).sum(-1), x, torch.tensor([2, 0]))
        >>> estimate.gradient.round(decimals=6), estimate.queries
        (tensor([2., 0., 6.], dtype=torch.float64), 4)

    Introduced in notebooks/07_black_box_attacks.
    """
    coords = torch.as_tensor(coords, dtype=torch.long)
    flat = x.detach().reshape(-1)  # (D,)
    if coords.dim() != 1 or len(coords) == 0 or len(coords.unique()) != len(coords):
        raise ValueError(f"`coords` must be a non-empty 1-D tensor of distinct indices into x.flatten() (got {coords.tolist()})")
    if coords.min() < 0 or coords.max() >= len(flat):
        raise ValueError(f"`coords` must lie in 0..{len(flat) - 1}, the flat indices of x (got {coords.min()}..{coords.max()})")

    def f_on_subset(z: Tensor) -> Tensor:  # (n, k) -> (n,)
        points = flat.repeat(len(z), 1)  # (n, D)
        points[:, coords] = z
        return f(points.reshape(len(z), *x.shape))  # (n, *S) -> (n,)

    estimate = finite_difference_gradient(f_on_subset, flat[coords], h=h, batched=True)
    gradient = torch.zeros_like(flat)
    gradient[coords] = estimate.gradient
    method = f"central differences on {len(coords)} of {len(flat)} coordinates, h={estimate.method.split('h=')[-1]}"
    return GradientEstimate(gradient.reshape(x.shape), estimate.queries, method)


def estimate_gradient(
    f: Callable[[Tensor], Tensor],
    x: Tensor,
    method: str,
    budget: int,
    generator: torch.Generator | None = None,
    order: Tensor | None = None,
) -> GradientEstimate:
    """Estimate a gradient with at most ``budget`` queries, by ``method``: "coordinates" or "random directions".

    - "coordinates": central differences on k = min(budget // 2, D) pixels, the first k of ``order``
      (a random permutation drawn from ``generator`` when None); 2k queries.
    - "random directions": ``random_direction_gradient`` with n = budget // 2 antithetic directions; 2n queries.

    Args:
        f: the black box, batched. x: (1, 8, 8) float. budget: queries allowed, >= 2.
        generator: the randomness of the pixels or the directions.
        order: (D,) a fixed order of the pixels, for nested subsets as the budget grows.

    Example:
        >>> f = lambda v: v.reshape(len(v), -1) @ torch.arange(4.0)
        >>> estimate_gradient(f, torch.zeros(1, 2, 2), "coordinates", 100).gradient.flatten()
        tensor([0., 1., 2., 3.])

    Introduced in notebooks/07_black_box_attacks.
    """
    if method not in ESTIMATORS:
        raise ValueError(f"`method` must be one of {ESTIMATORS} (got {method!r})")
    if isinstance(budget, bool) or not isinstance(budget, int) or budget < 2:
        raise ValueError(f"`budget` must be an int >= 2: every estimate needs a pair of queries (got {budget!r})")
    if method == "random directions":
        return random_direction_gradient(f, x, budget // 2, generator=generator, batched=True)
    num_dims = x.numel()
    order = torch.randperm(num_dims, generator=generator) if order is None else order
    return subset_finite_differences(f, x, order[: min(budget // 2, num_dims)])


def cosine(a: Tensor, b: Tensor) -> float:
    """The cosine between two tensors of the same size, flattened, in float64; 0 when either is zero.

    Unlike ``F.cosine_similarity``, which raises each norm to at least 1e-8, it stays right for the
    tiny gradients of digits a model is sure about (norms of 1e-9 and below, once divided by a batch size).

    Example:
        >>> cosine(torch.tensor([1.0, 1.0]), torch.tensor([1e-10, 0.0]))  # doctest: +ELLIPSIS
        0.7071...

    Introduced in notebooks/07_black_box_attacks.
    """
    a, b = a.detach().flatten().double(), b.detach().flatten().double()
    norms = torch.linalg.vector_norm(a) * torch.linalg.vector_norm(b)
    return float(a @ b / norms) if norms > 0 else 0.0


def sign_gain(estimate: Tensor, true: Tensor) -> float:
    r"""The share of white-box FGSM's first-order gain that FGSM from ``estimate`` gets: :math:`g^\top \operatorname{sign}(\hat g) / \|g\|_1`.

    FGSM's step :math:`\epsilon \operatorname{sign}(\hat g)` raises the linearised loss by
    :math:`\epsilon\, g^\top \operatorname{sign}(\hat g)`, at most :math:`\epsilon \|g\|_1` (with :math:`\hat g = g`).
    A pixel left at 0 by the estimate earns nothing; one with the wrong sign costs. 0 when g = 0.

    Example:
        >>> sign_gain(torch.tensor([1.0, 0.0, -5.0]), torch.tensor([2.0, 1.0, 1.0]))  # (2 + 0 - 1) / 4
        0.25

    Introduced in notebooks/07_black_box_attacks.
    """
    true = true.detach().flatten().double()
    total = float(true.abs().sum())
    return float(true @ torch.sign(estimate.detach().flatten().double())) / total if total > 0 else 0.0


def random_sign_noise(x: Tensor, eps: float, generator: torch.Generator | None = None) -> Tensor:
    """The control: every pixel moved by +eps or -eps at random, then clipped to [0, 1].

    FGSM also moves every pixel by exactly eps, so the noise has FGSM's size in L∞ and in L2; only
    the signs are random instead of aimed.

    Args:
        x: (B, 1, 8, 8) in [0, 1]. eps: the size.

    Returns:
        (B, 1, 8, 8).

    Introduced in notebooks/07_black_box_attacks.
    """
    signs = 2.0 * torch.randint(0, 2, x.shape, generator=generator, dtype=x.dtype) - 1.0  # (B, 1, 8, 8) of ±1
    return (x + eps * signs).clamp(0.0, 1.0)


# ----------------------------------------------------------------------------- picture: a secant from two queries


def plot_secant(model: nn.Module, x: Tensor, y: int, pixel: int, h: float = 0.15, span: float = 0.4) -> Figure:
    """Intuition: the loss along one pixel, the two queries of a central difference, their secant and the true tangent.

    Args:
        model: the classifier. x: (1, 8, 8) one digit. y: its label. pixel: a flat index 0..63.
        h: the (exaggerated, for the eye) step. span: how far along the pixel to draw the loss.
    """
    f = LossAPI(model).loss_of(y)
    basis = torch.zeros(x.numel())
    basis[pixel] = 1.0
    basis = basis.reshape(x.shape)  # (1, 8, 8): e_pixel
    t = torch.linspace(-span, span, 81)
    curve = f(x + t.reshape(-1, 1, 1, 1) * basis).numpy()  # (81,)
    f_minus, f_0, f_plus = f(x + torch.tensor([-h, 0.0, h]).reshape(-1, 1, 1, 1) * basis).tolist()
    slope_true = float(loss_gradient(model, x[None], torch.tensor([y]))[0].flatten()[pixel])
    slope_secant = (f_plus - f_minus) / (2 * h)
    fig, (ax_image, ax) = plt.subplots(1, 2, figsize=(7.6, 3.0), width_ratios=[1, 2.4])
    ax_image.imshow(x[0].numpy(), cmap="gray_r", vmin=0, vmax=1)
    row, col = divmod(pixel, x.shape[-1])
    ax_image.add_patch(plt.Rectangle((col - 0.5, row - 0.5), 1, 1, fill=False, edgecolor="black", linewidth=2.5))
    ax_image.add_patch(plt.Rectangle((col - 0.5, row - 0.5), 1, 1, fill=False, edgecolor="white", linewidth=1, linestyle="--"))
    ax_image.set(title=f"a {y}, pixel {pixel} boxed", xticks=[], yticks=[])
    ax_image.grid(False)
    ax.plot(t, curve, color=COLORS["neutral"], label="loss along the pixel (hidden from the attacker)")
    ax.plot([-h, h], [f_minus, f_plus], "o", color="black", markersize=7, label=f"two queries at ±h, h = {h}")
    ax.plot(t, f_0 + slope_secant * t, color=ESTIMATOR_STYLES["coordinates"]["color"], linestyle="--", label=f"secant: slope {slope_secant:.3f}")
    ax.plot(t, f_0 + slope_true * t, color=WHITE_BOX_STYLE["color"], linestyle=":", linewidth=2, label=f"tangent (autograd): slope {slope_true:.3f}")
    ax.set(xlabel="change t of the pixel's brightness", ylabel="loss  -log p(y | x + t e_i)", xlim=(-span, span))
    low, high = float(curve.min()), float(curve.max())
    ax.set_ylim(low - 0.15 * (high - low), high + 0.35 * (high - low))
    ax.legend(loc="upper left", fontsize=8)
    fig.suptitle("Two queries give a slope: the secant stands in for the gradient's component")
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.17, top=0.84, wspace=0.25)
    return fig


# ----------------------------------------------------------------------------- step size: truncation against round-off


def logistic_loss(t: Tensor) -> Tensor:
    r"""The smooth test function of the step-size study: :math:`f(t) = \log(1 + e^{-t})`, the two-class cross-entropy at margin t.

    Its derivative is :math:`f'(t) = -\sigma(-t)`, so the error of an estimate is known exactly.
    """
    return F.softplus(-t)


def step_size_errors(steps: np.ndarray, dtype: torch.dtype, method: str, point: float = 1.0) -> np.ndarray:
    """|estimate - f'(point)| for ``finite_difference_gradient`` on ``logistic_loss`` with each step h, in ``dtype``.

    Steps lost to round-off at this precision (x + h == x), and exact hits (error 0, which a log
    axis cannot show), give NaN.

    Args:
        steps: (K,) positive floats. dtype: torch.float32 or torch.float64. method: "central" or "forward".

    Returns:
        (K,) float64 absolute errors.

    Introduced in notebooks/07_black_box_attacks.
    """
    if method not in METHODS:
        raise ValueError(f"`method` must be 'central' or 'forward' (got {method!r})")
    x = torch.tensor([point], dtype=dtype)
    exact = -1.0 / (1.0 + math.exp(point))  # f'(t) = -sigma(-t), in float64
    errors = []
    for h in steps:
        try:
            estimate = finite_difference_gradient(lambda v: logistic_loss(v).sum(), x, h=float(h), method=method)
        except ValueError:  # h below the resolution of x's dtype
            errors.append(math.nan)
            continue
        error = abs(float(estimate.gradient[0]) - exact)
        errors.append(error if error > 0 else math.nan)
    return np.array(errors)


def error_model(steps: np.ndarray, dtype: torch.dtype, method: str, point: float = 1.0) -> np.ndarray:
    r"""The predicted error: truncation :math:`h|f''|/2` (forward) or :math:`h^2|f'''|/6` (central), plus round-off :math:`\varepsilon|f|/h`.

    For ``logistic_loss`` at ``point``: (K,) float64.
    """
    s = 1.0 / (1.0 + math.exp(point))  # sigma(-t)
    f, f2, f3 = math.log1p(math.exp(-point)), s * (1 - s), abs(s * (1 - s) * (1 - 2 * s))
    machine_eps = torch.finfo(dtype).eps
    truncation = steps * f2 / 2 if method == "forward" else steps**2 * f3 / 6
    return truncation + machine_eps * f / steps


def plot_step_size_errors(steps: np.ndarray, point: float = 1.0) -> Figure:
    """Error of forward and central differences against h, log–log, in float64 (left) and float32 (right).

    Measured errors are markers on lines; the error model is a thin dotted (central) or dash-dotted
    (forward) line; the library's ``default_step`` is a vertical line of the method's style.
    """
    fig, axes = plt.subplots(1, 2, figsize=(8.6, 3.5), sharey=True)
    for ax, dtype in zip(axes, (torch.float64, torch.float32)):
        for method in ("forward", "central"):
            style = METHOD_STYLES[method]
            ax.plot(steps, step_size_errors(steps, dtype, method, point), markersize=3.5, label=f"{method}: measured", **style)
            ax.plot(steps, error_model(steps, dtype, method, point), color=style["color"], linewidth=1, label=f"{method}: error model", **PREDICTION_STYLES[method])
            h_star = default_step(dtype, method)
            ax.axvline(h_star, color=style["color"], linestyle=style["linestyle"], linewidth=0.9, alpha=0.8)
            left = method == "forward"  # the two labels on either side of their lines, so they never overlap
            ax.annotate(f"default h\n{h_star:.1e}", (h_star, 1e-15), xytext=(-3 if left else 3, 0), textcoords="offset points", ha="right" if left else "left", fontsize=7, color=style["color"])
        ax.set(xscale="log", yscale="log", xlabel="step h", ylim=(1e-16, 1e1), title=f"{str(dtype).removeprefix('torch.')}: machine ε = {torch.finfo(dtype).eps:.1e}")
        ax.set(xticks=10.0 ** np.arange(-12, 1, 3), yticks=10.0 ** np.arange(-15, 1, 3))  # every third decade: fewer labels to typeset
        ax.minorticks_off()
    axes[0].set_ylabel("|estimate − f′(1)|")
    axes[0].legend(loc="upper left", fontsize=7)
    fig.suptitle("A V in h: truncation error falls with h, round-off ε/h rises; central differences reach lower")
    fig.subplots_adjust(left=0.09, right=0.98, bottom=0.15, top=0.83, wspace=0.06)
    return fig


# ----------------------------------------------------------------------------- cosine against queries


@dataclass(repr=False)
class CosineStudy:
    """Cosines between estimated and true gradients, per seed, digit and query budget."""

    budgets: np.ndarray  # (Q,) queries allowed per estimate
    cosines: dict[str, np.ndarray]  # method -> (S, N, Q): seed, digit, budget; NaN where a method cannot use the budget
    gains: dict[str, np.ndarray]  # method -> (S, N, Q): sign_gain, the share of FGSM's first-order gain
    num_dims: int  # D, pixels per image

    def valid(self, method: str) -> np.ndarray:
        """(Q,) bool: the budgets at which ``method`` was run."""
        return np.isfinite(self.cosines[method]).all(axis=(0, 1))

    def per_seed(self, method: str, measure: str = "cosines") -> np.ndarray:
        """(S, Q) a measure ("cosines" or "gains") averaged over digits, for each seed; NaN where the method was not run."""
        values = getattr(self, measure)[method]
        means = np.full(values.shape[::2], np.nan)
        means[:, self.valid(method)] = values[:, :, self.valid(method)].mean(axis=1)
        return means

    def mean(self, method: str, measure: str = "cosines") -> np.ndarray:
        """(Q,) a measure averaged over digits and seeds; NaN where the method was not run."""
        return self.per_seed(method, measure).mean(axis=0)

    def __repr__(self) -> str:
        num_seeds, num_digits, _ = self.cosines[ESTIMATORS[0]].shape
        columns = [(m, measure) for measure in ("cosines", "gains") for m in ESTIMATORS]
        means = {column: self.mean(*column) for column in columns}
        lines = [
            f"CosineStudy(D = {self.num_dims}, {num_digits} digits x {num_seeds} seeds), means over digits and seeds:",
            f"{'':>8}{'cosine with the true gradient':^38}{'share of FGSM gain, g.sign(est)/|g|_1':^38}",
            f"{'queries':>8}" + "".join(f"{m:>19}" for m, _ in columns),
        ]
        for i, budget in enumerate(self.budgets):
            lines.append(f"{budget:>8}" + "".join(f"{means[c][i]:>19.3f}" if np.isfinite(means[c][i]) else f"{'—':>19}" for c in columns))
        return "\n".join(lines)


def cosine_study(model: nn.Module, x: Tensor, y: Tensor, budgets: Iterable[int], seeds: Iterable[int]) -> CosineStudy:
    """For each seed, digit and budget: how each estimator's gradient (from queries) compares with the true one (autograd):
    their cosine, and the share of FGSM's first-order gain it earns (``sign_gain``).

    Coordinates are estimated up to budget 2D, where they are exact; beyond, their entries are NaN.

    Args:
        model: the attacked classifier. x: (N, 1, 8, 8) digits; y: (N,) labels.
        budgets: queries per estimate, each even and >= 2. seeds: one torch generator seed per repetition.

    Introduced in notebooks/07_black_box_attacks.
    """
    budgets, seeds = np.array(list(budgets)), list(seeds)
    black_box = LossAPI(model)
    true = loss_gradient(model, x, y)  # (N, 1, 8, 8); each row is its digit's gradient / N, same direction
    num_dims = x[0].numel()
    cosines = {m: np.full((len(seeds), len(x), len(budgets)), np.nan) for m in ESTIMATORS}
    gains = {m: np.full((len(seeds), len(x), len(budgets)), np.nan) for m in ESTIMATORS}
    for s, seed in enumerate(seeds):
        generator = torch.Generator().manual_seed(seed)
        for n, (image, label) in enumerate(zip(x, y)):
            f = black_box.loss_of(label)
            for q, budget in enumerate(budgets):
                for method in ESTIMATORS:
                    if method == "coordinates" and budget > 2 * num_dims:
                        continue
                    estimate = estimate_gradient(f, image, method, int(budget), generator).gradient
                    cosines[method][s, n, q] = cosine(estimate, true[n])
                    gains[method][s, n, q] = sign_gain(estimate, true[n])
    return CosineStudy(budgets, cosines, gains, num_dims)


def plot_cosine_study(study: CosineStudy) -> Figure:
    """Mean cosine against queries (log scale) for both estimators, a band from the lowest to the highest seed,
    and the predictions √(k/D) (k pixels) and √(n/(n+D+1)) (n directions) as thin dotted and dash-dotted lines."""
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    budgets, num_dims = study.budgets, study.num_dims
    num_seeds = study.cosines[ESTIMATORS[0]].shape[0]
    for method in ESTIMATORS:
        style = ESTIMATOR_STYLES[method]
        per_seed, keep = study.per_seed(method), study.valid(method)  # (S, Q), (Q,)
        ax.fill_between(budgets[keep], per_seed.min(0)[keep], per_seed.max(0)[keep], color=style["color"], alpha=0.2, hatch="///" if method == "random directions" else None, linewidth=0)
        ax.plot(budgets[keep], per_seed.mean(0)[keep], label=f"{method}: mean, band over {num_seeds} seeds", **style)
    half = budgets / 2
    ax.plot(budgets[half <= num_dims], np.sqrt(half[half <= num_dims] / num_dims), color=ESTIMATOR_STYLES["coordinates"]["color"], linewidth=1, label="√(k / D), k = queries / 2 pixels", **PREDICTION_STYLES["coordinates"])
    ax.plot(budgets, np.sqrt(half / (half + num_dims + 1)), color=ESTIMATOR_STYLES["random directions"]["color"], linewidth=1, label="√(n / (n + D + 1)), n = queries / 2", **PREDICTION_STYLES["random directions"])
    ax.axvline(2 * num_dims, color=COLORS["neutral"], linewidth=0.8, linestyle="-")
    ax.annotate(f"2D = {2 * num_dims}:\nevery pixel", (2 * num_dims, 0.04), xytext=(4, 0), textcoords="offset points", fontsize=8)
    ax.set(xscale="log", xlabel="queries per gradient estimate", ylabel="cosine with the true gradient", ylim=(0, 1.05))
    ax.set_xticks(budgets, [str(b) for b in budgets])
    ax.minorticks_off()
    ax.legend(loc="upper left", fontsize=7.5)
    ax.set_title("Alike for a few queries; only coordinates reach the exact gradient, at 2D")
    fig.subplots_adjust(left=0.11, right=0.97, bottom=0.14, top=0.9)
    return fig


# ----------------------------------------------------------------------------- FGSM from queries


@dataclass(repr=False)
class QueryAttackResult:
    """Accuracy of the attacked model under FGSM from estimated gradients, per estimator and budget."""

    eps: float
    budgets: list[int]  # queries allowed per digit
    accuracy: dict[str, list[float]]  # method -> accuracy on x_adv, per budget
    queries: dict[str, list[int]]  # method -> queries the black box counted over all digits, per budget
    clean_accuracy: float
    white_box_accuracy: float  # FGSM with the true gradient, same eps
    noise_accuracy: float  # random ±eps signs, same size
    num_digits: int

    def __repr__(self) -> str:
        lines = [
            f"QueryAttackResult(FGSM, eps={self.eps:g}, {self.num_digits} test digits): accuracy of the attacked model",
            f"  clean {self.clean_accuracy:.1%}, random ±eps noise {self.noise_accuracy:.1%}, white-box FGSM {self.white_box_accuracy:.1%}",
            f"{'queries per digit':>18}" + "".join(f"{m:>26}" for m in ESTIMATORS),
        ]
        for i, budget in enumerate(self.budgets):
            cells = (f"{self.accuracy[m][i]:.1%} ({self.queries[m][i]:,} in all)" for m in ESTIMATORS)
            lines.append(f"{budget:>18}" + "".join(f"{cell:>26}" for cell in cells))
        return "\n".join(lines)


def query_fgsm_study(model: nn.Module, x: Tensor, y: Tensor, eps: float, budgets: Iterable[int], generator: torch.Generator) -> QueryAttackResult:
    """FGSM from gradients estimated with each budget of queries per digit, against white-box FGSM and random noise.

    The queries are counted by a ``LossAPI`` wrapped around ``model``; measuring the accuracy on
    the finished x_adv is the referee's work, not the attacker's, and is not counted.

    Args:
        model: the attacked classifier. x: (N, 1, 8, 8) test digits; y: (N,) labels.
        eps: the L∞ budget. budgets: queries per digit, each even and >= 2. generator: all the randomness.

    Introduced in notebooks/07_black_box_attacks.
    """
    budgets = [int(b) for b in budgets]
    black_box = LossAPI(model)
    results: dict[str, list[float]] = {m: [] for m in ESTIMATORS}
    spent: dict[str, list[int]] = {m: [] for m in ESTIMATORS}
    for budget in budgets:
        for method in ESTIMATORS:
            start = black_box.queries
            grads = torch.stack([estimate_gradient(black_box.loss_of(label), image, method, budget, generator).gradient for image, label in zip(x, y)])  # (N, 1, 8, 8)
            spent[method].append(black_box.queries - start)
            results[method].append(accuracy(model, fgsm_from_gradient(x, grads, eps), y))
    return QueryAttackResult(
        eps,
        budgets,
        results,
        spent,
        clean_accuracy=accuracy(model, x, y),
        white_box_accuracy=accuracy(model, fgsm(model, x, y, eps), y),
        noise_accuracy=accuracy(model, random_sign_noise(x, eps, generator), y),
        num_digits=len(x),
    )


def plot_query_attack(result: QueryAttackResult) -> Figure:
    """Accuracy under FGSM from estimated gradients against queries per digit, with clean, noise and white-box references."""
    fig, ax = plt.subplots(figsize=(6.4, 3.5))
    for method in ESTIMATORS:
        ax.plot(result.budgets, result.accuracy[method], label=f"FGSM from {method}", **ESTIMATOR_STYLES[method])
    ax.axhline(result.clean_accuracy, color=COLORS["neutral"], linestyle="-", linewidth=1, label="clean digits")
    ax.axhline(result.noise_accuracy, label=f"random ±{result.eps:g} noise (no queries)", **NOISE_STYLE)
    ax.axhline(result.white_box_accuracy, label="white-box FGSM (true gradient)", **WHITE_BOX_STYLE)
    ax.set(xscale="log", xlabel="queries per digit", ylabel="accuracy of the attacked model", ylim=(0, 1.05))
    ax.set_xticks(result.budgets, [str(b) for b in result.budgets])
    ax.minorticks_off()
    ax.legend(loc="center left", bbox_to_anchor=(0.0, 0.42), fontsize=7.5)
    ax.set_title("Random directions hurt first; with 2D queries coordinates match white box")
    fig.subplots_adjust(left=0.11, right=0.97, bottom=0.14, top=0.9)
    return fig


# ----------------------------------------------------------------------------- transfer


def plot_transfer_matrix(matrix: TransferMatrix, noise_accuracy: Tensor) -> Figure:
    """The transfer matrix as an annotated heat map: rows = where the examples come from, columns = the model evaluated.

    The first two rows are references: clean digits, and random ±eps noise of FGSM's size. Every
    cell carries its number; the diagonal (the white-box attack) also says so in words.

    Args:
        matrix: from ``transfer_matrix``. noise_accuracy: (M,) each model's accuracy on the random noise.
    """
    names = matrix.names
    rows = np.vstack([matrix.clean_accuracy.numpy(), np.asarray(noise_accuracy), matrix.accuracy.numpy()])  # (M + 2, M)
    labels = ["clean digits", f"random ±{matrix.eps:g} noise"] + [f"crafted on {name}" for name in names]
    fig, ax = plt.subplots(figsize=(7.2, 4.4))
    cmap = plt.get_cmap("cividis")
    image = ax.imshow(rows, cmap=cmap, vmin=0, vmax=1, aspect="auto")
    for i in range(rows.shape[0]):
        for j in range(rows.shape[1]):
            r, g, b, _ = cmap(rows[i, j])
            text_color = "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"  # readable on the cell's grey
            white_box = i - 2 == j
            ax.text(j, i, f"{rows[i, j]:.0%}" + ("\nwhite box" if white_box else ""), ha="center", va="center", color=text_color, fontsize=8.5 if white_box else 9, fontweight="bold" if white_box else "normal")
    ax.axhline(1.5, color="white", linewidth=3)
    ax.set_xticks(range(len(names)), names, rotation=20, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("accuracy of this model (the target)")
    ax.grid(False)
    fig.colorbar(image, ax=ax, label="accuracy", fraction=0.04, pad=0.02, format=lambda value, _: f"{value:.0%}")
    ax.set_title(f"FGSM (eps = {matrix.eps:g}) made on one model fools the others; noise barely does")
    fig.subplots_adjust(left=0.27, right=0.95, bottom=0.17, top=0.93)
    return fig


def gradient_alignment(models: dict[str, nn.Module], x: Tensor, y: Tensor) -> Tensor:
    """(M, M): the mean cosine between two models' input gradients of the loss, over the digits where both are nonzero.

    A digit classified with near certainty can have a gradient of exactly 0 in float32 (the loss
    rounds to 0); its cosine means nothing and is left out.

    Args:
        models: names to classifiers. x: (N, 1, 8, 8); y: (N,).

    Introduced in notebooks/07_black_box_attacks.
    """
    grads = [loss_gradient(model, x, y).flatten(1).double() for model in models.values()]  # M x (N, 64)
    norms = [torch.linalg.vector_norm(g, dim=1) for g in grads]  # M x (N,)
    units = [g / n.clamp_min(1e-300)[:, None] for g, n in zip(grads, norms)]  # M x (N, 64), rows of norm 1 (or 0)
    alignment = torch.zeros(len(grads), len(grads), dtype=torch.float64)
    for i in range(len(grads)):
        for j in range(len(grads)):
            both = (norms[i] > 0) & (norms[j] > 0)  # (N,)
            alignment[i, j] = (units[i][both] * units[j][both]).sum(dim=1).mean()
    return alignment


PAIR_MARKERS = {  # (same architecture family?, same training half?) -> marker and label
    (True, True): ("D", "same family, same half"),
    (True, False): ("o", "same family, other half"),
    (False, True): ("^", "other family, same half"),
    (False, False): ("v", "other family, other half"),
}


def plot_alignment_vs_transfer(matrix: TransferMatrix, alignment: Tensor, families: list[str], halves: list[str]) -> Figure:
    """One point per (surrogate, target) pair: how well their gradients align against how much the target's accuracy drops.

    Args:
        matrix: from ``transfer_matrix``; alignment: (M, M) from ``gradient_alignment``, same model order.
        families: each model's architecture family ("MLP", "CNN"); halves: each model's training half ("A", "B").
    """
    drop = (matrix.clean_accuracy[None, :] - matrix.accuracy).numpy()  # (M, M): row crafts, column is attacked
    fig, ax = plt.subplots(figsize=(6.0, 3.6))
    for (same_family, same_half), (marker, label) in PAIR_MARKERS.items():
        pairs = [(i, j) for i in range(len(families)) for j in range(len(families)) if i != j and (families[i] == families[j]) == same_family and (halves[i] == halves[j]) == same_half]
        if pairs:
            ax.scatter([float(alignment[i, j]) for i, j in pairs], [drop[i, j] for i, j in pairs], marker=marker, s=45, facecolors="none" if not same_half else "black", edgecolors="black", label=label)
    diagonal = np.diag(drop)
    ax.scatter(np.ones(len(diagonal)), diagonal, marker="*", s=90, color=COLORS["neutral"], label="white box (cosine 1)")
    ax.set(xlabel="mean cosine between the two models' input gradients", ylabel="accuracy drop of the target\n(clean − on transferred x_adv)")
    ax.legend(loc="upper left", fontsize=7.5)
    ax.set_title("The better two models' gradients align, the better an attack transfers")
    fig.subplots_adjust(left=0.15, right=0.97, bottom=0.14, top=0.9)
    return fig
