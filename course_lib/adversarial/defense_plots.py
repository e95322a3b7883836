r"""Figures for adversarial training: the training history, accuracy curves of standard against robust models, and their adversarial examples.

Each role has a colour *and* a shape, so the figures read in greyscale and for colour-blind readers:

- a training history (``plot_training_history``): clean accuracy blue circles on a solid line,
  accuracy on the training attack's points orange triangles on a dashed line, accuracy under PGD-10
  (an upper bound on the robust accuracy) purple squares on a dash-dot line (``HISTORY_STYLES``);
- accuracy curves (``plot_robustness_curves``): the *model* sets the colour and the marker (the
  first, usually the standard model, grey circles; the second green squares; ``MODEL_STYLES``),
  the *attack* the line and the fill (FGSM dashed with open markers, PGD solid with filled ones;
  ``ATTACK_STYLES``);
- adversarial examples (``plot_adversarial_rows``): images in grey, and each loss gradient in a
  grey scale too (white: brightening the pixel raises the loss, black: darkening it does, mid-grey:
  neither); a dashed frame marks a digit the model reads wrong.

Introduced in notebooks/08_adversarial_training.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from torch import nn

from course_lib.adversarial.attacks import loss_gradient
from course_lib.adversarial.defenses import ROBUST_TRACKING_STEPS, AdversarialTrainingHistory, RobustAccuracyCurve
from course_lib.adversarial.plots import IMAGE_ROLES, predictions
from course_lib.plotting import COLORS

Tensor = torch.Tensor

# What a history records after each epoch, and how each is drawn: colour, line style and marker all differ.
HISTORY_STYLES = {
    "accuracy": {"color": COLORS["real"], "linestyle": "-", "marker": "o", "label": "clean training accuracy"},
    "adversarial_accuracy": {"color": COLORS["generated"], "linestyle": "--", "marker": "^", "label": "on the training attack's points"},
    "robust_accuracy": {"color": COLORS["discriminator"], "linestyle": "-.", "marker": "s", "label": f"under PGD-{ROBUST_TRACKING_STEPS} (bounds robust accuracy from above)"},
}
# One look per model, in the order given: colour and marker shape both differ.
MODEL_STYLES = (
    {"color": COLORS["neutral"], "marker": "o"},  # grey circles: usually the standard model
    {"color": COLORS["critic"], "marker": "s"},  # green squares: usually the robust one (green, like the Lipschitz critic: it is smoother)
    {"color": COLORS["generated"], "marker": "^"},
    {"color": COLORS["discriminator"], "marker": "D"},
)
# One look per attack: the line style and the marker's fill both differ.
ATTACK_STYLES = {
    "FGSM": {"linestyle": "--", "filled": False},  # a single step: dashed, open markers
    "PGD": {"linestyle": "-", "filled": True},  # iterative: solid, filled markers
}


def attack_family(curve: RobustAccuracyCurve) -> str:
    """The family of a curve's attack, "FGSM" or "PGD" (``curve.attack`` is e.g. "FGSM" or "PGD-20").

    Example:
        >>> attack_family(RobustAccuracyCurve([0.0, 0.1], [0.9, 0.5], "PGD-20", "L∞"))
        'PGD'

    Introduced in notebooks/08_adversarial_training.
    """
    family = curve.attack.split("-")[0]
    if family not in ATTACK_STYLES:
        raise ValueError(f"a curve's attack must be FGSM or PGD-<steps>, as robust_accuracy_curve names them (got {curve.attack!r})")
    return family


def robustness_curve_style(model_index: int, curve: RobustAccuracyCurve) -> dict:
    """Keyword arguments for ``ax.plot`` of one accuracy curve: the model's colour and marker, the attack's line and fill.

    Example:
        >>> style = robustness_curve_style(1, RobustAccuracyCurve([0.0], [0.9], "FGSM", "L∞"))
        >>> style["marker"], style["linestyle"], style["markerfacecolor"]
        ('s', '--', 'white')

    Introduced in notebooks/08_adversarial_training.
    """
    model, attack = MODEL_STYLES[model_index], ATTACK_STYLES[attack_family(curve)]
    fill = model["color"] if attack["filled"] else "white"
    return {"color": model["color"], "marker": model["marker"], "linestyle": attack["linestyle"], "markerfacecolor": fill, "markersize": 5}


# ----------------------------------------------------------------------------- the training history


def plot_training_history(
    histories: AdversarialTrainingHistory | Mapping[str, AdversarialTrainingHistory], title: str, warmup_epochs: int | None = None
) -> Figure:
    """Accuracy after each epoch of adversarial training: clean, on the training attack's points, and under PGD-10.

    One panel per history, side by side with a shared accuracy axis. The warm-up epochs, where the
    radius ramps up (``history.eps_schedule``), are shaded and labelled.

    Args:
        histories: one ``AdversarialTrainingHistory`` (from ``adversarial_training`` with ``eval_size`` > 0),
            or panel title -> history for several panels.
        title: the figure's title: state the finding (a "\\n" breaks a long one; the panels move down to make room).
        warmup_epochs: the number of warm-up epochs to shade (None: read from ``eps_schedule``, the
            epochs trained below the full radius).

    Returns:
        The figure; ``fig.axes[i]`` holds panel i's three curves, in the order of ``HISTORY_STYLES``.

    Introduced in notebooks/08_adversarial_training.
    """
    panels = {"": histories} if isinstance(histories, AdversarialTrainingHistory) else dict(histories)
    if not panels:
        raise ValueError("`histories` is empty: pass the history that adversarial_training returned, or a dict of them")
    for name, history in panels.items():
        if not isinstance(history, AdversarialTrainingHistory):
            raise TypeError(f"{name or 'the history'} must be an AdversarialTrainingHistory, as adversarial_training returns (got {type(history).__name__})")
        if not history.loss:
            raise ValueError(f"{name or 'the history'} has no epochs: train for at least one")
        if len(history.robust_accuracy) != len(history.loss):
            raise ValueError(f"{name or 'the history'} has no robust accuracy per epoch: train with eval_size > 0 (e.g. the default 256)")
    fig, axes = plt.subplots(1, len(panels), figsize=(max(6.4, 3.6 * len(panels) + 0.8), 3.6), sharey=True, squeeze=False)
    for ax, (name, history) in zip(axes[0], panels.items()):
        _draw_history(ax, history, name, warmup_epochs)
    axes[0, 0].set_ylabel("accuracy")
    fig.legend(*axes[0, 0].get_legend_handles_labels(), loc="lower center", ncols=3, fontsize=8)
    fig.suptitle(title)
    top = (0.78 if any(panels) else 0.84) - 0.055 * title.count("\n")  # room for each further line of the title
    fig.subplots_adjust(left=0.1 if len(panels) > 1 else 0.13, right=0.97, bottom=0.27, top=top, wspace=0.08)
    return fig


def _draw_history(ax: Axes, history: AdversarialTrainingHistory, name: str, warmup_epochs: int | None) -> None:
    epochs = np.arange(1, len(history.loss) + 1)  # (E,)
    if warmup_epochs is None:
        warmup_epochs = sum(e < history.eps - 1e-12 for e in history.eps_schedule)
    if warmup_epochs:
        ax.axvspan(0.5, warmup_epochs + 0.5, color=COLORS["neutral"], alpha=0.12, linewidth=0)
        ax.text(0.5 + warmup_epochs / 2, 1.0, "warm-up: ε ramps up", transform=ax.get_xaxis_transform(), ha="center", va="bottom", fontsize=8, color=COLORS["neutral"])
    for key, style in HISTORY_STYLES.items():
        ax.plot(epochs, getattr(history, key), markersize=4, **style)
    ax.set(xlabel="epoch", ylim=(-0.02, 1.02), xlim=(0.5, len(epochs) + 0.5))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if name:
        ax.set_title(name, fontsize=9, pad=14 if warmup_epochs else 6)


# ----------------------------------------------------------------------------- accuracy against the radius


def plot_robustness_curves(
    curves: Mapping[str, Sequence[RobustAccuracyCurve]], title: str, trained_eps: float | None = None
) -> Figure:
    """Test accuracy under attack against the radius ε, for several models and attacks on one axis.

    Args:
        curves: model name -> its curves (``RobustAccuracyCurve``, from ``robust_accuracy_curve``), one per
            attack; at most four models, all curves in one norm.
        title: the figure's title: state the finding.
        trained_eps: when given, a thin vertical guide marks the radius the robust model was trained at.

    Returns:
        The figure; its axes hold one line per curve, in the order given, labelled "model, attack".

    Introduced in notebooks/08_adversarial_training.
    """
    _check_curves(curves)
    norm = next(iter(curves.values()))[0].norm
    fig, ax = plt.subplots(figsize=(6.4, 3.5))
    if trained_eps is not None:
        ax.axvline(trained_eps, color=COLORS["neutral"], linewidth=0.8, linestyle=(0, (1, 3)))
        ax.text(trained_eps, 0.3, f"trained at ε = {trained_eps:g} ", fontsize=8, color=COLORS["neutral"], rotation=90, ha="right", va="center")
    for index, (model, model_curves) in enumerate(curves.items()):
        for curve in model_curves:
            ax.plot(curve.eps, curve.accuracy, label=f"{model}, {curve.attack}", **robustness_curve_style(index, curve))
    eps_max = max(max(curve.eps) for model_curves in curves.values() for curve in model_curves)
    ax.set(xlabel=f"{norm} radius ε", ylabel="test accuracy under attack", ylim=(-0.02, 1.02), xlim=(0, eps_max * 1.02))
    ax.set_title(title)
    ax.legend(loc="upper right", fontsize=8)
    fig.subplots_adjust(left=0.1, right=0.98, bottom=0.14, top=0.88)
    return fig


def _check_curves(curves: Mapping[str, Sequence[RobustAccuracyCurve]]) -> None:
    example = "{'standard': [fgsm_curve, pgd_curve], 'robust': [...]}"
    if not isinstance(curves, Mapping) or not curves:
        raise ValueError(f"`curves` must be a non-empty dict of model name -> list of curves, such as {example} (got {curves!r})")
    if len(curves) > len(MODEL_STYLES):
        raise ValueError(f"at most {len(MODEL_STYLES)} models fit one figure (got {len(curves)}); plot the others in a second figure")
    for model, model_curves in curves.items():
        if isinstance(model_curves, RobustAccuracyCurve) or not model_curves:
            raise ValueError(f"curves[{model!r}] must be a non-empty list of curves, such as {example}")
        for curve in model_curves:
            if not isinstance(curve, RobustAccuracyCurve):
                raise TypeError(f"curves[{model!r}] holds a {type(curve).__name__}; pass what robust_accuracy_curve returns")
            attack_family(curve)
    norms = {curve.norm for model_curves in curves.values() for curve in model_curves}
    if len(norms) > 1:
        raise ValueError(f"all curves must share one norm, so that they share one ε axis (got {sorted(norms)})")


# ----------------------------------------------------------------------------- adversarial examples


def plot_adversarial_rows(x: Tensor, y: Tensor, attacked: Mapping[str, tuple[nn.Module, Tensor]], title: str) -> Figure:
    """Clean digits, each model's adversarial versions with its answers, and each model's loss gradient at the clean digits.

    Rows from the top: the clean digits with their true labels; per entry of ``attacked``, its
    ``x_adv`` with the model's prediction above each digit (a dashed frame where it is wrong); per
    model, its loss gradient :math:`g = \\nabla_x L` at the clean digit (``loss_gradient``), each digit's
    scaled by its largest :math:`|g_i|` and drawn in grey: white where brightening the pixel raises the
    loss, black where darkening it does, mid-grey where the loss does not care. Entries that attack
    the same model object (two attacks on one model) share one gradient row.

    Args:
        x: (B, 1, 8, 8) clean images in [0, 1], a handful (B <= 12); y: (B,) int64 true labels.
        attacked: row name -> (model, x_adv), x_adv (B, 1, 8, 8) the attack on that model.
        title: the figure's title: state what it shows.

    Returns:
        The figure; ``fig.axes`` are the rows from the top.

    Introduced in notebooks/08_adversarial_training.
    """
    if not isinstance(x, torch.Tensor) or x.ndim != 4 or x.shape[1:] != (1, 8, 8) or not 1 <= len(x) <= 12:
        raise ValueError(f"`x` must be a handful of digits, shaped (B, 1, 8, 8) with B <= 12 (got {tuple(getattr(x, 'shape', ()))})")
    if not isinstance(y, torch.Tensor) or y.shape != (len(x),):
        raise ValueError(f"`y` must hold one label per digit, shaped ({len(x)},) (got {tuple(getattr(y, 'shape', ()))})")
    if not attacked:
        raise ValueError("`attacked` is empty: pass {'model name': (model, x_adv)}")
    for name, (_, x_adv) in attacked.items():
        if not isinstance(x_adv, torch.Tensor) or x_adv.shape != x.shape:
            raise ValueError(f"x_adv of {name!r} must be shaped like x, {tuple(x.shape)} (got {tuple(getattr(x_adv, 'shape', ()))})")
    gradient_rows: dict[int, tuple[list[str], nn.Module]] = {}  # one per distinct model: id -> (its entries' names, model)
    for name, (model, _) in attacked.items():
        gradient_rows.setdefault(id(model), ([], model))[0].append(name)
    num_rows = 1 + len(attacked) + len(gradient_rows)
    height = 0.95 * num_rows + 0.8
    fig, axes = plt.subplots(num_rows, 1, figsize=(0.8 * len(x) + 1.5, height))
    _image_row(axes[0], x, 0.0, 1.0, [f"{int(label)}" for label in y], "clean x\n(true label)")
    for i, (name, (model, x_adv)) in enumerate(attacked.items()):
        labels, _ = predictions(model, x_adv)
        wrong = [int(a) != int(b) for a, b in zip(labels, y)]
        _image_row(axes[1 + i], x_adv, 0.0, 1.0, [f"{int(label)}" for label in labels], f"x_adv\n{name}", wrong)
    for i, (names, model) in enumerate(gradient_rows.values()):
        grad = loss_gradient(model, x, y)  # (B, 1, 8, 8)
        scale = grad.flatten(1).abs().amax(dim=1).clamp_min(1e-30).reshape(-1, 1, 1, 1)  # (B, 1, 1, 1) each digit's largest |g_i|
        _image_row(axes[1 + len(attacked) + i], grad / scale, -1.0, 1.0, None, f"gradient g\n{names[0]}" if len(names) == 1 else "gradient g")
    fig.suptitle(title)
    fig.text(0.5, 0.01, "above each x_adv: the model's answer (dashed frame: wrong). g: white, brightening raises the loss; black, darkening does", ha="center", fontsize=8)
    fig.subplots_adjust(left=1.3 / (0.8 * len(x) + 1.5), right=0.99, bottom=0.35 / height, top=1 - 0.5 / height, hspace=0.3)
    return fig


def _image_row(ax: Axes, images: Tensor, vmin: float, vmax: float, labels: list[str] | None, name: str, wrong: list[bool] | None = None) -> None:
    """Draw (B, 1, 8, 8) images side by side as one image (1-pixel white gaps), with a label above each."""
    num, pitch = len(images), 9  # each digit takes 8 pixels and a 1-pixel gap
    row = np.full((8, num * pitch - 1), np.nan)  # (8, 9B - 1): NaN gaps show as white
    for i in range(num):
        row[:, i * pitch : i * pitch + 8] = np.asarray(images[i].detach(), dtype=float).reshape(8, 8)
        if labels is not None:
            ax.text(i * pitch + 3.5, -0.9, labels[i], ha="center", va="bottom", fontsize=9)
        if labels is None:  # a thin frame: white pixels of a gradient would otherwise melt into the white gaps
            ax.add_patch(plt.Rectangle((i * pitch - 0.5, -0.5), 8, 8, fill=False, linewidth=0.6, edgecolor=COLORS["neutral"]))
        if wrong is not None and wrong[i]:
            frame = plt.Rectangle((i * pitch - 0.6, -0.6), 8.2, 8.2, fill=False, linewidth=2, linestyle="--", edgecolor=IMAGE_ROLES["adversarial"]["color"])
            ax.add_patch(frame)
    ax.imshow(row, cmap=plt.get_cmap("gray").with_extremes(bad="white"), vmin=vmin, vmax=vmax, interpolation="none")
    ax.set(xticks=[], yticks=[], xlim=(-0.8, num * pitch - 0.2), ylim=(8.0, -2.6))  # room for the labels on every row, so that the rows align
    ax.set_ylabel(name, rotation=0, ha="right", va="center", fontsize=8)
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
