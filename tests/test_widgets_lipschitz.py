
import numpy as np
import pytest

from course_lib.widgets import BENCH_EXPLORERS, import_all_explorers
from course_lib.widgets.lipschitz import InstanceNoiseExplorer, PerfectVsLipschitzExplorer, two_gaussians


@pytest.fixture(scope="module")
def perfect_vs_lipschitz() -> PerfectVsLipschitzExplorer:
    return PerfectVsLipschitzExplorer()


@pytest.fixture(scope="module")
def instance_noise() -> InstanceNoiseExplorer:
    return InstanceNoiseExplorer()


def test_two_gaussians_put_the_real_data_on_the_right():
    real, fake = two_gaussians(3.0, 0.4, 0.8)
    assert (real.mean, real.std, fake.mean, fake.std) == (1.5, 0.4, -1.5, 0.8)


@pytest.mark.parametrize("control, values", [("separation", (4.0, 1.0)), ("fake_width", (0.5, 1.2)), ("K", (1.0, 2.0))])
def test_every_control_changes_the_picture(perfect_vs_lipschitz, control, values):
    first, second = (perfect_vs_lipschitz.update(**{control: value}) for value in values)
    assert first[:4] == b"\x89PNG" and first != second


def test_update_is_pure_same_controls_same_picture(perfect_vs_lipschitz):
    picture = perfect_vs_lipschitz.update(separation=2.5, K=0.5)
    perfect_vs_lipschitz.update(separation=6.0, K=2.0)
    assert perfect_vs_lipschitz.update(separation=2.5, K=0.5) == picture


def test_the_critic_curve_has_slope_k_and_d_star_is_flat_on_the_fakes(perfect_vs_lipschitz):
    perfect_vs_lipschitz.update(separation=4.0, real_width=0.5, fake_width=0.5, K=1.5)
    grid = perfect_vs_lipschitz.grid
    slopes = np.diff(perfect_vs_lipschitz.critic_line.get_ydata()) / np.diff(grid)
    inner = np.abs(grid[1:]) < 5.0  # beyond, both CDFs are 0 or 1 to round-off and the critic may be flat
    assert np.allclose(slopes[inner], 1.5)
    d_star = perfect_vs_lipschitz.d_star_line.get_ydata()
    on_fakes = np.abs(grid + 2.0) < 1.0
    assert d_star[on_fakes].max() < 1e-3
    assert "W1 = 4.00" in perfect_vs_lipschitz.ax.get_title() and "K·W1 = 6.00" in perfect_vs_lipschitz.ax.get_title()


def test_instance_noise_makes_the_minimax_push_grow(instance_noise):
    pushes = []
    for noise_std in (0.0, 0.5, 1.0):
        instance_noise.update(noise_std=noise_std, separation=2.0)
        pushes.append(float(instance_noise.ax.get_title().rsplit(" ", 1)[1]))
    assert pushes[0] < 1e-10 < pushes[1] < pushes[2]


def test_unknown_controls_are_named(instance_noise):
    with pytest.raises(TypeError, match=r"unknown controls \['width'\]; use \['noise_std', 'separation'\]"):
        instance_noise.update(width=1.0)


def test_both_explorers_are_registered_for_the_bench():
    import_all_explorers()
    assert {"04_perfect_vs_lipschitz: perfect vs Lipschitz", "05_lipschitz_constraints: instance noise"} <= set(BENCH_EXPLORERS)
