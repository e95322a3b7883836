"""Symbolic answers: parsed through an AST whitelist, never eval'd, and judged within 2 s."""

from __future__ import annotations

import time

import pytest
import sympy

from course_lib.grading import SymbolicTest
from course_lib.grading.symbolic import EQUIVALENT, NOT_EQUIVALENT, UNDECIDED, SymbolicError, equivalent, parse_expression

DENSITIES = {"p": "positive", "p_G": "positive"}
D_STAR = "p / (p + p_G)"
TIME_LIMIT = 2.0  # seconds per verdict, from the bar


def timed_equivalent(student: str, expected: str = D_STAR, symbols: dict = DENSITIES, **kwargs):
    start = time.perf_counter()
    verdict = equivalent(student, expected, symbols, **kwargs)
    assert time.perf_counter() - start < TIME_LIMIT, f"verdict on {student!r} took too long"
    return verdict


def test_symbolic_accepts_true_but_differently_written_form():
    verdict = timed_equivalent("1 / (1 + p_G/p)")
    assert verdict.status == EQUIVALENT and "equivalent" in verdict.message


@pytest.mark.parametrize(
    "student, expected, symbols",
    [
        ("-exp(-l) / (1 + exp(-l))", "-1/(1 + exp(l))", {"l": "real"}),
        ("1/(1 + exp(-l)) - 1", "-1/(1 + exp(l))", {"l": "real"}),
        ("(p**2 - p_G**2) / (p - p_G)", "p + p_G", DENSITIES),
        ("log(p**2) / 2", "log(p)", DENSITIES),
        ("0.5 * p", "p/2", DENSITIES),
        ("(tanh(l/2) - 1) / 2", "-1/(1 + exp(l))", {"l": "real"}),
        ("(1 + tanh(log(p/p_G)/2)) / 2", "p/(p + p_G)", DENSITIES),
    ],
)
def test_symbolic_equivalent_forms(student, expected, symbols):
    assert timed_equivalent(student, expected, symbols).status == EQUIVALENT


def test_symbolic_wrong_answer_is_not_equivalent_with_a_counterexample_but_not_the_answer():
    verdict = timed_equivalent("p_G / (p + p_G)")
    assert verdict.status == NOT_EQUIVALENT
    assert verdict.message.startswith("at p = ") and "not the expected value" in verdict.message
    assert D_STAR not in verdict.message


def test_symbolic_names_e_and_suggests_exp():
    with pytest.raises(SymbolicError, match=r"write e\*\*x as exp\(x\)"):
        parse_expression("e**l", {"l": "real"})


def test_symbolic_rejects_power_tower_fast():
    verdict = timed_equivalent("10**10**10**10")
    assert verdict.status == NOT_EQUIVALENT and "exponent must be a small number" in verdict.message


def test_symbolic_rejects_large_exponent_and_large_numbers():
    assert "exponent" in timed_equivalent("p**1000").message
    assert "too large" in timed_equivalent("99999999999 * p").message


def test_symbolic_rejects_dunder_import():
    verdict = timed_equivalent("__import__('os')")
    assert verdict.status == NOT_EQUIVALENT and "`__import__` is not allowed" in verdict.message


@pytest.mark.parametrize(
    "text, reason",
    [
        ("().__class__", "attribute access"),
        ("p.__class__", "attribute access"),
        ("(lambda: p)()", "this call is not allowed"),
        ("lambda: p", "lambda is not allowed"),
        ("p[0]", "indexing"),
        ("p^2", "write x**2"),
        ("q + p", "unknown name `q`"),
        ("eval('p')", "`eval` is not allowed"),
        ("log(p, 2)", "exactly one argument"),
        ("p**(1/0)", "divides by zero"),
        ("'p'", "only numbers"),
        ("p +", "not a valid expression"),
        ("(" * 400, "characters long"),
        ("-" * 250 + "p", "too long"),
        ("p == p_G", "comparisons"),
        ("exp", "is a function"),
    ],
)
def test_symbolic_rejects_everything_outside_the_whitelist(text, reason):
    with pytest.raises(SymbolicError, match=reason.replace("(", r"\(").replace("*", r"\*").replace("^", r"\^")):
        parse_expression(text, DENSITIES)


def test_symbolic_never_evaluates_student_text(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("sympify/eval called on student text")

    monkeypatch.setattr(sympy, "sympify", forbidden)
    assert parse_expression("p / (p + p_G)", DENSITIES) == sympy.Symbol("p", positive=True) / (
        sympy.Symbol("p", positive=True) + sympy.Symbol("p_G", positive=True)
    )


def test_symbolic_slow_comparison_could_not_decide_within_the_limit():
    verdict = timed_equivalent("exp(exp(exp(exp(100))))", time_limit=0.5)
    assert verdict.status == UNDECIDED and "graded by hand" in verdict.message


def test_symbolic_true_but_unprovable_in_time_could_not_decide():
    # Agrees at every sampled point, but no time is left for simplify: "could not decide".
    verdict = timed_equivalent("1 / (1 + p_G/p)", time_limit=0.0)
    assert verdict.status == UNDECIDED


def test_symbolic_test_answer_type_reports_each_verdict():
    test = SymbolicTest("d", symbols=DENSITIES, expected=D_STAR)
    assert test.run({"d": "p/(p_G + p)"}).passed
    assert test.run({"d": "p"}).status == "failed"
    assert test.run({"d": "__import__('os')"}).status == "failed"
    assert "as a string" in test.run({"d": 0.5}).message
    assert test.run({"d": ...}).status == "not implemented"
    public = SymbolicTest("d", symbols=DENSITIES)
    assert public.run({"d": "p"}).passed and public.run({"d": "x"}).status == "failed"
