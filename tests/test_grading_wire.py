"""What crosses the sandbox wall: plain data only, checked field by field, arrays without pickle."""

from __future__ import annotations

import base64
import io
import pickle

import numpy as np
import pytest
import torch

from course_lib.grading.answers import to_plain
from course_lib.grading.checks import compare_values
from course_lib.grading.wire import WireError, decode_plain, decode_value, encode_plain, encode_value


@pytest.mark.parametrize(
    "answer",
    [3, 2.5, float("inf"), float("nan"), "B", None, ..., torch.tensor(1.5, dtype=torch.float64), torch.arange(6).reshape(2, 3),
     np.zeros((2, 2), np.float32), (torch.ones(2), [1, 2]), {"a": torch.zeros(1), "b": 2.0}, {1, 4, 5}, object()],
)
def test_plain_answers_survive_the_wire_unchanged(answer):
    plain = to_plain(answer)
    back = decode_plain(encode_plain(plain))
    assert back.kind == plain.kind and back.type_name == plain.type_name and back.dtype == plain.dtype
    assert back.describe() == plain.describe()
    if plain.kind in ("number", "tensor", "ndarray", "sequence", "mapping"):
        assert compare_values(back, plain, rtol=0, atol=0).passed


def test_inputs_keep_their_dtype_shape_and_container_types():
    args = (torch.zeros(2, 3, dtype=torch.float64), 7, 0.5, "x", [torch.ones(1, dtype=torch.int64)], {"k": np.ones(2)}, float("inf"))
    back = decode_value(encode_value(args))
    assert isinstance(back, tuple) and isinstance(back[4], list) and isinstance(back[5], dict)
    assert back[0].dtype == torch.float64 and back[0].shape == (2, 3) and back[4][0].dtype == torch.int64
    assert back[1:4] == (7, 0.5, "x") and back[6] == float("inf")
    assert back[0].ndim == 2 and decode_value(encode_value(torch.tensor(3.0))).ndim == 0  # 0-d stays 0-d


def test_an_object_array_is_refused_without_unpickling_it():
    buffer = io.BytesIO()
    np.save(buffer, np.array([object()], dtype=object), allow_pickle=True)
    forged = {"kind": "ndarray", "type": "numpy.ndarray", "value": {"npy": base64.b64encode(buffer.getvalue()).decode()}, "dtype": "object", "items": []}
    with pytest.raises(WireError):
        decode_plain(forged)


def test_a_pickle_is_never_loaded():
    payload = base64.b64encode(pickle.dumps({"evil": 1})).decode()
    with pytest.raises(WireError):
        decode_plain({"kind": "ndarray", "type": "numpy.ndarray", "value": {"npy": payload}, "dtype": "float32", "items": []})


@pytest.mark.parametrize(
    "forged",
    [
        [],
        {"kind": "number"},
        {"kind": "number", "type": "float", "value": "0.5", "dtype": None, "items": []},
        {"kind": "tensor", "type": "torch.Tensor", "value": None, "dtype": "torch.float32", "items": []},
        {"kind": "exploit", "type": "x", "value": None, "dtype": None, "items": []},
        {"kind": "number", "type": "float", "value": 1.0, "dtype": None, "items": [], "extra": 1},
        {"kind": "sequence", "type": "list", "value": None, "dtype": None, "items": "no"},
        {"kind": "number", "type": "float", "value": True, "dtype": None, "items": []},
    ],
)
def test_malformed_answers_from_the_sandbox_are_refused(forged):
    with pytest.raises(WireError):
        decode_plain(forged)


def test_deeply_nested_answers_are_refused():
    plain = {"kind": "number", "type": "int", "value": 1, "dtype": None, "items": []}
    for _ in range(20):
        plain = {"kind": "sequence", "type": "list", "value": None, "dtype": None, "items": [plain]}
    with pytest.raises(WireError, match="agreed fields"):
        decode_plain(plain)


def test_a_sequential_model_crosses_as_settings_and_weights_and_computes_the_same():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 3, 3, padding=1), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Dropout(0.3), torch.nn.Linear(192, 10))
    x = torch.rand(4, 1, 8, 8)
    rebuilt = decode_value(encode_value(model.eval()))
    assert not rebuilt.training and torch.equal(rebuilt(x), model(x))
    assert decode_value(encode_value(model.train())).training
    double = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Tanh()).double()
    assert decode_value(encode_value(double))[0].weight.dtype == torch.float64


def test_a_custom_module_or_layer_is_refused():
    class Sneaky(torch.nn.Module):
        def forward(self, x):
            return x

    with pytest.raises(WireError, match="cannot send a Sneaky"):
        encode_value(Sneaky())
    with pytest.raises(WireError, match="cannot send a Sneaky layer"):
        encode_value(torch.nn.Sequential(Sneaky()))
    with pytest.raises(WireError, match="unknown type"):
        decode_value({"sequential": [{"layer": "Module", "settings": {}, "state": {}}], "training": False})


def test_a_function_that_leaves_the_model_in_another_mode_fails_check_unchanged():
    from course_lib.grading import FunctionTest

    model = torch.nn.Sequential(torch.nn.Linear(2, 1)).train()
    test = FunctionTest("f", reference=lambda m, x: m(x).detach(), inputs=[(model, torch.ones(1, 2))], check_unchanged=True)

    def leaves_eval(m, x):
        m.eval()
        return m(x).detach()

    assert "left the model (argument 1) in eval mode, not in training mode as it came" in test.run({"f": leaves_eval}).message
    assert test.run({"f": lambda m, x: m(x).detach()}).passed


@pytest.mark.parametrize(
    "tamper",
    [
        lambda m: m[0].weight.data.mul_(2.0),  # new values
        lambda m: m[0].bias.requires_grad_(False),  # frozen, same values
    ],
)
def test_a_function_that_touches_the_models_weights_fails_check_unchanged(tamper):
    from course_lib.grading import FunctionTest

    model = torch.nn.Sequential(torch.nn.Linear(2, 1))
    test = FunctionTest("f", reference=lambda m, x: m(x).detach(), inputs=[(model, torch.ones(1, 2))], check_unchanged=True)

    def tampers(m, x):
        out = m(x).detach()
        tamper(m)
        return out

    assert "changed the model's weights or their requires_grad flags (argument 1)" in test.run({"f": tampers}).message
    sent = decode_value(encode_value(model))  # the grader's copy, rebuilt in the sandbox, has the same fingerprint
    assert test.run({"f": lambda m, x: m(x).detach()}).passed and to_plain(sent) == to_plain(model)


def test_a_black_box_crosses_and_still_refuses_autograd():
    from course_lib.adversarial.attacks import BlackBox

    model = torch.nn.Sequential(torch.nn.Linear(3, 1)).double()
    box = decode_value(encode_value(BlackBox(model)))
    x = torch.ones(3, dtype=torch.float64, requires_grad=True)
    assert isinstance(box, BlackBox) and torch.equal(box(x), model(x).detach())
    assert not box(x).requires_grad
