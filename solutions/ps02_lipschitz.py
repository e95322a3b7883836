# %% [markdown]
# # ps02 · Lipschitz critics
#
# This problem set goes with [notebook 04 · perfect discriminators and Lipschitz critics](../notebooks/04_perfect_vs_lipschitz.ipynb)
# and [notebook 05 · keeping a critic Lipschitz](../notebooks/05_lipschitz_constraints.ipynb). You will
# prove that Lipschitz constants multiply under composition (the syllabus's Problem 2), use it on a
# small network, implement power iteration and the gradient penalty, and explain what weight
# clipping and the bias do to a critic's Lipschitz constant.
#
# **Time:** about 45 minutes. **Points:** 10.
#
# **How it works.** Write your answer where you see `# YOUR CODE HERE` or `...`, then run the
# `check("qN")` cell below it. It tells you which public checks pass and what to fix. The checks
# are advisory: more tests, hidden from you, run when your work is graded. Questions marked
# *graded by hand* have no automatic check. `check_all()` at the end sums everything up.

# %%
import math

import torch

from course_lib import seed_everything
from course_lib.grading import ChoiceTest, FunctionTest, RangeTest, check, check_all, public_tests, skip_if_unfinished

rng = seed_everything(0)

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 3
# manual: true

# %% [markdown]
# ## q1 · Problem 2: Lipschitz constants multiply (3 points, graded by hand)
#
# *Write your proof in the cell below. It is graded by hand, so `check` does not apply
# to it.*
#
# A function $h$ is $L$-Lipschitz when $\|h(x) - h(y)\| \le L\,\|x - y\|$ for all $x, y$. Let $g$ be
# $L_2$-Lipschitz and $f$ be $L_1$-Lipschitz, with the output space of $g$ the input space of $f$.
# Prove that $f \circ g$ is $L_1 L_2$-Lipschitz. Then explain, in two or three sentences, why this
# shows that a network $f_n \circ \sigma \circ \dots \circ \sigma \circ f_1$ with 1-Lipschitz
# activations is Lipschitz with constant at most the product of its layers' constants.

# %% [markdown] tags=["solution"]
# **Proof.** Take any $x, y$. Apply the definition for $f$ at the two points $g(x)$ and $g(y)$, then
# the definition for $g$ at $x$ and $y$:
#
# $$
# \|f(g(x)) - f(g(y))\| \;\le\; L_1\,\|g(x) - g(y)\| \;\le\; L_1 L_2\,\|x - y\|.
# $$
#
# The second step multiplies the inequality for $g$ by $L_1 \ge 0$, which keeps its direction. Since
# $x, y$ were arbitrary, $f \circ g$ is $L_1 L_2$-Lipschitz.
#
# **Networks.** By induction on the number of pieces, a composition $h_k \circ \dots \circ h_1$ of
# $L^{(i)}$-Lipschitz maps is $\prod_i L^{(i)}$-Lipschitz: apply the two-function result to
# $h_k$ and $h_{k-1} \circ \dots \circ h_1$. The activations contribute factors of 1, so the
# network's constant is at most the product of the layers' constants. (The product is only a bound;
# the true constant can be much smaller.)

# %% [markdown] tags=["rubric"]
# - (1 pt) Applies the Lipschitz property of f at the points g(x) and g(y) (not at x and y).
# - (1 pt) Chains it with the property of g, noting L1 >= 0 so the inequality is preserved, and concludes for all x, y.
# - (1 pt) Extends to a finite composition (induction or repeated application) and says activations contribute a factor of 1, giving a bound, not an equality.

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 1

# %% [markdown]
# ## q2 · The bound on a tiny network (1 point)
#
# Let $g(x) = Wx + b$ on $\mathbb R^2$ with $W = \begin{pmatrix} 2 & 1 \\ 1 & 2 \end{pmatrix}$ and any
# bias $b$, and $f(y) = \tfrac12\big(\mathrm{relu}(y_1) + \mathrm{relu}(y_2)\big)$. Using q1, the
# spectral norm of $W$ and the Lipschitz constant of $f$ (look at its gradient where both ReLUs
# are on), compute the upper bound $L_1 L_2$ on the Lipschitz constant of $f \circ g$, in the
# Euclidean norm. Assign a Python `float` to `composition_bound` (relative tolerance 1e-4).

# %%
composition_bound = 3.0 * math.sqrt(2) / 2  # SOLUTION

# %% tags=["public-tests"]
public_tests(
    "q2",
    RangeTest("composition_bound", low=0.0, high=100.0, why="a Lipschitz constant is non-negative, and this one is small", title="composition_bound is a float in [0, 100]"),
)

# %% tags=["hidden-tests"]
import torch

from course_lib.gan.lipschitz import lipschitz_upper_bound
from course_lib.grading import ValueTest, hidden_tests

_g = torch.nn.Linear(2, 2).double()
_f = torch.nn.Linear(2, 1, bias=False).double()
with torch.no_grad():
    _g.weight.copy_(torch.tensor([[2.0, 1.0], [1.0, 2.0]]))
    _f.weight.fill_(0.5)
hidden_tests(
    "q2",
    ValueTest("composition_bound", expected=lipschitz_upper_bound(torch.nn.Sequential(_g, torch.nn.ReLU(), _f)), rtol=1e-4, title="composition_bound is sigma(W) times Lip(f)"),
)

# %%
check("q2")

# %% [raw]
# # END QUESTION

# %% [markdown]
# Once you have answered q2, test your bound: measure the gradient norm of $f \circ g$ (taking
# $b = 0$) at 1000 random points. No gradient norm may exceed a true bound, and on this small
# network the bound $L_1 L_2$ is tight: with the right value both lines print `True`.

# %%
from course_lib.gan.lipschitz import empirical_lipschitz

with skip_if_unfinished("q2"):
    W = torch.tensor([[2.0, 1.0], [1.0, 2.0]], dtype=torch.float64)
    f_of_g = lambda x: 0.5 * torch.relu(x @ W.T).sum(dim=1)  # (B, 2) -> (B,)
    measured = empirical_lipschitz(f_of_g, torch.randn(1000, 2, generator=torch.Generator().manual_seed(2), dtype=torch.float64))
    print(f"no measured gradient norm exceeds your bound: {measured <= composition_bound * (1 + 1e-9)}")
    print(f"the largest one reaches your bound (within 0.1%): {measured >= composition_bound * (1 - 1e-3)}")


# %% [raw]
# # BEGIN QUESTION
# name: q3
# points: 2

# %% [markdown]
# ## q3 · Power iteration (2 points)
#
# Implement `power_iteration(W, n_iters, u)`. `W` is an `(m, n)` float64 tensor, `u` an `(m,)` float64
# starting vector (not necessarily of norm 1), `n_iters >= 1`. Normalise `u`, then repeat `n_iters` times,
# in this order:
#
# $$
# v \leftarrow W^\top u / \|W^\top u\|_2, \qquad u \leftarrow W v / \|W v\|_2,
# $$
#
# and **return** $\sigma = u^\top W v$ as a Python `float`. Do exactly `n_iters` iterations: no more,
# no fewer, and no exact SVD.
#
# *Checked on matrices and starting vectors the grader picks, after as few as one iteration (so
# even an unconverged $\sigma$ must match), relative tolerance 1e-5.*

# %%
def power_iteration(W: torch.Tensor, n_iters: int, u: torch.Tensor) -> float:
    """Estimate the largest singular value of W. W: (m, n), u: (m,). Returns a Python float."""
    # BEGIN SOLUTION
    u = u / u.norm()  # (m,)
    for _ in range(n_iters):
        v = W.T @ u  # (n,)
        v = v / v.norm()
        u = W @ v  # (m,)
        u = u / u.norm()
    return float(u @ W @ v)
    # END SOLUTION


# %% tags=["public-tests"]
_W_q3 = torch.tensor([[0.8, -1.2, 0.4], [1.5, 0.3, -0.7], [-0.2, 0.9, 1.1]], dtype=torch.float64)  # sigma_max = 1.96330468...
_u_q3 = torch.tensor([1.0, 0.0, 0.0], dtype=torch.float64)
public_tests(
    "q3",
    FunctionTest(
        "power_iteration",
        outputs=[1.6327015298928],  # precomputed: the estimate after exactly one iteration
        inputs=[(_W_q3, 1, _u_q3)],
        title="power_iteration on a 3x3 matrix, one iteration",
    ),
    FunctionTest(
        "power_iteration",
        outputs=[1.9633046804047],  # precomputed: converged to the largest singular value
        inputs=[(_W_q3, 50, _u_q3)],
        title="power_iteration on a 3x3 matrix, 50 iterations",
    ),
)

# %% tags=["hidden-tests"]
import torch

from course_lib.gan.lipschitz import spectral_norm
from course_lib.grading import FunctionTest, hidden_tests


def _sigma(W, n_iters, u):
    return float(spectral_norm(W, n_iters, u)[0])


_rng_q3 = torch.Generator().manual_seed(3)
_cases = [
    (torch.randn(m, n, generator=_rng_q3, dtype=torch.float64), k, torch.randn(m, generator=_rng_q3, dtype=torch.float64))
    for m, n, k in [(4, 3, 1), (10, 20, 2), (32, 16, 7), (5, 5, 500)]
]
hidden_tests(
    "q3",
    FunctionTest("power_iteration", reference=_sigma, inputs=_cases[:3], title="power_iteration on random rectangular matrices, 1, 2 and 7 iterations"),
    FunctionTest("power_iteration", reference=_sigma, inputs=_cases[3:], title="power_iteration on a random square matrix, 500 iterations"),
)

# %%
check("q3")

# %% [raw]
# # END QUESTION

# %% [markdown]
# With enough iterations your estimate should agree with the SVD:

# %%
with skip_if_unfinished("q3"):
    W_random = torch.randn(20, 10, generator=rng, dtype=torch.float64)
    estimate = power_iteration(W_random, 1000, torch.randn(20, generator=rng, dtype=torch.float64))
    print(f"|power_iteration - matrix_norm(W, 2)| < 1e-6: {abs(estimate - float(torch.linalg.matrix_norm(W_random, 2))) < 1e-6}")


# %% [raw]
# # BEGIN QUESTION
# name: q4
# points: 2

# %% [markdown]
# ## q4 · The gradient penalty (2 points)
#
# Autograd gives the critic's input gradients at the interpolated points, one per sample:
# `grad` of shape `(B, ...)`, for example `(B, C, H, W)` for images. Implement
# `penalty_from_gradients(grad, lam)`, returning
#
# $$
# \lambda \cdot \frac1B \sum_{i=1}^B \big(\|\nabla_x f(\hat x_i)\|_2 - 1\big)^2
# $$
#
# as a 0-dimensional tensor of **the same dtype as `grad`** (float64 in, float64 out), where
# $\|\nabla_x f(\hat x_i)\|_2$ is the Euclidean norm of sample $i$'s gradient **over all its
# non-batch dimensions** (C·H·W numbers for an image). Take the plain norm, with **no epsilon inside
# the square root**: a zero gradient has norm exactly 0.
#
# *Checked on gradients the grader picks, of 2 and 4 dimensions, including all-zero gradients,
# relative tolerance 1e-5.*

# %%
def penalty_from_gradients(grad: torch.Tensor, lam: float) -> torch.Tensor:
    """grad: (B, ...) input gradients, one per sample. Returns a 0-dim tensor."""
    # BEGIN SOLUTION
    norms = grad.flatten(start_dim=1).norm(dim=1)  # (B,): one norm per sample
    return lam * ((norms - 1) ** 2).mean()
    # END SOLUTION


# %% tags=["public-tests"]
public_tests(
    "q4",
    FunctionTest(
        "penalty_from_gradients",
        outputs=[torch.tensor(80.0, dtype=torch.float64)],  # norms 5 and 1: 10 * ((5 - 1)**2 + 0) / 2
        inputs=[(torch.tensor([[3.0, 4.0], [0.6, 0.8]], dtype=torch.float64), 10.0)],
        title="penalty_from_gradients on two 2D gradients",
    ),
)

# %% tags=["hidden-tests"]
import torch

from course_lib.gan.lipschitz import gradient_penalty
from course_lib.grading import FunctionTest, hidden_tests


def _penalty(grad, lam):
    critic = lambda x: (x * grad).flatten(start_dim=1).sum(dim=1)
    return gradient_penalty(critic, torch.zeros_like(grad), torch.zeros_like(grad), lam=lam).detach()


_rng_q4 = torch.Generator().manual_seed(4)
_images = torch.randn(6, 3, 4, 4, generator=_rng_q4, dtype=torch.float64)  # where grad.norm(dim=1) goes wrong
_vectors = torch.randn(50, 2, generator=_rng_q4, dtype=torch.float64)
hidden_tests(
    "q4",
    FunctionTest("penalty_from_gradients", reference=_penalty, inputs=[(_images, 10.0)], title="penalty_from_gradients on image gradients (B, C, H, W)"),
    FunctionTest("penalty_from_gradients", reference=_penalty, inputs=[(_vectors, 1.0), (_vectors * 0, 2.5)], title="penalty_from_gradients on 2D gradients"),
)

# %%
check("q4")

# %% [raw]
# # END QUESTION

# %% [markdown]
# Your function completes the gradient penalty: interpolate, differentiate the critic, penalise.
# On a small critic it should agree with the library's `gradient_penalty` for the same interpolation:

# %%
from course_lib.gan.lipschitz import gradient_penalty
from course_lib.gan.networks import Discriminator

with skip_if_unfinished("q4"):
    critic = Discriminator(data_dim=2, hidden=16).double()
    real, fake = torch.randn(64, 2, dtype=torch.float64), torch.randn(64, 2, dtype=torch.float64) + 3
    alpha = torch.rand(64, 1, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    x_hat = (alpha * real + (1 - alpha) * fake).requires_grad_(True)  # (64, 2)
    (grad,) = torch.autograd.grad(critic(x_hat).sum(), x_hat)  # (64, 2)
    library = gradient_penalty(critic, real, fake, lam=10.0, generator=torch.Generator().manual_seed(5))
    print(f"yours equals the library's: {bool(torch.isclose(penalty_from_gradients(grad, 10.0), library.detach()))}")

# %% [raw]
# # BEGIN QUESTION
# name: q5
# points: 1

# %% [markdown]
# ## q5 · Weight clipping (1 point, single choice)
#
# WGAN clips every weight into $[-c, c]$. Why is the clipped critic's Lipschitz constant $K$
# "some number that depends on the architecture" rather than a number fixed by $c$?
#
# * **A.** Clipping only bounds the biases, and the biases set the Lipschitz constant.
# * **B.** An $m \times n$ matrix with entries in $[-c, c]$ can have spectral norm up to $c\sqrt{mn}$, and the constants of the layers multiply, so $K$ can be as large as $\prod_i c\sqrt{m_i n_i}$: it grows with the widths and changes with the depth.
# * **C.** Clipping makes every layer exactly $c$-Lipschitz, so $K = c^{\text{depth}}$, which depends on the depth only.
# * **D.** $K$ depends on the optimiser: Adam and RMSprop give different constants for the same weights.
#
# Assign one letter, as a string, to `answer_q5`.

# %%
answer_q5 = "B"  # SOLUTION

# %% tags=["public-tests"]
public_tests("q5", ChoiceTest("answer_q5", options=("A", "B", "C", "D"), title="answer_q5 is one of the options"))

# %% tags=["hidden-tests"]
from course_lib.grading import ChoiceTest, hidden_tests

hidden_tests("q5", ChoiceTest("answer_q5", options=("A", "B", "C", "D"), correct="B", title="answer_q5 is right"))

# %%
check("q5")

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q6
# points: 1

# %% [markdown]
# ## q6 · The bias (1 point, single choice)
#
# What does the bias $b$ of an affine layer $x \mapsto Wx + b$ contribute to the layer's Lipschitz constant?
#
# * **A.** It adds $\|b\|_2$: the constant is $\sigma_{\max}(W) + \|b\|_2$.
# * **B.** Nothing: $(Wx + b) - (Wy + b) = W(x - y)$, so the constant is $\sigma_{\max}(W)$ whatever $b$ is.
# * **C.** It multiplies the constant by $1 + \|b\|_2$.
# * **D.** It depends on the activation that follows the layer.
#
# Assign one letter, as a string, to `answer_q6`.

# %%
answer_q6 = "B"  # SOLUTION

# %% tags=["public-tests"]
public_tests("q6", ChoiceTest("answer_q6", options=("A", "B", "C", "D"), title="answer_q6 is one of the options"))

# %% tags=["hidden-tests"]
from course_lib.grading import ChoiceTest, hidden_tests

hidden_tests("q6", ChoiceTest("answer_q6", options=("A", "B", "C", "D"), correct="B", title="answer_q6 is right"))

# %%
check("q6")

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Summary of your checks
#
# Run this last. Question q1 is graded by hand.

# %%
check_all()
