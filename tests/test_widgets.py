import io

import numpy as np
import pytest
from PIL import Image

from course_lib.widgets import BENCH_EXPLORERS, import_all_explorers
from course_lib.widgets.gan_game import TWO_MODES, GanStepExplorer, step_mode_runs


@pytest.fixture(scope="module")
def explorer() -> GanStepExplorer:
    return GanStepExplorer(step_mode_runs(TWO_MODES, d_steps=(1, 3), num_steps=(6, 4)), TWO_MODES)


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA")).astype(int)


def test_update_returns_a_png_that_changes_with_the_move(explorer):
    first, later = explorer.update(run="k = 1", frame=0), explorer.update(run="k = 1", frame=8)
    assert first[:4] == b"\x89PNG" and first != later



def test_update_is_pure_same_controls_same_picture(explorer):
    picture = explorer.update(run="k = 3", frame=3)
    explorer.update(run="k = 1", frame=9)
    assert explorer.update(run="k = 3", frame=3) == picture


def test_blitted_update_matches_a_full_redraw(explorer, assert_matches_full_redraw):
    assert_matches_full_redraw(explorer, explorer.update(run="k = 1", frame=7))


def test_frames_past_the_end_of_a_shorter_run_show_its_last_move(explorer):
    assert explorer.update(run="k = 3", frame=10_000) == explorer.update(run="k = 3", frame=len(explorer.runs["k = 3"].snapshots) - 1)


def test_unknown_controls_are_named(explorer):
    with pytest.raises(TypeError, match=r"unknown controls \['speed'\]; use \['frame', 'run'\]"):
        explorer.update(speed=2)


def test_moving_a_control_redraws_the_widget_image(explorer):
    box = explorer.widget()
    image = box.children[-1]
    explorer.controls["frame"].value = 4
    assert image.value == explorer.png == explorer.update(frame=4)


import_all_explorers()


@pytest.mark.parametrize("name", sorted(BENCH_EXPLORERS))
def test_the_notebook_display_carries_the_widget_and_a_static_figure(name):
    # Every registered explorer: the live widget for Jupyter, and the static figure for GitHub and HTML.
    bundle = BENCH_EXPLORERS[name]()._repr_mimebundle_()
    assert {"application/vnd.jupyter.widget-view+json", "image/png", "text/plain"} <= set(bundle)
    assert "run the notebook in Jupyter" in bundle["text/plain"]


def test_bench_sweeps_every_control(explorer):
    params = explorer.bench_params(20)
    assert len(params) == 20
    assert {name for p in params for name in p} == {"run", "frame"}


def test_every_explorer_module_is_found_for_the_bench():
    import_all_explorers()
    assert "01_gan_game: step mode" in BENCH_EXPLORERS


# ----------------------------------------------------------------------------- the 2D view with GAN Lab's arrows

from course_lib.gan.plots import push_arrows  # noqa: E402
from course_lib.widgets.gan_game import RING, GanRingExplorer, ring_run  # noqa: E402


@pytest.fixture(scope="module")
def ring_explorer() -> GanRingExplorer:
    return GanRingExplorer(ring_run(num_steps=30, snapshot_every=10), RING)


def test_ring_explorer_redraws_purely_and_its_blitting_matches_a_full_redraw(ring_explorer, assert_matches_full_redraw):
    first, last = ring_explorer.update(frame=0), ring_explorer.update(frame=3)
    assert first[:4] == b"\x89PNG" and first != last
    assert ring_explorer.update(frame=0) == first
    assert_matches_full_redraw(ring_explorer, ring_explorer.update(frame=2))


def test_ring_explorer_draws_each_snapshots_stored_arrows(ring_explorer):
    # The callback replays: its arrows are the snapshot's pushes (scaled), no gradient is taken here.
    ring_explorer.update(frame=2)
    snapshot = ring_explorer.snapshots[2]
    starts, vectors, _ = push_arrows(snapshot)
    assert np.allclose(ring_explorer.arrows.XY, starts)
    assert np.allclose(np.column_stack([ring_explorer.arrows.U, ring_explorer.arrows.V]), vectors)
    assert np.allclose(ring_explorer.fake_points.get_offsets(), snapshot.x_fake)


def test_ring_explorer_refuses_a_1d_run():
    with pytest.raises(ValueError, match="2D run of train_gan"):
        GanRingExplorer(step_mode_runs(TWO_MODES, d_steps=(1,), num_steps=(2,))["k = 1"], RING)


def test_ring_explorer_is_registered_for_the_bench():
    import_all_explorers()
    assert "01_gan_game: 2D arrows" in BENCH_EXPLORERS


def test_the_step_explorers_curves_differ_without_colour(explorer):
    from test_gan_plots import roles_differ_without_colour

    assert roles_differ_without_colour(explorer.fig)
