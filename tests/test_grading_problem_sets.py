"""Each problem set: the solution earns every point, the shipped exercise runs and earns none."""

from __future__ import annotations

from pathlib import Path

import pytest

from course_lib.grading.answers import ChoiceTest, FunctionTest, SelectionTest, SymbolicTest, ValueTest
from course_lib.grading.inprocess import add_hidden_tests, auto_points, grade_in_process, run_cells
from course_lib.grading.markers import parse_problem_set
from course_lib.grading.registry import REGISTRY_NAME
from course_lib.tooling.notebooks import read_source

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "solutions").glob("ps*.py"))


@pytest.fixture(params=SOURCES, ids=lambda p: p.stem)
def problem_set(request):
    return parse_problem_set(request.param)


def exercise_of(problem_set):
    return read_source(ROOT / "exercises" / problem_set.path.name)


def test_problem_set_solution_passes_every_public_and_hidden_test(problem_set):
    assert grade_in_process(problem_set, problem_set.notebook) == auto_points(problem_set)


def test_problem_set_solution_registers_hidden_tests_for_every_auto_question(problem_set):
    namespace, _ = run_cells(problem_set.notebook, problem_set.path.stem)
    registry = namespace[REGISTRY_NAME]
    assert set(registry) == set(auto_points(problem_set))


def test_problem_set_exercise_as_shipped_scores_zero(problem_set):
    scores = grade_in_process(problem_set, exercise_of(problem_set))
    assert scores == {name: 0.0 for name in auto_points(problem_set)}


def test_problem_set_exercise_runs_top_to_bottom_saying_not_implemented(problem_set):
    namespace, printed = run_cells(exercise_of(problem_set), problem_set.path.stem)  # no exception
    assert "Traceback" not in printed
    for question in auto_points(problem_set):
        assert f"{question}: 0 of" in printed and "not implemented yet" in printed
    assert "hidden tests run at grading time" in printed
    assert "skipped: this cell needs" in printed


def test_problem_set_exercise_has_no_hidden_tests(problem_set):
    namespace, _ = run_cells(exercise_of(problem_set), problem_set.path.stem)
    assert all(not tests["hidden"] for tests in namespace[REGISTRY_NAME].values())


def test_ps00_has_every_kind_of_question():
    problem_set = parse_problem_set(ROOT / "solutions" / "ps00_gan_game.py")
    namespace, _ = run_cells(problem_set.notebook)
    kinds = {type(test) for tests in namespace[REGISTRY_NAME].values() for test in tests["hidden"]}
    assert {FunctionTest, ValueTest, ChoiceTest, SelectionTest, SymbolicTest} <= kinds
    assert any(question.manual and question.rubric_points for question in problem_set.questions)  # a proof


def test_well_formed_guesses_earn_nothing():
    problem_set = parse_problem_set(ROOT / "solutions" / "ps00_gan_game.py")
    namespace, _ = run_cells(exercise_of(problem_set))
    namespace.update(answer_q4="A", answer_q5=set(), value_example=0.0, dloss_dlogit="0")
    add_hidden_tests(problem_set, namespace)
    from course_lib.grading.registry import score

    scores = score(namespace, auto_points(problem_set))
    assert sum(scores.values()) == 0.0, scores


def test_ps00_partly_done_exercise_earns_partial_marks():
    problem_set = parse_problem_set(ROOT / "solutions" / "ps00_gan_game.py")
    namespace, _ = run_cells(exercise_of(problem_set))
    namespace["answer_q4"] = "B"
    namespace["answer_q5"] = {1, 4}  # one statement missing
    namespace["value_function"] = lambda real, fake: (real.sigmoid().log().mean() + (1 - fake.sigmoid()).log().mean())
    add_hidden_tests(problem_set, namespace)
    from course_lib.grading.registry import score

    scores = score(namespace, auto_points(problem_set))
    assert scores["q4"] == 1.0 and scores["q5"] == 0.0  # a well-formed but wrong selection earns nothing
    assert 0 < scores["q1"] < 2.0  # the naive log fails at |l| = 200
