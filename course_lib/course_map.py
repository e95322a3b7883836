"""The course map: every notebook, what it teaches and its problem set, in reading order.

The index notebook renders it twice, as a picture of the two halves (:func:`course_map_figure`) and
as a table marking what is already written (:func:`course_map_markdown`), so the map never goes stale.

Introduced in notebooks/00_index.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@dataclass(frozen=True)
class Chapter:
    notebook: str  # file stem in notebooks/
    title: str
    covers: str
    problem_set: str | None = None  # file stem in exercises/
    time_budget: float = 2.0  # `course bench` allows this many floor notebooks' time


def time_budget(notebook: str) -> float:
    """The bench budget of a notebook, by file stem, in floors; notebooks outside the map get the default.

    Example:
        >>> time_budget("05_lipschitz_constraints"), time_budget("scratch")
        (2.5, 2.0)
    """
    budgets = {chapter.notebook: chapter.time_budget for chapter in COURSE_MAP}
    return budgets.get(notebook, Chapter.time_budget)


COURSE_MAP = [
    Chapter("00_index", "Course map", "how to use the course as a student, an instructor and a grader"),
    Chapter("01_gan_game", "The GAN game", "noise to G(z); the minimax value; alternating steps; saturating vs non-saturating losses; 1D and 2D GANs; step mode", "ps00_gan_game"),
    Chapter("02_optimal_discriminator", "The optimal discriminator", "Problem 1: D* = p / (p + p_G); a trained D against D*", "ps01_optimal_discriminator"),
    Chapter("03_js_divergence", "The Jensen–Shannon divergence", "V(G, D*) = 2 JSD − log 4; saturation at log 2; vanishing gradients", "ps01_optimal_discriminator"),
    Chapter("04_perfect_vs_lipschitz", "Perfect vs Lipschitz discriminators", "the flat perfect D, the sloped Lipschitz critic; the Wasserstein dual", "ps02_lipschitz"),
    Chapter("05_lipschitz_constraints", "Enforcing Lipschitz critics", "weight clipping, gradient penalty, spectral normalisation; Problem 2; LSGAN; instance noise", "ps02_lipschitz", time_budget=2.5),  # trains four critics on three seeds, in 1D and 2D
    Chapter("06_fgsm", "Adversarial examples and FGSM", "threat models; Problem 3: ε·sign(g) and ε·g/‖g‖₂; FGSM and PGD on digits", "ps03_attacks", time_budget=2.5),  # trains classifiers
    Chapter("07_black_box_attacks", "Black-box attacks", "finite differences, random directions, transfer from a surrogate", "ps03_attacks", time_budget=2.5),  # trains several models
    Chapter("08_adversarial_training", "Adversarial training", "the robust loss; PGD training; its cost and clean-accuracy drop", "ps04_robustness", time_budget=3.5),  # adversarial training
    Chapter("09_robustness_quiz", "Which perturbations does a robust model resist?", "Problem 4; norm-ball geometry; stop signs by day and night", "ps04_robustness", time_budget=3.5),  # adversarial training too: robust stop-sign models
]


def course_map_markdown(root: Path) -> str:
    """The map as a Markdown table, linking the notebooks and problem sets written so far under ``root``.

    Example:
        >>> print(course_map_markdown(Path("/nowhere")).splitlines()[0])
        | # | notebook | what it teaches | problem set |
    """
    rows = ["| # | notebook | what it teaches | problem set |", "|---|---|---|---|"]
    for chapter in COURSE_MAP:
        number = chapter.notebook[:2]
        written = (root / "notebooks" / f"{chapter.notebook}.py").exists()  # the pair's source
        title = f"[{chapter.title}]({chapter.notebook}.ipynb)" if written else f"{chapter.title} *(in preparation)*"
        problems = "—"
        if chapter.problem_set:
            exists = (root / "exercises" / f"{chapter.problem_set}.py").exists()
            problems = f"[{chapter.problem_set}](../exercises/{chapter.problem_set}.ipynb)" if exists else f"{chapter.problem_set} *(in preparation)*"
        rows.append(f"| {number} | {title} | {chapter.covers} | {problems} |")
    return "\n".join(rows)


HALVES = {"Generative adversarial networks": ("01", "05"), "Adversarial examples": ("06", "09")}  # notebook numbers, first and last


def course_map_figure() -> Figure:
    """The course as a picture: each half's lectures in reading order, and the problem set each one leads to.

    Lectures are solid boxes joined by arrows; problem sets are dashed boxes, joined by dotted lines
    to the lectures they exercise.

    Example:
        >>> import matplotlib.pyplot as plt
        >>> fig = course_map_figure()
        >>> len([p for p in fig.axes[0].patches if p.get_linestyle() == "--"])  # ps00 to ps04
        5
        >>> plt.close(fig)
    """
    import matplotlib.pyplot as plt  # here, not at the top: `course bench` and `course build` read the map without drawing it
    from matplotlib.patches import Patch

    fig, ax = plt.subplots(figsize=(10, 4.6))
    ax.set(xlim=(0, 5), ylim=(-0.3, 4.2))
    ax.axis("off")
    for row, (half, (first, last)) in enumerate(HALVES.items()):
        chapters = [c for c in COURSE_MAP if first <= c.notebook[:2] <= last]
        top = 3.7 - 2.1 * row  # the half's title; its lectures below it, then its problem sets
        ax.text(0.05, top, half, fontsize=11, fontweight="bold", va="center")
        lecture_x = {c.notebook: 0.5 + i for i, c in enumerate(chapters)}
        for i, chapter in enumerate(chapters):
            _box(ax, lecture_x[chapter.notebook], top - 0.7, f"{chapter.notebook[:2]} · {chapter.title}", "-", "#dbe9f6")
            if i:
                ax.annotate("", (lecture_x[chapter.notebook] - 0.45, top - 0.7), (lecture_x[chapters[i - 1].notebook] + 0.45, top - 0.7), arrowprops={"arrowstyle": "-|>", "color": "black"})
        for problem_set in dict.fromkeys(c.problem_set for c in chapters if c.problem_set):
            sources = [lecture_x[c.notebook] for c in chapters if c.problem_set == problem_set]
            x = sum(sources) / len(sources)
            _box(ax, x, top - 1.6, problem_set, "--", "white")
            for source in sources:
                ax.plot([source, x], [top - 1.0, top - 1.38], linestyle=":", color="black", linewidth=1.2)
    handles = [Patch(facecolor="#dbe9f6", edgecolor="black", linestyle="-", label="lecture notebook (notebooks/)"), Patch(facecolor="white", edgecolor="black", linestyle="--", label="problem set (exercises/)")]
    ax.legend(handles=handles, loc="upper right", ncol=2, bbox_to_anchor=(1.0, 1.02))
    fig.tight_layout()
    return fig


def _box(ax, x: float, y: float, text: str, linestyle: str, face: str) -> None:
    """A rounded box centred at (x, y), 0.9 wide, with ``text`` wrapped inside."""
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch((x - 0.45, y - 0.22), 0.9, 0.44, boxstyle="round,pad=0.02", facecolor=face, edgecolor="black", linestyle=linestyle, linewidth=1.2))
    ax.text(x, y, textwrap.fill(text, 22, break_long_words=False), ha="center", va="center", fontsize=8)
