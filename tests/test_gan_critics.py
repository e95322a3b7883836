import numpy as np
import pytest
import torch
from scipy.stats import wasserstein_distance

from course_lib.gan.critics import (
    CriticConfig,
    critic_for,
    generator_pushes_1d,
    optimal_critic_1d,
    optimal_critic_on_grid,
    sliced_wasserstein,
    train_critic_variants,
    train_wgan,
    wasserstein_dual_1d,
    with_instance_noise,
)
from course_lib.gan.discriminators import optimal_discriminator
from course_lib.gan.distributions import Gaussian, GaussianRing, Mixture, Uniform
from course_lib.gan.networks import Discriminator, Generator


@pytest.mark.parametrize("seed", range(5))
def test_the_dual_with_the_optimal_1d_critic_equals_scipy_wasserstein_distance(seed):
    # Peer: scipy computes W1 from the sorted samples, with no critic; the dual is exact, so only round-off differs.
    rng = np.random.default_rng(seed)
    real, fake = rng.normal(1.0, 0.7, size=300), rng.standard_t(3, size=211)
    assert wasserstein_dual_1d(real, fake) == pytest.approx(wasserstein_distance(real, fake), abs=1e-10)


def test_the_optimal_1d_critic_is_k_lipschitz_and_reaches_k_times_w1():
    rng = np.random.default_rng(0)
    real, fake = rng.normal(2, 1, size=100), rng.normal(0, 0.5, size=80)
    f = optimal_critic_1d(real, fake, K=2.5)
    slopes = np.abs(np.diff(f.values) / np.diff(f.knots))
    assert slopes.max() == pytest.approx(2.5)
    assert f(real).mean() - f(fake).mean() == pytest.approx(2.5 * wasserstein_distance(real, fake), rel=1e-10)


def test_the_optimal_1d_critic_accepts_tensors_of_shape_n_by_1():
    real, fake = torch.tensor([[2.0], [3.0]]), torch.tensor([[0.0], [1.0]])
    assert wasserstein_dual_1d(real, fake) == pytest.approx(2.0)


def test_the_optimal_1d_critic_rejects_samples_that_are_not_1d():
    with pytest.raises(ValueError, match=r"`x_fake` must be finite 1D samples.*\(3, 2\)"):
        optimal_critic_1d(np.zeros(3), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="`x_real`"):
        optimal_critic_1d(np.array([np.nan]), np.zeros(3))


@pytest.mark.parametrize(
    "p_data, p_gen",
    [(Gaussian(2, 0.5), Gaussian(-1, 0.5)), (Gaussian(0, 1), Gaussian(0.5, 0.3)), (Mixture([Gaussian(-2, 0.4), Gaussian(2, 0.4)]), Gaussian(0, 1.2))],
)
def test_w1_from_the_cdfs_matches_scipy_on_the_same_grid(p_data, p_gen):
    # Peer: scipy's weighted wasserstein_distance on the grid with density weights; both integrate
    # |F - F_G| on the same grid, scipy with left-point CDFs and we with the trapezoid rule: 1e-3 apart.
    grid = np.linspace(-8, 8, 8001)
    x = torch.from_numpy(grid)
    peer = wasserstein_distance(grid, grid, p_data.pdf(x).numpy(), p_gen.pdf(x).numpy())
    f, w1 = optimal_critic_on_grid(p_data, p_gen, grid)
    assert w1 == pytest.approx(peer, abs=1e-3)
    assert np.abs(np.diff(f)).max() <= (grid[1] - grid[0]) * (1 + 1e-9)


def test_pushes_under_the_perfect_discriminator_vanish_for_the_minimax_loss_and_are_constant_for_the_critic():
    p_data, p_gen = Gaussian(2, 0.5), Gaussian(-2, 0.5)
    x_fake = p_gen.sample(200, generator=torch.Generator().manual_seed(0))
    pushes = generator_pushes_1d(p_data, p_gen, x_fake, K=1.5)
    bulk = np.abs(x_fake[:, 0].numpy() + 2) < 1.0  # within 2 std of the fakes' mean
    assert np.abs(pushes["minimax"][bulk]).max() < 1e-3 and np.median(np.abs(pushes["minimax"])) < 1e-8
    assert np.allclose(pushes["critic"], 1.5)
    # non-saturating: (1 - D*) l'(x), and for equal widths l' = (mu_p - mu_G) / s^2 = 16 wherever D* is near 0
    assert np.allclose(pushes["non-saturating"][bulk], 16.0, rtol=1e-3)


@pytest.mark.parametrize("p_data, p_gen", [(Gaussian(2, 0.5), Gaussian(-2, 0.5)), (Gaussian(0, 1), Gaussian(1, 2))])
def test_a_push_is_minus_the_derivative_of_the_loss_the_way_gradient_descent_moves_the_sample(p_data, p_gen):
    # Peer: central finite differences of each loss, written from D* = p / (p + p_G) directly.
    x = np.linspace(p_gen.mean - 2 * p_gen.std, p_gen.mean + 2 * p_gen.std, 9)
    pushes = generator_pushes_1d(p_data, p_gen, x)
    d_star = lambda x: optimal_discriminator(p_data, p_gen)(torch.from_numpy(x)).numpy()
    losses = {"minimax": lambda x: np.log1p(-d_star(x)), "non-saturating": lambda x: -np.log(d_star(x))}
    h = 1e-5
    for name, loss in losses.items():
        derivative = (loss(x + h) - loss(x - h)) / (2 * h)
        assert np.allclose(pushes[name], -derivative, rtol=1e-4, atol=1e-9), name
    if p_data.std == p_gen.std:  # the data lies to the right of every fake: positive pushes, towards it
        assert (pushes["minimax"] > 0).all() and (pushes["non-saturating"] > 0).all() and (pushes["critic"] > 0).all()


def test_pushes_under_disjoint_uniforms_are_zero_for_both_gan_losses():
    p_data, p_gen = Uniform(1, 3), Uniform(-3, -1)
    pushes = generator_pushes_1d(p_data, p_gen, p_gen.sample(20))
    assert not pushes["minimax"].any() and not pushes["non-saturating"].any()
    assert np.allclose(pushes["critic"], 1.0)


def test_instance_noise_adds_variances_and_matches_noisy_samples():
    noisy = with_instance_noise(Mixture([Gaussian(-1, 0.3), Gaussian(1, 0.3)]), 0.4)
    assert [c.std for c in noisy.components] == pytest.approx([0.5, 0.5])
    rng = torch.Generator().manual_seed(0)
    samples = Gaussian(1, 0.3).sample(200_000, generator=rng) + 0.4 * torch.randn(200_000, 1, generator=rng)
    assert float(samples.std()) == pytest.approx(with_instance_noise(Gaussian(1, 0.3), 0.4).std, abs=3e-3)


def test_instance_noise_names_what_it_cannot_convolve():
    with pytest.raises(ValueError, match="Gaussian and Mixture.*Uniform.*randn_like"):
        with_instance_noise(Uniform(0, 1), 0.1)
    with pytest.raises(ValueError, match=">= 0"):
        with_instance_noise(Gaussian(0, 1), -0.1)


def test_sliced_wasserstein_in_1d_is_scipys_and_in_2d_sees_a_shift():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(500, 1)), rng.normal(1, 2, size=(300, 1))
    assert sliced_wasserstein(x, y) == pytest.approx(wasserstein_distance(x[:, 0], y[:, 0]), abs=1e-12)
    z = rng.normal(size=(400, 1))
    assert sliced_wasserstein(x[:400], z) == pytest.approx(wasserstein_distance(x[:400, 0], z[:, 0]), abs=1e-12)
    a = rng.normal(size=(400, 2))
    assert sliced_wasserstein(a, a + [3.0, 0.0]) == pytest.approx(3 * np.mean(np.abs(np.cos(np.pi * np.arange(16) / 16))), rel=1e-9)
    with pytest.raises(ValueError, match="same dimension"):
        sliced_wasserstein(a, x)


@pytest.mark.parametrize(
    "kwargs, message",
    [({"variant": "spectral"}, "variant must be one of"), ({"num_steps": 0}, "num_steps"), ({"clip": 0.0}, "clip"), ({"lr_g": float("nan")}, "lr_g")],
)
def test_critic_config_rejects_bad_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        CriticConfig(**kwargs)


def test_train_wgan_refuses_a_critic_that_does_not_match_its_variant():
    with pytest.raises(ValueError, match=r"critic_for\('sn', data_dim\)"):
        train_wgan(Generator(), Discriminator(), Gaussian(0, 1), CriticConfig(variant="sn", num_steps=1))
    with pytest.raises(ValueError, match=r"critic_for\('gp', data_dim\)"):
        train_wgan(Generator(), critic_for("sn"), Gaussian(0, 1), CriticConfig(variant="gp", num_steps=1))


def test_clipped_critic_stays_clipped_during_training():
    torch.manual_seed(0)
    critic = critic_for("clip")
    train_wgan(Generator(), critic, Gaussian(2, 0.5), CriticConfig(variant="clip", num_steps=5, clip=0.02))
    assert all(bool((p.abs() <= torch.tensor(0.02)).all()) for p in critic.parameters())


def test_the_optimal_critic_on_a_grid_is_zero_where_the_cdfs_differ_most():
    grid = np.linspace(-6, 8, 1401)
    f, _ = optimal_critic_on_grid(Gaussian(2, 1), Gaussian(0, 1), grid)
    assert f[np.argmin(np.abs(grid - 1.0))] == 0.0  # equal widths: |F_G - F| peaks half-way between the means


def test_spectral_norm_runs_record_how_far_the_normalised_weights_exceed_norm_one():
    runs = train_critic_variants(Gaussian(2, 0.5), 1, variants=("sn", "gp"), num_steps=20, lr_critic=1e-2)
    lags = runs["sn"].sn_weight_norm
    assert len(lags) == 20 and min(lags) >= 1 - 1e-9 and max(lags) > 1.0  # sigma_hat <= sigma, and it lags
    assert runs["gp"].sn_weight_norm == []
    one_iteration = train_critic_variants(Gaussian(2, 0.5), 1, variants=("sn",), num_steps=20, lr_critic=1e-2, sn_iters=1)["sn"]
    assert one_iteration.w1_samples != runs["sn"].w1_samples  # the setting reaches the critic


def test_side_by_side_runs_are_repeatable_and_record_their_curves():
    first = train_critic_variants(Gaussian(2, 0.5), 1, num_steps=12, grid=torch.linspace(-2, 4, 7)[:, None])
    again = train_critic_variants(Gaussian(2, 0.5), 1, num_steps=12, grid=torch.linspace(-2, 4, 7)[:, None])
    for variant in ("plain", "clip", "gp", "sn"):
        run = first[variant]
        assert len(run.w_estimate) == 12 and run.w1_steps == [1, 10]
        assert run.x_fake.shape == (512, 1) and run.critic_grid.shape == (7,)
        assert run.w_estimate == again[variant].w_estimate
    assert "CriticHistory('gp', 12 steps" in repr(first["gp"])


def test_the_spectrally_normalised_critic_in_training_stays_1_lipschitz():
    from course_lib.gan.lipschitz import empirical_lipschitz, lipschitz_upper_bound

    torch.manual_seed(0)
    critic = critic_for("sn", data_dim=2)
    train_wgan(Generator(z_dim=2, data_dim=2), critic, GaussianRing(), CriticConfig(variant="sn", num_steps=50))
    critic.eval()  # read the weights with the power iteration's current u, without iterating further
    # Two power iterations per step track sigma to a few per cent (one alone lags by up to 20% here).
    assert lipschitz_upper_bound(critic) <= 1.05
    assert empirical_lipschitz(critic, torch.randn(500, 2) * 3) <= 1.05
