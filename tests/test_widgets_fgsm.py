"""Notebook 06's FGSM explorer: what it draws is the library's FGSM, it precomputes every slider position, and it redraws purely."""

import io

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

from course_lib.adversarial.attacks import fgsm
from course_lib.adversarial.models import trained_classifier
from course_lib.adversarial.threat_models import lp_norm
from course_lib.widgets import BENCH_EXPLORERS, import_all_explorers
from course_lib.widgets.fgsm import L2_PER_LINF, FgsmExplorer, demo_digits


@pytest.fixture(scope="module")
def model(one_thread, counting_model):
    return counting_model(trained_classifier("mlp"))


@pytest.fixture(scope="module")
def explorer(model, digits_test) -> FgsmExplorer:
    return FgsmExplorer(model, *digits_test)


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA")).astype(int)


def bar_heights(patch) -> np.ndarray:
    """The ten heights of a compound bar path: each bar is 5 vertices, the third its top-right corner."""
    return patch.get_path().vertices.reshape(-1, 5, 2)[:, 2, 1]


def library_fgsm(explorer: FgsmExplorer, eps: float, norm: str, digit: int) -> torch.Tensor:
    """The library's FGSM on the explorer's batch of digits (the gradient's 1/B scaling changes no direction), one row: (8, 8)."""
    budget = eps * L2_PER_LINF if norm == "2" else eps
    x_adv = fgsm(explorer.model, explorer.x, explorer.y, eps=budget, norm=norm)
    return x_adv[explorer.digits.index(digit), 0]


def test_demo_digits_are_one_correctly_read_image_per_class(model, digits_test):
    x, y = digits_test
    rows = demo_digits(model, x, y)
    assert list(rows) == list(range(10))
    with torch.no_grad():
        predicted = model(x[list(rows.values())]).argmax(dim=1)
    assert predicted.tolist() == list(range(10)) == y[list(rows.values())].tolist()
    for digit, index in rows.items():  # the first such image, not any
        earlier = torch.arange(index)[y[:index] == digit]
        with torch.no_grad():
            assert (model(x[earlier]).argmax(dim=1) != digit).all()


@pytest.mark.parametrize("norm", ["inf", "2"])
@pytest.mark.parametrize("eps", [0.07, 0.123])  # a slider position (precomputed) and a budget off the grid (computed live)
def test_explorer_draws_the_library_fgsm_and_its_probabilities(explorer, norm, eps):
    explorer.update(eps=eps, norm=norm, digit=5)
    expected = library_fgsm(explorer, eps, norm, 5)
    clean = explorer.x[explorer.digits.index(5), 0]
    assert np.allclose(explorer.adv_image.get_array(), expected.numpy(), atol=1e-6)
    assert np.allclose(explorer.clean_image.get_array(), clean.numpy())
    assert np.allclose(explorer.diff_image.get_array(), (expected - clean).numpy(), atol=1e-6)
    with torch.no_grad():
        probs = explorer.model(expected.reshape(1, 1, 8, 8)).softmax(dim=1)[0]
        clean_probs = explorer.model(clean.reshape(1, 1, 8, 8)).softmax(dim=1)[0]
    assert np.allclose(bar_heights(explorer.adv_bars), probs.numpy(), atol=1e-5)
    assert np.allclose(bar_heights(explorer.clean_bars), clean_probs.numpy(), atol=1e-5)


@pytest.mark.parametrize("norm, radius", [("inf", 0.3), ("2", 0.3 * L2_PER_LINF)])
def test_every_drawn_image_is_valid_and_inside_its_ball(explorer, norm, radius):
    explorer.update(eps=0.3, norm=norm, digit=8)
    x_adv = torch.from_numpy(np.asarray(explorer.adv_image.get_array(), dtype=np.float32))
    delta = x_adv - explorer.x[explorer.digits.index(8), 0]
    assert 0.0 <= float(x_adv.min()) and float(x_adv.max()) <= 1.0
    assert float(lp_norm(delta.reshape(1, 64), norm)[0]) <= radius + 1e-5


def test_zero_budget_shows_the_clean_digit_unmarked_and_the_same_probabilities(explorer):
    explorer.update(eps=0.0, norm="2", digit=0)
    assert np.array_equal(explorer.adv_image.get_array(), explorer.clean_image.get_array())
    assert len(explorer.plus_marks.get_xdata()) == len(explorer.minus_marks.get_xdata()) == 0
    assert np.allclose(bar_heights(explorer.adv_bars), bar_heights(explorer.clean_bars), atol=1e-6)
    assert explorer.headline.get_text() == "L2 ε = 0.00: still read as 0 (100%)"


def test_the_sign_marks_sit_on_the_pixels_that_moved_that_way(explorer):
    explorer.update(eps=0.1, norm="inf", digit=4)
    delta = np.asarray(explorer.diff_image.get_array())
    plus = set(zip(explorer.plus_marks.get_ydata(), explorer.plus_marks.get_xdata()))  # (row, column)
    minus = set(zip(explorer.minus_marks.get_ydata(), explorer.minus_marks.get_xdata()))
    assert plus == set(zip(*np.nonzero(delta > 1e-6))) and minus == set(zip(*np.nonzero(delta < -1e-6)))
    assert len(plus) + len(minus) < 64  # clipped pixels did not move, and carry no mark


def test_smallest_fooling_eps_is_where_the_library_fgsm_first_fools_the_model(explorer):
    flips = explorer.smallest_fooling_eps("inf")
    assert set(flips) == set(range(10)) and all(e is not None for e in flips.values())
    for digit in (2, 3, 8):
        eps = flips[digit]
        with torch.no_grad():
            at = explorer.model(library_fgsm(explorer, eps, "inf", digit).reshape(1, 1, 8, 8)).argmax().item()
            before = explorer.model(library_fgsm(explorer, round(eps - 0.01, 2), "inf", digit).reshape(1, 1, 8, 8)).argmax().item()
        assert at != digit and before == digit
        explorer.update(eps=eps, norm="inf", digit=digit)
        assert f"L∞ ε = {eps:.2f}: now read as {at} (" in explorer.headline.get_text()
        explorer.update(eps=round(eps - 0.01, 2), norm="inf", digit=digit)
        assert f"L∞ ε = {eps - 0.01:.2f}: still read as {digit} (" in explorer.headline.get_text()


def test_slider_positions_need_no_forward_pass(explorer, model):
    calls = model.calls
    for eps in explorer.eps_grid:
        explorer.update(eps=float(eps), norm="2", digit=6)
    explorer.update(eps=0.3 - 0.1 + 0.1, norm="inf", digit=6)  # 0.30000000000000004, as a slider may send it
    assert model.calls == calls  # all precomputed: the callback only looks up and draws
    explorer.update(eps=0.1234, norm="inf", digit=6)
    assert model.calls == calls + 1  # off the grid: one forward pass on one digit


def test_precomputed_and_live_budgets_agree(explorer):
    for norm in ("inf", "2"):
        grid_image, grid_probs = explorer.adversarial(0.2, norm, 7)
        live_image, live_probs = explorer.adversarial(0.2 + 1e-12, norm, 7)  # off the grid by a hair: computed live
        assert np.allclose(grid_image, live_image, atol=1e-6) and np.allclose(grid_probs, live_probs, atol=1e-6)


def test_a_model_that_misreads_every_image_is_refused(digits_test):
    x, y = digits_test
    always_one = nn.Sequential(nn.Flatten(), nn.Linear(64, 10))
    with torch.no_grad():
        always_one[1].weight.zero_()
        always_one[1].bias.copy_(torch.eye(10)[1])
    zeros = y == 0
    with pytest.raises(ValueError, match="misclassifies every image"):
        FgsmExplorer(always_one, x[zeros], y[zeros])


def test_update_is_pure_and_blitting_matches_a_full_redraw(explorer, assert_matches_full_redraw):
    first = explorer.update(eps=0.15, norm="2", digit=9)
    other = explorer.update(eps=0.05, norm="inf", digit=1)
    assert first != other
    assert explorer.update(eps=0.15, norm="2", digit=9) == first
    assert_matches_full_redraw(explorer, first)


def test_bench_sweeps_every_control_on_the_slider_grid_and_every_setting_draws(explorer):
    params = explorer.bench_params(30)
    assert {key for p in params for key in p} == {"eps", "norm", "digit"}
    budgets = [p["eps"] for p in params if "eps" in p]
    assert len(set(budgets)) == 10 and all(np.isclose(explorer.eps_grid, e, rtol=0, atol=1e-9).any() for e in budgets)
    for p in params:
        assert explorer.update(**p)[:4] == b"\x89PNG"


def test_the_explorer_is_registered_for_course_bench():
    import_all_explorers()
    assert "06_fgsm: FGSM budget, ball and digit" in BENCH_EXPLORERS


def test_unknown_controls_are_named(explorer):
    with pytest.raises(TypeError, match=r"unknown controls \['steps'\]"):
        explorer.update(steps=10)
    with pytest.raises(ValueError, match="`norm` must be 'inf' or '2'"):
        explorer.update(norm="1")
    with pytest.raises(ValueError, match=r"`digit` must be one of \[0, 1,"):
        explorer.update(digit=11)
