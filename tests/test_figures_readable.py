"""Every library figure's legend tells its entries apart without colour: by line style, marker, fill, hatch or width.

course_lib/plotting.py promises that each role "has its own line style, so the figures survive a
black-and-white printer and colour-blind readers". This test holds every figure-making function of
the library, and every widget's figure, to it: each is drawn on small valid inputs (Agg, nothing on
screen), and in each legend (of an axes or of the figure) no two entries may share a look once
colour is removed. The look of an entry is its handle's signature:

    (kind, dash pattern, marker, marker or face filled, hatch, line-width class)

An open marker, or a white face, counts as unfilled; widths fall into thin (< 1.2 pt), normal
(< 2.2), thick (< 3.5) and heavy classes, since a reader cannot tell 1.5 from 1.8 apart.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.collections import Collection  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.legend import Legend  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from course_lib import course_map  # noqa: E402
from course_lib.adversarial import black_box_plots, defense_plots, robustness  # noqa: E402
from course_lib.adversarial import plots as adversarial_plots  # noqa: E402
from course_lib.gan import lipschitz_plots  # noqa: E402
from course_lib.gan import plots as gan_plots  # noqa: E402
from course_lib.gan.distributions import Gaussian, GaussianRing  # noqa: E402
from course_lib.widgets import BENCH_EXPLORERS, import_all_explorers  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_thread")

FIGURE_MODULES = {
    "course_map": course_map,
    "gan.plots": gan_plots,
    "gan.lipschitz_plots": lipschitz_plots,
    "adversarial.plots": adversarial_plots,
    "adversarial.black_box_plots": black_box_plots,
    "adversarial.defense_plots": defense_plots,
    "adversarial.robustness": robustness,
}

WIDTH_CLASSES = (1.2, 2.2, 3.5)  # points: thin, normal, thick, heavy


# ----------------------------------------------------------------------------- the look of a legend entry


def _filled(color) -> bool:
    """Whether a face reads as filled in greyscale: not 'none', not transparent, not white."""
    if color is None or (isinstance(color, str) and color.lower() == "none"):
        return False
    r, g, b, a = to_rgba(color)
    return a > 0 and (r, g, b) != (1.0, 1.0, 1.0)


def _width_class(width: float) -> int:
    return int(np.searchsorted(WIDTH_CLASSES, float(width), side="right"))


def _dashes(pattern) -> tuple:
    offset, sequence = pattern
    return () if sequence is None else tuple(round(float(s), 2) for s in sequence)


def signature(handle) -> tuple:
    """What tells a legend handle apart once colour is removed (see the module docstring)."""
    if isinstance(handle, Line2D):
        marker = handle.get_marker()
        has_marker = marker not in (None, "None", "none", "", " ")
        has_line = handle.get_linestyle() not in ("None", "none", "", " ")
        return (
            "line",
            _dashes(handle._unscaled_dash_pattern) if has_line else None,
            repr(marker) if has_marker else None,
            (handle.get_fillstyle(), _filled(handle.get_markerfacecolor())) if has_marker else None,
            None,
            _width_class(handle.get_linewidth()) if has_line else None,
        )
    if isinstance(handle, Patch):
        has_edge = handle.get_linewidth() > 0 and _filled(handle.get_edgecolor())
        return (
            "patch",
            _dashes(handle._unscaled_dash_pattern) if has_edge else None,
            None,
            handle.get_fill() and _filled(handle.get_facecolor()),
            handle.get_hatch() or None,
            _width_class(handle.get_linewidth()) if has_edge else None,
        )
    if isinstance(handle, Collection):
        paths = tuple((tuple(np.round(p.vertices, 2).ravel()), tuple(p.codes) if p.codes is not None else None) for p in handle.get_paths())
        faces = handle.get_facecolor()
        widths = handle.get_linewidth()
        return (
            type(handle).__name__,
            _dashes(handle._us_linestyles[0]) if len(handle._us_linestyles) else (),
            paths,
            bool(len(faces)) and _filled(tuple(faces[0])),
            handle.get_hatch() or None,
            _width_class(widths[0]) if len(widths) else None,
        )
    return (type(handle).__name__,)


def legends(fig: Figure) -> list[tuple[str, Legend]]:
    """Every legend of the figure: each axes' own, then the figure's."""
    found = [(f"axes {i} ({ax.get_title()!r})", ax.get_legend()) for i, ax in enumerate(fig.axes) if ax.get_legend() is not None]
    return found + [(f"figure legend {i}", legend) for i, legend in enumerate(fig.legends)]


def look_alikes(fig: Figure) -> list[str]:
    """One line per pair of legend entries that differ only in colour (or not at all)."""
    problems = []
    for where, legend in legends(fig):
        seen: dict[tuple, str] = {}
        for handle, text in zip(legend.legend_handles, legend.get_texts()):
            key, label = signature(handle), text.get_text()
            if key in seen:
                problems.append(f"{where}: {seen[key]!r} and {label!r} differ only in colour (both {key})")
            else:
                seen[key] = label
    return problems


# ----------------------------------------------------------------------------- small valid inputs, built once


@functools.cache
def digits():
    from course_lib.adversarial.data import load_digits

    return load_digits("test")


@functools.cache
def mlp():
    from course_lib.adversarial.models import trained_classifier

    return trained_classifier("mlp", data="train_b")


@functools.cache
def gaussians():
    return Gaussian(0.0, 1.0), Gaussian(2.5, 0.7)


def samples(distribution, n: int = 64, seed: int = 0) -> np.ndarray:
    return distribution.sample(n, generator=torch.Generator().manual_seed(seed))[:, 0].numpy()


@functools.cache
def transfer():
    from course_lib.adversarial.attacks import transfer_matrix
    from course_lib.adversarial.models import trained_classifier

    x, y = digits()
    models = {"MLP·A": trained_classifier("mlp", data="train_a"), "MLP·B": mlp()}
    return models, transfer_matrix(models, x[:64], y[:64], eps=0.15)


@functools.cache
def critic_runs(data_dim: int):
    from course_lib.gan.critics import train_critic_variants

    if data_dim == 1:
        return train_critic_variants(Gaussian(2, 0.5), 1, num_steps=6, grid=torch.linspace(-3, 5, 41)[:, None])
    return train_critic_variants(GaussianRing(), 2, num_steps=4)


def _gan_1d():
    from course_lib.widgets.gan_game import TWO_MODES, step_mode_runs

    history = step_mode_runs(TWO_MODES, d_steps=(1,), num_steps=(6,))["k = 1"]
    return gan_plots.plot_gan_1d(history, TWO_MODES)


def _gan_2d():
    from course_lib.gan.distributions import GaussianRing
    from course_lib.widgets.gan_game import ring_run

    return gan_plots.plot_gan_2d(ring_run(num_steps=20), GaussianRing(num_modes=8, radius=2.0, std=0.1))  # notebook 01's ring


def _optimal_discriminator_trained():
    p_data, p_gen = gaussians()
    grid = np.linspace(-5, 5, 401)
    trained = {f"trained D, {n} steps": 1 / (1 + np.exp(-grid / n)) for n in (20, 80, 300)}  # (401,) stand-ins for D(x)
    return gan_plots.plot_optimal_discriminator(p_data, p_gen, trained=trained)


def _power_iteration():
    iterations = np.arange(1, 31)
    errors = {f"σ₂/σ₁ = {r}": r ** (2 * iterations) for r in (0.5, 0.95)}
    return lipschitz_plots.plot_power_iteration(errors, ratios={f"σ₂/σ₁ = {r}": r for r in (0.5, 0.95)})


def _accuracy_against_eps():
    from course_lib.adversarial.plots import curve_style

    styles = {"FGSM, L∞": curve_style("inf"), "FGSM, L2": curve_style("2"), "PGD, L∞": curve_style("inf", "pgd"), "PGD, L2": curve_style("2", "pgd")}
    curves = {"FGSM, L∞": [0.96, 0.45, 0.04], "FGSM, L2": [0.96, 0.26, 0.02], "PGD, L∞": [0.96, 0.40, 0.01], "PGD, L2": [0.96, 0.2, 0.0]}
    return adversarial_plots.plot_accuracy_against_eps([0.0, 0.1, 0.2], curves, styles, "t", l2_per_linf=8.0, clean=0.964)


def _adversarial_examples():
    from course_lib.adversarial.attacks import fgsm

    x, y = digits()
    x, y = x[1:9], y[1:9]
    return adversarial_plots.plot_adversarial_examples(mlp(), x, fgsm(mlp(), x, y, eps=0.1), y, title="t")


def _secant():
    x, y = digits()
    return black_box_plots.plot_secant(mlp(), x[25], int(y[25]), pixel=21, h=0.2)


def _cosine_study():
    x, y = digits()
    return black_box_plots.plot_cosine_study(black_box_plots.cosine_study(mlp(), x[24:26], y[24:26], [4, 16, 64], seeds=range(2)))


def _query_attack():
    x, y = digits()
    result = black_box_plots.query_fgsm_study(mlp(), x[:16], y[:16], eps=0.15, budgets=[8, 32], generator=torch.Generator().manual_seed(0))
    return black_box_plots.plot_query_attack(result)


def _transfer_matrix():
    _, matrix = transfer()
    return black_box_plots.plot_transfer_matrix(matrix, torch.tensor([0.9, 0.91]))


def _alignment_vs_transfer():
    models, matrix = transfer()
    x, y = digits()
    alignment = black_box_plots.gradient_alignment(models, x[:64], y[:64])
    return black_box_plots.plot_alignment_vs_transfer(matrix, alignment, ["MLP", "MLP"], ["A", "B"])


@functools.cache
def adversarial_histories():
    from course_lib.adversarial.data import load_digits
    from course_lib.adversarial.defenses import adversarial_training
    from course_lib.adversarial.models import build_classifier

    x, y = load_digits("train")
    return {
        name: adversarial_training(build_classifier("mlp"), x[:64], y[:64], eps=0.2, attack=attack, num_epochs=2, warmup_epochs=warmup, eval_size=16, progress=False)
        for name, attack, warmup in (("PGD", "pgd", 1), ("FGSM", "fgsm", 0))
    }


def _robustness_curves():
    from course_lib.adversarial.defenses import RobustAccuracyCurve

    def curve(attack, accuracy):
        return RobustAccuracyCurve([0.0, 0.1, 0.2], accuracy, attack, "L∞")

    curves = {
        "standard": [curve("FGSM", [0.96, 0.45, 0.04]), curve("PGD-20", [0.96, 0.40, 0.02])],
        "robust": [curve("FGSM", [0.95, 0.84, 0.60]), curve("PGD-20", [0.95, 0.81, 0.50])],
    }
    return defense_plots.plot_robustness_curves(curves, "t", trained_eps=0.2)


def _adversarial_rows():
    from course_lib.adversarial.attacks import pgd

    x, y = digits()
    x, y = x[:4], y[:4]
    return defense_plots.plot_adversarial_rows(x, y, {"standard": (mlp(), pgd(mlp(), x, y, eps=0.2, alpha=0.05, steps=4))}, "t")


def _perturbation_set_results():
    from course_lib.adversarial.data import load_stop_signs
    from course_lib.adversarial.defenses import robust_classifier

    models = {"standard": robust_classifier("stop_sign_cnn", eps=0), "robust": robust_classifier("stop_sign_cnn")}
    (x, y), (x_night, y_night) = load_stop_signs("test"), load_stop_signs("test", night=True)
    results = robustness.measure_perturbation_sets(models, (x[:16], y[:16]), (x_night[:16], y_night[:16]), 0.1, steps=1)
    return robustness.plot_perturbation_set_results(results, "t")


def _scene_rows():
    from course_lib.adversarial.data import load_stop_signs

    x, _ = load_stop_signs("test")
    return robustness.plot_scene_rows({"day": x[:3], "shifted": (x[:3] + 0.1).clamp(0, 1)}, {"day": ["a", "b", "c"]}, title="t")


# One case per figure-making function (module.function, or module.function[variant] for another input).
FIGURES: dict[str, Callable[[], Figure]] = {
    "gan.plots.plot_generator_loss_gradients": gan_plots.plot_generator_loss_gradients,
    "gan.plots.plot_gan_1d": _gan_1d,
    "gan.plots.plot_gan_2d": _gan_2d,
    "gan.plots.plot_pointwise_objective": gan_plots.plot_pointwise_objective,
    "gan.plots.plot_optimal_discriminator": lambda: gan_plots.plot_optimal_discriminator(*gaussians()),
    "gan.plots.plot_optimal_discriminator[trained]": _optimal_discriminator_trained,
    "gan.plots.plot_js_integrands": lambda: gan_plots.plot_js_integrands(*gaussians()),
    "gan.plots.plot_divergences_vs_separation": lambda: gan_plots.plot_divergences_vs_separation(
        np.linspace(0, 6, 7), gan_plots.divergence_curves(np.linspace(0, 6, 7))
    ),
    "gan.lipschitz_plots.plot_perfect_discriminator": lambda: lipschitz_plots.plot_perfect_discriminator(
        *gaussians(), samples(gaussians()[0]), samples(gaussians()[1], seed=1)
    ),
    "gan.lipschitz_plots.plot_lipschitz_critic": lambda: lipschitz_plots.plot_lipschitz_critic(
        *gaussians(), samples(gaussians()[0]), samples(gaussians()[1], seed=1)
    ),
    "gan.lipschitz_plots.plot_generator_pushes": lambda: lipschitz_plots.plot_generator_pushes(*gaussians(), samples(gaussians()[1], seed=1)),
    "gan.lipschitz_plots.plot_power_iteration": _power_iteration,
    "gan.lipschitz_plots.plot_instance_noise": lambda: lipschitz_plots.plot_instance_noise(*gaussians(), noise_stds=(0.0, 0.5, 1.0)),
    "gan.lipschitz_plots.plot_critic_variants_1d": lambda: lipschitz_plots.plot_critic_variants_1d(critic_runs(1), Gaussian(2, 0.5)),
    "gan.lipschitz_plots.plot_critic_variants_2d": lambda: lipschitz_plots.plot_critic_variants_2d(critic_runs(2), GaussianRing()),
    "adversarial.plots.plot_adversarial_examples": _adversarial_examples,
    "adversarial.plots.plot_norm_balls": adversarial_plots.plot_norm_balls,
    "adversarial.plots.plot_accuracy_against_eps": _accuracy_against_eps,
    "adversarial.black_box_plots.plot_secant": _secant,
    "adversarial.black_box_plots.plot_step_size_errors": lambda: black_box_plots.plot_step_size_errors(np.logspace(-12, 0, 13)),
    "adversarial.black_box_plots.plot_cosine_study": _cosine_study,
    "adversarial.black_box_plots.plot_query_attack": _query_attack,
    "adversarial.black_box_plots.plot_transfer_matrix": _transfer_matrix,
    "adversarial.black_box_plots.plot_alignment_vs_transfer": _alignment_vs_transfer,
    "adversarial.defense_plots.plot_training_history": lambda: defense_plots.plot_training_history(adversarial_histories()["PGD"], "t", warmup_epochs=1),
    "adversarial.defense_plots.plot_training_history[two runs]": lambda: defense_plots.plot_training_history(adversarial_histories(), "t"),
    "adversarial.defense_plots.plot_robustness_curves": _robustness_curves,
    "adversarial.defense_plots.plot_adversarial_rows": _adversarial_rows,
    "adversarial.robustness.plot_perturbation_sets": robustness.plot_perturbation_sets,
    "adversarial.robustness.plot_perturbation_set_results": _perturbation_set_results,
    "adversarial.robustness.plot_scene_rows": _scene_rows,
    "course_map.course_map_figure": course_map.course_map_figure,
}

# Figures that fail today and are being fixed elsewhere: strict, so each mark must go once its fix lands.
BEING_FIXED: dict[str, str] = {}


def figure_functions() -> set[str]:
    """Every public function of the figure modules that returns a Figure, as ``module.function``."""
    found = set()
    for short, module in FIGURE_MODULES.items():
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ == module.__name__ and not name.startswith("_") and "Figure" in str(inspect.signature(function).return_annotation):
                found.add(f"{short}.{name}")
    return found


def _cases(table: dict, being_fixed: dict[str, str]) -> list:
    return [
        pytest.param(name, id=name, marks=pytest.mark.xfail(strict=True, reason=f"being fixed in issue 12: {being_fixed[name]}")) if name in being_fixed else pytest.param(name, id=name)
        for name in table
    ]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# ----------------------------------------------------------------------------- the checker judges right


def test_the_checker_flags_two_entries_that_differ_only_in_colour():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], color="tab:blue", linestyle="--", label="real")
    ax.plot([0, 1], [1, 0], color="tab:orange", linestyle="--", label="generated")
    ax.legend()
    assert look_alikes(fig) == [f"axes 0 (''): 'real' and 'generated' differ only in colour (both {signature(ax.get_legend().legend_handles[0])})"]


def test_the_checker_flags_look_alikes_in_a_figure_legend_and_among_patches_and_scatters():
    fig, (left, right) = plt.subplots(1, 2)
    left.fill_between([0, 1], [0, 1], color="tab:red", alpha=0.3, label="warm-up")
    left.fill_between([0, 1], [1, 2], color="tab:green", alpha=0.3, label="trained")
    right.scatter([0], [0], color="tab:blue", marker="o", label="real")
    right.scatter([1], [1], color="tab:orange", marker="o", label="fake")
    fig.legend(*left.get_legend_handles_labels())
    right.legend()
    problems = look_alikes(fig)
    assert len(problems) == 2 and "'real' and 'fake'" in problems[0] and problems[1].startswith("figure legend 0: 'warm-up' and 'trained'")


@pytest.mark.parametrize(
    "second",
    [
        {"linestyle": ":"},
        {"linestyle": (0, (6, 2))},  # a dash pattern of its own
        {"marker": "s"},
        {"linewidth": 3.0},
        {"marker": "o", "markerfacecolor": "white"},  # the same marker, open
    ],
    ids=["line style", "dash pattern", "marker", "width", "open marker"],
)
def test_the_checker_accepts_entries_told_apart_by_anything_but_colour(second):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], color="tab:blue", linestyle="--", marker="o" if "markerfacecolor" in second else "", label="first")
    ax.plot([0, 1], [1, 0], **{"color": "tab:orange", "linestyle": "--", **second}, label="second")
    ax.legend()
    assert look_alikes(fig) == []


def test_hatches_and_fills_tell_patches_apart():
    fig, ax = plt.subplots()
    ax.bar([0], [1], color="tab:blue", label="filled")
    ax.bar([1], [1], facecolor="none", edgecolor="tab:orange", label="open")
    ax.bar([2], [1], color="tab:green", hatch="//", label="hatched")
    ax.legend()
    assert look_alikes(fig) == []


# ----------------------------------------------------------------------------- every library figure


def test_every_figure_function_of_the_library_has_a_case():
    cased = {name.split("[")[0] for name in FIGURES}
    missing, gone = figure_functions() - cased, cased - figure_functions()
    assert not missing, f"add a case to FIGURES for {sorted(missing)}: every library figure is checked"
    assert not gone, f"FIGURES names functions that no longer exist: {sorted(gone)}"


@pytest.mark.parametrize("name", _cases(FIGURES, BEING_FIXED))
def test_library_figure_legend_entries_differ_by_more_than_colour(name):
    fig = FIGURES[name]()
    assert isinstance(fig, Figure)
    problems = look_alikes(fig)
    assert not problems, f"{name}: legend entries a reader tells apart only by colour (give each a line style, marker, fill or hatch):\n" + "\n".join(problems)


import_all_explorers()
WIDGETS_BEING_FIXED: dict[str, str] = {}  # as BEING_FIXED, for the widgets' figures


@pytest.mark.parametrize("name", _cases(BENCH_EXPLORERS, WIDGETS_BEING_FIXED))
def test_widget_figure_legend_entries_differ_by_more_than_colour(name):
    explorer = BENCH_EXPLORERS[name]()
    explorer.update()
    problems = look_alikes(explorer.fig)
    assert not problems, f"widget {name!r}: legend entries a reader tells apart only by colour:\n" + "\n".join(problems)


def test_the_figures_checked_have_legends_to_check():
    # A legend check on figures without legends cannot fail: most figures of the course do have one.
    with_legends = [name for name in ("gan.plots.plot_pointwise_objective", "adversarial.plots.plot_norm_balls", "adversarial.defense_plots.plot_robustness_curves") if legends(FIGURES[name]())]
    assert len(with_legends) == 3
