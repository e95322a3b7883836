"""The library behind the adversarial-learning course.

Notebooks import it and keep their own code cells short. The split follows the course's two
games, plus the machinery they share:

- ``course_lib.gan``: distributions, networks, losses and training for GANs;
- ``course_lib.plotting`` and ``course_lib.widgets``: the course's figures and explorers;
- ``course_lib.runtime``: seeding, thread count and device selection;
- ``course_lib.tooling``: what the ``course`` command runs (lab, sync, bench).
"""

__all__ = ["default_device", "seed_everything"]
__version__ = "0.1.0"


def __getattr__(name: str):
    # Lazy, so that `import course_lib` (and so the `course` command) starts without loading torch.
    if name in __all__:
        from course_lib import runtime

        return getattr(runtime, name)
    raise AttributeError(f"module 'course_lib' has no attribute {name!r}")
