"""Problem sets: one marked source in solutions/, generated exercises, and instant checks.

Students call ``check("q1")`` and ``check_all()``; test cells register tests with
``public_tests`` and ``hidden_tests``, using the answer types below. The marker grammar and the
``course assign`` command are in :mod:`course_lib.grading.markers` and
:mod:`course_lib.grading.assign`; solutions/README.md documents both.
"""

from course_lib.grading.answers import (
    ChoiceTest,
    DigestTest,
    FunctionTest,
    RangeTest,
    SelectionTest,
    SymbolicTest,
    ValueTest,
    to_plain,
)
from course_lib.grading.checks import Plain, Verdict
from course_lib.grading.registry import hidden_tests, public_tests, run_question, score
from course_lib.grading.report import check, check_all, skip_if_unfinished

__all__ = [
    "ChoiceTest",
    "DigestTest",
    "FunctionTest",
    "Plain",
    "RangeTest",
    "SelectionTest",
    "SymbolicTest",
    "ValueTest",
    "Verdict",
    "check",
    "check_all",
    "hidden_tests",
    "public_tests",
    "run_question",
    "score",
    "skip_if_unfinished",
    "to_plain",
]
