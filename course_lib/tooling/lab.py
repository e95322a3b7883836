"""``course lab``: JupyterLab opened on the course index, with the course's Jupyter settings.

The settings live in ``jupyter_config/`` at the course root (added to JUPYTER_CONFIG_PATH, so a
user's own settings still apply): they switch off JupyterLab's news and update pop-up, and its
extension manager's queries to PyPI, since the course runs offline.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

INDEX = Path("notebooks") / "00_index.ipynb"


def find_course_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` (default: the working directory) holding the course index."""
    start = (start or Path.cwd()).resolve()
    for folder in [start, *start.parents]:
        if (folder / INDEX).is_file():
            return folder
    raise FileNotFoundError(f"no {INDEX} in {start} or above it; run `course lab` from the course folder")


def lab_command(root: Path, open_browser: bool = True, port: int | None = None) -> list[str]:
    """The ``jupyter lab`` command line that ``course lab`` runs."""
    command = [
        sys.executable, "-m", "jupyter", "lab",
        f"--ServerApp.root_dir={root}",
        f"--LabApp.default_url=/lab/tree/{INDEX.as_posix()}",
        "--ServerApp.ip=127.0.0.1",  # loopback only: the course is served to this machine
    ]
    if not open_browser:
        command.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # containers and CI run as root; Jupyter refuses it otherwise
    if port is not None:
        command += [f"--ServerApp.port={port}", "--ServerApp.port_retries=0"]
    return command


def lab_environment(root: Path) -> dict[str, str]:
    """The environment for JupyterLab: the course's config folder first on JUPYTER_CONFIG_PATH."""
    env = dict(os.environ)
    paths = [str(root / "jupyter_config")] + [p for p in env.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep) if p]
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(paths)
    return env


def run_lab(open_browser: bool = True, port: int | None = None) -> int:
    """Serve the course until interrupted (Ctrl-C). Returns JupyterLab's exit code."""
    if port is not None and not 0 < port < 65536:
        print(f"course lab: --port must be between 1 and 65535 (got {port})", file=sys.stderr)
        return 2
    try:
        root = find_course_root()
    except FileNotFoundError as error:
        print(f"course lab: {error}", file=sys.stderr)
        return 2
    try:
        return subprocess.call(lab_command(root, open_browser, port), env=lab_environment(root), cwd=root)
    except KeyboardInterrupt:
        return 0
