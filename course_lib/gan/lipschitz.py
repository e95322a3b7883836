r"""Lipschitz critics: spectral norms by power iteration, the gradient penalty, weight clipping, and bounds.

A function f is K-Lipschitz when :math:`|f(x) - f(y)| \le K \|x - y\|_2` for all x, y. For a
network :math:`f = f_n \circ \sigma \circ \dots \circ \sigma \circ f_1` with 1-Lipschitz
activations and affine layers :math:`f_i(x) = W_i x + b_i`, Lipschitz constants multiply under
composition (Problem 2), the bias cancels in :math:`f_i(x) - f_i(y) = W_i (x - y)`, and the
constant of :math:`x \mapsto W_i x` is its spectral norm :math:`\sigma(W_i)`, so (whatever the biases)

.. math::
    \mathrm{Lip}(f) \;\le\; \prod_i \sigma(W_i) \qquad (\text{``lipschitz\_upper\_bound''}),

while the largest gradient norm over some points, ``empirical_lipschitz``, is a lower bound.

Introduced in notebooks/05_lipschitz_constraints.
"""

from __future__ import annotations

import math
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

Tensor = torch.Tensor

# Layers that are 1-Lipschitz whatever their settings: the largest |slope| anywhere is 1.
# (ELU and Dropout are not in this list: their constants depend on alpha and on p; see _activation_constant.)
ONE_LIPSCHITZ = (nn.ReLU, nn.Tanh, nn.Identity, nn.Softplus, nn.Flatten)


def _check_matrix(W: Tensor) -> None:
    if not isinstance(W, Tensor) or not W.is_floating_point():
        raise TypeError(f"`W` must be a float torch tensor, a weight matrix of shape (m, n) (got {type(W).__name__})")
    if W.ndim < 2 or W.numel() == 0:
        raise ValueError(f"`W` must have at least 2 dimensions, (m, n) or a conv kernel (m, ...) (got shape {tuple(W.shape)})")
    if not torch.isfinite(W).all():
        raise ValueError("`W` contains NaN or inf; a weight matrix must be finite (did training diverge?)")


def _check_count(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"`{name}` must be a positive int (got {value!r})")


def spectral_norm(W: Tensor, n_iters: int = 20, u: Tensor | None = None) -> tuple[Tensor, Tensor, Tensor]:
    r"""The largest singular value :math:`\sigma(W) = \sup_{\|x\|_2 = 1} \|W x\|_2`, by power iteration.

    Repeat :math:`v \leftarrow W^\top u / \|W^\top u\|`, :math:`u \leftarrow W v / \|W v\|`; then
    :math:`\sigma \approx u^\top W v`. After k rounds the vectors' error shrinks like
    :math:`(\sigma_2 / \sigma_1)^{2k}`, and since :math:`\sigma = \|W v\|` is the square root of a Rayleigh
    quotient of :math:`W^\top W`, the error in :math:`\sigma` shrinks like :math:`(\sigma_2 / \sigma_1)^{4k}`.
    u and v are computed without gradient, so :math:`\partial\sigma / \partial W = u v^\top`, as in
    Miyato et al. (2018) and ``torch.nn.utils.parametrizations.spectral_norm``. A tensor of more than
    2 dimensions (a conv kernel) is first reshaped to (m, -1), as torch does.

    Args:
        W: (m, n) float tensor (or (m, ...), reshaped to (m, n)).
        n_iters: power iterations; training typically runs 1 or 2 per step, keeping u between steps.
        u: (m,) starting vector, e.g. the u of the previous call; a fixed random one if None.

    Returns:
        (sigma, u, v): sigma a scalar tensor (differentiable in W); u: (m,) and v: (n,) unit vectors.

    Example:
        >>> sigma, u, v = spectral_norm(torch.diag(torch.tensor([3.0, 1.0])))
        >>> round(float(sigma), 4), u.shape, v.shape
        (3.0, torch.Size([2]), torch.Size([2]))

    Introduced in notebooks/05_lipschitz_constraints.
    """
    _check_matrix(W)
    _check_count("n_iters", n_iters)
    W_mat = W.reshape(W.shape[0], -1)  # (m, n)
    if u is None:
        u = torch.randn(W_mat.shape[0], generator=torch.Generator().manual_seed(0), dtype=W.dtype).to(W.device)
    elif not isinstance(u, Tensor) or u.shape != (W_mat.shape[0],) or not torch.isfinite(u).all() or u.norm() == 0:
        raise ValueError(f"`u` must be a finite, non-zero tensor of shape ({W_mat.shape[0]},), one entry per row of W")
    return _power_iteration(W_mat, u.to(W.dtype), n_iters)


def _power_iteration(W_mat: Tensor, u: Tensor, n_iters: int) -> tuple[Tensor, Tensor, Tensor]:
    """``spectral_norm``'s maths, without its checks (training calls it on every step). W_mat: (m, n), u: (m,)."""
    with torch.no_grad():
        u = F.normalize(u, dim=0)  # (m,)
        for _ in range(n_iters):
            v = F.normalize(W_mat.T @ u, dim=0)  # (n,)
            u = F.normalize(W_mat @ v, dim=0)  # (m,)
    sigma = u @ W_mat @ v  # scalar; gradient u v^T with respect to W
    return sigma, u, v


def gradient_penalty(
    critic: Callable[[Tensor], Tensor], real: Tensor, fake: Tensor, lam: float = 10.0, generator: torch.Generator | None = None
) -> Tensor:
    r"""The WGAN-GP penalty :math:`\lambda\, \mathbb E_{\hat x}\big[(\|\nabla_x f(\hat x)\|_2 - 1)^2\big]`.

    :math:`\hat x = \alpha x + (1 - \alpha) \tilde x` with one :math:`\alpha \sim U[0, 1]` per sample,
    on the line between a real x and a generated :math:`\tilde x` (Gulrajani et al., 2017). The norm
    is taken **per sample, over all non-batch dimensions**: for images (B, C, H, W) it is the norm of
    a C·H·W vector, not ``grad.norm(dim=1)`` over channels alone. The result is differentiable in the
    critic's parameters (``create_graph=True``), so it can be added to the critic's loss.

    Args:
        critic: maps (B, ...) to (B,) or (B, 1) scores, each depending on its own sample only.
        real, fake: (B, ...) float tensors of the same shape.
        lam: the weight lambda (10 in the paper).
        generator: a torch generator for alpha, for repeatable penalties.

    Returns:
        A scalar tensor, at least 0.

    Example:
        >>> w = torch.tensor([3.0, 4.0])  # f(x) = w . x has gradient norm 5 everywhere
        >>> float(gradient_penalty(lambda x: x @ w, torch.zeros(8, 2), torch.ones(8, 2), lam=1.0))
        16.0

    Introduced in notebooks/05_lipschitz_constraints.
    """
    for name, x in (("real", real), ("fake", fake)):
        if not isinstance(x, Tensor) or not x.is_floating_point() or x.ndim < 2:
            raise ValueError(f"`{name}` must be a float tensor of shape (B, ...), a batch of samples")
        if not torch.isfinite(x).all():
            raise ValueError(f"`{name}` contains NaN or inf; samples must be finite (did training diverge?)")
    if real.shape != fake.shape:
        raise ValueError(f"`real` and `fake` must have the same shape (got {tuple(real.shape)} and {tuple(fake.shape)})")
    if not (isinstance(lam, (int, float)) and math.isfinite(lam) and lam >= 0):
        raise ValueError(f"`lam` must be a non-negative number such as 10.0 (got {lam!r})")
    B = real.shape[0]
    alpha = torch.rand(B, *[1] * (real.ndim - 1), generator=generator, dtype=real.dtype).to(real.device)  # (B, 1, ...)
    x_hat = (alpha * real.detach() + (1 - alpha) * fake.detach()).requires_grad_(True)  # (B, ...)
    scores = critic(x_hat)  # (B,) or (B, 1)
    (grad,) = torch.autograd.grad(scores.sum(), x_hat, create_graph=True)  # (B, ...)
    grad_norm = grad.flatten(start_dim=1).norm(dim=1)  # (B,): one norm per sample
    return lam * ((grad_norm - 1) ** 2).mean()


def clip_weights_(module: nn.Module, c: float) -> nn.Module:
    """Clip every parameter of ``module`` into [-c, c], in place (WGAN's constraint, Arjovsky et al. 2017).

    The clipped network is K-Lipschitz for some K that depends on its widths and depth; see
    ``weight_clipping_bound``.

    Example:
        >>> layer = nn.Linear(2, 2)
        >>> float(clip_weights_(layer, 0.01).weight.detach().abs().max()) <= 0.01
        True

    Introduced in notebooks/05_lipschitz_constraints.
    """
    if not isinstance(module, nn.Module):
        raise TypeError(f"`module` must be a torch.nn.Module (got {type(module).__name__})")
    if not (isinstance(c, (int, float)) and math.isfinite(c) and c > 0):
        raise ValueError(f"`c` must be a positive number such as 0.01 (got {c!r})")
    with torch.no_grad():
        for parameter in module.parameters():
            parameter.clamp_(-c, c)
    return module


class SpectralNormalization(nn.Module):
    """A parametrisation W -> W / sigma(W) that keeps its power-iteration vector u between calls.

    Each call in training mode runs ``n_iters`` more power iterations from the stored u (Miyato et al.
    use one per step, relying on W changing little between steps); in eval mode u stays fixed.
    Register it with ``apply_spectral_norm_``. The estimate of sigma lags behind a fast-changing W, so
    the normalised weight's norm can exceed 1; ``normalised_weight_norms`` measures by how much.

    Introduced in notebooks/05_lipschitz_constraints.
    """

    def __init__(self, weight: Tensor, n_iters: int = 1):
        super().__init__()
        _check_count("n_iters", n_iters)
        self.n_iters = n_iters
        _, u, _ = spectral_norm(weight.detach(), n_iters=15)  # a good start, so the first steps are already normalised
        self.register_buffer("u", u)

    def forward(self, W: Tensor) -> Tensor:
        if not self.training:  # u stays fixed: sigma = u^T W v with v = W^T u / |W^T u|
            v = F.normalize(W.T @ self.u, dim=0).detach()  # (n,)
            return W / (self.u @ W @ v)
        sigma, u, _ = _power_iteration(W, self.u, self.n_iters)
        self.u.copy_(u)
        return W / sigma


def apply_spectral_norm_(module: nn.Module, n_iters: int = 1) -> nn.Module:
    """Spectrally normalise every ``nn.Linear`` weight of ``module`` in place, with ``SpectralNormalization``.

    Afterwards each layer's weight, read as ``layer.weight``, has spectral norm 1 up to the power
    iteration's accuracy (exactly 1 only with a converged sigma; see ``normalised_weight_norms``), so
    with 1-Lipschitz activations the network is (nearly) 1-Lipschitz.

    Example:
        >>> net = apply_spectral_norm_(nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1)), n_iters=30)
        >>> round(lipschitz_upper_bound(net), 3)
        1.0

    Introduced in notebooks/05_lipschitz_constraints.
    """
    for layer in list(module.modules()):
        if isinstance(layer, nn.Linear):
            nn.utils.parametrize.register_parametrization(layer, "weight", SpectralNormalization(layer.weight, n_iters))
    return module


def normalised_weight_norms(module: nn.Module) -> list[float]:
    r"""The true spectral norm of each spectrally normalised weight, as the next training-mode call would use it.

    ``SpectralNormalization`` divides W by an estimate :math:`\hat\sigma` from ``n_iters`` power
    iterations started at its stored u. As :math:`\hat\sigma = u^\top W v \le \sigma(W)`, the
    normalised weight has norm :math:`\sigma(W) / \hat\sigma \ge 1`: exactly 1 only once the iteration
    has converged. The ratio is computed from a copy of u, so the stored u does not change.

    Returns:
        One float per spectrally normalised weight, in registration order; [] if there is none.

    Example:
        >>> net = apply_spectral_norm_(nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1)), n_iters=30)
        >>> [round(norm, 6) for norm in normalised_weight_norms(net)]
        [1.0, 1.0]

    Introduced in notebooks/05_lipschitz_constraints.
    """
    norms = []
    for layer in module.modules():
        if not nn.utils.parametrize.is_parametrized(layer, "weight"):
            continue
        W = layer.parametrizations.weight.original.detach()  # (m, n), before normalisation
        for parametrization in layer.parametrizations.weight:
            if isinstance(parametrization, SpectralNormalization):
                sigma_hat, _, _ = _power_iteration(W, parametrization.u.clone(), parametrization.n_iters)
                norms.append(float(torch.linalg.matrix_norm(W.double(), 2)) / float(sigma_hat))
    return norms


def _activation_constant(layer: nn.Module) -> float | None:
    """The Lipschitz constant of a known activation, or None if ``layer`` is not one.

    ELU's slope is alpha e^x for x < 0, so its constant is max(1, |alpha|). Dropout in training mode
    multiplies the kept units by 1 / (1 - p), so each of its random masks is 1 / (1 - p)-Lipschitz;
    in eval mode it is the identity.
    """
    if isinstance(layer, ONE_LIPSCHITZ):
        return 1.0
    if isinstance(layer, nn.LeakyReLU):
        return max(1.0, abs(layer.negative_slope))
    if isinstance(layer, nn.ELU):
        return max(1.0, abs(layer.alpha))
    if isinstance(layer, nn.Dropout):
        if not layer.training or layer.p == 0:
            return 1.0
        return 0.0 if layer.p == 1 else 1.0 / (1.0 - layer.p)  # p = 1 zeroes every unit: a constant function
    if isinstance(layer, nn.Sigmoid):
        return 0.25
    return None


def layer_lipschitz_constants(model: nn.Module) -> list[tuple[str, float]]:
    """Each layer's Lipschitz constant, in order: the spectral norm for a linear layer, the largest slope for an activation.

    Assumes ``model`` is a chain of its layers (an ``nn.Sequential``, or a module wrapping one, as
    ``course_lib.gan.networks.Discriminator`` does). Linear layers use the exact norm from an SVD.

    Raises:
        ValueError: on a layer without a known constant (a convolution, a normalisation layer, ...).

    Example:
        >>> net = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
        >>> with torch.no_grad(): _ = net[0].weight.copy_(torch.diag(torch.tensor([2.0, 0.5])))
        >>> layer_lipschitz_constants(net)
        [('0', 2.0), ('1', 1.0)]

    Introduced in notebooks/05_lipschitz_constraints.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"`model` must be a torch.nn.Module (got {type(model).__name__})")
    constants = []
    for name, layer in _layers(model):
        if isinstance(layer, nn.Linear):
            with torch.no_grad():
                constants.append((name, float(torch.linalg.matrix_norm(layer.weight.double(), 2))))
        elif (constant := _activation_constant(layer)) is not None:
            constants.append((name, constant))
        elif isinstance(layer, nn.modules.conv._ConvNd):
            raise ValueError(
                f"layer {name!r} is a convolution: the norm of its reshaped kernel does not bound the convolution "
                f"(each input pixel is used by many outputs); measure it with conv_operator_norm(layer, input_shape)"
            )
        else:
            raise ValueError(
                f"cannot bound layer {name!r} ({type(layer).__name__}): lipschitz_upper_bound knows nn.Linear, the "
                f"activations ReLU, LeakyReLU, ELU, Tanh, Sigmoid, Softplus, and Dropout; remove the layer or bound it by hand"
            )
    return constants


def _layers(model: nn.Module, prefix: str = ""):
    """The leaves of a module tree, in registration order; a Linear (possibly parametrised) counts as a leaf."""
    children = [(n, c) for n, c in model.named_children() if n != "parametrizations"]
    if isinstance(model, nn.Linear) or not children:
        yield prefix or type(model).__name__, model
        return
    for name, child in children:
        yield from _layers(child, f"{prefix}.{name}" if prefix else name)


def lipschitz_upper_bound(model: nn.Module) -> float:
    r"""An upper bound on the Lipschitz constant of a chain of layers: :math:`\prod_i \sigma(W_i)` times the activations' constants.

    With 1-Lipschitz activations (ReLU, LeakyReLU with slope at most 1, tanh) it is the product of
    the linear layers' spectral norms. The biases play no part in the *bound*, since each cancels in
    :math:`f_i(x) - f_i(y)`; they do change the network's *actual* slope, by deciding which units are
    active. The bound is usually loose: it assumes every layer stretches the same direction
    maximally, with every unit active, which rarely happens.

    Raises:
        ValueError: on a layer it cannot bound, naming it (see ``layer_lipschitz_constants``).

    Example:
        >>> _ = torch.manual_seed(0)
        >>> net = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1))
        >>> lipschitz_upper_bound(net) >= empirical_lipschitz(net, torch.randn(100, 3))
        True

    Introduced in notebooks/05_lipschitz_constraints.
    """
    return math.prod(constant for _, constant in layer_lipschitz_constants(model))


def empirical_lipschitz(f: Callable[[Tensor], Tensor], x: Tensor) -> float:
    r"""The largest input-gradient norm :math:`\max_i \|\nabla_x f(x_i)\|_2` over the points x: a lower bound on Lip(f).

    Args:
        f: maps (B, ...) to (B,) or (B, 1) scalar outputs, each depending on its own sample only.
        x: (B, ...) float tensor of points.

    Returns:
        A Python float.

    Raises:
        ValueError: when ``x`` is not a non-empty float batch of finite points, or ``f`` does not
            return one finite scalar per point; the message says what to change.

    Example:
        >>> empirical_lipschitz(lambda x: 3 * x.sum(dim=1), torch.randn(5, 4))  # gradient (3, 3, 3, 3)
        6.0

    Introduced in notebooks/05_lipschitz_constraints.
    """
    if not callable(f):
        raise TypeError(f"`f` must be a function or a module mapping (B, ...) to (B,) (got {type(f).__name__})")
    if not isinstance(x, Tensor):
        raise ValueError(f"`x` must be a float tensor of shape (B, ...), a batch of points (got {type(x).__name__}); convert it with torch.as_tensor(x, dtype=torch.float32)")
    if not x.is_floating_point():
        raise ValueError(f"`x` must be a float tensor, since gradients need floats (got {x.dtype}); convert it with x.float()")
    if x.ndim < 2:
        raise ValueError(f"`x` must have shape (B, ...), a batch of points (got shape {tuple(x.shape)}); for one point of shape (d,), pass x.unsqueeze(0)")
    if x.shape[0] == 0:
        raise ValueError(f"`x` is an empty batch (shape {tuple(x.shape)}): the maximum over no points is undefined; pass at least one point")
    finite = torch.isfinite(x).flatten(start_dim=1).all(dim=1)  # (B,)
    if not finite.all():
        bad = int((~finite).sum())
        first = int((~finite).nonzero()[0])
        raise ValueError(
            f"`x` has {bad} point(s) with NaN or inf (the first is x[{first}]): a gradient there says nothing about Lip(f); "
            "keep the finite ones with x[torch.isfinite(x).flatten(1).all(1)]"
        )
    x = x.detach().clone().requires_grad_(True)  # (B, ...)
    out = f(x)
    if not isinstance(out, Tensor) or out.shape not in ((x.shape[0],), (x.shape[0], 1)):
        got = tuple(out.shape) if isinstance(out, Tensor) else type(out).__name__
        raise ValueError(f"`f` must return one scalar per point, shape ({x.shape[0]},) (got {got}); reduce each point's output, e.g. f(x).reshape(len(x))")
    if not torch.isfinite(out).all():
        first = int((~torch.isfinite(out.reshape(-1))).nonzero()[0])
        raise ValueError(f"`f` returned NaN or inf at x[{first}]: its gradient there is meaningless; check f on finite inputs (did training diverge?)")
    (grad,) = torch.autograd.grad(out.sum(), x)  # (B, ...)
    return float(grad.flatten(start_dim=1).norm(dim=1).max())


def weight_clipping_bound(model: nn.Module, c: float) -> float:
    r"""The Lipschitz bound that clipping every weight into [-c, c] guarantees, whatever the weights.

    An (m, n) matrix with entries in [-c, c] has :math:`\sigma(W) \le \|W\|_F \le c\sqrt{mn}`, with
    equality for :math:`W = c\,\mathbf 1 \mathbf 1^\top`. So a clipped chain is K-Lipschitz with
    :math:`K = \prod_i c \sqrt{m_i n_i}`: K depends on the widths and the depth, not only on c.

    Example:
        >>> net = nn.Sequential(nn.Linear(1, 4), nn.ReLU(), nn.Linear(4, 1))
        >>> round(weight_clipping_bound(net, 0.5), 6)  # (0.5 * 2) * (0.5 * 2)
        1.0

    Introduced in notebooks/05_lipschitz_constraints.
    """
    if not (isinstance(c, (int, float)) and math.isfinite(c) and c > 0):
        raise ValueError(f"`c` must be a positive number such as 0.01 (got {c!r})")
    layer_lipschitz_constants(model)  # the same layers as lipschitz_upper_bound, or a clear error
    bound = 1.0
    for _, layer in _layers(model):
        if isinstance(layer, nn.Linear):
            bound *= c * math.sqrt(layer.in_features * layer.out_features)
        else:
            bound *= _activation_constant(layer)
    return bound


def conv_operator_norm(conv: nn.Conv2d, input_shape: tuple[int, int, int], n_iters: int = 50) -> float:
    r"""The spectral norm of the linear map :math:`x \mapsto \mathrm{conv}(x)` (bias ignored) on inputs of shape (C, H, W).

    Power iteration on the operator itself: :math:`v \leftarrow A^\top A v / \|A^\top A v\|`,
    with :math:`A^\top` applied as a transposed convolution. It is usually larger than the
    norm of the kernel reshaped to (C_out, C_in·k·k), which is what ``spectral_norm`` sees.

    Example:
        >>> conv = nn.Conv2d(1, 1, 3, padding=1, bias=False)
        >>> _ = nn.init.ones_(conv.weight)  # a 3x3 box filter: reshaped norm 3, operator norm near 9
        >>> round(conv_operator_norm(conv, (1, 32, 32)), 1)
        8.9

    Introduced in notebooks/05_lipschitz_constraints.
    """
    _check_count("n_iters", n_iters)
    v = torch.randn(1, *input_shape, generator=torch.Generator().manual_seed(0))  # (1, C, H, W)
    weight, settings = conv.weight.detach(), (conv.stride, conv.padding, conv.dilation, conv.groups)
    for _ in range(n_iters):
        v = v / v.norm()
        out = F.conv2d(v, weight, None, *settings)  # A v: (1, C_out, H', W')
        v = torch.nn.grad.conv2d_input(v.shape, weight, out, *settings)  # A^T A v, a transposed conv: (1, C, H, W)
    return float(F.conv2d(v / v.norm(), weight, None, *settings).norm())
