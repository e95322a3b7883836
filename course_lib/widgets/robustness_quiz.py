"""Problem 4 as a quiz: tick the perturbation sets a robust model is guaranteed to resist, then check.

Five checkboxes, one per set of ``course_lib.adversarial.robustness.PERTURBATION_SETS``. Ticking a
box draws that set in the 2D sketch beside the trained ball ‖δ‖∞ ≤ 0.5 (a pure, fast redraw: every
outline is computed once, and an update only shows or hides it). The "Check" button judges the
selection with the library's ``quiz_feedback``, the one answer key, and writes a verdict for every
choice, marked with a symbol and words (✓ right, ✗ wrong), never by colour alone.

Introduced in notebooks/09_robustness_quiz.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

import ipywidgets

from course_lib.adversarial.robustness import (
    PERTURBATION_SETS,
    QUIZ_TRAINED_EPS,
    SET_LEGEND_HANDLE_LENGTH,
    SET_STYLES,
    QuizFeedback,
    draw_trained_ball,
    quiz_feedback,
    set_label_position,
    set_outline,
)
from course_lib.widgets import Explorer, new_figure, register_for_bench

CONTROL_PREFIX = "set_"  # the controls are named set_1 ... set_5


def control_name(number: int) -> str:
    """The name of choice ``number``'s checkbox among the explorer's controls: "set_1" for 1."""
    return f"{CONTROL_PREFIX}{number}"


class RobustnessQuizExplorer(Explorer):
    """Problem 4's quiz: five checkboxes, a 2D sketch of the ticked sets beside the trained ball, and a "Check" button.

    Args:
        selected: the choices ticked at the start (none by default).

    ``update(set_1=True, ...)`` redraws the sketch; ``check()`` judges the ticked boxes and returns
    the library's ``QuizFeedback`` (the widget shows it under the figure).
    """

    title = "Problem 4: which perturbation sets is the robust model guaranteed to resist?"

    def __init__(self, selected: Iterable[int] = ()):
        selected = {c.choice.number for c in quiz_feedback(selected).choices if c.ticked}  # checked, with the library's message for bad input
        controls = {
            control_name(s.number): ipywidgets.Checkbox(value=s.number in selected, description=f"{s.number}. {s.name}", indent=False, layout=ipywidgets.Layout(width="auto"))
            for s in PERTURBATION_SETS
        }
        fig, ax = new_figure(width=6.6, height=3.6)
        super().__init__(fig, controls)
        self.check_button = ipywidgets.Button(description="Check", tooltip="judge the ticked sets", icon="check")
        self.feedback = ipywidgets.HTML(value="")
        self.check_button.on_click(lambda _: self.check())
        self._build(ax)
        self.update()

    def _build(self, ax) -> None:
        ax.set_position([0.08, 0.13, 0.5, 0.74])
        draw_trained_ball(ax)
        self.outlines, self.labels = {}, {}
        for s in PERTURBATION_SETS:
            (self.outlines[s.number],) = ax.plot(*set_outline(s).T, label=f"{s.number}. {s.name if s.norm else 'night scenes (a sketch)'}", **SET_STYLES[s.number])
            x, y = set_label_position(s)
            box = {"boxstyle": "circle,pad=0.15", "facecolor": "white", "edgecolor": SET_STYLES[s.number]["color"], "linewidth": 1}
            self.labels[s.number] = ax.text(x, y, str(s.number), ha="center", va="center", fontsize=8, bbox=box)
        ax.legend(loc="center left", bbox_to_anchor=(1.03, 0.5), fontsize=8, handlelength=SET_LEGEND_HANDLE_LENGTH, title="thick square: the trained ball", title_fontsize=8)
        # The headline belongs to an axes (placed in figure coordinates), so that a full redraw (savefig) draws it too.
        self.headline = ax.text(0.5, 0.97, " ", transform=self.fig.transFigure, ha="center", va="top", fontsize=9, clip_on=False)
        self.animated = [*self.outlines.values(), *self.labels.values(), self.headline]

    def selected(self, **values: bool) -> set[int]:
        """The ticked choice numbers, from the controls (or from ``values``, as ``update`` receives them)."""
        values = {**self.values(), **values}
        return {s.number for s in PERTURBATION_SETS if values[control_name(s.number)]}

    def draw(self, **values: bool) -> None:
        ticked = self.selected(**values)
        for number, outline in self.outlines.items():
            outline.set_visible(number in ticked)
            self.labels[number].set_visible(number in ticked)
        names = ", ".join(str(n) for n in sorted(ticked))
        self.headline.set_text(f"Ticked: {names}, drawn beside the trained ball" if ticked else "Nothing ticked yet: tick the sets you expect to be guaranteed")

    def check(self) -> QuizFeedback:
        """Judge the ticked boxes with the library's answer key; the widget shows the verdicts under the figure."""
        verdicts = quiz_feedback(self.selected())
        lines = [f"<b>{html.escape(verdicts.headline)}</b>", *(html.escape(str(choice)) for choice in verdicts.choices)]
        self.feedback.value = "<br>".join(lines)
        return verdicts

    def widget(self) -> ipywidgets.VBox:
        """The checkboxes and the "Check" button above the figure, the verdicts below it."""
        if self._image is None:
            super().widget()  # makes the image and wires each checkbox to ``update``
        boxes = ipywidgets.VBox(list(self.controls.values()))
        return ipywidgets.VBox([boxes, self.check_button, self._image, self.feedback])

    def bench_params(self, count: int) -> list[dict[str, bool]]:
        """``count`` clicks: each checkbox in turn, ticked then unticked, as a student tries the sets."""
        names, params, state = list(self.controls), [], {name: control.value for name, control in self.controls.items()}
        for i in range(count):
            name = names[i % len(names)]
            state[name] = not state[name]
            params.append({name: state[name]})
        return params


@register_for_bench("09_robustness_quiz: ticking the perturbation sets")
def _bench_robustness_quiz() -> RobustnessQuizExplorer:
    return RobustnessQuizExplorer()
