"""``demo/README.md`` follows one raw row to ``/predict``: its path, names and values are real.

The guide promises at most twelve stops, each file visited once; every function it names
exists in the file of its stop (or of an earlier one); every file it mentions exists; and
the table of one customer's values is recomputed from the sample file.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pandas as pd
import pytest

from demo.data_layer.clean import clean
from demo.data_layer.features import build_gold
from demo.data_layer.ingest import read_raw_csv, to_bronze
from demo.feature_spec import ID_COLUMN
from demo.model_layer.split import split_gold
from demo.model_layer.train import TrainingConfig
from demo.paths import PROJECT_ROOT, SAMPLE_RAW_CSV
from demo.settings import Settings

GUIDE = PROJECT_ROOT / "demo" / "README.md"
CUSTOMER, LINE = "0000-AASGV", 2
STOP = re.compile(r"^#{2,3} Stop (\d+): .*`(demo/[\w/]+\.py)`$", re.MULTILINE)
CALLED = re.compile(r"`([A-Za-z_][\w.]*)\(\)`")
MENTIONED_FILE = re.compile(r"`((?:[\w]+/)*[\w]+\.py)`")
MAX_STOPS = 12


def guide_text() -> str:
    return GUIDE.read_text()


def stops() -> list[tuple[int, str, str]]:
    """(number, file, the section's text) for every stop, in the guide's order."""
    text = guide_text()
    found = list(STOP.finditer(text))
    sections = []
    for index, match in enumerate(found):
        end = found[index + 1].start() if index + 1 < len(found) else len(text)
        sections.append((int(match.group(1)), match.group(2), text[match.end():end]))
    return sections


def module_of(path: str) -> object:
    return importlib.import_module(path.removesuffix(".py").replace("/", "."))


def resolve(module: object, dotted: str) -> object | None:
    target: object | None = module
    for part in dotted.split("."):
        target = getattr(target, part, None)
    return target


def test_the_path_has_at_most_twelve_stops_and_visits_each_file_once() -> None:
    found = stops()
    numbers = [number for number, _, _ in found]
    files = [path for _, path, _ in found]
    assert numbers == list(range(1, len(found) + 1))
    assert 1 <= len(found) <= MAX_STOPS
    assert len(set(files)) == len(files), "a file is visited twice"
    assert all((PROJECT_ROOT / path).is_file() for path in files)


def test_every_function_named_at_a_stop_exists_there_or_at_an_earlier_stop() -> None:
    visited: list[object] = []
    missing = []
    for number, path, section in stops():
        visited.append(module_of(path))
        for name in CALLED.findall(section):
            if name.startswith("pd."):
                continue
            if not any(callable(resolve(module, name)) for module in reversed(visited)):
                missing.append(f"stop {number} ({path}): {name}()")
    assert missing == []


def test_every_file_the_guide_mentions_exists() -> None:
    demo = PROJECT_ROOT / "demo"
    candidates = [PROJECT_ROOT, demo, *[p for p in demo.iterdir() if p.is_dir()]]
    missing = [name for name in set(MENTIONED_FILE.findall(guide_text()))
               if not any((folder / name).is_file() for folder in candidates)]
    assert missing == []


def documented_values() -> list[dict[str, str]]:
    """The rows of the customer's table: raw header, raw value, silver column and values."""
    text = guide_text().split("<!-- the table below is checked by", 1)[1]
    lines = [line for line in text.splitlines()[1:] if line.startswith("|")]
    rows = []
    for line in lines[2:]:  # after the header and the --- line
        cells = [cell.strip().strip("`") for cell in line.strip("|").split("|")]
        raw_header, raw_value, column, silver_value, gold_value = cells
        rows.append({"raw_header": raw_header,
                     "raw_value": "" if raw_value == "(blank)" else raw_value,
                     "column": column, "silver": silver_value, "gold": gold_value})
    return rows


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    raw = read_raw_csv(SAMPLE_RAW_CSV)
    silver = clean(to_bronze(raw, SAMPLE_RAW_CSV)).silver
    return {"raw": raw, "silver": silver, "gold": build_gold(silver)}


def the_customer(frame: pd.DataFrame) -> pd.Series:
    rows = frame[frame[ID_COLUMN] == CUSTOMER]
    assert len(rows) == 1
    return rows.iloc[0]


def test_the_customers_line_is_the_one_the_guide_quotes(tables: dict[str, pd.DataFrame]) -> None:
    line = SAMPLE_RAW_CSV.read_text().splitlines()[LINE - 1]
    assert line.startswith(CUSTOMER + ",")
    assert f"\n{line}\n" in guide_text()
    assert the_customer(tables["raw"])["_source_row"] == LINE
    assert the_customer(tables["gold"])["_source_row"] == LINE


def test_the_customers_values_are_what_the_pipeline_makes_of_them(
        tables: dict[str, pd.DataFrame]) -> None:
    rows = documented_values()
    assert len(rows) >= 5
    raw, silver, gold = (the_customer(tables[name]) for name in ("raw", "silver", "gold"))
    for row in rows:
        assert raw[row["raw_header"]] == row["raw_value"], row
        assert str(silver[row["column"]]) == row["silver"], row
        assert str(gold[row["column"]]) == row["gold"], row


def test_the_customer_lands_in_the_split_the_guide_names(tmp_path: Path,
                                                          tables: dict[str, pd.DataFrame]) -> None:
    config = TrainingConfig.from_settings(Settings.from_env(tmp_path))
    assert (config.fractions.validation, config.fractions.test) == (0.2, 0.2)
    assert f"60 / 20 / 20 with\nseed {config.seed}" in guide_text()
    split = split_gold(tables["gold"], config.seed, config.fractions)
    holding = [name for name, frame in split.frames().items()
               if (frame[ID_COLUMN] == CUSTOMER).any()]
    assert holding == ["train"]
    assert "lands in the **train** split" in guide_text()
