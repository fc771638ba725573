"""The data layer on Apache Spark: bronze -> silver + quarantine -> gold, as in pandas.

The platform profile runs the same rules as ``demo.data_layer`` (read the two side by side:
``spark_rules.py`` mirrors ``checks.py``). What differs, stated plainly:

- Ingest: the raw file is read and refused by the very same ``demo.data_layer.ingest`` code
  (one reader, so line numbers, header folding and refusals cannot drift), a part at a time
  (``staging.py``), then handed to Spark as Parquet; cleaning, de-duplication and gold run
  in Spark.
- The contract: no Great Expectations on Spark here; Spark-side aggregate checks (no nulls,
  allowed values, ranges, unique ids) run over the whole silver table instead.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyspark import SparkConf, SparkContext
from pyspark.java_gateway import launch_gateway
from pyspark.sql import Column, DataFrame, Row, SparkSession, Window
from pyspark.sql import functions as F

from demo.catalog import new_run_id

# The same accounting check as pandas: rows read = silver + quarantine + duplicates dropped.
from demo.data_layer.clean import QUARANTINE_REASON, check_accounting
from demo.data_layer.ingest import PARSE_ERROR, SOURCE_ROW
from demo.data_layer.rules import FLAG_WORDS
from demo.errors import ContractError, DataError
from demo.feature_spec import (
    FEATURES_BY_NAME,
    ID_COLUMN,
    LABEL_COLUMN,
    LINEAGE_COLUMNS,
    MODEL_INPUTS,
    POSITIVE_LABEL,
    RAW_COLUMNS,
    UNKNOWN,
)
from demo.platform import spark_rules as rules
from demo.platform.staging import POSITION, stage_raw_csv
from demo.settings import Settings

SUMMARY_FILE = "spark_data_layer_summary.json"


def spark_session(master: str = "local[*]", shuffle_partitions: int = 8,
                  driver_memory: str = "2g", console_log: Path | None = None) -> SparkSession:
    """A SparkSession for the data layer; offline (no packages), quiet, no web UI.

    The JVM writes its own console (log4j's start-up lines, Hadoop's and Java's warnings) to
    the stderr it inherits. With ``console_log`` it writes them to that file instead: inside
    Jupyter this process's stderr is captured into the cell's output, where those lines would
    differ from run to run. Only a new JVM can be redirected; an existing session is reused.
    """
    conf = SparkConf().setAll([
        ("spark.master", master),
        ("spark.app.name", "course-data-layer"),
        ("spark.sql.shuffle.partitions", str(shuffle_partitions)),
        ("spark.driver.memory", driver_memory),
        ("spark.ui.enabled", "false"),
        ("spark.ui.showConsoleProgress", "false"),
        ("spark.sql.session.timeZone", "UTC"),
    ])
    if console_log is not None and SparkContext._active_spark_context is None:
        console_log.parent.mkdir(parents=True, exist_ok=True)
        with console_log.open("ab") as console:  # the JVM keeps its own copy of the handle
            gateway = launch_gateway(  # type: ignore[no-untyped-call]
                conf, popen_kwargs={"stdout": console, "stderr": console})
        SparkContext(conf=conf, gateway=gateway)
    session = SparkSession.builder.config(conf=conf).getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


@dataclass
class SparkCleanResult:
    """Silver, quarantine and the accounting, as Spark DataFrames and counts."""

    silver: DataFrame
    quarantine: DataFrame
    rows_read: int
    duplicates_dropped: int
    repairs: dict[str, int] = field(default_factory=dict)
    quarantine_reasons: dict[str, int] = field(default_factory=dict)
    rows_silver: int = 0
    rows_quarantined: int = 0


def clean(bronze: DataFrame, require_label: bool = True) -> SparkCleanResult:
    """``demo.data_layer.clean.clean`` in Spark: the same rules, reasons and accounting."""
    raw = {name: F.col(name) for name in RAW_COLUMNS if name in bronze.columns}
    bronze, line = _materialise(bronze, "_line", {
        "id": rules.trimmed(raw[ID_COLUMN]),
        "blank": _every_field_blank(raw.values())})
    ids = line["id"]
    id_blank = ids.isNull() | (ids == "")
    quarantine_rules = [rules.Rule("customer_id is missing", id_blank,
                                   F.lit("customer_id is missing"))]
    repairs: list[rules.Repair] = []

    categories = [f.name for f in rules.CATEGORY_FEATURES]
    bronze, values = _materialise(bronze, "_v", {
        f.name: rules.category_value(raw[f.name], f.allowed or ()) for f in rules.CATEGORY_FEATURES})
    bronze, blank = _materialise(bronze, "_b", {
        name: rules.is_blank_category(raw[name]) for name in categories})
    for feature in rules.CATEGORY_FEATURES:
        name = feature.name
        quarantine_rules.append(rules.category_invalid_rule(feature, raw[name], values[name],
                                                            blank[name]))
        repairs.append(rules.spelling_repair(feature, raw[name], values[name]))
    quarantine_rules += rules.contradiction_rules(values)
    bronze, values = _materialise(bronze, "_d", _derive(values, blank, repairs))
    bronze, values = _materialise(bronze, "_u", _fill_unknown(values, blank, repairs))

    bronze, senior = _parsed(bronze, "senior_citizen", FLAG_WORDS)
    quarantine_rules += rules.senior_rules(senior)
    bronze, tenure = _parsed(bronze, "tenure")
    quarantine_rules += [rules.required_rule(tenure, "tenure"),
                         *rules.range_rules(tenure, "tenure", whole=True)]
    bronze, monthly = _parsed(bronze, "monthly_charges")
    quarantine_rules += [rules.required_rule(monthly, "monthly_charges"),
                         *rules.range_rules(monthly, "monthly_charges")]
    bronze, total = _parsed(bronze, "total_charges")
    new_customer = total.missing & F.coalesce(tenure.value == 0, F.lit(False))
    repairs.append(rules.Repair("total_charges blank for a tenure-0 customer -> 0.0",
                                new_customer))
    total_value = F.when(new_customer, F.lit(0.0)).otherwise(total.value)
    total = rules.Parsed(total.text, total_value, total.missing & ~new_customer,
                         total.unreadable)
    quarantine_rules.append(rules.Rule(
        "total_charges is missing", total.missing,
        F.concat(F.lit("total_charges is missing for tenure "),
                 F.coalesce(tenure.text, F.lit("")))))
    quarantine_rules += rules.range_rules(total, "total_charges")
    numbers: dict[str, Column] = {
        "senior_citizen": rules.as_int(senior.value),
        "tenure": rules.as_int(tenure.value),
    }
    for name, parsed in (("monthly_charges", monthly), ("total_charges", total)):
        numbers[name] = rules.to_cents(parsed.value)
        finite = parsed.value.isNotNull() & ~F.isnan(parsed.value) & (
            F.abs(parsed.value) != float("inf"))
        repairs.append(rules.Repair(f"{name} rounded to cents",
                                    finite & (numbers[name] != parsed.value)))
    label = None
    if require_label:
        label = rules.category_value(raw[LABEL_COLUMN],
                                     FEATURES_BY_NAME[LABEL_COLUMN].allowed or ())
        quarantine_rules += rules.label_rules(raw[LABEL_COLUMN], label)
    quarantine_rules += _whole_line_rules(bronze, line["blank"])

    typed = {ID_COLUMN: ids}
    for name in RAW_COLUMNS:
        if name in values:
            typed[name] = values[name]
        elif name in numbers:
            typed[name] = numbers[name]
    if label is not None:
        typed[LABEL_COLUMN] = label
    return _split(bronze, quarantine_rules, repairs, typed, id_blank)


def _materialise(frame: DataFrame, prefix: str, columns: dict[str, Column],
                 ) -> tuple[DataFrame, dict[str, Column]]:
    """Compute ``columns`` once as real columns, so later rules refer to them by name
    (one small expression per rule instead of the whole chain inlined again each time)."""
    named = {f"{prefix}_{name}": column for name, column in columns.items()}
    return frame.withColumns(named), {name: F.col(f"{prefix}_{name}") for name in columns}


def _parsed(frame: DataFrame, name: str, words: dict[str, float] | None = None,
            ) -> tuple[DataFrame, rules.Parsed]:
    """``rules.parse_number`` on one column, its parts computed once (see ``_materialise``)."""
    frame, text = _materialise(frame, f"_n_{name}", {"text": rules.trimmed(F.col(name))})
    parsed = rules.parse_number(text["text"], words)
    frame, parts = _materialise(frame, f"_n_{name}", {
        "value": parsed.value, "missing": parsed.missing, "unreadable": parsed.unreadable})
    parts["text"] = text["text"]
    return frame, rules.Parsed(**parts)


def _derive(values: dict[str, Column], blank: dict[str, Column],
            repairs: list[rules.Repair]) -> dict[str, Column]:
    """Blanks the other phone or internet column states (README: phone and internet).
    ``blank`` says, per category column, whether its raw value is a blank spelling."""
    derived = dict(values)
    for name, where, value, rule in rules.derivations(values):
        filled = where & derived[name].isNull() & blank[name]
        repairs.append(rules.Repair(rule, filled))
        derived[name] = F.when(filled, F.lit(value)).otherwise(derived[name])
    return derived


def _fill_unknown(values: dict[str, Column], blank: dict[str, Column],
                  repairs: list[rules.Repair]) -> dict[str, Column]:
    """README: any other blank category -> the explicit value Unknown."""
    filled = {}
    for name, value in values.items():
        unknown = value.isNull() & blank[name]
        repairs.append(rules.Repair(f"{name} blank -> {UNKNOWN}", unknown))
        filled[name] = F.when(unknown, F.lit(UNKNOWN)).otherwise(value)
    return filled


def _every_field_blank(columns: Iterable[Column]) -> Column:
    """True when every field of the line is empty or whitespace."""
    blank = F.lit(True)
    for column in columns:
        text = rules.trimmed(column)
        blank = blank & (text.isNull() | (text == ""))
    return blank


def _whole_line_rules(bronze: DataFrame, blank: Column) -> list[rules.Rule]:
    """README: a blank line, a line with the wrong number of fields: one reason says it."""
    found = [rules.Rule("line is blank", blank, F.lit("line is blank"))]
    if PARSE_ERROR in bronze.columns:
        problem = F.col(PARSE_ERROR)
        found.append(rules.Rule("line has the wrong number of fields", problem.isNotNull(),
                                problem))
    return found


def _split(bronze: DataFrame, quarantine_rules: list[rules.Rule], repairs: list[rules.Repair],
           typed: dict[str, Column], id_blank: Column) -> SparkCleanResult:
    """Reasons per row, duplicates, then silver / quarantine and the accounting."""
    line_rules = {"line is blank", "line has the wrong number of fields"}
    whole_line = [r for r in quarantine_rules if r.name in line_rules]
    row_rules = [r for r in quarantine_rules if r.name not in line_rules]
    blank_line = whole_line[0].rejects
    parse_error = whole_line[1].rejects if len(whole_line) > 1 else F.lit(False)
    reason = F.concat_ws("; ", *(F.when(r.rejects, r.message) for r in row_rules))
    reason = F.when(reason == "", None).otherwise(reason)
    reason = F.when(blank_line, F.lit("line is blank")).otherwise(reason)
    if len(whole_line) > 1:
        reason = F.when(parse_error, whole_line[1].message).otherwise(reason)
    flag_columns = {}
    for i, rule in enumerate(quarantine_rules):
        if rule.name == "line has the wrong number of fields":
            flag_columns[f"_q{i}"] = rule.rejects
        elif rule.name == "line is blank":
            flag_columns[f"_q{i}"] = rule.rejects & ~parse_error
        else:  # a blank or broken line replaces every other reason
            flag_columns[f"_q{i}"] = rule.rejects & ~blank_line & ~parse_error
    flag_columns.update({f"_r{i}": r.repaired for i, r in enumerate(repairs)})

    raw_names = [c for c in RAW_COLUMNS if c in bronze.columns]
    lineage = [c for c in LINEAGE_COLUMNS if c in bronze.columns]
    rows = bronze.select(
        *[F.col(c) for c in raw_names], *[F.col(c) for c in lineage], F.col(POSITION),
        *[column.alias(f"_t_{name}") for name, column in typed.items()],
        reason.alias("_reason"), id_blank.alias("_id_blank"),
        *[F.coalesce(c, F.lit(False)).alias(n) for n, c in flag_columns.items()])
    rows = _mark_duplicates(rows, raw_names, list(typed))
    rows = rows.withColumn("_reason", F.when(F.col("_conflict").isNotNull(), F.concat_ws(
        "; ", F.col("_reason"), F.col("_conflict"))).otherwise(F.col("_reason"))).cache()

    dropped = F.col("_exact") | F.col("_normalised")
    bad = F.col("_reason").isNotNull() & ~dropped
    keep = ~bad & ~dropped
    conflict_rule = rules.Rule("customer_id appears with different values",
                               F.col("_conflict").isNotNull(), F.col("_conflict"))
    counts = only_row(rows.agg(
        F.count(F.lit(1)).alias("read"),
        F.sum(F.col("_exact").cast("long")).alias("exact"),
        F.sum(F.col("_normalised").cast("long")).alias("normalised"),
        F.sum(bad.cast("long")).alias("bad"), F.sum(keep.cast("long")).alias("keep"),
        *[F.sum((F.col(f"_q{i}") & bad).cast("long")).alias(f"_q{i}")
          for i in range(len(quarantine_rules))],
        F.sum((conflict_rule.rejects & bad).cast("long")).alias("_qc"),
        *[F.sum((F.col(f"_r{i}") & keep).cast("long")).alias(f"_r{i}")
          for i in range(len(repairs))],
    ))

    silver = rows.where(keep).orderBy(POSITION).select(
        *[F.col(f"_t_{name}").alias(name) for name in typed], *lineage)
    quarantine = rows.where(bad).orderBy(POSITION).select(
        *raw_names, *lineage, F.col("_reason").alias(QUARANTINE_REASON))
    reason_counts: dict[str, int] = {}
    for i, rule in enumerate([*quarantine_rules, conflict_rule]):
        count = counts[f"_q{i}"] if i < len(quarantine_rules) else counts["_qc"]
        if count:
            reason_counts[rule.name] = reason_counts.get(rule.name, 0) + int(count)
    repair_counts: dict[str, int] = {}
    for i, repair in enumerate(repairs):
        if counts[f"_r{i}"]:
            repair_counts[repair.name] = repair_counts.get(repair.name, 0) + int(counts[f"_r{i}"])
    for name, key in (("exact duplicate row dropped", "exact"),
                      ("duplicate after normalisation dropped", "normalised")):
        if counts[key]:
            repair_counts[name] = int(counts[key])
    result = SparkCleanResult(
        silver=silver, quarantine=quarantine, rows_read=int(counts["read"]),
        duplicates_dropped=int(counts["exact"] + counts["normalised"]),
        repairs=repair_counts,
        quarantine_reasons=dict(sorted(reason_counts.items(), key=lambda rc: -rc[1])),
        rows_silver=int(counts["keep"]), rows_quarantined=int(counts["bad"]))
    check_accounting(result)  # type: ignore[arg-type]
    return result


def _mark_duplicates(rows: DataFrame, raw_names: list[str], typed: list[str]) -> DataFrame:
    """README: exact duplicates and duplicates after normalisation are dropped; the same
    id with different values quarantines every copy (``clean._id_duplicates``)."""
    # Every copy of a customer id lands in one partition, once: each window below is keyed by
    # the id (among other columns), so none of them needs a shuffle of its own.
    the_id = F.col(f"_t_{ID_COLUMN}")
    rows = rows.repartition(the_id)
    first = Window.partitionBy(the_id, *raw_names).orderBy(POSITION)
    rows = rows.withColumn("_exact", F.row_number().over(first) > 1)
    candidate = ~F.col("_exact") & ~F.col("_id_blank")
    by_id = Window.partitionBy(the_id, candidate)
    rows = rows.withColumn("_repeated", candidate & (F.count(F.lit(1)).over(by_id) > 1))
    same = Window.partitionBy(*[F.col(f"_t_{n}") for n in typed], F.col("_reason"),
                              F.col("_repeated")).orderBy(POSITION)
    rows = rows.withColumn("_normalised",
                           F.col("_repeated") & (F.row_number().over(same) > 1))
    clashing = F.col("_repeated") & ~F.col("_normalised")
    by_clash = Window.partitionBy(the_id, clashing)
    rows = rows.withColumn("_clash", clashing & (F.count(F.lit(1)).over(by_clash) > 1))
    lines = F.array_join(F.array_sort(F.collect_list(F.col(SOURCE_ROW)).over(
        by_clash.rowsBetween(Window.unboundedPreceding, Window.unboundedFollowing)))
        .cast("array<string>"), ", ")
    return rows.withColumn("_conflict", F.when(F.col("_clash"), F.concat(
        F.lit(f"{ID_COLUMN} "), F.col(f"_t_{ID_COLUMN}"), F.lit(" appears on lines "), lines,
        F.lit(" with different values"))))


def build_gold(silver: DataFrame) -> DataFrame:
    """``features.build_gold`` in Spark: the id, the model inputs, churn as 0/1, lineage."""
    columns = [F.col(ID_COLUMN)]
    for feature in MODEL_INPUTS:
        kind = "string" if feature.is_categorical else (
            "long" if feature.kind in ("binary", "integer") else "double")
        columns.append(F.col(feature.name).cast(kind).alias(feature.name))
    if LABEL_COLUMN in silver.columns:
        columns.append((F.col(LABEL_COLUMN) == POSITIVE_LABEL).cast("long").alias(LABEL_COLUMN))
    columns += [F.col(c) for c in LINEAGE_COLUMNS if c in silver.columns]
    return silver.select(*columns)


def contract_checks(silver: DataFrame, rows: int) -> list[str]:
    """The contract's critical checks as Spark aggregates over the whole silver table.

    Not Great Expectations: the same expectations (no nulls, allowed values, ranges, unique
    id), computed in one Spark pass. Returns the failures (empty when all pass)."""
    checks: dict[str, Column] = {
        "customer_id is unique": F.count_distinct(ID_COLUMN) == F.count(F.lit(1))}
    for name in silver.columns:
        if name in LINEAGE_COLUMNS:
            continue
        feature = FEATURES_BY_NAME[name]
        checks[f"{name} has no nulls"] = F.sum(F.col(name).isNull().cast("long")) == 0
        if feature.allowed:
            checks[f"{name} in allowed values"] = F.bool_and(
                F.coalesce(F.col(name).isin(*feature.allowed), F.lit(True)))
        if feature.minimum is not None:
            low, high = feature.bounds
            checks[f"{name} in {low:g}..{high:g}"] = F.bool_and(
                F.coalesce(F.col(name).between(low, high), F.lit(True)))
    if rows == 0:
        return []
    outcome = only_row(silver.agg(*[check.alias(name) for name, check in checks.items()]))
    return [name for name in checks if not outcome[name]]


def run_spark_data_layer(settings: Settings, raw_path: str | Path, master: str = "local[*]",
                         require_label: bool = True,
                         spark: SparkSession | None = None) -> dict[str, Any]:
    """Run the data layer on Spark and write bronze / silver / quarantine / gold as Parquet
    folders under the workspace's lake (``<table>/<run id>.spark/``); returns the summary."""
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    session = spark or spark_session(master)
    seconds["session"] = time.perf_counter() - start
    run_id = new_run_id()
    settings.ensure_dirs()

    start = time.perf_counter()
    staging = settings.lake_dir / "spark_staging" / run_id
    staged = stage_raw_csv(raw_path, staging, require_label)
    seconds["ingest"] = time.perf_counter() - start

    start = time.perf_counter()
    bronze = session.read.parquet(str(staging))
    cleaned = clean(bronze, require_label=require_label)
    seconds["clean"] = time.perf_counter() - start
    if cleaned.rows_silver == 0:
        raise DataError(f"{raw_path}: no row survived cleaning ({cleaned.rows_quarantined} "
                        f"quarantined, {cleaned.duplicates_dropped} duplicates)")
    start = time.perf_counter()
    failures = contract_checks(cleaned.silver, cleaned.rows_silver)
    seconds["validate"] = time.perf_counter() - start

    start = time.perf_counter()
    paths = {
        "bronze": _write(bronze.drop(POSITION), settings.bronze_dir, run_id),
        "silver": _write(cleaned.silver, settings.silver_dir, run_id),
        "quarantine": _write(cleaned.quarantine, settings.quarantine_dir, run_id),
    }
    if failures:
        raise ContractError(f"{raw_path}: the data contract failed on critical "
                            f"expectation(s): {'; '.join(failures)}")
    gold = build_gold(cleaned.silver)
    paths["gold"] = _write(gold, settings.gold_dir, run_id)
    seconds["write"] = time.perf_counter() - start
    shutil.rmtree(staging)
    summary = {
        "run_id": run_id, "source_file": str(raw_path), "engine": "spark",
        "master": session.sparkContext.master, "rows_read": cleaned.rows_read,
        "rows_in_file": staged.rows,
        "rows_silver": cleaned.rows_silver, "rows_quarantined": cleaned.rows_quarantined,
        "duplicates_dropped": cleaned.duplicates_dropped,
        "quarantine_reasons": cleaned.quarantine_reasons, "repairs": cleaned.repairs,
        "rows_gold": cleaned.rows_silver,  # gold is silver's model-input columns, row for row
        "unknown_columns": staged.unknown_columns,
        "renamed_columns": staged.renamed,
        "validation": {"engine": "spark aggregate checks", "success": not failures,
                       "failed_expectations": failures},
        "files": {name: str(path) for name, path in paths.items()},
        "seconds": {name: round(value, 3) for name, value in seconds.items()},
    }
    settings.reports_dir.mkdir(parents=True, exist_ok=True)
    (settings.reports_dir / SUMMARY_FILE).write_text(json.dumps(summary, indent=2))
    return summary


def _write(frame: DataFrame, folder: Path, run_id: str) -> Path:
    path = folder / f"{run_id}.spark"
    frame.write.mode("error").parquet(str(path))
    return path


def only_row(aggregate: DataFrame) -> Row:
    """The one row of a global aggregation (Spark types ``first()`` as optional)."""
    row = aggregate.first()
    if row is None:
        raise DataError("a Spark aggregation returned no row")
    return row
