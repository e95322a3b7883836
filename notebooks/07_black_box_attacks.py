# %% [markdown]
# # 07 · Black-box attacks
#
# **Learning goals.** After this notebook you can
# 1. state the black-box threat model (the attacker sends inputs and reads outputs, never a gradient)
#    and say why its currency is the number of queries;
# 2. derive forward and central finite differences, their truncation errors $O(h)$ and $O(h^2)$ and their
#    round-off error $\sim \varepsilon/h$, and choose the step $h$ for float32 and float64;
# 3. count the queries one gradient costs, for an 8×8 digit and for a 224×224 colour photograph;
# 4. estimate a gradient from random directions, predict how well it aligns with the true one, and
#    compare it with differences along a few pixels at the same number of queries;
# 5. run FGSM from queries alone, and attack a model with examples crafted on a surrogate trained on
#    other data, and explain when that transfer works.
#
# **Time:** about 40 minutes. **Prerequisites:** [06 · adversarial examples and FGSM](06_fgsm.ipynb).
#
# **Problem set:** [ps03 · attacks](../exercises/ps03_attacks.ipynb).

# %%
import math

import matplotlib.pyplot as plt
import numpy as np
import torch

from course_lib import seed_everything
from course_lib.adversarial.attacks import default_step, finite_difference_gradient, loss_gradient, transfer_matrix
from course_lib.adversarial.black_box_plots import (
    LossAPI,
    cosine,
    cosine_study,
    gradient_alignment,
    plot_alignment_vs_transfer,
    plot_cosine_study,
    plot_query_attack,
    plot_secant,
    plot_step_size_errors,
    plot_transfer_matrix,
    query_fgsm_study,
    random_sign_noise,
    step_size_errors,
)
from course_lib.adversarial.data import load_digits
from course_lib.adversarial.models import accuracy, trained_classifier
from course_lib.plotting import use_course_style
from course_lib.widgets.black_box import GradientEstimateExplorer

rng = seed_everything(0)
use_course_style()

# %% [markdown]
# ## 1. The black-box threat model
#
# In notebook 06 the attacker owned the model: it could run backpropagation through it and read
# $\nabla_x L$ directly. A deployed model rarely allows that. A photo-tagging service, a spam filter or a
# content moderator sits behind an interface: you send an input, you get back a label, perhaps with its
# probabilities, and that is all. This is the **black-box** threat model:
#
# * the attacker chooses inputs (**queries**) and reads the outputs, here the probability of the true
#   label, which it turns into the loss $f(x) = -\log p(y \mid x)$;
# * it never sees the weights, the architecture or a gradient;
# * every query costs something: money per call, a rate limit, time, and the risk of being noticed,
#   since thousands of near-identical images from one client look nothing like normal traffic.
#
# The perturbation budget is unchanged from notebook 06: $\|x_{adv} - x\|_\infty \le \epsilon$. What changes
# is what the attacker may *do* to find $x_{adv}$, and the bill it runs up.
#
# Our deployed model, `target`, is the MLP trained on one half ("B") of the training digits. The
# `LossAPI` wrapper gives out loss values only, and counts every image it is asked about.

# %%
x_test, y_test = load_digits("test")
target = trained_classifier("mlp", data="train_b")
api = LossAPI(target)
f = api.loss_of(y_test[0])  # the black box for test digit 0: images in, losses out
print(f"target's clean accuracy: {accuracy(target, x_test, y_test):.1%} on {len(x_test)} test digits")
print(f"loss of test digit 0 (a {y_test[0]}): {f(x_test[:1]).item():.3f}; queries so far: {api.queries}")

# %% [markdown]
# **The idea in one picture.** Without a gradient, the attacker can still *measure* a slope. Nudge one
# pixel up by $h$, nudge it down by $h$, ask for the loss at both images, and divide the rise by the run:
# two queries give one component of the gradient. Below, the grey curve is the loss along one pixel of a
# test digit, which the attacker never sees whole; the two dots are its two queries (with an exaggerated
# $h$, so the eye can tell the lines apart).

# %%
digit = 25  # a test 9 the target classifies correctly, but not with certainty
pixel = int(loss_gradient(target, x_test[digit : digit + 1], y_test[digit : digit + 1]).abs().argmax())  # the steepest pixel
plot_secant(target, x_test[digit], int(y_test[digit]), pixel, h=0.2)
plt.show()

# %% [markdown]
# The secant's slope differs from the tangent's because the loss curves; shrink $h$ and the two meet.
# Doing this for every pixel in turn is the **finite-difference** gradient. How small should $h$ be, and
# how many queries does it cost?
#
# ## 2. The maths: finite differences, their errors and their cost
#
# Write $g = \nabla f(x)$ and $e_i$ for the image that is 1 at pixel $i$ and 0 elsewhere.
#
# **Step 1: Taylor along one pixel.** For a smooth $f$,
#
# $$
# f(x + h e_i) = f(x) + h\, g_i + \tfrac{h^2}{2}\, \partial_i^2 f(x) + \tfrac{h^3}{6}\, \partial_i^3 f(\xi_+)
# $$
#
# for some $\xi_+$ between $x$ and $x + h e_i$.
#
# **Step 2: the forward difference.** Keep the expansion to second order, subtract $f(x)$ and divide by $h$:
#
# $$
# \frac{f(x + h e_i) - f(x)}{h} = g_i + \underbrace{\tfrac{h}{2}\, \partial_i^2 f(\xi)}_{\text{truncation, } O(h)} .
# $$
#
# One query at $x$ serves every pixel, plus one per pixel: $D + 1$ queries for $D$ pixels.
#
# **Step 3: the central difference.** Write step 1 again with $-h$; the odd powers change sign:
# $f(x - h e_i) = f(x) - h g_i + \tfrac{h^2}{2} \partial_i^2 f(x) - \tfrac{h^3}{6} \partial_i^3 f(\xi_-)$.
# Subtracting the two expansions cancels $f(x)$ *and* the $h^2$ term:
#
# $$
# \frac{f(x + h e_i) - f(x - h e_i)}{2h} = g_i + \underbrace{\tfrac{h^2}{6}\, \partial_i^3 f(\xi)}_{\text{truncation, } O(h^2)} ,
# $$
#
# where $\partial_i^3 f(\xi)$ is the average of the two third derivatives (a value the third derivative
# takes in between). Two queries per pixel: $2D$ queries, about twice the forward cost, for a far smaller error.
#
# **Step 4: round-off.** The box returns $f$ rounded to the precision of its floating-point type, with a
# relative error of about the **machine epsilon** $\varepsilon$ ($2^{-23} \approx 1.2 \times 10^{-7}$ in float32,
# $2^{-52} \approx 2.2 \times 10^{-16}$ in float64). Each value is off by about $\varepsilon |f|$, so their
# difference, divided by the step, is off by about $\varepsilon |f| / h$: **the smaller the step, the larger
# the round-off error.** The total error is a sum of a term that grows with $h$ and one that shrinks:
#
# $$
# E_{\text{forward}}(h) \approx \tfrac{h}{2} |f''| + \frac{\varepsilon |f|}{h}, \qquad
# E_{\text{central}}(h) \approx \tfrac{h^2}{6} |f'''| + \frac{\varepsilon |f|}{h}.
# $$
#
# **Step 5: the best step.** Set the derivative in $h$ to zero. For the forward difference
# $h^* = \sqrt{2 \varepsilon |f| / |f''|} \sim \sqrt{\varepsilon}$, with error $\sim \sqrt{\varepsilon}$; for the
# central difference $h^* = (3 \varepsilon |f| / |f'''|)^{1/3} \sim \varepsilon^{1/3}$, with error $\sim \varepsilon^{2/3}$.
# For inputs and values of size about 1 the library takes $h = \varepsilon^{1/2}$ or $\varepsilon^{1/3}$ (`default_step`):

# %%
for dtype in (torch.float32, torch.float64):
    eps_machine = torch.finfo(dtype).eps
    print(f"{str(dtype):>14}: machine eps = {eps_machine:.1e}; default h: forward eps^(1/2) = {default_step(dtype, 'forward'):.1e}, "
          f"central eps^(1/3) = {default_step(dtype, 'central'):.1e}")

# %% [markdown]
# ## 3. The V: truncation against round-off
#
# We test the claims on a smooth function whose derivative we know exactly, the two-class logistic loss
# $f(t) = \log(1 + e^{-t})$ at $t = 1$, with $f'(t) = -\sigma(-t)$. For steps from $10^{-12}$ to 1 we
# estimate $f'(1)$ with `finite_difference_gradient`, in float64 and in float32, and plot the error on
# log–log axes. The thin dotted (central) and dash-dotted (forward) lines are the error model of step 4; the
# vertical lines are the library's default steps.

# %%
steps = np.logspace(-12, 0, 37)  # three steps a decade
plot_step_size_errors(steps)
plt.show()

# %% [markdown]
# Read each curve from the right. Truncation falls with slope 1 (forward) or 2 (central) on the log–log
# axes, until it meets round-off, which rises with slope −1 and is jagged because rounding errors are
# erratic; the measurements mostly sit below the error model, which assumes the worst rounding. The bottom
# of each V sits near the library's default step. In float64 the best central difference is good to about
# $10^{-12}$ and the best forward one to about $10^{-9}$; in float32, to about $10^{-6}$ and $10^{-5}$. Against a
# float32 model a black-box attacker gets five or so correct digits of the gradient at best (plenty for an
# attack, which needs little more than signs), and central differences are the better buy.
#
# ### Check yourself
#
# **Predict before you run:** with central differences in float64, how does the error change when $h$ goes
# from $10^{-2}$ to $10^{-3}$? And in float32, when $h$ goes from $10^{-5}$ to $10^{-6}$?

# %%
truncation_side = step_size_errors(np.array([1e-2, 1e-3]), torch.float64, "central")
round_off_side = step_size_errors(np.array([1e-5, 1e-6]), torch.float32, "central")
print(f"float64, h 1e-2 -> 1e-3: error {truncation_side[0]:.2e} -> {truncation_side[1]:.2e} (divided by {truncation_side[0] / truncation_side[1]:.0f})")
print(f"float32, h 1e-5 -> 1e-6: error {round_off_side[0]:.2e} -> {round_off_side[1]:.2e} (multiplied by {round_off_side[1] / round_off_side[0]:.1f})")

# %% [markdown]
# On the truncation side the error is $\tfrac{h^2}{6}|f'''|$: a step ten times smaller divides it by 100.
# On the round-off side it is about $\varepsilon |f| / h$: a step ten times smaller multiplies it by about 10.
#
# ## 4. A gradient from queries
#
# Now the real black box. With `batched=True` the estimator sends all its images in one request; the
# box still counts each one. We compare with the true gradient, which only we, the referees, can compute by autograd.

# %%
x, y = x_test[digit], y_test[digit]
true_gradient = loss_gradient(target, x[None], y[None])[0]  # (1, 8, 8)
for method in ("forward", "central"):
    before = api.queries
    estimate = finite_difference_gradient(api.loss_of(y), x, method=method, batched=True)
    error = float((estimate.gradient - true_gradient).norm() / true_gradient.norm())
    print(f"{method:>8} differences: {api.queries - before} queries, cosine with the true gradient {cosine(estimate.gradient, true_gradient):.5f}, relative error {error:.1e}")

# %% [markdown]
# Both are excellent, and the forward difference, with half the queries, is about four times closer here (relative error 1.6e-3 against 6.9e-3).
# The theory of step 4 assumed a smooth $f$; a ReLU network is only *piecewise* smooth, and central
# differences take a step 14 times larger ($4.9 \times 10^{-3}$ against $3.5 \times 10^{-4}$), so they are
# likelier to straddle a kink where a ReLU switches on or off. If the loss were smooth here, a step 4.9 times
# smaller would cut the central error $4.9^2 \approx 24$ times:

# %%
for h in (4.9e-3, 1e-3, 3.5e-4):
    estimate = finite_difference_gradient(api.loss_of(y), x, h=h, batched=True)
    print(f"central, h = {h:.1e}: relative error {float((estimate.gradient - true_gradient).norm() / true_gradient.norm()):.1e}")

# %% [markdown]
# It only halves from $4.9 \times 10^{-3}$ to $10^{-3}$: a kink lies within $10^{-3}$ of this digit along some
# pixel. With the forward difference's step, $3.5 \times 10^{-4}$, the central error falls about three and a half times
# further, to $9.5 \times 10^{-4}$, about the level that float32 round-off allows.
#
# **A catch: certainty hides the gradient.** The loss of a digit the model is sure about is tiny, and
# float32 computes it from numbers near 1 (the softmax of large logits), so it comes in steps of about $1.2 \times 10^{-7}$. Then the two queries of a difference return the same
# number (or differ by one rounding step), and the estimate is noise or exactly zero:

# %%
with torch.no_grad():
    losses = torch.nn.functional.cross_entropy(target(x_test), y_test, reduction="none")  # (359,) the referee's view
sure = int(losses.argmin())
estimate = finite_difference_gradient(api.loss_of(y_test[sure]), x_test[sure], batched=True)
true_sure = loss_gradient(target, x_test[sure : sure + 1], y_test[sure : sure + 1])[0]
print(f"test digit {sure}: loss {losses[sure]:.1e}, true gradient norm {true_sure.norm():.1e}, "
      f"estimated gradient norm {estimate.gradient.norm():.1e} (cosine {cosine(estimate.gradient, true_sure):.2f})")
print(f"test digits with loss below 1e-5, where float32 rounding swamps the differences: {int((losses < 1e-5).sum())} of {len(losses)}")

# %% [markdown]
# (An API that rounds its probabilities to a few decimals, as many do, makes this far worse.)
#
# **The bill.** For our 8×8 digits a gradient costs 65 or 128 queries. For a photograph of the size
# image classifiers usually take, 224×224 pixels in three colours, it is another matter:

# %%
for name, shape in [("8x8 grey digit", (1, 8, 8)), ("224x224 colour photo", (3, 224, 224))]:
    num_dims = math.prod(shape)
    print(f"{name:>21}: D = {num_dims:>7,} -> forward {num_dims + 1:>7,} queries, central {2 * num_dims:>7,} queries per gradient")
hours = 2 * 3 * 224 * 224 / 10 / 3600
print(f"at 10 queries a second, one central-difference gradient of the photo takes {hours:.1f} hours")

# %% [markdown]
# ### Check yourself
#
# **Predict before you run:** a 32×32 colour image (CIFAR-10's size). How many queries does one
# central-difference gradient cost? And a 20-step PGD attack (notebook 06) that estimates every step's gradient so?

# %%
num_dims = 3 * 32 * 32
print(f"D = {num_dims:,}: {2 * num_dims:,} queries per gradient, {20 * 2 * num_dims:,} for 20 PGD steps")

# %% [markdown]
# $D = 3072$, so $2D = 6144$ queries per gradient and $122\,880$ for the attack: for *one* image. Hence
# the next question: can a gradient be good enough with far fewer than $2D$ queries?
#
# ## 5. Fewer queries: a few pixels, or random directions
#
# With a budget of $q$ queries, two strategies:
#
# * **coordinates**: central differences on $k = q/2$ pixels chosen at random, and 0 for the rest;
# * **random directions**: take the slope along $n = q/2$ random directions instead of along pixels.
#
# **The random-direction estimator, derived.** Draw $u \sim \mathcal N(0, I_D)$. The slope of $f$ along
# $u$ is $u^\top g$, and two queries measure it: $u^\top g \approx \frac{f(x + \sigma u) - f(x - \sigma u)}{2\sigma}$.
# Multiply the slope by the direction and average:
#
# $$
# \mathbb E\big[(u^\top g)\, u\big] = \mathbb E\big[u u^\top\big]\, g = I\, g = g ,
# \qquad\text{so}\qquad \hat g = \frac1n \sum_{k=1}^n (u_k^\top g)\, u_k
# $$
#
# is an unbiased estimate of the whole gradient from $2n$ queries. (In practice the measured slopes stand in
# for $u_k^\top g$; with a finite $\sigma$ the estimate is then exactly unbiased for the gradient of a smoothed
# loss, $f_\sigma(x) = \mathbb E f(x + \sigma u)$, which tends to $g$ as $\sigma \to 0$.) This is the estimator
# behind NES attacks (`random_direction_gradient`); SPSA is the same idea with random $\pm 1$ directions. How well does it align with $g$? Rotate the axes so that
# $g = \|g\| e_1$; then $\mathbb E[(u^\top g)^2 \|u\|^2] = \|g\|^2\, \mathbb E[u_1^4 + u_1^2 \textstyle\sum_{j>1} u_j^2] = (D + 2)\|g\|^2$,
# and for $n$ independent directions
#
# $$
# \mathbb E\, \|\hat g\|^2 = \tfrac1n (D + 2) \|g\|^2 + \big(1 - \tfrac1n\big) \|g\|^2 = \|g\|^2 \Big(1 + \frac{D + 1}{n}\Big),
# \qquad \mathbb E\, \hat g^\top g = \|g\|^2 ,
# $$
#
# so the cosine is about $\sqrt{n / (n + D + 1)}$: roughly $\sqrt{n/D}$ for a few directions, and still only
# $1/\sqrt2$ with as many directions as pixels.
#
# **The coordinate estimate** keeps the true $g_i$ on its $k$ pixels, so its cosine is $\|g_S\| / \|g\|$, and
# $\mathbb E \|g_S\|^2 = \tfrac{k}{D} \|g\|^2$ for a random set $S$: a cosine of about $\sqrt{k/D}$ if the gradient
# is spread evenly, and exactly 1 once $k = D$. At equal queries, $\sqrt{q / 2D}$ against $\sqrt{(q/2) / (q/2 + D + 1)}$:
# the same for $q \ll D$. We measure both on six test digits, four seeds each.

# %%
budgets = [2, 4, 8, 16, 32, 64, 128, 256, 512]
study = cosine_study(target, x_test[:6], y_test[:6], budgets, seeds=range(4))
plot_cosine_study(study)
plt.show()

# %% [markdown]
# Both follow their predictions. For up to about 32 queries the two are alike; past that the coordinates
# pull ahead and reach a cosine of 0.99 at $2D = 128$ queries, while the random directions still give a cosine of
# only about 0.9 with 512. So why bother with random directions? Because an attack needs more than an
# angle. FGSM moves every pixel by $\epsilon\, \mathrm{sign}(\hat g_i)$, which raises the linearised loss by
# $\epsilon\, g^\top \mathrm{sign}(\hat g)$, at most $\epsilon \|g\|_1$. The table gives, besides the cosines, the
# share $g^\top \mathrm{sign}(\hat g) / \|g\|_1$ of that best gain each estimate earns:

# %%
print(study)

# %% [markdown]
# A pixel the coordinate estimate never queried has $\hat g_i = 0$, so FGSM leaves it alone and it earns
# nothing: with $k$ of $D$ pixels the share is only about $k/D$. A random-direction estimate has a sign for
# *every* pixel, right more often than wrong: with 8 to 32 queries that earns about 1.7 to 3.5 times as much.
#
# ### Check yourself
#
# **Predict before you run:** with $n = 64$ random directions (128 queries) for our $D = 64$ pixels, what
# cosine does the formula give? Then read the measurement.

# %%
i = budgets.index(128)
print(f"formula sqrt(n / (n + D + 1)) = {math.sqrt(64 / (64 + 64 + 1)):.3f}; measured mean cosine {study.mean('random directions')[i]:.3f}")

# %% [markdown]
# $\sqrt{64/129} \approx 0.70$, and the measurement agrees to about 0.02. With as many directions as pixels, half
# of the estimate's energy is still noise.
#
# ## 6. FGSM from queries alone
#
# Now a whole attack. For each of 100 test digits the attacker spends a budget of queries on a gradient
# estimate and takes FGSM's step with it, $x_{adv} = \mathrm{clip}\big(x + \epsilon\, \mathrm{sign}(\hat g)\big)$
# (`fgsm_from_gradient`), with $\epsilon = 0.15$ (2.4 of the 16 steps between the digits' 17 grey levels; a little more than notebook
# 06's 0.1, so that the weaker attacks of this notebook have room to show their differences). Two references bracket
# it: white-box FGSM with the true gradient at the same $\epsilon$, and random $\pm\epsilon$ signs, noise of exactly
# FGSM's size that needs no query at all.

# %%
result = query_fgsm_study(target, x_test[:100], y_test[:100], eps=0.15, budgets=[8, 16, 32, 64, 128], generator=rng)
print(result)
print(f"total queries over the whole study: {sum(sum(spent) for spent in result.queries.values()):,}")

# %%
plot_query_attack(result)
plt.show()

# %% [markdown]
# Random signs of size $\epsilon$ do almost nothing: the attack's power is in the *direction*. With a small
# budget random directions win, as the gain shares predicted: eight queries per digit already cost the model
# more than ten points of accuracy. Coordinates only pay off near $2D$: with 128 queries per digit
# (12 800 in all) FGSM from queries is white-box FGSM, up to a digit or two whose loss is too small to
# measure in float32. Real black-box attacks iterate such steps (PGD with estimated gradients) and spend
# their queries more cleverly, for example on random directions drawn from smooth, low-resolution
# patterns, since a gradient image is itself fairly smooth.
#
# ## 7. Transfer: attack a model you built yourself
#
# There is a way to attack with (almost) no queries. The attacker trains its own model, the **surrogate**,
# attacks it in the white box, and sends the resulting $x_{adv}$ to the target. It costs one query per
# image, to deliver it. It works when the surrogate's gradient points roughly where the target's does.
#
# The attacker has no access to the target's training data: its surrogates learn from the *other* half
# ("A") of the training digits. It trains three: an MLP (by luck or by guess, the target's architecture),
# a CNN, and an MLP with dropout. With the target, MLP·B, they fill the **transfer matrix**: FGSM crafted
# on each model (row), evaluated on each model (column). The diagonal is the white-box attack.
#
# ### Check yourself
#
# **Predict before you run:** two surrogates, both trained on half A: the MLP and the CNN. Which one's
# examples fool the target more, and by roughly how much?

# %%
models = {
    "MLP·A": trained_classifier("mlp", data="train_a"),
    "CNN·A": trained_classifier("cnn", data="train_a"),
    "dropout MLP·A": trained_classifier("dropout_mlp", data="train_a"),
    "MLP·B": target,
}
names = list(models)
matrix = transfer_matrix(models, x_test, y_test, eps=0.15)
column = names.index("MLP·B")
for source in ("MLP·A", "CNN·A"):
    print(f"crafted on {source:<6} -> target MLP·B accuracy {matrix.accuracy[names.index(source), column]:.1%} (clean {matrix.clean_accuracy[column]:.1%})")

# %% [markdown]
# Both hurt, but the surrogate that shares the target's architecture hurts far more: its examples leave the
# target about 16 points less accurate than the CNN's. The whole matrix, with clean accuracy and random
# $\pm\epsilon$ noise as references in the top two rows:

# %%
noise = random_sign_noise(x_test, 0.15, rng)
noise_accuracy = torch.tensor([accuracy(model, noise, y_test) for model in models.values()])
plot_transfer_matrix(matrix, noise_accuracy)
plt.show()

# %%
off_diagonal = ~torch.eye(len(names), dtype=torch.bool)
print(f"accuracy under white-box FGSM (diagonal): mean {matrix.accuracy.diag().mean():.1%}")
print(f"accuracy under transferred FGSM (off the diagonal): mean {matrix.accuracy[off_diagonal].mean():.1%}")
print(f"accuracy under random noise of the same size: mean {noise_accuracy.mean():.1%}; clean: mean {matrix.clean_accuracy.mean():.1%}")

# %% [markdown]
# Every off-diagonal cell is far below the noise row: transferred examples are not noise, they carry the
# target's weaknesses although they were made without it. They are weaker than a white-box attack on the
# same model.
#
# **Why transfer works.** FGSM's step is the sign of the surrogate's gradient; it raises the *target's*
# loss to first order by $\epsilon\, g_{\text{target}}^\top \mathrm{sign}(g_{\text{surrogate}})$, which is large when the
# two gradients point the same way. Models trained for the same task on similar data learn similar
# features (stroke positions, the gaps that tell a 3 from an 8) and so have similar input gradients. We
# can check that directly: the mean cosine between two models' gradients on the test digits, against
# how much the transfer lowers the target's accuracy.

# %%
alignment = gradient_alignment(models, x_test, y_test)
plot_alignment_vs_transfer(matrix, alignment, families=["MLP", "CNN", "MLP", "MLP"], halves=["A", "A", "A", "B"])
plt.show()

# %%
drop = matrix.clean_accuracy[None, :] - matrix.accuracy  # (4, 4): how much each crafted row costs each target
pairs = np.corrcoef(alignment[off_diagonal].numpy(), drop[off_diagonal].numpy())[0, 1]
print(f"correlation between gradient alignment and accuracy drop over the {int(off_diagonal.sum())} surrogate-target pairs: {pairs:.2f}")

# %% [markdown]
# The points line up: the better two models' gradients align, the more an attack on one hurts the other.
# **When is transfer weaker?** When the gradients align less:
# * across architectures (triangles): an MLP and a CNN process pixels differently, and their gradients have
#   mean cosines near 0.5, even when they learned from the very same digits;
# * across training data, less so (circles): the gradients of MLPs trained on halves A and B have mean cosines
#   of 0.64 to 0.70. What a model *is* shapes its gradient more than which samples it saw;
# * against defended targets: adversarial training, the subject of the next notebook, reshapes the
#   target's gradients and makes them less like an ordinary surrogate's.
#
# And it is strongest between close relatives: the MLP and the dropout MLP trained on the same half (diamonds)
# have gradients with a mean cosine near 0.9, and attacks pass between them almost as well as in the white box.
#
# ## 8. Explore: estimated gradients against the budget
#
# Slide the budget of queries and pick a digit. From left to right: the digit; its true loss gradient;
# the coordinate estimate, which fills in pixel by pixel (the rest stays 0, grey); the random-direction
# estimate, noisy everywhere at once; and both cosines against the budget. Each image is scaled by its
# largest entry, so you compare directions, not lengths. Everything is computed before the first frame:
# the slider only picks precomputed estimates.

# %%
GradientEstimateExplorer(target, x_test[:3], y_test[:3])

# %% [markdown]
# ## Summary
#
# * A black-box attacker sends queries and reads outputs, never a gradient; queries are its currency.
# * Finite differences estimate a gradient from values: forward $\frac{f(x + h e_i) - f(x)}{h}$ costs $D + 1$
#   queries with truncation error $O(h)$; central $\frac{f(x + h e_i) - f(x - h e_i)}{2h}$ costs $2D$ with $O(h^2)$.
#   Round-off adds about $\varepsilon |f| / h$; the best steps are $h \sim \varepsilon^{1/2}$ and $\varepsilon^{1/3}$
#   ($3.5 \times 10^{-4}$ and $4.9 \times 10^{-3}$ in float32).
# * One gradient of an 8×8 digit costs 128 central queries; of a 224×224 colour photo, 301 056.
# * On a digit the model is sure about, the loss is so small that float32 rounding hides its differences:
#   the estimated gradient is noise, or exactly zero.
# * Random directions give an estimate (unbiased for the gradient of a slightly smoothed loss) with cosine about $\sqrt{n / (n + D + 1)}$ from $2n$ queries;
#   coordinates on $k$ pixels give about $\sqrt{k/D}$. For FGSM, random directions win on a small budget because
#   they give every pixel a sign; coordinates match white-box FGSM at $2D$ queries.
# * Transfer: examples crafted in the white box on a surrogate trained on other data fool the target far
#   more than noise of the same size, and the more so the better the two models' gradients align: most
#   within an architecture, less across.
#
# **Back:** [06 · adversarial examples and FGSM](06_fgsm.ipynb). **Next:** adversarial training, where the
# defender trains on attacks like these. **Problem set:** [ps03 · attacks](../exercises/ps03_attacks.ipynb).
