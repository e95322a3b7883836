"""`course grade --gradescope`: the autograder zip, and its run_autograder run against a fake /autograder tree."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
COURSE = str(Path(sys.executable).with_name("course"))


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gradescope")
    run = subprocess.run([COURSE, "grade", "--gradescope", "ps00", "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    return out / "ps00_gan_game.zip"


def test_gradescope_zip_holds_setup_run_autograder_and_the_source(autograder_zip):
    with zipfile.ZipFile(autograder_zip) as archive:
        names = set(archive.namelist())
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
    assert {"setup.sh", "run_autograder", "course/pyproject.toml", "course/solutions/ps00_gan_game.py"} <= names
    assert "course/course_lib/grading/autograde.py" in names
    assert modes["run_autograder"] & 0o111 and modes["setup.sh"] & 0o111
    assert not any("__pycache__" in name or name.startswith("course/tests") for name in names)


def _fake_autograder(tmp_path: Path, autograder_zip: Path, notebook: Path) -> Path:
    root = tmp_path / "autograder"
    with zipfile.ZipFile(autograder_zip) as archive:
        archive.extractall(root / "source")
    (root / "submission").mkdir(parents=True)
    (root / "submission" / notebook.name).write_bytes(notebook.read_bytes())
    return root


def _run_autograder(root: Path) -> dict:
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "COURSE_PYTHON": sys.executable}
    run = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads((root / "results" / "results.json").read_text())


def test_run_autograder_gives_the_solution_full_marks(tmp_path, autograder_zip):
    results = _run_autograder(_fake_autograder(tmp_path, autograder_zip, ROOT / "solutions/ps00_gan_game.ipynb"))
    assert results["score"] == 8.0
    assert {"name", "score", "max_score", "status", "output", "visibility"} <= set(results["tests"][0])


def test_run_autograder_writes_results_even_when_the_grader_fails(tmp_path, autograder_zip):
    root = _fake_autograder(tmp_path, autograder_zip, ROOT / "exercises/ps00_gan_game.ipynb")
    (root / "source" / "course" / "solutions" / "ps00_gan_game.py").write_text("this is not a problem set")
    results = _run_autograder(root)
    assert results["score"] == 0.0 and "tell your instructor" in results["output"]
