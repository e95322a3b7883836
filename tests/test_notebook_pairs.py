"""Every notebook is a .py/.ipynb pair with the same cells; stale outputs are nbval's job."""

import json
from pathlib import Path

import jupytext
import pytest

from course_lib.tooling.notebooks import NOTEBOOK_DIRS

ROOT = Path(__file__).resolve().parents[1]


def notebook_stems():
    for folder in NOTEBOOK_DIRS:
        for path in sorted((ROOT / folder).glob("*")):
            if path.suffix in (".py", ".ipynb"):
                yield path.with_suffix("")


STEMS = sorted(set(notebook_stems()))


def cells(notebook):
    return [(cell.cell_type, cell.source.strip()) for cell in notebook.cells]


@pytest.mark.parametrize("stem", STEMS, ids=lambda s: f"{s.parent.name}/{s.name}")
def test_every_notebook_has_both_files_of_its_pair(stem):
    missing = [p.name for p in (stem.with_suffix(".py"), stem.with_suffix(".ipynb")) if not p.exists()]
    assert not missing, f"{stem.relative_to(ROOT)}: missing {missing}; run `course sync {stem.relative_to(ROOT)}.py`"


@pytest.mark.parametrize("stem", STEMS, ids=lambda s: f"{s.parent.name}/{s.name}")
def test_both_files_of_a_pair_hold_the_same_cells(stem):
    text = jupytext.read(stem.with_suffix(".py"))
    stored = jupytext.read(stem.with_suffix(".ipynb"))
    name = stem.relative_to(ROOT)
    assert cells(text) == cells(stored), f"{name}.py and .ipynb differ; run `course sync {name}.py`"


@pytest.mark.parametrize("stem", [s for s in STEMS if s.parent.name == "notebooks"], ids=lambda s: s.name)
def test_lecture_notebooks_are_committed_executed(stem):
    notebook = json.loads(stem.with_suffix(".ipynb").read_text())
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert code and all(c["execution_count"] is not None for c in code), f"run `course sync {stem.relative_to(ROOT)}.py`"


def test_the_lecture_notebooks_exist():
    assert {"00_index", "01_gan_game"} <= {s.name for s in STEMS if s.parent.name == "notebooks"}
