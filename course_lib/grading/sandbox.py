"""Run the grading runner on untrusted code: in bubblewrap where it exists, under resource limits always.

In bubblewrap the runner sees only what a kernel needs, read-only: the system's ``/usr``, the
Python installation, the virtual environment, and the course library (never the course
repository: ``solutions/`` stays out of reach). It gets a private, size-limited ``/tmp``, no
network (only its own loopback), its own process and IPC namespaces, no capabilities, and a
non-root user id. When the grader runs as root, a user namespace would map that id back to
root outside, so the sandbox drops to a real unprivileged uid with ``setpriv`` instead.

Where bubblewrap is missing or cannot start, the runner still runs under the resource limits
(CPU time, memory, processes, file size), and as an unprivileged uid when the grader is root,
but it can read whatever that user can read, and reach the network: the grader says so loudly,
in its summary and in every results file.

The limits are CPU time, not wall time, wherever a verdict depends on them: a submission gets
the same result on an idle and on a busy machine. The wall-clock limit only guards against a
submission that sleeps forever.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path

from course_lib import REPRODUCIBLE_ENV

BUBBLEWRAP, RLIMITS = "bubblewrap", "resource limits only"
FALLBACK_WARNING = (
    "WARNING: bubblewrap is not available, so submissions ran under resource limits only: "
    "student code could read any file the grader's user can read, and reach the network. "
    "Install it (Debian: apt-get install bubblewrap) before grading a class."
)
FIRST_SANDBOX_UID = 61000  # one unprivileged uid per parallel slot, so process limits do not mix
# Two graders at once on one machine (say, the test suite's parallel workers) each need their own
# uids: COURSE_SANDBOX_SLOTS_FROM shifts this process's slots past the other's.
SLOTS_FROM_VARIABLE = "COURSE_SANDBOX_SLOTS_FROM"
STDERR_BYTES = 16 << 10  # the runner's own error output that is kept for the report


@dataclass(frozen=True)
class Limits:
    """What one run of a submission may use. CPU seconds count every thread of the process."""

    cell_cpu_seconds: float = 60.0  # one cell: course cells take seconds; more means an endless loop
    call_cpu_seconds: float = 10.0  # one call of a student's function on one input
    total_cpu_seconds: int = 300  # the whole run; past it the runner is killed
    wall_seconds: float = 900.0  # hang guard for code that sleeps; never reached by a working notebook
    memory_bytes: int = 3 << 30  # heap and private mappings (RLIMIT_DATA): torch and matplotlib need well under 1 GB
    processes: int = 128  # processes and threads of the sandbox's uid: stops fork bombs
    file_bytes: int = 64 << 20  # the largest file a submission may write
    tmp_bytes: int = 256 << 20  # its private /tmp
    output_bytes: int = 32 << 20  # what the runner may send back; more is not a probe's answer


@dataclass
class RunOutcome:
    """What came back from one run: the runner's messages, and how the process ended."""

    messages: list[dict] = field(default_factory=list)
    exit_code: int | None = None
    stopped: str = ""  # why the grader stopped it: "wall time" or "output limit", else ""
    malformed: str = ""  # why the messages cannot be trusted, else ""
    stderr: str = ""

    @property
    def finished(self) -> bool:
        return bool(self.messages) and self.messages[-1] == {"done": True} and not self.malformed


@functools.cache
def sandbox_mode() -> str:
    """BUBBLEWRAP if a bubblewrap sandbox starts on this machine, else RLIMITS."""
    if not shutil.which("bwrap"):
        return RLIMITS
    probe = _bubblewrap_prefix(slot=0, limits=Limits(), matplotlib_cache=None) + ["/usr/bin/true"]
    try:
        return BUBBLEWRAP if subprocess.run(probe, capture_output=True, timeout=30).returncode == 0 else RLIMITS
    except (OSError, subprocess.TimeoutExpired):
        return RLIMITS


@functools.cache
def matplotlib_cache() -> str:
    """The grader's own matplotlib cache, with its font list built: shared read-only with every run."""
    import matplotlib
    import matplotlib.font_manager  # noqa: F401  (builds the font list if it is missing)

    return matplotlib.get_cachedir()


def runner_command() -> list[str]:
    return [sys.executable, "-I", "-m", "course_lib.grading.runner"]


def run_in_sandbox(request: dict, limits: Limits, slot: int = 0, mode: str | None = None) -> RunOutcome:
    """Run the runner on ``request`` in the sandbox (or under limits only), and collect its messages."""
    mode = mode or sandbox_mode()
    request = {**request, "limits": asdict(limits), "matplotlib_cache": _cache_path_inside(mode)}
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", **REPRODUCIBLE_ENV}
    if mode == BUBBLEWRAP:
        command = _bubblewrap_prefix(slot, limits, matplotlib_cache()) + runner_command()
        cwd = "/"
    else:  # at least not as root, where that uid can run Python: the grader's own files stay out of reach when they are root's
        drop = _unprivileged(slot) if _python_runs_unprivileged() else []
        command, cwd = drop + runner_command(), tempfile.gettempdir()
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd, env=env, start_new_session=True
    )
    return _collect(process, json.dumps(request).encode(), limits)


def _cache_path_inside(mode: str) -> str:
    return "/opt/matplotlib-cache" if mode == BUBBLEWRAP else matplotlib_cache()


def _collect(process: subprocess.Popen, request: bytes, limits: Limits) -> RunOutcome:
    """Feed the request, read at most ``output_bytes`` of messages, and stop the run at the wall limit."""
    outcome = RunOutcome()
    stdout, stderr = bytearray(), bytearray()

    def feed():
        try:
            process.stdin.write(request)
            process.stdin.close()
        except OSError:  # the runner died before reading everything
            pass

    def read(stream, buffer: bytearray, cap: int, stop_when_full: bool):
        while chunk := stream.read(1 << 16):
            if len(buffer) < cap:
                buffer += chunk[: cap - len(buffer)]
            elif stop_when_full:
                outcome.stopped = outcome.stopped or "output limit"
                _kill(process)

    threads = [
        threading.Thread(target=feed, daemon=True),
        threading.Thread(target=read, args=(process.stdout, stdout, limits.output_bytes, True), daemon=True),
        threading.Thread(target=read, args=(process.stderr, stderr, STDERR_BYTES, False), daemon=True),
    ]
    for thread in threads:
        thread.start()
    try:
        process.wait(timeout=limits.wall_seconds)
    except subprocess.TimeoutExpired:
        outcome.stopped = "wall time"
        _kill(process)
        process.wait()
    for thread in threads[1:]:
        thread.join(timeout=10)
    outcome.exit_code = process.returncode
    outcome.stderr = stderr.decode("utf-8", "replace")
    outcome.messages, outcome.malformed = _parse_messages(bytes(stdout))
    return outcome


def _kill(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _parse_messages(data: bytes) -> tuple[list[dict], str]:
    """JSON lines from the runner. A line that is not a JSON object makes the whole run untrusted."""
    messages = []
    for number, line in enumerate(data.splitlines(), 1):
        try:
            message = json.loads(line)
        except (ValueError, RecursionError):
            return messages, f"line {number} of the runner's answer is not JSON"
        if not isinstance(message, dict):
            return messages, f"line {number} of the runner's answer is not a JSON object"
        messages.append(message)
    return messages, ""


# ---- the bubblewrap command ----------------------------------------------------------------


def _bubblewrap_prefix(slot: int, limits: Limits, matplotlib_cache: str | None) -> list[str]:
    """bwrap and its options; the command to run in the sandbox follows."""
    args = ["bwrap", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    args += ["--die-with-parent", "--new-session", "--hostname", "sandbox"]
    args += ["--ro-bind", "/usr", "/usr"]
    for name in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(name):
            args += ["--symlink", os.readlink(name), name]
        elif os.path.isdir(name):
            args += ["--ro-bind", name, name]
    for name in ("/etc/ld.so.cache", "/etc/fonts", "/etc/localtime"):
        if os.path.exists(name):
            args += ["--ro-bind", name, name]
    args += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--size", str(limits.tmp_bytes), "--tmpfs", "/tmp"]
    for path in _python_paths():
        args += _parent_dirs(path) + ["--ro-bind", path, path]
    if matplotlib_cache:
        args += ["--ro-bind", matplotlib_cache, "/opt/matplotlib-cache"]
    args += ["--chdir", "/tmp"]
    if os.geteuid() == 0:  # drop to a real unprivileged uid: a user namespace would map back to root
        args += ["--cap-drop", "ALL"] + [arg for cap in ("CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP") for arg in ("--cap-add", cap)]
        args += ["--"] + _unprivileged(slot)
    else:
        args += ["--unshare-user", "--uid", "65534", "--gid", "65534", "--"]
    return args


def _unprivileged(slot: int) -> list[str]:
    """setpriv to an unprivileged uid when the grader runs as root and setpriv exists; else nothing."""
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        return []
    uid = str(FIRST_SANDBOX_UID + int(os.environ.get(SLOTS_FROM_VARIABLE, "0")) + slot)
    return ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]


@functools.cache
def _python_runs_unprivileged() -> bool:
    """Whether the unprivileged uid can start this Python outside bubblewrap (not if it lives in root's home and links libpython there)."""
    drop = _unprivileged(0)
    if not drop:
        return False
    probe = subprocess.run(drop + [sys.executable, "-I", "-c", "pass"], capture_output=True, timeout=60, cwd=tempfile.gettempdir())
    return probe.returncode == 0


def _python_paths() -> list[str]:
    """What the runner needs to import: the Python installation, the environment, the course library."""
    import course_lib

    library = str(Path(course_lib.__file__).resolve().parent)
    paths = [sys.base_prefix, sys.prefix, library]
    paths = [os.path.realpath(path) for path in paths]
    outside_usr = [path for path in dict.fromkeys(paths) if not (path + "/").startswith("/usr/")]
    return [path for path in outside_usr if not any(path != other and path.startswith(other + "/") for other in outside_usr)]


def _parent_dirs(path: str) -> list[str]:
    """``--dir`` for each parent of ``path``, readable by all: bubblewrap would make them 0700."""
    parents = list(reversed(Path(path).parents))[1:]  # without "/"
    return [arg for parent in parents for arg in ("--perms", "0755", "--dir", str(parent))]
