import math

import numpy as np
import pytest
import torch

from course_lib.adversarial.threat_models import in_ball, lp_norm, norm_order, project, sample_ball, steepest_ascent_direction

NORMS = ["inf", "2"]


@pytest.mark.parametrize("norm, p", [("inf", math.inf), (math.inf, math.inf), (np.inf, math.inf), ("2", 2.0), (2, 2.0), (2.0, 2.0)])
def test_norm_order_accepts_each_spelling(norm, p):
    assert norm_order(norm) == p


@pytest.mark.parametrize("norm", ["1", 1, "L2", "linf", True, None, math.nan])
def test_norm_order_refuses_other_norms_with_the_valid_spellings(norm):
    with pytest.raises(ValueError, match=r"`norm` must be 'inf' \(or float\('inf'\)\) for the L∞ ball, or '2' \(or 2\)"):
        norm_order(norm)


def test_lp_norm_is_per_sample_over_all_non_batch_dimensions():
    # Peer: torch.linalg.vector_norm of each flattened sample; the channel-only norm is the common bug.
    delta = torch.randn(5, 3, 4, 4, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    for norm, ord in [("inf", math.inf), ("2", 2)]:
        expected = torch.stack([torch.linalg.vector_norm(d, ord) for d in delta])
        assert torch.allclose(lp_norm(delta, norm), expected, rtol=1e-15)


@pytest.mark.parametrize("norm, dual", [("inf", 1), ("2", 2)])
def test_the_steepest_direction_attains_the_dual_norm_and_beats_random_unit_vectors(norm, dual):
    # max over the unit ball of g.u is the dual norm of g: ||g||_1 for L∞, ||g||_2 for L2 (Problem 3).
    rng = torch.Generator().manual_seed(0)
    g = torch.randn(4, 1, 8, 8, generator=rng, dtype=torch.float64)
    u = steepest_ascent_direction(g, norm)
    gain = (g * u).flatten(1).sum(1)
    assert torch.allclose(lp_norm(u, norm), torch.ones(4, dtype=torch.float64))
    assert torch.allclose(gain, torch.linalg.vector_norm(g.flatten(1), dual, dim=1))
    others = steepest_ascent_direction(torch.randn(1000, 1, 8, 8, generator=rng, dtype=torch.float64), norm)  # random unit vectors
    assert ((g[0] * others).flatten(1).sum(1) < gain[0]).all()


@pytest.mark.parametrize("norm", NORMS)
def test_a_zero_gradient_gives_a_zero_direction_not_nan(norm):
    g = torch.zeros(2, 3)
    g[1, 0] = -2.0
    u = steepest_ascent_direction(g, norm)
    assert torch.equal(u, torch.tensor([[0.0, 0.0, 0.0], [-1.0, 0.0, 0.0]]))


@pytest.mark.parametrize("norm", NORMS)
def test_projection_lands_in_the_ball_keeps_points_inside_and_is_the_nearest_point(norm):
    # Peer: the variational inequality of a projection onto a convex set C,
    # <delta - P(delta), z - P(delta)> <= 0 for every z in C; and P(z) = z inside C.
    rng = torch.Generator().manual_seed(0)
    eps = 0.5
    delta = 2 * torch.randn(50, 1, 4, 4, generator=rng, dtype=torch.float64)
    projected = project(delta, eps, norm)
    assert bool(in_ball(projected, eps, norm, atol=1e-12).all())
    z = sample_ball((50, 1, 4, 4), eps, norm, generator=rng, dtype=torch.float64)
    assert torch.equal(project(z, eps, norm), z)
    inner = ((delta - projected) * (z - projected)).flatten(1).sum(1)
    assert (inner <= 1e-12).all()


def test_l2_projection_leaves_the_zero_perturbation_alone():
    assert torch.equal(project(torch.zeros(2, 3), 0.1, "2"), torch.zeros(2, 3))
    assert torch.equal(project(torch.ones(2, 3), 0.0, "2"), torch.zeros(2, 3))


def test_in_ball_forgives_only_round_off():
    delta = torch.tensor([[0.1 + 5e-7], [0.1 + 5e-5]])
    assert in_ball(delta, 0.1, "inf").tolist() == [True, False]


def test_sampling_the_linf_ball_fills_the_cube():
    delta = sample_ball((2000, 1, 8, 8), 0.3, "inf", generator=torch.Generator().manual_seed(0))
    assert float(delta.abs().max()) <= 0.3
    assert float(delta.abs().mean()) == pytest.approx(0.15, abs=0.005)  # |uniform(-eps, eps)| averages eps / 2


def test_sampling_the_l2_ball_is_uniform_in_volume():
    # In D = 2, the disc of radius eps/2 holds a quarter of the area; in D = 64 almost nothing lies inside 0.9 eps.
    small = sample_ball((20000, 2), 1.0, "2", generator=torch.Generator().manual_seed(0))
    assert float((lp_norm(small, 2) <= 0.5).float().mean()) == pytest.approx(0.25, abs=0.01)
    large = sample_ball((2000, 1, 8, 8), 1.0, "2", generator=torch.Generator().manual_seed(0))
    radii = lp_norm(large, 2)
    assert float(radii.max()) <= 1.0 + 1e-6 and float((radii < 0.9).float().mean()) < 0.01


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: project(torch.ones(2, 3), -0.1, "inf"), ValueError, r"`eps` must be a finite number >= 0 such as 0.1 \(got -0.1\)"),
        (lambda: project(torch.ones(3), 0.1, "2"), ValueError, r"`delta` must have shape \(B, \.\.\.\), a batch \(got shape \(3,\)\); for a single one pass delta.unsqueeze\(0\)"),
        (lambda: lp_norm([[1.0]], "2"), TypeError, r"`delta` must be a torch tensor \(got list\)"),
        (lambda: lp_norm(torch.ones(2, 3), "1"), ValueError, r"`norm` must be 'inf'"),
        (lambda: steepest_ascent_direction(torch.ones(2, 3, dtype=torch.long), "inf"), ValueError, r"`grad` must be a float tensor \(got torch.int64\)"),
        (lambda: in_ball(torch.full((2, 3), math.nan), 0.1, "inf"), ValueError, r"`delta` contains NaN or inf"),
        (lambda: sample_ball((8,), 0.1, "inf"), ValueError, r"`shape` must be \(B, \.\.\.\), at least two positive ints.*\(got \(8,\)\); pass x.shape"),
        (lambda: sample_ball((2, 3), math.inf, "2"), ValueError, r"`eps` must be a finite number >= 0"),
    ],
)
def test_threat_model_functions_reject_bad_inputs(call, error, message):
    with pytest.raises(error, match=message):
        call()
