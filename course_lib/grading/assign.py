"""``course assign``: regenerate exercises/ from solutions/, deterministically, and check for leaks.

For each problem set ``solutions/psNN_topic.py``, the exercise keeps every cell except these:

- solution regions in code become ``# YOUR CODE HERE`` and ``raise NotImplementedError``;
- a one-line answer ``x = value  # SOLUTION`` becomes ``x = ...  # YOUR ANSWER HERE``;
- a markdown solution cell becomes an answer placeholder (tagged ``answer``);
- question headers, rubrics and hidden-test cells are removed; outputs are cleared.

Both files of the pair are written through :func:`course_lib.tooling.notebooks.write_pair`.

Before anything is written, two checks: a header that states ``**Points:** N`` must state the sum
of its questions' points, and no exercise may hold a secret line of any solution (the leak check
of ``course release``, :func:`course_lib.tooling.release.scan_file`), as a public test that
gives the answer away would.
"""

from __future__ import annotations

import copy
import re
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat
from jupytext.config import find_jupytext_configuration_file

from course_lib.grading.markers import ANSWER_TAG, MarkerError, ProblemSet, Region, parse_problem_set
from course_lib.tooling.notebooks import find_pairs, write_pair

STUB = ["# YOUR CODE HERE", "raise NotImplementedError"]
INLINE_STUB = "...  # YOUR ANSWER HERE"
DROPPED_ROLES = {"begin-question", "end-question", "rubric", "hidden-tests"}
SECRET_ROLES = {"solution", "rubric", "hidden-tests"}
TRIVIAL_LENGTH = 8  # shorter lines (`return x`, `pass`, `)`) are too common to count as a leak
STATED_POINTS = re.compile(r"\*\*Points:?\*\*:?\s*(\d+(?:\.\d+)?)", re.IGNORECASE)  # "**Points:** 10" in a header


def make_exercise(problem_set: ProblemSet) -> nbformat.NotebookNode:
    """The student version of a parsed problem set: stubs, placeholders, no hidden tests, no outputs."""
    exercise = copy.deepcopy(problem_set.notebook)
    cells = []
    for index, cell in enumerate(exercise.cells):
        role = problem_set.roles[index]
        if role in DROPPED_ROLES:
            continue
        if role == "solution":
            cell = _answer_placeholder(problem_set.owner[index], problem_set.question(problem_set.owner[index]).manual)
        elif index in problem_set.regions:
            cell.source = "\n".join(_stub_lines(cell.source.splitlines(), problem_set.regions[index]))
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cells.append(cell)
    exercise.cells = cells
    return exercise


def _answer_placeholder(question: str, manual: bool) -> nbformat.NotebookNode:
    what = "your proof or explanation" if manual else "your answer"
    text = f"**Your answer to {question}.** _Double-click this cell and replace this line with {what}; write maths as $...$._"
    return nbformat.v4.new_markdown_cell(text, metadata={"tags": [ANSWER_TAG]})


def _stub_lines(lines: list[str], regions: list[Region]) -> list[str]:
    """Replace each region by its stub, keeping the indentation of its first marker line."""
    out, skip_until = [], -1
    starts = {region.start: region for region in regions}
    for number, line in enumerate(lines):
        if number <= skip_until:
            continue
        region = starts.get(number)
        if region is None:
            out.append(line)
        elif region.inline:
            target = line[: line.index("=") + 1]  # checked: a single assignment `name = value`
            out.append(f"{target} {INLINE_STUB}")
        else:
            indent = line[: len(line) - len(line.lstrip())]
            out += [indent + stub for stub in STUB]
            skip_until = region.end
    return out


# ---- leaks ---------------------------------------------------------------------------------


def secret_lines(problem_set: ProblemSet) -> set[str]:
    """Non-trivial lines that only the solution may hold: solution regions and cells, rubrics, hidden tests.

    A line that also stands in a public part of the source (a prompt, a public test, the code
    around a region) is not secret, so the exercise may contain it.
    """
    secret, public = set(), set()
    for index, cell in enumerate(problem_set.notebook.cells):
        lines = cell.source.splitlines()
        hidden = set(range(len(lines))) if problem_set.roles[index] in SECRET_ROLES else set()
        for region in problem_set.regions.get(index, []):
            hidden |= set(range(region.start, region.end + 1))
        for number, line in enumerate(lines):
            text = _answer_text(line) if number in hidden else line.strip()
            (secret if number in hidden else public).add(text)
            if text != line.strip():  # a one-line answer: its value can leak on its own
                secret.add(text.split("=", 1)[1].strip())
    return {line for line in secret - public if _is_substantive(line)}


def _answer_text(line: str) -> str:
    line = line.strip()
    return line[: -len("# SOLUTION")].strip() if line.endswith("# SOLUTION") else line


def _is_substantive(line: str) -> bool:
    """Long enough to give something away, and not a comment or an import (which names only what it uses)."""
    squeezed = "".join(line.split())
    is_import = line.startswith(("import ", "from ")) and " import " in f" {line} "
    return len(squeezed) >= TRIVIAL_LENGTH and not line.startswith(("#", "//")) and not is_import


def find_leaks(secrets: set[str], paths: list[Path]) -> list[str]:
    """One line per secret line found in an exercise file: ``path: leaks 'line'``.

    It searches as ``course release`` does (:func:`course_lib.tooling.release.scan_file`): a
    notebook through every string of its JSON, sources and outputs.
    """
    from course_lib.tooling.release import scan_file  # here, not above: release imports this module

    unlabelled = dict.fromkeys(secrets, "")
    return [f"{path}: leaks {finding.line!r}" for path in paths for finding in scan_file(path.name, path.read_bytes(), unlabelled)]


def exercise_leaks(problem_sets: list[ProblemSet], rendered: dict[str, bytes], exercises_dir: Path) -> list[str]:
    """The leak check of ``course release``, run on the exercises before they are written.

    Every secret line of every problem set (:func:`secret_lines`) is looked for in every rendered
    file; a public part of a source (a public test, a prompt) that holds one would give it away.
    Returns one line per finding: ``exercises/psNN.py:LINE: leaks 'the line' from solutions/psNN.py``.
    """
    from course_lib.tooling.release import release_secrets, scan_file  # here, not above: release imports this module

    secrets = release_secrets(exercises_dir.parent, problem_sets)
    return [str(finding) for name, data in sorted(rendered.items()) for finding in scan_file(str(exercises_dir / name), data, secrets)]


# ---- the stated points ---------------------------------------------------------------------


def check_stated_points(problem_set: ProblemSet) -> None:
    """If the problem set's header states ``**Points:** N``, N must be the sum of its questions' points.

    The header is every cell before the first question. Raises MarkerError at the line of the statement.
    """
    total = sum(question.points for question in problem_set.questions)
    first_question = problem_set.roles.index("begin-question")
    for index in range(first_question):
        cell = problem_set.notebook.cells[index]
        for number, line in enumerate(cell.source.splitlines()):
            for match in STATED_POINTS.finditer(line):
                stated = float(match.group(1))
                if abs(stated - total) > 1e-9:
                    each = ", ".join(f"{q.name} {q.points:g}" for q in problem_set.questions)
                    raise MarkerError(
                        problem_set.path,
                        problem_set.starts[index] + number,
                        f"the header says **Points:** {stated:g} but the questions' points add up to {total:g} ({each}): "
                        f"write **Points:** {total:g} in the header",
                    )


# ---- the command ---------------------------------------------------------------------------


def render(exercise: nbformat.NotebookNode, name: str, exercises_dir: Path) -> dict[str, bytes]:
    """The bytes of both files of ``name``'s pair, exactly as write_pair would write them in ``exercises_dir``.

    They are written in a scratch folder outside the project, next to a copy of the
    jupytext.toml that governs ``exercises_dir``, so that ``--check`` touches nothing in it.
    """
    config = find_jupytext_configuration_file(str(exercises_dir if exercises_dir.is_dir() else exercises_dir.parent))
    with tempfile.TemporaryDirectory(prefix="course-assign-") as scratch:
        if config:
            shutil.copy(config, Path(scratch) / Path(config).name)
        py_path, ipynb_path = Path(scratch) / f"{name}.py", Path(scratch) / f"{name}.ipynb"
        write_pair(copy.deepcopy(exercise), py_path, ipynb_path)
        return {py_path.name: py_path.read_bytes(), ipynb_path.name: ipynb_path.read_bytes()}


def assign(solutions_dir: Path, exercises_dir: Path, check_only: bool = False) -> int:
    """Regenerate ``exercises_dir`` from the problem sets in ``solutions_dir``; return an exit code.

    With ``check_only``, write nothing, and return 1 naming each stale, missing or extra file.
    A marker error, a header whose ``**Points:**`` is not the questions' sum, or an exercise that
    would leak a solution line (the leak check of ``course release``) prints one line on stderr
    and returns 1 before any file is written.
    """
    sources = [py for py, _ in find_pairs(solutions_dir) if py.exists()]
    try:
        problem_sets = [parse_problem_set(path) for path in sources]
        for problem_set in problem_sets:
            check_stated_points(problem_set)
    except MarkerError as error:
        print(str(error), file=sys.stderr)
        return 1
    wanted: dict[str, bytes] = {}
    for problem_set in problem_sets:
        wanted.update(render(make_exercise(problem_set), problem_set.path.stem, exercises_dir))
    leaks = exercise_leaks(problem_sets, wanted, exercises_dir)
    if leaks:
        more = f" (and {len(leaks) - 1} more)" if len(leaks) > 1 else ""
        fix = "a public part of the source (a public test, a prompt) gives the answer away: check the form there, the answer in hidden tests"
        print(f"{leaks[0]}{more}; nothing was written: {fix}", file=sys.stderr)
        return 1
    stale, extra = _differences(wanted, exercises_dir)
    if check_only:
        for name in stale:
            print(f"{exercises_dir / name}: stale; run `course assign` to regenerate it", file=sys.stderr)
        for name in extra:
            print(f"{exercises_dir / name}: has no source in {solutions_dir}/; `course assign` removes it", file=sys.stderr)
        problems = len(stale) + len(extra)
        verdict = f"{problems} file(s) out of date" if problems else "exercises are up to date"
        print(f"checked {len(problem_sets)} problem set(s): {verdict}")
        return 1 if problems else 0
    exercises_dir.mkdir(parents=True, exist_ok=True)
    for name in stale:
        (exercises_dir / name).write_bytes(wanted[name])
    for name in extra:
        (exercises_dir / name).unlink()
    print(f"assigned {len(problem_sets)} problem set(s) to {exercises_dir}/: {len(stale)} file(s) written, {len(extra)} removed")
    return 0


def _differences(wanted: dict[str, bytes], exercises_dir: Path) -> tuple[list[str], list[str]]:
    """The files whose bytes differ from ``wanted`` (or are missing), and the notebook files not wanted."""
    def current(name: str) -> bytes | None:
        path = exercises_dir / name
        return path.read_bytes() if path.is_file() else None

    existing = {p.name for p in exercises_dir.glob("*") if p.suffix in (".py", ".ipynb")} if exercises_dir.is_dir() else set()
    stale = sorted(name for name, data in wanted.items() if current(name) != data)
    return stale, sorted(existing - set(wanted))
