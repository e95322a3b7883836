import math

import pytest
import torch
import torch.nn.functional as F

from course_lib.gan.losses import (
    discriminator_loss,
    gan_value,
    non_saturating_generator_loss,
    saturating_generator_loss,
)


def test_value_at_an_undecided_discriminator_is_minus_log_4():
    assert gan_value(torch.zeros(5), torch.zeros(3)).item() == pytest.approx(-math.log(4), abs=1e-7)


def test_discriminator_loss_equals_torch_binary_cross_entropy():
    # Peer: torch's BCE-with-logits, labels real = 1 and fake = 0; float32 round-off only.
    real, fake = torch.randn(64) * 3, torch.randn(32) * 3
    peer = F.binary_cross_entropy_with_logits(real, torch.ones(64)) + F.binary_cross_entropy_with_logits(fake, torch.zeros(32))
    assert discriminator_loss(real, fake).item() == pytest.approx(peer.item(), rel=1e-6)


def test_value_is_the_explicit_expectation_of_log_d_and_log_one_minus_d():
    real, fake = torch.randn(50, dtype=torch.float64), torch.randn(40, dtype=torch.float64)
    d_real, d_fake = torch.sigmoid(real), torch.sigmoid(fake)
    explicit = torch.log(d_real).mean() + torch.log(1 - d_fake).mean()
    assert gan_value(real, fake).item() == pytest.approx(explicit.item(), rel=1e-12)


@pytest.mark.parametrize(
    "loss, formula",
    [(saturating_generator_loss, lambda d: -d), (non_saturating_generator_loss, lambda d: -(1 - d))],
)
def test_generator_loss_gradients_match_the_derivation(loss, formula):
    logits = torch.linspace(-8, 8, 33, dtype=torch.float64, requires_grad=True)
    (gradient,) = torch.autograd.grad(loss(logits) * len(logits), logits)
    assert torch.allclose(gradient, formula(torch.sigmoid(logits.detach())), atol=1e-12)


def test_saturating_gradient_vanishes_when_the_discriminator_rejects_fakes():
    confident_reject = torch.full((10,), -12.0, requires_grad=True)  # D(G(z)) about 6e-6
    (saturating,) = torch.autograd.grad(saturating_generator_loss(confident_reject), confident_reject)
    (non_saturating,) = torch.autograd.grad(non_saturating_generator_loss(confident_reject), confident_reject)
    assert saturating.abs().max() < 1e-5 < 0.09 < non_saturating.abs().min()


def test_losses_stay_finite_for_extreme_logits():
    extreme = torch.tensor([-500.0, 500.0])
    for value in [gan_value(extreme, extreme), saturating_generator_loss(extreme), non_saturating_generator_loss(extreme)]:
        assert torch.isfinite(value)


def test_logits_of_shape_b_by_1_get_a_message_suggesting_squeeze():
    with pytest.raises(ValueError, match=r"shape \(B,\).*\(4, 1\).*squeeze"):
        gan_value(torch.zeros(4, 1), torch.zeros(4))


def test_non_tensor_logits_are_rejected_by_type():
    with pytest.raises(TypeError, match="`fake_logits` must be a torch.Tensor"):
        non_saturating_generator_loss([0.0, 1.0])
