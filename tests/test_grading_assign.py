"""`course assign`: exercises/ is exactly what solutions/ generates, and never holds a solution line."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course_lib.grading.assign import assign, exercise_text, find_leaks, secret_lines
from course_lib.grading.markers import parse_problem_set

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


def test_assign_exercise_text_reads_ipynb_sources_not_json():
    text = exercise_text(EXERCISES / "ps00_gan_game.ipynb")
    assert 'public_tests("q4", ChoiceTest("answer_q4"' in text  # quotes unescaped


def test_course_assign_check_cli_exits_zero():
    command = [str(Path(sys.executable).parent / "course"), "assign", "--check"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout
