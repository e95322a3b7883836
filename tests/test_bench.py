import json
import shutil
import sys
from pathlib import Path

from course_lib.tooling.bench import bench_widgets, format_table, over_budget, run_bench

ROOT = Path(__file__).resolve().parents[1]


def test_widget_bench_reports_p50_and_p95_for_each_explorer_of_a_notebook():
    results = bench_widgets(repeats=6, notebooks=["01_gan_game"])  # every explorer is built and moved by tests/test_widgets.py
    assert sorted(results) == ["01_gan_game: 2D arrows", "01_gan_game: step mode"]
    for row in results.values():
        assert 0 < row["p50_ms"] <= row["p95_ms"] and row["calls"] == 6


def test_table_flags_what_is_over_budget():
    report = {
        "floor_seconds": 2.1,
        "rounds": 3,
        "notebooks": {"notebooks/fast.py": {"seconds": 3.0, "ratio_to_floor": 1.4}, "notebooks/slow.py": {"seconds": 6.0, "ratio_to_floor": 2.9}},
        "widgets": {"quick": {"p50_ms": 5.0, "p95_ms": 9.0}, "sluggish": {"p50_ms": 90.0, "p95_ms": 120.0}},
    }
    lines = format_table(report).splitlines()
    assert any("fast.py" in line and line.endswith("ok") for line in lines)
    assert any("slow.py" in line and "over 2.0x" in line for line in lines)
    assert any("sluggish" in line and "over 50 ms" in line for line in lines)


def test_notebooks_that_train_several_models_get_their_own_budget():
    report = {
        "floor_seconds": 2.0,
        "rounds": 1,
        "notebooks": {name: {"seconds": 4.6, "ratio_to_floor": 2.3} for name in ("notebooks/01_gan_game.py", "notebooks/05_lipschitz_constraints.py")},
        "widgets": {},
    }
    lines = format_table(report).splitlines()
    assert any("01_gan_game" in line and "over 2.0x" in line for line in lines)
    assert any("05_lipschitz_constraints" in line and "2.5" in line and line.endswith("ok") for line in lines)


def test_bench_times_notebooks_against_the_floor_and_writes_json(tmp_path, monkeypatch, capsys):
    shutil.copy(ROOT / "jupytext.toml", tmp_path)
    (tmp_path / "tiny.py").write_text("# %%\nprint(1)\n")
    monkeypatch.chdir(tmp_path)
    output = tmp_path / "bench.json"
    assert run_bench([Path("tiny.py")], repeats=5, output=output, rounds=1) == 0
    report = json.loads(output.read_text())
    assert report["floor_seconds"] > 0 and report["rounds"] == 1
    assert report["notebooks"]["tiny.py"]["ratio_to_floor"] > 0
    assert "x floor" in capsys.readouterr().out


def test_the_budget_covers_memory_and_all_notebooks_together():
    rows = {"notebooks/01_gan_game.py": {"seconds": 3.6, "ratio_to_floor": 1.8, "peak_mb": 1700.0}, "notebooks/02_optimal_discriminator.py": {"seconds": 3.8, "ratio_to_floor": 1.9, "peak_mb": 400.0}}
    report = {"floor_seconds": 2.0, "rounds": 1, "notebooks": rows, "total": {"seconds": 7.4, "ratio_to_floors": 1.85}, "widgets": {"quick": {"p50_ms": 5.0, "p95_ms": 9.0}}}
    lines = format_table(report).splitlines()
    assert any("01_gan_game" in line and line.endswith("over 1500 MB") for line in lines)
    assert any("02_optimal_discriminator" in line and line.endswith("ok") for line in lines)
    assert any(line.startswith("all 2 notebooks") and line.endswith("over 1.8x") for line in lines)
    assert over_budget(report) == ["notebooks/01_gan_game.py", "all notebooks together"]


def test_bench_records_the_peak_memory_of_the_kernel(tmp_path, monkeypatch):
    shutil.copy(ROOT / "jupytext.toml", tmp_path)
    (tmp_path / "hungry.py").write_text("# %%\nimport numpy as np\nblock = np.ones(50_000_000)  # 400 MB\n")
    monkeypatch.chdir(tmp_path)
    output = tmp_path / "bench.json"
    run_bench([Path("hungry.py")], repeats=5, output=output, rounds=1)
    peak = json.loads(output.read_text())["notebooks"]["hungry.py"]["peak_mb"]
    if sys.platform == "linux":  # elsewhere /proc/<pid>/status is missing, and the peak is None
        assert 400 < peak < 1000
