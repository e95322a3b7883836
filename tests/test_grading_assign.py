"""`course assign`: exercises/ is exactly what solutions/ generates, and never holds a solution line."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course_lib.cli import main
from course_lib.grading.assign import assign, find_leaks, secret_lines
from course_lib.grading.markers import MarkerError, parse_problem_set

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS, EXERCISES = ROOT / "solutions", ROOT / "exercises"
SOURCES = sorted(SOLUTIONS.glob("ps*.py"))


def exercise_files() -> list[Path]:
    return sorted(p for p in EXERCISES.glob("*") if p.suffix in (".py", ".ipynb"))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project's solutions/ and jupytext.toml: assign here writes what it writes in the repo."""
    shutil.copy(ROOT / "jupytext.toml", tmp_path / "jupytext.toml")
    shutil.copytree(SOLUTIONS, tmp_path / "solutions", ignore=shutil.ignore_patterns("*.ipynb", "__pycache__"))
    return tmp_path


def test_assign_exercises_are_not_stale(project):
    assert assign(project / "solutions", project / "exercises", check_only=False) == 0
    generated = sorted(p.name for p in (project / "exercises").iterdir())
    assert generated == [p.name for p in exercise_files()], "exercises/ has missing or extra files: run `course assign`"
    for name in generated:
        assert (project / "exercises" / name).read_bytes() == (EXERCISES / name).read_bytes(), f"exercises/{name} is stale: run `course assign`"


def test_assign_check_only_passes_on_the_repo_and_writes_nothing(capsys):
    before = {p: p.stat().st_mtime_ns for p in exercise_files()}
    assert assign(SOLUTIONS, EXERCISES, check_only=True) == 0
    assert "up to date" in capsys.readouterr().out
    assert {p: p.stat().st_mtime_ns for p in exercise_files()} == before


def test_assign_check_only_names_a_stale_file_and_fails(project, capsys):
    assign(project / "solutions", project / "exercises", check_only=False)
    stale = project / "exercises" / "ps00_gan_game.py"
    stale.write_text(stale.read_text() + "\n# an edit by hand\n")
    assert assign(project / "solutions", project / "exercises", check_only=True) == 1
    assert f"{stale}: stale" in capsys.readouterr().err
    assert stale.read_text().endswith("# an edit by hand\n")


def test_assign_is_deterministic(project):
    assign(project / "solutions", project / "exercises", check_only=False)
    first = {p.name: p.read_bytes() for p in (project / "exercises").iterdir()}
    shutil.rmtree(project / "exercises")
    assign(project / "solutions", project / "exercises", check_only=False)
    assert first == {p.name: p.read_bytes() for p in (project / "exercises").iterdir()}


def test_assign_removes_an_exercise_without_a_source(project):
    assign(project / "solutions", project / "exercises", check_only=False)
    orphan = project / "exercises" / "ps42_gone.py"
    orphan.write_text("# %%\n")
    assert assign(project / "solutions", project / "exercises", check_only=True) == 1
    assert assign(project / "solutions", project / "exercises", check_only=False) == 0
    assert not orphan.exists()


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_assign_exercises_leak_no_solution_line(source):
    secrets = secret_lines(parse_problem_set(source))
    assert len(secrets) >= 5, "the leak test needs solution lines to look for"
    assert find_leaks(secrets, exercise_files()) == []


def test_assign_leak_test_fails_on_a_planted_solution_line(project):
    assign(project / "solutions", project / "exercises", check_only=False)
    problem_set = parse_problem_set(project / "solutions" / "ps00_gan_game.py")
    planted = "    return log_d_real.mean() + log_one_minus_d_fake.mean()"
    assert planted.strip() in secret_lines(problem_set)
    for suffix in (".py", ".ipynb"):
        exercise = project / "exercises" / f"ps00_gan_game{suffix}"
        if suffix == ".py":
            exercise.write_text(exercise.read_text().replace("    # YOUR CODE HERE", planted, 1))
        else:
            notebook = nbformat.read(exercise, as_version=4)
            cell = next(c for c in notebook.cells if "def value_function" in c.source)
            cell.source = cell.source.replace("    # YOUR CODE HERE", planted)
            nbformat.write(notebook, exercise)
        leaks = find_leaks(secret_lines(problem_set), [exercise])
        assert leaks == [f"{exercise}: leaks {planted.strip()!r}"]


def test_assign_leak_test_catches_a_hidden_test_and_a_one_line_answer(project):
    assign(project / "solutions", project / "exercises", check_only=False)
    secrets = secret_lines(parse_problem_set(project / "solutions" / "ps00_gan_game.py"))
    assert "math.log(0.9) + math.log(1 - 0.2)" in secrets  # the value of a one-line answer
    assert any("correct={1, 4, 5}" in line for line in secrets)  # a hidden test
    exercise = project / "exercises" / "ps00_gan_game.py"
    exercise.write_text(exercise.read_text() + "\nvalue_example = math.log(0.9) + math.log(1 - 0.2)\n")
    assert find_leaks(secrets, [exercise])


def test_assign_exercise_stubs_regions_and_drops_hidden_tests():
    source = SOLUTIONS / "ps00_gan_game.py"
    exercise = (EXERCISES / "ps00_gan_game.py").read_text()
    problem_set = parse_problem_set(source)
    regions = sum(1 for r in problem_set.regions.values() for region in r if not region.inline)
    assert exercise.count("# YOUR CODE HERE\n    raise NotImplementedError") == regions == 3
    assert exercise.count("= ...  # YOUR ANSWER HERE") == 4
    for gone in ("hidden_tests", "BEGIN SOLUTION", "END SOLUTION", "# SOLUTION", "BEGIN QUESTION", "rubric", "(1 pt)"):
        assert gone not in exercise
    assert 'tags=["answer"]' in exercise and exercise.count('tags=["public-tests"]') == 6


def test_assign_exercise_notebook_has_no_outputs():
    notebook = nbformat.read(EXERCISES / "ps00_gan_game.ipynb", as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and all(cell.outputs == [] and cell.execution_count is None for cell in code)


def test_assign_leak_test_reads_ipynb_sources_not_json(project):
    assign(project / "solutions", project / "exercises", check_only=False)
    exercise = project / "exercises" / "ps00_gan_game.ipynb"
    line = 'hidden_tests("q4", ChoiceTest("answer_q4", options=("A", "B", "C", "D"), correct="B"'
    assert '\\"q4\\"' in exercise.read_text() and line not in exercise.read_text()  # the JSON escapes the quotes
    notebook = nbformat.read(exercise, as_version=4)
    notebook.cells[-1].source += "\n" + line
    nbformat.write(notebook, exercise)
    assert find_leaks({line}, [exercise]) == [f"{exercise}: leaks {line!r}"]


def test_course_assign_check_cli_exits_zero():
    command = [str(Path(sys.executable).parent / "course"), "assign", "--check"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout


# ---- `course assign` refuses a leak, and a header whose points do not add up -----------------

TINY = '''# %% [markdown]
# # ps99 · a tiny problem set
#
# **Time:** about 5 minutes. **Points:** 3.

# %%
import math

from course_lib.grading import FunctionTest, RangeTest, check, public_tests

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 2

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

hidden_tests("q1", FunctionTest("double", reference=lambda x: 2 * x, inputs=[(-3.5,)]))

# %% [raw]
# # END QUESTION

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 1

# %%
answer_q2 = math.log(0.9) + math.log(0.8)  # SOLUTION

# %% tags=["public-tests"]
public_tests("q2", RangeTest("answer_q2", high=0.0, why="a log-probability"))

# %% tags=["hidden-tests"]
from course_lib.grading import ValueTest, hidden_tests

hidden_tests("q2", ValueTest("answer_q2", expected=math.log(0.9) + math.log(0.8)))

# %% [raw]
# # END QUESTION
'''


def run_course_assign(tmp_path: Path, source: str, *options: str) -> int:
    (tmp_path / "solutions").mkdir(exist_ok=True)
    (tmp_path / "solutions" / "ps99_tiny.py").write_text(source, encoding="utf-8")
    return main(["assign", "--solutions", str(tmp_path / "solutions"), "--exercises", str(tmp_path / "exercises"), *options])


def test_course_assign_writes_the_tiny_problem_set(tmp_path, capsys):
    assert run_course_assign(tmp_path, TINY) == 0, capsys.readouterr().err
    assert sorted(p.name for p in (tmp_path / "exercises").iterdir()) == ["ps99_tiny.ipynb", "ps99_tiny.py"]


PUBLIC_LEAKS = {  # a public-test cell that gives the answer away: (what replaces the q2 public test, the line it leaks)
    "the value in a public ValueTest": (
        'public_tests("q2", ValueTest("answer_q2", expected=math.log(0.9) + math.log(0.8)))',
        "math.log(0.9) + math.log(0.8)",
    ),
    "a solution line in a comment": (
        '# the reference: twice_x = 2 * x\npublic_tests("q2", RangeTest("answer_q2", high=0.0, why="a log-probability"))',
        "twice_x = 2 * x",
    ),
}


@pytest.mark.parametrize("check_only", [False, True], ids=["assign", "check"])
@pytest.mark.parametrize("case", PUBLIC_LEAKS)
def test_course_assign_refuses_a_public_test_that_holds_a_solution_line(tmp_path, capsys, case, check_only):
    public_test, leaked = PUBLIC_LEAKS[case]
    source = TINY.replace('public_tests("q2", RangeTest("answer_q2", high=0.0, why="a log-probability"))', public_test, 1)
    source = source.replace("import FunctionTest, RangeTest,", "import FunctionTest, RangeTest, ValueTest,", 1)
    assert run_course_assign(tmp_path, source, *(["--check"] if check_only else [])) == 1
    err = capsys.readouterr().err
    exercise = tmp_path / "exercises" / "ps99_tiny.ipynb"  # the first file scanned, in name order
    assert err.count("\n") == 1 and err.startswith(f"{exercise}: cell "), err
    assert f": leaks {leaked!r} from solutions/ps99_tiny.py (and 1 more); nothing was written:" in err  # the .py too
    assert "public test" in err
    assert not (tmp_path / "exercises").exists()


def test_course_assign_leak_check_is_the_release_leak_check(tmp_path):
    # One implementation: the message is exactly what `course release` reports for the same line.
    from course_lib.tooling.release import scan_file

    found = scan_file("exercises/ps99_tiny.py", b"x = 1\ntwice_x = 2 * x\n", {"twice_x = 2 * x": "solutions/ps99_tiny.py"})
    assert [str(finding) for finding in found] == ["exercises/ps99_tiny.py:2: leaks 'twice_x = 2 * x' from solutions/ps99_tiny.py"]


@pytest.mark.parametrize("stated", ["5", "2.5", "30"])
def test_course_assign_refuses_a_header_whose_points_are_not_the_sum(tmp_path, capsys, stated):
    source = TINY.replace("**Points:** 3.", f"**Points:** {stated}.", 1)
    assert run_course_assign(tmp_path, source) == 1
    err = capsys.readouterr().err.strip()
    line = next(number for number, text in enumerate(source.splitlines(), 1) if "**Points:**" in text)
    assert err == (
        f"{tmp_path / 'solutions' / 'ps99_tiny.py'}:{line}: the header says **Points:** {float(stated):g} but the questions' "
        "points add up to 3 (q1 2, q2 1): write **Points:** 3 in the header"
    )
    assert not (tmp_path / "exercises").exists()


@pytest.mark.parametrize("header", ["**Points:** 3.", "**Points:** 3.0", "", "**Time:** 5 minutes."], ids=["sum", "decimal", "none", "no-points"])
def test_course_assign_accepts_a_header_that_states_the_sum_or_no_points(tmp_path, capsys, header):
    source = TINY.replace("**Time:** about 5 minutes. **Points:** 3.", header, 1)
    assert run_course_assign(tmp_path, source, "--check") == 1  # only because exercises/ does not exist yet
    assert "stale" in capsys.readouterr().err
    assert run_course_assign(tmp_path, source) == 0


def test_stated_points_are_checked_in_the_header_only(tmp_path):
    # A question's prose may mention points ("**Points:** 1 per part"): only the header before the first question counts.
    from course_lib.grading.assign import check_stated_points

    source = TINY.replace("# %%\nanswer_q2", "# %% [markdown]\n# **Points:** 1 for the value.\n\n# %%\nanswer_q2", 1)
    path = tmp_path / "ps99_tiny.py"
    path.write_text(source, encoding="utf-8")
    check_stated_points(parse_problem_set(path))
    path.write_text(source.replace("**Points:** 3.", "**Points:** 4.", 1), encoding="utf-8")
    with pytest.raises(MarkerError, match=r"says \*\*Points:\*\* 4 but the questions' points add up to 3"):
        check_stated_points(parse_problem_set(path))


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_committed_headers_state_the_sum_of_their_questions_points(source):
    from course_lib.grading.assign import check_stated_points

    check_stated_points(parse_problem_set(source))
