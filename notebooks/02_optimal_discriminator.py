# %% [markdown]
# # 02 · The optimal discriminator
#
# **Learning goals.** After this notebook you can
# 1. derive the best discriminator for a fixed generator, $D^*(x) = p(x) / (p(x) + p_G(x))$ (Problem 1 of the problem set);
# 2. say what $D^*$ does where only one of the two densities is positive, and where neither is;
# 3. check the stationary point with SymPy, and check concavity by hand;
# 4. watch a small network trained on samples approach $D^*$, and measure how far it still is;
# 5. move the generator and predict how $D^*$ will change before you see it.
#
# **Time:** about 25 minutes. **Prerequisites:** [01 · the GAN game](01_gan_game.ipynb).
#
# **Problem set:** [ps01 · the optimal discriminator](../exercises/ps01_optimal_discriminator.ipynb).

# %%
import math

import matplotlib.pyplot as plt
import sympy as sp
import torch

from course_lib import seed_everything
from course_lib.gan.discriminators import optimal_discriminator, optimal_value, train_against_fixed_generator
from course_lib.gan.distributions import Gaussian, Uniform
from course_lib.gan.networks import Discriminator
from course_lib.gan.plots import grid_1d, plot_optimal_discriminator, plot_pointwise_objective
from course_lib.gan.training import GANConfig
from course_lib.plotting import use_course_style
from course_lib.widgets.gan_game import TWO_MODES
from course_lib.widgets.optimal_discriminator import OptimalDiscriminatorExplorer, two_bump_generator

rng = seed_everything(0)
use_course_style()

# %% [markdown]
# ## 1. Intuition: a detective who knows both densities
#
# Notebook 01 trained the discriminator by gradient steps and never asked where it was heading.
# Suppose instead the detective could read both densities off the page: the data's $p$ and the
# forger's $p_G$. Shown a point $x$, the best bet is simply "how much of the probability at $x$ is
# real?" Where only real data lives that is 1, where only fakes live it is 0, and where the two
# overlap it is somewhere in between.
#
# Below, the data are notebook 01's two bumps and the generator is one wide Gaussian, frozen.

# %%
p_data, p_gen = TWO_MODES, Gaussian(0.5, 1.2)
plot_optimal_discriminator(p_data, p_gen, title="D* is high where real data dominate, low where fakes do")
plt.show()

# %% [markdown]
# ## 2. The maths: maximise the value one point at a time
#
# Hold $G$ fixed and write the value as one integral over $x$ (the expectation over $z$ becomes an
# expectation over $\tilde x = G(z) \sim p_G$):
#
# $$
# V(D, G) = \int p(x) \log D(x)\,dx + \int p_G(x) \log\big(1 - D(x)\big)\,dx
#         = \int \Big[\,\underbrace{p(x)}_{a} \log D(x) + \underbrace{p_G(x)}_{b} \log\big(1 - D(x)\big)\Big]\,dx .
# $$
#
# The discriminator may choose $D(x)$ freely at every $x$ (we assume it is flexible enough), and
# the value at one $x$ does not constrain the value at another. So we can maximise the integrand
# **separately at each point**. At a point with $a = p(x)$ and $b = p_G(x)$ we maximise
#
# $$
# f(y) = a \log y + b \log(1 - y), \qquad y \in (0, 1).
# $$
#
# **Stationary point.** $f'(y) = \dfrac{a}{y} - \dfrac{b}{1 - y} = 0 \iff a(1 - y) = b\,y \iff y = \dfrac{a}{a + b}$.
#
# **It is the maximum.** $f''(y) = -\dfrac{a}{y^2} - \dfrac{b}{(1 - y)^2} < 0$ whenever $a + b > 0$,
# so $f$ is strictly concave on $(0, 1)$ and its one stationary point is its global maximum. Hence
#
# $$
# \boxed{\;D^*(x) = \frac{p(x)}{p(x) + p_G(x)}\;}
# $$
#
# **The edge cases**, where the formula's ingredients vanish:
# * $p(x) > 0 = p_G(x)$: $f(y) = a \log y$ increases all the way to $y = 1$, so $D^*(x) = 1$. The
#   formula agrees: $a / (a + 0) = 1$.
# * $p(x) = 0 < p_G(x)$: $f(y) = b \log(1 - y)$ is largest at $y = 0$, so $D^*(x) = 0$, as the formula says.
# * $p(x) = p_G(x) = 0$: $f \equiv 0$ and *every* $y$ is optimal. Such points carry no probability
#   under either distribution, so they cannot change $V$. The library returns $\tfrac12$ there ("cannot
#   tell"), the value $D^*$ takes wherever $p = p_G$.
#
# In code, $D^*$ is computed as $\sigma(\log p - \log p_G)$, which is the same number (divide top and
# bottom by $p$) but never forms $0/0$ and never underflows in the far tails.

# %%
plot_pointwise_objective()
plt.show()

# %% [markdown]
# SymPy confirms the calculus: it solves $f'(y) = 0$, and the second derivative at the solution is
# negative for every positive $a, b$.

# %%
a, b, y = sp.symbols("a b y", positive=True)
f = a * sp.log(y) + b * sp.log(1 - y)
(stationary,) = sp.solve(sp.diff(f, y), y)
curvature = sp.factor(sp.diff(f, y, 2).subs(y, stationary))
print("f'(y) = 0 at y =", stationary)
print("f''(y) there    =", curvature, "  negative for all a, b > 0:", curvature.is_negative)

# %% [markdown]
# Two sanity checks of the library's `optimal_discriminator`. For $p = \mathcal N(0, 1)$ and
# $p_G = \mathcal N(\mu, 1)$, the log-ratio is $-\tfrac{x^2}{2} + \tfrac{(x - \mu)^2}{2} = \tfrac{\mu^2}{2} - \mu x$,
# so $D^*(x) = \sigma(\mu^2/2 - \mu x)$: a logistic curve, exactly what logistic regression can fit.
# And for two uniforms, the three edge cases appear side by side.

# %%
mu, x = 1.5, torch.linspace(-4, 4, 9)
closed_form = torch.sigmoid(mu**2 / 2 - mu * x)
error = (optimal_discriminator(Gaussian(0, 1), Gaussian(mu, 1))(x) - closed_form).abs().max()
print(f"D* equals sigmoid(mu^2/2 - mu x) to within 1e-6: {bool(error < 1e-6)}")
d_star_uniform = optimal_discriminator(Uniform(0, 1), Uniform(0.5, 1.5))
for point, where in [(0.25, "only p"), (0.75, "both"), (1.25, "only p_G"), (3.0, "neither")]:
    print(f"x = {point:4}: {where:>8} -> D*(x) = {float(d_star_uniform(torch.tensor([point]))):.2f}")

# %% [markdown]
# ## 3. A trained discriminator heads for D*
#
# The derivation assumed a discriminator that can take any shape. A small MLP trained on samples
# is not that, but it should come close. We freeze the generator at $p_G = \mathcal N(0.5, 1.2^2)$ and
# train notebook 01's discriminator, with notebook 01's loop, on batches from both. After 20, 100 and
# 400 steps we measure the gap to $D^*$ where the data are, averaged under the mixture $q = (p + p_G)/2$.

# %%
x_grid = grid_1d(-5, 5, 401)  # (401, 1)
d_star = optimal_discriminator(p_data, p_gen)(x_grid)  # (401,)
q = 0.5 * (p_data.pdf(x_grid[:, 0]) + p_gen.pdf(x_grid[:, 0]))  # (401,) where samples fall
discriminator, config = Discriminator(data_dim=1), GANConfig(batch_size=512, lr_d=4e-3)
snapshots, done = {}, 0
for num_steps in [20, 80, 300]:
    values = train_against_fixed_generator(discriminator, p_data, p_gen, num_steps, config=config, rng=rng)
    done += num_steps
    with torch.no_grad():
        snapshots[f"trained D, {done} steps"] = discriminator.prob(x_grid)  # (401,)
    gap = (snapshots[f"trained D, {done} steps"] - d_star).abs()
    print(f"{done:3} steps: mean |D - D*| under q = {(gap * q).sum() / q.sum():.2f}, V on the last batch = {values[-1]:.2f}")
print(f"the best any discriminator can do: V(G, D*) = {optimal_value(p_data, p_gen):.2f}")

# %%
plot_optimal_discriminator(p_data, p_gen, trained=snapshots, title="A trained MLP closes in on D* where the data are")
plt.show()

# %% [markdown]
# The value the trained discriminator reaches is close to the best any discriminator can reach,
# $V(G, D^*)$, computed above by quadrature; notebook 03 shows it equals $2\,\mathrm{JSD}(p, p_G) - \log 4$.
# The gap that remains sits in the tails, where few samples ever land: the network has no
# evidence there, and $D^*$'s exact shape there hardly affects $V$.
#
# ## 4. Move the generator
#
# Slide the generator's mean, the width of its two bumps and the weight of its left bump. The red
# curve is always $D^*$ for the current generator; the title gives the Jensen–Shannon divergence
# and the value $V(G, D^*)$, both computed by quadrature.

# %%
OptimalDiscriminatorExplorer(p_data)

# %% [markdown]
# ## Check yourself
#
# **Predict before you run:** set the generator to mean 0, width 0.5 and left weight 0.5, so that
# $p_G = p$. What is $D^*$ everywhere, and what is $V(G, D^*)$? Now move only the weight to 0.8:
# is $D^*$ on the left bump above or below $\tfrac12$? Then run the cell.

# %%
for weight in [0.5, 0.8]:
    p_gen_check = two_bump_generator(mean=0.0, width=0.5, weight=weight)
    d_check = optimal_discriminator(p_data, p_gen_check)(torch.tensor([-2.0, 2.0]))
    value = optimal_value(p_data, p_gen_check)
    print(f"left weight {weight}: D*(-2) = {d_check[0]:.3f}, D*(+2) = {d_check[1]:.3f}, V(G, D*) = {value:.4f}")
print(f"-log 4 = {-math.log(4):.4f}")

# %% [markdown]
# When $p_G = p$, $D^* = \tfrac12$ everywhere and $V = -\log 4$: the discriminator can do no better
# than a coin. Give the left bump weight 0.8 and the generator *over*-produces there, so a point at
# $-2$ is more likely fake than real: $D^*(-2) = 0.5 / (0.5 + 0.8) \approx 0.385 < \tfrac12$, and on the
# right bump, where it under-produces, $D^*(2) = 0.5 / (0.5 + 0.2) \approx 0.714$.
#
# ## Summary
#
# * For a fixed generator, $V$ is maximised pointwise: $a \log y + b \log(1 - y)$ is strictly concave
#   with its peak at $y = a/(a + b)$, so $D^*(x) = p(x) / (p(x) + p_G(x))$.
# * $D^* = 1$ where only real data live, $0$ where only fakes do; where neither lives any value is
#   optimal (the library uses $\tfrac12$).
# * For two unit Gaussians $D^*$ is a logistic curve, $\sigma(\mu^2/2 - \mu x)$.
# * A small MLP trained on samples approaches $D^*$ where the samples are; the tails stay unknown.
#
# **Next:** [03 · the Jensen–Shannon divergence](03_js_divergence.ipynb) substitutes $D^*$ back into
# the game. Then try Problem 1 yourself in [ps01 · the optimal discriminator](../exercises/ps01_optimal_discriminator.ipynb).
