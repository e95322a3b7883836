"""``course grade --gradescope PS``: a Gradescope autograder zip that runs this same grader.

Gradescope builds an image from the zip's ``setup.sh`` once, then, for each submission, copies
the student's files into ``/autograder/submission`` and runs ``run_autograder``, which must leave
``/autograder/results/results.json``. Ours installs the course library (the exact pins of
``pyproject.toml``) and bubblewrap, and grades with :func:`grade_gradescope_submission`: the
same plan, sandbox, probes and judging as ``course grade``. The problem set's source (with its
hidden tests) goes into the zip, readable by root only; student code never runs as root.

Example: ``course grade --gradescope ps01`` writes ``build/gradescope/ps01_optimal_discriminator.zip``.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import traceback
import zipfile
from pathlib import Path

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, to build the autograder image.
set -euo pipefail
apt-get update
apt-get install -y --no-install-recommends bubblewrap python3.11 python3.11-venv || apt-get install -y --no-install-recommends bubblewrap python3 python3-venv
PYTHON=$(command -v python3.11 || command -v python3)
"$PYTHON" -m venv /autograder/venv
# torch==2.13.0 is pinned in pyproject.toml; its CPU build is enough to grade.
/autograder/venv/bin/pip install --quiet --extra-index-url https://download.pytorch.org/whl/cpu /autograder/source/course
chmod -R go-rwx /autograder/source
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for each submission; it always leaves results/results.json.
set -u
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
PYTHON="${{COURSE_PYTHON:-$ROOT/venv/bin/python}}"
cd "$ROOT"
"$PYTHON" -m course_lib.grading.gradescope "$ROOT" "$ROOT/source/course/solutions/{source_name}"
"""


def build_autograder(source: Path, out_dir: Path, root: Path = Path(".")) -> int:
    """Write ``out_dir/<problem set>.zip``; return an exit code."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{source.stem}.zip"
    with tempfile.TemporaryDirectory(prefix="gradescope-") as scratch:
        course = Path(scratch) / "course"  # Gradescope unzips into /autograder/source: this is /autograder/source/course
        shutil.copytree(root / "course_lib", course / "course_lib", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        for name in ("pyproject.toml", "README.md"):
            shutil.copy(root / name, course / name)
        (course / "solutions").mkdir()
        shutil.copy(source, course / "solutions" / source.name)
        partial = target.with_name(f".{target.name}.tmp")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            _add_script(archive, "setup.sh", SETUP_SH)
            _add_script(archive, "run_autograder", RUN_AUTOGRADER.format(source_name=source.name))
            for path in sorted(Path(scratch).rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(scratch).as_posix())
        partial.replace(target)
    print(f"wrote {target}: upload it as the autograder of {source.stem} (Gradescope: Configure Autograder > Zip file upload)")
    return 0


def _add_script(archive: zipfile.ZipFile, name: str, text: str) -> None:
    info = zipfile.ZipInfo(name)
    info.external_attr = 0o755 << 16  # executable, as Gradescope runs it
    archive.writestr(info, text)


def grade_gradescope_submission(root: Path, source: Path) -> dict:
    """Grade ``root/submission`` (one student's files) and write ``root/results/results.json``.

    Whatever happens, a results file is written: an error in the grader itself becomes a score
    of 0 with a message asking the student to tell the instructor.
    """
    results_path = root / "results" / "results.json"
    try:
        from course_lib.grading.autograde import make_plan, write_json_atomically
        from course_lib.grading.batch import grade_one, submission_from
        from course_lib.grading.sandbox import Limits, sandbox_mode

        limits = Limits()
        plan = make_plan(source, limits)
        submission = submission_from(root / "submission", plan.name)
        with tempfile.TemporaryDirectory(prefix="graded-") as out:
            graded = grade_one(plan, submission, Path(out), limits, slot=0, mode=sandbox_mode())
        write_json_atomically(results_path, graded.results)
        return graded.results
    except Exception:  # the grader's own failure: still a results file, and the traceback for the instructor
        failure = {"score": 0.0, "output": "The autograder failed on this submission; tell your instructor.\n\n" + traceback.format_exc()[-3000:], "tests": []}
        results_path.parent.mkdir(parents=True, exist_ok=True)
        results_path.write_text(json.dumps(failure, indent=2) + "\n", encoding="utf-8")
        return failure


if __name__ == "__main__":
    grade_gradescope_submission(Path(sys.argv[1]), Path(sys.argv[2]))
