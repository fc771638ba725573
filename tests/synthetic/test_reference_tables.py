"""The lessons' reference tables: required rows and columns, a source for every fact."""

from __future__ import annotations

import pandas as pd
import pytest

from demo.paths import DATASETS_DIR


def load(name: str) -> pd.DataFrame:
    return pd.read_csv(DATASETS_DIR / name, dtype=str, keep_default_na=False)


@pytest.mark.parametrize("name", ["ai_history.csv", "cloud_services.csv", "roles.csv"])
def test_every_row_has_a_source_and_no_empty_required_cell(name: str) -> None:
    table = load(name)
    assert len(table) > 0 and "source" in table.columns
    assert (table["source"].str.strip().str.len() > 10).all()
    required = [c for c in table.columns if c != "note"]
    assert (table[required].apply(lambda c: c.str.strip()) != "").all().all()


def test_ai_history_covers_the_talk() -> None:
    history = load("ai_history.csv")
    years = history["year"].astype(int)
    assert years.is_monotonic_increasing
    assert years.min() <= 1950 and years.max() >= 2023
    assert set(history["category"]) >= {"rules", "learning", "deep learning", "generative AI"}
    milestones = {
        1950: "Computing Machinery and Intelligence",
        1956: "Dartmouth",
        1958: "perceptron",
        1966: "ELIZA",
        1976: "MYCIN",
        1986: "back-propagating",
        1997: "Deep Blue",
        2003: "CAPTCHA",
        2012: "ImageNet Classification",
        2016: "Go",
        2017: "Attention Is All You Need",
        2018: "BERT",
    }
    for year, words in milestones.items():
        rows = history[years == year]
        text = (rows["event"] + " " + rows["source"]).str.cat(sep=" ")
        assert words.lower() in text.lower(), f"{year}: {words}"
    captcha = history[history["event"].str.contains("CAPTCHA")]
    assert captcha["event"].str.contains(
        "Completely Automated Public Turing test to tell Computers and Humans Apart"
    ).any()


def test_cloud_services_map_every_component_of_the_reference_architecture() -> None:
    services = load("cloud_services.csv")
    assert list(services.columns) == [
        "component", "stage", "databricks", "azure", "gcp", "aws", "local", "note", "source"
    ]
    required = {
        "sources", "data pipelines", "storage", "feature store", "hyperparameter tuning",
        "experiment tracking", "model training", "model registry", "AutoML",
        "pipelines / orchestration", "container instances", "managed endpoints", "Kubernetes",
        "LLMs", "embeddings", "vector search", "agents",
    }
    assert required <= set(services["component"])
    assert set(services["stage"]) == {
        "sources", "data management", "training management", "model serving", "consumers",
        "gen ai",
    }
    by_component = services.set_index("component")
    assert "sweep job" in by_component.loc["hyperparameter tuning", "azure"]
    assert "MLflow" in by_component.loc["experiment tracking", "local"]
    assert "Parquet" in by_component.loc["storage", "local"]
    assert "demo/pipeline.py" in by_component.loc["pipelines / orchestration", "local"]
    assert "FastAPI" in by_component.loc["managed endpoints", "local"]


def test_roles_cover_the_five_roles_and_their_hand_offs() -> None:
    roles = load("roles.csv").set_index("role")
    names = ["business analyst", "data engineer", "data scientist", "MLOps engineer",
             "software developer"]
    assert list(roles.index) == names
    for column in ("mission", "skills", "tools", "hands_off_to", "artifact_handed_off"):
        assert (roles[column] != "").all(), column
    assert roles.loc["data engineer", "hands_off_to"] == "data scientist"
    assert roles.loc["data scientist", "hands_off_to"] == "MLOps engineer"
