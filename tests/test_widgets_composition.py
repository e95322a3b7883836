"""Problem 2's composition explorer: exact slopes of two stacked 2x2 layers, checked against numpy and autograd."""

import numpy as np
import pytest
import torch

from course_lib.gan.lipschitz import lipschitz_upper_bound
from course_lib.widgets.composition import CompositionExplorer, composition_layers, composition_slope


@pytest.mark.parametrize("theta", [0.0, 25.0, 60.0, 90.0])
def test_the_linear_slope_is_the_largest_singular_value_of_the_product(theta):
    W1, W2 = composition_layers(2.0, 0.5, theta, 1.5, 0.75)
    assert composition_slope(W1, W2) == pytest.approx(np.linalg.svd((W2 @ W1).numpy(), compute_uv=False)[0], rel=1e-12)


def test_the_bound_is_reached_when_the_long_axes_align_and_not_when_they_are_perpendicular():
    sigma_1, s_1, sigma_2, s_2 = 2.0, 0.5, 1.5, 0.75
    aligned, perpendicular = (composition_slope(*composition_layers(sigma_1, s_1, theta, sigma_2, s_2)) for theta in (0.0, 90.0))
    assert aligned == pytest.approx(sigma_1 * sigma_2) and perpendicular == pytest.approx(max(sigma_1 * s_2, s_1 * sigma_2))
    slopes = [composition_slope(*composition_layers(sigma_1, s_1, theta, sigma_2, s_2)) for theta in range(0, 91, 5)]
    assert all(a >= b - 1e-12 for a, b in zip(slopes, slopes[1:]))  # turning the axes apart only loosens the bound


@pytest.mark.parametrize("theta", [0.0, 30.0, 75.0])
def test_the_relu_slope_is_the_largest_jacobian_norm_autograd_finds(theta):
    W1, W2 = composition_layers(2.0, 1.0, theta, 1.5, 1.25)
    network = torch.nn.Sequential(torch.nn.Linear(2, 2, bias=False), torch.nn.ReLU(), torch.nn.Linear(2, 2, bias=False)).double()
    with torch.no_grad():
        network[0].weight.copy_(W1)
        network[2].weight.copy_(W2)
    angles = torch.linspace(0, 2 * np.pi, 721, dtype=torch.float64)[:-1] + 1e-3  # off the region boundaries
    points = torch.stack([torch.cos(angles), torch.sin(angles)], dim=1)  # (720, 2)
    jacobian_norms = [torch.linalg.matrix_norm(torch.autograd.functional.jacobian(network, p), 2).item() for p in points]
    assert composition_slope(W1, W2, relu=True) == pytest.approx(max(jacobian_norms), rel=1e-12)
    assert composition_slope(W1, W2, relu=True) <= lipschitz_upper_bound(network) + 1e-12  # the library's product bound


def test_the_explorer_reports_the_exact_slope_and_matches_a_full_redraw(assert_matches_full_redraw):
    explorer = CompositionExplorer()
    explorer.update(theta=0.0, sigma_1=2.0, s_1=0.5, sigma_2=1.5, s_2=0.5, relu=False)
    assert "bound 3.00" in explorer.ax.get_title() and "slope of the composition 3.00 (100% of the bound)" in explorer.ax.get_title()
    explorer.update(theta=90.0)
    assert "slope of the composition 1.00 (33% of the bound)" in explorer.ax.get_title()
    assert_matches_full_redraw(explorer, explorer.update(theta=45.0, relu=True))
