"""Adam for the course's small networks: torch's own update, without torch.optim's start-up cost.

``torch.optim.Optimizer`` imports torch's compiler stack (``torch._dynamo``) the first time an
optimiser is built, about a second in every fresh kernel: more than a toy GAN takes to train.
:class:`Adam` keeps the optimiser state itself and calls torch's functional update,
``torch.optim.adam.adam``, with the fused CPU kernel, so every number is torch's.
``tests/test_optim.py`` checks it step for step against ``torch.optim.Adam(..., fused=True)``.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import Tensor
from torch.optim.adam import adam


class Adam:
    """Adam with the interface the course uses: ``zero_grad()``, ``step()`` and ``param_groups``.

    Example:
        >>> w = torch.tensor([1.0], requires_grad=True)
        >>> optimizer = Adam([w], lr=0.1)
        >>> (w**2).sum().backward()
        >>> optimizer.step()
        >>> round(w.item(), 4)  # the first Adam step moves each weight by lr, against its gradient
        0.9
    """

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        self.params = list(params)  # frozen ones included, as in torch: they get no gradient and are skipped
        if not self.params:
            raise ValueError("Adam: `params` is empty; pass model.parameters()")
        if not lr > 0 or not all(0 <= beta < 1 for beta in betas):
            raise ValueError(f"Adam: need lr > 0 and 0 <= betas < 1 (got lr={lr!r}, betas={betas!r})")
        self.param_groups = [{"lr": lr, "betas": tuple(betas), "eps": eps}]  # the shape torch's schedulers read
        self.exp_avgs = [torch.zeros_like(p) for p in self.params]  # first moments
        self.exp_avg_sqs = [torch.zeros_like(p) for p in self.params]  # second moments
        self.steps = [torch.zeros((), dtype=torch.float32, device=p.device) for p in self.params]  # per-tensor step counts

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        """One Adam update of every parameter that has a gradient."""
        group = self.param_groups[0]
        active = [i for i, p in enumerate(self.params) if p.grad is not None]
        if not active:
            return
        adam(
            [self.params[i] for i in active],
            [self.params[i].grad for i in active],
            [self.exp_avgs[i] for i in active],
            [self.exp_avg_sqs[i] for i in active],
            [],  # no AMSGrad
            [self.steps[i] for i in active],
            fused=True,
            amsgrad=False,
            beta1=group["betas"][0],
            beta2=group["betas"][1],
            lr=group["lr"],
            weight_decay=0.0,
            eps=group["eps"],
            maximize=False,
        )
