"""Where a notebook's tests live, and how they are run and scored.

A test cell registers its tests with ``public_tests("q1", ...)`` (or ``hidden_tests``, only
in solutions/). They go into a dictionary kept in the notebook's own global namespace (the
kernel's user namespace), so that ``check("q1")`` finds them without any file, and two
notebooks run in one process never see each other's tests. Running a test cell again
replaces that question's tests.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass

from course_lib.grading.answers import AnswerTest
from course_lib.grading.checks import NOT_IMPLEMENTED, Verdict

REGISTRY_NAME = "__course_tests__"  # the key of the registry in the notebook's namespace


@dataclass(frozen=True)
class TestResult:
    """One test's verdict, with the student-facing name of the test."""

    name: str
    hidden: bool
    verdict: Verdict
    graded: bool = True  # False for a form check (an option, a range), which earns no points


@dataclass(frozen=True)
class QuestionResult:
    """Every registered test of one question, run: ``passed`` of ``total``."""

    question: str
    results: tuple[TestResult, ...]

    @property
    def passed(self) -> int:
        return sum(result.verdict.passed for result in self.results)

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def not_implemented(self) -> bool:
        return any(result.verdict.status == NOT_IMPLEMENTED for result in self.results)

    @property
    def num_hidden(self) -> int:
        return sum(result.hidden for result in self.results)


def public_tests(question: str, *tests: AnswerTest) -> None:
    """Register the public tests of ``question``: students run them with ``check(question)``."""
    _register(sys._getframe(1).f_globals, question, "public", tests)


def hidden_tests(question: str, *tests: AnswerTest) -> None:
    """Register the hidden tests of ``question`` (solutions only: ``course assign`` removes them)."""
    _register(sys._getframe(1).f_globals, question, "hidden", tests)


def _register(namespace: dict, question: str, visibility: str, tests: tuple) -> None:
    if not tests or not all(isinstance(test, AnswerTest) for test in tests):
        raise TypeError(f"{visibility}_tests({question!r}, ...) takes answer tests such as ValueTest(...) or FunctionTest(...)")
    registry = namespace.setdefault(REGISTRY_NAME, {})
    registry.setdefault(question, {"public": (), "hidden": ()})[visibility] = tests


def registered_questions(namespace: dict) -> list[str]:
    """The questions with tests in this namespace, in the order their test cells first ran."""
    return list(namespace.get(REGISTRY_NAME, {}))


def run_question(namespace: dict, question: str) -> QuestionResult:
    """Run every registered test of ``question`` (public, then hidden) against ``namespace``.

    Raises KeyError with a message naming the known questions when nothing is registered.
    """
    registry = namespace.get(REGISTRY_NAME, {})
    if question not in registry:
        known = ", ".join(registry) or "none yet"
        raise KeyError(
            f"no tests are registered for {question!r} (known: {known}); run the question's test cell first, "
            f"or, if the question is a written answer, it is graded by hand"
        )
    results = [
        TestResult(test.name, visibility == "hidden", _run(test, namespace), test.graded)
        for visibility in ("public", "hidden")
        for test in registry[question][visibility]
    ]
    return QuestionResult(question, tuple(results))


def _run(test: AnswerTest, namespace: dict) -> Verdict:
    try:
        return test.run(namespace)
    except Exception as error:  # never a traceback for the student: a verdict that names the error
        return Verdict("failed", f"this check could not run ({type(error).__name__}: {error})")


def score(namespace: dict, points: dict[str, float]) -> dict[str, float]:
    """Points per auto-graded question: its ``points`` times the share of its graded tests that pass.

    Only tests that compare with the right answer count; a form check (is it one of the options,
    is the number in a plausible range) earns nothing, so a well-formed guess scores 0.

    Example:
        >>> score({}, {"q1": 2.0})
        {'q1': 0.0}
    """
    scores = {}
    for question, worth in points.items():
        if question not in namespace.get(REGISTRY_NAME, {}):
            scores[question] = 0.0
            continue
        scores[question] = question_score(run_question(namespace, question).results, worth)
    return scores


def question_score(results: Sequence[TestResult], worth: float) -> float:
    """``worth`` times the share of graded tests passed, in [0, worth]; 0 if any answer wraps the library."""
    graded = [r for r in results if r.graded]
    if not graded or any(r.verdict.voids_question for r in results):
        return 0.0
    return min(worth, max(0.0, worth * sum(r.verdict.passed for r in graded) / len(graded)))
