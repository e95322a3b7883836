import math

import pytest
import torch
from torch import nn

from course_lib.gan.lipschitz import (
    apply_spectral_norm_,
    clip_weights_,
    conv_operator_norm,
    empirical_lipschitz,
    gradient_penalty,
    layer_lipschitz_constants,
    lipschitz_upper_bound,
    normalised_weight_norms,
    spectral_norm,
    weight_clipping_bound,
)
from course_lib.gan.networks import Discriminator


# ----------------------------------------------------------------------------- spectral_norm


@pytest.mark.parametrize("shape", [(8, 8), (32, 16), (5, 40), (1, 7), (64, 3)])
def test_spectral_norm_matches_torch_matrix_norm_given_enough_iterations(shape):
    # Peer: torch.linalg.matrix_norm(W, 2), from an SVD. The estimate of sigma converges like
    # (sigma_2 / sigma_1)^(4k); 3000 float64 iterations reach 1e-4 even for close top singular values.
    torch.manual_seed(sum(shape))
    W = torch.randn(*shape, dtype=torch.float64)
    sigma, u, v = spectral_norm(W, n_iters=3000)
    assert abs(float(sigma) - float(torch.linalg.matrix_norm(W, 2))) < 1e-4
    assert u.shape == (shape[0],) and v.shape == (shape[1],)
    assert float(u.norm()) == pytest.approx(1.0) and float(v.norm()) == pytest.approx(1.0)


def test_spectral_norm_with_the_same_u_and_v_equals_torch_spectral_norm_parametrization():
    # Peer: torch.nn.utils.parametrizations.spectral_norm. In eval mode it skips the power
    # iteration and returns W / (u . W v) from its stored u, v: given ours, it must agree to round-off.
    torch.manual_seed(0)
    layer = nn.utils.parametrizations.spectral_norm(nn.Linear(12, 20).double())
    W = layer.parametrizations.weight.original.detach()
    sigma, u, v = spectral_norm(W, n_iters=5)
    layer.parametrizations.weight[0]._u.copy_(u)
    layer.parametrizations.weight[0]._v.copy_(v)
    layer.eval()
    assert torch.allclose(W / sigma, layer.weight, rtol=0, atol=1e-14)


def test_spectral_norm_gradient_is_u_v_transpose():
    W = torch.randn(6, 4, dtype=torch.float64, requires_grad=True)
    sigma, u, v = spectral_norm(W, n_iters=200)
    sigma.backward()
    assert torch.allclose(W.grad, torch.outer(u, v), atol=1e-12)


@pytest.mark.parametrize("ratio", [0.5, 0.8, 0.95])
def test_the_error_in_sigma_shrinks_by_the_fourth_power_of_the_singular_value_ratio(ratio):
    # sigma = ||W v|| is the square root of a Rayleigh quotient of W^T W: an error e in v costs e^2 in
    # sigma, so each round multiplies sigma's error by (sigma_2 / sigma_1)^4, not ^2. The start vector
    # weighs the first two left singular vectors equally and misses the rest, so the rate is clean.
    U, _ = torch.linalg.qr(torch.randn(12, 12, generator=torch.Generator().manual_seed(0), dtype=torch.float64))
    V, _ = torch.linalg.qr(torch.randn(6, 6, generator=torch.Generator().manual_seed(1), dtype=torch.float64))
    sigmas = torch.tensor([1.0, ratio, 0.3 * ratio, 0.2 * ratio, 0.1 * ratio, 0.05 * ratio], dtype=torch.float64)
    W = U[:, :6] @ torch.diag(sigmas) @ V.T  # (12, 6)
    u0 = U[:, 0] + U[:, 1]  # (12,)
    k = math.ceil(math.log(1e-6) / (4 * math.log(ratio)))  # late enough for the asymptotic rate, early enough to beat round-off
    errors = [1.0 - float(spectral_norm(W, n, u0)[0]) for n in (k, k + 1)]  # sigma_1 = 1
    assert errors[1] / errors[0] == pytest.approx(ratio**4, rel=1e-3)  # and far from ratio^2


def test_spectral_norm_of_a_conv_kernel_is_that_of_its_reshaped_matrix():
    kernel = torch.randn(4, 3, 3, 3, dtype=torch.float64)
    sigma, _, v = spectral_norm(kernel, n_iters=2000)
    assert float(sigma) == pytest.approx(float(torch.linalg.matrix_norm(kernel.reshape(4, -1), 2)), abs=1e-6)
    assert v.shape == (27,)


def test_spectral_norm_starts_from_a_given_u_and_is_deterministic_without_one():
    W = torch.randn(5, 5)
    assert torch.equal(spectral_norm(W, 3)[0], spectral_norm(W, 3)[0])
    top_u = torch.linalg.svd(W)[0][:, 0]
    assert float(spectral_norm(W, 1, u=top_u)[0]) == pytest.approx(float(torch.linalg.matrix_norm(W, 2)), rel=1e-5)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"W": torch.ones(3)}, ValueError, r"at least 2 dimensions.*got shape \(3,\)"),
        ({"W": torch.ones(3, 3, dtype=torch.int64)}, TypeError, "float torch tensor"),
        ({"W": [[1.0]]}, TypeError, "float torch tensor"),
        ({"W": torch.ones(3, 3), "n_iters": 0}, ValueError, "n_iters"),
        ({"W": torch.ones(3, 2), "u": torch.ones(2)}, ValueError, r"shape \(3,\)"),
        ({"W": torch.ones(3, 2), "u": torch.zeros(3)}, ValueError, "non-zero"),
        ({"W": torch.tensor([[1.0, float("nan")], [0.0, 1.0]])}, ValueError, "`W` contains NaN or inf"),
    ],
)
def test_spectral_norm_rejects_bad_inputs_with_a_message(kwargs, error, message):
    with pytest.raises(error, match=message):
        spectral_norm(**kwargs)


def test_normalised_weight_norms_measure_the_lag_of_sigma_and_leave_u_alone():
    # Peer: the SVD. After W grows along a direction the stored u misses, one power iteration
    # underestimates sigma, so W / sigma_hat has norm above 1; converged, it is 1.
    torch.manual_seed(0)
    net = apply_spectral_norm_(nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 1)), n_iters=1)
    for _ in range(50):
        net(torch.randn(2, 6))
    assert normalised_weight_norms(net) == pytest.approx([1.0, 1.0], abs=1e-4)
    original = net[0].parametrizations.weight.original
    u_before = net[0].parametrizations.weight[0].u.clone()
    with torch.no_grad():
        original.add_(3.0 * torch.outer(torch.linalg.svd(original)[0][:, -1], torch.ones(6)))
    norms = normalised_weight_norms(net)
    assert torch.equal(net[0].parametrizations.weight[0].u, u_before)
    assert norms[0] > 1.05
    net.train()
    true_norm = float(torch.linalg.matrix_norm(net[0].weight.detach().double(), 2))  # the call normalises with the same sigma_hat
    assert norms[0] == pytest.approx(true_norm, rel=1e-5)
    assert normalised_weight_norms(nn.Linear(2, 2)) == []


def test_spectral_normalisation_makes_every_layer_norm_one():
    torch.manual_seed(0)
    critic = apply_spectral_norm_(Discriminator(data_dim=2, hidden=16))
    for _ in range(30):  # one power iteration per call, from the stored u
        critic(torch.randn(4, 2))
    assert lipschitz_upper_bound(critic) == pytest.approx(1.0, abs=1e-4)
    assert empirical_lipschitz(critic, torch.randn(500, 2) * 3) <= 1.0 + 1e-4


# ----------------------------------------------------------------------------- gradient_penalty


def test_gradient_penalty_of_a_linear_critic_on_nchw_input_is_exactly_lambda_times_norm_minus_1_squared():
    # f(x) = <w, x> has gradient w at every point, so the per-sample norm over C*H*W is ||w||_2.
    # The common bug grad.norm(dim=1) takes norms over channels only and gives another number.
    torch.manual_seed(0)
    w = torch.randn(3, 5, 5, dtype=torch.float64)
    critic = lambda x: (x * w).flatten(1).sum(1)
    real, fake = torch.rand(8, 3, 5, 5, dtype=torch.float64), torch.rand(8, 3, 5, 5, dtype=torch.float64)
    penalty = gradient_penalty(critic, real, fake, lam=10.0)
    expected = 10.0 * (w.norm() - 1) ** 2
    assert float(penalty) == pytest.approx(float(expected), rel=1e-12)
    channel_norm_bug = 10.0 * ((w.expand(8, 3, 5, 5).norm(dim=1) - 1) ** 2).mean()
    assert abs(float(channel_norm_bug) - float(expected)) > 1.0


def test_gradient_penalty_matches_a_reference_written_from_the_paper():
    # Peer: WGAN-GP's penalty written out (Gulrajani et al., Algorithm 1), with the same alpha.
    torch.manual_seed(0)
    critic = Discriminator(data_dim=3, hidden=8).double()
    real, fake = torch.randn(16, 3, dtype=torch.float64), torch.randn(16, 3, dtype=torch.float64)
    ours = gradient_penalty(critic, real, fake, lam=5.0, generator=torch.Generator().manual_seed(7))
    alpha = torch.rand(16, 1, generator=torch.Generator().manual_seed(7), dtype=torch.float64)
    x_hat = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x_hat).sum(), x_hat)
    reference = 5.0 * ((grad.view(16, -1).norm(2, dim=1) - 1) ** 2).mean()
    assert float(ours.detach()) == pytest.approx(float(reference), rel=1e-12)


def test_gradient_penalty_is_differentiable_in_the_critic_weights():
    critic = Discriminator(data_dim=2, hidden=8)
    gradient_penalty(critic, torch.randn(4, 2), torch.randn(4, 2)).backward()
    weights = [p for name, p in critic.named_parameters() if name.endswith("weight")]
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in weights)
    assert critic.net[-1].bias.grad is None  # the input gradient never sees the last bias


def test_gradient_penalty_accepts_critics_returning_b_by_1():
    w = torch.tensor([0.6, 0.8])  # norm 1: no penalty
    assert float(gradient_penalty(lambda x: (x @ w).unsqueeze(1), torch.zeros(3, 2), torch.ones(3, 2))) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize(
    "real, fake, lam, message",
    [
        (torch.zeros(4, 2), torch.zeros(3, 2), 10.0, r"same shape.*\(4, 2\).*\(3, 2\)"),
        (torch.zeros(4), torch.zeros(4), 10.0, r"shape \(B, \.\.\.\)"),
        (torch.zeros(4, 2), torch.zeros(4, 2), -1.0, "non-negative"),
        (torch.zeros(4, 2), torch.full((4, 2), float("nan")), 10.0, "`fake` contains NaN"),
    ],
)
def test_gradient_penalty_rejects_bad_inputs(real, fake, lam, message):
    with pytest.raises(ValueError, match=message):
        gradient_penalty(lambda x: x.sum(1), real, fake, lam=lam)


# ----------------------------------------------------------------------------- clipping and bounds


def test_clip_weights_puts_every_parameter_in_the_interval():
    net = Discriminator(data_dim=2, hidden=16)
    with torch.no_grad():
        for p in net.parameters():
            p.mul_(100)
    clip_weights_(net, 0.05)
    assert all(bool((p.abs() <= torch.tensor(0.05)).all()) for p in net.parameters())  # 0.05 as float32


@pytest.mark.parametrize("c", [0.0, -1.0, math.inf])
def test_clip_weights_rejects_a_non_positive_c(c):
    with pytest.raises(ValueError, match="positive number"):
        clip_weights_(nn.Linear(2, 2), c)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize(
    "build",
    [
        lambda: Discriminator(data_dim=2, hidden=16),
        lambda: nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 1)),
        lambda: nn.Sequential(nn.Linear(3, 8), nn.Sigmoid(), nn.Linear(8, 1)),
    ],
)
def test_lipschitz_upper_bound_is_at_least_the_measured_largest_gradient_norm(seed, build):
    torch.manual_seed(seed)
    net = build()
    in_dim = next(m for m in net.modules() if isinstance(m, nn.Linear)).in_features
    measured = empirical_lipschitz(lambda x: net(x).reshape(len(x)), torch.randn(2000, in_dim) * 3)
    assert lipschitz_upper_bound(net) >= measured


def test_lipschitz_upper_bound_is_exact_for_one_linear_layer():
    layer = nn.Linear(5, 1)
    assert lipschitz_upper_bound(layer) == pytest.approx(empirical_lipschitz(lambda x: layer(x)[:, 0], torch.randn(3, 5)), rel=1e-5)


def test_the_last_layer_bias_changes_neither_the_bound_nor_the_slope():
    torch.manual_seed(0)
    net, points = Discriminator(data_dim=1, hidden=8), torch.linspace(-3, 3, 101).unsqueeze(1)
    bound, slope = lipschitz_upper_bound(net), empirical_lipschitz(net, points)
    with torch.no_grad():
        net.net[-1].bias.add_(50.0)
    assert lipschitz_upper_bound(net) == bound
    assert empirical_lipschitz(net, points) == pytest.approx(slope, rel=1e-6)


def test_hidden_biases_change_the_actual_slope_but_not_the_bound():
    # Biases of -100 put every LeakyReLU(0.2) on its slope-0.2 side: the slope drops, the bound does not move.
    torch.manual_seed(0)
    net, points = Discriminator(data_dim=2, hidden=32), torch.randn(2000, 2, generator=torch.Generator().manual_seed(0)) * 3
    bound, slope = lipschitz_upper_bound(net), empirical_lipschitz(net, points)
    with torch.no_grad():
        for layer in (m for m in net.modules() if isinstance(m, nn.Linear)):
            layer.bias.fill_(-100.0)
    assert lipschitz_upper_bound(net) == bound
    assert empirical_lipschitz(net, points) < 0.1 * slope


def test_layer_constants_name_each_layer():
    net = nn.Sequential(nn.Linear(2, 3), nn.LeakyReLU(0.2), nn.Linear(3, 1))
    names = [name for name, _ in layer_lipschitz_constants(net)]
    assert names == ["0", "1", "2"]


def test_lipschitz_upper_bound_refuses_a_convolution_and_points_to_the_operator_norm():
    with pytest.raises(ValueError, match=r"layer '0' is a convolution.*conv_operator_norm"):
        lipschitz_upper_bound(nn.Sequential(nn.Conv2d(1, 1, 3), nn.ReLU()))


@pytest.mark.parametrize("alpha", [0.5, 1.0, 3.0])
def test_elu_counts_with_its_constant_max_1_alpha(alpha):
    # ELU's slope is alpha e^x for x < 0: near 0 from the left it approaches alpha.
    elu = nn.ELU(alpha=alpha)
    assert layer_lipschitz_constants(nn.Sequential(nn.Linear(1, 1), elu))[1] == ("1", max(1.0, alpha))
    measured = empirical_lipschitz(lambda x: elu(x)[:, 0], torch.tensor([[-1e-6], [1.0]], dtype=torch.float64))
    assert measured == pytest.approx(max(1.0, alpha), rel=1e-5)


def test_dropout_counts_1_over_1_minus_p_in_training_and_1_in_eval():
    net = nn.Sequential(nn.Linear(4, 4, bias=False), nn.Dropout(0.5))
    nn.init.eye_(net[0].weight)
    assert lipschitz_upper_bound(net) == pytest.approx(2.0)  # training mode: kept units are scaled by 2
    torch.manual_seed(0)
    x = torch.randn(200, 4)
    assert empirical_lipschitz(lambda x: net(x).sum(1), x) > 1.0  # a random mask really stretches beyond 1
    assert lipschitz_upper_bound(net.eval()) == pytest.approx(1.0)


def test_lipschitz_upper_bound_refuses_a_layer_it_cannot_bound():
    with pytest.raises(ValueError, match=r"cannot bound layer '1' \(BatchNorm1d\)"):
        lipschitz_upper_bound(nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2)))


def test_weight_clipping_bound_is_reached_by_the_all_c_matrix_and_grows_with_width():
    c = 0.1
    net = nn.Sequential(nn.Linear(4, 6, bias=False))
    nn.init.constant_(net[0].weight, c)
    assert weight_clipping_bound(net, c) == pytest.approx(lipschitz_upper_bound(net), rel=1e-6)  # float32 weights
    narrow, wide = (weight_clipping_bound(Discriminator(1, hidden=h), c) for h in (16, 64))
    assert wide == pytest.approx(16 * narrow)  # c sqrt(h) * c h * c sqrt(h) = c^3 h^2: 4x the width, 16x the K


def test_weight_clipping_bound_covers_any_clipped_network():
    torch.manual_seed(0)
    net = clip_weights_(Discriminator(data_dim=2, hidden=16), 0.01)
    assert weight_clipping_bound(net, 0.01) >= lipschitz_upper_bound(net)


def test_conv_operator_norm_matches_the_explicit_matrix_and_exceeds_the_reshaped_kernel_norm():
    # Peer: the convolution written out as a (H*W, H*W) matrix, one column per basis image, and its SVD.
    torch.manual_seed(0)
    conv = nn.Conv2d(1, 1, 3, padding=1, bias=False)
    basis = torch.eye(36).reshape(36, 1, 6, 6)
    with torch.no_grad():
        matrix = conv(basis).reshape(36, 36).T  # column j = conv(e_j)
    exact = float(torch.linalg.matrix_norm(matrix, 2))
    assert conv_operator_norm(conv, (1, 6, 6), n_iters=500) == pytest.approx(exact, rel=1e-4)
    nn.init.ones_(conv.weight)
    assert conv_operator_norm(conv, (1, 16, 16)) > 2.5 * float(spectral_norm(conv.weight.detach(), 50)[0])


def test_empirical_lipschitz_insists_on_one_output_per_point():
    with pytest.raises(ValueError, match=r"one scalar per point, shape \(4,\)"):
        empirical_lipschitz(lambda x: x, torch.randn(4, 2))
    with pytest.raises(ValueError, match="batch of points"):
        empirical_lipschitz(lambda x: x, torch.randn(4))


@pytest.mark.parametrize("bad_value", [float("nan"), float("inf"), -float("inf")])
def test_empirical_lipschitz_refuses_a_point_with_nan_or_inf_naming_it(bad_value):
    # Before, a linear f gave its slope (6.0) whatever the NaN point: a number with no meaning.
    x = torch.randn(5, 4)
    x[3, 1] = bad_value
    with pytest.raises(ValueError, match=r"1 point\(s\) with NaN or inf \(the first is x\[3\]\).*torch\.isfinite"):
        empirical_lipschitz(lambda x: 3 * x.sum(dim=1), x)


def test_empirical_lipschitz_refuses_an_empty_batch_instead_of_a_torch_error():
    with pytest.raises(ValueError, match=r"empty batch \(shape \(0, 4\)\).*at least one point"):
        empirical_lipschitz(lambda x: 3 * x.sum(dim=1), torch.empty(0, 4))


def test_empirical_lipschitz_says_how_to_fix_a_wrong_input():
    with pytest.raises(ValueError, match=r"got shape \(4,\).*x\.unsqueeze\(0\)"):
        empirical_lipschitz(lambda x: x.sum(dim=1), torch.randn(4))
    with pytest.raises(ValueError, match=r"float tensor.*got torch\.int64.*x\.float\(\)"):
        empirical_lipschitz(lambda x: x.sum(dim=1), torch.ones(3, 2, dtype=torch.int64))
    with pytest.raises(ValueError, match=r"got list.*torch\.as_tensor"):
        empirical_lipschitz(lambda x: x.sum(dim=1), [[1.0, 2.0]])
    with pytest.raises(TypeError, match=r"`f` must be a function or a module.*got int"):
        empirical_lipschitz(3, torch.randn(3, 2))


def test_empirical_lipschitz_refuses_an_f_that_returns_nan_naming_the_point():
    def f(x):
        return torch.where(torch.arange(len(x)) == 2, torch.nan, x.sum(dim=1))  # (B,): NaN at point 2

    with pytest.raises(ValueError, match=r"returned NaN or inf at x\[2\]"):
        empirical_lipschitz(f, torch.randn(4, 3))


def test_empirical_lipschitz_still_measures_valid_points_like_torch_autograd():
    # Peer: torch.func.jacrev of a linear map x -> W x gives W's rows; the largest row norm is the answer.
    W = torch.randn(3, dtype=torch.float64)
    x = torch.randn(6, 3, dtype=torch.float64)
    expected = float(torch.func.vmap(torch.func.jacrev(lambda xi: (W * xi).sum()))(x).norm(dim=1).max())
    assert empirical_lipschitz(lambda x: x @ W, x) == pytest.approx(expected, rel=1e-12)  # float64: exact up to rounding


# ----------------------------------------------------------------------------- notebook 05's seeds and figures


def test_turning_off_the_sn_lag_measurement_changes_nothing_but_the_record():
    # normalised_weight_norms works on a copy of u and draws no random numbers: training must be identical.
    from course_lib.gan.critics import CriticConfig, train_critic_variants
    from course_lib.gan.distributions import Gaussian

    tracked = train_critic_variants(Gaussian(2, 0.5), 1, variants=("sn",), num_steps=5)["sn"]
    untracked = train_critic_variants(Gaussian(2, 0.5), 1, variants=("sn",), num_steps=5, track_sn_lag=False)["sn"]
    assert untracked.w_estimate == tracked.w_estimate and untracked.w1_samples == tracked.w1_samples
    assert len(tracked.sn_weight_norm) == 5 and untracked.sn_weight_norm == []
    with pytest.raises(ValueError, match="track_sn_lag must be True or False"):
        CriticConfig(track_sn_lag=1)


@pytest.mark.parametrize("lam, delta", [(1.0, -0.5), (1.0, -1.9), (10.0, -5.0), (10.0, -19.0)])
def test_linear_critic_penalty_loss_has_the_spurious_minimum_of_notebook_05(lam, delta):
    # Peer: scipy's bounded scalar minimiser on the side t > 0 of -t Delta + lam (|t| - 1)^2, against
    # t* = 1 - |Delta| / (2 lam); xatol 1e-10, so 1e-7 leaves room for the minimiser's tolerance.
    from scipy.optimize import minimize_scalar

    loss = lambda t: -t * delta + lam * (abs(t) - 1) ** 2
    found = minimize_scalar(loss, bounds=(1e-12, 3.0), method="bounded", options={"xatol": 1e-10}).x
    t_star = 1 - abs(delta) / (2 * lam)
    assert found == pytest.approx(t_star, abs=1e-7)
    assert loss(-1 - abs(delta) / (2 * lam)) < loss(t_star) < loss(0.0)  # a local minimum behind a ridge at t = 0
    # and plain gradient descent from t = 1 (the critic before the overshoot) stays in it, as in the notebook
    t = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    for _ in range(200):
        (grad,) = torch.autograd.grad(-t * delta + lam * (t.abs() - 1) ** 2, t)
        t = (t - 0.25 / lam * grad).detach().requires_grad_(True)
    assert float(t.detach()) == pytest.approx(t_star, abs=1e-12)


def test_w1_spread_gives_mean_min_and_max_over_seeds_and_refuses_mismatched_steps():
    from course_lib.gan.critics import CriticConfig, CriticHistory
    from course_lib.gan.lipschitz_plots import w1_spread

    runs = [CriticHistory(CriticConfig(), w1_steps=[1, 10], w1_samples=w) for w in ([2.0, 0.3], [2.2, 0.9], [1.9, 0.6])]
    steps, mean, low, high = w1_spread(runs)
    assert steps.tolist() == [1, 10] and mean == pytest.approx([2.0333333, 0.6]) and low.tolist() == [1.9, 0.3] and high.tolist() == [2.2, 0.9]
    assert w1_spread(runs[0])[1].tolist() == [2.0, 0.3]  # one run is a spread of one
    with pytest.raises(ValueError, match="different steps"):
        w1_spread([runs[0], CriticHistory(CriticConfig(), w1_steps=[1, 20], w1_samples=[2.0, 0.1])])
    with pytest.raises(ValueError, match="non-empty list"):
        w1_spread([])


def test_critic_variant_figures_draw_bands_over_seeds_and_tell_variants_apart_without_colour():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from course_lib.gan.critics import train_critic_variants
    from course_lib.gan.distributions import Gaussian, GaussianRing
    from course_lib.gan.lipschitz_plots import plot_critic_variants_1d, plot_critic_variants_2d

    by_seed = [train_critic_variants(Gaussian(2, 0.5), 1, num_steps=10, grid=torch.linspace(-3, 5, 41)[:, None], seed=s) for s in (0, 1)]
    runs = {variant: [r[variant] for r in by_seed] for variant in by_seed[0]}
    fig = plot_critic_variants_1d(runs, Gaussian(2, 0.5))
    ax_w = fig.axes[0]
    assert len(ax_w.collections) == 4 and "2 seeds" in ax_w.get_title()  # one min-max band per variant
    looks = {(str(line.get_linestyle()), line.get_marker()) for line in ax_w.get_lines()}
    assert len(looks) == 4  # dash pattern and marker differ for every variant
    plt.close(fig)
    ring = GaussianRing()
    runs_2d = {variant: [run] for variant, run in train_critic_variants(ring, 2, num_steps=2).items()}
    fig = plot_critic_variants_2d(runs_2d, ring)
    markers = {type(c.get_paths()[0]).__name__ + str(c.get_paths()[0].vertices.shape) for c in fig.axes[1].collections}
    assert len(markers) == 2  # real dots and generated crosses have different shapes
    plt.close(fig)


def test_power_iteration_plot_says_why_a_curve_is_missing():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from course_lib.gan.lipschitz_plots import plot_power_iteration

    fig = plot_power_iteration({"exact at once": np.zeros(20), "broken": np.full(20, np.nan)}, ratios={"exact at once": 0.8, "broken": 0.8})
    texts = [text.get_text() for text in fig.axes[0].texts]
    assert "exact at once: every error is below round-off from k = 1: exact at once, not converging" in texts
    assert "broken: every error is NaN or infinite" in texts
    assert fig.axes[0].get_xlim() == (0, 21)
    plt.close(fig)
