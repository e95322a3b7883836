import math

import pytest
import torch

from course_lib.gan.distributions import Gaussian, GaussianRing, Mixture
from course_lib.gan.networks import Discriminator, Generator
from course_lib.gan.plots import grid_1d
from course_lib.gan.training import GANConfig, generator_gradient_norm, generator_push, train_discriminator, train_gan

TWO_MODES = Mixture([Gaussian(-2.0, 0.5), Gaussian(2.0, 0.5)])


def run(config: GANConfig, seed: int = 0, data=TWO_MODES):
    torch.manual_seed(seed)
    generator, discriminator = Generator(), Discriminator()
    history = train_gan(generator, discriminator, data, config, rng=torch.Generator().manual_seed(seed), grid=grid_1d(), progress=False)
    return history, generator


def test_training_is_deterministic_for_a_seed():
    first, _ = run(GANConfig(num_steps=30))
    second, _ = run(GANConfig(num_steps=30))
    assert first.value == second.value and first.loss_g == second.loss_g


def test_history_records_every_step_and_the_snapshots_asked_for():
    history, _ = run(GANConfig(num_steps=40, snapshot_every=10, num_shown=64))
    assert len(history.value) == len(history.loss_d) == len(history.loss_g) == 40
    assert [s.step for s in history.snapshots] == [0, 10, 20, 30, 40]
    assert history.snapshots[-1].x_fake.shape == (64, 1)
    assert history.snapshots[-1].d_grid.shape == (len(grid_1d()),)
    assert "40 steps" in repr(history)


def test_phase_snapshots_alternate_discriminator_and_generator_moves():
    history, _ = run(GANConfig(num_steps=3, d_steps=2, snapshot_every=1, phase_snapshots=True))
    assert [(s.step, s.phase) for s in history.snapshots] == [
        (0, "start"), (0, "discriminator"), (1, "generator"), (1, "discriminator"), (2, "generator"), (2, "discriminator"), (3, "generator"),
    ]


def test_discriminator_moves_change_d_but_not_the_samples():
    history, _ = run(GANConfig(num_steps=2, snapshot_every=1, phase_snapshots=True))
    start, after_d = history.snapshots[0], history.snapshots[1]
    assert (start.x_fake == after_d.x_fake).all()
    assert not (start.d_grid == after_d.d_grid).all()


def test_a_1d_gan_learns_the_two_bumps():
    # A test that can fail: an untrained generator has std about 0.1 and puts all its mass in one place.
    history, generator = run(GANConfig())  # the defaults are tuned for this toy
    with torch.no_grad():
        x = generator.sample(4000, generator=torch.Generator().manual_seed(5))[:, 0]
    assert 1.5 < x.std().item() < 2.6  # the data's std is 2.06
    assert 0.3 < (x > 0).float().mean().item() < 0.7  # both bumps get a fair share
    assert abs(history.value[-1] + math.log(4)) < 0.3


def test_a_2d_gan_covers_the_ring():
    torch.manual_seed(0)
    ring = GaussianRing(num_modes=8, radius=2.0, std=0.1)
    generator, discriminator = Generator(2, 2, hidden=48), Discriminator(2, hidden=48)
    config = GANConfig(num_steps=200, lr_d=3e-3, lr_g=3e-3, betas=(0.0, 0.9))  # notebook 01's run
    train_gan(generator, discriminator, ring, config, rng=torch.Generator().manual_seed(0), progress=False)
    with torch.no_grad():
        assert ring.modes_covered(generator.sample(2000, generator=torch.Generator().manual_seed(1))) >= 6


def test_the_inner_max_raises_the_value_towards_zero():
    torch.manual_seed(0)
    values = train_discriminator(Discriminator(), Generator(), TWO_MODES, num_steps=150)
    assert values[0] < -1.2 and values[-1] > -0.2


def test_train_discriminator_records_v_before_each_update():
    # Peer: gan_value of the untrained D on the same first batch (same seed, same draws).
    from copy import deepcopy

    from course_lib.gan.losses import gan_value

    torch.manual_seed(0)
    generator, discriminator = Generator(), Discriminator()
    untrained = deepcopy(discriminator)
    values = train_discriminator(discriminator, generator, TWO_MODES, num_steps=3, rng=torch.Generator().manual_seed(0))
    rng = torch.Generator().manual_seed(0)
    x_real = TWO_MODES.sample(GANConfig().batch_size, generator=rng)
    with torch.no_grad():
        x_fake = generator.sample(GANConfig().batch_size, generator=rng)
        first, after_three = (float(gan_value(d(x_real), d(x_fake))) for d in (untrained, discriminator))
    assert values[0] == pytest.approx(first, abs=1e-6)
    assert values[0] != pytest.approx(after_three, abs=1e-6)


def test_a_confident_discriminator_starves_only_the_saturating_loss():
    torch.manual_seed(0)
    generator, discriminator = Generator(), Discriminator()
    train_discriminator(discriminator, generator, TWO_MODES, num_steps=150)
    rng = torch.Generator().manual_seed(0)
    saturating = generator_gradient_norm(generator, discriminator, "saturating", rng=rng)
    non_saturating = generator_gradient_norm(generator, discriminator, "non-saturating", rng=rng)
    assert non_saturating > 10 * saturating


def test_mismatched_dimensions_are_named_before_training():
    with pytest.raises(ValueError, match="data has dimension 2.*1-D samples.*data_dim=2"):
        train_gan(Generator(), Discriminator(), GaussianRing(), GANConfig(num_steps=1), progress=False)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"num_steps": 0}, "num_steps must be a positive int"),
        ({"lr_d": float("nan")}, "lr_d must be a positive learning rate"),
        ({"generator_loss": "minimax"}, "generator_loss must be one of"),
    ],
)
def test_config_rejects_bad_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        GANConfig(**kwargs)


class NaNData:
    """Data that has gone bad: every sample is NaN."""

    def sample(self, n, generator=None):
        return torch.full((n, 1), float("nan"))


def test_divergence_is_reported_with_its_step():
    with pytest.raises(FloatingPointError, match="training diverged at step 1.*lower config.lr_d"):
        run(GANConfig(num_steps=1), data=NaNData())


def test_unknown_loss_name_is_rejected():
    with pytest.raises(ValueError, match="`loss` must be one of"):
        generator_gradient_norm(Generator(), Discriminator(), "wasserstein")


def per_sample_push(discriminator, x, loss):
    """Peer: torch.func's per-sample gradient of the loss of a batch of one, for every sample (vmap over grad)."""
    from torch.func import grad, vmap

    from course_lib.gan.losses import GENERATOR_LOSSES

    one_sample_loss = lambda xi: GENERATOR_LOSSES[loss](discriminator(xi.unsqueeze(0)))  # noqa: E731
    return -vmap(grad(one_sample_loss))(x)


@pytest.mark.parametrize("loss", ["non-saturating", "saturating"])
def test_snapshot_push_is_autograds_per_sample_gradient_of_the_generator_loss(loss):
    # The last snapshot is taken with the final D (the G step after D's last step leaves D alone).
    torch.manual_seed(0)
    ring = GaussianRing(num_modes=8, radius=2.0, std=0.1)
    generator, discriminator = Generator(2, 2, hidden=16), Discriminator(2, hidden=16)
    config = GANConfig(num_steps=6, snapshot_every=3, num_shown=64, generator_loss=loss)
    history = train_gan(generator, discriminator, ring, config, rng=torch.Generator().manual_seed(0), progress=False)
    last = history.snapshots[-1]
    x = torch.from_numpy(last.x_fake)
    peer = per_sample_push(discriminator, x, loss)
    assert last.push.shape == (64, 2)
    # float32 through the same small network: agreement to round-off.
    assert torch.allclose(torch.from_numpy(last.push), peer, rtol=1e-5, atol=1e-7)
    # and the chain rule of notebook 01: (1 - D) grad l for the non-saturating loss, D grad l for the saturating one
    from torch.func import grad, vmap

    grad_logit = vmap(grad(lambda xi: discriminator(xi.unsqueeze(0)).squeeze(0)))(x)  # (64, 2)
    with torch.no_grad():
        d = discriminator.prob(x).unsqueeze(1)  # (64, 1)
    weight = 1 - d if loss == "non-saturating" else d
    assert torch.allclose(torch.from_numpy(last.push), weight * grad_logit, rtol=1e-4, atol=1e-6)


def test_generator_push_leaves_the_discriminators_gradients_alone():
    discriminator = Discriminator(data_dim=2)
    push = generator_push(discriminator, torch.randn(8, 2, generator=torch.Generator().manual_seed(0)))
    assert push.shape == (8, 2) and not push.requires_grad
    assert all(p.grad is None for p in discriminator.parameters())


def test_generator_push_names_the_losses_it_knows():
    with pytest.raises(ValueError, match="`generator_loss` must be one of"):
        generator_push(Discriminator(), torch.zeros(3, 1), "wasserstein")
