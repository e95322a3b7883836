# %% [markdown]
# # ps01 · The optimal discriminator and the Jensen–Shannon divergence
#
# This problem set goes with [notebook 02 · the optimal discriminator](../notebooks/02_optimal_discriminator.ipynb)
# and [notebook 03 · the Jensen–Shannon divergence](../notebooks/03_js_divergence.ipynb). You will
# derive the optimal discriminator, implement it and the JSD, compute the
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

import matplotlib.pyplot as plt
import torch

from course_lib import seed_everything
from course_lib.gan.plots import grid_1d, plot_optimal_discriminator
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
from course_lib.plotting import use_course_style

rng = seed_everything(0)
use_course_style()

# %% [markdown]
# ## q1 · The optimal discriminator, as a formula (1 point, symbolic)
#
# Fix the generator. At a point $x$ write $p = p(x)$ for the data density and $p_G = p_G(x)$ for
# the generator's density, both positive. Which value $D^*(x)$ maximises
# $p \log D + p_G \log(1 - D)$ over $D \in (0, 1)$? Write it as a formula in `p` and `p_G`, in a
# string: for example `"p * p_G / (1 + p)"`. You may use `+ - * / **`, numbers, and the functions
# `exp`, `log`, `sqrt`, `sin`, `cos` and `tanh`. Any form that is equal for all positive `p` and `p_G`
# is right. *The check here only parses your formula; it is compared with the maximiser at grading.*

# %%
d_star_formula = ...  # YOUR ANSWER HERE

# %% tags=["public-tests"]
public_tests(
    "q1",
    SymbolicTest("d_star_formula", symbols={"p": "positive", "p_G": "positive"}, title="d_star_formula parses as a formula in p and p_G (the form only; it is judged at grading)"),
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
# inputs** (float32 in, float32 out; float64 in, float64 out), and **exactly 0.5 where both densities
# are 0** (any value is optimal there; the course uses 1/2). Avoid dividing 0 by 0: the result must
# contain no NaN. Leave the two input tensors unchanged.
#
# *Checked on densities that are positive, zero in either or both, and tiny (1e-30, where an epsilon
# added to the denominator shows), in float32 and float64, relative tolerance 1e-5.*

# %%
def optimal_d(p_x: torch.Tensor, p_gen_x: torch.Tensor) -> torch.Tensor:
    """D* at B points. p_x, p_gen_x: (B,) non-negative floats. Returns (B,) in [0, 1]."""
    # YOUR CODE HERE
    raise NotImplementedError


# %% tags=["public-tests"]
_inputs_q3 = [
    (torch.tensor([0.3, 0.2, 1.0]), torch.tensor([0.1, 0.2, 3.0])),  # both positive
    (torch.tensor([0.0, 0.6, 0.0]), torch.tensor([0.8, 0.0, 0.0])),  # only p_G, only p, neither
    (torch.tensor([1e-30, 0.0, 1e-30]), torch.tensor([3e-30, 1e-30, 0.0])),  # tiny densities
    (torch.tensor([0.3, 0.0], dtype=torch.float64), torch.tensor([0.1, 0.0], dtype=torch.float64)),  # float64 in, float64 out
]
_nan_q3 = [p / (p + p_G) for p, p_G in _inputs_q3]  # 0 / 0 = NaN where both are 0
_epsilon_q3 = [p / (p + p_G + 1e-8) for p, p_G in _inputs_q3]
_upside_down_q3 = [torch.tensor([0.25, 0.5, 0.75]), torch.tensor([1.0, 0.0, 0.5]), torch.tensor([0.75, 1.0, 0.0]), torch.tensor([0.25, 0.5], dtype=torch.float64)]  # p_G / (p + p_G)
public_tests(
    "q3",
    FunctionTest(
        "optimal_d",
        outputs=[torch.tensor([0.75, 0.5, 0.25]), torch.tensor([0.0, 1.0, 0.5]), torch.tensor([0.25, 0.0, 1.0]), torch.tensor([0.75, 0.5], dtype=torch.float64)],  # worked out by hand
        inputs=_inputs_q3,
        check_unchanged=True,
        misconceptions=[
            (_nan_q3, "where both densities are 0, p / (p + p_G) is 0 / 0 = NaN; pick 1/2 there with torch.where, dividing by a safe denominator (notebook 02, section 2)"),
            (_epsilon_q3, "an epsilon in the denominator gives 0, not 1/2, where both densities are 0, and changes D* wherever the densities are tiny; treat p + p_G = 0 on its own with torch.where (notebook 02, section 2)"),
            (_upside_down_q3, "D* is the probability that x is real, so the data density p goes on top: D* = 1 where only p is positive"),
        ],
        title="optimal_d where both densities are positive, where one or both are 0, where they are tiny, and in float64",
    ),
)

# %%
check("q3")

# %% [markdown]
# For two unit Gaussians $\mu$ apart, $D^*$ has a closed form, $\sigma(\mu^2/2 - \mu x)$ (notebook 02).
# Your `optimal_d` should agree with it wherever the densities do not underflow (here in float64).
# The figure draws your `optimal_d` over the two densities: it should lie on $D^*$, cross $\tfrac12$
# where $p = p_G$ (at $x = \mu/2$), and tend to 1 on the data's side and to 0 on the generator's.

# %%
from course_lib.gan.distributions import Gaussian

with skip_if_unfinished("q3"):
    x, mu = torch.linspace(-4, 4, 81, dtype=torch.float64), 1.5
    yours = optimal_d(Gaussian(0, 1).pdf(x), Gaussian(mu, 1).pdf(x))
    largest = float((yours - torch.sigmoid(mu**2 / 2 - mu * x)).abs().max())
    verdict = "agrees (below 1e-12)" if largest < 1e-12 else 'too large: check("q3") names the inputs where it differs'
    print(f"largest |optimal_d - sigmoid(mu^2/2 - mu x)| = {largest:.1e}: {verdict}")
    x_grid = grid_1d(-5, 5, 401)[:, 0]  # (401,) the figure's grid
    yours_on_grid = optimal_d(Gaussian(0, 1).pdf(x_grid), Gaussian(mu, 1).pdf(x_grid))  # (401,)
    plot_optimal_discriminator(Gaussian(0, 1), Gaussian(mu, 1), trained={"your optimal_d": yours_on_grid}, title="Your optimal_d should lie on D*, crossing 1/2 where p = p_G")
    plt.show()


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
# *Checked on two coins, on disjoint supports (with zeros), on equal distributions with a zero, and
# on random distributions; relative tolerance 1e-5.*

# %%
def jsd(p: torch.Tensor, q: torch.Tensor) -> float:
    """JSD(p, q) in nats. p, q: (K,) probabilities. Returns a Python float in [0, log 2]."""
    # YOUR CODE HERE
    raise NotImplementedError


# %% tags=["public-tests"]
import math

from course_lib.gan.divergences import kl_divergence

_inputs_q4 = [
    (torch.tensor([0.5, 0.5], dtype=torch.float64), torch.tensor([0.9, 0.1], dtype=torch.float64)),  # two coins
    (torch.tensor([0.5, 0.5, 0.0, 0.0], dtype=torch.float64), torch.tensor([0.0, 0.0, 0.3, 0.7], dtype=torch.float64)),  # disjoint supports
    (torch.tensor([0.2, 0.0, 0.8], dtype=torch.float64), torch.tensor([0.2, 0.0, 0.8], dtype=torch.float64)),  # equal, with a zero
]
_outputs_q4 = [0.1017492251, math.log(2), 0.0]  # precomputed; by hand: log 2 for disjoint supports, 0 for equal ones
public_tests(
    "q4",
    FunctionTest(
        "jsd",
        outputs=_outputs_q4,
        inputs=_inputs_q4,
        misconceptions=[
            ([_outputs_q4[0], math.nan, math.nan], "0 log 0 came out as 0 * (-inf) = NaN: keep only the outcomes where p_k > 0 (and q_k > 0) in each sum (notebook 03, section 3)"),
            ([value / math.log(2) for value in _outputs_q4], "that is the JSD in bits; the question asks for nats: use the natural log, torch.log"),
            ([2 * value for value in _outputs_q4], "mind the two factors 1/2: the JSD is at most log 2"),
            ([kl_divergence(p, q) for p, q in _inputs_q4], "that is KL(p || q); the JSD compares p and q with their mixture m = (p + q) / 2, which is positive wherever either is, so it stays finite (notebook 03, section 2)"),
        ],
        title="jsd on two coins, on disjoint supports and on equal distributions (with zeros)",
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
# `value_at_optimum`. It is graded with a relative tolerance of 1e-4: let Python compute it from your
# formula, or give at least five significant digits (four are not always enough for 1e-4). *The check
# here only looks at the range of your answer.*

# %%
value_at_optimum = ...  # YOUR ANSWER HERE

# %% tags=["public-tests"]
public_tests(
    "q5",
    RangeTest(
        "value_at_optimum", low=-math.log(4), high=0.0, why="V(G, D*) = 2 JSD - log 4 and 0 <= JSD <= log 2", title="value_at_optimum is a float in [-log 4, 0] (the value is judged at grading)"
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
# * **A.** $D^*$ is exactly 0 on and around every generated sample, so moving the samples a little does not change $\log(1 - D^*)$: the JSD stays at $\log 2$.
# * **B.** The JSD between distributions with disjoint supports is infinite, and an infinite loss gives no usable gradient.
# * **C.** The supports are too far apart: the gradient decays with the gap between them, and it would be large again once the generator's samples were moved to within a unit of the data, still without overlap.
# * **D.** The sigmoid saturates at $D^* \approx 0$, which only kills the saturating loss; with the non-saturating loss $-\log D^*$ the generator would get a strong gradient here.
#
# Assign one letter, as a string, to `answer_q6`. *The check here only looks at the form of your
# answer; it is judged at grading.*

# %%
answer_q6 = ...  # YOUR ANSWER HERE

# %% tags=["public-tests"]
public_tests("q6", ChoiceTest("answer_q6", options=("A", "B", "C", "D"), title="answer_q6 is one of A–D (the form only; it is judged at grading)"))

# %%
check("q6")

# %% [markdown]
# ## Summary of your checks
#
# Run this last. Question q2 is graded by hand.

# %%
check_all()
