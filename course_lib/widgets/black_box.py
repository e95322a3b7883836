"""Estimate a digit's loss gradient from queries alone: pixel by pixel against random directions, as the budget grows.

Every estimate is computed once, when the explorer is built (a few hundred batched queries of a
small MLP, well under a second); a move of a control only picks precomputed images and numbers.

Introduced in notebooks/07_black_box_attacks.
"""

from __future__ import annotations

import ipywidgets
import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from torch import nn

from course_lib.adversarial.attacks import loss_gradient
from course_lib.adversarial.black_box_plots import ESTIMATOR_STYLES, ESTIMATORS, GRADIENT_CMAP, LossAPI, cosine, estimate_gradient
from course_lib.adversarial.data import load_digits
from course_lib.adversarial.models import trained_classifier
from course_lib.plotting import COLORS
from course_lib.widgets import Explorer, new_figure, register_for_bench

DEFAULT_BUDGETS = tuple(range(8, 257, 8))  # queries per estimate: 8, 16, ..., 256 (coordinates are exact from 128 on)
PANELS = ("the digit", "true gradient", "coordinates", "random directions")
GAP = 2  # white columns between two pictures


def scaled(gradient: np.ndarray) -> np.ndarray:
    """A gradient image divided by its largest |entry| (left as is when zero): only its direction is shown.

    Example:
        >>> scaled(np.array([[2.0, -4.0]]))
        array([[ 0.5, -1. ]])
    """
    peak = np.abs(gradient).max()
    return gradient / peak if peak > 0 else gradient


class GradientEstimateExplorer(Explorer):
    """A digit, its true loss gradient, the two estimates from a budget of queries, and the cosines against the budget.

    Under each estimate, its cosine with the true gradient; above the plot, the pixels and directions
    the budget bought (q // 2 of each, but never more than the D pixels).

    For digit i and budget q the estimates are ``estimate_gradient(f, x[i], method, q, ...)`` with
    f the ``LossAPI`` loss of the digit's label: the coordinates are the first q // 2 of one fixed
    random order of the pixels, ``torch.randperm(D, generator=torch.Generator().manual_seed(seed))``, so
    the estimate fills in pixel by pixel as q grows; the random directions come from a fresh
    ``torch.Generator().manual_seed(seed)`` at every budget. Budgets between the precomputed ones
    show the largest precomputed budget below them.

    Args:
        model: the attacked classifier (default: the notebook's target, an MLP trained on half B of the digits).
        x: (N, 1, 8, 8) digits to choose from; y: (N,) labels (default: the first three test digits).
        budgets: the query budgets to precompute, increasing, each even and >= 2.
        seed: the randomness of the pixel order and of the directions.
    """

    title = "Gradient estimates from queries"

    def __init__(
        self,
        model: nn.Module | None = None,
        x: torch.Tensor | None = None,
        y: torch.Tensor | None = None,
        budgets: tuple[int, ...] = DEFAULT_BUDGETS,
        seed: int = 0,
        queries: int = 32,
        digit: int = 0,
    ):
        if model is None:
            model = trained_classifier("mlp", data="train_b")
        if x is None or y is None:
            x, y = (part[:3] for part in load_digits("test"))
        self.budgets = np.array(budgets)  # (Q,)
        self.digits = x[:, 0].numpy()  # (N, 8, 8)
        self.labels = [int(label) for label in y]
        self.true = loss_gradient(model, x, y)[:, 0].numpy()  # (N, 8, 8), each row its digit's gradient / N: same direction
        self.estimates, self.cosines, self.queries_used = self._precompute(model, x, y, seed)
        controls = {
            "digit": ipywidgets.Dropdown(options=[(f"test digit {i} (a {label})", i) for i, label in enumerate(self.labels)], value=digit, description="digit"),
            "queries": ipywidgets.IntSlider(value=queries, min=int(self.budgets[0]), max=int(self.budgets[-1]), step=int(self.budgets[1] - self.budgets[0]) if len(self.budgets) > 1 else 2, description="queries"),
        }
        fig, (ax_images, ax_curve) = new_figure(ncols=2, width=10.0, height=2.7)
        super().__init__(fig, controls)
        # The four pictures are blocks of one RGBA image, so that a move draws one image, not four.
        height, width = self.digits.shape[1:]
        self.block_columns = [slice(i * (width + GAP), i * (width + GAP) + width) for i in range(len(PANELS))]
        ax_images.set_position([0.005, 0.3, 0.57, 0.56])  # fixed positions (figure fractions): no layout pass
        ax_curve.set_position([0.755, 0.3, 0.23, 0.56])
        self.picture = ax_images.imshow(np.ones((height, self.block_columns[-1].stop, 4)), interpolation="nearest")
        ax_images.set(xticks=[], yticks=[])
        ax_images.grid(False)
        ax_images.spines[:].set_visible(False)
        for name, columns in zip(PANELS, self.block_columns):
            ax_images.text((columns.start + columns.stop - 1) / 2, -0.8, name, ha="center", va="bottom", fontsize=9)
        self.norm = Normalize(-1, 1)
        colorbar = fig.colorbar(ScalarMappable(self.norm, GRADIENT_CMAP), cax=fig.add_axes([0.585, 0.3, 0.01, 0.56]), ticks=[-1, 0, 1])
        colorbar.set_label("gradient / max |entry|", fontsize=8)
        colorbar.ax.tick_params(labelsize=8)
        # The only words redrawn on a move, kept short: text is slow to draw (a few ms per ten characters).
        self.notes = {
            method: ax_images.text((columns.start + columns.stop - 1) / 2, height - 0.3, "", ha="center", va="top", fontsize=9)
            for method, columns in zip(ESTIMATORS, self.block_columns[2:])
        }
        self.counts = ax_curve.text(0.5, 1.03, "", transform=ax_curve.transAxes, ha="center", va="bottom", fontsize=9)  # the panel's title
        self.curves, self.dots = {}, {}
        for method in ESTIMATORS:
            style = ESTIMATOR_STYLES[method]
            (self.curves[method],) = ax_curve.plot(self.budgets, self.budgets * 0.0, color=style["color"], linestyle=style["linestyle"], label=method)
            (self.dots[method],) = ax_curve.plot([], [], linestyle="none", marker=style["marker"], color=style["color"], markersize=7, markeredgecolor="black")
        self.budget_line = ax_curve.axvline(self.budgets[0], color=COLORS["neutral"], linewidth=1)
        ax_curve.set(xlabel=f"queries per estimate (D = {self.digits[0].size})", ylabel="cosine with the true", xlim=(0, self.budgets[-1]), ylim=(0, 1.05))
        ax_curve.legend(loc="lower right", fontsize=8)
        self.axes = (ax_images, ax_curve)
        self.animated = [self.picture, *self.notes.values(), self.counts, *self.curves.values(), *self.dots.values(), self.budget_line]
        self.update()

    def colours(self, gradient: np.ndarray) -> np.ndarray:
        """(H, W) gradient to the (H, W, 4) RGBA block shown: scaled by its largest |entry|, then coloured."""
        return plt.get_cmap(GRADIENT_CMAP)(self.norm(scaled(gradient)))

    def block(self, panel: str) -> np.ndarray:
        """The (H, W, 4) RGBA block of one panel ("the digit", "true gradient", "coordinates", "random directions"), as drawn."""
        return np.asarray(self.picture.get_array())[:, self.block_columns[PANELS.index(panel)]]

    def _precompute(self, model: nn.Module, x: torch.Tensor, y: torch.Tensor, seed: int) -> tuple[dict, dict, dict]:
        black_box = LossAPI(model)
        order = torch.randperm(x[0].numel(), generator=torch.Generator().manual_seed(seed))  # (D,) one pixel order, nested subsets
        estimates = {m: np.zeros((len(x), len(self.budgets), *x.shape[-2:])) for m in ESTIMATORS}  # (N, Q, H, W)
        cosines = {m: np.zeros((len(x), len(self.budgets))) for m in ESTIMATORS}  # (N, Q)
        queries = {m: np.zeros(len(self.budgets), dtype=int) for m in ESTIMATORS}  # (Q,)
        for n, (image, label) in enumerate(zip(x, y)):
            f = black_box.loss_of(label)
            for q, budget in enumerate(self.budgets):
                for method in ESTIMATORS:
                    generator = torch.Generator().manual_seed(seed)
                    estimate = estimate_gradient(f, image, method, int(budget), generator, order=order if method == "coordinates" else None)
                    estimates[method][n, q] = estimate.gradient[0].numpy()
                    cosines[method][n, q] = cosine(estimate.gradient[0], torch.from_numpy(self.true[n]))
                    queries[method][q] = estimate.queries
        return estimates, cosines, queries

    def budget_index(self, queries: int) -> int:
        """The index of the largest precomputed budget <= ``queries`` (the smallest one below them all)."""
        return max(int(np.searchsorted(self.budgets, queries, side="right")) - 1, 0)

    def draw(self, digit: int, queries: int) -> None:
        q = self.budget_index(queries)
        budget = int(self.budgets[q])
        blocks = [plt.get_cmap("gray_r")(self.digits[digit]), self.colours(self.true[digit])]
        blocks += [self.colours(self.estimates[method][digit, q]) for method in ESTIMATORS]
        picture = np.array(self.picture.get_array())  # (H, 4W + 3 GAP, 4), the gaps stay white
        for block, columns in zip(blocks, self.block_columns):
            picture[:, columns] = block
        self.picture.set_data(picture)
        for method in ESTIMATORS:
            self.notes[method].set_text(f"cos = {self.cosines[method][digit, q]:.2f}")
            self.curves[method].set_ydata(self.cosines[method][digit])
            self.dots[method].set_data([budget], [self.cosines[method][digit, q]])
        pixels, directions = (int(self.queries_used[method][q]) // 2 for method in ESTIMATORS)
        self.counts.set_text(f"{pixels} pixels, {directions} directions")
        self.budget_line.set_xdata([budget, budget])


@register_for_bench("07_black_box_attacks: gradient estimates")
def _bench_gradient_estimate_explorer() -> GradientEstimateExplorer:
    return GradientEstimateExplorer()
