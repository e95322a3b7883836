"""Shipped weights of the library's trained classifiers: checkpoints of a few kilobytes, loaded in milliseconds instead of trained in seconds.

``trained_classifier`` and ``robust_classifier`` train by deterministic recipes (one thread,
seeded), so the weights they would train are known in advance. The course ships them, one file per
model in ``course_lib/adversarial/checkpoints/`` (``mlp-train-seed0.pt``,
``robust-stop_sign_cnn-eps0.1-pgd-seed0.pt``, ...), and the library loads a file when its
*fingerprint* matches what the current code would train:

- the recipe (epochs, lr, batch size; for robust models eps, attack, PGD steps and warm-up),
- the training data (split, size, seed) and the model's initialisation seed,
- the architecture (the model's printout and its parameter shapes),
- ``FORMAT``, a version number to bump whenever the training code changes in a way the recipe does not show.

A missing file or a fingerprint that differs gives ``None``, and the library trains as it always
did: shipped weights save time and change no result. ``tests/test_adversarial_weights.py`` retrains
models from scratch and checks the shipped weights equal them bit for bit.

Regenerate every file (training forced, the shipped files ignored), after a change to a recipe or
to the training code::

    python -m course_lib.adversarial.weights

Introduced in notebooks/06_fgsm (the classifiers) and notebooks/08_adversarial_training (the robust ones).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import torch
from torch import nn

Tensor = torch.Tensor

FORMAT = 1  # bump when training changes in a way the fingerprint cannot see (the loop, Adam, PGD, the data's pixels)
CHECKPOINTS = Path(__file__).parent / "checkpoints"  # shipped as package data (pyproject.toml, [tool.setuptools.package-data])

# Every model the notebooks, problem sets and tests ask for: (kind, data, seed) and (kind, eps, attack, seed).
SHIPPED_CLASSIFIERS = [(kind, data, 0) for kind in ("mlp", "cnn", "dropout_mlp") for data in ("train", "train_a", "train_b")]
SHIPPED_ROBUST = [("mlp", 0.0, "pgd", 0), ("mlp", 0.2, "pgd", 0), ("mlp", 0.2, "fgsm", 0), ("stop_sign_cnn", 0.0, "pgd", 0), ("stop_sign_cnn", 0.1, "pgd", 0)]


def classifier_key(kind: str, data: str, seed: int) -> str:
    """The file name, without ``.pt``, of ``trained_classifier(kind, data, seed)``'s weights.

    Example:
        >>> classifier_key("mlp", "train", 0)
        'mlp-train-seed0'
    """
    return f"{kind}-{data}-seed{seed}"


def robust_key(kind: str, eps: float, attack: str, seed: int) -> str:
    """The file name, without ``.pt``, of ``robust_classifier(kind, eps, attack, seed)``'s weights.

    Example:
        >>> robust_key("stop_sign_cnn", 0.1, "pgd", 0), robust_key("mlp", 0, "fgsm", 0)
        ('robust-stop_sign_cnn-eps0.1-pgd-seed0', 'robust-mlp-eps0.0-fgsm-seed0')
    """
    return f"robust-{kind}-eps{float(eps)!r}-{attack}-seed{seed}"  # repr: the float exactly, so two radii never share a file


def architecture(model: nn.Module) -> dict[str, Any]:
    """What a fingerprint records of a model: its printout (layers, sizes, dropout rate) and its parameter shapes.

    Example:
        >>> architecture(nn.Linear(3, 2))["shapes"]
        {'weight': [2, 3], 'bias': [2]}
    """
    return {"layers": repr(model), "shapes": {name: list(tensor.shape) for name, tensor in model.state_dict().items()}}


def load(key: str, fingerprint: dict[str, Any]) -> dict[str, Tensor] | None:
    """The shipped state_dict of ``key`` if its file exists and was made with this ``fingerprint``, else None.

    Loaded with ``torch.load(..., weights_only=True)``: tensors and plain values only, no pickled code.

    Args:
        key: a file name without ``.pt``, from ``classifier_key`` or ``robust_key``.
        fingerprint: a dict of JSON values (str, int, float, bool, lists, dicts) describing how the weights are made.

    Returns:
        A dict of float32 tensors for ``model.load_state_dict``, or None (then train the model).

    Example:
        >>> load("no-such-model", {"format": FORMAT}) is None
        True
    """
    path = CHECKPOINTS / f"{key}.pt"
    if not path.is_file():
        return None
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # a truncated or foreign file: train instead (the regenerating script rewrites it)
        return None
    if not isinstance(checkpoint, dict) or checkpoint.get("fingerprint") != _normalised(fingerprint):
        return None
    return checkpoint["state_dict"]


def save(key: str, state_dict: dict[str, Tensor], fingerprint: dict[str, Any]) -> Path:
    """Write ``state_dict`` (float32 tensors) and ``fingerprint`` to ``CHECKPOINTS / f"{key}.pt"``; returns the path."""
    if not all(tensor.dtype == torch.float32 for tensor in state_dict.values()):
        raise ValueError(f"shipped weights must be float32 (got {sorted({str(t.dtype) for t in state_dict.values()})}); train the model in float32")
    CHECKPOINTS.mkdir(parents=True, exist_ok=True)
    path = CHECKPOINTS / f"{key}.pt"
    state_dict = {name: tensor.detach().contiguous().clone() for name, tensor in state_dict.items()}  # own, plain storage: the smallest file
    torch.save({"fingerprint": _normalised(fingerprint), "state_dict": state_dict}, path)
    return path


def _normalised(fingerprint: dict[str, Any]) -> dict[str, Any]:
    """The fingerprint as JSON would give it back (tuples become lists): the form stored and compared."""
    return json.loads(json.dumps(fingerprint, sort_keys=True))


def regenerate() -> list[Path]:
    """Train every shipped model from scratch (shipped files ignored) and write its checkpoint; returns the paths written.

    About 15 s on an idle machine (a minute on a busy one). Run it after changing a recipe or the training code (and bump ``FORMAT`` for the latter).
    """
    from course_lib.adversarial import defenses, models

    paths = []
    for kind, data, seed in SHIPPED_CLASSIFIERS:
        model = models._train_by_recipe(kind, data, seed)
        paths.append(save(classifier_key(kind, data, seed), model.state_dict(), models._recipe_fingerprint(kind, data, seed)))
    for kind, eps, attack, seed in SHIPPED_ROBUST:
        model = defenses._train_by_robust_recipe(kind, eps, attack, seed)
        paths.append(save(robust_key(kind, eps, attack, seed), model.state_dict(), defenses._robust_recipe_fingerprint(kind, eps, attack, seed)))
    return paths


def main() -> int:
    start = time.perf_counter()
    paths = regenerate()
    for path in paths:
        print(f"{path.stat().st_size / 1024:6.1f} KB  {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    total = sum(path.stat().st_size for path in paths)
    print(f"{len(paths)} checkpoints, {total / 1024:.0f} KB in all, trained in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
