"""Notebook 08's explorer: what it draws is the library's attacks and accuracy curves, it only replays precomputed data, and it redraws purely."""

import numpy as np
import pytest
import torch

from course_lib.adversarial.attacks import fgsm, pgd
from course_lib.adversarial.data import load_digits
from course_lib.adversarial.defenses import adversarial_training, pgd_step_size, robust_accuracy, robust_accuracy_curve, robust_classifier
from course_lib.adversarial.models import build_classifier, trained_classifier
from course_lib.widgets import BENCH_EXPLORERS, import_all_explorers
from course_lib.widgets.adversarial_training import EPS_GRID, PITCH, AdversarialTrainingExplorer, first_digits_read_right


@pytest.fixture(scope="module")
def models(one_thread, counting_model) -> dict:
    return {"standard": counting_model(robust_classifier("mlp", eps=0)), "robust": counting_model(robust_classifier("mlp"))}


@pytest.fixture(scope="module")
def explorer(models, digits_test) -> AdversarialTrainingExplorer:
    return AdversarialTrainingExplorer(models, *digits_test)  # computes its own curves with the library


def label_markers(explorer, name) -> dict[int, int]:
    """{column: class} read off the '$k$' marker lines of one row."""
    shown = {}
    for k, marks in enumerate(explorer.row_labels[name]):
        for x in marks.get_xdata():
            shown[int(round((x - 3.5) / PITCH))] = k
    return shown


def frame_columns(explorer, name) -> list[int]:
    vertices = explorer.row_frames[name].get_path().vertices
    if len(vertices) == 1:
        return []
    return sorted(int(round((left + 0.6) / PITCH)) for left in vertices.reshape(-1, 5, 2)[:, 0, 0])


def test_the_rows_are_the_first_digit_of_each_class_both_models_read_right(explorer, models, digits_test):
    x, y = digits_test
    rows = first_digits_read_right(list(models.values()), x, y)
    assert y[rows].tolist() == list(range(10)) and torch.equal(explorer.x, x[rows])
    with torch.no_grad():
        for model in models.values():
            assert torch.equal(model(x[rows]).argmax(dim=1), y[rows])


@pytest.mark.parametrize("attack", ["fgsm", "pgd"])
@pytest.mark.parametrize("eps", [0.1, 0.25])
def test_each_row_shows_the_library_attack_on_that_model_and_its_answers(explorer, attack, eps):
    explorer.update(eps=eps, attack=attack)
    for name, model in explorer.models.items():
        if attack == "fgsm":
            expected = fgsm(model, explorer.x, explorer.y, eps=eps)
        else:
            expected = pgd(model, explorer.x, explorer.y, eps=eps, alpha=pgd_step_size(eps, 20), steps=20)
        shown = np.asarray(explorer.row_images[name].get_array())  # (8, 9D - 1)
        for column in range(len(explorer.x)):
            assert np.allclose(shown[:, column * PITCH : column * PITCH + 8], expected[column, 0].numpy(), atol=1e-6)
        with torch.no_grad():
            answers = model(expected).argmax(dim=1)
        assert label_markers(explorer, name) == dict(enumerate(answers.tolist()))
        assert frame_columns(explorer, name) == torch.nonzero(answers != explorer.y).flatten().tolist()


@pytest.mark.parametrize("attack", ["fgsm", "pgd"])
def test_the_markers_and_headline_give_the_library_accuracy_on_all_test_digits(explorer, digits_test, attack):
    x, y = digits_test
    explorer.update(eps=0.2, attack=attack)
    for name, model in explorer.models.items():
        expected = robust_accuracy(model, x, y, eps=0.2, attack=attack)
        assert np.allclose(explorer.markers[name].get_xdata(), [0.2]) and np.allclose(explorer.markers[name].get_ydata(), [expected])
        assert f"{name} {expected:.1%}" in explorer.headline.get_text()
    assert explorer.headline.get_text().startswith({"fgsm": "FGSM", "pgd": "PGD-20"}[attack] + ", ε = 0.20:")


def test_the_curves_are_the_library_curves_over_the_slider_grid(explorer, digits_test):
    x, y = digits_test
    for name, model in explorer.models.items():
        library = robust_accuracy_curve(model, x, y, EPS_GRID, attack="pgd")
        assert explorer.curves[name]["pgd"].accuracy == library.accuracy
    plotted = {line.get_label(): line for line in explorer.fig.axes[3].get_lines()}
    assert np.allclose(plotted["robust, PGD-20"].get_ydata(), explorer.curves["robust"]["pgd"].accuracy)
    assert np.allclose(plotted["standard, FGSM"].get_ydata(), explorer.curves["standard"]["fgsm"].accuracy)


def test_zero_budget_shows_the_clean_digits_all_read_right(explorer):
    explorer.update(eps=0.0, attack="pgd")
    for name in explorer.names:
        assert np.allclose(np.nan_to_num(explorer.row_images[name].get_array()), np.nan_to_num(explorer.fig.axes[0].get_images()[0].get_array()))
        assert frame_columns(explorer, name) == [] and label_markers(explorer, name) == dict(enumerate(range(10)))


def test_controls_need_no_forward_pass(explorer, models):
    calls = {name: model.calls for name, model in models.items()}
    for eps in EPS_GRID:
        for attack in ("fgsm", "pgd"):
            explorer.update(eps=eps, attack=attack)
    explorer.update(eps=0.1 + 0.2, attack="pgd")  # 0.30000000000000004, as a slider may send it
    assert {name: model.calls for name, model in models.items()} == calls


def test_update_is_pure_and_blitting_matches_a_full_redraw(explorer, assert_matches_full_redraw):
    first = explorer.update(eps=0.15, attack="fgsm")
    other = explorer.update(eps=0.35, attack="pgd")
    assert first != other
    assert explorer.update(eps=0.15, attack="fgsm") == first
    assert_matches_full_redraw(explorer, first)


def test_bad_values_are_refused_clearly(explorer):
    with pytest.raises(ValueError, match=r"`eps` must be one of the slider's radii \[0.0, 0.05,"):
        explorer.update(eps=0.123)
    with pytest.raises(ValueError, match="`attack` must be 'fgsm' or 'pgd'"):
        explorer.update(attack="cw")
    with pytest.raises(TypeError, match=r"unknown controls \['digit'\]"):
        explorer.update(digit=3)


def test_caller_curves_are_used_and_checked(models, digits_test):
    x, y = digits_test
    curves = {name: [robust_accuracy_curve(model, x, y, EPS_GRID, attack=attack) for attack in ("fgsm", "pgd")] for name, model in models.items()}
    explorer = AdversarialTrainingExplorer(models, x, y, curves=curves)
    assert explorer.curves["robust"]["fgsm"] is curves["robust"][0]
    with pytest.raises(ValueError, match="one entry per model"):
        AdversarialTrainingExplorer(models, x, y, curves={"standard": curves["standard"]})
    with pytest.raises(ValueError, match="must hold an FGSM and a PGD curve"):
        AdversarialTrainingExplorer(models, x, y, curves={**curves, "robust": curves["robust"][:1]})
    coarse = {name: [robust_accuracy_curve(model, x, y, [0.0, 0.1], attack=attack) for attack in ("fgsm", "pgd")] for name, model in models.items()}
    with pytest.raises(ValueError, match="must run over the slider's radii"):
        AdversarialTrainingExplorer(models, x, y, curves=coarse)


def test_two_models_are_required(models):
    with pytest.raises(ValueError, match="exactly two classifiers"):
        AdversarialTrainingExplorer({"standard": models["standard"]})


def test_bench_sweeps_both_controls_on_the_grid_and_every_setting_draws(explorer):
    params = explorer.bench_params(24)
    assert {key for p in params for key in p} == {"eps", "attack"}
    assert all(p["eps"] in EPS_GRID for p in params if "eps" in p)
    for p in params:
        assert explorer.update(**p)[:4] == b"\x89PNG"


def test_the_explorer_is_registered_for_course_bench():
    import_all_explorers()
    assert "08_adversarial_training: radius and attack, standard against robust" in BENCH_EXPLORERS


def test_the_notebooks_models_are_the_cached_library_models(one_thread):
    """Notebook 08 trains its two MLPs with adversarial_training and says they are robust_classifier's (and the standard one notebook 06's)."""
    x, y = load_digits("train")
    standard, robust = build_classifier("mlp"), build_classifier("mlp")
    adversarial_training(standard, x, y, eps=0.0, generator=torch.Generator().manual_seed(0), progress=False)
    adversarial_training(robust, x, y, eps=0.2, warmup_epochs=10, generator=torch.Generator().manual_seed(0), progress=False)
    for trained, cached in ((standard, robust_classifier("mlp", eps=0)), (standard, trained_classifier("mlp")), (robust, robust_classifier("mlp"))):
        assert all(torch.equal(p, q) for p, q in zip(trained.parameters(), cached.parameters()))
