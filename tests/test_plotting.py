import io

import matplotlib as mpl
import numpy as np
import pytest
from PIL import Image

from course_lib.plotting import COLORS, rgba_png, style, use_course_style


def test_course_colours_follow_the_syllabus():
    assert COLORS["real"] == "#1f77b4"  # blue
    assert COLORS["generated"] == "#ff7f0e"  # orange
    assert COLORS["perfect"] == "#d62728"  # red
    assert COLORS["critic"] == "#2ca02c"  # green


def test_each_role_has_its_own_colour_and_line_style():
    roles = ["real", "generated", "perfect", "critic", "discriminator"]
    assert len({style(role)["color"] for role in roles}) == len(roles)
    assert len({style(role)["linestyle"] for role in roles}) >= 4


def test_unknown_role_names_the_valid_ones():
    with pytest.raises(ValueError, match="unknown plot role 'fake'.*'real'"):
        style("fake")


def test_use_course_style_sets_small_figures():
    use_course_style()
    assert mpl.rcParams["figure.dpi"] == 80
    assert tuple(mpl.rcParams["figure.figsize"]) == (6.4, 3.4)


def test_rgba_png_round_trips_the_pixels():
    pixels = np.random.default_rng(0).integers(0, 256, size=(5, 7, 4), dtype=np.uint8)
    decoded = np.asarray(Image.open(io.BytesIO(rgba_png(pixels))))
    assert np.array_equal(decoded, pixels)
