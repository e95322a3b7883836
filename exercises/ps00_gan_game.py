# %% [markdown]
# # ps00 · The GAN game
#
# This problem set goes with [notebook 01 · the GAN game](../notebooks/01_gan_game.ipynb). You will
# implement the value function and the two generator losses, compute a value by hand, and answer
# a few questions about why the non-saturating loss trains better.
#
# **Time:** about 30 minutes. **Points:** 10.
#
# **How it works.** Write your answer where you see `# YOUR CODE HERE` or `...`, then run the
# `check("qN")` cell below it. It tells you which public checks pass and what to fix. The checks
# are advisory: more tests, hidden from you, run when your work is graded. Questions marked
# *graded by hand* have no automatic check. `check_all()` at the end sums everything up.

# %%
import math

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

from course_lib import seed_everything
from course_lib.gan.plots import plot_generator_loss_gradients
from course_lib.grading import (
    ChoiceTest,
    FunctionTest,
    RangeTest,
    SelectionTest,
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
# ## q1 · The value function (2 points)
#
# Implement the value of the game on a batch,
#
# $$
# V(D, G) = \frac1B \sum_{i=1}^{B} \log D(x_i) + \frac1{B'} \sum_{j=1}^{B'} \log\big(1 - D(G(z_j))\big),
# $$
#
# from the discriminator's **logits**: `real_logits` of shape `(B,)` on real samples and
# `fake_logits` of shape `(B',)` on generated ones, with $D = \sigma(\text{logit})$. Return a
# scalar tensor (shape `()`, float32). Compute the logs stably: `torch.log(torch.sigmoid(l))`
# returns `-inf` for very negative logits, and the grader tries logits as large as ±200.
#
# *Checked on inputs the grader picks, including confident logits, relative tolerance 1e-5.*

# %%
def value_function(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """V(D, G) on a batch. real_logits: (B,), fake_logits: (B',). Returns a scalar tensor."""
    # YOUR CODE HERE
    raise NotImplementedError


# %% tags=["public-tests"]
import torch.nn.functional as F

_inputs_q1 = [
    (torch.tensor([1.0, -2.0, 0.5]), torch.tensor([0.3, -1.0])),  # B = 3 real, B' = 2 fake: two means, not one
    (torch.tensor([200.0, -200.0]), torch.tensor([-200.0, 200.0])),  # confident logits, where log(sigmoid(l)) underflows
]
_naive_q1 = [torch.log(torch.sigmoid(real)).mean() + torch.log(1 - torch.sigmoid(fake)).mean() for real, fake in _inputs_q1]
_one_mean_q1 = [2 * torch.cat([F.logsigmoid(real), F.logsigmoid(-fake)]).mean() for real, fake in _inputs_q1]
public_tests(
    "q1",
    FunctionTest(
        "value_function",
        outputs=[torch.tensor(-1.5552307), torch.tensor(-200.0)],  # precomputed; the second by hand: log sigmoid(-200) = -200 + log(1 + e^-200)
        inputs=_inputs_q1,
        misconceptions=[
            (_naive_q1, "torch.log(torch.sigmoid(l)) underflows to log(0) = -inf at very negative logits; use log D = logsigmoid(l) and log(1 - D) = logsigmoid(-l) (notebook 01, section 2)"),
            (_one_mean_q1, "V has two means, one over the B real logits and one over the B' fake ones; averaging all B + B' terms together weights the batches wrongly when B != B'"),
        ],
        title="value_function on a small batch (B != B') and on confident logits (±200)",
    ),
)

# %%
check("q1")

# %% [markdown]
# When the discriminator cannot tell real from fake, $D = \tfrac12$ everywhere and $V = -\log 4$.
# Your function should say so:

# %%
with skip_if_unfinished("q1"):
    value = value_function(torch.zeros(8), torch.zeros(8))
    print(f"V with D = 1/2 everywhere: {value:.4f}   (-log 4 = {-math.log(4):.4f})")


# %% [markdown]
# ## q2 · The two generator losses (2 points)
#
# Implement both generator losses from the logits `fake_logits` of shape `(B,)` that the
# discriminator gives the generated samples. Each returns a scalar tensor (shape `()`, float32).
#
# * the **saturating** loss of the original minimax game: $\frac1B\sum_j \log\big(1 - D(G(z_j))\big)$;
# * the **non-saturating** loss used in practice: $-\frac1B\sum_j \log D(G(z_j))$.
#
# *Checked on inputs the grader picks, including confident logits (±200), relative tolerance 1e-5.*

# %%
def saturating_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """E log(1 - D(G(z))) on a batch. fake_logits: (B,). Returns a scalar tensor."""
    # YOUR CODE HERE
    raise NotImplementedError


def non_saturating_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """-E log D(G(z)) on a batch. fake_logits: (B,). Returns a scalar tensor."""
    # YOUR CODE HERE
    raise NotImplementedError


# %% tags=["public-tests"]
import torch.nn.functional as F

_inputs_q2 = [(torch.tensor([-1.5, 0.2, 2.0]),), (torch.tensor([-200.0, 200.0]),)]  # small, then confident logits
_underflow_q2 = "log(sigmoid(l)) and log(1 - sigmoid(l)) underflow to log(0) at confident logits; use logsigmoid(l) and logsigmoid(-l) (notebook 01, section 2)"
_swapped_q2 = "this is the other loss: the saturating loss is E log(1 - D(G(z))), with no minus sign, and the non-saturating one is -E log D(G(z)) (notebook 01, section 4)"
public_tests(
    "q2",
    FunctionTest(
        "saturating_loss",
        outputs=[torch.tensor(-1.0421600), torch.tensor(-100.0)],  # precomputed; the second by hand: (log sigmoid(-200) + log sigmoid(200)) / 2
        inputs=_inputs_q2,
        misconceptions=[
            ([torch.log(1 - torch.sigmoid(l)).mean() for (l,) in _inputs_q2], _underflow_q2),
            ([-F.logsigmoid(l).mean() for (l,) in _inputs_q2], _swapped_q2),
            ([-F.logsigmoid(-l).mean() for (l,) in _inputs_q2], "the saturating loss is E log(1 - D(G(z))) as it stands, with no minus sign: the generator minimises it"),
        ],
        title="saturating_loss on small and on confident logits (±200)",
    ),
    FunctionTest(
        "non_saturating_loss",
        outputs=[torch.tensor(0.8088267), torch.tensor(100.0)],  # precomputed; the second by hand
        inputs=_inputs_q2,
        misconceptions=[
            ([-torch.log(torch.sigmoid(l)).mean() for (l,) in _inputs_q2], _underflow_q2),
            ([F.logsigmoid(-l).mean() for (l,) in _inputs_q2], _swapped_q2),
            ([F.logsigmoid(l).mean() for (l,) in _inputs_q2], "mind the sign: the non-saturating loss is -E log D(G(z)), which is at least 0"),
        ],
        title="non_saturating_loss on small and on confident logits (±200)",
    ),
)

# %%
check("q2")

# %% [markdown]
# ## q3 · A value by hand (1 point)
#
# A discriminator outputs $D(x) = 0.9$ on every real sample and $D(G(z)) = 0.2$ on every
# generated one. What is $V(D, G)$? Assign a Python `float` to `value_example` (or let Python
# compute it). It is graded with a relative tolerance of 1e-3, so four significant digits are always
# enough. *The check here only looks at the form of your answer: a finite float, at most 0.*

# %%
value_example = ...  # YOUR ANSWER HERE

# %% tags=["public-tests"]
public_tests(
    "q3",
    RangeTest("value_example", high=0.0, why="V adds two logs of probabilities", title="value_example is a finite float, at most 0 (the value is judged at grading)"),
)

# %%
check("q3")

# %% [markdown]
# ## q4 · Which loss pushes harder? (1 point, single choice)
#
# Early in training the discriminator rejects a generated sample: $D(G(z)) = 0.01$. Consider the
# gradient of each generator loss with respect to that sample's logit. Which is true?
#
# * **A.** Both gradients have the same size: the two losses have the same fixed point and push the logit the same way.
# * **B.** The non-saturating loss has the larger gradient, about 100 times larger.
# * **C.** The saturating loss has the larger gradient, about 100 times larger: it is the loss of the original game, which the other one only approximates.
# * **D.** Both gradients are close to zero: the discriminator is confident, and the sigmoid is flat at confident outputs, whichever loss sits on top of it.
#
# Assign one letter, as a string, to `answer_q4`. *The check here only looks at the form of your
# answer; it is judged at grading.*

# %%
answer_q4 = ...  # YOUR ANSWER HERE

# %% tags=["public-tests"]
public_tests("q4", ChoiceTest("answer_q4", options=("A", "B", "C", "D"), title="answer_q4 is one of A–D (the form only; it is judged at grading)"))

# %%
check("q4")

# %% [markdown]
# ## q5 · True statements about the game (1 point, multiple selection)
#
# Select **every** true statement:
#
# 1. $V(D, G) \le 0$ for every discriminator and every generator.
# 2. With the non-saturating loss, $p_G = p$ together with $D = \tfrac12$ is no longer a fixed point of training.
# 3. In practice, each generator step waits until the discriminator has solved $\max_D V$ exactly.
# 4. With the non-saturating loss, the gradient with respect to a generated sample's logit is
#    largest when the discriminator rejects that sample.
# 5. If $D(x) = \tfrac12$ for every $x$, then $V = -\log 4$, whatever the generator.
#
# Assign a set of numbers to `answer_q5`, for example `{2, 3}`. *The check here only looks at the
# form of your answer; at grading, a wrong selection is told about one statement to rethink.*

# %%
answer_q5 = ...  # YOUR ANSWER HERE

# %% tags=["public-tests"]
public_tests("q5", SelectionTest("answer_q5", options=(1, 2, 3, 4, 5), title="answer_q5 is a set of the options 1 to 5 (the form only; it is judged at grading)"))

# %%
check("q5")

# %% [markdown]
# ## q6 · The gradient as a formula (1 point, symbolic)
#
# The non-saturating loss of one generated sample with logit $l$ is $-\log\sigma(l)$, where
# $\sigma(l) = 1/(1 + e^{-l})$. Write its derivative with respect to $l$ as a formula in `l`, in a
# string: for example `"2*l + exp(-l)"`. You may use `+ - * / **`, numbers, and the functions `exp`,
# `log`, `sqrt`, `sin`, `cos` and `tanh`. Any form that is equal for every real $l$ is right. *The check
# here only parses your formula; it is compared with the derivative at grading.*

# %%
dloss_dlogit = ...  # YOUR ANSWER HERE

# %% tags=["public-tests"]
public_tests("q6", SymbolicTest("dloss_dlogit", symbols={"l": "real"}, title="dloss_dlogit parses as a formula in l (the form only; it is judged at grading)"))

# %%
check("q6")

# %% [markdown]
# ## q7 · Same direction, different strength (2 points, graded by hand)
#
# *Write your answer in the cell below. It is graded by hand, so `check` does not apply
# to it.*
#
# Show that for every logit $l$, the gradients of the two generator losses with respect to $l$
# have the same sign, and find their ratio as a function of $D = \sigma(l)$. Then explain, in one
# or two sentences, when the non-saturating loss gives the generator the stronger signal.

# %% [markdown] tags=["answer"]
# **Your answer to q7.** _Double-click this cell and replace this line with your proof or explanation; write maths as $...$._

# %% [markdown]
# ## Your losses under autograd
#
# Autograd differentiates your q2 losses with respect to the logit of one generated sample.
# Compare its numbers with your formula of q6 and the two derivatives of q7, at $l = -4, 0, 4$.
# The figure draws the size of both gradients for every $D(G(z)) = \sigma(l)$: where the
# discriminator rejects the fakes ($D(G(z))$ near 0), which loss still pushes the generator?

# %%
with skip_if_unfinished("q2"):
    your_losses = {"saturating": saturating_loss, "non-saturating": non_saturating_loss}
    for name, loss in your_losses.items():
        logits = torch.tensor([-4.0, 0.0, 4.0], requires_grad=True)
        (gradient,) = torch.autograd.grad(loss(logits) * len(logits), logits)
        print(f"{name:>14}: gradient at l = -4, 0, 4: {[round(g, 4) for g in gradient.tolist()]}")
    plot_generator_loss_gradients(your_losses, title="Your losses: where D(G(z)) is near 0, the saturating one barely pushes")
    plt.show()

# %% [markdown]
# ## Summary of your checks
#
# Run this last. Question q7 is graded by hand.

# %%
check_all()
