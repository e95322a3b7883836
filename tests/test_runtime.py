import os
import random
from pathlib import Path

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


def test_importing_course_lib_first_pins_torchs_code_paths_on_x86():
    import subprocess
    import sys

    import course_lib

    if not course_lib.REPRODUCIBLE_ENV:
        pytest.skip("not an x86 CPU with AVX2: the stored outputs are compared on x86 machines only")
    code = "import os, course_lib, torch; print(os.environ['ONEDNN_MAX_CPU_ISA'], os.environ['MKL_CBWR'], torch.backends.cpu.get_cpu_capability())"
    clean = {key: value for key, value in os.environ.items() if key not in course_lib.REPRODUCIBLE_ENV}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=clean, check=True)
    assert result.stdout.split() == ["AVX2", "COMPATIBLE", "AVX2"]


# CPU models qemu-x86_64 emulates with AVX2 and FMA, as laptops and cloud machines have them.
EMULATED_CPUS = {"AMD": "EPYC-Milan", "Intel": "Skylake-Client"}


@pytest.mark.parametrize("vendor", EMULATED_CPUS)
def test_intel_and_amd_cpus_compute_the_same_bits(vendor):
    """The stored outputs hold on any x86 machine only if every CPU rounds the course's arithmetic alike.

    MKL takes a different code path on AMD than on Intel unless pinned to its COMPATIBLE branch; this
    runs the same training steps here and on an emulated CPU of each vendor, and compares the bits.
    """
    import shutil
    import subprocess
    import sys

    import course_lib

    if not course_lib.REPRODUCIBLE_ENV:
        pytest.skip("not an x86 CPU with AVX2: the stored outputs are compared on x86 machines only")
    qemu = shutil.which("qemu-x86_64")
    if qemu is None:
        reason = "qemu-x86_64 is not installed (Debian: apt-get install qemu-user), so other CPUs cannot be emulated"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI installs it in .ci/run")
        pytest.skip(reason)
    probe = [sys.executable, str(Path(__file__).with_name("cpu_fingerprint.py"))]
    here = subprocess.run(probe, capture_output=True, text=True, check=True).stdout
    emulated = subprocess.run([qemu, "-cpu", EMULATED_CPUS[vendor], *probe], capture_output=True, text=True, check=True, timeout=600).stdout
    assert emulated == here


def test_the_course_takes_square_roots_the_same_way_on_every_cpu():
    # MKL's sqrt (behind torch.sqrt, Tensor.sqrt and a tensor ** 0.5) rounds differently on Intel and AMD, even
    # in its COMPATIBLE branch; torch.linalg.vector_norm does not (see course_lib/__init__.py).
    import re

    root = Path(__file__).resolve().parents[1]
    sources = [*root.glob("course_lib/**/*.py"), *root.glob("notebooks/*.py")]
    offending = [f"{path.relative_to(root)}:{number}" for path in sources for number, line in enumerate(path.read_text().splitlines(), 1) if re.search(r"torch\.sqrt\(|\.sqrt\(\)", line.split("#")[0])]
    assert offending == []
