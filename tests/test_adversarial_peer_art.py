"""Peer comparison: our FGSM and PGD against the Adversarial Robustness Toolbox (ART 1.20.1).

ART is set up to compute what ours computes: ``PyTorchClassifier`` with the same model, the same
loss (``nn.CrossEntropyLoss()``, the mean over the batch), ``clip_values=(0, 1)`` and integer
labels (ART one-hot encodes them and reduces them back with argmax). What we found:

- ART takes the loss over batches of ``batch_size`` (32 by default), so its gradient of the mean
  is scaled by 1/32 instead of 1/B. We pass ``batch_size=len(x)``: one batch, the same gradient.
  (For L∞ the sign does not care, and on these models the default batch gives the same bits too.)
- ART clips each step to ``clip_values`` *before* projecting onto the eps-ball; so do we. For L∞
  the order does not matter; for L2 it does (clipping first spends the budget only on pixels that
  can move), and projecting first differed from ART by up to 0.2 per pixel.
- ART projects in float64 (its eps is a Python float) and casts back to float32; we clamp in
  float32. For L∞ both round to the same float32 numbers: bit for bit.
- ART's L2 norms come from NumPy's float32 sum (FGSM) or ``torch.linalg.norm`` (PGD); ours from
  ``torch.linalg.vector_norm``. They differ in the last bits, so L2 agrees to round-off only.
- ART's ``loss_gradient`` leaves the model in eval mode (it calls ``model.train(False)`` and never
  restores the flag), so every comparison hands ART a copy of the model.
"""

import copy

import numpy as np
import pytest
import torch
from art.attacks.evasion import FastGradientMethod, ProjectedGradientDescent
from art.estimators.classification import PyTorchClassifier
from torch import nn

from course_lib.adversarial.attacks import fgsm, pgd
from course_lib.adversarial.data import load_digits
from course_lib.adversarial.models import trained_classifier

KINDS = ["mlp", "cnn", "dropout_mlp"]


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def data(digits_test):
    return digits_test


def art_classifier(model: nn.Module) -> PyTorchClassifier:
    return PyTorchClassifier(
        model=copy.deepcopy(model), loss=nn.CrossEntropyLoss(), input_shape=(1, 8, 8), nb_classes=10, clip_values=(0.0, 1.0)
    )


@pytest.mark.parametrize("eps", [0.05, 0.1, 0.3])
@pytest.mark.parametrize("kind", KINDS)
def test_fgsm_linf_matches_art_bitwise(kind, eps, data):
    x, y = data
    model = trained_classifier(kind)
    theirs = FastGradientMethod(art_classifier(model), norm=np.inf, eps=eps, batch_size=len(x)).generate(x.numpy(), y.numpy())
    ours = fgsm(model, x, y, eps, norm="inf")
    assert np.array_equal(ours.numpy(), theirs)


def test_fgsm_linf_matches_art_bitwise_at_arts_default_batch_size_too(data):
    # ART's default batch_size=32 scales each gradient by 1/32 rather than 1/359: the signs are the same.
    x, y = data
    model = trained_classifier("cnn")
    theirs = FastGradientMethod(art_classifier(model), norm=np.inf, eps=0.1).generate(x.numpy(), y.numpy())
    assert np.array_equal(fgsm(model, x, y, 0.1).numpy(), theirs)


@pytest.mark.parametrize("eps", [0.5, 1.0, 2.0])
@pytest.mark.parametrize("kind", KINDS)
def test_fgsm_l2_matches_art_to_round_off(kind, eps, data):
    # Tolerance 1e-6: the per-sample L2 norms are summed in another order (NumPy float32 against
    # torch), a relative difference of about 1e-7 in each step of size up to 2. Measured: at most 2.4e-7.
    x, y = data
    model = trained_classifier(kind)
    theirs = FastGradientMethod(art_classifier(model), norm=2, eps=eps, batch_size=len(x)).generate(x.numpy(), y.numpy())
    ours = fgsm(model, x, y, eps, norm="2")
    assert np.abs(ours.numpy() - theirs).max() <= 1e-6
    assert not np.array_equal(ours.numpy(), x.numpy())


@pytest.mark.parametrize("eps", [0.05, 0.1, 0.3])
@pytest.mark.parametrize("kind", KINDS)
def test_pgd_linf_without_random_start_matches_art_bitwise(kind, eps, data):
    x, y = data
    model = trained_classifier(kind)
    attack = ProjectedGradientDescent(
        art_classifier(model), norm=np.inf, eps=eps, eps_step=eps / 4, max_iter=10, num_random_init=0, batch_size=len(x), verbose=False
    )
    theirs = attack.generate(x.numpy(), y.numpy())
    ours = pgd(model, x, y, eps, alpha=eps / 4, steps=10, norm="inf")
    assert np.array_equal(ours.numpy(), theirs)


@pytest.mark.parametrize("eps", [0.5, 1.0, 2.0])
@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_pgd_l2_without_random_start_matches_art_to_round_off(kind, eps, data):
    # Ten steps, each with the 1e-7 norm round-off of FGSM above, carried through the model's gradient.
    # Measured per digit, both models and three radii: at most 2 of 359 digits beyond 2e-6, none beyond
    # 2.1e-5 (a digit whose gradient is small magnifies the round-off in its direction). Projecting
    # before clipping would miss by 0.2.
    x, y = data
    model = trained_classifier(kind)
    attack = ProjectedGradientDescent(
        art_classifier(model), norm=2, eps=eps, eps_step=eps / 4, max_iter=10, num_random_init=0, batch_size=len(x), verbose=False
    )
    theirs = attack.generate(x.numpy(), y.numpy())
    ours = pgd(model, x, y, eps, alpha=eps / 4, steps=10, norm="2")
    differences = np.abs(ours.numpy() - theirs).reshape(len(x), -1).max(axis=1)  # (359,) the largest per digit
    assert (differences <= 2e-6).mean() >= 0.98 and differences.max() <= 1e-4
