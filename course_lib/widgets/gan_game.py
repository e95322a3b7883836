"""Step mode for the GAN game: replay a run move by move, k discriminator steps then one generator step.

Two explorers: ``GanStepExplorer`` replays 1D runs move by move; ``GanRingExplorer`` replays a 2D
run on the ring of Gaussians with GAN Lab's arrows, the push of the generator's loss on each sample.
Both only replay a ``History``: the arrows were computed during training, nothing trains here.

Introduced in notebooks/01_gan_game.
"""

from __future__ import annotations

import math

import ipywidgets
import numpy as np
import torch

from course_lib.gan.distributions import Distribution1D, Gaussian, GaussianRing, Mixture
from course_lib.gan.networks import Discriminator, Generator
from course_lib.gan.plots import ARROW_STYLE, SAMPLE_MARKERS, grid_1d, grid_2d, push_arrows, role_style, sample_density
from course_lib.gan.training import GANConfig, History, train_gan
from course_lib.plotting import COLORS
from course_lib.widgets import Explorer, new_figure, register_for_bench

TWO_MODES = Mixture([Gaussian(-2.0, 0.5), Gaussian(2.0, 0.5)])  # notebook 01's 1D data


def step_mode_runs(
    data: Distribution1D = TWO_MODES,
    d_steps: tuple[int, ...] = (1, 5),
    num_steps: tuple[int, ...] = (150, 20),
    seed: int = 0,
    progress: bool = False,
) -> dict[str, History]:
    """1D runs with a snapshot after every move, one per value of k, for ``GanStepExplorer``.

    Args:
        d_steps: the values of k, discriminator steps per generator step, one run each.
        num_steps: generator steps of each run (a run with a larger k costs more per step).

    Returns:
        {"k = 1": History, ...}, each with ``phase_snapshots`` and D on ``grid_1d()``, recorded
        every generator step up to 60 steps, and every few steps beyond (to stay fast).
    """
    runs = {}
    for k, steps in zip(d_steps, num_steps, strict=True):
        torch.manual_seed(seed)
        every = max(1, steps // 60)
        config = GANConfig(num_steps=steps, d_steps=k, snapshot_every=every, phase_snapshots=True, num_shown=600)
        rng = torch.Generator().manual_seed(seed)
        runs[f"k = {k}"] = train_gan(Generator(), Discriminator(), data, config, rng=rng, grid=grid_1d(), progress=progress)
    return runs


class GanStepExplorer(Explorer):
    """Replays runs of a 1D GAN one move at a time: the samples, D(x) and the value V(D, G).

    Args:
        runs: name -> History, each recorded with ``phase_snapshots=True`` and a 1D grid.
        data: the real distribution, drawn as its density.
    """

    title = "GAN step mode"

    def __init__(self, runs: dict[str, History], data: Distribution1D):
        self.runs, self.data = runs, data
        first = next(iter(runs.values()))
        self.grid = first.grid[:, 0]
        self.bins = np.linspace(self.grid[0], self.grid[-1], 61)
        centres = 0.5 * (self.bins[1:] + self.bins[:-1])  # (60,)
        longest = max(len(run.snapshots) for run in runs.values())
        last_step = max(run.config.num_steps for run in runs.values())
        controls = {
            "run": ipywidgets.Dropdown(options=list(runs), description="run"),
            "frame": ipywidgets.IntSlider(value=longest - 1, min=0, max=longest - 1, description="move"),
        }
        fig, (ax_data, ax_value) = new_figure(ncols=2, width=8.0, height=3.0)
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.16, top=0.86, wspace=0.25)
        super().__init__(fig, controls)
        ax_data.plot(self.grid, data.pdf(torch.from_numpy(self.grid)).numpy(), label="real p(x)", **role_style("real", len(self.grid)))
        (self.fake_line,) = ax_data.plot(centres, np.zeros(len(centres)), drawstyle="steps-mid", label="generated", **role_style("generated", len(centres)))
        (self.d_line,) = ax_data.plot(self.grid, np.full_like(self.grid, 0.5), label="D(x)", **role_style("discriminator", len(self.grid)))
        ax_data.axhline(0.5, color=COLORS["neutral"], linewidth=0.6, linestyle=":")
        ax_data.set(xlabel="x", ylabel="density  /  D(x)", ylim=(0, 1.3), xlim=(self.grid[0], self.grid[-1]))
        ax_data.legend(loc="upper center", ncols=3, fontsize=8)
        (self.value_line,) = ax_value.plot([], [], label="V after each move", **{**role_style("neutral"), "markevery": 10})
        (self.value_dot,) = ax_value.plot([], [], "o", markersize=7, color=COLORS["discriminator"], label="this move")
        ax_value.axhline(-math.log(4), color=COLORS["neutral"], linewidth=0.8, linestyle=":", label="-log 4")
        all_values = np.array([s.value for run in runs.values() for s in run.snapshots] + [-math.log(4)])
        ax_value.set(xlabel="generator step", ylabel="V(D, G)", xlim=(0, last_step), ylim=(all_values.min() - 0.05, all_values.max() + 0.05))
        ax_value.legend(loc="lower right", fontsize=8)
        self.ax_data, self.ax_value = ax_data, ax_value
        self.animated = [self.fake_line, self.d_line, self.value_line, self.value_dot, ax_data.title, ax_value.title]
        self.update()

    def draw(self, run: str, frame: int) -> None:
        snapshots = self.runs[run].snapshots
        snapshot = snapshots[min(frame, len(snapshots) - 1)]
        self.fake_line.set_ydata(sample_density(snapshot.x_fake[:, 0], self.bins))
        self.d_line.set_ydata(snapshot.d_grid)
        self.value_line.set_data([s.step for s in snapshots], [s.value for s in snapshots])
        self.value_dot.set_data([snapshot.step], [snapshot.value])
        k = self.runs[run].config.d_steps
        mover = {"start": "before any move", "discriminator": f"after {k} D step{'s' * (k > 1)}", "generator": "after the G step"}
        self.ax_data.set_title(f"generator step {snapshot.step}, {mover[snapshot.phase]}")
        self.ax_value.set_title(f"V(D, G) = {snapshot.value:.3f}")


@register_for_bench("01_gan_game: step mode")
def _bench_gan_step_explorer() -> GanStepExplorer:
    return GanStepExplorer(step_mode_runs(), TWO_MODES)


class GanRingExplorer(Explorer):
    r"""Replays a 2D run on the ring, GAN Lab's view: D(x) as shading, the samples, and each sample's push.

    The arrows start on generated samples and point along the push of the generator's loss,
    :math:`-\nabla_{\tilde x}\,\ell`, stored in each snapshot by ``train_gan`` (``push_arrows`` scales
    them within a frame). The slider moves through the snapshots; a callback only replays them.

    Args:
        history: a 2D run of ``train_gan`` with a ``grid_2d()`` grid.
        ring: the real distribution.
        extent: the half-width of the square shown, the grid's extent.
    """

    title = "The 2D GAN game with the generator's arrows"

    def __init__(self, history: History, ring: GaussianRing, extent: float = 3.0):
        if history.grid is None or history.grid.shape[1] != 2:
            raise ValueError("`history` must be a 2D run of train_gan with grid=grid_2d(), so that D(x) can be shaded")
        self.history, self.ring = history, ring
        self.snapshots = [s for s in history.snapshots if s.phase != "discriminator"]
        self.side = int(round(math.sqrt(len(history.grid))))
        controls = {"frame": ipywidgets.IntSlider(value=len(self.snapshots) - 1, min=0, max=len(self.snapshots) - 1, description="snapshot")}
        fig, ax = new_figure(width=4.4, height=4.6)
        fig.subplots_adjust(left=0.02, right=0.98, bottom=0.13, top=0.92)
        super().__init__(fig, controls)
        box = (-extent, extent, -extent, extent)
        self.heat = ax.imshow(np.full((self.side, self.side), 0.5), origin="lower", extent=box, cmap="Purples", vmin=0, vmax=1, alpha=0.6)
        real = ring.sample(400, generator=torch.Generator().manual_seed(2)).numpy()
        real_points = ax.scatter(*real.T, **SAMPLE_MARKERS["real"], label="real")
        first = self.snapshots[-1]
        self.fake_points = ax.scatter(*first.x_fake.T, **SAMPLE_MARKERS["generated"], label="generated")
        starts, vectors, _ = push_arrows(first)
        self.arrows = ax.quiver(*starts.T, *vectors.T, label="push: −∇ of G's loss (scaled per snapshot)", **ARROW_STYLE)
        ax.set(xlim=(-extent, extent), ylim=(-extent, extent), xticks=[], yticks=[])
        ax.set_aspect("equal")
        ax.grid(False)
        for spine in ax.spines.values():  # the shading is the frame; spines under it would differ when blitted
            spine.set_visible(False)
        fig.legend(loc="lower center", ncols=2, markerscale=2, fontsize=8)  # below the axes: the shading never covers it
        self.ax = ax
        self.animated = [self.heat, real_points, self.fake_points, self.arrows, ax.title]  # in drawing order, over the shading
        self.update()

    def draw(self, frame: int) -> None:
        snapshot = self.snapshots[min(frame, len(self.snapshots) - 1)]
        self.heat.set_data(snapshot.d_grid.reshape(self.side, self.side))
        self.fake_points.set_offsets(snapshot.x_fake)
        starts, vectors, _ = push_arrows(snapshot)
        self.arrows.XY = starts  # the quiver keeps its tails here (angles="xy" reads them) and in its offsets
        self.arrows.set_offsets(starts)
        self.arrows.set_UVC(*vectors.T)
        median = np.median(np.linalg.norm(snapshot.push, axis=1))
        self.ax.set_title(f"step {snapshot.step}: V = {snapshot.value:.3f}, median |push| {median:.2f}")  # short: glyphs cost redraw time


RING = GaussianRing(num_modes=8, radius=2.0, std=0.1)  # notebook 01's ring of eight Gaussians


def ring_run(num_steps: int = 200, snapshot_every: int = 10, seed: int = 0) -> History:
    """A 2D run on ``RING`` with notebook 01's settings, for ``GanRingExplorer``'s tests and bench."""
    torch.manual_seed(seed)
    generator, discriminator = Generator(z_dim=2, data_dim=2, hidden=48), Discriminator(data_dim=2, hidden=48)
    config = GANConfig(num_steps=num_steps, lr_d=3e-3, lr_g=3e-3, betas=(0.0, 0.9), snapshot_every=snapshot_every)
    return train_gan(generator, discriminator, RING, config, rng=torch.Generator().manual_seed(seed), grid=grid_2d(), progress=False)


@register_for_bench("01_gan_game: 2D arrows")
def _bench_gan_ring_explorer() -> GanRingExplorer:
    return GanRingExplorer(ring_run(num_steps=100), RING)
