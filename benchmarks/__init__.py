"""``make bench``: speed and memory figures for every part of the course.

Each ``benchmarks/bench_*.py`` module exposes ``run(sizes: Sequence[int] | None, quick: bool)
-> list[BenchRow]``. The runner calls them in turn and writes ``benchmarks/results.md`` (the
table) and ``benchmarks/output/results.json`` (the raw figures).
"""
