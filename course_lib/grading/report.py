"""What a student sees: ``check("q1")``, ``check_all()`` and ``skip_if_unfinished("q1")``.

The reports say which checks passed, which failed and why (the type, shape or dtype you
returned against the one expected; the largest error and where it is; a NaN; "not implemented
yet"). They never show the test code or the expected answer.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

from course_lib.grading.checks import FAILED, NOT_IMPLEMENTED, PASSED, UNDECIDED
from course_lib.grading.registry import QuestionResult, registered_questions, run_question

MARKS = {PASSED: "✓", FAILED: "✗", NOT_IMPLEMENTED: "…"}
ADVICE = "These checks are advisory: hidden tests run at grading time."


def check(question: str, namespace: dict | None = None) -> None:
    """Run the tests of ``question`` against your notebook and print what passed and what to fix.

    Args:
        question: the question's name, as in its heading: ``"q1"``.
        namespace: where your answers live; by default the notebook (the caller's globals).

    Example: ``check("q1")`` right after you write your answer to question 1.
    """
    namespace = sys._getframe(1).f_globals if namespace is None else namespace
    try:
        result = run_question(namespace, question)
    except KeyError as error:
        print(f"check({question!r}): {error.args[0]}")
        return
    print(format_question(result))
    print(_footer(result.num_hidden))


def check_all(namespace: dict | None = None) -> None:
    """Print one line per question: how many of its checks pass. Questions graded by hand are not listed."""
    namespace = sys._getframe(1).f_globals if namespace is None else namespace
    results = [run_question(namespace, question) for question in registered_questions(namespace)]
    if not results:
        print("No checks have run yet: run the notebook's cells from the top first.")
        return
    print("\n".join(_summary_line(result) for result in results))
    passed, total = sum(r.passed for r in results), sum(r.total for r in results)
    print(f"{passed} of {total} checks passed. Questions graded by hand are not checked here.")
    print(_footer(sum(r.num_hidden for r in results)))


def format_question(result: QuestionResult) -> str:
    """The report of one question: a headline, then one line per check."""
    lines = [_summary_line(result)]
    for test in result.results:
        mark = MARKS.get(test.verdict.status, "?")
        label = f"{test.name} (hidden)" if test.hidden else test.name
        reason = f": {test.verdict.message}" if test.verdict.message and not test.verdict.passed else ""
        status = f" [{UNDECIDED}]" if test.verdict.status == UNDECIDED else ""
        lines.append(f"  {mark} {label}{status}{reason}")
    return "\n".join(lines)


def _summary_line(result: QuestionResult) -> str:
    if result.passed == result.total and not any(test.graded for test in result.results):
        state = "well formed; its value is judged at grading"  # form checks only: nothing compared it with the answer
    elif result.passed == result.total:
        state = "all passed"
    elif result.not_implemented and result.passed == 0:
        state = "not implemented yet"
    else:
        state = "needs work"
    checks = "check" if result.total == 1 else "checks"
    return f"{result.question}: {result.passed} of {result.total} {checks} passed ({state})"


def _footer(num_hidden: int) -> str:
    if num_hidden:
        return f"(Solution notebook: this run includes {num_hidden} hidden test(s).)"
    return ADVICE


@contextlib.contextmanager
def skip_if_unfinished(*questions: str) -> Iterator[None]:
    """Run a cell that uses your answers, or say it is skipped while one is still a stub.

    A stub is a function that raises NotImplementedError, or a value left as ``...``: any
    arithmetic with it raises a TypeError that names 'ellipsis'. Any other error goes through, as
    the traceback to read, after a line saying which answers the cell used and which ``check`` call
    explains the mistake; a figure the cell had half drawn is discarded.

    Example::

        with skip_if_unfinished("q1"):
            print(value_function(real_logits, fake_logits))
    """
    figures_before = _open_figures()
    try:
        yield
    except NotImplementedError:
        print(f"skipped: this cell needs {_needs(questions)} not implemented yet")
    except TypeError as error:
        if "ellipsis" not in str(error):
            _stopped(questions, figures_before)
            raise
        print(f"skipped: this cell needs {_needs(questions)} not answered yet (still `...`)")
    except NameError as error:  # the answer's cell was deleted, or not run yet in this kernel
        print(f"skipped: this cell needs {' and '.join(questions)}, but {error}; run the cell that defines it (or restore it)")
    except Exception:
        _stopped(questions, figures_before)
        raise


def _stopped(questions: tuple[str, ...], figures_before: set[int]) -> None:
    """Say why a cell using the student's answers failed, and drop the figures it left half drawn."""
    checks = " and ".join(f'check("{question}")' for question in questions)
    print(f"stopped: this cell uses your answer to {' and '.join(questions)}, which led to the error below; {checks} {'says' if len(questions) == 1 else 'say'} what to fix")
    if "matplotlib.pyplot" in sys.modules:
        for number in _open_figures() - figures_before:
            sys.modules["matplotlib.pyplot"].close(number)


def _open_figures() -> set[int]:
    """The numbers of pyplot's open figures (none if pyplot was never imported)."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    return set(pyplot.get_fignums()) if pyplot else set()


def _needs(questions: tuple[str, ...]) -> str:
    """'q1, which is' or 'q4 and q5; one of them is'."""
    if len(questions) == 1:
        return f"{questions[0]}, which is"
    return f"{' and '.join(questions)}; one of them is"
