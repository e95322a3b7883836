"""Small digit classifiers, the loop that trains them, and their accuracy.

Three models read (B, 1, 8, 8) images and return (B, 10) logits:

- ``"mlp"``: flatten, one hidden ReLU layer;
- ``"cnn"``: two 3×3 convolutions and a max-pool, then a linear read-out;
- ``"dropout_mlp"``: the MLP with dropout after its hidden layer. In training mode it is random,
  so an attack that forgets eval mode gives another answer at every call (``evaluation_mode``).

On one CPU thread the MLP trains in 0.4 s, the dropout MLP in 0.5 s and the CNN in 1.6 s, to
96.4%, 96.9% and 98.1% test accuracy (``tests/test_adversarial_models.py`` holds the bars).
Training is deterministic: the same seed gives the same weights, bit for bit. So the course ships
the weights ``trained_classifier`` would train (``weights.py``: a few kilobytes each, loaded in
milliseconds); it trains only a model whose weights are not shipped, once per (kind, data, seed)
and process, and hands out copies.

Introduced in notebooks/06_fgsm.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from course_lib.adversarial import weights
from course_lib.adversarial._checks import check_count, check_labelled_batch, check_model, check_positive
from course_lib.adversarial.data import IMAGE_SHAPE, NUM_CLASSES, SPLIT_SEED, SPLITS, TEST_FRACTION, _split_indices, load_digits
from course_lib.optim import Adam

Tensor = torch.Tensor

NUM_PIXELS = math.prod(IMAGE_SHAPE)  # 64


def mlp_classifier(hidden: int = 128, dropout: float = 0.0) -> nn.Sequential:
    """An MLP for (B, 1, 8, 8) images: flatten, Linear(64, hidden), ReLU, [Dropout], Linear(hidden, 10).

    Example:
        >>> mlp_classifier(hidden=32, dropout=0.5)
        Sequential(
          (0): Flatten(start_dim=1, end_dim=-1)
          (1): Linear(in_features=64, out_features=32, bias=True)
          (2): ReLU()
          (3): Dropout(p=0.5, inplace=False)
          (4): Linear(in_features=32, out_features=10, bias=True)
        )

    Introduced in notebooks/06_fgsm.
    """
    dropout_layer = [nn.Dropout(dropout)] if dropout > 0 else []
    return nn.Sequential(
        nn.Flatten(),  # (B, 64)
        nn.Linear(NUM_PIXELS, hidden),  # (B, hidden)
        nn.ReLU(),
        *dropout_layer,
        nn.Linear(hidden, NUM_CLASSES),  # (B, 10)
    )


def cnn_classifier(channels: tuple[int, int] = (8, 16)) -> nn.Sequential:
    """A small CNN for (B, 1, 8, 8) images: two 3×3 convolutions with ReLU, a 2×2 max-pool, a linear read-out.

    The first convolution keeps the 8×8 grid (padding 1), the second trims it to 6×6, and the
    pool halves it to 3×3: small enough to train in a second or two on one CPU thread.

    Example:
        >>> cnn_classifier()(torch.zeros(5, 1, 8, 8)).shape
        torch.Size([5, 10])

    Introduced in notebooks/06_fgsm.
    """
    c1, c2 = channels
    return nn.Sequential(
        nn.Conv2d(1, c1, 3, padding=1),  # (B, c1, 8, 8)
        nn.ReLU(),
        nn.Conv2d(c1, c2, 3),  # (B, c2, 6, 6)
        nn.ReLU(),
        nn.MaxPool2d(2),  # (B, c2, 3, 3)
        nn.Flatten(),  # (B, 9 c2)
        nn.Linear(9 * c2, NUM_CLASSES),  # (B, 10)
    )


@dataclass(frozen=True)
class Recipe:
    """How to build and train one kind of classifier: about a second on one CPU thread, to 96–98% test accuracy."""

    build: Callable[[], nn.Module]
    num_epochs: int = 20  # 460 Adam steps: the test accuracy has levelled off by 15 epochs
    lr: float = 1e-2  # large for Adam, but the models are small and training is short
    batch_size: int = 64  # 23 steps an epoch on 1438 images


RECIPES = {
    "mlp": Recipe(mlp_classifier),
    "cnn": Recipe(cnn_classifier),
    # p = 0.5, Srivastava et al.'s rate for hidden layers; the masks make gradients noisy, so smaller, more steps
    "dropout_mlp": Recipe(functools.partial(mlp_classifier, dropout=0.5), num_epochs=30, lr=3e-3),
}


def build_classifier(kind: str = "mlp", seed: int = 0) -> nn.Module:
    """A fresh, untrained classifier of one kind, its weights drawn from ``seed``.

    torch's global random state is left as it was: the weights come from a forked, seeded copy of it.

    Args:
        kind: "mlp", "cnn" or "dropout_mlp".
        seed: a non-negative int.

    Example:
        >>> a, b = build_classifier("cnn", seed=1), build_classifier("cnn", seed=1)
        >>> all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
        True

    Introduced in notebooks/06_fgsm.
    """
    _check_kind_and_seed(kind, seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return RECIPES[kind].build()


@contextlib.contextmanager
def evaluation_mode(model: nn.Module) -> Iterator[nn.Module]:
    """Run a block with ``model`` in eval mode, then give every submodule back its own flag, even after an error.

    Eval mode turns dropout off (and makes batch norm use its running statistics), so the model
    becomes a fixed function of its input: the function an attacker attacks.

    Example:
        >>> model = mlp_classifier(dropout=0.5).train()
        >>> with evaluation_mode(model):
        ...     model.training
        False
        >>> model.training
        True

    Introduced in notebooks/06_fgsm.
    """
    flags = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        yield model
    finally:
        for module, training in flags:
            module.training = training  # per module: a model may mix train and eval submodules


def accuracy(model: nn.Module, x: Tensor, y: Tensor) -> float:
    """The fraction of inputs whose largest logit is at the true label, with the model in eval mode.

    Args:
        model: maps (B, 1, 8, 8) to (B, 10) logits.
        x: (B, 1, 8, 8) float images.
        y: (B,) int64 labels.

    Returns:
        A float in [0, 1]. The model's train/eval flag is left as it was.

    Example:
        >>> x, y = load_digits("test")
        >>> 0.0 <= accuracy(mlp_classifier(), x, y) <= 0.3  # untrained: about chance, 1 in 10
        True

    Introduced in notebooks/06_fgsm.
    """
    check_model(model)
    check_labelled_batch(x, y)
    return _accuracy(model, x, y)


@torch.no_grad()
def _accuracy(model: nn.Module, x: Tensor, y: Tensor) -> float:
    with evaluation_mode(model):
        return (model(x).argmax(dim=1) == y).float().mean().item()


@dataclass
class TrainingHistory:
    """What a classifier's training produced, epoch by epoch."""

    loss: list[float] = field(default_factory=list)  # mean cross-entropy over each epoch's batches
    accuracy: list[float] = field(default_factory=list)  # training accuracy after each epoch (eval mode)

    def __repr__(self) -> str:
        if not self.loss:
            return "TrainingHistory(0 epochs)"
        return f"TrainingHistory({len(self.loss)} epochs, final loss {self.loss[-1]:.4f}, train accuracy {self.accuracy[-1]:.1%})"


def train_classifier(
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    num_epochs: int = Recipe.num_epochs,
    lr: float = Recipe.lr,
    batch_size: int = Recipe.batch_size,
    generator: torch.Generator | None = None,
    progress: bool = True,
) -> TrainingHistory:
    r"""Train ``model`` in place by minibatch Adam on the mean cross-entropy :math:`\frac1B\sum_i -\log p_\theta(y_i \mid x_i)`.

    Every epoch visits the images once, in an order drawn from ``generator``. Dropout draws its
    masks from torch's global generator, so training seeds a forked copy of it from ``generator``:
    the same generator seed gives the same weights, and the caller's global random state is untouched.

    Args:
        model: maps (B, 1, 8, 8) float images to (B, 10) logits.
        x: (N, 1, 8, 8) float images; y: (N,) int64 labels.
        num_epochs, lr, batch_size: passes over the data, Adam's step size, images per step.
        generator: all the run's randomness (seed 0 when None).
        progress: show a progress bar over epochs (it disappears when done).

    Returns:
        A ``TrainingHistory``: loss and training accuracy per epoch. The model is left in eval mode.

    Example:
        >>> x, y = load_digits("train")
        >>> model = build_classifier("mlp")
        >>> train_classifier(model, x, y, num_epochs=2, progress=False)
        TrainingHistory(2 epochs, final loss ..., train accuracy ...%)

    Introduced in notebooks/06_fgsm.
    """
    check_model(model)
    check_labelled_batch(x, y)
    check_count("num_epochs", num_epochs, "20")
    check_count("batch_size", batch_size, "64")
    check_positive("lr", lr, "1e-2")
    generator = generator if generator is not None else torch.Generator().manual_seed(0)
    optimizer = Adam(model.parameters(), lr=lr)
    history = TrainingHistory()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(torch.randint(2**62, (), generator=generator)))  # dropout's masks, from our generator
        for epoch in tqdm(range(1, num_epochs + 1), desc="epochs", leave=False, disable=not progress):
            model.train()
            losses = [_training_step(model, optimizer, x[batch], y[batch]) for batch in torch.randperm(len(x), generator=generator).split(batch_size)]
            if not all(math.isfinite(loss) for loss in losses):
                raise FloatingPointError(f"training diverged in epoch {epoch} (a loss is NaN or inf); lower `lr`")
            history.loss.append(sum(losses) / len(losses))
            history.accuracy.append(_accuracy(model, x, y))
    model.eval()
    return history


def _training_step(model: nn.Module, optimizer: Adam, x: Tensor, y: Tensor) -> float:
    loss = F.cross_entropy(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


def trained_classifier(kind: str = "mlp", data: str = "train", seed: int = 0) -> nn.Module:
    """A classifier of one kind, trained with its recipe on one split of the digits, in eval mode.

    Training happens on one thread whatever torch's setting, so the weights are the same on every
    machine; the course ships them for the models its notebooks use (``weights.py``, seed 0), and
    loads them instead of training (``tests/test_adversarial_weights.py`` retrains and checks they
    are equal bit for bit). Any other model trains once per (kind, data, seed) and process. Every
    call returns a fresh copy, so changing one copy (training it further, say) changes no other.

    Args:
        kind: "mlp", "cnn" or "dropout_mlp" (see ``RECIPES``).
        data: the split to train on: "train", or "train_a" / "train_b" (disjoint halves), for a
            surrogate trained on other data than its target.
        seed: the weights' initialisation and the training order.

    Example:
        >>> model = trained_classifier("mlp")
        >>> accuracy(model, *load_digits("test")) > 0.95
        True

    Introduced in notebooks/06_fgsm.
    """
    _check_kind_and_seed(kind, seed)
    if data not in SPLITS or data == "test":
        raise ValueError(f"`data` must be 'train', 'train_a' or 'train_b' (got {data!r}); never train on the test split")
    return copy.deepcopy(_trained_once(kind, data, seed))


@functools.cache
def _trained_once(kind: str, data: str, seed: int) -> nn.Module:
    """The shipped weights when their fingerprint matches the recipe's, else a training run."""
    state_dict = weights.load(weights.classifier_key(kind, data, seed), _recipe_fingerprint(kind, data, seed))
    if state_dict is None:
        return _train_by_recipe(kind, data, seed)
    model = build_classifier(kind, seed)
    model.load_state_dict(state_dict)
    return model.eval()


def _recipe_fingerprint(kind: str, data: str, seed: int) -> dict:
    """Everything ``_train_by_recipe(kind, data, seed)``'s weights depend on, but the code (``weights.FORMAT`` stands for it)."""
    recipe = RECIPES[kind]
    return {
        "format": weights.FORMAT,
        "function": "trained_classifier",
        "kind": kind,
        "architecture": weights.architecture(build_classifier(kind, seed)),
        "data": {"split": data, "size": len(_split_indices()[data]), "split_seed": SPLIT_SEED, "test_fraction": TEST_FRACTION},
        "num_epochs": recipe.num_epochs,
        "lr": recipe.lr,
        "batch_size": recipe.batch_size,
        "seed": seed,
    }


def _train_by_recipe(kind: str, data: str, seed: int) -> nn.Module:
    """Train a classifier of one kind by its recipe, from scratch: the weights ``weights.py`` ships."""
    recipe, model = RECIPES[kind], build_classifier(kind, seed)
    x, y = load_digits(data)
    rng = torch.Generator().manual_seed(seed)
    # One thread, the course's count (course_lib.runtime), whatever the caller set: with two, the CNN's
    # weights differ in the last bits (its convolutions split their sums by thread), and on a busy
    # 2-core machine training runs ten times slower.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        train_classifier(model, x, y, recipe.num_epochs, recipe.lr, recipe.batch_size, generator=rng, progress=False)
    finally:
        torch.set_num_threads(threads)
    return model


def _check_kind_and_seed(kind: str, seed: int) -> None:
    if kind not in RECIPES:
        raise ValueError(f"`kind` must be one of {', '.join(map(repr, RECIPES))} (got {kind!r})")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"`seed` must be a non-negative int such as 0 (got {seed!r})")
