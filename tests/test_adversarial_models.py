import math

import pytest
import torch
from torch import nn

from course_lib.adversarial.data import load_digits
from course_lib.adversarial.models import (
    RECIPES,
    TrainingHistory,
    accuracy,
    build_classifier,
    evaluation_mode,
    train_classifier,
    trained_classifier,
)


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def test_data(digits_test):
    return digits_test


# ----------------------------------------------------------------------------- the models


@pytest.mark.parametrize("kind", list(RECIPES))
def test_each_classifier_maps_images_to_ten_logits(kind):
    assert build_classifier(kind)(torch.zeros(3, 1, 8, 8)).shape == (3, 10)


def test_only_the_dropout_mlp_has_dropout():
    has_dropout = {kind: any(isinstance(m, nn.Dropout) for m in build_classifier(kind).modules()) for kind in RECIPES}
    assert has_dropout == {"mlp": False, "cnn": False, "dropout_mlp": True}


@pytest.mark.parametrize("kind, data, bar", [(k, "train", 0.95) for k in RECIPES] + [(k, h, 0.92) for k in RECIPES for h in ("train_a", "train_b")])
def test_each_trained_classifier_reaches_its_test_accuracy_bar(kind, data, bar, test_data):
    # Measured (seed 0): full training split mlp 96.4%, cnn 98.1%, dropout_mlp 96.9%; the halves
    # 92.8-97.2%. A bar a point or two below: a recipe change that costs accuracy fails here.
    model = trained_classifier(kind, data)
    assert accuracy(model, *test_data) >= bar
    assert not model.training


def test_build_classifier_is_seeded_and_leaves_the_global_random_state_alone():
    state = torch.get_rng_state()
    a, b, c = build_classifier("mlp", seed=1), build_classifier("mlp", seed=1), build_classifier("mlp", seed=2)
    assert torch.equal(torch.get_rng_state(), state)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not torch.equal(a[1].weight, c[1].weight)


# ----------------------------------------------------------------------------- training


def _train_briefly(seed):
    x, y = load_digits("train_a")
    model = build_classifier("dropout_mlp")
    history = train_classifier(model, x, y, num_epochs=2, generator=torch.Generator().manual_seed(seed), progress=False)
    return model, history


def test_training_a_dropout_model_is_deterministic_and_leaves_the_global_random_state_alone():
    state = torch.get_rng_state()
    (a, history_a), (b, history_b), (c, _) = _train_briefly(0), _train_briefly(0), _train_briefly(1)
    assert torch.equal(torch.get_rng_state(), state)
    assert history_a.loss == history_b.loss
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not torch.equal(a[1].weight, c[1].weight)  # another seed: another order and other dropout masks


def test_dropout_masks_come_from_the_generator_not_the_global_state():
    torch.manual_seed(123)
    a, _ = _train_briefly(0)
    torch.manual_seed(456)
    b, _ = _train_briefly(0)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


def test_training_history_records_each_epoch_and_shows_itself():
    model, history = _train_briefly(0)
    assert len(history.loss) == len(history.accuracy) == 2
    assert history.loss[1] < history.loss[0]
    assert not model.training  # left in eval mode, ready to evaluate or attack
    assert repr(history) == f"TrainingHistory(2 epochs, final loss {history.loss[-1]:.4f}, train accuracy {history.accuracy[-1]:.1%})"
    assert repr(TrainingHistory()) == "TrainingHistory(0 epochs)"


def test_trained_classifier_hands_out_independent_copies_of_one_training_run():
    first = trained_classifier("mlp")
    with torch.no_grad():
        first[1].weight.zero_()
    first.train()
    second = trained_classifier("mlp")
    assert second[1].weight.abs().sum() > 0 and not second.training
    assert second is not trained_classifier("mlp")


def test_trained_classifier_trains_on_one_thread_and_restores_the_callers_thread_count():
    x, y = load_digits("train_a")
    torch.set_num_threads(2)
    try:
        model = trained_classifier("mlp", data="train_a", seed=7)
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(1)
    expected = build_classifier("mlp", seed=7)
    train_classifier(expected, x, y, generator=torch.Generator().manual_seed(7), progress=False)
    assert all(torch.equal(p, q) for p, q in zip(model.parameters(), expected.parameters()))


def test_the_training_loop_diverging_says_so():
    x, y = load_digits("train_a")
    model = build_classifier("mlp")
    with torch.no_grad():
        model[1].weight.fill_(math.inf)
    with pytest.raises(FloatingPointError, match="training diverged in epoch 1.*lower `lr`"):
        train_classifier(model, x, y, num_epochs=1, progress=False)


# ----------------------------------------------------------------------------- eval mode and accuracy


@pytest.mark.parametrize("start", ["train", "eval", "mixed"])
def test_evaluation_mode_restores_every_modules_flag(start):
    model = build_classifier("dropout_mlp")
    model.train(start == "train")
    if start == "mixed":
        model[3].train()  # only the dropout layer in training mode
    before = [m.training for m in model.modules()]
    with evaluation_mode(model):
        assert not any(m.training for m in model.modules())
    assert [m.training for m in model.modules()] == before


def test_evaluation_mode_restores_the_flags_after_an_error():
    model = build_classifier("dropout_mlp").train()
    with pytest.raises(RuntimeError):
        with evaluation_mode(model):
            raise RuntimeError("boom")
    assert all(m.training for m in model.modules())


def test_accuracy_runs_in_eval_mode_and_keeps_the_flag(test_data):
    model = trained_classifier("dropout_mlp").train()
    first, second = accuracy(model, *test_data), accuracy(model, *test_data)
    assert first == second == accuracy(model.eval(), *test_data)
    assert accuracy(model.train(), *test_data) == first and model.training


def test_accuracy_counts_correct_predictions():
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 10, bias=False))
    nn.init.zeros_(model[1].weight)
    model[1].weight.data[3, 0] = 1.0  # class 3 wins when pixel 0 is lit; otherwise all logits tie and argmax is 0
    x = torch.zeros(4, 1, 8, 8)
    x[:2, 0, 0, 0] = 1.0
    assert accuracy(model, x, torch.tensor([3, 0, 0, 0])) == 0.75


# ----------------------------------------------------------------------------- validation


X, Y = torch.zeros(4, 1, 8, 8), torch.zeros(4, dtype=torch.long)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"num_epochs": 0}, ValueError, r"`num_epochs` must be an int >= 1 such as 20 \(got 0\)"),
        ({"batch_size": 2.5}, ValueError, r"`batch_size` must be an int >= 1"),
        ({"lr": 0.0}, ValueError, r"`lr` must be a finite number > 0 such as 1e-2 \(got 0.0\)"),
        ({"lr": math.nan}, ValueError, r"`lr` must be a finite number > 0"),
        ({"x": X.numpy()}, TypeError, r"`x` must be a torch tensor \(got ndarray\)"),
        ({"x": X.long()}, ValueError, r"`x` must be a float tensor \(got torch.int64\)"),
        ({"x": X.reshape(-1)}, ValueError, r"`x` must have shape \(B, \.\.\.\).*x.unsqueeze\(0\)"),
        ({"x": torch.full((4, 1, 8, 8), math.nan)}, ValueError, "`x` contains NaN or inf"),
        ({"y": Y.float()}, ValueError, r"`y` must hold int64 class labels \(got torch.float32\); convert it with y.long\(\)"),
        ({"y": Y[:3]}, ValueError, r"`y` must have shape \(B,\) = \(4,\), one label per input of `x` \(got shape \(3,\)\)"),
        ({"model": lambda x: x}, TypeError, r"`model` must be a torch.nn.Module"),
    ],
)
def test_train_classifier_rejects_bad_inputs_with_a_message(kwargs, error, message):
    arguments = {"model": build_classifier("mlp"), "x": X, "y": Y, "progress": False} | kwargs
    with pytest.raises(error, match=message):
        train_classifier(**arguments)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"kind": "resnet"}, r"`kind` must be one of 'mlp', 'cnn', 'dropout_mlp' \(got 'resnet'\)"),
        ({"data": "test"}, r"`data` must be 'train', 'train_a' or 'train_b' \(got 'test'\); never train on the test split"),
        ({"seed": -1}, r"`seed` must be a non-negative int such as 0 \(got -1\)"),
    ],
)
def test_trained_classifier_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        trained_classifier(**kwargs)


def test_accuracy_rejects_labels_that_do_not_match_the_inputs():
    with pytest.raises(ValueError, match=r"one label per input.*for one-hot rows pass y.argmax\(1\)"):
        accuracy(build_classifier("mlp"), X, torch.zeros(4, 10, dtype=torch.long))
