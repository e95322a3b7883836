# %% [markdown]
# # 06 · Adversarial examples and the fast gradient sign method
#
# **Learning goals.** After this notebook you can
# 1. write the attacker's problem, $\max_{\|\delta\| \le \epsilon} L(x + \delta, y)$, and say what the budget $\epsilon$ stands for and what it leaves out;
# 2. draw the $L_\infty$ and $L_2$ balls and say which contains which, in the plane and for 64-pixel images;
# 3. derive FGSM's step $\epsilon\,\mathrm{sign}(g)$ from the linearised loss (Problem 3), and its $L_2$ twin
#    $\epsilon\, g / \|g\|_2$ from the dual norm, then check both against brute force;
# 4. attack a digit classifier with FGSM and with PGD, and read accuracy-against-$\epsilon$ curves for both balls;
# 5. spot three mistakes that make attack numbers wrong: no clipping, dropout left on, and attacking the predicted label.
#
# **Time:** about 35 minutes. **Prerequisites:** gradients by autograd; none of the GAN notebooks (this
# notebook opens the course's second game). The [course map](00_index.ipynb) shows where it sits.
#
# **Problem set:** [ps03 · attacks](../exercises/ps03_attacks.ipynb).

# %%
import itertools
import math

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F

from course_lib import seed_everything
from course_lib.adversarial.attacks import fgsm, loss_gradient, pgd
from course_lib.adversarial.data import load_digits
from course_lib.adversarial.models import accuracy, trained_classifier
from course_lib.adversarial.plots import curve_style, plot_accuracy_against_eps, plot_adversarial_examples, plot_norm_balls
from course_lib.adversarial.threat_models import lp_norm, sample_ball, steepest_ascent_direction
from course_lib.plotting import use_course_style
from course_lib.widgets.fgsm import L2_PER_LINF, FgsmExplorer

rng = seed_everything(0)
use_course_style()

# %% [markdown]
# ## 1. Intuition: a nudge the eye ignores
#
# A small network reads scikit-learn's 8×8 handwritten digits (pixels scaled to $[0, 1]$, 0 black,
# 1 white) and gets about 96% of the held-out ones right. Now let an attacker move every pixel by at
# most 0.1, a tenth of the grey scale, each in the direction that raises the model's loss. The digits
# look the same to us. The model's answers do not.

# %%
model = trained_classifier("mlp")  # 64 pixels -> 128 ReLU units -> 10 logits, trained in half a second
x, y = load_digits("test")  # (359, 1, 8, 8) in [0, 1] and (359,) true labels
x_adv = fgsm(model, x, y, eps=0.1)  # every pixel moved by at most 0.1
clean_accuracy = accuracy(model, x, y)
print(f"test accuracy: {clean_accuracy:.1%} on clean digits, {accuracy(model, x_adv, y):.1%} after the attack")

# %%
shown = slice(1, 9)  # test digits 1 to 8 (digit 0 the model misreads even before any attack)
with torch.no_grad():
    fooled = int((model(x_adv[shown]).argmax(dim=1) != y[shown]).sum())
title = f"Each pixel moved by at most 0.1: the model now misreads {fooled} of these 8 digits"
plot_adversarial_examples(model, x[shown], x_adv[shown], y[shown], title=title)
plt.show()

# %% [markdown]
# ## 2. The attacker's problem
#
# The model is fixed; the attacker controls the input. Take a test image $x$ with true label $y$ and
# the model's loss $L(x, y)$ (here the cross-entropy of its logits). The attacker looks for a
# perturbation $\delta$ that makes the loss as large as possible, within a budget:
#
# $$
# \delta^* = \arg\max_{\|\delta\| \le \epsilon} L(x + \delta, y), \qquad x_{adv} = x + \delta^* .
# $$
#
# Note the label: it is $y$, the *true* label of $x$, and it stays $y$ for $x + \delta$. That is the
# point of the budget. Without it the problem is silly: swap the 3 for a drawing of an 8 and the loss
# is huge, but so is the change, and the right answer is now 8. We want changes so small that a person
# sees no difference, so that the true label is certainly unchanged, and then we ask whether the
# model changes its mind anyway. The norm $\|\cdot\|$ says what "small" means. Two common choices:
#
# * $\|\delta\|_\infty = \max_i |\delta_i|$: no pixel moves by more than $\epsilon$ (many pixels may move);
# * $\|\delta\|_2 = \big(\sum_i \delta_i^2\big)^{1/2}$: a total energy, which the attacker may spend on a few pixels or spread over many.
#
# There is one more constraint: $x + \delta$ must still be an image, so every pixel stays in $[0, 1]$.
# Attacks enforce it by clipping (section 9 shows what happens when they do not).
#
# **An honest caveat.** The ball is a model of the attacker, chosen because we can analyse and measure
# it, not because real attackers respect it. A sticker on a stop sign replaces a patch of pixels outright, so its
# $L_\infty$ norm is as large as it can be, and yet any driver still reads "stop". So does a sign that is rotated,
# lit differently or set against a new background, and an attacker may also simply pick inputs nobody ever
# labelled. None of those lies in a small norm ball, and a model that resists every $\delta$ in the ball may still
# fall to them.

# %% [markdown]
# ## 3. Two balls, and which holds which
#
# In two dimensions the $L_\infty$ ball of radius $\epsilon$ is a square with corners $(\pm\epsilon, \pm\epsilon)$,
# and the $L_2$ ball is the disc inside it. Ignore the arrow $g$ and the markers for now: section 4 explains them.

# %%
plot_norm_balls(eps=1.0, grad=(1.0, 0.45))
plt.show()

# %% [markdown]
# Two inequalities hold in any dimension $d$. Every coordinate is at most the length, $|\delta_i| \le \|\delta\|_2$,
# so the $L_2$ ball fits inside the $L_\infty$ ball of the same radius. And if every $|\delta_i| \le \epsilon$ then
# $\|\delta\|_2^2 = \sum_i \delta_i^2 \le d\,\epsilon^2$, with equality at the corners. So
#
# $$
# \{\|\delta\|_2 \le \epsilon\} \;\subset\; \{\|\delta\|_\infty \le \epsilon\} \;\subset\; \{\|\delta\|_2 \le \epsilon\sqrt d\}.
# $$
#
# In the plane $\sqrt d = \sqrt 2$, the dotted circle. For our 8×8 digits $d = 64$ and $\sqrt d = 8$: an $L_\infty$ budget
# of 0.1 lets the attacker reach points at $L_2$ distance 0.8. We will compare the two attacks with exactly
# that exchange rate, $L_2$ radius $= 8 \times$ the $L_\infty$ radius, so that the $L_2$ ball always holds the $L_\infty$ one.
#
# **Check yourself.** Draw 10,000 points uniformly from the 64-dimensional $L_\infty$ ball of radius 0.1.
# Predict their typical $L_2$ length: close to 0.1, close to 0.8, or somewhere between? Then run the cell.

# %%
cube = sample_ball((10_000, 1, 8, 8), 0.1, "inf", generator=rng)  # uniform in the L∞ ball, eps = 0.1
lengths = lp_norm(cube, "2")  # (10000,)
print(f"L2 length of uniform points of the L∞ ball: min {lengths.min():.3f}, mean {lengths.mean():.3f}, max {lengths.max():.3f}")
print(f"0.1·√(64/3) = {0.1 * math.sqrt(64 / 3):.3f} (the root mean square length); a corner is at 0.1·√64 = 0.8")
sphere_points = sample_ball((10_000, 1, 8, 8), 0.1, "2", generator=rng)  # uniform in the L2 ball, eps = 0.1
print(f"largest |δ_i| over uniform points of the L2 ball: {lp_norm(sphere_points, 'inf').max():.3f} (at most 0.1: inside the cube)")

# %% [markdown]
# In between: each coordinate is uniform on $[-0.1, 0.1]$, so $\mathbb E[\delta_i^2] = 0.1^2/3$ and the length
# concentrates near $0.1\sqrt{64/3} \approx 0.46$. In high dimensions nearly all of a cube's volume lies
# far from its inscribed ball *and* far from its corners.
#
# ## 4. Problem 3: the best step on the linearised loss
#
# The attacker's problem is a constrained maximisation of a non-linear, non-concave function: hard in general.
# The fast gradient sign method (FGSM) replaces the loss by its first-order Taylor expansion around $x$,
#
# $$
# L(x + \delta, y) \;\approx\; L(x, y) + g^\top \delta, \qquad g = \nabla_x L(x, y),
# $$
#
# and solves *that* problem exactly. The first term does not depend on $\delta$, so we need
# $\max_{\|\delta\| \le \epsilon} g^\top \delta$.
#
# **The $L_\infty$ ball, coordinate by coordinate.** $\|\delta\|_\infty \le \epsilon$ says exactly that
# $-\epsilon \le \delta_i \le \epsilon$ for every $i$, with no link between coordinates: the feasible set is a
# product of intervals. The objective is a sum of terms that each involve one coordinate,
# $g^\top \delta = \sum_i g_i \delta_i$. So the maximum of the sum is the sum of the maxima:
#
# $$
# \max_{\|\delta\|_\infty \le \epsilon} \sum_i g_i \delta_i \;=\; \sum_i \max_{-\epsilon \le \delta_i \le \epsilon} g_i \delta_i .
# $$
#
# One coordinate at a time, $g_i \delta_i$ is a linear function of $\delta_i$ on an interval, so it peaks at an
# end: at $\delta_i = +\epsilon$ if $g_i > 0$ (value $\epsilon g_i$), at $\delta_i = -\epsilon$ if $g_i < 0$ (value $-\epsilon g_i$).
# Both cases read $\delta_i = \epsilon\,\mathrm{sign}(g_i)$ with value $\epsilon |g_i|$. Summing,
#
# $$
# \boxed{\;\delta^* = \epsilon\,\mathrm{sign}(g), \qquad \max_{\|\delta\|_\infty \le \epsilon} g^\top \delta = \epsilon \|g\|_1 .\;}
# $$
#
# **Ties.** If $g_i = 0$, then $g_i \delta_i = 0$ for every $\delta_i \in [-\epsilon, \epsilon]$: every value is optimal
# and the maximiser is no longer unique. $\mathrm{sign}(0) = 0$ picks $\delta_i = 0$, leaving alone a pixel the
# linearised loss cannot see; any other choice in $[-\epsilon, \epsilon]$ reaches the same value. If $g = 0$
# altogether ($x$ is a stationary point of the loss: a flat region, a peak, a valley or a saddle), every $\delta$ in the
# ball is optimal for the linear model, which then has nothing to say. FGSM returns $x$ unchanged; only
# higher-order information (or a random start, section 8) can move it.
#
# **Any norm, through the dual norm.** Write $\delta = \epsilon u$ with $\|u\| \le 1$:
#
# $$
# \max_{\|\delta\| \le \epsilon} g^\top \delta = \epsilon \max_{\|u\| \le 1} g^\top u = \epsilon \|g\|_*,
# $$
#
# which is the *definition* of the dual norm $\|g\|_*$. Hölder's inequality, $g^\top \delta \le \|g\|_q \|\delta\|_p$ for
# $1/p + 1/q = 1$, with equality attainable, identifies it: the dual of $L_p$ is $L_q$. The dual of $L_\infty$ is
# $L_1$ (what we just derived: $\epsilon\|g\|_1$), and $L_2$ is its own dual.
#
# **The $L_2$ ball in closed form.** Cauchy–Schwarz gives $g^\top \delta \le \|g\|_2 \|\delta\|_2 \le \epsilon \|g\|_2$. The
# first inequality is an equality exactly when $\delta = c\,g$ with $c \ge 0$ (for $g \ne 0$); the second when $\|\delta\|_2 = \epsilon$.
# For $g \ne 0$ both hold at one point only:
#
# $$
# \boxed{\;\delta^* = \epsilon\, \frac{g}{\|g\|_2}, \qquad \max_{\|\delta\|_2 \le \epsilon} g^\top \delta = \epsilon \|g\|_2 .\;}
# $$
#
# For $g = 0$, again, every $\delta$ ties. Compare the two steps: $\epsilon\,\mathrm{sign}(g)$ moves *every* pixel with $g_i \ne 0$ the full $\epsilon$
# (before clipping), however small its gradient, while $\epsilon\, g/\|g\|_2$ spends the budget where the gradient is large. In the
# figure of section 3 the dotted lines are level lines of $g^\top\delta$: the square's best point is the corner
# the last level line touches, the disc's is where a level line is tangent to it.
#
# FGSM is then one gradient and one step, clipped to valid pixels:
# $x_{adv} = \mathrm{clip}_{[0,1]}\big(x + \epsilon\,\mathrm{sign}(\nabla_x L(x, y))\big)$, and its $L_2$ version
# $\mathrm{clip}_{[0,1]}\big(x + \epsilon\, \nabla_x L / \|\nabla_x L\|_2\big)$. The library computes the direction with
# `steepest_ascent_direction(g, norm)`.
#
# ## 5. Checking Problem 3 by brute force
#
# A linear function on a cube is largest at one of its corners, so trying every corner is a complete search.
# In $d = 10$ dimensions there are $2^{10} = 1024$ corners. We compare the best of them with FGSM's step,
# and add 100,000 random points from inside the cube for good measure.

# %%
d, eps = 10, 0.1
g = torch.randn(d, generator=rng, dtype=torch.float64)  # a gradient, float64 so that ties are exact
corners = eps * torch.tensor(list(itertools.product([-1.0, 1.0], repeat=d)), dtype=torch.float64)  # (1024, 10)
delta_fgsm = eps * steepest_ascent_direction(g.unsqueeze(0), "inf")[0]  # (10,) eps·sign(g), from the library
best_corner = corners[(corners @ g).argmax()]
inside = sample_ball((100_000, d), eps, "inf", generator=rng, dtype=torch.float64)  # (100000, 10)
print(f"best of the {len(corners)} corners:      gᵀδ = {float(best_corner @ g):.6f}")
print(f"FGSM's step eps·sign(g):        gᵀδ = {float(delta_fgsm @ g):.6f}   (eps·‖g‖₁ = {eps * float(g.abs().sum()):.6f})")
print(f"best of 100,000 interior points: gᵀδ = {float((inside @ g).max()):.6f}")
assert torch.equal(best_corner, delta_fgsm) and torch.isclose(delta_fgsm @ g, eps * g.abs().sum())
assert (inside @ g).max() < delta_fgsm @ g

# %% [markdown]
# Now the ties. Set three coordinates of $g$ to zero: the corners that differ only in those coordinates tie,
# $2^3 = 8$ of them, and FGSM's step (0 in those coordinates, a point on the face they span) reaches the same value.
# With $g = 0$ the library's direction is zero: FGSM does not move.

# %%
g_ties = g.clone()
g_ties[:3] = 0.0
gains = corners @ g_ties  # (1024,)
winners = corners[torch.isclose(gains, gains.max())]
delta_ties = eps * steepest_ascent_direction(g_ties.unsqueeze(0), "inf")[0]
print(f"{len(winners)} corners tie for the maximum gᵀδ = {float(gains.max()):.6f}; FGSM's step reaches {float(delta_ties @ g_ties):.6f}")
print(f"FGSM's step in the three tied coordinates: {delta_ties[:3].tolist()} (sign(0) = 0)")
zero = torch.zeros(1, 4)
print(f"direction for g = 0: {steepest_ascent_direction(zero, 'inf')[0].tolist()} (L∞), {steepest_ascent_direction(zero, '2')[0].tolist()} (L2)")
assert len(winners) == 8 and torch.isclose(delta_ties @ g_ties, gains.max())

# %% [markdown]
# For the $L_2$ ball the candidates are the points of the sphere $\|\delta\|_2 = \epsilon$ (a linear gain grows
# along any ray where it is positive, so the maximum sits on the boundary). In the plane we can walk the whole
# circle on a fine grid of 200,001 angles; in 10 dimensions we sample 100,000 random points of the sphere.

# %%
g_plane = torch.tensor([1.0, 0.45], dtype=torch.float64)
angles = torch.linspace(0, 2 * math.pi, 200_001, dtype=torch.float64)
circle = eps * torch.stack([angles.cos(), angles.sin()], dim=1)  # (200001, 2): the circle of radius eps
delta_plane = eps * steepest_ascent_direction(g_plane.unsqueeze(0), "2")[0]  # eps·g/‖g‖₂
best_angle = angles[(circle @ g_plane).argmax()]
print(f"d = 2:  best on the circle   gᵀδ = {float((circle @ g_plane).max()):.8f} at angle {float(best_angle):.5f} rad")
print(f"        eps·g/‖g‖₂ gives     gᵀδ = {float(delta_plane @ g_plane):.8f} at angle {math.atan2(0.45, 1.0):.5f} rad")
print(f"        eps·‖g‖₂                 = {eps * float(g_plane.norm()):.8f}")
on_sphere = eps * steepest_ascent_direction(torch.randn(100_000, d, generator=rng, dtype=torch.float64), "2")  # (100000, 10)
delta_l2 = eps * steepest_ascent_direction(g.unsqueeze(0), "2")[0]
print(f"d = 10: best of 100,000 sphere points gᵀδ = {float((on_sphere @ g).max()):.6f} < eps·‖g‖₂ = {float(delta_l2 @ g):.6f}")
assert abs(float((circle @ g_plane).max()) - eps * float(g_plane.norm())) < 1e-9  # the grid's spacing costs ~1e-11
assert torch.isclose(delta_plane @ g_plane, eps * g_plane.norm())
assert (on_sphere @ g).max() < delta_l2 @ g and torch.isclose(delta_l2 @ g, eps * g.norm())

# %% [markdown]
# **A model where the linearisation loses nothing.** Logistic regression with labels $y \in \{-1, +1\}$ has loss
# $L(x) = \log\big(1 + e^{-m}\big)$ with margin $m = y\,(w^\top x + b)$. The loss depends on $x$ only through $m$, and
# falls as $m$ grows, so maximising the *true* loss over the ball means minimising $y\,w^\top \delta$: a linear
# problem. Its answer is $\delta = -\epsilon\, y\, \mathrm{sign}(w)$, and since $g = -y\,\sigma(-m)\,w$ is a positive multiple
# of $-y\,w$, that is exactly $\epsilon\,\mathrm{sign}(g)$. For a linear model FGSM solves the attacker's real problem, not
# an approximation of it. Checked on all 1024 corners, with the true loss:

# %%
w, b, label = torch.randn(d, generator=rng, dtype=torch.float64), 0.3, 1.0
x_point = torch.rand(d, generator=rng, dtype=torch.float64)


def logistic_loss(points):  # (..., d) -> (...): log(1 + exp(-y (wᵀx + b)))
    return F.softplus(-label * (points @ w + b))


x_point.requires_grad_(True)
(g_logistic,) = torch.autograd.grad(logistic_loss(x_point), x_point)  # (d,) the loss gradient at x
x_point = x_point.detach()
corner_losses = logistic_loss(x_point + corners)  # (1024,) the true loss at every corner of the ball
fgsm_loss = logistic_loss(x_point + eps * g_logistic.sign())
print(f"loss at x {float(logistic_loss(x_point)):.4f}; FGSM {float(fgsm_loss):.4f}; best corner {float(corner_losses.max()):.4f}")
assert torch.isclose(fgsm_loss, corner_losses.max())

# %% [markdown]
# **Check yourself.** Take $g = (3, -4, 0)$ and $\epsilon = 0.1$. Before running the cell, write down FGSM's
# $L_\infty$ step and its gain $g^\top\delta$, then the $L_2$ step and its gain.

# %%
g_check = torch.tensor([[3.0, -4.0, 0.0]])
for norm, name in (("inf", "L∞"), ("2", "L2")):
    step = 0.1 * steepest_ascent_direction(g_check, norm)[0]
    print(f"{name}: delta = {[round(v, 3) for v in step.tolist()]}, gain gᵀδ = {float(step @ g_check[0]):.3f}")

# %% [markdown]
# $L_\infty$: $\delta = (0.1, -0.1, 0)$ with gain $0.1\,\|g\|_1 = 0.7$; the third pixel does not move, since $g_3 = 0$.
# $L_2$: $\delta = 0.1\,(3, -4, 0)/5 = (0.06, -0.08, 0)$ with gain $0.1\,\|g\|_2 = 0.5$. The $L_\infty$ gain is larger,
# as it must be: its ball is the larger one.
#
# ## 6. FGSM on the digits, with both balls
#
# Back to the classifier. We attack all 359 test digits at budgets from 0 to 0.3, with the $L_\infty$ ball of radius
# $\epsilon$ and the $L_2$ ball of radius $8\epsilon$, which contains it (section 3).

# %%
eps_grid = np.round(np.linspace(0.0, 0.3, 13), 3)  # L∞ budgets; the L2 budgets are 8 times these
fgsm_linf = [accuracy(model, fgsm(model, x, y, eps=e), y) for e in eps_grid]
fgsm_l2 = [accuracy(model, fgsm(model, x, y, eps=L2_PER_LINF * e, norm="2"), y) for e in eps_grid]
for e, a_inf, a_2 in list(zip(eps_grid, fgsm_linf, fgsm_l2))[::2]:
    print(f"eps = {e:.2f}: accuracy {a_inf:.1%} (L∞ ball, radius {e:.2f})   {a_2:.1%} (L2 ball, radius {L2_PER_LINF * e:.1f})")

# %%
styles = {"FGSM, L∞ ball of radius ε": curve_style("inf", "fgsm"), "FGSM, L2 ball of radius 8ε": curve_style("2", "fgsm")}
curves = dict(zip(styles, [fgsm_linf, fgsm_l2]))
title = "FGSM drives the MLP from 96% to under 5% by ε = 0.2; the L2 attack (radius 8ε) bites sooner"
plot_accuracy_against_eps(eps_grid, curves, styles, title, l2_per_linf=L2_PER_LINF, clean=clean_accuracy)
plt.show()

# %% [markdown]
# Why is the $L_2$ curve lower? Its ball is bigger: it contains the $L_\infty$ ball and much more. To first order
# the two attacks gain $\epsilon\|g\|_1$ and $8\epsilon\|g\|_2$, and $\|g\|_1 \le \sqrt{64}\,\|g\|_2$ always, with equality only
# when every pixel's gradient has the same size. On the digits the ratio is well below 1. Clipping takes its share
# from both steps: half the pixels are pure black, and wherever the gradient asks them to get darker, the step is
# clipped away (section 8 comes back to this).

# %%
g_digits = loss_gradient(model, x, y).flatten(1)  # (359, 64)
ratio = g_digits.norm(p=1, dim=1) / (L2_PER_LINF * g_digits.norm(p=2, dim=1))  # (359,) first-order gain, L∞ over L2
print(f"first-order gain of the L∞ step over the L2 step, ‖g‖₁ / (8‖g‖₂): mean {ratio.mean():.2f}, "
      f"range {ratio.min():.2f} to {ratio.max():.2f}")
print(f"pixels at exactly 0 (black): {(x == 0).float().mean():.0%}; at exactly 1 (white): {(x == 1).float().mean():.0%}")

# %% [markdown]
# ## 7. Slide the budget
#
# Pick a digit and a ball, then move $\epsilon$. The panels show the clean digit, FGSM's version, their difference
# $\delta$ (red brighter, blue darker, and marked + and −; unmarked pixels did not move: they were clipped, or their gradient is 0)
# and the model's class probabilities before and after. FGSM's direction does not depend on $\epsilon$, so the widget
# computes each digit's gradient once, and from it the image and the model's answer at every slider position;
# moving a control only looks them up and redraws.

# %%
explorer = FgsmExplorer(model, x, y, eps=0.12, norm="inf", digit=3)
explorer

# %% [markdown]
# **Check yourself.** For which digits does the smallest budget suffice, and is the $L_2$ attack (radius $8\epsilon$)
# faster for every digit? Guess, try a few in the widget, then run the cell: it reads, for each digit, the smallest
# slider position at which the model changes its answer.

# %%
for norm, name in (("inf", "L∞, radius ε "), ("2", "L2, radius 8ε")):
    flips = explorer.smallest_fooling_eps(norm)
    print(f"{name}: " + ", ".join(f"{digit}: {'> 0.3' if e is None else f'{e:.2f}'}" for digit, e in flips.items()))

# %% [markdown]
# The budgets differ a lot from digit to digit: some digits sit close to a decision boundary, others deep inside their
# class. The $L_2$ attack needs a smaller $\epsilon$ for eight of the ten digits and the same for the 8, but a larger one
# for the 1 (0.10 against 0.09). So it is not faster for every digit, and need not be: a larger ball guarantees that its
# *best* point is at least as harmful, not that FGSM's single linear step is.
#
# ## 8. PGD: many small steps instead of one big one
#
# FGSM trusts the linearisation over the whole ball. The loss of a neural network curves, so the best point of
# the linear model need not be the best point of the real loss. Projected gradient descent (here ascent) takes
# many small FGSM steps of size $\alpha$, re-linearising at each new point, and after each step projects back onto
# the ball (and clips to valid pixels):
#
# $$
# x^{t+1} = x + \Pi_{\|\delta\| \le \epsilon}\Big(\mathrm{clip}_{[0,1]}\big(x^t + \alpha\, u(\nabla_x L(x^t, y))\big) - x\Big), \qquad x^0 = x,
# $$
#
# where $u$ is FGSM's direction for the norm and $\Pi$ the projection: clamp each coordinate for $L_\infty$, shrink to
# length $\epsilon$ for $L_2$. With one step and $\alpha = \epsilon$ it *is* FGSM. We use the common $\alpha = 2.5\,\epsilon / \text{steps}$,
# a path long enough to cross the ball with room to spare. A random start inside the ball (`random_start=True`) helps when $g = 0$ at $x$.

# %%
one_step = pgd(model, x, y, eps=0.1, alpha=0.1, steps=1)
print(f"PGD with one step of size eps equals FGSM (L∞, eps = 0.1): {torch.allclose(one_step, x_adv, atol=1e-6)}")


# %% [markdown]
# **Check yourself.** Will 10 steps of PGD beat FGSM at every budget? By more for the $L_\infty$ ball or for the $L_2$ ball?

# %%
def pgd_accuracy(e, norm):  # 10 steps of size 2.5 e / 10; a zero budget leaves every digit as it is
    return accuracy(model, pgd(model, x, y, eps=e, alpha=2.5 * e / 10, steps=10, norm=norm), y) if e > 0 else clean_accuracy


pgd_linf = [pgd_accuracy(e, "inf") for e in eps_grid]
pgd_l2 = [pgd_accuracy(L2_PER_LINF * e, "2") for e in eps_grid]
for label, norm, accuracies in [("PGD (10 steps), L∞ ball of radius ε", "inf", pgd_linf), ("PGD (10 steps), L2 ball of radius 8ε", "2", pgd_l2)]:
    styles[label], curves[label] = curve_style(norm, "pgd"), accuracies
title = "PGD is never weaker than FGSM here, and far stronger in the L2 ball"
plot_accuracy_against_eps(eps_grid, curves, styles, title, l2_per_linf=L2_PER_LINF, clean=clean_accuracy)
plt.show()

# %% [markdown]
# More steps help, but not without end: at $\epsilon = 0.1$ (and $L_2$ radius 0.8) the accuracy stops falling after about ten.

# %%
for steps in (1, 2, 5, 10, 20, 40):
    a_inf = accuracy(model, pgd(model, x, y, eps=0.1, alpha=2.5 * 0.1 / steps, steps=steps), y)
    a_2 = accuracy(model, pgd(model, x, y, eps=0.8, alpha=2.5 * 0.8 / steps, steps=steps, norm="2"), y)
    print(f"{steps:2} steps: accuracy {a_inf:.1%} (L∞, eps = 0.1)   {a_2:.1%} (L2, eps = 0.8)")
x_adv_l2 = fgsm(model, x, y, eps=0.8, norm="2")
print(f"FGSM:     accuracy {accuracy(model, x_adv, y):.1%} (L∞, eps = 0.1)   {accuracy(model, x_adv_l2, y):.1%} (L2, eps = 0.8)")

# %% [markdown]
# For the $L_\infty$ ball PGD gains at most about seven points (and finishes off the last 1–2% of digits that FGSM never
# fools): a ReLU network's logits are piecewise linear in $x$, and over a cube of side 0.2 this loss is close enough to linear that
# FGSM's corner is nearly the best. For the $L_2$ ball the gap is
# large, and the table shows why: even *one* PGD step beats FGSM there. That step overshoots ($\alpha = 2.5\epsilon$), is
# clipped, and is then projected back onto the ball, so the budget that clipping threw away (black pixels pushed
# below 0) is re-spent on pixels that can still move. FGSM's single step simply loses it. In the $L_\infty$ ball
# every pixel has its own budget, and nothing clipped from one pixel can be given to another.
#
# ## 9. Three mistakes that make attack numbers wrong
#
# **Pitfall 1: no clipping.** Without the clip, FGSM returns "images" with pixels below black and above white.
# A plot silently clips them to $[0, 1]$ again, so what you look at is not what the model was given.

# %%
x_unclipped = fgsm(model, x, y, eps=0.1, clip=None)
outside = ((x_unclipped < 0) | (x_unclipped > 1)).float().mean()
print(f"unclipped: {outside:.0%} of the pixels lie outside [0, 1] (from {x_unclipped.min():.2f} to {x_unclipped.max():.2f})")
print(f"accuracy under attack: {accuracy(model, x_adv, y):.1%} with clipping, {accuracy(model, x_unclipped, y):.1%} without")

# %% [markdown]
# The unclipped attack looks about eighteen points stronger, but those inputs are not images: no pixel can be darker than
# black. Reported as an attack on digits, the number flatters the attack.
#
# **Pitfall 2: a model left in training mode.** A model with dropout is random in training mode: every forward pass
# drops a different half of the hidden units. FGSM as it is often first written never switches to eval mode, so it
# attacks a random sub-network, a different one at every call.

# %%
dropout_model = trained_classifier("dropout_mlp")  # the MLP with dropout (p = 0.5) after its hidden layer


def naive_fgsm(model, x, y, eps):
    """FGSM as often first written: no eval mode, so dropout stays on (and the weights' .grad fills up)."""
    x = x.clone().requires_grad_(True)
    F.cross_entropy(model(x), y).backward()
    return (x + eps * x.grad.sign()).clamp(0.0, 1.0).detach()


# %%
dropout_model.train()  # the mistake: e.g. right after training, .eval() never called
first, second = naive_fgsm(dropout_model, x, y, 0.1), naive_fgsm(dropout_model, x, y, 0.1)
print(f"naive, training mode: two calls differ in {(first != second).float().mean():.0%} of the pixels; "
      f"accuracy {accuracy(dropout_model, first, y):.1%} and {accuracy(dropout_model, second, y):.1%}")
library = fgsm(dropout_model, x, y, eps=0.1)  # runs the model in eval mode, restores its flag afterwards
print(f"library fgsm: two calls identical: {torch.equal(library, fgsm(dropout_model, x, y, eps=0.1))}; "
      f"accuracy {accuracy(dropout_model, library, y):.1%}")
dropout_model.eval()
print(f"naive FGSM in eval mode equals the library's: {torch.allclose(naive_fgsm(dropout_model, x, y, 0.1), library, atol=1e-6)}")

# %% [markdown]
# The training-mode attack is not reproducible, and it is weaker: the gradient of a random half-network is a noisy
# estimate of the gradient of the model that is actually deployed (dropout off). The accuracy is measured in eval mode
# in both cases (`accuracy` sees to that), so the difference is the attack's fault alone.
#
# **Pitfall 3: attacking the predicted label instead of the true one.** It is tempting to write
# `fgsm(model, x, model(x).argmax(1), eps)`, with no labels needed. On the digits the model reads right nothing changes.
# On the ones it misreads, raising the loss of its *wrong* answer pushes the image away from that answer, and often
# back to the right one: the "attack" repairs the model's mistakes.

# %%
with torch.no_grad():
    predicted = model(x).argmax(dim=1)  # (359,)
misread = predicted != y
print(f"the model misreads {int(misread.sum())} of {len(y)} clean test digits")
for e in (0.02, 0.1):
    on_true, on_predicted = fgsm(model, x, y, eps=e), fgsm(model, x, predicted, eps=e)
    with torch.no_grad():
        repaired = [int((model(x_a[misread]).argmax(dim=1) == y[misread]).sum()) for x_a in (on_true, on_predicted)]
    print(f"eps = {e}: attacking the true label: accuracy {accuracy(model, on_true, y):.1%}, {repaired[0]} misread digits repaired; "
          f"the predicted label: {accuracy(model, on_predicted, y):.1%}, {repaired[1]} repaired")

# %% [markdown]
# Attacking the true label repaired none of the misread digits: it pushes them further from the right answer.
# Attacking the model's own prediction repaired most of them, and the accuracy under attack looks about two points
# better than it is. With unlabelled
# data the predicted label is all an attacker has, and that is fine; but then the number measures how often the
# attack *changes* the model's answer, not the model's accuracy under attack.
#
# ## Summary
#
# * The attacker's problem is $\max_{\|\delta\| \le \epsilon} L(x + \delta, y)$ with the true label $y$: a budget small enough
#   that the label cannot change. Real attackers are not bound by a norm ball; the ball is a model we can analyse.
# * $\{\|\delta\|_2 \le \epsilon\} \subset \{\|\delta\|_\infty \le \epsilon\} \subset \{\|\delta\|_2 \le \epsilon\sqrt d\}$; for 8×8 images, $\sqrt d = 8$.
# * Linearising, $L(x + \delta) \approx L(x) + g^\top\delta$, the best step over the ball gains $\epsilon\|g\|_*$ (the dual norm):
#   $\delta^* = \epsilon\,\mathrm{sign}(g)$ with gain $\epsilon\|g\|_1$ for $L_\infty$ (coordinate by coordinate), $\delta^* = \epsilon g/\|g\|_2$ with
#   gain $\epsilon\|g\|_2$ for $L_2$ (Cauchy–Schwarz). Where $g_i = 0$ any $\delta_i$ is optimal; where $g = 0$, any $\delta$.
# * Brute force over all corners, a fine circle and random sphere points agrees; for logistic regression FGSM solves
#   the true problem exactly.
# * FGSM takes the digit MLP from 96% to under 5% accuracy by $\epsilon = 0.2$. PGD, many projected FGSM steps, is
#   stronger: a little for $L_\infty$, a lot for $L_2$, where it re-spends the budget that clipping wastes.
# * Clip to valid pixels, attack the model in eval mode, and attack the true label; otherwise the numbers lie.
#
# **Next:** [07 · black-box attacks](07_black_box_attacks.ipynb) takes the gradient away from the attacker. Then
# derive and code FGSM yourself in [ps03 · attacks](../exercises/ps03_attacks.ipynb).
