"""scikit-learn's bundled 8×8 handwritten digits, with the course's fixed train/test split.

The 1797 images ship inside scikit-learn, so nothing is downloaded. Pixels are integers 0–16;
we divide by 16 so that images live in [0, 1], the box every attack clips to. The split is
stratified (a fifth of each class is held out) and seeded, so every notebook, test and grader
sees the same 1438 training and 359 test images.

Transfer attacks need a *surrogate* model trained on "other data": ``split="train_a"`` and
``split="train_b"`` are two disjoint, stratified halves of the training split (721 and 717 images).

Introduced in notebooks/06_fgsm.

Stop signs by day and by night (``make_stop_signs``, ``load_stop_signs``) are drawn, not loaded:
small RGB street scenes with or without a stop sign, for Problem 4's day/night experiment.
Introduced in notebooks/09_robustness_quiz.
"""

from __future__ import annotations

import functools
import importlib.util
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

Tensor = torch.Tensor

SPLIT_SEED = 0  # fixed forever: the stored notebook outputs depend on which images are held out
TEST_FRACTION = 0.2  # a fifth of each class is held out (359 of 1797 images)
NUM_CLASSES = 10
IMAGE_SHAPE = (1, 8, 8)  # (C, H, W): one grey channel
SPLITS = ("train", "test", "train_a", "train_b")


def load_digits(split: str = "train") -> tuple[Tensor, Tensor]:
    """The digits of one split, as images in [0, 1] and integer labels.

    Args:
        split: "train" (1438 images), "test" (359), or one of the two disjoint halves of the
            training split, "train_a" and "train_b" (721 and 717), for a surrogate model trained on
            other data than the model it attacks.

    Returns:
        x: (N, 1, 8, 8) float32 in [0, 1], the pixel intensities divided by 16.
        y: (N,) int64 labels 0–9.

    Every call returns fresh tensors: changing them changes nothing for the next caller.

    Example:
        >>> x, y = load_digits("test")
        >>> tuple(x.shape), x.dtype, y.dtype
        ((359, 1, 8, 8), torch.float32, torch.int64)
        >>> float(x.min()), float(x.max())
        (0.0, 1.0)

    Introduced in notebooks/06_fgsm.
    """
    if split not in SPLITS:
        raise ValueError(f"`split` must be one of {', '.join(map(repr, SPLITS))} (got {split!r})")
    pixels, labels = _digits_arrays()
    index = _split_indices()[split]
    x = torch.from_numpy(pixels[index] / 16.0).float().reshape(-1, *IMAGE_SHAPE)  # (N, 1, 8, 8)
    return x, torch.from_numpy(labels[index]).long()


@functools.cache
def _digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    """(1797, 64) float64 pixels 0–16 and (1797,) int64 labels, exactly ``sklearn.datasets.load_digits()``'s.

    Reads scikit-learn's bundled CSV file itself: importing ``sklearn.datasets`` costs over a
    second per fresh kernel (it imports scipy.stats), reading the file 10 ms.
    ``tests/test_adversarial_data.py`` checks that the arrays equal scikit-learn's.
    """
    spec = importlib.util.find_spec("sklearn")  # finds the package without importing it
    path = Path(spec.submodule_search_locations[0]) / "datasets" / "data" / "digits.csv.gz" if spec else None
    if path is None or not path.exists():  # another scikit-learn layout: take the slow, public road
        from sklearn.datasets import load_digits as sklearn_load_digits

        bunch = sklearn_load_digits()
        return bunch.data, bunch.target.astype(np.int64)
    table = np.loadtxt(path, delimiter=",")  # (1797, 65): 64 pixels, then the label
    return table[:, :-1], table[:, -1].astype(np.int64)


@functools.cache
def _split_indices() -> dict[str, np.ndarray]:
    """Sorted row indices of each split: per class, a seeded shuffle, the first fifth to test, the rest halved."""
    _, labels = _digits_arrays()
    rng = np.random.default_rng(SPLIT_SEED)
    parts: dict[str, list[np.ndarray]] = {split: [] for split in SPLITS}
    for digit in range(NUM_CLASSES):
        rows = rng.permutation(np.flatnonzero(labels == digit))
        num_test = round(TEST_FRACTION * len(rows))
        test, train = rows[:num_test], rows[num_test:]
        parts["test"].append(test)
        parts["train"].append(train)
        parts["train_a"].append(train[0::2])  # alternate rows of the shuffled class: two disjoint halves
        parts["train_b"].append(train[1::2])
    return {split: np.sort(np.concatenate(rows)) for split, rows in parts.items()}


# ----------------------------------------------------------------------------- stop signs by day and by night

STOP_SIGN_CLASSES = ("no stop sign", "stop sign")  # label 0, label 1
STOP_SIGN_SPLITS = {"train": (1000, 0), "test": (1000, 1)}  # split: (number of scenes, seed); fixed forever, like SPLIT_SEED


@dataclass(frozen=True)
class StopSignSettings:
    """The knobs of ``make_stop_signs``. Lengths are in pixels of a 16×16 scene and scale with ``size``.

    Introduced in notebooks/09_robustness_quiz.
    """

    sign_radius: tuple[float, float] = (3.0, 6.0)  # half the width across flats: a sign 6 to 12 px wide, never cut off
    max_rotation: float = 25.0  # degrees either way; the octagon repeats every 45°, the white stripe shows the turn
    red_distractor_rate: float = 0.6  # red discs, squares, triangles among the distractors: redness alone scores ~75%
    day_noise: float = 0.01  # Gaussian sensor noise by day (std, in [0, 1] units): a camera in good light
    night_ambient: tuple[float, float] = (0.08, 0.2)  # the light left at night, where the day has 0.85-1.1
    night_headlight: tuple[float, float] = (0.3, 0.8)  # the peak extra light of a car's headlights, low in the frame
    night_shot_noise: tuple[float, float] = (0.03, 0.06)  # photon noise, std sqrt(signal) times this: worse in the dark
    night_read_noise: tuple[float, float] = (0.015, 0.03)  # the sensor's own noise, whatever the light


_COLOURS = {  # (R, G, B) by day, before each scene's jitter
    "sky": (0.45, 0.65, 0.92), "haze": (0.80, 0.85, 0.90), "road": (0.42, 0.42, 0.44), "grass": (0.30, 0.50, 0.22),
    "red": (0.80, 0.08, 0.10), "white": (0.92, 0.92, 0.90), "pole": (0.55, 0.55, 0.57), "blue": (0.10, 0.30, 0.75),
    "yellow": (0.95, 0.80, 0.10), "green": (0.05, 0.45, 0.25), "night_sky": (0.02, 0.03, 0.08),
    "sodium": (1.0, 0.72, 0.42), "moonlight": (0.70, 0.85, 1.0),  # the two casts of night light: street lamps and the moon
}  # fmt: skip
_BUILDINGS = np.array([(0.60, 0.58, 0.55), (0.45, 0.40, 0.36), (0.75, 0.70, 0.60), (0.35, 0.40, 0.50), (0.55, 0.60, 0.62)], np.float32)
# Distractor signs: (sides, colour, white inside?); 0 sides is a disc. The red ones come first: hard negatives
# (a no-entry disc, a no-vehicles ring, a red square, a yield triangle), red like a stop sign but without its shape.
_DISTRACTORS = [
    (0, "red", False), (0, "red", True), (4, "red", False), (3, "red", True),  # the hard negatives
    (0, "blue", False), (4, "yellow", False), (4, "green", False), (8, "blue", False),  # other signs, an octagon among them
]  # fmt: skip
_NUM_RED_DISTRACTORS = 4
_DISTRACTOR_SIDES = np.array([sides for sides, _, _ in _DISTRACTORS])
_DISTRACTOR_COLOURS = np.array([_COLOURS[colour] for _, colour, _ in _DISTRACTORS], np.float32)  # (8, 3)
_DISTRACTOR_WHITE_INSIDE = np.array([inside for _, _, inside in _DISTRACTORS])


def make_stop_signs(n: int, night: bool = False, seed: int = 0, size: int = 16, settings: StopSignSettings | None = None) -> tuple[Tensor, Tensor]:
    """Draw ``n`` small street scenes, half of them with a stop sign, by day or by night.

    A scene is a sky over a road or grass, with buildings, poles, road markings and up to two
    distractor signs: blue, yellow and green ones, and red discs, squares and triangles, so a model
    must learn the stop sign's shape, not only its redness. A stop sign is a red octagon with a
    white rim and a white stripe (the word STOP), on a pole, anywhere in the frame, 6-12 px wide at
    16×16, turned by up to ±25°. Edges are anti-aliased: each pixel is covered in proportion to its
    signed distance to the edge (a ramp one pixel wide), which costs no more than drawing hard edges.

    By day the light is the sun's: a gain of 0.85-1.1 with a slight slope across the frame, and
    faint sensor noise (std 0.01). By night the *same scenes* (the same seed draws the same
    geometry) are lit by dim ambient light (0.08-0.2) plus a car's headlights (a bright patch low in
    the frame) under a vignette, tinted by sodium lamps (orange) or moonlight (blue); the sky turns
    dark navy; and the sensor adds shot noise (std ∝ sqrt(signal)) and read noise. No rescaling
    of a day image gives its night image: the light varies across the frame and by channel, and the
    noise is new.

    Args:
        n: the number of scenes, >= 1; n // 2 of them hold a stop sign.
        night: draw the night version of the scenes.
        seed: a non-negative int; all the randomness comes from it (numpy's Generator, never global state).
        size: the height and width in pixels, >= 8 (the course uses 16; 64 makes pictures for people).
        settings: the generator's knobs (``StopSignSettings()`` when None).

    Returns:
        x: (n, 3, size, size) float32 RGB in [0, 1].
        y: (n,) int64, 1 if a stop sign is present, else 0 (``STOP_SIGN_CLASSES``), in shuffled order.

    Example:
        >>> x, y = make_stop_signs(6, seed=0)
        >>> tuple(x.shape), x.dtype, y.tolist()
        ((6, 3, 16, 16), torch.float32, [0, 0, 1, 1, 1, 0])
        >>> x_night, y_night = make_stop_signs(6, night=True, seed=0)
        >>> torch.equal(y, y_night), bool(x_night.mean() < x.mean() / 3)
        (True, True)

    Introduced in notebooks/09_robustness_quiz.
    """
    _check_stop_sign_arguments(n, night, seed, size, settings)
    settings = settings or StopSignSettings()
    scene_rng, light_rng = np.random.default_rng(seed).spawn(2)  # geometry and light apart: day and night share the scenes
    canvas = _Canvas(n, size, scene_rng)
    labels = scene_rng.permutation(np.arange(n) < n // 2).astype(np.int64)  # (n,) n // 2 ones
    canvas.background()
    canvas.clutter()
    canvas.distractors(labels == 1, settings)
    canvas.stop_signs(labels == 1, settings)
    image = canvas.night(light_rng, settings) if night else canvas.day(light_rng, settings)  # (n, 3, H, W)
    return torch.from_numpy(np.clip(image, 0.0, 1.0)), torch.from_numpy(labels)


def load_stop_signs(split: str = "train", night: bool = False) -> tuple[Tensor, Tensor]:
    """The course's fixed stop-sign scenes: 1000 for training (seed 0) and 1000 for testing (seed 1), 16×16.

    A split by night holds the same scenes as by day, in the dark: the same signs at the same
    places, so a model's day and night accuracies differ only by the light and the noise.

    Args:
        split: "train" or "test".
        night: the night version.

    Returns:
        x: (1000, 3, 16, 16) float32 in [0, 1]; y: (1000,) int64, half of them 1 (a stop sign).

    Example:
        >>> x, y = load_stop_signs("test", night=True)
        >>> tuple(x.shape), int(y.sum())
        ((1000, 3, 16, 16), 500)

    Introduced in notebooks/09_robustness_quiz.
    """
    if split not in STOP_SIGN_SPLITS:
        raise ValueError(f"`split` must be 'train' or 'test' (got {split!r})")
    if not isinstance(night, bool):
        raise ValueError(f"`night` must be True or False (got {night!r})")
    x, y = _stop_sign_split(split, night)
    return x.clone(), y.clone()  # copies: a caller may change them in place


@functools.cache
def _stop_sign_split(split: str, night: bool) -> tuple[Tensor, Tensor]:
    """Each split drawn once per process (about 0.2 s each)."""
    n, seed = STOP_SIGN_SPLITS[split]
    return make_stop_signs(n, night=night, seed=seed)


class _Canvas:
    """A batch of scenes painted back to front in numpy, float32 throughout; lengths in pixels.

    ``image`` is (n, 3, H, W). ``sky`` records how much of each pixel still shows the sky, the one
    part of a scene that gives light rather than reflecting it: night swaps it for a dark sky.
    """

    def __init__(self, n: int, size: int, rng: np.random.Generator):
        self.n, self.size, self.scale, self.rng = n, size, size / 16, rng
        grid = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5  # (2, H, W) pixel centres
        self.Y, self.X = grid[0][None], grid[1][None]  # (1, H, W) each

    def uniform(self, low: float, high: float) -> np.ndarray:
        """One number per scene, (n, 1, 1), to broadcast against (n, H, W)."""
        return self.rng.uniform(low, high, self.n).astype(np.float32)[:, None, None]

    def colour(self, name: str, jitter: float) -> np.ndarray:
        """(n, 3): a named colour, jittered per scene."""
        return np.clip(np.float32(_COLOURS[name]) + self.rng.uniform(-jitter, jitter, (self.n, 3)).astype(np.float32), 0, 1)

    def paint(self, alpha: np.ndarray, colour: np.ndarray) -> None:
        """Lay ``colour`` (n, 3) over the scenes with coverage ``alpha`` (n, H, W) in [0, 1]."""
        a = alpha[:, None]  # (n, 1, H, W)
        self.image = self.image * (1 - a) + colour[:, :, None, None] * a
        self.sky = self.sky * (1 - alpha)

    def background(self) -> None:
        """A sky fading to haze at the horizon, over a road or grass that lightens with distance."""
        size = self.size
        self.horizon = self.uniform(0.3, 0.6) * size  # (n, 1, 1)
        ground = _coverage(self.horizon - self.Y)  # (n, H, W): 1 below the horizon
        height = np.clip(self.Y / self.horizon, 0, 1)[:, None]  # (n, 1, H, W): 0 at the top, 1 at the horizon
        self.sky_colour = self.colour("sky", 0.08)[:, :, None, None] * (1 - height) + self.colour("haze", 0.06)[:, :, None, None] * height
        self.road = self.rng.random(self.n) < 0.5  # (n,) road, else grass
        near = np.where(self.road[:, None], np.float32(_COLOURS["road"]), np.float32(_COLOURS["grass"]))  # (n, 3)
        near = np.clip(near + self.rng.uniform(-0.06, 0.06, (self.n, 3)).astype(np.float32), 0, 1)
        depth = np.clip((self.Y - self.horizon) / (size - self.horizon), 0, 1)[:, None]  # (n, 1, H, W)
        far = np.clip(near * 1.15 + 0.05, 0, 1)
        ground_colour = far[:, :, None, None] * (1 - depth) + near[:, :, None, None] * depth
        self.image = self.sky_colour * (1 - ground[:, None]) + ground_colour * ground[:, None]  # (n, 3, H, W)
        self.sky = 1 - ground  # (n, H, W)

    def clutter(self) -> None:
        """Lane markings on some roads, up to three buildings on the horizon, up to two poles."""
        s, rng, n = self.scale, self.rng, self.n
        marked = (self.road & (rng.random(n) < 0.5))[:, None, None]
        y = self.horizon + self.uniform(0.4, 0.8) * (self.size - self.horizon)
        dashes = self.box(self.uniform(-2, 6) * s, self.uniform(10, 18) * s, y - 0.35 * s, y + 0.35 * s)
        self.paint(_coverage(dashes) * marked, self.colour("white", 0.1))
        for _ in range(3):
            present = (rng.random(n) < 0.5)[:, None, None]
            x0, width, height = self.uniform(-2, 16) * s, self.uniform(2, 7) * s, self.uniform(2, 8) * s
            colour = np.clip(_BUILDINGS[rng.integers(0, len(_BUILDINGS), n)] + rng.uniform(-0.08, 0.08, (n, 3)).astype(np.float32), 0, 1)
            self.paint(_coverage(self.box(x0, x0 + width, self.horizon - height, self.horizon + 0.5 * s)) * present, colour)
        for _ in range(2):
            present = (rng.random(n) < 0.4)[:, None, None]
            x0, width = self.uniform(0, 16) * s, self.uniform(0.6, 1.1) * s
            self.paint(_coverage(self.box(x0, x0 + width, self.uniform(0, 0.5) * self.horizon, self.size + 1.0)) * present, self.colour("pole", 0.15))

    def distractors(self, positive: np.ndarray, settings: StopSignSettings) -> None:
        """Two slots of other signs, some on poles; sign-free scenes get more of them (so a sign is not "anything there")."""
        s, rng, n = self.scale, self.rng, self.n
        for rate_without, rate_with in ((0.85, 0.4), (0.35, 0.15)):  # how often the slot is filled, without and with a stop sign
            present = rng.random(n) < np.where(positive, rate_with, rate_without)  # (n,)
            red = rng.random(n) < settings.red_distractor_rate
            kind = np.where(red, rng.integers(0, _NUM_RED_DISTRACTORS, n), rng.integers(_NUM_RED_DISTRACTORS, len(_DISTRACTORS), n))
            radius = self.uniform(2.5, 5.5) * s
            cx, cy = self.uniform(0, 1) * (self.size - 2 * radius) + radius, self.uniform(0, 1) * (self.size - 2 * radius) + radius
            u, v = self.local(cx, cy, self.uniform(-math.pi, math.pi))
            sides = _DISTRACTOR_SIDES[kind]
            apothem = radius * np.where(sides == 3, np.float32(0.6), np.float32(1.0))[:, None, None]  # a triangle's centre sits low
            on_pole = (rng.random(n) < 0.5) & present
            self.paint(_coverage(self.box(cx - 0.4 * s, cx + 0.4 * s, cy, self.size + 1.0)) * on_pole[:, None, None], self.colour("pole", 0.1))
            outline = _polygon_distance(u, v, sides) - apothem
            self.paint(_coverage(outline) * present[:, None, None], np.clip(_DISTRACTOR_COLOURS[kind] * self.uniform(0.85, 1.1)[:, :, 0], 0, 1))
            inside = present & _DISTRACTOR_WHITE_INSIDE[kind]
            self.paint(_coverage(outline + 0.3 * apothem) * inside[:, None, None], self.colour("white", 0.05))

    def stop_signs(self, positive: np.ndarray, settings: StopSignSettings) -> None:
        """In the scenes marked ``positive``: a pole, a white octagon, a red one inside it, and a white stripe across."""
        radius = self.uniform(*settings.sign_radius) * self.scale  # (n, 1, 1) the apothem
        cx = self.uniform(0, 1) * (self.size - 2 * radius) + radius  # the whole sign stays in the frame
        cy = self.uniform(0, 1) * (self.size - 2 * radius) + radius
        u, v = self.local(cx, cy, self.uniform(-1, 1) * math.radians(settings.max_rotation))
        shown = positive[:, None, None]
        shade = self.uniform(0.85, 1.1)[:, :, 0]  # (n, 1): a sign in the sun or in shade
        pole_half_width = 0.12 * radius + 0.2 * self.scale
        self.paint(_coverage(self.box(cx - pole_half_width, cx + pole_half_width, cy, self.size + 1.0)) * shown, self.colour("pole", 0.1))
        octagon = _polygon_distance(u, v, np.full(self.n, 8)) - radius  # (n, H, W) signed distance, in px
        self.paint(_coverage(octagon) * shown, np.clip(self.colour("white", 0.04) * shade, 0, 1))
        self.paint(_coverage(octagon + 0.18 * radius) * shown, np.clip(self.colour("red", 0.06) * shade, 0, 1))  # the rim: 18% of the apothem
        stripe = np.maximum(np.abs(u) - 0.62 * radius, np.abs(v) - 0.2 * radius)  # a rectangle along the sign's own axes
        self.paint(_coverage(stripe) * shown, np.clip(self.colour("white", 0.04) * shade, 0, 1))

    def day(self, rng: np.random.Generator, settings: StopSignSettings) -> np.ndarray:
        """Sunlight (a gain with a gentle slope across the frame) and faint Gaussian sensor noise."""
        n, size = self.n, self.size
        slope = rng.uniform(-0.08, 0.08, n).astype(np.float32)[:, None, None] * (2 * self.X / size - 1)  # (n, 1, W)
        gain = rng.uniform(0.85, 1.1, n).astype(np.float32)[:, None, None] + slope
        return self.image * gain[:, None] + settings.day_noise * rng.standard_normal(self.image.shape, np.float32)

    def night(self, rng: np.random.Generator, settings: StopSignSettings) -> np.ndarray:
        """Dim light with headlights and a vignette, a lamp's colour cast, a dark sky, shot and read noise."""
        n, size, X, Y = self.n, self.size, self.X, self.Y

        def per_scene(low: float, high: float) -> np.ndarray:  # (n, 1, 1)
            return rng.uniform(low, high, n).astype(np.float32)[:, None, None]

        ambient = per_scene(*settings.night_ambient)
        hx, hy, width = per_scene(0.2, 0.8) * size, per_scene(0.6, 1.1) * size, per_scene(0.25, 0.5) * size
        headlights = per_scene(*settings.night_headlight) * np.exp(-((X - hx) ** 2 + (Y - hy) ** 2) / (2 * width**2))  # (n, H, W)
        vignette = 1 - 0.35 * ((X - size / 2) ** 2 + (Y - size / 2) ** 2) / (size / 2) ** 2  # (1, H, W): darker corners
        light = (ambient + headlights) * vignette  # (n, H, W)
        mix = per_scene(0, 1)[:, :, 0]  # (n, 1): 1 all sodium lamp, 0 all moonlight
        cast = mix * np.float32(_COLOURS["sodium"]) + (1 - mix) * np.float32(_COLOURS["moonlight"])  # (n, 3)
        glow = per_scene(0, 0.08)[:, None] * np.float32(_COLOURS["sodium"])[:, None, None] * (Y / size)[:, None]  # (n, 3, H, W) city glow
        dark_sky = np.float32(_COLOURS["night_sky"])[:, None, None] + rng.uniform(-0.02, 0.02, (n, 3, 1, 1)).astype(np.float32) + glow
        sky = self.sky[:, None]  # (n, 1, H, W)
        reflected = self.image - sky * self.sky_colour  # the scene without the daylight sky: what light falls on
        image = reflected * light[:, None] * cast[:, :, None, None] + sky * dark_sky
        shot, read = per_scene(*settings.night_shot_noise)[:, None], per_scene(*settings.night_read_noise)[:, None]  # (n, 1, 1, 1)
        shot_noise = shot * np.sqrt(np.clip(image, 0, None)) * rng.standard_normal(image.shape, np.float32)  # Poisson-like: variance ∝ signal
        return image + shot_noise + read * rng.standard_normal(image.shape, np.float32)

    def box(self, x0: np.ndarray, x1: np.ndarray, y0: np.ndarray, y1: np.ndarray) -> np.ndarray:
        """Signed distance (n, H, W), in px, to the axis-aligned rectangle [x0, x1] × [y0, y1]: negative inside."""
        X, Y = self.X, self.Y
        return np.maximum(np.maximum(x0 - X, X - x1), np.maximum(y0 - Y, Y - y1))

    def local(self, cx: np.ndarray, cy: np.ndarray, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pixel coordinates (n, H, W) each, relative to (cx, cy) and turned by -theta: a shape's own frame."""
        dx, dy = self.X - cx, self.Y - cy
        cos, sin = np.cos(theta), np.sin(theta)
        return cos * dx + sin * dy, cos * dy - sin * dx


def _coverage(distance: np.ndarray) -> np.ndarray:
    """How much of a pixel a shape covers, from the signed distance (px) of its centre to the edge: a 1-px ramp."""
    return np.clip(0.5 - distance, 0, 1)


def _polygon_distance(u: np.ndarray, v: np.ndarray, sides: np.ndarray) -> np.ndarray:
    r"""The polygon "radius" :math:`\max_k n_k^\top (u, v)` over a regular polygon's outward normals; a disc's is :math:`\|(u, v)\|`.

    Minus the apothem, it is the signed distance to the edge (exact along the edges, an underestimate
    near corners). u, v: (n, H, W); sides: (n,) ints, 0 for a disc, else 3, 4 or 8. Squares and
    octagons have a flat top (a normal straight up), triangles a flat top and a point below, like a yield sign.
    """
    k = np.where(sides == 0, 8, sides)[:, None]  # (n, 1)
    phi = (np.arange(8)[None] % k) * (2 * np.pi / k) - np.where(k == 3, np.pi / 2, 0.0)  # (n, 8) angles of the normals
    cos, sin = np.cos(phi).astype(np.float32)[:, :, None, None], np.sin(phi).astype(np.float32)[:, :, None, None]  # (n, 8, 1, 1)
    polygon = (u[:, None] * cos + v[:, None] * sin).max(axis=1)  # (n, H, W)
    return np.where((sides == 0)[:, None, None], np.sqrt(u**2 + v**2), polygon)


def _check_stop_sign_arguments(n: int, night: bool, seed: int, size: int, settings: StopSignSettings | None) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"`n` must be an int >= 1, the number of scenes, such as 1000 (got {n!r})")
    if not isinstance(night, bool):
        raise ValueError(f"`night` must be True or False (got {night!r})")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"`seed` must be a non-negative int such as 0 (got {seed!r})")
    if isinstance(size, bool) or not isinstance(size, int) or size < 8:
        raise ValueError(f"`size` must be an int >= 8, the image's height and width in pixels, such as 16 (got {size!r})")
    if settings is not None and not isinstance(settings, StopSignSettings):
        raise TypeError(f"`settings` must be a StopSignSettings, such as StopSignSettings(day_noise=0.0), or None (got {type(settings).__name__})")
