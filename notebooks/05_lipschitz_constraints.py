# %% [markdown]
# # 05 · Keeping a critic Lipschitz
#
# **Learning goals.** After this notebook you can
# 1. prove that Lipschitz constants multiply under composition (Problem 2), see when the product bound is tight, and say why ReLU and the biases do not enter it;
# 2. compute a spectral norm by power iteration, and check it against torch;
# 3. explain what weight clipping, the gradient penalty and spectral normalisation each guarantee, and measure it;
# 4. connect LSGAN to the Pearson $\chi^2$ divergence, and see instance noise smooth $D^*$;
# 5. compare the four critics (none, clipping, penalty, spectral norm) trained side by side.
#
# **Time:** about 40 minutes. **Prerequisites:** notebook 04 (why the critic must be Lipschitz).
#
# **Problem set:** [ps02 · Lipschitz critics](../exercises/ps02_lipschitz.ipynb).

# %%
import numpy as np
import matplotlib.pyplot as plt
import torch
from torch import nn

from course_lib import seed_everything
from course_lib.gan import lipschitz
from course_lib.gan.critics import generator_pushes_1d, train_critic_variants, with_instance_noise
from course_lib.gan.discriminators import optimal_discriminator
from course_lib.gan.distributions import Gaussian, GaussianRing
from course_lib.gan.divergences import quadrature_rule
from course_lib.gan.lipschitz import clip_weights_, empirical_lipschitz, gradient_penalty, lipschitz_upper_bound, spectral_norm
from course_lib.gan.lipschitz_plots import plot_critic_variants_1d, plot_critic_variants_2d, plot_instance_noise, plot_power_iteration, w1_spread
from course_lib.gan.losses import least_squares_generator_loss, least_squares_optimal_discriminator
from course_lib.gan.networks import Discriminator
from course_lib.gan.plots import grid_1d, grid_2d
from course_lib.plotting import use_course_style
from course_lib.widgets.composition import CompositionExplorer, composition_layers, composition_slope
from course_lib.widgets.lipschitz import InstanceNoiseExplorer

rng = seed_everything(0)
use_course_style()

# %% [markdown]
# ## 1. Intuition: bound every piece, or penalise the slope
#
# Notebook 04 showed that the critic must not be too steep. A network is a chain of simple pieces,
# $f = f_n \circ \sigma \circ \dots \circ \sigma \circ f_1$, and a chain can only stretch distances
# as much as its links do, one after the other. So there are two strategies:
#
# * **bound each link**: keep each layer's weights small (weight clipping), or divide each weight
#   matrix by its largest stretch (spectral normalisation);
# * **look at the slope itself**: penalise the critic wherever its gradient norm is not 1 (the gradient penalty).
#
# ## 2. The maths: Lipschitz constants multiply (Problem 2)
#
# If $g$ is $L_2$-Lipschitz and $f$ is $L_1$-Lipschitz, then $f \circ g$ is $L_1 L_2$-Lipschitz. The proof is
# two inequalities, one per function. For any inputs $x, y$:
#
# $$
# \|f(g(x)) - f(g(y))\| \;\le\; L_1\, \|g(x) - g(y)\| \;\le\; L_1 L_2\, \|x - y\| .
# $$
#
# The first applies $f$'s constant to the two points $g(x)$ and $g(y)$; the second applies $g$'s constant to
# $x$ and $y$. By induction over the layers, a network's constant is at most the product of its layers'
# constants. Three more facts finish the argument for a network:
#
# * **ReLU is 1-Lipschitz.** If $a, b \ge 0$ it is the identity; if $a, b \le 0$ both outputs are 0;
#   if $a > 0 > b$, $|\mathrm{relu}(a) - \mathrm{relu}(b)| = a < a - b$. The same holds for LeakyReLU
#   with slope $0.2 \le 1$, which our critics use.
# * **The bias does not enter the bound.** For one affine layer, $(Wx + b) - (Wy + b) = W(x - y)$:
#   the bias cancels, so the layer's constant is that of $W$ alone.
# * **A linear map stretches by at most its spectral norm.**
#   $\sup_{x \ne 0} \|Wx\|_2 / \|x\|_2 = \sigma_{\max}(W)$, the largest singular value.
#
# Together: $\mathrm{Lip}(f) \le \prod_i \sigma_{\max}(W_i)$. First, the composition rule on two functions
# of one variable, $g(x) = 2\tanh x$ ($L_2 = 2$) and $f(y) = \sin 3y$ ($L_1 = 3$):

# %%
x = torch.linspace(-3, 3, 20001, dtype=torch.float64).unsqueeze(1)  # (N, 1)
composed = lambda x: torch.sin(3 * 2 * torch.tanh(x)).squeeze(1)
print(f"largest slope of sin(3 · 2 tanh x): {empirical_lipschitz(composed, x):.4f}  <=  L1 · L2 = 6")
relu = nn.ReLU()
a, b = torch.randn(100_000, generator=rng), torch.randn(100_000, generator=rng)
print(f"largest |relu(a) - relu(b)| / |a - b| over 100,000 random pairs: {((relu(a) - relu(b)).abs() / (a - b).abs()).max():.4f}")

# %% [markdown]
# For a single affine layer the bias plays no part at all: shift it by 100 and the slope stays
# $\|W\|_2$. So the bound $\prod_i \sigma_{\max}(W_i)$ never looks at a bias. The *actual* slope of a
# network does depend on its biases, though: they decide which units are active (for our critics,
# which LeakyReLUs are on their slope-1 side and which on their slope-0.2 side). Set every bias of a
# critic to $-100$, so that every hidden unit sits on its slope-0.2 side, and compare:

# %%
layer = nn.Linear(3, 1)
points = torch.randn(500, 3, generator=rng)
before = empirical_lipschitz(lambda x: layer(x).squeeze(1), points)
with torch.no_grad():
    layer.bias.add_(100.0)
after = empirical_lipschitz(lambda x: layer(x).squeeze(1), points)
print(f"one linear layer: slope with bias b {before:.6f}, with b + 100 {after:.6f}, ||W||_2 = {torch.linalg.matrix_norm(layer.weight, 2):.6f}")
torch.manual_seed(0)
net, plane = Discriminator(data_dim=2, hidden=32), grid_2d(extent=6.0)  # plane: (3600, 2) points
bound, slope = lipschitz_upper_bound(net), empirical_lipschitz(net, plane)
with torch.no_grad():
    for linear in (m for m in net.modules() if isinstance(m, nn.Linear)):
        linear.bias.fill_(-100.0)
print(f"Discriminator(2, 32): bound {bound:.3f} -> {lipschitz_upper_bound(net):.3f} with every bias -100; "
      f"measured slope {slope:.3f} -> {empirical_lipschitz(net, plane):.4f}")

# %% [markdown]
# **When is the product bound tight?** Each of the two inequalities above is an equality only for special
# pairs: the second needs $x - y$ along the direction $g$ stretches most, the first needs $g(x) - g(y)$ along
# the direction $f$ stretches most. For two linear layers, $\|W_2 W_1\|_2 = \sigma_{\max}(W_1)\,\sigma_{\max}(W_2)$
# exactly when the direction $W_1$ sends its unit vectors furthest (its top left singular vector) is the
# direction $W_2$ stretches most (its top right singular vector). Below, layer 1 is $R(\theta)\,\mathrm{diag}(\sigma_1, s_1)$,
# an ellipse whose long axis points at angle $\theta$, and layer 2 is $\mathrm{diag}(\sigma_2, s_2)$: turn $\theta$ and the
# slope falls from the bound $\sigma_1\sigma_2$ (aligned) to $\max(\sigma_1 s_2, s_1\sigma_2)$ (perpendicular). A ReLU
# between the layers has Jacobian $\mathrm{diag}(d)$ with $d_i \in \{0, 1\}$: each piece $W_2\,\mathrm{diag}(d)\,W_1$ has norm
# at most $\sigma_1\sigma_2$, so the product bound still holds. The network's slope can still exceed the linear $\|W_2 W_1\|$,
# since switching a unit off can remove a cancellation; here layer 2 is diagonal, so the ReLU leaves the slope unchanged.
#
# *Check yourself:* with $\sigma_1 = 2, s_1 = 0.5, \sigma_2 = 1.5, s_2 = 0.5$, what is the slope at $\theta = 90°$? (The cell below
# prints it; predict it first.)

# %%
for theta in (0.0, 30.0, 60.0, 90.0):
    W1, W2 = composition_layers(2.0, 0.5, theta, 1.5, 0.5)
    print(f"θ = {theta:4.0f}°: bound σ1·σ2 = 3.00, slope ‖W2 W1‖ = {composition_slope(W1, W2):.3f}, "
          f"with a ReLU between {composition_slope(W1, W2, relu=True):.3f}")

# %%
CompositionExplorer()


# %% [markdown]
# ## 3. Spectral norm by power iteration
#
# $\sigma_{\max}(W)^2$ is the largest eigenvalue of $W^\top W$, and repeatedly applying a matrix to
# a vector turns the vector towards its top eigenvector. Alternate
# $v \leftarrow W^\top u / \|W^\top u\|$ and $u \leftarrow W v / \|Wv\|$; then $\sigma \approx u^\top W v$.
# Each round applies $W^\top W$ once, so the error in the vectors shrinks by a factor
# $(\sigma_2 / \sigma_1)^2$ per round. The estimate shrinks its error faster still:
# $\sigma = u^\top W v = \|Wv\| = \sqrt{v^\top W^\top W v}$ is the square root of a Rayleigh quotient, which is
# flat at the top singular vector, so an error $\varepsilon$ in $v$ costs only about $\varepsilon^2$ in $\sigma$,
# and $\sigma$'s error shrinks by $(\sigma_2 / \sigma_1)^4$ per round. Here is the whole algorithm; the
# library's `spectral_norm` is the same loop, with input checks.

# %%
def power_iteration(W, n_iters, u):
    for _ in range(n_iters):
        v = W.T @ u / (W.T @ u).norm()  # (n,)
        u = W @ v / (W @ v).norm()  # (m,)
    return u @ W @ v, u, v

W = torch.randn(32, 16, generator=rng, dtype=torch.float64)
u0 = torch.randn(32, generator=rng, dtype=torch.float64)
sigma, u, v = power_iteration(W, 500, u0)
print(f"teaching loop, 500 iterations: {sigma:.10f}")
print(f"library, same start:           {spectral_norm(W, 500, u0)[0]:.10f}")
print(f"torch.linalg.matrix_norm(W, 2): {torch.linalg.matrix_norm(W, 2):.10f}   (from an SVD)")


# %% [markdown]
# How fast? Build two 32×16 matrices with random singular vectors and chosen singular values,
# $\sigma_1 = 1$ and $\sigma_2 = 0.5$ or $0.95$ (the others at most $\sigma_2 / 2$), run the iteration from the
# library's fixed random start, and compare the measured factor per round with $(\sigma_2/\sigma_1)^4$:

# %%
def relative_errors(W, n_iters=60):  # after 1, 2, ..., n_iters rounds from the library's start; each call continues from the last u
    exact = torch.linalg.matrix_norm(W, 2)
    sigma, u, _ = spectral_norm(W, 1)
    errors = [float(abs(sigma - exact) / exact)]
    for _ in range(n_iters - 1):
        sigma, u, _ = spectral_norm(W, 1, u)
        errors.append(float(abs(sigma - exact) / exact))
    return np.array(errors)

def with_top_singular_values(ratio):  # (32, 16) with sigma_1 = 1, sigma_2 = ratio, the rest at most ratio / 2
    U, _, Vh = torch.linalg.svd(torch.randn(32, 16, generator=rng, dtype=torch.float64), full_matrices=False)
    sigmas = torch.cat([torch.tensor([1.0, ratio], dtype=torch.float64), ratio * torch.linspace(0.5, 0.05, 14, dtype=torch.float64)])
    return U @ torch.diag(sigmas) @ Vh  # (32, 16)

errors = {ratio: relative_errors(with_top_singular_values(ratio)) for ratio in (0.5, 0.95)}
for ratio, error in errors.items():
    settled = error[error > 1e-13]  # before round-off (about 1e-16) takes over
    factor = settled[-1] / settled[-2]  # the last round's factor
    print(f"sigma_2/sigma_1 = {ratio}: error shrinks by {factor:.4f} per round at the end; (sigma_2/sigma_1)^4 = {ratio**4:.4f}, (sigma_2/sigma_1)^2 = {ratio**2:.4f}")
sigmas_W = torch.linalg.svdvals(W)
print(f"(the random Gaussian W above has sigma_2/sigma_1 = {sigmas_W[1] / sigmas_W[0]:.3f}: a small gap, hence the 500 iterations)")

# %%
plot_power_iteration({f"σ₂/σ₁ = {ratio}": error for ratio, error in errors.items()}, ratios={f"σ₂/σ₁ = {ratio}": ratio for ratio in errors})
plt.show()

# %% [markdown]
# After a few rounds each measured curve runs parallel to its dashed prediction, of slope
# $(\sigma_2/\sigma_1)^4$ per round, not $(\sigma_2/\sigma_1)^2$. The first rounds differ: the random start
# vector's weight on each singular vector sets the constants, and the smaller singular values take
# a few rounds to die out. That is also why comparing two random matrices can mislead: a start
# vector with little weight on the second singular vector makes even a small gap look fast for a
# while. The 0.5 curve reaches round-off within about 10 rounds; after 60, the 0.95 curve is still
# far above it.

# %% [markdown]
# Spectral normalisation divides each weight by its $\sigma$, and, as training changes $W$ only a
# little per step, runs only one or two power iterations per step (Miyato et al. use one; section 8
# uses two), starting from the previous $u$. That tracks $\sigma$ only as well as $W$ holds still;
# section 8 measures the lag. PyTorch
# ships it as `torch.nn.utils.parametrizations.spectral_norm`. Given the same $u$ and $v$, its
# normalised weight is exactly ours:

# %%
torch_layer = nn.utils.parametrizations.spectral_norm(nn.Linear(16, 32).double(), n_power_iterations=1)
torch_layer.parametrizations.weight[0]._u.copy_(u)  # hand torch our vectors, then read the weight without iterating
torch_layer.parametrizations.weight[0]._v.copy_(v)
torch_layer.eval()
W_raw = torch_layer.parametrizations.weight.original
ours = W_raw / (u @ W_raw @ v)
error = (ours - torch_layer.weight).abs().max()
print(f"largest |ours - torch| entry below 1e-12: {bool(error < 1e-12)}")

# %% [markdown]
# ## 4. The bound against the truth
#
# How tight is $\prod_i \sigma_{\max}(W_i)$? Compare it with the largest gradient norm of a real
# critic over many points, which is a *lower* bound on its Lipschitz constant. The truth lies in between.

# %%
torch.manual_seed(0)
critic = Discriminator(data_dim=2, hidden=32)
probe = torch.randn(4000, 2, generator=rng) * 3  # (4000, 2) points where we measure the slope
for name, constant in lipschitz.layer_lipschitz_constants(critic):
    print(f"  layer {name:>6}: {constant:.3f}")
bound, measured = lipschitz_upper_bound(critic), empirical_lipschitz(critic, probe)
print(f"product bound {bound:.3f}, largest measured gradient norm {measured:.3f}: the bound is {bound / measured:.1f}x too big")

# %% [markdown]
# The bound is loose because it assumes each layer stretches the one direction that the next
# layer stretches most, and that every ReLU is on; a real network is rarely so aligned. Spectral
# normalisation makes every factor 1 (exactly, once its power iteration has converged; here we run
# 20 iterations on a fixed network), so the bound becomes 1, and the true constant can lie far below
# it (below: 0.11, about a ninth of the bound): an SN critic is "at most 1", not "1".

# %%
lipschitz.apply_spectral_norm_(critic, n_iters=20)
bound, measured = lipschitz_upper_bound(critic), empirical_lipschitz(critic, probe)
print(f"after spectral normalisation: bound {bound:.4f}, measured {measured:.3f}, {measured / bound:.0%} of the bound")

# %% [markdown]
# **A warning about convolutions.** Spectral normalisation as usually implemented reshapes a conv
# kernel (C_out, C_in, k, k) into a matrix (C_out, C_in·k·k) and normalises that. But a convolution
# reuses each input pixel in up to k·k outputs, so it can stretch more than the reshaped kernel
# suggests. For a 3×3 box filter, the reshaped matrix has norm 3, the convolution close to 9
# (exactly 9 on an infinite image; a little less on a small one, because of the zero padding):

# %%
conv = nn.Conv2d(1, 1, 3, padding=1, bias=False)
nn.init.ones_(conv.weight)
print(f"reshaped kernel: {spectral_norm(conv.weight.detach(), 50)[0]:.3f}, "
      f"convolution on 16x16 images: {lipschitz.conv_operator_norm(conv, (1, 16, 16), n_iters=30):.3f}")

# %% [markdown]
# ## 5. Weight clipping: K exists, but which K?
#
# WGAN clipped every weight into $[-c, c]$. An $m \times n$ matrix with entries in $[-c, c]$ has
# $\sigma_{\max} \le \|W\|_F \le c\sqrt{mn}$, reached by the all-$c$ matrix. So a clipped chain is
# K-Lipschitz with $K = \prod_i c\sqrt{m_i n_i}$: a number that depends on every width and on the
# depth, not on $c$ alone. Change the architecture and K changes, by orders of magnitude.

# %%
for hidden, depth in [(16, 2), (32, 2), (64, 2), (32, 3)]:
    net = Discriminator(data_dim=2, hidden=hidden, num_hidden_layers=depth)
    clip_weights_(net, 0.01)
    print(f"hidden {hidden:>2}, {depth} hidden layers: guaranteed K = {lipschitz.weight_clipping_bound(net, 0.01):.2e}, "
          f"product of norms {lipschitz_upper_bound(net):.2e}, measured {empirical_lipschitz(net, probe):.2e}")

# %% [markdown]
# With $c = 0.01$ the clipped critics are extremely flat: their slopes are a tiny, architecture-
# dependent fraction of 1. What does a clipped critic compute, then? Every clipped network is
# K-Lipschitz, so the best of them reaches at most $\sup_{\mathrm{Lip}(f) \le K} \mathbb E_p f - \mathbb E_{p_G} f = K \cdot W_1$.
# That is a bound, not an estimate: the clipped networks are a small part of all K-Lipschitz
# functions, so their supremum can lie far below $K \cdot W_1$, and K itself is only a worst case.
# The critic's value may still point the generator in a useful direction, but it is not a distance we can read off.
#
# ## 6. The gradient penalty
#
# WGAN-GP (Gulrajani et al., 2017) adds $\lambda\,\mathbb E_{\hat x}\big[(\|\nabla_x f(\hat x)\|_2 - 1)^2\big]$
# to the critic's loss, at random points $\hat x = \alpha x + (1 - \alpha)\tilde x$ between real and
# generated samples. It is soft: the critic may be steeper than 1, at a price. The norm is **per
# sample, over every non-batch dimension**. For images (B, C, H, W), `grad.norm(dim=1)` (a common
# bug) takes the norm over channels only, giving one norm per pixel. A linear critic
# $f(x) = \langle w, x\rangle$ exposes the difference: its gradient is $w$ everywhere, so the
# penalty must be exactly $\lambda(\|w\|_2 - 1)^2$.

# %%
w = torch.randn(3, 8, 8, generator=rng, dtype=torch.float64)  # one weight per input value
linear_critic = lambda x: (x * w).flatten(1).sum(1)  # (B, 3, 8, 8) -> (B,)
real, fake = torch.rand(16, 3, 8, 8, dtype=torch.float64), torch.rand(16, 3, 8, 8, dtype=torch.float64)
penalty = gradient_penalty(linear_critic, real, fake, lam=10.0)
grad = w.expand(16, 3, 8, 8)
wrong = 10.0 * ((grad.norm(dim=1) - 1) ** 2).mean()
print(f"library penalty {penalty:.6f}, formula 10 (||w|| - 1)^2 = {10 * (w.norm() - 1) ** 2:.6f}, norm(dim=1) bug: {wrong:.6f}")


# %% [markdown]
# ## 7. Two other cures: least squares, and noise
#
# **LSGAN** (Mao et al., 2017) replaces the log-loss with squares. The discriminator is a real-valued
# score, trained towards $b$ on real data and $a$ on fakes, and the generator pulls its fakes' scores
# towards $c$:
#
# $$
# \min_D \tfrac12 \mathbb E_p[(D - b)^2] + \tfrac12 \mathbb E_{p_G}[(D - a)^2], \qquad
# \min_G \tfrac12 \mathbb E_p[(D - c)^2] + \tfrac12 \mathbb E_{p_G}[(D - c)^2].
# $$
#
# Pointwise, the first is a parabola in $D$ with minimum $D^* = (b\,p + a\,p_G)/(p + p_G)$. With
# $a = -1$, $b = 1$, $c = 0$, $D^* = (p - p_G)/(p + p_G)$. Substituting into the generator's objective
# $C(G) = \tfrac12 \mathbb E_p[D^{*2}] + \tfrac12 \mathbb E_{p_G}[D^{*2}]$,
#
# $$
# 2\,C(G) = \int (p + p_G)\,\frac{(p - p_G)^2}{(p + p_G)^2}\,dx = \int \frac{(p - p_G)^2}{p + p_G}\,dx .
# $$
#
# **Which $\chi^2$?** We write $\chi^2_{\text{Pearson}}(P \,\|\, Q) = \int (P - Q)^2 / Q$. With the mixture
# $m = \tfrac12(p + p_G)$ we have $p_G - m = \tfrac12(p_G - p)$, so
#
# $$
# 2\,C(G) = \int \frac{4\,(p_G - m)^2}{2m}\,dx = 2\,\chi^2_{\text{Pearson}}\big(p_G \,\|\, m\big).
# $$
#
# Mao et al. write the same integral as $\chi^2_{\text{Pearson}}(p + p_G \,\|\, 2p_G)$, putting the
# *first* argument in the denominator; in our convention that is $\chi^2(2p_G \,\|\, p + p_G)$. Check
# the identity with two separately written integrands: $2C(G)$ from the LSGAN objective at $D^*$, and
# $2\chi^2(p_G \,\|\, m)$ from its definition; the first also by Monte Carlo with the library's batch losses.

# %%
def lsgan_two_c(p_data, p_gen):
    """2 C(G) by quadrature: twice the LSGAN generator's objective at D*, with (a, b, c) = (-1, 1, 0)."""
    nodes, weights = quadrature_rule(p_data, p_gen)  # (N,), (N,)
    p, q = p_data.pdf(torch.from_numpy(nodes)), p_gen.pdf(torch.from_numpy(nodes))  # (N,) each
    d_star = least_squares_optimal_discriminator(p, q)  # (N,)
    return float(weights @ (p * d_star**2 + q * d_star**2).numpy())  # 2 (1/2 E_p[D*^2] + 1/2 E_pG[D*^2])

p_data, p_gen = Gaussian(1.0, 0.6), Gaussian(-0.5, 1.0)
nodes, weights = quadrature_rule(p_data, p_gen)  # (N,), (N,)
p, q = p_data.pdf(torch.from_numpy(nodes)), p_gen.pdf(torch.from_numpy(nodes))  # (N,) each
m = (p + q) / 2  # (N,) the mixture
chi2 = float(weights @ ((q - m) ** 2 / m).numpy())  # chi2_Pearson(p_G || m) = int (p_G - m)^2 / m
x_real, x_fake = p_data.sample(200_000, generator=rng)[:, 0].double(), p_gen.sample(200_000, generator=rng)[:, 0].double()
scores = [least_squares_optimal_discriminator(p_data.pdf(x), p_gen.pdf(x)) for x in (x_real, x_fake)]  # D* on each batch
monte_carlo = least_squares_generator_loss(scores[0]) + least_squares_generator_loss(scores[1])
print(f"2 C(G): quadrature {lsgan_two_c(p_data, p_gen):.6f}, Monte Carlo {2 * float(monte_carlo):.4f};  2 chi2(p_G || m) {2 * chi2:.6f}")

# %% [markdown]
# **Does LSGAN saturate?** Its generator loss $\tfrac12 (D - c)^2$ has gradient $D - c$ in the score.
# For a real-valued $D$ that is not optimal and scores the fakes far from $c$, that gradient does not
# vanish, unlike the minimax loss's $-D$ in the logit: this is LSGAN's practical benefit. At the
# optimum, though, it saturates like the JSD. $2C(G) \le \int (p + p_G)\,dx = 2$, with equality for
# disjoint supports; and $D^*$ is flat at $a = -1$ on fakes far from the data, so however large the
# gradient in the score, the push on the sample, $-\partial\,\text{loss}/\partial\tilde x$, vanishes:

# %%
print("2 C(G) for N(0, 1) vs N(s, 1):", ", ".join(f"s = {s}: {lsgan_two_c(Gaussian(0.0, 1.0), Gaussian(float(s), 1.0)):.4f}" for s in (1, 2, 4, 8)), "(at most 2)")
x_tilde = torch.tensor([-2.0], dtype=torch.float64, requires_grad=True)  # a fake in the middle of N(-2, 0.5²)
d_fake = least_squares_optimal_discriminator(Gaussian(2.0, 0.5).pdf(x_tilde), Gaussian(-2.0, 0.5).pdf(x_tilde))  # (1,)
(grad,) = torch.autograd.grad(least_squares_generator_loss(d_fake), x_tilde)
print(f"N(2, 0.5²) real vs N(-2, 0.5²) fake, at x̃ = -2: D* = {d_fake.item():+.6f}, gradient in the score D* - c = {d_fake.item():+.2f}, "
      f"push on x̃ = {-grad.item():.1e}")

# %% [markdown]
# **Instance noise** (Sønderby et al., 2017; Arjovsky and Bottou, 2017) adds Gaussian noise of one
# standard deviation $\sigma$ to real and generated samples alike, a fresh independent draw for every
# sample, before the discriminator sees them. The discriminator then compares the
# two densities *blurred* by the noise, which overlap even when the originals do not, so $D^*$
# has a slope where the fakes are. Two narrow bumps, of width 0.1 and 2 apart, blurred more and
# more; first the mean push the minimax loss gives the clean fakes:

# %%
real_bump, fake_bump = Gaussian(1.0, 0.1), Gaussian(-1.0, 0.1)
x_clean = np.linspace(-1.25, -0.75, 40)  # (40,) the clean fakes, within 2.5 widths of their mean
for noise_std in (0.0, 0.3, 0.5, 1.0):
    pushes = generator_pushes_1d(with_instance_noise(real_bump, noise_std), with_instance_noise(fake_bump, noise_std), x_clean)
    print(f"noise std {noise_std}: mean |minimax push| on the fakes {np.abs(pushes['minimax']).mean():.1e}")

# %% [markdown]
# At $\sigma = 0.3$ the push is still tiny; by $\sigma = 0.5$, half the bumps' distance to their midpoint, the blurred
# densities overlap enough for $D^*$ to slope across the fakes:

# %%
plot_instance_noise(real_bump, fake_bump, noise_stds=(0.0, 0.5, 1.0))
plt.show()

# %% [markdown]
# Slide the noise and the separation, and read the minimax push in the title: it climbs by many
# orders of magnitude as the noise grows. In practice the noise is annealed to zero during training.

# %%
InstanceNoiseExplorer(noise_std=0.5, separation=2.0)

# %% [markdown]
# ## 8. The four critics, trained side by side
#
# Now train a WGAN with each critic: no constraint, clipping ($c = 0.05$), gradient penalty
# and spectral normalisation, with the same networks, optimiser and number of steps. Short runs on
# toys are noisy, so each comparison runs on three seeds, and the figures show the mean with the
# range over the seeds. To fit three seeds into the notebook's time, the runs are short: in 1D, 30
# generator steps with one critic step each (WGAN uses 5; on this toy one already shows what
# matters), and a generator learning rate (5e-3) high enough to reach the data in that time.
#
# We set the penalty's weight to $\lambda = 1$. That is this course's choice for its toys, not the
# paper's: Gulrajani et al. use $\lambda = 10$ in every experiment, from toy tasks to large ImageNet
# CNNs. Our reason is a trap of the penalised critic in one dimension, derived and measured below:
# it lets the generator run past the data by up to $2\lambda$, and on a toy of scale 1, $2\lambda = 20$ is no limit at all.
#
# The library's `train_wgan` is notebook 01's loop with the Wasserstein losses; only `critic_step`
# differs by variant. We measure progress independently of the critics, by the Wasserstein
# distance between generated and real samples (sliced, in 2D).

# %%
seeds = (0, 1, 2)
target_1d = Gaussian(2.0, 0.5)
settings_1d = dict(num_steps=30, critic_steps=1, lr_critic=1e-2, lr_g=5e-3, gp_lambda=1.0)
by_seed = [train_critic_variants(target_1d, data_dim=1, grid=grid_1d(-3, 9, 161), seed=seed, track_sn_lag=seed == 0, **settings_1d) for seed in seeds]
runs_1d = {variant: [runs[variant] for runs in by_seed] for variant in by_seed[0]}  # variant -> one run per seed
for variant, runs in runs_1d.items():
    steps, mean, low, high = w1_spread(runs)
    rises = ", ".join(f"{max(run.w1_samples[int(np.argmin(run.w1_samples)):]) - min(run.w1_samples):.2f}" for run in runs)
    estimates = ", ".join(f"{run.w_estimate[-1]:+.2f}" for run in runs)
    print(f"{variant:>5}: W1 to the data {mean[0]:.2f} -> {mean[-1]:.2f} at the end (seeds {low[-1]:.2f} to {high[-1]:.2f}); "
          f"rise after each seed's lowest point {rises}; critic's estimate at the end {estimates}")

# %%
plot_critic_variants_1d(runs_1d, target_1d)
plt.show()


# %% [markdown]
# Read the curves with the critics' shapes in mind:
#
# * **no constraint**: the critic's estimate is meaningless (at the end it is negative on two seeds
#   of three, though the fakes are still away from the data, and nothing bounds its size), and its
#   shape is whatever the last steps made it. The generator does get near the data here, but the
#   critic's value tells us nothing about how near.
# * **clipping**: the critic is nearly flat (tiny K), but its *direction* is right, and Adam rescales
#   small gradients, so the generator still moves.
# * **gradient penalty**: the generator reaches the data, then on every seed $W_1$ rises again: the
#   fakes run past the data and the critic keeps pointing the old way. Why is the subject of the next cell.
# * **spectral norm**: slopes at most about 1 and free to shrink; the generator comes close and stays
#   within 0.16 of its best distance.
#   "About", because $\sigma$ lags behind the fast-moving weights. The cell after next measures it.
#
# **Why the penalised critic overshoots.** Take the simplest critic, a linear one, $f(x) = t\,x$, and
# let $\Delta = \mathbb E_p[x] - \mathbb E_{p_G}[x]$ be the gap between the means. Its slope is $|t|$ everywhere,
# so the critic's loss is
#
# $$
# L(t) = -(\mathbb E_p f - \mathbb E_{p_G} f) + \lambda(|t| - 1)^2 = -t\Delta + \lambda(|t| - 1)^2 .
# $$
#
# While the fakes are left of the data ($\Delta > 0$) the critic learns $t > 0$. Once they overshoot
# ($\Delta < 0$) the right critic has $t < 0$: the global minimum is at $t = -1 - |\Delta|/(2\lambda)$, value
# $-|\Delta| - \Delta^2/(4\lambda)$. But on the side $t > 0$, $L(t) = t|\Delta| + \lambda(t - 1)^2$ is a parabola with
# $L'(t) = |\Delta| + 2\lambda(t - 1) = 0$ at
#
# $$
# t^* = 1 - \frac{|\Delta|}{2\lambda}, \qquad L''(t) = 2\lambda > 0,
# $$
#
# which lies in $t > 0$, a local minimum, whenever $|\Delta| < 2\lambda$. At $t = 0$ the loss has a kink with
# right slope $|\Delta| - 2\lambda < 0$ and left slope $|\Delta| + 2\lambda > 0$: a ridge of height
# $\lambda(1 - |\Delta|/(2\lambda))^2$ above $L(t^*) = |\Delta| - \Delta^2/(4\lambda)$. A critic that had $t \approx 1$ slides into $t^*$
# and stays, still telling the generator to move right, away from the data, until $|\Delta|$ reaches $2\lambda$.
#
# This replaces a tempting but wrong argument, "a critic can only turn from slope $+1$ to $-1$ through
# slope 0, which the penalty punishes". That holds only for a differentiable critic. A LeakyReLU
# critic can switch the sign of its slope at a kink without ever having slope 0, as notebook 04's
# optimal critic does where the two CDFs cross. The trap is a local minimum of the loss in the critic's weights.
# In two or more dimensions it is gone: write $w = r(\cos\theta, \sin\theta)$ with $\Delta$ along $\theta = 0$; the
# loss $-r|\Delta|\cos\theta + \lambda(r - 1)^2$ has its maximum in $\theta$ at the old direction, so $w$ rotates
# round to the data without shrinking. Check $t^*$ numerically: a fine grid over $t > 0$, and gradient
# descent (by autograd) from $t = 1$, against the formula:

# %%
def linear_critic_loss(t, delta, lam):  # -t Delta + lam (|t| - 1)^2: the WGAN-GP critic loss of f(x) = t x
    return -t * delta + lam * (t.abs() - 1) ** 2

t_grid = torch.linspace(0.0, 3.0, 300_001, dtype=torch.float64)  # the side t > 0: the critic still points right
for lam, delta in [(1.0, -0.5), (1.0, -1.5), (10.0, -5.0), (10.0, -15.0), (1.0, -2.5)]:
    on_grid = float(t_grid[linear_critic_loss(t_grid, delta, lam).argmin()])
    t = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)  # the critic before the overshoot
    for _ in range(60):  # each step halves the distance to the minimum on its side
        (grad,) = torch.autograd.grad(linear_critic_loss(t, delta, lam), t)
        t = (t - 0.25 / lam * grad).detach().requires_grad_(True)
    formula = f"t* = 1 - |Δ|/(2λ) = {1 - abs(delta) / (2 * lam):.4f}" if abs(delta) < 2 * lam else "no t* (|Δ| >= 2λ)"
    print(f"λ = {lam:>4}, Δ = {delta:+.1f}: {formula}; grid minimum over t >= 0 at {on_grid:.4f}; "
          f"descent from t = 1 ends at {float(t.detach()):+.4f}; global minimum -1 - |Δ|/(2λ) = {-1 - abs(delta) / (2 * lam):+.4f}")

# %% [markdown]
# Formula, grid and descent agree on each trapped case; with $|\Delta| = 2.5 > 2\lambda = 2$ the trap has
# opened, the grid's minimum sits on the edge $t = 0$, and descent crosses to the global minimum.
#
# The model predicts what $\lambda = 10$ does to the 1D toy: the trap holds until the fakes are 20 away.
# Train the penalised critic again with $\lambda = 10$, same seeds and settings but only 20 steps (to save time), and compare the
# critic's final slope between the data and the fakes, $(\mathbb E_p f - \mathbb E_{p_G} f)/\Delta$, with $t^*$:

# %%
wide_grid = grid_1d(-30, 30, 601)  # the fakes run far
x_real = target_1d.sample(2000, generator=torch.Generator().manual_seed(3))[:, 0].numpy()  # (2000,)
for seed in seeds:
    run = train_critic_variants(target_1d, data_dim=1, variants=("gp",), grid=wide_grid, seed=seed, **{**settings_1d, "gp_lambda": 10.0, "num_steps": 20})["gp"]
    critic = lambda x: np.interp(x, run.grid[:, 0], run.critic_grid)
    delta = x_real.mean() - run.x_fake[:, 0].mean()
    slope = (critic(x_real).mean() - critic(run.x_fake[:, 0]).mean()) / delta  # the critic's t; t * delta < 0 points away
    print(f"λ = 10, seed {seed}: W1 to the data after 20 steps {run.w1_samples[-1]:.1f} (λ = 1: {runs_1d['gp'][seed].w1_samples[2]:.1f}); "
          f"Δ = {delta:+.1f}; critic's slope {slope:+.2f}, pointing {'away from' if slope * delta < 0 else 'towards'} the data; "
          f"t* predicts {'+' if delta < 0 else '-'}{1 - abs(delta) / 20:.2f}")

# %% [markdown]
# With $\lambda = 10$ the generator runs away from the data on every seed, and the critic's slope sits
# within about 0.15 of the spurious minimum $t^*$ (a network is not a linear critic), pointing the wrong way; with $\lambda = 1$ the generator also overshoots,
# but the mean gap $|\Delta|$ only reaches about $2\lambda = 2$ before the trap opens and the critic turns round, so the
# runaway stops there. That is why this course uses $\lambda = 1$ on its toys (the WGAN-GP authors' own toy script also
# takes a smaller $\lambda$). Images are another matter: there
# the critic is far from linear, and the data's scale is not 1.
#
# Back to spectral normalisation's lag. The cell below takes the true spectral norm of each
# normalised weight, just before each call of the critic, over the whole run of seed 0 (the measurement
# costs an SVD per layer per call, so the other seeds skip it), with the 2 power iterations per call
# used here and with Miyato et al.'s 1 (one more short run).
# The network's bound is the product over its layers, so it can exceed 1 by more.

# %%
sn_one_iteration = train_critic_variants(target_1d, data_dim=1, variants=("sn",), **{**settings_1d, "sn_iters": 1})["sn"]
print(f"largest norm of a normalised weight during training (seed 0): {max(runs_1d['sn'][0].sn_weight_norm):.2f} with 2 power iterations per call, "
      f"{max(sn_one_iteration.sn_weight_norm):.2f} with 1")

# %% [markdown]
# In 2D, on a ring of four Gaussians, again three seeds; to save time, the runs are shorter still
# (20 generator steps, with a generator learning rate of 8e-3) and use batches of 64 instead of 128:

# %%
ring = GaussianRing(num_modes=4, radius=1.5, std=0.25)
settings_2d = dict(num_steps=20, critic_steps=2, batch_size=64, lr_critic=1e-2, lr_g=8e-3, gp_lambda=1.0, track_sn_lag=False)
by_seed = [train_critic_variants(ring, data_dim=2, seed=seed, **settings_2d) for seed in seeds]
runs_2d = {variant: [runs[variant] for runs in by_seed] for variant in by_seed[0]}
for variant, runs in runs_2d.items():
    _, mean, low, high = w1_spread(runs)
    print(f"{variant:>5}: sliced W1 at the end {mean[-1]:.2f} (seeds {low[-1]:.2f} to {high[-1]:.2f})")

# %%
plot_critic_variants_2d(runs_2d, ring)
plt.show()

# %% [markdown]
# In 2D the penalised critic no longer traps the generator, as the rotation argument predicts. Three
# seeds are better than one but still few: where the bands overlap, the ranking of the four can change
# with the seed, the learning rates or the run's length, so rerun before believing it. What holds on every seed is structural: the unconstrained critic's estimate is
# not a distance, clipping's scale depends on the architecture, and SN's bound is 1 once its power
# iteration has converged (during training its lag lets each layer's norm exceed 1, as measured above).
#
# ## Check yourself
#
# **Predict before you run:** clip a fresh width-32 critic at $c = 0.05$ (the setting of section 8).
# Is its measured Lipschitz constant near 1, near 0.1, or far below? And its guaranteed K?

# %%
torch.manual_seed(1)
clipped = clip_weights_(Discriminator(data_dim=1, hidden=32), 0.05)
print(f"measured {empirical_lipschitz(clipped, grid_1d(-5, 5, 1001)):.4f}, guaranteed K = {lipschitz.weight_clipping_bound(clipped, 0.05):.3f}")

# %% [markdown]
# Both numbers are well below 1, and they differ from each other by a large factor: the guarantee
# assumes the worst alignment of all the clipped weights, which random weights never reach.
#
# ## Summary
#
# * Lipschitz constants multiply under composition (Problem 2), and the product is reached only when each layer's most-stretched direction feeds the next one's; ReLU and LeakyReLU are 1-Lipschitz,
#   biases cancel from the bound (though they change the actual slope), and a linear layer stretches
#   by its spectral norm. So $\mathrm{Lip}(f) \le \prod_i \sigma_{\max}(W_i)$, a bound that is usually loose.
# * Power iteration finds $\sigma_{\max}$ with two matrix-vector products per round, its error shrinking by
#   $(\sigma_2/\sigma_1)^4$ per round: about 10 rounds reach round-off for a gap of 0.5, while a random matrix's small gap took 500; spectral normalisation divides by it, with one or two iterations
#   per step from the previous $u$, so its $\sigma$ lags a fast-moving $W$ (see section 8). For
#   convolutions the reshaped kernel's norm is not a bound.
# * Weight clipping guarantees some $K = \prod c\sqrt{m_i n_i}$, set by the architecture. The gradient
#   penalty is soft and acts on the slope directly, per sample over all input dimensions; in 1D its
#   loss has a spurious minimum at $t^* = 1 - |\Delta|/(2\lambda)$ that lets the generator overshoot by up to $2\lambda$,
#   which is why our toys use $\lambda = 1$ (the paper's 10 is used on every task there).
# * LSGAN at its optimum minimises $2\chi^2_{\text{Pearson}}(p_G \,\|\, \tfrac12(p + p_G))$, which is at most 2
#   and saturates like the JSD; its benefit is a gradient in the score that does not vanish for a
#   non-optimal $D$. Instance noise blurs both densities so that $D^*$ has a slope.
#
# This closes the GAN half of the course. **Next:** the adversarial-examples half, which starts with
# 06 · adversarial examples and FGSM, in preparation (see the [course map](00_index.ipynb)).
# Problem set: [ps02 · Lipschitz critics](../exercises/ps02_lipschitz.ipynb).
