r"""Adversarial training: minimise the robust loss, with PGD (or FGSM) solving the inner maximisation.

Standard training minimises the mean loss over the data. Adversarial training minimises the
*robust* loss, the loss at the worst point of the threat model around each input:

.. math::
    \theta^* = \arg\min_\theta \sum_{(x, y) \in D} \max_{\|\delta\| \le \epsilon} L_\theta(x + \delta, y).

The inner maximum has no closed form. Each batch, the library's ``pgd`` finds a strong
:math:`\delta` (a lower bound on the maximum), and one Adam step descends the loss at
:math:`x + \delta`: by Danskin's theorem the gradient of a maximum is the gradient at its maximiser,
so a good attack gives a good descent direction. A PGD step costs a forward and a backward pass (the backward to
the input only), so a K-step attack makes an epoch roughly K + 1 times as long.

- ``adversarial_training`` trains a model in place and returns an ``AdversarialTrainingHistory``
  (loss, clean and robust training accuracy, and wall time, per epoch). ``attack="fgsm"`` uses a
  single step ("fast adversarial training"), which can overfit catastrophically: robust to FGSM,
  not to PGD.
- ``robust_loss`` estimates the robust loss itself (PGD's points give a lower bound on the maximum);
  ``robust_accuracy`` and ``robust_accuracy_curve`` measure accuracy under attack; eps = 0 is clean
  accuracy. Two sanity checks against gradient masking: accuracy must fall as eps grows, and an
  iterative attack must do at least as well as a single step.
- ``stop_sign_classifier`` is a small CNN for the 16×16 RGB stop signs of ``data.make_stop_signs``;
  ``robust_classifier`` gives a model of each kind trained at a given eps (0 for the standard
  model, by the same recipe): shipped weights (``weights.py``) for the models the course uses, else
  trained once per process; it hands out copies.

Introduced in notebooks/08_adversarial_training (digits) and notebooks/09_robustness_quiz (stop signs).
"""

from __future__ import annotations

import copy
import functools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from course_lib.adversarial import weights
from course_lib.adversarial._checks import check_clip, check_count, check_labelled_batch, check_model, check_nonnegative, check_positive
from course_lib.adversarial.attacks import ATTACKS, _fgsm, _pgd
from course_lib.adversarial.data import SPLIT_SEED, STOP_SIGN_CLASSES, STOP_SIGN_SPLITS, TEST_FRACTION, _split_indices, load_digits, load_stop_signs
from course_lib.adversarial.models import RECIPES, TrainingHistory, _accuracy, evaluation_mode
from course_lib.adversarial.threat_models import NORM_NAMES, norm_order
from course_lib.optim import Adam

Tensor = torch.Tensor

BOX = (0.0, 1.0)  # images live in [0, 1]: every attack clips to it
PGD_TRAINING_STEPS = 3  # as good as 5 on the stop signs (measured), at two thirds of the cost; Madry et al. took 7 on CIFAR-10
PGD_EVALUATION_STEPS = 20  # evaluation affords a stronger attack than training does
ROBUST_TRACKING_STEPS = 10  # the PGD that tracks robust training accuracy after each epoch


def pgd_step_size(eps: float, steps: int) -> float:
    """PGD's customary step, alpha = 2.5 eps / steps: the iterate travels 2.5 eps in all, enough to cross the ball (the default of MadryLab's ``robustness`` library).

    Example:
        >>> pgd_step_size(0.1, 10)
        0.025

    Introduced in notebooks/08_adversarial_training.
    """
    return 2.5 * eps / steps


# ----------------------------------------------------------------------------- a classifier for stop signs


def stop_sign_classifier(channels: tuple[int, int] = (8, 16)) -> nn.Sequential:
    """A small CNN for (B, 3, 16, 16) stop-sign scenes: two 3×3 convolutions, each with ReLU and a 2×2 max-pool, then a linear read-out.

    The library's digits CNN (``models.cnn_classifier``) adapted to three colour channels and a
    16×16 frame: the pools halve 16 to 8 to 4, so the read-out sees a 4×4 map with ``channels[1]``
    features. About 3,000 weights; it learns the day scenes to about 99% in a few seconds.

    Example:
        >>> stop_sign_classifier()(torch.zeros(5, 3, 16, 16)).shape
        torch.Size([5, 2])

    Introduced in notebooks/09_robustness_quiz.
    """
    c1, c2 = channels
    return nn.Sequential(
        nn.Conv2d(3, c1, 3, padding=1),  # (B, c1, 16, 16)
        nn.ReLU(),
        nn.MaxPool2d(2),  # (B, c1, 8, 8)
        nn.Conv2d(c1, c2, 3, padding=1),  # (B, c2, 8, 8)
        nn.ReLU(),
        nn.MaxPool2d(2),  # (B, c2, 4, 4)
        nn.Flatten(),  # (B, 16 c2)
        nn.Linear(16 * c2, len(STOP_SIGN_CLASSES)),  # (B, 2)
    )


def channels_last_stop_sign_classifier() -> nn.Sequential:
    """``stop_sign_classifier()`` with its weights stored channels-last (NHWC): the same weights, and faster on a CPU.

    With channels-last weights PyTorch runs the convolutions and max-pools of the whole network in
    that layout, which on one CPU thread takes about 3.0 ms per forward and backward pass of 64
    scenes instead of 5.5 ms (measured); whole training epochs, with their other work, about 1.35× faster.
    The numbers differ from the NCHW network's only by round-off, which training then amplifies.

    Example:
        >>> channels_last_stop_sign_classifier()[0].weight.is_contiguous(memory_format=torch.channels_last)
        True

    Introduced in notebooks/09_robustness_quiz.
    """
    return stop_sign_classifier().to(memory_format=torch.channels_last)


# ----------------------------------------------------------------------------- adversarial training


@dataclass(repr=False)
class AdversarialTrainingHistory(TrainingHistory):
    """What adversarial training produced, epoch by epoch; a ``TrainingHistory``, so plots of one read the other.

    ``loss`` is the mean cross-entropy at the attacked points (the robust loss the training
    minimises) and ``accuracy`` the clean training accuracy after each epoch.
    """

    attack: str = "pgd"  # "pgd" or "fgsm", and the settings it ran with:
    eps: float = 0.0
    norm: str = "L∞"
    steps: int = 0
    alpha: float = 0.0
    random_start: bool = True
    eps_schedule: list[float] = field(default_factory=list)  # the radius trained at in each epoch (it ramps up during warm-up)
    adversarial_accuracy: list[float] = field(default_factory=list)  # on the training attack's points, as they were made during the epoch
    robust_accuracy: list[float] = field(default_factory=list)  # under PGD-10 at eps after each epoch, on the first eval_size images
    seconds: list[float] = field(default_factory=list)  # wall time of each epoch's training (the evaluations excluded)

    def __repr__(self) -> str:
        if not self.loss:
            return "AdversarialTrainingHistory(0 epochs)"
        attack = f"PGD-{self.steps}" if self.attack == "pgd" else f"FGSM from a random start, alpha={self.alpha:g}" if self.random_start else "FGSM"
        robust = f", {self.robust_accuracy[-1]:.1%} under PGD-{ROBUST_TRACKING_STEPS}" if self.robust_accuracy else ""
        epochs = f"{len(self.loss)} epoch{'s' if len(self.loss) > 1 else ''}"
        clean = f"{self.accuracy[-1]:.1%} clean, " if self.accuracy else ""
        return (
            f"AdversarialTrainingHistory({attack}, {self.norm} eps={self.eps:g}, {epochs}: final loss {self.loss[-1]:.4f}, "
            f"train accuracy {clean}{self.adversarial_accuracy[-1]:.1%} on the training attack{robust}; "
            f"{sum(self.seconds) / len(self.seconds):.2f} s per epoch)"
        )


def adversarial_training(
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    eps: float,
    alpha: float | None = None,
    steps: int | None = None,
    num_epochs: int = 20,
    lr: float = 1e-2,
    batch_size: int = 64,
    norm: str | float = "inf",
    generator: torch.Generator | None = None,
    attack: str = "pgd",
    random_start: bool = True,
    warmup_epochs: int = 0,
    eval_size: int = 256,
    track_accuracy: bool = True,
    progress: bool = True,
) -> AdversarialTrainingHistory:
    r"""Train ``model`` in place on the robust loss :math:`\frac1B\sum_i \max_{\|\delta_i\| \le \epsilon} \ell(f_\theta(x_i + \delta_i), y_i)`.

    Each batch: the inner maximisation by the library's ``pgd`` (model in eval mode, random start
    drawn from ``generator``), then one Adam step on the mean cross-entropy at the attacked points,
    in train mode. ``attack="fgsm"`` takes a single step instead: with ``random_start`` and
    alpha = 1.25 eps it is Wong et al.'s "fast adversarial training" (2020); without, plain FGSM.
    With eps = 0 no attack runs and this is standard training: the same loop, batches and
    numbers as ``models.train_classifier`` (``tests/test_adversarial_defenses.py`` checks it bit for bit).

    Large radii can stall training from random weights at chance level: ``warmup_epochs`` = k
    ramps the radius linearly, eps·e/k in epoch e ≤ k (alpha in proportion), then eps.

    Args:
        model: maps (B, C, H, W) images in [0, 1] to (B, K) logits.
        x: (N, C, H, W) float images in [0, 1]; y: (N,) int64 labels.
        eps: the radius of the threat model, >= 0.
        alpha: the attack's step size; None: 2.5 eps / steps for PGD, for FGSM 1.25 eps with a
            random start and eps without.
        steps: PGD's steps, >= 1 (None: 3); FGSM takes one (None or 1).
        num_epochs, lr, batch_size: passes over the data, Adam's step size, images per step.
        norm: "inf" or "2", the threat model's ball.
        generator: all the run's randomness: batch order, random starts, dropout (seed 0 when None).
        attack: "pgd" or "fgsm".
        random_start: start each attack at a uniform random point of the ball.
        warmup_epochs: epochs over which eps ramps up, >= 0.
        eval_size: after each epoch, robust accuracy under PGD-10 is tracked on the first
            eval_size training images (0 to skip it: it costs time, though not training time).
        track_accuracy: record the clean training accuracy after each epoch (a pass over x; False
            skips it, for a run whose history nobody reads: the weights are the same either way).
        progress: show a progress bar over epochs (it disappears when done).

    Returns:
        An ``AdversarialTrainingHistory``. The model is left in eval mode.

    Example:
        >>> from course_lib.adversarial.models import build_classifier
        >>> x, y = load_digits("train")
        >>> adversarial_training(build_classifier("mlp"), x[:512], y[:512], eps=0.1, num_epochs=2, progress=False)
        AdversarialTrainingHistory(PGD-3, L∞ eps=0.1, 2 epochs: final loss ..., train accuracy ...% clean, ...% on the training attack, ...% under PGD-10; ... s per epoch)

    Introduced in notebooks/08_adversarial_training.
    """
    check_model(model)
    check_labelled_batch(x, y)
    check_clip(BOX, x)
    p = norm_order(norm)
    check_nonnegative("eps", eps, "0.1")
    steps, alpha = _attack_settings(attack, eps, alpha, steps, random_start, training=True)
    check_count("num_epochs", num_epochs, "20")
    check_count("batch_size", batch_size, "64")
    check_positive("lr", lr, "1e-2")
    _check_generator(generator)
    for name, value in (("warmup_epochs", warmup_epochs), ("eval_size", eval_size)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"`{name}` must be an int >= 0 such as 0 (got {value!r})")
    if not isinstance(track_accuracy, bool):
        raise ValueError(f"`track_accuracy` must be True or False (got {track_accuracy!r})")
    generator = generator if generator is not None else torch.Generator().manual_seed(0)
    optimizer = Adam(model.parameters(), lr=lr)
    history = AdversarialTrainingHistory(attack=attack, eps=eps, norm=NORM_NAMES[p], steps=steps, alpha=alpha, random_start=random_start)
    x_eval, y_eval = x[:eval_size], y[:eval_size]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(torch.randint(2**62, (), generator=generator)))  # dropout's masks, from our generator (as train_classifier)
        for epoch in tqdm(range(1, num_epochs + 1), desc="epochs", leave=False, disable=not progress):
            ramp = min(1.0, epoch / warmup_epochs) if warmup_epochs else 1.0  # eps·e/k in warm-up epoch e <= k
            start = time.perf_counter()
            losses, correct = _adversarial_epoch(model, optimizer, x, y, eps * ramp, alpha * ramp, steps, p, random_start, batch_size, generator)
            history.seconds.append(time.perf_counter() - start)
            if not all(math.isfinite(loss) for loss in losses):
                raise FloatingPointError(f"training diverged in epoch {epoch} (a loss is NaN or inf); lower `lr`")
            history.eps_schedule.append(eps * ramp)
            history.loss.append(sum(losses) / len(losses))
            history.adversarial_accuracy.append(correct / len(x))
            if track_accuracy:
                history.accuracy.append(_accuracy(model, x, y))
            if eval_size:
                alpha_tracking = pgd_step_size(eps, ROBUST_TRACKING_STEPS)
                tracked = _robust_accuracy(model, x_eval, y_eval, eps, "pgd", alpha_tracking, ROBUST_TRACKING_STEPS, p, False, None)
                history.robust_accuracy.append(tracked)
    model.eval()
    return history


def _adversarial_epoch(
    model: nn.Module, optimizer: Adam, x: Tensor, y: Tensor, eps: float, alpha: float, steps: int, p: float, random_start: bool, batch_size: int,
    generator: torch.Generator,
) -> tuple[list[float], int]:  # fmt: skip
    """One pass over the data in an order drawn from ``generator``: attack each batch, then descend at the attacked points.

    Returns each batch's loss and how many attacked points the model classified right before its step.
    """
    model.train()
    losses, correct = [], 0
    for batch in torch.randperm(len(x), generator=generator).split(batch_size):
        x_adv = _training_attack(model, x[batch], y[batch], eps, alpha, steps, p, random_start, generator)  # (B, C, H, W)
        loss, hits = _robust_step(model, optimizer, x_adv, y[batch])
        losses.append(loss)
        correct += hits
    return losses, correct


def _training_attack(
    model: nn.Module, x: Tensor, y: Tensor, eps: float, alpha: float, steps: int, p: float, random_start: bool, generator: torch.Generator
) -> Tensor:
    """The inner maximisation: ``pgd`` in eval mode (FGSM is its one-step case), or x itself when eps = 0. (B, ...) to (B, ...)."""
    if eps == 0:
        return x  # standard training: no attack, and no random numbers drawn
    with evaluation_mode(model):
        return _pgd(model, x, y, eps, alpha, steps, p, random_start, BOX, generator)


def _robust_step(model: nn.Module, optimizer: Adam, x_adv: Tensor, y: Tensor) -> tuple[float, int]:
    """One Adam step on the mean cross-entropy at the attacked points; returns the loss and the number classified right."""
    logits = model(x_adv)  # (B, K)
    loss = F.cross_entropy(logits, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item(), int((logits.argmax(dim=1) == y).sum())


# ----------------------------------------------------------------------------- the robust loss and robust accuracy


def robust_loss(
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    eps: float,
    norm: str | float = "inf",
    alpha: float | None = None,
    steps: int | None = None,
    random_start: bool = False,
    generator: torch.Generator | None = None,
) -> float:
    r"""The robust loss as PGD estimates it: the mean cross-entropy at PGD's points, :math:`\frac1N \sum_i \ell(f(x_i + \delta_i), y_i)`.

    The true robust loss :math:`\frac1N \sum_i \max_{\|\delta\| \le \epsilon} \ell(f(x_i + \delta), y_i)` is at
    least this: an attack finds some point of each ball, not always the worst. More steps (or restarts)
    give a larger, tighter estimate. eps = 0 gives the clean loss.

    Args:
        model, x, y, eps, norm, alpha, steps, random_start, generator: as in ``robust_accuracy`` (PGD).

    Returns:
        A float >= 0, in nats.

    Example:
        >>> from course_lib.adversarial.models import trained_classifier
        >>> model, (x, y) = trained_classifier("mlp"), load_digits("test")
        >>> f"clean {robust_loss(model, x, y, eps=0.0):.2f}, robust (eps 0.1, PGD-20) {robust_loss(model, x, y, eps=0.1):.2f} nats"
        'clean 0.12, robust (eps 0.1, PGD-20) 3.06 nats'

    Introduced in notebooks/08_adversarial_training.
    """
    p = _check_evaluation(model, x, y, norm, generator)
    check_nonnegative("eps", eps, "0.1")
    steps, alpha = _attack_settings("pgd", eps, alpha, steps, random_start, training=False)
    x_adv = _evaluation_attack(model, x, y, eps, "pgd", alpha, steps, p, random_start, generator)
    with torch.no_grad(), evaluation_mode(model):
        return F.cross_entropy(model(x_adv), y).item()



def robust_accuracy(
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    eps: float,
    norm: str | float = "inf",
    attack: str = "pgd",
    alpha: float | None = None,
    steps: int | None = None,
    random_start: bool = False,
    generator: torch.Generator | None = None,
) -> float:
    r"""The accuracy under attack: the fraction of inputs still classified right after the attack, :math:`\frac1N \sum_i [f(x_i + \delta_i) = y_i]`.

    It estimates the robust accuracy :math:`\frac1N \sum_i \min_{\|\delta\| \le \epsilon} [f(x_i + \delta) = y_i]`
    from above: an attack that fails to find an adversarial example does not prove there is none.
    A stronger attack gives a lower (more honest) number. eps = 0 gives the clean accuracy.

    Args:
        model: maps (B, C, H, W) images in [0, 1] to (B, K) logits; run in eval mode, its flags restored after.
        x: (N, C, H, W) float images in [0, 1]; y: (N,) int64 labels.
        eps: the radius, >= 0.
        norm: "inf" or "2".
        attack: "pgd" or "fgsm".
        alpha: PGD's step (None: 2.5 eps / steps). steps: PGD's steps (None: 20).
        random_start: start PGD at a uniform random point of the ball, drawn from ``generator``.
        alpha, steps and random_start are PGD's: with ``attack="fgsm"`` leave them unset.

    Returns:
        A float in [0, 1].

    Example:
        >>> from course_lib.adversarial.models import trained_classifier
        >>> model, (x, y) = trained_classifier("mlp"), load_digits("test")
        >>> f"{robust_accuracy(model, x, y, eps=0.0):.3f} clean, {robust_accuracy(model, x, y, eps=0.1, attack='fgsm'):.3f} under FGSM"
        '0.964 clean, 0.448 under FGSM'

    Introduced in notebooks/08_adversarial_training.
    """
    p = _check_evaluation(model, x, y, norm, generator)
    check_nonnegative("eps", eps, "0.1")
    steps, alpha = _attack_settings(attack, eps, alpha, steps, random_start, training=False)
    return _robust_accuracy(model, x, y, eps, attack, alpha, steps, p, random_start, generator)


def _robust_accuracy(
    model: nn.Module, x: Tensor, y: Tensor, eps: float, attack: str, alpha: float, steps: int, p: float, random_start: bool,
    generator: torch.Generator | None,
) -> float:  # fmt: skip
    return _accuracy(model, _evaluation_attack(model, x, y, eps, attack, alpha, steps, p, random_start, generator), y)


def _evaluation_attack(
    model: nn.Module, x: Tensor, y: Tensor, eps: float, attack: str, alpha: float, steps: int, p: float, random_start: bool,
    generator: torch.Generator | None,
) -> Tensor:  # fmt: skip
    """x_adv (B, ...) by FGSM or PGD in eval mode; x itself when eps = 0."""
    if eps == 0:
        return x
    with evaluation_mode(model):
        return _fgsm(model, x, y, eps, p, BOX) if attack == "fgsm" else _pgd(model, x, y, eps, alpha, steps, p, random_start, BOX, generator)


def worst_case_accuracy(model: nn.Module, x: Tensor, y: Tensor, x_advs: Sequence[Tensor]) -> float:
    r"""The accuracy on the worst point found for each input: right at x *and* at every attack's point.

    Robust accuracy is :math:`\frac1N \sum_i \min_{\|\delta\| \le \epsilon} [f(x_i + \delta) = y_i]`. The
    ball holds :math:`\delta = 0`, so a robust input is classified right at :math:`x_i` itself, and each
    attack offers one more candidate :math:`\delta`. Taking the minimum per input over every candidate
    gives an upper bound on the robust accuracy, provided every candidate lies in the ball; no single
    attack's accuracy, nor the clean accuracy, is lower. The smallest of the attacks' accuracies is
    larger as soon as no one attack fools every input that some attack fools, or an attack lands a
    misclassified input on its true class.

    Args:
        model: maps (B, ...) inputs to (B, K) logits; run in eval mode, its flags restored after.
        x: (B, ...) clean inputs; y: (B,) int64 labels.
        x_advs: the attacks' outputs, each shaped like x (x_advs[j][i] is attack j's point for input i);
            an empty list gives the clean accuracy.

    Returns:
        A float in [0, 1].

    Example:
        >>> from course_lib.adversarial.attacks import fgsm, pgd
        >>> from course_lib.adversarial.models import trained_classifier
        >>> model, (x, y) = trained_classifier("mlp"), load_digits("test")
        >>> x_advs = [fgsm(model, x, y, 0.05), pgd(model, x, y, 0.05, alpha=0.0125, steps=10)]
        >>> f"clean {worst_case_accuracy(model, x, y, []):.3f}, FGSM {robust_accuracy(model, x, y, 0.05, attack='fgsm'):.3f}, worst of both per digit {worst_case_accuracy(model, x, y, x_advs):.3f}"
        'clean 0.964, FGSM 0.805, worst of both per digit 0.802'

    Introduced in notebooks/08_adversarial_training.
    """
    check_model(model)
    check_labelled_batch(x, y)
    if isinstance(x_advs, torch.Tensor) or not isinstance(x_advs, Sequence):
        raise TypeError(f"`x_advs` must be a list of tensors shaped like x, one per attack (got {type(x_advs).__name__}); wrap one attack's output as [x_adv]")
    for j, x_adv in enumerate(x_advs):
        if not isinstance(x_adv, torch.Tensor) or x_adv.shape != x.shape:
            shape = tuple(x_adv.shape) if isinstance(x_adv, torch.Tensor) else type(x_adv).__name__
            raise ValueError(f"`x_advs[{j}]` must have x's shape {tuple(x.shape)} (got {shape}): one attacked point per input")
    with torch.no_grad(), evaluation_mode(model):
        robust = torch.ones(len(x), dtype=torch.bool)  # (B,)
        for candidate in (x, *x_advs):
            robust &= model(candidate).argmax(dim=1) == y  # right at every point found so far
    return robust.float().mean().item()


@dataclass(repr=False)
class RobustAccuracyCurve:
    """Accuracy under one attack at each radius: the curve that must fall as eps grows."""

    eps: list[float]
    accuracy: list[float]  # accuracy[i] at eps[i]
    attack: str  # e.g. "PGD-20" or "FGSM"
    norm: str  # "L∞" or "L2"

    def __repr__(self) -> str:
        pairs = ", ".join(f"{e:g}: {a:.1%}" for e, a in zip(self.eps, self.accuracy))
        return f"RobustAccuracyCurve({self.attack}, {self.norm}; eps → accuracy: {pairs})"

    def is_non_increasing(self, tolerance: float = 0.0) -> bool:
        """Whether the accuracy never rises with eps (by more than ``tolerance``): the first sanity check against gradient masking."""
        order = sorted(range(len(self.eps)), key=self.eps.__getitem__)
        return all(self.accuracy[j] <= self.accuracy[i] + tolerance for i, j in zip(order, order[1:]))


def robust_accuracy_curve(
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    eps_values: Sequence[float],
    norm: str | float = "inf",
    attack: str = "pgd",
    steps: int | None = None,
    random_start: bool = False,
    generator: torch.Generator | None = None,
) -> RobustAccuracyCurve:
    """``robust_accuracy`` at each radius of ``eps_values``, PGD's step 2.5 eps / steps at each.

    For a model that is not masking its gradients the curve falls from the clean accuracy
    (eps = 0) towards 0, and PGD's curve lies on or below FGSM's.

    Args:
        model, x, y, norm, attack, steps, random_start, generator: as in ``robust_accuracy``.
        eps_values: the radii, each >= 0.

    Returns:
        A ``RobustAccuracyCurve``.

    Example:
        >>> from course_lib.adversarial.models import trained_classifier
        >>> model, (x, y) = trained_classifier("mlp"), load_digits("test")
        >>> robust_accuracy_curve(model, x, y, [0.0, 0.05, 0.1], attack="fgsm")
        RobustAccuracyCurve(FGSM, L∞; eps → accuracy: 0: 96.4%, 0.05: 80.5%, 0.1: 44.8%)

    Introduced in notebooks/08_adversarial_training.
    """
    p = _check_evaluation(model, x, y, norm, generator)
    eps_values = _radii(eps_values)
    for eps in eps_values:
        check_nonnegative("eps_values", eps, "[0.0, 0.05, 0.1]")
    steps, _ = _attack_settings(attack, 1.0, None, steps, random_start, training=False)
    accuracies = [_robust_accuracy(model, x, y, eps, attack, pgd_step_size(eps, steps), steps, p, random_start, generator) for eps in eps_values]
    name = f"PGD-{steps}" if attack == "pgd" else "FGSM"
    return RobustAccuracyCurve(eps_values, accuracies, name, NORM_NAMES[p])


# ----------------------------------------------------------------------------- robust models: shipped weights, else trained once per process


@dataclass(frozen=True)
class AdversarialRecipe:
    """How to train one kind of classifier adversarially: seconds on one CPU thread (``ROBUST_RECIPES`` has the measured figures)."""

    build: Callable[[], nn.Module]
    data: Callable[[], tuple[Tensor, Tensor]]  # the training images and labels
    eps: float  # the default L∞ radius: where the standard model already breaks (PGD-20 accuracy 21% or less)
    steps: int = 3  # PGD steps per batch: on these small images as good as 5 (measured), at two thirds of the cost
    num_epochs: int = 20  # the standard recipe's: robust accuracy is still creeping up, clean accuracy has levelled off
    lr: float = 1e-2  # the standard recipe's; stop signs, seeds 0-3: 66-71% robust accuracy, where 3e-3 (5 warm-up epochs) gave 51-62%
    batch_size: int = 64
    warmup_epochs: int = 10  # without, stop-sign training stalls at chance from random weights (measured at eps 0.05 and 0.1)


# Measured on one thread (seed 0, test splits, PGD-20), standard (eps = 0, same recipe) → robust:
#   digits MLP, eps 0.2: clean 96.4% → 95.0%, at eps 0.2 1.7% → 51.3%;  digits CNN: 98.1% → 95.8%, 0.8% → 57.9%
#   stop signs, eps 0.1 (their own recipe, below): clean 98.2% → 92.0%, at eps 0.1 17.3% → 65.4%; the same scenes by night 75.2% → 55.1%
#   (on the arithmetic before MKL's COMPATIBLE pin, the first stop-sign recipe, 3 PGD steps and 20 epochs in NCHW, gave 98.3% → 95.9%, 17.0% → 72.2%, night 68.3% → 61.1%,
#   at 2.5 s + 7.35 s of training; this one takes 1.2 s + 2.7 s on an idle machine)
ROBUST_RECIPES = {
    "mlp": AdversarialRecipe(RECIPES["mlp"].build, functools.partial(load_digits, "train"), eps=0.2),
    "cnn": AdversarialRecipe(RECIPES["cnn"].build, functools.partial(load_digits, "train"), eps=0.2),
    # Stop signs: two PGD steps and 12 epochs (6 of warm-up) instead of 3 and 20 (10), and channels-last weights, so that
    # notebook 09 trains both models within its time budget: the pair takes 0.4 of the first recipe's time (3.9 s against
    # 9.9 s). Seeds 0 and 1: clean 92.0% and 87.9%, 65.4% and 54.1% at eps 0.1 (PGD-20); on the earlier arithmetic, 15 epochs (8) gave
    # 93.6% and 92.1%, 65.4% and 59.7%, against 91.8% and 90.0%, 64.3% and 59.6% for this recipe.
    "stop_sign_cnn": AdversarialRecipe(
        channels_last_stop_sign_classifier, functools.partial(load_stop_signs, "train"), eps=0.1, steps=2, num_epochs=12, warmup_epochs=6
    ),
}


def robust_classifier(kind: str = "cnn", eps: float | None = None, attack: str = "pgd", seed: int = 0) -> nn.Module:
    """A classifier of one kind, adversarially trained with its recipe (``ROBUST_RECIPES``), in eval mode.

    ``eps=0`` gives the *standard* model trained by the same recipe (same epochs, batches and
    learning rate, no attack): the fair baseline for the costs of robustness. Training runs on one
    thread, so the weights are the same on every machine; the course ships them for the models its
    notebooks use (``weights.py``) and loads them instead of training (``tests/test_adversarial_weights.py``
    retrains and checks they are equal bit for bit). Any other model trains once per (kind, eps,
    attack, seed) and process. Every call returns a fresh copy.

    Args:
        kind: "mlp" or "cnn" (digits, from ``load_digits("train")``) or "stop_sign_cnn" (day
            stop signs, from ``load_stop_signs("train")``).
        eps: the L∞ radius trained at, >= 0 (None: the recipe's, 0.2 for the digits and 0.1 for stop signs).
        attack: "pgd" (the recipe's steps) or "fgsm" (fast adversarial training: random start, alpha = 1.25 eps).
        seed: the weights' initialisation, the batch order and the random starts.

    Example:
        >>> from course_lib.adversarial.data import load_stop_signs
        >>> x, y = load_stop_signs("test")
        >>> standard, robust = robust_classifier("stop_sign_cnn", eps=0), robust_classifier("stop_sign_cnn")
        >>> robust_accuracy(robust, x[:200], y[:200], eps=0.1) > robust_accuracy(standard, x[:200], y[:200], eps=0.1) + 0.3
        True

    Introduced in notebooks/08_adversarial_training.
    """
    if kind not in ROBUST_RECIPES:
        raise ValueError(f"`kind` must be one of {', '.join(map(repr, ROBUST_RECIPES))} (got {kind!r})")
    eps = ROBUST_RECIPES[kind].eps if eps is None else eps
    check_nonnegative("eps", eps, "0.1")
    if attack not in ATTACKS:
        raise ValueError(f"`attack` must be 'pgd' or 'fgsm' (got {attack!r})")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"`seed` must be a non-negative int such as 0 (got {seed!r})")
    return copy.deepcopy(_robust_once(kind, float(eps), attack, seed))


@functools.cache
def _robust_once(kind: str, eps: float, attack: str, seed: int) -> nn.Module:
    """The shipped weights when their fingerprint matches the recipe's, else a training run."""
    state_dict = weights.load(weights.robust_key(kind, eps, attack, seed), _robust_recipe_fingerprint(kind, eps, attack, seed))
    if state_dict is None:
        return _train_by_robust_recipe(kind, eps, attack, seed)
    model = _build_seeded(ROBUST_RECIPES[kind].build, seed)
    model.load_state_dict(state_dict)  # copies into the model's own tensors: channels-last weights stay channels-last
    return model.eval()


def _robust_recipe_fingerprint(kind: str, eps: float, attack: str, seed: int) -> dict:
    """Everything ``_train_by_robust_recipe``'s weights depend on, but the code (``weights.FORMAT`` stands for it)."""
    recipe = ROBUST_RECIPES[kind]
    return {
        "format": weights.FORMAT,
        "function": "robust_classifier",
        "kind": kind,
        "architecture": weights.architecture(_build_seeded(recipe.build, seed)),
        "data": _data_fingerprint(recipe.data),
        "eps": eps,
        "attack": attack,
        "steps": recipe.steps if attack == "pgd" else 1,
        "num_epochs": recipe.num_epochs,
        "lr": recipe.lr,
        "batch_size": recipe.batch_size,
        "warmup_epochs": recipe.warmup_epochs,
        "seed": seed,
    }


def _data_fingerprint(data: Callable[[], tuple[Tensor, Tensor]]) -> dict:
    """The split a recipe trains on, its size and seed, without loading it (drawing the stop signs takes 0.2 s)."""
    if isinstance(data, functools.partial) and data.func is load_digits and len(data.args) == 1 and not data.keywords:
        (split,) = data.args
        return {"source": "load_digits", "split": split, "size": len(_split_indices()[split]), "split_seed": SPLIT_SEED, "test_fraction": TEST_FRACTION}
    if isinstance(data, functools.partial) and data.func is load_stop_signs and len(data.args) == 1 and set(data.keywords) <= {"night"}:
        (split,), night = data.args, data.keywords.get("night", False)
        size, seed = STOP_SIGN_SPLITS[split]
        return {"source": "load_stop_signs", "split": split, "night": night, "size": size, "seed": seed}
    return {"source": repr(data)}  # another source: no shipped file can match it (the repr holds an address), so the model trains


def _train_by_robust_recipe(kind: str, eps: float, attack: str, seed: int) -> nn.Module:
    """Train a classifier of one kind adversarially by its recipe, from scratch: the weights ``weights.py`` ships."""
    recipe = ROBUST_RECIPES[kind]
    model = _build_seeded(recipe.build, seed)  # for the digits, the same weights as models.build_classifier(kind, seed)
    x, y = recipe.data()
    steps = recipe.steps if attack == "pgd" else None
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the course's count, as in models.trained_classifier: the same weights everywhere, and faster
    try:
        adversarial_training(
            model, x, y, eps, steps=steps, num_epochs=recipe.num_epochs, lr=recipe.lr, batch_size=recipe.batch_size,
            generator=torch.Generator().manual_seed(seed), attack=attack, warmup_epochs=recipe.warmup_epochs, eval_size=0, track_accuracy=False, progress=False,
        )  # fmt: skip
    finally:
        torch.set_num_threads(threads)
    return model


def _build_seeded(build: Callable[[], nn.Module], seed: int) -> nn.Module:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build()


# ----------------------------------------------------------------------------- checks


def _attack_settings(attack: str, eps: float, alpha: float | None, steps: int | None, random_start: bool, training: bool) -> tuple[int, float]:
    """Check an attack's settings and fill in the defaults; returns (steps, alpha)."""
    if attack not in ATTACKS:
        raise ValueError(f"`attack` must be 'pgd' or 'fgsm' (got {attack!r})")
    if not isinstance(random_start, bool):
        raise ValueError(f"`random_start` must be True or False (got {random_start!r})")
    if alpha is not None:
        check_positive("alpha", alpha, "2.5 * eps / steps")
    if attack == "fgsm":
        if steps not in (None, 1):
            raise ValueError(f"FGSM takes a single step (got steps={steps!r}); leave `steps` unset, or pass attack='pgd' for an iterative attack")
        if not training and (alpha is not None or random_start):
            raise ValueError("FGSM takes one step of size eps from x: leave `alpha` and `random_start` unset, or pass attack='pgd'")
        return 1, (alpha if alpha is not None else (1.25 * eps if random_start else eps))  # Wong et al. (2020): 1.25 eps after a random start
    steps = (PGD_TRAINING_STEPS if training else PGD_EVALUATION_STEPS) if steps is None else steps
    check_count("steps", steps, "10")
    return steps, (alpha if alpha is not None else pgd_step_size(eps, steps))


def _radii(eps_values: Sequence[float]) -> list[float]:
    """A list, a tuple, a numpy array or a 1-d tensor of radii, as a list of floats."""
    message = f"`eps_values` must be a non-empty list of radii, such as [0.0, 0.05, 0.1] or np.linspace(0, 0.3, 7) (got {eps_values!r})"
    if isinstance(eps_values, (str, bytes)):
        raise ValueError(message)
    try:
        radii = [float(eps) for eps in eps_values]
    except (TypeError, ValueError):
        raise ValueError(message) from None
    if not radii:
        raise ValueError(message)
    return radii


def _check_evaluation(model: nn.Module, x: Tensor, y: Tensor, norm: str | float, generator: torch.Generator | None) -> float:
    """The checks ``robust_accuracy`` and its curve share; returns the norm's order p."""
    check_model(model)
    check_labelled_batch(x, y)
    check_clip(BOX, x)
    _check_generator(generator)
    return norm_order(norm)


def _check_generator(generator: torch.Generator | None) -> None:
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"`generator` must be a torch.Generator, such as torch.Generator().manual_seed(0) (got {type(generator).__name__})")
