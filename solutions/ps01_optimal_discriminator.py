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

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 1

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
d_star_formula = "1 / (1 + p_G / p)"  # SOLUTION

# %% tags=["public-tests"]
public_tests(
    "q1",
    SymbolicTest("d_star_formula", symbols={"p": "positive", "p_G": "positive"}, title="d_star_formula parses as a formula in p and p_G (the form only; it is judged at grading)"),
)

# %% tags=["hidden-tests"]
from course_lib.grading import SymbolicTest, hidden_tests

_symbols_q1 = {"p": "positive", "p_G": "positive"}
hidden_tests("q1", SymbolicTest("d_star_formula", symbols=_symbols_q1, expected="p / (p + p_G)", title="d_star_formula is the maximiser"))

# %%
check("q1")


# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 3
# manual: true

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

# %% [markdown] tags=["solution"]
# **(a) Pointwise.** Writing both expectations as integrals over $x$,
# $V(D, G) = \int \big[p(x)\log D(x) + p_G(x)\log(1 - D(x))\big]\,dx$. An unrestricted discriminator chooses
# each value $D(x)$ independently, and the integrand at $x$ depends on $D(x)$ alone; so $V$ is largest
# when every integrand is, and we maximise $f(y) = a\log y + b\log(1 - y)$ on $(0, 1)$ with $a = p(x)$, $b = p_G(x)$.
#
# **(b) Maximum.** For $a, b > 0$: $f'(y) = a/y - b/(1 - y)$ vanishes only at $y = a/(a + b)$, and
# $f''(y) = -a/y^2 - b/(1 - y)^2 < 0$, so $f$ is strictly concave and this stationary point is its
# unique global maximum. (Also $f \to -\infty$ at both ends.)
#
# **(c) Edge cases.** If $a > 0 = b$, $f = a\log y$ increases on $(0, 1)$ and its supremum is at $y \to 1 = a/(a + b)$.
# If $a = 0 < b$, $f = b\log(1 - y)$ decreases and is largest at $y \to 0 = a/(a + b)$. If $a = b = 0$, $f \equiv 0$
# and any value is optimal; those points carry no mass under $p$ or $p_G$, so they do not affect $V$
# (the convention $D^* = \tfrac12$ is as good as any). Hence $D^* = p/(p + p_G)$ wherever $p + p_G > 0$.

# %% [markdown] tags=["rubric"]
# - (1 pt) (a): V written as one integral over x, and the argument that each D(x) can be chosen separately, so the integrand is maximised pointwise.
# - (1 pt) (b): the derivative set to zero giving a / (a + b), and concavity (second derivative negative, or an equivalent argument) showing it is the maximum.
# - (1 pt) (c): the three edge cases p = 0, p_G = 0 and both zero, with the right optimal values (0, 1, anything).

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q3
# points: 2

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
    # BEGIN SOLUTION
    total = p_x + p_gen_x  # (B,)
    safe_total = torch.where(total > 0, total, torch.ones_like(total))  # no 0 / 0
    return torch.where(total > 0, p_x / safe_total, torch.full_like(total, 0.5))
    # END SOLUTION


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

# %% tags=["hidden-tests"]
import torch

from course_lib.gan.discriminators import optimal_discriminator_from_densities
from course_lib.grading import FunctionTest, hidden_tests

_rng_q3 = torch.Generator().manual_seed(3)
_zeros = (torch.tensor([0.0, 0.4, 0.0, 0.2]), torch.tensor([0.5, 0.0, 0.0, 0.2]))
_random = (torch.rand(100, generator=_rng_q3), torch.rand(100, generator=_rng_q3))
_random64 = (torch.rand(100, generator=_rng_q3, dtype=torch.float64), torch.rand(100, generator=_rng_q3, dtype=torch.float64))
_tiny = (torch.tensor([1e-30, 0.0, 1e-30]), torch.tensor([1e-30, 1e-30, 0.0]))
hidden_tests(
    "q3",
    FunctionTest(
        "optimal_d", reference=optimal_discriminator_from_densities, inputs=[_zeros], title="optimal_d where one or both densities are 0"
    ),
    FunctionTest(
        "optimal_d", reference=optimal_discriminator_from_densities, inputs=[_random, _tiny, _random64], check_unchanged=True, title="optimal_d on random and tiny densities, in float32 and float64"
    ),
)

# %%
check("q3")

# %% [raw]
# # END QUESTION

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


# %% [raw]
# # BEGIN QUESTION
# name: q4
# points: 2

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
    # BEGIN SOLUTION
    m = 0.5 * (p + q)  # (K,), positive wherever p or q is

    def kl_to_m(a: torch.Tensor) -> torch.Tensor:
        support = a > 0  # 0 log 0 = 0
        return (a[support] * torch.log(a[support] / m[support])).sum()

    return float(0.5 * kl_to_m(p) + 0.5 * kl_to_m(q))
    # END SOLUTION


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

# %% tags=["hidden-tests"]
import torch

from course_lib.gan.divergences import js_divergence
from course_lib.grading import FunctionTest, hidden_tests

_rng_q4 = torch.Generator().manual_seed(4)


def _random_distribution(k: int) -> torch.Tensor:
    weights = torch.rand(k, generator=_rng_q4, dtype=torch.float64)
    return weights / weights.sum()


_disjoint = (torch.tensor([0.5, 0.5, 0.0, 0.0], dtype=torch.float64), torch.tensor([0.0, 0.0, 0.3, 0.7], dtype=torch.float64))
_same = (torch.tensor([0.2, 0.0, 0.8], dtype=torch.float64), torch.tensor([0.2, 0.0, 0.8], dtype=torch.float64))
hidden_tests(
    "q4",
    FunctionTest("jsd", reference=js_divergence, inputs=[_disjoint, _same], title="jsd on disjoint and equal distributions, with zeros"),
    FunctionTest(
        "jsd", reference=js_divergence, inputs=[(_random_distribution(k), _random_distribution(k)) for k in (3, 10, 100)], title="jsd on random distributions"
    ),
)

# %%
check("q4")

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q5
# points: 1

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
value_at_optimum = 0.5 * math.log(1 / 3) + math.log(2 / 3)  # SOLUTION

# %% tags=["public-tests"]
public_tests(
    "q5",
    RangeTest(
        "value_at_optimum", low=-math.log(4), high=0.0, why="V(G, D*) = 2 JSD - log 4 and 0 <= JSD <= log 2", title="value_at_optimum is a float in [-log 4, 0] (the value is judged at grading)"
    ),
)

# %% tags=["hidden-tests"]
from course_lib.gan.discriminators import optimal_value
from course_lib.gan.distributions import Uniform
from course_lib.grading import ValueTest, hidden_tests

hidden_tests(
    "q5",
    ValueTest("value_at_optimum", expected=optimal_value(Uniform(0, 2), Uniform(1, 2)), rtol=1e-4, title="value_at_optimum is V(G, D*) for this pair"),
)

# %%
check("q5")

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q6
# points: 1

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
answer_q6 = "A"  # SOLUTION

# %% tags=["public-tests"]
public_tests("q6", ChoiceTest("answer_q6", options=("A", "B", "C", "D"), title="answer_q6 is one of A–D (the form only; it is judged at grading)"))

# %% tags=["hidden-tests"]
from course_lib.grading import ChoiceTest, hidden_tests

hidden_tests("q6", ChoiceTest("answer_q6", options=("A", "B", "C", "D"), correct="A", title="answer_q6 is right"))

# %%
check("q6")

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Summary of your checks
#
# Run this last. Question q2 is graded by hand.

# %%
check_all()
