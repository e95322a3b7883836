# %% [markdown]
# # 03 · The Jensen–Shannon divergence
#
# **Learning goals.** After this notebook you can
# 1. substitute $D^*$ into the value and show, step by step, that $V(G, D^*) = 2\,\mathrm{JSD}(p, p_G) - \log 4$;
# 2. compute KL and JSD for discrete distributions and for densities on the line, and check the identity
#    by quadrature and by Monte Carlo with error bars;
# 3. explain why the JSD stops at $\log 2$ once the two distributions no longer overlap, and why that
#    starves the generator of gradient, while KL becomes infinite and the Wasserstein distance keeps growing.
#
# **Time:** about 30 minutes. **Prerequisites:** [02 · the optimal discriminator](02_optimal_discriminator.ipynb).
#
# **Problem set:** [ps01 · the optimal discriminator](../exercises/ps01_optimal_discriminator.ipynb).

# %%
import math

import matplotlib.pyplot as plt
import numpy as np

from course_lib import seed_everything
from course_lib.gan.discriminators import generator_gradient_at_optimum, optimal_value, optimal_value_monte_carlo
from course_lib.gan.distributions import Gaussian, Uniform
from course_lib.gan.divergences import js_divergence, js_divergence_1d, kl_divergence, kl_divergence_1d
from course_lib.gan.plots import divergence_curves, plot_divergences_vs_separation, plot_js_integrands
from course_lib.plotting import use_course_style
from course_lib.widgets.gan_game import TWO_MODES
from course_lib.widgets.js_divergence import SeparationExplorer

rng = seed_everything(0)
use_course_style()

# %% [markdown]
# ## 1. Intuition: what the perfect detective's score measures
#
# Notebook 02 found the best discriminator for a fixed generator. If the generator always faced that
# discriminator, its loss would be the value $V(G, D^*)$, a number that depends on $p$ and $p_G$ only.
# Which number? Compare each distribution with their half-and-half mixture $q = \tfrac12(p + p_G)$:
# where $p$ and $p_G$ agree, both match $q$ and contribute nothing; where they disagree, each
# sticks out of $q$. Adding up how much they stick out gives the **Jensen–Shannon divergence**.

# %%
plot_js_integrands(Gaussian(0, 1), Gaussian(2.5, 1))
plt.show()

# %% [markdown]
# ## 2. The maths: substitute D* and meet the mixture
#
# Start from the value at the optimal discriminator, with $D^* = p / (p + p_G)$ and $1 - D^* = p_G / (p + p_G)$:
#
# $$
# V(G, D^*) = \mathbb E_{x \sim p}\Big[\log \frac{p(x)}{p(x) + p_G(x)}\Big] + \mathbb E_{\tilde x \sim p_G}\Big[\log \frac{p_G(\tilde x)}{p(\tilde x) + p_G(\tilde x)}\Big].
# $$
#
# **Step 1: introduce the mixture.** Write $p + p_G = 2q$ with $q = \tfrac12(p + p_G)$, a probability
# density itself. Then $\log \dfrac{p}{p + p_G} = \log \dfrac{p}{q} - \log 2$, and the same for $p_G$.
#
# **Step 2: recognise two KL divergences.** Each expectation of $\log(\cdot / q)$ is a KL divergence,
# $\mathrm{KL}(p \,\|\, q) = \mathbb E_{p}[\log p - \log q]$:
#
# $$
# V(G, D^*) = \underbrace{\mathbb E_{p}\big[\log p - \log q\big]}_{\mathrm{KL}(p\,\|\,q)} + \underbrace{\mathbb E_{p_G}\big[\log p_G - \log q\big]}_{\mathrm{KL}(p_G\,\|\,q)} - 2 \log 2.
# $$
#
# **Step 3: name the sum.** The Jensen–Shannon divergence is the average of the two,
# $\mathrm{JSD}(p, p_G) = \tfrac12 \mathrm{KL}(p \,\|\, q) + \tfrac12 \mathrm{KL}(p_G \,\|\, q)$, so
#
# $$
# \boxed{\;V(G, D^*) = 2\,\mathrm{JSD}(p, p_G) - \log 4\;}
# $$
#
# **What follows.** KL divergences are non-negative and vanish only for equal distributions, so
# $\mathrm{JSD} \ge 0$ with equality iff $p_G = p$: a generator that minimises the game's value
# against the perfect discriminator is minimising the JSD (with the non-saturating loss it is not;
# see notebook 04), and its best loss is $-\log 4$, reached exactly at $p_G = p$. At the other
# end, $\log(p / q) \le \log 2$ because $q \ge p/2$, so each KL term is at most $\log 2$, and
# $\mathrm{JSD} \le \log 2$, with equality exactly when the supports do not overlap (then $q = p/2$
# wherever $p > 0$). Unlike KL, the JSD is symmetric and always finite, since $q > 0$ wherever $p$ or $p_G$ is.
#
# ## 3. The identity in code, discrete first
#
# For distributions over a few outcomes, every quantity is a finite sum. We compute $V(G, D^*)$
# straight from its definition and compare it with $2\,\mathrm{JSD} - \log 4$ from the library.

# %%
p = np.array([0.5, 0.3, 0.2, 0.0])
p_g = np.array([0.1, 0.3, 0.3, 0.3])
d_star = np.divide(p, p + p_g)  # (4,) p + p_G > 0 at every outcome here
value = np.sum(p[p > 0] * np.log(d_star[p > 0])) + np.sum(p_g[p_g > 0] * np.log(1 - d_star[p_g > 0]))
print(f"V(G, D*) from its definition: {value:.6f}")
print(f"2 JSD - log 4 (library):      {2 * js_divergence(p, p_g) - math.log(4):.6f}")
print(f"KL(p || p_G) = {kl_divergence(p, p_g):.4f}, KL(p_G || p) = {kl_divergence(p_g, p)}  (p_G has mass where p has none)")

# %% [markdown]
# ## 4. The identity on the real line: quadrature and Monte Carlo
#
# For densities, `optimal_value` integrates $p \log D^* + p_G \log(1 - D^*)$ by quadrature, and
# `js_divergence_1d` integrates the two KL terms, also by quadrature but as a different integrand.
# A GAN never sees integrals, only batches, so we also estimate $V(G, D^*)$ from 20 000 samples of
# each distribution, with an error bar of two standard errors.

# %%
pairs = {
    "N(0, 1) vs N(0, 1)": (Gaussian(0, 1), Gaussian(0, 1)),
    "N(0, 1) vs N(4, 1)": (Gaussian(0, 1), Gaussian(4, 1)),
    "two bumps vs N(0.5, 1.2)": (TWO_MODES, Gaussian(0.5, 1.2)),
    "U(0, 1) vs N(0.5, 0.3)": (Uniform(0, 1), Gaussian(0.5, 0.3)),
    "U(0, 1) vs U(2, 3)": (Uniform(0, 1), Uniform(2, 3)),
}
print(f"{'pair':<26}{'V by quadrature':>16}{'2 JSD - log 4':>15}   Monte Carlo (± 2 s.e.)")
for name, (p_data, p_gen) in pairs.items():
    by_quadrature = round(optimal_value(p_data, p_gen), 6) + 0.0  # + 0.0 turns a rounded -0.0 into 0.0
    exact = 2 * js_divergence_1d(p_data, p_gen) - math.log(4)  # compared unrounded
    by_jsd = round(exact, 6) + 0.0
    estimate = optimal_value_monte_carlo(p_data, p_gen, n=20_000, generator=rng)
    inside = abs(estimate.mean - exact) <= 2 * estimate.standard_error + 1e-9  # 1e-9: round-off, for a standard error of 0
    print(f"{name:<26}{by_quadrature:>16.6f}{by_jsd:>15.6f}   {estimate.mean:+.3f} ± {2 * estimate.standard_error:.3f} {'(covers it)' if inside else '(misses)'}")

# %% [markdown]
# The two quadratures agree to every printed digit, and each Monte Carlo interval covers the
# exact (unrounded) value. The first row is the equilibrium, $-\log 4 \approx -1.386$: there $D^* = \tfrac12$
# everywhere, every sample's $\log D^*$ or $\log(1 - D^*)$ is exactly $-\log 2$, and the standard error
# is 0, so the estimate is exact up to round-off (the check allows $10^{-9}$ for it). The last row is the other extreme:
# with disjoint supports $D^*$ is exactly 1 on real data and 0 on fakes, every log is 0, and $V = 0$,
# i.e. $\mathrm{JSD} = \log 2$.
#
# ## 5. Pull the distributions apart
#
# Take $p = \mathcal N(0, 1)$ and slide $p_G = \mathcal N(s, 1)$ away. Three ways to measure the gap:
# * the JSD, what the generator minimises against a perfect discriminator;
# * $\mathrm{KL}(p \,\|\, p_G) = s^2/2$, the divergence that maximum likelihood minimises;
# * the Wasserstein-1 distance, the least average distance mass must travel to turn $p_G$ into $p$:
#   for a translated copy, exactly $|s|$ (notebook 04 writes it as a best critic, and notebook 05
#   trains a GAN on it).
#
# The right panel is what the generator feels: the gradient of its loss at $D^*$ with respect to the
# shift, by autograd through a frozen $D^*$ (dots), next to $2\,d\mathrm{JSD}/ds$ by finite differences (line).
# The two agree: $D^*$ is optimal, so its own change does not count to first order.

# %%
shifts = np.linspace(0, 10, 41)
curves = divergence_curves(shifts)
plot_divergences_vs_separation(shifts, curves)
plt.show()

# %%
for shift in [1.0, 4.0, 8.0]:
    i = int(np.argmin(abs(shifts - shift)))
    print(f"shift {shift:.0f}: log 2 - JSD = {math.log(2) - curves['jsd'][i]:.1e}, generator gradient = {curves['gradient'][i]:.1e}, "
          f"dKL/ds = {shift:.0f}, dW1/ds = 1")

# %% [markdown]
# For Gaussians the JSD only *approaches* $\log 2$, and its gradient dies roughly like $e^{-s^2/8}$, the
# height of either density at the midpoint: a generator 8 standard deviations away gets a push a
# few hundred times weaker than one at distance 4. For
# distributions with **disjoint supports** it is worse: the JSD is exactly $\log 2$ for every
# separation, so its gradient is exactly zero, while KL is infinite. Only the Wasserstein distance
# still says how far apart the two are. We check $W_1$ on samples too: in 1D, the optimal transport
# pairs the sorted samples.

# %%
for p_data, p_gen in [(Uniform(0, 1), Uniform(2, 3)), (Uniform(0, 1), Uniform(5, 6))]:
    x_real, x_fake = p_data.sample(20_000, generator=rng)[:, 0], p_gen.sample(20_000, generator=rng)[:, 0]
    w1 = (x_real.sort().values - x_fake.sort().values).abs().mean()  # match the i-th smallest with the i-th smallest
    print(f"{p_data} vs {p_gen}: JSD = {js_divergence_1d(p_data, p_gen):.6f}, KL = {kl_divergence_1d(p_data, p_gen)}, "
          f"W1 from samples = {w1:.2f}, generator gradient = {generator_gradient_at_optimum(p_data, p_gen):.1f}")

# %% [markdown]
# This is the vanishing-gradient problem of the original GAN, in numbers. Real images occupy a thin
# set in pixel space, and so do early generated images; the two rarely overlap. A discriminator
# near $D^*$ is then flat (1 on the data, 0 on the fakes), and the generator learns nothing from it.
# Notebook 04 replaces it with a Lipschitz critic $f$: its value gap $\mathbb E_p[f] - \mathbb E_{p_G}[f]$
# estimates the Wasserstein distance, and its slope, which never vanishes between the two, is what
# pushes the generator.
#
# ## 6. Explore: shape, shift and width
#
# Slide the shift and the width, and switch between Gaussians and uniforms. The left panel shows
# $p$, $p_G$, the mixture $q$ and $D^*$; the right one shows the JSD, $\mathrm{KL}(p\,\|\,p_G)$ and $W_1$ against the
# shift for the current width, with dots at the current setting.

# %%
SeparationExplorer()

# %% [markdown]
# ## Check yourself
#
# **Predict before you run:** $p = U(0, 1)$ and $p_G = U(0.5, 1.5)$ overlap on half their mass.
# What is their JSD, as a fraction of $\log 2$? What are $\mathrm{KL}(p \,\|\, p_G)$ and $V(G, D^*)$?
# (Hint: where they overlap, $p = p_G = q$; elsewhere one of them is $2q$.)

# %%
p_data, p_gen = Uniform(0, 1), Uniform(0.5, 1.5)
jsd = js_divergence_1d(p_data, p_gen)
print(f"JSD = {jsd:.4f} nats = {jsd / math.log(2):.2f} x log 2")
print(f"KL(p || p_G) = {kl_divergence_1d(p_data, p_gen)}, V(G, D*) = {optimal_value(p_data, p_gen):.4f}")

# %% [markdown]
# Half of each distribution's mass sits where it is alone, and contributes $\log 2$ per unit of mass
# to its KL term; the other half contributes 0. So each KL term is $\tfrac12 \log 2$, the JSD is
# $\tfrac12 \log 2 \approx 0.347$, and $V = 2 \cdot 0.347 - \log 4 = -\log 2$. KL is infinite: $p$ has
# mass on $[0, 0.5)$ where $p_G$ has none.
#
# ## Summary
#
# * Substituting $D^*$ turns the game into $V(G, D^*) = \mathrm{KL}(p\,\|\,q) + \mathrm{KL}(p_G\,\|\,q) - \log 4 = 2\,\mathrm{JSD}(p, p_G) - \log 4$, with $q = \tfrac12(p + p_G)$.
# * The JSD is symmetric, between 0 (only at $p_G = p$) and $\log 2$ (exactly for disjoint supports).
# * Quadrature and Monte Carlo agree on the identity; Monte Carlo is what training sees.
# * Against a perfect discriminator the generator's gradient vanishes as the distributions separate,
#   and is exactly zero for disjoint supports; KL is then infinite, while $W_1$ grows linearly with slope 1.
#
# **Next:** [04 · perfect vs Lipschitz discriminators](04_perfect_vs_lipschitz.ipynb), and the problem set
# [ps01 · the optimal discriminator](../exercises/ps01_optimal_discriminator.ipynb).
