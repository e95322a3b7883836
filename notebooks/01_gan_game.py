# %% [markdown] slideshow={"slide_type": "slide"}
# # 01 · The GAN game
#
# **Learning goals.** After this notebook you can
# 1. say how a generator turns noise $z$ into samples $G(z)$, and what the discriminator $D$ is asked to do;
# 2. write the minimax value $V(D, G)$ and explain why it is trained by alternating gradient steps;
# 3. explain why the generator loss $\log(1 - D(G(z)))$ *saturates*, and what the non-saturating loss changes;
# 4. train a 1D and a 2D GAN on your laptop in seconds, replay the game move by move, and read the
#    arrows that show how the generator's loss pulls each sample.
#
# **Time:** about 30 minutes. **Prerequisites:** logistic regression, gradient descent, PyTorch basics.
#
# **Problem set:** [ps00 · the GAN game](../exercises/ps00_gan_game.ipynb).

# %%
import math

import matplotlib.pyplot as plt
import torch

from course_lib import seed_everything
from course_lib.gan.distributions import GaussianRing
from course_lib.gan.losses import gan_value
from course_lib.gan.networks import Discriminator, Generator
from course_lib.gan.plots import grid_2d, plot_density_steps, plot_gan_1d, plot_gan_2d, plot_generator_loss_gradients
from course_lib.gan.training import GANConfig, generator_gradient_norm, train_discriminator, train_gan
from course_lib.plotting import use_course_style
from course_lib.widgets.gan_game import TWO_MODES, GanRingExplorer, GanStepExplorer, step_mode_runs

rng = seed_everything(0)
use_course_style()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. Intuition: a forger and a detective
#
# A GAN never writes down a density. The **generator** $G_\theta$ is a machine that turns random
# noise $z \sim \mathcal N(0, I)$ into samples $\tilde x = G_\theta(z)$; whatever distribution those
# samples follow is called $p_G$. The **discriminator** $D_\phi$ is an ordinary binary classifier
# that looks at a sample and outputs the probability that it came from the data rather than from $G$.
# The forger improves by fooling the detective, and the detective improves by catching the forger.
#
# Here is the starting position on our 1D toy data: two bumps of real data (blue, solid, circles)
# and what an untrained generator makes of its noise (orange, dashed, triangles).

# %%
generator, discriminator = Generator(z_dim=1, data_dim=1), Discriminator(data_dim=1)
with torch.no_grad():
    z = generator.noise(2000, generator=rng)  # (2000, 1) noise
    x_fake = generator(z)  # (2000, 1) samples G(z)
x_real = TWO_MODES.sample(2000, generator=rng)  # (2000, 1)

fig, ax = plt.subplots(figsize=(6, 2.8))
bins = torch.linspace(-5, 5, 81)
ax.hist(z[:, 0], bins=bins, density=True, alpha=0.35, color="grey", label="noise z ~ N(0, 1)")
plot_density_steps(ax, x_real[:, 0].numpy(), bins.numpy(), "real", "real data x")
plot_density_steps(ax, x_fake[:, 0].numpy(), bins.numpy(), "generated", "G(z), untrained")
ax.set(xlabel="x", ylabel="density", title="Before training, G squeezes its noise into one narrow lump")
ax.legend()
plt.show()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. The maths: a two-player minimax game
#
# Write $D(x) \in (0, 1)$ for the discriminator's probability that $x$ is real. Its log-likelihood
# on real data (label 1) and generated data (label 0) is the **value** of the game:
#
# $$
# V(D, G) \;=\; \mathbb E_{x \sim p}\big[\log D(x)\big] \;+\; \mathbb E_{z \sim p(z)}\big[\log\big(1 - D(G(z))\big)\big].
# $$
#
# The discriminator wants $V$ large (it is minus the binary cross-entropy), the generator wants it
# small, and GAN training looks for
#
# $$
# \min_{G} \; \max_{D} \; V(D, G).
# $$
#
# Two facts to keep in mind:
# * $V \le 0$, since both logs are of probabilities.
# * If $D$ cannot tell the two apart and says $D(x) = \tfrac12$ everywhere, then
#   $V = \log\tfrac12 + \log\tfrac12 = -\log 4 \approx -1.386$. Notebook 02 proves that when $p_G = p$,
#   this is the best the discriminator can do.
#
# We never compute $\log D$ as `torch.log(torch.sigmoid(logit))`: for a confident discriminator that
# underflows to $-\infty$. The library works with the logit $l(x)$ and uses
# $\log D = \log\sigma(l)$ and $\log(1 - D) = \log\sigma(-l)$, both computed stably.

# %%
logits = torch.tensor([-200.0, 0.0, 200.0])
print("naive log(1 - sigmoid(l)):", torch.log(1 - torch.sigmoid(logits)).tolist())
print("stable logsigmoid(-l):    ", torch.nn.functional.logsigmoid(-logits).tolist())
value_at_half = gan_value(torch.zeros(8), torch.zeros(8))
print(f"V when D = 1/2 everywhere: {value_at_half:.4f}   (-log 4 = {-math.log(4):.4f})")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. Alternating gradient steps
#
# The minimax problem asks us to solve the inner $\max_D$ completely before every change of $G$.
# That is far too expensive (a full classifier training per generator step), and it is not even
# what we want: a discriminator that is perfect for the current $G$ can give $G$ almost no gradient
# (this notebook's section 4, and notebook 04). In practice the two players take turns:
#
# 1. $k$ gradient **ascent** steps on $V$ for the discriminator, on fresh batches of real and generated data;
# 2. one gradient **descent** step for the generator, with the discriminator frozen.
#
# The discriminator stays *roughly* optimal for the current generator, which is all the generator
# needs to get a useful direction. The settings of a run live in one dataclass:

# %%
GANConfig()

# %% [markdown] slideshow={"slide_type": "subslide"}
# Before playing the whole game, look at the inner problem alone: freeze $G$ and train only $D$.
# The value climbs from $-\log 4$ towards $0$, because our untrained generator's samples are easy to
# tell apart from the data. (`train_discriminator` records $V$ on each step's batch just *before*
# that step's update, the value the gradient is taken on: the first entry is the untrained $D$.)

# %%
inner_values = train_discriminator(discriminator, generator, TWO_MODES, num_steps=60, rng=rng)
print(f"V of the untrained D: {inner_values[0]:.3f}; after 59 discriminator steps: {inner_values[-1]:.3f}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. Saturating and non-saturating generator losses
#
# In the game as written, the generator minimises $\mathbb E_z[\log(1 - D(G(z)))]$. Differentiate
# with respect to the logit $l = l(G(z))$ of one fake sample, with $D = \sigma(l)$ and
# $\sigma'(l) = \sigma(l)(1 - \sigma(l))$:
#
# $$
# \frac{\partial}{\partial l}\log\big(1 - \sigma(l)\big) = -\frac{\sigma(l)\,(1-\sigma(l))}{1 - \sigma(l)} = -D.
# $$
#
# Early in training the discriminator easily rejects the fakes, so $D(G(z)) \approx 0$ and the
# gradient is about zero: the loss **saturates** exactly when the generator is worst. Goodfellow et
# al. therefore train the generator to *maximise* $\log D(G(z))$ instead, i.e. minimise
# $-\mathbb E_z[\log D(G(z))]$, whose gradient is
#
# $$
# \frac{\partial}{\partial l}\big(-\log \sigma(l)\big) = -(1 - D),
# $$
#
# largest when $D(G(z)) \approx 0$. Both losses push $D(G(z))$ up, sample by sample, and both are
# happy at $p_G = p$. Here they differ in the strength of the push; over a whole distribution they
# also differ in *what* the generator ends up minimising (notebook 04: against the perfect
# discriminator, the non-saturating loss no longer minimises the JSD). The curves below come from
# autograd through the library's losses.

# %%
plot_generator_loss_gradients()
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# Autograd agrees with the two formulas above; check it on a few logits:

# %%
from course_lib.gan.losses import non_saturating_generator_loss, saturating_generator_loss

logits = torch.linspace(-6, 6, 7, requires_grad=True)
for name, loss, formula in [
    ("saturating", saturating_generator_loss, lambda d: -d),
    ("non-saturating", non_saturating_generator_loss, lambda d: -(1 - d)),
]:
    (gradient,) = torch.autograd.grad(loss(logits) * len(logits), logits)
    error = (gradient - formula(torch.sigmoid(logits))).abs().max()
    print(f"{name:>14}: largest |autograd - formula| = {error:.1e}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# The discriminator we just trained in section 3 rejects the untrained generator confidently. How
# much gradient does each loss send back to the generator's weights?

# %%
with torch.no_grad():
    mean_d_fake = discriminator.prob(generator.sample(512, generator=rng)).mean()
print(f"mean D(G(z)) = {mean_d_fake:.4f}: the discriminator is sure the fakes are fake")
for loss in ["saturating", "non-saturating"]:
    norm = generator_gradient_norm(generator, discriminator, loss, rng=rng)
    print(f"{loss:>14} loss: |gradient w.r.t. G's weights| = {norm:.3f}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. A 1D GAN in half a second
#
# Now the whole game on the two-bump data, with the non-saturating loss. We train two runs: the
# main one with $k = 1$ for 150 generator steps, and a short one with $k = 5$ that section 7
# compares with it. Each history keeps snapshots of both players' moves: the generated samples
# (always from the same 600 noise vectors) and $D(x)$ on a grid.

# %%
runs = step_mode_runs(TWO_MODES, d_steps=(1, 5), num_steps=(150, 20), progress=True)
history_1d = runs["k = 1"]
history_1d

# %%
plot_gan_1d(history_1d, TWO_MODES, title="G reaches both bumps, but piles much of each into a spike; D is not yet 1/2")
plt.show()


# %% [markdown] slideshow={"slide_type": "subslide"}
# How close did we get? Compare a few statistics of the final generated samples with the data's,
# first over all samples, then bump by bump: each bump's centre (its median), its spread (the median
# distance to that centre; 0.34 for a Gaussian of std 0.5), and the share of its samples that fall
# in its densest window 0.1 wide (for the data, about a tenth; much more means a spike).

# %%
def densest_share(bump, width=0.1):  # the largest share of the samples inside one window of this width
    bump = bump.sort().values  # (n,)
    return (torch.searchsorted(bump, bump + width) - torch.arange(len(bump))).max().item() / len(bump)

x_fake = torch.from_numpy(history_1d.snapshots[-1].x_fake[:, 0])
x_real = TWO_MODES.sample(len(x_fake), generator=rng)[:, 0]
for name, x in [("real", x_real), ("generated", x_fake)]:
    print(f"{name:>9}: mean {x.mean():+.2f}, std {x.std():.2f}, share in the right bump {(x > 0).float().mean():.2f}")
    for side, bump in [("left", x[x < 0]), ("right", x[x > 0])]:
        print(f"{'':>11}{side:>5} bump: centre {bump.median():+.2f}, spread {(bump - bump.median()).abs().median():.2f}, "
              f"densest 0.1-wide window holds {densest_share(bump):.0%} of it")
print(f"V over the last 50 steps: {sum(history_1d.value[-50:]) / 50:.3f}   (-log 4 = {-math.log(4):.3f})")

# %% [markdown] slideshow={"slide_type": "subslide"}
# The share in each bump and the std are close to the data's, and $V$ is near $-\log 4$. They hide
# what the figure shows: the right bump has collapsed into a spike (spread 0.03 against the data's
# 0.30, and over half its samples in one 0.1-wide window), and the left bump is centred near
# $-2.65$ instead of $-2$, with a third of its samples piled into a spike of its own. This is
# collapse *within* a mode: a generator can put mass in every mode and still be far from the data,
# so look at each mode's shape, not only at summary statistics.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6. A 2D GAN: the ring of eight Gaussians
#
# The classic test of a GAN: eight tight clusters on a circle. A generator that covers only some
# of them has *collapsed* onto a few modes, a failure the value $V$ alone does not reveal.
#
# On top of the samples we draw the view that made GAN Lab (Kahng et al., 2018) famous: an arrow on
# every few generated samples $\tilde x$, pointing along $-\nabla_{\tilde x}\,\ell(\tilde x)$, minus the
# gradient of the generator's loss for that one sample under the current $D$. With the
# non-saturating loss, $-\nabla \ell = (1 - D)\,\nabla l$: each sample is pulled up the slope of $D$'s logit,
# hardest where $D$ is surest it is fake. The generator cannot move its samples one by one; its
# gradient step on the weights moves all of them together, each along its arrow as far as the
# network allows. `train_gan` records the arrows with every snapshot, so the figures only replay them.

# %%
seed_everything(0)
ring = GaussianRing(num_modes=8, radius=2.0, std=0.1)
generator_2d, discriminator_2d = Generator(z_dim=2, data_dim=2, hidden=48), Discriminator(data_dim=2, hidden=48)
# Adam without momentum (beta_1 = 0), as WGAN-GP does: the players chase each other less.
config_2d = GANConfig(num_steps=200, lr_d=3e-3, lr_g=3e-3, betas=(0.0, 0.9), snapshot_every=10)
history_2d = train_gan(generator_2d, discriminator_2d, ring, config_2d, rng=rng, grid=grid_2d())

# %%
plot_gan_2d(history_2d, ring)
plt.show()
with torch.no_grad():
    x_fake_2d = generator_2d.sample(2000, generator=rng)  # (2000, 2)
x_real_2d = ring.sample(2000, generator=rng)  # (2000, 2)
print(f"modes covered (at least 1% of the samples within 3 stds of the mode): {ring.modes_covered(x_fake_2d)} of {ring.num_modes}")
for name, x in [("generated", x_fake_2d), ("real", x_real_2d)]:
    print(f"{name:>9} samples within 3 stds of their nearest mode (high quality): {ring.high_quality_fraction(x):.0%}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Every mode counts as covered, yet the last panel is no ring of eight tight clusters: the orange
# samples are smeared along the whole circle, and under a third of them land within 3 stds of a
# mode, where almost all real samples do. The coverage count asks only that each mode get 1% of
# the samples, which a blurred generator passes easily, so always read it beside the share of
# high-quality samples, which catches the blur.
#
# The arrows say the game is not over. At step 200 they are about ten times longer than at step 0,
# and they point from the gaps towards the clusters. Count it on the last snapshot: for the
# generated samples away from every mode, how often does the push have a component towards the
# nearest one?

# %%
last = history_2d.snapshots[-1]
x_last, push_last = torch.from_numpy(last.x_fake), torch.from_numpy(last.push)  # (512, 2) each
distance, nearest = torch.cdist(x_last, ring.means).min(dim=1)  # (512,) distance to, and index of, the nearest mode
off_mode = distance >= 3 * ring.std
towards = (push_last * (ring.means[nearest] - x_last)).sum(dim=1) > 0  # (512,) positive dot product with the way to the mode
print(f"off-mode samples at step {last.step}: {off_mode.float().mean():.0%}; "
      f"of them, pushed towards their nearest mode: {towards[off_mode].float().mean():.0%}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Replay the run snapshot by snapshot (every 10 generator steps). Watch the arrows first fan out
# of the initial lump towards wherever $D$ is darkest, then, once the samples reach the circle,
# turn along it towards the clusters.

# %%
GanRingExplorer(history_2d, ring)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7. Step mode: replay the game move by move
#
# The runs of section 5 replay here, one move at a time: first the discriminator's $k$ steps (watch
# the purple $D(x)$ sharpen), then the generator's step (watch the orange samples slide uphill on
# $D$). Press the slider's arrow keys to step. Compare $k = 1$ with $k = 5$: a stronger
# discriminator keeps $V$ well above $-\log 4$, and with the non-saturating loss it still gives the
# generator a useful push.

# %%
GanStepExplorer(runs, TWO_MODES)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Check yourself
#
# **Predict before you run:** over generator steps 6 to 20, is the average value $V$ of the
# $k = 5$ run above or below the $k = 1$ run's? Which of the two discriminators is closer to the
# inner maximum $\max_D V$? Then run the cell.

# %%
for name, history in runs.items():
    window = history.value[5:20]
    print(f"{name}: mean V over steps 6-20 = {sum(window) / len(window):.3f}   (-log 4 = {-math.log(4):.3f})")

# %% [markdown] slideshow={"slide_type": "subslide"}
# $V$ sits higher in the $k = 5$ run. Part of the reason is the inner max: more discriminator steps
# bring $D$ closer to its optimum for the current $G$. But $V(D, G)$ depends on both players, and
# the two runs' generators differ too: from the first step on, each generator followed a different
# discriminator, so by step 6 the $k = 5$ generator may simply be easier to tell from the data. To
# credit the inner max alone, hold $G$ fixed and compare discriminators, as section 3 did. Notebook
# 02 finds that inner optimum in closed form.
#
# ## Summary
#
# * A GAN turns noise into samples with $G$ and trains a classifier $D$ to tell them from data; the
#   value $V(D, G)$ is $D$'s log-likelihood, maximised by $D$ and minimised by $G$.
# * Training alternates $k$ discriminator steps with one generator step instead of solving the inner max.
# * The minimax generator loss $\log(1 - D(G(z)))$ has gradient $-D$ with respect to the logit and
#   saturates when $D$ rejects the fakes; the non-saturating loss $-\log D(G(z))$ has gradient $-(1 - D)$.
# * At equilibrium $D = \tfrac12$ and $V = -\log 4$; mode coverage, and each mode's width, must be
#   checked separately: $V$, the mean and the std can look right while a mode has collapsed.
# * On the ring, count the covered modes *and* the share of samples that sit on a mode: a blurred
#   generator covers all eight modes while most of its samples lie between them.
# * The push $-\nabla_{\tilde x}\,\ell$ on each generated sample (GAN Lab's arrows) shows where the
#   generator's step pulls it: up the slope of $D$'s logit.
#
# **Next:** [02 · the optimal discriminator](02_optimal_discriminator.ipynb), and the problem set
# [ps00 · the GAN game](../exercises/ps00_gan_game.ipynb).
