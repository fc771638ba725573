"""No README states a figure that benchmarks/results.md contradicts (or one it does not hold)."""

from __future__ import annotations

from pathlib import Path

from benchmarks import readme_figures

TABLE = """| area | benchmark | size | figure | target | met | note |
| --- | --- | --- | --- | --- | --- | --- |
| serving | this API: one row p50 | c=1, 1,000 req | 3.165 ms |  |  |  |
| serving | in-process pipeline, 1,000 rows | 1,000 rows | 59,940.647 rows/s |  |  |  |
"""


def test_every_readme_figure_agrees_with_the_results_table() -> None:
    problems = readme_figures.check()
    assert not problems, "\n".join(map(str, problems))


def _checked(tmp_path: Path, readme: str) -> list[str]:
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "benchmarks" / "results.md").write_text(TABLE)
    (tmp_path / "README.md").write_text(readme)
    return [p.why for p in readme_figures.check(tmp_path, tmp_path / "benchmarks" / "results.md")]


def test_a_rounded_figure_from_the_table_passes(tmp_path: Path) -> None:
    assert _checked(tmp_path, (
        "p50 <!-- figure: serving | this API: one row p50 | c=1, 1,000 req -->3.17 ms"
        "<!-- /figure -->, batch <!-- figure: serving | in-process pipeline, 1,000 rows | "
        "1,000 rows -->59,941 rows/s<!-- /figure -->.\n"
        "Keep-alive is 65 s (a setting). Old: 4.8 ms (measured 2026-11-20 on a 2-core VM).\n"
    )) == []


def test_a_contradicted_unknown_or_unsourced_figure_fails(tmp_path: Path) -> None:
    whys = _checked(tmp_path, (
        "<!-- figure: serving | this API: one row p50 | c=1, 1,000 req -->4.8 ms<!-- /figure -->\n"
        "<!-- figure: serving | no such benchmark | 1 row -->1 ms<!-- /figure -->\n"
        "It answers in 3.2 ms and takes about 25 s; batch at 0.70 x in-process.\n"
        "The log rotates at 64 MB. <!-- limits -->\n"  # a setting, declared as such: passes
    ))
    assert whys[0] == "results.md says 3.165 ms (serving | this API: one row p50 | c=1, 1,000 req)"
    assert whys[1] == "no such row in results.md"
    assert len(whys) == 5 and all("neither a results.md span" in w for w in whys[2:])


def test_update_rewrites_spans_with_the_shown_precision(tmp_path: Path) -> None:
    _checked(tmp_path, "<!-- figure: serving | this API: one row p50 | c=1, 1,000 req -->"
                       "9.9 ms<!-- /figure -->\n")
    readme_figures.update(tmp_path, tmp_path / "benchmarks" / "results.md")
    assert "-->3.2 ms<!--" in (tmp_path / "README.md").read_text()
