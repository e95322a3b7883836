"""`course bench --browser`: the table, the verdicts and the echo without a browser; one run in a real one.

The browser run checks the report's structure only: its latencies depend on the machine, so no
assertion here is timed.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from browser_support import unavailable
from course_lib.tooling import browser as browser_module
from course_lib.tooling.bench import over_budget, run_bench
from course_lib.tooling.browser_bench import ECHO, ECHO_SOURCE, EchoWidget, bench_notebook, browser_over_budget, browser_verdict, format_browser_table

ROOT = Path(__file__).resolve().parents[1]
OPTIMAL_D = "02_optimal_discriminator: moving the generator"


def browser_report(widgets: dict[str, tuple[float, float]], echo: tuple[float, float] = (80.0, 110.0)) -> dict:
    """A browser report with the given (p50, p95) latencies in ms, ratios computed as the bench does."""
    rows = {}
    for name, (p50, p95) in widgets.items():
        rows[name] = {"p50_ms": p50, "p95_ms": p95, "moves": 20, "control": "slider", "ratio_p50": p50 / echo[0], "ratio_p95": p95 / echo[1]}
    picture = {"width": 560, "height": 248, "bytes": 30000}
    return {"browser": "Chromium 150", "repeats": 20, "echo_source": ECHO_SOURCE, "echo": {"p50_ms": echo[0], "p95_ms": echo[1], "moves": 20, "picture": picture}, "widgets": rows}


def test_browser_table_holds_both_p50_and_p95_ratios_to_the_budget():
    report = browser_report({"quick": (100.0, 150.0), "stalls now and then": (120.0, 300.0), "always slow": (200.0, 210.0)})
    lines = format_browser_table(report).splitlines()
    header = next(line for line in lines if line.startswith("widget"))
    for column in ("p50 ms", "p95 ms", "x echo p50", "x echo p95", "budget", "verdict"):
        assert column in header
    assert any(line.startswith(ECHO) and line.endswith("reference") for line in lines)
    assert any(line.startswith("quick") and "1.25" in line and "1.36" in line and line.endswith("ok") for line in lines)
    assert any(line.startswith("stalls now and then") and line.endswith("over 2.0x (p95)") for line in lines)
    assert any(line.startswith("always slow") and line.endswith("over 2.0x (p50)") for line in lines)
    assert browser_over_budget(report) == ["stalls now and then (browser)", "always slow (browser)"]


def test_a_widget_exactly_at_twice_the_echo_is_within_budget():
    assert browser_verdict({"ratio_p50": 2.0, "ratio_p95": 2.0}) == "ok"
    assert browser_verdict({"ratio_p50": 2.01, "ratio_p95": 2.5}) == "over 2.0x (p50, p95)"


def test_over_budget_counts_browser_rows_in_a_report_without_callback_timings():
    report = {"browser": browser_report({"quick": (90.0, 120.0), "sluggish": (400.0, 500.0)})}
    assert over_budget(report) == ["sluggish (browser)"]


def test_echo_swaps_in_frames_of_the_explorers_size_without_drawing():
    from course_lib.widgets import BENCH_EXPLORERS, import_all_explorers

    import_all_explorers()
    explorer = BENCH_EXPLORERS[ECHO_SOURCE]()
    echo = EchoWidget.from_explorer(explorer)
    assert len(set(echo.frames)) == 3 and all(frame[:4] == b"\x89PNG" for frame in echo.frames)
    assert all(abs(len(frame) - len(explorer.png)) < 0.5 * len(explorer.png) for frame in echo.frames)  # similar byte sizes
    explorer.update = None  # the echo must never draw: a call would raise
    for value in (1, 2, 1):
        before = bytes(echo.image.value)
        echo.slider.value = value
        assert bytes(echo.image.value) != before  # every move, a new picture
    assert bytes(echo.image.value) == echo.frames[1]


def test_echo_refuses_frames_that_would_not_change_the_picture():
    with pytest.raises(ValueError, match="two different frames"):
        EchoWidget([b"same", b"same"])


def test_scratch_notebook_has_a_set_up_cell_the_echo_and_one_cell_per_explorer():
    notebook = bench_notebook([OPTIMAL_D, "09_robustness_quiz: ticking the perturbation sets"])
    sources = [cell.source for cell in notebook.cells]
    assert "seed_everything" in sources[0] and "import_all_explorers()" in sources[0]
    assert sources[1] == f"EchoWidget.from_explorer(BENCH_EXPLORERS[{ECHO_SOURCE!r}]())"
    assert sources[2:] == [f"BENCH_EXPLORERS[{OPTIMAL_D!r}]()", "BENCH_EXPLORERS['09_robustness_quiz: ticking the perturbation sets']()"]


def test_missing_chromium_is_one_line_on_stderr_and_exit_code_1(tmp_path, monkeypatch, capsys):
    pytest.importorskip("playwright")
    monkeypatch.setattr(browser_module, "find_chromium", lambda: None)
    monkeypatch.setattr(browser_module, "playwright_chromium", lambda: None)
    monkeypatch.chdir(ROOT)
    output = tmp_path / "bench.json"
    assert run_bench([Path("notebooks/02_optimal_discriminator.py")], repeats=5, output=output, time_notebooks=False, browser=True) == 1
    assert capsys.readouterr().err == "course bench --browser: no Chromium found; Debian: apt-get install chromium\n"
    assert not output.exists()


def test_missing_playwright_is_one_line_on_stderr_and_exit_code_1(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)  # import fails, as when it is not installed
    monkeypatch.chdir(ROOT)
    assert run_bench([Path("notebooks/02_optimal_discriminator.py")], repeats=5, output=tmp_path / "bench.json", time_notebooks=False, browser=True) == 1
    error = capsys.readouterr().err
    assert error.startswith("course bench --browser: Playwright is not installed") and error.count("\n") == 1


@pytest.fixture
def chromium() -> None:
    """Playwright and a Chromium: skipped with the reason where either is missing, failed under CI."""
    try:
        browser_module.check_browser()
    except browser_module.BrowserUnavailable as error:
        unavailable(f"the browser bench cannot run here: {error}")


def test_browser_bench_reports_each_widgets_latency_and_its_ratio_to_the_echo(chromium, tmp_path):
    output = tmp_path / "bench.json"
    scratch_before = set((ROOT / "build").glob("browser-bench-*"))
    # In a process of its own, as `course bench` runs: Playwright's sync API will not start while
    # another runs in the same thread (the session's `browser` fixture, if a browser test came first).
    command = [sys.executable, "-m", "course_lib.cli", "bench", "--browser", "--no-notebooks", "--notebooks", "notebooks/02_optimal_discriminator.py", "--repeats", "5", "--output", str(output)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert output.exists(), result.stderr[-2000:]
    report = json.loads(output.read_text())
    assert "widgets" not in report and "notebooks" not in report  # --browser --no-notebooks: only the browser
    browser = report["browser"]
    assert list(browser["widgets"]) == [OPTIMAL_D] and browser["echo_source"] == ECHO_SOURCE
    echo, row = browser["echo"], browser["widgets"][OPTIMAL_D]
    for timed in (echo, row):
        assert 0 < timed["p50_ms"] <= timed["p95_ms"] and timed["moves"] == 5 and timed["control"] == "slider"
    assert echo["picture"]["width"] == row["picture"]["width"] and echo["picture"]["height"] == row["picture"]["height"]  # the echo shows the explorer's frames
    assert row["ratio_p50"] == pytest.approx(row["p50_ms"] / echo["p50_ms"]) and row["ratio_p95"] == pytest.approx(row["p95_ms"] / echo["p95_ms"])
    assert result.returncode == (1 if browser_verdict(row) != "ok" else 0)
    assert "x echo p95" in result.stdout
    assert set((ROOT / "build").glob("browser-bench-*")) == scratch_before, "the scratch notebook was left behind"
