"""The marker grammar: a valid source parses; every misplaced marker is an error naming file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from course_lib.grading.assign import assign
from course_lib.grading.markers import MarkerError, parse_problem_set

VALID = '''# %% [markdown]
# # ps99 · a tiny problem set

# %%
from course_lib.grading import FunctionTest, ValueTest, check, public_tests

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 2

# %% [markdown]
# Write `double(x)`.

# %%
def double(x):
    """Twice x."""
    # BEGIN SOLUTION
    twice_x = 2 * x
    return twice_x
    # END SOLUTION


# %% tags=["public-tests"]
public_tests("q1", FunctionTest("double", reference=lambda x: 2 * x, inputs=[(1.0,)]))

# %% tags=["hidden-tests"]
from course_lib.grading import FunctionTest, hidden_tests

hidden_tests("q1", FunctionTest("double", reference=lambda x: 2 * x, inputs=[(-3.5,), (1e6,)]))

# %%
check("q1")

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 1

# %% [markdown]
# What is 0.1 + 0.2?

# %%
answer_q2 = 0.1 + 0.2  # SOLUTION

# %% tags=["public-tests"]
public_tests("q2", ValueTest("answer_q2", expected=0.3))

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q3
# points: 1
# manual: true

# %% [markdown]
# Prove that 2 * x is even for every integer x.

# %% [markdown] tags=["solution"]
# Because 2 * x = x + x is a multiple of two by definition.

# %% [markdown] tags=["rubric"]
# - (1 pt) uses the definition of an even number.

# %% [raw]
# # END QUESTION
'''


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ps99_tiny.py"
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    hits = [number for number, line in enumerate(text.splitlines(), 1) if needle in line]
    return hits[occurrence - 1]


def expect_error(tmp_path: Path, text: str, line: int, words: str) -> MarkerError:
    path = write(tmp_path, text)
    with pytest.raises(MarkerError) as caught:
        parse_problem_set(path)
    assert str(caught.value).startswith(f"{path}:{line}: "), str(caught.value)
    assert words in caught.value.message, caught.value.message
    return caught.value


def test_markers_valid_source_parses_into_questions(tmp_path):
    problem_set = parse_problem_set(write(tmp_path, VALID))
    assert [(q.name, q.points, q.manual) for q in problem_set.questions] == [("q1", 2.0, False), ("q2", 1.0, False), ("q3", 1.0, True)]
    assert problem_set.question("q1").hidden_tests == 1 and problem_set.question("q3").rubric_points == 1.0


def test_markers_end_solution_without_begin(tmp_path):
    text = VALID.replace("    # BEGIN SOLUTION\n", "", 1)
    expect_error(tmp_path, text, line_of(text, "# END SOLUTION"), "without a `# BEGIN SOLUTION`")


def test_markers_nested_begin_solution(tmp_path):
    text = VALID.replace("    return twice_x\n", "    # BEGIN SOLUTION\n    return twice_x\n", 1)
    expect_error(tmp_path, text, line_of(text, "# BEGIN SOLUTION", 2), "nested")


def test_markers_unclosed_begin_solution(tmp_path):
    text = VALID.replace("    # END SOLUTION\n", "", 1)
    expect_error(tmp_path, text, line_of(text, "# BEGIN SOLUTION"), "never closed")


def test_markers_inline_solution_outside_a_question_is_an_error(tmp_path):
    # otter-grader sent such a line to students verbatim; here it must stop the build.
    text = VALID.replace("from course_lib.grading import FunctionTest, ValueTest, check, public_tests",
                         "from course_lib.grading import FunctionTest, ValueTest, check, public_tests\nsecret = 42  # SOLUTION", 1)
    expect_error(tmp_path, text, line_of(text, "secret = 42"), "outside any question would reach students")


def test_markers_inline_solution_in_a_test_cell_is_an_error(tmp_path):
    text = VALID.replace("public_tests(\"q2\", ValueTest", "expected_q2 = 0.3  # SOLUTION\npublic_tests(\"q2\", ValueTest", 1)
    expect_error(tmp_path, text, line_of(text, "expected_q2 = 0.3"), "marker-like text")


def test_markers_inline_solution_in_markdown_is_an_error(tmp_path):
    text = VALID.replace("# What is 0.1 + 0.2?", "# What is 0.1 + 0.2? It is 0.3  # SOLUTION", 1)
    expect_error(tmp_path, text, line_of(text, "It is 0.3"), "not read as a marker")


def test_markers_inline_solution_on_a_non_assignment_is_an_error(tmp_path):
    text = VALID.replace("answer_q2 = 0.1 + 0.2  # SOLUTION", "print(0.3)  # SOLUTION", 1)
    expect_error(tmp_path, text, line_of(text, "print(0.3)"), "one-line assignment")


def test_markers_nbgrader_style_marker_is_named_not_ignored(tmp_path):
    text = VALID.replace("    # BEGIN SOLUTION\n", "    ### BEGIN SOLUTION\n", 1)
    expect_error(tmp_path, text, line_of(text, "### BEGIN SOLUTION"), "looks like a misspelled `# BEGIN SOLUTION`")


NEAR_MISSES = [  # (the valid line, its misspelling, the text the error quotes, the marker it must be named as)
    ("    # BEGIN SOLUTION", "    # BEGIN SOLUTON", "# BEGIN SOLUTON", "# BEGIN SOLUTION"),
    ("    # END SOLUTION", "    # END SOLUTON", "# END SOLUTON", "# END SOLUTION"),
    ("    # END SOLUTION", "    # ENDSOLUTION", "# ENDSOLUTION", "# END SOLUTION"),
    ("    # BEGIN SOLUTION", "    # begin solution", "# begin solution", "# BEGIN SOLUTION"),
    ("answer_q2 = 0.1 + 0.2  # SOLUTION", "answer_q2 = 0.1 + 0.2  # SOLUTON", "# SOLUTON", "# SOLUTION"),
    ("answer_q2 = 0.1 + 0.2  # SOLUTION", "answer_q2 = 0.1 + 0.2  #SOLUTION", "#SOLUTION", "# SOLUTION"),
    ("# # BEGIN QUESTION\n# name: q2", "# # BEGIN QUESTON\n# name: q2", "# BEGIN QUESTON", "# BEGIN QUESTION"),  # a raw cell
    ("# # END QUESTION", "# # END QUESTOIN", "# END QUESTOIN", "# END QUESTION"),
]


@pytest.mark.parametrize("valid, misspelled, shown, marker", NEAR_MISSES, ids=[shown for _, _, shown, _ in NEAR_MISSES])
def test_markers_near_miss_is_reported_at_its_own_line_naming_the_marker(tmp_path, valid, misspelled, shown, marker):
    # Before, `# BEGIN SOLUTON` was skipped, and its partner `# END SOLUTION` took the blame.
    text = VALID.replace(valid, misspelled, 1)
    assert text != VALID
    line = line_of(text, misspelled.splitlines()[0])
    expect_error(tmp_path, text, line, f"`{shown}` looks like a misspelled `{marker}`")


@pytest.mark.parametrize("tag, meant", [("soluton", "solution"), ("rubrik", "rubric"), ("publc-tests", "public-tests"), ("hidden-test", "hidden-tests")])
def test_markers_tag_near_miss_names_the_tag_it_misspells(tmp_path, tag, meant):
    # "soluton" holds none of the grading words, so before it was a plain cell: a solution sent to students.
    original = {"solution": 'tags=["solution"]', "rubric": 'tags=["rubric"]', "public-tests": 'tags=["public-tests"]', "hidden-tests": 'tags=["hidden-tests"]'}[meant]
    text = VALID.replace(original, f'tags=["{tag}"]', 1)
    expect_error(tmp_path, text, line_of(text, f'tags=["{tag}"]'), f"unknown grading tag {tag!r} looks like a misspelled {meant!r}")


@pytest.mark.parametrize("comment", ["# Resolution of the grid", "# the solution is unique", "# Questions 1 and 2 share data", "# END of setup"])
def test_markers_ordinary_comments_are_not_near_misses(tmp_path, comment):
    text = VALID.replace("def double(x):", f"{comment}\ndef double(x):", 1)
    assert [q.name for q in parse_problem_set(write(tmp_path, text)).questions] == ["q1", "q2", "q3"]


def test_markers_solution_region_at_top_level_is_an_error(tmp_path):
    text = VALID.replace("answer_q2 = 0.1 + 0.2  # SOLUTION", "# BEGIN SOLUTION\nanswer_q2 = 0.1 + 0.2\n# END SOLUTION", 1)
    expect_error(tmp_path, text, line_of(text, "# BEGIN SOLUTION", 2), "inside a function body")


def test_markers_nested_begin_question(tmp_path):
    text = VALID.replace("# %% [raw]\n# # END QUESTION\n\n# %% [raw]\n# # BEGIN QUESTION\n# name: q2", "# %% [raw]\n# # BEGIN QUESTION\n# name: q2", 1)
    expect_error(tmp_path, text, line_of(text, "# name: q2") - 1, "inside question q1")


def test_markers_end_question_without_begin(tmp_path):
    text = VALID + "\n# %% [raw]\n# # END QUESTION\n"
    expect_error(tmp_path, text, line_of(text, "# # END QUESTION", 4), "without a `# BEGIN QUESTION`")


def test_markers_unclosed_question(tmp_path):
    text = VALID.rsplit("# %% [raw]\n# # END QUESTION", 1)[0]
    expect_error(tmp_path, text, line_of(text, "# # BEGIN QUESTION", 3), "has no `# END QUESTION`")


def test_markers_unknown_header_key(tmp_path):
    text = VALID.replace("# points: 2\n", "# points: 2\n# hidden: true\n", 1)
    expect_error(tmp_path, text, line_of(text, "# hidden: true"), "unknown header line")


def test_markers_duplicate_question_name(tmp_path):
    text = VALID.replace("# name: q2", "# name: q1", 1)
    expect_error(tmp_path, text, line_of(text, "# # BEGIN QUESTION", 2), "used twice")


def test_markers_missing_points(tmp_path):
    text = VALID.replace("# points: 2\n", "", 1)
    expect_error(tmp_path, text, line_of(text, "# # BEGIN QUESTION"), "needs `points:`")


def test_markers_auto_question_without_public_tests(tmp_path):
    text = VALID.replace('# %% tags=["public-tests"]\npublic_tests("q2", ValueTest("answer_q2", expected=0.3))\n\n', "", 1)
    expect_error(tmp_path, text, line_of(text, "# # END QUESTION", 2), "no public tests")


def test_markers_question_without_solution(tmp_path):
    text = VALID.replace("answer_q2 = 0.1 + 0.2  # SOLUTION", "answer_q2 = ...", 1)
    expect_error(tmp_path, text, line_of(text, "# # END QUESTION", 2), "has no solution")


def test_markers_manual_question_needs_a_rubric_that_adds_up(tmp_path):
    text = VALID.replace("# - (1 pt) uses", "# - (2 pts) uses", 1)
    expect_error(tmp_path, text, line_of(text, "# # END QUESTION", 3), "has a rubric worth 2 points but a header worth 1")


def test_markers_unknown_grading_tag(tmp_path):
    text = VALID.replace('tags=["hidden-tests"]', 'tags=["hidden_tests"]', 1)
    expect_error(tmp_path, text, line_of(text, 'tags=["hidden_tests"]'), "unknown grading tag")


def test_markers_solution_tag_outside_a_question(tmp_path):
    text = VALID.replace("# %% [markdown]\n# # ps99", '# %% [markdown] tags=["solution"]\n# # ps99', 1)
    expect_error(tmp_path, text, 1, "outside a question")


def test_markers_solution_tag_on_code_points_to_regions(tmp_path):
    text = VALID.replace("# %%\nanswer_q2", '# %% tags=["solution"]\nanswer_q2', 1)
    expect_error(tmp_path, text, line_of(text, 'tags=["solution"]'), "# BEGIN SOLUTION")


def test_markers_hidden_tests_in_a_public_cell(tmp_path):
    text = VALID.replace('public_tests("q2", ValueTest', 'hidden_tests("q2", ValueTest', 1)
    expect_error(tmp_path, text, line_of(text, 'hidden_tests("q2"'), "in a 'public-tests' cell")


def test_markers_test_cell_must_name_its_question(tmp_path):
    text = VALID.replace('public_tests("q2", ValueTest', 'public_tests("q1", ValueTest', 1)
    expect_error(tmp_path, text, line_of(text, 'public_tests("q1", ValueTest'), "must name it")


def test_markers_otter_raw_solution_cell_is_an_error(tmp_path):
    text = VALID.replace("# %% [markdown] tags=[\"solution\"]", "# %% [raw]\n# # BEGIN SOLUTION\n\n# %% [markdown] tags=[\"solution\"]", 1)
    expect_error(tmp_path, text, line_of(text, "# # BEGIN SOLUTION"), "not read as a marker")


def test_markers_syntax_error_names_the_line(tmp_path):
    text = VALID.replace("twice_x = 2 * x", "twice_x = 2 *", 1)
    expect_error(tmp_path, text, line_of(text, "twice_x = 2 *"), "SyntaxError")


def test_assign_prints_marker_error_as_one_line_and_fails(tmp_path, capsys):
    solutions = tmp_path / "solutions"
    solutions.mkdir()
    text = VALID.replace("    # BEGIN SOLUTION\n", "", 1)
    (solutions / "ps99_tiny.py").write_text(text, encoding="utf-8")
    assert assign(solutions, tmp_path / "exercises", check_only=False) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith(f"{solutions / 'ps99_tiny.py'}:{line_of(text, '# END SOLUTION')}: ")
    assert not (tmp_path / "exercises").exists()
