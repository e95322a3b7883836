"""Each problem set: the solution earns every point, the shipped exercise runs and earns none."""

from __future__ import annotations

from pathlib import Path

import pytest

from course_lib.grading.answers import ChoiceTest, FunctionTest, SelectionTest, SymbolicTest, ValueTest
from course_lib.grading.inprocess import add_hidden_tests, auto_points, grade_in_process, run_cells
from course_lib.grading.markers import parse_problem_set
from course_lib.grading.registry import REGISTRY_NAME, run_question, score
from course_lib.tooling.notebooks import read_source

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "solutions").glob("ps*.py"))


@pytest.fixture(params=SOURCES, ids=lambda p: p.stem)
def problem_set(request):
    return parse_problem_set(request.param)


def exercise_of(problem_set):
    return read_source(ROOT / "exercises" / problem_set.path.name)


def why(namespace: dict, scores: dict[str, float], expected: dict[str, float]) -> str:
    """The checks behind each wrong score, one line each with its verdict's message.

    A question that scored less than expected lists its checks that did not pass; one that scored
    more lists its graded checks that passed (an exercise must earn nothing).
    """
    lines = [f"scores {scores} != expected {expected}:"]
    registry = namespace.get(REGISTRY_NAME, {})
    for question in sorted(set(scores) | set(expected)):
        got, wanted = scores.get(question), expected.get(question)
        if got == wanted:
            continue
        if question not in registry:
            lines.append(f"  {question}: no tests registered (did its public- and hidden-test cells run?)")
            continue
        for result in run_question(namespace, question).results:
            blamed = (not result.verdict.passed) if (got or 0) < (wanted or 0) else (result.verdict.passed and result.graded)
            if blamed or result.verdict.voids_question:
                kind = "hidden" if result.hidden else "public"
                lines.append(f"  {question} {kind} {result.name!r}: {result.verdict.status}: {result.verdict.message}")
    return "\n".join(lines)


def assert_scores(problem_set, notebook, expected: dict[str, float]) -> None:
    """``grade_in_process`` gives ``expected``; if not, the message shows each failing check's message."""
    scores = grade_in_process(problem_set, notebook)
    if scores != expected:  # run again, keeping the namespace, to say why
        namespace, _ = run_cells(notebook, problem_set.path.stem)
        add_hidden_tests(problem_set, namespace)
        raise AssertionError(why(namespace, score(namespace, auto_points(problem_set)), expected))


def test_problem_set_solution_passes_every_public_and_hidden_test(problem_set):
    assert_scores(problem_set, problem_set.notebook, auto_points(problem_set))


def test_problem_set_solution_registers_hidden_tests_for_every_auto_question(problem_set):
    namespace, _ = run_cells(problem_set.notebook, problem_set.path.stem)
    registry = namespace[REGISTRY_NAME]
    assert set(registry) == set(auto_points(problem_set))


def test_problem_set_exercise_as_shipped_scores_zero(problem_set):
    assert_scores(problem_set, exercise_of(problem_set), {name: 0.0 for name in auto_points(problem_set)})


def test_a_failing_score_names_each_failing_check_and_its_message():
    # The report the two tests above give when a score is wrong: before, only `{'q1': 0.0} != {'q1': 2.0}`.
    problem_set = parse_problem_set(ROOT / "solutions" / "ps00_gan_game.py")
    namespace, _ = run_cells(problem_set.notebook)
    namespace["value_function"] = lambda real, fake: real.sigmoid().log().mean() + (1 - fake.sigmoid()).log().mean()  # naive log
    namespace[REGISTRY_NAME].pop("q2")
    expected = auto_points(problem_set)
    scores = score(namespace, expected)
    assert scores["q1"] < expected["q1"] and scores["q2"] == 0.0
    report = why(namespace, scores, expected)
    q1_lines = [line for line in report.splitlines() if line.startswith("  q1 ")]
    assert q1_lines and all(": failed: " in line and len(line.split(": failed: ", 1)[1]) > 10 for line in q1_lines), report
    assert "  q2: no tests registered" in report
    assert not any(line.startswith("  q4 ") for line in report.splitlines())  # a right answer is not listed


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
    scores = score(namespace, auto_points(problem_set))
    assert sum(scores.values()) == 0.0, why(namespace, scores, dict.fromkeys(scores, 0.0))


def test_ps00_partly_done_exercise_earns_partial_marks():
    problem_set = parse_problem_set(ROOT / "solutions" / "ps00_gan_game.py")
    namespace, _ = run_cells(exercise_of(problem_set))
    namespace["answer_q4"] = "B"
    namespace["answer_q5"] = {1, 4}  # one statement missing
    namespace["value_function"] = lambda real, fake: (real.sigmoid().log().mean() + (1 - fake.sigmoid()).log().mean())
    add_hidden_tests(problem_set, namespace)
    scores = score(namespace, auto_points(problem_set))
    assert scores["q4"] == 1.0 and scores["q5"] == 0.0  # a well-formed but wrong selection earns nothing
    assert 0 < scores["q1"] < 2.0  # the naive log fails at |l| = 200
