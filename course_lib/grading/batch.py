"""``course grade``: a whole class, graded in parallel, resumable, with a gradebook and a class report.

Submissions are notebooks, folders, or zips of a class (one folder or file per student). Each
student gets ``OUT/<student>/results.json`` (Gradescope's schema), written atomically, beside a
``grading.json`` that records what was graded. A re-run skips every student whose notebook and
problem set are unchanged, unless ``force`` is set, so an interrupted batch resumes where it
stopped. ``OUT/gradebook.csv`` and ``OUT/report.html`` are rebuilt from every results file at
the end.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import statistics
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from queue import Queue

from tqdm.auto import tqdm

from course_lib.grading.autograde import GradingPlan, Graded, grade_notebook, make_plan, ungradable, write_json_atomically
from course_lib.grading.class_report import QuestionInfo, StudentRecord, write_class_report, write_gradebook
from course_lib.grading.sandbox import BUBBLEWRAP, FALLBACK_WARNING, Limits, sandbox_mode

MAX_ZIP_BYTES = 1 << 30  # a class of notebooks is tens of MB; more is a zip bomb
MAX_ZIP_FILES = 20_000
IGNORED = ("__MACOSX", ".ipynb_checkpoints", ".DS_Store")


@dataclass(frozen=True)
class Submission:
    """One student's work: the notebook to grade, or the reason there is none."""

    student: str
    notebook: Path | None
    problem: str = ""  # why it cannot be graded, or a note (which of two notebooks was taken)


# ---- finding the submissions ----------------------------------------------------------------


def find_submissions(paths: list[Path], problem_set: str, scratch: Path) -> list[Submission]:
    """Each path is a notebook (one student), a folder or a zip (one entry per student)."""
    submissions: list[Submission] = []
    for path in paths:
        if path.suffix == ".zip":
            folder = scratch / f"zip-{len(submissions)}-{_safe_name(path.stem)}"
            extract_zip(path, folder)
            entries = _class_entries(folder)
            if len(entries) == 1 and entries[0].is_dir() and not list(entries[0].glob("*.ipynb")):
                entries = _class_entries(entries[0])  # a zip of one folder that holds the class
            submissions += [submission_from(entry, problem_set) for entry in entries]
        elif path.is_dir() and not path.suffix == ".ipynb":
            submissions += [submission_from(entry, problem_set) for entry in _class_entries(path)]
        else:
            submissions.append(submission_from(path, problem_set))
    return _unique_names(submissions)


def _class_entries(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name not in IGNORED and not p.name.startswith("."))


def submission_from(entry: Path, problem_set: str) -> Submission:
    student = _safe_name(entry.stem if entry.is_file() else entry.name)
    if entry.is_file():
        if entry.suffix != ".ipynb":
            return Submission(student, None, f"{entry.name} is not a notebook (.ipynb): submit the notebook itself")
        return Submission(student, entry)
    notebooks = sorted(p for p in entry.rglob("*.ipynb") if not any(part in IGNORED for part in p.parts))
    if not notebooks:
        found = ", ".join(sorted(p.name for p in entry.rglob("*") if p.is_file())[:5]) or "nothing"
        return Submission(student, None, f"no notebook (.ipynb) in the submission (found: {found})")
    if len(notebooks) == 1:
        return Submission(student, notebooks[0])
    named = [p for p in notebooks if p.stem.startswith(problem_set)]
    listing = ", ".join(p.name for p in notebooks)
    if len(named) == 1:
        return Submission(student, named[0], f"{len(notebooks)} notebooks were submitted ({listing}); {named[0].name} was graded")
    return Submission(student, None, f"{len(notebooks)} notebooks were submitted ({listing}); submit only {problem_set}.ipynb")


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")[:80] or "student"


def _unique_names(submissions: list[Submission]) -> list[Submission]:
    seen: dict[str, int] = {}
    unique = []
    for submission in submissions:
        count = seen.get(submission.student, 0)
        seen[submission.student] = count + 1
        name = submission.student if count == 0 else f"{submission.student}-{count + 1}"
        unique.append(Submission(name, submission.notebook, submission.problem))
    return unique


def extract_zip(path: Path, folder: Path) -> None:
    """Extract a class zip safely: no absolute paths, no `..`, no links, bounded size and count."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise ValueError(f"{path} is not a valid zip file") from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) > MAX_ZIP_FILES or sum(m.file_size for m in members) > MAX_ZIP_BYTES:
            raise ValueError(f"{path} holds more than {MAX_ZIP_FILES} files or {MAX_ZIP_BYTES >> 20} MB: is it the right zip?")
        for member in members:
            parts = Path(member.filename.replace("\\", "/")).parts
            is_link = (member.external_attr >> 16) & 0o170000 == 0o120000
            if not parts or member.filename.startswith("/") or ".." in parts or is_link:
                continue  # a path that could land outside the folder: skipped
            target = folder.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as source, open(target, "wb") as sink:
                shutil.copyfileobj(source, sink)


# ---- grading the class ----------------------------------------------------------------------


def fingerprint(plan: GradingPlan, submission: Submission) -> str:
    """What a result depends on: the notebook's bytes and the problem set's source."""
    digest = hashlib.sha256(plan.fingerprint.encode())
    if submission.notebook is not None:
        digest.update(submission.notebook.read_bytes())
    digest.update(submission.problem.encode())
    return digest.hexdigest()


def already_graded(out: Path, submission: Submission, plan: GradingPlan) -> bool:
    record, results = out / submission.student / "grading.json", out / submission.student / "results.json"
    try:
        return results.is_file() and json.loads(record.read_text())["fingerprint"] == fingerprint(plan, submission)
    except (OSError, ValueError, KeyError, TypeError):
        return False


def grade_one(plan: GradingPlan, submission: Submission, out: Path, limits: Limits, slot: int, mode: str) -> Graded:
    """Grade one submission and write its two files (record first, results last: results mark it done)."""
    if submission.notebook is None:
        graded = ungradable(plan, submission.problem, mode, 0.0)
    else:
        graded = grade_notebook(plan, submission.notebook, limits, slot, mode)
        if submission.problem:
            graded.problems.insert(0, submission.problem)
            graded.results["output"] += f"\nNote: {submission.problem}"
    folder = out / submission.student
    record = {"student": submission.student, "fingerprint": fingerprint(plan, submission), "ran": graded.ran, "problems": graded.problems, "sandbox": mode}
    write_json_atomically(folder / "grading.json", record)
    write_json_atomically(folder / "results.json", graded.results)
    return graded


def grade_class(problem_set: Path, paths: list[Path], out: Path, jobs: int = 1, force: bool = False, limits: Limits = Limits()) -> int:
    """Grade every submission in ``paths`` against ``problem_set``; write results, gradebook and report.

    Returns 0 when every submission was graded (whatever its score), 1 if the batch itself failed.
    """
    start = time.monotonic()
    plan = make_plan(problem_set, limits)
    mode = sandbox_mode()
    if mode != BUBBLEWRAP:
        print(FALLBACK_WARNING, file=sys.stderr)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="course-grade-") as scratch:
        submissions = find_submissions(paths, plan.name, Path(scratch))
        todo = [s for s in submissions if force or not already_graded(out, s, plan)]
        _grade_all(plan, todo, out, jobs, limits, mode)
    records = load_records(out, [s.student for s in submissions])
    questions = [QuestionInfo(q.name, q.points, q.manual) for q in plan.questions]
    write_gradebook(out / "gradebook.csv", questions, records)
    notes = [f"sandbox: {mode}"] + ([FALLBACK_WARNING] if mode != BUBBLEWRAP else [])
    write_class_report(out / "report.html", f"{plan.name}: class report", questions, records, notes)
    print(_summary(plan, records, len(submissions) - len(todo), time.monotonic() - start, out, mode))
    return 0


def _grade_all(plan: GradingPlan, todo: list[Submission], out: Path, jobs: int, limits: Limits, mode: str) -> None:
    slots: Queue[int] = Queue()
    for slot in range(jobs):
        slots.put(slot)

    def work(submission: Submission) -> Graded:
        slot = slots.get()
        try:
            return grade_one(plan, submission, out, limits, slot, mode)
        finally:
            slots.put(slot)

    with ThreadPoolExecutor(max_workers=jobs) as pool, tqdm(total=len(todo), desc=f"grading {plan.name}", unit="notebook") as bar:
        futures = {pool.submit(work, submission): submission for submission in todo}
        for future in as_completed(futures):
            future.result()  # a grader bug stops the batch loudly; graded files stay, and a re-run resumes
            bar.update()


def load_records(out: Path, students: list[str]) -> list[StudentRecord]:
    """The class as the results files on disk say, for the gradebook and the report."""
    records = []
    for student in students:
        try:
            results = json.loads((out / student / "results.json").read_text())
            record = json.loads((out / student / "grading.json").read_text())
        except (OSError, ValueError):
            continue
        records.append(StudentRecord(student, results, bool(record.get("ran")), tuple(record.get("problems", ()))))
    return records


def _summary(plan: GradingPlan, records: list[StudentRecord], skipped: int, seconds: float, out: Path, mode: str) -> str:
    scores = [r.results.get("score", 0.0) for r in records]
    failed = [r.student for r in records if not r.ran]
    lines = [
        f"graded {len(records)} submission(s) of {plan.name} in {seconds:.0f} s ({skipped} unchanged, skipped); sandbox: {mode}",
        f"auto-graded score out of {plan.auto_points:g}: mean {statistics.mean(scores):.2f}, median {statistics.median(scores):.2f}" if scores else "no scores",
    ]
    if failed:
        lines.append(f"{len(failed)} failed to run: {', '.join(failed[:10])}{' ...' if len(failed) > 10 else ''}")
    manual = [q.name for q in plan.questions if q.manual]
    if manual:
        lines.append(f"graded by hand, pending: {', '.join(manual)}")
    lines.append(f"results: {out}/<student>/results.json; gradebook: {out / 'gradebook.csv'}; report: {out / 'report.html'}")
    return "\n".join(lines)
