"""The `course` command: help for every sub-command, one-line errors, deterministic sync."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from course_lib.cli import main

ROOT = Path(__file__).resolve().parents[1]
SUBCOMMANDS = ["lab", "sync", "bench", "assign", "release", "grade", "build"]


def course(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "course_lib.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_subcommand_has_help_with_an_example(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert "Example:" in capsys.readouterr().out


def test_unknown_subcommand_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["teach"])
    assert exit_info.value.code == 2


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "jupytext.toml", tmp_path)
    return tmp_path


def test_sync_on_a_missing_path_is_one_line_and_exit_2(scratch):
    result = course("sync", "no_such_notebook.py", cwd=scratch)
    assert result.returncode == 2
    assert result.stderr.strip() == "course sync: no_such_notebook.py: no such notebook (.py or .ipynb) or folder"


def test_sync_names_the_file_and_line_of_a_syntax_error(scratch):
    (scratch / "broken.py").write_text("# %%\nx = 1\n\n# %%\nprint(x +\n")
    result = course("sync", "broken.py", cwd=scratch)
    assert result.returncode == 1
    assert "course sync: broken.py:5: SyntaxError: '(' was never closed" in result.stderr.splitlines()
    assert not (scratch / "broken.ipynb").exists()


def test_sync_names_the_cell_that_raised_and_keeps_the_old_outputs(scratch):
    (scratch / "raises.py").write_text("# %%\nx = 1\n\n# %%\n1 / 0\n")
    (scratch / "raises.ipynb").write_text("old")
    result = course("sync", "raises.py", cwd=scratch)
    assert result.returncode == 1
    assert "course sync: raises.py:4 (cell 1): ZeroDivisionError: division by zero" in result.stderr.splitlines()
    assert (scratch / "raises.ipynb").read_text() == "old"


def test_sync_twice_writes_identical_files(scratch):
    source = '# %% [markdown]\n# # A title\n\n# %%\nimport math\nprint(f"{math.pi:.4f}")\n'
    (scratch / "demo.py").write_text(source)
    assert course("sync", "demo.py", cwd=scratch).returncode == 0
    first = (scratch / "demo.ipynb").read_bytes(), (scratch / "demo.py").read_bytes()
    assert course("sync", "demo.py", cwd=scratch).returncode == 0
    assert ((scratch / "demo.ipynb").read_bytes(), (scratch / "demo.py").read_bytes()) == first
    assert b"3.1416" in first[0]


def test_sync_keeps_slide_breaks_and_the_ids_of_cells_around_an_inserted_one(scratch):
    import nbformat

    slide = '# %% [markdown] slideshow={"slide_type": "slide"}\n# # Second slide\n'
    (scratch / "deck.py").write_text(f"# %% [markdown]\n# # Title\n\n{slide}\n# %%\nprint(1)\n")
    assert course("sync", "--no-execute", "deck.py", cwd=scratch).returncode == 0
    before = nbformat.read(scratch / "deck.ipynb", as_version=4)
    assert slide in (scratch / "deck.py").read_text()
    assert before.cells[1].metadata["slideshow"] == {"slide_type": "slide"}

    (scratch / "deck.py").write_text((scratch / "deck.py").read_text().replace(slide, f"# %%\nx = 0\n\n{slide}"))
    assert course("sync", "--no-execute", "deck.py", cwd=scratch).returncode == 0
    after = nbformat.read(scratch / "deck.ipynb", as_version=4)
    assert len(after.cells) == 4
    assert [cell.id for cell in before.cells] == [after.cells[i].id for i in (0, 2, 3)]
    assert after.cells[2].metadata["slideshow"] == {"slide_type": "slide"}


def test_sync_makes_the_py_of_a_lone_ipynb(scratch):
    import jupytext

    notebook = jupytext.reads("# %%\nprint(2 + 2)\n", fmt="py:percent")
    jupytext.write(notebook, scratch / "lone.ipynb")
    assert course("sync", "lone.ipynb", cwd=scratch).returncode == 0
    assert "print(2 + 2)" in (scratch / "lone.py").read_text()
    assert '"4\\n"' in (scratch / "lone.ipynb").read_text()


def test_bench_rejects_a_missing_notebook(scratch):
    result = course("bench", "--notebooks", "nope.py", cwd=scratch)
    assert result.returncode == 2 and "no such notebook: nope.py" in result.stdout + result.stderr


def test_lab_outside_the_course_says_where_to_run_it(scratch):
    result = course("lab", "--no-browser", cwd=scratch)
    assert result.returncode == 2
    assert "run `course lab` from the course folder" in result.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["grade", "ps99", "x.ipynb", "--out", "o"], "no single problem set of that name in solutions/ (known: ps00_gan_game"),
        (["grade", "ps00"], "name the submissions to grade"),
        (["grade", "ps00", "tests"], "--out is required"),
        (["grade", "ps00", "missing.ipynb", "--out", "o"], "no such submission: missing.ipynb"),
        (["grade", "ps00", "tests", "--out", "o", "--jobs", "0"], "--jobs must be at least 1"),
    ],
)
def test_grade_usage_errors_are_one_line_and_exit_2(args, message):
    run = course(*args)
    assert run.returncode == 2
    assert run.stderr.startswith("course grade: ") and message in run.stderr and len(run.stderr.strip().splitlines()) == 1


def test_grade_names_a_zip_that_is_not_a_zip(tmp_path):
    fake = tmp_path / "class.zip"
    fake.write_text("not a zip")
    run = course("grade", "ps00", str(fake), "--out", str(tmp_path / "out"))
    assert run.returncode == 1 and "is not a valid zip file" in run.stderr


def test_a_stale_notebook_output_names_its_py_line_and_the_sync_command(tmp_path):
    import jupytext
    import nbformat

    shutil.copy(ROOT / "conftest.py", tmp_path)
    (tmp_path / "notebooks").mkdir()
    notebook = jupytext.reads("# %% [markdown]\n# Title\n\n# %%\nprint(1 + 1)\n", fmt="py:percent")
    notebook.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="3\n")]  # stale
    notebook.cells[1].execution_count = 1
    jupytext.write(notebook, tmp_path / "notebooks" / "demo.ipynb")
    jupytext.write(notebook, tmp_path / "notebooks" / "demo.py", fmt="py:percent")
    result = subprocess.run([sys.executable, "-m", "pytest", "--nbval", "-p", "no:cacheprovider", "notebooks/demo.ipynb"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert "Cell 0 counts code cells only: it is notebooks/demo.py:4" in result.stdout
    assert "course sync notebooks/demo.py" in result.stdout
