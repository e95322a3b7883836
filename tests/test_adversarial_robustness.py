"""Problem 4 (notebooks/09_robustness_quiz): the answer key follows from the geometry, and the experiment is the library's robust accuracy."""

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from torch import nn

from course_lib.adversarial.data import load_stop_signs
from course_lib.adversarial.defenses import ROBUST_RECIPES, robust_accuracy, robust_classifier
from course_lib.adversarial.robustness import (
    GUARANTEED_CHOICES,
    PERTURBATION_SETS,
    QUIZ_TRAINED_EPS,
    STOP_SIGN_SHAPE,
    PerturbationSetResults,
    ball_inside,
    ball_outline,
    farthest_point,
    measure_perturbation_sets,
    plot_perturbation_set_results,
    plot_perturbation_sets,
    plot_scene_rows,
    quiz_feedback,
)
from course_lib.adversarial.threat_models import in_ball, lp_norm, sample_ball

TRAINED_EPS = ROBUST_RECIPES["stop_sign_cnn"].eps  # 0.1
NUM_SCENES, STEPS = 120, 5  # a small, fast experiment: the tests compare it with robust_accuracy, not with the notebook's numbers


def choice(number):
    return next(s for s in PERTURBATION_SETS if s.number == number)


# ----------------------------------------------------------------------------- the geometry behind the answer key


def test_the_answer_key_is_sets_1_and_3():
    assert GUARANTEED_CHOICES == {1, 3}
    assert [s.number for s in PERTURBATION_SETS] == [1, 2, 3, 4, 5]
    assert [(s.norm, s.radius) for s in PERTURBATION_SETS] == [("inf", 0.1), ("inf", 1.0), ("2", 0.5), ("2", 1.0), (None, None)]


@pytest.mark.parametrize("shape", [(2,), STOP_SIGN_SHAPE])
@pytest.mark.parametrize("number", [1, 3])
def test_every_sampled_point_of_a_guaranteed_set_lies_in_the_trained_ball(number, shape):
    s = choice(number)
    points = sample_ball((5000, *shape), s.radius, s.norm, generator=torch.Generator().manual_seed(number), dtype=torch.float64)
    assert in_ball(points, QUIZ_TRAINED_EPS, "inf", atol=0.0).all()
    boundary = points / lp_norm(points, s.norm).reshape(-1, *[1] * len(shape)) * s.radius  # pushed out to the set's boundary: the hardest points
    assert in_ball(boundary, QUIZ_TRAINED_EPS, "inf", atol=1e-12).all()


@pytest.mark.parametrize("number, witness", [(2, [1.0, 1.0]), (4, [1.0, 0.0])])
def test_sets_2_and_4_have_a_witness_outside_the_trained_ball(number, witness):
    s = choice(number)
    point = farthest_point(s.norm, s.radius, (2,))
    assert point[0].tolist() == witness
    assert in_ball(point, s.radius, s.norm, atol=0.0).all()  # in the set
    assert not in_ball(point, QUIZ_TRAINED_EPS, "inf").any()  # outside the trained ball
    in_scene_space = farthest_point(s.norm, s.radius, STOP_SIGN_SHAPE)  # (1, 3, 16, 16), in every dimension
    assert in_ball(in_scene_space, s.radius, s.norm).all() and not in_ball(in_scene_space, QUIZ_TRAINED_EPS, "inf").any()


def test_in_two_dimensions_random_points_find_the_outside_of_sets_2_and_4_but_in_768_the_l2_ball_hides_it():
    generator = torch.Generator().manual_seed(0)
    for number in (2, 4):
        s = choice(number)
        flat = sample_ball((5000, 2), s.radius, s.norm, generator=generator)
        assert (~in_ball(flat, QUIZ_TRAINED_EPS, "inf")).mean(dtype=torch.float32) > 0.1
    high = sample_ball((2000, *STOP_SIGN_SHAPE), 1.0, "2", generator=generator)
    assert in_ball(high, QUIZ_TRAINED_EPS, "inf").all()  # what notebook 09 shows: sampling misses the spike e_1


def test_farthest_point_is_farthest_in_both_norms_against_random_points():
    generator = torch.Generator().manual_seed(1)
    for norm in ("inf", "2"):
        points = sample_ball((3000, 5), 0.7, norm, generator=generator, dtype=torch.float64)
        far = farthest_point(norm, 0.7, (5,)).double()
        for measured in ("inf", "2"):
            assert lp_norm(points, measured).max() <= lp_norm(far, measured)[0] + 1e-12


@pytest.mark.parametrize(
    "inner, outer, expected",
    [
        (("inf", 0.1), ("inf", 0.5), True),
        (("inf", 1.0), ("inf", 0.5), False),
        (("2", 0.5), ("inf", 0.5), True),
        (("2", 0.51), ("inf", 0.5), False),
        (("inf", 0.1), ("2", 0.1 * math.sqrt(768)), True),  # the L∞ ball fits in the L2 ball of radius r√d ...
        (("inf", 0.1), ("2", 0.099 * math.sqrt(768)), False),  # ... and in no smaller one
    ],
)
def test_ball_inside_matches_the_norm_inequalities(inner, outer, expected):
    assert ball_inside(*inner, *outer, STOP_SIGN_SHAPE) is expected


def test_scaling_every_radius_keeps_every_inclusion():
    for s in PERTURBATION_SETS[:4]:
        assert ball_inside(s.norm, s.scaled_radius(TRAINED_EPS), "inf", TRAINED_EPS, STOP_SIGN_SHAPE) is s.guaranteed
    assert [s.scaled_radius(TRAINED_EPS) for s in PERTURBATION_SETS] == [0.02, 0.2, 0.1, 0.2, None]


def test_the_night_scenes_are_no_ball_and_not_guaranteed():
    night = choice(5)
    assert night.norm is None and not night.guaranteed
    text = night.explanation
    assert "x/2" in text and "x/2 ≤ 0.5" in text  # a pure halving would be covered ...
    assert "more than 0.5" in text and "not guaranteed" in text and "empirical question" in text  # ... real night scenes are not


# ----------------------------------------------------------------------------- the quiz's verdicts


def test_exactly_1_and_3_is_judged_right():
    feedback = quiz_feedback({1, 3})
    assert feedback.correct and str(feedback).startswith("✓ All 5 right")
    assert all(c.correct and str(c).startswith("✓ right") for c in feedback.choices)


@pytest.mark.parametrize("selected", [set(), {1}, {3}, {1, 2, 3}, {1, 3, 4}, {1, 3, 5}, {2, 4, 5}, {1, 2, 3, 4, 5}])
def test_every_wrong_selection_is_judged_wrong_and_each_misjudged_choice_gets_its_explanation(selected):
    feedback = quiz_feedback(selected)
    assert not feedback.correct and feedback.headline.startswith("✗ Not yet")
    wrong = {c.choice.number for c in feedback.choices if not c.correct}
    assert wrong == selected ^ {1, 3}
    for c in feedback.choices:
        text = str(c)
        assert c.choice.explanation in text  # every choice is explained, right or wrong
        assert text.startswith("✓ right" if c.choice.number not in wrong else "✗ wrong")  # a symbol and a word, never colour alone
        if c.choice.number in wrong:
            assert ("you ticked" in text and "not guaranteed" in text) if c.ticked else ("unticked, but it is guaranteed" in text)


def test_the_explanations_of_the_wrong_choices_name_their_reason():
    assert "(1, 1, …, 1)" in choice(2).explanation and "contains the trained one" in choice(2).explanation
    assert "(1, 0, …, 0)" in choice(4).explanation and "‖δ‖∞ = 1 > 0.5" in choice(4).explanation
    assert "|δᵢ| ≤ ‖δ‖₂" in choice(3).explanation


@pytest.mark.parametrize("selected", [{0}, {6}, {"1"}, "13", 3, {True}, {1.0}])
def test_bad_selections_are_refused_with_an_example(selected):
    with pytest.raises(ValueError, match=r"`selected` must be a set of choice numbers from 1 to 5, such as \{1, 2\}"):
        quiz_feedback(selected)


# ----------------------------------------------------------------------------- the experiment


@pytest.fixture(scope="module")
def models(one_thread):
    return {"standard": robust_classifier("stop_sign_cnn", eps=0), "robust": robust_classifier("stop_sign_cnn")}


@pytest.fixture(scope="module")
def scenes():
    (x, y), (x_night, y_night) = load_stop_signs("test"), load_stop_signs("test", night=True)
    return (x[:NUM_SCENES], y[:NUM_SCENES]), (x_night[:NUM_SCENES], y_night[:NUM_SCENES])


@pytest.fixture(scope="module")
def results(models, scenes):
    return measure_perturbation_sets(models, *scenes, TRAINED_EPS, steps=STEPS)


def test_the_experiment_is_the_library_robust_accuracy_on_each_scaled_set(results, models, scenes):
    (x, y), (x_night, y_night) = scenes
    assert [row.label for row in results.rows] == [
        "clean day scenes (δ = 0)", "trained: ‖δ‖∞ ≤ 0.5 → 0.1", "1. ‖δ‖∞ ≤ 0.1 → 0.02", "2. ‖δ‖∞ ≤ 1.0 → 0.2",
        "3. ‖δ‖₂ ≤ 0.5 → 0.1", "4. ‖δ‖₂ ≤ 1.0 → 0.2", "5. night scenes, clean",
    ]  # fmt: skip
    for name, model in models.items():
        assert results.accuracy("clean", name) == robust_accuracy(model, x, y, eps=0.0)
        assert results.accuracy("trained", name) == robust_accuracy(model, x, y, eps=TRAINED_EPS, steps=STEPS)
        for s in PERTURBATION_SETS[:4]:
            assert results.accuracy(s.number, name) == robust_accuracy(model, x, y, eps=s.scaled_radius(TRAINED_EPS), norm=s.norm, steps=STEPS)
        assert results.accuracy(5, name) == robust_accuracy(model, x_night, y_night, eps=0.0)
    assert (results.num_scenes, results.steps, results.trained_eps, results.models) == (NUM_SCENES, STEPS, TRAINED_EPS, ["standard", "robust"])


def test_the_robust_model_beats_the_standard_one_on_the_training_threat_model(results):
    assert results.accuracy("trained", "robust") >= results.accuracy("trained", "standard") + 0.3


def test_the_guaranteed_rows_are_no_harder_than_the_trained_set_for_every_model(results):
    for name in results.models:
        for number in GUARANTEED_CHOICES:
            assert results.accuracy(number, name) >= results.accuracy("trained", name)


def test_the_table_prints_every_row_and_number_rounded(results):
    text = repr(results)
    lines = text.splitlines()
    assert lines[0] == "| set (quiz → run at) | guaranteed by inclusion | standard | robust |"
    assert len(lines) == 2 + len(results.rows) + 1
    for line, row in zip(lines[2:], results.rows):
        guaranteed = "trained on it" if row.guaranteed is None else "yes" if row.guaranteed else "no"
        assert line == f"| {row.label} | {guaranteed} | {row.accuracy['standard']:.1%} | {row.accuracy['robust']:.1%} |"
    assert lines[-1] == f"({NUM_SCENES} test scenes; attacks: PGD-{STEPS}; trained at L∞ ε = 0.1)"


def test_the_verdicts_tell_guaranteed_from_lucky_and_failed(results):
    reference = results.accuracy("trained", "robust")
    verdicts = results.verdicts("robust")
    assert len(verdicts) == 5
    for line, s in zip(verdicts, PERTURBATION_SETS):
        kept = results.accuracy(s.number, "robust") >= reference
        assert ("not guaranteed" not in line) is s.guaranteed
        expected = ("consistent with inclusion" if kept else "a miss") if s.guaranteed else ("happened to hold" if kept else "failed")
        assert expected in line
        assert "promises" not in line and "held" not in line  # two PGD numbers: consistent with the guarantee, never a proof of it


def test_the_results_plot_shows_each_model_on_each_row_and_hatches_the_guaranteed_rows(results):
    fig = plot_perturbation_set_results(results, "a title")
    ax = fig.axes[0]
    markers = [line for line in ax.get_lines() if line.get_marker() not in ("None", None, "")]
    assert [line.get_label() for line in markers] == ["standard", "robust"]
    for line, name in zip(markers, results.models):
        assert np.allclose(line.get_xdata(), [row.accuracy[name] for row in results.rows])
    assert {markers[0].get_marker(), markers[1].get_marker()} == {"o", "s"}  # shapes differ, not only colours
    verticals = [line for line in ax.get_lines() if line.get_label().endswith("on the trained set")]
    assert [line.get_xdata()[0] for line in verticals] == [results.accuracy("trained", m) for m in results.models]
    assert len({line.get_linestyle() for line in verticals}) == 2
    hatched = [p for p in ax.patches if p.get_hatch()]
    assert len(hatched) == len(GUARANTEED_CHOICES)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0].startswith("clean") and sum(label.endswith("✓") for label in labels) == 2 and sum(label.endswith("✗") for label in labels) == 3
    plt.close(fig)


def test_the_geometry_figure_draws_each_ball_and_a_witness_for_the_sets_outside():
    fig = plot_perturbation_sets()
    assert len(fig.axes) == 4
    for ax, s in zip(fig.axes, PERTURBATION_SETS):
        witnesses = [line for line in ax.get_lines() if line.get_marker() == "X"]
        assert len(witnesses) == (0 if s.guaranteed else 1)
        assert ("not guaranteed" in ax.get_title()) is (not s.guaranteed)
    assert fig._suptitle.get_text().endswith("inherit its guarantee")
    plt.close(fig)
    assert np.allclose(np.abs(ball_outline("2", 0.5)).max(), 0.5) and np.allclose(np.linalg.norm(ball_outline("2", 0.3), axis=1), 0.3)


# ----------------------------------------------------------------------------- bad input


def test_measure_perturbation_sets_names_each_bad_argument(models, scenes):
    day, night = scenes
    with pytest.raises(ValueError, match="`models` must be a dict of name -> classifier"):
        measure_perturbation_sets({}, day, night, TRAINED_EPS)
    with pytest.raises(ValueError, match="keyed by names"):
        measure_perturbation_sets({0: models["robust"]}, day, night, TRAINED_EPS)
    with pytest.raises(TypeError, match="`model` must be a torch.nn.Module"):
        measure_perturbation_sets({"robust": "model"}, day, night, TRAINED_EPS)
    with pytest.raises(ValueError, match=r"`night` must be a pair \(x, y\), such as load_stop_signs\('test', night=True\)"):
        measure_perturbation_sets(models, day, night[0], TRAINED_EPS)
    with pytest.raises(ValueError, match="`trained_eps` must be a finite number > 0 such as 0.1"):
        measure_perturbation_sets(models, day, night, 0.0)
    with pytest.raises(ValueError, match="`steps` must be an int >= 1"):
        measure_perturbation_sets(models, day, night, TRAINED_EPS, steps=0)


def test_the_geometry_helpers_name_each_bad_argument():
    with pytest.raises(ValueError, match="`norm` must be 'inf'"):
        farthest_point("1", 0.5, (2,))
    with pytest.raises(ValueError, match="`radius` must be a finite number >= 0"):
        farthest_point("2", -1.0, (2,))
    with pytest.raises(ValueError, match=r"`shape` must be the shape of one perturbation"):
        farthest_point("2", 1.0, (0, 3))
    with pytest.raises(ValueError, match="`outer_radius` must be a finite number >= 0"):
        ball_inside("2", 1.0, "inf", float("nan"), (2,))
    with pytest.raises(ValueError, match=r"5, the night scenes, is no ball"):
        plot_perturbation_sets((1, 5))
    with pytest.raises(TypeError, match="`results` must be a PerturbationSetResults"):
        plot_perturbation_set_results({"robust": 0.7}, "title")
    with pytest.raises(ValueError, match="every row must hold the same number of images"):
        plot_scene_rows({"day": torch.zeros(2, 3, 4, 4), "night": torch.zeros(3, 3, 4, 4)})


def test_results_look_up_rows_and_models_by_name(results):
    assert isinstance(results, PerturbationSetResults)
    with pytest.raises(KeyError, match="no row 7"):
        results.accuracy(7, "robust")
    with pytest.raises(KeyError, match=r"no model 'fancy': use one of \['standard', 'robust'\]"):
        results.accuracy(1, "fancy")


def test_a_model_is_a_module():
    assert isinstance(robust_classifier("stop_sign_cnn", eps=0), nn.Module)
