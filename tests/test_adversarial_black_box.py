import math

import pytest
import torch
from torch import nn

from course_lib.adversarial.attacks import (
    GradientEstimate,
    TransferMatrix,
    default_step,
    fgsm,
    finite_difference_gradient,
    pgd,
    random_direction_gradient,
    transfer_attack,
    transfer_matrix,
)
from course_lib.adversarial.data import load_digits
from course_lib.adversarial.models import accuracy, build_classifier, trained_classifier


pytestmark = pytest.mark.usefixtures("one_thread")


class CountingBlackBox:
    """A smooth function of a (2, 3, 4) tensor that counts the points it is evaluated at, single or batched."""

    def __init__(self):
        generator = torch.Generator().manual_seed(0)
        self.weights = torch.randn(5, 24, generator=generator, dtype=torch.float64)
        self.queries, self.calls = 0, 0

    def value(self, x: torch.Tensor) -> torch.Tensor:
        """(..., 2, 3, 4) to (...): log-sum-exp of a linear map, plus sin(3x) and x^3 terms."""
        flat = x.reshape(*x.shape[:-3], 24)
        return torch.logsumexp(flat @ self.weights.T, dim=-1) + torch.sin(3 * flat).sum(-1) + (flat**3).sum(-1) / 3

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        self.queries += 1 if x.dim() == 3 else len(x)
        return self.value(x)


def true_gradient(box: CountingBlackBox, x: torch.Tensor) -> torch.Tensor:
    x = x.clone().requires_grad_(True)
    box.value(x).backward()
    return x.grad


X = torch.rand(2, 3, 4, generator=torch.Generator().manual_seed(1), dtype=torch.float64) - 0.5  # D = 24


# ----------------------------------------------------------------------------- finite differences


@pytest.mark.parametrize("h", [None, 1e-4])
def test_central_differences_match_autograd_to_1e_6_in_float64(h):
    # Peer: autograd. The central error is h^2 |f'''| / 6 plus round-off 1e-16 / h: both far below 1e-6.
    box = CountingBlackBox()
    estimate = finite_difference_gradient(box, X, h=h)
    assert estimate.gradient.shape == X.shape
    assert (estimate.gradient - true_gradient(box, X)).abs().max() < 1e-6


@pytest.mark.parametrize("method, order", [("forward", 1), ("central", 2)])
def test_halving_h_halves_the_forward_error_and_quarters_the_central_error(method, order):
    box = CountingBlackBox()
    truth = true_gradient(box, X)
    errors = [float((finite_difference_gradient(box, X, h=h, method=method).gradient - truth).abs().max()) for h in (1e-2, 5e-3)]
    assert errors[0] / errors[1] == pytest.approx(2**order, rel=0.05)


@pytest.mark.parametrize("method, queries", [("central", 48), ("forward", 25)])
@pytest.mark.parametrize("batched", [False, True])
def test_the_query_count_is_2d_central_and_d_plus_1_forward(method, queries, batched):
    box = CountingBlackBox()
    estimate = finite_difference_gradient(box, X, method=method, batched=batched)
    assert estimate.queries == box.queries == queries  # counted by the black box itself, D = 24
    assert box.calls == (1 if batched else queries)


def test_batched_and_single_queries_give_the_same_estimate():
    single = finite_difference_gradient(CountingBlackBox(), X)
    batched = finite_difference_gradient(CountingBlackBox(), X, batched=True)
    assert torch.allclose(single.gradient, batched.gradient, rtol=0, atol=1e-9)


def test_the_denominator_is_the_step_actually_taken_in_float32():
    # f(x) = x has slope 1. In float32, (0.7 + h) - (0.7 - h) is not 2h: dividing by 2h errs by 1e-5.
    x, h = torch.tensor([0.7]), 3e-3
    naive = float((x + h) - (x - h)) / (2 * h)
    assert abs(naive - 1.0) > 1e-6  # the error the library avoids
    assert finite_difference_gradient(lambda v: v.sum(), x, h=h).gradient.item() == 1.0


def test_the_default_step_balances_truncation_and_round_off():
    assert default_step(torch.float64) == pytest.approx((2.0**-52) ** (1 / 3))
    assert default_step(torch.float32, "forward") == pytest.approx((2.0**-23) ** 0.5)
    estimate = finite_difference_gradient(lambda v: (v**2).sum(), torch.tensor([0.5, -0.25]))  # float32, h = 4.9e-3
    assert torch.allclose(estimate.gradient, torch.tensor([1.0, -0.5]), atol=1e-4)


def test_a_gradient_estimate_shows_its_method_and_cost():
    estimate = finite_difference_gradient(lambda v: (v**2).sum(), torch.tensor([1.0, 2.0], dtype=torch.float64), method="forward", h=1e-6)
    assert repr(estimate).startswith("GradientEstimate(forward differences, h=1.0e-06, 3 queries, ‖gradient‖₂ = 4.47")
    assert isinstance(estimate, GradientEstimate)


def test_a_digit_loss_gradient_is_estimated_from_128_queries():
    # The black box of notebook 07: the loss of a float64 MLP on one digit, queried point by point.
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(0), nn.Linear(64, 32), nn.Tanh(), nn.Linear(32, 10)).double()  # smooth
    x, y = load_digits("test")[0][0].double(), torch.tensor(3)  # (1, 8, 8)
    loss = lambda image: nn.functional.cross_entropy(model(image), y)
    estimate = finite_difference_gradient(loss, x)
    image = x.clone().requires_grad_(True)
    loss(image).backward()
    assert estimate.queries == 128
    assert (estimate.gradient - image.grad).abs().max() < 1e-6


# ----------------------------------------------------------------------------- random directions


def _cosine(a: torch.Tensor, b: torch.Tensor) -> float:
    return float(torch.cosine_similarity(a.flatten(), b.flatten(), dim=0))


def test_the_random_direction_estimate_aligns_with_the_gradient_as_directions_grow():
    # Seeded. Expected cosine about sqrt(n / (n + D)) in D = 64 dimensions: 0.24, 0.58, 0.89, 0.98.
    generator = torch.Generator().manual_seed(0)
    weights = torch.randn(64, generator=generator, dtype=torch.float64)
    f = lambda v: torch.sin(v.flatten() @ weights) + (v**2).sum()
    x = torch.rand(1, 8, 8, generator=generator, dtype=torch.float64)
    truth = torch.func.grad(f)(x)
    cosines = [_cosine(random_direction_gradient(f, x, n, generator=torch.Generator().manual_seed(1)).gradient, truth) for n in (4, 32, 256, 2048)]
    assert cosines == sorted(cosines)
    assert cosines[0] < 0.5 and cosines[-1] > 0.95


@pytest.mark.parametrize("antithetic", [True, False])
def test_the_random_direction_estimate_is_unbiased_for_a_linear_function(antithetic):
    # E[(u.g) u] = g for u ~ N(0, I): with 20000 directions in D = 24 the relative error is about
    # sqrt(25 / 20000) = 0.035. A slope off by a factor (2 sigma against sigma) fails by 100%.
    g = torch.randn(2, 3, 4, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    estimate = random_direction_gradient(lambda v: (v * g).sum(), X, 20000, generator=torch.Generator().manual_seed(0), antithetic=antithetic)
    assert float(torch.linalg.vector_norm(estimate.gradient - g) / torch.linalg.vector_norm(g)) < 0.1


@pytest.mark.parametrize("antithetic, queries", [(True, 20), (False, 11)])
def test_random_directions_cost_2n_antithetic_or_n_plus_1_queries(antithetic, queries):
    box = CountingBlackBox()
    estimate = random_direction_gradient(box, X, 10, generator=torch.Generator().manual_seed(0), antithetic=antithetic)
    assert estimate.queries == box.queries == queries
    assert repr(estimate).startswith(f"GradientEstimate(10 random directions ({'antithetic' if antithetic else 'forward'}), sigma=1e-03, {queries} queries")


def test_random_directions_are_seeded_by_the_generator():
    run = lambda seed: random_direction_gradient(CountingBlackBox(), X, 5, generator=torch.Generator().manual_seed(seed)).gradient
    assert torch.equal(run(0), run(0)) and not torch.equal(run(0), run(1))


def test_antithetic_pairs_cancel_the_curvature_that_biases_forward_differences():
    # f = g.x + |x|^2 at x = 0: the forward estimate picks up sigma |u|^2 u / 1 per direction (a bias
    # of zero mean but large variance); the antithetic one sees only g. Same directions for both.
    g = torch.randn(24, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    f = lambda v: v.flatten() @ g + 50 * (v**2).sum()
    x = torch.zeros(2, 3, 4, dtype=torch.float64)
    estimate = lambda antithetic: random_direction_gradient(f, x, 400, sigma=1e-2, generator=torch.Generator().manual_seed(0), antithetic=antithetic)
    linear_only = random_direction_gradient(lambda v: v.flatten() @ g, x, 400, sigma=1e-2, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(estimate(True).gradient, linear_only.gradient, atol=1e-9)
    assert _cosine(estimate(False).gradient, g) < _cosine(estimate(True).gradient, g)


# ----------------------------------------------------------------------------- transfer


@pytest.fixture(scope="module")
def test_data(digits_test):
    return digits_test


@pytest.fixture(scope="module")
def surrogate_and_target():
    # Different architectures trained on disjoint halves of the training split: the attacker shares neither.
    return trained_classifier("mlp", data="train_a"), trained_classifier("cnn", data="train_b")


def test_fgsm_crafted_on_a_surrogate_lowers_a_different_models_accuracy(surrogate_and_target, test_data):
    # Measured (eps = 0.2): target 96.1% -> 35.7%; surrogate 93.9% -> 1.9% (white box); random
    # signs of the same size cost the target only about 7 points. Bars: a 40-point drop by transfer,
    # at most 10 points by noise, and transfer weaker than the white-box attack.
    surrogate, target = surrogate_and_target
    x, y = test_data
    result = transfer_attack(surrogate, target, x, y, eps=0.2)
    assert result.target_adv_accuracy < result.target_accuracy - 0.4
    assert result.surrogate_adv_accuracy < result.target_adv_accuracy
    noise = 0.2 * (torch.randint(0, 2, x.shape, generator=torch.Generator().manual_seed(0)) * 2 - 1)
    assert accuracy(target, (x + noise).clamp(0, 1), y) > result.target_accuracy - 0.1
    assert torch.equal(result.x_adv, fgsm(surrogate, x, y, 0.2))  # crafted on the surrogate alone


def test_transfer_with_pgd_uses_the_default_step_and_reports_every_accuracy(surrogate_and_target, test_data):
    surrogate, target = surrogate_and_target
    x, y = test_data
    result = transfer_attack(surrogate, target, x, y, eps=0.2, attack="pgd", steps=5)
    assert torch.equal(result.x_adv, pgd(surrogate, x, y, 0.2, alpha=2.5 * 0.2 / 5, steps=5))
    assert result.surrogate_accuracy == accuracy(surrogate, x, y) and result.target_accuracy == accuracy(target, x, y)
    assert result.target_adv_accuracy == accuracy(target, result.x_adv, y)
    assert repr(result) == (
        f"TransferResult(pgd, eps=0.2: target {result.target_accuracy:.1%} → {result.target_adv_accuracy:.1%} (transferred), "
        f"surrogate {result.surrogate_accuracy:.1%} → {result.surrogate_adv_accuracy:.1%} (white box))"
    )


def test_the_transfer_matrix_is_white_box_on_the_diagonal_and_transfer_off_it(surrogate_and_target, test_data):
    surrogate, target = surrogate_and_target
    x, y = test_data
    matrix = transfer_matrix({"mlp_a": surrogate, "cnn_b": target}, x, y, eps=0.2)
    assert isinstance(matrix, TransferMatrix) and matrix.names == ["mlp_a", "cnn_b"]
    assert matrix.accuracy.shape == (2, 2)
    pair = transfer_attack(surrogate, target, x, y, eps=0.2)
    assert matrix.accuracy[0, 0] == pytest.approx(pair.surrogate_adv_accuracy)
    assert matrix.accuracy[0, 1] == pytest.approx(pair.target_adv_accuracy)
    assert matrix.clean_accuracy.tolist() == pytest.approx([pair.surrogate_accuracy, pair.target_accuracy])
    assert (matrix.accuracy.diagonal() < matrix.accuracy.flip(0).diagonal().flip(0)).all()  # each column: white box wins
    assert "mlp_a" in repr(matrix) and f"{float(matrix.accuracy[1, 0]):.1%}" in repr(matrix).splitlines()[-1]


# ----------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"h": 0.0}, ValueError, r"`h` must be a finite number > 0 such as 1e-4 \(got 0.0\)"),
        ({"h": -1e-3}, ValueError, r"`h` must be a finite number > 0"),
        ({"method": "backward"}, ValueError, r"`method` must be 'central' or 'forward' \(got 'backward'\)"),
        ({"x": torch.tensor([1.0]), "h": 1e-9}, ValueError, r"`h`=1e-09 is lost to round-off at x's precision \(torch.float32\).*take h >= 3e-04"),
        ({"x": torch.tensor([1, 2])}, ValueError, r"`x` must be a float tensor, the point to estimate the gradient at \(got torch.int64\); convert it with x.double\(\)"),
        ({"x": torch.tensor([math.nan])}, ValueError, r"`x` contains NaN or inf"),
        ({"x": [1.0, 2.0]}, TypeError, r"`x` must be a float tensor, the point to estimate the gradient at \(got list\)"),
        ({"f": 3.0}, TypeError, r"`f` must be a function of one input, the black box \(got float\)"),
        ({"f": lambda v: v}, ValueError, r"`f` must return one number for one input shaped like x \(got shape \(2,\)\).*batched=True"),
        ({"f": lambda v: v.sum(), "batched": True}, ValueError, r"with batched=True, `f` must map a stack of 4 inputs to 4 values, shape \(4,\) \(got shape \(\)\)"),
    ],
)
def test_finite_differences_reject_each_bad_input(kwargs, error, message):
    arguments = {"f": lambda v: (v**2).sum(), "x": torch.tensor([1.0, 2.0])} | kwargs
    with pytest.raises(error, match=message):
        finite_difference_gradient(**arguments)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"num_directions": 0}, r"`num_directions` must be an int >= 1 such as 100 \(got 0\)"),
        ({"sigma": 0.0}, r"`sigma` must be a finite number > 0 such as 1e-3 \(got 0.0\)"),
        ({"batched": "yes"}, r"`batched` must be True or False \(got 'yes'\)"),
    ],
)
def test_random_directions_reject_each_bad_input(kwargs, message):
    arguments = {"f": lambda v: (v**2).sum(), "x": torch.tensor([1.0, 2.0]), "num_directions": 4} | kwargs
    with pytest.raises(ValueError, match=message):
        random_direction_gradient(**arguments)


MLP = build_classifier("mlp")
XS, YS = torch.rand(4, 1, 8, 8), torch.tensor([0, 1, 2, 3])


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"surrogate": "mlp"}, TypeError, r"`surrogate` must be a torch.nn.Module"),
        ({"target": None}, TypeError, r"`target` must be a torch.nn.Module"),
        ({"attack": "cw"}, ValueError, r"`attack` must be 'fgsm' or 'pgd' \(got 'cw'\)"),
        ({"alpha": 0.0, "attack": "pgd"}, ValueError, r"`alpha` must be a finite number > 0"),
        ({"steps": 0, "attack": "pgd"}, ValueError, r"`steps` must be an int >= 1"),
        ({"eps": -1.0}, ValueError, r"`eps` must be a finite number >= 0"),
        ({"y": YS[:2]}, ValueError, r"one label per input of `x`"),
    ],
)
def test_transfer_attack_rejects_each_bad_input(kwargs, error, message):
    arguments = {"surrogate": MLP, "target": MLP, "x": XS, "y": YS, "eps": 0.1} | kwargs
    with pytest.raises(error, match=message):
        transfer_attack(**arguments)


@pytest.mark.parametrize(
    "models, error, message",
    [
        ({}, ValueError, r"`models` must be a non-empty dict of names to models"),
        ([MLP], ValueError, r"`models` must be a non-empty dict"),
        ({"mlp": MLP, "bad": "cnn"}, TypeError, r"`models\['bad'\]` must be a torch.nn.Module"),
    ],
)
def test_transfer_matrix_rejects_bad_model_collections(models, error, message):
    with pytest.raises(error, match=message):
        transfer_matrix(models, XS, YS, 0.1)
