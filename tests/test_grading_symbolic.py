"""Symbolic answers: parsed through an AST whitelist, never eval'd, and judged within a CPU budget.

No test here times anything on the wall clock: a verdict depends on CPU seconds only, and the
tests check that it is the same on an idle machine and on a busy one.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading

import pytest
import sympy

from course_lib.grading import SymbolicTest, symbolic
from course_lib.grading.symbolic import EQUIVALENT, NOT_EQUIVALENT, UNDECIDED, SymbolicError, equivalent, parse_expression

DENSITIES = {"p": "positive", "p_G": "positive"}
LOGIT = {"l": "real"}
D_STAR = "p / (p + p_G)"
# True, but proved only by expanding two degree-64 polynomials: about 1 s of CPU.
HARD_BUT_TRUE = ("(p + 1)**32 * (p_G + 1)**32", "(p*p_G + p + p_G + 1)**32")
# True as well, but expanding it would take minutes of CPU: never proved within the budget.
BOMB = ("(p + p_G + 1)**32 * (p - p_G + 1)**32", "((p + 1)**2 - p_G**2)**32")
EQUIVALENT_FORMS = [
    ("-exp(-l) / (1 + exp(-l))", "-1/(1 + exp(l))", LOGIT),
    ("1/(1 + exp(-l)) - 1", "-1/(1 + exp(l))", LOGIT),
    ("(p**2 - p_G**2) / (p - p_G)", "p + p_G", DENSITIES),
    ("log(p**2) / 2", "log(p)", DENSITIES),
    ("0.5 * p", "p/2", DENSITIES),
    ("(tanh(l/2) - 1) / 2", "-1/(1 + exp(l))", LOGIT),
    ("(1 + tanh(log(p/p_G)/2)) / 2", "p/(p + p_G)", DENSITIES),
    ("log(1 + p_G/p)", "log(p + p_G) - log(p)", DENSITIES),
    ("log(p**2 + 2*p*p_G + p_G**2)", "2*log(p + p_G)", DENSITIES),
    ("sin(l)**2 + cos(l)**2", "1", LOGIT),
]


def verdict(student: object, expected: str = D_STAR, symbols: dict = DENSITIES, **kwargs) -> symbolic.SymbolicVerdict:
    return equivalent(student, expected, symbols, **kwargs)


def test_symbolic_accepts_true_but_differently_written_form():
    result = verdict("1 / (1 + p_G/p)")
    assert result.status == EQUIVALENT and "equivalent" in result.message


@pytest.mark.parametrize("student, expected, symbols", EQUIVALENT_FORMS)
def test_symbolic_equivalent_forms(student, expected, symbols):
    assert verdict(student, expected, symbols).status == EQUIVALENT


def test_symbolic_wrong_answer_is_not_equivalent_with_a_counterexample_but_not_the_answer():
    result = verdict("p_G / (p + p_G)")
    assert result.status == NOT_EQUIVALENT
    assert result.message.startswith("at p = ") and "not the expected value" in result.message
    assert D_STAR not in result.message


def test_symbolic_log_identity_that_needs_positivity_is_not_proved_for_a_real_symbol():
    # log(l**2)/2 is log|l|: it equals log(l) only where l > 0, so no proof may assume l > 0.
    result = verdict("log(l**2) / 2", "log(l)", LOGIT)
    assert result.status == UNDECIDED and "could not prove" in result.message


def test_symbolic_names_e_and_suggests_exp():
    with pytest.raises(SymbolicError, match=r"write e\*\*x as exp\(x\)"):
        parse_expression("e**l", {"l": "real"})


def test_symbolic_rejects_power_tower_fast():
    result = verdict("10**10**10**10")
    assert result.status == NOT_EQUIVALENT and "exponent must be a small number" in result.message


def test_symbolic_rejects_large_exponent_and_large_numbers():
    assert "exponent" in verdict("p**1000").message
    assert "too large" in verdict("99999999999 * p").message


def test_symbolic_rejects_nested_powers_before_sympy_builds_them():
    # Degree 32**5: building this alone used to take SymPy minutes and GBs, in the grader's process.
    result = verdict("(((((p + 1)**32 + 1)**32 + 1)**32 + 1)**32 + 1)**32")
    assert result.status == NOT_EQUIVALENT and "degree up to 1024" in result.message


def test_symbolic_rejects_dunder_import():
    result = verdict("__import__('os')")
    assert result.status == NOT_EQUIVALENT and "`__import__` is not allowed" in result.message


def test_symbolic_rejects_a_non_string_without_the_worker():
    result = verdict(0.5)
    assert result.status == NOT_EQUIVALENT and "as a string" in result.message


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
        ("((p + p_G + 1)**32 + 1)**32", "degree up to 1024"),
        ("2p", "`2p` needs a `*` to multiply: write 2*p"),
        ("p / (2 p_G)", "write 2*p_G"),
        ("2(p + p_G)", "write 2*(...)"),
        ("p(1 - p_G)", "reads as calling p; to multiply, write p*(...)"),
    ],
)
def test_symbolic_rejects_everything_outside_the_whitelist(text, reason):
    with pytest.raises(SymbolicError, match=re.escape(reason)):
        parse_expression(text, DENSITIES)


def test_symbolic_accepts_powers_up_to_the_degree_limit():
    assert parse_expression("(p / (p + p_G))**32", DENSITIES) == sympy.Symbol("p", positive=True) ** 32 / (
        sympy.Symbol("p", positive=True) + sympy.Symbol("p_G", positive=True)
    ) ** 32


def test_symbolic_never_evaluates_student_text(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("sympify/eval called on student text")

    monkeypatch.setattr(sympy, "sympify", forbidden)
    assert parse_expression("p / (p + p_G)", DENSITIES) == sympy.Symbol("p", positive=True) / (
        sympy.Symbol("p", positive=True) + sympy.Symbol("p_G", positive=True)
    )


def test_symbolic_wrong_expected_expression_is_the_instructors_error():
    with pytest.raises(SymbolicError, match="expected expression is not allowed.*unknown name `q`"):
        verdict("p", expected="q")


def test_symbolic_cpu_budget_must_be_positive():
    with pytest.raises(ValueError, match="cpu_budget must be a positive number"):
        verdict("p", cpu_budget=0)


def test_symbolic_slow_comparison_could_not_decide_within_the_budget():
    result = verdict("exp(exp(exp(exp(100))))", cpu_budget=0.5)
    assert result.status == UNDECIDED and "CPU budget (0.5 s)" in result.message and "graded by hand" in result.message


def test_symbolic_cpu_budget_overrun_on_a_true_identity_could_not_decide():
    # Agrees at every sampled point, but a proof needs ~1 s of CPU and the budget is 0.1 s.
    result = verdict(*HARD_BUT_TRUE, cpu_budget=0.1)
    assert result.status == UNDECIDED and "CPU budget (0.1 s)" in result.message
    assert verdict(*HARD_BUT_TRUE).status == EQUIVALENT  # the same identity, with the default budget


def test_symbolic_verdicts_are_the_same_on_an_idle_and_a_busy_machine():
    default = symbolic.CPU_BUDGET_SECONDS
    answers = [(student, expected, symbols, default, EQUIVALENT) for student, expected, symbols in EQUIVALENT_FORMS]
    answers += [
        ("p_G / (p + p_G)", D_STAR, DENSITIES, default, NOT_EQUIVALENT),
        ("(p + p_G + 1)**32 - (p + p_G)**32", D_STAR, DENSITIES, default, NOT_EQUIVALENT),  # a big expansion, and wrong
        (*BOMB, DENSITIES, 2.0, UNDECIDED),  # true, but no proof fits; 2 s rather than 5 keeps the test short
    ]
    idle = [verdict(student, expected, symbols, cpu_budget=budget) for student, expected, symbols, budget, _ in answers]
    assert [result.status for result in idle] == [status for *_, status in answers]
    busy_loops = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]  # both cores
    try:
        busy = [verdict(student, expected, symbols, cpu_budget=budget) for student, expected, symbols, budget, _ in answers]
    finally:
        for loop in busy_loops:
            loop.kill()
            loop.wait()
    assert busy == idle


def test_symbolic_comparison_runs_in_a_fresh_interpreter_never_a_fork(monkeypatch):
    def no_fork(*args, **kwargs):
        raise AssertionError("the comparison forked the grader's process")

    symbolic._WORKER.stop()
    monkeypatch.setattr(os, "fork", no_fork)
    assert verdict("1 / (1 + p_G/p)").status == EQUIVALENT  # starts a new worker, with os.fork unusable
    assert symbolic._WORKER.pid not in (None, os.getpid())
    assert symbolic._WORKER._process.args == [sys.executable, "-I", os.path.abspath(symbolic.__file__)]


def test_symbolic_judging_ignores_a_sympy_patched_in_the_callers_process(monkeypatch):
    # What a student could do in their kernel before check(): make everything look equal.
    monkeypatch.setattr(symbolic, "_counterexample", lambda *args: "")
    monkeypatch.setattr(sympy, "cancel", lambda *args, **kwargs: sympy.Integer(0))
    monkeypatch.setattr(sympy, "simplify", lambda *args, **kwargs: sympy.Integer(0))
    symbolic._WORKER.stop()
    assert verdict("p_G / (p + p_G)").status == NOT_EQUIVALENT


def test_symbolic_worker_killed_midway_is_restarted_and_the_verdicts_stay_right():
    assert verdict("1 / (1 + p_G/p)").status == EQUIVALENT
    killed = symbolic._WORKER.pid
    killer = threading.Timer(0.2, os.kill, (killed, signal.SIGKILL))  # lands while it expands HARD_BUT_TRUE
    killer.start()
    try:
        assert verdict(*HARD_BUT_TRUE).status == EQUIVALENT
    finally:
        killer.cancel()
        killer.join()
    assert verdict("p_G / (p + p_G)").status == NOT_EQUIVALENT
    assert verdict("1 / (1 + p_G/p)").status == EQUIVALENT
    assert symbolic._WORKER.pid not in (None, killed)


def test_symbolic_worker_exits_when_its_stdin_closes():
    verdict("1 / (1 + p_G/p)")
    process = symbolic._WORKER._process
    process.stdin.close()  # what the parent's exit does to it
    assert process.wait(timeout=60) == 0  # a hang guard for the test, not a timing assertion
    symbolic._WORKER.stop()


def test_symbolic_cpu_budget_without_setitimer_uses_a_watchdog(monkeypatch):
    # Windows has no ITIMER_PROF: there a thread watches the CPU clock. Exercised here, in-process.
    monkeypatch.delattr(signal, "setitimer")
    monkeypatch.setattr(symbolic, "resource", None)
    with pytest.raises(symbolic._OverBudget):
        with symbolic._cpu_budget(0.1):
            while True:
                pass


def test_symbolic_test_answer_type_reports_each_verdict():
    test = SymbolicTest("d", symbols=DENSITIES, expected=D_STAR)
    assert test.run({"d": "p/(p_G + p)"}).passed
    assert test.run({"d": "p"}).status == "failed"
    assert test.run({"d": "__import__('os')"}).status == "failed"
    assert "as a string" in test.run({"d": 0.5}).message
    assert test.run({"d": ...}).status == "not implemented"
    public = SymbolicTest("d", symbols=DENSITIES)
    assert public.run({"d": "p"}).passed and public.run({"d": "x"}).status == "failed"
