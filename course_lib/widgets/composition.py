r"""Problem 2 in the plane: two linear layers, each layer's σ, the product bound, and the slope the composition really has.

Layer 1 is :math:`W_1 = R(\theta)\,\mathrm{diag}(\sigma_{1}, s_{1})`: it stretches the unit circle into an ellipse whose
long axis (length :math:`\sigma_1`) points at angle :math:`\theta`. Layer 2 is :math:`W_2 = \mathrm{diag}(\sigma_2, s_2)`:
it stretches most along the first axis. The bound :math:`\sigma_1 \sigma_2` is reached exactly when the direction
layer 1 stretches most is the direction layer 2 stretches most (:math:`\theta = 0`); turn them apart and the
composition's slope :math:`\|W_2 W_1\|_2` falls towards :math:`\max(\sigma_1 s_2, s_1 \sigma_2)`. A ReLU between the
layers has Jacobian :math:`\mathrm{diag}(d)` with :math:`d_i \in \{0, 1\}`: each piece :math:`W_2\,\mathrm{diag}(d)\,W_1` has norm at
most :math:`\sigma_1\sigma_2`, so the bound holds, though the slope may exceed :math:`\|W_2 W_1\|_2` (a unit switched off can
remove a cancellation). With this diagonal layer 2 it does not. The widget caps each s at its σ, so σ is the long axis.

Every number is exact (singular values of 2×2 matrices); nothing trains.

Introduced in notebooks/05_lipschitz_constraints.
"""

from __future__ import annotations

import math

import ipywidgets
import numpy as np
import torch

from course_lib.plotting import COLORS
from course_lib.widgets import Explorer, new_figure, register_for_bench

Tensor = torch.Tensor
RELU_PATTERNS = ((1.0, 1.0), (1.0, 0.0), (0.0, 1.0))  # a ReLU's Jacobian diag(d) on each open quadrant (d = 0, 0 gives slope 0)


def composition_layers(sigma_1: float, s_1: float, theta_degrees: float, sigma_2: float, s_2: float) -> tuple[Tensor, Tensor]:
    r"""The two 2×2 layers: :math:`W_1 = R(\theta)\,\mathrm{diag}(\sigma_1, s_1)` and :math:`W_2 = \mathrm{diag}(\sigma_2, s_2)`, float64.

    Example:
        >>> W1, W2 = composition_layers(2.0, 1.0, 90.0, 3.0, 0.5)
        >>> torch.linalg.matrix_norm(W1, 2).item(), torch.linalg.matrix_norm(W2, 2).item()
        (2.0, 3.0)
    """
    theta = math.radians(theta_degrees)
    rotation = torch.tensor([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]], dtype=torch.float64)
    return rotation @ torch.diag(torch.tensor([sigma_1, s_1], dtype=torch.float64)), torch.diag(torch.tensor([sigma_2, s_2], dtype=torch.float64))


def composition_slope(W1: Tensor, W2: Tensor, relu: bool = False) -> float:
    r"""The Lipschitz constant (L2) of :math:`x \mapsto W_2 x'` with :math:`x' = W_1 x`, or :math:`\mathrm{relu}(W_1 x)`.

    Without the ReLU the map is linear and its constant is :math:`\|W_2 W_1\|_2`. With it the map is
    piecewise linear, with Jacobian :math:`W_2\,\mathrm{diag}(d)\,W_1` on the region where the pre-activations
    have sign pattern :math:`d`; for an invertible :math:`W_1` every pattern occurs, so the constant is the
    largest of those norms.

    Args:
        W1, W2: (2, 2) float tensors (W1 invertible when ``relu``).

    Example:
        >>> W1, W2 = composition_layers(2.0, 1.0, 0.0, 3.0, 0.5)
        >>> composition_slope(W1, W2), composition_slope(W1, W2, relu=True)
        (6.0, 6.0)
    """
    if not relu:
        return torch.linalg.matrix_norm(W2 @ W1, 2).item()
    return max(torch.linalg.matrix_norm(W2 @ torch.diag(torch.tensor(d, dtype=W1.dtype)) @ W1, 2).item() for d in RELU_PATTERNS)


class CompositionExplorer(Explorer):
    """The unit circle, its image after layer 1, after both layers, and the circle of the product bound.

    Controls: each layer's two singular values, the angle between layer 1's long axis and layer 2's,
    and a ReLU between the layers.
    """

    title = "Problem 2: when is the product bound tight?"

    def __init__(self, sigma_1: float = 2.0, s_1: float = 0.5, theta: float = 30.0, sigma_2: float = 1.5, s_2: float = 0.5, relu: bool = False):
        self.angles = np.linspace(0.0, 2 * np.pi, 361)  # (N,)
        self.circle = torch.from_numpy(np.stack([np.cos(self.angles), np.sin(self.angles)]))  # (2, N) the unit circle
        controls = {
            "sigma_1": ipywidgets.FloatSlider(value=sigma_1, min=0.25, max=2.5, step=0.25, description="layer 1 σ"),
            "s_1": ipywidgets.FloatSlider(value=s_1, min=0.25, max=2.5, step=0.25, description="layer 1 s"),
            "theta": ipywidgets.FloatSlider(value=theta, min=0.0, max=90.0, step=5.0, description="angle θ°"),
            "sigma_2": ipywidgets.FloatSlider(value=sigma_2, min=0.25, max=2.5, step=0.25, description="layer 2 σ"),
            "s_2": ipywidgets.FloatSlider(value=s_2, min=0.25, max=2.5, step=0.25, description="layer 2 s"),
            "relu": ipywidgets.Checkbox(value=relu, description="ReLU between"),
        }
        fig, ax = new_figure(width=5.2, height=4.2)
        fig.subplots_adjust(left=0.12, right=0.97, bottom=0.12, top=0.84)
        super().__init__(fig, controls)
        empty = ([], [])
        (self.unit_line,) = ax.plot(*empty, color=COLORS["neutral"], linestyle=":", linewidth=1, label="unit circle ‖x‖ = 1")
        (self.layer_1_line,) = ax.plot(*empty, color=COLORS["real"], linestyle="--", linewidth=1.5, label="after layer 1")
        (self.both_line,) = ax.plot(*empty, color=COLORS["critic"], linestyle="-", linewidth=2, label="after both layers")
        (self.bound_line,) = ax.plot(*empty, color=COLORS["perfect"], linestyle="-.", linewidth=1.2, label="radius of the bound σ₁σ₂")
        (self.widest_marker,) = ax.plot([], [], color=COLORS["critic"], marker="o", linestyle="none", markersize=6, label="widest point of the image")
        ax.set(xlim=(-6.5, 6.5), ylim=(-6.5, 6.5), aspect="equal", xlabel="output 1", ylabel="output 2")
        ax.legend(loc="lower left", fontsize=7)
        self.ax = ax
        self.animated = [self.unit_line, self.layer_1_line, self.both_line, self.bound_line, self.widest_marker, ax.title]
        self.update()

    def draw(self, sigma_1: float, s_1: float, theta: float, sigma_2: float, s_2: float, relu: bool) -> None:
        s_1, s_2 = min(s_1, sigma_1), min(s_2, sigma_2)  # σ is each layer's long axis
        W1, W2 = composition_layers(sigma_1, s_1, theta, sigma_2, s_2)
        hidden = W1 @ self.circle  # (2, N)
        out = W2 @ (hidden.clamp(min=0.0) if relu else hidden)  # (2, N)
        self.unit_line.set_data(self.circle[0].numpy(), self.circle[1].numpy())
        self.layer_1_line.set_data(hidden[0].numpy(), hidden[1].numpy())
        self.both_line.set_data(out[0].numpy(), out[1].numpy())
        bound = sigma_1 * sigma_2  # each layer's spectral norm, multiplied
        self.bound_line.set_data(bound * np.cos(self.angles), bound * np.sin(self.angles))
        widest = int(out.norm(dim=0).argmax())
        self.widest_marker.set_data([out[0, widest].item()], [out[1, widest].item()])
        slope = composition_slope(W1, W2, relu)
        self.ax.set_title(
            f"‖W₁‖ = {sigma_1:.2f}, ‖W₂‖ = {sigma_2:.2f}: bound {bound:.2f}\n"
            f"slope of the composition {slope:.2f} ({slope / bound:.0%} of the bound)",
            fontsize=9,
        )


@register_for_bench("05_lipschitz_constraints: composition of two layers")
def _bench_composition() -> CompositionExplorer:
    return CompositionExplorer()
