import os
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


def test_importing_course_lib_first_pins_torchs_vector_instructions_on_x86():
    import subprocess
    import sys

    import course_lib

    if not course_lib.REPRODUCIBLE_ENV:
        pytest.skip("not an x86 CPU with AVX2: the stored outputs are compared on x86 machines only")
    code = "import os, course_lib, torch; print(os.environ['ONEDNN_MAX_CPU_ISA'], os.environ['MKL_CBWR'], torch.backends.cpu.get_cpu_capability())"
    clean = {key: value for key, value in os.environ.items() if key not in course_lib.REPRODUCIBLE_ENV}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=clean, check=True)
    assert result.stdout.split() == ["AVX2", "AVX2", "AVX2"]
