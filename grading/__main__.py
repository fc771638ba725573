"""``python -m grading`` (``make grade``): grade your own exercises, or a whole class.

    python -m grading                                  # your exercises/: a score table
    python -m grading --submissions DIR [--out DIR] [--extra-tests DIR] [--secret-seed N]

DIR holds one folder per student, with the notebooks at the same relative paths as in
``exercises/`` (``DIR/alice/01_history/exercise.ipynb``). The class run writes
``OUT/gradebook.csv``, ``OUT/feedback/<student>.md``, ``OUT/skipped.csv`` (folders not
graded, and why) and ``OUT/manifest.json`` (a SHA-256 per file written). Each student's
notebooks run in a bubblewrap sandbox; without bwrap a class is refused unless
--unsafe-no-sandbox is given. The secret seed (--secret-seed, $COURSE_SECRET_SEED, or
--secret-seed-file) draws the hidden variants' inputs; keep it out of the repository.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from demo.paths import EXERCISES_DIR
from demo.settings import configure_offline

if TYPE_CHECKING:
    from grading.classroom import Limits

DEFAULT_OUT = Path("grading-output")
SECRET_SEED_ENV = "COURSE_SECRET_SEED"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m grading", description=__doc__.splitlines()[0],
                                     epilog="\n".join(__doc__.splitlines()[2:]),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=Path, help="one folder per student")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="where gradebook.csv and feedback/ go (default: grading-output)")
    parser.add_argument("--extra-tests", type=Path, help="an instructor's extra test files")
    parser.add_argument("--exercises", type=Path, default=EXERCISES_DIR,
                        help="the notebooks to grade without --submissions (default: exercises/)")
    parser.add_argument("--test-timeout", type=float, default=10.0, help="seconds per test")
    parser.add_argument("--cell-timeout", type=float, default=None,
                        help="seconds per notebook cell while loading (default: --test-timeout)")
    parser.add_argument("--submission-timeout", type=float, default=180.0,
                        help="seconds per student, all exercises together")
    parser.add_argument("--memory-gb", type=float, default=4.0, help="memory cap per student")
    parser.add_argument("--only", action="append", metavar="EXERCISE",
                        help="grade only this exercise (repeatable)")
    parser.add_argument("--workers", type=int, default=None,
                        help="students graded at once (default: the number of cores)")
    parser.add_argument("--secret-seed", type=int, default=None,
                        help="the instructor's secret seed for the hidden variants")
    parser.add_argument("--secret-seed-file", type=Path, default=None,
                        help="a file (outside the repository) holding the secret seed")
    parser.add_argument("--unsafe-no-sandbox", action="store_true",
                        help="grade a class without the OS sandbox (every row says so)")
    return parser.parse_args(argv)


def secret_seed(args: argparse.Namespace) -> int | None:
    """The hidden variants' seed: --secret-seed, else --secret-seed-file, else the env."""
    from demo.errors import DemoError

    text = (str(args.secret_seed) if args.secret_seed is not None else
            args.secret_seed_file.read_text().strip() if args.secret_seed_file else
            os.environ.get(SECRET_SEED_ENV))
    if text is None or text == "":
        return None
    try:
        return int(text)
    except ValueError:
        raise DemoError("the secret seed must be a whole number (from --secret-seed, "
                        f"--secret-seed-file or ${SECRET_SEED_ENV}), got {text[:20]!r}") from None


def check_folder(path: Path | None, what: str) -> None:
    from demo.errors import DemoError

    if path is not None and not path.is_dir():
        raise DemoError(f"{what} {path} is not a folder")


def main(argv: list[str] | None = None) -> int:
    configure_offline()
    args = parse_args(argv)
    from demo.errors import DemoError
    from grading.classroom import Limits, changed_files, course_fingerprint, stop_on_sigterm

    try:
        check_folder(args.submissions, "--submissions")
        check_folder(args.extra_tests, "--extra-tests")
        check_folder(args.exercises, "--exercises")
        seed = secret_seed(args)
        sandbox = args.submissions is not None and not args.unsafe_no_sandbox
        if sandbox:
            from grading.sandbox import check_sandbox

            check_sandbox()
    except (DemoError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    limits = Limits(test_timeout=args.test_timeout,
                    cell_timeout=args.cell_timeout or args.test_timeout,
                    submission_timeout=args.submission_timeout,
                    memory_bytes=int(args.memory_gb * 2**30), sandbox=sandbox,
                    secret_seed=seed, **({"workers": args.workers} if args.workers else {}))
    before = course_fingerprint()
    stop_on_sigterm()
    code = grade_yours(args, limits) if args.submissions is None else grade_class(args, limits)
    changed = changed_files(before, course_fingerprint())
    if changed:
        print(f"warning: course files changed while grading ran: {', '.join(changed[:20])}",
              file=sys.stderr)
    return code


def grade_yours(args: argparse.Namespace, limits: Limits) -> int:
    """The learner's own notebooks: a score table per exercise and question."""
    from demo.console import print_table
    from grading.classroom import grade_students
    from grading.reports import score_table

    [result] = grade_students([("you", args.exercises)], limits, args.extra_tests,
                              only=args.only)
    print_table(f"Your score ({args.exercises})", score_table(result))
    for note in result.notes:
        if not note.endswith("not implemented yet"):  # the table already says so
            print(f"note: {note}")
    print('Run check("qN") in a notebook to see what each check says.')
    return 0


def grade_class(args: argparse.Namespace, limits: Limits) -> int:
    """Every student folder in ``args.submissions``: gradebook.csv, feedback files and the
    rubric sheet (rubric.csv)."""
    from demo.console import err_console
    from grading.classroom import StudentResult, grade_students
    from grading.reports import (
        SANDBOXED,
        UNISOLATED,
        disagreements,
        write_feedback,
        write_gradebook,
        write_manifest,
        write_rubric,
        write_skipped,
    )
    from grading.roster import class_roster

    students, skipped = class_roster(args.submissions)
    for entry in skipped:
        print(f"skipped {entry.path!r}: {entry.reason}", file=sys.stderr)
    if not students:
        print(f"error: {args.submissions} holds no student folders to grade", file=sys.stderr)
        return 2
    if args.unsafe_no_sandbox:
        print("warning: grading WITHOUT the sandbox (--unsafe-no-sandbox): a hostile "
              "submission can read the tests and change other grades", file=sys.stderr)

    def done(result: StudentResult) -> None:
        err_console.print(f"graded {result.student} in {result.seconds:.1f} s")

    start = time.perf_counter()
    results = grade_students(students, limits, args.extra_tests, on_done=done, only=args.only)
    # Every student's processes are gone now: only this process writes the results.
    isolation = SANDBOXED if limits.sandbox else UNISOLATED
    gradebook = write_gradebook(results, args.out / "gradebook.csv", isolation)
    write_feedback(results, args.out / "feedback")
    write_skipped(skipped, args.out / "skipped.csv")
    write_rubric(results, args.out / "rubric.csv")
    problems = disagreements(results, args.out)
    write_manifest(args.out)
    if problems:
        print("error: the gradebook and the feedback disagree:\n  " + "\n  ".join(problems),
              file=sys.stderr)
        return 3
    print(f"graded {len(results)} students in {time.perf_counter() - start:.1f} s "
          f"({len(skipped)} folders skipped): {gradebook}, {args.out / 'feedback'}/ and "
          f"{args.out / 'rubric.csv'}; "
          "gradebook and feedback agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
