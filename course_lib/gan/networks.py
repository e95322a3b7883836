"""The two players as small multi-layer perceptrons: a generator G(z) and a discriminator D(x).

The discriminator returns *logits* l(x); its probability that x is real is D(x) = sigmoid(l(x)).
Working with logits keeps log D and log(1 - D) finite (see ``course_lib.gan.losses``).

Introduced in notebooks/01_gan_game.
"""

from __future__ import annotations

import torch
from torch import nn

Tensor = torch.Tensor


def mlp(in_dim: int, hidden: int, out_dim: int, num_hidden_layers: int = 2) -> nn.Sequential:
    """A fully connected network: ``num_hidden_layers`` hidden layers of width ``hidden``, LeakyReLU.

    Example:
        >>> mlp(2, 16, 1)
        Sequential(
          (0): Linear(in_features=2, out_features=16, bias=True)
          (1): LeakyReLU(negative_slope=0.2)
          (2): Linear(in_features=16, out_features=16, bias=True)
          (3): LeakyReLU(negative_slope=0.2)
          (4): Linear(in_features=16, out_features=1, bias=True)
        )
    """
    for name, value in {"in_dim": in_dim, "hidden": hidden, "out_dim": out_dim}.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"`{name}` must be a positive int (got {value!r})")
    widths = [in_dim] + [hidden] * num_hidden_layers
    layers: list[nn.Module] = []
    for width_in, width_out in zip(widths[:-1], widths[1:]):
        layers += [nn.Linear(width_in, width_out), nn.LeakyReLU(0.2)]
    layers.append(nn.Linear(widths[-1], out_dim))
    return nn.Sequential(*layers)


class Generator(nn.Module):
    """G: noise z ~ N(0, I) of dimension ``z_dim`` to a sample x of dimension ``data_dim``.

    Example:
        >>> G = Generator(z_dim=2, data_dim=1)
        >>> G.sample(5, generator=torch.Generator().manual_seed(0)).shape
        torch.Size([5, 1])
    """

    def __init__(self, z_dim: int = 1, data_dim: int = 1, hidden: int = 32, num_hidden_layers: int = 2):
        super().__init__()
        self.z_dim, self.data_dim = z_dim, data_dim
        self.net = mlp(z_dim, hidden, data_dim, num_hidden_layers)

    def forward(self, z: Tensor) -> Tensor:
        """z: (B, z_dim) float. Returns x_fake: (B, data_dim)."""
        return self.net(z)

    def noise(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """n noise vectors z ~ N(0, I): (n, z_dim)."""
        return torch.randn(n, self.z_dim, generator=generator)

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """n generated samples G(z): (n, data_dim)."""
        return self(self.noise(n, generator))


class Discriminator(nn.Module):
    """D: a sample x to the logit of the probability that x is real.

    Example:
        >>> D = Discriminator(data_dim=2)
        >>> D(torch.zeros(4, 2)).shape
        torch.Size([4])
    """

    def __init__(self, data_dim: int = 1, hidden: int = 32, num_hidden_layers: int = 2):
        super().__init__()
        self.data_dim = data_dim
        self.net = mlp(data_dim, hidden, 1, num_hidden_layers)

    def forward(self, x: Tensor) -> Tensor:
        """x: (B, data_dim) float. Returns logits: (B,)."""
        return self.net(x).squeeze(-1)

    def prob(self, x: Tensor) -> Tensor:
        """D(x) = sigmoid(logit(x)), the probability that x is real: (B,)."""
        return torch.sigmoid(self(x))
