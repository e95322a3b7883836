"""Step mode for the GAN game: replay a run move by move, k discriminator steps then one generator step.

Introduced in notebooks/01_gan_game.
"""

from __future__ import annotations

import math

import ipywidgets
import numpy as np
import torch

from course_lib.gan.distributions import Distribution1D, Gaussian, Mixture
from course_lib.gan.networks import Discriminator, Generator
from course_lib.gan.plots import grid_1d, sample_density
from course_lib.gan.training import GANConfig, History, train_gan
from course_lib.plotting import COLORS, style
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
        longest = max(len(run.snapshots) for run in runs.values())
        last_step = max(run.config.num_steps for run in runs.values())
        controls = {
            "run": ipywidgets.Dropdown(options=list(runs), description="run"),
            "frame": ipywidgets.IntSlider(value=longest - 1, min=0, max=longest - 1, description="move"),
        }
        fig, (ax_data, ax_value) = new_figure(ncols=2, width=8.0, height=3.0)
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.16, top=0.86, wspace=0.25)
        super().__init__(fig, controls)
        ax_data.plot(self.grid, data.pdf(torch.from_numpy(self.grid)).numpy(), label="real p(x)", **style("real"))
        self.fake_line = ax_data.stairs(np.zeros(len(self.bins) - 1), self.bins, label="generated", **style("generated"))
        (self.d_line,) = ax_data.plot(self.grid, np.full_like(self.grid, 0.5), label="D(x)", **style("discriminator"))
        ax_data.axhline(0.5, color=COLORS["neutral"], linewidth=0.6, linestyle=":")
        ax_data.set(xlabel="x", ylabel="density  /  D(x)", ylim=(0, 1.3), xlim=(self.grid[0], self.grid[-1]))
        ax_data.legend(loc="upper center", ncols=3, fontsize=8)
        (self.value_line,) = ax_value.plot([], [], **style("neutral"))
        (self.value_dot,) = ax_value.plot([], [], "o", color=COLORS["discriminator"])
        ax_value.axhline(-math.log(4), label="-log 4", **style("critic"))
        all_values = np.array([s.value for run in runs.values() for s in run.snapshots] + [-math.log(4)])
        ax_value.set(xlabel="generator step", ylabel="V(D, G)", xlim=(0, last_step), ylim=(all_values.min() - 0.05, all_values.max() + 0.05))
        ax_value.legend(loc="lower right", fontsize=8)
        self.ax_data, self.ax_value = ax_data, ax_value
        self.animated = [self.fake_line, self.d_line, self.value_line, self.value_dot, ax_data.title, ax_value.title]
        self.update()

    def draw(self, run: str, frame: int) -> None:
        snapshots = self.runs[run].snapshots
        snapshot = snapshots[min(frame, len(snapshots) - 1)]
        self.fake_line.set_data(sample_density(snapshot.x_fake[:, 0], self.bins))
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
