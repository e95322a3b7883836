r"""Problem 4: which perturbation sets a robust model is guaranteed to resist, and an experiment that tests each.

A model trained and verified robust on the ball :math:`B = \{\delta : \|\delta\|_\infty \le 0.5\}` around
the inputs of its (day-time) distribution resists every set that lies *inside* B: each of that
set's perturbations is one it was verified against. Inclusion is the whole guarantee. A set that
reaches outside B, or that is not a small perturbation of those inputs at all (night scenes), may
happen to be resisted, or not; nothing promises either.

- ``PERTURBATION_SETS``: the quiz's five choices as data (norm, radius in the quiz's units, the
  explanation the quiz and the problem set show); ``guaranteed`` is computed from the geometry,
  never typed in, and ``GUARANTEED_CHOICES`` is the answer key, {1, 3}.
- ``farthest_point`` and ``ball_inside``: the point of a ball farthest from 0 (a corner of the
  L∞ ball, a point on an axis of the L2 ball), and from it whether one ball fits inside another.
- ``quiz_feedback``: a verdict and an explanation for each choice of a selection.
- ``measure_perturbation_sets``: robust accuracy of several models on each set, its radius scaled
  to the model's training radius, plus clean day accuracy; a ``PerturbationSetResults`` table.
- Figures: ``plot_perturbation_sets`` (the balls in 2D), ``plot_perturbation_set_results`` (the
  experiment) and ``plot_scene_rows`` (stop-sign scenes).

Each role in a figure has a colour *and* a shape: the trained ball is a thick solid purple square;
each quiz set has its own line style and its number written on it; the standard model is drawn as
grey open circles, the robust one as green filled squares; guaranteed rows carry a hatched band.

Introduced in notebooks/09_robustness_quiz.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from torch import nn

from course_lib.adversarial._checks import check_count, check_labelled_batch, check_model, check_positive
from course_lib.adversarial import defense_plots
from course_lib.adversarial.defenses import PGD_EVALUATION_STEPS, robust_accuracy
from course_lib.adversarial.threat_models import lp_norm, norm_order
from course_lib.plotting import COLORS

Tensor = torch.Tensor

QUIZ_TRAINED_EPS = 0.5  # the quiz's model was trained and verified against ‖δ‖∞ ≤ 0.5
QUIZ_TRAINED_NORM = "inf"
STOP_SIGN_SHAPE = (3, 16, 16)  # one scene: 768 numbers, the dimension in which the quiz's balls live


@dataclass(frozen=True)
class PerturbationSet:
    """One choice of the quiz: a ball {‖δ‖ ≤ radius} around the day scenes, or (norm None) the night scenes.

    ``radius`` is in the quiz's units, where the model was trained at ‖δ‖∞ ≤ 0.5 (``QUIZ_TRAINED_EPS``).
    """

    number: int  # the quiz's choice, 1 to 5
    name: str  # how the quiz writes it
    norm: str | None  # "inf" or "2"; None: not a norm ball (the night scenes)
    radius: float | None
    explanation: str  # why it is, or is not, guaranteed: shown by the quiz and the problem set

    @property
    def guaranteed(self) -> bool:
        """Whether the set lies inside the trained ball, for scenes of ``STOP_SIGN_SHAPE`` (the night scenes are no ball: False)."""
        return self.norm is not None and ball_inside(self.norm, self.radius, QUIZ_TRAINED_NORM, QUIZ_TRAINED_EPS, STOP_SIGN_SHAPE)

    def scaled_radius(self, trained_eps: float) -> float | None:
        """The radius in proportion to a model trained at ``trained_eps`` instead of 0.5: radius · trained_eps / 0.5."""
        return None if self.radius is None else round(self.radius * trained_eps / QUIZ_TRAINED_EPS, 10)

    def __repr__(self) -> str:
        return f"PerturbationSet({self.number}. {self.name}, {'guaranteed' if self.guaranteed else 'not guaranteed'} by inclusion)"


PERTURBATION_SETS = (
    PerturbationSet(
        1, "‖δ‖∞ ≤ 0.1", "inf", 0.1,
        "A smaller ball of the same norm lies inside the trained one: every |δᵢ| ≤ 0.1 is also ≤ 0.5. "
        "Each of its perturbations was among those the model was verified against, so the robustness carries over.",
    ),
    PerturbationSet(
        2, "‖δ‖∞ ≤ 1.0", "inf", 1.0,
        "This ball contains the trained one, not the other way round. δ = (1, 1, …, 1) lies in it with ‖δ‖∞ = 1 > 0.5: "
        "a perturbation nobody verified. On images in [0, 1] it is hopeless anyway: clipped to [0, 1], x + δ reaches every image.",
    ),
    PerturbationSet(
        3, "‖δ‖₂ ≤ 0.5", "2", 0.5,
        "No coordinate is longer than the whole vector: |δᵢ| ≤ ‖δ‖₂ ≤ 0.5, so ‖δ‖∞ ≤ 0.5. "
        "The L2 ball of radius 0.5 sits inside the L∞ ball of radius 0.5 (in 2D, the disc inside the square), so the robustness carries over.",
    ),
    PerturbationSet(
        4, "‖δ‖₂ ≤ 1.0", "2", 1.0,
        "It reaches outside the trained ball: δ = (1, 0, …, 0), one number moved by 1, has ‖δ‖₂ = 1 but ‖δ‖∞ = 1 > 0.5. "
        "Most of this ball may still be harmless (an L2 budget spread over many pixels moves each only a little), but nothing guarantees it.",
    ),
    PerturbationSet(
        5, "stop signs at night, with much dimmer lighting", None, None,
        "The guarantee covers x + δ with ‖δ‖∞ ≤ 0.5 for the day scenes x it was verified on; a night photo inherits it only if "
        "it is such a point, and \"much dimmer light\" does not say so. A pure halving x → x/2 would be (|x/2 − x| = x/2 ≤ 0.5), "
        "and then the night versions of the robust day scenes would be covered. But real night scenes are also tinted, unevenly lit "
        "and noisy, and one pixel moved by more than 0.5 takes a scene outside the ball (in this course's data every night scene does). "
        "So night is not guaranteed; how the model copes is an empirical question.",
    ),
)  # fmt: skip


# ----------------------------------------------------------------------------- which ball fits inside which


def _check_radius(radius: float, name: str = "radius") -> None:
    if isinstance(radius, bool) or not isinstance(radius, (int, float)) or not math.isfinite(radius) or radius < 0:
        raise ValueError(f"`{name}` must be a finite number >= 0, such as 0.5 (got {radius!r})")


def _check_shape(shape: Sequence[int]) -> tuple[int, ...]:
    if not (isinstance(shape, (tuple, list, torch.Size)) and len(shape) >= 1 and all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in shape)):
        raise ValueError(f"`shape` must be the shape of one perturbation, positive ints such as (3, 16, 16) (got {shape!r})")
    return tuple(shape)


def farthest_point(norm: str | float, radius: float, shape: Sequence[int], dtype: torch.dtype = torch.float32) -> Tensor:
    r"""The point of the ball :math:`\{\|\delta\| \le r\}` farthest from 0 in *both* the L∞ and the L2 norm: (1, *shape).

    For the L∞ ball, a corner :math:`r\,(1, \dots, 1)`: :math:`\|\cdot\|_\infty = r`, :math:`\|\cdot\|_2 = r\sqrt d`.
    For the L2 ball, a point on an axis :math:`r\,e_1`: :math:`\|\cdot\|_\infty = \|\cdot\|_2 = r`, since
    :math:`|\delta_i| \le \|\delta\|_2` with equality only when one coordinate holds the whole length.
    It is the witness that a ball does not fit inside another.

    Example:
        >>> farthest_point("inf", 0.5, (3,)), farthest_point("2", 1.0, (3,))
        (tensor([[0.5000, 0.5000, 0.5000]]), tensor([[1., 0., 0.]]))

    Introduced in notebooks/09_robustness_quiz.
    """
    p = norm_order(norm)
    _check_radius(radius)
    shape = _check_shape(shape)
    if p == math.inf:
        return torch.full((1, *shape), float(radius), dtype=dtype)
    point = torch.zeros(1, math.prod(shape), dtype=dtype)
    point[0, 0] = radius
    return point.reshape(1, *shape)


def ball_inside(norm: str | float, radius: float, outer_norm: str | float, outer_radius: float, shape: Sequence[int]) -> bool:
    r"""Whether :math:`\{\|\delta\|_{norm} \le r\} \subseteq \{\|\delta\|_{outer} \le R\}` for perturbations of ``shape``.

    A ball lies inside another exactly when its farthest point (``farthest_point``) does. For the
    two norms: the L2 ball of radius r fits in the L∞ ball of radius r; the L∞ ball of radius r fits
    in the L2 ball of radius :math:`r\sqrt d` and no smaller one.

    Example:
        >>> ball_inside("2", 0.5, "inf", 0.5, (3, 16, 16)), ball_inside("2", 1.0, "inf", 0.5, (3, 16, 16))
        (True, False)
        >>> ball_inside("inf", 0.1, "2", 0.1 * 768 ** 0.5, (3, 16, 16))
        True

    Introduced in notebooks/09_robustness_quiz.
    """
    _check_radius(outer_radius, "outer_radius")
    reach = float(lp_norm(farthest_point(norm, radius, shape, dtype=torch.float64), outer_norm)[0])
    return reach <= outer_radius * (1 + 1e-9)


GUARANTEED_CHOICES = frozenset(s.number for s in PERTURBATION_SETS if s.guaranteed)  # the answer key, from the geometry: {1, 3}


# ----------------------------------------------------------------------------- the quiz's verdicts


@dataclass(frozen=True)
class ChoiceFeedback:
    """The verdict on one choice: was it ticked, should it have been, and why."""

    choice: PerturbationSet
    ticked: bool

    @property
    def correct(self) -> bool:
        return self.ticked == self.choice.guaranteed

    def __str__(self) -> str:
        number, name = self.choice.number, self.choice.name
        if self.correct:
            verdict = f"✓ right: {number} ({name}) is {'guaranteed' if self.choice.guaranteed else 'not guaranteed'}"
            verdict += ", and you ticked it." if self.ticked else ", and you left it unticked."
        elif self.ticked:
            verdict = f"✗ wrong: you ticked {number} ({name}), but it is not guaranteed."
        else:
            verdict = f"✗ wrong: you left {number} ({name}) unticked, but it is guaranteed."
        return f"{verdict} {self.choice.explanation}"


@dataclass(frozen=True)
class QuizFeedback:
    """The verdicts on a whole selection: one ``ChoiceFeedback`` per choice, in the quiz's order."""

    choices: tuple[ChoiceFeedback, ...]

    @property
    def correct(self) -> bool:
        return all(choice.correct for choice in self.choices)

    @property
    def headline(self) -> str:
        if self.correct:
            guaranteed = " and ".join(str(n) for n in sorted(GUARANTEED_CHOICES))
            return f"✓ All {len(self.choices)} right: exactly sets {guaranteed} are guaranteed, because they lie inside the trained ball."
        right = sum(choice.correct for choice in self.choices)
        return f"✗ Not yet: {right} of {len(self.choices)} choices right. Each ✗ below says what to rethink."

    def __str__(self) -> str:
        return "\n".join([self.headline, *(str(choice) for choice in self.choices)])

    def __repr__(self) -> str:
        return str(self)


def quiz_feedback(selected: Iterable[int]) -> QuizFeedback:
    """Judge a selection of the quiz's choices: each choice is right when it is ticked exactly if inclusion guarantees it.

    Args:
        selected: the ticked choice numbers, e.g. {1, 3}.

    Returns:
        A ``QuizFeedback``: ``correct``, a ``headline``, and a verdict with its explanation per choice.

    Example:
        >>> quiz_feedback({1, 3}).correct, quiz_feedback({1, 3, 4}).correct
        (True, False)
        >>> print(quiz_feedback({1, 3, 4}).choices[3])  # doctest: +ELLIPSIS
        ✗ wrong: you ticked 4 (‖δ‖₂ ≤ 1.0), but it is not guaranteed. It reaches outside the trained ball: ...

    Introduced in notebooks/09_robustness_quiz.
    """
    numbers = [s.number for s in PERTURBATION_SETS]
    message = f"`selected` must be a set of choice numbers from {numbers[0]} to {numbers[-1]}, such as {{1, 2}} or set() for none (got {selected!r})"
    if isinstance(selected, (str, bytes)) or not isinstance(selected, Iterable):
        raise ValueError(message)
    selected = list(selected)
    if any(isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n not in numbers for n in selected):
        raise ValueError(message)
    return QuizFeedback(tuple(ChoiceFeedback(s, s.number in selected) for s in PERTURBATION_SETS))


# ----------------------------------------------------------------------------- the experiment


@dataclass(frozen=True)
class SetResult:
    """One row of the experiment: a set, run at its scaled radius, and each model's accuracy on it."""

    label: str  # e.g. "1. ‖δ‖∞ ≤ 0.1 → 0.02"
    number: int | None  # the quiz's choice; None for the clean and the trained rows
    norm: str | None  # "inf", "2", or None (no attack: clean day or night scenes)
    radius: float | None  # the radius run, scaled to the training radius
    guaranteed: bool | None  # by inclusion; None for the trained set itself
    accuracy: dict[str, float] = field(default_factory=dict)  # model name -> accuracy in [0, 1]


@dataclass(repr=False)
class PerturbationSetResults:
    """The experiment: accuracy of each model on clean day scenes, the trained set and the quiz's five sets (rows).

    It prints as a Markdown table; ``accuracy(row, model)`` reads one number.
    """

    rows: list[SetResult]
    models: list[str]
    trained_eps: float
    steps: int  # PGD steps of every attack
    num_scenes: int

    def row(self, key: int | str) -> SetResult:
        """A row by quiz number (1 to 5), or "clean" or "trained"."""
        for row in self.rows:
            if row.number == key or (key == "clean" and row.label.startswith("clean")) or (key == "trained" and row.label.startswith("trained")):
                return row
        raise KeyError(f"no row {key!r}: use a quiz number {[r.number for r in self.rows if r.number]}, 'clean' or 'trained'")

    def accuracy(self, key: int | str, model: str) -> float:
        """One model's accuracy on one row (see ``row``)."""
        row = self.row(key)
        if model not in row.accuracy:
            raise KeyError(f"no model {model!r}: use one of {self.models}")
        return row.accuracy[model]

    def table(self) -> str:
        """The results as a Markdown table, accuracies rounded to 0.1%."""
        header = f"| set (quiz → run at) | guaranteed by inclusion | {' | '.join(self.models)} |"
        lines = [header, "|---|---|" + "---:|" * len(self.models)]
        for row in self.rows:
            guaranteed = "trained on it" if row.guaranteed is None else "yes" if row.guaranteed else "no"
            lines.append(f"| {row.label} | {guaranteed} | {' | '.join(f'{row.accuracy[m]:.1%}' for m in self.models)} |")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"{self.table()}\n({self.num_scenes} test scenes; attacks: PGD-{self.steps}; trained at L∞ ε = {self.trained_eps:g})"

    def verdicts(self, model: str) -> list[str]:
        """For each quiz set: guaranteed or not, and whether ``model`` kept its accuracy on the trained set there.

        "Kept" means an accuracy at least the one on the trained set. Both numbers are PGD's, upper bounds
        on the true robust accuracy, so for a guaranteed set "kept" is consistent with inclusion, which
        promises the true accuracy there is at least the true one on the trained set, but it does not
        verify it; for the other sets it can only happen to hold, or fail.
        """
        reference = self.accuracy("trained", model)
        lines = []
        for row in self.rows:
            if row.number is None:
                continue
            kept = row.accuracy[model] >= reference
            if row.guaranteed:
                outcome = "consistent with inclusion" if kept else "below: the attack did worse on the smaller set (a miss, not a broken promise)"
            else:
                outcome = "happened to hold" if kept else "failed"
            lines.append(f"{row.label}: {'guaranteed' if row.guaranteed else 'not guaranteed'}; {model} {row.accuracy[model]:.1%} vs {reference:.1%} on the trained set: {outcome}")
        return lines


def measure_perturbation_sets(
    models: Mapping[str, nn.Module],
    day: tuple[Tensor, Tensor],
    night: tuple[Tensor, Tensor],
    trained_eps: float,
    steps: int = PGD_EVALUATION_STEPS,
    sets: Sequence[PerturbationSet] = PERTURBATION_SETS,
) -> PerturbationSetResults:
    r"""Accuracy of each model on clean day scenes, under PGD in the trained ball, in each ball of ``sets``, and at night.

    The quiz's radii are scaled in proportion, :math:`r \cdot \epsilon_{train} / 0.5`, so every ball keeps its place
    relative to the trained one: scaling both sides of :math:`\|\delta\|_\infty \le \|\delta\|_2` changes no inclusion.
    Each attacked number is the library's ``robust_accuracy`` (PGD from x, step 2.5 ε / steps); the
    night row is the clean accuracy on the night scenes.

    Args:
        models: name -> classifier of (B, 3, H, W) scenes, e.g. {"standard": ..., "robust": ...}.
        day: (x, y), (N, 3, H, W) day scenes in [0, 1] and (N,) int64 labels.
        night: (x, y), the night scenes and their labels.
        trained_eps: the L∞ radius the robust model was trained at, > 0 (it plays the quiz's 0.5).
        steps: PGD's steps per attack, >= 1.
        sets: the quiz's choices.

    Returns:
        A ``PerturbationSetResults``: rows clean, trained, then one per set.

    Introduced in notebooks/09_robustness_quiz.
    """
    if not isinstance(models, Mapping) or not models:
        raise ValueError(f"`models` must be a dict of name -> classifier, such as {{'standard': standard, 'robust': robust}} (got {models!r})")
    for name, model in models.items():
        if not isinstance(name, str):
            raise ValueError(f"`models` must be keyed by names (str), such as 'robust' (got {name!r})")
        check_model(model)
    for argument, pair in (("day", day), ("night", night)):
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
            raise ValueError(f"`{argument}` must be a pair (x, y), such as load_stop_signs('test', night={argument == 'night'}) (got a {type(pair).__name__})")
        check_labelled_batch(*pair)
    check_positive("trained_eps", trained_eps, "0.1")
    check_count("steps", steps, "10")
    x, y = day
    trained = SetResult(f"trained: ‖δ‖∞ ≤ {QUIZ_TRAINED_EPS:g} → {trained_eps:g}", None, QUIZ_TRAINED_NORM, trained_eps, None)
    rows = [SetResult("clean day scenes (δ = 0)", None, None, None, True), trained]
    for s in sets:
        label = f"{s.number}. night scenes, clean" if s.norm is None else f"{s.number}. {s.name} → {s.scaled_radius(trained_eps):g}"
        rows.append(SetResult(label, s.number, s.norm, s.scaled_radius(trained_eps), s.guaranteed))
    for row in rows:
        for name, model in models.items():
            if row.norm is None:  # no attack: the clean day scenes, or the night scenes
                images, labels = (night if row.number is not None else day)
                row.accuracy[name] = robust_accuracy(model, images, labels, eps=0.0)
            else:
                row.accuracy[name] = robust_accuracy(model, x, y, eps=row.radius, norm=row.norm, steps=steps)
    return PerturbationSetResults(rows, list(models), trained_eps, steps, len(x))


# ----------------------------------------------------------------------------- figures

TRAINED_STYLE = {"color": COLORS["discriminator"], "linestyle": "-", "linewidth": 2.6}  # the trained ball: thick, solid, purple
SET_STYLES = {  # every set its own dash pattern, told apart in greyscale too (and its number written on it), not only a colour
    1: {"color": COLORS["discriminator"], "linestyle": (0, (2.5, 1.5)), "linewidth": 1.8},  # short dashes
    2: {"color": COLORS["discriminator"], "linestyle": (0, (6, 2.5)), "linewidth": 1.8},  # long dashes
    3: {"color": COLORS["critic"], "linestyle": (0, (1, 1.2)), "linewidth": 2.0},  # dense dots
    4: {"color": COLORS["critic"], "linestyle": (0, (5, 1.8, 1, 1.8)), "linewidth": 1.8},  # dash-dot
    5: {"color": COLORS["generated"], "linestyle": (0, (0.6, 2.4)), "linewidth": 2.6},  # sparse beads
}
SET_LEGEND_HANDLE_LENGTH = 3.5  # legend samples long enough (in font sizes) to show a whole period of every dash pattern
MODEL_STYLES = tuple(  # notebook 08's colour and marker per model (standard grey circles, robust green squares), plus a fill and a line style
    {**style, "markerfacecolor": "white" if open_marker else style["color"], "linestyle": linestyle}
    for style, open_marker, linestyle in zip(defense_plots.MODEL_STYLES, (True, False, False, True), (":", "--", "-.", "-"))
)
NIGHT_CENTRE, NIGHT_RADII = (0.88, -0.88), (0.28, 0.17)  # the night scenes in the 2D sketch: a patch away from every day scene's ball (schematic)
GEOMETRY_LIMIT = 1.25  # the 2D figures show [-1.25, 1.25]²: room for the quiz's largest balls, of radius 1


def ball_outline(norm: str | float, radius: float, num_points: int = 200) -> np.ndarray:
    """The boundary of the 2D ball of radius ``radius``, as (num_points, 2) points (a square for L∞, a circle for L2).

    Example:
        >>> ball_outline("inf", 0.5)[:2].tolist()
        [[0.5, 0.5], [-0.5, 0.5]]

    Introduced in notebooks/09_robustness_quiz.
    """
    p = norm_order(norm)
    if p == math.inf:
        return radius * np.array([[1, 1], [-1, 1], [-1, -1], [1, -1], [1, 1]], dtype=float)
    angle = np.linspace(0, 2 * np.pi, num_points)
    return radius * np.stack([np.cos(angle), np.sin(angle)], axis=1)


def night_outline(num_points: int = 100) -> np.ndarray:
    """The schematic patch that stands for the night scenes in the 2D sketch: (num_points, 2), away from 0."""
    angle = np.linspace(0, 2 * np.pi, num_points)
    return np.array(NIGHT_CENTRE) + np.stack([NIGHT_RADII[0] * np.cos(angle), NIGHT_RADII[1] * np.sin(angle)], axis=1)


def set_outline(choice: PerturbationSet) -> np.ndarray:
    """A quiz set's outline in the 2D sketch, (N, 2): its ball, or the night patch."""
    return night_outline() if choice.norm is None else ball_outline(choice.norm, choice.radius)


def set_label_position(choice: PerturbationSet) -> tuple[float, float]:
    """Where a set's number is written in the 2D sketch: on its outline, clear of the others."""
    if choice.norm is None:
        return NIGHT_CENTRE
    angle = {1: 90, 2: 100, 3: 200, 4: 235}.get(choice.number, 45)
    r = choice.radius if choice.norm == "2" else choice.radius / max(abs(math.cos(math.radians(angle))), abs(math.sin(math.radians(angle))))
    return r * math.cos(math.radians(angle)), r * math.sin(math.radians(angle))


def draw_trained_ball(ax: Axes) -> None:
    """The trained ball ‖δ‖∞ ≤ 0.5 (thick solid square), axes from -1.25 to 1.25, labelled δ₁ and δ₂."""
    ax.plot(*ball_outline(QUIZ_TRAINED_NORM, QUIZ_TRAINED_EPS).T, label=f"trained: ‖δ‖∞ ≤ {QUIZ_TRAINED_EPS:g}", **TRAINED_STYLE)
    ax.plot([0], [0], marker=".", color="black", markersize=4, linestyle="none")  # δ = 0: the day scene itself
    ax.set(xlim=(-GEOMETRY_LIMIT, GEOMETRY_LIMIT), ylim=(-GEOMETRY_LIMIT, GEOMETRY_LIMIT), aspect="equal", xlabel="δ₁", ylabel="δ₂")


def plot_perturbation_sets(numbers: Sequence[int] = (1, 2, 3, 4)) -> Figure:
    """Each quiz ball beside the trained ball, in 2D: one panel per set, with a witness (×) where a set reaches outside.

    Args:
        numbers: the quiz's choices to draw, each 1 to 4 (5, the night scenes, is no ball).

    Introduced in notebooks/09_robustness_quiz.
    """
    choices = _choices(numbers, balls_only=True)
    fig, axes = plt.subplots(1, len(choices), figsize=(2.35 * len(choices) + 0.3, 3.0), squeeze=False)
    for ax, choice in zip(axes[0], choices):
        draw_trained_ball(ax)
        ax.plot(*set_outline(choice).T, **SET_STYLES[choice.number])
        inside = choice.guaranteed
        if not inside:  # the witness: the set's farthest point, outside the trained square
            witness = farthest_point(choice.norm, choice.radius, (2,))[0].numpy()
            ax.plot(*witness, marker="X", markersize=9, color="black", linestyle="none")
            ax.annotate(f"({witness[0]:g}, {witness[1]:g})\noutside", witness, xytext=(-6, -24 if witness[1] > 0 else 8), textcoords="offset points", fontsize=7, ha="right")
        verdict = "inside: guaranteed" if inside else "reaches outside:\nnot guaranteed"
        ax.set_title(f"{choice.number}. {choice.name}\n{verdict}", fontsize=9)
        ax.label_outer()
    fig.suptitle(f"Only the balls inside the trained ball ‖δ‖∞ ≤ {QUIZ_TRAINED_EPS:g} (thick square) inherit its guarantee", fontsize=10)
    fig.subplots_adjust(left=0.07, right=0.99, bottom=0.14, top=0.72, wspace=0.12)
    return fig


def plot_perturbation_set_results(results: PerturbationSetResults, title: str) -> Figure:
    """The experiment as a dot plot: one row per set, one marker per model; hatched rows are guaranteed by inclusion.

    A vertical line per model marks its accuracy on the trained set: by inclusion, the true robust
    accuracy on a guaranteed set can only be higher (PGD estimates it, so up to the attack's misses).

    Args:
        results: from ``measure_perturbation_sets``.
        title: state the finding.

    Introduced in notebooks/09_robustness_quiz.
    """
    if not isinstance(results, PerturbationSetResults):
        raise TypeError(f"`results` must be a PerturbationSetResults, from measure_perturbation_sets (got {type(results).__name__})")
    if len(results.models) > len(MODEL_STYLES):
        raise ValueError(f"at most {len(MODEL_STYLES)} models can be told apart in one figure (got {len(results.models)})")
    rows = results.rows
    fig, ax = plt.subplots(figsize=(7.6, 0.36 * len(rows) + 1.5))
    positions = np.arange(len(rows))[::-1]  # (R,) the first row on top
    for y, row in zip(positions, rows):
        if row.guaranteed and row.number is not None:
            ax.axhspan(y - 0.45, y + 0.45, facecolor="none", edgecolor=COLORS["neutral"], hatch="///", linewidth=0, alpha=0.35)
    trained = results.row("trained")
    for style, name in zip(MODEL_STYLES, results.models):
        accuracies = [row.accuracy[name] for row in rows]
        ax.plot(accuracies, positions, linestyle="none", marker=style["marker"], color=style["color"], markerfacecolor=style["markerfacecolor"], markersize=7, label=name)
        ax.axvline(trained.accuracy[name], color=style["color"], linestyle=style["linestyle"], linewidth=1, label=f"{name} on the trained set")
        for a, y in zip(accuracies, positions):
            ax.annotate(f"{a:.0%}", (a, y), xytext=(0, 6), textcoords="offset points", ha="center", fontsize=7, color=style["color"])
    labels = [row.label + ("  ✓" if row.guaranteed and row.number is not None else "  ✗" if row.guaranteed is False else "") for row in rows]
    ax.set_yticks(positions, labels, fontsize=8)
    ax.set(xlim=(-0.02, 1.05), ylim=(-0.6, len(rows) - 0.3), xlabel=f"accuracy ({results.num_scenes} test scenes; attacks PGD-{results.steps})")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.4, -0.2), ncols=2, fontsize=8)
    ax.set_title(title + "\n✓ and hatched: guaranteed by inclusion;  ✗: not guaranteed", fontsize=9)
    fig.subplots_adjust(left=0.36, right=0.98, top=0.86, bottom=0.3)
    return fig


def plot_scene_rows(rows: Mapping[str, Tensor], captions: Mapping[str, Sequence[str]] | None = None, title: str = "") -> Figure:
    """Rows of RGB scenes: one row per entry of ``rows``, each image captioned.

    Args:
        rows: row name -> (n, 3, H, W) images in [0, 1]; every row the same n.
        captions: row name -> n captions (none when None).
        title: the figure's title.

    Introduced in notebooks/09_robustness_quiz.
    """
    if not rows:
        raise ValueError("`rows` must hold at least one row of images, such as {'day': x[:5]}")
    counts = {name: len(images) for name, images in rows.items()}
    if len(set(counts.values())) != 1:
        raise ValueError(f"every row must hold the same number of images (got {counts})")
    num = next(iter(counts.values()))
    fig, axes = plt.subplots(len(rows), num, figsize=(1.25 * num + 0.8, 1.45 * len(rows) + 0.4), squeeze=False)
    for r, (name, images) in enumerate(rows.items()):
        for i in range(num):
            ax = axes[r, i]
            ax.imshow(images[i].permute(1, 2, 0).clamp(0, 1).numpy(), interpolation="nearest")
            ax.set(xticks=[], yticks=[])
            ax.grid(False)
            if captions and name in captions:
                ax.set_title(captions[name][i], fontsize=7)
        axes[r, 0].set_ylabel(name, fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.subplots_adjust(left=0.09, right=0.99, bottom=0.03, top=0.8 if len(rows) == 1 else 0.86, hspace=0.45, wspace=0.08)
    return fig


# ----------------------------------------------------------------------------- checks


def _choices(numbers: Sequence[int], balls_only: bool = False) -> list[PerturbationSet]:
    allowed = [s.number for s in PERTURBATION_SETS if s.norm is not None or not balls_only]
    if isinstance(numbers, (str, bytes)) or not isinstance(numbers, Iterable):
        raise ValueError(f"`numbers` must be quiz choices from {allowed}, such as (1, 2, 3, 4) (got {numbers!r})")
    numbers = list(numbers)
    if not numbers or any(isinstance(n, bool) or n not in allowed for n in numbers):
        extra = "; 5, the night scenes, is no ball" if balls_only else ""
        raise ValueError(f"`numbers` must be quiz choices from {allowed}, such as (1, 2, 3, 4) (got {numbers!r}){extra}")
    return [s for n in numbers for s in PERTURBATION_SETS if s.number == n]
