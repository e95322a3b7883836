"""Input checks for the public functions of ``course_lib.adversarial``: each says what was wrong and what to pass.

Public functions call these once, at their boundary; the maths behind them stays free of checks.
"""

from __future__ import annotations

import math

import torch
from torch import nn

Tensor = torch.Tensor


def check_model(model: nn.Module, name: str = "model") -> None:
    if not isinstance(model, nn.Module):
        raise TypeError(f"`{name}` must be a torch.nn.Module mapping (B, 1, 8, 8) images to (B, 10) logits (got {type(model).__name__})")


def check_input(x: Tensor, name: str = "x") -> None:
    """x: a (B, ...) tensor of finite floats."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"`{name}` must be a torch tensor (got {type(x).__name__}); convert it with torch.as_tensor({name}, dtype=torch.float32)")
    if x.dim() < 2:
        raise ValueError(
            f"`{name}` must have shape (B, ...), a batch (got shape {tuple(x.shape)}); for a single one pass {name}.unsqueeze(0)"
        )
    if not x.is_floating_point():
        raise ValueError(f"`{name}` must be a float tensor (got {x.dtype}); convert it with {name}.float()")
    if not torch.isfinite(x).all():
        raise ValueError(f"`{name}` contains NaN or inf; it must hold finite numbers")


def check_labelled_batch(x: Tensor, y: Tensor) -> None:
    """x: (B, ...) finite floats and y: (B,) int64 labels."""
    check_input(x)
    if not isinstance(y, torch.Tensor):
        raise TypeError(f"`y` must be a torch tensor of int64 labels (got {type(y).__name__}); convert it with torch.as_tensor(y)")
    if y.dtype != torch.int64:
        raise ValueError(f"`y` must hold int64 class labels (got {y.dtype}); convert it with y.long(), or y.argmax(1) for one-hot rows")
    if y.shape != x.shape[:1]:
        raise ValueError(
            f"`y` must have shape (B,) = ({len(x)},), one label per input of `x` (got shape {tuple(y.shape)}); "
            "for one-hot rows pass y.argmax(1)"
        )


def check_clip(clip: tuple[float, float] | None, x: Tensor) -> None:
    """clip: None, or (low, high) with low < high and every entry of x inside."""
    if clip is None:
        return
    if not (isinstance(clip, (tuple, list)) and len(clip) == 2 and all(_is_real(c) for c in clip) and clip[0] < clip[1]):
        raise ValueError(f"`clip` must be None or a pair (low, high) with low < high, such as (0.0, 1.0) (got {clip!r})")
    low, high = float(x.detach().min()), float(x.detach().max())
    if low < clip[0] or high > clip[1]:
        raise ValueError(
            f"`x` must lie inside clip={tuple(clip)} (got values from {low:.4g} to {high:.4g}); scale the inputs into "
            "that range (load_digits() gives [0, 1]), or pass the range they live in as `clip`"
        )


def check_nonnegative(name: str, value: float, example: str) -> None:
    if not (_is_real(value) and math.isfinite(value) and value >= 0):
        raise ValueError(f"`{name}` must be a finite number >= 0 such as {example} (got {value!r})")


def check_positive(name: str, value: float, example: str) -> None:
    if not (_is_real(value) and math.isfinite(value) and value > 0):
        raise ValueError(f"`{name}` must be a finite number > 0 such as {example} (got {value!r})")


def check_count(name: str, value: int, example: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"`{name}` must be an int >= 1 such as {example} (got {value!r})")


def _is_real(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
