"""`course release`: the student edition holds the course and never a solution or hidden test."""

from __future__ import annotations

import fnmatch
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest

import course_lib.tooling.release as release_module
from course_lib.grading.markers import BEGIN_SOLUTION, parse_problem_set
from course_lib.tooling.release import (
    INSTALL_FILES,
    MARKER,
    RELEASED_FOLDERS,
    find_release_leaks,
    is_release,
    release,
    published_lines,
    release_secrets,
    released_sources,
    scan_release,
)

ROOT = Path(__file__).resolve().parents[1]
NEVER_RELEASED = ("solutions", "tests", ".ci", ".git", ".venv", "build", "conftest.py")
DEBRIS = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
STUB_LINE = "    # YOUR CODE HERE"  # what `course assign` leaves of a solution region in a function body


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def leftovers_beside(out: Path) -> list[str]:
    """Staging or moved-aside folders that a release left next to OUT."""
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith((f"{out.name}.tmp-", f"{out.name}.old-")))


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> Path:
    """One release of the real course, shared by the tests that only read it."""
    out = tmp_path_factory.mktemp("release") / "student"
    assert release(out, ROOT) == 0
    return out


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A copy of what a release reads from the course (folders, install files, solutions/), to edit freely."""
    copy = tmp_path / "course"
    for name in (*RELEASED_FOLDERS, "solutions"):
        shutil.copytree(ROOT / name, copy / name, ignore=DEBRIS)
    for name in (*INSTALL_FILES, "README.md"):
        shutil.copy2(ROOT / name, copy / name)
    return copy


def planted_solution_line() -> str:
    """A line from inside a solution region of ps00 (not a marker), one that the leak check counts as secret."""
    problem_set = parse_problem_set(ROOT / "solutions" / "ps00_gan_game.py")
    secrets = release_secrets(ROOT)
    for index, regions in sorted(problem_set.regions.items()):
        lines = problem_set.notebook.cells[index].source.splitlines()
        for region in regions:
            for line in lines[region.start + 1 : region.end]:
                if not region.inline and line.strip() in secrets and line.strip() not in published_lines(ROOT):
                    return line
    raise AssertionError("ps00 has no solution region with a secret line to plant")


# ---- what goes in, what never does ---------------------------------------------------------


def test_release_holds_lectures_exercises_library_and_install_files(released, capsys):
    for relative in released_sources(ROOT):
        copy = released / relative
        assert copy.is_file(), f"{relative} is missing from the release"
        if relative.name != "pyproject.toml":  # rewritten: see the pytest-settings test
            assert copy.read_bytes() == (ROOT / relative).read_bytes(), f"{relative} differs from the course's"
    names = {p.relative_to(released).as_posix() for p in files_under(released)}
    for pair in ("notebooks/01_gan_game.py", "notebooks/01_gan_game.ipynb", "exercises/ps00_gan_game.py", "exercises/ps00_gan_game.ipynb"):
        assert pair in names
    assert {"course_lib/__init__.py", "course_lib/grading/report.py", "jupyter_config/jupyter_server_config.json"} <= names
    assert set(INSTALL_FILES) <= names and "README.md" in names and is_release(released)
    assert len(names) == len(released_sources(ROOT)) + 2  # + README.md and the marker


def test_release_holds_no_solutions_tests_hidden_tests_or_debris(released):
    for name in NEVER_RELEASED:
        assert not (released / name).exists(), f"{name} must never be released"
    for path in files_under(released):
        relative = path.relative_to(released)
        assert not {"solutions", "tests", "__pycache__", ".ipynb_checkpoints"} & set(relative.parts[:-1]), relative
        assert path.suffix != ".pyc" and not path.name.endswith(".egg-info")
        text = path.read_text(encoding="utf-8", errors="replace")
        if relative.parts[:2] != ("course_lib", "grading") and relative.as_posix() != "course_lib/tooling/release.py":
            assert "hidden_tests(" not in text, f"{relative} calls hidden_tests"
        if relative.as_posix() != "course_lib/grading/markers.py":  # where the marker grammar is defined
            assert BEGIN_SOLUTION not in text, f"{relative} holds a solution marker"


def test_release_readme_is_for_students(released):
    readme = (released / "README.md").read_text(encoding="utf-8")
    assert readme != (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make lab" in readme and 'check("q1")' in readme and "check_all()" in readme and "hidden tests" in readme
    for word in ("solutions/", "course assign", "rubric", "sandbox"):
        assert word not in readme, f"the student README mentions {word!r}"
    for notebook in [*(released / "notebooks").glob("*.ipynb"), *(released / "exercises").glob("*.ipynb")]:
        assert f"]({notebook.parent.name}/{notebook.name})" in readme, f"the README does not link {notebook.name}"


# ---- make test in the release --------------------------------------------------------------


def test_release_pyproject_parses_and_its_tests_name_only_what_the_release_holds(released):
    config = tomllib.loads((released / "pyproject.toml").read_text(encoding="utf-8"))
    course = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    options = config["tool"]["pytest"]["ini_options"]
    assert options["testpaths"] == ["course_lib", "notebooks", "exercises"]
    assert all((released / path).is_dir() for path in options["testpaths"])
    addopts = options["addopts"].split()
    assert "--nbval-lax" in addopts and "--nbval" not in addopts
    assert {"--ignore-glob=notebooks/*.py", "--ignore-glob=exercises/*.py"} <= set(addopts)
    assert (released / addopts[addopts.index("--nbval-sanitize-with") + 1]).is_file()
    config["tool"]["pytest"].pop("ini_options"), course["tool"]["pytest"].pop("ini_options")
    assert config == course, "the release changed more of pyproject.toml than its pytest settings"
    makefile = (released / "Makefile").read_text(encoding="utf-8")
    assert "\ntest: $(STAMP)\n\t$(BIN)/python -m pytest -n auto --maxprocesses 4 --dist loadfile\n" in makefile  # no paths: the settings above decide


def test_release_make_test_collects_notebooks_and_not_their_py_halves(released):
    # Collection only (no kernel starts): the .py halves would run as doctest modules without the ignore.
    env = dict(os.environ, PYTHONPATH=str(released))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "notebooks", "exercises"],
        cwd=released, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    items = [line for line in result.stdout.splitlines() if "::" in line]
    assert any(item.startswith("notebooks/01_gan_game.ipynb::") for item in items)
    assert any(item.startswith("exercises/ps00_gan_game.ipynb::") for item in items)
    assert not [item for item in items if ".py::" in item]


# ---- the leak proof ------------------------------------------------------------------------


def test_release_leak_check_is_empty_on_the_real_release(released):
    assert len(release_secrets(ROOT)) >= 15, "the leak check needs secret lines to look for"
    assert find_release_leaks(released, ROOT) == []


def test_release_leak_check_finds_a_planted_solution_line(released, tmp_path):
    out = tmp_path / "student"
    shutil.copytree(released, out)
    planted = planted_solution_line()
    exercise = out / "exercises" / "ps00_gan_game.py"
    lines = exercise.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines) if line == STUB_LINE + "\n")
    exercise.write_text("".join([*lines[:number], planted + "\n", *lines[number + 1 :]]), encoding="utf-8")
    notebook_path = out / "exercises" / "ps00_gan_game.ipynb"
    notebook = nbformat.read(notebook_path, as_version=4)
    cell = next(i for i, c in enumerate(notebook.cells) if c.cell_type == "code" and STUB_LINE in c.source.splitlines())
    notebook.cells[cell].source = notebook.cells[cell].source.replace(STUB_LINE, planted, 1)
    nbformat.write(notebook, notebook_path)
    leaks = find_release_leaks(out, ROOT)
    assert leaks == [
        f"{out}/exercises/ps00_gan_game.ipynb: cell {cell}: leaks {planted.strip()!r} from solutions/ps00_gan_game.py",
        f"{out}/exercises/ps00_gan_game.py:{number + 1}: leaks {planted.strip()!r} from solutions/ps00_gan_game.py",
    ]


def test_release_leak_check_finds_a_line_the_library_publishes_when_it_stands_in_an_exercise(released, tmp_path):
    out = tmp_path / "student"
    shutil.copytree(released, out)
    line = "v = v / v.norm()"  # ps02's power-iteration step, which the library publishes too
    assert line in release_secrets(ROOT) and line in published_lines(ROOT)
    exercise = out / "exercises" / "ps01_optimal_discriminator.py"
    exercise.write_text(exercise.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    last = len(exercise.read_text(encoding="utf-8").splitlines())
    assert find_release_leaks(out, ROOT) == [f"{out}/exercises/ps01_optimal_discriminator.py:{last}: leaks {line!r} from solutions/ps02_lipschitz.py"]


def test_release_allows_a_secret_line_only_where_the_library_publishes_it(released):
    findings = scan_release(released, release_secrets(ROOT), published_lines(ROOT))
    assert findings and all(finding.shared for finding in findings)
    assert all(finding.where.startswith(("course_lib/", "notebooks/")) and finding.line in published_lines(ROOT) for finding in findings)


def test_release_refuses_to_finish_a_release_that_leaks(course, tmp_path, capsys):
    planted = planted_solution_line().strip()
    lecture = course / "notebooks" / "02_optimal_discriminator.py"
    lecture.write_text(lecture.read_text(encoding="utf-8") + f"\n# %%\n{planted}\n", encoding="utf-8")
    out = tmp_path / "student"
    assert release(out, course) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith("course release: notebooks/02_optimal_discriminator.py:")
    assert f"leaks {planted!r} from solutions/ps00_gan_game.py" in error
    assert not out.exists() and leftovers_beside(out) == []


def test_release_without_the_library_exemption_refuses_the_real_course(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(release_module, "published_lines", lambda root: "")
    out = tmp_path / "student"
    assert release(out, ROOT) == 1
    assert "course_lib/" in capsys.readouterr().err and not out.exists() and leftovers_beside(out) == []


def test_release_refuses_stale_exercises(course, tmp_path, capsys):
    exercise = course / "exercises" / "ps01_optimal_discriminator.py"
    exercise.write_text(exercise.read_text(encoding="utf-8") + "\n# an edit by hand\n", encoding="utf-8")
    assert release(tmp_path / "student", course) == 1
    assert f"{exercise}: stale" in capsys.readouterr().err


# ---- where it writes -----------------------------------------------------------------------


def test_release_refuses_a_non_empty_folder_that_is_not_a_release(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("my notes")
    assert release(out, ROOT) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "not empty" in error and MARKER in error
    assert [p.name for p in out.iterdir()] == ["notes.txt"] and leftovers_beside(out) == []


@pytest.mark.parametrize("where", [".", "solutions/release", "notebooks/release"])
def test_release_refuses_the_course_itself_or_a_folder_inside_what_it_reads(where, capsys):
    out = ROOT / where
    existed = out.exists()
    assert release(out, ROOT) == 1
    assert capsys.readouterr().err.startswith(f"course release: {out}: ")
    assert out.exists() == existed


def test_release_twice_replaces_the_previous_release_wholesale(tmp_path, capsys):
    out = tmp_path / "student"
    assert release(out, ROOT) == 0
    first = {p.relative_to(out): p.read_bytes() for p in files_under(out)}
    (out / "notebooks" / "stray.txt").write_text("left from before")
    assert release(out, ROOT) == 0
    assert {p.relative_to(out): p.read_bytes() for p in files_under(out)} == first
    assert leftovers_beside(out) == []
    summary = capsys.readouterr().out.splitlines()
    assert summary[-1].startswith(f"released {len(first)} files to {out}/")


def test_release_that_fails_leaves_the_previous_release_untouched(tmp_path, monkeypatch):
    out = tmp_path / "student"
    assert release(out, ROOT) == 0
    before = {p.relative_to(out): p.read_bytes() for p in files_under(out)}

    def interrupted(root: Path) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(release_module, "student_readme", interrupted)
    with pytest.raises(KeyboardInterrupt):
        release(out, ROOT)
    assert {p.relative_to(out): p.read_bytes() for p in files_under(out)} == before
    assert leftovers_beside(out) == []


def test_release_into_an_empty_folder_is_made_readable(tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    assert release(out, ROOT) == 0
    mask = os.umask(0o022)
    os.umask(mask)
    assert is_release(out) and out.stat().st_mode & 0o777 == 0o777 & ~mask
