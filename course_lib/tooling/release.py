"""``course release OUT``: write the student edition of the course into OUT, and prove it holds no solution.

**What goes in.** What a student needs to install, open and work the course, copied from the
course root: the lectures ``notebooks/`` (the .py sources and the executed .ipynb), the problem
sets ``exercises/``, the library ``course_lib/`` (which the notebooks, ``check()`` and the
exercises import; without ``__pycache__``), and the files that install and open it:
``Makefile``, ``pyproject.toml``, ``environment.yml``, ``jupytext.toml``, ``jupyter_config/``,
``nbval_sanitize.cfg``, and ``.gitignore`` when there is one (a release is usually published as a
repository, and ``make lab`` creates ``.venv/`` inside it). The release gets its own ``README.md``, written here
for students (how to ``make lab``, what is in it, how ``check()`` works): the course README talks
about solutions/ and grading. A marker file, ``.course-release``, says that the folder is a
release, which a later release may replace wholesale. A stale exercises/ (not what ``course
assign`` writes from solutions/) is refused rather than released.

**What never goes in**: ``solutions/`` (solutions and hidden tests), ``tests/``, ``conftest.py``,
``.ci/``, ``.git/``, ``.venv/``, ``build/``. Only the names above are copied.

**``make test`` in the release: kept, and working.** The course's pytest settings name
``tests/`` and ``solutions/`` and lean on its ``conftest.py``, which keeps the .py halves of
notebook pairs from being imported as doctest modules and runs ``exercises/`` under lax nbval.
The release rewrites only ``[tool.pytest.ini_options]`` in its ``pyproject.toml``: ``testpaths``
keeps the folders that the release holds (``course_lib``, ``notebooks``, ``exercises``),
``--ignore-glob`` does conftest.py's work for the .py halves, and ``--nbval`` becomes
``--nbval-lax``. Lax for the lectures too, because a student runs and saves them, after which
their stored outputs are no longer the reference; what ``make test`` can honestly check on a
student's machine is that the library's doctests pass and every lecture and exercise runs top to
bottom. Comparing stored outputs stays the course repository's job (its own ``make test``). The
same command is how an instructor proves that a release stands on its own: ``make test`` in OUT
runs every notebook with no solutions/ and no tests/ in reach.

**The leak proof.** The secret lines are those of ``course assign``'s leak test
(:func:`course_lib.grading.assign.secret_lines`: solution regions and cells, one-line answers,
rubrics and hidden-test cells), for every problem set in solutions/. Every file of the release
is searched for each of them, a notebook through every string in its JSON (sources, outputs,
metadata). A secret line that the library publishes anyway, somewhere in its sources (a
reference implementation's line, an idiom such as ``finally:``), may stand in the library and the
lectures of the release, and only there: in exercises/ or the README it is a leak. Any
other secret line anywhere is a leak, and :func:`release` refuses to finish a release that
leaks, naming the file and line. Import lines are never secret (``secret_lines``).

**Atomicity.** The release is written into ``OUT.tmp-XXXX`` beside OUT, checked, marked, and
only then renamed to OUT (a previous release is moved aside first and deleted after). A failed
release removes its ``.tmp-`` folder; a killed one leaves it behind, never an OUT that looks complete.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from course_lib.grading.assign import make_exercise, render, secret_lines
from course_lib.grading.markers import MarkerError, ProblemSet, parse_problem_set
from course_lib.tooling.notebooks import find_pairs

MARKER = ".course-release"
MARKER_SIGNATURE = "This folder is a student release of the course, written by `course release`."
SOLUTIONS = "solutions"
EXERCISES = "exercises"
RELEASED_FOLDERS = ("notebooks", EXERCISES, "course_lib", "jupyter_config")
NOTEBOOK_FOLDERS = ("notebooks", EXERCISES)  # hold notebook pairs: their .py halves are not modules
INSTALL_FILES = ("Makefile", "pyproject.toml", "environment.yml", "jupytext.toml", "nbval_sanitize.cfg")
OPTIONAL_FILES = (".gitignore",)  # copied when the course has them
SKIPPED = ("__pycache__", "*.pyc", ".ipynb_checkpoints")  # build debris, whatever folder it is in
PYTEST_SECTION = "[tool.pytest.ini_options]"

# A secret line that the course's own library publishes gives nothing away (the
# library holds the reference implementations and common idioms): it is allowed in the library and
# the lectures of the release, and nowhere else (never in exercises/ or the README).
PUBLISHED_FOLDERS = ("course_lib/", "notebooks/")


class ReleaseError(Exception):
    """A release that cannot be written, or must not be. The message is one line saying what to do."""


@dataclass(frozen=True)
class Finding:
    """A secret line found in a released file: where, which line, and the problem set it comes from."""

    where: str  # `path:line`, or `path: cell N` in a notebook; the path relative to the release
    line: str
    source: str  # the solution file holding it
    shared: bool  # published by the library, and found in the library or a lecture

    def __str__(self) -> str:
        return f"{self.where}: leaks {self.line!r} from {self.source}"


# ---- the command ---------------------------------------------------------------------------


def release(out: Path, root: Path = Path(".")) -> int:
    """Write the student edition of the course at ``root`` into ``out``; return an exit code.

    Prints one summary line (how many files, where), or one line on stderr and returns 1: when
    ``out`` is not empty and holds no previous release, lies inside the course's solutions/ or is
    its root, when exercises/ is stale, or when a released file holds a secret line (named with
    its file and line). A previous release in ``out`` is replaced wholesale.
    """
    try:
        count, shared = write_release(Path(out), Path(root))
    except (ReleaseError, OSError) as error:
        print(f"course release: {error}", file=sys.stderr)
        return 1
    print(f"released {count} files to {out}/ (leak check passed: no solution or hidden-test line, but {shared} that the library publishes anyway)")
    return 0


def write_release(out: Path, root: Path) -> tuple[int, int]:
    """Do the work of :func:`release`; return (files written, distinct shared lines found). Raises ReleaseError."""
    _check_paths(out, root)
    problem_sets = _problem_sets(root)
    _check_exercises_current(problem_sets, root / EXERCISES)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{out.name}.tmp-", dir=out.parent))
    try:
        staging.chmod(0o777 & ~_umask())  # mkdtemp makes it private; a release is a folder like any other
        for relative in released_sources(root):
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / relative, target)
        (staging / "README.md").write_text(student_readme(root), encoding="utf-8")
        pyproject = staging / "pyproject.toml"
        pyproject.write_text(released_pyproject(pyproject.read_text(encoding="utf-8"), staging), encoding="utf-8")
        findings = scan_release(staging, release_secrets(root, problem_sets), published_lines(root))
        leaks = [finding for finding in findings if not finding.shared]
        if leaks:
            more = f" (and {len(leaks) - 1} more)" if len(leaks) > 1 else ""
            raise ReleaseError(
                f"{leaks[0]}{more}; nothing was released: remove the solution's line from that file"
            )
        count = sum(1 for p in staging.rglob("*") if p.is_file()) + 1
        (staging / MARKER).write_text(f"{MARKER_SIGNATURE}\n`course release` replaces it wholesale: keep no work of your own here.\nfiles: {count}\n", encoding="utf-8")
        _move_into_place(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return count, len({finding.line for finding in findings if finding.shared})


def _check_paths(out: Path, root: Path) -> None:
    missing = [name for name in (*RELEASED_FOLDERS, *INSTALL_FILES, SOLUTIONS) if not (root / name).exists()]
    if missing:
        raise ReleaseError(f"{root}: not a course folder (no {', '.join(missing)}); run `course release` from the course root")
    real_out, real_root = out.resolve(), root.resolve()
    if real_out == real_root:
        raise ReleaseError(f"{out}: is the course itself; release into a new folder, e.g. build/release")
    if real_root.is_relative_to(real_out):
        raise ReleaseError(f"{out}: holds the course; release into a new folder, e.g. build/release")
    for folder in (SOLUTIONS, *RELEASED_FOLDERS):
        if real_out.is_relative_to(real_root / folder):
            raise ReleaseError(f"{out}: is inside the course's {folder}/; release into a new folder, e.g. build/release")
    if out.exists() and not out.is_dir():
        raise ReleaseError(f"{out}: is a file; release into a new or empty folder")
    if out.is_dir() and any(out.iterdir()) and not is_release(out):
        raise ReleaseError(f"{out}: is not empty and holds no previous release (no {MARKER}); choose a new or empty folder")


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def is_release(folder: Path) -> bool:
    """Whether ``folder`` holds a release written by :func:`release` (its marker file)."""
    marker = folder / MARKER
    return marker.is_file() and marker.read_text(encoding="utf-8", errors="replace").startswith(MARKER_SIGNATURE)


def _move_into_place(staging: Path, out: Path) -> None:
    """Rename the finished release to ``out``; a previous release (or empty folder) is moved aside, then deleted."""
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f"{out.name}.old-", dir=out.parent))
        os.rename(out, old / out.name)
    os.rename(staging, out)
    if old is not None:
        shutil.rmtree(old)


# ---- what goes in --------------------------------------------------------------------------


def released_sources(root: Path) -> list[Path]:
    """The files copied from ``root``, relative to it: the released folders (without debris) and the install files."""
    files = [Path(name) for name in INSTALL_FILES] + [Path(name) for name in OPTIONAL_FILES if (root / name).is_file()]
    for folder in RELEASED_FOLDERS:
        for path in sorted((root / folder).rglob("*")):
            relative = path.relative_to(root)
            if path.is_file() and not any(fnmatch.fnmatch(part, pattern) for part in relative.parts for pattern in SKIPPED):
                files.append(relative)
    return files


def released_pyproject(text: str, release_root: Path) -> str:
    """``pyproject.toml`` with its pytest settings rewritten for the release (see the module docstring).

    ``testpaths`` keeps the folders that exist in ``release_root``; ``--nbval`` becomes
    ``--nbval-lax``; the .py halves of notebook pairs are ignored. The rest is kept as written.
    """
    config = tomllib.loads(text)
    options = dict(config.get("tool", {}).get("pytest", {}).get("ini_options", {}))
    start = text.find(PYTEST_SECTION + "\n")
    if not options or start < 0:
        raise ReleaseError(f"pyproject.toml: no {PYTEST_SECTION} section to rewrite for the release")
    next_section = re.compile(r"^\[", re.MULTILINE).search(text, start + len(PYTEST_SECTION))
    end = next_section.start() if next_section else len(text)
    options["testpaths"] = [path for path in options.get("testpaths", []) if (release_root / path).exists()]
    addopts = ["--nbval-lax" if option == "--nbval" else option for option in options.get("addopts", "").split()]
    addopts += [f"--ignore-glob={folder}/*.py" for folder in NOTEBOOK_FOLDERS]
    options["addopts"] = " ".join(addopts)
    lines = [
        PYTEST_SECTION,
        "# The student release: doctests in course_lib, and every lecture and exercise notebook must run",
        "# (lax nbval: your saved outputs are yours). The .py halves of notebook pairs are not modules.",
        *(f"{key} = {_toml_value(key, value)}" for key, value in options.items()),
    ]
    rewritten = text[:start] + "\n".join(lines) + "\n" + ("\n" + text[end:] if end < len(text) else "")
    reread = tomllib.loads(rewritten)
    reread["tool"]["pytest"]["ini_options"] = config["tool"]["pytest"]["ini_options"]
    if reread != config:
        raise ReleaseError(f"pyproject.toml: rewriting {PYTEST_SECTION} changed another setting; keep that section last or simple")
    return rewritten


def _toml_value(key: str, value: object) -> str:
    # A JSON string is a TOML basic string; the pytest settings hold only strings and lists of them.
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return "[" + ", ".join(json.dumps(item, ensure_ascii=False) for item in value) + "]"
    raise ReleaseError(f"pyproject.toml: {PYTEST_SECTION} {key} is a {type(value).__name__}; the release rewrites only strings and lists of strings")


def student_readme(root: Path) -> str:
    """The release's README.md: how to start, what is in it, how ``check()`` works."""
    course_readme = root / "README.md"
    headings = [line for line in course_readme.read_text(encoding="utf-8").splitlines() if line.startswith("# ")] if course_readme.is_file() else []
    title = headings[0] if headings else "# The course"
    lectures = "\n".join(f"| [`{py.stem}`](notebooks/{py.stem}.ipynb) | {_title(py)} |" for py, _ in find_pairs(root / "notebooks"))
    problem_sets = "\n".join(f"| [`{py.stem}`](exercises/{py.stem}.ipynb) | {_title(py)} |" for py, _ in find_pairs(root / EXERCISES))
    return f"""{title}

An interactive notebook course. It runs on a laptop CPU, offline once installed.

```bash
make lab    # create .venv if needed, then open JupyterLab on notebooks/00_index.ipynb
make test   # check your installation: the library's doctests, and every notebook and exercise runs
```

Both need Python 3.11, 3.12 or 3.13 (`make PYTHON=/path/to/python3.12 lab` to pick one). They create `.venv/`
on first use and reinstall only when `pyproject.toml` changes; nothing is downloaded after that.
PyTorch's default Linux build carries CUDA (several GB): for the CPU-only build, run
`export PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu` before the first `make`.
With conda instead: `conda env create -f environment.yml`, activate the environment it names,
then `course lab`.

## What is in it

Read the lectures in order, running each one top to bottom; play with the widgets, and before
running a **Check yourself** cell, predict what it will show. The course index, `00_index`,
says which problem set goes with which lecture.

| lecture | |
|---|---|
{lectures}

| problem set | |
|---|---|
{problem_sets}

`course_lib/` is the library behind the notebooks, the widgets and the checks.

## Working a problem set

Open it in JupyterLab and run it from the top. Each question says what to return, its shape,
and how it is checked. Replace `raise NotImplementedError` in a function, or the `...` of an
answer, with yours; written answers go in the cells marked **Your answer**.

Under each question, `check("q1")` runs that question's public tests in your own kernel and says
which pass and what to fix first. It says "passed" only for a test that compared your answer
with the right one; a test that only checked the form says so. `check_all()` prints one line per
question. The checks are advisory: hidden tests run when your work is graded, so passing every
public check does not guarantee every point.
"""


def _title(py_path: Path) -> str:
    """A notebook's title: its first markdown heading, without the `NN ·` prefix."""
    for line in py_path.read_text(encoding="utf-8").splitlines() if py_path.is_file() else []:
        if line.startswith("# # "):
            return line[len("# # "):].split(" · ", 1)[-1].strip()
    return py_path.stem


# ---- the checks ----------------------------------------------------------------------------


def _problem_sets(root: Path) -> list[ProblemSet]:
    sources = [py for py, _ in find_pairs(root / SOLUTIONS) if py.exists()]
    if not sources:
        raise ReleaseError(f"{root / SOLUTIONS}: no problem set, so no secret lines to check the release against")
    try:
        return [parse_problem_set(path) for path in sources]
    except MarkerError as error:
        raise ReleaseError(f"{error}; fix it before releasing") from None


def _check_exercises_current(problem_sets: list[ProblemSet], exercises_dir: Path) -> None:
    """Raise unless exercises/ is exactly what ``course assign`` would write (a stale one is not released)."""
    wanted: dict[str, bytes] = {}
    for problem_set in problem_sets:
        wanted.update(render(make_exercise(problem_set), problem_set.path.stem, exercises_dir))
    present = {p.name for p in exercises_dir.iterdir() if p.suffix in (".py", ".ipynb")}
    for name in sorted(set(wanted) | present):
        path = exercises_dir / name
        if name not in wanted or not path.is_file() or path.read_bytes() != wanted[name]:
            raise ReleaseError(f"{path}: stale, missing or without a source; run `course assign` before releasing")


def release_secrets(root: Path, problem_sets: list[ProblemSet] | None = None) -> dict[str, str]:
    """Every secret line of every problem set in ``root``/solutions/, mapped to the solution file holding it."""
    secrets: dict[str, str] = {}
    for problem_set in problem_sets if problem_sets is not None else _problem_sets(root):
        source = f"{SOLUTIONS}/{problem_set.path.name}"
        for line in secret_lines(problem_set):
            secrets.setdefault(line, source)
    return secrets


def find_release_leaks(out: Path, root: Path) -> list[str]:
    """One line per secret line of ``root``'s solutions/ found in the release ``out``, outside what the course publishes.

    Each reads ``OUT/path:line: leaks 'the line' from solutions/psNN_topic.py``, or
    ``OUT/path: cell N: ...`` in a notebook.
    """
    findings = scan_release(out, release_secrets(root), published_lines(root))
    return [f"{out}/{finding}" for finding in findings if not finding.shared]


def published_lines(root: Path) -> str:
    """The text of the library's sources: what the course publishes anyway (searched as the scan searches).

    Only the library: a solution line pasted into a lecture does not make itself public.
    """
    sources = sorted(path for path in (root / "course_lib").rglob("*.py") if "__pycache__" not in path.parts)
    return "\n".join(path.read_text(encoding="utf-8") for path in sources)


def scan_release(out: Path, secrets: dict[str, str], published: str = "") -> list[Finding]:
    """Every secret line found in every file under ``out``, and whether the course publishes it in that folder."""
    findings = []
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        relative = path.relative_to(out).as_posix()
        findings += scan_file(relative, path.read_bytes(), secrets, published if relative.startswith(PUBLISHED_FOLDERS) else "")
    return findings


def scan_file(name: str, data: bytes, secrets: dict[str, str], published: str = "") -> list[Finding]:
    """Every secret line found in one file's bytes (a ``.ipynb`` ``name`` is searched through its JSON strings).

    The leak check of both ``course release`` and ``course assign`` (which scans an exercise before
    writing it). A finding is ``shared`` when ``published`` holds its line too.
    """
    text = _searchable_text(name, data)
    return [Finding(f"{name}{_locate(name, data, line)}", line, secrets[line], line in published) for line in sorted(secrets) if line in text]


def _searchable_text(name: str, data: bytes) -> str:
    """All the text a file holds: a notebook's every JSON string (sources joined), any other file decoded."""
    raw = data.decode("utf-8", errors="replace")
    if not name.endswith(".ipynb"):
        return raw
    try:
        return "\n".join([raw, *_strings(json.loads(raw))])
    except json.JSONDecodeError:
        return raw


def _strings(node: object) -> list[str]:
    """Every string in a JSON tree; a list of strings (a cell's source, an output's lines) also joined."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [text for value in node.values() for text in _strings(value)]
    if isinstance(node, list):
        joined = ["".join(node)] if node and all(isinstance(item, str) for item in node) else []
        return joined + [text for item in node for text in _strings(item)]
    return []


def _locate(name: str, data: bytes, line: str) -> str:
    """Where in the file the line stands: ``:N``, its first text line; in a notebook, ``: cell N`` (from 0)."""
    if name.endswith(".ipynb"):
        try:
            cells = json.loads(data).get("cells", [])
        except (json.JSONDecodeError, AttributeError):
            cells = []
        for index, cell in enumerate(cells):
            if any(line in text for text in _strings(cell)):
                return f": cell {index}"
        return ": metadata"
    text = data.decode("utf-8", errors="replace")
    return f":{text.count(chr(10), 0, text.find(line)) + 1}"
