"""Run every benchmark module and write the results table.

    python -m benchmarks                 # everything, full sizes -> benchmarks/results.md
    python -m benchmarks --quick         # small sizes only (a smoke run) -> output/
    python -m benchmarks --only data     # the modules whose name contains 'data' -> output/
    python -m benchmarks --only serving --merge   # ... and replace those rows in results.md
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import json
import platform
import re
import sys
import time
from pathlib import Path

import psutil

from benchmarks.common import BenchRow, output_dir
from demo.settings import configure_offline

HERE = Path(__file__).resolve().parent


def discover(only: str | None) -> list[str]:
    names = sorted(p.stem for p in HERE.glob("bench_*.py"))
    return [n for n in names if not only or only in n]


def render(rows: list[BenchRow], seconds: float) -> str:
    lines = [
        "# Benchmark results",
        "",
        (
            f"Machine: {psutil.cpu_count()} cores, "
            f"{psutil.virtual_memory().total / 2**30:.0f} GiB, "
            f"Python {platform.python_version()}, {platform.system()}. "
            f"Whole run: {seconds:.0f} s. Written by `make bench`."
        ),
        "",
        "| area | benchmark | size | figure | target | met | note |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        met = "" if r.met is None else ("yes" if r.met else "**no**")
        lines.append(
            f"| {r.area} | {r.benchmark} | {r.size} | {r.value:,.3f} {r.unit} | {r.target} "
            f"| {met} | {r.note} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    configure_offline()
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    parser.add_argument("--only", help="run only modules whose name contains this")
    parser.add_argument("--merge", action="store_true",
                        help="with --only: replace those rows of results.md (same area, "
                        "benchmark and size) and say so in its header")
    args = parser.parse_args(argv)

    rows: list[BenchRow] = []
    start = time.perf_counter()
    for name in discover(args.only):
        print(f"== {name}", flush=True)
        module = importlib.import_module(f"benchmarks.{name}")
        for row in module.run(quick=args.quick):
            print(f"   {row.benchmark} [{row.size}]: {row.value:,.3f} {row.unit}"
                  f"{'  target ' + row.target if row.target else ''}"
                  f"{'' if row.met is None else ('  MET' if row.met else '  MISSED')}", flush=True)
            rows.append(row)
    seconds = time.perf_counter() - start
    if args.merge and args.only and not args.quick:
        merge_into_results(rows, args.only, seconds)
    table = render(rows, seconds)
    # Only a full run replaces the committed table; partial or quick runs go to output/.
    partial = args.only or args.quick
    table_path = output_dir() / "results-partial.md" if partial else HERE / "results.md"
    table_path.write_text(table)
    (output_dir() / "results.json").write_text(json.dumps([r.as_dict() for r in rows], indent=2))
    print(table)
    print(f"Table written to {table_path}")
    missed = [r for r in rows if r.met is False]
    if missed:
        print(f"{len(missed)} target(s) missed: see the table above.")
    return 0


def _key(line: str) -> str:
    return " | ".join(c.strip() for c in line.strip().strip("|").split("|")[:3])


def merge_into_results(rows: list[BenchRow], only: str, seconds: float,
                       path: Path = HERE / "results.md") -> None:
    """Replace the re-measured rows of ``results.md`` in place (new ones go last) and add a
    header line saying which rows were re-measured, when, on which machine."""
    fresh = {_key(line): line for line in render(rows, seconds).splitlines()
             if line.startswith("| ") and not line.startswith("| area")}
    # An earlier note for the same rows describes figures this run replaces: dropped.
    earlier = f"Rows of `bench_*{only}*` "
    text = "\n".join(line for line in path.read_text().splitlines()
                     if not line.startswith(earlier))
    lines = re.sub(r"\n{3,}", "\n\n", text).splitlines()
    merged = [fresh.pop(_key(line), line) if line.startswith("| ") else line for line in lines]
    merged.extend(fresh.values())
    machine = render([], seconds).splitlines()[2].split(". Whole run")[0].removeprefix("Machine: ")
    note = (f"Rows of `bench_*{only}*` re-measured with `python -m benchmarks --only {only} "
            f"--merge` on {datetime.date.today().isoformat()} ({machine}, {seconds:.0f} s).")
    table_start = next(i for i, line in enumerate(merged) if line.startswith("| area"))
    merged[table_start:table_start] = [note, ""]  # just above the table, after earlier notes
    path.write_text("\n".join(merged) + "\n")
    print(f"Merged {len(rows)} row(s) into {path}")


if __name__ == "__main__":
    sys.exit(main())
