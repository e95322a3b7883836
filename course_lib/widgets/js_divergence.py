"""Pull two distributions apart and watch the JSD saturate at log 2, while KL blows up and W1 keeps growing.

Introduced in notebooks/03_js_divergence.
"""

from __future__ import annotations

import math

import ipywidgets
import numpy as np
import torch

from course_lib.gan.discriminators import optimal_discriminator
from course_lib.gan.distributions import Distribution1D, Gaussian, Uniform
from course_lib.gan.divergences import js_divergence_1d, kl_divergence_1d
from course_lib.gan.plots import grid_1d, role_style
from course_lib.plotting import COLORS
from course_lib.widgets import Explorer, new_figure, register_for_bench

FAMILIES = ("Gaussian", "uniform")
MAX_SHIFT, MIN_WIDTH = 6.0, 0.3


def shifted_pair(family: str, shift: float, width: float) -> tuple[Distribution1D, Distribution1D]:
    """p and p_G: the same shape with standard deviation ``width``, p centred at 0 and p_G at ``shift``.

    A uniform with standard deviation w spans ±√3·w around its centre, so the two uniforms stop
    overlapping once the shift reaches 2√3·w.

    Example:
        >>> shifted_pair("uniform", 4.0, 1.0)
        (Uniform(low=-1.73205, high=1.73205), Uniform(low=2.26795, high=5.73205))
    """
    if family == "Gaussian":
        return Gaussian(0.0, width), Gaussian(shift, width)
    if family == "uniform":
        half = math.sqrt(3.0) * width
        return Uniform(-half, half), Uniform(shift - half, shift + half)
    raise ValueError(f"`family` must be one of {FAMILIES} (got {family!r})")


def unit_width_curves(family: str, ratios: np.ndarray) -> dict[str, np.ndarray]:
    """JSD and KL(p || p_G) against shift / width, for width 1 (both depend only on that ratio).

    Returns {"jsd": (R,), "kl": (R,)}, KL infinite where p has mass outside p_G's support.
    """
    pairs = [shifted_pair(family, float(r), 1.0) for r in ratios]
    return {
        "jsd": np.array([js_divergence_1d(p, q) for p, q in pairs]),
        "kl": np.array([kl_divergence_1d(p, q) for p, q in pairs]),
    }


class SeparationExplorer(Explorer):
    """Left: p (blue), p_G (orange), their mixture q (grey) and D* (red). Right: JSD, KL and W1 against the shift.

    A divergence between translated copies depends only on shift / width, so the right-hand curves
    are computed once at width 1 and rescaled on each update; the dot (the current setting) is
    computed afresh by quadrature.
    """

    title = "JSD against separation"

    def __init__(self, family: str = "Gaussian", shift: float = 2.0, width: float = 1.0):
        ratios = np.linspace(0.0, MAX_SHIFT / MIN_WIDTH, 161)  # (R,) every shift / width a slider can reach
        self.ratios = ratios
        self.unit_curves = {name: unit_width_curves(name, ratios) for name in FAMILIES}
        self.x = grid_1d(-5.0, 11.0, 481)[:, 0].numpy()  # (481,)
        self.shifts = np.linspace(0.0, MAX_SHIFT, 121)  # (S,) the right panel's x-axis
        controls = {
            "family": ipywidgets.Dropdown(options=list(FAMILIES), value=family, description="shape"),
            "shift": ipywidgets.FloatSlider(value=shift, min=0.0, max=MAX_SHIFT, step=0.1, description="shift"),
            "width": ipywidgets.FloatSlider(value=width, min=MIN_WIDTH, max=2.0, step=0.05, description="width (std)"),
        }
        fig, (ax_density, ax_curve) = new_figure(ncols=2, width=9.0, height=3.2)
        fig.subplots_adjust(left=0.06, right=0.98, bottom=0.15, top=0.87, wspace=0.22)
        super().__init__(fig, controls)
        zeros, n = np.zeros(len(self.x)), len(self.x)
        (self.p_line,) = ax_density.plot(self.x, zeros, label="p", **role_style("real", n))
        (self.gen_line,) = ax_density.plot(self.x, zeros, label="p_G", **role_style("generated", n))
        (self.q_line,) = ax_density.plot(self.x, zeros, label="q = (p + p_G) / 2", **{**role_style("neutral", n), "linestyle": ":"})
        (self.d_star_line,) = ax_density.plot(self.x, zeros, linewidth=1.6, label="D*", **role_style("perfect", n))
        ax_density.set(xlabel="x", ylabel="density  /  D*(x)", xlim=(self.x[0], self.x[-1]), ylim=(0, 1.4))
        ax_density.legend(loc="upper right", fontsize=8, ncols=2)
        n = len(self.shifts)
        (self.jsd_curve,) = ax_curve.plot(self.shifts, self.shifts * 0, linewidth=2, label="JSD", **role_style("perfect", n))
        (self.kl_curve,) = ax_curve.plot(self.shifts, self.shifts * 0, label="KL(p || p_G)", **role_style("neutral", n))
        ax_curve.plot(self.shifts, self.shifts, label="W1 = shift", **role_style("critic", n))
        ax_curve.axhline(math.log(2), color=COLORS["perfect"], linewidth=0.6, linestyle=":", label="log 2")
        (self.dots,) = ax_curve.plot([], [], "o", color="black", markersize=5)
        ax_curve.set(xlabel="shift between the means", ylabel="nats  /  distance", xlim=(0, MAX_SHIFT), ylim=(0, 2.5))
        ax_curve.legend(loc="upper left", fontsize=8)
        self.ax_density, self.ax_curve = ax_density, ax_curve
        self.animated = [self.p_line, self.gen_line, self.q_line, self.d_star_line, self.jsd_curve, self.kl_curve, self.dots, ax_density.title, ax_curve.title]
        self.update()

    def draw(self, family: str, shift: float, width: float) -> None:
        p_data, p_gen = shifted_pair(family, shift, width)
        x = torch.from_numpy(self.x)
        p, g = p_data.pdf(x).numpy(), p_gen.pdf(x).numpy()
        self.p_line.set_ydata(p)
        self.gen_line.set_ydata(g)
        self.q_line.set_ydata(0.5 * (p + g))
        self.d_star_line.set_ydata(optimal_discriminator(p_data, p_gen)(x).numpy())
        curves = self.unit_curves[family]
        ratios = self.shifts / width  # (S,)
        self.jsd_curve.set_ydata(np.interp(ratios, self.ratios, curves["jsd"]))
        kl = np.interp(ratios, self.ratios, np.where(np.isfinite(curves["kl"]), curves["kl"], np.nan))
        self.kl_curve.set_ydata(kl)  # NaN (not drawn) where KL is infinite
        jsd, kl_now = js_divergence_1d(p_data, p_gen), kl_divergence_1d(p_data, p_gen)
        self.dots.set_data([shift, shift, shift], [jsd, min(kl_now, 1e3), shift])
        disjoint = family == "uniform" and shift >= 2 * math.sqrt(3) * width
        self.ax_density.set_title("disjoint supports: D* = 1 on p, 0 on p_G, flat" if disjoint else f"{family}s: D* = p / (p + p_G)")
        kl_text = "inf" if math.isinf(kl_now) else f"{kl_now:.2f}"
        self.ax_curve.set_title(f"JSD = {jsd:.3f} nats,  KL = {kl_text},  W1 = {shift:.2f}")


@register_for_bench("03_js_divergence: separation")
def _bench_separation_explorer() -> SeparationExplorer:
    return SeparationExplorer()
