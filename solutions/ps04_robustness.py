# %% [markdown]
# # ps04 · Robustness: which perturbations does an adversarially trained model resist?
#
# This problem set goes with [notebook 08 · adversarial training](../notebooks/08_adversarial_training.ipynb)
# and [notebook 09 · which perturbations does a robust model resist?](../notebooks/09_robustness_quiz.ipynb).
# You will prove how the $L_2$ and $L_\infty$ balls nest, use that to decide what a robust model is
# guaranteed to resist, write the evaluation that turns several attacks into one honest robust
# accuracy, and measure how far night is from day.
#
# **Time:** about 45 minutes. **Points:** 11.
#
# **How it works.** Write your answer where you see `# YOUR CODE HERE` or `...`, then run the
# `check("qN")` cell below it. It tells you which public checks pass and what to fix. The checks
# are advisory: more tests, hidden from you, run when your work is graded, on other inputs and on
# trained classifiers. Questions marked *graded by hand* have no automatic check. `check_all()` at
# the end sums everything up. Your answers must not call the course library's own evaluations
# (`worst_case_accuracy` and `robust_accuracy` in `course_lib.adversarial.defenses`): an answer that does
# earns nothing for its question.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np
import torch

from course_lib import seed_everything
from course_lib.grading import (
    ChoiceTest,
    DigestTest,
    FunctionTest,
    RangeTest,
    SelectionTest,
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
# points: 3
# manual: true

# %% [markdown]
# ## q1 · How the balls nest (3 points, graded by hand)
#
# *Write your proof in the cell below. It is graded by hand, so `check` does not apply to it.*
#
# For $\delta \in \mathbb R^d$ and a radius $r \ge 0$, write $B_p(r) = \{\delta : \|\delta\|_p \le r\}$. Prove that
#
# $$
# \|\delta\|_\infty \;\le\; \|\delta\|_2 \;\le\; \sqrt d\,\|\delta\|_\infty \quad\text{for every } \delta,
# \qquad\text{hence}\qquad B_2(r) \subseteq B_\infty(r) \quad\text{and}\quad B_\infty(r/\sqrt d) \subseteq B_2(r).
# $$
#
# Your proof should (a) prove the left inequality and deduce the first inclusion, (b) prove the
# right inequality and deduce the second inclusion, and (c) show that neither radius can be
# improved: for any $0 \le s < r$, find a point of $B_2(r)$ outside $B_\infty(s)$, and for any
# $s > r/\sqrt d$, a point of $B_\infty(s)$ outside $B_2(r)$. A few lines each are enough.

# %% [markdown] tags=["solution"]
# **(a)** Let $k$ be a coordinate of largest absolute value, $|\delta_k| = \|\delta\|_\infty$. Every term of $\sum_i \delta_i^2$ is
# at least 0, so $\|\delta\|_2^2 = \sum_i \delta_i^2 \ge \delta_k^2 = \|\delta\|_\infty^2$, and taking square roots
# (both sides are $\ge 0$) gives $\|\delta\|_\infty \le \|\delta\|_2$. So if $\|\delta\|_2 \le r$ then
# $\|\delta\|_\infty \le \|\delta\|_2 \le r$: $B_2(r) \subseteq B_\infty(r)$.
#
# **(b)** Each $\delta_i^2 \le \|\delta\|_\infty^2$, so $\|\delta\|_2^2 = \sum_{i=1}^d \delta_i^2 \le d\,\|\delta\|_\infty^2$
# and $\|\delta\|_2 \le \sqrt d\,\|\delta\|_\infty$. So if $\|\delta\|_\infty \le r/\sqrt d$ then
# $\|\delta\|_2 \le \sqrt d \cdot r/\sqrt d = r$: $B_\infty(r/\sqrt d) \subseteq B_2(r)$.
#
# **(c)** The inequalities are equalities at these points. $\delta = r\,e_1$ has $\|\delta\|_2 = r$ and
# $\|\delta\|_\infty = r > s$: it is in $B_2(r)$ but not in $B_\infty(s)$. $\delta = s\,(1, \dots, 1)$ has
# $\|\delta\|_\infty = s$ and $\|\delta\|_2 = s\sqrt d > r$: it is in $B_\infty(s)$ but not in $B_2(r)$. So
# $B_2(r) \subseteq B_\infty(s)$ exactly when $s \ge r$, and $B_\infty(s) \subseteq B_2(r)$ exactly when
# $s \le r/\sqrt d$. For a 16×16 RGB image, $d = 768$ and $\sqrt d \approx 27.7$: the $L_\infty$ ball that fits
# inside an $L_2$ ball is very much smaller.

# %% [markdown] tags=["rubric"]
# - (1 pt) (a): ‖δ‖₂² = Σδ_i² ≥ δ_k² = ‖δ‖∞² for a coordinate k of largest absolute value (or any equivalent argument), hence ‖δ‖∞ ≤ ‖δ‖₂; ½ pt for the inequality, ½ pt for deducing B₂(r) ⊆ B∞(r) from it.
# - (1 pt) (b): Σδ_i² ≤ d‖δ‖∞² (or any equivalent argument), hence ‖δ‖₂ ≤ √d‖δ‖∞; ½ pt for the inequality, ½ pt for deducing B∞(r/√d) ⊆ B₂(r).
# - (1 pt) (c): ½ pt per witness, each shown to be in one ball and outside the other: a spike of size r on one coordinate (such as r·e₁: L2 norm r, L∞ norm r > s), and s times a vector of signs (such as s·(1, …, 1): L∞ norm s, L2 norm s√d > r). No credit for claiming tightness from the inequalities alone.

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 1

# %% [markdown]
# ## q2 · The largest $L_\infty$ ball inside an $L_2$ ball (1 point)
#
# Implement `largest_linf_radius(r, d)`: the largest $s$ such that every $\delta \in \mathbb R^d$ with
# $\|\delta\|_\infty \le s$ also has $\|\delta\|_2 \le r$ (q1 tells you). `r` is a positive float, `d` a
# positive int; return a Python `float`.
#
# *Checked on a 16×16 RGB image ($d = 768$) and in one dimension, where the two balls are the same
# interval; relative tolerance 1e-9.*

# %%
def largest_linf_radius(r: float, d: int) -> float:
    """The radius of the largest L-infinity ball that fits inside the L2 ball of radius r in d dimensions."""
    # BEGIN SOLUTION
    return r / math.sqrt(d)
    # END SOLUTION


# %% tags=["public-tests"]
public_tests(
    "q2",
    FunctionTest(
        "largest_linf_radius",
        outputs=[0.036084391824351615, 0.5],
        inputs=[(1.0, 768), (0.5, 1)],
        rtol=1e-9,
        title="largest_linf_radius for a 16x16 RGB image (d = 768) and in one dimension",
    ),
)

# %% tags=["hidden-tests"]
from course_lib.grading import FunctionTest, hidden_tests

hidden_tests(
    "q2",
    FunctionTest("largest_linf_radius", outputs=[0.0625, 0.0015625, 2.0], inputs=[(0.5, 64), (0.05, 1024), (4.0, 4)], rtol=1e-9, title="largest_linf_radius for 8x8 digits (d = 64) and other inputs"),
)

# %%
check("q2")

# %% [raw]
# # END QUESTION

# %% [markdown]
# Your `largest_linf_radius` drawn. Left, in two dimensions: the largest square (an $L_\infty$ ball)
# inside the circle $\|\delta\|_2 \le 0.5$ touches it with its four corners. A square that crosses the
# circle holds points outside the $L_2$ ball; one that stays clear of it is not the largest. Right,
# your radius as the dimension $d$ grows: how much room is left for an $L_\infty$ perturbation of an
# 8×8 digit, or of a 16×16 RGB stop sign, inside the same $L_2$ ball?

# %%
from course_lib.adversarial.plots import NORM_STYLES
from course_lib.adversarial.robustness import ball_outline
from course_lib.plotting import style

with skip_if_unfinished("q2"):
    radius_2d = largest_linf_radius(0.5, 2)  # a radius other than 1, so that an answer ignoring r shows
    fig, (ax_ball, ax_dim) = plt.subplots(1, 2, figsize=(7.6, 3.3), gridspec_kw={"width_ratios": [1, 1.35]})
    ax_ball.plot(*ball_outline("2", 0.5).T, **NORM_STYLES[2.0], markevery=(12, 25), label="‖δ‖₂ ≤ 0.5")  # circles between the corners
    ax_ball.plot(*ball_outline("inf", radius_2d).T, **NORM_STYLES[math.inf], label=f"yours: ‖δ‖∞ ≤ {radius_2d:.3f}\n(corner ‖·‖₂ = {math.hypot(radius_2d, radius_2d):.3f})")
    ax_ball.set(xlim=(-0.6, 0.6), ylim=(-0.6, 0.78), aspect="equal", xlabel="δ₁", ylabel="δ₂", title="d = 2: the corners should touch the circle")
    ax_ball.legend(loc="upper center", ncols=2, fontsize=7)
    dims = np.unique(np.geomspace(1, 1000, 40).astype(int))  # (D,) dimensions from 1 to 1000
    ax_dim.plot(dims, [largest_linf_radius(1.0, int(d)) for d in dims], **style("neutral"), label="your largest_linf_radius(1, d)")
    for d, name, marker in ((64, "8×8 digit", "o"), (768, "16×16 RGB stop sign", "^")):
        radius = largest_linf_radius(1.0, d)
        ax_dim.plot(d, radius, marker=marker, color="black", linestyle="none", label=f"{name}: d = {d}, radius {radius:.3f}")
    ax_dim.set(xscale="log", yscale="log", xlabel="dimension d", ylabel="L∞ radius inside ‖δ‖₂ ≤ 1", title="The L∞ ball that fits shrinks as d grows")
    ax_dim.legend(loc="lower left", fontsize=7)
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.15, top=0.9, wspace=0.3)
    plt.show()

# %% [raw]
# # BEGIN QUESTION
# name: q3
# points: 2

# %% [markdown]
# ## q3 · Trained against an $L_2$ ball: what else is guaranteed? (2 points, multiple selection)
#
# Notebook 09's model was trained against an $L_\infty$ ball. Now turn it around. A colleague
# adversarially trains the stop-sign classifier on day scenes (16×16 RGB images, so $d = 768$ numbers in
# $[0, 1]$) to resist **$\|\delta\|_2 \le 1.0$**, and verifies that it generalises robustly on day scenes
# against that threat model. Which of these perturbation sets is it **guaranteed** to resist as well,
# because every perturbation in the set is one the model was trained and verified against?
#
# 1. $\{\delta : \|\delta\|_2 \le 0.5\}$
# 2. $\{\delta : \|\delta\|_\infty \le 0.05\}$
# 3. $\{\delta : \|\delta\|_\infty \le 0.03\}$
# 4. $\{\delta : \|\delta\|_1 \le 1.0\}$, where $\|\delta\|_1 = \sum_i |\delta_i|$
# 5. changes to a single pixel: $\delta$ is zero except at one pixel, whose red, green and blue values may each change by up to 1
#    ($|\delta_i| \le 1$ there); the other 255 pixels are untouched
#
# Option 4 needs one more inequality than q1 proves: compare $\|\delta\|_2$ with $\|\delta\|_1$ yourself.
#
# Assign the set of the numbers you choose to `answer_q3`, for example `{2, 5}`. *The check here
# only looks at the form of your answer; at grading, a wrong selection is told about one set to
# rethink.*

# %%
answer_q3 = {1, 3, 4}  # SOLUTION

# %% tags=["public-tests"]
public_tests("q3", SelectionTest("answer_q3", options=(1, 2, 3, 4, 5), title="answer_q3 is a set of the options 1 to 5"))

# %% tags=["hidden-tests"]
from course_lib.grading import SelectionTest, hidden_tests

_hints_q3 = {
    1: "two balls of the same norm: which one contains the other?",
    2: "how large can ‖δ‖₂ get in this set when all 768 numbers move at once? q1's bound ‖δ‖₂ ≤ √d ‖δ‖∞ is reached by s·(1, …, 1), as in q1 (c); compare it with 1.0 (or compare s with q2's radius for r = 1).",
    3: "how large can ‖δ‖₂ get in this set when all 768 numbers move at once? q1's bound ‖δ‖₂ ≤ √d ‖δ‖∞ is reached by s·(1, …, 1), as in q1 (c); compare it with 1.0 (or compare s with q2's radius for r = 1).",
    4: "compare ‖δ‖₂ with ‖δ‖₁: square the sum Σ|δ_i| and look at the terms it holds besides the δ_i².",
    5: "one pixel holds three numbers; how large can ‖δ‖₂ get when each of them moves by up to 1?",
}
hidden_tests("q3", SelectionTest("answer_q3", options=(1, 2, 3, 4, 5), correct={1, 3, 4}, feedback=_hints_q3, title="answer_q3 is the set of guaranteed perturbation sets"))

# %%
check("q3")


# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q4
# points: 3

# %% [markdown]
# ## q4 · One honest number from several attacks (3 points)
#
# An input is robust when the model classifies it right at **every** point of the ball around it. We
# cannot try every point, but each attack offers one, and the ball also holds $\delta = 0$, the clean
# input itself. Implement `worst_case_accuracy(model, x, y, x_advs)`:
#
# * `model` maps a batch `x` of shape `(B, C, H, W)` to logits `(B, K)`; `y` holds the true labels, int64 of shape `(B,)`;
# * `x_advs` is a list of tensors, each of `x`'s shape: `x_advs[j][i]` is attack $j$'s point for input $i$ (the list may be empty);
# * input $i$ counts as robust when the model's prediction (the largest logit) is `y[i]` **at `x[i]` and at every `x_advs[j][i]`**;
# * return the fraction of robust inputs, a Python `float` in $[0, 1]$;
# * predict in **evaluation mode** (dropout off), put the model back in the mode you found it in, and leave every argument unchanged.
#
# Two tempting shortcuts give a different number: the smallest of the attacks' accuracies (it
# misses inputs that one attack fools and another does not), and forgetting the clean input (an
# attack may land on the right class from an input the model already gets wrong).
#
# *Checked on a batch where two attacks fool different inputs and the attacks land an input the model
# gets wrong on its true class, with a dropout model handed to you in training mode and in eval mode, and with no attacks at all;
# then on trained digit classifiers under FGSM and PGD; tolerance 1e-6.*

# %%
def worst_case_accuracy(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, x_advs: list) -> float:
    """x: (B, C, H, W), y: (B,) int64, x_advs: list of (B, C, H, W). Returns the fraction robust, a float."""
    # BEGIN SOLUTION
    modes = [(module, module.training) for module in model.modules()]  # each submodule's own flag
    model.eval()
    try:
        with torch.no_grad():
            robust = model(x).argmax(dim=1) == y  # (B,) bool: right on clean data
            for x_adv in x_advs:
                robust = robust & (model(x_adv).argmax(dim=1) == y)  # and right at this attack's point
    finally:
        for module, training in modes:
            module.train(training)
    return robust.float().mean().item()
    # END SOLUTION


# %% tags=["public-tests"]
def _brightest_pixel_model(training: bool):
    """A classifier of 1x1 images with 3 channels: in eval mode the logits are the pixels, so it answers with the brightest one."""
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Dropout(0.5), torch.nn.Linear(3, 3))
    model[2].load_state_dict({"weight": torch.eye(3), "bias": torch.zeros(3)})
    return model.train(training)


def _scenes(*brightest):
    """(B, 3, 1, 1) images whose brightest channel is the given index, repeated 4 times."""
    x = torch.full((len(brightest), 3, 1, 1), 0.2)
    for i, k in enumerate(brightest):
        x[i, k] = 0.9
    return x.repeat(4, 1, 1, 1)  # (4B, 3, 1, 1)


_labels_q4 = torch.tensor([0, 1, 2, 0, 1]).repeat(4)  # (20,)
_clean_q4 = _scenes(0, 1, 2, 1, 1)  # input 3 of each group of 5 (counting from 0) is wrong even on clean data
_attack_a = _scenes(0, 0, 2, 0, 1)  # fools input 1, and lands input 3 on its true class
_attack_b = _scenes(0, 1, 0, 0, 1)  # fools input 2, and lands input 3 on its true class too
public_tests(
    "q4",
    FunctionTest(
        "worst_case_accuracy",
        outputs=[0.4, 0.4, 0.8],  # worked out by hand: 8 of 20 inputs survive both attacks; with no attack, 16 of 20 are right
        inputs=[
            (_brightest_pixel_model(training=True), _clean_q4, _labels_q4, [_attack_a, _attack_b]),
            (_brightest_pixel_model(training=False), _clean_q4, _labels_q4, [_attack_a, _attack_b]),
            (_brightest_pixel_model(training=True), _clean_q4, _labels_q4, []),
        ],
        rtol=1e-6,
        check_unchanged=True,
        forbidden=("course_lib.adversarial.defenses.worst_case_accuracy", "course_lib.adversarial.defenses.robust_accuracy"),
        misconceptions=[
            ([0.8, 0.8, 0.8], "this is the smallest of the accuracies; an input is robust only if it survives every attack, so take the worst case per input, then average"),
            ([0.6, 0.6, 1.0], "an input the model gets wrong on clean data is not robust: the ball holds δ = 0, so the clean input is one more point to be right at"),
        ],
        title="worst_case_accuracy when two attacks fool different inputs and land a wrong input on its true class (model in training, then eval mode), and with no attack",
    ),
)

# %% tags=["hidden-tests"]
import torch

from course_lib.adversarial.attacks import fgsm, pgd
from course_lib.adversarial.data import load_digits
from course_lib.adversarial.defenses import worst_case_accuracy as _library_worst_case
from course_lib.adversarial.models import trained_classifier
from course_lib.grading import FunctionTest, hidden_tests

_x_q4, _y_q4 = load_digits("test")
_x_q4, _y_q4 = _x_q4[:120], _y_q4[:120]


def _attacked(kind, eps):
    """FGSM and two short PGD runs from random starts: on trained models they fool overlapping but different inputs."""
    model = trained_classifier(kind)
    short_pgd = [pgd(model, _x_q4, _y_q4, eps, alpha=eps / 2, steps=2, random_start=True, generator=torch.Generator().manual_seed(seed)) for seed in (1, 2)]
    case = (model, _x_q4, _y_q4, [fgsm(model, _x_q4, _y_q4, eps), *short_pgd])
    with torch.no_grad():  # the test must tell the shortcut "smallest of the accuracies" from the right answer
        smallest = min((model(candidate).argmax(1) == _y_q4).float().mean().item() for candidate in (_x_q4, *case[3]))
    assert smallest != _library_worst_case(*case), f"the {kind} case does not expose the smallest-accuracy shortcut"
    return case


def _four_channel_case():
    """Three attacks that each fool other inputs, and all land an input the model gets wrong on its true class: 1x1 images, 4 channels."""
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Dropout(0.3), torch.nn.Linear(4, 4))
    model[2].load_state_dict({"weight": 2.0 * torch.eye(4), "bias": torch.zeros(4)})

    def scenes(*brightest):
        x = torch.full((len(brightest), 4, 1, 1), 0.1)
        for i, k in enumerate(brightest):
            x[i, k] = 0.8
        return x.repeat(5, 1, 1, 1)  # (6 * 5, 4, 1, 1)

    labels = torch.tensor([0, 1, 2, 3, 0, 1]).repeat(5)
    clean = scenes(0, 1, 2, 3, 2, 1)  # input 4 of each group (counting from 0) is wrong on clean data
    attacks = [scenes(1, 1, 2, 3, 0, 1), scenes(0, 1, 3, 3, 0, 1), scenes(0, 1, 2, 0, 0, 1)]
    return (model.eval(), clean, labels, attacks)  # in eval mode: it must be left in eval mode  # per input: 2 of 6 survive all; the attacks' accuracies are 5/6 each


_dropout_case = _attacked("dropout_mlp", 0.1)
hidden_tests(
    "q4",
    FunctionTest("worst_case_accuracy", reference=_library_worst_case, inputs=[_four_channel_case()], rtol=1e-6, check_unchanged=True, title="worst_case_accuracy when three attacks each fool other inputs"),
    FunctionTest("worst_case_accuracy", reference=_library_worst_case, inputs=[_attacked("mlp", 0.1), _attacked("cnn", 0.1)], rtol=1e-6, check_unchanged=True, title="worst_case_accuracy of trained MLP and CNN digit classifiers under FGSM and PGD"),
    FunctionTest("worst_case_accuracy", reference=_library_worst_case, inputs=[(_dropout_case[0].train(), *_dropout_case[1:])], rtol=1e-6, check_unchanged=True, title="worst_case_accuracy of a dropout classifier handed over in training mode"),
)

# %%
check("q4")

# %% [raw]
# # END QUESTION

# %% [markdown]
# Your evaluation on the digits: a standard and an adversarially trained MLP (notebook 08), each
# attacked by FGSM and by PGD at $\varepsilon = 0.2$, the radius the robust model was trained at.

# %%
from course_lib.adversarial.attacks import fgsm, pgd
from course_lib.adversarial.data import load_digits
from course_lib.adversarial.defenses import robust_classifier

with skip_if_unfinished("q4"):
    x_test, y_test = load_digits("test")
    for name, model in (("standard", robust_classifier("mlp", eps=0)), ("robust", robust_classifier("mlp", eps=0.2))):
        attacks = [fgsm(model, x_test, y_test, 0.2), pgd(model, x_test, y_test, 0.2, alpha=0.025, steps=20)]
        print(f"{name:>8} MLP: clean {worst_case_accuracy(model, x_test, y_test, []):.3f}, worst of FGSM and PGD-20 {worst_case_accuracy(model, x_test, y_test, attacks):.3f}")

# %% [raw]
# # BEGIN QUESTION
# name: q5
# points: 1

# %% [markdown]
# ## q5 · How far is night from day? (1 point)
#
# `load_stop_signs("test")` and `load_stop_signs("test", night=True)` hold the same 1000 scenes in the
# same order, by day and by night (tensors of shape `(1000, 3, 16, 16)` in $[0, 1]$). Compute, over
# these scenes, the **smallest** $L_\infty$ distance between a scene at night and the same scene by day,
#
# $$
# \min_i \|x^{night}_i - x^{day}_i\|_\infty ,
# $$
#
# where the norm runs over all $3 \cdot 16 \cdot 16$ numbers of a scene. Assign it to `night_distance`
# as a Python `float` (relative tolerance 1e-5). Then compare it with $\varepsilon = 0.1$, the radius notebook 09's
# robust model was trained at: how many night scenes lie inside the ball around their day scene?

# %%
from course_lib.adversarial.data import load_stop_signs

x_day, _ = load_stop_signs("test")  # (1000, 3, 16, 16)
x_night, _ = load_stop_signs("test", night=True)  # the same scenes at night
night_distance = (x_night - x_day).flatten(start_dim=1).abs().amax(dim=1).min().item()  # SOLUTION

# %% tags=["public-tests"]
public_tests(
    "q5",
    RangeTest("night_distance", low=0.0, high=1.0, why="a distance is at least 0, and pixels lie in [0, 1], so no number can move by more than 1", title="night_distance is a float in [0, 1]"),
    DigestTest("night_distance", digits=6, salt="ps04-q5", digests=("66c3d946c74d7c2b", "08851b6c94dfb633", "ac6805a03a6b5907"), title="night_distance is right to 6 significant digits (compared through a salted hash)"),
)

# %% tags=["hidden-tests"]
from course_lib.adversarial.data import load_stop_signs
from course_lib.grading import ValueTest, hidden_tests

_day_q5, _night_q5 = load_stop_signs("test")[0], load_stop_signs("test", night=True)[0]
hidden_tests("q5", ValueTest("night_distance", expected=(_night_q5 - _day_q5).flatten(1).abs().amax(1).min().item(), rtol=1e-5, title="night_distance is the smallest L-infinity distance from a night scene to its day scene"))

# %%
check("q5")

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q6
# points: 1

# %% [markdown]
# ## q6 · Why does robustness not carry over to the night? (1 point, single choice)
#
# In notebook 09 the stop-sign classifier trained against $\|\delta\|_\infty \le 0.1$ on day scenes is
# *less* accurate at night than the standard one. Which explanation is the sound one?
#
# * **A.** Adversarial training overfits to the attack it was trained with, PGD; a night scene is a different kind of attack, and a model is only ever robust to the attacks it has met during training.
# * **B.** The guarantee covers day scenes moved within a small ball; every night scene lies far outside the ball around its day scene (q5), in a distribution the model never saw, so nothing was promised there.
# * **C.** Night pixels are smaller, so the same $\varepsilon$ is relatively larger on them; training at a smaller $\varepsilon$ would make the model robust at night.
# * **D.** The robust model is as robust at night as by day; night scenes are simply harder, for every model, and that is all the numbers show.
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
