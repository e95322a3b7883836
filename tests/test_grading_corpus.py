"""The hostile-submission corpus, graded by the real `course grade` in one batch (two jobs).

Every case gets its expected score (0 or partial, never full credit for a cheat), its results
file names the problem in plain words, the honest submissions beside it are unaffected, and
nothing in the course repository changes.
"""

from __future__ import annotations

import hashlib
import json
import socket
import subprocess
import sys
import threading
from pathlib import Path

import nbformat
import pytest

from grading_corpus import CASES, FOLDER_CASES, FULL, NOT_A_NOTEBOOK, build, solved_notebook

ROOT = Path(__file__).resolve().parents[1]
COURSE = str(Path(sys.executable).with_name("course"))
# Tight limits keep the runaway cases short; the honest notebook needs about 4 s of CPU.
LIMITS = ["--cell-seconds", "3", "--total-seconds", "12", "--wall-seconds", "30"]

pytestmark = pytest.mark.usefixtures("bubblewrap")


def _repository_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in sorted([*ROOT.glob("course_lib/**/*.py"), *ROOT.glob("solutions/*"), *ROOT.glob("exercises/*")]):
        digest.update(path.read_bytes())
    return digest.hexdigest()


class _Listener:
    """A loopback server on the grader's side: no submission may reach it."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.5)
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while self.running:
            try:
                connection, _ = self.server.accept()
            except OSError:
                continue
            self.connections += 1
            connection.sendall(b"B")
            connection.close()

    def close(self):
        self.running = False
        self.thread.join()
        self.server.close()


@pytest.fixture(scope="module")
def graded(tmp_path_factory, bubblewrap):
    """Build the class, grade it once with the real command, and hand the output to every test."""
    tmp = tmp_path_factory.mktemp("corpus")
    klass, out = tmp / "class", tmp / "graded"
    klass.mkdir()
    solved = solved_notebook(nbformat.read(ROOT / "solutions/ps00_gan_game.ipynb", as_version=4))
    stubs = nbformat.read(ROOT / "exercises/ps00_gan_game.ipynb", as_version=4)
    listener = _Listener()
    for case in CASES:
        (klass / f"{case.name}.ipynb").write_bytes(build(case, solved, stubs, str(out), listener.port))
    for folder, (files, _) in FOLDER_CASES.items():
        (klass / folder).mkdir()
        for name, data in files.items():
            (klass / folder / name).write_bytes(data if data is not None else nbformat.writes(solved).encode())
    (klass / NOT_A_NOTEBOOK[0]).write_bytes(NOT_A_NOTEBOOK[1])
    before = _repository_fingerprint()
    try:
        command = [COURSE, "grade", "ps00", str(klass), "--out", str(out), "--jobs", "2", *LIMITS]
        run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1800)
    finally:
        listener.close()
    return {"out": out, "run": run, "before": before, "after": _repository_fingerprint(), "connections": listener.connections, "class": klass}


def _results(graded, student: str) -> dict:
    return json.loads((graded["out"] / student / "results.json").read_text())


def _record(graded, student: str) -> dict:
    return json.loads((graded["out"] / student / "grading.json").read_text())


def test_corpus_batch_finishes_and_summarises(graded):
    run = graded["run"]
    assert run.returncode == 0, run.stderr[-2000:]
    assert f"graded {len(CASES) + len(FOLDER_CASES) + 1} submission(s) of ps00_gan_game" in run.stdout
    assert "sandbox: bubblewrap" in run.stdout


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_corpus_case_gets_its_expected_score_and_message(graded, case):
    results = _results(graded, case.name)
    everything = json.dumps(results)
    assert results["score"] == pytest.approx(case.expected), f"{case.name}: {results['output']}\n" + "\n".join(
        f"{t['name']}: {t['score']}/{t['max_score']} {t['output'][:150]}" for t in results["tests"] if t["score"] < t["max_score"]
    )
    assert case.says in everything, f"{case.name} should say {case.says!r}: {results['output']}"
    assert _record(graded, case.name)["ran"] == case.ran


@pytest.mark.parametrize("folder", sorted(FOLDER_CASES))
def test_corpus_submissions_without_one_notebook_are_named_and_score_zero(graded, folder):
    results = _results(graded, folder)
    assert results["score"] == 0.0
    assert FOLDER_CASES[folder][1] in results["output"]


def test_corpus_a_file_that_is_not_a_notebook_is_named(graded):
    results = _results(graded, Path(NOT_A_NOTEBOOK[0]).stem)
    assert results["score"] == 0.0 and NOT_A_NOTEBOOK[2] in results["output"]


def test_corpus_leaves_the_course_repository_unchanged(graded):
    assert graded["after"] == graded["before"]


def test_corpus_no_submission_reached_the_graders_loopback(graded):
    assert graded["connections"] == 0


def test_corpus_fake_results_are_overwritten_by_the_graders_own(graded):
    assert _results(graded, "writes_fake_results")["score"] == 0.0
    assert not (graded["class"] / "results.json").exists()


def test_corpus_hidden_tests_are_published_later_and_manual_questions_pending(graded):
    tests = _results(graded, "solved")["tests"]
    assert {t["visibility"] for t in tests if "(hidden)" in t["name"]} == {"after_published"}
    manual = [t for t in tests if t["number"] == "q7"]
    assert len(manual) == 1 and manual[0]["output"].startswith("pending") and "Rubric" in manual[0]["output"]


def test_corpus_gradebook_and_report_cover_the_class(graded):
    rows = (graded["out"] / "gradebook.csv").read_text().splitlines()
    assert rows[0].startswith("student,score,q1,q2,q3,q4,q5,q6,q7")
    assert len(rows) == 1 + len(CASES) + len(FOLDER_CASES) + 1
    report = (graded["out"] / "report.html").read_text()
    assert "bad_json" in report and "q1" in report


def test_corpus_rerun_skips_every_graded_submission(graded):
    command = [COURSE, "grade", "ps00", str(graded["class"]), "--out", str(graded["out"]), *LIMITS]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    total = len(CASES) + len(FOLDER_CASES) + 1
    assert f"({total} unchanged, skipped)" in run.stdout
    assert _results(graded, "solved")["score"] == FULL
