"""What the instructor reads after grading a class: a CSV gradebook and a one-page HTML report.

``course grade`` writes one Gradescope ``results.json`` per submission. From those, this module
writes the two class-level outputs:

- the **gradebook** (:func:`write_gradebook`): one row per student, one column per question,
  ready for a spreadsheet or a learning platform;
- the **class report** (:func:`write_class_report`): one page that says what the class got
  wrong. For each question it shows how the scores spread, the mean, and the failure messages
  most students hit, so the next lecture can start there. It lists the submissions that did not
  run, so that none is lost, and ends with a per-student table.

The page is a single self-contained file. Figures are PNGs embedded as ``data:`` URIs, and
nothing is fetched from anywhere (no stylesheet, script, font or image link), so it opens
offline and can be mailed as an attachment. Every piece of text that came from a submission is
passed through :func:`html.escape`. A submission that did not run counts as 0 in every mean.

Example:
    >>> q1 = QuestionInfo("q1", points=1.0, manual=False)
    >>> test = {"name": "q1: on a batch", "number": "q1", "score": 0.0, "max_score": 1.0,
    ...         "status": "failed", "output": "values differ"}
    >>> record = StudentRecord("alice", {"score": 0.0, "tests": [test]}, ran=True)
    >>> record
    StudentRecord('alice', score=0, ran=yes, 1 test, 0 problems)
    >>> failure_counts([q1.name], [record])
    {'q1': [('values differ', 1)]}
"""

from __future__ import annotations

import base64
import csv
import html
import io
import os
import re
import secrets
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from course_lib.plotting import COLORS, COURSE_RC

MESSAGE_LIMIT = 300  # characters of a failure message shown; longer ones are cut with "…"
TOP_MESSAGES = 5  # failure messages listed per question: enough to plan a lecture, short to read
HISTOGRAM_BINS = 10  # bars every tenth of the points (11 in all): fine for partial credit, coarse for 40 students
FIGURE_RC = {
    "figure.figsize": (5.0, 2.3),  # small, its legend on the right: six of them keep the page light
    "axes.grid": False,  # hatched bars read better without a grid behind them
}
RAN_STYLE = {  # each group its own hatch as well as its own colour, so the figure reads in greyscale
    "facecolor": to_rgba(COLORS["real"], 0.45),  # translucent, so the hatch shows through
    "edgecolor": COLORS["real"],
    "hatch": "//",
    "label": "notebook ran",
}
DID_NOT_RUN_STYLE = {
    "facecolor": "white",
    "edgecolor": COLORS["neutral"],
    "hatch": "xx",
    "label": "did not run\n(scored 0)",
}
PENDING = "pending"
WARNING_PREFIX = "warning"  # a note starting with this word (any case) is shown in a red box


@dataclass(frozen=True)
class QuestionInfo:
    """One question of the problem set: its name, its worth, and whether a person grades it."""

    name: str  # "q1"
    points: float  # its worth
    manual: bool  # graded by hand: pending in the gradebook


@dataclass(frozen=True)
class StudentRecord:
    """One graded submission: the student's folder name and the results the grader wrote."""

    student: str  # a safe folder name, e.g. "alice"
    results: dict  # the Gradescope results.json dict: score, execution_time, output, tests
    ran: bool  # False when the notebook could not run at all (nothing came back)
    problems: tuple[str, ...] = ()  # plain words: "cell 7 raised NameError: name 'x' is not defined"

    def __repr__(self) -> str:
        num_tests, num_problems = len(self.results.get("tests", ())), len(self.problems)
        return (
            f"StudentRecord({self.student!r}, score={_number(total_score(self))}, "
            f"ran={'yes' if self.ran else 'no'}, {num_tests} test{'s' * (num_tests != 1)}, "
            f"{num_problems} problem{'s' * (num_problems != 1)})"
        )


# ---------------------------------------------------------------------------------------------
# Scores and failures: pure functions of the records
# ---------------------------------------------------------------------------------------------


def question_score(record: StudentRecord, question: str) -> float:
    """A student's score on one question: the sum of the scores of its tests (0 if it has none)."""
    return float(sum(test.get("score", 0.0) for test in _tests_of(record, question)))


def total_score(record: StudentRecord) -> float:
    """A student's total: the results' ``score``, else the sum of every test's score."""
    tests = record.results.get("tests", ())
    return float(record.results.get("score", sum(test.get("score", 0.0) for test in tests)))


def failure_counts(
    questions: Sequence[str], records: Sequence[StudentRecord], top: int = TOP_MESSAGES
) -> dict[str, list[tuple[str, int]]]:
    """For each question, its most frequent failure messages and how many students hit each.

    A message is the ``output`` of a failed test with its numbers replaced by ``#``, cut to
    ``MESSAGE_LIMIT`` characters; messages that then read the same are grouped. A student counts once per message, however many of their
    tests printed it. Most frequent first, ties in alphabetical order, at most ``top`` per question.
    """
    return {question: _top_failures(question, records, top) for question in questions}


def _top_failures(question: str, records: Sequence[StudentRecord], top: int) -> list[tuple[str, int]]:
    counts: Counter[str] = Counter()
    for record in records:
        failed = [test for test in _tests_of(record, question) if test.get("status") == "failed"]
        counts.update({_short_message(test) for test in failed})  # a set: one count per student
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top]


NUMBER = re.compile(r"(?<![\w.])-?\d+(\.\d+)?(e-?\d+)?(?![\w.])")  # 0.169, 1e-05, 3, -2 (not q1 or float32)


def _short_message(test: dict) -> str:
    """The message with its numbers replaced by #: "values differ: the largest error is # ..."
    groups every student whose answer is off, whatever the size of their error."""
    message = NUMBER.sub("#", str(test.get("output") or "").strip()) or "(the test printed no message)"
    return message if len(message) <= MESSAGE_LIMIT else message[: MESSAGE_LIMIT - 1] + "…"


def _tests_of(record: StudentRecord, question: str) -> list[dict]:
    return [test for test in record.results.get("tests", ()) if test.get("number") == question]


def _pending_count(question: str, records: Sequence[StudentRecord]) -> int:
    """How many submissions hold an answer to a hand-graded question that awaits its grade."""
    return sum(
        any(str(test.get("output", "")).startswith(PENDING) for test in _tests_of(record, question))
        for record in records
    )


def _auto_points(questions: Sequence[QuestionInfo]) -> float:
    return float(sum(question.points for question in questions if not question.manual))


def _by_student(records: Sequence[StudentRecord]) -> list[StudentRecord]:
    return sorted(records, key=lambda record: record.student)


def _validate(questions: Sequence[QuestionInfo], records: Sequence[StudentRecord]) -> None:
    """Check the inputs once, at the public boundary, with messages the caller can act on."""
    names_by_kind = {"question": [q.name for q in questions], "student": [r.student for r in records]}
    for kind, names in names_by_kind.items():
        repeated = sorted(name for name, count in Counter(names).items() if count > 1)
        if repeated:
            raise ValueError(
                f"each {kind} must appear once, but {repeated} appear more than once; drop the duplicates"
            )
    for record in records:
        if not isinstance(record.results, dict):
            raise TypeError(
                f"results of {record.student!r} must be the results.json dict, "
                f"got {type(record.results).__name__}; pass {{}} for a submission that did not run"
            )


# ---------------------------------------------------------------------------------------------
# The gradebook
# ---------------------------------------------------------------------------------------------


def write_gradebook(path: Path, questions: Sequence[QuestionInfo], records: Sequence[StudentRecord]) -> None:
    """Write the class's CSV gradebook, atomically: a reader sees the old file or the new one.

    Columns: ``student, score, <each question in order>, ran, problems``; one row per student,
    sorted by name. A question graded automatically holds the student's score on it, rounded to
    4 decimals (0 for a notebook that did not run). **A question graded by hand holds the empty
    string: its grade is pending** and is filled in by whoever grades it. ``ran`` is ``yes`` or
    ``no``; ``problems`` joins the problems with `` | ``. A text cell that a spreadsheet would
    read as a formula (it starts with ``=``, ``+``, ``-`` or ``@``) is prefixed with ``'``.

    Args:
        path: where to write the CSV, e.g. ``grades/gradebook.csv``. Its folder must exist.
        questions: the problem set's questions, in the order of their columns.
        records: one per submission.

    Example: ``write_gradebook(Path("gradebook.csv"), questions, records)``.
    """
    _validate(questions, records)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(gradebook_rows(questions, records))
    _write_atomically(Path(path), buffer.getvalue())


def gradebook_rows(questions: Sequence[QuestionInfo], records: Sequence[StudentRecord]) -> list[list[str]]:
    """The gradebook as rows of text, header first (what :func:`write_gradebook` writes)."""
    header = ["student", "score", *(question.name for question in questions), "ran", "problems"]
    return [header, *(_gradebook_row(questions, record) for record in _by_student(records))]


def _gradebook_row(questions: Sequence[QuestionInfo], record: StudentRecord) -> list[str]:
    cells = ["" if q.manual else str(round(question_score(record, q.name), 4)) for q in questions]
    problems = _spreadsheet_safe(" | ".join(record.problems))
    ran = "yes" if record.ran else "no"
    return [_spreadsheet_safe(record.student), str(round(total_score(record), 4)), *cells, ran, problems]


def _spreadsheet_safe(text: str) -> str:
    """Keep a spreadsheet from running a cell as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# ---------------------------------------------------------------------------------------------
# The class report
# ---------------------------------------------------------------------------------------------


def write_class_report(
    path: Path,
    title: str,
    questions: Sequence[QuestionInfo],
    records: Sequence[StudentRecord],
    notes: Sequence[str] = (),
) -> None:
    """Write the class report: one self-contained HTML page, written atomically.

    The page shows a header (the title, how many students, how many notebooks ran, the mean and
    median total out of the auto-graded points, and the ``notes``); for each auto-graded question
    a histogram of its scores, its mean and its five most frequent failure messages with how
    many students hit each; for each hand-graded question how many answers await grading; the
    submissions that did not run and those that ran with problems; and a per-student table.

    Args:
        path: where to write the page, e.g. ``grades/report.html``. Its folder must exist.
        title: the page's title, e.g. ``"ps01: optimal discriminator"``.
        questions: the problem set's questions, in order.
        records: one per submission.
        notes: how the grading ran, one line each, e.g. ``"sandbox: bubblewrap"``. A note that
            starts with "WARNING" (any case) is shown in a red box, e.g. ``"WARNING: bubblewrap
            not found; student code ran with resource limits only"``.

    Example:
        ``write_class_report(Path("report.html"), "ps01", questions, records, ["sandbox: bubblewrap"])``.
    """
    _validate(questions, records)
    _write_atomically(Path(path), class_report_html(title, questions, records, notes))


def class_report_html(
    title: str, questions: Sequence[QuestionInfo], records: Sequence[StudentRecord], notes: Sequence[str] = ()
) -> str:
    """The class report's HTML (what :func:`write_class_report` writes)."""
    failures = failure_counts([q.name for q in questions if not q.manual], records)
    sections = [
        _header_html(title, questions, records, notes),
        "<h2>Questions</h2>",
        *(_question_html(q, records, failures.get(q.name, [])) for q in questions),
        _problems_html(records),
        _student_table_html(questions, records),
    ]
    return _page(title, "\n".join(sections))


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{_text(title)}</title>\n<style>{PAGE_CSS}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


PAGE_CSS = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
h1 { margin-bottom: 0.2rem; } h2 { border-bottom: 1px solid #ccc; margin-top: 2rem; }
.summary { font-size: 1.05rem; }
.notes li { margin: 0.2rem 0; }
.warning { border: 3px solid #d62728; background: #fde8e8; padding: 0.5rem; font-weight: bold;
           list-style: none; }
.question { border: 1px solid #ddd; border-radius: 4px; padding: 0.6rem 1rem; margin: 1rem 0; }
.question img { float: right; margin-left: 1rem; max-width: 50%; }
.question::after { content: ""; display: block; clear: both; }
table { border-collapse: collapse; margin: 0.5rem 0; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.5rem; text-align: left; vertical-align: top; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
td.message { font-family: monospace; white-space: pre-wrap; word-break: break-word; }
tr.did-not-run td { background: #eee; font-style: italic; }
"""


def _header_html(
    title: str, questions: Sequence[QuestionInfo], records: Sequence[StudentRecord], notes: Sequence[str]
) -> str:
    totals = [total_score(record) for record in records]
    num_ran, auto_points = sum(record.ran for record in records), _auto_points(questions)
    if totals:
        mean, median = _number(statistics.fmean(totals)), _number(statistics.median(totals))
        scores = f"Total score out of {_number(auto_points)} auto-graded points: mean {mean}, median {median}."
    else:
        scores = "No submissions were graded."
    return (
        f"<h1>{_text(title)}</h1>\n"
        f'<p class="summary">{len(records)} students; {num_ran} notebooks ran, '
        f"{len(records) - num_ran} did not. {scores}<br>"
        f"A notebook that did not run counts as 0 in every mean.</p>\n{_notes_html(notes)}"
    )


def _notes_html(notes: Sequence[str]) -> str:
    items = [
        f'<li class="warning">⚠ {_text(note)}</li>' if note.strip().lower().startswith(WARNING_PREFIX)
        else f"<li>{_text(note)}</li>"
        for note in notes
    ]
    return f'<ul class="notes">{"".join(items)}</ul>' if items else ""


def _question_html(
    question: QuestionInfo, records: Sequence[StudentRecord], failures: list[tuple[str, int]]
) -> str:
    worth = f"{_number(question.points)} point{'s' * (question.points != 1)}"
    heading = f"<h3>{_text(question.name)} ({worth})</h3>"
    if question.manual:
        pending = _pending_count(question.name, records)
        body = f"<p>Graded by hand: {PENDING} ({pending} answer{'s' * (pending != 1)} to grade).</p>"
    else:
        body = _auto_question_body(question, records, failures)
    return f'<section class="question" id="{_text(question.name)}">{heading}\n{body}</section>'


def _auto_question_body(
    question: QuestionInfo, records: Sequence[StudentRecord], failures: list[tuple[str, int]]
) -> str:
    scores = [question_score(record, question.name) for record in records]
    mean = _number(statistics.fmean(scores)) if scores else "n/a"
    return (
        f"{_histogram_html(question, records)}\n<p>Mean score: {mean} of {_number(question.points)}; "
        f"full marks: {_full_marks(question, scores)} of {len(scores)} students.</p>\n"
        f"{_failures_html(failures)}"
    )


def _failures_html(failures: list[tuple[str, int]]) -> str:
    if not failures:
        return "<p>No test of this question failed.</p>"
    rows = "".join(
        f'<tr><td class="number">{count}</td><td class="message">{_text(message)}</td></tr>'
        for message, count in failures
    )
    return (
        "<p>Most frequent failure messages:</p>\n"
        f"<table><thead><tr><th>students</th><th>message</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _problems_html(records: Sequence[StudentRecord]) -> str:
    did_not_run = [record for record in _by_student(records) if not record.ran]
    ran_with_problems = [record for record in _by_student(records) if record.ran and record.problems]
    return (
        "<h2>Submissions with problems</h2>\n"
        f"<h3>Did not run ({len(did_not_run)})</h3>\n{_problem_list(did_not_run, 'Every notebook ran.')}\n"
        f"<h3>Ran, with problems ({len(ran_with_problems)})</h3>\n"
        f"{_problem_list(ran_with_problems, 'No notebook that ran reported a problem.')}"
    )


def _problem_list(records: list[StudentRecord], when_empty: str) -> str:
    if not records:
        return f"<p>{when_empty}</p>"
    items = "".join(
        f"<li><strong>{_text(record.student)}</strong>: "
        f"{'<br>'.join(_text(problem) for problem in record.problems) or 'no details were recorded'}</li>"
        for record in records
    )
    return f"<ul>{items}</ul>"


def _student_table_html(questions: Sequence[QuestionInfo], records: Sequence[StudentRecord]) -> str:
    auto_points = _number(_auto_points(questions))
    head = "".join(f"<th>{_text(q.name)}</th>" for q in questions)
    rows = "".join(_student_row_html(questions, record) for record in _by_student(records))
    return (
        "<h2>Students</h2>\n"
        f"<table><thead><tr><th>student</th><th>total (of {auto_points})</th>{head}<th>ran</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def _student_row_html(questions: Sequence[QuestionInfo], record: StudentRecord) -> str:
    cells = "".join(
        f"<td>{PENDING if record.ran else '–'}</td>"
        if q.manual
        else f'<td class="number">{_number(question_score(record, q.name))}</td>'
        for q in questions
    )
    row_class = "" if record.ran else ' class="did-not-run"'
    return (
        f'<tr{row_class}><td>{_text(record.student)}</td><td class="number">{_number(total_score(record))}</td>'
        f"{cells}<td>{'yes' if record.ran else 'no: did not run'}</td></tr>"
    )


# ---------------------------------------------------------------------------------------------
# The figure
# ---------------------------------------------------------------------------------------------


def score_histogram_figure(question: QuestionInfo, records: Sequence[StudentRecord]) -> Figure:
    """A small histogram of one question's scores across the class, readable in greyscale.

    The bins are centred on 0, 1/10, ..., 10/10 of the question's points, so no credit, half
    credit and full marks each sit in a bar of their own. Notebooks that ran are translucent blue
    bars hatched ``//``; notebooks that did not run (scored 0) are white bars hatched ``xx``
    stacked on top, so the two read apart without colour. The title states how many students earned
    full marks. The figure is never registered with pyplot (it draws on an Agg canvas of its
    own), so it holds no global state and needs no closing.

    Example:
        >>> fig = score_histogram_figure(QuestionInfo("q1", 2.0, manual=False), [])
        >>> fig.axes[0].get_title()
        'q1: 0 of 0 students earned full marks'
    """
    ran = [question_score(record, question.name) for record in records if record.ran]
    did_not_run = [question_score(record, question.name) for record in records if not record.ran]
    with _figure_style():
        fig = Figure()
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        _stacked_bars(ax, _bin_edges(question.points), ran, did_not_run)
        ax.set_xlabel(f"score on {question.name} (out of {_number(question.points)})")
        ax.set_ylabel("students")
        ax.yaxis.get_major_locator().set_params(integer=True)
        full = _full_marks(question, ran + did_not_run)
        ax.set_title(f"{question.name}: {full} of {len(records)} students earned full marks")
        fig.subplots_adjust(left=0.11, right=0.7, bottom=0.22, top=0.87)  # fixed; tight_layout costs a draw
    return fig


def _bin_edges(points: float) -> np.ndarray:
    """Edges of HISTOGRAM_BINS + 1 bins centred on 0, points/10, ..., points."""
    top = points if points > 0 else 1.0  # a question worth 0 points still gets an axis
    half_width = top / HISTOGRAM_BINS / 2
    return np.linspace(-half_width, top + half_width, HISTOGRAM_BINS + 2)  # (bins + 2,)


def _stacked_bars(ax, edges: np.ndarray, ran: list[float], did_not_run: list[float]) -> None:
    """Each group is one filled step outline (``stairs``), not a patch per bar: a third faster to draw."""
    counts_ran, _ = np.histogram(np.clip(ran, edges[0], edges[-1]), bins=edges)  # (bins + 1,)
    ax.stairs(counts_ran, edges, fill=True, **RAN_STYLE)
    handles = [Patch(**RAN_STYLE)]
    if did_not_run:
        counts_not, _ = np.histogram(np.clip(did_not_run, edges[0], edges[-1]), bins=edges)  # (bins + 1,)
        ax.stairs(counts_ran + counts_not, edges, baseline=counts_ran, fill=True, **DID_NOT_RUN_STYLE)
        handles.append(Patch(**DID_NOT_RUN_STYLE))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0))  # boxes that show the hatches
    ax.set_xlim(edges[0], edges[-1])
    ax.set_ylim(bottom=0)
    ax.set_xticks(np.linspace(0.0, edges[0] + edges[-1], 5))  # 0, 1/4, 1/2, 3/4 and all of the points


def _histogram_html(question: QuestionInfo, records: Sequence[StudentRecord]) -> str:
    """The histogram embedded in the page as a base64 PNG: no file or link beside the page."""
    with _figure_style():  # savefig reads the dpi too
        png = _png_without_metadata(score_histogram_figure(question, records))
    alt = f"Histogram of the scores on {question.name} across {len(records)} students"
    return f'<img alt="{_text(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}">'


def _png_without_metadata(fig: Figure) -> bytes:
    """PNG bytes of a figure, without matplotlib's "Software" text chunk (it holds a URL)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _figure_style():
    """The course's matplotlib settings, with this page's smaller figures, for one block only."""
    return mpl.rc_context({**COURSE_RC, **FIGURE_RC})


# ---------------------------------------------------------------------------------------------
# Small helpers: text, numbers, files
# ---------------------------------------------------------------------------------------------


def _full_marks(question: QuestionInfo, scores: list[float]) -> int:
    return sum(score >= question.points - 1e-9 for score in scores)


def _text(value: object) -> str:
    """Text made safe to place in HTML: student-controlled text can never become markup."""
    return html.escape(str(value), quote=True)


def _number(value: float) -> str:
    """A score as the page shows it: at most 2 decimals, no trailing zeros (0.67, 3, 12.5)."""
    return f"{round(float(value), 2):g}"


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temp file in the same folder, then ``os.replace``.

    A reader (or a crash) sees either the old file or the complete new one, never half of it;
    if anything fails, the temp file is removed and the old file stays as it was. The temp file
    is opened with ``open(..., "x")``, so the result gets the usual permissions (the umask's).
    """
    temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with open(temp, "x", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
