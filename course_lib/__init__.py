"""The library behind the adversarial-learning course.

Notebooks import it and keep their own code cells short. The split follows the course's two
games, plus the machinery they share:

- ``course_lib.gan``: distributions, networks, losses and training for GANs;
- ``course_lib.plotting`` and ``course_lib.widgets``: the course's figures and explorers;
- ``course_lib.runtime``: seeding, thread count and device selection;
- ``course_lib.tooling``: what the ``course`` command runs (lab, sync, bench).
"""

import os
import platform
from pathlib import Path

__all__ = ["default_device", "seed_everything"]
__version__ = "0.1.0"


def _x86_with_avx2() -> bool:
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return False
    cpuinfo = Path("/proc/cpuinfo")
    return " avx2" in cpuinfo.read_text() if cpuinfo.exists() else True  # every x86 Mac and Windows laptop of the last decade has it


# The last bits of a float result depend on the code paths that torch's kernels, oneDNN and MKL pick
# for this CPU (AVX-512 or AVX2, Intel or AMD). torch's kernels and oneDNN are pinned to AVX2; MKL
# follows a CPU's vendor as well as its instructions (on AMD it ignores an AVX2 pin), and only its
# COMPATIBLE branch computes the same matrix products, exp and log on Intel and AMD. Its sqrt still
# differs there, so the course takes square roots through torch.linalg.vector_norm, never torch.sqrt.
# With these set before torch loads (here, and in every kernel the course starts), every x86 machine
# computes the same numbers, and the stored notebook outputs match everywhere:
# tests/test_runtime.py checks it against an AMD and an Intel CPU emulated by qemu.
REPRODUCIBLE_ENV = {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2", "MKL_CBWR": "COMPATIBLE"} if _x86_with_avx2() else {}
for _name, _value in REPRODUCIBLE_ENV.items():
    os.environ.setdefault(_name, _value)


def __getattr__(name: str):
    # Lazy, so that `import course_lib` (and so the `course` command) starts without loading torch.
    if name in __all__:
        from course_lib import runtime

        return getattr(runtime, name)
    raise AttributeError(f"module 'course_lib' has no attribute {name!r}")
