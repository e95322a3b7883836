"""Plain data across the sandbox wall: JSON, with arrays as ``.npy`` bytes loaded without pickle.

The grader sends the sandbox the inputs of each function call (:func:`encode_value`: tensors,
arrays, numbers, strings, containers, ``torch.nn.Sequential`` models of standard layers,
rebuilt from their settings and weights, never from code, and black boxes around them), and the
sandbox sends back what it read from the student's notebook as :class:`Plain` answers
(:func:`encode_plain`). Both directions are JSON documents. Arrays travel as base64 ``.npy``
bytes and are read with ``np.load(..., allow_pickle=False)``, so no object from a submission is
ever unpickled. :func:`decode_plain` trusts nothing: any shape of data it does not expect raises
:class:`WireError`, which the grader reports as a malformed run.

Example:
    >>> import torch
    >>> from course_lib.grading.answers import to_plain
    >>> decode_plain(encode_plain(to_plain(torch.ones(2)))).describe()
    'a torch.Tensor of shape (2,) and dtype torch.float32'
    >>> decode_value(encode_value((torch.arange(3), 2.5, "x")))
    (tensor([0, 1, 2]), 2.5, 'x')
"""

from __future__ import annotations

import base64
import io
import math
from typing import Any

import numpy as np
import torch

from course_lib.grading.checks import PLAIN_KINDS, Plain

MAX_DEPTH = 8  # nested answers in the course are two or three levels deep
MAX_ITEMS = 1000  # items in one sequence or mapping
MAX_STRING = 10_000  # characters in one string
MAX_ARRAY_BYTES = 64 << 20  # one array; the course's largest inputs are a few kilobytes


class WireError(ValueError):
    """Data that does not have the agreed shape: the sandbox's answer is not trusted."""


# ---- arrays ---------------------------------------------------------------------------------


def _array_to_text(array: np.ndarray) -> str:
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array), allow_pickle=False)  # asarray keeps 0-d arrays 0-d
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _array_from_text(text: object) -> np.ndarray:
    if not isinstance(text, str) or len(text) > MAX_ARRAY_BYTES * 4 // 3 + 1024:
        raise WireError("an array is missing or too large")
    try:
        array = np.load(io.BytesIO(base64.b64decode(text, validate=True)), allow_pickle=False)
    except (ValueError, OSError, EOFError) as error:
        raise WireError(f"an array could not be read ({error})") from None
    if not isinstance(array, np.ndarray) or array.dtype.hasobject or array.dtype.fields:
        raise WireError("an array has an object or structured dtype")
    return array


# ---- values: the inputs the grader sends ----------------------------------------------------


def encode_value(value: Any, depth: int = 0) -> Any:
    """Inputs of a function call as JSON: tensors keep their dtype, tuples stay tuples."""
    if depth > MAX_DEPTH:
        raise WireError("inputs are nested too deeply")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)):
        return value if math.isfinite(value) or isinstance(value, int) else {"float": repr(value)}
    if isinstance(value, torch.Tensor):
        return {"tensor": _array_to_text(value.detach().cpu().numpy()), "dtype": str(value.dtype)}
    if isinstance(value, np.ndarray):
        return {"ndarray": _array_to_text(value)}
    if isinstance(value, (np.integer, np.floating)):
        return encode_value(value.item(), depth)
    if isinstance(value, (tuple, list)):
        return {type(value).__name__: [encode_value(item, depth + 1) for item in value]}
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        return {"dict": {key: encode_value(item, depth + 1) for key, item in value.items()}}
    if type(value) is torch.nn.Sequential:
        return {"sequential": [_encode_layer(layer) for layer in value], "training": value.training}
    if type(value).__name__ == "BlackBox" and type(value).__module__ == "course_lib.adversarial.attacks":
        return {"black_box": encode_value(value._model, depth + 1)}
    raise WireError(
        f"cannot send a {type(value).__name__} to the sandbox: use tensors, arrays, numbers, strings, lists, tuples, dicts "
        f"and torch.nn.Sequential models of standard layers"
    )


def decode_value(data: Any, depth: int = 0) -> Any:
    """The inverse of :func:`encode_value` (run inside the sandbox)."""
    if depth > MAX_DEPTH:
        raise WireError("inputs are nested too deeply")
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if not isinstance(data, dict) or len(data) not in (1, 2):
        raise WireError("unknown input encoding")
    if "float" in data:
        return float(data["float"])
    if "tensor" in data:
        tensor = torch.from_numpy(_array_from_text(data["tensor"]))
        return tensor.to(getattr(torch, str(data.get("dtype", "")).removeprefix("torch."), tensor.dtype))
    if "ndarray" in data:
        return _array_from_text(data["ndarray"])
    if "tuple" in data or "list" in data:
        items = [decode_value(item, depth + 1) for item in data.get("tuple", data.get("list"))]
        return tuple(items) if "tuple" in data else items
    if "dict" in data and isinstance(data["dict"], dict):
        return {str(key): decode_value(item, depth + 1) for key, item in data["dict"].items()}
    if "black_box" in data:
        from course_lib.adversarial.attacks import BlackBox

        return BlackBox(decode_value(data["black_box"], depth + 1))
    if "sequential" in data and isinstance(data["sequential"], list):
        model = torch.nn.Sequential(*[_decode_layer(layer) for layer in data["sequential"]])
        return model.train(bool(data.get("training")))
    raise WireError("unknown input encoding")


# ---- models: a torch.nn.Sequential of standard layers, rebuilt from its settings and weights ----

# Each layer type that can cross, with the attributes that rebuild it (its constructor's arguments).
LAYERS = {
    "Linear": ("in_features", "out_features"),
    "Conv2d": ("in_channels", "out_channels", "kernel_size", "stride", "padding"),
    "ReLU": (),
    "Tanh": (),
    "Sigmoid": (),
    "LeakyReLU": ("negative_slope",),
    "ELU": ("alpha",),
    "Softplus": ("beta",),
    "Flatten": ("start_dim", "end_dim"),
    "Dropout": ("p",),
    "MaxPool2d": ("kernel_size", "stride"),
    "AvgPool2d": ("kernel_size", "stride"),
    "Identity": (),
}


def _encode_layer(layer: torch.nn.Module) -> dict:
    name = type(layer).__name__
    if type(layer) is not getattr(torch.nn, name, None) or name not in LAYERS:
        raise WireError(f"cannot send a {name} layer to the sandbox: use {', '.join(LAYERS)}")
    settings = {key: getattr(layer, key) for key in LAYERS[name]}
    if name in ("Linear", "Conv2d"):
        settings["bias"] = layer.bias is not None
    state = {key: encode_value(tensor.detach().clone()) for key, tensor in layer.state_dict().items()}
    return {"layer": name, "settings": settings, "state": state}


def _decode_layer(data: object) -> torch.nn.Module:
    if not isinstance(data, dict) or data.get("layer") not in LAYERS or not isinstance(data.get("settings"), dict):
        raise WireError("a model layer has an unknown type")
    name, settings = data["layer"], data["settings"]
    allowed = set(LAYERS[name]) | ({"bias"} if name in ("Linear", "Conv2d") else set())
    if set(settings) - allowed:
        raise WireError(f"a {name} layer has unknown settings")
    settings = {key: tuple(value) if isinstance(value, list) else value for key, value in settings.items()}
    layer = getattr(torch.nn, name)(**settings)
    state = {key: decode_value(value) for key, value in dict(data.get("state") or {}).items()}
    if any(not isinstance(tensor, torch.Tensor) for tensor in state.values()):
        raise WireError(f"a {name} layer's weights are not tensors")
    dtypes = {tensor.dtype for tensor in state.values() if tensor.is_floating_point()}
    if len(dtypes) == 1:  # a float64 model stays float64
        layer = layer.to(dtypes.pop())
    layer.load_state_dict(state)
    return layer


# ---- answers: the Plain data the sandbox sends back -----------------------------------------


def encode_plain(plain: Plain) -> dict:
    """A :class:`Plain` answer as JSON (the sandbox side)."""
    value = plain.value
    if isinstance(value, np.ndarray):
        value = {"npy": _array_to_text(value)}
    elif isinstance(value, float) and not math.isfinite(value):
        value = {"float": repr(value)}
    elif isinstance(value, tuple):
        value = {"keys": list(value)}
    return {"kind": plain.kind, "type": plain.type_name, "value": value, "dtype": plain.dtype, "items": [encode_plain(item) for item in plain.items]}


def decode_plain(data: Any, depth: int = 0) -> Plain:
    """Rebuild a :class:`Plain` from untrusted JSON, checking every field (the grader's side).

    Raises:
        WireError: for anything but the exact shape :func:`encode_plain` writes.
    """
    if depth > MAX_DEPTH or not isinstance(data, dict) or set(data) != {"kind", "type", "value", "dtype", "items"}:
        raise WireError("an answer does not have the agreed fields")
    kind, type_name, dtype, items = data["kind"], data["type"], data["dtype"], data["items"]
    if kind not in PLAIN_KINDS or not isinstance(type_name, str) or len(type_name) > 200:
        raise WireError("an answer has an unknown kind or type name")
    if not (dtype is None or (isinstance(dtype, str) and len(dtype) < 40)):
        raise WireError("an answer has a malformed dtype")
    if not isinstance(items, list) or len(items) > MAX_ITEMS:
        raise WireError("an answer has malformed items")
    value = _decode_plain_value(data["value"])
    if kind in ("tensor", "ndarray") and not isinstance(value, np.ndarray):
        raise WireError(f"a {kind} answer carries no array")
    if kind == "number" and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise WireError("a number answer carries no number")
    return Plain(kind, type_name, value, dtype, tuple(decode_plain(item, depth + 1) for item in items))


def _decode_plain_value(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return value[:MAX_STRING]
    if isinstance(value, dict) and set(value) == {"npy"}:
        return _array_from_text(value["npy"])
    if isinstance(value, dict) and set(value) == {"float"} and value["float"] in ("inf", "-inf", "nan"):
        return float(value["float"])
    if isinstance(value, dict) and set(value) == {"keys"} and isinstance(value["keys"], list) and len(value["keys"]) <= MAX_ITEMS:
        if all(isinstance(key, (str, int)) and not isinstance(key, bool) for key in value["keys"]):
            return tuple(value["keys"])
    raise WireError("an answer carries a value of an unknown form")
