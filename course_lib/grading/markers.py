"""The marker grammar of a problem set in solutions/: one parser, strict, with file:line errors.

solutions/README.md documents the grammar with an example. In brief (otter's and nbgrader's
markers, in Jupytext percent form):

- a raw cell ``# BEGIN QUESTION`` with lines ``name: q1``, ``points: 2``, ``manual: false``
  opens a question; a raw cell ``# END QUESTION`` closes it;
- in a code cell, ``# BEGIN SOLUTION`` ... ``# END SOLUTION`` (inside a function) marks a
  solution region, and ``answer = value  # SOLUTION`` marks a one-line answer;
- a markdown cell tagged ``solution`` is a whole solution cell (a written answer or proof);
  a markdown cell tagged ``rubric`` is the rubric of a question graded by hand;
- code cells tagged ``public-tests`` and ``hidden-tests`` register the question's tests.

Any line that looks like a marker but is not valid where it stands is an error: a marker that
the tool ignored could send a solution to the students.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from course_lib.tooling.notebooks import read_source

BEGIN_QUESTION, END_QUESTION = "# BEGIN QUESTION", "# END QUESTION"
BEGIN_SOLUTION, END_SOLUTION = "# BEGIN SOLUTION", "# END SOLUTION"
INLINE_SOLUTION = "# SOLUTION"
SOLUTION, RUBRIC, PUBLIC_TESTS, HIDDEN_TESTS = "solution", "rubric", "public-tests", "hidden-tests"
GRADING_TAGS = {SOLUTION, RUBRIC, PUBLIC_TESTS, HIDDEN_TESTS}
ANSWER_TAG = "answer"  # written by `course assign` on answer placeholders; never in a source
HEADER_KEYS = {"name", "points", "manual"}
QUESTION_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
RUBRIC_ITEM = re.compile(r"^\s*[-*]\s*\((\d+(?:\.\d+)?)\s*pts?\)", re.IGNORECASE)
# Anything a reader could take for a marker: checked against the grammar wherever it appears.
LOOKS_LIKE_MARKER = re.compile(
    r"^\s*#*\s*(BEGIN|END)\s*(SOLUTIONS?|QUESTIONS?|((PUBLIC|HIDDEN)[\s_-]*)?TESTS?|HIDDEN|PROMPT|RUBRIC)\b", re.IGNORECASE
)
LOOKS_LIKE_INLINE = re.compile(r"#+\s*SOLUTIONS?\b", re.IGNORECASE)
TAG_WORDS = re.compile(r"solution|test|hidden|rubric|answer|question", re.IGNORECASE)
# A line within a small edit distance of a marker is a misspelled marker (`# BEGIN SOLUTON`): the
# parser would skip it, and its partner would be blamed, or worse, a solution would reach students.
MARKERS = (BEGIN_SOLUTION, END_SOLUTION, INLINE_SOLUTION, BEGIN_QUESTION, END_QUESTION)


class MarkerError(Exception):
    """A misplaced or malformed marker. ``str(error)`` is ``path:line: what is wrong and what to do``."""

    def __init__(self, path: Path, line: int, message: str):
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line, self.message = path, line, message


@dataclass
class Question:
    """One question: its header, and the cells (by index) that belong to it."""

    name: str
    points: float
    manual: bool
    line: int
    cells: list[int] = field(default_factory=list)
    public_tests: int = 0
    hidden_tests: int = 0
    solutions: int = 0
    rubric_points: float | None = None


@dataclass(frozen=True)
class Region:
    """Lines ``start`` to ``end`` (0-based, inclusive, markers included) of a code cell are solution."""

    start: int
    end: int
    inline: bool = False


@dataclass
class ProblemSet:
    """A parsed solution source: its notebook, questions, and the role of every cell.

    ``roles[i]`` is one of ``begin-question``, ``end-question``, ``solution``, ``rubric``,
    ``public-tests``, ``hidden-tests`` or ``plain``; ``regions[i]`` lists the solution regions
    of code cell ``i``; ``owner[i]`` names the question cell ``i`` belongs to (or None).
    """

    path: Path
    notebook: nbformat.NotebookNode
    questions: list[Question]
    roles: list[str]
    regions: dict[int, list[Region]]
    owner: list[str | None]
    starts: list[int] = field(default_factory=list)  # the 1-based .py line of each cell's first line

    @property
    def points(self) -> dict[str, float]:
        return {q.name: q.points for q in self.questions}

    def question(self, name: str) -> Question:
        return next(q for q in self.questions if q.name == name)


def parse_problem_set(path: Path) -> ProblemSet:
    """Read ``path`` (a percent-format .py in solutions/) and check every marker against the grammar.

    Raises:
        MarkerError: at the first misplaced or malformed marker, naming the file and line.
    """
    try:
        ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except SyntaxError as error:
        raise MarkerError(path, error.lineno or 1, f"SyntaxError: {error.msg}; fix the Python first") from None
    return _Parser(path, read_source(path)).parse()


class _Parser:
    """One pass over the cells, keeping the open question; each ``*_cell`` method returns the cell's role."""

    def __init__(self, path: Path, notebook: nbformat.NotebookNode):
        self.path, self.notebook = path, notebook
        self.starts = _cell_starts(path.read_text(encoding="utf-8"), len(notebook.cells))
        self.questions: list[Question] = []
        self.current: Question | None = None
        self.roles: list[str] = []
        self.regions: dict[int, list[Region]] = {}
        self.owner: list[str | None] = []

    def error(self, cell: int, line: int, message: str) -> MarkerError:
        """An error at line ``line`` of cell ``cell`` (0 is its first line, -1 its ``# %%`` header)."""
        return MarkerError(self.path, self.starts[cell] + line, message)

    def parse(self) -> ProblemSet:
        for index, cell in enumerate(self.notebook.cells):
            self.owner.append(self.current.name if self.current else None)
            self.roles.append(self.cell(index, cell))
            if self.current:
                self.current.cells.append(index)
        if self.current:
            name = self.current.name
            raise MarkerError(self.path, self.current.line, f"question {name} has no `{END_QUESTION}`: add a raw cell with it")
        if not self.questions:
            raise MarkerError(self.path, 1, f"no questions: open each with a raw cell `{BEGIN_QUESTION}` (see solutions/README.md)")
        return ProblemSet(self.path, self.notebook, self.questions, self.roles, self.regions, self.owner, self.starts)

    def cell(self, index: int, cell) -> str:
        lines = cell.source.splitlines()
        tags = list(cell.metadata.get("tags", []))
        self.check_tags(index, cell.cell_type, tags)
        self.no_near_misses(index, lines)
        if cell.cell_type == "raw":
            return self.raw_cell(index, lines)
        if cell.cell_type == "markdown":
            return self.markdown_cell(index, lines, tags)
        return self.code_cell(index, lines, tags)

    def check_tags(self, index: int, cell_type: str, tags: list[str]) -> None:
        grading = [tag for tag in tags if tag in GRADING_TAGS]
        for tag in tags:
            meant = near_miss(tag, GRADING_TAGS)
            if tag not in GRADING_TAGS and (meant or TAG_WORDS.search(tag)):
                looks = f" looks like a misspelled {meant!r};" if meant else ":"
                raise self.error(index, -1, f"unknown grading tag {tag!r}{looks} the tags are {', '.join(sorted(GRADING_TAGS))}")
        if len(grading) > 1:
            raise self.error(index, -1, f"a cell takes one grading tag, not {grading}: split the cell")
        if not grading:
            return
        tag, wanted = grading[0], {SOLUTION: "markdown", RUBRIC: "markdown", PUBLIC_TESTS: "code", HIDDEN_TESTS: "code"}
        if not self.current:
            raise self.error(index, -1, f"tag {tag!r} outside a question: move the cell between `{BEGIN_QUESTION}` and `{END_QUESTION}`")
        if wanted[tag] != cell_type:
            hint = f"; in code, mark the answer with `{BEGIN_SOLUTION}` ... `{END_SOLUTION}`" if tag == SOLUTION else ""
            raise self.error(index, -1, f"tag {tag!r} belongs on a {wanted[tag]} cell, not a {cell_type} cell{hint}")

    def no_near_misses(self, index: int, lines: list[str]) -> None:
        """A line that nearly spells a marker is an error at that line, naming the marker it misspells."""
        for number, line in enumerate(lines):
            for text in _comment_candidates(line):
                meant = near_miss(text, MARKERS)
                if meant:
                    raise self.error(index, number, f"`{text}` looks like a misspelled `{meant}`: write `{meant}` exactly, or reword the line")

    # ---- raw cells: question headers -----------------------------------------------------------

    def raw_cell(self, index: int, lines: list[str]) -> str:
        first = lines[0].strip() if lines else ""
        if first == BEGIN_QUESTION:
            if self.current:
                raise self.error(index, 0, f"`{BEGIN_QUESTION}` inside question {self.current.name}: close it first with `{END_QUESTION}`")
            self.current = self.header(index, lines)
            self.owner[-1] = self.current.name
            return "begin-question"
        if first == END_QUESTION:
            if len(lines) > 1:
                raise self.error(index, 1, f"a raw `{END_QUESTION}` cell holds that line only")
            if not self.current:
                raise self.error(index, 0, f"`{END_QUESTION}` without a `{BEGIN_QUESTION}` before it")
            self.finish(index)
            return "end-question"
        self.no_markers(index, lines, "a raw cell")
        return "plain"

    def header(self, index: int, lines: list[str]) -> Question:
        values: dict[str, str] = {}
        for number, line in enumerate(lines[1:], 1):
            key, colon, value = (part.strip() for part in line.partition(":"))
            if not line.strip():
                continue
            if not colon or key not in HEADER_KEYS:
                raise self.error(index, number, f"unknown header line {line.strip()!r}: a header takes `name:`, `points:`, `manual:`")
            if key in values:
                raise self.error(index, number, f"`{key}:` appears twice in this header")
            values[key] = value
        line, name = self.starts[index], values.get("name", "")
        if not QUESTION_NAME.match(name):
            raise MarkerError(self.path, line, f"question name {name!r} is missing or invalid: add `name: q1` (a-z, 0-9, _)")
        if any(q.name == name for q in self.questions):
            raise MarkerError(self.path, line, f"question name {name!r} is used twice: give each question its own name")
        points = _positive_number(values.get("points", ""))
        if points is None:
            raise MarkerError(self.path, line, f"question {name} needs `points:` with a positive number (got {values.get('points')!r})")
        manual = values.get("manual", "false").lower()
        if manual not in ("true", "false"):
            raise MarkerError(self.path, line, f"`manual:` must be true or false (got {manual!r})")
        question = Question(name, points, manual == "true", line)
        self.questions.append(question)
        return question

    def finish(self, index: int) -> None:
        """Close the question: it needs a solution, and tests (auto) or a rubric that adds up (manual)."""
        question, self.current = self.current, None
        name, where = question.name, self.starts[index]
        problem = None
        if question.solutions == 0:
            problem = f"has no solution: mark one with `{BEGIN_SOLUTION}`, `{INLINE_SOLUTION}` or a markdown cell tagged 'solution'"
        elif question.manual and (question.public_tests or question.hidden_tests):
            problem = "is graded by hand (manual: true) but has test cells: remove them or set manual: false"
        elif question.manual and question.rubric_points is None:
            problem = "is graded by hand: add a markdown cell tagged 'rubric' with items like `- (1 pt) ...`"
        elif question.manual and abs(question.rubric_points - question.points) > 1e-9:
            problem = f"has a rubric worth {question.rubric_points:g} points but a header worth {question.points:g}: make them agree"
        elif not question.manual and question.public_tests == 0:
            problem = "has no public tests: add a code cell tagged 'public-tests' (or set manual: true)"
        if problem:
            raise MarkerError(self.path, where, f"question {name} {problem}")

    # ---- markdown cells ------------------------------------------------------------------------

    def markdown_cell(self, index: int, lines: list[str], tags: list[str]) -> str:
        self.no_markers(index, lines, "a markdown cell", markdown=True)
        if SOLUTION in tags:
            self.current.solutions += 1
            return "solution"
        if RUBRIC not in tags:
            return "plain"
        name = self.current.name
        if not self.current.manual:
            raise self.error(index, -1, f"a rubric in question {name}, which is auto-graded: set `manual: true` or remove it")
        if self.current.rubric_points is not None:
            raise self.error(index, -1, f"question {name} has two rubric cells: merge them")
        self.current.rubric_points = sum(float(m.group(1)) for m in map(RUBRIC_ITEM.match, lines) if m)
        if not self.current.rubric_points:
            raise self.error(index, 0, "a rubric needs items like `- (1 pt) derives the gradient of log(1 - sigmoid(l))`")
        return "rubric"

    def no_markers(self, index: int, lines: list[str], where: str, markdown: bool = False) -> None:
        """Cells that the grammar does not read must not hold anything that looks like a marker."""
        fix = "tag a markdown answer cell 'solution' instead" if markdown else "solution markers go in the question's code cells"
        for number, line in enumerate(lines):
            if LOOKS_LIKE_MARKER.match(line) or LOOKS_LIKE_INLINE.search(line):
                raise self.error(index, number, f"marker-like text {line.strip()!r} in {where} is not read as a marker: {fix}")

    # ---- code cells ----------------------------------------------------------------------------

    def code_cell(self, index: int, lines: list[str], tags: list[str]) -> str:
        role = next((tag for tag in tags if tag in (PUBLIC_TESTS, HIDDEN_TESTS)), "plain")
        if role != "plain":
            self.no_markers(index, lines, f"a '{role}' cell")
            self.test_calls(index, "\n".join(lines), role)
            return role
        regions = self.solution_regions(index, lines)
        if regions and not self.current:
            message = "a solution marker outside any question would reach students: move this cell into a question"
            raise self.error(index, regions[0].start, message)
        if regions:
            self.check_in_function(index, lines, [region for region in regions if not region.inline])
            self.regions[index] = regions
            self.current.solutions += len(regions)
        return "plain"

    def solution_regions(self, index: int, lines: list[str]) -> list[Region]:
        regions, start = [], None
        for number, line in enumerate(lines):
            stripped = line.strip()
            if stripped == BEGIN_SOLUTION:
                if start is not None:
                    raise self.error(index, number, f"nested `{BEGIN_SOLUTION}`: close the region above with `{END_SOLUTION}` first")
                start = number
            elif stripped == END_SOLUTION:
                if start is None:
                    raise self.error(index, number, f"`{END_SOLUTION}` without a `{BEGIN_SOLUTION}` before it")
                if not any(_is_code(inner) for inner in lines[start + 1 : number]):
                    raise self.error(index, start, "an empty solution region: put the solution code between the markers")
                regions.append(Region(start, number))
                start = None
            elif line.rstrip().endswith(INLINE_SOLUTION) and not stripped.startswith("#"):
                if start is not None:
                    raise self.error(index, number, f"`{INLINE_SOLUTION}` inside a solution region is redundant: remove it")
                self.check_inline(index, number, line)
                regions.append(Region(number, number, inline=True))
            elif LOOKS_LIKE_MARKER.match(line) or LOOKS_LIKE_INLINE.search(line):
                forms = f"`{BEGIN_SOLUTION}`, `{END_SOLUTION}`, or `answer = value  {INLINE_SOLUTION}`"
                raise self.error(index, number, f"{stripped!r} is not a marker of this grammar: write {forms}")
        if start is not None:
            raise self.error(index, start, f"`{BEGIN_SOLUTION}` is never closed: add `{END_SOLUTION}` in the same cell")
        return regions

    def check_inline(self, index: int, number: int, line: str) -> None:
        code = line.rstrip()[: -len(INLINE_SOLUTION)].strip()
        try:
            body = ast.parse(code).body
        except SyntaxError:
            body = []
        if len(body) != 1 or not isinstance(body[0], ast.Assign):
            example = f"`answer = 0.5  {INLINE_SOLUTION}`; use `{BEGIN_SOLUTION}` ... `{END_SOLUTION}` for other code"
            raise self.error(index, number, f"`{INLINE_SOLUTION}` marks a one-line assignment such as {example}")

    def check_in_function(self, index: int, lines: list[str], regions: list[Region]) -> None:
        """A stub raises NotImplementedError, so a region sits inside a function, where raising waits for a call."""
        functions = (ast.FunctionDef, ast.AsyncFunctionDef)
        bodies = [(n.body[0].lineno, n.end_lineno) for n in ast.walk(ast.parse("\n".join(lines))) if isinstance(n, functions)]
        for region in regions:
            code = [n + 1 for n in range(region.start, region.end) if _is_code(lines[n])]  # 1-based, as ast counts
            if not all(any(first <= n <= last for first, last in bodies) for n in code):
                fix = f"for a value, write `answer = value  {INLINE_SOLUTION}`"
                raise self.error(index, region.start, f"a solution region must be inside a function body, so that the exercise runs; {fix}")

    def test_calls(self, index: int, source: str, role: str) -> None:
        """A test cell registers its own kind of tests, for its own question."""
        wanted, other = ("public_tests", "hidden_tests") if role == PUBLIC_TESTS else ("hidden_tests", "public_tests")
        name = self.current.name
        calls = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]
        for call in calls:
            if call.func.id == other:
                raise self.error(index, call.lineno - 1, f"{other}(...) in a '{role}' cell: move it to its own cell")
        registering = [call for call in calls if call.func.id == wanted]
        if not registering:
            raise self.error(index, 0, f"a '{role}' cell must register tests with {wanted}({name!r}, ...)")
        for call in registering:
            first = call.args[0] if call.args else None
            if not (isinstance(first, ast.Constant) and first.value == name):
                raise self.error(index, call.lineno - 1, f"{wanted}(...) in question {name} must name it: {wanted}({name!r}, ...)")
        setattr(self.current, wanted, getattr(self.current, wanted) + 1)


def _is_code(line: str) -> bool:
    return bool(line.strip()) and not line.strip().startswith("#")


def _positive_number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value > 0 and value == value and value != float("inf") else None


def _cell_starts(text: str, num_cells: int) -> list[int]:
    """For each cell, the 1-based .py line of its first line (the line after its ``# %%`` header)."""
    headers = [number for number, line in enumerate(text.splitlines(), 1) if line.startswith("# %%")]
    if len(headers) == num_cells - 1:  # a first cell without a header starts at line 1
        headers = [0] + headers
    return [h + 1 for h in headers] + [1] * (num_cells - len(headers))


def near_miss(text: str, spellings: tuple[str, ...] | set[str]) -> str | None:
    """The spelling that ``text`` misspells: within a small edit distance of it, ignoring case, but not equal.

    The distance allowed is 1 for a short spelling (up to 10 characters: ``# SOLUTION``, ``rubric``)
    and 2 for a longer one (``# BEGIN SOLUTION``, ``public-tests``), so that ordinary words stay clear.

    Example:
        >>> near_miss("# BEGIN SOLUTON", MARKERS)
        '# BEGIN SOLUTION'
        >>> near_miss("# BEGIN SOLUTION", MARKERS) is None  # the marker itself
        True
        >>> near_miss("# Resolution", MARKERS) is None  # a comment, not a marker
        True
    """
    text = text.strip()
    if text in spellings:
        return None
    best = None
    for spelling in sorted(spellings):
        allowed = 1 if len(spelling) <= 10 else 2
        if abs(len(text) - len(spelling)) > allowed:
            continue
        distance = _edit_distance(text.upper(), spelling.upper())
        if distance <= allowed and (best is None or distance < best[0]):
            best = (distance, spelling)
    return best[1] if best else None


def _edit_distance(a: str, b: str) -> int:
    """Levenshtein distance: the fewest insertions, deletions and substitutions turning ``a`` into ``b``."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]


def _comment_candidates(line: str) -> list[str]:
    """The parts of a line that could be meant as a marker: the whole line, and its comment (from the first ``#``)."""
    stripped = line.strip()
    comment = stripped[stripped.index("#"):] if "#" in stripped else ""
    return [stripped] + ([comment] if comment and comment != stripped else [])
