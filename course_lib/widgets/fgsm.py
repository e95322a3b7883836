r"""Slide FGSM's budget and watch a digit change, and the classifier's belief with it.

FGSM at budget eps is :math:`x_{adv} = \mathrm{clip}_{[0, 1]}(x + \epsilon u)`, where u is the
steepest-ascent direction of the loss gradient g at x: sign(g) for L∞, g / ‖g‖₂ for L2
(``course_lib.adversarial.threat_models.steepest_ascent_direction``). Neither g nor u depends on
eps, so the explorer computes them once per digit, and with them the image and the model's answer
at every slider position; an update looks those up and redraws. What it draws equals
``course_lib.adversarial.attacks.fgsm``'s output (``tests/test_widgets_fgsm.py`` checks it).

Introduced in notebooks/06_fgsm.
"""

from __future__ import annotations

import ipywidgets
import numpy as np
import torch
from matplotlib.patches import PathPatch
from matplotlib.path import Path
from torch import nn

from course_lib.adversarial.attacks import loss_gradient
from course_lib.adversarial.data import NUM_CLASSES, load_digits
from course_lib.adversarial.models import evaluation_mode, trained_classifier
from course_lib.adversarial.plots import DIFFERENCE_CMAP, IMAGE_ROLES
from course_lib.adversarial.threat_models import steepest_ascent_direction
from course_lib.widgets import Explorer, new_figure, register_for_bench

Tensor = torch.Tensor

L2_PER_LINF = 8.0  # √64: on 8×8 images the L2 ball of radius 8ε is the smallest that holds the L∞ ball of radius ε
NORM_OPTIONS = (("L∞: budget ε", "inf"), ("L2: budget 8ε", "2"))
MAX_EPS = 0.3  # by 0.3 (L∞) FGSM fools the course's MLP on nearly every test digit
EPS_STEP = 0.01  # the slider's step: 31 positions, all precomputed
BAR_WIDTH = 0.4  # two bars per class side by side
SIGN_TOLERANCE = 1e-6  # |δ| below this is drawn unmarked: the pixel did not move (it was clipped, or g = 0 there)
DIFFERENCE_LIMIT = 0.5  # the δ panel's colour scale is ±0.5, fixed so that the colourbar never moves


def demo_digits(model: nn.Module, x: Tensor, y: Tensor) -> dict[int, int]:
    """For each class present in y, the index of its first image that ``model`` classifies correctly.

    Args:
        model: maps (B, 1, 8, 8) images to (B, 10) logits.
        x: (N, 1, 8, 8) images; y: (N,) int64 labels.

    Returns:
        {class: index into x}, in class order; a class whose images are all misclassified is left out.

    Example:
        >>> x, y = load_digits("test")
        >>> sorted(demo_digits(trained_classifier("mlp"), x, y)) == list(range(10))
        True

    Introduced in notebooks/06_fgsm.
    """
    with torch.no_grad(), evaluation_mode(model):
        right = model(x).argmax(dim=1) == y  # (N,)
    return {digit: int(torch.nonzero(right & (y == digit))[0]) for digit in range(NUM_CLASSES) if bool((right & (y == digit)).any())}


class FgsmExplorer(Explorer):
    """A digit, its FGSM version, their difference δ, and the class probabilities before and after, for each budget.

    Controls: the budget ε (L∞ scale), the ball (L∞ with radius ε, or L2 with radius 8ε), and the digit.
    Every slider position is computed when the explorer is built (31 budgets × 2 balls × 10 digits,
    one batched forward pass per ball), so an update only looks up arrays and redraws; a budget off
    the slider's grid (from code) is computed on the spot, with one forward pass on one image.

    Args:
        model: the classifier to attack (the course's MLP by default), in eval mode for every call.
        x, y: (N, 1, 8, 8) images in [0, 1] and (N,) labels to pick the digits from (the test split by default).
        eps, norm, digit: the controls' first values.
    """

    title = "FGSM: one step on the linearised loss"

    def __init__(
        self, model: nn.Module | None = None, x: Tensor | None = None, y: Tensor | None = None, eps: float = 0.1, norm: str = "inf", digit: int = 3
    ):
        self.model = trained_classifier("mlp") if model is None else model
        if x is None or y is None:
            x, y = load_digits("test")
        rows = demo_digits(self.model, x, y)
        if not rows:
            raise ValueError("the model misclassifies every image of `x`; pass images it gets right, such as load_digits('test')")
        self.digits = list(rows)
        self.x, self.y = x[list(rows.values())].clone(), y[list(rows.values())].clone()  # (D, 1, 8, 8), (D,): one per digit
        grad = loss_gradient(self.model, self.x, self.y)  # (D, 1, 8, 8), once: FGSM's step needs no other gradient
        self.directions = {norm_name: steepest_ascent_direction(grad, norm_name) for _, norm_name in NORM_OPTIONS}
        self.clean_probs = self.probabilities(self.x).numpy()  # (D, 10)
        self.eps_grid = np.round(np.arange(0.0, MAX_EPS + EPS_STEP / 2, EPS_STEP), 2)  # (E,) the slider's positions
        self.adv_grid, self.probs_grid = {}, {}
        for _, norm_name in NORM_OPTIONS:
            x_adv = self._fgsm_steps(self.x, self.directions[norm_name], [self.budget(e, norm_name) for e in self.eps_grid])  # (D, E, 1, 8, 8)
            self.adv_grid[norm_name] = x_adv[:, :, 0].numpy()  # (D, E, 8, 8)
            self.probs_grid[norm_name] = self.probabilities(x_adv.flatten(0, 1)).reshape(len(self.digits), len(self.eps_grid), NUM_CLASSES).numpy()
        controls = {
            "eps": ipywidgets.FloatSlider(value=eps, min=0.0, max=MAX_EPS, step=EPS_STEP, description="ε", readout_format=".2f"),
            "norm": ipywidgets.ToggleButtons(options=NORM_OPTIONS, value=norm, description="ball"),
            "digit": ipywidgets.Dropdown(options=[(f"a {d}", d) for d in self.digits], value=digit if digit in rows else self.digits[0], description="digit"),
        }
        fig, axes = new_figure(ncols=4, width=9.0, height=2.3)
        super().__init__(fig, controls)
        self._build(fig, axes)
        self.update()

    def _build(self, fig, axes) -> None:
        ax_clean, ax_adv, ax_diff, ax_bars = axes
        for ax, left, title in ((ax_clean, 0.01, "clean x"), (ax_adv, 0.17, "x_adv (FGSM)"), (ax_diff, 0.33, "δ = x_adv − x\n(+ brighter, − darker)")):
            ax.set_position([left, 0.04, 0.15, 0.59])
            ax.set_title(title, fontsize=8)
            ax.set_axis_off()  # no spines: the image drawn over them on each update would hide some, not all
        blank = np.zeros((8, 8))
        self.clean_image = ax_clean.imshow(blank, cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
        self.adv_image = ax_adv.imshow(blank, cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
        self.diff_image = ax_diff.imshow(blank, cmap=DIFFERENCE_CMAP, vmin=-DIFFERENCE_LIMIT, vmax=DIFFERENCE_LIMIT, interpolation="nearest")
        colourbar = fig.colorbar(self.diff_image, cax=fig.add_axes([0.485, 0.04, 0.012, 0.59]), extend="both")
        colourbar.ax.tick_params(labelsize=7)
        # The sign of δ as a mark, not only a colour: '+' brighter, '−' darker (greyscale prints, colour-blind readers).
        (self.plus_marks,) = ax_diff.plot([], [], linestyle="none", marker="+", markersize=4, color="black")
        (self.minus_marks,) = ax_diff.plot([], [], linestyle="none", marker="_", markersize=4, color="black")
        ax_bars.set_position([0.62, 0.2, 0.37, 0.53])
        clean, adversarial = IMAGE_ROLES["clean"], IMAGE_ROLES["adversarial"]
        # One patch per set of ten bars (a compound path): two draws per update instead of twenty.
        self.clean_bars = PathPatch(_bars_path(np.zeros(NUM_CLASSES), -BAR_WIDTH / 2), facecolor=clean["color"], edgecolor="black", linewidth=0.5, label="clean x")
        self.adv_bars = PathPatch(
            _bars_path(np.zeros(NUM_CLASSES), BAR_WIDTH / 2), facecolor=adversarial["color"], hatch=adversarial["hatch"], edgecolor="black", linewidth=0.5, label="x_adv"
        )
        ax_bars.set_axisbelow(True)  # grid behind the bars, as the blitted bars (drawn last) always are
        ax_bars.add_patch(self.clean_bars)
        ax_bars.add_patch(self.adv_bars)
        ax_bars.set(xticks=np.arange(NUM_CLASSES), xlabel="class", ylabel="probability", ylim=(0, 1.05), xlim=(-0.6, NUM_CLASSES - 0.4))
        ax_bars.set_title("class probabilities", fontsize=9, loc="left")
        ax_bars.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2, fontsize=8)
        # The headline belongs to an axes (placed in figure coordinates), so that a full redraw (savefig) draws it too.
        self.headline = ax_bars.text(0.5, 0.97, " ", transform=fig.transFigure, ha="center", va="top", fontsize=10, clip_on=False)
        self.animated = [self.clean_image, self.adv_image, self.diff_image, self.plus_marks, self.minus_marks, self.clean_bars, self.adv_bars, self.headline]

    @torch.no_grad()
    def probabilities(self, x: Tensor) -> Tensor:
        """The model's class probabilities, (B, 1, 8, 8) -> (B, 10), in eval mode."""
        with evaluation_mode(self.model):
            return self.model(x).softmax(dim=1)

    @staticmethod
    def budget(eps: float, norm: str) -> float:
        """The ball's radius: eps for L∞, 8·eps for L2."""
        return eps * L2_PER_LINF if norm == "2" else eps

    @staticmethod
    def _fgsm_steps(x: Tensor, direction: Tensor, budgets: list[float]) -> Tensor:
        """clip(x + budget · direction, 0, 1) for each budget: (D, 1, 8, 8) and E budgets -> (D, E, 1, 8, 8).

        This is ``fgsm``'s output: its projection back onto the ball changes nothing after one step,
        since clipping to [0, 1] only shrinks each |δ_i| (x itself lies in [0, 1]).
        """
        radii = torch.tensor(budgets, dtype=x.dtype).reshape(1, -1, 1, 1, 1)  # (1, E, 1, 1, 1)
        return (x.unsqueeze(1) + radii * direction.unsqueeze(1)).clamp(0.0, 1.0)  # (D, E, 1, 8, 8)

    def adversarial(self, eps: float, norm: str, digit: int) -> tuple[np.ndarray, np.ndarray]:
        """FGSM's x_adv for one digit, (8, 8), and the model's class probabilities on it, (10,)."""
        if norm not in self.directions:
            raise ValueError(f"`norm` must be 'inf' or '2' (got {norm!r})")
        if digit not in self.digits:
            raise ValueError(f"`digit` must be one of {self.digits}, the digits this explorer shows (got {digit!r})")
        row, column = self.digits.index(digit), np.flatnonzero(np.isclose(self.eps_grid, eps, rtol=0, atol=1e-9))
        if len(column):  # a slider position: precomputed
            return self.adv_grid[norm][row, column[0]], self.probs_grid[norm][row, column[0]]
        x_adv = self._fgsm_steps(self.x[row : row + 1], self.directions[norm][row : row + 1], [self.budget(eps, norm)])[:, 0]  # (1, 1, 8, 8)
        return x_adv[0, 0].numpy(), self.probabilities(x_adv)[0].numpy()

    def bench_params(self, count: int) -> list[dict]:
        """The base class's sweep, with each budget on the slider's grid: the values a user can set."""
        return [{**params, "eps": round(params["eps"], 2)} if "eps" in params else params for params in super().bench_params(count)]

    def smallest_fooling_eps(self, norm: str) -> dict[int, float | None]:
        """For each digit, the smallest slider budget at which the model's answer changes (None: not up to ``MAX_EPS``)."""
        answers = self.probs_grid[norm].argmax(axis=-1)  # (D, E)
        fooled = [np.flatnonzero(answers[row] != digit) for row, digit in enumerate(self.digits)]
        return {digit: float(self.eps_grid[f[0]]) if len(f) else None for digit, f in zip(self.digits, fooled)}

    def draw(self, eps: float, norm: str, digit: int) -> None:
        x_adv, adv = self.adversarial(eps, norm, digit)  # (8, 8), (10,)
        row = self.digits.index(digit)
        clean_x, clean = self.x[row, 0].numpy(), self.clean_probs[row]  # (8, 8), (10,)
        delta = x_adv - clean_x  # (8, 8)
        self.clean_image.set_data(clean_x)
        self.adv_image.set_data(x_adv)
        self.diff_image.set_data(delta)
        self.plus_marks.set_data(*np.nonzero(delta > SIGN_TOLERANCE)[::-1])  # (columns, rows): x then y
        self.minus_marks.set_data(*np.nonzero(delta < -SIGN_TOLERANCE)[::-1])
        self.clean_bars.set_path(_bars_path(clean, -BAR_WIDTH / 2))
        self.adv_bars.set_path(_bars_path(adv, BAR_WIDTH / 2))
        after = int(adv.argmax())
        budget = f"L∞ ε = {eps:.2f}" if norm == "inf" else f"L2 ε = {self.budget(eps, norm):.2f}"
        verdict = "still read as" if after == digit else "now read as"
        self.headline.set_text(f"{budget}: {verdict} {after} ({adv[after]:.0%})")  # short: each glyph costs ~0.2 ms to draw


def _bars_path(heights: np.ndarray, offset: float) -> Path:
    """Ten bars as one compound path: bar k spans [k + offset ± BAR_WIDTH/2] × [0, heights[k]]."""
    left = np.arange(len(heights)) + offset - BAR_WIDTH / 2  # (K,)
    right = left + BAR_WIDTH
    bottom = np.zeros_like(left)
    vertices = np.stack([np.stack([left, bottom], 1), np.stack([right, bottom], 1), np.stack([right, heights], 1), np.stack([left, heights], 1), np.stack([left, bottom], 1)], axis=1)  # (K, 5, 2)
    codes = np.tile([Path.MOVETO, Path.LINETO, Path.LINETO, Path.LINETO, Path.CLOSEPOLY], len(heights))  # (5K,)
    return Path(vertices.reshape(-1, 2), codes)


@register_for_bench("06_fgsm: FGSM budget, ball and digit")
def _bench_fgsm_explorer() -> FgsmExplorer:
    return FgsmExplorer()
