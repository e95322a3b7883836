# %% [markdown]
# # ps03 · Adversarial attacks: FGSM from first principles, and gradients from queries
#
# This problem set goes with [notebook 06 · FGSM](../notebooks/06_fgsm.ipynb) and
# [notebook 07 · black-box attacks](../notebooks/07_black_box_attacks.ipynb). You will prove that the
# fast gradient sign step has a sparse cousin in the $L_1$ ball, compare the $L_\infty$ and $L_2$
# steps, implement both attacks on real classifiers, estimate a gradient from queries alone, and
# explain why a one-step attack can fail against a defended model.
#
# **Time:** about 50 minutes. **Points:** 12.
#
# **How it works.** Write your answer where you see `# YOUR CODE HERE` or `...`, then run the
# `check("qN")` cell below it. It tells you which public checks pass and what to fix. The checks
# are advisory: more tests, hidden from you, run when your work is graded, on other inputs and on
# trained classifiers. Questions marked *graded by hand* have no automatic check. `check_all()` at
# the end sums everything up. The course library has its own attacks (`course_lib.adversarial.attacks`
# and `threat_models`); your answers must not call them: an answer that does earns nothing for its
# question, and `check` tells you so.

# %%
import math

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

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
from course_lib.plotting import use_course_style

rng = seed_everything(0)
use_course_style()

# %% [markdown]
# ## q1 · The best first-order step in an $L_1$ ball (3 points, graded by hand)
#
# *Write your proof in the cell below. It is graded by hand, so `check` does not apply to it.*
#
# Notebook 06 found the best step of the linearised loss $L(x) + g^\top\delta$ in the $L_\infty$ and
# $L_2$ balls, with $g = \nabla_x L(x, y) \in \mathbb R^d$. Now the attacker's budget is
# $\|\delta\|_1 = \sum_i |\delta_i| \le \varepsilon$. Prove that
#
# $$
# \max_{\|\delta\|_1 \le \varepsilon} g^\top \delta = \varepsilon \|g\|_\infty,
# \qquad \text{attained at } \delta^* = \varepsilon\,\mathrm{sign}(g_k)\,e_k \text{ for any } k \text{ with } |g_k| = \|g\|_\infty,
# $$
#
# where $e_k$ is the $k$-th unit vector. Your proof should (a) bound $g^\top\delta$ from above for
# every $\delta$ in the ball, (b) show that $\delta^*$ is in the ball and attains the bound, and
# (c) describe all the maximisers when several coordinates tie for the largest $|g_i|$, and say
# what the best attack does to an image (how many pixels it changes). A few lines each are enough.

# %% [markdown] tags=["answer"]
# **Your answer to q1.** _Double-click this cell and replace this line with your proof or explanation; write maths as $...$._

# %% [markdown]
# ## q2 · How much more does the $L_\infty$ step gain? (1 point, symbolic)
#
# In two dimensions the gradient is $g = (g_1, g_2)$ with $g_1, g_2 > 0$. The best step in the
# $L_\infty$ ball of radius $\varepsilon$ and the best step in the $L_2$ ball of the same radius each raise
# the linearised loss by some amount. By what factor is the $L_\infty$ gain larger than the $L_2$
# gain? Write it as a formula in `g1` and `g2` (ε cancels), in a string: for example
# `"g1 / (g1 + g2)"`. You may use `+ - * / **`, numbers, and functions such as `sqrt`. Any form equal
# for all positive `g1` and `g2` is right.

# %%
gain_ratio = ...  # YOUR ANSWER HERE

# %% tags=["public-tests"]
public_tests("q2", SymbolicTest("gain_ratio", symbols={"g1": "positive", "g2": "positive"}, title="gain_ratio is a formula in g1 and g2"))

# %%
check("q2")

# %% [markdown]
# ## q3 · The best sparse step (1 point)
#
# At some input the loss gradient is $g = (0.5, -2, 0, 1.5)$. By the linearisation, how much can an
# attacker with budget $\|\delta\|_1 \le 0.5$ raise the loss at most? Assign a Python `float` to
# `l1_gain` (relative tolerance 1e-6).

# %%
l1_gain = ...  # YOUR ANSWER HERE

# %% tags=["public-tests"]
public_tests("q3", RangeTest("l1_gain", low=0.0, why="the zero perturbation is in the ball, so the best gain is at least 0", title="l1_gain is a float, at least 0"))

# %%
check("q3")


# %% [markdown]
# ## q4 · FGSM in an $L_\infty$ ball (2 points)
#
# Implement `fgsm_linf(model, x, y, eps)`:
#
# * `model` maps a batch `x` of shape `(B, C, H, W)` (float32, values in $[0, 1]$) to logits `(B, K)`; `y` holds the true labels, int64 of shape `(B,)`;
# * take the gradient $g$ of the **mean** cross-entropy over the batch with respect to `x`;
# * return $x + \varepsilon\,\mathrm{sign}(g)$, **clipped to $[0, 1]$**, as a new tensor of the same shape and dtype (`.detach()` it);
# * **do not modify `x`**, and compute the gradient with the model in **evaluation mode** (dropout off), then **put the model back in the mode you found it in** (its `training` flag tells you which; `.train(flag)` sets it).
#
# `eps` is a Python float. *Checked on a batch of 4-D inputs with pixels at both ends of $[0, 1]$ and a
# model with dropout, handed to you in training mode and in evaluation mode, then on trained digit
# classifiers; relative tolerance 1e-5.*

# %%
def fgsm_linf(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, eps: float) -> torch.Tensor:
    """x: (B, C, H, W) in [0, 1], y: (B,) int64. Returns x_adv: (B, C, H, W) in [0, 1]."""
    # YOUR CODE HERE
    raise NotImplementedError


# %% tags=["public-tests"]
import copy

_LIBRARY_ATTACKS = ("course_lib.adversarial.attacks.fgsm", "course_lib.adversarial.attacks.loss_gradient", "course_lib.adversarial.attacks.fgsm_from_gradient", "course_lib.adversarial.threat_models.steepest_ascent_direction")
_linear = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Dropout(0.5), torch.nn.Linear(4, 3))  # a tiny classifier of 2x2 images
_weights = {"weight": torch.tensor([[1.0, -2.0, 0.5, 0.0], [-1.0, 1.0, 0.0, 2.0], [0.5, 0.5, -1.0, -1.0]]), "bias": torch.tensor([0.1, -0.2, 0.0])}
_linear[2].load_state_dict(_weights)
_linear_eval = copy.deepcopy(_linear).eval()
_images = torch.tensor([[[[0.0, 0.5], [1.0, 0.3]]], [[[0.96, 0.02], [0.5, 0.5]]]])  # (2, 1, 2, 2): pixels at 0 and 1
_labels = torch.tensor([0, 2])
_x_adv_q4 = torch.tensor([[[[0.0, 0.6], [0.9, 0.4]]], [[[1.0, 0.0], [0.6, 0.6]]]])  # worked out by hand from the gradient's signs
public_tests(
    "q4",
    FunctionTest(
        "fgsm_linf",
        outputs=[_x_adv_q4, _x_adv_q4],
        inputs=[(_linear, _images, _labels, 0.1), (_linear_eval, _images, _labels, 0.1)],
        check_unchanged=True,
        forbidden=_LIBRARY_ATTACKS,
        title="fgsm_linf on 2x2 images at the clip boundary, the dropout model in training and in eval mode",
    ),
)

# %%
check("q4")


# %% [markdown]
# ## q5 · The $L_2$ step (2 points)
#
# Implement `fgsm_l2(model, x, y, eps)`, the $L_2$ counterpart: with $g$ as in q4, return
#
# $$
# x_i + \varepsilon \frac{g_i}{\|g_i\|_2} \quad\text{for each sample } i,
# $$
#
# where $\|g_i\|_2$ is the norm of **sample $i$'s** gradient **over all its non-batch dimensions**
# ($C \cdot H \cdot W$ numbers), clipped to $[0, 1]$. A sample whose gradient is exactly 0 stays where it
# is (no NaN). The same rules as q4: a new tensor, `x` unchanged, evaluation mode, the model's mode restored.
#
# *Checked on a batch of two-channel images, where the norm must cover every channel of a sample
# and pixels hit the clip boundary, on a model whose gradient is zero, and on trained classifiers;
# tolerance 1e-5.*

# %%
def fgsm_l2(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, eps: float) -> torch.Tensor:
    """x: (B, C, H, W) in [0, 1], y: (B,) int64. Returns x_adv: (B, C, H, W) in [0, 1]."""
    # YOUR CODE HERE
    raise NotImplementedError


# %% tags=["public-tests"]
_two_channels = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Dropout(0.5), torch.nn.Linear(8, 3))  # (B, 2, 2, 2) images
_two_channels[2].load_state_dict({
    "weight": torch.tensor([[1.0, -2.0, 0.5, 0.0, 0.3, -0.7, 1.2, 0.1], [-1.0, 1.0, 0.0, 2.0, -0.4, 0.9, 0.0, -1.5], [0.5, 0.5, -1.0, -1.0, 1.1, 0.2, -0.6, 0.8]]),
    "bias": torch.tensor([0.1, -0.2, 0.0]),
})
_flat_model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(8, 3))  # zero weights: the gradient is exactly 0
_flat_model[1].load_state_dict({"weight": torch.zeros(3, 8), "bias": torch.tensor([0.3, -0.1, 0.2])})
_images_2c = torch.tensor([[[[0.0, 0.5], [1.0, 0.3]], [[0.2, 0.9], [0.4, 0.0]]], [[[0.96, 0.02], [0.5, 0.5]], [[1.0, 0.7], [0.1, 0.6]]]])
public_tests(
    "q5",
    FunctionTest(
        "fgsm_l2",
        outputs=[
            torch.tensor([[[[0.0, 0.81467235], [0.93898636, 0.48869047]], [[0.13751747, 1.0], [0.26780376, 0.0]]],
                          [[[0.99799889, 0.0], [0.69887042, 0.66858733]], [[0.87901855, 0.60073876], [0.32938558, 0.47890258]]]]),  # precomputed
            _images_2c,  # a zero gradient: nothing moves
        ],
        inputs=[(_two_channels, _images_2c, _labels, 0.5), (_flat_model, _images_2c, _labels, 0.5)],
        atol=1e-5,  # round-off of another, equally right, way to write the loss
        check_unchanged=True,
        forbidden=_LIBRARY_ATTACKS,
        title="fgsm_l2 on two-channel 2x2 images (one norm per sample, clipped), and with a zero gradient",
    ),
)

# %%
check("q5")

# %% [markdown]
# Your two attacks against a trained digit classifier (notebook 06 draws the whole curve). The
# figure shows ten test digits, the first of each class that the model reads right, after each of
# your attacks, with the model's answer above each digit (a dashed frame: read wrong). The bottom
# row is the loss gradient $g$ both attacks start from: your `fgsm_linf` should move every pixel by
# 0.1 up or down, following the sign of $g$ (unless $[0, 1]$ clips it), and your `fgsm_l2` should
# move most the pixels where $|g|$ is large. Do the answers change on most of the digits?

# %%
from course_lib.adversarial.data import load_digits
from course_lib.adversarial.defense_plots import plot_adversarial_rows
from course_lib.adversarial.models import accuracy, trained_classifier
from course_lib.widgets.adversarial_training import first_digits_read_right

with skip_if_unfinished("q4", "q5"):
    classifier = trained_classifier("mlp")
    x_test, y_test = load_digits("test")
    x_linf, x_l2 = fgsm_linf(classifier, x_test, y_test, 0.1), fgsm_l2(classifier, x_test, y_test, 1.0)  # (N, 1, 8, 8) each
    print(f"clean accuracy {accuracy(classifier, x_test, y_test):.3f}")
    print(f"after fgsm_linf (eps = 0.1): {accuracy(classifier, x_linf, y_test):.3f}")
    print(f"after fgsm_l2 (eps = 1.0):   {accuracy(classifier, x_l2, y_test):.3f}")
    shown = first_digits_read_right([classifier], x_test, y_test)  # (10,) indices, one digit per class
    attacked = {"your fgsm_linf\nε = 0.1": (classifier, x_linf[shown]), "your fgsm_l2\nε = 1.0": (classifier, x_l2[shown])}
    plot_adversarial_rows(x_test[shown], y_test[shown], attacked, "One step of your attacks should turn most of these digits into other classes (dashed frames)")
    plt.show()


# %% [markdown]
# ## q6 · A gradient from queries alone (2 points)
#
# A black box `f` takes a tensor shaped like `x` and returns a tensor holding one number (read it
# with `float(f(...))`). You may call it, nothing more: it answers without a gradient. Implement
# `finite_difference_gradient(f, x, h)` with **central** differences,
#
# $$
# \hat g_i = \frac{f(x + h e_i) - f(x - h e_i)}{2h},
# $$
#
# one coordinate $i$ at a time, for an `x` of **any shape** (a vector, a matrix, an image), in float64.
# Return $\hat g$ as a float64 tensor of the same shape as `x`, and leave `x` unchanged.
#
# *Checked against the true gradient of smooth functions of 2-D and 3-D inputs with $h = 10^{-5}$,
# relative tolerance 1e-6: central differences are accurate to $O(h^2)$ there; one-sided ones are not.*

# %%
def finite_difference_gradient(f, x: torch.Tensor, h: float) -> torch.Tensor:
    """Central-difference estimate of the gradient of f at x. x: any shape, float64. Returns x's shape."""
    # YOUR CODE HERE
    raise NotImplementedError


# %% tags=["public-tests"]
from course_lib.adversarial.attacks import BlackBox

_smooth = torch.nn.Sequential(torch.nn.Flatten(0), torch.nn.Linear(4, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1)).double()
_smooth[1].load_state_dict({name: value.double() for name, value in _weights.items()})
_smooth[3].load_state_dict({"weight": torch.tensor([[1.5, -0.5, 2.0]], dtype=torch.float64), "bias": torch.zeros(1, dtype=torch.float64)})
_black_box = BlackBox(_smooth)  # answers queries, refuses autograd
public_tests(
    "q6",
    FunctionTest(
        "finite_difference_gradient",
        outputs=[torch.tensor([[1.139307654131, -0.462074344663], [-0.825534015883, -1.685412482606]], dtype=torch.float64)],  # the true gradient
        inputs=[(_black_box, torch.tensor([[0.2, -0.4], [0.7, 0.1]], dtype=torch.float64), 1e-5)],
        rtol=1e-6,
        atol=1e-9,
        check_unchanged=True,
        forbidden=("course_lib.adversarial.attacks.finite_difference_gradient", "course_lib.adversarial.attacks.random_direction_gradient"),
        title="finite_difference_gradient of a smooth function of a 2x2 input",
    ),
)

# %%
check("q6")

# %% [markdown]
# ## q7 · Why can FGSM fail against a defended model? (1 point, single choice)
#
# A model was trained with adversarial examples, and FGSM at $\varepsilon = 0.1$ barely lowers its
# accuracy. Which explanation is the sound one?
#
# * **A.** A defended model has no gradient with respect to its input, so FGSM has nothing to follow, and no gradient attack can work.
# * **B.** FGSM's perturbation is too large to stay inside the $\varepsilon$-ball, so it is rejected.
# * **C.** FGSM trusts a linearisation made at $x$; over the ball the defended model's loss is far from linear, so one step along the gradient at $x$ misses, while an iterative attack such as PGD may still find a worse point.
# * **D.** FGSM only works on linear models, and a network trained with adversarial examples is no longer close to linear anywhere.
#
# Assign one letter, as a string, to `answer_q7`.

# %%
answer_q7 = ...  # YOUR ANSWER HERE

# %% tags=["public-tests"]
public_tests("q7", ChoiceTest("answer_q7", options=("A", "B", "C", "D"), title="answer_q7 is one of the options"))

# %%
check("q7")

# %% [markdown]
# ## Summary of your checks
#
# Run this last. Question q1 is graded by hand.

# %%
check_all()
