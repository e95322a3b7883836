"""Notebook 08's figures: they draw exactly the histories and curves they are given, each role in its own style, and refuse bad input clearly."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.colors import to_hex
from matplotlib.patches import Rectangle

from course_lib.adversarial.attacks import loss_gradient, pgd
from course_lib.adversarial.data import load_digits
from course_lib.adversarial.defense_plots import (
    ATTACK_STYLES,
    HISTORY_STYLES,
    MODEL_STYLES,
    attack_family,
    plot_adversarial_rows,
    plot_robustness_curves,
    plot_training_history,
    robustness_curve_style,
)
from course_lib.adversarial.defenses import AdversarialTrainingHistory, RobustAccuracyCurve, adversarial_training
from course_lib.adversarial.models import build_classifier, trained_classifier

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def histories() -> dict[str, AdversarialTrainingHistory]:
    """Two short real runs on 256 training digits: PGD with a 2-epoch warm-up, and FGSM without."""
    x, y = load_digits("train")
    runs = {}
    for name, attack, warmup in (("PGD", "pgd", 2), ("FGSM", "fgsm", 0)):
        runs[name] = adversarial_training(build_classifier("mlp"), x[:256], y[:256], eps=0.2, attack=attack, num_epochs=4, warmup_epochs=warmup, eval_size=64, progress=False)
    return runs


def curve(attack: str, accuracy: list[float], norm: str = "L∞") -> RobustAccuracyCurve:
    return RobustAccuracyCurve([0.0, 0.1, 0.2], accuracy, attack, norm)


CURVES = {
    "standard": [curve("FGSM", [0.96, 0.45, 0.04]), curve("PGD-20", [0.96, 0.40, 0.02])],
    "robust": [curve("FGSM", [0.95, 0.84, 0.60]), curve("PGD-20", [0.95, 0.81, 0.50])],
}


# ----------------------------------------------------------------------------- training history


def test_the_history_figure_plots_exactly_the_recorded_accuracies(histories):
    history = histories["PGD"]
    fig = plot_training_history(history, "a finding")
    lines = fig.axes[0].get_lines()
    assert len(lines) == len(HISTORY_STYLES) == 3
    for line, key in zip(lines, HISTORY_STYLES):
        assert np.array_equal(line.get_xdata(), np.arange(1, 5))
        assert np.allclose(line.get_ydata(), getattr(history, key))
    assert fig.get_suptitle() == "a finding"


def test_each_history_role_has_its_own_colour_line_style_and_marker(histories):
    lines = plot_training_history(histories["PGD"], "t").axes[0].get_lines()
    for prop in ("get_color", "get_linestyle", "get_marker"):
        values = [to_hex(getattr(line, prop)()) if prop == "get_color" else getattr(line, prop)() for line in lines]
        assert len(set(values)) == 3, f"{prop}: {values}"
    assert [line.get_label() for line in lines] == [style["label"] for style in HISTORY_STYLES.values()]


def test_warm_up_epochs_are_shaded_only_when_the_radius_ramped(histories):
    fig = plot_training_history(histories, "t")
    assert [ax.get_title() for ax in fig.axes] == ["PGD", "FGSM"]
    spans = [ax.patches for ax in fig.axes]
    assert len(spans[0]) == 1 and isinstance(spans[0][0], Rectangle)
    assert np.isclose(spans[0][0].get_x(), 0.5) and np.isclose(spans[0][0].get_x() + spans[0][0].get_width(), 1.5)
    # warm-up over 2 epochs trains at 0.1 in epoch 1 and at the full 0.2 from epoch 2: one epoch below the radius is shaded
    assert len(spans[1]) == 0  # no warm-up, no shading
    assert any("warm-up" in t.get_text() for t in fig.axes[0].texts) and not fig.axes[1].texts


@pytest.mark.parametrize("panels", ["one", "two"])
@pytest.mark.parametrize("title", ["a one-line finding", "a finding long enough\nto take two lines"])
def test_the_title_clears_the_panels_their_titles_and_the_warm_up_label(histories, panels, title):
    fig = plot_training_history(histories["PGD"] if panels == "one" else histories, title)
    renderer = fig.canvas.get_renderer()
    fig.canvas.draw()
    below = [ax.get_window_extent(renderer).y1 for ax in fig.axes]
    below += [text.get_window_extent(renderer).y1 for ax in fig.axes for text in (ax.title, *ax.texts) if text.get_text()]
    assert fig._suptitle.get_window_extent(renderer).y0 > max(below)


def test_the_pgd_line_is_labelled_as_an_upper_bound_on_robust_accuracy():
    assert HISTORY_STYLES["robust_accuracy"]["label"] == "under PGD-10 (bounds robust accuracy from above)"


def test_panels_share_the_accuracy_axis(histories):
    fig = plot_training_history(histories, "t")
    assert fig.axes[0].get_ylim() == fig.axes[1].get_ylim() == (-0.02, 1.02)


@pytest.mark.parametrize(
    "bad, message",
    [
        ({}, "`histories` is empty"),
        ({"run": [0.1, 0.2]}, "must be an AdversarialTrainingHistory"),
        (AdversarialTrainingHistory(), "has no epochs"),
    ],
)
def test_bad_histories_are_refused_with_what_to_pass(bad, message):
    with pytest.raises((ValueError, TypeError), match=message):
        plot_training_history(bad, "t")


def test_a_history_without_robust_tracking_says_to_set_eval_size():
    x, y = load_digits("train")
    untracked = adversarial_training(build_classifier("mlp"), x[:128], y[:128], eps=0.1, num_epochs=1, eval_size=0, progress=False)
    with pytest.raises(ValueError, match="eval_size > 0"):
        plot_training_history(untracked, "t")


# ----------------------------------------------------------------------------- accuracy curves


def test_the_curves_figure_plots_exactly_the_curves_in_order_with_their_labels():
    fig = plot_robustness_curves(CURVES, "t", trained_eps=0.2)
    lines = [line for line in fig.axes[0].get_lines() if line.get_label().count(",") == 1]
    expected = [(model, c) for model, model_curves in CURVES.items() for c in model_curves]
    assert [line.get_label() for line in lines] == [f"{model}, {c.attack}" for model, c in expected]
    for line, (_, c) in zip(lines, expected):
        assert np.allclose(line.get_xdata(), c.eps) and np.allclose(line.get_ydata(), c.accuracy)
    guides = [line for line in fig.axes[0].get_lines() if line not in lines]
    assert len(guides) == 1 and np.allclose(guides[0].get_xdata(), 0.2)  # the trained radius


def test_model_sets_marker_and_colour_attack_sets_line_and_fill():
    fig = plot_robustness_curves(CURVES, "t")
    lines = fig.axes[0].get_lines()
    looks = {(line.get_marker(), line.get_linestyle(), to_hex(line.get_markerfacecolor())) for line in lines}
    assert len(looks) == 4  # every curve tells itself apart without colour
    standard_fgsm, standard_pgd, robust_fgsm, robust_pgd = lines
    assert standard_fgsm.get_marker() == standard_pgd.get_marker() != robust_fgsm.get_marker() == robust_pgd.get_marker()
    assert standard_fgsm.get_linestyle() == robust_fgsm.get_linestyle() == "--" and standard_pgd.get_linestyle() == robust_pgd.get_linestyle() == "-"
    assert to_hex(standard_fgsm.get_markerfacecolor()) == "#ffffff" and to_hex(robust_pgd.get_markerfacecolor()) == to_hex(MODEL_STYLES[1]["color"])


def test_attack_family_reads_the_library_names_and_refuses_others():
    assert attack_family(curve("PGD-20", [1, 0, 0])) == "PGD" and attack_family(curve("FGSM", [1, 0, 0])) == "FGSM"
    assert set(ATTACK_STYLES) == {"FGSM", "PGD"}
    with pytest.raises(ValueError, match="FGSM or PGD-<steps>"):
        robustness_curve_style(0, curve("CW", [1, 0, 0]))


@pytest.mark.parametrize(
    "bad, message",
    [
        ({}, "non-empty dict"),
        ({"standard": curve("FGSM", [1, 0, 0])}, "must be a non-empty list of curves"),
        ({"standard": [[0.9, 0.5]]}, "holds a list; pass what robust_accuracy_curve returns"),
        ({"a": [curve("FGSM", [1, 0, 0])], "b": [curve("FGSM", [1, 0, 0], norm="L2")]}, "share one norm"),
        ({str(i): [curve("FGSM", [1, 0, 0])] for i in range(5)}, "at most 4 models"),
    ],
)
def test_bad_curves_are_refused_with_what_to_pass(bad, message):
    with pytest.raises((ValueError, TypeError), match=message):
        plot_robustness_curves(bad, "t")


# ----------------------------------------------------------------------------- adversarial examples and gradients


def test_adversarial_rows_show_the_attacked_digits_the_answers_and_each_models_gradient(digits_test):
    x, y = digits_test
    x, y = x[:6], y[:6]
    model = trained_classifier("mlp")
    x_adv = pgd(model, x, y, eps=0.2, alpha=0.025, steps=20)
    fig = plot_adversarial_rows(x, y, {"standard": (model, x_adv)}, "t")
    clean, adversarial, gradient = fig.axes
    assert np.allclose(clean.get_images()[0].get_array()[:, :8], x[0, 0].numpy())
    assert np.allclose(adversarial.get_images()[0].get_array()[:, 9:17], x_adv[1, 0].numpy())
    g = loss_gradient(model, x, y)[2, 0]
    assert np.allclose(gradient.get_images()[0].get_array()[:, 18:26], (g / g.abs().max()).numpy(), atol=1e-6)
    with torch.no_grad():
        answers = model(x_adv).argmax(dim=1)
    assert [t.get_text() for t in adversarial.texts] == [str(int(a)) for a in answers]
    dashed = [p for p in adversarial.patches if p.get_linestyle() == "--"]
    assert len(dashed) == int((answers != y).sum()) > 0  # one frame per digit read wrong


def test_adversarial_rows_of_two_attacks_on_one_model_share_its_gradient_row(digits_test):
    x, y = digits_test
    x, y = x[:4], y[:4]
    model, other = trained_classifier("mlp"), trained_classifier("cnn")
    shared = plot_adversarial_rows(x, y, {"fgsm_linf": (model, x.clone()), "fgsm_l2": (model, x.clone())}, "t")
    assert [ax.get_ylabel() for ax in shared.axes] == ["clean x\n(true label)", "x_adv\nfgsm_linf", "x_adv\nfgsm_l2", "gradient g"]
    separate = plot_adversarial_rows(x, y, {"mlp": (model, x.clone()), "cnn": (other, x.clone())}, "t")
    assert [ax.get_ylabel() for ax in separate.axes][3:] == ["gradient g\nmlp", "gradient g\ncnn"]


@pytest.mark.parametrize(
    "shape, message",
    [((6, 64), "shaped \\(B, 1, 8, 8\\)"), ((13, 1, 8, 8), "B <= 12")],
)
def test_adversarial_rows_refuse_other_shapes(shape, message):
    with pytest.raises(ValueError, match=message):
        plot_adversarial_rows(torch.zeros(shape), torch.zeros(shape[0], dtype=torch.long), {"m": (None, torch.zeros(shape))}, "t")


def test_adversarial_rows_refuse_an_x_adv_of_another_shape(digits_test):
    x, y = digits_test
    with pytest.raises(ValueError, match="x_adv of 'robust' must be shaped like x"):
        plot_adversarial_rows(x[:4], y[:4], {"robust": (trained_classifier("mlp"), x[:3])}, "t")
