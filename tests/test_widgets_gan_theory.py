"""The explorers of notebooks 02 and 03: what they draw is the library's D* and JSD, and they redraw purely."""

import io
import math

import numpy as np
import pytest
import torch
from PIL import Image

from course_lib.gan.discriminators import optimal_discriminator
from course_lib.gan.distributions import Gaussian
from course_lib.gan.divergences import js_divergence_1d
from course_lib.widgets import BENCH_EXPLORERS, import_all_explorers
from course_lib.widgets.gan_game import TWO_MODES
from course_lib.widgets.js_divergence import SeparationExplorer, shifted_pair, unit_width_curves
from course_lib.widgets.optimal_discriminator import OptimalDiscriminatorExplorer, two_bump_generator


@pytest.fixture(scope="module")
def d_star_explorer() -> OptimalDiscriminatorExplorer:
    return OptimalDiscriminatorExplorer()


@pytest.fixture(scope="module")
def separation_explorer() -> SeparationExplorer:
    return SeparationExplorer()


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA")).astype(int)


def full_redraw(explorer) -> np.ndarray:
    buffer = io.BytesIO()
    explorer.fig.savefig(buffer, format="png")  # a full draw, animated artists included
    return pixels(buffer.getvalue())


# ----------------------------------------------------------------------------- notebook 02


def test_two_bump_generator_at_its_defaults_is_the_data():
    x = torch.linspace(-5, 5, 101)
    assert torch.allclose(two_bump_generator(0.0, 0.5, 0.5).pdf(x), TWO_MODES.pdf(x))


def test_d_star_explorer_draws_the_library_d_star_and_jsd(d_star_explorer):
    d_star_explorer.update(mean=-0.5, width=1.2, weight=0.3)
    p_gen = two_bump_generator(-0.5, 1.2, 0.3)
    expected = optimal_discriminator(TWO_MODES, p_gen)(d_star_explorer.x).numpy()
    assert np.allclose(d_star_explorer.d_star_line.get_ydata(), expected)
    assert np.allclose(d_star_explorer.gen_line.get_ydata(), p_gen.pdf(torch.from_numpy(d_star_explorer.x)).numpy())
    assert f"JSD = {js_divergence_1d(TWO_MODES, p_gen):.3f} nats" in d_star_explorer.ax.get_title()


def test_d_star_explorer_at_equilibrium_shows_one_half_and_minus_log_4(d_star_explorer):
    d_star_explorer.update(mean=0.0, width=0.5, weight=0.5)
    assert np.allclose(d_star_explorer.d_star_line.get_ydata(), 0.5)
    assert f"V(G, D*) = {-math.log(4):.3f}" in d_star_explorer.ax.get_title()


def test_d_star_explorer_accepts_the_slider_extremes(d_star_explorer):
    for weight in (0.0, 1.0):  # one bump dropped entirely
        png = d_star_explorer.update(mean=3.0, width=0.35, weight=weight)
        assert png[:4] == b"\x89PNG"
        assert np.isfinite(d_star_explorer.d_star_line.get_ydata()).all()


# ----------------------------------------------------------------------------- notebook 03


def test_shifted_uniforms_have_the_requested_std_and_separate_at_two_root_three_widths():
    p, p_gen = shifted_pair("uniform", 2 * math.sqrt(3) * 0.5, 0.5)
    assert (p.high - p.low) / math.sqrt(12) == pytest.approx(0.5)
    assert p.high == pytest.approx(p_gen.low)
    with pytest.raises(ValueError, match="`family` must be one of"):
        shifted_pair("Laplace", 1.0, 1.0)


def test_unit_width_curves_rescale_to_any_width():
    # Divergences between translates depend on shift / width only: the widget's precomputation relies on it.
    ratio = 1.7
    curves = unit_width_curves("Gaussian", np.array([ratio]))
    assert curves["jsd"][0] == pytest.approx(js_divergence_1d(Gaussian(0, 0.4), Gaussian(0.4 * ratio, 0.4)), abs=1e-9)
    assert curves["kl"][0] == pytest.approx(ratio**2 / 2, abs=1e-8)
    assert unit_width_curves("uniform", np.array([0.5]))["kl"][0] == math.inf


def test_separation_explorer_curve_and_dot_agree_with_the_library(separation_explorer):
    separation_explorer.update(family="Gaussian", shift=2.4, width=0.8)
    curve = dict(zip(separation_explorer.shifts.round(6), separation_explorer.jsd_curve.get_ydata()))
    exact = js_divergence_1d(Gaussian(0, 0.8), Gaussian(2.4, 0.8))
    assert curve[2.4] == pytest.approx(exact, abs=2e-3)  # interpolated from 161 precomputed ratios
    assert separation_explorer.dots.get_ydata()[0] == pytest.approx(exact, abs=1e-12)


def test_separation_explorer_shows_log_2_and_infinite_kl_for_disjoint_uniforms(separation_explorer):
    separation_explorer.update(family="uniform", shift=4.0, width=0.5)
    title = separation_explorer.ax_curve.get_title()
    assert "JSD = 0.693 nats" in title and "KL = inf" in title and "W1 = 4.00" in title
    p, p_gen = shifted_pair("uniform", 4.0, 0.5)
    assert js_divergence_1d(p, p_gen) == pytest.approx(math.log(2), abs=1e-7)
    assert np.isnan(separation_explorer.kl_curve.get_ydata()[1:]).all()  # infinite KL is not drawn
    assert "disjoint supports" in separation_explorer.ax_density.get_title()


def test_separation_explorer_d_star_is_flat_on_each_support(separation_explorer):
    separation_explorer.update(family="uniform", shift=3.0, width=0.5)
    x = separation_explorer.x
    d = np.asarray(separation_explorer.d_star_line.get_ydata())
    assert np.all(d[(x > -0.8) & (x < 0.8)] == 1.0) and np.all(d[(x > 2.2) & (x < 3.8)] == 0.0)


# ----------------------------------------------------------------------------- both


@pytest.mark.parametrize(
    "name, settings",
    [
        ("d_star_explorer", [dict(mean=1.0, width=0.8, weight=0.2), dict(mean=-2.0, width=1.5, weight=0.9)]),
        ("separation_explorer", [dict(family="uniform", shift=1.0, width=1.0), dict(family="Gaussian", shift=5.0, width=0.4)]),
    ],
)
def test_update_is_pure_and_blitting_matches_a_full_redraw(request, name, settings):
    explorer = request.getfixturevalue(name)
    first = explorer.update(**settings[0])
    other = explorer.update(**settings[1])
    assert first != other
    assert explorer.update(**settings[0]) == first
    blitted, full = pixels(first), full_redraw(explorer)
    assert blitted.shape == full.shape
    assert (np.abs(blitted - full).max(axis=-1) > 8).mean() < 0.002  # same picture, up to anti-aliasing


@pytest.mark.parametrize("name", ["d_star_explorer", "separation_explorer"])
def test_bench_sweeps_every_control_and_every_setting_draws(request, name):
    explorer = request.getfixturevalue(name)
    params = explorer.bench_params(30)
    assert {key for p in params for key in p} == set(explorer.controls)
    for p in params:
        assert explorer.update(**p)[:4] == b"\x89PNG"


def test_both_explorers_are_registered_for_course_bench():
    import_all_explorers()
    assert "02_optimal_discriminator: moving the generator" in BENCH_EXPLORERS
    assert "03_js_divergence: separation" in BENCH_EXPLORERS


def test_unknown_controls_are_named(d_star_explorer):
    with pytest.raises(TypeError, match=r"unknown controls \['speed'\]"):
        d_star_explorer.update(speed=1.0)



@pytest.mark.parametrize("name", ["d_star_explorer", "separation_explorer"])
def test_explorer_curves_differ_by_line_style_and_marker(request, name):
    from test_gan_plots import roles_differ_without_colour

    assert roles_differ_without_colour(request.getfixturevalue(name).fig)
