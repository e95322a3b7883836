"""Notebook 07's black-box helpers and studies: the loss API, the budgeted estimators, the measures, and the figures."""

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course_lib.adversarial.attacks import default_step, fgsm, finite_difference_gradient, loss_gradient, random_direction_gradient, transfer_matrix
from course_lib.adversarial.black_box_plots import (
    ESTIMATOR_STYLES,
    ESTIMATORS,
    LossAPI,
    cosine,
    cosine_study,
    error_model,
    estimate_gradient,
    gradient_alignment,
    plot_alignment_vs_transfer,
    plot_cosine_study,
    plot_query_attack,
    plot_secant,
    plot_step_size_errors,
    plot_transfer_matrix,
    query_fgsm_study,
    random_sign_noise,
    sign_gain,
    step_size_errors,
    subset_finite_differences,
)
from course_lib.adversarial.models import accuracy, trained_classifier

pytestmark = pytest.mark.usefixtures("one_thread")

DIGIT = 25  # a test digit the target gets right with loss 0.08: its gradient is far above float32 round-off


@pytest.fixture(scope="module")
def target():
    return trained_classifier("mlp", data="train_b")


@pytest.fixture(scope="module")
def digit(digits_test):
    x, y = digits_test
    return x[DIGIT], y[DIGIT]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# ----------------------------------------------------------------------------- the black box


def test_the_black_box_returns_each_images_cross_entropy_and_counts_every_image(target, digits_test):
    x, y = digits_test
    api = LossAPI(target)
    values = api.loss_of(y[0])(x[:5])
    expected = F.cross_entropy(target(x[:5]), y[0].repeat(5), reduction="none")
    assert torch.allclose(values, expected) and not values.requires_grad
    api.loss_of(y[1])(x[:3])
    assert api.queries == 8 and repr(api) == "LossAPI(8 queries so far)"


def test_the_black_box_asks_for_batched_queries_and_a_model(target, digits_test):
    x, y = digits_test
    with pytest.raises(ValueError, match="pass batched=True"):
        LossAPI(target).loss_of(y[0])(x[0])
    with pytest.raises(TypeError, match="torch.nn.Module"):
        LossAPI(lambda v: v)


def test_the_black_box_runs_a_dropout_model_in_eval_mode_and_gives_its_flag_back():
    model = trained_classifier("dropout_mlp", data="train_a").train()
    f = LossAPI(model).loss_of(3)
    x = torch.rand(4, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    assert torch.equal(f(x), f(x))  # dropout off: the same query, the same answer
    assert model.training


# ----------------------------------------------------------------------------- estimates on a budget


def test_subset_differences_on_every_pixel_equal_the_library_bit_for_bit(target, digit):
    x, y = digit
    f = LossAPI(target).loss_of(y)
    full = finite_difference_gradient(f, x, batched=True)
    subset = subset_finite_differences(f, x, torch.arange(64))
    assert torch.equal(subset.gradient, full.gradient) and subset.queries == full.queries == 128


def test_subset_differences_estimate_the_chosen_pixels_and_zero_the_rest(target, digit):
    x, y = digit
    f = LossAPI(target).loss_of(y)
    coords = torch.tensor([21, 3, 40])
    estimate = subset_finite_differences(f, x, coords)
    full = finite_difference_gradient(f, x, batched=True).gradient.flatten()
    flat = estimate.gradient.flatten()
    assert estimate.queries == 6 and "3 of 64 coordinates" in estimate.method
    assert torch.allclose(flat[coords], full[coords], rtol=1e-5, atol=1e-6)  # the same differences, other call
    assert flat.count_nonzero() <= 3 and (flat[torch.tensor([i for i in range(64) if i not in coords.tolist()])] == 0).all()


@pytest.mark.parametrize("coords, message", [(torch.tensor([1, 1]), "distinct"), (torch.tensor([64]), r"0\.\.63"), (torch.tensor([], dtype=torch.long), "non-empty")])
def test_subset_differences_reject_bad_coordinates(target, digit, coords, message):
    x, y = digit
    with pytest.raises(ValueError, match=message):
        subset_finite_differences(LossAPI(target).loss_of(y), x, coords)


@pytest.mark.parametrize("budget", [2, 9, 40, 128, 300])
def test_each_estimator_spends_at_most_its_budget(target, digit, budget):
    x, y = digit
    for method in ESTIMATORS:
        api = LossAPI(target)
        estimate = estimate_gradient(api.loss_of(y), x, method, budget, torch.Generator().manual_seed(0))
        assert estimate.queries == api.queries <= budget
        assert estimate.queries == (min(budget // 2, 64) * 2 if method == "coordinates" else budget // 2 * 2)


def test_random_directions_are_the_librarys_with_the_same_generator(target, digit):
    x, y = digit
    f = LossAPI(target).loss_of(y)
    ours = estimate_gradient(f, x, "random directions", 40, torch.Generator().manual_seed(3))
    library = random_direction_gradient(f, x, 20, generator=torch.Generator().manual_seed(3), batched=True)
    assert torch.equal(ours.gradient, library.gradient)


def test_a_fixed_pixel_order_gives_nested_coordinate_estimates(target, digit):
    x, y = digit
    f = LossAPI(target).loss_of(y)
    order = torch.randperm(64, generator=torch.Generator().manual_seed(0))
    small = estimate_gradient(f, x, "coordinates", 10, order=order).gradient.flatten()
    large = estimate_gradient(f, x, "coordinates", 30, order=order).gradient.flatten()
    assert torch.equal(large[order[:5]], small[order[:5]]) and small[order[5:]].abs().sum() == 0


@pytest.mark.parametrize("method, budget, message", [("pixels", 10, "`method` must be one of"), ("coordinates", 1, "`budget` must be an int >= 2")])
def test_estimate_gradient_rejects_bad_settings(target, digit, method, budget, message):
    x, y = digit
    with pytest.raises(ValueError, match=message):
        estimate_gradient(LossAPI(target).loss_of(y), x, method, budget)


# ----------------------------------------------------------------------------- measures


def test_cosine_stays_right_for_tiny_gradients_where_torchs_clamps():
    a, b = torch.tensor([3e-10, 0.0]), torch.tensor([1e-10, 1e-10])  # a sure digit's gradient, divided by a batch size
    assert cosine(a, b) == pytest.approx(1 / math.sqrt(2), rel=1e-9)
    assert float(F.cosine_similarity(a, b, dim=0)) < 0.01  # its 1e-8 floor on each norm ruins the answer
    assert cosine(torch.zeros(3), torch.ones(3)) == 0.0


def test_sign_gain_is_one_for_the_true_gradient_and_counts_only_pixels_given_a_sign():
    g = torch.tensor([2.0, -1.0, 0.5, -0.5])
    assert sign_gain(g, g) == 1.0
    assert sign_gain(-g, g) == -1.0
    assert sign_gain(torch.tensor([1.0, 0.0, 0.0, 0.0]), g) == pytest.approx(2 / 4)  # one pixel queried: its share of |g|_1
    assert sign_gain(g, torch.zeros(4)) == 0.0


def test_random_sign_noise_moves_every_pixel_by_eps_unless_the_box_stops_it(digits_test):
    x = digits_test[0][:20]
    noisy = random_sign_noise(x, 0.15, torch.Generator().manual_seed(0))
    moved = (noisy - x).abs()
    inside = (x >= 0.15) & (x <= 0.85)  # pixels the clip cannot touch
    assert torch.allclose(moved[inside], torch.full_like(moved[inside], 0.15)) and moved.max() <= 0.15 + 1e-6
    assert noisy.min() >= 0 and noisy.max() <= 1
    assert 0.3 < float((noisy > x)[inside].float().mean()) < 0.7  # signs at random


# ----------------------------------------------------------------------------- step size


def test_the_central_error_falls_as_h_squared():
    truncation = step_size_errors(np.array([1e-2, 1e-3]), torch.float64, "central")
    assert truncation[0] / truncation[1] == pytest.approx(100, rel=0.01)


@pytest.mark.parametrize("dtype, low, high", [(torch.float32, -7, -4), (torch.float64, -12, -8)])
@pytest.mark.parametrize("method", ["forward", "central"])
def test_below_the_best_step_the_error_grows_as_one_over_h(dtype, low, high, method):
    steps = np.logspace(low, high, 25)
    errors = step_size_errors(steps, dtype, method)
    keep = np.isfinite(errors)
    slope = np.polyfit(np.log10(steps[keep]), np.log10(errors[keep]), 1)[0]  # round-off is erratic: fit the trend
    assert -1.3 < slope < -0.7


def test_the_forward_error_falls_as_h():
    errors = step_size_errors(np.array([1e-2, 1e-3]), torch.float64, "forward")
    assert errors[0] / errors[1] == pytest.approx(10, rel=0.02)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("method", ["forward", "central"])
def test_the_bottom_of_the_v_is_near_the_default_step(dtype, method):
    steps = np.logspace(-12, 0, 97)
    errors = step_size_errors(steps, dtype, method)
    best = steps[np.nanargmin(errors)]
    assert abs(math.log10(best / default_step(dtype, method))) < 1.5  # within a factor 30: round-off is erratic
    at_default = step_size_errors(np.array([default_step(dtype, method)]), dtype, method)[0]
    assert at_default < 10 * error_model(np.array([default_step(dtype, method)]), dtype, method)[0]


def test_steps_lost_to_float32_round_off_give_nan_not_an_error():
    errors = step_size_errors(np.array([1e-10, 1e-3]), torch.float32, "central")
    assert math.isnan(errors[0]) and errors[1] > 0


def test_step_size_errors_name_the_methods():
    with pytest.raises(ValueError, match="'central' or 'forward'"):
        step_size_errors(np.array([1e-3]), torch.float64, "backward")


# ----------------------------------------------------------------------------- studies


@pytest.fixture(scope="module")
def study(target, digits_test):
    x, y = digits_test
    return cosine_study(target, x[24:27], y[24:27], [4, 16, 64, 128, 256], seeds=range(3))


def test_the_cosine_study_matches_a_direct_computation(study, target, digits_test):
    x, y = digits_test
    f = LossAPI(target).loss_of(y[24])
    generator = torch.Generator().manual_seed(0)  # seed 0's first draws: digit 24, budget 4, coordinates then directions
    true = loss_gradient(target, x[24:27], y[24:27])[0]  # as the study computes it: one batch (the mean rescales the row)
    for method in ESTIMATORS:
        estimate = estimate_gradient(f, x[24], method, 4, generator).gradient
        assert study.cosines[method][0, 0, 0] == pytest.approx(cosine(estimate, true), abs=1e-12)
        assert study.gains[method][0, 0, 0] == pytest.approx(sign_gain(estimate, true), abs=1e-12)


def test_coordinates_are_exact_at_2d_and_not_run_beyond(study):
    q = list(study.budgets).index(128)
    assert np.all(study.cosines["coordinates"][:, :, q] > 0.999)
    assert np.isnan(study.cosines["coordinates"][:, :, -1]).all() and np.isnan(study.mean("coordinates")[-1])
    assert np.isfinite(study.mean("random directions")).all()


def test_random_direction_cosines_follow_root_n_over_n_plus_d(study):
    for q, budget in enumerate(study.budgets):
        n = budget // 2
        assert study.mean("random directions")[q] == pytest.approx(math.sqrt(n / (n + 65)), abs=0.12)


def test_the_study_prints_both_measures_and_a_dash_where_not_run(study):
    text = repr(study)
    assert "cosine with the true gradient" in text and "share of FGSM gain" in text and "—" in text


@pytest.fixture(scope="module")
def attack(target, digits_test):
    x, y = digits_test
    return query_fgsm_study(target, x[:40], y[:40], eps=0.15, budgets=[8, 128], generator=torch.Generator().manual_seed(0))


def test_the_query_attack_counts_every_query_and_matches_white_box_at_2d(attack, target, digits_test):
    x, y = digits_test
    assert attack.queries == {"coordinates": [320, 5120], "random directions": [320, 5120]}
    assert attack.white_box_accuracy == accuracy(target, fgsm(target, x[:40], y[:40], 0.15), y[:40])
    assert attack.accuracy["coordinates"][-1] <= attack.white_box_accuracy + 0.05  # a digit or two too sure for float32
    assert attack.accuracy["random directions"][0] < attack.accuracy["coordinates"][0]  # every pixel gets a sign
    assert attack.noise_accuracy > attack.clean_accuracy - 0.1  # noise of the same size barely hurts
    assert "white-box FGSM" in repr(attack)


@pytest.fixture(scope="module")
def transfer(target, digits_test):
    x, y = digits_test
    models = {"MLP·A": trained_classifier("mlp", data="train_a"), "dropout MLP·A": trained_classifier("dropout_mlp", data="train_a"), "MLP·B": target}
    return models, transfer_matrix(models, x, y, eps=0.15)


def test_gradient_alignment_is_one_on_the_diagonal_symmetric_and_a_mean_cosine(transfer, digits_test):
    models, _ = transfer
    x, y = digits_test
    alignment = gradient_alignment(models, x, y)
    assert torch.allclose(alignment.diag(), torch.ones(3, dtype=alignment.dtype)) and torch.allclose(alignment, alignment.T)
    a, b = (loss_gradient(m, x, y).flatten(1) for m in (models["MLP·A"], models["MLP·B"]))
    both = (a.norm(dim=1) > 0) & (b.norm(dim=1) > 0)
    direct = np.mean([cosine(u, v) for u, v in zip(a[both], b[both])])
    assert float(alignment[0, 2]) == pytest.approx(direct, abs=1e-9)


# ----------------------------------------------------------------------------- figures


def test_the_transfer_heat_map_writes_every_number_and_marks_the_white_box(transfer, digits_test):
    models, matrix = transfer
    x, y = digits_test
    noise = torch.tensor([0.9, 0.91, 0.92])
    fig = plot_transfer_matrix(matrix, noise)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert len(texts) == 5 * 3  # clean, noise, and one row per model
    assert texts[3:6] == [f"{a:.0%}" for a in noise.tolist()]
    assert texts[6] == f"{float(matrix.accuracy[0, 0]):.0%}\nwhite box" and "white box" not in texts[7]
    assert sum("white box" in t for t in texts) == 3


def test_the_line_figures_tell_their_roles_apart_without_colour(study, attack):
    for fig in (plot_cosine_study(study), plot_query_attack(attack), plot_step_size_errors(np.logspace(-12, 0, 13))):
        lines = {line.get_label(): (line.get_linestyle(), line.get_marker()) for line in fig.axes[0].get_lines() if not line.get_label().startswith("_")}
        looks = list(lines.values())
        assert len(set(looks)) == len(looks), lines  # no two legend entries share both line style and marker
        assert fig.axes[0].get_title() and fig.axes[0].get_xlabel() and fig.axes[0].get_ylabel()
    assert ESTIMATOR_STYLES["coordinates"]["marker"] != ESTIMATOR_STYLES["random directions"]["marker"]


def test_the_step_size_figure_marks_each_default_step():
    fig = plot_step_size_errors(np.logspace(-12, 0, 13))
    for ax, dtype in zip(fig.axes, (torch.float64, torch.float32)):
        vertical = sorted(float(line.get_xdata()[0]) for line in ax.get_lines() if len(set(line.get_xdata())) == 1)
        assert vertical == pytest.approx(sorted([default_step(dtype, "forward"), default_step(dtype, "central")]))


def test_the_secant_figure_shows_the_true_slope_from_autograd(target, digit):
    x, y = digit
    fig = plot_secant(target, x, int(y), pixel=21, h=0.2)
    labels = [line.get_label() for line in fig.axes[1].get_lines()]
    slope = float(loss_gradient(target, x[None], y[None]).flatten()[21])
    assert any(label == f"tangent (autograd): slope {slope:.3f}" for label in labels)


def test_the_alignment_figure_has_one_point_per_ordered_pair(transfer, digits_test):
    models, matrix = transfer
    x, y = digits_test
    fig = plot_alignment_vs_transfer(matrix, gradient_alignment(models, x, y), ["MLP", "MLP", "MLP"], ["A", "A", "B"])
    offsets = sum(len(c.get_offsets()) for c in fig.axes[0].collections)
    assert offsets == 3 * 2 + 3  # the six surrogate-target pairs and the three white-box points
