# %% [markdown]
# # ps02 · Lipschitz critics
#
# This problem set goes with [notebook 04 · perfect discriminators and Lipschitz critics](../notebooks/04_perfect_vs_lipschitz.ipynb)
# and [notebook 05 · keeping a critic Lipschitz](../notebooks/05_lipschitz_constraints.ipynb). You will
# prove that Lipschitz constants multiply under composition, use it on a small network, implement
# power iteration and the gradient penalty, and explain what weight clipping and the bias do to a
# critic's Lipschitz constant. Then you will compute the Wasserstein-1 distance the optimal critic
# measures, LSGAN's optimal discriminator and the divergence it minimises, and what instance noise
# does to the optimal discriminator and the JSD.
#
# **Time:** about 75 minutes. **Points:** 17.
#
# **How it works.** Write your answer where you see `# YOUR CODE HERE` or `...`, then run the
# `check("qN")` cell below it. It tells you which public checks pass and what to fix. The checks
# are advisory: more tests, hidden from you, run when your work is graded. Questions marked
# *graded by hand* have no automatic check. `check_all()` at the end sums everything up.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np
import torch

from course_lib import seed_everything
from course_lib.gan.lipschitz_plots import plot_power_iteration
from course_lib.grading import ChoiceTest, DigestTest, FunctionTest, RangeTest, check, check_all, public_tests, skip_if_unfinished
from course_lib.plotting import use_course_style

rng = seed_everything(0)
use_course_style()

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 3
# manual: true

# %% [markdown]
# ## q1 · Lipschitz constants multiply (3 points, graded by hand)
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
# Euclidean norm. Assign a Python `float` to `composition_bound`. It is graded with a relative
# tolerance of 1e-4: let Python compute it from your formula, or give at least five significant
# digits (four are not enough here). *The check here only looks at the range of your answer.*

# %%
composition_bound = 3.0 * math.sqrt(2) / 2  # SOLUTION

# %% tags=["public-tests"]
public_tests(
    "q2",
    RangeTest("composition_bound", low=0.0, high=100.0, why="a Lipschitz constant is non-negative, and this one is small", title="composition_bound is a float in [0, 100] (the value is judged at grading)"),
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
# network the bound $L_1 L_2$ is tight: the largest measured norm reaches it. Both comparisons allow
# q2's tolerance, a relative error of 1e-4, so a right answer rounded to five digits passes them.

# %%
from course_lib.gan.lipschitz import empirical_lipschitz

with skip_if_unfinished("q2"):
    W = torch.tensor([[2.0, 1.0], [1.0, 2.0]], dtype=torch.float64)
    f_of_g = lambda x: 0.5 * torch.relu(x @ W.T).sum(dim=1)  # (B, 2) -> (B,)
    measured = empirical_lipschitz(f_of_g, torch.randn(1000, 2, generator=torch.Generator().manual_seed(2), dtype=torch.float64))
    print(f"largest measured gradient norm {measured:.6f}, your bound {composition_bound:.6f}")
    below = measured <= composition_bound * (1 + 1e-4)
    print(f"no measured norm exceeds your bound by more than 1e-4 (relative): {'yes' if below else 'no: your bound is too small'}")
    print(f"the largest one reaches your bound within 1e-4 (relative): {'yes' if measured >= composition_bound * (1 - 1e-4) else 'no: your bound is not tight here'}")


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
# *Checked on a 3×3 matrix after one, two and 50 iterations (so even an unconverged $\sigma$ must match),
# from a starting vector of norm 1 and one of another norm, then on random rectangular matrices;
# relative tolerance 1e-5.*

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
_inputs_q3 = [(_W_q3, 1, _u_q3), (_W_q3, 2, torch.tensor([3.0, -1.0, 2.0], dtype=torch.float64))]  # unconverged; a u of norm sqrt(14)
_exact_q3 = float(torch.linalg.matrix_norm(_W_q3, 2))
public_tests(
    "q3",
    FunctionTest(
        "power_iteration",
        outputs=[1.6327015298928, 1.3623300838211],  # precomputed: the estimates after exactly one and two iterations
        inputs=_inputs_q3,
        check_unchanged=True,
        misconceptions=[
            ([_exact_q3, _exact_q3], "this is the converged largest singular value; after n_iters iterations the estimate has not converged yet: run exactly n_iters iterations, no SVD and no loop until convergence (notebook 05, section 3)"),
            ([1.8468512899502, 1.5155472707203], "this is the estimate after one iteration more than n_iters: count your iterations"),
            ([1.3926427843904, 1.8213821004496], "v is updated with the transpose, v = W^T u / ||W^T u||: u lives in W's output space and v in its input space (notebook 05, section 3)"),
        ],
        title="power_iteration on a 3x3 matrix after one and two iterations, from a u of norm 1 and of norm sqrt(14)",
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
# With enough iterations your estimate should agree with the SVD. How fast does it get there? The
# relative error of $\sigma$ shrinks by about $(\sigma_2/\sigma_1)^4$ per iteration (notebook 05,
# section 3), until round-off stops it near 1e-16. The figure runs your function for $k = 1, \dots, 60$
# iterations from the same start: its errors should follow the dashed line of that slope.

# %%
with skip_if_unfinished("q3"):
    W_random, u_start = torch.randn(20, 10, generator=rng, dtype=torch.float64), torch.randn(20, generator=rng, dtype=torch.float64)
    estimate = power_iteration(W_random, 1000, u_start)
    exact = float(torch.linalg.matrix_norm(W_random, 2))
    print(f"power_iteration after 1000 iterations: {estimate:.10f}; torch.linalg.matrix_norm(W, 2): {exact:.10f}")
    verdict = "yes" if abs(estimate - exact) < 1e-6 else 'no: check("q3") says what differs'
    print(f"they agree within 1e-6: {verdict}")
    errors = np.array([abs(power_iteration(W_random, k, u_start) - exact) / exact for k in range(1, 61)])  # (60,) after k = 1..60
    sigma = torch.linalg.svdvals(W_random)  # (10,) singular values, largest first
    ratio = float(sigma[1] / sigma[0])
    label = f"yours, σ₂/σ₁ = {ratio:.2f}"
    plot_power_iteration({label: errors}, ratios={label: ratio})
    plt.show()


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
# *Checked on 2-D gradients, on image gradients of shape `(B, C, H, W)` (where a norm over the channels
# alone gives other numbers) and on all-zero gradients (where an epsilon inside the root shows), all in
# float64, relative tolerance 1e-9.*

# %%
def penalty_from_gradients(grad: torch.Tensor, lam: float) -> torch.Tensor:
    """grad: (B, ...) input gradients, one per sample. Returns a 0-dim tensor."""
    # BEGIN SOLUTION
    norms = grad.flatten(start_dim=1).norm(dim=1)  # (B,): one norm per sample
    return lam * ((norms - 1) ** 2).mean()
    # END SOLUTION


# %% tags=["public-tests"]
_image_q4 = torch.stack([torch.full((4, 2, 2), 0.25), torch.full((4, 2, 2), 0.75)]).double()  # (2, 4, 2, 2): 16 numbers per sample
_inputs_q4 = [
    (torch.tensor([[3.0, 4.0], [0.6, 0.8]], dtype=torch.float64), 10.0),  # (2, 2)
    (_image_q4, 10.0),  # (2, 4, 2, 2) images
    (torch.zeros(3, 2, 2, 2, dtype=torch.float64), 2.5),  # all-zero gradients
]
_dim1_q4 = [lam * ((g.norm(dim=1) - 1) ** 2).mean() for g, lam in _inputs_q4]  # the bug notebook 05 warns about
_whole_batch_q4 = [lam * (g.norm() - 1) ** 2 for g, lam in _inputs_q4]
_epsilons_q4 = [
    ([lam * ((((g.flatten(1) ** 2).sum(1) + eps).sqrt() - 1) ** 2).mean() for g, lam in _inputs_q4], f"an epsilon inside the square root ({eps:g} here) makes a zero gradient's norm {eps ** 0.5:g}, not 0; take the plain norm")
    for eps in (1e-6, 1e-8, 1e-10, 1e-12, 1e-16)
]
public_tests(
    "q4",
    FunctionTest(
        "penalty_from_gradients",
        outputs=[torch.tensor(80.0, dtype=torch.float64), torch.tensor(20.0, dtype=torch.float64), torch.tensor(2.5, dtype=torch.float64)],  # by hand: norms 5 and 1; norms 1 and 3; norms 0
        inputs=_inputs_q4,
        rtol=1e-9,
        misconceptions=[
            (_dim1_q4, "your norm runs over dim 1 only; for images, take it over every non-batch dimension, C·H·W numbers per sample (notebook 05, section 6)"),
            (_whole_batch_q4, "you took one norm over the whole batch; the penalty takes one norm per sample, then the mean over the samples"),
            *_epsilons_q4,
        ],
        title="penalty_from_gradients on 2D gradients, on (B, C, H, W) image gradients and on all-zero gradients",
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
    FunctionTest("penalty_from_gradients", reference=_penalty, inputs=[(_images, 10.0)], rtol=1e-9, title="penalty_from_gradients on image gradients (B, C, H, W)"),
    FunctionTest("penalty_from_gradients", reference=_penalty, inputs=[(_vectors, 1.0), (_vectors * 0, 2.5)], rtol=1e-9, title="penalty_from_gradients on 2D gradients"),
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
    yours = penalty_from_gradients(grad, 10.0)
    library = library.detach()
    print(f"your penalty {float(yours):.10f}, the library's {float(library):.10f}")
    print(f"they agree within q4's tolerance (1e-9, relative): {'yes' if torch.isclose(yours, library, rtol=1e-9, atol=0.0) else 'no'}")

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
# * **A.** Clipping makes every layer $c$-Lipschitz, since no weight exceeds $c$, so $K = c^{\text{depth}}$: it depends on the depth, not on the widths.
# * **B.** The biases are clipped too, but each one adds up to $c$ to its layer's constant, so $K$ grows with the number of biases, which the architecture sets.
# * **C.** Clipping bounds the weights, but the activations between the layers can amplify differences, and how much they amplify depends on which activations the architecture uses and how many.
# * **D.** An $m \times n$ matrix with entries in $[-c, c]$ can have spectral norm up to $c\sqrt{mn}$, and the layers' constants multiply, so $K$ grows with the widths and the depth.
#
# Assign one letter, as a string, to `answer_q5`. *The check here only looks at the form of your
# answer; it is judged at grading.*

# %%
answer_q5 = "D"  # SOLUTION

# %% tags=["public-tests"]
public_tests("q5", ChoiceTest("answer_q5", options=("A", "B", "C", "D"), title="answer_q5 is one of A–D (the form only; it is judged at grading)"))

# %% tags=["hidden-tests"]
from course_lib.grading import ChoiceTest, hidden_tests

hidden_tests("q5", ChoiceTest("answer_q5", options=("A", "B", "C", "D"), correct="D", title="answer_q5 is right"))

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
# * **A.** It adds $\|b\|_2$: the outputs move by $b$ as well as by $W(x - y)$, so the constant is $\sigma_{\max}(W) + \|b\|_2$.
# * **B.** It depends on the activation that follows: the bias moves the point where a ReLU switches on, so the layer's constant changes with $b$ when a ReLU follows, and not otherwise.
# * **C.** Nothing: $(Wx + b) - (Wy + b) = W(x - y)$, so the constant is $\sigma_{\max}(W)$ whatever $b$ is.
# * **D.** It scales the constant by $1 + \|b\|_2$: a large bias pushes the outputs, and so their differences, further apart.
#
# Assign one letter, as a string, to `answer_q6`. *The check here only looks at the form of your
# answer; it is judged at grading.*

# %%
answer_q6 = "C"  # SOLUTION

# %% tags=["public-tests"]
public_tests("q6", ChoiceTest("answer_q6", options=("A", "B", "C", "D"), title="answer_q6 is one of A–D (the form only; it is judged at grading)"))

# %% tags=["hidden-tests"]
from course_lib.grading import ChoiceTest, hidden_tests

hidden_tests("q6", ChoiceTest("answer_q6", options=("A", "B", "C", "D"), correct="C", title="answer_q6 is right"))

# %%
check("q6")


# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q7
# points: 2

# %% [markdown]
# ## q7 · The Wasserstein-1 distance between two sample sets (2 points)
#
# Notebook 04 (section 3) solved the dual on the line: the optimal 1-Lipschitz critic has slope
# $f'(x) = \operatorname{sign}(F_G(x) - F(x))$, and its dual value is
#
# $$
# W_1(p, p_G) = \int_{-\infty}^{\infty} \big|F(x) - F_G(x)\big|\,dx ,
# $$
#
# with $F$ and $F_G$ the two CDFs. Implement `wasserstein_1d(x_real, x_fake)`, the $W_1$ distance
# between the **empirical** distributions of two sets of 1-D samples: float64 tensors of shapes `(n,)`
# and `(m,)`, **in any order**, and **the sizes may differ**. The empirical CDF $F(x)$ is the fraction of
# samples $\le x$; it is constant between samples, so the integral is a finite sum over the gaps between
# consecutive samples of the two sets pooled together. Return a Python `float`.
#
# Two shortcuts give other numbers: the distance between the means (only a lower bound on $W_1$; the
# two agree only when one CDF stays above the other), and the largest gap $\max_x |F(x) - F_G(x)|$
# (that is the Kolmogorov–Smirnov distance). Your answer must not call the course library's critics
# (`course_lib.gan.critics`).
#
# *Checked on unsorted samples whose CDFs cross, on sets of different sizes, then on random sets of
# hundreds of samples with ties; relative tolerance 1e-9.*

# %%
def wasserstein_1d(x_real: torch.Tensor, x_fake: torch.Tensor) -> float:
    """W1 between the empirical distributions of two 1-D sample sets. x_real: (n,), x_fake: (m,) float64. Returns a Python float."""
    # BEGIN SOLUTION
    pooled = torch.cat([x_real, x_fake]).sort().values  # (n + m,): every point where a CDF can jump
    gaps = pooled[1:] - pooled[:-1]  # (n + m - 1,) widths of the intervals where both CDFs are constant
    cdf_real = torch.searchsorted(x_real.sort().values, pooled[:-1], right=True).double() / len(x_real)  # (n + m - 1,) F on each interval
    cdf_fake = torch.searchsorted(x_fake.sort().values, pooled[:-1], right=True).double() / len(x_fake)  # (n + m - 1,) F_G on each interval
    return float(((cdf_real - cdf_fake).abs() * gaps).sum())
    # END SOLUTION


# %% tags=["public-tests"]
from scipy.stats import ks_2samp

_inputs_q7 = [
    (torch.tensor([3.0, 0.0, 1.0], dtype=torch.float64), torch.tensor([1.5, 2.5, -0.5], dtype=torch.float64)),  # unsorted; the CDFs cross
    (torch.tensor([0.0, 2.0], dtype=torch.float64), torch.tensor([1.0, 1.0, 4.0, -1.0], dtype=torch.float64)),  # 2 real, 4 fake samples
    (torch.tensor([0.3, 5.1, 2.2], dtype=torch.float64), torch.tensor([1.7, -0.4, 3.3, 0.9, 6.0, 2.8, 4.4], dtype=torch.float64)),  # 3 and 7: CDF steps of 1/3 and 1/7
]
_unsorted_q7 = [float((real - fake).abs().mean()) if len(real) == len(fake) else 0.0 for real, fake in _inputs_q7]  # pairs the samples as given
public_tests(
    "q7",
    FunctionTest(
        "wasserstein_1d",
        outputs=[0.5, 1.25, 169 / 210],  # worked out by hand from the two CDFs
        inputs=_inputs_q7,
        rtol=1e-9,
        atol=0.0,  # a float32 CDF (counts divided by an int) is off by about 1e-8 on the 3-and-7 sets
        check_unchanged=True,
        forbidden=("course_lib.gan.critics.optimal_critic_1d", "course_lib.gan.critics.sliced_wasserstein", "course_lib.gan.critics.optimal_critic_on_grid", "course_lib.gan.critics.wasserstein_dual_1d"),
        misconceptions=[
            ([abs(float(real.mean() - fake.mean())) for real, fake in _inputs_q7], "this is the distance between the means, only a lower bound on W1: where the CDFs cross, mass moves both ways, and W1 = the integral of |F - F_G| counts both (notebook 04, section 3)"),
            ([float(ks_2samp(real.numpy(), fake.numpy()).statistic) for real, fake in _inputs_q7], "this is the largest gap max |F - F_G| (the Kolmogorov–Smirnov distance); W1 integrates |F - F_G| over x, each gap weighted by its width"),
            (_unsorted_q7, "pairing the samples in the order given is not the optimal transport: the samples come in any order (and for equal sizes, W1 pairs them sorted)"),
        ],
        title="wasserstein_1d on unsorted samples whose CDFs cross, and on sets of 2 and 4, and of 3 and 7 samples (float64 throughout)",
    ),
)

# %% tags=["hidden-tests"]
import torch
from scipy.stats import wasserstein_distance

from course_lib.gan.critics import wasserstein_dual_1d
from course_lib.grading import FunctionTest, hidden_tests

_rng_q7 = torch.Generator().manual_seed(7)
_cases_q7 = [
    (torch.randn(300, generator=_rng_q7, dtype=torch.float64), 0.5 * torch.randn(200, generator=_rng_q7, dtype=torch.float64) + 0.3),  # widths differ: the CDFs cross
    (torch.randint(0, 5, (40,), generator=_rng_q7).double(), torch.randint(2, 8, (25,), generator=_rng_q7).double()),  # many ties
    (torch.rand(500, generator=_rng_q7, dtype=torch.float64), torch.rand(500, generator=_rng_q7, dtype=torch.float64) + 3),  # disjoint
]
for _real, _fake in _cases_q7:  # the reference against a peer: scipy computes W1 from the sorted samples, without a critic
    assert abs(wasserstein_dual_1d(_real, _fake) - wasserstein_distance(_real.numpy(), _fake.numpy())) < 1e-9
hidden_tests(
    "q7",
    FunctionTest("wasserstein_1d", reference=wasserstein_dual_1d, inputs=_cases_q7[:2], rtol=1e-9, check_unchanged=True, title="wasserstein_1d on random sets of different sizes, with crossing CDFs and with ties"),
    FunctionTest("wasserstein_1d", reference=wasserstein_dual_1d, inputs=_cases_q7[2:], rtol=1e-9, check_unchanged=True, title="wasserstein_1d on sets with disjoint supports"),
)

# %%
check("q7")

# %% [raw]
# # END QUESTION

# %% [markdown]
# For two samples of the same size, $W_1$ is the mean gap between the sorted samples; scipy computes it
# from the sorted samples too, without a critic. Your function should agree with both:

# %%
from scipy.stats import wasserstein_distance

with skip_if_unfinished("q7"):
    a, b = torch.randn(1000, generator=rng, dtype=torch.float64), 2 * torch.randn(1000, generator=rng, dtype=torch.float64) + 1
    yours, sorted_gaps, scipy_w1 = wasserstein_1d(a, b), float((a.sort().values - b.sort().values).abs().mean()), wasserstein_distance(a.numpy(), b.numpy())
    print(f"yours {yours:.10f}, mean gap of the sorted samples {sorted_gaps:.10f}, scipy {scipy_w1:.10f}")
    print(f"all three agree within 1e-9 (relative): {'yes' if max(abs(yours - sorted_gaps), abs(yours - scipy_w1)) <= 1e-9 * scipy_w1 else 'no'}")


# %% [raw]
# # BEGIN QUESTION
# name: q8
# points: 1

# %% [markdown]
# ## q8 · LSGAN's optimal discriminator (1 point)
#
# LSGAN (notebook 05, section 7) trains a real-valued score $D$ towards the label $b = 1$ on real data
# and $a = -1$ on generated data, minimising $\tfrac12\,\mathbb E_p[(D - b)^2] + \tfrac12\,\mathbb E_{p_G}[(D - a)^2]$.
# Pointwise this is a parabola in $D(x)$. Implement `lsgan_optimal_d(p_x, p_gen_x)`, its minimiser at $B$
# points, from the two densities there: float tensors of shape `(B,)` and the same dtype, non-negative.
# Return a tensor of shape `(B,)` and **the same dtype as the inputs**, equal to **0 where both densities
# are 0** (the parabola is flat there; the course takes the midpoint of the labels, $(a + b)/2$), with no NaN.
#
# *Checked on densities that are positive, zero in either or both, and tiny (1e-30), relative tolerance 1e-5.*

# %%
def lsgan_optimal_d(p_x: torch.Tensor, p_gen_x: torch.Tensor) -> torch.Tensor:
    """LSGAN's D* with labels b = 1 (real) and a = -1 (fake). p_x, p_gen_x: (B,) non-negative. Returns (B,) in [-1, 1]."""
    # BEGIN SOLUTION
    total = p_x + p_gen_x  # (B,)
    safe_total = torch.where(total > 0, total, torch.ones_like(total))  # no 0 / 0
    return torch.where(total > 0, (p_x - p_gen_x) / safe_total, torch.zeros_like(total))
    # END SOLUTION


# %% tags=["public-tests"]
_inputs_q8 = [
    (torch.tensor([0.3, 0.2, 1.0]), torch.tensor([0.1, 0.2, 3.0])),  # both positive
    (torch.tensor([0.0, 0.6, 0.0]), torch.tensor([0.8, 0.0, 0.0])),  # only p_G, only p, neither
    (torch.tensor([1e-30, 0.0, 1e-30]), torch.tensor([3e-30, 1e-30, 0.0])),  # tiny densities
]
_outputs_q8 = [torch.tensor([0.5, 0.0, -0.5]), torch.tensor([-1.0, 1.0, 0.0]), torch.tensor([-0.5, -1.0, 1.0])]  # worked out by hand: float32
public_tests(
    "q8",
    FunctionTest(
        "lsgan_optimal_d",
        outputs=_outputs_q8,
        inputs=_inputs_q8,
        forbidden=("course_lib.gan.losses.least_squares_optimal_discriminator",),
        misconceptions=[
            ([p / (p + p_G) for p, p_G in _inputs_q8], "that is the original GAN's D* = p / (p + p_G), for labels 1 and 0; minimise the parabola with LSGAN's labels b = 1 and a = -1 (notebook 05, section 7)"),
            ([(p - p_G) / (p + p_G) for p, p_G in _inputs_q8], "where both densities are 0 this divides 0 by 0 (NaN); return the midpoint of the labels, 0, there, with torch.where and a safe denominator"),
            ([-output for output in _outputs_q8], "mind the labels: real data are trained towards b = +1, so D* = +1 where only p is positive"),
            ([_outputs_q8[0], torch.tensor([-1.0, 1.0, 0.5]), _outputs_q8[2]], "where both densities are 0 the course takes the midpoint of LSGAN's labels, (a + b) / 2 = 0, not the 1/2 of the original GAN"),
        ],
        title="lsgan_optimal_d where both densities are positive, where one or both are 0, and where they are tiny",
    ),
)

# %% tags=["hidden-tests"]
import torch

from course_lib.gan.losses import least_squares_optimal_discriminator
from course_lib.grading import FunctionTest, hidden_tests

_rng_q8 = torch.Generator().manual_seed(8)
_zeros_q8 = (torch.tensor([0.0, 0.4, 0.0, 0.2], dtype=torch.float64), torch.tensor([0.5, 0.0, 0.0, 0.2], dtype=torch.float64))
_random_q8 = (torch.rand(100, generator=_rng_q8), torch.rand(100, generator=_rng_q8))
_tiny_q8 = (torch.tensor([1e-300, 0.0, 2e-300], dtype=torch.float64), torch.tensor([1e-300, 1e-300, 0.0], dtype=torch.float64))
hidden_tests(
    "q8",
    FunctionTest("lsgan_optimal_d", reference=least_squares_optimal_discriminator, inputs=[_zeros_q8, _tiny_q8], title="lsgan_optimal_d in float64 where densities are 0 or tiny"),
    FunctionTest("lsgan_optimal_d", reference=least_squares_optimal_discriminator, inputs=[_random_q8], title="lsgan_optimal_d on random densities"),
)

# %%
check("q8")

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q9
# points: 1

# %% [markdown]
# ## q9 · The divergence LSGAN minimises (1 point)
#
# Put your $D^*$ of q8 into the generator's objective with $c = 0$,
# $C(G) = \tfrac12\,\mathbb E_p[D^{*2}] + \tfrac12\,\mathbb E_{p_G}[D^{*2}]$. Notebook 05 (section 7) shows
#
# $$
# 2\,C(G) = \int \frac{\big(p(x) - p_G(x)\big)^2}{p(x) + p_G(x)}\,dx ,
# $$
#
# which Mao et al. write as the Pearson $\chi^2$ divergence $\chi^2_{\text{Pearson}}(p + p_G \,\|\, 2p_G)$ (their
# convention puts the first argument in the denominator). Take ps01's pair: the data uniform on
# $[0, 2]$, the generator uniform on $[1, 2]$. Work out $2\,C(G)$ by hand (what are $p$ and $p_G$ on
# $[0, 1]$ and on $[1, 2]$?), and assign it to `lsgan_divergence` as a Python `float`. It is graded with a
# relative tolerance of 1e-4: let Python compute it, or give at least five significant digits. *The check
# here compares your value to five significant digits through a salted hash, so the cell does not print the answer.*

# %%
lsgan_divergence = (0.5 - 0.0) ** 2 / (0.5 + 0.0) * 1.0 + (0.5 - 1.0) ** 2 / (0.5 + 1.0) * 1.0  # SOLUTION

# %% tags=["public-tests"]
public_tests(
    "q9",
    RangeTest(
        "lsgan_divergence", low=0.0, high=2.0, why="(p - p_G)^2 <= (p + p_G)^2, so 2 C(G) lies between 0 and the integral of p + p_G, which is 2", title="lsgan_divergence is a float in [0, 2]"
    ),
    DigestTest("lsgan_divergence", digits=5, salt="ps02-q9", digests=("e5908242e766e3f8", "3d931271001992b9", "f0afb2a4a1996c41"), title="lsgan_divergence is right to 5 significant digits (compared through a salted hash)"),
)

# %% tags=["hidden-tests"]
import torch

from course_lib.gan.distributions import Uniform
from course_lib.gan.divergences import quadrature_rule
from course_lib.gan.losses import least_squares_optimal_discriminator
from course_lib.grading import ValueTest, hidden_tests

_nodes_q9, _weights_q9 = quadrature_rule(Uniform(0, 2), Uniform(1, 2))  # (N,), (N,)
_p_q9, _p_gen_q9 = Uniform(0, 2).pdf(torch.from_numpy(_nodes_q9)), Uniform(1, 2).pdf(torch.from_numpy(_nodes_q9))  # (N,) each
_two_c_q9 = float(torch.from_numpy(_weights_q9) @ ((_p_q9 + _p_gen_q9) * least_squares_optimal_discriminator(_p_q9, _p_gen_q9) ** 2))  # E_p[D*^2] + E_pG[D*^2]
hidden_tests("q9", ValueTest("lsgan_divergence", expected=_two_c_q9, rtol=1e-4, title="lsgan_divergence is 2 C(G) for this pair"))

# %%
check("q9")


# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q10
# points: 2

# %% [markdown]
# ## q10 · Instance noise smooths D* (2 points)
#
# Instance noise (notebook 05, section 7) adds the same independent noise $e \sim \mathcal N(0, \sigma^2)$
# to real and generated samples before the discriminator sees them. The data are
# $\mathcal N(\mu, s^2)$ and the generator's samples $\mathcal N(\mu_G, s^2)$, with the same width $s$.
# Implement `noisy_optimal_d(x, mean_data, mean_gen, std, noise_std)`: the optimal discriminator
# $D^* = p / (p + p_G)$ between the two **noisy** distributions, at the points `x` (a float64 tensor of
# shape `(N,)`), as a float64 tensor of shape `(N,)`. The other arguments are Python floats, with
# `std > 0` and `noise_std >= 0`.
#
# Work out the noisy distributions first (the sum of two independent Gaussians is Gaussian: what
# is its variance?). Then compute $D^*$ so that it stays right far from both means, where both
# densities underflow to 0 in float64: there $p / (p + p_G)$ is $0/0$, but notebook 02 (section 2)
# shows a form that never divides. Your answer must not call the library's `optimal_discriminator` or
# `with_instance_noise`.
#
# *Checked on two narrow bumps with and without noise, at points between them and far outside them
# (|x| = 6, 50 and 70 standard deviations from the two means), relative tolerance 1e-6.*

# %%
def noisy_optimal_d(x: torch.Tensor, mean_data: float, mean_gen: float, std: float, noise_std: float) -> torch.Tensor:
    """D* between N(mean_data, std^2) and N(mean_gen, std^2), both blurred by N(0, noise_std^2) noise. x: (N,) float64. Returns (N,)."""
    # BEGIN SOLUTION
    variance = std**2 + noise_std**2  # independent noise: the variances add
    logit = ((x - mean_gen) ** 2 - (x - mean_data) ** 2) / (2 * variance)  # (N,) log p(x) - log p_G(x), never 0 / 0
    return torch.sigmoid(logit)
    # END SOLUTION


# %% tags=["public-tests"]
_between_q10 = torch.tensor([-1.0, 0.0, 0.5, 1.0], dtype=torch.float64)
_far_q10 = torch.tensor([-6.0, 0.05, 6.0], dtype=torch.float64)
_inputs_q10 = [(_between_q10, 1.0, -1.0, 0.1, 0.3), (_far_q10, 1.0, -1.0, 0.1, 0.0)]
_outputs_q10 = [
    torch.tensor([2.061153618190204e-09, 0.5, 0.9999546021312976, 0.9999999979388463], dtype=torch.float64),  # precomputed
    torch.tensor([0.0, 0.999954602131298, 1.0], dtype=torch.float64),  # precomputed
]
public_tests(
    "q10",
    FunctionTest(
        "noisy_optimal_d",
        outputs=_outputs_q10,
        inputs=_inputs_q10,
        rtol=1e-6,
        atol=1e-12,
        check_unchanged=True,
        misconceptions=[
            (
                [torch.tensor([3.726639284186561e-06, 0.5, 0.9980732653366725, 0.9999962733607158], dtype=torch.float64), _outputs_q10[1]],  # precomputed with std + noise_std
                "independent noise adds variances, not standard deviations (notebook 05, section 7)",
            ),
            (
                [torch.tensor([1.383896526736698e-87, 0.5, 1.0, 1.0], dtype=torch.float64), _outputs_q10[1]],  # precomputed without the noise
                "this D* ignores the noise: the discriminator compares the noisy distributions, not the clean ones",
            ),
            (
                [_outputs_q10[0], torch.tensor([math.nan, 0.999954602131298, math.nan], dtype=torch.float64)],  # p / (p + p_G) from the densities
                "far from both means both densities underflow to 0 and p / (p + p_G) is 0 / 0; write D* = sigmoid(log p - log p_G) and simplify the log-ratio of two Gaussians (notebook 02, section 2)",
            ),
        ],
        title="noisy_optimal_d between two narrow bumps blurred by noise, and without noise far outside both",
    ),
)

# %% tags=["hidden-tests"]
import torch

from course_lib.gan.critics import with_instance_noise
from course_lib.gan.discriminators import optimal_discriminator
from course_lib.gan.distributions import Gaussian
from course_lib.grading import FunctionTest, hidden_tests


def _noisy_d_star(x, mean_data, mean_gen, std, noise_std):
    return optimal_discriminator(with_instance_noise(Gaussian(mean_data, std), noise_std), with_instance_noise(Gaussian(mean_gen, std), noise_std))(x)


_x_q10 = torch.linspace(-10.0, 10.0, 201, dtype=torch.float64)
hidden_tests(
    "q10",
    FunctionTest("noisy_optimal_d", reference=_noisy_d_star, inputs=[(_x_q10, 2.0, -2.0, 0.5, 0.8), (_x_q10, -0.5, 1.5, 1.0, 2.0)], rtol=1e-6, atol=1e-12, check_unchanged=True, title="noisy_optimal_d on a grid, with noise wider and narrower than the bumps"),
    FunctionTest("noisy_optimal_d", reference=_noisy_d_star, inputs=[(_x_q10, 1.0, -1.0, 0.05, 0.0)], rtol=1e-6, atol=1e-12, check_unchanged=True, title="noisy_optimal_d without noise, where the densities underflow"),
)

# %%
check("q10")

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q11
# points: 1

# %% [markdown]
# ## q11 · Instance noise and the JSD (1 point)
#
# Take q10's first pair: the data $\mathcal N(1, 0.1^2)$, the generator $\mathcal N(-1, 0.1^2)$, and noise of standard
# deviation $\sigma = 0.3$ added to both. Without noise their JSD equals $\log 2$ to every printed digit
# (the cell below shows it): no signal. Compute the JSD between the two **noisy** distributions, in nats. You may use
# `js_divergence_1d` and `Gaussian` from the course library (`course_lib.gan.divergences`,
# `course_lib.gan.distributions`) once you know the noisy distributions; do not use `with_instance_noise`,
# which would answer the question for you. Assign it to `noisy_jsd` as a Python `float`. It is graded
# with a relative tolerance of 1e-6. *The check here compares your value to seven significant digits through a salted hash, so the cell does not print the answer.*

# %%
from course_lib.gan.distributions import Gaussian
from course_lib.gan.divergences import js_divergence_1d

noisy_jsd = js_divergence_1d(Gaussian(1.0, math.sqrt(0.1**2 + 0.3**2)), Gaussian(-1.0, math.sqrt(0.1**2 + 0.3**2)))  # SOLUTION

# %% tags=["public-tests"]
import math

public_tests(
    "q11",
    RangeTest("noisy_jsd", low=0.0, high=math.log(2), why="a JSD in nats lies in [0, log 2]", title="noisy_jsd is a float in [0, log 2]"),
    DigestTest("noisy_jsd", digits=7, salt="ps02-q11", digests=("cc20fb4bd1b95464", "400ce18d5692d84e", "6e54434670346844"), title="noisy_jsd is right to 7 significant digits (compared through a salted hash)"),
)

# %% tags=["hidden-tests"]
from course_lib.gan.critics import with_instance_noise
from course_lib.gan.distributions import Gaussian
from course_lib.gan.divergences import js_divergence_1d
from course_lib.grading import ValueTest, hidden_tests

_noisy_pair_q11 = (with_instance_noise(Gaussian(1.0, 0.1), 0.3), with_instance_noise(Gaussian(-1.0, 0.1), 0.3))
hidden_tests("q11", ValueTest("noisy_jsd", expected=js_divergence_1d(*_noisy_pair_q11), rtol=1e-6, title="noisy_jsd is the JSD of the two noisy Gaussians"))

# %%
check("q11")

# %% [raw]
# # END QUESTION

# %% [markdown]
# The noise buys a gap below $\log 2$, and so a signal, at a price: the noisy pair is closer than the
# real one. Compare with no noise, and with q10's first shortcut (the widths added):

# %%
with skip_if_unfinished("q11"):
    print(f"JSD without noise {js_divergence_1d(Gaussian(1.0, 0.1), Gaussian(-1.0, 0.1)):.6f} nats (log 2 = {math.log(2):.6f})")
    print(f"your noisy JSD {noisy_jsd:.6f} nats; with the widths added, 0.1 + 0.3: {js_divergence_1d(Gaussian(1.0, 0.4), Gaussian(-1.0, 0.4)):.6f}")

# %% [markdown]
# ## Summary of your checks
#
# Run this last. Question q1 is graded by hand.

# %%
check_all()
