"""Deployment-layer commands: ``serve``, ``score``, ``monitor`` and ``retrain``.

Heavy imports (FastAPI, MLflow, pandas) happen inside ``run`` so ``--help`` stays instant.
"""

from __future__ import annotations

import argparse
import os
import socket
from pathlib import Path

from demo.cli import Command
from demo.commands import add_policy_option
from demo.errors import DemoError
from demo.settings import Settings

KEEP_ALIVE_SECONDS = 65
MAX_CONNECTIONS = 100  # beyond this many open connections, uvicorn answers 503 at once


def _configure_serve(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8000,
                        help="port to listen on (0: any free port, reported on stdout)")
    parser.add_argument("--port-file", type=Path,
                        help="write the port listened on to this file once bound")
    parser.add_argument("--body-timeout", type=float,
                        help="seconds a client may take to send a request body, then 408 "
                        "(default: DEFAULT_BODY_TIMEOUT in api.py)")
    add_policy_option(parser)  # e.g. serving.challenger_share=0.2: customers to the challenger


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound by this process; with port 0 the system picks a free port.

    Binding here, not in uvicorn, lets the caller learn the port without picking one and
    releasing it first (a race another process can win).
    """
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets that say so, and
    # without it every small answer waits ~40 ms for the client's delayed ACK (measured).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise DemoError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(2048)
    return sock


def _run_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn
    from threadpoolctl import threadpool_limits

    from demo.deployment_layer.admin import ADMIN_TOKEN_ENV, admin_token, admin_token_path
    from demo.deployment_layer.api import create_app

    # One request is a few microseconds of tree walking: OpenMP worker threads only add
    # wake-up latency and fight the event loop for the two cores.
    threadpool_limits(limits=1)
    timeout = {} if args.body_timeout is None else {"body_timeout": args.body_timeout}
    app = create_app(settings.with_policy(args.policy), **timeout)
    sock = listening_socket(args.host, args.port)
    port = sock.getsockname()[1]
    token = f"from ${ADMIN_TOKEN_ENV}" if os.environ.get(ADMIN_TOKEN_ENV) else \
        f"{admin_token(settings)} (kept in {admin_token_path(settings)})"
    print(f"serving {settings.model_name} from {settings.workspace} on "
          f"http://{args.host}:{port} (docs at /docs)\n"
          f"admin token for POST /admin/reload: {token}", flush=True)
    if args.port_file:
        written = args.port_file.with_name(args.port_file.name + ".tmp")
        written.write_text(f"{port}\n")
        written.replace(args.port_file)  # atomic: a reader never sees half a number
    # Keep idle connections longer than clients do (httpx: 5 s), so the server never closes
    # a connection at the moment a client reuses it (a race that fails the request).
    # A cap on connections turns a flood of slow clients into quick 503s, not a hang.
    config = uvicorn.Config(app, log_level="warning", access_log=False,
                            timeout_keep_alive=KEEP_ALIVE_SECONDS,
                            limit_concurrency=MAX_CONNECTIONS)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises Ctrl-C once it has shut down cleanly
        pass
    return 0


def _configure_score(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input", required=True, type=Path, help="raw customer CSV to score")
    parser.add_argument("--output", required=True, type=Path, help="where to write the scores")
    parser.add_argument("--alias", default="champion", help="which registered model scores")


def _run_score(args: argparse.Namespace, settings: Settings) -> int:
    from demo.console import print_table
    from demo.deployment_layer.scoring import prepare_batch, score_prepared
    from demo.model_layer.loading import load_model

    batch = prepare_batch(args.input)  # first: a missing file is named before the model
    result = score_prepared(load_model(settings, args.alias), batch, args.output)
    print_table(f"Scored {args.input.name} -> {args.output}", [result])
    return 0


def _configure_monitor(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--batch", required=True, type=Path,
                        help="a production batch (raw CSV) to compare with the training data")


def _run_monitor(args: argparse.Namespace, settings: Settings) -> int:
    import pandas as pd

    from demo.console import console, print_table
    from demo.steps import run_step

    report = run_step("monitor", settings, batch=args.batch)["summary"]
    rows = pd.DataFrame(report["features"]).rename(columns={"psi": "PSI", "level": "drift"})
    print_table(f"Drift of {report['batch']} against the training data", [
        *rows.to_dict("records"), {"feature": "(prediction)", "kind": "score",
                                   "PSI": report["prediction_psi"],
                                   "drift": report["prediction_level"]}])
    if report["performance"]:
        print_table("Performance on the batch (labels present)",
                    [{"metric": k, "batch": v,
                      "at training": report["reference_performance"].get(k, "")}
                     for k, v in report["performance"].items()])
    advice = ("retraining recommended" if report["retrain_recommended"]
              else "no retraining needed")
    console.print(f"verdict: {report['verdict']} drift ({advice})")
    return 0


def _configure_retrain(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--batch", type=Path,
                        help="newly labelled raw CSV, monitored first (default: the batch the "
                        "monitor step judged last)")
    parser.add_argument("--reload-url",
                        help="a running API to reload after a promotion, e.g. "
                             "http://127.0.0.1:8000")


def _run_retrain(args: argparse.Namespace, settings: Settings) -> int:
    import httpx

    from demo.console import console, print_table
    from demo.deployment_layer.admin import admin_token
    from demo.steps import run_step

    if args.batch is not None:  # the retrain step reads the batch as the monitor cleaned it
        run_step("monitor", settings, batch=args.batch)
    outcome = run_step("retrain", settings)["summary"]
    print_table("Retraining", [(k, v) for k, v in outcome.items() if k != "reason"],
                columns=["", "value"])
    console.print(outcome["reason"])
    if args.reload_url:  # a running API picks up the new aliases (with its admin token)
        try:
            answer = httpx.post(f"{args.reload_url.rstrip('/')}/admin/reload", json={},
                                timeout=120,
                                headers={"Authorization": f"Bearer {admin_token(settings)}"})
        except httpx.HTTPError as exc:
            raise DemoError(f"cannot reach the API at {args.reload_url} to reload it: {exc}"
                            ) from exc
        body = answer.json() if "json" in answer.headers.get("content-type", "") else {}
        if answer.status_code != 200 or not body.get("ready"):
            raise DemoError(f"the API at {args.reload_url} did not reload (HTTP "
                            f"{answer.status_code}): {body.get('reason') or body.get('detail')}")
        console.print(f"the API now serves version {body['champion']['version']} as champion")
    return 0


COMMANDS = [
    Command("serve", "serve the registered champion over HTTP (FastAPI)", _configure_serve,
            _run_serve),
    Command("score", "score a CSV of customers with the registered model", _configure_score,
            _run_score),
    Command("monitor", "compare a production batch with the training data (drift report)",
            _configure_monitor, _run_monitor),
    Command("retrain", "train a challenger on new labelled data and apply the promotion policy",
            _configure_retrain, _run_retrain),
]
