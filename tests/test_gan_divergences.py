import math

import numpy as np
import pytest
import torch
from scipy import integrate, stats
from scipy.spatial.distance import jensenshannon
from scipy.special import rel_entr

from course_lib.gan.distributions import Distribution1D, Gaussian, Mixture, Uniform
from course_lib.gan.divergences import (
    js_divergence,
    js_divergence_1d,
    kl_divergence,
    kl_divergence_1d,
    quadrature_rule,
)

LOG_2 = math.log(2)


def random_distributions(seed: int, size: int, sparse: bool = False) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    p, q = rng.dirichlet(np.ones(size)), rng.dirichlet(np.ones(size))
    if sparse:  # zeros exercise the 0 log 0 = 0 convention
        p[rng.random(size) < 0.3] = 0
        q[rng.random(size) < 0.3] = 0
        p, q = p / p.sum(), q / q.sum()
    return p, q


# ----------------------------------------------------------------------------- discrete: peers


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("sparse", [False, True])
def test_js_divergence_matches_scipy_jensenshannon_squared(seed, sparse):
    # scipy returns the Jensen-Shannon *distance*, the square root of the divergence, in nats by default.
    # Both sum the same float64 terms, so they agree to rounding: 1e-10 is loose.
    p, q = random_distributions(seed, size=3 + seed * 7, sparse=sparse)
    assert js_divergence(p, q) == pytest.approx(jensenshannon(p, q) ** 2, abs=1e-10)


@pytest.mark.parametrize("seed", range(10))
def test_kl_divergence_matches_scipy_rel_entr(seed):
    # rel_entr(p, q) = p log(p / q) elementwise, with 0 log 0 = 0: its sum is KL, to float64 rounding.
    p, q = random_distributions(seed, size=50)
    assert kl_divergence(p, q) == pytest.approx(rel_entr(p, q).sum(), abs=1e-12)


def test_torch_tensors_and_lists_give_the_same_answer_as_numpy_arrays():
    p, q = random_distributions(0, size=10)
    assert js_divergence(torch.from_numpy(p), torch.from_numpy(q)) == pytest.approx(js_divergence(p, q), abs=1e-15)
    assert js_divergence(list(p), tuple(q)) == js_divergence(p, q)
    assert kl_divergence(torch.from_numpy(p).float(), torch.from_numpy(q).float()) == pytest.approx(kl_divergence(p, q), abs=1e-6)


def test_js_divergence_is_symmetric_and_bounded_by_log_2():
    p, q = random_distributions(1, size=8, sparse=True)
    assert js_divergence(p, q) == pytest.approx(js_divergence(q, p), abs=1e-15)
    assert 0 <= js_divergence(p, q) <= LOG_2


def test_disjoint_supports_give_log_2_and_infinite_kl():
    p, q = np.array([0.5, 0.5, 0.0, 0.0]), np.array([0.0, 0.0, 0.25, 0.75])
    assert js_divergence(p, q) == pytest.approx(LOG_2, abs=1e-15)
    assert kl_divergence(p, q) == math.inf


def test_equal_distributions_have_zero_divergence_and_zeros_count_nothing():
    p = np.array([0.0, 0.2, 0.8])
    assert js_divergence(p, p) == 0.0
    assert kl_divergence(p, p) == 0.0
    assert kl_divergence(p, np.array([0.5, 0.25, 0.25])) == pytest.approx(0.2 * math.log(0.8) + 0.8 * math.log(3.2))


# ----------------------------------------------------------------------------- discrete: errors


@pytest.mark.parametrize("function", [js_divergence, kl_divergence])
@pytest.mark.parametrize(
    "p, q, error, message",
    [
        (np.array([0.5, -0.1, 0.6]), np.array([0.2, 0.3, 0.5]), ValueError, r"`p` has a negative entry -0.1 at index 1"),
        (np.array([0.2, 0.3, 0.5]), np.array([0.5, 0.5, 0.0, 0.0]), ValueError, r"`p` and `q` must have the same length.*got 3 and 4"),
        (np.array([0.5, 0.43]), np.array([0.5, 0.5]), ValueError, r"`p` must sum to 1 \(got 0.93\); normalise it with p / p.sum\(\)"),
        (np.array([0.5, 0.5]), np.array([0.5, np.nan]), ValueError, r"`q` contains nan at index 1"),
        (np.array([0.5, 0.5]), np.array([np.inf, 0.5]), ValueError, r"`q` contains inf at index 0"),
        (np.full((2, 2), 0.25), np.full((2, 2), 0.25), ValueError, r"`p` must be a non-empty 1-D array, shape \(K,\).*got shape \(2, 2\)"),
        (np.array([]), np.array([]), ValueError, r"`p` must be a non-empty 1-D array"),
        ([0.5, "half"], np.array([0.5, 0.5]), TypeError, r"`p` must be a list of numbers"),
        (np.array([0.5, 0.5]), "0.5 0.5", TypeError, r"`q` must be a 1-D NumPy array, torch tensor or list.*got str"),
        (np.array([True, False]), np.array([0.5, 0.5]), ValueError, r"`p` must hold real probabilities"),
        (torch.tensor([0.5, 0.5]), torch.tensor([1.0, 0.5]), ValueError, r"`q` must sum to 1 \(got 1.5\)"),
    ],
)
def test_bad_distributions_raise_one_clear_error_naming_the_argument(function, p, q, error, message):
    with pytest.raises(error, match=message):
        function(p, q)


def test_float32_rounding_in_the_sum_is_not_an_error():
    p = torch.full((1000,), 1 / 1000, dtype=torch.float32)
    assert js_divergence(p, p) == pytest.approx(0.0, abs=1e-12)


# ----------------------------------------------------------------------------- on the real line


def scipy_jsd(pdf_p, pdf_q, low, high) -> float:
    """The JSD by scipy's adaptive quadrature, a peer for the library's fixed Gauss-Legendre rule."""

    def integrand(x):
        p, q = pdf_p(x), pdf_q(x)
        m = 0.5 * (p + q)
        return 0.5 * rel_entr(p, m) + 0.5 * rel_entr(q, m)

    value, _ = integrate.quad(integrand, low, high, epsabs=1e-13, epsrel=1e-12, limit=500)
    return value


def test_js_divergence_1d_of_unit_gaussians_four_apart_is_0_63272():
    # The reference value, to 1e-5; scipy's adaptive quadrature agrees to 1e-9.
    jsd = js_divergence_1d(Gaussian(0, 1), Gaussian(4, 1))
    assert jsd == pytest.approx(0.63272, abs=1e-5)
    assert jsd == pytest.approx(scipy_jsd(stats.norm(0, 1).pdf, stats.norm(4, 1).pdf, -15, 19), abs=1e-9)


@pytest.mark.parametrize("mean, std", [(0.0, 1.0), (0.3, 0.5), (1.0, 2.0), (-2.5, 0.8), (6.0, 1.5)])
def test_js_divergence_1d_matches_scipy_quad_for_gaussians_to_1e_6(mean, std):
    expected = scipy_jsd(stats.norm(0, 1).pdf, stats.norm(mean, std).pdf, -20, 20 + abs(mean) + 10 * std)
    assert js_divergence_1d(Gaussian(0, 1), Gaussian(mean, std)) == pytest.approx(expected, abs=1e-6)


def test_js_divergence_1d_matches_scipy_quad_for_a_mixture():
    mixture = Mixture([Gaussian(-2, 0.5), Gaussian(2, 0.5)], weights=[0.3, 0.7])
    peer_pdf = lambda x: 0.3 * stats.norm(-2, 0.5).pdf(x) + 0.7 * stats.norm(2, 0.5).pdf(x)  # noqa: E731
    expected = scipy_jsd(peer_pdf, stats.norm(0.5, 1.2).pdf, -15, 15)
    assert js_divergence_1d(mixture, Gaussian(0.5, 1.2)) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("shift", [10.0, 20.0, 50.0])
def test_js_divergence_1d_tends_to_log_2_as_gaussians_separate(shift):
    assert js_divergence_1d(Gaussian(0, 1), Gaussian(shift, 1)) == pytest.approx(LOG_2, abs=1e-6)


def test_js_divergence_1d_is_log_2_for_disjoint_uniforms_and_linear_while_they_overlap():
    assert js_divergence_1d(Uniform(0, 1), Uniform(2, 3)) == pytest.approx(LOG_2, abs=1e-7)
    for shift in [0.1, 0.5, 0.9]:  # overlap 1 - shift: JSD = shift * log 2
        assert js_divergence_1d(Uniform(0, 1), Uniform(shift, 1 + shift)) == pytest.approx(shift * LOG_2, abs=1e-6)


def test_kl_divergence_1d_matches_the_gaussian_closed_form():
    # KL(N(m1, s1^2) || N(m2, s2^2)) = log(s2/s1) + (s1^2 + (m1 - m2)^2) / (2 s2^2) - 1/2
    expected = math.log(2 / 0.5) + (0.25 + 9) / 8 - 0.5
    assert kl_divergence_1d(Gaussian(0, 0.5), Gaussian(3, 2)) == pytest.approx(expected, abs=1e-8)


def test_kl_divergence_1d_is_infinite_when_p_has_mass_outside_q():
    assert kl_divergence_1d(Uniform(0, 1), Uniform(0.5, 1.5)) == math.inf
    assert kl_divergence_1d(Uniform(0.2, 0.8), Uniform(0, 1)) == pytest.approx(math.log(1 / 0.6), abs=1e-6)


def test_quadrature_rule_integrates_every_density_to_one():
    distributions = [Gaussian(0, 0.1), Uniform(-3, 2), Mixture([Gaussian(5, 2), Uniform(0, 1)])]
    x, w = quadrature_rule(*distributions)
    for distribution in distributions:
        assert float(w @ distribution.pdf(torch.from_numpy(x)).double().numpy()) == pytest.approx(1.0, abs=1e-6)


class Laplace(Distribution1D):
    def _log_prob(self, x):
        return -x.abs() - math.log(2)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: js_divergence_1d(np.array([0.5, 0.5]), Gaussian(0, 1)), TypeError, r"`p_data` must be a 1D distribution"),
        (lambda: js_divergence_1d(Gaussian(0, 1), "N(0, 1)"), TypeError, r"`p_gen` must be a 1D distribution"),
        (lambda: js_divergence_1d(Gaussian(0, 1), Laplace()), ValueError, r"is a Laplace; the quadrature knows Gaussian, Uniform and Mixture"),
        (lambda: kl_divergence_1d(None, Gaussian(0, 1)), TypeError, r"`p` must be a 1D distribution"),
        (lambda: quadrature_rule(Gaussian(0, 1), 3.0), TypeError, r"`distributions\[1\]` must be a 1D distribution"),
    ],
)
def test_bad_1d_inputs_raise_one_clear_error_naming_the_argument(call, error, message):
    with pytest.raises(error, match=message):
        call()
