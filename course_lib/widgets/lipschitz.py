"""Perfect discriminator against Lipschitz critic, and instance noise: two explorers that only evaluate formulas.

Each update evaluates densities, D*, the optimal K-Lipschitz critic (from the two CDFs) and the
pushes each loss gives the generated samples, on grids: nothing trains.

Introduced in notebooks/04_perfect_vs_lipschitz.
"""

from __future__ import annotations

import ipywidgets
import numpy as np
import torch

from course_lib.gan.critics import generator_pushes_1d, optimal_critic_on_grid, with_instance_noise
from course_lib.gan.discriminators import optimal_discriminator
from course_lib.gan.distributions import Gaussian
from course_lib.plotting import COLORS, style
from course_lib.widgets import Explorer, new_figure, register_for_bench

PUSH_FLOOR = 1e-30  # pushes below this are drawn at the bottom of the log axis


def two_gaussians(separation: float, real_width: float, fake_width: float) -> tuple[Gaussian, Gaussian]:
    """Real data N(+separation/2, real_width²) and generated data N(−separation/2, fake_width²).

    Example:
        >>> two_gaussians(4.0, 0.5, 0.5)
        (Gaussian(mean=2, std=0.5), Gaussian(mean=-2, std=0.5))
    """
    return Gaussian(separation / 2, real_width), Gaussian(-separation / 2, fake_width)


class PerfectVsLipschitzExplorer(Explorer):
    """Left: densities, D* (red) and the optimal K-Lipschitz critic (green). Right: how hard each loss pushes the fakes.

    Controls: the distance between the two Gaussians, their widths, and the critic's Lipschitz constant K.
    """

    title = "Perfect discriminator vs Lipschitz critic"

    def __init__(self, separation: float = 4.0, real_width: float = 0.5, fake_width: float = 0.5, K: float = 1.0):
        self.grid = np.linspace(-6.0, 6.0, 481)  # (N,)
        controls = {
            "separation": ipywidgets.FloatSlider(value=separation, min=0.0, max=8.0, step=0.25, description="separation"),
            "real_width": ipywidgets.FloatSlider(value=real_width, min=0.2, max=1.5, step=0.05, description="real width"),
            "fake_width": ipywidgets.FloatSlider(value=fake_width, min=0.2, max=1.5, step=0.05, description="fake width"),
            "K": ipywidgets.FloatSlider(value=K, min=0.25, max=2.0, step=0.25, description="critic K"),
        }
        fig, (ax, ax_push) = new_figure(ncols=2, width=9.0, height=3.2)
        fig.subplots_adjust(left=0.06, right=0.98, bottom=0.16, top=0.86, wspace=0.42)
        super().__init__(fig, controls)
        zeros = np.zeros_like(self.grid)
        (self.real_line,) = ax.plot(self.grid, zeros, linewidth=1, label="real p", **style("real"))
        (self.fake_line,) = ax.plot(self.grid, zeros, linewidth=1, label="generated $p_G$", **style("generated"))
        (self.d_star_line,) = ax.plot(self.grid, zeros, linewidth=2, label="D*", **style("perfect"))
        ax.set(xlabel="x", ylabel="D*(x)  /  density", xlim=(-6, 6), ylim=(-0.05, 2.1))
        critic_ax = ax.twinx()
        (self.critic_line,) = critic_ax.plot(self.grid, zeros, linewidth=2, label="critic f", **style("critic"))
        critic_ax.set(ylim=(-8, 8))
        critic_ax.set_ylabel("critic f(x)", color=COLORS["critic"])
        critic_ax.grid(False)
        ax.legend(handles=[self.real_line, self.fake_line, self.d_star_line, self.critic_line], loc="upper left", fontsize=7)
        self.push_lines = {}
        for name, role, linestyle in (("minimax", "perfect", "-"), ("non-saturating", "perfect", "--"), ("critic", "critic", "-.")):
            (self.push_lines[name],) = ax_push.plot([], [], color=COLORS[role], linestyle=linestyle, linewidth=2, label=name)
        ax_push.set(yscale="log", xlim=(-6, 6), ylim=(PUSH_FLOOR, 1e4), xlabel="generated sample x̃", ylabel="|push| = |−∂ loss / ∂x̃|")
        ax_push.legend(loc="lower left", fontsize=7)
        self.ax, self.ax_push = ax, ax_push
        self.animated = [self.real_line, self.fake_line, self.d_star_line, self.critic_line, *self.push_lines.values(), ax.title, ax_push.title]
        self.update()

    def draw(self, separation: float, real_width: float, fake_width: float, K: float) -> None:
        p_data, p_gen = two_gaussians(separation, real_width, fake_width)
        x = torch.from_numpy(self.grid)
        with torch.no_grad():
            self.real_line.set_ydata(p_data.pdf(x).numpy())
            self.fake_line.set_ydata(p_gen.pdf(x).numpy())
            self.d_star_line.set_ydata(optimal_discriminator(p_data, p_gen)(x).numpy())
        f, w1 = optimal_critic_on_grid(p_data, p_gen, self.grid, K)
        self.critic_line.set_ydata(f)
        x_fake = np.linspace(p_gen.mean - 2.5 * p_gen.std, p_gen.mean + 2.5 * p_gen.std, 60)  # the bulk of the fakes
        pushes = generator_pushes_1d(p_data, p_gen, x_fake, K)
        for name, line in self.push_lines.items():
            line.set_data(x_fake, np.maximum(np.abs(pushes[name]), PUSH_FLOOR))
        # Short titles: each glyph costs a redraw about 0.2 ms, and these two change on every move.
        self.ax.set_title(f"W1 = {w1:.2f}, dual value K·W1 = {K * w1:.2f}", fontsize=9)
        minimax = np.abs(pushes["minimax"]).mean()
        self.ax_push.set_title(f"mean: minimax {minimax:.1e}, critic {np.abs(pushes['critic']).mean():.2f}", fontsize=9)


class InstanceNoiseExplorer(Explorer):
    """Two narrow Gaussians, both blurred by the same instance noise: the densities, D* and the push D* gives the fakes.

    Controls: the noise's standard deviation, and the distance between the two Gaussians (width 0.1 each).
    """

    title = "Instance noise smooths D*"

    def __init__(self, noise_std: float = 0.3, separation: float = 2.0, width: float = 0.1):
        self.width = width
        self.grid = np.linspace(-4.0, 4.0, 401)  # (N,)
        controls = {
            "noise_std": ipywidgets.FloatSlider(value=noise_std, min=0.0, max=1.5, step=0.05, description="noise std"),
            "separation": ipywidgets.FloatSlider(value=separation, min=0.5, max=4.0, step=0.25, description="separation"),
        }
        fig, ax = new_figure(width=6.4, height=3.1)
        fig.subplots_adjust(left=0.1, right=0.97, bottom=0.16, top=0.88)
        super().__init__(fig, controls)
        zeros = np.zeros_like(self.grid)
        (self.real_line,) = ax.plot(self.grid, zeros, label="real (scaled to height 1)", **style("real"))
        (self.fake_line,) = ax.plot(self.grid, zeros, label="generated (scaled)", **style("generated"))
        (self.d_star_line,) = ax.plot(self.grid, zeros, linewidth=2, label="D* of the noisy densities", **{**style("perfect"), "linestyle": (0, (6, 2))})  # long dashes: the real line is solid too
        ax.set(xlabel="x", ylabel="D*(x)  /  density", xlim=(-4, 4), ylim=(-0.05, 1.15))
        ax.legend(loc="center left", fontsize=7)
        self.ax = ax
        self.animated = [self.real_line, self.fake_line, self.d_star_line, ax.title]
        self.update()

    def draw(self, noise_std: float, separation: float) -> None:
        p_data, p_gen = two_gaussians(separation, self.width, self.width)
        noisy_data, noisy_gen = with_instance_noise(p_data, noise_std), with_instance_noise(p_gen, noise_std)
        x = torch.from_numpy(self.grid)
        with torch.no_grad():
            real, fake = noisy_data.pdf(x).numpy(), noisy_gen.pdf(x).numpy()
            self.d_star_line.set_ydata(optimal_discriminator(noisy_data, noisy_gen)(x).numpy())
        self.real_line.set_ydata(real / real.max())
        self.fake_line.set_ydata(fake / fake.max())
        x_fake = np.linspace(p_gen.mean - 2.5 * self.width, p_gen.mean + 2.5 * self.width, 40)  # the clean fakes
        push = np.abs(generator_pushes_1d(noisy_data, noisy_gen, x_fake)["minimax"]).mean()
        self.ax.set_title(f"mean |push| of the minimax loss on the fakes: {push:.1e}", fontsize=9)


@register_for_bench("04_perfect_vs_lipschitz: perfect vs Lipschitz")
def _bench_perfect_vs_lipschitz() -> PerfectVsLipschitzExplorer:
    return PerfectVsLipschitzExplorer()


@register_for_bench("05_lipschitz_constraints: instance noise")
def _bench_instance_noise() -> InstanceNoiseExplorer:
    return InstanceNoiseExplorer()
