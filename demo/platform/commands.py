"""``python -m demo platform start|stop|status``: the room's shared services on this machine."""

from __future__ import annotations

import argparse

from demo.cli import Command
from demo.settings import Settings


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("start", "stop", "status"),
                        help="start the services, stop them, or report their health")
    parser.add_argument("--host", default="127.0.0.1",
                        help="interface the tracking server listens on; 0.0.0.0 lets the "
                        "room's laptops reach it (and anyone else on the network)")
    parser.add_argument("--port", type=int, default=5000, help="tracking server port")


def run(args: argparse.Namespace, settings: Settings) -> int:
    import sys

    from demo.platform.room import Room

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
