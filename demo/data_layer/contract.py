"""The data contract: a Great Expectations suite generated from ``demo.feature_spec``.

Every expectation comes from the spec, so a change to a feature changes the contract with
it. Critical expectations (columns, types, nulls, allowed values, ranges, unique ids) stop
the pipeline; warnings (too many explicit ``Unknown`` answers, too few rows) are reported.

Great Expectations is imported inside ``validate_silver`` (the import alone takes seconds).
GX hashes every value of a batch under 1 GB to label it and has no setting to skip that:
the contract pays for it (``benchmarks/bench_data.py``).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from demo.feature_spec import FEATURES, ID_COLUMN, LABEL_COLUMN, SPEC_VERSION, Feature

SUITE_NAME = "silver_contract"
MAX_UNKNOWN_SHARE = 0.05  # warn when more than 5% of a column is the explicit Unknown
MIN_ROWS = 100  # warn when a batch is too small to learn from
# Silver stores ids as pandas 3's "str" dtype and categories as pandas Categoricals.
# Great Expectations compares the name of the dtype's scalar type: "str", "int64",
# "float64", and "CategoricalDtypeType" for a Categorical.
CATEGORY_TYPE = "CategoricalDtypeType"
DTYPE_BY_KIND = {"id": "str", "category": CATEGORY_TYPE, "label": CATEGORY_TYPE,
                 "binary": "int64", "integer": "int64", "float": "float64"}
TYPE_DESCRIPTION = {"str": "text (str)", CATEGORY_TYPE: "category", "int64": "integer (int64)",
                    "float64": "float (float64)"}


@dataclass(frozen=True)
class ExpectationSpec:
    """One expectation, described independently of Great Expectations' classes."""

    kind: str  # the GX class name, e.g. "ExpectColumnValuesToBeInSet"
    kwargs: dict[str, Any]
    severity: str  # "critical" or "warning"
    description: str


@dataclass
class ValidationReport:
    """The outcome of the contract on one table."""

    results: pd.DataFrame  # one row per expectation
    rows: int
    raw: dict[str, Any] = field(repr=False)  # GX's own JSON

    @property
    def success(self) -> bool:
        """True when every critical expectation holds (warnings do not stop the pipeline)."""
        return not self.critical_failures

    @property
    def critical_failures(self) -> list[str]:
        return self.failures("critical")

    @property
    def warnings(self) -> list[str]:
        return self.failures("warning")

    def failures(self, severity: str) -> list[str]:
        """'expectation(column): details' for each failed expectation of this severity."""
        failed = self.results[(self.results["severity"] == severity) & ~self.results["success"]]
        return [f"{row.expectation}{f'({row.column})' if row.column else ''}: {row.details}"
                for row in failed.itertuples()]

    def to_dict(self) -> dict[str, Any]:
        return {
            "success": self.success,
            "suite": SUITE_NAME,
            "spec_version": SPEC_VERSION,
            "rows": self.rows,
            "expectations": len(self.results),
            "failed_expectations": self.critical_failures + self.warnings,
            "critical_failures": self.critical_failures,
            "warnings": self.warnings,
        }


def contract_expectations(labelled: bool = True) -> list[ExpectationSpec]:
    """The contract as plain data, derived from the feature spec."""
    features = [f for f in FEATURES if labelled or f.name != LABEL_COLUMN]
    specs: list[ExpectationSpec] = [
        ExpectationSpec("ExpectTableColumnsToMatchSet",
                        {"column_set": [f.name for f in features], "exact_match": False},
                        "critical", "every column of the spec present"),
        ExpectationSpec("ExpectTableRowCountToBeBetween", {"min_value": MIN_ROWS}, "warning",
                        f"at least {MIN_ROWS} rows"),
    ]
    for feature in features:
        specs.extend(_column_expectations(feature))
    return specs


def _column_expectations(feature: Feature) -> list[ExpectationSpec]:
    name = feature.name
    column = {"column": name}
    specs = [
        ExpectationSpec("ExpectColumnValuesToNotBeNull", column, "critical", "no missing values"),
        ExpectationSpec("ExpectColumnValuesToBeOfType",
                        {**column, "type_": DTYPE_BY_KIND[feature.kind]}, "critical",
                        f"type {TYPE_DESCRIPTION[DTYPE_BY_KIND[feature.kind]]}"),
    ]
    if feature.allowed:
        specs.append(ExpectationSpec("ExpectColumnValuesToBeInSet",
                                     {**column, "value_set": list(feature.allowed)}, "critical",
                                     "one of " + ", ".join(feature.allowed)))
        if feature.known_values != feature.allowed:
            specs.append(ExpectationSpec(
                "ExpectColumnValuesToBeInSet",
                {**column, "value_set": list(feature.known_values),
                 "mostly": 1 - MAX_UNKNOWN_SHARE}, "warning",
                f"at most {MAX_UNKNOWN_SHARE:.0%} Unknown"))
    if feature.minimum is not None and feature.maximum is not None:
        specs.append(ExpectationSpec(
            "ExpectColumnValuesToBeBetween",
            {**column, "min_value": feature.minimum, "max_value": feature.maximum},
            "critical", f"between {feature.minimum:g} and {feature.maximum:g}"))
    if feature.name == ID_COLUMN:
        specs.append(ExpectationSpec("ExpectColumnValuesToBeUnique", column, "critical",
                                     "unique"))
    return specs


def validate_silver(silver: pd.DataFrame, docs_dir: Path | None = None) -> ValidationReport:
    """Run the contract on a table (ephemeral GX context, pandas datasource); with
    ``docs_dir``, GX also renders its Data Docs there."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch_definition = (context.data_sources.add_pandas("silver")
                        .add_dataframe_asset("silver")
                        .add_batch_definition_whole_dataframe("whole"))
    specs = contract_expectations(labelled=LABEL_COLUMN in silver.columns)
    suite = context.suites.add(gx.ExpectationSuite(
        name=SUITE_NAME, meta={"spec_version": SPEC_VERSION},
        expectations=[getattr(gx.expectations, spec.kind)(
            **spec.kwargs, severity=spec.severity, description=spec.description)
            for spec in specs]))
    definition = context.validation_definitions.add(gx.ValidationDefinition(
        name=SUITE_NAME, data=batch_definition, suite=suite))
    result = definition.run(batch_parameters={"dataframe": silver})
    raw = result.to_json_dict()  # type: ignore[no-untyped-call]
    if docs_dir is not None:  # rendered from the result the run stored in the context
        context.add_data_docs_site(site_name="course", site_config={
            "class_name": "SiteBuilder",
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                              "base_directory": str(docs_dir)}})
        context.build_data_docs(site_names=["course"])
    return ValidationReport(results=_results_table(raw), rows=len(silver), raw=raw)


def _results_table(raw: dict[str, Any]) -> pd.DataFrame:
    rows = []
    for item in raw["results"]:
        config = item["expectation_config"]
        result = item.get("result") or {}
        observed = result.get("observed_value")
        details = config.get("description") or ""
        if not item["success"]:
            details = _failure_details(details, result, item)
        rows.append({
            "expectation": config["type"],
            "column": config.get("kwargs", {}).get("column", ""),
            "severity": config.get("severity", "critical"),
            "success": bool(item["success"]),
            "unexpected_count": result.get("unexpected_count"),
            "unexpected_percent": result.get("unexpected_percent"),
            "observed": None if observed is None else str(observed),
            "details": details,
        })
    return pd.DataFrame(rows)


def _failure_details(expected: str, result: dict[str, Any], item: dict[str, Any]) -> str:
    observed, unexpected = result.get("observed_value"), result.get("partial_unexpected_list")
    exception = (item.get("exception_info") or {}).get("exception_message")
    mismatched = (result.get("details") or {}).get("mismatched") or {}
    missing = ", ".join(mismatched.get("missing") or [])
    if exception or missing:
        why = f"could not be checked: {exception}" if exception else f"missing: {missing}"
        return f"expected {expected}; {why}"
    parts = [f"expected {expected}"]
    if result.get("unexpected_count"):
        parts.append(f"{result['unexpected_count']:,} rows "
                     f"({result.get('unexpected_percent', 0):.2f}%) do not")
    if unexpected:
        parts.append("e.g. " + ", ".join(repr(v) for v in unexpected[:3]))
    elif observed is not None:
        parts.append(f"observed {observed}")
    return "; ".join(parts)


def save_report(report: ValidationReport, reports_dir: Path, run_id: str) -> dict[str, Path]:
    """Write the result as JSON (ours and GX's) and as a self-contained HTML table.

    Great Expectations' Data Docs load their styles from CDNs, so offline they look bare;
    ``validation.html`` needs nothing but the file."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    json_path, html_path = reports_dir / "validation.json", reports_dir / "validation.html"
    payload = {"summary": report.to_dict(), "results": report.results.to_dict("records"),
               "great_expectations": report.raw, "run_id": run_id}
    json_path.write_text(json.dumps(payload, indent=2, default=str))
    html_path.write_text(render_html(report, run_id))
    return {"validation_json": json_path, "validation_html": html_path}


def render_html(report: ValidationReport, run_id: str) -> str:
    """A plain HTML page of the results (pandas' ``to_html``) that needs no network."""
    outcome = report.results["success"].map({True: "passed", False: "FAILED"})
    table = report.results.assign(outcome=outcome).fillna("").to_html(index=False)
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>Data contract {run_id}"
            f"</title></head><body><h1>Data contract: {'PASSED' if report.success else 'FAILED'}"
            f"</h1><p>Suite <code>{SUITE_NAME}</code> (feature spec {SPEC_VERSION}), run "
            f"{run_id}, {report.rows:,} rows, {len(report.results)} expectations, "
            f"{len(report.critical_failures)} critical failures, {len(report.warnings)} "
            f"warnings.</p>{table}</body></html>")
