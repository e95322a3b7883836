"""The sandbox and `course grade` on the course's own problem sets: full marks, zero, isolation, determinism."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from course_lib.grading.autograde import grade_notebook, make_plan
from course_lib.grading.sandbox import BUBBLEWRAP, FALLBACK_WARNING, RLIMITS, Limits, run_in_sandbox

ROOT = Path(__file__).resolve().parents[1]
COURSE = str(Path(sys.executable).with_name("course"))
PROBLEM_SETS = sorted(path.stem for path in (ROOT / "solutions").glob("ps*.py"))


def _grade(problem_set: str, submissions: list[Path], out: Path, *options: str) -> subprocess.CompletedProcess:
    command = [COURSE, "grade", problem_set, *map(str, submissions), "--out", str(out), *options]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)


@pytest.mark.usefixtures("bubblewrap")
@pytest.mark.parametrize("problem_set", PROBLEM_SETS)
def test_course_grade_gives_the_solution_full_marks_and_the_exercise_zero(tmp_path, problem_set):
    klass = tmp_path / "class"
    klass.mkdir()
    (klass / "solution.ipynb").write_bytes((ROOT / "solutions" / f"{problem_set}.ipynb").read_bytes())
    (klass / "exercise.ipynb").write_bytes((ROOT / "exercises" / f"{problem_set}.ipynb").read_bytes())
    run = _grade(problem_set, [klass], tmp_path / "out", "--jobs", "2")
    assert run.returncode == 0, run.stderr[-2000:]
    plan = make_plan(ROOT / "solutions" / f"{problem_set}.py")
    solution = json.loads((tmp_path / "out/solution/results.json").read_text())
    exercise = json.loads((tmp_path / "out/exercise/results.json").read_text())
    assert solution["score"] == pytest.approx(plan.auto_points), solution["output"]
    auto = [t for t in exercise["tests"] if t["max_score"] > 0]
    assert auto and all(t["score"] == 0 for t in auto)


SNOOP = """
import os, socket, pathlib, course_lib
uid = os.getuid()
library = pathlib.Path(course_lib.__file__).resolve().parent
beside_library = sorted(p.name for p in library.parent.iterdir())
secrets_visible = [p for p in ["/etc/shadow", str(library.parent / "solutions"), str(library.parent / "tests"), "/root/.bash_history"] if os.path.exists(p)]
try:
    socket.create_connection(("127.0.0.1", 22), timeout=1)
    network = "connected"
except OSError as error:
    network = type(error).__name__
try:
    (library / "planted.py").write_text("x")
    library_writable = "yes"
except OSError:
    library_writable = "no"
pathlib.Path("/tmp/mine.txt").write_text("private")
tmp_writable = "yes" if pathlib.Path("/tmp/mine.txt").read_text() == "private" else "no"
processes = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
"""


@pytest.mark.usefixtures("bubblewrap")
def test_sandbox_hides_the_course_and_the_system_and_runs_unprivileged():
    names = ["uid", "beside_library", "secrets_visible", "network", "library_writable", "tmp_writable", "processes"]
    outcome = run_in_sandbox({"cells": [SNOOP], "probes": [{"name": name} for name in names]}, Limits(), mode=BUBBLEWRAP)
    answers = {message["probe_result"]: message["answer"] for message in outcome.messages if "probe_result" in message}
    values = {name: _plain_value(answers[number]) for number, name in enumerate(names)}
    assert values["uid"] != 0
    assert set(values["beside_library"]) <= {"course_lib", Path(sys.prefix).name}  # the venv (.venv, or .venv-newest in CI): not solutions/, tests/ or anything else
    assert values["secrets_visible"] == []
    assert values["network"] != "connected"
    assert values["library_writable"] == "no" and values["tmp_writable"] == "yes"
    assert len(values["processes"]) <= 3  # its own process namespace: bubblewrap's init, setpriv's python, nothing of the host


def _plain_value(answer: dict):
    if answer["kind"] in ("sequence", "set"):
        return [_plain_value(item) for item in answer["items"]]
    return answer["value"]


def test_fallback_without_bubblewrap_still_grades_and_warns_loudly(tmp_path):
    plan = make_plan(ROOT / "solutions/ps00_gan_game.py")
    graded = grade_notebook(plan, ROOT / "solutions/ps00_gan_game.ipynb", Limits(), mode=RLIMITS)
    assert graded.results["score"] == pytest.approx(plan.auto_points)
    assert FALLBACK_WARNING in graded.results["output"]


@pytest.mark.usefixtures("bubblewrap")
def test_the_same_submission_gets_the_same_results_on_an_idle_and_a_busy_machine(tmp_path):
    submission = tmp_path / "student.ipynb"
    submission.write_bytes((ROOT / "solutions/ps01_optimal_discriminator.ipynb").read_bytes())
    first = _grade("ps01", [submission], tmp_path / "out")
    idle = json.loads((tmp_path / "out/student/results.json").read_text())
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]  # both cores busy
    try:
        second = _grade("ps01", [submission], tmp_path / "out", "--force")
    finally:
        for process in busy:
            process.kill()
    loaded = json.loads((tmp_path / "out/student/results.json").read_text())
    assert first.returncode == second.returncode == 0
    for results in (idle, loaded):
        results.pop("execution_time")
    assert loaded == idle
