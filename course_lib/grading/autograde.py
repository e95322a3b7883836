"""Grade one student's notebook: probe it in the sandbox, judge the answers here, write results.json.

The grader reads a problem set's tests from its source in ``solutions/`` (public and hidden,
never from the student's notebook, whose test cells a student may have edited). Each test is
split in two (:mod:`course_lib.grading.answers`): what to read from the notebook goes into the
sandbox as a *probe*, plain data (a variable's name; a function's name and its inputs); the
comparison with the right answer, computed from the reference, stays in this process.

A notebook that dies half-way (``os._exit``, a crash, the CPU limit) is run again without the
cell or probe that killed it, so one bad cell costs its own question, not the whole notebook.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
import types
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from course_lib.grading.answers import AnswerTest, FunctionTest, library_name, raised
from course_lib.grading.checks import FAILED, Plain, Verdict
from course_lib.grading.markers import ProblemSet, parse_problem_set
from course_lib.grading.registry import REGISTRY_NAME, TestResult, question_score
from course_lib.grading.sandbox import BUBBLEWRAP, FALLBACK_WARNING, Limits, RunOutcome, run_in_sandbox
from course_lib.grading.wire import WireError, decode_plain, encode_value

TEST_PREAMBLE = "import math\nimport numpy as np\nimport torch\nfrom course_lib.grading import *\n"  # what test cells may assume
MAX_RUNS = 4  # the first run, and up to three runs without a cell or probe that killed the notebook
MAX_NOTEBOOK_BYTES = 50 << 20  # a course notebook with its figures is a few MB


class SubmissionError(Exception):
    """A submission that cannot be graded at all (not a notebook, bad JSON): its message says why."""


# ---- the plan: the problem set's tests, and what to ask the sandbox ---------------------------


@dataclass(frozen=True)
class QuestionPlan:
    name: str
    points: float
    manual: bool
    rubric: str = ""
    tests: tuple[tuple[AnswerTest, bool], ...] = ()  # (test, hidden)


@dataclass
class GradingPlan:
    """Everything the grader needs from one problem set, built once per batch."""

    problem_set: ProblemSet
    questions: list[QuestionPlan]
    probes: list[dict] = field(default_factory=list)
    probe_of: dict[tuple[str, int], int] = field(default_factory=dict)  # (question, test number) -> probe
    fingerprint: str = ""
    check_cells: set[str] = field(default_factory=set)  # sources of the public-test cells

    @property
    def name(self) -> str:
        return self.problem_set.path.stem

    @property
    def auto_points(self) -> float:
        return sum(q.points for q in self.questions if not q.manual)


def make_plan(source: Path, limits: Limits = Limits()) -> GradingPlan:
    """Parse ``source`` (a problem set in solutions/), build its tests in this process, and list the probes."""
    problem_set = parse_problem_set(source)
    namespace = _build_tests(problem_set)
    registry = namespace.get(REGISTRY_NAME, {})
    questions = []
    for question in problem_set.questions:
        registered = registry.get(question.name, {"public": (), "hidden": ()})
        tests = tuple((test, False) for test in registered["public"]) + tuple((test, True) for test in registered["hidden"])
        questions.append(QuestionPlan(question.name, question.points, question.manual, _rubric(problem_set, question.name), tests))
    plan = GradingPlan(problem_set, questions, fingerprint=hashlib.sha256(source.read_bytes()).hexdigest())
    plan.check_cells = {cell.source.strip() for index, cell in enumerate(problem_set.notebook.cells) if problem_set.roles[index] == "public-tests"}
    _add_probes(plan, limits)
    return plan


CHECK_CALL = re.compile(r"^\s*(check\(\s*['\"]\w+['\"]\s*\)|check_all\(\s*\))\s*$")


def is_check_cell(plan: GradingPlan, source: str) -> bool:
    """A cell that only registers public tests or runs `check`: it grades nothing, so the grader skips it.

    (The student's own checks would call their functions once more, endless loops included.)
    """
    return source.strip() in plan.check_cells or all(CHECK_CALL.match(line) for line in source.strip().splitlines() or ["x"])


def _build_tests(problem_set: ProblemSet) -> dict:
    """Run the problem set's test cells, and only those, in a fresh namespace of this process."""
    namespace: dict = {"__name__": "__grader__"}
    exec(compile(TEST_PREAMBLE, "<grader preamble>", "exec"), namespace)
    for index, cell in enumerate(problem_set.notebook.cells):
        if problem_set.roles[index] in ("public-tests", "hidden-tests"):
            try:
                exec(compile(cell.source, f"<{problem_set.path.name} cell {index}>", "exec"), namespace)
            except Exception as error:
                raise SubmissionError(
                    f"{problem_set.path}: test cell {index} cannot run on its own ({type(error).__name__}: {error}); "
                    f"a test cell may use only {TEST_PREAMBLE.strip().replace(chr(10), ', ')} and what it defines or imports itself"
                ) from None
    return namespace


def _rubric(problem_set: ProblemSet, question: str) -> str:
    cells = [cell.source for index, cell in enumerate(problem_set.notebook.cells) if problem_set.roles[index] == "rubric" and problem_set.owner[index] == question]
    return "\n".join(cells)


def _add_probes(plan: GradingPlan, limits: Limits) -> None:
    """One probe per test that calls a function; one per variable read (shared by the tests that read it)."""
    reads: dict[str, int] = {}
    for question in plan.questions:
        forbidden = sorted(
            {f for test, _ in question.tests if isinstance(test, FunctionTest) for f in {*reference_functions(test.reference), *test.forbidden_functions()}}
        )
        for number, (test, _) in enumerate(question.tests):
            if isinstance(test, FunctionTest):
                probe = {
                    "name": test.answer,
                    "call": [encode_value(tuple(args)) for args in test.inputs],
                    "seconds_per_call": min(test.seconds_per_call, limits.call_cpu_seconds),
                    "check_unchanged": test.check_unchanged,
                    "forbidden": forbidden,
                }
                plan.probes.append(probe)
                plan.probe_of[(question.name, number)] = len(plan.probes) - 1
            else:
                if test.answer not in reads:
                    plan.probes.append({"name": test.answer})
                    reads[test.answer] = len(plan.probes) - 1
                plan.probe_of[(question.name, number)] = reads[test.answer]


def reference_functions(reference) -> set[tuple[str, str]]:
    """The course library functions a reference is, or calls by name: a student's answer may not call them.

    A reference written in a hidden-test cell (``def _sigma(W, k, u): return spectral_norm(W, k, u)[0]``)
    counts the library functions it names, in its own body and in nested functions.

    Example:
        >>> from course_lib.gan import losses
        >>> sorted(reference_functions(losses.gan_value))
        [('course_lib.gan.losses', 'gan_value')]
    """
    if reference is None:
        return set()
    if library_name(reference):
        return {_function_key(reference)}
    code, scope = getattr(reference, "__code__", None), getattr(reference, "__globals__", {})
    if code is None:
        return set()
    names = _names_used(code)
    found = set()
    for name in names:
        target = scope.get(name)
        if isinstance(target, types.ModuleType) and target.__name__.startswith("course_lib."):
            found |= {_function_key(getattr(target, attr)) for attr in names if library_name(getattr(target, attr, None))}
        elif callable(target) and library_name(target):
            found.add(_function_key(target))
    return found


def _names_used(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            names |= _names_used(constant)
    return names


def _function_key(function) -> tuple[str, str]:
    while hasattr(function, "func"):  # functools.partial
        function = function.func
    return function.__module__, function.__qualname__


# ---- reading a submission ------------------------------------------------------------------


def read_code_cells(path: Path) -> list[tuple[int, str]]:
    """(index in the notebook, source) of each code cell, read as plain JSON: nothing in it is trusted.

    Raises:
        SubmissionError: the file is too large, not JSON, or not a notebook.
    """
    if path.stat().st_size > MAX_NOTEBOOK_BYTES:
        raise SubmissionError(f"{path.name} is {path.stat().st_size >> 20} MB; a notebook is a few MB: clear large outputs and submit again")
    try:
        data = json.loads(path.read_bytes())
    except (ValueError, RecursionError) as error:
        raise SubmissionError(f"{path.name} is not a valid notebook: its JSON does not parse ({str(error)[:100]}); re-download it from Jupyter") from None
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, list):
        raise SubmissionError(f"{path.name} is not a Jupyter notebook: it has no list of cells")
    code = []
    for index, cell in enumerate(cells):
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", "")
            source = "".join(part for part in source if isinstance(part, str)) if isinstance(source, list) else source
            if isinstance(source, str):
                code.append((index, source))
    return code


# ---- grading one submission ----------------------------------------------------------------


@dataclass
class Graded:
    """The outcome for one student: the Gradescope results, and what the class report needs."""

    results: dict
    ran: bool
    problems: list[str]


def grade_notebook(plan: GradingPlan, notebook: Path, limits: Limits, slot: int = 0, mode: str = BUBBLEWRAP) -> Graded:
    """Run ``notebook`` in the sandbox, then judge every answer of ``plan`` against it."""
    start = time.monotonic()
    try:
        cells = read_code_cells(notebook)
    except SubmissionError as error:
        return ungradable(plan, str(error), mode, time.monotonic() - start)
    answers, problems, ran = _probe(plan, cells, limits, slot, mode)
    return Graded(_results(plan, answers, problems, mode, time.monotonic() - start), ran, problems)


def _probe(plan: GradingPlan, cells: list[tuple[int, str]], limits: Limits, slot: int, mode: str) -> tuple[dict, list[str], bool]:
    """The answers of every probe, run again without any cell or probe that killed the notebook."""
    skip_cells = {number for number, (_, source) in enumerate(cells) if is_check_cell(plan, source)}
    answers: dict[int, object] = {}
    problems: list[str] = []
    for _ in range(MAX_RUNS):
        request = {"cells": [source for _, source in cells], "skip_cells": sorted(skip_cells), "skip_probes": sorted(answers), "probes": plan.probes}
        outcome = run_in_sandbox(request, limits, slot, mode)
        try:
            run_problems = _read_outcome(outcome, cells, answers)
        except WireError as error:
            return {}, [f"the notebook's answers could not be read ({error}); nothing was graded"], False
        problems += [p for p in run_problems if p not in problems]
        if outcome.finished:
            return answers, problems, True
        culprit = _culprit(outcome)
        why = _why_stopped(outcome)
        if culprit is None:
            return answers, problems + [f"the notebook could not be run: {why}{_stderr_hint(outcome)}"], bool(answers)
        kind, number = culprit
        if kind == "cell":
            skip_cells.add(number)
            problems.append(f"cell {cells[number][0] + 1} {why}; it was skipped and the rest of the notebook run again")
        else:
            answers[number] = [_encode_raised(f"your function {why}")] if "call" in plan.probes[number] else _encode_raised(why)
    return answers, problems + [f"the notebook stopped {MAX_RUNS} times; the answers not read by then earn nothing"], bool(answers)


def _read_outcome(outcome: RunOutcome, cells: list[tuple[int, str]], answers: dict) -> list[str]:
    """Store the probe answers of one run; return the problems it reported (cell errors)."""
    if outcome.malformed:
        raise WireError(outcome.malformed)
    problems = []
    for message in outcome.messages:
        if "cell_error" in message and isinstance(message["cell_error"], int) and 0 <= message["cell_error"] < len(cells):
            problems.append(f"cell {cells[message['cell_error']][0] + 1} raised {str(message.get('error', ''))[:300]}")
        elif "probe_result" in message and isinstance(message["probe_result"], int):
            answers[message["probe_result"]] = message.get("answer")
    return problems


def _culprit(outcome: RunOutcome) -> tuple[str, int] | None:
    """The last cell or probe that started: what was running when the notebook died."""
    for message in reversed(outcome.messages):
        for kind in ("cell", "probe"):
            if isinstance(message.get(kind), int) and not isinstance(message.get(kind), bool):
                return kind, message[kind]
    return None


def _why_stopped(outcome: RunOutcome) -> str:
    if outcome.stopped == "wall time":
        return "was still running at the wall-clock limit (is it waiting or sleeping?)"
    if outcome.stopped == "output limit":
        return "sent more output than the grader accepts"
    code = outcome.exit_code
    signal_number = -code if code is not None and code < 0 else code - 128 if code is not None and code > 128 else None
    if signal_number in (9, 24):  # SIGKILL at the hard CPU limit, SIGXCPU at the soft one
        return "used up the CPU time limit (an endless loop?)"
    if signal_number:
        return f"crashed the notebook (signal {signal_number})"
    return f"ended the notebook (exit code {code}: os._exit, sys.exit in a thread, or a crash?)"


def _stderr_hint(outcome: RunOutcome) -> str:
    last = outcome.stderr.strip().splitlines()[-1:] if outcome.stderr.strip() else []
    return f" ({last[0][:200]})" if last else ""


def _encode_raised(message: str) -> dict:
    from course_lib.grading.wire import encode_plain

    return encode_plain(raised(RuntimeError(message)))


# ---- judging, and the results file ---------------------------------------------------------


def judge_answers(plan: GradingPlan, answers: dict) -> dict[str, list[TestResult]]:
    """Every test of every auto-graded question, judged here on the plain answers from the sandbox."""
    judged = {}
    for question in plan.questions:
        results = []
        for number, (test, hidden) in enumerate(question.tests):
            probed = _decode(answers.get(plan.probe_of[(question.name, number)]))
            results.append(TestResult(test.name, hidden, _judge(test, probed), test.graded))
        judged[question.name] = results
    return judged


def _decode(answer: object) -> Plain | tuple[Plain, ...]:
    if answer is None:
        return raised(RuntimeError("the grader got no answer for it: the notebook stopped before"))
    if isinstance(answer, list):
        return tuple(decode_plain(item) for item in answer)
    return decode_plain(answer)


def _judge(test: AnswerTest, probed) -> Verdict:
    try:
        return test.judge(probed)
    except Exception as error:  # a judging bug must not lose the batch: it is reported, and earns nothing
        return Verdict(FAILED, f"this test could not be judged ({type(error).__name__}); tell your instructor")


def _results(plan: GradingPlan, answers: dict, problems: list[str], mode: str, seconds: float) -> dict:
    try:
        judged = judge_answers(plan, answers)
    except WireError as error:
        problems = problems + [f"the notebook's answers could not be read ({error}); nothing was graded"]
        judged = judge_answers(plan, {})
    tests = []
    for question in plan.questions:
        tests += _question_entries(question, judged[question.name])
    score = sum(entry["score"] for entry in tests)
    return {
        "score": round(min(max(score, 0.0), plan.auto_points), 6),
        "execution_time": round(seconds, 1),
        "output": _overall_output(plan, problems, mode),
        "tests": tests,
    }


def _question_entries(question: QuestionPlan, results: Sequence[TestResult]) -> list[dict]:
    """Gradescope test entries of one question; their scores add up to its clamped score."""
    if question.manual:
        rubric = f"\nRubric:\n{question.rubric}" if question.rubric else ""
        return [_entry(question, f"{question.name}: graded by hand ({question.points:g} points)", 0.0, 0.0, f"pending: graded by hand.{rubric}", "after_published", "failed")]
    graded = [r for r in results if r.graded]
    share = question.points / len(graded) if graded else 0.0
    voided = any(r.verdict.voids_question for r in results)
    entries = []
    for result in results:
        worth = share if result.graded else 0.0
        earned = worth if result.verdict.passed and not voided else 0.0
        status = "passed" if result.verdict.passed and not voided else "failed"
        output = result.verdict.message or ("passed" if result.verdict.passed else result.verdict.status)
        if voided and result.verdict.passed:
            output = "this answer calls the course library's own implementation, so the question earns nothing"
        if not result.graded:
            output = f"{output} (a form check: it earns no points)"
        label = f"{question.name}: {result.name}" + (" (hidden)" if result.hidden else "")
        entries.append(_entry(question, label, earned, worth, output, "after_published" if result.hidden else "visible", status))
    assert abs(sum(e["score"] for e in entries) - question_score(results, question.points)) < 1e-9
    return entries


def _entry(question: QuestionPlan, name: str, score: float, max_score: float, output: str, visibility: str, status: str) -> dict:
    return {"name": name, "number": question.name, "score": score, "max_score": max_score, "status": status, "output": output, "visibility": visibility}


def _overall_output(plan: GradingPlan, problems: list[str], mode: str) -> str:
    lines = [f"Problem set {plan.name}, graded in a sandbox ({mode})."]
    if mode != BUBBLEWRAP:
        lines.append(FALLBACK_WARNING)
    if problems:
        lines.append("Problems found while running your notebook:")
        lines += [f"- {problem}" for problem in problems]
    manual = [q.name for q in plan.questions if q.manual]
    if manual:
        lines.append(f"Graded by hand later: {', '.join(manual)}.")
    return "\n".join(lines)


def ungradable(plan: GradingPlan, problem: str, mode: str, seconds: float) -> Graded:
    results = _results(plan, {}, [problem], mode, seconds)
    return Graded(results, False, [problem])


def write_json_atomically(path: Path, data: dict) -> None:
    """Write ``data`` to ``path`` so that a reader sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(data, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    os.replace(temporary, path)
