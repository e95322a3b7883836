"""``course bench``: how long each notebook and each widget callback takes, on this machine, now.

Machines differ and are noisy, so notebooks are reported as a ratio to a *floor* notebook timed in
the same run: a notebook that only imports course_lib, torch and matplotlib and draws one figure
(kernel start included in both). Widget callbacks are timed as users feel them, compute plus
redraw, over repeated calls, as p50 and p95 in milliseconds.
"""

from __future__ import annotations

import json
import platform
import re
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

import nbformat
import numpy as np
from tqdm.auto import tqdm

from course_lib.course_map import time_budget
from course_lib.tooling.notebooks import NotebookError, execute, find_pairs, read_source

FLOOR_CELLS = [
    "import course_lib, torch\nimport matplotlib.pyplot as plt",
    "fig, ax = plt.subplots()\nax.plot([0, 1], [0, 1])\nplt.show()",
]
CALLBACK_BUDGET_MS = 50.0  # p95 of a widget callback
TOTAL_BUDGET = 1.8  # all notebooks together, against as many floor notebooks
MEMORY_BUDGET_MB = 1500.0  # peak resident memory of any notebook's kernel


def floor_notebook() -> nbformat.NotebookNode:
    """The reference notebook: imports and one figure, nothing else."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in FLOOR_CELLS]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


def kernel_peak_megabytes(client) -> float | None:
    """The kernel's peak resident memory so far (Linux's VmHWM), in MB; None where /proc cannot tell."""
    pid = getattr(client.km.provisioner, "pid", None)
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, flags=re.MULTILINE)
    return int(match.group(1)) / 1024 if match else None


def time_notebook(notebook: nbformat.NotebookNode, cwd: Path, source: Path | None = None) -> tuple[float, float | None]:
    """Seconds to run a notebook in a fresh kernel (kernel start included), and the kernel's peak memory in MB."""
    peaks: list[float] = []

    def record_peak(client) -> None:
        peak = kernel_peak_megabytes(client)
        if peak is not None:
            peaks.append(peak)

    start = time.perf_counter()
    execute(notebook, cwd=cwd, source=source, after_each_cell=record_peak)
    return time.perf_counter() - start, max(peaks, default=None)


def bench_notebooks(paths: list[Path], rounds: int = 3) -> dict:
    """Time the floor and each notebook in ``rounds`` interleaved rounds; report medians, their ratio and the peak memory.

    Interleaving spreads the machine's slow moments over every notebook alike.
    """
    runs: dict[str, list[float]] = {"floor": [], **{str(p): [] for p in paths}}
    peaks: dict[str, list[float]] = {str(p): [] for p in paths}
    for _ in tqdm(range(rounds), desc="bench rounds", unit="round"):
        runs["floor"].append(time_notebook(floor_notebook(), Path.cwd())[0])
        for py_path in paths:
            seconds, peak = time_notebook(read_source(py_path), py_path.parent, py_path)
            runs[str(py_path)].append(seconds)
            peaks[str(py_path)] += [peak] if peak is not None else []
    floor = statistics.median(runs.pop("floor"))
    notebooks = {
        name: {"seconds": statistics.median(s), "runs": s, "ratio_to_floor": statistics.median(s) / floor, "peak_mb": max(peaks[name], default=None)}
        for name, s in runs.items()
    }
    total = sum(row["seconds"] for row in notebooks.values())
    return {
        "floor_seconds": floor,
        "rounds": rounds,
        "notebooks": notebooks,
        "total": {"seconds": total, "ratio_to_floors": total / (floor * len(notebooks)) if notebooks else 0.0},
    }


def bench_widgets(repeats: int, notebooks: list[str] | None = None) -> dict:
    """p50 and p95 of every registered explorer's ``update``, the function each control calls.

    ``notebooks`` (file stems) limits it to the explorers of those notebooks; None means all.

    Timed with torch on the course's thread count, as a notebook runs after ``seed_everything``:
    two threads on tiny tensors only wait for each other.
    """
    import torch

    from course_lib.plotting import use_course_style
    from course_lib.runtime import DEFAULT_NUM_THREADS
    from course_lib.widgets import BENCH_EXPLORERS, import_all_explorers

    import_all_explorers()
    torch.set_num_threads(DEFAULT_NUM_THREADS)
    use_course_style()  # as every notebook does at its top

    results = {}
    chosen = {name: factory for name, factory in BENCH_EXPLORERS.items() if notebooks is None or name.split(":")[0] in notebooks}
    for name, factory in tqdm(sorted(chosen.items()), desc="widgets", unit="widget"):
        explorer = factory()
        explorer.update()  # warm-up: the static background is drawn once, outside the timing
        timings = []
        for params in explorer.bench_params(repeats):
            start = time.perf_counter()
            explorer.update(**params)
            timings.append((time.perf_counter() - start) * 1000)
        results[name] = {"p50_ms": float(np.percentile(timings, 50)), "p95_ms": float(np.percentile(timings, 95)), "calls": repeats}
    return results


GRADING_BUDGET = 3.0  # one submission, sandbox start included, against the floor notebook
CLASS_BUDGET_SECONDS = 180.0  # a class of 40 with two jobs on a 2-core machine


def bench_grading(rounds: int = 3, class_size: int = 40, jobs: int = 2) -> dict:
    """Grading as an instructor feels it: each problem set's solution graded alone (median of
    ``rounds``, interleaved with the floor notebook), and a class of ``class_size`` graded with ``jobs``."""
    import shutil
    import tempfile

    from course_lib.grading.autograde import grade_notebook, make_plan
    from course_lib.grading.batch import grade_class
    from course_lib.grading.sandbox import Limits, sandbox_mode

    sources = sorted(Path("solutions").glob("ps*.py"))
    plans = {source.stem: make_plan(source) for source in sources}
    runs: dict[str, list[float]] = {"floor": [], **{name: [] for name in plans}}
    for _ in tqdm(range(rounds), desc="grading rounds", unit="round"):
        runs["floor"].append(time_notebook(floor_notebook(), Path.cwd())[0])
        for name, plan in plans.items():
            start = time.perf_counter()
            grade_notebook(plan, Path("solutions") / f"{name}.ipynb", Limits(), mode=sandbox_mode())
            runs[name].append(time.perf_counter() - start)
    floor = statistics.median(runs.pop("floor"))
    source = sources[len(sources) // 2]
    with tempfile.TemporaryDirectory(prefix="bench-class-") as scratch:
        klass = Path(scratch) / "class"
        klass.mkdir()
        for number in range(class_size):  # a class of right and unfinished answers
            folder = "solutions" if number % 2 == 0 else "exercises"
            shutil.copy(Path(folder) / f"{source.stem}.ipynb", klass / f"student{number:02d}.ipynb")
        start = time.perf_counter()
        grade_class(source, [klass], Path(scratch) / "graded", jobs=jobs)
        class_seconds = time.perf_counter() - start
    return {
        "sandbox": sandbox_mode(),
        "floor_seconds": floor,
        "submissions": {name: {"seconds": statistics.median(s), "runs": s, "ratio_to_floor": statistics.median(s) / floor} for name, s in runs.items()},
        "class": {"problem_set": source.stem, "students": class_size, "jobs": jobs, "seconds": class_seconds},
    }


def format_grading_table(grading: dict) -> str:
    lines = [f"grading ({grading['sandbox']}); floor notebook {grading['floor_seconds']:.2f} s", f"{'one submission':<48}{'seconds':>9}{'x floor':>9}{'budget':>9}  verdict"]
    for name, row in grading["submissions"].items():
        verdict = "ok" if row["ratio_to_floor"] <= GRADING_BUDGET else f"over {GRADING_BUDGET}x"
        lines.append(f"{name:<48}{row['seconds']:>9.2f}{row['ratio_to_floor']:>9.2f}{GRADING_BUDGET:>9.1f}  {verdict}")
    row = grading["class"]
    verdict = "ok" if row["seconds"] <= CLASS_BUDGET_SECONDS else f"over {CLASS_BUDGET_SECONDS:.0f} s"
    lines.append(f"{'class of ' + str(row['students']) + ' (' + row['problem_set'] + ', --jobs ' + str(row['jobs']) + ')':<48}{row['seconds']:>9.1f}{'':>9}{CLASS_BUDGET_SECONDS:>9.0f}  {verdict}")
    return "\n".join(lines)


def notebook_verdict(name: str, row: dict) -> str:
    """"ok", or what is over budget: time against the floor, or the kernel's peak memory."""
    budget, problems = time_budget(Path(name).stem), []
    if row["ratio_to_floor"] > budget:
        problems.append(f"over {budget}x")
    if (row.get("peak_mb") or 0) > MEMORY_BUDGET_MB:
        problems.append(f"over {MEMORY_BUDGET_MB:.0f} MB")
    return ", ".join(problems) or "ok"


def format_table(report: dict) -> str:
    """The report as the plain-text table that ``course bench`` prints, with a verdict on each row."""
    lines = []
    if "notebooks" in report:
        lines += [
            f"floor notebook: {report['floor_seconds']:.2f} s (median of {report['rounds']} rounds, kernel start and stop included)",
            "",
            f"{'notebook':<48}{'seconds':>9}{'x floor':>9}{'budget':>9}{'peak MB':>9}  verdict",
        ]
        for name, row in report["notebooks"].items():
            peak = f"{row['peak_mb']:.0f}" if row.get("peak_mb") else "n/a"
            lines.append(f"{name:<48}{row['seconds']:>9.2f}{row['ratio_to_floor']:>9.2f}{time_budget(Path(name).stem):>9.1f}{peak:>9}  {notebook_verdict(name, row)}")
        if "total" in report:
            total = report["total"]
            verdict = "ok" if total["ratio_to_floors"] <= TOTAL_BUDGET else f"over {TOTAL_BUDGET}x"
            label = f"all {len(report['notebooks'])} notebooks (x their floors)"
            lines.append(f"{label:<48}{total['seconds']:>9.2f}{total['ratio_to_floors']:>9.2f}{TOTAL_BUDGET:>9.1f}{'':>9}  {verdict}")
        lines.append(f"(budget: {MEMORY_BUDGET_MB:.0f} MB of peak kernel memory per notebook)")
        lines.append("")
    lines.append(f"{'widget callback':<48}{'p50 ms':>9}{'p95 ms':>9}{'budget':>9}  verdict")
    for name, row in report.get("widgets", {}).items():
        verdict = "ok" if row["p95_ms"] <= CALLBACK_BUDGET_MS else f"over {CALLBACK_BUDGET_MS:.0f} ms"
        lines.append(f"{name:<48}{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}{CALLBACK_BUDGET_MS:>9.0f}  {verdict}")
    return "\n".join(lines)


def run_bench(notebooks: list[Path] | None, repeats: int, output: Path, time_notebooks: bool = True, rounds: int = 3, grading: bool = False, browser: bool = False) -> int:
    """Run the benchmark, print the table, write the JSON report. Returns an exit code.

    ``browser`` adds the slider-to-picture latencies in JupyterLab (course_lib.tooling.browser_bench);
    with ``time_notebooks=False`` it times only those, not the callbacks.
    """
    widget_notebooks = None if notebooks is None else [p.stem for p in notebooks]  # named notebooks: only their widgets
    if notebooks is None:
        notebooks = [py for py, _ in find_pairs(Path("notebooks"))] if Path("notebooks").is_dir() else []
    missing = [str(p) for p in notebooks if not p.with_suffix(".py").exists()]
    if missing:
        print(f"course bench: no such notebook: {', '.join(missing)}")
        return 2
    if browser:
        from course_lib.tooling.browser import BrowserUnavailable, check_browser

        try:
            check_browser()  # before any work
        except BrowserUnavailable as error:
            print(f"course bench --browser: {error}", file=sys.stderr)
            return 1
    report: dict = {"machine": platform.platform(), "python": platform.python_version(), "date": datetime.now().isoformat(timespec="seconds")}
    try:
        if time_notebooks:
            report.update(bench_notebooks([p.with_suffix(".py") for p in notebooks], rounds))
    except NotebookError as error:
        print(f"course bench: {error}")
        return 1
    if time_notebooks or not browser:
        report["widgets"] = bench_widgets(repeats, widget_notebooks)
    if browser:
        from course_lib.tooling.browser_bench import BrowserBenchError, bench_browser, format_browser_table

        try:
            report["browser"] = bench_browser(repeats, widget_notebooks)
        except BrowserBenchError as error:
            print(f"course bench --browser: {error}", file=sys.stderr)
            return 1
    if grading:
        report["grading"] = bench_grading(rounds)
    if "widgets" in report:
        print(format_table(report))
    if browser:
        print(("\n" if "widgets" in report else "") + format_browser_table(report["browser"]))
    if grading:
        print("\n" + format_grading_table(report["grading"]))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\nreport written to {output}")
    over = over_budget(report)
    if over:
        print(f"over budget: {', '.join(over)}")
    return 1 if over else 0


def over_budget(report: dict) -> list[str]:
    """The rows of a report that miss their budget (grading excepted: it is advisory)."""
    over = [name for name, row in report.get("notebooks", {}).items() if notebook_verdict(name, row) != "ok"]
    if report.get("total", {}).get("ratio_to_floors", 0) > TOTAL_BUDGET:
        over.append("all notebooks together")
    over += [name for name, row in report.get("widgets", {}).items() if row["p95_ms"] > CALLBACK_BUDGET_MS]
    if "browser" in report:
        from course_lib.tooling.browser_bench import browser_over_budget

        over += browser_over_budget(report["browser"])
    return over
