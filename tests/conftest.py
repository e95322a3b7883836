"""Shared fixtures: the repository root, and the course's matplotlib backend for headless tests."""

from pathlib import Path

import matplotlib
import pytest
from browser_support import browser  # noqa: F401  (the `browser` fixture: headless Chromium, or a skip with the reason)

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture(scope="module")
def bubblewrap() -> None:
    """Sandbox tests need bubblewrap: skipped with the reason where it is missing, failed under CI."""
    import os

    from course_lib.grading.sandbox import BUBBLEWRAP, sandbox_mode

    if sandbox_mode() == BUBBLEWRAP:
        return
    reason = "bubblewrap is not available on this machine (Debian: apt-get install bubblewrap), so the sandbox cannot be tested"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI installs it in .ci/run")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def one_thread():
    """The course's thread count (course_lib.runtime): one torch thread, restored afterwards.

    Two threads on a busy 2-core machine train about ten times slower, and change the last bits.
    """
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def digits_test():
    """The digits test split, (x, y), loaded once per session."""
    from course_lib.adversarial.data import load_digits

    return load_digits("test")


def png_pixels(png: bytes):
    """A PNG's pixels as an (H, W, 4) int array."""
    import io

    import numpy as np
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA")).astype(int)


@pytest.fixture
def assert_matches_full_redraw():
    """Check that an explorer's blitted PNG equals a full draw of its figure, up to anti-aliasing."""
    import io

    import numpy as np

    def check(explorer, png: bytes) -> None:
        blitted = png_pixels(png)
        buffer = io.BytesIO()
        explorer.fig.savefig(buffer, format="png")  # a full draw, animated artists included
        full = png_pixels(buffer.getvalue())
        assert blitted.shape == full.shape
        assert (np.abs(blitted - full).max(axis=-1) > 8).mean() < 0.002  # same picture, up to anti-aliasing

    return check


@pytest.fixture(scope="session")
def counting_model():
    """A wrapper class for a model that counts its forward passes: `counting_model(model).calls`."""
    from torch import nn

    class CountingModel(nn.Module):
        def __init__(self, model: nn.Module):
            super().__init__()
            self.model, self.calls = model, 0

        def forward(self, x):
            self.calls += 1
            return self.model(x)

    return CountingModel
