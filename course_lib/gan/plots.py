"""Figures for the GAN notebooks, in the course's colours. Each returns its matplotlib figure.

Every curve is told apart three ways, so a figure also reads on a greyscale printer and for
colour-blind readers: by its role's colour, its own line style and its own marker
(``role_style``). Sample clouds differ by marker shape too.

Introduced in notebooks/01_gan_game.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure

from course_lib.gan.distributions import Distribution1D, GaussianRing
from course_lib.gan.losses import GENERATOR_LOSSES
from course_lib.gan.training import History, Snapshot
from course_lib.plotting import COLORS, LINESTYLES, style

# One marker per role, and a line style per role that no other role shares: course_lib.plotting
# draws real data and D* both solid, and neutral curves solid too, so here D* gets long dashes and
# neutral curves dash-dot-dot.
ROLE_MARKERS = {"real": "o", "generated": "^", "perfect": "s", "critic": "D", "discriminator": "v", "neutral": "x"}
ROLE_LINESTYLES = {**LINESTYLES, "perfect": (0, (7, 2)), "neutral": (0, (5, 1.5, 1, 1.5, 1, 1.5))}
# Trained discriminators shown side by side (snapshots): dotted like the role, each with its own dash pattern and marker.
SNAPSHOT_STYLES = (((0, (1, 1.5)), "v"), ((0, (4, 1.5, 1, 1.5, 1, 1.5, 1, 1.5)), "P"), ((0, (2, 3)), "X"))


def role_style(role: str, num_points: int = 400, num_markers: int = 8) -> dict:
    """Keyword arguments for ``ax.plot``: the role's colour, its own line style and its own marker.

    Markers are spread ``num_markers`` to a curve of ``num_points`` points, starting at an offset
    of their own for each role, so that curves which overlap do not hide each other's markers.

    Args:
        role: one of ``course_lib.plotting.COLORS``' keys.
        num_points: the number of points of the curve that will be drawn.
        num_markers: about how many markers to draw on it.

    Example:
        >>> role_style("perfect", num_points=80, num_markers=8)
        {'color': '#d62728', 'linestyle': (0, (7, 2)), 'marker': 's', 'markersize': 4, 'markevery': (3, 10)}
    """
    every = max(1, num_points // num_markers)
    offset = (list(ROLE_MARKERS).index(role) * every // len(ROLE_MARKERS)) if role in ROLE_MARKERS else 0
    return {**style(role), "linestyle": ROLE_LINESTYLES[role], "marker": ROLE_MARKERS[role], "markersize": 4, "markevery": (offset, every)}


def plot_density_steps(ax, x: np.ndarray, bins: np.ndarray, role: str, label: str):
    """A histogram of samples x: (n,) as a density drawn as steps, in the role's line style, with markers.

    Returns the Line2D, whose y-data (the density at the bins' centres) a widget may move.
    """
    centres = 0.5 * (bins[1:] + bins[:-1])  # (num_bins,)
    (line,) = ax.plot(centres, sample_density(x, bins), drawstyle="steps-mid", label=label, **role_style(role, len(centres)))
    return line


def sample_density(x: np.ndarray, bins: np.ndarray) -> np.ndarray:
    """A histogram of samples x: (n,) as a density on ``bins`` edges: (len(bins) - 1,)."""
    counts, _ = np.histogram(x, bins=bins, density=True)
    return counts


def plot_generator_loss_gradients(
    losses: dict[str, Callable[[torch.Tensor], torch.Tensor]] | None = None,
    title: str = "Early on D(G(z)) is near 0: the saturating loss gives no push",
) -> Figure:
    """How hard each generator loss pushes, as a function of D(G(z)): the gradient with respect to the logit.

    The gradients are taken by autograd through the losses, not written by hand.

    Args:
        losses: {"saturating": loss, "non-saturating": loss}, each mapping fake logits (B,) to the
            batch's mean loss, a scalar tensor. By default ``course_lib.gan.losses.GENERATOR_LOSSES``;
            a problem set passes the student's own.
        title: the figure's title: what to look for.

    Introduced in notebooks/01_gan_game.
    """
    if losses is not None and set(losses) != set(GENERATOR_LOSSES):
        raise ValueError(f"`losses` must map 'saturating' and 'non-saturating' to one loss each (got the names {sorted(losses)})")
    d = torch.linspace(0.001, 0.999, 400)
    fig, ax = plt.subplots(figsize=(5.2, 3.2))
    for name, loss in (losses or GENERATOR_LOSSES).items():
        logits = torch.logit(d).requires_grad_(True)
        loss(logits).backward()
        gradient = (logits.grad * len(d)).abs()  # the mean's 1/n undone: the per-sample push
        role = "discriminator" if name == "saturating" else "generated"
        ax.plot(d, gradient, label=f"{name}: |d loss / d logit|", **role_style(role, len(d)))
    ax.set(xlabel="D(G(z)): the discriminator's belief that a fake is real", ylabel="gradient magnitude")
    ax.set_title(title)
    ax.legend()
    return fig


def plot_gan_1d(history: History, data: Distribution1D, frames: list[int] | None = None, title: str | None = None) -> Figure:
    """Snapshots of a 1D run: the real density (blue), the generated samples (orange) and D(x) (purple).

    Args:
        frames: indices of the snapshots to show (three evenly spaced ones by default).
        title: the figure's title; state what this run shows. The default only describes the panels,
            since a GAN run may or may not match the data (check each bump's width, not only its place).
    """
    snapshots = [s for s in history.snapshots if s.phase != "discriminator"]
    frames = frames if frames is not None else np.linspace(0, len(snapshots) - 1, 3).round().astype(int).tolist()
    grid = history.grid[:, 0]
    bins = np.linspace(grid[0], grid[-1], 61)
    p_real = data.pdf(torch.from_numpy(grid)).numpy()
    fig, axes = plt.subplots(1, len(frames), figsize=(2.8 * len(frames), 2.8), sharey=True)
    for ax, frame in zip(np.atleast_1d(axes), frames):
        snapshot = snapshots[frame]
        ax.plot(grid, p_real, label="real p(x)", **role_style("real", len(grid)))
        plot_density_steps(ax, snapshot.x_fake[:, 0], bins, "generated", "generated")
        ax.plot(grid, snapshot.d_grid, label="D(x)", **role_style("discriminator", len(grid)))
        ax.axhline(0.5, color=COLORS["neutral"], linewidth=0.6, linestyle=":")
        ax.set(title=f"step {snapshot.step}", xlabel="x", ylim=(0, 1.05))
    np.atleast_1d(axes)[0].set_ylabel("density  /  D(x)")
    np.atleast_1d(axes)[-1].legend(loc="upper right")
    fig.suptitle(title or "Snapshots of the game: generated samples (orange) against the data (blue), and D(x)")
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.17, top=0.8, wspace=0.08)  # fixed: no layout pass
    return fig


# Sample clouds: colour and marker shape both differ; arrows are black, a third look.
SAMPLE_MARKERS = {
    "real": {"color": COLORS["real"], "marker": "o", "s": 4, "linewidths": 0},
    "generated": {"color": COLORS["generated"], "marker": "^", "s": 7, "linewidths": 0},
}
ARROW_STYLE = {"angles": "xy", "scale_units": "xy", "scale": 1.0, "width": 0.006, "color": "black"}


ARROW_SAMPLES = 96  # arrows drawn per frame: one on every few generated samples, enough to read the field
ARROW_LENGTH = 0.45  # data units of a typical arrow (the 90th percentile of |push| in the frame)


def push_arrows(snapshot: Snapshot, num_arrows: int = ARROW_SAMPLES, length: float = ARROW_LENGTH) -> tuple[np.ndarray, np.ndarray, float]:
    r"""GAN Lab's arrows for one snapshot of a 2D run: where each arrow starts, and its vector.

    Each arrow starts on a generated sample :math:`\tilde x` and points along its push
    :math:`-\nabla_{\tilde x}\,\ell`, stored in the snapshot by ``train_gan`` (see
    ``course_lib.gan.training.generator_push``): the way the generator's loss pulls that sample.
    Arrows share one scale within a frame: the 90th percentile of |push| is drawn ``length`` long.

    Args:
        snapshot: a snapshot of a 2D run, with ``x_fake`` and ``push`` of shape (N, 2).
        num_arrows: how many evenly spaced samples carry an arrow.
        length: the drawn length of a typical (90th-percentile) push, in data units.

    Returns:
        (starts, vectors, scale): (A, 2) arrow tails, (A, 2) arrows = scale · push, and the scale.

    Example:
        >>> from course_lib.gan.training import Snapshot
        >>> push = np.array([[1.0, 0.0], [0.0, -2.0]])
        >>> starts, vectors, scale = push_arrows(Snapshot(0, "start", np.zeros((2, 2)), None, -1.4, push), length=1.0)
        >>> vectors.round(2).tolist()
        [[0.53, 0.0], [0.0, -1.05]]
    """
    if snapshot.push is None or snapshot.x_fake.shape[1] != 2:
        raise ValueError("`snapshot` must come from a 2D run of train_gan, which stores each sample's push (got none)")
    chosen = np.linspace(0, len(snapshot.x_fake) - 1, min(num_arrows, len(snapshot.x_fake))).round().astype(int)  # (A,)
    push = snapshot.push[chosen]  # (A, 2)
    typical = float(np.percentile(np.linalg.norm(push, axis=1), 90))
    scale = length / typical if typical > 0 else 0.0
    return snapshot.x_fake[chosen], scale * push, scale


def plot_gan_2d(
    history: History, ring: GaussianRing, frames: list[int] | None = None, extent: float = 3.0, arrows: bool = True
) -> Figure:
    """Snapshots of a 2D run: D(x) as a heat-map, real (blue circles) and generated (orange triangles) samples,
    and, with ``arrows``, the push of the generator's loss on every few generated samples (black arrows).

    Arrows are scaled within each panel (``push_arrows``); each panel's title gives the median |push|.
    """
    snapshots = [s for s in history.snapshots if s.phase != "discriminator"]
    frames = frames if frames is not None else np.linspace(0, len(snapshots) - 1, 3).round().astype(int).tolist()
    side = int(round(math.sqrt(len(history.grid))))
    real = ring.sample(400, generator=torch.Generator().manual_seed(2)).numpy()
    fig, axes = plt.subplots(1, len(frames), figsize=(2.6 * len(frames), 3.0))
    for ax, frame in zip(np.atleast_1d(axes), frames):
        snapshot = snapshots[frame]
        ax.imshow(
            snapshot.d_grid.reshape(side, side), origin="lower", extent=(-extent, extent, -extent, extent),
            cmap="Purples", vmin=0, vmax=1, alpha=0.6,
        )
        ax.scatter(*real.T, **SAMPLE_MARKERS["real"], label="real")
        ax.scatter(*snapshot.x_fake.T, **SAMPLE_MARKERS["generated"], label="generated")
        title = f"step {snapshot.step}"
        if arrows:
            starts, vectors, _ = push_arrows(snapshot)
            ax.quiver(*starts.T, *vectors.T, label="push: −∇ of G's loss", **ARROW_STYLE)
            title += f"\nmedian |push| {np.median(np.linalg.norm(snapshot.push, axis=1)):.2f}"
        ax.set(title=title, xlim=(-extent, extent), ylim=(-extent, extent), xticks=[], yticks=[])
        ax.set_aspect("equal")
        ax.grid(False)
    np.atleast_1d(axes)[0].legend(loc="lower left", markerscale=2, fontsize=7)
    fig.suptitle("2D: pushed along the arrows, the samples spread onto the ring (shading: D(x), darker = 'real')")
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=0.78, wspace=0.05)  # fixed: no layout pass
    return fig


def grid_1d(low: float = -5.0, high: float = 5.0, num: int = 201) -> torch.Tensor:
    """Evaluation points for 1D plots: (num, 1)."""
    return torch.linspace(low, high, num).unsqueeze(1)


def grid_2d(extent: float = 3.0, side: int = 60) -> torch.Tensor:
    """A square grid of (side * side, 2) points, row-major from the bottom-left, for heat-maps."""
    axis = torch.linspace(-extent, extent, side)
    ys, xs = torch.meshgrid(axis, axis, indexing="ij")
    return torch.stack([xs.reshape(-1), ys.reshape(-1)], dim=1)


# ----------------------------------------------------------------------------- notebooks 02 and 03


def plot_pointwise_objective(pairs: tuple[tuple[float, float], ...] = ((1.0, 1.0), (3.0, 1.0), (1.0, 4.0))) -> Figure:
    """The discriminator's problem at one point x: a·log D + b·log(1 - D) against D, peaking at a / (a + b).

    Args:
        pairs: (a, b) = (p(x), p_G(x)) values, one curve each.

    Introduced in notebooks/02_optimal_discriminator.
    """
    d = np.linspace(0.005, 0.995, 300)
    fig, ax = plt.subplots(figsize=(5.2, 3.0))
    looks = (("#111111", "-", "o"), ("#555555", "--", "^"), ("#888888", ":", "D"))  # shade, line and marker all differ
    for i, ((a, b), (shade, linestyle, marker)) in enumerate(zip(pairs, looks)):
        ax.plot(d, a * np.log(d) + b * np.log1p(-d), color=shade, linestyle=linestyle, marker=marker, markersize=4,
                markevery=(10 * i, 37), label=f"a = {a:g}, b = {b:g}")
        best = a / (a + b)
        ax.plot([best], [a * math.log(best) + b * math.log1p(-best)], "*", markersize=10, color=COLORS["perfect"])
    ax.plot([], [], "*", markersize=10, color=COLORS["perfect"], label="maximum at D = a / (a + b)")
    ax.set(xlabel="D, the value the discriminator outputs at x", ylabel="a log D + b log(1 - D)", ylim=(-8, 0))
    ax.set_title("Each curve is concave, with one peak at a / (a + b)")
    ax.legend(loc="lower center", fontsize=8)
    fig.subplots_adjust(left=0.14, right=0.97, bottom=0.16, top=0.9)
    return fig


def plot_optimal_discriminator(
    p_data: Distribution1D,
    p_gen: Distribution1D,
    trained: dict[str, np.ndarray] | None = None,
    xlim: tuple[float, float] = (-5.0, 5.0),
    title: str = "D* is near 1 where only real data lives, near 0 where only fakes do",
) -> Figure:
    """The two densities (blue, orange), the optimal discriminator D* (red) and any trained D (purple).

    Args:
        trained: label -> D(x) on ``grid_1d(*xlim, 401)``, shape (401,); at most three, each with its own
            dotted line pattern and marker (``SNAPSHOT_STYLES``), darker for later entries.

    Introduced in notebooks/02_optimal_discriminator.
    """
    from course_lib.gan.discriminators import optimal_discriminator

    trained = trained or {}
    if len(trained) > len(SNAPSHOT_STYLES):
        raise ValueError(f"`trained` can show at most {len(SNAPSHOT_STYLES)} discriminators, each in its own style (got {len(trained)})")
    x = grid_1d(*xlim, 401)[:, 0]  # (401,)
    fig, ax = plt.subplots(figsize=(6.4, 3.0))
    ax.plot(x.numpy(), p_data.pdf(x).numpy(), label="real p(x)", **role_style("real", len(x)))
    ax.plot(x.numpy(), p_gen.pdf(x).numpy(), label="generated p_G(x)", **role_style("generated", len(x)))
    ax.plot(x.numpy(), optimal_discriminator(p_data, p_gen)(x).numpy(), linewidth=2, label="D*(x) = p / (p + p_G)", **role_style("perfect", len(x)))
    for i, ((label, d_values), (linestyle, marker)) in enumerate(zip(trained.items(), SNAPSHOT_STYLES)):
        look = {**role_style("discriminator", len(x)), "linestyle": linestyle, "marker": marker}
        look["markevery"] = (look["markevery"][0] + 17 * i, look["markevery"][1])  # markers of different snapshots apart
        ax.plot(x.numpy(), np.asarray(d_values), alpha=0.45 + 0.55 * (i + 1) / len(trained), linewidth=1.6, label=label, **look)
    ax.axhline(0.5, color=COLORS["neutral"], linewidth=0.6, linestyle=":")
    ax.set(xlabel="x", ylabel="density  /  D(x)", xlim=xlim, ylim=(0, 1.05), title=title)
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
    fig.subplots_adjust(left=0.09, right=0.68, bottom=0.16, top=0.9)
    return fig


def plot_js_integrands(p_data: Distribution1D, p_gen: Distribution1D, xlim: tuple[float, float] = (-4.0, 7.0)) -> Figure:
    """Left: p, p_G and their mixture q. Right: the integrands p log(p/q) and p_G log(p_G/q) of the two KL terms.

    Introduced in notebooks/03_js_divergence.
    """
    x = grid_1d(*xlim, 401)[:, 0].double()  # (401,)
    log_p, log_g = p_data.log_prob(x).double(), p_gen.log_prob(x).double()
    log_q = torch.logaddexp(log_p, log_g) - math.log(2)  # (401,) the mixture q = (p + p_G) / 2
    x, log_p, log_g, log_q = x.numpy(), log_p.numpy(), log_g.numpy(), log_q.numpy()
    fig, (ax_density, ax_terms) = plt.subplots(1, 2, figsize=(8.4, 2.9), sharex=True)
    ax_density.plot(x, np.exp(log_p), label="p", **role_style("real", len(x)))
    ax_density.plot(x, np.exp(log_g), label="p_G", **role_style("generated", len(x)))
    ax_density.fill_between(x, np.exp(log_q), color=COLORS["neutral"], alpha=0.2, label="q = (p + p_G) / 2")
    ax_density.set(xlabel="x", ylabel="density", title="The mixture q covers both")
    ax_density.legend(fontsize=8, loc="upper right", bbox_to_anchor=(1.02, 1.0))
    ax_terms.plot(x, np.exp(log_p) * np.where(log_p > -np.inf, log_p - log_q, 0.0), label="p log(p / q)", **role_style("real", len(x)))
    ax_terms.plot(x, np.exp(log_g) * np.where(log_g > -np.inf, log_g - log_q, 0.0), label="p_G log(p_G / q)", **role_style("generated", len(x)))
    ax_terms.axhline(0, color=COLORS["neutral"], linewidth=0.6)
    ax_terms.set(xlabel="x", ylabel="integrand (nats per unit x)", title="The two KL integrands: areas are the KL terms")
    ax_terms.legend(fontsize=8)
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.17, top=0.88, wspace=0.28)
    return fig


def divergence_curves(shifts: np.ndarray, width: float = 1.0) -> dict[str, np.ndarray]:
    """JSD, KL, W1 and the generator's gradient at D*, for p = N(0, width²) and p_G = N(shift, width²).

    JSD, KL and the gradient come from the library's quadrature and autograd; W1 of a translate is |shift|.

    Args:
        shifts: (S,) distances between the means.

    Returns:
        {"jsd", "kl", "w1", "gradient"}: each (S,) float64.

    Introduced in notebooks/03_js_divergence.
    """
    from course_lib.gan.discriminators import generator_gradient_at_optimum
    from course_lib.gan.distributions import Gaussian
    from course_lib.gan.divergences import js_divergence_1d, kl_divergence_1d

    p_data = Gaussian(0.0, width)
    curves: dict[str, list[float]] = {"jsd": [], "kl": [], "w1": [], "gradient": []}
    for shift in np.asarray(shifts, dtype=np.float64):
        p_gen = Gaussian(float(shift), width)
        curves["jsd"].append(js_divergence_1d(p_data, p_gen))
        curves["kl"].append(kl_divergence_1d(p_data, p_gen))
        curves["w1"].append(abs(float(shift)))
        curves["gradient"].append(generator_gradient_at_optimum(p_data, p_gen))
    return {name: np.array(values) for name, values in curves.items()}


def plot_divergences_vs_separation(shifts: np.ndarray, curves: dict[str, np.ndarray]) -> Figure:
    """Left: JSD (saturating at log 2), KL and W1 against the shift. Right: the size of each one's push on the generator.

    Args:
        shifts: (S,) shifts; curves: the output of ``divergence_curves(shifts)``.

    Introduced in notebooks/03_js_divergence.
    """
    fig, (ax_value, ax_slope) = plt.subplots(1, 2, figsize=(8.4, 3.0))
    n = len(shifts)
    ax_value.plot(shifts, curves["jsd"], linewidth=2, label="JSD(p, p_G)", **role_style("perfect", n))
    ax_value.plot(shifts, curves["kl"], label="KL(p || p_G)", **role_style("neutral", n))
    ax_value.plot(shifts, curves["w1"], label="W1(p, p_G)", **role_style("critic", n))
    ax_value.axhline(math.log(2), color=COLORS["perfect"], linewidth=0.6, linestyle=":", label="log 2")
    ax_value.set(xlabel="shift between the means (in stds)", ylabel="nats  /  distance", ylim=(0, 3), title="JSD saturates at log 2")
    ax_value.legend(fontsize=8, loc="upper left")
    jsd_slope = {**role_style("perfect", n - 1), "marker": None}  # a bare line: the autograd dots lie on it
    ax_slope.semilogy(shifts[1:], 2 * np.gradient(curves["jsd"], shifts)[1:], linewidth=2, label="2 dJSD/dshift (finite differences)", **jsd_slope)
    ax_slope.semilogy(shifts[1:], curves["gradient"][1:], "o", markersize=3, color="black", label="generator gradient at D* (autograd)")
    ax_slope.semilogy(shifts[1:], np.gradient(curves["kl"], shifts)[1:], label="dKL/dshift", **role_style("neutral", n - 1))
    ax_slope.semilogy(shifts[1:], np.ones(len(shifts) - 1), label="dW1/dshift", **role_style("critic", n - 1))
    ax_slope.set(xlabel="shift between the means (in stds)", ylabel="gradient size", ylim=(1e-7, 30), title="Under D*, the push dies as the gap grows")
    ax_slope.legend(fontsize=7, loc="lower left")
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.17, top=0.88, wspace=0.25)
    return fig
