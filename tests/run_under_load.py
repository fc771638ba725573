"""Run the whole test suite several times while a CPU hog keeps every core busy.

Flaky tests hide on a quiet machine and show on a loaded one (CI shares its cores). This
starts one busy loop per core, bounded in time, runs ``make test`` RUNS times in a row, and
reports each run's result and wall time and the slowest tests, so a cap that is too tight is
seen before CI trips on it.

    .venv/bin/python tests/run_under_load.py                 # 3 runs, hog on every core
    .venv/bin/python tests/run_under_load.py --runs 1 --hogs 1
    make test-under-load RUNS=3
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUMMARY = re.compile(r"^=+ (.*(passed|failed|error).*) =+$", re.MULTILINE)
DURATION = re.compile(r"^(\d+\.\d+)s (call|setup|teardown)\s+(\S+)$", re.MULTILINE)


def start_hogs(count: int, seconds: float) -> list[subprocess.Popen[bytes]]:
    """``count`` processes that spin for at most ``seconds`` each (they stop by themselves)."""
    loop = f"import time\nend = time.monotonic() + {seconds}\nwhile time.monotonic() < end: pass"
    return [subprocess.Popen([sys.executable, "-c", loop]) for _ in range(count)]


def stop_hogs(hogs: list[subprocess.Popen[bytes]]) -> None:
    for hog in hogs:
        hog.kill()
        hog.wait()


def run_suite(number: int, log_dir: Path, slowest: int) -> tuple[bool, float, str]:
    log = log_dir / f"run-{number}.log"
    start = time.monotonic()
    with log.open("w") as out:
        code = subprocess.call(["make", "test", f"ARGS=--durations={slowest}"], cwd=ROOT,
                               stdout=out, stderr=subprocess.STDOUT)
    seconds = time.monotonic() - start
    text = log.read_text(errors="replace")
    found = SUMMARY.findall(text)
    return code == 0, seconds, (found[-1][0] if found else f"no summary, exit code {code}")


def slowest_tests(log: Path, count: int) -> list[tuple[float, str, str]]:
    found = [(float(s), when, test) for s, when, test in DURATION.findall(log.read_text())]
    return sorted(found, reverse=True)[:count]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="test-suite runs in a row")
    parser.add_argument("--hogs", type=int, default=os.cpu_count() or 2,
                        help="busy loops beside the tests (default: one per core)")
    parser.add_argument("--hog-seconds", type=float, default=5400,
                        help="the hog stops by itself after this long")
    parser.add_argument("--slowest", type=int, default=15, help="slowest tests to report")
    parser.add_argument("--logs", type=Path, default=ROOT / "test-artifacts" / "under-load")
    args = parser.parse_args(argv)

    args.logs.mkdir(parents=True, exist_ok=True)
    hogs = start_hogs(args.hogs, args.hog_seconds)
    print(f"{args.hogs} busy loop(s) started beside the tests; logs in {args.logs}", flush=True)
    results = []
    try:
        for number in range(1, args.runs + 1):
            passed, seconds, summary = run_suite(number, args.logs, args.slowest)
            results.append(passed)
            print(f"run {number}: {'PASSED' if passed else 'FAILED'} in {seconds:.0f} s: "
                  f"{summary}", flush=True)
            for duration, when, test in slowest_tests(args.logs / f"run-{number}.log",
                                                      args.slowest):
                print(f"    {duration:8.2f} s  {when:<8} {test}")
    finally:
        stop_hogs(hogs)
    print(f"{sum(results)} of {len(results)} runs passed under load")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
