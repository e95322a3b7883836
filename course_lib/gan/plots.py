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


def plot_gan_1d(history: History, data: Distribution1D, frames: list[int] | None = None) -> Figure:
    """Snapshots of a 1D run: the real density (blue), the generated samples (orange) and D(x) (purple)."""
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
    fig.suptitle("The generator's samples move onto the data; D flattens towards 1/2")
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
