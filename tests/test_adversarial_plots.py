"""Notebook 06's figures: they draw the library's numbers, and every role has its own line style, marker or hatch."""

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from course_lib.adversarial.attacks import fgsm
from course_lib.adversarial.models import evaluation_mode, trained_classifier
from course_lib.adversarial.plots import (
    curve_style,
    plot_accuracy_against_eps,
    plot_adversarial_examples,
    plot_norm_balls,
    predictions,
)
from course_lib.adversarial.threat_models import steepest_ascent_direction


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def model(one_thread):
    return trained_classifier("mlp")


def labelled_lines(ax):
    return {line.get_label(): line for line in ax.get_lines() if not line.get_label().startswith("_")}


def test_the_four_curve_styles_differ_without_colour():
    styles = [curve_style(norm, attack) for norm in ("inf", "2") for attack in ("fgsm", "pgd")]
    shapes = {(s["marker"], s["linestyle"], s["markerfacecolor"] == "white") for s in styles}
    assert len(shapes) == 4
    assert curve_style("inf")["color"] != curve_style(2)["color"]  # and colour too, for those who see it


def test_curve_style_names_the_attacks_it_knows():
    with pytest.raises(ValueError, match="`attack` must be 'fgsm' or 'pgd'"):
        curve_style("inf", "cw")
    with pytest.raises(ValueError, match="`norm` must be"):
        curve_style("1")


def test_norm_balls_mark_the_library_optima_and_contain_each_other():
    eps, g = 0.7, (1.0, -0.45)
    fig = plot_norm_balls(eps=eps, grad=g)
    ax = fig.axes[0]
    lines = labelled_lines(ax)
    square, disc, outer = lines["L∞ ball: |δ₁|, |δ₂| ≤ ε"], lines["L2 ball: ‖δ‖₂ ≤ ε"], lines["L2 ball: ‖δ‖₂ ≤ ε√2"]
    assert len({square.get_linestyle(), disc.get_linestyle(), outer.get_linestyle()}) == 3  # greyscale-readable
    assert np.abs(square.get_xydata()).max() == pytest.approx(eps)
    assert np.linalg.norm(disc.get_xydata(), axis=1) == pytest.approx(eps)
    assert np.linalg.norm(outer.get_xydata(), axis=1) == pytest.approx(eps * math.sqrt(2))
    gradient = torch.tensor([g], dtype=torch.float64)
    for norm, prefix in (("inf", "optimum ε·sign(g)"), ("2", "optimum ε·g/‖g‖₂")):
        (marker,) = [line for label, line in lines.items() if label.startswith(prefix)]
        expected = eps * steepest_ascent_direction(gradient, norm)[0].numpy()
        assert marker.get_xydata()[0] == pytest.approx(expected)
        assert f"gᵀδ = {float(np.dot(g, expected)):.2f}" in marker.get_label()
    assert lines["optimum ε·sign(g): gᵀδ = 1.01"].get_marker() != lines["optimum ε·g/‖g‖₂: gᵀδ = 0.77"].get_marker()
    assert "inside" in fig._suptitle.get_text()


def test_norm_balls_refuse_a_zero_gradient():
    with pytest.raises(ValueError, match="not both zero"):
        plot_norm_balls(grad=(0.0, 0.0))


def test_accuracy_figure_draws_each_curve_with_its_own_style_and_an_l2_axis():
    eps = np.array([0.0, 0.1, 0.2])
    curves = {"FGSM, L∞": [0.96, 0.45, 0.04], "FGSM, L2": [0.96, 0.26, 0.02], "PGD, L∞": [0.96, 0.40, 0.01]}
    styles = {"FGSM, L∞": curve_style("inf"), "FGSM, L2": curve_style("2"), "PGD, L∞": curve_style("inf", "pgd")}
    fig = plot_accuracy_against_eps(eps, curves, styles, "A finding", l2_per_linf=8.0, clean=0.964)
    ax = fig.axes[0]
    lines = labelled_lines(ax)
    for label, values in curves.items():
        assert np.allclose(lines[label].get_ydata(), values) and np.allclose(lines[label].get_xdata(), eps)
    assert len({(lines[label].get_marker(), lines[label].get_linestyle(), lines[label].get_markerfacecolor()) for label in curves}) == 3
    assert "no attack (96.4%)" in lines
    assert ax.get_title() == "A finding" and ax.get_xlabel() and ax.get_ylabel() == "test accuracy"
    assert any("L2 budget ε₂ = 8·ε" in child.get_xlabel() for child in ax.child_axes)  # the secondary top axis
    assert ax.get_legend() is not None


def test_accuracy_figure_asks_for_a_style_per_curve():
    with pytest.raises(ValueError, match=r"missing \['PGD'\]"):
        plot_accuracy_against_eps([0.0, 0.1], {"PGD": [1.0, 0.5]}, {}, "title")


def test_adversarial_examples_label_each_digit_with_its_prediction_and_frame_the_misread(model, digits_test):
    x, y = digits_test
    x, y = x[1:9], y[1:9]
    x_adv = fgsm(model, x, y, eps=0.1)
    fig = plot_adversarial_examples(model, x, x_adv, y, title="A finding")
    top, bottom = fig.axes
    labels, confidence = predictions(model, x_adv)
    texts = [t.get_text() for t in bottom.texts]
    assert texts == [f"{int(label)} ({c:.0%})" for label, c in zip(labels, confidence)]
    frames = [p for p in bottom.patches if p.get_linestyle() == "--"]
    assert len(frames) == int((labels != y).sum()) > 0
    assert not [p for p in top.patches if p.get_linestyle() == "--"]  # the clean row: the model reads these right
    assert np.allclose(top.images[0].get_array()[:, :8], x[0, 0].numpy())
    assert fig._suptitle.get_text() == "A finding"


def test_predictions_are_the_argmax_in_eval_mode_and_leave_the_flag_alone(digits_test):
    dropout = trained_classifier("dropout_mlp").train()
    x = digits_test[0][:20]
    labels, confidence = predictions(dropout, x)
    with torch.no_grad(), evaluation_mode(dropout):
        probs = dropout(x).softmax(dim=1)
    assert torch.equal(labels, probs.argmax(dim=1)) and torch.allclose(confidence, probs.max(dim=1).values)
    assert dropout.training  # restored
