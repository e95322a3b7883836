# %% [markdown]
# # ps01 · The optimal discriminator and the Jensen–Shannon divergence
#
# This problem set goes with [notebook 02 · the optimal discriminator](../notebooks/02_optimal_discriminator.ipynb)
# and [notebook 03 · the Jensen–Shannon divergence](../notebooks/03_js_divergence.ipynb). You will
# derive the optimal discriminator (the syllabus's Problem 1), implement it and the JSD, compute the
# value of the game at the optimum for one pair of distributions, and explain why a perfect
# discriminator starves the generator.
#
# **Time:** about 40 minutes. **Points:** 10.
#
# **How it works.** Write your answer where you see `# YOUR CODE HERE` or `...`, then run the
# `check("qN")` cell below it. It tells you which public checks pass and what to fix. The checks
# are advisory: more tests, hidden from you, run when your work is graded. Questions marked
# *graded by hand* have no automatic check. `check_all()` at the end sums everything up.

# %%
import math

import torch

from course_lib import seed_everything
from course_lib.grading import (
    ChoiceTest,
    FunctionTest,
    RangeTest,
    SymbolicTest,
    check,
    check_all,
    public_tests,
    skip_if_unfinished,
)

rng = seed_everything(0)

# %% [markdown]
# ## q1 · The optimal discriminator, as a formula (1 point, symbolic)
#
# Fix the generator. At a point $x$ write $p = p(x)$ for the data density and $p_G = p_G(x)$ for
# the generator's density, both positive. Which value $D^*(x)$ maximises
# $p \log D + p_G \log(1 - D)$ over $D \in (0, 1)$? Write it as a formula in `p` and `p_G`, in a
# string: for example `"p * p_G / (1 + p)"`. You may use `+ - * / **`, numbers, `exp` and `log`.
# Any form that is equal for all positive `p` and `p_G` is right.

# %%
d_star_formula = ...  # YOUR ANSWER HERE

# %% tags=["public-tests"]
public_tests(
    "q1",
    SymbolicTest("d_star_formula", symbols={"p": "positive", "p_G": "positive"}, title="d_star_formula is a formula in p and p_G"),
)

# %%
check("q1")


# %% [markdown]
# ## q2 · Prove it (3 points, graded by hand)
#
# *Write your proof in the cell below. It is graded by hand, so `check` does not apply
# to it.*
#
# Prove that for a fixed generator the discriminator maximising
# $V(D, G) = \mathbb E_{x \sim p}[\log D(x)] + \mathbb E_{\tilde x \sim p_G}[\log(1 - D(\tilde x))]$ is
# the $D^*$ of q1, applied at every point $x$. Your proof should (a) say why $V$ can be maximised one point
# at a time, (b) show that the stationary point is the maximum, and (c) treat the points where
# $p(x) = 0$ or $p_G(x) = 0$. A few lines each are enough.

# %% [markdown] tags=["answer"]
# **Your answer to q2.** _Double-click this cell and replace this line with your proof or explanation; write maths as $...$._

# %% [markdown]
# ## q3 · D* from density values (2 points)
#
# Implement `optimal_d(p_x, p_gen_x)`. Its arguments are the two densities evaluated at the same
# $B$ points: float tensors of shape `(B,)` and the same dtype, non-negative. Return $D^*$ at those
# points (your maximiser of q1, elementwise) as a tensor of shape `(B,)` and **the same dtype as the
# inputs** (float32 in, float32 out), and **exactly 0.5 where both densities are 0** (any value is
# optimal there; the course uses 1/2). Avoid dividing 0 by 0: the result must contain no NaN.
#
# *Checked on inputs the grader picks, including zeros in either or both densities and tiny
# densities, relative tolerance 1e-5.*

# %%
def optimal_d(p_x: torch.Tensor, p_gen_x: torch.Tensor) -> torch.Tensor:
    """D* at B points. p_x, p_gen_x: (B,) non-negative floats. Returns (B,) in [0, 1]."""
    # YOUR CODE HERE
    raise NotImplementedError


# %% tags=["public-tests"]
public_tests(
    "q3",
    FunctionTest(
        "optimal_d",
        outputs=[torch.tensor([0.75, 0.5, 0.25])],  # worked out by hand: float32, shape (3,)
        inputs=[(torch.tensor([0.3, 0.2, 1.0]), torch.tensor([0.1, 0.2, 3.0]))],
        title="optimal_d where both densities are positive",
    ),
)

# %%
check("q3")

# %% [markdown]
# For two unit Gaussians $\mu$ apart, $D^*$ has a closed form, $\sigma(\mu^2/2 - \mu x)$ (notebook 02).
# Your `optimal_d` should agree with it wherever the densities do not underflow (here in float64):

# %%
from course_lib.gan.distributions import Gaussian

with skip_if_unfinished("q3"):
    x, mu = torch.linspace(-4, 4, 81, dtype=torch.float64), 1.5
    yours = optimal_d(Gaussian(0, 1).pdf(x), Gaussian(mu, 1).pdf(x))
    print(f"largest |optimal_d - sigmoid(mu^2/2 - mu x)| < 1e-12: {bool((yours - torch.sigmoid(mu**2 / 2 - mu * x)).abs().max() < 1e-12)}")


# %% [markdown]
# ## q4 · The Jensen–Shannon divergence (2 points)
#
# Implement `jsd(p, q)` for two discrete distributions over the same $K$ outcomes, given as float64
# tensors of shape `(K,)`, non-negative, each summing to 1:
#
# $$
# \mathrm{JSD}(p, q) = \tfrac12 \sum_k p_k \log\frac{p_k}{m_k} + \tfrac12 \sum_k q_k \log\frac{q_k}{m_k}, \qquad m = \tfrac12(p + q),
# $$
#
# in nats (natural log), with $0 \log 0 = 0$: skip the terms where $p_k = 0$ (or $q_k = 0$).
# **Return a Python `float`** (use `float(...)`).
#
# *Checked on inputs the grader picks, including disjoint supports and zeros, relative tolerance 1e-5.*

# %%
def jsd(p: torch.Tensor, q: torch.Tensor) -> float:
    """JSD(p, q) in nats. p, q: (K,) probabilities. Returns a Python float in [0, log 2]."""
    # YOUR CODE HERE
    raise NotImplementedError


# %% tags=["public-tests"]
public_tests(
    "q4",
    FunctionTest(
        "jsd",
        outputs=[0.1017492251],  # precomputed for these two coins
        inputs=[(torch.tensor([0.5, 0.5], dtype=torch.float64), torch.tensor([0.9, 0.1], dtype=torch.float64))],
        title="jsd on two coins",
    ),
)

# %%
check("q4")

# %% [markdown]
# ## q5 · The value at the optimum (1 point)
#
# The data are uniform on $[0, 2]$ and the generator is uniform on $[1, 2]$. With the optimal
# discriminator, what is the value $V(G, D^*) = \mathbb E_{x \sim p}[\log D^*(x)] + \mathbb E_{\tilde x \sim p_G}[\log(1 - D^*(\tilde x))]$?
# Work it out by hand (where is $D^* = 1$? what is it on $[1, 2]$?), and assign a Python `float` to
# `value_at_optimum`, to at least four significant digits (relative tolerance 1e-4).

# %%
value_at_optimum = ...  # YOUR ANSWER HERE

# %% tags=["public-tests"]
public_tests(
    "q5",
    RangeTest(
        "value_at_optimum", low=-math.log(4), high=0.0, why="V(G, D*) = 2 JSD - log 4 and 0 <= JSD <= log 2", title="value_at_optimum is a float in [-log 4, 0]"
    ),
)

# %%
check("q5")

# %% [markdown]
# ## q6 · Why does the generator stop learning? (1 point, single choice)
#
# The data are uniform on $[0, 1]$ and the generator's samples are uniform on $[3, 4]$. The
# discriminator is optimal. Why does the generator's gradient vanish?
#
# * **A.** The JSD is undefined for disjoint supports, so its gradient is too.
# * **B.** $D^*$ is exactly 0 on and around every generated sample, so moving the samples a little does not change $\log(1 - D^*)$; equivalently the JSD stays at $\log 2$ for every small move.
# * **C.** $\mathrm{KL}(p \,\|\, p_G)$ is infinite, and an infinite loss has zero gradient.
# * **D.** The learning rate is too small; a larger one would restore the gradient.
#
# Assign one letter, as a string, to `answer_q6`.

# %%
answer_q6 = ...  # YOUR ANSWER HERE

# %% tags=["public-tests"]
public_tests("q6", ChoiceTest("answer_q6", options=("A", "B", "C", "D"), title="answer_q6 is one of the options"))

# %%
check("q6")

# %% [markdown]
# ## Summary of your checks
#
# Run this last. Question q2 is graded by hand.

# %%
check_all()
