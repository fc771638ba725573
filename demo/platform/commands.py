"""``python -m demo platform start|stop|status|promote``: the room's shared services on this
machine, and the instructor's promotion of the room's best run."""

from __future__ import annotations

import argparse

from demo.cli import Command
from demo.settings import Settings


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("start", "stop", "status", "promote"),
                        help="start the services, stop them, report their health, or "
                        "promote the room's best run (with --profile platform)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="interface the tracking server listens on; 0.0.0.0 lets the "
                        "room's laptops reach it (and anyone else on the network)")
    parser.add_argument("--port", type=int, default=5000, help="tracking server port")
    parser.add_argument("--spark", action="store_true",
                        help="also start a Spark standalone master with two workers on "
                        "loopback (for the platform profile's data layer on this machine)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    import sys

    from demo.platform.room import Room

    if args.action == "promote":
        from demo.platform.leaderboard import promote_room_best

        outcome = promote_room_best(settings)
        print(f"version {outcome.challenger_version}: {outcome.decision.reason} "
              f"({outcome.holdout_rows:,} held-out rows)")
        print(f"champion: version {outcome.serving_version}")
        return 0
    room = Room(settings.workspace / "platform")
    if args.action == "start":
        if args.host not in ("127.0.0.1", "localhost"):
            print(f"warning: the tracking server listens on {args.host}: every machine that "
                  "reaches this one can read and write the room's runs and models (no login).",
                  file=sys.stderr)
        state = room.start(host=args.host, port=args.port)
        print(f"PostgreSQL: running (PID {state.postgres_pid}), data in "
              f"{room.postgres.data_dir}")
        print(f"MLflow tracking server: {state.tracking_url} (PID {state.tracking_pid})")
        print("Learners: export MLFLOW_TRACKING_URI=<this URL, with this machine's address>")
        if args.spark:
            master = room.start_spark()
            print(f"Spark master: {master} (2 workers, loopback only); on this machine: "
                  f"export DEMO_SPARK_MASTER={master}")
        print("Stop with: make platform-stop")
        return 0
    if args.action == "stop":
        room.stop()
        print("platform services stopped")
        return 0
    status = room.status()
    for key, value in status.items():
        print(f"{key}: {value}")
    healthy = status["postgres"] == "running" and status["tracking_server"] == "answering"
    return 0 if healthy else 1


COMMANDS = [Command("platform", "start, stop or check the room's shared services "
                    "(PostgreSQL + MLflow tracking server)", configure, run)]
