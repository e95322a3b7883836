"""``course sync``: pair each .py with its .ipynb, execute it, and store its outputs.

The .py is the source: ``sync`` reads it, runs it in a fresh kernel and writes both files. A
lone .ipynb (say, one made in JupyterLab) is first given its .py. Exercise notebooks are
written without outputs: students run them. On any failure the old .ipynb is left untouched.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import jupytext
from tqdm.auto import tqdm

from course_lib.tooling.notebooks import NotebookError, execute, find_pairs, pair_paths, read_source, write_pair

DEFAULT_FOLDERS = (Path("notebooks"), Path("solutions"))


def collect_pairs(paths: list[Path]) -> list[tuple[Path, Path]]:
    """Expand files and folders into (.py, .ipynb) pairs. Raises FileNotFoundError for a missing path."""
    pairs: list[tuple[Path, Path]] = []
    for path in paths:
        if path.is_dir():
            pairs += find_pairs(path)
        elif path.suffix in (".py", ".ipynb") and any(p.exists() for p in pair_paths(path)):
            pairs.append(pair_paths(path))
        else:
            raise FileNotFoundError(f"{path}: no such notebook (.py or .ipynb) or folder")
    return pairs


def sync_pair(py_path: Path, ipynb_path: Path, execute_cells: bool = True) -> None:
    """Bring one pair up to date from its .py (made from the .ipynb first if the .py is missing)."""
    if not py_path.exists():
        py_path.write_text(jupytext.writes(jupytext.read(ipynb_path), fmt="py:percent"), encoding="utf-8")
    notebook = read_source(py_path)
    is_exercise = py_path.parent.name == "exercises"
    if execute_cells and not is_exercise:
        execute(notebook, cwd=py_path.parent, source=py_path)
    write_pair(notebook, py_path, ipynb_path)


def sync_paths(paths: list[Path], execute: bool = True) -> int:
    """Sync every notebook under ``paths`` (default: notebooks/ and solutions/). Returns an exit code."""
    try:
        pairs = collect_pairs(paths or [folder for folder in DEFAULT_FOLDERS if folder.is_dir()])
    except FileNotFoundError as error:
        print(f"course sync: {error}", file=sys.stderr)
        return 2
    start, failures = time.perf_counter(), []
    for py_path, ipynb_path in tqdm(pairs, desc="sync", unit="notebook", disable=len(pairs) < 2):
        try:
            sync_pair(py_path, ipynb_path, execute)
        except NotebookError as error:
            failures.append(str(error))
            print(f"course sync: {error}", file=sys.stderr)
    seconds = time.perf_counter() - start
    print(f"synced {len(pairs) - len(failures)} of {len(pairs)} notebooks in {seconds:.1f} s")
    return 1 if failures else 0
