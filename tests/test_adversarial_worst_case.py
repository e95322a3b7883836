"""worst_case_accuracy: an input counts as robust only if it is classified right at x and at every attack's point."""

import pytest
import torch

from course_lib.adversarial.defenses import worst_case_accuracy


def brightest_pixel_model(dropout: float = 0.0) -> torch.nn.Sequential:
    """Logits are the three pixels themselves (in eval mode): the model answers with the brightest pixel's index."""
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Dropout(dropout), torch.nn.Linear(3, 3))
    model[2].load_state_dict({"weight": torch.eye(3), "bias": torch.zeros(3)})
    return model


def scenes(*brightest: int) -> torch.Tensor:
    """(B, 1, 1, 3) images whose brightest pixel is the given index."""
    x = torch.full((len(brightest), 1, 1, 3), 0.2)
    for i, k in enumerate(brightest):
        x[i, 0, 0, k] = 0.9
    return x


Y = torch.tensor([0, 1, 2, 0, 1])
CLEAN = scenes(0, 1, 2, 1, 1)  # input 3 is wrong on clean data
ATTACK_A = scenes(0, 0, 2, 0, 1)  # fools input 1 only (and happens to "repair" input 3)
ATTACK_B = scenes(0, 1, 0, 0, 1)  # fools input 2 only


def test_the_minimum_is_taken_per_input_not_over_the_attacks_accuracies():
    model = brightest_pixel_model()
    assert worst_case_accuracy(model, CLEAN, Y, [ATTACK_A]) == pytest.approx(0.6)  # inputs 0, 2, 4
    assert worst_case_accuracy(model, CLEAN, Y, [ATTACK_B]) == pytest.approx(0.6)  # inputs 0, 1, 4
    assert worst_case_accuracy(model, CLEAN, Y, [ATTACK_A, ATTACK_B]) == pytest.approx(0.4)  # below both: inputs 0 and 4


def test_an_input_wrong_on_clean_data_is_never_robust_even_if_an_attack_repairs_it():
    model = brightest_pixel_model()
    assert worst_case_accuracy(model, CLEAN, Y, []) == pytest.approx(0.8)  # no attack: the clean accuracy
    assert worst_case_accuracy(model, ATTACK_A, Y, []) == pytest.approx(0.8)
    assert worst_case_accuracy(model, CLEAN, Y, [ATTACK_A]) == pytest.approx(0.6)  # not 0.8: input 3 stays out


def test_it_agrees_with_counting_by_hand_on_a_trained_classifier_under_the_library_attacks(digits_test):
    from course_lib.adversarial.attacks import fgsm, pgd
    from course_lib.adversarial.models import trained_classifier

    x, y = digits_test
    model = trained_classifier("mlp")
    x_advs = [fgsm(model, x, y, 0.1), pgd(model, x, y, 0.1, alpha=0.025, steps=10)]
    with torch.no_grad():
        right = [model(candidate).argmax(dim=1) == y for candidate in (x, *x_advs)]  # torch's own comparison, per candidate
    expected = torch.stack(right).all(dim=0).float().mean().item()
    assert worst_case_accuracy(model, x, y, x_advs) == expected


def test_dropout_is_switched_off_and_the_models_mode_restored():
    model = brightest_pixel_model(dropout=0.9).train()
    assert worst_case_accuracy(model, CLEAN, Y, [ATTACK_A, ATTACK_B]) == pytest.approx(0.4)
    assert model.training and model[1].training


@pytest.mark.parametrize(
    ("x_advs", "error", "message"),
    [
        (ATTACK_A, TypeError, r"wrap one attack's output as \[x_adv\]"),
        ([ATTACK_A[:2]], ValueError, r"`x_advs\[0\]` must have x's shape \(5, 1, 1, 3\)"),
        ([ATTACK_A, "pgd"], ValueError, r"`x_advs\[1\]` must have x's shape"),
    ],
)
def test_bad_attack_lists_are_refused_with_the_fix(x_advs, error, message):
    with pytest.raises(error, match=message):
        worst_case_accuracy(brightest_pixel_model(), CLEAN, Y, x_advs)
