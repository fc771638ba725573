"""Kept only until the lessons call ``demo.steps.run_step`` themselves; then deleted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from demo.settings import Settings


def run_model_layer(settings: Settings, gold_path: Path | None = None, config: Any = None,
                    force: bool = False, margin: float | None = None) -> dict[str, Any]:
    """The train and registry steps through ``demo.pipeline.run_pipeline``; the run
    summary's ``model`` section. A ``gold_path`` from another workspace is first saved as
    this workspace's gold, recorded as made by the step that makes gold."""
    import pandas as pd

    from demo.catalog import Catalog
    from demo.pipeline import run_pipeline
    from demo.step_record import save_step
    from demo.steps import producer

    if gold_path is not None:
        saved = Catalog(settings).save("gold", pd.read_parquet(gold_path), Path(gold_path).stem)
        save_step(settings, producer("gold", settings).key, [saved], {"copied": str(gold_path)})
    train: dict[str, Any] = {"force": force}
    if config is not None:
        train |= {"candidates": config.candidates, "params": config.params,
                  "trials": config.trials}
    summary = run_pipeline(settings, options={"train": train, "registry": {"margin": margin}},
                           start="train", until="registry")
    return dict(summary["model"])
