"""course_lib.optim.Adam computes exactly what torch.optim.Adam(fused=True) computes, step for step."""

import subprocess
import sys

import pytest
import torch

from course_lib.gan.networks import Discriminator
from course_lib.optim import Adam


def train(make_optimizer, steps=25):
    torch.manual_seed(0)
    net = Discriminator(data_dim=2, hidden=16)
    optimizer = make_optimizer(net.parameters())
    x = torch.randn(64, 2, generator=torch.Generator().manual_seed(1))
    for step in range(steps):
        optimizer.zero_grad()
        loss = (net(x) ** 2).mean()
        if step % 5 == 4:  # a step where one layer has no gradient: both optimisers must skip it alike
            net.net[-1].weight.requires_grad_(False)
            loss = net.net[0](x).pow(2).mean()
            net.net[-1].weight.requires_grad_(True)
        loss.backward()
        optimizer.step()
    return [p.detach().clone() for p in net.parameters()]


def test_adam_matches_torch_fused_adam_exactly():
    ours = train(lambda params: Adam(params, lr=4e-3, betas=(0.5, 0.999)))
    peer = train(lambda params: torch.optim.Adam(params, lr=4e-3, betas=(0.5, 0.999), fused=True))
    assert all(torch.equal(a, b) for a, b in zip(ours, peer, strict=True))


def test_adam_does_not_import_the_compiler():
    code = "import sys, torch; from course_lib.optim import Adam; w = torch.ones(2, requires_grad=True); o = Adam([w]); w.sum().backward(); o.step(); o.zero_grad(); print('torch._dynamo' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"


@pytest.mark.parametrize(("params", "kwargs", "message"), [([], {}, "is empty"), ([torch.ones(1, requires_grad=True)], {"lr": 0.0}, "lr > 0")])
def test_bad_settings_get_a_clear_error(params, kwargs, message):
    with pytest.raises(ValueError, match=message):
        Adam(params, **kwargs)
