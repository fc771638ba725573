"""``python -m benchmarks --only X --merge`` replaces exactly the re-measured rows."""

from __future__ import annotations

from pathlib import Path

from benchmarks.__main__ import merge_into_results, render
from benchmarks.common import BenchRow


def test_merge_replaces_the_same_rows_keeps_the_others_and_says_so(tmp_path: Path) -> None:
    results = tmp_path / "results.md"
    results.write_text(render([BenchRow("serving", "p50", "c=1", 3.0, "ms"),
                               BenchRow("data", "ingest", "1M", 20.0, "s")], 600))
    merge_into_results([BenchRow("serving", "p50", "c=1", 2.5, "ms"),
                        BenchRow("serving", "p99", "c=1", 9.0, "ms")], "serving", 30, results)
    text = results.read_text()
    assert "| serving | p50 | c=1 | 2.500 ms |" in text and "3.000 ms" not in text
    assert "| data | ingest | 1M | 20.000 s |" in text
    assert text.rstrip().endswith("| serving | p99 | c=1 | 9.000 ms |  |  |  |")
    assert "re-measured with `python -m benchmarks --only serving --merge`" in text
    assert text.index("re-measured") < text.index("| area")


def test_a_second_merge_of_the_same_rows_replaces_their_note(tmp_path: Path) -> None:
    results = tmp_path / "results.md"
    results.write_text(render([BenchRow("serving", "p50", "c=1", 3.0, "ms")], 600))
    merge_into_results([BenchRow("data", "ingest", "1M", 20.0, "s")], "data", 40, results)
    for seconds in (30, 31):
        merge_into_results([BenchRow("serving", "p50", "c=1", 2.5, "ms")], "serving",
                           seconds, results)
    text = results.read_text()
    assert text.count("--only serving --merge") == 1 and ", 31 s)." in text
    assert text.count("--only data --merge") == 1  # another area's note stays
    assert "\n\n\n" not in text
