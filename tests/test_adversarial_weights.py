"""The shipped weights of the library's classifiers: they equal a fresh training run, and a stale or missing file falls back to training."""

import json

import pytest
import torch

import course_lib
from course_lib.adversarial import defenses, models, weights
from course_lib.adversarial.data import load_digits, load_stop_signs

pytestmark = pytest.mark.usefixtures("one_thread")

CHEAP = ("mlp", "train", 0)  # the cheapest model to retrain: 0.4 s on an idle thread
STOP_SIGNS = ("stop_sign_cnn", 0.1, "pgd", 0)  # the robust model notebook 09 uses, and the least tested otherwise: 2.7 s


def _same_weights(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[name], b[name]) for name in a)


@pytest.fixture(scope="module")
def retrained(one_thread):
    """The two models trained from scratch by their recipes, the shipped files ignored."""
    return {"cheap": models._train_by_recipe(*CHEAP), "stop_signs": defenses._train_by_robust_recipe(*STOP_SIGNS)}


@pytest.fixture
def no_checkpoints(tmp_path, monkeypatch):
    """An empty checkpoint folder in place of the shipped one."""
    monkeypatch.setattr(weights, "CHECKPOINTS", tmp_path)
    return tmp_path


def _require_x86():
    if not course_lib.REPRODUCIBLE_ENV:  # elsewhere torch's kernels round differently, and training amplifies it
        pytest.skip("not an x86 CPU with AVX2: the shipped weights were trained on x86, where they are compared bit for bit")


def test_every_shipped_checkpoint_exists_and_matches_its_recipes_fingerprint():
    # A recipe change without `python -m course_lib.adversarial.weights` would silently fall back to training: fail here instead.
    for kind, data, seed in weights.SHIPPED_CLASSIFIERS:
        assert weights.load(weights.classifier_key(kind, data, seed), models._recipe_fingerprint(kind, data, seed)) is not None, (kind, data, seed)
    for kind, eps, attack, seed in weights.SHIPPED_ROBUST:
        assert weights.load(weights.robust_key(kind, eps, attack, seed), defenses._robust_recipe_fingerprint(kind, eps, attack, seed)) is not None
    expected = {f"{weights.classifier_key(*key)}.pt" for key in weights.SHIPPED_CLASSIFIERS} | {f"{weights.robust_key(*key)}.pt" for key in weights.SHIPPED_ROBUST}
    assert {path.name for path in weights.CHECKPOINTS.glob("*.pt")} == expected  # no orphan files


def test_shipped_checkpoints_are_small_float32_state_dicts():
    total = 0
    for path in weights.CHECKPOINTS.glob("*.pt"):
        checkpoint = torch.load(path, weights_only=True)
        assert set(checkpoint) == {"fingerprint", "state_dict"}
        assert all(tensor.dtype == torch.float32 for tensor in checkpoint["state_dict"].values()), path.name
        total += path.stat().st_size
    assert total < 1_000_000  # 432 KB for the 14 models (a wheel should stay small)


def test_shipped_mlp_weights_equal_a_fresh_training_run_bitwise(retrained):
    _require_x86()
    shipped = weights.load(weights.classifier_key(*CHEAP), models._recipe_fingerprint(*CHEAP))
    assert _same_weights(shipped, retrained["cheap"].state_dict())
    assert _same_weights(models.trained_classifier(*CHEAP).state_dict(), retrained["cheap"].state_dict())


def test_shipped_stop_sign_weights_equal_a_fresh_adversarial_training_run_bitwise(retrained):
    _require_x86()
    shipped = weights.load(weights.robust_key(*STOP_SIGNS), defenses._robust_recipe_fingerprint(*STOP_SIGNS))
    assert _same_weights(shipped, retrained["stop_signs"].state_dict())
    model = defenses.robust_classifier("stop_sign_cnn", eps=0.1)
    assert _same_weights(model.state_dict(), retrained["stop_signs"].state_dict())
    assert model[0].weight.is_contiguous(memory_format=torch.channels_last)  # loading keeps the recipe's channels-last layout


def test_loaded_models_predict_as_the_trained_ones_on_the_test_split(retrained):
    _require_x86()
    x, _ = load_digits("test")
    with torch.no_grad():
        assert torch.equal(models.trained_classifier(*CHEAP)(x), retrained["cheap"](x))
    x, _ = load_stop_signs("test")
    with torch.no_grad():
        assert torch.equal(defenses.robust_classifier("stop_sign_cnn", eps=0.1)(x), retrained["stop_signs"](x))


def test_loaded_classifiers_are_fresh_copies_in_eval_mode():
    a, b = models.trained_classifier("dropout_mlp"), models.trained_classifier("dropout_mlp")
    assert a is not b and not a.training and not any(m.training for m in a.modules())
    a[1].weight.data.zero_()
    assert not torch.equal(a[1].weight, b[1].weight)
    robust = defenses.robust_classifier("mlp")
    assert not robust.training and all(p.grad is None for p in robust.parameters())


def test_a_missing_checkpoint_falls_back_to_training(no_checkpoints, retrained):
    assert weights.load(weights.classifier_key(*CHEAP), models._recipe_fingerprint(*CHEAP)) is None
    trained = models._trained_once.__wrapped__(*CHEAP)  # the uncached function: loads, or trains
    assert not trained.training
    assert _same_weights(trained.state_dict(), retrained["cheap"].state_dict())


@pytest.mark.parametrize("change", ["lr", "format", "architecture", "data size"])
def test_a_checkpoint_with_another_fingerprint_is_not_loaded(no_checkpoints, change):
    fingerprint = models._recipe_fingerprint(*CHEAP)
    stale = {**fingerprint, "data": dict(fingerprint["data"])}
    if change == "lr":
        stale["lr"] = 3e-3
    elif change == "format":
        stale["format"] = weights.FORMAT - 1
    elif change == "architecture":
        stale["architecture"] = weights.architecture(models.mlp_classifier(hidden=64))
    else:
        stale["data"]["size"] += 1
    key = weights.classifier_key(*CHEAP)
    weights.save(key, models.build_classifier("mlp").state_dict(), stale)
    assert weights.load(key, stale) is not None  # the file itself is fine
    assert weights.load(key, fingerprint) is None


def test_a_stale_checkpoint_falls_back_to_training(no_checkpoints, retrained):
    key, fingerprint = weights.classifier_key(*CHEAP), models._recipe_fingerprint(*CHEAP)
    untrained = models.build_classifier("mlp").state_dict()
    weights.save(key, untrained, {**fingerprint, "num_epochs": 1})
    trained = models._trained_once.__wrapped__(*CHEAP)
    assert _same_weights(trained.state_dict(), retrained["cheap"].state_dict())


def test_a_corrupt_checkpoint_falls_back_to_training(no_checkpoints):
    key = weights.robust_key("mlp", 0.2, "pgd", 0)
    (no_checkpoints / f"{key}.pt").write_bytes(b"not a checkpoint")
    assert weights.load(key, defenses._robust_recipe_fingerprint("mlp", 0.2, "pgd", 0)) is None


def test_the_fingerprint_tells_every_shipped_model_apart():
    fingerprints = [models._recipe_fingerprint(*key) for key in weights.SHIPPED_CLASSIFIERS]
    fingerprints += [defenses._robust_recipe_fingerprint(*key) for key in weights.SHIPPED_ROBUST]
    assert len({json.dumps(f, sort_keys=True) for f in fingerprints}) == len(fingerprints)


def test_save_refuses_weights_that_are_not_float32(no_checkpoints):
    with pytest.raises(ValueError, match="float32"):
        weights.save("mlp-train-seed0", models.build_classifier("mlp").double().state_dict(), {})
