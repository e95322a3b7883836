"""Explorers: a figure, its controls, and one ``update`` that a slider, a test and ``course bench`` all call.

An explorer owns one matplotlib figure. ``update(**params)`` moves the existing artists (it never
builds a new figure, which costs about 100 ms) and renders the PNG that the widget shows. The
axes, ticks and legends (most of the drawing time) are drawn once; each update restores that
background and redraws only the artists that move (matplotlib's blitting). An explorer only
replays precomputed data: nothing trains inside a callback.

In a notebook, ending a cell with an explorer shows the live widget in Jupyter and, for GitHub
and HTML pages where no kernel runs, the same figure as a static image.

Introduced in notebooks/01_gan_game.
"""

from __future__ import annotations

import base64
import importlib
import pkgutil
from typing import Any, Callable

import ipywidgets
import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from course_lib.plotting import COURSE_RC, rgba_png

BENCH_EXPLORERS: dict[str, Callable[[], "Explorer"]] = {}


def register_for_bench(name: str) -> Callable:
    """Decorator: list a factory (no arguments, returns an Explorer) in ``course bench``."""

    def decorate(factory: Callable[[], Explorer]) -> Callable[[], Explorer]:
        BENCH_EXPLORERS[name] = factory
        return factory

    return decorate


def import_all_explorers() -> None:
    """Import every module of this package, so that each registers its explorers for ``course bench``."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


def new_figure(ncols: int = 1, width: float = 6.4, height: float = 3.2) -> tuple[Figure, Any]:
    """A figure outside pyplot (so it never pops up by itself) with ``ncols`` axes in a row."""
    fig = Figure(figsize=(width, height), dpi=COURSE_RC["figure.dpi"])
    FigureCanvasAgg(fig)  # its own Agg canvas: renders without pyplot, and reuses its renderer
    axes = fig.subplots(1, ncols)
    return fig, axes


class Explorer:
    """Base class. A subclass passes its figure and controls, lists its moving artists in
    ``self.animated`` (their axes limits must stay fixed), implements ``draw``, then calls ``update``."""

    title = "Interactive figure"

    def __init__(self, fig: Figure, controls: dict[str, ipywidgets.ValueWidget]):
        self.fig, self.controls = fig, controls
        self.animated: list[Artist] = []
        self.png = b""
        self._image: ipywidgets.Image | None = None
        self._background = None

    def draw(self, **params: Any) -> None:
        """Move the figure's artists to show ``params``. Subclasses implement it."""
        raise NotImplementedError

    def values(self) -> dict[str, Any]:
        """The controls' current values, as keyword arguments for ``update``."""
        return {name: control.value for name, control in self.controls.items()}

    def update(self, **params: Any) -> bytes:
        """What every control calls: redraw for ``params`` (missing ones keep their value), return the PNG."""
        unknown = set(params) - set(self.controls)
        if unknown:
            raise TypeError(f"{type(self).__name__}.update() got unknown controls {sorted(unknown)}; use {sorted(self.controls)}")
        self.draw(**{**self.values(), **params})
        self.png = self._render()
        if self._image is not None:
            self._image.value = self.png
        return self.png

    def _render(self) -> bytes:
        canvas = self.fig.canvas
        if self._background is None:  # first call: draw everything that never moves, once
            for artist in self.animated:
                artist.set_animated(True)
            canvas.draw()
            self._background = canvas.copy_from_bbox(self.fig.bbox)
        canvas.restore_region(self._background)
        for artist in self.animated:
            self.fig.draw_artist(artist)
        return rgba_png(np.asarray(canvas.buffer_rgba()))

    def widget(self) -> ipywidgets.VBox:
        """The live widget: the controls above the figure, wired to ``update``."""
        if self._image is None:
            self._image = ipywidgets.Image(value=self.png or self.update(), format="png")
            for control in self.controls.values():
                control.observe(lambda change: self.update(**self.values()), names="value")
        return ipywidgets.VBox([ipywidgets.HBox(list(self.controls.values())), self._image])

    def bench_params(self, count: int) -> list[dict[str, Any]]:
        """``count`` parameter settings for ``course bench``: each control in turn swept over its range."""
        sweeps = {name: _sweep(control) for name, control in self.controls.items()}
        names = [name for name, values in sweeps.items() if len(values) > 1]
        settings = []
        for i in range(count):
            name = names[i % len(names)]
            values = sweeps[name]
            settings.append({name: values[(i // len(names)) % len(values)]})
        return settings

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        bundle = self.widget()._repr_mimebundle_()  # the live widget, for Jupyter
        bundle["image/png"] = base64.b64encode(self.png).decode("ascii")  # the static figure, for GitHub and HTML
        bundle["text/plain"] = f"{self.title} (run the notebook in Jupyter to use its controls)"
        return bundle


def _sweep(control: ipywidgets.ValueWidget, count: int = 12) -> list:
    """Values a control can take, for benchmarks: its options, or evenly spaced slider positions."""
    if hasattr(control, "options"):
        return [option[1] if isinstance(option, tuple) else option for option in control.options]
    if hasattr(control, "min") and hasattr(control, "max"):
        values = np.linspace(control.min, control.max, count)
        return [int(round(v)) for v in values] if isinstance(control.value, int) else [float(v) for v in values]
    return [control.value]
