import random

import numpy as np
import pytest
import torch

from course_lib import default_device, seed_everything


def test_seed_everything_makes_python_numpy_and_torch_repeat():
    def draw():
        rng = seed_everything(7)
        return random.random(), np.random.rand(), torch.rand(1).item(), torch.rand(1, generator=rng).item()

    assert draw() == draw()


def test_seed_everything_sets_the_thread_count():
    seed_everything(0, num_threads=1)
    assert torch.get_num_threads() == 1


@pytest.mark.parametrize("bad", [-1, 1.5, "0", True])
def test_seed_everything_rejects_bad_seeds_with_a_message_naming_the_argument(bad):
    with pytest.raises(ValueError, match="`seed` must be a non-negative int"):
        seed_everything(bad)


def test_default_device_falls_back_to_cpu_when_no_gpu_is_wanted():
    assert default_device(prefer_gpu=False) == torch.device("cpu")
    assert default_device().type in {"cpu", "cuda", "mps"}
