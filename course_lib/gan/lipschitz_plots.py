"""Figures for notebooks 04 and 05: the perfect discriminator against a Lipschitz critic, and the constraints.

Colours follow ``course_lib.plotting``: real blue, generated orange, the perfect discriminator D*
red, a Lipschitz critic green. Each function returns its figure.

Introduced in notebooks/04_perfect_vs_lipschitz.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from course_lib.gan.critics import CriticHistory, generator_pushes_1d, optimal_critic_on_grid, with_instance_noise
from course_lib.gan.discriminators import optimal_discriminator
from course_lib.gan.distributions import Distribution1D, GaussianRing
from course_lib.plotting import COLORS, style

VARIANT_NAMES = {"plain": "no constraint", "clip": "weight clipping", "gp": "gradient penalty", "sn": "spectral norm"}
# Critic variants: green for the penalty (the course's Lipschitz critic), purple and grey for the others,
# and brown for spectral norm, since red means the perfect discriminator D* in this course.
VARIANT_COLORS = {"plain": COLORS["neutral"], "clip": COLORS["discriminator"], "gp": COLORS["critic"], "sn": "#8c564b"}
# Each variant also has its own dash pattern and marker, so the figures read in greyscale and without colour.
# Spectral norm's dash-dot-dot keeps solid lines free for the real data.
VARIANT_LINESTYLES = {"plain": ":", "clip": "--", "gp": "-.", "sn": (0, (6, 2, 1, 2, 1, 2))}
VARIANT_MARKERS = {"plain": "x", "clip": "s", "gp": "^", "sn": "o"}
# Roles drawn on the same axes as the variants, or as each other, with a marker of their own.
ROLE_MARKERS = {"real": "o", "generated": "s", "perfect": "^", "critic": "D"}


def variant_style(variant: str) -> dict:
    """Keyword arguments for ``ax.plot`` that draw a critic variant in its colour, dash pattern and marker.

    Example:
        >>> variant_style("gp")
        {'color': '#2ca02c', 'linestyle': '-.', 'marker': '^'}
    """
    if variant not in VARIANT_NAMES:
        raise ValueError(f"unknown critic variant {variant!r}; use one of {sorted(VARIANT_NAMES)}")
    return {"color": VARIANT_COLORS[variant], "linestyle": VARIANT_LINESTYLES[variant], "marker": VARIANT_MARKERS[variant]}


def _as_runs(runs: CriticHistory | Sequence[CriticHistory]) -> list[CriticHistory]:
    """One run or several (one per seed) as a non-empty list."""
    runs = [runs] if isinstance(runs, CriticHistory) else list(runs)
    if not runs or not all(isinstance(run, CriticHistory) for run in runs):
        raise ValueError("each variant needs a CriticHistory or a non-empty list of them, one per seed (from train_critic_variants)")
    return runs


def w1_spread(runs: CriticHistory | Sequence[CriticHistory]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The distance to the data over several seeds: the steps, and per step the mean, minimum and maximum of ``w1_samples``.

    Args:
        runs: the histories of one variant, one per seed, all measured at the same steps.

    Returns:
        (steps, mean, low, high), four (num_measured,) float arrays.

    Example:
        >>> from course_lib.gan.critics import CriticConfig
        >>> runs = [CriticHistory(CriticConfig(), w1_steps=[1, 10], w1_samples=[2.0, w]) for w in (0.2, 0.4)]
        >>> [np.round(a, 3).tolist() for a in w1_spread(runs)]
        [[1.0, 10.0], [2.0, 0.3], [2.0, 0.2], [2.0, 0.4]]

    Introduced in notebooks/05_lipschitz_constraints.
    """
    runs = _as_runs(runs)
    if any(run.w1_steps != runs[0].w1_steps for run in runs):
        raise ValueError("the runs were measured at different steps; train them with the same num_steps")
    w1 = np.array([run.w1_samples for run in runs], dtype=np.float64)  # (num_seeds, num_measured)
    return np.array(runs[0].w1_steps, dtype=np.float64), w1.mean(axis=0), w1.min(axis=0), w1.max(axis=0)


def _plot_w1_bands(ax: Axes, runs: dict[str, CriticHistory | Sequence[CriticHistory]]) -> int:
    """Per variant: the mean distance to the data (line and markers) and the min-max band over seeds. Returns the seed count."""
    for variant, variant_runs in runs.items():
        steps, mean, low, high = w1_spread(variant_runs)
        ax.fill_between(steps, low, high, color=VARIANT_COLORS[variant], alpha=0.15, linewidth=0)
        ax.plot(steps, mean, markersize=4, label=VARIANT_NAMES[variant], **variant_style(variant))
    return len(_as_runs(next(iter(runs.values()))))


def _samples_and_densities(ax: Axes, p_data: Distribution1D, p_gen: Distribution1D, x_real: np.ndarray, x_fake: np.ndarray, grid: np.ndarray) -> None:
    """Densities as thin lines, samples as strips just below zero (real: bars, generated: open triangles): the picture both figures share."""
    x = torch.from_numpy(grid)
    ax.plot(grid, p_data.pdf(x).numpy(), linewidth=1, alpha=0.7, label="real density p", **style("real"))
    ax.plot(grid, p_gen.pdf(x).numpy(), linewidth=1, alpha=0.7, label="generated density $p_G$", **style("generated"))
    ax.plot(x_real, np.full_like(x_real, -0.06), "|", markersize=9, color=COLORS["real"], label="real samples")
    ax.plot(x_fake, np.full_like(x_fake, -0.12), linestyle="none", marker="^", markersize=5, markerfacecolor="none", color=COLORS["generated"], label="generated samples")
    ax.axhline(0, color=COLORS["neutral"], linewidth=0.5)


def plot_perfect_discriminator(
    p_data: Distribution1D, p_gen: Distribution1D, x_real: np.ndarray, x_fake: np.ndarray, xlim: tuple[float, float] = (-5.0, 5.0)
) -> Figure:
    """Figure 1 of notebook 04: real (blue) and generated (orange) samples, and D* = p / (p + p_G) (red).

    D* is essentially 0, and flat, on every generated sample: the generator has no slope to follow.

    Args:
        p_data, p_gen: the two 1D distributions.
        x_real, x_fake: (n,) samples of each, drawn as dots.
    """
    grid = np.linspace(*xlim, 801)
    fig, ax = plt.subplots(figsize=(6.4, 3.0))
    _samples_and_densities(ax, p_data, p_gen, x_real, x_fake, grid)
    with torch.no_grad():
        d_star = optimal_discriminator(p_data, p_gen)(torch.from_numpy(grid)).numpy()
    ax.plot(grid, d_star, linewidth=2.2, label="perfect discriminator D*(x)", **style("perfect"))
    ax.set(xlabel="x", ylabel="D(x)  /  density", xlim=xlim, ylim=(-0.12, 1.12))
    ax.set_title("Figure 1. The perfect discriminator is flat (= 0) where the generator's samples are")
    ax.legend(loc="center left", fontsize=8)
    fig.subplots_adjust(left=0.1, right=0.98, bottom=0.15, top=0.9)
    return fig


def plot_lipschitz_critic(
    p_data: Distribution1D, p_gen: Distribution1D, x_real: np.ndarray, x_fake: np.ndarray, K: float = 1.0, xlim: tuple[float, float] = (-5.0, 5.0)
) -> Figure:
    """Figure 2 of notebook 04: the same samples, and the optimal K-Lipschitz critic f (green), with its own axis.

    f rises with slope K from the generated samples to the real ones: following it moves the
    generated samples towards the data.
    """
    grid = np.linspace(*xlim, 801)
    fig, ax = plt.subplots(figsize=(6.4, 3.0))
    _samples_and_densities(ax, p_data, p_gen, x_real, x_fake, grid)
    ax.set(xlabel="x", ylabel="density", xlim=xlim, ylim=(-0.12, 1.12))
    critic_ax = ax.twinx()
    f, w1 = optimal_critic_on_grid(p_data, p_gen, grid, K)
    critic_ax.plot(grid, f, linewidth=2.2, label=f"{K:g}-Lipschitz critic f(x)", **style("critic"))
    critic_ax.set_ylabel("critic f(x)", color=COLORS["critic"])
    critic_ax.spines["right"].set_visible(True)
    critic_ax.grid(False)
    for x0 in np.quantile(x_fake, [0.1, 0.5, 0.9]):  # the direction the critic tells each generated sample to move
        critic_ax.annotate("", xy=(x0 + 0.9, np.interp(x0 + 0.9, grid, f)), xytext=(x0, np.interp(x0, grid, f)),
                           arrowprops={"arrowstyle": "->", "color": COLORS["generated"], "linewidth": 1.5})
    ax.set_title(f"Figure 2. A Lipschitz critic has slope {K:g} on the generated samples: they can follow it")
    handles = ax.get_legend_handles_labels()[0] + critic_ax.get_legend_handles_labels()[0]
    ax.legend(handles=handles, loc="upper left", fontsize=8)
    fig.subplots_adjust(left=0.1, right=0.88, bottom=0.15, top=0.9)
    return fig


def plot_generator_pushes(p_data: Distribution1D, p_gen: Distribution1D, x_fake: np.ndarray, K: float = 1.0) -> Figure:
    """How hard each loss pushes each generated sample, |push| = |−∂ loss / ∂x̃|, on a log scale (from ``generator_pushes_1d``)."""
    pushes = generator_pushes_1d(p_data, p_gen, x_fake, K)
    order = np.argsort(x_fake)
    fig, ax = plt.subplots(figsize=(6.4, 2.8))
    kinds = {"minimax": ("perfect", "-", "D*, minimax loss log(1 − D)"), "non-saturating": ("perfect", "--", "D*, non-saturating loss −log D"),
             "critic": ("critic", "-.", "critic, WGAN loss −f")}
    for name, (role, linestyle, label) in kinds.items():
        magnitude = np.maximum(np.abs(pushes[name][order]), 1e-30)
        ax.plot(x_fake[order], magnitude, color=COLORS[role], linestyle=linestyle, linewidth=2, label=label)
    ax.set(yscale="log", xlabel="generated sample x̃", ylabel="|push| = |−∂ loss / ∂x̃|", ylim=(1e-30, 1e3))
    ax.set_title("Under D*, the minimax loss barely pushes; the critic pushes with slope K")
    ax.legend(loc="lower right", fontsize=8)
    fig.subplots_adjust(left=0.12, right=0.98, bottom=0.17, top=0.9)
    return fig


def plot_power_iteration(errors: dict[str, np.ndarray], ratios: dict[str, float] | None = None, floor: float = 1e-13) -> Figure:
    r"""Relative error of the power iteration's sigma against the exact spectral norm, per iteration, one curve per matrix.

    Each matrix has its own colour and marker; measured errors are solid, predictions dashed or
    dotted (a different pattern per matrix), so the figure reads in greyscale.

    Args:
        errors: name -> (n_iters,) relative errors after 1, 2, ... iterations.
        ratios: name -> :math:`\sigma_2 / \sigma_1` of that matrix. If given, a line of slope
            :math:`(\sigma_2/\sigma_1)^{4k}` is drawn through the last error above ``floor`` (before round-off).
        floor: errors below this are treated as round-off when anchoring the predicted line.
    """
    fig, ax = plt.subplots(figsize=(5.4, 3.0))
    looks = zip(["critic", "discriminator", "generated", "real"], ["o", "s", "^", "D"], ["--", ":", "-.", (0, (6, 2, 1, 2, 1, 2))])
    for (name, error), (role, marker, predicted_style) in zip(errors.items(), looks):
        k = np.arange(1, len(error) + 1)
        shown = np.where(error > 1e-15, error, np.nan)  # below 1e-15 the error is round-off: not drawn
        ax.plot(k, shown, color=COLORS[role], linestyle="-", marker=marker, markevery=2, markersize=3, label=f"{name}, measured")
        if not np.isfinite(shown).any():  # nothing to draw: say why, rather than leave the axes empty
            why = "NaN or infinite" if not np.isfinite(error).all() else "below round-off from k = 1: exact at once, not converging"
            ax.text(0.5, 0.5, f"{name}: every error is {why}", transform=ax.transAxes, ha="center", fontsize=8)
        above_floor = np.flatnonzero(error > floor)  # an estimate exact from the start (an SVD) has none: no line to anchor
        if ratios and name in ratios and len(above_floor):
            last = int(above_floor[-1])  # anchor: the last error above round-off
            predicted = error[last] * ratios[name] ** (4 * (k - k[last]))
            ax.plot(k, predicted, color=COLORS[role], linestyle=predicted_style, linewidth=1.2, alpha=0.9, label=f"{name}, slope (σ₂/σ₁)^(4k)")
    ax.set(yscale="log", xlabel="power iterations k", ylabel="|σ_k − σ| / σ", ylim=(1e-17, 10), xlim=(0, max(map(len, errors.values())) + 1))
    ax.set_title("The error in σ shrinks by (σ₂/σ₁)⁴ per iteration")
    ax.legend(fontsize=7, loc="upper right")
    fig.subplots_adjust(left=0.15, right=0.97, bottom=0.17, top=0.9)
    return fig


def plot_instance_noise(p_data: Distribution1D, p_gen: Distribution1D, noise_stds: tuple[float, ...], xlim: tuple[float, float] = (-4.0, 4.0)) -> Figure:
    """For each noise level: both densities after adding noise (blue, orange), and the resulting D* (red).

    Each curve also has its own line style and marker (real: solid, circles; generated: dashed,
    squares; D*: thick solid, triangles), so the panels read in greyscale.
    """
    grid = np.linspace(*xlim, 401)
    x = torch.from_numpy(grid)
    fig, axes = plt.subplots(1, len(noise_stds), figsize=(2.6 * len(noise_stds), 2.7), sharey=True)
    for ax, noise_std in zip(np.atleast_1d(axes), noise_stds):
        noisy_data, noisy_gen = with_instance_noise(p_data, noise_std), with_instance_noise(p_gen, noise_std)
        with torch.no_grad():
            densities = noisy_data.pdf(x).numpy(), noisy_gen.pdf(x).numpy()
            d_star = optimal_discriminator(noisy_data, noisy_gen)(x).numpy()
        scale = 1.0 / max(d.max() for d in densities)  # densities scaled to height 1, to share D*'s axis
        ax.plot(grid, densities[0] * scale, marker=ROLE_MARKERS["real"], markevery=(0, 25), markersize=3.5, label="real (scaled)", **style("real"))
        ax.plot(grid, densities[1] * scale, marker=ROLE_MARKERS["generated"], markevery=(12, 25), markersize=3.5, label="generated (scaled)", **style("generated"))
        ax.plot(grid, d_star, linewidth=2.2, marker=ROLE_MARKERS["perfect"], markevery=(6, 25), markersize=4, label="D*", **style("perfect"))
        ax.set(title=f"noise std {noise_std:g}", xlabel="x", xlim=xlim, ylim=(-0.05, 1.1))
    np.atleast_1d(axes)[0].set_ylabel("D*(x)  /  density")
    np.atleast_1d(axes)[0].legend(loc="upper left", fontsize=7)
    fig.suptitle("Instance noise blurs both densities until they overlap: D* gets a slope")
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.17, top=0.8, wspace=0.08)
    return fig


def plot_critic_variants_1d(runs: dict[str, CriticHistory | Sequence[CriticHistory]], p_data: Distribution1D) -> Figure:
    """Side by side: the distance to the data during training (W1), the final critics, the final samples.

    Args:
        runs: variant -> one ``CriticHistory``, or a list of them, one per seed. The left panel draws
            the mean over seeds with a min–max band; the other two show the first seed's run.
        p_data: the real distribution, drawn under the samples.

    Each variant has its own colour, dash pattern and marker (``variant_style``).
    """
    fig, (ax_w, ax_f, ax_x) = plt.subplots(1, 3, figsize=(10.0, 3.0))
    num_seeds = _plot_w1_bands(ax_w, runs)
    spread = f"mean and min–max over {num_seeds} seeds" if num_seeds > 1 else "one seed"
    ax_w.set(xlabel="generator step", ylabel="W1(generated, real)", yscale="log", title=f"distance to the data\n({spread})")
    ax_w.legend(fontsize=7)
    first = {variant: _as_runs(variant_runs)[0] for variant, variant_runs in runs.items()}
    grid = next(iter(first.values())).grid[:, 0]
    for variant, run in first.items():
        f = run.critic_grid - run.critic_grid[len(grid) // 2]
        ax_f.plot(grid, f / max(np.abs(f).max(), 1e-12), markevery=(4 * list(first).index(variant), 16), markersize=4,
                  label=VARIANT_NAMES[variant], **variant_style(variant))
    ax_f.set(xlabel="x", ylabel="f(x) / max |f|", title="final critics (rescaled)" + ("\n(first seed)" if num_seeds > 1 else ""))
    bins = np.linspace(grid[0], grid[-1], 61)
    centres = 0.5 * (bins[1:] + bins[:-1])  # (60,)
    ax_x.plot(grid, p_data.pdf(torch.from_numpy(grid)).numpy(), linewidth=3, alpha=0.5, label="real p", **style("real"))
    for variant, run in first.items():
        counts, _ = np.histogram(run.x_fake[:, 0], bins=bins)
        occupied = np.flatnonzero(counts)  # markers only where there are samples, so the zero line stays readable
        ax_x.plot(centres, counts / (len(run.x_fake) * np.diff(bins)), markevery=list(occupied), markersize=4, label=VARIANT_NAMES[variant], **variant_style(variant))
    ax_x.set(xlabel="x", ylabel="density", title="final generated samples" + ("\n(first seed)" if num_seeds > 1 else ""))
    fig.suptitle("WGAN in 1D with each constraint: same seeds, same steps")
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.17, top=0.78, wspace=0.35)
    return fig


def plot_critic_variants_2d(runs: dict[str, CriticHistory | Sequence[CriticHistory]], ring: GaussianRing, extent: float = 2.5) -> Figure:
    """Side by side in 2D: the sliced W1 during training, then each variant's final samples on the real ones.

    Args:
        runs: variant -> one ``CriticHistory``, or a list of them, one per seed. The first panel draws
            the mean over seeds with a min–max band; each scatter shows the first seed, and its title
            the modes covered by every seed.
        ring: the real distribution.

    Real samples are blue dots, generated ones orange crosses; variants have their own colour, dash pattern and marker.
    """
    real = ring.sample(400, generator=torch.Generator().manual_seed(2)).numpy()
    fig, axes = plt.subplots(1, len(runs) + 1, figsize=(2.3 * (len(runs) + 1), 2.7))
    num_seeds = _plot_w1_bands(axes[0], runs)
    spread = f"mean, min–max\nover {num_seeds} seeds" if num_seeds > 1 else "one seed"
    axes[0].set(xlabel="generator step", ylabel="sliced W1", yscale="log", title=f"distance to the data\n({spread})")
    axes[0].legend(fontsize=6)
    for ax, (variant, variant_runs) in zip(axes[1:], runs.items()):
        variant_runs = _as_runs(variant_runs)
        ax.scatter(*real.T, s=3, marker="o", color=COLORS["real"], label="real")
        ax.scatter(*variant_runs[0].x_fake.T, s=6, marker="x", linewidths=0.6, color=COLORS["generated"], label="generated")
        modes = ", ".join(str(ring.modes_covered(torch.from_numpy(run.x_fake))) for run in variant_runs)
        ax.set(title=f"{VARIANT_NAMES[variant]}\nmodes covered: {modes}", xlim=(-extent, extent), ylim=(-extent, extent), xticks=[], yticks=[])
        ax.set_aspect("equal")
        ax.grid(False)
    axes[1].legend(fontsize=6, loc="lower left", markerscale=2, handletextpad=0.1, borderpad=0.1)
    seeds = f"first of {num_seeds} seeds shown; modes listed per seed" if num_seeds > 1 else "one seed"
    fig.suptitle(f"WGAN in 2D: real (blue dots) and final generated (orange crosses) samples per constraint ({seeds})", fontsize=9)
    fig.subplots_adjust(left=0.06, right=0.99, bottom=0.17, top=0.72, wspace=0.3)
    return fig
