"""Notebook 09's quiz: it judges with the library's answer key, explains every choice, and redraws purely."""

import html
import itertools

import pytest

from course_lib.adversarial import robustness
from course_lib.adversarial.robustness import GUARANTEED_CHOICES, PERTURBATION_SETS, SET_STYLES, quiz_feedback
from course_lib.widgets import BENCH_EXPLORERS, import_all_explorers
from course_lib.widgets.robustness_quiz import RobustnessQuizExplorer, control_name


@pytest.fixture
def quiz() -> RobustnessQuizExplorer:
    return RobustnessQuizExplorer()


def tick(quiz: RobustnessQuizExplorer, selected) -> None:
    """Set the checkboxes as a student would: each change calls the explorer's update once the widget is shown."""
    for s in PERTURBATION_SETS:
        quiz.controls[control_name(s.number)].value = s.number in selected


def test_checking_exactly_1_and_3_says_right(quiz):
    quiz.widget()
    tick(quiz, {1, 3})
    verdicts = quiz.check()
    assert verdicts.correct
    assert "✓ All 5 right" in quiz.feedback.value and "✗" not in quiz.feedback.value


@pytest.mark.parametrize("selected", [set(), {1}, {1, 2, 3}, {1, 3, 4}, {3, 5}, {2, 4}, {1, 2, 3, 4, 5}])
def test_each_wrong_selection_gets_the_explanation_of_each_misjudged_choice(quiz, selected):
    tick(quiz, selected)
    verdicts = quiz.check()
    assert not verdicts.correct and "✗ Not yet" in quiz.feedback.value
    for c in verdicts.choices:
        marked = "✓ right" if c.ticked == c.choice.guaranteed else "✗ wrong"
        assert f"{marked}: " in str(c)  # a symbol and a word for every choice
        assert str(c).split(": ", 1)[0] + ": " in quiz.feedback.value
    misjudged = selected ^ GUARANTEED_CHOICES
    for s in PERTURBATION_SETS:
        if s.number in misjudged:
            assert html.escape(s.explanation) in quiz.feedback.value  # as the widget escapes it (quotes too)


def test_the_answer_key_is_the_library_one(quiz, monkeypatch):
    for selected in itertools.chain.from_iterable(itertools.combinations(range(1, 6), k) for k in range(6)):
        tick(quiz, set(selected))
        assert quiz.check().correct is quiz_feedback(set(selected)).correct
    # One source: change the library's judge, and the widget's verdicts follow.
    monkeypatch.setattr("course_lib.widgets.robustness_quiz.quiz_feedback", lambda chosen: robustness.quiz_feedback({1, 3}))
    tick(quiz, {2})
    assert quiz.check().correct


def test_ticking_a_box_shows_exactly_its_set(quiz):
    quiz.update(**{control_name(n): n in {2, 5} for n in range(1, 6)})
    assert {n for n, line in quiz.outlines.items() if line.get_visible()} == {2, 5}
    assert {n for n, label in quiz.labels.items() if label.get_visible()} == {2, 5}
    assert quiz.headline.get_text().startswith("Ticked: 2, 5")
    quiz.update(**{control_name(n): False for n in range(1, 6)})
    assert not any(line.get_visible() for line in quiz.outlines.values())
    assert quiz.headline.get_text().startswith("Nothing ticked yet")


def test_each_set_has_its_own_dash_pattern_and_the_legend_shows_a_whole_period(quiz):
    legend = quiz.fig.axes[0].get_legend()
    signatures = set()
    for s in PERTURBATION_SETS:
        style = SET_STYLES[s.number]
        assert isinstance(style["linestyle"], tuple)  # an explicit pattern: no named style that another set could alias
        _, dashes = style["linestyle"]
        width = style["linewidth"]  # matplotlib scales dashes by the line width
        signatures.add((len(dashes), tuple(round(on * width) for on in dashes[0::2]), round(sum(dashes) * width)))
        assert legend.handlelength * legend.prop.get_size() >= sum(dashes) * width  # one period fits in the legend's sample
    assert len(signatures) == len(PERTURBATION_SETS)  # segments, their lengths and the period: no two sets alike, in greyscale too


def test_update_is_pure_and_blitting_matches_a_full_redraw(quiz, assert_matches_full_redraw):
    first = quiz.update(set_1=True, set_4=True)
    other = quiz.update(set_1=False, set_2=True, set_5=True)
    assert first != other
    assert quiz.update(set_1=True, set_2=False, set_4=True, set_5=False) == first
    assert_matches_full_redraw(quiz, first)


def test_the_bench_clicks_each_box_in_turn(quiz):
    params = quiz.bench_params(12)
    assert [list(p) for p in params[:5]] == [[control_name(n)] for n in range(1, 6)]
    assert all(p[control_name(1)] is True for p in params[:1]) and params[5] == {control_name(1): False}
    for p in params:
        assert quiz.update(**p)[:4] == b"\x89PNG"


def test_the_quiz_is_registered_for_course_bench():
    import_all_explorers()
    assert "09_robustness_quiz: ticking the perturbation sets" in BENCH_EXPLORERS


def test_the_live_quiz_holds_its_check_button_and_feedback(quiz):
    box = quiz.widget()
    assert quiz.check_button in box.children and quiz.feedback in box.children


def test_bad_input_is_named(quiz):
    with pytest.raises(TypeError, match=r"unknown controls \['set_6'\]"):
        quiz.update(set_6=True)
    with pytest.raises(ValueError, match="`selected` must be a set of choice numbers from 1 to 5"):
        RobustnessQuizExplorer(selected={7})


def test_a_preselection_ticks_its_boxes():
    quiz = RobustnessQuizExplorer(selected={1, 3})
    assert quiz.selected() == {1, 3} and quiz.check().correct
