"""Inside the sandbox: run a student's notebook, then probe its answers. Run as a program:

    python -I -m course_lib.grading.runner < request.json

The request (JSON on standard input) holds the notebook's code cells, the probes to run and the
limits. Nothing else from the grader crosses into the sandbox: no test, no expected answer, no
reference implementation. The runner answers on its standard output, one JSON object a line:

- ``{"cell": i}`` before cell ``i`` runs, and ``{"cell_error": i, "error": "..."}`` if it failed;
- ``{"probe": k}`` before probe ``k``, then ``{"probe_result": k, "answer": ...}`` where the
  answer is one Plain (see :mod:`course_lib.grading.wire`) or a list of them, one per call;
- ``{"done": true}`` at the end.

The student's own output goes to /dev/null: nothing they print can pass for a grader message.
Cells run one after another in one IPython shell, as in a kernel; a cell that fails or runs out
of CPU time is reported, and the next cell runs. CPU time, not wall time, so that a verdict does
not depend on how busy the machine is. If the whole process dies (``os._exit``, a
crash, the CPU limit), the grader knows from the last ``cell``/``probe`` line what was running,
and runs the notebook again without it.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import shutil
import signal
import sys
import threading
import time
from contextlib import contextmanager

# Imported before any student code runs, so that a cell that patches these modules does not change the probes.
from course_lib.grading.answers import call_on_inputs, library_name, missing, to_plain
from course_lib.grading.checks import Plain
from course_lib.grading.wire import decode_value, encode_plain

MAX_REQUEST_BYTES = 64 << 20


class CellTimeout(BaseException):
    """A cell ran out of CPU time. A BaseException, so that `except Exception` in a cell cannot swallow it."""


def main() -> int:
    request = json.loads(sys.stdin.buffer.read(MAX_REQUEST_BYTES))
    channel = _private_channel()
    limits = request["limits"]
    _set_limits(limits)
    _prepare_home(request.get("matplotlib_cache"))
    shell = _make_shell()
    watchdog = _Watchdog()
    skip_cells, skip_probes = set(request.get("skip_cells", ())), set(request.get("skip_probes", ()))
    for index, source in enumerate(request["cells"]):
        if index in skip_cells:
            continue
        _send(channel, {"cell": index})
        error = _run_cell(shell, watchdog, source, limits["cell_cpu_seconds"])
        if os.getpid() != RUNNER_PID:  # a process the cell forked (a fork bomb's children) stops here
            os._exit(0)
        if error:
            _send(channel, {"cell_error": index, "error": error})
    for number, probe in enumerate(request["probes"]):
        if number in skip_probes:
            continue
        _send(channel, {"probe": number})
        answer = _run_probe(shell.user_ns, probe, watchdog)
        if os.getpid() != RUNNER_PID:
            os._exit(0)
        _send(channel, {"probe_result": number, "answer": answer})
    _send(channel, {"done": True})
    return 0


# ---- the process: channel, limits, home ------------------------------------------------------


def _private_channel():
    """Keep standard output for the grader's messages; send the student's output to /dev/null."""
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.set_inheritable(channel.fileno(), False)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    os.close(null)
    return channel


RUNNER_PID = os.getpid()


def _send(channel, message: dict) -> None:
    if os.getpid() != RUNNER_PID:  # only the runner itself speaks to the grader
        return
    channel.write(json.dumps(message, allow_nan=False) + "\n")
    channel.flush()


def _set_limits(limits: dict) -> None:
    """Resource limits on this process and its children, set before any student code runs."""
    cpu = int(limits["total_cpu_seconds"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))  # SIGXCPU, then SIGKILL 5 s later
    # Memory: the data limit counts the heap and every private writable mapping, which is what an
    # allocation takes. Not the address space: shared libraries map far more than they use (the
    # CUDA build of torch, the only one PyPI has for Python 3.12 and 3.13, maps over 3 GB).
    resource.setrlimit(resource.RLIMIT_DATA, (limits["memory_bytes"],) * 2)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits["file_bytes"],) * 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))
    if limits.get("processes"):
        resource.setrlimit(resource.RLIMIT_NPROC, (limits["processes"],) * 2)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an oversized write fails with an error, not a dead process


def _prepare_home(matplotlib_cache: str | None) -> None:
    """A private working folder, and matplotlib's prebuilt font cache (no rebuild per submission)."""
    import tempfile

    home = tempfile.mkdtemp(prefix="submission-")
    os.environ.update(HOME=home, MPLBACKEND="Agg", MPLCONFIGDIR=os.path.join(home, ".matplotlib"), IPYTHONDIR=os.path.join(home, ".ipython"))
    os.makedirs(os.environ["MPLCONFIGDIR"])
    if matplotlib_cache and os.path.isdir(matplotlib_cache):
        for name in os.listdir(matplotlib_cache):
            if name.startswith("fontlist") and name.endswith(".json"):
                shutil.copy(os.path.join(matplotlib_cache, name), os.environ["MPLCONFIGDIR"])
    os.chdir(home)


# ---- cells ---------------------------------------------------------------------------------


def _make_shell():
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False
    config.InteractiveShell.colors = "NoColor"
    config.InteractiveShell.xmode = "Minimal"
    return InteractiveShell.instance(config=config)


class _Watchdog:
    """Stops the code running in the main thread once it has used its CPU seconds.

    A thread of the runner polls the process's CPU time and, past the deadline, raises an
    exception in the main thread (``PyThreadState_SetAsyncExc``), again and again until the
    block ends: unlike a timer signal, the student's code cannot switch it off. Code stuck in
    C (a sleep) is left to the grader's wall-clock guard.
    """

    POLL_SECONDS = 0.05

    def __init__(self):
        self.deadline: float | None = None
        self.exception: type[BaseException] = CellTimeout
        self.main = threading.main_thread().ident
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self) -> None:
        while True:
            time.sleep(self.POLL_SECONDS)
            deadline = self.deadline
            if deadline is not None and time.process_time() > deadline:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self.main), ctypes.py_object(self.exception))

    @contextmanager
    def limit(self, seconds: float, exception: type[BaseException]):
        self.exception = exception
        self.deadline = time.process_time() + seconds
        try:
            yield
        finally:
            self.deadline = None

    def call_limit(self, seconds: float):
        """The limit on one call of a student's function: its overrun is a TimeoutError the probe reports."""
        message = f"it took longer than {seconds:g} s of CPU time on this input; look for an endless loop"
        return self.limit(seconds, type("CallTimeout", (TimeoutError,), {"__str__": lambda self: message}))


def _run_cell(shell, watchdog: _Watchdog, source: str, seconds: float) -> str:
    """Run one cell; return '' or the error in one line ('NameError: name 'x' is not defined')."""
    with watchdog.limit(seconds, CellTimeout):
        result = shell.run_cell(source, store_history=False, silent=True)
    error = result.error_before_exec or result.error_in_exec
    if error is None:
        return ""
    if isinstance(error, CellTimeout):
        return f"the cell ran out of its {seconds:g} s of CPU time; look for an endless loop"
    try:
        message = str(error)
    except Exception:
        message = ""
    return f"{type(error).__name__}: {message}"[:300]


# ---- probes --------------------------------------------------------------------------------


def _run_probe(namespace: dict, probe: dict, watchdog: _Watchdog) -> dict | list:
    name = probe["name"]
    if "call" not in probe:
        return encode_plain(to_plain(namespace[name]) if name in namespace else missing(name))
    function = namespace.get(name)
    if function is None:
        return encode_plain(missing(name))
    if not callable(function):
        return encode_plain(Plain("other", type(function).__name__))
    if library_name(function):
        return encode_plain(Plain("library", library_name(function)))
    inputs = [tuple(decode_value(args)) for args in probe["call"]]
    forbidden = [tuple(pair) for pair in probe.get("forbidden", ())]
    outputs = call_on_inputs(function, inputs, probe["seconds_per_call"], probe.get("check_unchanged", False), watchdog.call_limit, forbidden)
    return encode_plain(outputs) if isinstance(outputs, Plain) else [encode_plain(output) for output in outputs]


if __name__ == "__main__":
    sys.exit(main())
