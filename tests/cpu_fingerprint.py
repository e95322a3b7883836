"""Print a digest of the float32 arithmetic the course depends on, as computed on this CPU.

``tests/test_runtime.py`` runs it natively and under ``qemu-x86_64 -cpu <model>`` (an AMD and an
Intel CPU, emulated): the stored notebook outputs and the shipped weights are only reproducible if
every x86 CPU prints the same digest. The work mirrors a training step of the course's models:
matrix products of awkward sizes (MKL), a channels-last convolution (oneDNN), torch's own
elementwise kernels (exp and log, which MKL computes) and reductions, forward and backward, and a
few steps of the course's Adam.
"""

import hashlib

import course_lib  # noqa: F401  first: it pins the arithmetic before torch loads
import torch
from torch import nn

from course_lib.optim import Adam


def digest() -> str:
    torch.set_num_threads(1)
    torch.manual_seed(0)
    mlp = nn.Sequential(nn.Linear(64, 100), nn.ReLU(), nn.Linear(100, 10))
    cnn = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 12 * 12, 2)).to(memory_format=torch.channels_last)
    optimizer = Adam([*mlp.parameters(), *cnn.parameters()], lr=1e-2)
    x, y = torch.rand(96, 64), torch.randint(0, 10, (96,))
    images, labels = torch.rand(16, 3, 12, 12).to(memory_format=torch.channels_last), torch.randint(0, 2, (16,))
    for _ in range(5):
        optimizer.zero_grad()
        scores = mlp(x)
        density = torch.exp(-scores**2).mean() + torch.log(1 + scores.abs()).mean()  # MKL's exp and log, as the GAN losses use them
        loss = nn.functional.cross_entropy(scores, y) + nn.functional.cross_entropy(cnn(images), labels) + density
        loss = loss + torch.linalg.vector_norm(scores, dim=1).mean()  # the course's square roots
        loss.backward()
        optimizer.step()
    parameters = [*mlp.parameters(), *cnn.parameters()]
    return hashlib.sha256(b"".join(p.detach().numpy().tobytes() for p in parameters)).hexdigest()[:16]


if __name__ == "__main__":
    print(digest())
