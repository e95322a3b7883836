"""Alternating gradient steps: k discriminator steps, then one generator step.

``train_gan`` returns a ``History``: losses per step and snapshots (generated samples, the push
of the generator's loss on each, and D on a grid). Figures and widgets replay a history; they never train on their own.

Introduced in notebooks/01_gan_game.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import torch
from tqdm.auto import tqdm

from course_lib.gan.losses import GENERATOR_LOSSES, discriminator_loss, gan_value
from course_lib.gan.networks import Discriminator, Generator
from course_lib.optim import Adam

Tensor = torch.Tensor


class Samples(Protocol):
    """Anything with ``sample(n, generator)``: every distribution in ``course_lib.gan.distributions``."""

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor: ...


@dataclass
class GANConfig:
    """Settings of a GAN run. The defaults train the course's 1D toy in about a second."""

    num_steps: int = 150  # generator updates: enough for the 1D toy, well under a second on one thread
    d_steps: int = 1  # k, discriminator steps per generator step (Goodfellow et al. 2014 use k = 1)
    batch_size: int = 128  # small batches are noisy; 128 is cheap and steady on the toys
    lr_d: float = 4e-3  # Adam step sizes: far larger than for images; the toys are tiny and training is short
    lr_g: float = 4e-3
    betas: tuple[float, float] = (0.5, 0.999)  # the usual GAN Adam setting (Radford et al. 2016)
    generator_loss: str = "non-saturating"  # or "saturating", the loss of the minimax game
    snapshot_every: int = 20  # keep samples and D(grid) this often, for figures and widgets
    num_shown: int = 512  # generated samples kept per snapshot, from one fixed noise batch
    phase_snapshots: bool = False  # also snapshot between the D steps and the G step (step mode)

    def __post_init__(self) -> None:
        for name in ("num_steps", "d_steps", "batch_size", "snapshot_every", "num_shown"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"GANConfig.{name} must be a positive int (got {value!r})")
        for name in ("lr_d", "lr_g"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise ValueError(f"GANConfig.{name} must be a positive learning rate such as 2e-3 (got {value!r})")
        if self.generator_loss not in GENERATOR_LOSSES:
            raise ValueError(
                f"GANConfig.generator_loss must be one of {sorted(GENERATOR_LOSSES)} (got {self.generator_loss!r})"
            )


@dataclass
class Snapshot:
    """The state of the game at one moment: which step, after which player moved, what G makes, what D says."""

    step: int  # generator steps taken so far
    phase: str  # "start", "discriminator" (after the k D steps) or "generator" (after the G step)
    x_fake: np.ndarray  # (num_shown, data_dim) generated samples, always from the same noise
    d_grid: np.ndarray | None  # (num_grid,) D(x) on the history's grid, or None without a grid
    value: float  # V(D, G) on the fixed real samples and x_fake, at this moment
    push: np.ndarray | None = None  # (num_shown, data_dim) -∇_x of the generator loss at each x_fake, under this D


@dataclass
class History:
    """What a GAN run produced: per-step losses and snapshots to replay."""

    config: GANConfig
    grid: np.ndarray | None  # (num_grid, data_dim) points where D was evaluated
    value: list[float] = field(default_factory=list)  # V(D, G) on each D step's batch, taken before that D update; mean over the k D steps
    loss_d: list[float] = field(default_factory=list)
    loss_g: list[float] = field(default_factory=list)
    snapshots: list[Snapshot] = field(default_factory=list)

    def __repr__(self) -> str:
        last = f", final V={self.value[-1]:.4f}" if self.value else ""
        return (
            f"History({len(self.value)} steps, k={self.config.d_steps}, "
            f"{self.config.generator_loss} generator loss, {len(self.snapshots)} snapshots{last})"
        )


class GANTrainer:
    """Holds the two players and their optimisers; ``step()`` plays one round of the game."""

    def __init__(
        self,
        generator: Generator,
        discriminator: Discriminator,
        data: Samples,
        config: GANConfig,
        rng: torch.Generator,
    ):
        data_dim = data.sample(1, generator=torch.Generator().manual_seed(0)).shape[-1]
        if not generator.data_dim == discriminator.data_dim == data_dim:
            raise ValueError(
                f"the data has dimension {data_dim}, but the generator makes {generator.data_dim}-D samples and the "
                f"discriminator reads {discriminator.data_dim}-D ones; build them with data_dim={data_dim}"
            )
        self.generator, self.discriminator, self.data = generator, discriminator, data
        self.config, self.rng = config, rng
        self.opt_d = Adam(discriminator.parameters(), lr=config.lr_d, betas=config.betas)
        self.opt_g = Adam(generator.parameters(), lr=config.lr_g, betas=config.betas)
        self.loss_g_fn = GENERATOR_LOSSES[config.generator_loss]

    def discriminator_step(self) -> float:
        """One ascent step of D on V(D, G) (a descent step on -V). Returns V on this batch, computed before the update."""
        x_real = self.data.sample(self.config.batch_size, generator=self.rng)
        with torch.no_grad():
            x_fake = self.generator.sample(self.config.batch_size, generator=self.rng)
        logits = self.discriminator(torch.cat([x_real, x_fake]))  # one pass over both: (2B,)
        loss_d = discriminator_loss(logits[: len(x_real)], logits[len(x_real) :])
        self.opt_d.zero_grad()
        loss_d.backward()
        self.opt_d.step()
        return -loss_d.item()

    def generator_step(self) -> float:
        """One descent step of G on its loss, with D held fixed. Returns the loss."""
        x_fake = self.generator.sample(self.config.batch_size, generator=self.rng)
        loss_g = self.loss_g_fn(self.discriminator(x_fake))
        self.opt_g.zero_grad()
        loss_g.backward()
        self.opt_g.step()
        return loss_g.item()


def train_gan(
    generator: Generator,
    discriminator: Discriminator,
    data: Samples,
    config: GANConfig | None = None,
    rng: torch.Generator | None = None,
    grid: Tensor | None = None,
    progress: bool = True,
) -> History:
    """Train a GAN by alternating k discriminator steps and one generator step.

    Args:
        generator, discriminator: the two players, trained in place.
        data: the real distribution, anything with ``sample(n, generator)``.
        config: the run's settings (``GANConfig()`` by default).
        rng: the torch generator for all the run's randomness (seed 0 by default).
        grid: (num_grid, data_dim) points where snapshots evaluate D(x); None to skip.
        progress: show a progress bar.

    Returns:
        A ``History`` with V, loss_d and loss_g per generator step, and snapshots. V of a step is the
        mean over its k D steps of V on each D step's batch, computed before that D update (the value
        the gradient step was taken on); snapshots hold V after the moves, on fixed samples.

    Example:
        >>> from course_lib.gan.distributions import Gaussian
        >>> _ = torch.manual_seed(0)
        >>> G, D = Generator(), Discriminator()
        >>> train_gan(G, D, Gaussian(2, 0.5), GANConfig(num_steps=5), progress=False)
        History(5 steps, k=1, non-saturating generator loss, 2 snapshots, final V=...)

    Introduced in notebooks/01_gan_game.
    """
    config = config or GANConfig()
    rng = rng if rng is not None else torch.Generator().manual_seed(0)
    trainer = GANTrainer(generator, discriminator, data, config, rng)
    # Snapshots always look at the same noise and the same real batch, so their changes are the players' moves.
    fixed_rng = torch.Generator().manual_seed(1)
    z_shown, x_shown = generator.noise(config.num_shown, generator=fixed_rng), data.sample(config.num_shown, generator=fixed_rng)
    history = History(config=config, grid=None if grid is None else grid.numpy())
    snapshot = functools.partial(_snapshot, trainer, z_shown=z_shown, x_real=x_shown, grid=grid)
    history.snapshots.append(snapshot(0, "start"))
    for step in tqdm(range(1, config.num_steps + 1), desc="GAN steps", disable=not progress):
        value = np.mean([trainer.discriminator_step() for _ in range(config.d_steps)])
        snapshot_due = step % config.snapshot_every == 0 or step == config.num_steps
        if snapshot_due and config.phase_snapshots:
            history.snapshots.append(snapshot(step - 1, "discriminator"))
        loss_g = trainer.generator_step()
        if not (math.isfinite(value) and math.isfinite(loss_g)):
            raise FloatingPointError(
                f"training diverged at step {step} (V={value}, loss_g={loss_g}); lower config.lr_d and config.lr_g"
            )
        history.value.append(float(value))
        history.loss_d.append(-float(value))
        history.loss_g.append(loss_g)
        if snapshot_due:
            history.snapshots.append(snapshot(step, "generator"))
    return history


def generator_push(discriminator: Discriminator, x_fake: Tensor, generator_loss: str = "non-saturating") -> Tensor:
    r"""How the generator's loss pulls each generated sample: :math:`-\nabla_{\tilde x}\,\ell(\tilde x)`, per sample.

    :math:`\ell` is the per-sample generator loss (the batch mean's 1/B undone). With the logit
    :math:`l` of :math:`D = \sigma(l)`, the chain rule of notebook 01 gives

    .. math::
        \text{non-saturating } \ell = -\log D: \quad -\nabla \ell = (1 - D)\,\nabla l, \qquad
        \text{saturating } \ell = \log(1 - D): \quad -\nabla \ell = D\,\nabla l .

    Gradient descent on G's weights moves each sample :math:`G(z)` along its push, as far as the
    network can: this is the arrow GAN Lab draws on every generated sample. D is held fixed and
    its parameters' ``.grad`` are left untouched.

    Args:
        discriminator: D, returning logits.
        x_fake: (B, data_dim) float generated samples.
        generator_loss: a key of ``GENERATOR_LOSSES``: "non-saturating" or "saturating".

    Returns:
        (B, data_dim) float: the push on each sample (same dtype as ``x_fake``).

    Example:
        >>> D = Discriminator(data_dim=2)
        >>> generator_push(D, torch.zeros(5, 2)).shape
        torch.Size([5, 2])

    Introduced in notebooks/01_gan_game.
    """
    if generator_loss not in GENERATOR_LOSSES:
        raise ValueError(f"`generator_loss` must be one of {sorted(GENERATOR_LOSSES)} (got {generator_loss!r})")
    with torch.enable_grad():
        x = x_fake.detach().requires_grad_(True)  # (B, data_dim)
        loss = GENERATOR_LOSSES[generator_loss](discriminator(x)) * len(x)  # the sum of the per-sample losses
        (gradient,) = torch.autograd.grad(loss, x)  # (B, data_dim); sample i's loss depends on x_i only
    return -gradient


@torch.no_grad()
def _snapshot(trainer: GANTrainer, step: int, phase: str, z_shown: Tensor, x_real: Tensor, grid: Tensor | None) -> Snapshot:
    x_fake = trainer.generator(z_shown)
    points = [x_real, x_fake] + ([] if grid is None else [grid])
    logits = trainer.discriminator(torch.cat(points)).split([len(p) for p in points])  # one pass over all points
    value = float(gan_value(logits[0], logits[1]))
    d_grid = None if grid is None else torch.sigmoid(logits[2]).numpy()
    push = generator_push(trainer.discriminator, x_fake, trainer.config.generator_loss)  # (num_shown, data_dim)
    return Snapshot(step, phase, x_fake.numpy(), d_grid, value, push.numpy())


def train_discriminator(
    discriminator: Discriminator,
    generator: Generator,
    data: Samples,
    num_steps: int = 200,
    config: GANConfig | None = None,
    rng: torch.Generator | None = None,
) -> list[float]:
    """Train only D, against a frozen G, for ``num_steps`` steps: the inner max of the game.

    Returns the value V(D, G) on each step's batch, computed *before* that step's update: ``values[0]``
    is the untrained D's value, ``values[i]`` the value after i updates. It climbs towards its maximum,
    2 JSD - log 4.

    Introduced in notebooks/01_gan_game.
    """
    config = config or GANConfig()
    rng = rng if rng is not None else torch.Generator().manual_seed(0)
    trainer = GANTrainer(generator, discriminator, data, config, rng)
    return [trainer.discriminator_step() for _ in range(num_steps)]


def generator_gradient_norm(
    generator: Generator, discriminator: Discriminator, loss: str, n: int = 512, rng: torch.Generator | None = None
) -> float:
    """The norm of the gradient of a generator loss with respect to all of G's parameters.

    Args:
        loss: a key of ``GENERATOR_LOSSES``: "saturating" or "non-saturating".
        n: how many noise samples z to average the loss over.

    Introduced in notebooks/01_gan_game.
    """
    if loss not in GENERATOR_LOSSES:
        raise ValueError(f"`loss` must be one of {sorted(GENERATOR_LOSSES)} (got {loss!r})")
    generator.zero_grad()
    GENERATOR_LOSSES[loss](discriminator(generator.sample(n, generator=rng))).backward()
    norm = torch.linalg.vector_norm(torch.cat([p.grad.flatten() for p in generator.parameters() if p.grad is not None]))
    generator.zero_grad()
    return float(norm)
