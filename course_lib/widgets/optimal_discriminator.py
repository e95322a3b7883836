"""Move the generator and watch the optimal discriminator D* = p / (p + p_G) follow it.

Introduced in notebooks/02_optimal_discriminator.
"""

from __future__ import annotations

import ipywidgets
import numpy as np
import torch

from course_lib.gan.discriminators import optimal_discriminator, optimal_value
from course_lib.gan.distributions import Distribution1D, Gaussian, Mixture
from course_lib.gan.divergences import js_divergence_1d
from course_lib.gan.plots import grid_1d, role_style
from course_lib.plotting import COLORS
from course_lib.widgets import Explorer, new_figure, register_for_bench
from course_lib.widgets.gan_game import TWO_MODES

BUMP_OFFSET = 2.0  # the generator's two bumps sit at mean ± 2, like the data's


def two_bump_generator(mean: float, width: float, weight: float) -> Mixture:
    """p_G = weight · N(mean - 2, width²) + (1 - weight) · N(mean + 2, width²): the widget's generator.

    With mean 0, width 0.5 and weight 0.5 it equals notebook 01's data, ``TWO_MODES``.

    Example:
        >>> two_bump_generator(0.0, 0.5, 0.5)
        Mixture([Gaussian(mean=-2, std=0.5), Gaussian(mean=2, std=0.5)], weights=[0.5, 0.5])
    """
    left, right = Gaussian(mean - BUMP_OFFSET, width), Gaussian(mean + BUMP_OFFSET, width)
    return Mixture([left, right], weights=[weight, 1.0 - weight])


class OptimalDiscriminatorExplorer(Explorer):
    """The real density (blue), a movable generator density (orange) and D* (red), redrawn for each setting.

    Controls: the generator's mean, the width of its bumps, and the weight of its left bump.
    Each update evaluates densities and D* on a grid and the JSD by quadrature: no training.

    Args:
        data: the real distribution p (notebook 01's two bumps by default).
    """

    title = "The optimal discriminator follows the generator"

    def __init__(self, data: Distribution1D = TWO_MODES, mean: float = 1.0, width: float = 0.9, weight: float = 0.7):
        self.data = data
        self.x = grid_1d(-6.0, 6.0, 401)[:, 0].numpy()  # (401,)
        x = torch.from_numpy(self.x)
        controls = {
            "mean": ipywidgets.FloatSlider(value=mean, min=-3.0, max=3.0, step=0.1, description="G mean"),
            "width": ipywidgets.FloatSlider(value=width, min=0.35, max=2.0, step=0.05, description="G width"),
            "weight": ipywidgets.FloatSlider(value=weight, min=0.0, max=1.0, step=0.05, description="left weight"),
        }
        fig, ax = new_figure(width=7.0, height=3.1)
        fig.subplots_adjust(left=0.08, right=0.72, bottom=0.15, top=0.88)
        super().__init__(fig, controls)
        n = len(self.x)
        ax.plot(self.x, data.pdf(x).numpy(), label="real p(x)", **role_style("real", n))
        (self.gen_line,) = ax.plot(self.x, np.zeros(n), label="generated p_G(x)", **role_style("generated", n))
        (self.d_star_line,) = ax.plot(self.x, np.full(n, 0.5), linewidth=2, label="D*(x)", **role_style("perfect", n))
        ax.axhline(0.5, color=COLORS["neutral"], linewidth=0.6, linestyle=":", label="D = 1/2")
        ax.set(xlabel="x", ylabel="density  /  D(x)", xlim=(-6, 6), ylim=(0, 1.2))
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
        self.ax = ax
        self.animated = [self.gen_line, self.d_star_line, ax.title]
        self.update()

    def draw(self, mean: float, width: float, weight: float) -> None:
        p_gen, x = two_bump_generator(mean, width, weight), torch.from_numpy(self.x)
        self.gen_line.set_ydata(p_gen.pdf(x).numpy())
        self.d_star_line.set_ydata(optimal_discriminator(self.data, p_gen)(x).numpy())
        jsd = js_divergence_1d(self.data, p_gen)
        self.ax.set_title(f"JSD = {jsd:.3f} nats,  V(G, D*) = {optimal_value(self.data, p_gen):.3f}")


@register_for_bench("02_optimal_discriminator: moving the generator")
def _bench_optimal_discriminator_explorer() -> OptimalDiscriminatorExplorer:
    return OptimalDiscriminatorExplorer()

