# %% [markdown]
# # 04 · Perfect discriminators and Lipschitz critics
#
# **Learning goals.** After this notebook you can
# 1. explain, from a picture, why a perfect discriminator gives the generator almost no gradient;
# 2. compute how hard the minimax, the non-saturating and the Wasserstein losses push each generated sample;
# 3. state the Wasserstein-1 distance through its dual, over 1-Lipschitz critics, and find the best critic in 1D;
# 4. check that dual against `scipy.stats.wasserstein_distance`.
#
# **Time:** about 25 minutes. **Prerequisites:** notebooks 02 (the optimal discriminator) and 03 (the JSD saturates).
#
# **Problem set:** [ps02 · Lipschitz critics](../exercises/ps02_lipschitz.ipynb).

# %%
import math

import matplotlib.pyplot as plt
import numpy as np
import torch
from scipy.stats import wasserstein_distance

from course_lib import seed_everything
from course_lib.gan.critics import generator_pushes_1d, optimal_critic_1d, optimal_critic_on_grid, wasserstein_dual_1d
from course_lib.gan.discriminators import optimal_discriminator
from course_lib.gan.distributions import Gaussian, Uniform
from course_lib.gan.divergences import js_divergence_1d, kl_divergence_1d, quadrature_rule
from course_lib.gan.lipschitz_plots import plot_generator_pushes, plot_lipschitz_critic, plot_perfect_discriminator
from course_lib.plotting import use_course_style
from course_lib.widgets.lipschitz import PerfectVsLipschitzExplorer

rng = seed_everything(0)
use_course_style()

# %% [markdown]
# ## 1. Intuition: a judge who is too good
#
# Put the real data around $x = 2$ and the generator's samples around $x = -2$, far apart, as
# happens early in training. Notebook 02 found the best possible discriminator,
# $D^*(x) = p(x) / (p(x) + p_G(x))$. Here it is in red: it says "fake" (0) on every orange sample
# and "real" (1) on every blue one. It is *right*, and that is the problem: around the orange
# samples it is flat, so nudging a sample left or right changes nothing the generator can measure.

# %%
p_data, p_gen = Gaussian(2.0, 0.5), Gaussian(-2.0, 0.5)
x_real = p_data.sample(40, generator=rng)[:, 0].numpy()  # (40,)
x_fake = p_gen.sample(40, generator=rng)[:, 0].numpy()  # (40,)
plot_perfect_discriminator(p_data, p_gen, x_real, x_fake)
plt.show()

# %% [markdown]
# Now restrict the judge: its score $f(x)$ may not change faster than $K$ per unit of $x$,
# $|f(x) - f(y)| \le K |x - y|$ (a *K-Lipschitz critic*), and it scores real samples high and fakes
# low. The best such critic (green) cannot jump from 0 to 1 between the two groups; it has to climb
# steadily. Its slope, at every orange sample, points towards the data.

# %%
plot_lipschitz_critic(p_data, p_gen, x_real, x_fake, K=1.0)
plt.show()


# %% [markdown]
# These two pictures, the flat perfect discriminator and the sloped Lipschitz critic, make the same
# point as Figure 2 of the WGAN paper (Arjovsky et al., 2017). There, a GAN discriminator trained on two Gaussians
# saturates into a step, exactly like our red $D^*$, while the WGAN critic is a straight line
# across the gap, like our green $f$. Their figure was trained; ours is computed in closed form,
# so you can see that neither shape is an accident of training.
#
# ## 2. The maths: how hard does each loss push a generated sample?
#
# The generator moves its samples $\tilde x$ downhill on its loss. We call the **push** on a sample
# the direction gradient descent moves it, $\text{push} = -\partial\,\text{loss} / \partial \tilde x$:
# positive means "move right", which here is towards the data. Write $D^* = \sigma(l)$ with the
# logit $l(x) = \log p(x) - \log p_G(x)$, and use the chain rule as in notebook 01:
#
# * **minimax loss** $\log(1 - D^*(\tilde x))$: $\;\text{push} = -\dfrac{d}{d\tilde x} \log\big(1 - \sigma(l)\big) = \sigma(l)\, l'(\tilde x) = D^*(\tilde x)\, l'(\tilde x)$;
# * **non-saturating loss** $-\log D^*(\tilde x)$: $\;\text{push} = \dfrac{d}{d\tilde x} \log \sigma(l) = \big(1 - D^*(\tilde x)\big)\, l'(\tilde x)$;
# * **Wasserstein loss** $-f(\tilde x)$ with a K-Lipschitz critic: $\;\text{push} = f'(\tilde x)$, and $|f'| \le K$.
#
# On the generated samples $D^*(\tilde x) \approx 0$. The minimax push is $D^*$ times something,
# so it **vanishes**. The non-saturating push is about $l'(\tilde x)$: it survives, but only
# because a Gaussian's tails never quite reach zero, so $\log p$ is defined, and sloped, even
# where there is no real data. Where $p$ is exactly zero (a uniform, or images that lie on a thin
# manifold), $D^* = 0$ on a whole interval around the sample. The minimax loss $\log(1 - D^*) = 0$
# is flat there, so its push is truly zero. The non-saturating loss $-\log D^* = +\infty$ there, so
# its gradient is *undefined*, not zero: there is no finite slope to follow. (The library's
# `generator_pushes_1d` returns 0 for it, a convention that keeps its arrays finite; the report
# below says "undefined" instead.) The critic's push is $\pm K$ whatever the densities do.
#
# The library differentiates the course's loss functions with autograd, at each sample, and
# reports how many fakes are pushed right (push > 0), towards the data:

# %%
def report_pushes(p_data, p_gen, x_fake):
    outside = optimal_discriminator(p_data, p_gen)(torch.from_numpy(x_fake)).numpy() == 0  # (n,) p = 0: -log D* = +inf
    for name, push in generator_pushes_1d(p_data, p_gen, x_fake, K=1.0).items():
        if name == "non-saturating" and outside.any():  # the library's 0 there is a convention, not a gradient
            print(f"  {name:>14}: undefined (D* = 0) for {outside.mean():.0%} of the fakes: -log D* is +inf there")
            push = push[~outside]
            if len(push) == 0:
                continue
        size = np.abs(push)
        print(f"  {name:>14}: |push| median {np.median(size):.1e}, largest {size.max():.1e}; push > 0 (right) for {np.mean(push > 0):.0%} of the fakes")

print("two Gaussians, N(2, 0.5²) real and N(-2, 0.5²) generated:")
report_pushes(p_data, p_gen, x_fake)
print("two uniforms, U[1, 3] real and U[-3, -1] generated (disjoint supports):")
report_pushes(Uniform(1.0, 3.0), Uniform(-3.0, -1.0), Uniform(-3.0, -1.0).sample(40, generator=rng)[:, 0].numpy())

# %% [markdown]
# On a log scale the gap is plain to see: across the generated samples, the minimax push under
# $D^*$ is many orders of magnitude below 1, largest for the fakes nearest the data; the
# critic's is exactly 1 everywhere. (The non-saturating push is large here only because of the
# Gaussian tails, as explained above; with the uniforms it was undefined.)
#
# Even with Gaussian tails, the non-saturating push against a *nearly* optimal discriminator is
# an unstable signal: it is $(1 - D)\,l'$, and far from the data the logit's slope $l'$ is set by
# densities of order $10^{-14}$, which a trained $D$ gets wrong by orders of magnitude. Arjovsky and
# Bottou (2017, Theorem 2.6) model such a $D$ as $D^*$ plus small noise and find that the generator's
# gradient then has a Cauchy-like distribution, with no finite mean or variance: the closer $D$ gets
# to optimal, the more erratic the generator's updates, not the more accurate.

# %%
plot_generator_pushes(p_data, p_gen, x_fake, K=1.0)
plt.show()

# %% [markdown]
# **What the non-saturating loss minimises.** Its push survives, but it no longer points down the
# JSD. Move every fake by $t$, with $D^*$ held fixed. The minimax loss then changes at the rate
# $2\,d\mathrm{JSD}/dt$ (notebook 03). For the non-saturating loss, Arjovsky and Bottou (2017,
# Theorem 2.5) show that the rate is that of $\mathrm{KL}(p_G \,\|\, p) - 2\,\mathrm{JSD}(p, p_G)$: a
# reverse KL, which punishes fakes where there is no data, minus a JSD term that pulls the two
# apart. So the average push on the fakes, $\mathbb E_{p_G}[\text{push}]$, should be minus the
# derivative of that combination. Check it by quadrature, on our pair and on a pair that overlaps:

# %%
shift = lambda gaussian, t: Gaussian(gaussian.mean + t, gaussian.std)
for p_real, p_fake in [(p_data, p_gen), (Gaussian(0.0, 1.0), Gaussian(1.0, 2.0))]:
    nodes, weights = quadrature_rule(p_real, p_fake)  # (N,), (N,): integrals over the line
    density_fake = p_fake.pdf(torch.from_numpy(nodes)).numpy()  # (N,)
    mean_push = weights @ (density_fake * generator_pushes_1d(p_real, p_fake, nodes)["non-saturating"])
    objective = lambda t: kl_divergence_1d(shift(p_fake, t), p_real) - 2 * js_divergence_1d(p_real, shift(p_fake, t))
    slope = (objective(1e-4) - objective(-1e-4)) / 2e-4  # central difference in t
    print(f"{p_real} real, {p_fake} fake: mean non-saturating push {mean_push:+.6f}, -d/dt [KL(p_G || p) - 2 JSD] {-slope:+.6f}")

# %% [markdown]
# The two agree. On our far-apart pair the JSD term is flat, and the average push of about 16 is the
# reverse KL's: $\mathrm{KL}(p_G \,\|\, p) = (\mu - \mu_G)^2 / (2\sigma^2)$ falls at the rate
# $(\mu - \mu_G) / \sigma^2 = 4 / 0.25 = 16$ as the fakes move right.
#
# ## 3. The Wasserstein-1 distance and its dual
#
# The Wasserstein-1 distance is the least average distance you must move probability mass to turn
# $p_G$ into $p$ (earth mover's distance). The Kantorovich–Rubinstein theorem writes it as a
# maximisation over critics:
#
# $$
# W_1(p, p_G) = \sup_{\|f\|_L \le 1} \; \mathbb E_{x \sim p}[f(x)] - \mathbb E_{\tilde x \sim p_G}[f(\tilde x)].
# $$
#
# On the line we can solve it. With $F$ and $F_G$ the two CDFs, integrate by parts. The boundary
# terms are $\big[f\,(F - F_G)\big]_{-\infty}^{\infty}$, and $F - F_G \to 0$ at both ends is not enough
# to kill them: a 1-Lipschitz $f$ may grow linearly, $|f(x)| \le |f(0)| + |x|$. What is enough is a
# finite first moment for both distributions, $\mathbb E|x| < \infty$: then $|x|\,(1 - F(x)) \le \mathbb E\big[|X|\,;\,X > x\big] \to 0$
# as $x \to \infty$, likewise $|x|\,F(x) \to 0$ as $x \to -\infty$, and the same for $F_G$, so
# $f\,(F - F_G) \to 0$ at both ends. (Without finite first moments $W_1$ itself can be infinite.)
#
# $$
# \mathbb E_p[f] - \mathbb E_{p_G}[f] = \int f \, (p - p_G)\,dx = \int f'(x)\,\big(F_G(x) - F(x)\big)\,dx .
# $$
#
# Under $|f'| \le 1$ this is largest for $f'(x) = \operatorname{sign}(F_G(x) - F(x))$, which gives
# $W_1 = \int |F(x) - F_G(x)|\,dx$. That is the green critic above; a $K$-Lipschitz critic reaches
# $K \cdot W_1$. For two Gaussians of the same width, $W_1$ is the distance between the means.

# %%
grid = np.linspace(-8.0, 8.0, 3201)
_, w1_densities = optimal_critic_on_grid(p_data, p_gen, grid)
print(f"W1 from the CDFs: {w1_densities:.4f}   (distance between the means: {p_data.mean - p_gen.mean:.4f})")

# %% [markdown]
# The same dual works on samples, with empirical CDFs. The critic from `optimal_critic_1d` is
# 1-Lipschitz by construction (its slope is ±1 between samples), and its dual value should equal
# scipy's $W_1$, which scipy computes from the sorted samples without any critic.

# %%
big_real, big_fake = p_data.sample(5000, generator=rng), p_gen.sample(4000, generator=rng)  # (5000, 1), (4000, 1)
critic = optimal_critic_1d(big_real, big_fake)
dual = critic(big_real[:, 0]).mean() - critic(big_fake[:, 0]).mean()
peer = wasserstein_distance(big_real[:, 0].numpy(), big_fake[:, 0].numpy())
print(f"dual with the optimal critic: {dual:.6f}")
print(f"scipy wasserstein_distance:  {peer:.6f}   |difference| < 1e-9: {abs(dual - peer) < 1e-9}")
slopes = np.abs(np.diff(critic.values) / np.diff(critic.knots))
print(f"largest slope of the critic: {slopes.max():.4f} (1-Lipschitz)")

# %% [markdown]
# ## 4. Explore: separation, widths and K
#
# Move the generated Gaussian towards the real one, change the widths, and change the critic's
# Lipschitz constant. Watch three things: the red $D^*$ stays a step as long as the two bumps do
# not overlap; the minimax push (right, log scale) collapses as the bumps separate; the critic's
# push is always exactly $K$, and its dual value is $K \cdot W_1$. Make the generated bump wider
# than the real one: with the bumps apart as they start, the green critic then bends down only in
# the right tail, beyond the real data, where the wider generated bump's tail outweighs the real
# one's and $F_G - F$ changes sign. Across and between the two bumps its slope stays $+K$.

# %%
PerfectVsLipschitzExplorer(separation=4.0, real_width=0.5, fake_width=0.5, K=1.0)

# %% [markdown]
# ## Check yourself
#
# **Predict before you run:** double the distance between the two Gaussians, from 4 to 8. What
# happens to the Jensen–Shannon divergence (notebook 03), and what happens to $W_1$? Which of the
# two could tell a generator that it got closer when it moved from 8 to 4?

# %%
for separation in [2.0, 4.0, 8.0]:
    real, fake = Gaussian(separation / 2, 0.5), Gaussian(-separation / 2, 0.5)
    _, w1 = optimal_critic_on_grid(real, fake, np.linspace(-10.0, 10.0, 4001))
    jsd = js_divergence_1d(real, fake)
    print(f"separation {separation:.0f}: JSD = {jsd:.4f} nats, log 2 - JSD = {math.log(2) - jsd:.1e}, W1 = {w1:.3f}")

# %% [markdown]
# Gaussians always overlap a little, so the JSD never quite reaches $\log 2$. But at distance 4 it is
# already within $10^{-4}$ of it, and at 8 the gap is at the level of round-off: moving from 8 to 4
# barely changes the generator's loss, so it gets almost no signal. For disjoint supports (two
# uniforms, say) the JSD is exactly $\log 2$ at every distance, and there is no signal at all.
# $W_1$ grows with the distance, so it rewards every step towards the data. That is why a Lipschitz critic, which estimates $W_1$, trains the generator
# where a perfect discriminator cannot.
#
# ## Summary
#
# * The perfect discriminator $D^* = p / (p + p_G)$ is essentially 0 and flat on the generated
#   samples. With push $= -\partial\,\text{loss} / \partial \tilde x$, the minimax push is $D^*\, l'$,
#   which vanishes there; the non-saturating push $(1 - D^*)\, l'$ survives only where the
#   log-density ratio stays finite and sloped, and on average it follows $\mathrm{KL}(p_G \,\|\, p) - 2\,\mathrm{JSD}$,
#   not the JSD.
# * A K-Lipschitz critic cannot jump. Its best version has slope $\pm K$ between the two
#   distributions, so the Wasserstein loss pushes every generated sample towards the data with force $K$.
# * $W_1(p, p_G) = \sup_{\|f\|_L \le 1} \mathbb E_p[f] - \mathbb E_{p_G}[f]$; in 1D the best critic has
#   $f' = \operatorname{sign}(F_G - F)$, and $W_1 = \int |F - F_G|$, matching scipy on samples.
# * $W_1$ keeps growing with the distance where the JSD saturates at $\log 2$ (to within $10^{-4}$ at
#   distance 4 for our Gaussians; exactly, for disjoint supports).
#
# **Next:** [05 · enforcing Lipschitz critics](05_lipschitz_constraints.ipynb): how to keep a
# neural network critic Lipschitz. Problem set: [ps02 · Lipschitz critics](../exercises/ps02_lipschitz.ipynb).
