"""The GAN figures of notebooks 01-03: GAN Lab's arrows are autograd's gradients, and every curve reads without colour."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from course_lib.gan.distributions import Gaussian
from course_lib.gan.plots import (
    ARROW_LENGTH,
    divergence_curves,
    grid_1d,
    plot_divergences_vs_separation,
    plot_gan_1d,
    plot_gan_2d,
    plot_generator_loss_gradients,
    plot_js_integrands,
    plot_optimal_discriminator,
    plot_pointwise_objective,
    push_arrows,
)
from course_lib.gan.training import Snapshot
from course_lib.widgets.gan_game import RING, TWO_MODES, ring_run, step_mode_runs


@pytest.fixture(scope="module")
def ring_history():
    return ring_run(num_steps=20, snapshot_every=10)


def looks(ax) -> list[tuple]:
    """(dash pattern, marker) of every labelled curve and sample cloud of an axes: what tells them apart without colour."""
    found = []
    for line in ax.get_lines():
        if not line.get_label().startswith("_"):
            found.append((str(line._unscaled_dash_pattern) if line.get_linestyle() != "None" else "no line", str(line.get_marker())))
    for collection in ax.collections:
        if not collection.get_label().startswith("_") and hasattr(collection, "get_paths") and type(collection).__name__ == "PathCollection":
            found.append(("no line", str(collection.get_paths()[0].vertices.round(3).tolist())))  # a scatter: its marker's shape
    return found


def roles_differ_without_colour(fig) -> bool:
    """Within each axes, no two labelled curves share a line style, and no two share a marker."""
    for ax in fig.axes:
        found = looks(ax)
        lines = [dash for dash, _ in found if dash != "no line"]
        markers = [marker for _, marker in found if marker not in ("None", "")]
        if len(set(lines)) < len(lines) or len(set(markers)) < len(markers):
            return False
    return True


def test_the_colour_free_check_catches_two_curves_told_apart_by_colour_alone():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], color="blue", label="real")
    ax.plot([0, 1], [1, 0], color="orange", label="generated")
    assert not roles_differ_without_colour(fig)
    plt.close(fig)


def figures(ring_history):
    runs = step_mode_runs(TWO_MODES, d_steps=(1,), num_steps=(4,))
    shifts = np.linspace(0, 6, 13)
    trained = {f"trained D, {n} steps": np.linspace(0, 1, 401) ** k for k, n in enumerate([20, 100, 400], start=1)}
    yield "generator loss gradients", plot_generator_loss_gradients()
    yield "1D GAN", plot_gan_1d(runs["k = 1"], TWO_MODES)
    yield "2D GAN", plot_gan_2d(ring_history, RING)
    yield "pointwise objective", plot_pointwise_objective()
    yield "optimal discriminator and three trained ones", plot_optimal_discriminator(TWO_MODES, Gaussian(0.5, 1.2), trained=trained)
    yield "JSD integrands", plot_js_integrands(Gaussian(0, 1), Gaussian(2.5, 1))
    yield "divergences", plot_divergences_vs_separation(shifts, divergence_curves(shifts))


def test_every_figure_tells_its_curves_apart_by_line_style_and_marker(ring_history):
    for name, fig in figures(ring_history):
        assert roles_differ_without_colour(fig), name
        plt.close(fig)


def test_more_trained_discriminators_than_styles_are_refused():
    trained = {f"D {i}": np.zeros(401) for i in range(4)}
    with pytest.raises(ValueError, match="at most 3 discriminators"):
        plot_optimal_discriminator(TWO_MODES, Gaussian(0.5, 1.2), trained=trained)


def test_the_2d_arrows_are_autograds_gradient_of_the_generator_loss_for_a_frame(ring_history):
    # Rebuild the final D of a run with snapshots, and differentiate the loss afresh at the arrows' tails.
    from course_lib.gan.losses import non_saturating_generator_loss
    from course_lib.gan.networks import Discriminator, Generator
    from course_lib.gan.plots import grid_2d
    from course_lib.gan.training import GANConfig, train_gan

    torch.manual_seed(3)
    generator, discriminator = Generator(2, 2, hidden=16), Discriminator(2, hidden=16)
    history = train_gan(generator, discriminator, RING, GANConfig(num_steps=4, snapshot_every=2), rng=torch.Generator().manual_seed(3), grid=grid_2d(side=8), progress=False)
    starts, vectors, scale = push_arrows(history.snapshots[-1])
    x = torch.from_numpy(starts).requires_grad_(True)  # (A, 2)
    (gradient,) = torch.autograd.grad(non_saturating_generator_loss(discriminator(x)) * len(x), x)  # per-sample gradients
    assert scale > 0
    assert np.allclose(vectors / scale, -gradient.numpy(), rtol=1e-5, atol=1e-7)  # float32 round-off
    assert np.percentile(np.linalg.norm(vectors, axis=1), 90) == pytest.approx(ARROW_LENGTH, rel=1e-5)


def test_arrows_need_a_2d_snapshot_with_pushes():
    with pytest.raises(ValueError, match="2D run of train_gan"):
        push_arrows(Snapshot(0, "start", np.zeros((3, 2)), None, -1.4))


def test_density_steps_integrate_to_one():
    from course_lib.gan.plots import plot_density_steps

    fig, ax = plt.subplots()
    bins = np.linspace(-5, 5, 41)
    line = plot_density_steps(ax, TWO_MODES.sample(4000, generator=torch.Generator().manual_seed(0))[:, 0].numpy(), bins, "real", "real")
    assert np.sum(line.get_ydata() * np.diff(bins)) == pytest.approx(1.0, abs=0.01)  # samples beyond ±5: under 1%
    plt.close(fig)
