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
    "  course bench --notebooks notebooks/01_gan_game.py --repeats 30",
    "assign": "course assign                   # regenerate exercises/ from solutions/\n"
    "  course assign --check           # fail if exercises/ is stale, write nothing",
}


class UsageError(Exception):
    """Bad input from the user: reported in one line, exit code 2."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="course",
        description="Adversarial learning course: open, sync, benchmark and grade the notebooks.",
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
    bench.add_argument("--no-notebooks", action="store_true", help="time the widget callbacks only")

    assign = command("assign", "Regenerate exercises/ from solutions/ (solutions stubbed, hidden tests removed).")
    assign.add_argument("--solutions", type=Path, default=Path("solutions"), help="source folder (default: solutions/)")
    assign.add_argument("--exercises", type=Path, default=Path("exercises"), help="output folder (default: exercises/)")
    assign.add_argument("--check", action="store_true", help="write nothing; exit 1 if exercises/ is stale")
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
        return run_bench(args.notebooks, args.repeats, args.output, time_notebooks=not args.no_notebooks, rounds=args.rounds)
    if args.command == "assign":
        from course_lib.grading.assign import assign

        if not args.solutions.is_dir():
            raise UsageError(f"{args.solutions}: no such folder of solution notebooks")
        return assign(args.solutions, args.exercises, check_only=args.check)
    raise AssertionError(args.command)


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
