"""Every lecture in a real browser: `course lab` serves it, Playwright drives headless Chromium.

For each notebook in notebooks/, the test opens it in JupyterLab, runs all its cells, checks that
no cell shows an error, then moves one control of every live widget and checks that the widget's
picture changes. A second test does the same while presenting, as an instructor would in class:
View > Appearance > Simple Interface and Presentation Mode, with the left sidebar hidden. Screenshots go to each test's tmp_path: the whole notebook
after its run, and each widget after its control moved.

One lab server and one browser page serve every notebook in turn; each notebook's kernel is shut
down before the next one starts. Timeouts here are hang guards, never speed requirements.
"""

import hashlib
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from browser_support import keep_for_tour
from course_lib.tooling.browser import free_port
from course_lib.tooling.browser_bench import RUN_FINISHED  # when Run All is over; course bench --browser waits for it too

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "course-browser-test-token"
LECTURES = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
PRESENTED = "02_optimal_discriminator.ipynb"  # a lecture with one explorer, quick to run

START_SECONDS = 120  # hang guards only: the lab's start, a kernel's start, one Run All, one widget redraw
KERNEL_SECONDS = 120
RUN_SECONDS = 600
REDRAW_SECONDS = 60

# The lab's user settings for the test (students keep JupyterLab's defaults):
TEST_SETTINGS = {
    # every cell in the page, so that the checks and the full-notebook screenshot see all of them
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    # a test run must never write its outputs into the committed notebooks (or, through jupytext, their .py)
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
}

def files_digest(name: str) -> dict[str, str]:
    """The notebook's .ipynb and its paired .py, hashed: the browser run must leave both as they were."""
    paths = [ROOT / "notebooks" / name, (ROOT / "notebooks" / name).with_suffix(".py")]
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths if p.is_file()}


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """`course lab --no-browser` on a free loopback port, with the test's settings and an empty workspace."""
    home = tmp_path_factory.mktemp("lab")
    for name, settings in TEST_SETTINGS.items():
        (home / "settings" / name).parent.mkdir(parents=True, exist_ok=True)
        (home / "settings" / name).write_text(json.dumps(settings))
    (home / "workspaces").mkdir()
    env = {
        **os.environ,
        "JUPYTER_TOKEN": TOKEN,  # jupyter_server takes its token from here
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),  # no tabs restored from an earlier session
    }
    port = free_port()
    log = open(home / "lab.log", "wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "course_lib.cli", "lab", "--no-browser", "--port", str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_SECONDS
    while True:
        if process.poll() is not None:
            pytest.fail(f"course lab exited early: {(home / 'lab.log').read_text()[-2000:]}")
        try:
            if requests.get(f"{base}/api/status", params={"token": TOKEN}, timeout=2).ok:
                break
        except requests.ConnectionError:
            pass
        if time.monotonic() > deadline:
            os.killpg(process.pid, 9)
            pytest.fail(f"course lab did not answer within {START_SECONDS} s")
        time.sleep(0.5)
    yield base
    os.killpg(process.pid, 15)  # Jupyter shuts its kernels down on SIGTERM
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)
    log.close()


@pytest.fixture(scope="module")
def lab_page(browser, lab):  # the browser first: without one, the test is skipped before the lab starts
    """One JupyterLab page for the module's tests, with the page's JavaScript errors recorded."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(f"{lab}/lab?reset&token={TOKEN}")  # ?reset: open no tab from a saved workspace
    page.locator(".lm-MenuBar-itemLabel").get_by_text("Run", exact=True).wait_for(timeout=START_SECONDS * 1000)
    yield page
    context.close()


def menu(page, *path: str) -> None:
    """Click a menu path, e.g. ("View", "Appearance", "Presentation Mode"); labels match exactly."""
    page.locator(".lm-MenuBar-itemLabel").get_by_text(path[0], exact=True).click()
    for label in path[1:]:
        page.locator(".lm-Menu:visible .lm-Menu-itemLabel").get_by_text(label, exact=True).last.click()


def open_notebook(page, lab: str, name: str):
    """Open notebooks/``name`` (File > Open from Path…) and wait until its kernel is idle; return its panel."""
    assert page.locator(".jp-NotebookPanel").count() == 0, "a notebook from an earlier test is still open"
    menu(page, "File", "Open from Path…")
    dialog = page.locator(".jp-Dialog")
    dialog.locator("input").fill(f"notebooks/{name}")
    dialog.locator("button.jp-mod-accept").click()
    panel = page.locator(".jp-NotebookPanel")
    panel.wait_for()
    deadline = time.monotonic() + KERNEL_SECONDS
    while not kernel_is_idle(lab, name) or not page.locator(".jp-StatusBar-TextItem").filter(has_text=re.compile(r"\| Idle$")).count():
        select_kernel = page.locator(".jp-Dialog").filter(has_text="Select Kernel")
        if select_kernel.count():  # a cold lab sometimes asks: take its choice, the notebook's own kernel
            select_kernel.locator("button.jp-mod-accept").click()
        if time.monotonic() > deadline:
            pytest.fail(f"{name}: its kernel was not idle within {KERNEL_SECONDS} s; {dialogs(page)}")
        time.sleep(0.25)
    return panel


def kernel_is_idle(lab: str, name: str) -> bool:
    """The server's view: the notebook's kernel is started, idle, and the page is connected to it."""
    sessions = requests.get(f"{lab}/api/sessions", params={"token": TOKEN}, timeout=10).json()
    return any(s["path"] == f"notebooks/{name}" and s["kernel"]["execution_state"] == "idle" and s["kernel"]["connections"] > 0 for s in sessions)


def close_notebook(page, lab: str, name: str) -> None:
    """File > Close and Shut Down Notebook…; then make sure, through the REST API, that its kernel is gone."""
    if page.locator(".jp-Dialog").count():
        page.keyboard.press("Escape")
    if page.locator(".jp-NotebookPanel").count():
        menu(page, "File", "Close and Shut Down Notebook…")
        page.locator(".jp-Dialog button.jp-mod-accept").click()
        page.locator(".jp-NotebookPanel").wait_for(state="detached")
    for session in requests.get(f"{lab}/api/sessions", params={"token": TOKEN}, timeout=10).json():
        if session["path"] == f"notebooks/{name}":
            requests.delete(f"{lab}/api/sessions/{session['id']}", params={"token": TOKEN}, timeout=30)


def dialogs(page) -> str:
    texts = [d.inner_text().replace("\n", " ") for d in page.locator(".jp-Dialog").all()]
    return f"dialogs open: {texts}" if texts else "no dialog open"


CELL_REPORT = """panel => [...panel.querySelectorAll('.jp-Notebook .jp-Cell')].map(cell => ({
    code: cell.classList.contains('jp-CodeCell'),
    prompt: cell.querySelector('.jp-InputPrompt')?.textContent ?? '',
    errors: [...cell.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]')].map(o => o.innerText),
    stderr: [...cell.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')].map(o => o.innerText),
    widgets: [...cell.querySelectorAll('.jupyter-widgets')].map(w => w.innerText).filter(t => t.includes('Error displaying widget')),
}))"""


def run_all_cells(page, panel, name: str) -> list[str]:
    """Clear the stored outputs, run every cell in a fresh kernel, and return what went wrong, cell by cell."""
    menu(page, "Edit", "Clear Outputs of All Cells")
    menu(page, "Run", "Run All Cells")
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(RUN_FINISHED, arg=panel.element_handle(), timeout=RUN_SECONDS * 1000, polling=250)
    except PlaywrightTimeout:
        waiting = [i for i, cell in enumerate(panel.evaluate(CELL_REPORT)) if "*" in cell["prompt"]]
        pytest.fail(f"{name}: Run All had not finished after {RUN_SECONDS} s; cells {waiting} still waiting; {dialogs(page)}")
    cells = panel.evaluate(CELL_REPORT)
    stored = json.loads((ROOT / "notebooks" / name).read_text())["cells"]
    assert len(cells) == len(stored), f"{name}: the page shows {len(cells)} cells, the notebook has {len(stored)}"
    problems = []
    for index, cell in enumerate(cells):
        where = f"{name} cell {index}"
        problems += [f"{where} raised: {text.strip()[-1500:]}" for text in cell["errors"]]
        problems += [f"{where} printed a traceback on stderr: {text.strip()[-1500:]}" for text in cell["stderr"] if "Traceback" in text]
        problems += [f"{where} could not display its widget: {text.strip()[:500]}" for text in cell["widgets"]]
        if cell["code"] and "".join(stored[index]["source"]).strip() and not re.search(r"\[\d+\]", cell["prompt"]):
            problems.append(f"{where} did not run (prompt {cell['prompt']!r})")
    return problems


def move_first_control(output) -> str:
    """Move the first slider (PageUp, or PageDown at its top: one jump, so one redraw), or else change the
    first dropdown, toggle or checkbox; say what moved ("" if nothing could)."""
    slider = output.locator(".widget-slider .noUi-handle")
    if slider.count():
        handle = slider.first
        value = handle.get_attribute("aria-valuenow")
        at_top = float(value) >= float(handle.get_attribute("aria-valuemax"))
        handle.focus()
        handle.press("PageDown" if at_top else "PageUp")
        if handle.get_attribute("aria-valuenow") == value:  # a slider with no page step: one step then
            handle.press("ArrowLeft" if at_top else "ArrowRight")
        label = output.locator(".widget-slider .widget-label").first.inner_text()
        return f"slider {label!r} ({value} -> {handle.get_attribute('aria-valuenow')})"
    dropdown = output.locator(".widget-dropdown select")
    if dropdown.count():
        options = dropdown.first.locator("option").all()
        current = dropdown.first.evaluate("s => s.selectedIndex")
        dropdown.first.select_option(index=(current + 1) % len(options))
        return "dropdown"
    toggles = output.locator(".widget-toggle-buttons button:not(.mod-active)")
    if toggles.count():
        toggles.first.click()
        return "toggle buttons"
    checkbox = output.locator(".widget-checkbox input")
    if checkbox.count():
        checkbox.first.click()
        return "checkbox"
    return ""


# A new picture has arrived: the <img> shows another PNG (ipywidgets gives each its own blob URL),
# and the kernel has finished the redraw.
NEW_PICTURE = """([image, source]) => image.src !== source && image.complete
    && [...document.querySelectorAll('.jp-StatusBar-TextItem')].some(item => /\\| Idle$/.test(item.textContent))"""


def check_widgets(page, panel, name: str, shots: Path) -> list[str]:
    """Move a control of every explorer (a widget image beside its controls) and check its picture changes."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    problems = []
    outputs = panel.locator(".jp-OutputArea-output").filter(has=page.locator("img.widget-image"))
    for number, output in enumerate(outputs.all()):
        cell = output.evaluate("o => [...o.closest('.jp-Notebook').querySelectorAll('.jp-Cell')].indexOf(o.closest('.jp-Cell'))")
        where = f"{name} cell {cell}, widget {number}"
        image = output.locator("img.widget-image").first
        output.scroll_into_view_if_needed()
        source, picture = image.get_attribute("src"), image.screenshot()
        moved = move_first_control(output)
        if not moved:
            problems.append(f"{where}: no slider, dropdown, toggle or checkbox to move")
            continue
        try:
            page.wait_for_function(NEW_PICTURE, arg=[image.element_handle(), source], timeout=REDRAW_SECONDS * 1000)
        except PlaywrightTimeout:
            problems.append(f"{where}: the picture did not change after moving its {moved}")
            continue
        output.screenshot(path=shots / f"{Path(name).stem}_widget{number}_moved.png")
        if name.endswith("06_fgsm.ipynb"):
            keep_for_tour(shots / f"{Path(name).stem}_widget{number}_moved.png")
        if image.screenshot() == picture:
            problems.append(f"{where}: a new image arrived after moving its {moved}, but it shows the same picture")
    return problems


@pytest.mark.parametrize("name", LECTURES)
def test_lecture_runs_in_jupyterlab_without_errors_and_its_widgets_respond(name, lab_page, lab, tmp_path):
    page = lab_page
    page.errors.clear()
    on_disk = files_digest(name)
    try:
        panel = open_notebook(page, lab, name)
        problems = run_all_cells(page, panel, name)
        page.screenshot(path=tmp_path / f"{Path(name).stem}.png")  # the first screen (a full-page shot costs seconds)
        if not problems:
            problems = check_widgets(page, panel, name, tmp_path)
    finally:
        close_notebook(page, lab, name)
    if page.errors:
        problems.append(f"{name}: JavaScript errors in the page: {page.errors}")
    assert not problems, "\n".join(problems) + f"\n(screenshots in {tmp_path})"
    assert files_digest(name) == on_disk, f"running {name} in the browser changed it on disk"


# How an instructor presents a lecture live: each is a toggle under View > Appearance.
PRESENTING = {
    "Simple Interface": ".jp-LabShell #jp-main-dock-panel[data-mode='single-document']",  # one notebook, no tab bar
    "Presentation Mode": ".jp-LabShell.jp-mod-presentationMode",  # larger text and code in the notebook
}
LEFT_SIDEBAR = "#jp-left-stack"  # the file browser; View > Appearance > Show Left Sidebar (Ctrl+B) hides it


def test_presenting_a_lecture_keeps_its_widgets_live(lab_page, lab, tmp_path):
    """An instructor presents with a live kernel: Simple Interface, Presentation Mode, no sidebar; runs the lecture and moves its widget."""
    page = lab_page
    try:
        panel = open_notebook(page, lab, PRESENTED)
        for toggle, switched_on in PRESENTING.items():
            menu(page, "View", "Appearance", toggle)
            assert page.locator(switched_on).count() == 1, f"View > Appearance > {toggle} did not switch on ({switched_on})"
        menu(page, "View", "Appearance", "Show Left Sidebar")
        assert page.locator(LEFT_SIDEBAR).is_hidden(), "View > Appearance > Show Left Sidebar did not hide the file browser"
        problems = run_all_cells(page, panel, PRESENTED)
        assert not problems, "\n".join(problems)
        output = panel.locator(".jp-OutputArea-output").filter(has=page.locator("img.widget-image")).first
        output.evaluate("o => o.closest('.jp-Cell').scrollIntoView({block: 'center'})")
        image = output.locator("img.widget-image")
        source = image.get_attribute("src")
        moved = move_first_control(output)
        assert moved, f"{PRESENTED}: its explorer has no control to move"
        page.wait_for_function(NEW_PICTURE, arg=[image.element_handle(), source], timeout=REDRAW_SECONDS * 1000)
        page.screenshot(path=tmp_path / f"presenting_{Path(PRESENTED).stem}.png")
        keep_for_tour(tmp_path / f"presenting_{Path(PRESENTED).stem}.png")
        for toggle, switched_on in PRESENTING.items():
            assert page.locator(switched_on).count() == 1, f"{toggle} switched off while the lecture ran"
    finally:  # back to the ordinary lab, for whatever test runs next
        for toggle, switched_on in PRESENTING.items():
            if page.locator(switched_on).count():
                menu(page, "View", "Appearance", toggle)
        if page.locator(LEFT_SIDEBAR).is_hidden():
            menu(page, "View", "Appearance", "Show Left Sidebar")
        close_notebook(page, lab, PRESENTED)
