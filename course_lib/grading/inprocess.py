"""Run a problem set's cells in this process: how the tests grade the solution and the shipped exercise.

Only for trusted notebooks (our own solutions and generated exercises). Student submissions
are graded in a sandbox, which reuses the same tests through ``probe`` and ``judge``.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import nbformat

from course_lib.grading.markers import ProblemSet
from course_lib.grading.registry import score


def run_cells(notebook: nbformat.NotebookNode, name: str = "notebook", namespace: dict | None = None) -> tuple[dict, str]:
    """Execute every code cell in one namespace, as a kernel would; return (namespace, printed text).

    An exception propagates, naming the cell: a shipped notebook must run top to bottom.
    """
    namespace = {"__name__": "__main__"} if namespace is None else namespace
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type == "code":
                exec(compile(cell.source, f"<{name} cell {index}>", "exec"), namespace)
    return namespace, printed.getvalue()


def add_hidden_tests(problem_set: ProblemSet, namespace: dict) -> None:
    """Register the solution's hidden tests in ``namespace`` (after the notebook under test has run)."""
    for index, cell in enumerate(problem_set.notebook.cells):
        if problem_set.roles[index] == "hidden-tests":
            exec(compile(cell.source, f"<{Path(problem_set.path).name} hidden tests, cell {index}>", "exec"), namespace)


def auto_points(problem_set: ProblemSet) -> dict[str, float]:
    """Points of the auto-graded questions; questions graded by hand are scored by a person."""
    return {q.name: q.points for q in problem_set.questions if not q.manual}


def grade_in_process(problem_set: ProblemSet, notebook: nbformat.NotebookNode) -> dict[str, float]:
    """Run ``notebook`` (the solution, or an exercise), add the hidden tests, and score every auto-graded question."""
    namespace, _ = run_cells(notebook, Path(problem_set.path).stem)
    add_hidden_tests(problem_set, namespace)
    return score(namespace, auto_points(problem_set))
