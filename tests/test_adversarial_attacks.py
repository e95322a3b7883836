import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from course_lib.adversarial.attacks import fgsm, fgsm_from_gradient, loss_gradient, pgd
from course_lib.adversarial.data import load_digits
from course_lib.adversarial.models import accuracy, build_classifier, trained_classifier
from course_lib.adversarial.threat_models import in_ball, lp_norm

EPS = {"inf": 0.1, "2": 1.0}  # comparable budgets on 8×8 images: 0.1 per pixel, or 1.0 in total


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def data(digits_test):
    return digits_test


@pytest.fixture(scope="module")
def models():
    return {kind: trained_classifier(kind) for kind in ("mlp", "cnn", "dropout_mlp")}


ATTACKS = {
    "fgsm": lambda model, x, y, eps, norm: fgsm(model, x, y, eps, norm=norm),
    "pgd": lambda model, x, y, eps, norm: pgd(model, x, y, eps, alpha=eps / 4, steps=10, norm=norm),
    "pgd_random_start": lambda model, x, y, eps, norm: pgd(
        model, x, y, eps, alpha=eps / 4, steps=10, norm=norm, random_start=True, generator=torch.Generator().manual_seed(0)
    ),
}


# ----------------------------------------------------------------------------- the constraints


@pytest.mark.parametrize("attack", list(ATTACKS))
@pytest.mark.parametrize("norm", ["inf", "2"])
@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_adversarial_examples_stay_in_the_ball_and_the_clip_range_and_leave_x_alone(attack, norm, kind, models, data):
    x, y = data
    x_before = x.clone()
    x_adv = ATTACKS[attack](models[kind], x, y, EPS[norm], norm)
    assert torch.equal(x, x_before)
    assert x_adv.shape == x.shape and x_adv.dtype == x.dtype and not x_adv.requires_grad
    assert bool(in_ball(x_adv - x, EPS[norm], norm).all())
    assert float(x_adv.min()) >= 0.0 and float(x_adv.max()) <= 1.0
    assert accuracy(models[kind], x_adv, y) < accuracy(models[kind], x, y) - 0.3  # and the attack does something


def test_linf_fgsm_moves_every_free_pixel_by_exactly_eps(models, data):
    # sign(g) is ±1 wherever g != 0: each pixel moves by eps unless the box [0, 1] stops it first.
    x, y = data
    x_adv = fgsm(models["mlp"], x, y, 0.1)
    g = loss_gradient(models["mlp"], x, y)
    free = (g != 0) & (x + 0.1 * g.sign() >= 0) & (x + 0.1 * g.sign() <= 1)
    assert torch.allclose((x_adv - x).abs()[free], torch.tensor(0.1), atol=1e-7)


def test_l2_fgsm_spends_the_whole_budget_when_no_pixel_hits_the_box():
    torch.manual_seed(0)
    model, x, y = build_classifier("mlp"), torch.full((8, 1, 8, 8), 0.5), torch.arange(8)
    x_adv = fgsm(model, x, y, 0.5, norm="2")
    assert torch.allclose(lp_norm(x_adv - x, "2"), torch.full((8,), 0.5), atol=1e-6)


def test_clip_none_lets_the_attack_leave_the_unit_box_and_other_boxes_are_respected(models, data):
    x, y = data
    unclipped = fgsm(models["mlp"], x, y, 0.1, clip=None)
    assert float(unclipped.min()) == pytest.approx(-0.1) and float(unclipped.max()) == pytest.approx(1.1)
    boxed = fgsm(models["mlp"], x, y, 0.1, clip=(-0.05, 1.05))
    assert float(boxed.min()) == pytest.approx(-0.05) and torch.equal(boxed, unclipped.clamp(-0.05, 1.05))


def test_eps_zero_returns_x():
    model, x, y = build_classifier("mlp"), torch.rand(4, 1, 8, 8), torch.arange(4)
    assert torch.equal(fgsm(model, x, y, 0.0), x)
    assert torch.equal(pgd(model, x, y, 0.0, alpha=0.1, steps=3, norm="2"), x)


@pytest.mark.parametrize("norm", ["inf", "2"])
def test_a_sample_with_zero_gradient_stays_put_without_nan(norm):
    # A model that ignores its input has a zero input gradient: the step u(0) = 0, not 0/0.
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 10))
    nn.init.zeros_(model[1].weight)
    x, y = torch.rand(3, 1, 8, 8), torch.tensor([0, 1, 2])
    assert torch.equal(fgsm(model, x, y, 0.3, norm=norm), x)
    assert torch.equal(pgd(model, x, y, 0.3, alpha=0.1, steps=3, norm=norm), x)


# ----------------------------------------------------------------------------- the maths


def test_fgsm_gains_eps_times_the_dual_norm_to_first_order():
    # L(x + eps sign g) - L(x) = eps ||g||_1 + O(eps^2), with g the gradient of the *mean* loss. Float64,
    # so the comparison is about the Taylor remainder, not round-off.
    torch.manual_seed(0)
    model = build_classifier("mlp").double()
    x, y = torch.rand(16, 1, 8, 8, dtype=torch.float64), torch.randint(0, 10, (16,))
    g = loss_gradient(model, x, y)
    for norm, dual in [("inf", g.abs().sum()), ("2", torch.linalg.vector_norm(g.flatten(1), dim=1).sum())]:
        eps = 1e-5
        with torch.no_grad():
            gain = F.cross_entropy(model(fgsm(model, x, y, eps, norm=norm, clip=None)), y) - F.cross_entropy(model(x), y)
        assert float(gain) == pytest.approx(eps * float(dual), rel=1e-3)


def test_loss_gradient_is_the_gradient_of_the_mean_cross_entropy():
    # Peer: autograd on a loss written out by hand.
    torch.manual_seed(0)
    model = build_classifier("cnn").double()
    x, y = torch.rand(5, 1, 8, 8, dtype=torch.float64, requires_grad=True), torch.randint(0, 10, (5,))
    (-torch.log_softmax(model(x), dim=1)[torch.arange(5), y].mean()).backward()
    assert torch.allclose(loss_gradient(model, x, y), x.grad, rtol=1e-12, atol=1e-15)


def test_fgsm_is_fgsm_from_gradient_with_the_loss_gradient(models, data):
    x, y = data
    for norm in ("inf", "2"):
        expected = fgsm_from_gradient(x, loss_gradient(models["cnn"], x, y), EPS[norm], norm=norm)
        assert torch.equal(fgsm(models["cnn"], x, y, EPS[norm], norm=norm), expected)


def test_one_pgd_step_of_size_eps_from_x_is_fgsm(models, data):
    x, y = data
    for norm in ("inf", "2"):
        assert torch.equal(pgd(models["mlp"], x, y, EPS[norm], alpha=EPS[norm], steps=1, norm=norm), fgsm(models["mlp"], x, y, EPS[norm], norm=norm))


def test_pgd_finds_higher_loss_than_fgsm(models, data):
    x, y = data
    for kind in ("mlp", "cnn"):
        model = models[kind]
        loss_fgsm = F.cross_entropy(model(fgsm(model, x, y, 0.1)), y)
        loss_pgd = F.cross_entropy(model(pgd(model, x, y, 0.1, alpha=0.025, steps=10)), y)
        assert loss_pgd > loss_fgsm


@pytest.mark.parametrize("norm", [("inf", math.inf), ("2", 2, 2.0)])
def test_every_spelling_of_a_norm_gives_the_same_attack(norm, models, data):
    x, y = data
    results = [fgsm(models["mlp"], x, y, 0.1, norm=spelling) for spelling in norm]
    assert all(torch.equal(results[0], other) for other in results[1:])


def test_a_seeded_random_start_repeats_and_another_seed_differs(models, data):
    x, y = data
    run = lambda seed: pgd(models["mlp"], x, y, 0.1, 0.025, 2, random_start=True, generator=torch.Generator().manual_seed(seed))
    assert torch.equal(run(0), run(0))
    assert not torch.equal(run(0), run(1))


# ----------------------------------------------------------------------------- the model's state


def _attack_twice(attack, model, x, y):
    return attack(model, x, y, 0.1, "inf"), attack(model, x, y, 0.1, "inf")


@pytest.mark.parametrize("attack", list(ATTACKS))
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_a_dropout_model_is_attacked_identically_twice_and_keeps_its_mode(attack, mode, models, data):
    x, y = data
    model = models["dropout_mlp"]
    model.train(mode == "train")
    first, second = _attack_twice(ATTACKS[attack], model, x, y)
    assert torch.equal(first, second)
    assert all(m.training == (mode == "train") for m in model.modules())
    model.eval()


def test_attacking_a_dropout_model_left_in_training_mode_is_random_which_is_why_fgsm_uses_eval_mode(models, data):
    # The pitfall the test above guards against: a hand-written FGSM that forgets model.eval().
    x, y = data
    model = models["dropout_mlp"].train()

    def naive_fgsm(model, x, y, eps, norm):
        x = x.clone().requires_grad_(True)
        F.cross_entropy(model(x), y).backward()
        return (x + eps * x.grad.sign()).clamp(0, 1).detach()

    first, second = _attack_twice(naive_fgsm, model, x, y)
    assert not torch.equal(first, second)
    model.eval()


def test_the_mode_is_restored_after_an_error_too():
    model = build_classifier("dropout_mlp").train()
    with pytest.raises((IndexError, RuntimeError)):
        fgsm(model, torch.rand(2, 1, 8, 8), torch.tensor([0, 12]), 0.1)  # label 12 of 10 classes: cross-entropy fails
    assert all(m.training for m in model.modules())


def test_attacks_leave_the_model_parameters_gradients_alone_and_work_under_no_grad(data):
    x, y = data
    model = trained_classifier("mlp")
    with torch.no_grad():
        x_adv = pgd(model, x, y, 0.1, alpha=0.05, steps=2)
    assert torch.equal(x_adv, pgd(model, x, y, 0.1, alpha=0.05, steps=2))
    assert all(p.grad is None for p in model.parameters())


def test_x_that_requires_grad_is_neither_changed_nor_tracked(models, data):
    x, y = data
    x = x.clone().requires_grad_(True)
    x_adv = fgsm(models["mlp"], x, y, 0.1)
    assert not x_adv.requires_grad and x.grad is None


# ----------------------------------------------------------------------------- validation


X, Y = torch.rand(4, 1, 8, 8), torch.tensor([0, 1, 2, 3])


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"model": lambda x: x}, TypeError, r"`model` must be a torch.nn.Module"),
        ({"x": X.numpy()}, TypeError, r"`x` must be a torch tensor \(got ndarray\); convert it with torch.as_tensor"),
        ({"x": X[0, 0, 0]}, ValueError, r"`x` must have shape \(B, \.\.\.\), a batch \(got shape \(8,\)\); for a single one pass x.unsqueeze\(0\)"),
        ({"x": (X * 16).long()}, ValueError, r"`x` must be a float tensor \(got torch.int64\)"),
        ({"x": X.clone().index_fill_(0, torch.tensor([1]), math.nan)}, ValueError, r"`x` contains NaN or inf"),
        ({"x": X * 16}, ValueError, r"`x` must lie inside clip=\(0.0, 1.0\) \(got values from .* to .*\); scale the inputs"),
        ({"x": X - 1}, ValueError, r"`x` must lie inside clip=\(0.0, 1.0\)"),
        ({"y": Y.float()}, ValueError, r"`y` must hold int64 class labels \(got torch.float32\); convert it with y.long\(\)"),
        ({"y": F.one_hot(Y, 10)}, ValueError, r"`y` must have shape \(B,\) = \(4,\).*\(got shape \(4, 10\)\); for one-hot rows pass y.argmax\(1\)"),
        ({"y": Y[:3]}, ValueError, r"`y` must have shape \(B,\) = \(4,\), one label per input of `x` \(got shape \(3,\)\)"),
        ({"y": [0, 1, 2, 3]}, TypeError, r"`y` must be a torch tensor of int64 labels \(got list\)"),
        ({"eps": -0.1}, ValueError, r"`eps` must be a finite number >= 0 such as 0.1 \(got -0.1\)"),
        ({"eps": math.nan}, ValueError, r"`eps` must be a finite number >= 0"),
        ({"eps": "0.1"}, ValueError, r"`eps` must be a finite number >= 0"),
        ({"norm": 1}, ValueError, r"`norm` must be 'inf' \(or float\('inf'\)\) for the L∞ ball, or '2' \(or 2\) for the L2 ball \(got 1\)"),
        ({"norm": "L2"}, ValueError, r"`norm` must be 'inf'.*\(got 'L2'\)"),
        ({"clip": (1.0, 0.0)}, ValueError, r"`clip` must be None or a pair \(low, high\) with low < high, such as \(0.0, 1.0\) \(got \(1.0, 0.0\)\)"),
        ({"clip": 1.0}, ValueError, r"`clip` must be None or a pair"),
    ],
)
@pytest.mark.parametrize("attack", ["fgsm", "pgd"])
def test_attacks_reject_each_bad_input_with_a_message(attack, kwargs, error, message):
    arguments = {"model": build_classifier("mlp"), "x": X, "y": Y, "eps": 0.1} | kwargs
    if attack == "pgd":
        arguments |= {"alpha": 0.02, "steps": 2}
    with pytest.raises(error, match=message):
        (fgsm if attack == "fgsm" else pgd)(**arguments)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"alpha": 0.0}, ValueError, r"`alpha` must be a finite number > 0 such as 2.5 \* eps / steps \(got 0.0\)"),
        ({"alpha": -0.01}, ValueError, r"`alpha` must be a finite number > 0"),
        ({"steps": 0}, ValueError, r"`steps` must be an int >= 1 such as 10 \(got 0\)"),
        ({"steps": 2.0}, ValueError, r"`steps` must be an int >= 1"),
        ({"generator": 0}, TypeError, r"`generator` must be a torch.Generator, such as torch.Generator\(\).manual_seed\(0\) \(got int\)"),
    ],
)
def test_pgd_rejects_bad_step_settings(kwargs, error, message):
    arguments = {"model": build_classifier("mlp"), "x": X, "y": Y, "eps": 0.1, "alpha": 0.02, "steps": 2} | kwargs
    with pytest.raises(error, match=message):
        pgd(**arguments)


def test_fgsm_from_gradient_wants_a_gradient_shaped_like_x():
    with pytest.raises(ValueError, match=r"`grad` must be a tensor shaped like `x`, \(4, 1, 8, 8\) \(got torch.Size\(\[4, 64\]\)\)"):
        fgsm_from_gradient(X, torch.zeros(4, 64), 0.1)
