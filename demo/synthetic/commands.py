"""``python -m demo generate``: write a synthetic customer file (raw, clean, or a drifted batch)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from demo.cli import Command
from demo.errors import DemoError
from demo.settings import Settings

if TYPE_CHECKING:  # imported for the annotation only: the generator loads when it runs
    from demo.synthetic.customers import PopulationParams

MAX_ROWS = 10_000_000  # about 1 GB of memory per million rows; this keeps well inside a laptop


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rows", type=int, default=7043, metavar="N", help="rows to generate")
    parser.add_argument("--seed", type=int, default=42, metavar="S", help="random seed")
    parser.add_argument(
        "--scenario",
        default="baseline",
        metavar="NAME",
        help="population: baseline, price_rise, fibre_rollout, churn_shift, or "
        "northwind (the capstone's company)",
    )
    parser.add_argument(
        "--churn-mode",
        default="linear",
        metavar="MODE",
        help="who churns: linear (the sample's) or non_linear (interactions, a price step, "
        "a segment; see datasets/README.md)",
    )
    parser.add_argument(
        "--id-start",
        type=int,
        default=0,
        metavar="K",
        help="number customer ids from K (keep production batches apart from the sample)",
    )
    parser.add_argument(
        "--out",
        metavar="PATH",
        help="CSV to write (default: <workspace>/batches/<scenario>_seed<S>_<N>.csv)",
    )
    parser.add_argument(
        "--clean", action="store_true", help="write the defect-free ground truth instead"
    )
    parser.add_argument("--no-label", action="store_true", help="leave out the churn column")


def _checked_output(args: argparse.Namespace, settings: Settings) -> Path:
    if args.out is None:
        mode = "" if args.churn_mode == "linear" else f"_{args.churn_mode}"
        name = f"{args.scenario}{mode}_seed{args.seed}_{args.rows}{'_clean' if args.clean else ''}.csv"
        return settings.batches_dir / name
    out = Path(args.out).expanduser()
    if out.is_dir():
        raise DemoError(f"--out {out} is a directory; give a file name such as {out}/batch.csv")
    if out.suffix.lower() != ".csv":
        raise DemoError(f"--out {out}: expected a .csv file name")
    return out


def _population(scenario: str, churn_mode: str) -> PopulationParams:
    """The scenario's population, with churn drawn in ``churn_mode``.

    A concept-drift scenario brings its own churn model, so it takes no other mode.
    """
    from dataclasses import replace

    from demo.synthetic.customers import CHURN_MODES, ChurnModel
    from demo.synthetic.scenarios import known_scenarios

    if churn_mode not in CHURN_MODES:
        raise DemoError(
            f"--churn-mode {churn_mode!r} is unknown; expected one of: {', '.join(CHURN_MODES)}"
        )
    params = known_scenarios()[scenario].params
    if churn_mode == "linear":
        return params
    if params.churn != ChurnModel():
        raise DemoError(
            f"--scenario {scenario} changes who churns; it cannot be combined with "
            f"--churn-mode {churn_mode}"
        )
    return replace(params, churn=CHURN_MODES[churn_mode])


def run(args: argparse.Namespace, settings: Settings) -> int:
    from demo.console import print_table, progress
    from demo.synthetic.customers import draw_customers
    from demo.synthetic.defects import make_raw
    from demo.synthetic.export import write_csv
    from demo.synthetic.scenarios import known_scenarios

    if not 1 <= args.rows <= MAX_ROWS:
        raise DemoError(f"--rows {args.rows}: expected a whole number from 1 to {MAX_ROWS:,}")
    if args.seed < 0:
        raise DemoError(f"--seed {args.seed}: expected a non-negative whole number")
    if args.id_start < 0:
        raise DemoError(f"--id-start {args.id_start}: expected a non-negative whole number")
    scenarios = known_scenarios()
    if args.scenario not in scenarios:
        raise DemoError(
            f"--scenario {args.scenario!r} is unknown; expected one of: {', '.join(scenarios)}"
        )
    population = _population(args.scenario, args.churn_mode)
    out = _checked_output(args, settings)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DemoError(f"--out {out}: cannot create its folder ({exc.strerror})") from exc

    with progress() as bar:
        task = bar.add_task(f"generating {args.rows:,} customers", total=args.rows)
        frame = draw_customers(args.rows, args.seed, population, id_start=args.id_start)
        log = None
        if not args.clean:
            bar.update(task, description="injecting defects")
            frame, log = make_raw(frame, args.seed)
        if args.no_label:
            frame = frame.drop(columns=log.headers["churn"] if log else "churn")
        bar.update(task, description=f"writing {out.name}")
        try:
            write_csv(frame, out, on_progress=lambda done: bar.update(task, completed=done))
        except OSError as exc:
            raise DemoError(f"--out {out}: cannot write ({exc.strerror})") from exc

    summary = [
        {"file": str(out), "rows": len(frame), "columns": frame.shape[1],
         "scenario": args.scenario, "churn mode": args.churn_mode, "seed": args.seed, "kind": "clean" if args.clean else "raw"}
    ]
    print_table("Generated", summary)
    if log is not None:
        counts = log.counts().groupby("kind", sort=False)["rows"].sum().reset_index()
        print_table("Defects injected (rows)", counts.to_dict("records"))
    return 0


COMMANDS = [
    Command(
        "generate",
        "write a synthetic customer CSV: the dirty raw export, the clean truth, or a drifted batch",
        configure,
        run,
    )
]
