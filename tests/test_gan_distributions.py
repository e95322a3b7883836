import math

import numpy as np
import pytest
import torch
from scipy import stats

from course_lib.gan.distributions import Gaussian, GaussianRing, Mixture, Uniform

X = torch.linspace(-6, 6, 121, dtype=torch.float64)


def test_gaussian_pdf_matches_scipy():
    assert np.allclose(Gaussian(0.5, 1.5).pdf(X).numpy(), stats.norm(0.5, 1.5).pdf(X.numpy()), rtol=1e-12)


def test_mixture_pdf_matches_the_weighted_sum_of_scipy_densities():
    mixture = Mixture([Gaussian(-2, 0.5), Gaussian(1, 1.0)], weights=[0.3, 0.7])
    peer = 0.3 * stats.norm(-2, 0.5).pdf(X.numpy()) + 0.7 * stats.norm(1, 1.0).pdf(X.numpy())
    assert np.allclose(mixture.pdf(X).numpy(), peer, rtol=1e-10)


def test_uniform_pdf_matches_scipy_inside_and_is_zero_outside():
    peer = stats.uniform(-1, 3).pdf(X.numpy())  # [-1, 2]
    assert np.allclose(Uniform(-1, 2).pdf(X).numpy(), peer, rtol=1e-12)


def test_densities_take_numbers_lists_and_arrays_and_name_what_they_cannot():
    p = Gaussian(0, 1)
    assert torch.equal(p.pdf([0.0, 1.0]), p.pdf(torch.tensor([0.0, 1.0])))
    assert p.pdf(np.array([0.5])).dtype == torch.float64 and p.pdf(0).shape == ()
    with pytest.raises(TypeError, match="`x` must be a tensor of points.*got str"):
        p.pdf("0.5")


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_every_density_keeps_the_dtype_it_is_given(dtype):
    x = torch.linspace(-1, 1, 5, dtype=dtype)
    for p in (Gaussian(0, 1), Uniform(-1, 2), Mixture([Uniform(-1, 0), Gaussian(1, 1)])):
        assert p.log_prob(x).dtype == dtype and p.pdf(x).dtype == dtype, p


def test_samples_have_the_distributions_moments():
    # 20000 samples: the standard error of the mean is std / 141, so 0.05 is over 3 standard errors.
    rng = torch.Generator().manual_seed(0)
    mixture = Mixture([Gaussian(-2, 0.5), Gaussian(2, 0.5)])
    x = mixture.sample(20000, generator=rng)
    assert x.shape == (20000, 1)
    assert abs(x.mean().item()) < 0.05
    assert x.std().item() == pytest.approx(math.sqrt(4 + 0.25), abs=0.05)


def test_sampling_is_repeatable_with_a_seeded_generator():
    draw = lambda: Gaussian(0, 1).sample(5, generator=torch.Generator().manual_seed(3))  # noqa: E731
    assert torch.equal(draw(), draw())


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Gaussian(0, 0), "`std` must be a positive finite number"),
        (lambda: Gaussian(float("nan"), 1), "`mean` must be a finite number"),
        (lambda: Uniform(2, 1), "`low` must be below `high`"),
        (lambda: Mixture([Gaussian(0, 1)], weights=[0.9]), "must sum to 1"),
        (lambda: Mixture([Gaussian(0, 1), Gaussian(1, 1)], weights=[1.5, -0.5]), "non-negative"),
        (lambda: Mixture([]), "non-empty list of distributions"),
        (lambda: Gaussian(0, 1).sample(0), "`n` must be a positive int"),
    ],
)
def test_bad_parameters_raise_one_clear_error_naming_the_argument(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_ring_samples_cover_all_modes_and_one_mode_covers_one():
    ring = GaussianRing(num_modes=8, radius=2.0, std=0.1)
    rng = torch.Generator().manual_seed(0)
    assert ring.modes_covered(ring.sample(2000, generator=rng)) == 8
    one_mode = ring.means[3] + 0.1 * torch.randn(500, 2, generator=rng)
    assert ring.modes_covered(one_mode) == 1


def test_high_quality_fraction_of_the_ring_itself_is_the_gaussian_3_std_probability():
    # Peer: for a 2D standard Gaussian, P(|x| < 3) = 1 - exp(-9/2) (a chi distribution with 2 degrees of freedom).
    ring = GaussianRing(num_modes=8, radius=2.0, std=0.1)
    x = ring.sample(20_000, generator=torch.Generator().manual_seed(0))
    assert ring.high_quality_fraction(x) == pytest.approx(1 - math.exp(-4.5), abs=0.005)  # 5 standard errors of a share near 0.99


def test_a_blurred_ring_covers_every_mode_but_few_of_its_samples_are_high_quality():
    # The failure the coverage count misses: samples spread evenly along the whole circle.
    ring = GaussianRing(num_modes=8, radius=2.0, std=0.1)
    angles = 2 * math.pi * torch.rand(20_000, generator=torch.Generator().manual_seed(0))
    smeared = 2.0 * torch.stack([angles.cos(), angles.sin()], dim=1)  # (20000, 2) on the circle
    assert ring.modes_covered(smeared) == 8
    # On the circle, a point is within 0.3 of a mode when its angle is within 2 arcsin(0.3 / 4) of the mode's.
    expected = 8 * 2 * (2 * math.asin(0.3 / 4)) / (2 * math.pi)  # 0.382
    assert ring.high_quality_fraction(smeared) == pytest.approx(expected, abs=0.02)
    assert ring.high_quality_fraction(torch.zeros(10, 2)) == 0.0
