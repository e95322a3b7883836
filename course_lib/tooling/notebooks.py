"""Reading, checking, executing and writing the course's paired notebooks.

Every notebook is a pair: ``NN_topic.py`` (Jupytext percent format, the file you edit) and
``NN_topic.ipynb`` (the same cells, with their outputs). ``course sync`` and ``course bench``
both go through these functions, so a notebook runs the same way everywhere.
"""

from __future__ import annotations

import ast
import hashlib
import os
from collections import Counter
from pathlib import Path
from typing import Callable

import jupytext
import nbformat
from jupytext.config import load_jupytext_config
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

NOTEBOOK_DIRS = ("notebooks", "solutions", "exercises")
CELL_TIMEOUT_SECONDS = 300  # a course cell takes seconds; five minutes means something hangs
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
KEPT_CELL_METADATA = ("tags", "slideshow")  # nbval's tags, and the slide breaks of `course build --slides`


class NotebookError(Exception):
    """A notebook that cannot be read or run. Its message is one line naming the file and the problem."""


def pair_paths(path: Path) -> tuple[Path, Path]:
    """The (.py, .ipynb) pair that a path to either file, or to its stem, belongs to."""
    stem = path.with_suffix("") if path.suffix in (".py", ".ipynb") else path
    return stem.with_suffix(".py"), stem.with_suffix(".ipynb")


def find_pairs(folder: Path) -> list[tuple[Path, Path]]:
    """Every pair in a folder, sorted by name, whichever of its two files exists."""
    stems = {p.with_suffix("") for p in folder.iterdir() if p.suffix in (".py", ".ipynb") and not p.name.startswith(".")}
    return [pair_paths(stem) for stem in sorted(stems)]


def read_source(py_path: Path) -> nbformat.NotebookNode:
    """Read a percent-format .py as a notebook, after checking that it is valid Python.

    Raises NotebookError naming the file and line of a syntax error, before any kernel starts.
    """
    text = py_path.read_text(encoding="utf-8")
    try:
        ast.parse(text, filename=str(py_path))
    except SyntaxError as error:
        raise NotebookError(f"{py_path}:{error.lineno}: SyntaxError: {error.msg}") from None
    notebook = jupytext.reads(text, fmt="py:percent")
    notebook.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    return notebook


def execute(notebook: nbformat.NotebookNode, cwd: Path, source: Path | None = None, after_each_cell: Callable[[NotebookClient], None] | None = None) -> None:
    """Run every cell in a fresh kernel started in ``cwd``, storing the outputs in place.

    ``after_each_cell(client)``, if given, is called after every cell, while the kernel lives
    (``course bench`` reads the kernel's peak memory there).
    Raises NotebookError naming the source file, the line of the failing cell and the error.
    """
    os.environ.setdefault("PYTHONHASHSEED", "0")  # the kernel inherits it: set iteration order
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_SECONDS,
        kernel_name="python3",
        resources={"metadata": {"path": str(cwd)}},
        record_timing=False,  # timestamps would make every run differ
        store_widget_state=False,  # widget state holds progress-bar timings; figures carry a static PNG
        extra_arguments=["--IPKernelApp.log_level=ERROR"],  # not the kernel's TCP banner on every run
    )
    if after_each_cell is not None:
        client.on_cell_executed = lambda **_: after_each_cell(client)
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as error:
        raise NotebookError(_describe_failure(notebook, source, error)) from None


def _describe_failure(notebook: nbformat.NotebookNode, source: Path | None, error: Exception) -> str:
    where = str(source) if source else "notebook"
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                line = cell_source_line(source, index) if source and source.suffix == ".py" else None
                place = f"{where}:{line}" if line else where
                return f"{place} (cell {index}): {output['ename']}: {output['evalue']}"
    first_line = str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__
    return f"{where}: {type(error).__name__}: {first_line}"


def cell_source_line(py_path: Path, cell_index: int) -> int | None:
    """The line of ``py_path`` where cell ``cell_index`` starts (percent cells begin with ``# %%``)."""
    starts = [n for n, line in enumerate(py_path.read_text(encoding="utf-8").splitlines(), 1) if line.startswith("# %%")]
    return starts[cell_index] if cell_index < len(starts) else None


def stable_cell_ids(cells: list) -> list[str]:
    """One id per cell, from its type and source: inserting or moving a cell leaves the others' ids alone.

    Identical cells are told apart by their rank among themselves.

    Example:
        >>> from nbformat.v4 import new_code_cell as code
        >>> first, second = stable_cell_ids([code("x = 1")]), stable_cell_ids([code("y = 0"), code("x = 1"), code("x = 1")])
        >>> second[1] == first[0], second[2] == first[0] + "-2"
        (True, True)
    """
    ids, seen = [], Counter()
    for cell in cells:
        digest = hashlib.sha1(f"{cell.cell_type}:{cell.source}".encode()).hexdigest()[:12]
        seen[digest] += 1
        ids.append(digest if seen[digest] == 1 else f"{digest}-{seen[digest]}")
    return ids


def merge_streams(outputs: list) -> list:
    """Join consecutive prints to the same stream: how the kernel batches them depends on timing.

    Example:
        >>> from nbformat.v4 import new_output
        >>> merged = merge_streams([new_output("stream", text="a\\n"), new_output("stream", text="b\\n")])
        >>> len(merged), merged[0].text
        (1, 'a\\nb\\n')
    """
    merged: list = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if previous is not None and output.get("output_type") == previous.get("output_type") == "stream" and output.get("name") == previous.get("name"):
            previous["text"] = "".join(previous["text"]) + "".join(output["text"])
        else:
            merged.append(output)
    return merged


def normalise(notebook: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """Make the stored notebook identical from run to run: content-derived cell ids, stable widget ids, no timings."""
    notebook.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}  # no patch version
    for cell, cell_id in zip(notebook.cells, stable_cell_ids(notebook.cells)):
        cell["id"] = cell_id
        cell.metadata = {key: value for key, value in cell.metadata.items() if key in KEPT_CELL_METADATA}
        if "outputs" in cell:
            cell.outputs = merge_streams(cell.outputs)
        for number, output in enumerate(cell.get("outputs", [])):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view is not None:  # random per run; no widget state is stored, so any id will do
                view["model_id"] = hashlib.sha1(f"{name}:{cell_id}:{number}".encode()).hexdigest()[:32]
    return notebook


def write_pair(notebook: nbformat.NotebookNode, py_path: Path, ipynb_path: Path) -> None:
    """Write both files of a pair: the .py in canonical percent format, the .ipynb with outputs."""
    notebook = normalise(notebook, ipynb_path.stem)
    nbformat.validate(notebook)
    config = load_jupytext_config(str(py_path))  # jupytext.toml: the metadata filters
    py_path.write_text(jupytext.writes(notebook, fmt="py:percent", config=config), encoding="utf-8")
    ipynb_path.write_text(nbformat.writes(notebook) + "\n", encoding="utf-8")
