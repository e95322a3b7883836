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

# %% [markdown] tags=["answer"]
# **Your answer to q1.** _Double-click this cell and replace this line with your proof or explanation; write maths as $...$._

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
composition_bound = ...  # YOUR ANSWER HERE

# %% tags=["public-tests"]
public_tests(
    "q2",
    RangeTest("composition_bound", low=0.0, high=100.0, why="a Lipschitz constant is non-negative, and this one is small", title="composition_bound is a float in [0, 100] (the value is judged at grading)"),
)

# %%
check("q2")

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
    # YOUR CODE HERE
    raise NotImplementedError


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

# %%
check("q3")

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
    # YOUR CODE HERE
    raise NotImplementedError


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

# %%
check("q4")

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
answer_q5 = ...  # YOUR ANSWER HERE

# %% tags=["public-tests"]
public_tests("q5", ChoiceTest("answer_q5", options=("A", "B", "C", "D"), title="answer_q5 is one of A–D (the form only; it is judged at grading)"))

# %%
check("q5")

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
answer_q6 = ...  # YOUR ANSWER HERE

# %% tags=["public-tests"]
public_tests("q6", ChoiceTest("answer_q6", options=("A", "B", "C", "D"), title="answer_q6 is one of A–D (the form only; it is judged at grading)"))

# %%
check("q6")


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
    # YOUR CODE HERE
    raise NotImplementedError


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

# %%
check("q7")

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
    # YOUR CODE HERE
    raise NotImplementedError


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

# %%
check("q8")

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
lsgan_divergence = ...  # YOUR ANSWER HERE

# %% tags=["public-tests"]
public_tests(
    "q9",
    RangeTest(
        "lsgan_divergence", low=0.0, high=2.0, why="(p - p_G)^2 <= (p + p_G)^2, so 2 C(G) lies between 0 and the integral of p + p_G, which is 2", title="lsgan_divergence is a float in [0, 2]"
    ),
    DigestTest("lsgan_divergence", digits=5, salt="ps02-q9", digests=("e5908242e766e3f8", "3d931271001992b9", "f0afb2a4a1996c41"), title="lsgan_divergence is right to 5 significant digits (compared through a salted hash)"),
)

# %%
check("q9")


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
    # YOUR CODE HERE
    raise NotImplementedError


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

# %%
check("q10")

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

noisy_jsd = ...  # YOUR ANSWER HERE

# %% tags=["public-tests"]
import math

public_tests(
    "q11",
    RangeTest("noisy_jsd", low=0.0, high=math.log(2), why="a JSD in nats lies in [0, log 2]", title="noisy_jsd is a float in [0, log 2]"),
    DigestTest("noisy_jsd", digits=7, salt="ps02-q11", digests=("cc20fb4bd1b95464", "400ce18d5692d84e", "6e54434670346844"), title="noisy_jsd is right to 7 significant digits (compared through a salted hash)"),
)

# %%
check("q11")

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
