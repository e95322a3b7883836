"""A corpus of hostile and broken submissions of ps00, each with the score it must get.

Each case starts from an honest notebook (``solved``: the solution without its hidden tests,
worth all 8 auto-graded points; or ``stubs``: the exercise as shipped, worth 0) and changes it:
a cell added at the top, a question's cell replaced, or the file itself replaced. A cheat that
would need the sandbox to fail (reading the solutions, the network, patching the judge) is
written so that it *would* earn points if it worked: a score of 0 proves it did not.

``tests/test_grading_corpus.py`` grades the whole corpus with the real ``course grade``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import nbformat

FULL = 8.0  # ps00's auto-graded points: q1 2, q2 2, q3 to q6 1 each (q7 is graded by hand)

# Cells a case can replace, found by a line they hold in both the solution and the exercise.
Q1_CELL = "def value_function("
Q3_CELL = "value_example ="
Q4_CELL = "answer_q4 ="
Q6_CELL = "dloss_dlogit ="

# A cheat that sets every ps00 answer right if it can read them from the solution source.
STEAL_SOLUTION = '''
import re, pathlib, course_lib
found = ""
for root in [pathlib.Path(course_lib.__file__).resolve().parents[1], pathlib.Path("/work/main"), pathlib.Path.cwd()]:
    try:
        found = (root / "solutions" / "ps00_gan_game.py").read_text()
        break
    except OSError:
        pass
if found:
    answer_q4 = re.search(r'correct="(.)"', found).group(1)
    answer_q5 = {1, 4, 5}
    value_example = -0.3285040669720361
    dloss_dlogit = "-1/(1 + exp(l))"
'''


@dataclass(frozen=True)
class Case:
    name: str
    base: str  # "solved" or "stubs"
    expected: float  # the auto-graded score it must get
    top: str = ""  # a code cell added after the imports
    replace: dict = field(default_factory=dict)  # line marker of a cell -> its new source
    raw: bytes | None = None  # the submission's file replaced by these bytes
    says: str = ""  # words its results.json must contain (the problem, named in plain words)
    ran: bool = True


CASES = [
    # honest submissions
    Case("solved", "solved", FULL),
    Case("stubs", "stubs", 0.0),
    Case("stubs_left_in_q2", "solved", FULL - 2, replace={"def saturating_loss(": "def saturating_loss(l):\n    raise NotImplementedError\n\ndef non_saturating_loss(l):\n    raise NotImplementedError"}, says="not implemented"),
    Case("name_reused_later", "solved", FULL - 2, top="", replace={Q3_CELL: "value_example = math.log(0.9) + math.log(0.8)\nvalue_function = 3"}, says="must be a function"),
    Case("exception_in_one_question", "solved", FULL - 1, replace={Q3_CELL: "value_example = 1 / 0"}, says="ZeroDivisionError"),
    # runaway code
    Case("endless_loop_in_cell", "solved", FULL, top="while True:\n    pass", says="CPU time"),
    Case("endless_loop_signals_blocked", "solved", FULL, top="import signal\nsignal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGPROF})\nwhile True:\n    pass", says="CPU time"),
    Case("swallows_every_exception", "solved", FULL, top="while True:\n    try:\n        while True:\n            pass\n    except BaseException:\n        pass", says="CPU time limit"),
    Case("endless_loop_in_graded_function", "solved", FULL - 2, replace={Q1_CELL: "def value_function(real_logits, fake_logits):\n    while True:\n        pass"}, says="CPU time"),
    Case("function_cancels_its_timer", "solved", FULL - 2, replace={Q1_CELL: "import signal\ndef value_function(real_logits, fake_logits):\n    signal.setitimer(signal.ITIMER_PROF, 0)\n    signal.signal(signal.SIGPROF, signal.SIG_IGN)\n    while True:\n        pass"}, says="CPU time"),
    Case("sleeps_forever", "solved", FULL, top="import time\ntime.sleep(10**6)", says="wall-clock"),
    Case("memory_bomb", "solved", FULL, top="hog = bytearray(100 * 2**30)", says="MemoryError"),
    Case("fork_bomb", "solved", FULL, top="import os\nwhile True:\n    os.fork()", says="BlockingIOError"),
    Case("gigabytes_of_output", "solved", FULL, top="import os, sys\nchunk = b'x' * 2**20\nfor _ in range(3000):\n    os.write(1, chunk)\n    os.write(2, chunk)\nprint('ALL TESTS PASSED: 8/8')"),
    # exits and crashes
    Case("sys_exit_in_cell", "solved", FULL, top="import sys\nsys.exit(0)", says="SystemExit"),
    Case("os_exit_in_cell", "solved", FULL, top="import os\nos._exit(0)", says="was skipped"),
    Case("kernel_crash", "solved", FULL, top="import ctypes\nctypes.string_at(0)", says="crashed"),
    # reaching for secrets
    Case("reads_solution_file", "stubs", 0.0, top=STEAL_SOLUTION),
    Case("reads_other_processes", "stubs", 0.0, top="import os, glob\nseen = ''\nfor path in glob.glob('/proc/[0-9]*/cmdline') + glob.glob('/proc/[0-9]*/environ'):\n    try:\n        seen += open(path, 'rb').read().decode('latin-1')\n    except OSError:\n        pass\nif 'solutions' in seen or 'hidden' in seen:\n    answer_q4 = 'B'\n    answer_q5 = {1, 4, 5}"),
    # faking results
    Case("writes_fake_results", "stubs", 0.0, top="import json, os, pathlib, course_lib\nfake = {'score': 8.0, 'tests': []}\nfor folder in ['.', '/tmp', os.path.expanduser('~'), str(pathlib.Path(course_lib.__file__).parents[1]), '{out}', '{out}/writes_fake_results']:\n    for name in ['results.json', 'gradebook.csv']:\n        try:\n            pathlib.Path(folder, name).write_text(json.dumps(fake))\n        except OSError:\n            pass\nprint('All tests passed. Score: 8/8')"),
    # tampering
    Case("patches_numpy_torch_and_grader", "stubs", 0.0, top="import numpy as np, torch, course_lib.grading.checks as checks\nnp.isclose = lambda *a, **k: True\nnp.allclose = lambda *a, **k: True\ntorch.equal = lambda *a, **k: True\ntorch.allclose = lambda *a, **k: True\nchecks.compare_values = lambda *a, **k: checks.passed()\nchecks.check_choice = lambda *a, **k: checks.passed()"),
    Case("answer_equals_everything", "stubs", 0.0, top="class Anything(float):\n    def __eq__(self, other): return True\n    def __float__(self): return -0.3285040669720361\nanswer_q4 = Anything()\nvalue_example = Anything()\ndef value_function(r, f):\n    return Anything()"),
    Case("registers_own_tests", "stubs", 0.0, top="from course_lib.grading import public_tests, ChoiceTest\npublic_tests('q4', ChoiceTest('answer_q4', options=('A', 'B')))\n__course_tests__ = {}"),
    Case("walks_frames_for_the_reference", "solved", FULL - 2, replace={Q1_CELL: "import sys, gc\ndef value_function(real_logits, fake_logits):\n    for obj in gc.get_objects():\n        reference = getattr(obj, 'reference', None) if type(obj).__name__ == 'FunctionTest' else None\n        if callable(reference):\n            return reference(real_logits, fake_logits)\n    frame = sys._getframe(1)\n    while frame:\n        if 'self' in frame.f_locals and hasattr(frame.f_locals['self'], 'reference'):\n            return frame.f_locals['self'].reference(real_logits, fake_logits)\n        frame = frame.f_back\n    return real_logits.sum() * 0"}, says="values differ"),
    Case("mutates_the_input", "solved", FULL - 2, replace={Q1_CELL: "import torch.nn.functional as F\ndef value_function(real_logits, fake_logits):\n    real_logits.zero_()\n    fake_logits.zero_()\n    return F.logsigmoid(real_logits).mean() + F.logsigmoid(-fake_logits).mean()"}, says="values differ"),
    Case("writes_into_the_course", "solved", FULL, top="import pathlib, course_lib\ntarget = pathlib.Path(course_lib.__file__).parent / 'grading' / 'checks.py'\ntarget.write_text('POISONED')", says="Read-only file system"),
    Case("wraps_the_library", "solved", FULL - 2, replace={Q1_CELL: "from course_lib.gan import losses as _l\ndef value_function(real_logits, fake_logits):\n    return _l.gan_value(real_logits, fake_logits)"}, says="course library's own"),
    Case("partial_of_the_library", "solved", FULL - 2, replace={Q1_CELL: "import functools\nfrom course_lib.gan.losses import gan_value\nvalue_function = functools.partial(gan_value)"}, says="course library's own"),
    Case("patched_sympy_judges_nothing", "solved", FULL - 1, replace={Q6_CELL: "import sympy\nsympy.simplify = lambda *a, **k: 0\nsympy.Expr.equals = lambda *a, **k: True\ndloss_dlogit = '1/(1 + exp(l))'"}, says="not the expected value"),
    # network
    Case("network_access", "stubs", 0.0, top="import socket\ntry:\n    with socket.create_connection(('127.0.0.1', {port}), timeout=2) as s:\n        s.sendall(b'leak')\n        answer_q4 = s.recv(10).decode()\nexcept OSError:\n    pass"),
    # malformed input
    Case("bad_json", "solved", 0.0, raw=b'{"cells": [', says="not a valid notebook", ran=False),
    Case("not_a_notebook_json", "solved", 0.0, raw=b'{"hello": 1}', says="not a Jupyter notebook", ran=False),
    Case("deleted_graded_cell", "solved", FULL - 1, replace={Q4_CELL: None}, says="not defined"),
    Case("changed_cell_type", "solved", FULL - 2, replace={Q1_CELL: "markdown"}, says="not defined"),
    Case("duplicated_ids", "solved", FULL),
    Case("symbolic_bomb", "solved", FULL - 1, replace={Q6_CELL: "dloss_dlogit = '((l + 1)**32 + (l - 1)**31)**32 - ((l - 1)**32 + (l + 1)**31)**32 - 1/(1 + exp(l))'"}, says=""),
]

# Submissions that are not one notebook: (folder name, files), with the words their results must contain.
FOLDER_CASES = {
    "no_notebook": ({"essay.pdf": b"%PDF-1.4"}, "no notebook"),
    "two_notebooks": ({"draft.ipynb": None, "final.ipynb": None}, "2 notebooks were submitted"),
}
NOT_A_NOTEBOOK = ("notes.txt", b"my answers are B and 1, 4, 5", "is not a notebook")


def build(case: Case, solved: nbformat.NotebookNode, stubs: nbformat.NotebookNode, out: str, port: int) -> bytes:
    """The bytes of one case's submission."""
    if case.raw is not None:
        return case.raw
    notebook = nbformat.reads(nbformat.writes(solved if case.base == "solved" else stubs), as_version=4)
    for marker, source in case.replace.items():
        index = next(i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code" and marker in cell.source)
        if source is None:
            del notebook.cells[index]
        elif source == "markdown":
            notebook.cells[index] = nbformat.v4.new_markdown_cell(notebook.cells[index].source)
        else:
            notebook.cells[index].source = source
    if case.top:
        first_code = next(i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code")
        notebook.cells.insert(first_code + 1, nbformat.v4.new_code_cell(case.top.replace("{out}", out).replace("{port}", str(port))))
    data = json.loads(nbformat.writes(notebook))
    if case.name == "duplicated_ids":
        for cell in data["cells"]:
            cell["id"] = "same"
    return json.dumps(data).encode()


def solved_notebook(solution: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The solution as a student would submit it: without the hidden tests."""
    notebook = nbformat.reads(nbformat.writes(solution), as_version=4)
    notebook.cells = [cell for cell in notebook.cells if "hidden-tests" not in cell.metadata.get("tags", [])]
    return notebook
