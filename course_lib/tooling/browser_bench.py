"""``course bench --browser``: slider-to-picture latency in JupyterLab, for every registered widget.

What a student feels is the time from moving a control to seeing the new picture: the browser
sends the new value to the kernel, the kernel redraws, the PNG travels back, and the browser
decodes it. Most of that is transport and rendering, which depend on the machine, the browser and
Jupyter, not on us. So each widget is compared with an *echo* widget timed in the same run: a
slider whose callback only swaps in a pre-rendered PNG of a real explorer's size. The ratio
isolates our own cost; the budget is at most 2x the echo, held for both the median (p50 to p50)
and the slow moves (p95 to p95), since a widget that is usually quick but often stalls feels slow.

How it measures: a scratch notebook (one cell for the echo, one per explorer) is opened in
JupyterLab (``course lab`` on a free port) in headless Chromium and run. Then each widget's first
slider (or, without one, its first checkbox, dropdown or toggle) is moved by keyboard, alternately
up and down so that the value really changes. In the page, a key-down listener notes the time, and
a MutationObserver on the widget's ``<img>`` notes when its ``src`` changes and the new image is
decoded (``img.decode()``); both are read with ``performance.now()`` in the page, so Playwright's
round trips are not in the numbers. The moves are spread over rounds that visit every widget in
turn, so a slow moment of the machine falls on all of them alike.
"""

from __future__ import annotations

import math
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import ipywidgets
import nbformat
import numpy as np
from tqdm.auto import tqdm

ECHO = "echo: a pre-rendered picture"  # the reference row; not a registered explorer
ECHO_SOURCE = "02_optimal_discriminator: moving the generator"  # its frames: 560x248 px, ~30 kB, the median of the course's widgets
BROWSER_BUDGET = 2.0  # a widget's slider-to-picture latency against the echo's, for p50 and for p95
MOVES_PER_VISIT = 5  # moves of one widget before the round moves on to the next
SETTLE_MS = 100  # pause after each move, once the kernel is idle: no move waits behind the previous one

KERNEL_SECONDS = 120  # hang guards only, never speed requirements
RUN_SECONDS = 1500  # every explorer built in one kernel: some replay training runs (minutes on a busy machine)
MOVE_SECONDS = 60

# JupyterLab settings for the bench: every cell rendered (no windowing), and nothing saved.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
}


class EchoWidget:
    """The reference for browser latencies: a slider whose callback only swaps in a pre-rendered PNG.

    Laid out like an explorer (the control above the picture), it pays everything a real explorer
    pays in the browser and on the wire, and nothing of its drawing.

    Args:
        frames: two or more different PNGs, shown in turn as the slider moves.

    Example:
        >>> echo = EchoWidget([b"png one", b"png two"])
        >>> echo.slider.value = 1
        >>> bytes(echo.image.value)
        b'png two'
    """

    title = "Echo: pre-rendered pictures"

    def __init__(self, frames: list[bytes]):
        if len(set(frames)) < 2:
            raise ValueError(f"EchoWidget needs at least two different frames (got {len(set(frames))}), so that each move changes the picture")
        self.frames = frames
        self.slider = ipywidgets.IntSlider(value=0, min=0, max=10 * len(frames), description="frame")
        self.image = ipywidgets.Image(value=frames[0], format="png")
        self.slider.observe(lambda change: self.echo(change["new"]), names="value")

    def echo(self, value: int) -> None:
        """The whole callback: show frame ``value`` (mod the number of frames)."""
        self.image.value = self.frames[value % len(self.frames)]

    @classmethod
    def from_explorer(cls, explorer, count: int = 3) -> "EchoWidget":
        """An echo of ``explorer``'s pictures: ``count`` of its frames, rendered once, here."""
        return cls([explorer.update(**params) for params in explorer.bench_params(count)])

    def widget(self) -> ipywidgets.VBox:
        return ipywidgets.VBox([ipywidgets.HBox([self.slider]), self.image])

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return self.widget()._repr_mimebundle_()


def bench_notebook(names: list[str], echo_source: str = ECHO_SOURCE) -> nbformat.NotebookNode:
    """The scratch notebook: a set-up cell, the echo's cell, then one cell per explorer, each ending with the widget."""
    cells = [
        "from course_lib import seed_everything\n"
        "from course_lib.plotting import use_course_style\n"
        "from course_lib.tooling.browser_bench import EchoWidget\n"
        "from course_lib.widgets import BENCH_EXPLORERS, import_all_explorers\n\n"
        "rng = seed_everything(0)  # one torch thread, as in the lectures\n"
        "use_course_style()\n"
        "import_all_explorers()",
        f"EchoWidget.from_explorer(BENCH_EXPLORERS[{echo_source!r}]())",
        *(f"BENCH_EXPLORERS[{name!r}]()" for name in names),
    ]
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


# ---- in the page --------------------------------------------------------------------------------

# window.jupyterapp is there because the lab runs with --LabApp.expose_app_in_browser.
KERNEL_IDLE = """() => {
    const kernel = window.jupyterapp?.shell.currentWidget?.sessionContext?.session?.kernel;
    return kernel?.connectionStatus === 'connected' && kernel?.status === 'idle';
}"""

# Run All is over when no cell waits ([*]), the kernel is idle, and every code cell has a count
# or a cell failed (JupyterLab then leaves the cells after it unrun). tests/test_browser_lab.py uses it too.
RUN_FINISHED = """panel => {
    const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(p => p.textContent);
    const idle = panel.querySelector('.jp-Notebook-ExecutionIndicator')?.dataset.status === 'idle';
    const failed = panel.querySelector('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]') !== null;
    return idle && !prompts.some(p => p.includes('*')) && (failed || prompts.every(p => /\\[\\d+\\]/.test(p)));
}"""

CELL_ERRORS = """panel => [...panel.querySelectorAll('.jp-Notebook .jp-Cell')].map(cell =>
    [...cell.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]')].map(o => o.innerText).join('\\n')
    || [...cell.querySelectorAll('.jupyter-widgets')].map(w => w.innerText).filter(t => t.includes('Error displaying widget')).join('\\n'))"""

# Arm one measurement: from the next key-down or mouse-down anywhere in the page to the moment the
# image's src has changed and the new picture is decoded. window.__latency resolves to milliseconds,
# or to null if no new picture arrived within the timeout (or it could not be decoded).
ARM = """([image, timeoutMs]) => {
    const before = image.getAttribute('src');
    let start = null;
    const onInput = () => {
        if (start === null) start = performance.now();
        window.removeEventListener('keydown', onInput, true);
        window.removeEventListener('mousedown', onInput, true);
    };
    window.addEventListener('keydown', onInput, true);
    window.addEventListener('mousedown', onInput, true);
    window.__latency = new Promise(resolve => {
        const observer = new MutationObserver(() => {
            if (image.getAttribute('src') === before || start === null) return;
            observer.disconnect();
            clearTimeout(timer);
            image.decode().then(() => resolve(performance.now() - start), () => resolve(null));
        });
        const timer = setTimeout(() => { observer.disconnect(); resolve(null); }, timeoutMs);
        observer.observe(image, {attributes: true, attributeFilter: ['src']});
    });
}"""

PICTURE_SIZE = """async image => ({width: image.naturalWidth, height: image.naturalHeight,
    bytes: (await (await fetch(image.src)).blob()).size})"""


class BrowserBenchError(Exception):
    """The browser bench could not measure: a cell failed, or a widget did not respond. One line says which."""


class _Control:
    """The control of one widget that the bench moves, and the keys that move it back and forth."""

    def __init__(self, output):
        slider = output.locator(".widget-slider .noUi-handle")
        checkbox = output.locator(".widget-checkbox input")
        dropdown = output.locator(".widget-dropdown select")
        toggles = output.locator(".widget-toggle-buttons button")
        if slider.count():
            self.kind, self.element = "slider", slider.first
            at_max = float(self.element.get_attribute("aria-valuenow")) >= float(self.element.get_attribute("aria-valuemax"))
            self.keys = ["ArrowLeft", "ArrowRight"] if at_max else ["ArrowRight", "ArrowLeft"]
        elif checkbox.count():
            self.kind, self.element, self.keys = "checkbox", checkbox.first, ["Space"]
        elif dropdown.count():
            self.kind, self.element = "dropdown", dropdown.first
            last = self.element.evaluate("select => select.selectedIndex === select.options.length - 1")
            self.keys = ["ArrowUp", "ArrowDown"] if last else ["ArrowDown", "ArrowUp"]
        elif toggles.count() > 1:  # Enter on a button that is not pressed; the pressed one changes each move
            self.kind, self.element, self.keys = "toggle buttons", None, ["Enter"]
            self._unpressed = output.locator(".widget-toggle-buttons button:not(.mod-active)").first
        else:
            raise BrowserBenchError("no slider, checkbox, dropdown or toggle buttons to move")
        self.moves = 0

    def press(self) -> None:
        key = self.keys[self.moves % len(self.keys)]
        self.moves += 1
        if self.kind == "toggle buttons":
            self._unpressed.press(key)
        else:
            self.element.press(key)  # focuses it first, as a student's click would


def _move_once(page, image, control: _Control) -> float | None:
    """One timed move: arm the page, press the key, wait for the decoded picture; then let the kernel settle."""
    page.evaluate(ARM, [image.element_handle(), MOVE_SECONDS * 1000])
    control.press()
    latency = page.evaluate("() => window.__latency")
    page.wait_for_function(KERNEL_IDLE, timeout=MOVE_SECONDS * 1000)
    page.wait_for_timeout(SETTLE_MS)
    return latency


def _run_scratch_notebook(page, lab, relative: str, names: list[str]):
    """Open the scratch notebook in a fresh workspace, run all its cells, and return the notebook panel."""
    page.goto(lab.url(f"lab/tree/{relative}", "reset"))
    panel = page.locator(".jp-NotebookPanel")
    panel.wait_for(timeout=KERNEL_SECONDS * 1000)
    page.wait_for_function(KERNEL_IDLE, timeout=KERNEL_SECONDS * 1000, polling=250)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(RUN_FINISHED, arg=panel.element_handle(), timeout=RUN_SECONDS * 1000, polling=500)
    for index, error in enumerate(panel.evaluate(CELL_ERRORS)):
        if error:
            what = "the set-up cell" if index == 0 else f"the cell of {([ECHO] + names)[index - 1]!r}"
            raise BrowserBenchError(f"{what} failed in the browser: {error.strip().splitlines()[-1][:300]}")
    return panel


def bench_browser(repeats: int, notebooks: list[str] | None = None, echo_source: str = ECHO_SOURCE) -> dict:
    """p50 and p95 of the slider-to-picture latency of every registered explorer, and of the echo, in ms.

    Args:
        repeats: timed moves per widget (after one untimed warm-up move).
        notebooks: file stems; only those notebooks' explorers are timed. None means all.
        echo_source: the registered explorer whose frames the echo shows.

    Returns:
        ``{"browser": ..., "repeats": ..., "echo_source": ..., "echo": row, "widgets": {name: row}}``, where
        each row holds ``p50_ms``, ``p95_ms``, ``moves``, ``control`` and ``picture`` (width, height, bytes),
        and each widget's row also its ``ratio_p50`` and ``ratio_p95`` to the echo's.

    Raises:
        BrowserUnavailable: no Chromium or no Playwright (checked before any work).
        BrowserBenchError: a cell failed, or a widget's picture did not change after a move.
    """
    from course_lib.tooling.browser import check_browser, headless_chromium, running_lab
    from course_lib.tooling.lab import find_course_root
    from course_lib.widgets import BENCH_EXPLORERS, import_all_explorers

    check_browser()
    import_all_explorers()
    if echo_source not in BENCH_EXPLORERS:
        raise BrowserBenchError(f"the echo's source {echo_source!r} is not a registered explorer; use one of {sorted(BENCH_EXPLORERS)}")
    names = sorted(name for name in BENCH_EXPLORERS if notebooks is None or name.split(":")[0] in notebooks)
    root = find_course_root()
    (root / "build").mkdir(exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="browser-bench-", dir=root / "build"))
    notebook_path = scratch / "browser_bench.ipynb"
    nbformat.write(bench_notebook(names, echo_source), notebook_path)
    timings: dict[str, list[float]] = {ECHO: [], **{name: [] for name in names}}
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        with headless_chromium() as browser, running_lab(root, LAB_SETTINGS, ["--LabApp.expose_app_in_browser=True"]) as lab:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.set_default_timeout(30_000)
            print(f"running {len(names) + 1} widgets in JupyterLab (headless Chromium {browser.version}) ...", flush=True)
            started = time.perf_counter()
            panel = _run_scratch_notebook(page, lab, notebook_path.relative_to(root).as_posix(), names)
            print(f"... ready after {time.perf_counter() - started:.0f} s", flush=True)
            widgets = {}
            for index, name in enumerate([ECHO, *names]):
                output = panel.locator(".jp-Notebook .jp-Cell").nth(index + 1).locator(".jp-OutputArea-output").filter(has=page.locator("img.widget-image")).first
                output.scroll_into_view_if_needed()
                image = output.locator("img.widget-image").first
                try:
                    control = _Control(output)
                except BrowserBenchError as error:
                    raise BrowserBenchError(f"{name}: {error}") from None
                widgets[name] = (output, image, control)
                if _move_once(page, image, control) is None:  # warm-up, untimed
                    raise BrowserBenchError(f"{name}: the picture did not change within {MOVE_SECONDS} s after moving its {control.kind}")
            rounds = math.ceil(repeats / MOVES_PER_VISIT)
            with tqdm(total=repeats * len(widgets), desc="browser moves", unit="move") as progress:
                for round_number in range(rounds):
                    moves = min(MOVES_PER_VISIT, repeats - round_number * MOVES_PER_VISIT)
                    for name, (output, image, control) in widgets.items():
                        output.scroll_into_view_if_needed()
                        for _ in range(moves):
                            latency = _move_once(page, image, control)
                            if latency is None:
                                raise BrowserBenchError(f"{name}: the picture did not change within {MOVE_SECONDS} s after moving its {control.kind}")
                            timings[name].append(latency)
                            progress.update()
            pictures = {name: image.evaluate(PICTURE_SIZE) for name, (_, image, _) in widgets.items()}
            kinds = {name: control.kind for name, (_, _, control) in widgets.items()}
            version = browser.version
            context.close()
    except PlaywrightTimeout as error:  # a hang guard fired: say where, in one line
        raise BrowserBenchError(f"JupyterLab stopped answering: {str(error).splitlines()[0]}") from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    rows = {name: {"p50_ms": float(np.percentile(t, 50)), "p95_ms": float(np.percentile(t, 95)), "moves": len(t), "control": kinds[name], "picture": pictures[name]} for name, t in timings.items()}
    echo = rows.pop(ECHO)
    for row in rows.values():
        row["ratio_p50"], row["ratio_p95"] = row["p50_ms"] / echo["p50_ms"], row["p95_ms"] / echo["p95_ms"]
    return {"browser": f"Chromium {version}", "repeats": repeats, "echo_source": echo_source, "echo": echo, "widgets": rows}


# ---- the verdict and the table ------------------------------------------------------------------


def browser_verdict(row: dict, budget: float = BROWSER_BUDGET) -> str:
    """"ok", or which of the two ratios to the echo (p50, p95) is over ``budget``.

    Example:
        >>> browser_verdict({"ratio_p50": 1.4, "ratio_p95": 2.3})
        'over 2.0x (p95)'
    """
    over = [statistic for statistic in ("p50", "p95") if row[f"ratio_{statistic}"] > budget]
    return f"over {budget}x ({', '.join(over)})" if over else "ok"


def browser_over_budget(browser: dict) -> list[str]:
    """The widgets whose latency is over budget against the echo's."""
    return [f"{name} (browser)" for name, row in browser["widgets"].items() if browser_verdict(row) != "ok"]


def format_browser_table(browser: dict) -> str:
    """The browser report as the plain-text table that ``course bench --browser`` prints."""
    echo = browser["echo"]
    width = max(48, *(len(name) + 2 for name in [ECHO, *browser["widgets"]]))
    picture = echo.get("picture") or {}
    lines = [
        f"slider-to-picture latency in JupyterLab ({browser['browser']}, headless), {browser['repeats']} moves per widget;",
        f"the echo swaps in pre-rendered {picture.get('width', '?')}x{picture.get('height', '?')} px PNGs of {browser['echo_source']!r}",
        "",
        f"{'widget':<{width}}{'p50 ms':>9}{'p95 ms':>9}{'x echo p50':>12}{'x echo p95':>12}{'budget':>9}  verdict",
        f"{ECHO:<{width}}{echo['p50_ms']:>9.1f}{echo['p95_ms']:>9.1f}{1.0:>12.2f}{1.0:>12.2f}{'':>9}  reference",
    ]
    for name, row in browser["widgets"].items():
        lines.append(f"{name:<{width}}{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}{row['ratio_p50']:>12.2f}{row['ratio_p95']:>12.2f}{BROWSER_BUDGET:>9.1f}  {browser_verdict(row)}")
    lines.append(f"(budget: each widget's p50 within {BROWSER_BUDGET}x the echo's p50, and its p95 within {BROWSER_BUDGET}x the echo's p95)")
    return "\n".join(lines)
