"""Figures for the adversarial-examples notebooks, in the course's colours. Each returns its matplotlib figure.

Every role has a colour *and* a shape, so the figures read in greyscale and for colour-blind readers:

- clean inputs are blue with plain bars, adversarial ones orange with hatched bars (``IMAGE_ROLES``);
- the L∞ ball is purple with squares and solid lines, the L2 ball green with circles and dashes;
- on accuracy curves FGSM has open markers, PGD filled ones on a dash-dot (L∞) or dotted (L2) line (``curve_style``).

Introduced in notebooks/06_fgsm.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure
from torch import nn

from course_lib.adversarial.models import evaluation_mode
from course_lib.adversarial.threat_models import norm_order
from course_lib.plotting import COLORS

Tensor = torch.Tensor

IMAGE_ROLES = {
    "clean": {"color": COLORS["real"], "hatch": ""},  # blue, like real data
    "adversarial": {"color": COLORS["generated"], "hatch": "///"},  # orange, like generated data: an algorithm made it
}
NORM_STYLES = {
    math.inf: {"color": COLORS["discriminator"], "marker": "s", "linestyle": "-"},  # purple squares: the cube
    2.0: {"color": COLORS["critic"], "marker": "o", "linestyle": "--"},  # green circles: the sphere
}
DIFFERENCE_CMAP = "RdBu_r"  # diverging: red where a pixel got brighter, blue where it got darker


def curve_style(norm: str | float, attack: str = "fgsm") -> dict:
    """Keyword arguments for ``ax.plot`` of an accuracy curve: the norm sets colour and marker, the attack the fill and line.

    FGSM: open markers on the norm's own line style. PGD: filled markers on a dash-dot (L∞) or
    dotted (L2) line. No two of the four share both marker and line style.

    Example:
        >>> curve_style("inf", "pgd")["marker"], curve_style(2, "fgsm")["linestyle"]
        ('s', '--')

    Introduced in notebooks/06_fgsm.
    """
    if attack not in ("fgsm", "pgd"):
        raise ValueError(f"`attack` must be 'fgsm' or 'pgd' (got {attack!r})")
    p = norm_order(norm)
    base = NORM_STYLES[p]
    style = {"color": base["color"], "marker": base["marker"], "markersize": 5}
    if attack == "fgsm":
        return {**style, "linestyle": base["linestyle"], "markerfacecolor": "white"}
    return {**style, "linestyle": "-." if p == math.inf else ":", "markerfacecolor": base["color"]}


@torch.no_grad()
def predictions(model: nn.Module, x: Tensor) -> tuple[Tensor, Tensor]:
    """The predicted class of each input and its probability, the model in eval mode.

    Args:
        model: maps (B, 1, 8, 8) images to (B, 10) logits.
        x: (B, 1, 8, 8) images.

    Returns:
        labels: (B,) int64; confidence: (B,) float, the softmax probability of that label.

    Introduced in notebooks/06_fgsm.
    """
    with evaluation_mode(model):
        probs = model(x).softmax(dim=1)  # (B, 10)
    confidence, labels = probs.max(dim=1)
    return labels, confidence


def plot_adversarial_examples(model: nn.Module, x: Tensor, x_adv: Tensor, y: Tensor, title: str) -> Figure:
    """Clean digits (top row) above their adversarial versions (bottom row), each labelled with the model's prediction.

    A dashed frame marks each adversarial digit the model reads wrong. Each row is one image
    (the digits side by side, one pixel apart), so the figure stays quick to draw.

    Args:
        model: the attacked classifier, (B, 1, 8, 8) -> (B, 10) logits.
        x, x_adv: (B, 1, 8, 8) clean and adversarial images in [0, 1], a handful (B <= 12).
        y: (B,) int64 true labels.
        title: the figure's title: state what it shows.

    Introduced in notebooks/06_fgsm.
    """
    num, pitch = len(x), 9  # each digit takes 8 pixels and a 1-pixel gap
    grey = plt.get_cmap("gray").with_extremes(bad="white")
    fig, axes = plt.subplots(2, 1, figsize=(0.95 * num + 0.9, 3.1))
    for ax, images, name in ((axes[0], x, "clean x"), (axes[1], x_adv, "x_adv")):
        labels, confidence = predictions(model, images)
        row = np.full((8, num * pitch - 1), np.nan)  # (8, 9B - 1): NaN gaps show as white
        for i in range(num):
            row[:, i * pitch : i * pitch + 8] = np.asarray(images[i], dtype=float).reshape(8, 8)
            ax.text(i * pitch + 3.5, -0.9, f"{int(labels[i])} ({confidence[i]:.0%})", ha="center", va="bottom", fontsize=9)
            if name == "x_adv" and int(labels[i]) != int(y[i]):  # a frame, not only a colour: reads in greyscale
                frame = plt.Rectangle((i * pitch - 0.6, -0.6), 8.2, 8.2, fill=False, linewidth=2, linestyle="--", edgecolor=IMAGE_ROLES["adversarial"]["color"])
                ax.add_patch(frame)
        ax.imshow(row, cmap=grey, vmin=0.0, vmax=1.0, interpolation="none")
        ax.set(xticks=[], yticks=[], xlim=(-0.8, num * pitch - 1.2), ylim=(8.0, -2.6))
        ax.set_ylabel(name)
        ax.grid(False)
        for spine in ax.spines.values():
            spine.set_visible(False)
    fig.suptitle(title)
    fig.text(0.5, 0.02, "above each digit: the predicted class and its probability; dashed frame: read wrong", ha="center", fontsize=8)
    fig.subplots_adjust(left=0.06, right=0.99, bottom=0.08, top=0.86, hspace=0.05)
    return fig


def plot_norm_balls(eps: float = 1.0, grad: Sequence[float] = (1.0, 0.45)) -> Figure:
    r"""The L∞ and L2 balls of radius eps in 2D, a gradient g, and where each ball maximises :math:`g^\top \delta`.

    Draws the square :math:`\|\delta\|_\infty \le \epsilon` (solid), the disc :math:`\|\delta\|_2 \le \epsilon`
    inside it (dashed), and the disc of radius :math:`\epsilon\sqrt 2` around the square (dotted).
    The optimum of each ball, :math:`\epsilon\,\mathrm{sign}(g)` and :math:`\epsilon\, g / \|g\|_2`, sits where the
    last level line of :math:`g^\top \delta` (thin, dotted) touches it.

    Args:
        eps: the radius.
        grad: the gradient g, two numbers, not both zero.

    Introduced in notebooks/06_fgsm.
    """
    g = np.asarray(grad, dtype=float)
    if g.shape != (2,) or not np.any(g):
        raise ValueError(f"`grad` must be two numbers, not both zero, such as (1.0, 0.45) (got {grad!r})")
    linf, l2 = NORM_STYLES[math.inf], NORM_STYLES[2.0]
    fig, ax = plt.subplots(figsize=(7.6, 4.0))
    corners = eps * np.array([[1, 1], [-1, 1], [-1, -1], [1, -1], [1, 1]])
    angle = np.linspace(0, 2 * np.pi, 400)
    circle = np.stack([np.cos(angle), np.sin(angle)], axis=1)  # (400, 2) unit circle
    ax.plot(*corners.T, color=linf["color"], linestyle=linf["linestyle"], linewidth=2, label="L∞ ball: |δ₁|, |δ₂| ≤ ε")
    ax.plot(*(eps * circle).T, color=l2["color"], linestyle=l2["linestyle"], linewidth=2, label="L2 ball: ‖δ‖₂ ≤ ε")
    ax.plot(*(eps * math.sqrt(2) * circle).T, color=COLORS["neutral"], linestyle=":", linewidth=1.2, label="L2 ball: ‖δ‖₂ ≤ ε√2")
    best_linf, best_l2 = eps * np.sign(g), eps * g / np.linalg.norm(g)
    direction = np.array([-g[1], g[0]]) / np.linalg.norm(g)  # along the level lines of gᵀδ
    for best, style, name in ((best_linf, linf, "ε·sign(g)"), (best_l2, l2, "ε·g/‖g‖₂")):
        span = best + np.outer(np.linspace(-2, 2, 2) * eps, direction)  # (2, 2) a level line through the optimum
        level = "level lines gᵀδ = const" if name == "ε·sign(g)" else None
        ax.plot(*span.T, color=style["color"], linestyle=":", linewidth=0.9, label=level)
        ax.plot(*best, linestyle="none", marker=style["marker"], markersize=9, color=style["color"], markeredgecolor="black", label=f"optimum {name}: gᵀδ = {g @ best:.2f}")
    arrow = 0.9 * eps * g / np.linalg.norm(g)
    ax.annotate("", xy=arrow, xytext=(0, 0), arrowprops={"arrowstyle": "->", "color": "black", "linewidth": 1.5})
    ax.text(*(arrow * 0.55 + np.array([0.0, 0.08 * eps])), "g", fontsize=11)
    ax.set(xlim=(-1.6 * eps, 1.6 * eps), ylim=(-1.6 * eps, 1.6 * eps), xlabel="δ₁", ylabel="δ₂", aspect="equal")
    fig.suptitle("The L2 ball sits inside the L∞ ball of the same radius,\nwhich sits inside the L2 ball of radius ε√2")
    ax.legend(loc="center left", bbox_to_anchor=(1.04, 0.5), fontsize=8, title=f"ε = {eps:g},  g = ({g[0]:g}, {g[1]:g})", title_fontsize=8)
    fig.subplots_adjust(left=0.07, right=0.5, bottom=0.13, top=0.86)
    return fig


def plot_accuracy_against_eps(
    eps: Sequence[float],
    curves: dict[str, Sequence[float]],
    styles: dict[str, dict],
    title: str,
    l2_per_linf: float | None = None,
    clean: float | None = None,
) -> Figure:
    """Test accuracy under attack against the budget: one curve per attack, all on one L∞ ε axis.

    Args:
        eps: (n,) the L∞ budgets, the bottom axis.
        curves: label -> (n,) accuracies in [0, 1] at those budgets.
        styles: label -> ``ax.plot`` keyword arguments, usually ``curve_style(norm, attack)``.
        title: the figure's title: state the finding.
        l2_per_linf: when given, L2 curves were run at budget ``l2_per_linf * eps``, and a top axis shows that scale.
        clean: the clean accuracy, drawn as a thin horizontal guide.

    Introduced in notebooks/06_fgsm.
    """
    missing = set(curves) - set(styles)
    if missing:
        raise ValueError(f"`styles` needs an entry for every curve; missing {sorted(missing)}: pass curve_style(norm, attack)")
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    if clean is not None:
        ax.axhline(clean, color=COLORS["neutral"], linewidth=0.8, linestyle=(0, (1, 3)), label=f"no attack ({clean:.1%})")
    for label, accuracy in curves.items():
        ax.plot(eps, accuracy, label=label, **styles[label])
    ax.set(xlabel="L∞ budget ε (every pixel moves by at most ε)", ylabel="test accuracy", ylim=(-0.02, 1.02), xlim=(0, max(eps) * 1.02))
    if l2_per_linf is not None:
        top = ax.secondary_xaxis("top", functions=(lambda e: l2_per_linf * e, lambda e: e / l2_per_linf))
        top.set_xlabel(f"L2 budget ε₂ = {l2_per_linf:g}·ε", fontsize=9)
    ax.set_title(title, pad=28 if l2_per_linf is not None else 6)
    ax.legend(loc="center right", fontsize=8)
    fig.subplots_adjust(left=0.1, right=0.98, bottom=0.15, top=0.78 if l2_per_linf is not None else 0.88)
    return fig
