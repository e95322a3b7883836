"""The explorer of notebook 07: it shows the library's estimates and cosines, only indexes them on a move, and redraws purely."""

import io

import numpy as np
import pytest
import torch
from PIL import Image

from course_lib.adversarial.attacks import loss_gradient, random_direction_gradient
from course_lib.adversarial.black_box_plots import LossAPI, cosine, subset_finite_differences
from course_lib.adversarial.models import trained_classifier
from course_lib.widgets import BENCH_EXPLORERS, import_all_explorers
from course_lib.widgets.black_box import DEFAULT_BUDGETS, GradientEstimateExplorer, scaled

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def model():
    return trained_classifier("mlp", data="train_b")


@pytest.fixture(scope="module")
def digits(digits_test):
    x, y = digits_test
    return x[24:27], y[24:27]


@pytest.fixture(scope="module")
def explorer(model, digits) -> GradientEstimateExplorer:
    return GradientEstimateExplorer(model, *digits, seed=0)


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA")).astype(int)


def test_the_images_are_the_library_estimates_for_the_chosen_digit_and_budget(explorer, model, digits):
    x, y = digits
    explorer.update(digit=1, queries=40)
    f = LossAPI(model).loss_of(y[1])
    order = torch.randperm(64, generator=torch.Generator().manual_seed(0))
    coordinates = subset_finite_differences(f, x[1], order[:20]).gradient[0]
    directions = random_direction_gradient(f, x[1], 20, generator=torch.Generator().manual_seed(0), batched=True).gradient[0]
    true = loss_gradient(model, x, y)[1, 0]
    assert np.allclose(explorer.block("coordinates"), explorer.colours(coordinates.numpy()))
    assert np.allclose(explorer.block("random directions"), explorer.colours(directions.numpy()))
    assert np.allclose(explorer.block("true gradient"), explorer.colours(true.numpy()))
    assert np.allclose(explorer.block("the digit")[..., 0], 1 - x[1, 0].numpy(), atol=0.01)  # grey, dark ink on white
    assert explorer.notes["coordinates"].get_text() == f"cos = {cosine(coordinates, true):.2f}"
    assert explorer.notes["random directions"].get_text() == f"cos = {cosine(directions, true):.2f}"
    assert explorer.counts.get_text() == "20 pixels, 20 directions"


def test_the_colours_show_the_sign_by_lightness(explorer):
    rgba = explorer.colours(np.array([[-2.0, 0.0, 2.0]]))[0]
    lightness = rgba[:, :3] @ np.array([0.299, 0.587, 0.114])
    assert lightness[0] < lightness[1] < lightness[2]  # negative dark, positive light: readable in greyscale


def test_a_move_moves_the_images_the_dots_and_the_budget_line(explorer):
    explorer.update(digit=0, queries=16)
    before = {name: explorer.block(name).copy() for name in ("the digit", "true gradient", "coordinates", "random directions")}
    dot_before = explorer.dots["coordinates"].get_xydata().copy()
    explorer.update(queries=96)
    assert all(np.array_equal(before[name], explorer.block(name)) for name in ("the digit", "true gradient"))
    assert all(not np.array_equal(before[name], explorer.block(name)) for name in ("coordinates", "random directions"))
    assert explorer.dots["coordinates"].get_xydata()[0, 0] == 96 != dot_before[0, 0]
    assert list(explorer.budget_line.get_xdata()) == [96, 96]
    curve = explorer.curves["random directions"].get_ydata().copy()
    explorer.update(digit=2)
    assert not np.array_equal(curve, explorer.curves["random directions"].get_ydata())  # each digit its own curve


def test_the_curves_and_dots_show_the_precomputed_cosines(explorer):
    explorer.update(digit=2, queries=64)
    q = list(DEFAULT_BUDGETS).index(64)
    for method in explorer.curves:
        assert np.array_equal(explorer.curves[method].get_ydata(), explorer.cosines[method][2])
        assert explorer.dots[method].get_ydata()[0] == explorer.cosines[method][2, q]


def test_coordinates_become_exact_at_128_queries_and_stay_so(explorer):
    explorer.update(digit=1, queries=128)
    assert explorer.notes["coordinates"].get_text() == "cos = 1.00" and explorer.counts.get_text() == "64 pixels, 64 directions"
    assert np.allclose(explorer.block("coordinates"), explorer.block("true gradient"), atol=0.02)
    explorer.update(queries=256)
    assert explorer.counts.get_text() == "64 pixels, 128 directions"  # coordinates never spend more than 2D queries
    q = list(DEFAULT_BUDGETS).index(256)
    assert explorer.queries_used["coordinates"][q] == 128 and explorer.queries_used["random directions"][q] == 256


def test_a_budget_between_precomputed_ones_shows_the_one_below(explorer):
    assert explorer.budget_index(8) == 0 and explorer.budget_index(3) == 0
    assert explorer.budget_index(47) == list(DEFAULT_BUDGETS).index(40)
    assert explorer.update(digit=0, queries=47) == explorer.update(digit=0, queries=40)


def test_a_move_only_indexes_precomputed_estimates(explorer, monkeypatch):
    def no_queries(*args, **kwargs):
        raise AssertionError("the callback queried the model")

    monkeypatch.setattr("course_lib.widgets.black_box.estimate_gradient", no_queries)
    monkeypatch.setattr("course_lib.widgets.black_box.loss_gradient", no_queries)
    assert explorer.update(digit=2, queries=200)[:4] == b"\x89PNG"


def test_update_is_pure_and_blitting_matches_a_full_redraw(explorer, assert_matches_full_redraw):
    first = explorer.update(digit=0, queries=24)
    other = explorer.update(digit=2, queries=160)
    assert first != other
    assert explorer.update(digit=0, queries=24) == first
    assert_matches_full_redraw(explorer, first)


def test_bench_sweeps_every_control_and_every_setting_draws(explorer):
    params = explorer.bench_params(30)
    assert {key for p in params for key in p} == {"digit", "queries"}
    for p in params:
        assert explorer.update(**p)[:4] == b"\x89PNG"


def test_the_explorer_is_registered_for_course_bench():
    import_all_explorers()
    assert "07_black_box_attacks: gradient estimates" in BENCH_EXPLORERS


def test_unknown_controls_are_named(explorer):
    with pytest.raises(TypeError, match=r"unknown controls \['h'\]"):
        explorer.update(h=1e-3)


def test_scaled_keeps_a_zero_gradient_zero():
    assert np.array_equal(scaled(np.zeros((2, 2))), np.zeros((2, 2)))
