"""The data layer's steps: raw export -> bronze, silver, quarantine -> contract -> gold.

Each step reads its named inputs from the catalog and writes its named outputs there; the
rules themselves are the data layer's pure functions (``ingest``, ``clean``, ``contract``,
``features``). ``demo.steps`` lists the steps in order and runs them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from demo.catalog import Catalog, new_run_id
from demo.errors import ContractError, DataError, DemoError
from demo.step_record import Done

DEFAULT_ROWS = 7_043  # the size of the public export the course's data imitates
MAX_ROWS = 200_000


def raw(catalog: Catalog, source: str | Path | None = None, rows: int = DEFAULT_ROWS,
        dirty: bool = True, seed: int | None = None) -> Done:
    """The raw export: the file ``source`` (read where it is, never modified), or ``rows``
    generated customers (with the defects of a real export when ``dirty``; the defect log
    says which rows got which)."""
    from demo.data_layer.ingest import describe_raw_file
    from demo.synthetic.customers import draw_customers
    from demo.synthetic.defects import make_raw

    if source is not None:
        headers, lines = describe_raw_file(source)  # refuses what the reader refuses up front
        catalog.point_raw_at(source)
        summary: dict[str, Any] = {"source": f"the file {Path(source).name}", "dirty": None,
                                   "defects": []}
    else:
        if not 1 <= rows <= MAX_ROWS:
            raise DemoError(f"rows must be between 1 and {MAX_ROWS:,}, got {rows:,}")
        seed = catalog.settings.seed if seed is None else seed
        frame, defects = draw_customers(rows, seed), []
        if dirty:
            frame, log = make_raw(frame, seed)
            defects = log.counts().to_dict("records")
        catalog.point_raw_at(None)
        headers, lines = describe_raw_file(catalog.save("raw", frame))
        summary = {"source": f"generated, seed {seed}", "dirty": dirty, "defects": defects}
    return Done([catalog.path("raw")], summary | {"lines": lines, "columns": headers})


def clean(catalog: Catalog, require_label: bool = True) -> Done:
    """Ingest the raw file to bronze (canonical names, lineage), then clean it into silver
    and quarantine. Every row is accounted for. ``require_label=False``: an unlabelled
    batch to score."""
    from demo.data_layer.clean import clean as clean_bronze
    from demo.data_layer.ingest import to_bronze

    source, run_id = catalog.path("raw"), new_run_id()
    bronze = to_bronze(catalog.load("raw"), str(source))
    cleaned = clean_bronze(bronze, require_label=require_label)
    if cleaned.rows_silver == 0:
        top = ", ".join(f"{r} ({n})" for r, n in list(cleaned.quarantine_reasons.items())[:3])
        raise DataError(f"{source}: no row survived cleaning ({cleaned.rows_quarantined} "
                        f"quarantined, {cleaned.duplicates_dropped} duplicates); top reasons: "
                        f"{top or 'none'}")
    files = {name: catalog.save(name, table, run_id) for name, table in (
        ("bronze", bronze.frame), ("silver", cleaned.silver), ("quarantine", cleaned.quarantine))}
    return Done(list(files.values()), {
        "run_id": run_id, "source_file": str(source),
        "rows_read": cleaned.rows_read, "rows_silver": cleaned.rows_silver,
        "rows_quarantined": cleaned.rows_quarantined,
        "duplicates_dropped": cleaned.duplicates_dropped,
        "quarantine_reasons": cleaned.quarantine_reasons, "repairs": cleaned.repairs,
        "unknown_columns": bronze.unknown_columns, "renamed_columns": bronze.renamed,
        "files": {name: str(path) for name, path in files.items()}})


def contract(catalog: Catalog, skip: bool = False) -> Done:
    """Run the data contract (Great Expectations) on silver; save the report. A failure is
    recorded, and the features step refuses to build gold from that silver. ``skip``: record
    that the contract did not run (faster: no Great Expectations import; not for training
    data), so gold is built from unvalidated silver, and says so."""
    reports, run_id = catalog.settings.reports_dir, catalog.run_id("silver")
    if skip:
        skipped: dict[str, Any] = {"success": None, "skipped": True, "failed_expectations": [],
                   "critical_failures": [], "warnings": []}
        path = catalog.location("validation")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"summary": skipped, "run_id": run_id}, indent=2))
        return Done([path], skipped | {"run_id": run_id, "report": None})
    from demo.data_layer.contract import save_report, validate_silver

    report = validate_silver(catalog.load("silver"), docs_dir=reports / "data_docs")
    paths = save_report(report, reports, run_id)
    results = reports / "validation_results.parquet"
    report.results.astype(str).to_parquet(results, index=False)
    return Done([paths["validation_json"], results, paths["validation_html"]],
                report.to_dict() | {"run_id": run_id, "report": str(paths["validation_html"])})


def features(catalog: Catalog) -> Done:
    """Build the gold feature table from silver, once the contract has passed on it."""
    from demo.data_layer.features import build_gold

    run_id, validation = catalog.run_id("silver"), catalog.load("validation")
    if validation.get("run_id") != run_id:
        raise DemoError(f"the data contract has not run on the newest silver table ({run_id})"
                        ": run the contract step first")
    if validation["summary"]["success"] is False:
        raise ContractError("the data contract failed on critical expectation(s): "
                            + "; ".join(validation["summary"]["critical_failures"])
                            + f" (details: {catalog.settings.reports_dir / 'validation.html'})"
                            ": fix the data or start from clean data, then run it again")
    gold = build_gold(catalog.load("silver"))
    path = catalog.save("gold", gold, run_id)
    return Done([path], {"run_id": run_id, "rows": len(gold), "columns": list(gold.columns),
                         "churn_rate": float(gold["churn"].mean()) if "churn" in gold else None})


def spark_data(catalog: Catalog, spark: Any = None) -> Done:
    """The data layer on Spark, as one step: raw to bronze, silver, quarantine and gold
    (the same rules as Spark SQL expressions). ``spark``: a session to reuse."""
    from demo.platform.spark_data_layer import run_spark_data_layer

    settings = catalog.settings
    summary = run_spark_data_layer(settings, catalog.path("raw"),
                                   master=settings.profile.spark_master, spark=spark)
    return Done([Path(p) for p in summary["files"].values()], summary)
