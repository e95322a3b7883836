import pytest
import torch

from course_lib.gan.distributions import Gaussian, Mixture, Uniform
from course_lib.gan.divergences import quadrature_rule
from course_lib.gan.losses import (
    least_squares_discriminator_loss,
    least_squares_generator_loss,
    least_squares_optimal_discriminator,
    minimax_generator_loss,
    saturating_generator_loss,
    wasserstein_critic_loss,
    wasserstein_generator_loss,
)


def test_minimax_generator_loss_is_the_saturating_loss_under_its_other_name():
    assert minimax_generator_loss is saturating_generator_loss


def test_wasserstein_critic_loss_is_minus_the_dual_objective():
    real, fake = torch.randn(50, dtype=torch.float64), torch.randn(30, dtype=torch.float64)
    assert float(wasserstein_critic_loss(real, fake)) == pytest.approx(float(fake.mean() - real.mean()), rel=1e-12)


def test_wasserstein_generator_loss_pushes_each_fake_up_the_critic_with_weight_one_over_b():
    scores = torch.randn(8, requires_grad=True)
    wasserstein_generator_loss(scores).backward()
    assert torch.allclose(scores.grad, torch.full((8,), -1 / 8))


def test_wasserstein_losses_name_the_wrong_shape():
    with pytest.raises(ValueError, match=r"`fake_scores`.*\(4, 1\).*squeeze"):
        wasserstein_generator_loss(torch.zeros(4, 1))
    with pytest.raises(TypeError, match="`real_scores`"):
        wasserstein_critic_loss([1.0], torch.zeros(2))


def test_least_squares_losses_match_their_formulas_for_any_labels():
    real, fake = torch.randn(40, dtype=torch.float64), torch.randn(60, dtype=torch.float64)
    expected = 0.5 * ((real - 0.7) ** 2).mean() + 0.5 * ((fake + 0.3) ** 2).mean()
    assert float(least_squares_discriminator_loss(real, fake, a=-0.3, b=0.7)) == pytest.approx(float(expected), rel=1e-12)
    assert float(least_squares_generator_loss(fake, c=1.0)) == pytest.approx(float(0.5 * ((fake - 1) ** 2).mean()), rel=1e-12)


def test_the_least_squares_optimal_discriminator_minimises_the_pointwise_loss():
    p, q = torch.tensor([0.3, 0.01, 2.0], dtype=torch.float64), torch.tensor([0.1, 0.5, 2.0], dtype=torch.float64)
    d_star = least_squares_optimal_discriminator(p, q, a=-1.0, b=1.0)
    pointwise = lambda d: 0.5 * p * (d - 1) ** 2 + 0.5 * q * (d + 1) ** 2
    for shift in (-1e-3, 1e-3):
        assert (pointwise(d_star + shift) > pointwise(d_star)).all()
    assert torch.allclose(d_star, (p - q) / (p + q))


def test_the_least_squares_optimal_discriminator_is_the_label_midpoint_where_both_densities_vanish():
    assert least_squares_optimal_discriminator(torch.zeros(1), torch.zeros(1), a=0.0, b=1.0).item() == 0.5


def test_the_least_squares_optimal_discriminator_rejects_negative_densities_and_shape_mismatches():
    with pytest.raises(ValueError, match="`p_gen_x`.*>= 0"):
        least_squares_optimal_discriminator(torch.ones(2), -torch.ones(2))
    with pytest.raises(ValueError, match="same shape"):
        least_squares_optimal_discriminator(torch.ones(2), torch.ones(3))


@pytest.mark.parametrize(
    "p_data, p_gen",
    [
        (Gaussian(1.0, 0.6), Gaussian(-0.5, 1.0)),
        (Mixture([Gaussian(-2, 0.5), Gaussian(2, 0.5)]), Gaussian(0.0, 1.5)),
        (Uniform(0.0, 1.0), Uniform(0.5, 2.0)),
    ],
)
def test_twice_the_lsgan_generator_value_at_the_optimum_is_the_pearson_chi2_divergence(p_data, p_gen):
    # Mao et al. (2017), with a = -1, b = 1, c = 0: 2 C(G) = int (p - p_G)^2 / (p + p_G) dx, which is
    # 2 chi2_Pearson(p_G || m) with m = (p + p_G) / 2 and chi2_Pearson(P || Q) = int (P - Q)^2 / Q (Mao et al.
    # write it chi2_Pearson(p + p_G || 2 p_G), first argument in the denominator). The chi2 side is written
    # from its own definition, not from D*. Both by the same Gauss-Legendre rule, exact here to about 1e-12.
    x, w = quadrature_rule(p_data, p_gen)
    p, q = p_data.pdf(torch.from_numpy(x)).double(), p_gen.pdf(torch.from_numpy(x)).double()
    d_star = least_squares_optimal_discriminator(p, q)
    value = 0.5 * float(torch.from_numpy(w) @ (p * d_star**2)) + 0.5 * float(torch.from_numpy(w) @ (q * d_star**2))
    m = (p + q) / 2
    both = m > 0
    chi2_g_m = float(torch.from_numpy(w)[both] @ ((q - m)[both] ** 2 / m[both]))
    assert 2 * value == pytest.approx(2 * chi2_g_m, rel=1e-10)


def test_the_lsgan_divergence_saturates_at_2_and_d_star_is_flat_on_far_fakes():
    # 2 C(G) <= int (p + p_G) = 2, reached for disjoint supports; far apart, D* = -1 on the fakes and the
    # generator's push -d loss / dx vanishes although the gradient in the score, D* - c = -1, does not.
    def two_c(shift):
        p_data, p_gen = Gaussian(0.0, 1.0), Gaussian(shift, 1.0)
        x, w = quadrature_rule(p_data, p_gen)
        p, q = p_data.pdf(torch.from_numpy(x)).double(), p_gen.pdf(torch.from_numpy(x)).double()
        return float(torch.from_numpy(w) @ ((p + q) * least_squares_optimal_discriminator(p, q) ** 2))

    values = [two_c(s) for s in (1.0, 2.0, 4.0, 8.0)]
    assert values == sorted(values) and 1.999 < values[-1] <= 2.0
    x = torch.tensor([-2.0], dtype=torch.float64, requires_grad=True)
    d_fake = least_squares_optimal_discriminator(Gaussian(2.0, 0.5).pdf(x), Gaussian(-2.0, 0.5).pdf(x))
    (push,) = torch.autograd.grad(least_squares_generator_loss(d_fake), x)
    assert float(d_fake.detach()) == pytest.approx(-1.0) and abs(float(push)) < 1e-11


def test_the_batch_generator_loss_at_the_optimum_estimates_the_same_divergence():
    # Monte Carlo with the library's batch loss: 200,000 samples per side give a standard error near 1e-3.
    p_data, p_gen = Gaussian(1.0, 0.6), Gaussian(-0.5, 1.0)
    rng = torch.Generator().manual_seed(0)
    x, w = quadrature_rule(p_data, p_gen)
    p, q = p_data.pdf(torch.from_numpy(x)), p_gen.pdf(torch.from_numpy(x))
    chi2 = float(torch.from_numpy(w) @ ((p - q) ** 2 / (p + q)))
    x_real, x_fake = p_data.sample(200_000, generator=rng)[:, 0], p_gen.sample(200_000, generator=rng)[:, 0]
    d_real = least_squares_optimal_discriminator(p_data.pdf(x_real), p_gen.pdf(x_real))
    d_fake = least_squares_optimal_discriminator(p_data.pdf(x_fake), p_gen.pdf(x_fake))
    estimate = 2 * float(least_squares_generator_loss(d_real) + least_squares_generator_loss(d_fake))
    assert estimate == pytest.approx(chi2, abs=5e-3)
