"""Batch scoring: the data layer's cleaning rules, then the registered model, every row counted."""

from __future__ import annotations

import numpy as np
import pandas as pd

from demo.cli import main
from demo.feature_spec import MODEL_INPUTS
from demo.settings import Settings
from demo.synthetic.scenarios import generate_batch


def test_score_command_quarantines_bad_rows_and_scores_the_rest(
        trained_workspace: Settings, tmp_path, capsys) -> None:
    from demo.deployment_layer.scoring import prepare_batch
    from demo.model_layer.loading import load_model

    raw = tmp_path / "batch.csv"
    generate_batch(1_200, 9, "price_rise", id_start=10**6, dirty=True,
                   with_label=False).to_csv(raw, index=False)
    output = tmp_path / "out" / "scores.csv"
    code = main(["score", "--workspace", str(trained_workspace.workspace),
                 "--input", str(raw), "--output", str(output)])
    assert code == 0
    scores = pd.read_csv(output)
    quarantine = pd.read_csv(output.with_name("scores.quarantine.csv"))
    batch = prepare_batch(raw)
    assert len(quarantine) > 0 and quarantine["quarantine_reason"].str.len().min() > 0
    assert len(scores) + len(quarantine) + batch.duplicates_dropped == 1_200
    loaded = load_model(trained_workspace)
    expected = loaded.model.predict_proba(batch.features[[f.name for f in MODEL_INPUTS]])[:, 1]
    assert np.allclose(scores["churn_probability"], expected, rtol=0, atol=1e-12)
    assert (scores["churn_predicted"] == (expected >= loaded.threshold)).all()
    printed = capsys.readouterr().out
    assert "quarantined" in printed and f"{len(scores):,}" in printed


def test_score_command_names_a_missing_input(trained_workspace: Settings, tmp_path, capsys
                                             ) -> None:
    code = main(["score", "--workspace", str(trained_workspace.workspace),
                 "--input", str(tmp_path / "absent.csv"), "--output", str(tmp_path / "o.csv")])
    assert code == 2 and "absent.csv" in capsys.readouterr().err


def test_score_without_champion_says_so(settings: Settings, tmp_path, capsys) -> None:
    raw = tmp_path / "batch.csv"
    generate_batch(50, 9, dirty=True).to_csv(raw, index=False)
    code = main(["score", "--workspace", str(settings.workspace), "--input", str(raw),
                 "--output", str(tmp_path / "o.csv")])
    assert code == 2
    assert "demo train" in capsys.readouterr().err
