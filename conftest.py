"""Repository-wide pytest settings.

One ``pytest`` run (``make test``) covers unit tests, doctests and every notebook under nbval:
- notebooks/ and solutions/ are committed executed, and their stored outputs must match (strict);
- exercises/ are committed without outputs, so their cells only have to run (lax).
"""

from pathlib import Path

import pytest

import course_lib  # noqa: F401  first: it pins torch's vector instructions before anything loads torch

# The .py halves of notebook pairs are notebooks, not modules: never import them as doctests.
collect_ignore_glob = ["notebooks/*.py", "solutions/*.py", "exercises/*.py", "build/*"]

LAX_FOLDERS = {"exercises"}


def pytest_configure(config):
    """Under pytest-xdist, each worker grades in sandboxes with uids of its own (worker gw1 from slot 100)."""
    import os

    from course_lib.grading.sandbox import SLOTS_FROM_VARIABLE

    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    os.environ[SLOTS_FROM_VARIABLE] = str(100 * int(worker.removeprefix("gw") or 0))


def pytest_collection_modifyitems(config, items):
    for item in items:
        parent = getattr(item, "parent", None)
        if type(parent).__name__ == "IPyNbFile" and Path(str(parent.path)).parent.name in LAX_FOLDERS:
            item.options["check"] = False  # what --nbval-lax does, for this folder only


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under a failing notebook cell, say which cell of the .py it is and how to refresh the outputs.

    nbval's "Cell 9" counts code cells only, and does not say that ``course sync`` stores fresh outputs.
    """
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed or type(item).__name__ != "IPyNbCell":
        return
    from course_lib.tooling.notebooks import cell_source_line

    notebook_path = Path(str(item.path))
    if notebook_path.is_relative_to(item.config.rootpath):
        notebook_path = notebook_path.relative_to(item.config.rootpath)
    py_path = notebook_path.with_suffix(".py")
    index = next(i for i, cell in enumerate(item.parent.nb.cells) if cell is item.cell)
    line = cell_source_line(py_path, index) if py_path.exists() else None
    where = f"{py_path}:{line}" if line else f"cell {index} of {notebook_path} (markdown cells counted)"
    hint = f"nbval's Cell {item.cell_num} counts code cells only: it is {where}."
    if notebook_path.parent.name not in LAX_FOLDERS:
        hint += (
            f"\nIf you changed that notebook or the library on purpose, store fresh outputs with"
            f"\n    course sync {py_path}\nand commit both files; if not, the difference above is a real change."
        )
    report.sections.append(("which cell, and how to fix it", hint))
