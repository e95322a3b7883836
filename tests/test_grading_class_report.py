"""The class-level outputs of grading: the CSV gradebook and the self-contained HTML class report.

The class below has five students: three ran with failures (one message shared by three of
them), one ran cleanly but printed HTML into its failure message and problems, and one notebook
that did not run at all. Question q3 is graded by hand.
"""

import base64
import csv
import re
from pathlib import Path

import pytest

from course_lib.grading import class_report
from course_lib.grading.class_report import (
    QuestionInfo,
    StudentRecord,
    failure_counts,
    gradebook_rows,
    score_histogram_figure,
    write_class_report,
    write_gradebook,
)

VALUES_DIFFER = "values differ: largest error 0.5 at index 3"
WRONG_TYPE = "expected a torch.Tensor, got a list"
SCRIPT = '<script>alert("pwned")</script>'
IMG_PROBLEM = "cell 2 printed <img src=x onerror=alert(1)>"
QUESTIONS = [
    QuestionInfo("q1", 1.0, manual=False),
    QuestionInfo("q2", 2.0, manual=False),
    QuestionInfo("q3", 1.0, manual=True),
]


def a_test(number: str, label: str, score: float, max_score: float, output: str = "", status: str = "") -> dict:
    """One Gradescope test entry; it failed unless it earned its full score (or ``status`` says otherwise)."""
    status = status or ("passed" if score >= max_score else "failed")
    return {"name": f"{number}: {label}", "number": number, "score": score, "max_score": max_score,
            "status": status, "output": output, "visibility": "visible"}


def pending(number: str = "q3") -> dict:
    return a_test(number, "graded by hand", 0.0, 0.0, "pending: graded by hand", status="passed")


def record(student: str, tests: list[dict], ran: bool = True, problems: tuple[str, ...] = ()) -> StudentRecord:
    results = {"score": sum(t["score"] for t in tests), "execution_time": 1.0, "output": "", "tests": tests}
    return StudentRecord(student, results, ran, problems)


def the_class() -> list[StudentRecord]:
    """Five students, deliberately not in alphabetical order."""
    alice = record("alice", [a_test("q1", "on a batch", 1.0, 1.0), a_test("q2", "zeros", 1.0, 1.0),
                             a_test("q2", "a batch", 0.0, 1.0, VALUES_DIFFER), pending()])
    bob = record("bob", [a_test("q1", "on a batch", 0.0, 1.0, WRONG_TYPE),
                         a_test("q2", "zeros", 0.0, 1.0, VALUES_DIFFER),
                         a_test("q2", "a batch", 0.0, 1.0, VALUES_DIFFER), pending()],
                 problems=("cell 7 raised NameError: name 'x' is not defined",))
    carol = record("carol", [a_test("q1", "on a batch", 1.0, 1.0),
                             a_test("q2", "zeros", 2 / 3, 1.0, "values differ in 1 of 3 entries"),
                             a_test("q2", "a batch", 0.0, 1.0, VALUES_DIFFER), pending()])
    dave = record("dave", [a_test("q1", "well formed", 0.0, 0.0, WRONG_TYPE, status="failed"),
                           a_test("q1", "on a batch", 0.0, 1.0, SCRIPT), a_test("q2", "zeros", 1.0, 1.0),
                           a_test("q2", "a batch", 1.0, 1.0), pending()],
                  problems=(IMG_PROBLEM,))
    erin = StudentRecord("erin", {"score": 0.0, "output": "the notebook could not run", "tests": []}, ran=False,
                         problems=("the notebook is not valid JSON", "nothing came back from the sandbox"))
    return [dave, erin, alice, carol, bob]


@pytest.fixture
def gradebook(tmp_path: Path) -> list[list[str]]:
    path = tmp_path / "gradebook.csv"
    write_gradebook(path, QUESTIONS, the_class())
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


@pytest.fixture
def report(tmp_path: Path) -> str:
    path = tmp_path / "report.html"
    notes = ["sandbox: bubblewrap", "WARNING: bubblewrap not found; resource limits only"]
    write_class_report(path, "ps01 <optimal discriminator>", QUESTIONS, the_class(), notes)
    return path.read_text(encoding="utf-8")


def question_section(html: str, name: str) -> str:
    start = html.index(f'<section class="question" id="{name}">')
    return html[start : html.index("</section>", start)]


def failure_rows(section: str) -> dict[str, int]:
    rows = re.findall(r'<td class="number">(\d+)</td><td class="message">(.*?)</td>', section, re.S)
    return {message: int(count) for count, message in rows}


def external_references(html: str) -> list[str]:
    """Everything in a page that would make a browser fetch something, or leave the page."""
    found = re.findall(r"[a-z][a-z0-9+.\-]*://", html, re.I)  # any scheme://, http and https included
    tags = " ".join(re.findall(r"<[a-z][^>]*>", html, re.I))  # real tags only: escaped text is not markup
    attributes = re.findall(r"""\b(?:src|href|action|poster|srcset|data)\s*=\s*["']?\s*([^"'\s>]*)""", tags, re.I)
    found += [value for value in attributes if not value.lower().startswith(("data:", "#"))]
    found += [value for value in re.findall(r"url\(\s*['\"]?([^)'\"]*)", html, re.I) if not value.startswith("data:")]
    loaders = r"<link\b|<script\b|<iframe\b|<object\b|<embed\b|@import|javascript:|//[a-z0-9.-]+\.[a-z]"
    found += re.findall(loaders, html, re.I)
    return found


# ---------------------------------------------------------------------------------------------
# The gradebook
# ---------------------------------------------------------------------------------------------


def test_gradebook_header_is_student_score_each_question_ran_problems(gradebook):
    assert gradebook[0] == ["student", "score", "q1", "q2", "q3", "ran", "problems"]


def test_gradebook_has_one_row_per_student_sorted_by_name(gradebook):
    assert [row[0] for row in gradebook[1:]] == ["alice", "bob", "carol", "dave", "erin"]


def test_gradebook_holds_each_question_score_rounded_to_4_decimals(gradebook):
    carol = dict(zip(gradebook[0], gradebook[3]))
    assert (carol["score"], carol["q1"], carol["q2"]) == ("1.6667", "1.0", "0.6667")  # 1 + 2/3, 1, 2/3
    alice = dict(zip(gradebook[0], gradebook[1]))
    assert (alice["score"], alice["q1"], alice["q2"]) == ("2.0", "1.0", "1.0")  # q2: the sum of its two tests


def test_gradebook_leaves_hand_graded_cells_empty_because_they_are_pending(gradebook):
    assert [row[4] for row in gradebook[1:]] == [""] * 5


def test_gradebook_marks_the_notebook_that_did_not_run_and_joins_its_problems(gradebook):
    erin = dict(zip(gradebook[0], gradebook[5]))
    assert erin["ran"] == "no"
    assert erin["problems"] == "the notebook is not valid JSON | nothing came back from the sandbox"
    assert (erin["q1"], erin["q2"]) == ("0.0", "0.0")
    assert [row[5] for row in gradebook[1:5]] == ["yes"] * 4


def test_gradebook_keeps_spreadsheets_from_running_a_problem_as_a_formula():
    rows = gradebook_rows(QUESTIONS, [record("mallory", [], problems=("=HYPERLINK(\"x\")",))])
    assert rows[1][-1] == "'=HYPERLINK(\"x\")"


def test_duplicate_students_are_rejected_with_a_message_naming_them(tmp_path):
    twice = [record("alice", []), record("alice", [])]
    with pytest.raises(ValueError, match=r"each student must appear once, but \['alice'\]"):
        write_gradebook(tmp_path / "gradebook.csv", QUESTIONS, twice)
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------------------------
# Failure messages
# ---------------------------------------------------------------------------------------------


def test_failure_counts_group_identical_messages_and_count_each_student_once():
    # bob printed VALUES_DIFFER from two tests: he counts once, so alice + bob + carol = 3
    assert failure_counts(["q2"], the_class())["q2"] == [("values differ: largest error # at index #", 3), ("values differ in # of # entries", 1)]


def test_failure_counts_include_form_checks_that_earn_nothing():
    # dave's failed form check (max_score 0) printed WRONG_TYPE, as did bob's real test
    assert failure_counts(["q1"], the_class())["q1"] == [(SCRIPT, 1), (WRONG_TYPE, 2)][::-1]


def test_failure_counts_keep_the_five_most_frequent_most_frequent_first():
    records = [
        record(f"s{i}", [a_test("q1", f"t{k}", 0.0, 1.0, f"message {'abcdefg'[k]}") for k in range(7) if i < 7 - k])
        for i in range(7)
    ]  # message k is hit by 7 - k students
    assert failure_counts(["q1"], records)["q1"] == [(f"message {'abcdefg'[k]}", 7 - k) for k in range(5)]


def test_failure_messages_are_cut_to_300_characters():
    long_message = "the largest error is at " + "x" * 1000
    (message, count), = failure_counts(["q1"], [record("alice", [a_test("q1", "t", 0.0, 1.0, long_message)])])["q1"]
    assert (len(message), message[-1], count) == (300, "…", 1)
    assert long_message.startswith(message[:-1])


# ---------------------------------------------------------------------------------------------
# The class report
# ---------------------------------------------------------------------------------------------


def test_report_header_gives_counts_mean_median_and_notes(report):
    assert "5 students; 4 notebooks ran, 1 did not." in report
    # totals 2, 0, 1.6667, 2, 0 out of the 3 auto-graded points (q3 is graded by hand)
    assert "Total score out of 3 auto-graded points: mean 1.13, median 1.67." in report
    assert "<li>sandbox: bubblewrap</li>" in report
    assert '<li class="warning">⚠ WARNING: bubblewrap not found; resource limits only</li>' in report
    assert "<title>ps01 &lt;optimal discriminator&gt;</title>" in report


def test_report_has_a_section_for_every_question(report):
    for question in QUESTIONS:
        assert f'<section class="question" id="{question.name}"><h3>{question.name} (' in report


def test_report_shows_how_many_students_hit_each_failure_message(report):
    assert failure_rows(question_section(report, "q2")) == {"values differ: largest error # at index #": 3, "values differ in # of # entries": 1}
    q1_rows = failure_rows(question_section(report, "q1"))
    assert q1_rows[WRONG_TYPE] == 2
    assert list(q1_rows) == [WRONG_TYPE, '&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;']  # most frequent first


def test_report_gives_each_auto_graded_question_its_mean(report):
    assert "Mean score: 0.4 of 1; full marks: 2 of 5 students." in question_section(report, "q1")  # (1+0+1+0+0)/5
    assert "Mean score: 0.73 of 2; full marks: 1 of 5 students." in question_section(report, "q2")  # (1+0+2/3+2+0)/5


def test_report_shows_a_hand_graded_question_as_pending_with_its_count(report):
    section = question_section(report, "q3")
    assert "Graded by hand: pending (4 answers to grade)." in section
    assert "<img" not in section


def test_report_lists_the_notebook_that_did_not_run_with_its_problems(report):
    did_not_run = report[report.index("<h3>Did not run (1)</h3>") : report.index("<h3>Ran, with problems")]
    assert "<strong>erin</strong>: the notebook is not valid JSON<br>nothing came back from the sandbox" in did_not_run
    assert "bob" not in did_not_run


def test_report_lists_the_notebooks_that_ran_with_problems(report):
    ran_with_problems = report[report.index("<h3>Ran, with problems (2)</h3>") : report.index("<h2>Students</h2>")]
    assert "<strong>bob</strong>: cell 7 raised NameError: name &#x27;x&#x27; is not defined" in ran_with_problems
    assert "<strong>dave</strong>" in ran_with_problems
    assert "erin" not in ran_with_problems


def test_report_escapes_student_text_so_it_cannot_become_markup(report):
    assert "<script" not in report.lower()
    assert "<img src=x" not in report
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in report
    assert "cell 2 printed &lt;img src=x onerror=alert(1)&gt;" in report


def test_report_per_student_table_gives_total_and_each_question(report):
    table = report[report.index("<h2>Students</h2>") :]
    assert ('<tr><td>carol</td><td class="number">1.67</td><td class="number">1</td>'
            '<td class="number">0.67</td><td>pending</td><td>yes</td></tr>') in table
    assert '<tr class="did-not-run"><td>erin</td>' in table
    assert table.index("alice") < table.index("bob") < table.index("carol") < table.index("dave") < table.index("erin")


def test_report_refers_to_nothing_outside_itself(report):
    for forbidden in ("http://", "https://", "<link", 'src="http'):
        assert forbidden not in report
    assert external_references(report) == []


@pytest.mark.parametrize(
    "snippet",
    [
        '<img src="https://example.org/x.png">',
        '<link rel="stylesheet" href="style.css">',
        "<style>body { background: url(img/bg.png) }</style>",
        '<script src="//cdn.example.org/lib.js"></script>',
        '<a href="ftp://example.org/">x</a>',
        "<style>@import 'fonts.css';</style>",
    ],
)
def test_the_self_containment_scan_catches_external_references(snippet):
    assert external_references(f"<html><body>{snippet}</body></html>") != []


def test_report_embeds_one_png_figure_per_auto_graded_question(report):
    images = re.findall(r'<img alt="[^"]*" src="data:image/png;base64,([A-Za-z0-9+/=]+)">', report)
    assert len(images) == 2  # q1 and q2; q3 is graded by hand
    assert report.count("data:image/") == 2
    for image in images:
        png = base64.b64decode(image, validate=True)
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        assert b"http" not in png  # matplotlib's "Software" text chunk, with its URL, is left out


def test_histogram_tells_ran_from_did_not_run_by_hatch_not_only_colour():
    fig = score_histogram_figure(QUESTIONS[0], the_class())
    (ax,) = fig.axes
    assert {patch.get_label(): patch.get_hatch() for patch in ax.patches} == {
        "notebook ran": "//",
        "did not run\n(scored 0)": "xx",
    }
    legend = ax.get_legend()
    assert [(text.get_text(), handle.get_hatch()) for text, handle in zip(legend.get_texts(), legend.legend_handles)] == [
        ("notebook ran", "//"),
        ("did not run\n(scored 0)", "xx"),
    ]
    students = {patch.get_label(): (patch.get_data().values - patch.get_data().baseline).sum() for patch in ax.patches}
    assert students == {"notebook ran": 4, "did not run\n(scored 0)": 1}
    assert ax.get_xlabel() == "score on q1 (out of 1)"
    assert ax.get_ylabel() == "students"
    assert ax.get_title() == "q1: 2 of 5 students earned full marks"


def test_report_draws_one_figure_per_auto_graded_question_not_per_student(monkeypatch):
    drawn = []
    original = class_report.score_histogram_figure
    monkeypatch.setattr(class_report, "score_histogram_figure", lambda q, r: drawn.append(q.name) or original(q, r))
    class_report.class_report_html("ps01", QUESTIONS, the_class())
    assert drawn == ["q1", "q2"]


# ---------------------------------------------------------------------------------------------
# Atomic writes
# ---------------------------------------------------------------------------------------------


def test_writes_leave_no_temp_file_behind(tmp_path):
    write_gradebook(tmp_path / "gradebook.csv", QUESTIONS, the_class())
    write_class_report(tmp_path / "report.html", "ps01", QUESTIONS, the_class())
    write_class_report(tmp_path / "report.html", "ps01 again", QUESTIONS, the_class())  # replacing an old page
    assert sorted(path.name for path in tmp_path.iterdir()) == ["gradebook.csv", "report.html"]


def test_a_failed_write_keeps_the_old_file_and_removes_the_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "gradebook.csv"
    path.write_text("the old gradebook\n")

    def crash(source, target):
        raise OSError("disk full")

    monkeypatch.setattr(class_report.os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        write_gradebook(path, QUESTIONS, the_class())
    assert path.read_text() == "the old gradebook\n"
    assert [p.name for p in tmp_path.iterdir()] == ["gradebook.csv"]


def test_failure_messages_that_differ_only_in_their_numbers_are_grouped():
    records = [record(f"s{i}", [a_test("q1", "t", 0.0, 1.0, f"values differ: the largest error is {0.1 * (i + 1):.3g} (input 1 of 3: shape (64,))")]) for i in range(4)]
    assert failure_counts(["q1"], records)["q1"] == [("values differ: the largest error is # (input # of #: shape (#,))", 4)]
