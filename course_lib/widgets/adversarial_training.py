r"""Slide the attack's radius and watch a standard and a robust model read the same attacked digits.

For each radius ε on the slider's grid and each attack (FGSM, or PGD-20 with the customary step
2.5 ε / 20), the explorer attacks a row of test digits once per model with the library's ``fgsm``
and ``pgd`` when it is built, and takes both models' accuracy curves over the whole test split from
``robust_accuracy_curve`` (or from the caller, who has usually computed them already). A move of a
control only picks precomputed images, answers and accuracies, and redraws.

Introduced in notebooks/08_adversarial_training.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import ipywidgets
import numpy as np
import torch
from matplotlib.patches import PathPatch
from matplotlib.path import Path
from torch import nn

from course_lib.adversarial.attacks import ATTACKS, fgsm, pgd
from course_lib.adversarial.data import NUM_CLASSES, load_digits
from course_lib.adversarial.defense_plots import MODEL_STYLES, attack_family, robustness_curve_style
from course_lib.adversarial.defenses import PGD_EVALUATION_STEPS, RobustAccuracyCurve, pgd_step_size, robust_accuracy_curve, robust_classifier
from course_lib.adversarial.models import evaluation_mode
from course_lib.adversarial.plots import IMAGE_ROLES
from course_lib.plotting import COLORS
from course_lib.widgets import Explorer, new_figure, register_for_bench

Tensor = torch.Tensor

EPS_GRID = tuple(round(0.05 * i, 2) for i in range(11))  # the slider's radii 0, 0.05, ..., 0.5: every one precomputed
ATTACK_OPTIONS = (("FGSM", "fgsm"), (f"PGD-{PGD_EVALUATION_STEPS}", "pgd"))
PITCH = 9  # each digit takes 8 pixels and a 1-pixel gap


def first_digits_read_right(models: Sequence[nn.Module], x: Tensor, y: Tensor) -> list[int]:
    """For each class, the index of its first image that every model reads right (a class with none is left out).

    Args:
        models: classifiers mapping (B, 1, 8, 8) images to (B, 10) logits.
        x: (N, 1, 8, 8) images; y: (N,) int64 labels.

    Returns:
        Indices into x, in class order.

    Example:
        >>> from course_lib.adversarial.models import trained_classifier
        >>> x, y = load_digits("test")
        >>> y[first_digits_read_right([trained_classifier("mlp")], x, y)].tolist()
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]

    Introduced in notebooks/08_adversarial_training.
    """
    right = torch.ones(len(y), dtype=torch.bool)
    for model in models:
        with torch.no_grad(), evaluation_mode(model):
            right &= model(x).argmax(dim=1) == y  # (N,)
    return [int(torch.nonzero(right & (y == digit))[0]) for digit in range(NUM_CLASSES) if bool((right & (y == digit)).any())]


class AdversarialTrainingExplorer(Explorer):
    """Test digits attacked against two models side by side, with their answers, and markers on both models' accuracy curves.

    Controls: the radius ε (L∞) and the attack (FGSM or PGD-20). The top row shows the clean digits
    with their true labels; each model's row shows the attack *on that model* and its answer (a dashed
    frame where it is wrong). The right panel holds both models' accuracy curves over the whole test
    split, for both attacks; the markers sit on the chosen attack's curves at the chosen radius.

    Args:
        models: two classifiers, name -> model, e.g. {"standard": ..., "robust": ...} (default: the
            course's MLP trained by ``robust_classifier("mlp")``'s recipe at ε = 0 and ε = 0.2).
        x, y: (N, 1, 8, 8) images in [0, 1] and (N,) labels: the accuracy curves use all of them, the rows
            one image per class that both models read right (default: the test split).
        curves: name -> [FGSM curve, PGD-20 curve], each over ``EPS_GRID`` on (x, y), as
            ``robust_accuracy_curve`` returns them; None computes them (about 0.4 s for the digits MLPs).
        eps, attack: the controls' first values.
    """

    title = "Adversarial training: two models under the same attack"

    def __init__(
        self,
        models: Mapping[str, nn.Module] | None = None,
        x: Tensor | None = None,
        y: Tensor | None = None,
        curves: Mapping[str, Sequence[RobustAccuracyCurve]] | None = None,
        eps: float = 0.2,
        attack: str = "pgd",
    ):
        if models is None:
            models = {"standard": robust_classifier("mlp", eps=0), "robust": robust_classifier("mlp")}
        if not isinstance(models, Mapping) or len(models) != 2 or not all(isinstance(m, nn.Module) for m in models.values()):
            raise ValueError("`models` must be a dict of exactly two classifiers, such as {'standard': standard, 'robust': robust}")
        self.models = dict(models)
        self.names = list(self.models)
        if x is None or y is None:
            x, y = load_digits("test")
        self.curves = self._curves(curves, x, y)  # name -> attack -> RobustAccuracyCurve
        rows = first_digits_read_right(list(self.models.values()), x, y)
        if not rows:
            raise ValueError("the two models share no correctly read image of `x`; pass images both get right, such as load_digits('test')")
        self.x, self.y = x[rows].clone(), y[rows].clone()  # (D, 1, 8, 8), (D,): one digit per class
        self.x_adv, self.predicted = self._attack_rows()  # name -> attack -> (E, D, 8, 8) and (E, D)
        controls = {
            "eps": ipywidgets.FloatSlider(value=eps, min=EPS_GRID[0], max=EPS_GRID[-1], step=EPS_GRID[1], description="ε", readout_format=".2f"),
            "attack": ipywidgets.ToggleButtons(options=ATTACK_OPTIONS, value=attack, description="attack"),
        }
        fig, axes = new_figure(ncols=4, width=10.0, height=3.2)
        super().__init__(fig, controls)
        self._build(fig, axes)
        self.update()

    # ------------------------------------------------------------------------- precomputation

    def _curves(self, curves, x: Tensor, y: Tensor) -> dict[str, dict[str, RobustAccuracyCurve]]:
        """Both attacks' curves per model over ``EPS_GRID``: the caller's (checked) or ``robust_accuracy_curve``'s."""
        if curves is None:
            return {name: {attack: robust_accuracy_curve(model, x, y, EPS_GRID, attack=attack) for attack in ATTACKS} for name, model in self.models.items()}
        if set(curves) != set(self.models):
            raise ValueError(f"`curves` must have one entry per model, {self.names} (got {sorted(curves)})")
        table = {}
        for name, model_curves in curves.items():
            by_attack = {attack_family(curve).lower(): curve for curve in model_curves}
            if set(by_attack) != set(ATTACKS):
                raise ValueError(f"curves[{name!r}] must hold an FGSM and a PGD curve (got {[c.attack for c in model_curves]})")
            for curve in by_attack.values():
                if len(curve.eps) != len(EPS_GRID) or not np.allclose(curve.eps, EPS_GRID, rtol=0, atol=1e-9):
                    raise ValueError(f"curves[{name!r}] must run over the slider's radii {list(EPS_GRID)} (got {curve.eps}); compute them with robust_accuracy_curve(model, x, y, EPS_GRID)")
            if by_attack["pgd"].attack != f"PGD-{PGD_EVALUATION_STEPS}":
                raise ValueError(f"the PGD curve of {name!r} must use {PGD_EVALUATION_STEPS} steps, as the rows do (got {by_attack['pgd'].attack})")
            table[name] = by_attack
        return table

    def _attack_rows(self) -> tuple[dict, dict]:
        """The library's FGSM and PGD-20 on the row of digits, at every slider radius, per model; and each model's answers."""
        images, answers = {}, {}
        for name, model in self.models.items():
            images[name], answers[name] = {}, {}
            for attack in ATTACKS:
                x_adv = torch.stack([self.attack(model, eps, attack) for eps in EPS_GRID])  # (E, D, 1, 8, 8)
                with torch.no_grad(), evaluation_mode(model):
                    answers[name][attack] = model(x_adv.flatten(0, 1)).argmax(dim=1).reshape(len(EPS_GRID), -1).numpy()  # (E, D)
                images[name][attack] = x_adv[:, :, 0].numpy()  # (E, D, 8, 8)
        return images, answers

    def attack(self, model: nn.Module, eps: float, attack: str) -> Tensor:
        """The row of digits attacked: the library's ``fgsm``, or ``pgd`` with 20 steps of 2.5 eps / 20 from x; x itself at eps = 0. (D, 1, 8, 8)."""
        if eps == 0:
            return self.x.clone()
        if attack == "fgsm":
            return fgsm(model, self.x, self.y, eps=eps)
        return pgd(model, self.x, self.y, eps=eps, alpha=pgd_step_size(eps, PGD_EVALUATION_STEPS), steps=PGD_EVALUATION_STEPS)

    # ------------------------------------------------------------------------- the figure

    def _build(self, fig, axes) -> None:
        num = len(self.x)
        for ax, top in zip(axes[:3], (0.63, 0.36, 0.09)):
            ax.set_position([0.1, top, 0.46, 0.24])
            ax.set(xticks=[], yticks=[], xlim=(-0.8, num * PITCH - 0.2), ylim=(8.0, -2.8))
            ax.grid(False)
            for spine in ax.spines.values():
                spine.set_visible(False)
        clean_row = _row(self.x[:, 0].numpy())
        axes[0].imshow(clean_row, cmap=_grey(), vmin=0.0, vmax=1.0, interpolation="nearest")  # static: drawn once
        for i, label in enumerate(self.y.tolist()):
            axes[0].text(i * PITCH + 3.5, -0.9, str(label), ha="center", va="bottom", fontsize=9)
        axes[0].set_ylabel("clean x\n(true label)", rotation=0, ha="right", va="center", fontsize=8)
        self.row_images, self.row_labels, self.row_frames = {}, {}, {}
        for ax, name in zip(axes[1:3], self.names):
            ax.set_ylabel(f"x_adv against\n{name}", rotation=0, ha="right", va="center", fontsize=8)
            self.row_images[name] = ax.imshow(clean_row, cmap=_grey(), vmin=0.0, vmax=1.0, interpolation="nearest")
            # The answers as markers, one line per class ("$7$" draws a 7 at every digit read as 7): 10 cheap
            # marker draws per row instead of one text per digit, which would cost about 1.5 ms each.
            self.row_labels[name] = [ax.plot([], [], linestyle="none", marker=f"${k}$", markersize=6, color="black")[0] for k in range(NUM_CLASSES)]
            frame = PathPatch(_frames_path([]), fill=False, linewidth=2, linestyle="--", edgecolor=IMAGE_ROLES["adversarial"]["color"])
            self.row_frames[name] = ax.add_patch(frame)
        fig.text(0.1, 0.005, "above each digit: the model's answer; dashed frame: read wrong", fontsize=7, color=COLORS["neutral"])
        ax_curves = axes[3]
        ax_curves.set_position([0.66, 0.17, 0.32, 0.62])
        for index, name in enumerate(self.names):
            for curve in self.curves[name].values():
                ax_curves.plot(curve.eps, curve.accuracy, label=f"{name}, {curve.attack}", linewidth=1.2, **robustness_curve_style(index, curve))
        ax_curves.set(xlabel="L∞ radius ε", ylabel="test accuracy", ylim=(-0.02, 1.02), xlim=(EPS_GRID[0], EPS_GRID[-1] + 0.01))
        ax_curves.legend(loc="upper right", fontsize=7)
        (self.eps_line,) = ax_curves.plot([0.0, 0.0], [-0.02, 1.02], color=COLORS["neutral"], linewidth=0.8, linestyle=":")
        self.markers = {}
        for index, name in enumerate(self.names):
            style = MODEL_STYLES[index]
            (self.markers[name],) = ax_curves.plot([], [], linestyle="none", marker=style["marker"], markersize=10, color=style["color"], markeredgecolor="black")
        # The headline belongs to an axes (placed in figure coordinates), so that a full redraw (savefig) draws it too.
        self.headline = ax_curves.text(0.5, 0.97, " ", transform=fig.transFigure, ha="center", va="top", fontsize=10, clip_on=False)
        labels = [marks for name in self.names for marks in self.row_labels[name]]
        self.animated = [*self.row_images.values(), *labels, *self.row_frames.values(), self.eps_line, *self.markers.values(), self.headline]

    # ------------------------------------------------------------------------- what a control shows

    def grid_index(self, eps: float) -> int:
        """The slider position of ``eps``; a radius off the grid is refused (the explorer only replays precomputed attacks)."""
        matches = np.flatnonzero(np.isclose(EPS_GRID, eps, rtol=0, atol=1e-9))
        if not len(matches):
            raise ValueError(f"`eps` must be one of the slider's radii {list(EPS_GRID)} (got {eps!r}); for other radii call robust_accuracy or pgd")
        return int(matches[0])

    def shown(self, eps: float, attack: str) -> dict[str, dict]:
        """What the figure shows for (eps, attack), per model: the attacked row (D, 8, 8), the answers (D,) and the test accuracy."""
        if attack not in ATTACKS:
            raise ValueError(f"`attack` must be 'fgsm' or 'pgd' (got {attack!r})")
        i = self.grid_index(eps)
        return {
            name: {"x_adv": self.x_adv[name][attack][i], "predicted": self.predicted[name][attack][i], "accuracy": self.curves[name][attack].accuracy[i]}
            for name in self.names
        }

    def bench_params(self, count: int) -> list[dict]:
        """The base class's sweep, with each radius snapped to the slider's grid: the values a user can set."""
        return [{**params, "eps": min(EPS_GRID, key=lambda e: abs(e - params["eps"]))} if "eps" in params else params for params in super().bench_params(count)]

    def draw(self, eps: float, attack: str) -> None:
        state = self.shown(eps, attack)
        for name in self.names:
            x_adv, predicted = state[name]["x_adv"], state[name]["predicted"]  # (D, 8, 8), (D,)
            self.row_images[name].set_data(_row(x_adv))
            for k, marks in enumerate(self.row_labels[name]):
                columns = np.flatnonzero(predicted == k)  # the digits read as k
                marks.set_data(columns * PITCH + 3.5, np.full(len(columns), -2.0))
            self.row_frames[name].set_path(_frames_path(np.flatnonzero(predicted != self.y.numpy())))
            self.markers[name].set_data([eps], [state[name]["accuracy"]])
        self.eps_line.set_xdata([eps, eps])
        attack_name = dict((value, label) for label, value in ATTACK_OPTIONS)[attack]
        scores = ", ".join(f"{name} {state[name]['accuracy']:.1%}" for name in self.names)
        self.headline.set_text(f"{attack_name}, ε = {eps:.2f}: {scores}")  # short: each glyph costs redraw time


def _grey():
    import matplotlib.pyplot as plt

    return plt.get_cmap("gray").with_extremes(bad="white")


def _row(images: np.ndarray) -> np.ndarray:
    """(D, 8, 8) images side by side, one NaN (white) column apart: (8, 9D - 1)."""
    num = len(images)
    row = np.full((8, num * PITCH - 1), np.nan)
    for i in range(num):
        row[:, i * PITCH : i * PITCH + 8] = images[i]
    return row


def _frames_path(columns: Sequence[int]) -> Path:
    """Dashed frames around the digits at ``columns`` of a row, as one compound path (one draw per update)."""
    columns = list(columns)
    if not columns:
        return Path(np.zeros((1, 2)), [Path.MOVETO])
    left = np.asarray(columns, dtype=float) * PITCH - 0.6  # (F,)
    right, top, bottom = left + 8.2, -0.6, 7.6
    vertices = np.stack([np.stack([left, np.full_like(left, top)], 1), np.stack([right, np.full_like(left, top)], 1),
                         np.stack([right, np.full_like(left, bottom)], 1), np.stack([left, np.full_like(left, bottom)], 1),
                         np.stack([left, np.full_like(left, top)], 1)], axis=1)  # (F, 5, 2)  # fmt: skip
    codes = np.tile([Path.MOVETO, Path.LINETO, Path.LINETO, Path.LINETO, Path.CLOSEPOLY], len(columns))  # (5F,)
    return Path(vertices.reshape(-1, 2), codes)


@register_for_bench("08_adversarial_training: radius and attack, standard against robust")
def _bench_adversarial_training_explorer() -> AdversarialTrainingExplorer:
    return AdversarialTrainingExplorer()
