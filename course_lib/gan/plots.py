"""Figures for the GAN notebooks, in the course's colours. Each returns its matplotlib figure.

Introduced in notebooks/01_gan_game.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure

from course_lib.gan.distributions import Distribution1D, GaussianRing
from course_lib.gan.losses import GENERATOR_LOSSES
from course_lib.gan.training import History
from course_lib.plotting import COLORS, style

def sample_density(x: np.ndarray, bins: np.ndarray) -> np.ndarray:
    """A histogram of samples x: (n,) as a density on ``bins`` edges: (len(bins) - 1,)."""
    counts, _ = np.histogram(x, bins=bins, density=True)
    return counts


def plot_generator_loss_gradients() -> Figure:
    """How hard each generator loss pushes, as a function of D(G(z)): the gradient with respect to the logit.

    The gradients are taken by autograd through ``course_lib.gan.losses``, not written by hand.
    """
    d = torch.linspace(0.001, 0.999, 400)
    fig, ax = plt.subplots(figsize=(5.2, 3.2))
    for name, loss in GENERATOR_LOSSES.items():
        logits = torch.logit(d).requires_grad_(True)
        loss(logits).backward()
        gradient = (logits.grad * len(d)).abs()  # the mean's 1/n undone: the per-sample push
        role = "discriminator" if name == "saturating" else "generated"
        ax.plot(d, gradient, label=f"{name}: |d loss / d logit|", **style(role))
    ax.set(xlabel="D(G(z)): the discriminator's belief that a fake is real", ylabel="gradient magnitude")
    ax.set_title("Early on D(G(z)) is near 0: the saturating loss gives no push")
    ax.legend()
    return fig


def plot_gan_1d(history: History, data: Distribution1D, frames: list[int] | None = None, title: str | None = None) -> Figure:
    """Snapshots of a 1D run: the real density (blue), the generated samples (orange) and D(x) (purple).

    Args:
        frames: indices of the snapshots to show (three evenly spaced ones by default).
        title: the figure's title; state what this run shows. The default only describes the panels,
            since a GAN run may or may not match the data (check each bump's width, not only its place).
    """
    snapshots = [s for s in history.snapshots if s.phase != "discriminator"]
    frames = frames if frames is not None else np.linspace(0, len(snapshots) - 1, 3).round().astype(int).tolist()
    grid = history.grid[:, 0]
    bins = np.linspace(grid[0], grid[-1], 61)
    p_real = data.pdf(torch.from_numpy(grid)).numpy()
    fig, axes = plt.subplots(1, len(frames), figsize=(2.8 * len(frames), 2.8), sharey=True)
    for ax, frame in zip(np.atleast_1d(axes), frames):
        snapshot = snapshots[frame]
        ax.plot(grid, p_real, label="real p(x)", **style("real"))
        ax.stairs(sample_density(snapshot.x_fake[:, 0], bins), bins, label="generated", **style("generated"))
        ax.plot(grid, snapshot.d_grid, label="D(x)", **style("discriminator"))
        ax.axhline(0.5, color=COLORS["neutral"], linewidth=0.6, linestyle=":")
        ax.set(title=f"step {snapshot.step}", xlabel="x", ylim=(0, 1.05))
    np.atleast_1d(axes)[0].set_ylabel("density  /  D(x)")
    np.atleast_1d(axes)[-1].legend(loc="upper right")
    fig.suptitle(title or "Snapshots of the game: generated samples (orange) against the data (blue), and D(x)")
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.17, top=0.8, wspace=0.08)  # fixed: no layout pass
    return fig


def plot_gan_2d(history: History, ring: GaussianRing, frames: list[int] | None = None, extent: float = 3.0) -> Figure:
    """Snapshots of a 2D run: D(x) as a heat-map, real samples (blue) and generated samples (orange)."""
    snapshots = [s for s in history.snapshots if s.phase != "discriminator"]
    frames = frames if frames is not None else np.linspace(0, len(snapshots) - 1, 3).round().astype(int).tolist()
    side = int(round(math.sqrt(len(history.grid))))
    real = ring.sample(400, generator=torch.Generator().manual_seed(2)).numpy()
    fig, axes = plt.subplots(1, len(frames), figsize=(2.6 * len(frames), 2.8))
    for ax, frame in zip(np.atleast_1d(axes), frames):
        snapshot = snapshots[frame]
        ax.imshow(
            snapshot.d_grid.reshape(side, side), origin="lower", extent=(-extent, extent, -extent, extent),
            cmap="Purples", vmin=0, vmax=1, alpha=0.6,
        )
        ax.scatter(*real.T, s=3, color=COLORS["real"], label="real")
        ax.scatter(*snapshot.x_fake.T, s=3, color=COLORS["generated"], label="generated")
        ax.set(title=f"step {snapshot.step}", xlim=(-extent, extent), ylim=(-extent, extent), xticks=[], yticks=[])
        ax.set_aspect("equal")
        ax.grid(False)
    np.atleast_1d(axes)[0].legend(loc="lower left", markerscale=3, fontsize=8)
    fig.suptitle("2D: the generator spreads onto the ring (shading: D(x), darker = 'real')")
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=0.8, wspace=0.05)  # fixed: no layout pass
    return fig


def grid_1d(low: float = -5.0, high: float = 5.0, num: int = 201) -> torch.Tensor:
    """Evaluation points for 1D plots: (num, 1)."""
    return torch.linspace(low, high, num).unsqueeze(1)


def grid_2d(extent: float = 3.0, side: int = 60) -> torch.Tensor:
    """A square grid of (side * side, 2) points, row-major from the bottom-left, for heat-maps."""
    axis = torch.linspace(-extent, extent, side)
    ys, xs = torch.meshgrid(axis, axis, indexing="ij")
    return torch.stack([xs.reshape(-1), ys.reshape(-1)], dim=1)


# ----------------------------------------------------------------------------- notebooks 02 and 03


def plot_pointwise_objective(pairs: tuple[tuple[float, float], ...] = ((1.0, 1.0), (3.0, 1.0), (1.0, 4.0))) -> Figure:
    """The discriminator's problem at one point x: a·log D + b·log(1 - D) against D, peaking at a / (a + b).

    Args:
        pairs: (a, b) = (p(x), p_G(x)) values, one curve each.

    Introduced in notebooks/02_optimal_discriminator.
    """
    d = np.linspace(0.005, 0.995, 300)
    fig, ax = plt.subplots(figsize=(5.2, 3.0))
    for (a, b), shade in zip(pairs, ("#111111", "#666666", "#aaaaaa")):
        ax.plot(d, a * np.log(d) + b * np.log1p(-d), color=shade, label=f"a = {a:g}, b = {b:g}")
        best = a / (a + b)
        ax.plot([best], [a * math.log(best) + b * math.log1p(-best)], "o", color=COLORS["perfect"])
    ax.plot([], [], "o", color=COLORS["perfect"], label="maximum at D = a / (a + b)")
    ax.set(xlabel="D, the value the discriminator outputs at x", ylabel="a log D + b log(1 - D)", ylim=(-8, 0))
    ax.set_title("Each curve is concave, with one peak at a / (a + b)")
    ax.legend(loc="lower center", fontsize=8)
    fig.subplots_adjust(left=0.14, right=0.97, bottom=0.16, top=0.9)
    return fig


def plot_optimal_discriminator(
    p_data: Distribution1D,
    p_gen: Distribution1D,
    trained: dict[str, np.ndarray] | None = None,
    xlim: tuple[float, float] = (-5.0, 5.0),
    title: str = "D* is near 1 where only real data lives, near 0 where only fakes do",
) -> Figure:
    """The two densities (blue, orange), the optimal discriminator D* (red) and any trained D (purple).

    Args:
        trained: label -> D(x) on ``grid_1d(*xlim, 401)``, shape (401,); drawn dotted, darker for later entries.

    Introduced in notebooks/02_optimal_discriminator.
    """
    from course_lib.gan.discriminators import optimal_discriminator

    x = grid_1d(*xlim, 401)[:, 0]  # (401,)
    fig, ax = plt.subplots(figsize=(6.4, 3.0))
    ax.plot(x.numpy(), p_data.pdf(x).numpy(), label="real p(x)", **style("real"))
    ax.plot(x.numpy(), p_gen.pdf(x).numpy(), label="generated p_G(x)", **style("generated"))
    ax.plot(x.numpy(), optimal_discriminator(p_data, p_gen)(x).numpy(), linewidth=2, label="D*(x) = p / (p + p_G)", **style("perfect"))
    trained = trained or {}
    for i, (label, d_values) in enumerate(trained.items()):
        ax.plot(x.numpy(), np.asarray(d_values), alpha=0.35 + 0.65 * (i + 1) / len(trained), linewidth=1.6, label=label, **style("discriminator"))
    ax.axhline(0.5, color=COLORS["neutral"], linewidth=0.6, linestyle=":")
    ax.set(xlabel="x", ylabel="density  /  D(x)", xlim=xlim, ylim=(0, 1.05), title=title)
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
    fig.subplots_adjust(left=0.09, right=0.68, bottom=0.16, top=0.9)
    return fig


def plot_js_integrands(p_data: Distribution1D, p_gen: Distribution1D, xlim: tuple[float, float] = (-4.0, 7.0)) -> Figure:
    """Left: p, p_G and their mixture q. Right: the integrands p log(p/q) and p_G log(p_G/q) of the two KL terms.

    Introduced in notebooks/03_js_divergence.
    """
    x = grid_1d(*xlim, 401)[:, 0].double()  # (401,)
    log_p, log_g = p_data.log_prob(x).double(), p_gen.log_prob(x).double()
    log_q = torch.logaddexp(log_p, log_g) - math.log(2)  # (401,) the mixture q = (p + p_G) / 2
    x, log_p, log_g, log_q = x.numpy(), log_p.numpy(), log_g.numpy(), log_q.numpy()
    fig, (ax_density, ax_terms) = plt.subplots(1, 2, figsize=(8.4, 2.9), sharex=True)
    ax_density.plot(x, np.exp(log_p), label="p", **style("real"))
    ax_density.plot(x, np.exp(log_g), label="p_G", **style("generated"))
    ax_density.fill_between(x, np.exp(log_q), color=COLORS["neutral"], alpha=0.2, label="q = (p + p_G) / 2")
    ax_density.set(xlabel="x", ylabel="density", title="The mixture q covers both")
    ax_density.legend(fontsize=8, loc="upper right", bbox_to_anchor=(1.02, 1.0))
    ax_terms.plot(x, np.exp(log_p) * np.where(log_p > -np.inf, log_p - log_q, 0.0), label="p log(p / q)", **style("real"))
    ax_terms.plot(x, np.exp(log_g) * np.where(log_g > -np.inf, log_g - log_q, 0.0), label="p_G log(p_G / q)", **style("generated"))
    ax_terms.axhline(0, color=COLORS["neutral"], linewidth=0.6)
    ax_terms.set(xlabel="x", ylabel="integrand (nats per unit x)", title="The two KL integrands: areas are the KL terms")
    ax_terms.legend(fontsize=8)
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.17, top=0.88, wspace=0.28)
    return fig


def divergence_curves(shifts: np.ndarray, width: float = 1.0) -> dict[str, np.ndarray]:
    """JSD, KL, W1 and the generator's gradient at D*, for p = N(0, width²) and p_G = N(shift, width²).

    JSD, KL and the gradient come from the library's quadrature and autograd; W1 of a translate is |shift|.

    Args:
        shifts: (S,) distances between the means.

    Returns:
        {"jsd", "kl", "w1", "gradient"}: each (S,) float64.

    Introduced in notebooks/03_js_divergence.
    """
    from course_lib.gan.discriminators import generator_gradient_at_optimum
    from course_lib.gan.distributions import Gaussian
    from course_lib.gan.divergences import js_divergence_1d, kl_divergence_1d

    p_data = Gaussian(0.0, width)
    curves: dict[str, list[float]] = {"jsd": [], "kl": [], "w1": [], "gradient": []}
    for shift in np.asarray(shifts, dtype=np.float64):
        p_gen = Gaussian(float(shift), width)
        curves["jsd"].append(js_divergence_1d(p_data, p_gen))
        curves["kl"].append(kl_divergence_1d(p_data, p_gen))
        curves["w1"].append(abs(float(shift)))
        curves["gradient"].append(generator_gradient_at_optimum(p_data, p_gen))
    return {name: np.array(values) for name, values in curves.items()}


def plot_divergences_vs_separation(shifts: np.ndarray, curves: dict[str, np.ndarray]) -> Figure:
    """Left: JSD (saturating at log 2), KL and W1 against the shift. Right: the size of each one's push on the generator.

    Args:
        shifts: (S,) shifts; curves: the output of ``divergence_curves(shifts)``.

    Introduced in notebooks/03_js_divergence.
    """
    fig, (ax_value, ax_slope) = plt.subplots(1, 2, figsize=(8.4, 3.0))
    ax_value.plot(shifts, curves["jsd"], linewidth=2, label="JSD(p, p_G)", **style("perfect"))
    ax_value.plot(shifts, curves["kl"], label="KL(p || p_G)", **style("neutral"))
    ax_value.plot(shifts, curves["w1"], label="W1(p, p_G)", **style("critic"))
    ax_value.axhline(math.log(2), color=COLORS["perfect"], linewidth=0.6, linestyle=":", label="log 2")
    ax_value.set(xlabel="shift between the means (in stds)", ylabel="nats  /  distance", ylim=(0, 3), title="JSD saturates at log 2")
    ax_value.legend(fontsize=8, loc="upper left")
    ax_slope.semilogy(shifts[1:], 2 * np.gradient(curves["jsd"], shifts)[1:], linewidth=2, label="2 dJSD/dshift (finite differences)", **style("perfect"))
    ax_slope.semilogy(shifts[1:], curves["gradient"][1:], "o", markersize=3, color=COLORS["perfect"], label="generator gradient at D* (autograd)")
    ax_slope.semilogy(shifts[1:], np.gradient(curves["kl"], shifts)[1:], label="dKL/dshift", **style("neutral"))
    ax_slope.semilogy(shifts[1:], np.ones(len(shifts) - 1), label="dW1/dshift", **style("critic"))
    ax_slope.set(xlabel="shift between the means (in stds)", ylabel="gradient size", ylim=(1e-7, 30), title="Under D*, the push dies as the gap grows")
    ax_slope.legend(fontsize=7, loc="lower left")
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.17, top=0.88, wspace=0.25)
    return fig
