"""A real browser for the course's tools: headless Chromium under Playwright, and ``course lab`` to point it at.

The course never downloads a browser (``playwright install`` needs a network the course does not
assume). It drives the Chromium that the system's package manager installed (Debian: ``apt-get
install chromium``), else one that ``playwright install chromium`` left in Playwright's cache.
Playwright itself comes with the dev extras (``pip install -e '.[dev]'``).

Used by ``course bench --browser``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from course_lib.tooling.lab import lab_command, lab_environment

# Debian's and Ubuntu's binaries behind their /usr/bin shell wrappers, and Google Chrome's.
KNOWN_BINARIES = ["/usr/lib/chromium/chromium", "/usr/lib/chromium-browser/chromium-browser", "/opt/google/chrome/chrome"]
NAMES_ON_PATH = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]

# Flags for a headless run on a closed network: without the background-networking ones Chromium
# keeps trying to reach Google's servers. --no-sandbox is added (only) when running as root.
CHROMIUM_FLAGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
]

NO_CHROMIUM = "no Chromium found; Debian: apt-get install chromium"
NO_PLAYWRIGHT = "Playwright is not installed; pip install -e '.[dev]' (never `playwright install`: the system's Chromium is used)"

LAB_START_SECONDS = 120.0  # hang guard: JupyterLab answers within seconds, even on a busy machine
LAB_STOP_SECONDS = 30.0


class BrowserUnavailable(Exception):
    """No Chromium or no Playwright on this machine. The message is one line saying what to install."""


def _is_script(path: Path) -> bool:
    with open(path, "rb") as file:
        return file.read(2) == b"#!"


def find_chromium() -> str | None:
    """The path of a Chromium or Chrome binary, past the shell wrappers distributions put on PATH; None if there is none.

    Example:
        >>> find_chromium() is None or Path(find_chromium()).is_file()
        True
    """
    for binary in KNOWN_BINARIES:
        if os.access(binary, os.X_OK):
            return binary
    for name in NAMES_ON_PATH:
        found = shutil.which(name)
        if found is None:
            continue
        resolved = Path(found).resolve()
        if _is_script(resolved):  # a wrapper: prefer the binary beside it, else let the wrapper exec it
            for sibling in ("chrome", "chromium", name):
                candidate = resolved.parent / sibling
                if candidate != resolved and os.access(candidate, os.X_OK) and not _is_script(candidate):
                    return str(candidate)
        return str(resolved)
    return None


def chromium_flags() -> list[str]:
    """Chromium's command-line flags: offline and headless, and ``--no-sandbox`` when running as root (containers, CI)."""
    as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    return CHROMIUM_FLAGS + (["--no-sandbox"] if as_root else [])


def check_browser() -> str:
    """Raise :class:`BrowserUnavailable` unless Playwright and a Chromium are present; return the Chromium's path.

    Call it before any long work, so that a missing browser is reported at once.
    """
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        raise BrowserUnavailable(NO_PLAYWRIGHT) from None
    executable = find_chromium() or playwright_chromium()
    if executable is None:
        raise BrowserUnavailable(NO_CHROMIUM)
    return executable


def playwright_chromium() -> str | None:
    """The Chromium that ``playwright install chromium`` left in Playwright's cache, if it did; else None."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        cached = playwright.chromium.executable_path
    return cached if Path(cached).is_file() else None


@contextmanager
def headless_chromium() -> Iterator[Any]:
    """A headless Chromium under Playwright (a ``playwright.sync_api.Browser``), closed on exit."""
    executable = check_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=chromium_flags())
        try:
            yield browser
        finally:
            browser.close()


def free_port() -> int:
    """A TCP port that nothing listens on at the moment, on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Lab:
    """A running ``course lab``: where it answers, its token, and its log."""

    base_url: str  # http://127.0.0.1:<port>
    token: str
    log: Path

    def url(self, path: str, query: str = "") -> str:
        """The address of ``path`` (e.g. ``lab/tree/notebooks/00_index.ipynb``) with the token; ``query`` e.g. ``reset``."""
        return f"{self.base_url}/{path}?{query + '&' if query else ''}token={self.token}"

    def api(self, method: str, path: str) -> Any:
        """Call Jupyter's REST API (``path`` like ``api/kernels``); return the decoded JSON, or None for an empty answer."""
        request = urllib.request.Request(f"{self.base_url}/{path}", method=method, headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            body = answer.read()
        return json.loads(body) if body else None

    def shut_down_kernels(self) -> None:
        """Shut down every kernel the lab runs (through its REST API, so each exits cleanly)."""
        for kernel in self.api("GET", "api/kernels"):
            try:
                self.api("DELETE", f"api/kernels/{kernel['id']}")
            except urllib.error.HTTPError as error:
                if error.code != 404:  # 404: it has gone already
                    raise


@contextmanager
def running_lab(root: Path, settings: dict[str, dict] | None = None, extra_args: list[str] | None = None) -> Iterator[Lab]:
    """``course lab --no-browser`` on a free loopback port with a known token; its kernels and itself stopped on exit.

    Args:
        root: the course root, served by the lab.
        settings: JupyterLab user settings, by file name, e.g.
            ``{"@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"}}``.
            They live in a fresh settings folder, as does the workspace: no tab from an earlier session is restored.
        extra_args: more ``jupyter lab`` options, e.g. ``["--LabApp.expose_app_in_browser=True"]``.
    """
    home = Path(tempfile.mkdtemp(prefix="course-lab-"))
    for name, values in (settings or {}).items():
        (home / "settings" / name).parent.mkdir(parents=True, exist_ok=True)
        (home / "settings" / name).write_text(json.dumps(values))
    (home / "workspaces").mkdir()
    token = os.urandom(16).hex()
    env = {
        **lab_environment(root),
        "JUPYTER_TOKEN": token,  # jupyter_server takes its token from here
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
    }
    port = free_port()
    lab = Lab(base_url=f"http://127.0.0.1:{port}", token=token, log=home / "lab.log")
    command = lab_command(root, open_browser=False, port=port) + list(extra_args or [])
    with open(lab.log, "wb") as log:
        process = subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_until_answering(lab, process)
        yield lab
    finally:
        _stop(lab, process)
        shutil.rmtree(home, ignore_errors=True)


def _wait_until_answering(lab: Lab, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + LAB_START_SECONDS
    while True:
        if process.poll() is not None:
            tail = lab.log.read_text(errors="replace")[-1500:].replace("\n", " | ")
            raise RuntimeError(f"course lab exited at start (code {process.returncode}): {tail}")
        try:
            lab.api("GET", "api/status")
            return
        except (urllib.error.URLError, ConnectionError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"course lab did not answer on {lab.base_url} within {LAB_START_SECONDS:.0f} s; see {lab.log}")
        time.sleep(0.25)


def _stop(lab: Lab, process: subprocess.Popen) -> None:
    """Kernels first (cleanly, through the API), then the server (SIGTERM, SIGKILL after a grace period)."""
    if process.poll() is None:
        try:
            lab.shut_down_kernels()
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass  # the server's own shutdown stops its kernels too
        os.killpg(process.pid, signal.SIGTERM)  # jupyter_server shuts its kernels down on SIGTERM
        try:
            process.wait(timeout=LAB_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    try:
        os.killpg(process.pid, signal.SIGKILL)  # anything the server left behind in its process group
    except (ProcessLookupError, PermissionError):
        pass
