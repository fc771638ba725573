"""Fixtures for the data layer: tiny raw files written on the fly, and shared heavy results."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from demo.data_layer.clean import CleanResult, clean
from demo.data_layer.ingest import read_raw_csv, to_bronze
from demo.feature_spec import RAW_COLUMNS
from demo.paths import SAMPLE_RAW_CSV
from demo.settings import Settings
from demo.synthetic.customers import draw_customers


def customers_as_text(rows: int = 12, seed: int = 3) -> pd.DataFrame:
    """Clean customers with every value as text, as a raw export would spell them."""
    frame = draw_customers(rows, seed)
    return pd.DataFrame({c: frame[c].astype("str") for c in RAW_COLUMNS})


def csv_text(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, lineterminator="\n")


@pytest.fixture
def clean_text() -> pd.DataFrame:
    return customers_as_text()


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[[str | bytes, str], Path]:
    """Write text or bytes to a file in the test's temporary folder."""

    def write(content: str | bytes, name: str = "raw.csv") -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return write


def clean_frame(frame: pd.DataFrame, require_label: bool = True) -> CleanResult:
    """Run a raw text frame through bronze and cleaning."""
    return clean(to_bronze(frame, "fixture.csv"), require_label=require_label)


def clean_file(path: Path, require_label: bool = True) -> CleanResult:
    return clean(to_bronze(read_raw_csv(path), str(path)), require_label=require_label)


@pytest.fixture(scope="session")
def sample_pipeline(tmp_path_factory: pytest.TempPathFactory,
                    ) -> Iterator[tuple[dict[str, Any], Settings]]:
    """The pipeline's data steps once on the committed sample (as `python -m demo run` runs
    them), and the run summary gathered from their record.

    Shared because the contract (Great Expectations) makes it the slowest step here."""
    from demo.pipeline import run_pipeline

    settings = Settings.from_env(tmp_path_factory.mktemp("sample") / "workspace")
    summary = run_pipeline(settings, SAMPLE_RAW_CSV, until="features")
    yield summary, settings
