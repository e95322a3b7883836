"""The ``course`` command: one entry point, thin sub-commands, each calling one library function.

Errors are one line on stderr; exit code 2 means bad usage, 1 means the work failed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXAMPLES = {
    "lab": "course lab                      # open JupyterLab on the course index\n"
    "  course lab --no-browser --port 8899",
    "sync": "course sync                     # every notebook in notebooks/ and solutions/\n"
    "  course sync notebooks/01_gan_game.py",
    "bench": "course bench                    # all notebooks and widgets, table + build/bench.json\n"
    "  course bench --notebooks notebooks/01_gan_game.py --repeats 30\n"
    "  course bench --no-notebooks --grading   # widgets, then grading: one submission and a class of 40\n"
    "  course bench --browser --no-notebooks --repeats 20   # slider-to-picture latency in JupyterLab, against an echo widget",
    "assign": "course assign                   # regenerate exercises/ from solutions/\n"
    "  course assign --check           # fail if exercises/ is stale, write nothing",
    "release": "course release ../course-for-students   # lectures, exercises, library; never solutions/",
    "grade": "course grade ps01 submissions.zip --out graded --jobs 2   # a class: one folder or file per student\n"
    "  course grade solutions/ps01_optimal_discriminator.py alice.ipynb --out graded\n"
    "  course grade --gradescope ps01                      # build build/gradescope/ps01_optimal_discriminator.zip",
    "build": "course build                    # HTML pages of every notebook, from their stored outputs: _build/html/\n"
    "  course build --slides           # one reveal.js deck per lecture: _build/slides/\n"
    "  course build --out /tmp/site    # write the pages elsewhere",
}


class UsageError(Exception):
    """Bad input from the user: reported in one line, exit code 2."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="course",
        description="Adversarial learning course: open, sync, benchmark, release, grade and build the notebooks.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Examples:\n  " + "\n  ".join(EXAMPLES.values()),
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return commands.add_parser(
            name,
            help=help,
            description=help,
            epilog="Example:\n  " + EXAMPLES[name],
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    lab = command("lab", "Open JupyterLab on notebooks/00_index.ipynb.")
    lab.add_argument("--no-browser", action="store_true", help="serve only; print the URL to open")
    lab.add_argument("--port", type=int, default=None, help="port to serve on (default: Jupyter's, 8888 or the next free one)")

    sync = command("sync", "Pair each .py with its .ipynb, execute it, and store its outputs.")
    sync.add_argument("paths", nargs="*", type=Path, help="notebooks (.py or .ipynb) or folders; default: notebooks/ and solutions/")
    sync.add_argument("--no-execute", action="store_true", help="only write the .ipynb from the .py, without outputs")

    bench = command("bench", "Time every notebook against a floor notebook, and every widget callback.")
    bench.add_argument("--notebooks", nargs="*", type=Path, default=None, help="notebooks to time (default: all of notebooks/)")
    bench.add_argument("--repeats", type=int, default=50, help="calls per widget callback (default: 50)")
    bench.add_argument("--output", type=Path, default=Path("build/bench.json"), help="JSON report (default: build/bench.json)")
    bench.add_argument("--rounds", type=int, default=3, help="interleaved timings of each notebook; medians are reported (default: 3)")
    bench.add_argument("--no-notebooks", action="store_true", help="skip the notebooks: time the widget callbacks only (with --browser: the browser latencies only)")
    bench.add_argument("--grading", action="store_true", help="also time grading: each solution alone, and a class of 40 with --jobs 2")
    bench.add_argument("--browser", action="store_true", help="also time each widget's slider-to-picture latency in JupyterLab (headless Chromium), against an echo widget; with --no-notebooks, only that")

    assign = command("assign", "Regenerate exercises/ from solutions/ (solutions stubbed, hidden tests removed).")
    assign.add_argument("--solutions", type=Path, default=Path("solutions"), help="source folder (default: solutions/)")
    assign.add_argument("--exercises", type=Path, default=Path("exercises"), help="output folder (default: exercises/)")
    assign.add_argument("--check", action="store_true", help="write nothing; exit 1 if exercises/ is stale")

    release = command("release", "Write what students get: lectures, exercises, the library and the install files.")
    release.add_argument("out", type=Path, help="folder to write (new, or a previous release, which is replaced)")

    grade = command("grade", "Grade student notebooks in a sandbox: results.json per student, gradebook.csv, report.html.")
    grade.add_argument("problem_set", help="a problem set: its name (ps01) or its source in solutions/")
    grade.add_argument("submissions", nargs="*", type=Path, help="notebooks, folders or zips (one folder or file per student)")
    grade.add_argument("--out", type=Path, default=None, help="output folder (required unless --gradescope)")
    grade.add_argument("--jobs", type=int, default=1, help="submissions graded in parallel (default: 1)")
    grade.add_argument("--force", action="store_true", help="grade again even the submissions already graded")
    grade.add_argument("--gradescope", action="store_true", help="build a Gradescope autograder zip for the problem set instead")
    grade.add_argument("--cell-seconds", type=float, default=None, help="CPU seconds one cell, or one call of a graded function, may use (default: 60, and 10 for a call)")
    grade.add_argument("--total-seconds", type=int, default=None, help="CPU seconds a whole notebook may use (default: 300)")
    grade.add_argument("--wall-seconds", type=float, default=None, help="wall-clock guard against a notebook that sleeps (default: 900)")

    build = command("build", "Build the course as offline HTML pages, or as reveal.js slides, from the stored outputs.")
    build.add_argument("--slides", action="store_true", help="one reveal.js deck per lecture instead of the pages")
    build.add_argument("--out", type=Path, default=None, help="output folder (default: _build/html/, or _build/slides/ with --slides)")
    return parser


def _run(args: argparse.Namespace) -> int:
    # Imports are lazy, so that `course --help` answers at once.
    if args.command == "lab":
        from course_lib.tooling.lab import run_lab

        return run_lab(open_browser=not args.no_browser, port=args.port)
    if args.command == "sync":
        from course_lib.tooling.sync import sync_paths

        return sync_paths(args.paths, execute=not args.no_execute)
    if args.command == "bench":
        from course_lib.tooling.bench import run_bench

        if args.repeats < 5:
            raise UsageError("--repeats must be at least 5, so that a p95 means something")
        if args.rounds < 1:
            raise UsageError("--rounds must be at least 1")
        return run_bench(args.notebooks, args.repeats, args.output, time_notebooks=not args.no_notebooks, rounds=args.rounds, grading=args.grading, browser=args.browser)
    if args.command == "assign":
        from course_lib.grading.assign import assign

        if not args.solutions.is_dir():
            raise UsageError(f"{args.solutions}: no such folder of solution notebooks")
        return assign(args.solutions, args.exercises, check_only=args.check)
    if args.command == "release":
        from course_lib.tooling.release import release

        return release(args.out)
    if args.command == "grade":
        return _grade(args)
    if args.command == "build":
        from course_lib.tooling.site import run_build

        return run_build(args.out, slides=args.slides)
    raise AssertionError(args.command)


def _grade(args: argparse.Namespace) -> int:
    source = _problem_set_source(args.problem_set)
    if args.gradescope:
        from course_lib.grading.gradescope import build_autograder

        return build_autograder(source, args.out or Path("build/gradescope"))
    if not args.submissions:
        raise UsageError("name the submissions to grade: notebooks, folders or zips")
    if args.out is None:
        raise UsageError("--out is required: the folder for results.json files, gradebook.csv and report.html")
    missing = [str(path) for path in args.submissions if not path.exists()]
    if missing:
        raise UsageError(f"no such submission: {', '.join(missing)}")
    if args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    from dataclasses import replace

    from course_lib.grading.batch import grade_class
    from course_lib.grading.sandbox import Limits

    limits = Limits()
    if args.cell_seconds:  # a call of a student's function gets no more than a cell
        limits = replace(limits, cell_cpu_seconds=args.cell_seconds, call_cpu_seconds=min(limits.call_cpu_seconds, args.cell_seconds))
    if args.total_seconds:
        limits = replace(limits, total_cpu_seconds=args.total_seconds)
    if args.wall_seconds:
        limits = replace(limits, wall_seconds=args.wall_seconds)
    from course_lib.grading.autograde import SubmissionError

    try:
        return grade_class(source, args.submissions, args.out, jobs=args.jobs, force=args.force, limits=limits)
    except (SubmissionError, ValueError) as error:
        print(f"course grade: {error}", file=sys.stderr)
        return 1


def _problem_set_source(name: str) -> Path:
    """A problem set's source: a path to it, or its name (``ps01`` or ``ps01_optimal_discriminator``) in solutions/."""
    path = Path(name)
    if path.suffix == ".py" and path.is_file():
        return path
    matches = sorted(Path("solutions").glob(f"{path.stem}*.py")) if Path("solutions").is_dir() else []
    if len(matches) != 1:
        known = ", ".join(p.stem for p in sorted(Path("solutions").glob("ps*.py"))) if Path("solutions").is_dir() else "none here"
        raise UsageError(f"{name}: no single problem set of that name in solutions/ (known: {known})")
    return matches[0]


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except UsageError as error:
        print(f"course {args.command}: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"course {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
