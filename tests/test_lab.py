"""`course lab --no-browser --port P` serves the course on loopback, with no news pop-up."""

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "course-lab-test-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def lab_server():
    port = free_port()
    env = {**os.environ, "JUPYTER_TOKEN": TOKEN}
    process = subprocess.Popen(
        [sys.executable, "-m", "course_lib.cli", "lab", "--no-browser", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"course lab exited early: {process.stderr.read().decode()[-2000:]}")
        try:
            if requests.get(f"{base}/api/status", params={"token": TOKEN}, timeout=2).ok:
                break
        except requests.ConnectionError:
            time.sleep(0.5)
    else:
        process.kill()
        pytest.fail("course lab did not answer within 90 s")
    yield base
    os.killpg(process.pid, 15)
    process.wait(timeout=30)


def test_lab_serves_the_course_index_on_loopback(lab_server):
    page = requests.get(f"{lab_server}/lab/tree/notebooks/00_index.ipynb", params={"token": TOKEN}, timeout=10)
    assert page.status_code == 200 and "JupyterLab" in page.text
    notebook = requests.get(f"{lab_server}/api/contents/notebooks/00_index.ipynb", params={"token": TOKEN}, timeout=10)
    assert notebook.status_code == 200
    assert notebook.json()["type"] == "notebook"
    assert "Course map" in str(notebook.json()["content"]["cells"][0]["source"])


def test_lab_refuses_requests_without_the_token(lab_server):
    assert requests.get(f"{lab_server}/api/contents/notebooks", timeout=10).status_code == 403


def test_lab_opens_on_the_index(lab_server):
    landing = requests.get(f"{lab_server}/", params={"token": TOKEN}, timeout=10, allow_redirects=False)
    assert landing.headers["Location"].startswith("/lab/tree/notebooks/00_index.ipynb")


def test_lab_switches_off_the_news_pop_up(lab_server):
    page = requests.get(f"{lab_server}/lab", params={"token": TOKEN}, timeout=10).text
    config = json.loads(re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', page, re.S).group(1))
    assert "@jupyterlab/apputils-extension:announcements" in config["disabledExtensions"]
