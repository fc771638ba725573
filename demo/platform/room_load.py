"""A simulated workshop room: N learners logging to one tracking server at the same time.

Each learner logs what the course's training logs for one candidate: parameters, ten
metrics, a plot and a model. Learners use only ``MlflowClient`` with the server's URL (no
global tracking URI), one thread each, as thirty laptops would. The room's reliability tests
and its benchmark both run this; ``check_room`` then proves that every run arrived whole,
once.
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EXPERIMENT = "workshop-room"
METRICS = tuple(f"metric_{i}" for i in range(10))


@dataclass
class LearnerResult:
    learner: str
    run_id: str = ""
    call_seconds: list[float] = field(default_factory=list)
    error: str = ""


def _timed(result: LearnerResult, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``call(*args, **kwargs)``, its latency added to the learner's list."""
    start = time.perf_counter()
    value = call(*args, **kwargs)
    result.call_seconds.append(time.perf_counter() - start)
    return value


def _plot_and_model(folder: Path, learner_number: int) -> tuple[Path, Path]:
    """A small PNG and a saved MLflow model (a logistic regression on tiny data)."""
    import mlflow.sklearn
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(learner_number)
    features = rng.normal(size=(200, 3))
    labels = (features[:, 0] + rng.normal(scale=0.5, size=200) > 0).astype(int)
    from matplotlib.figure import Figure

    figure = Figure(figsize=(3, 2))  # not pyplot: its global state is not for threads
    figure.add_subplot().plot(np.sort(features[:, 0]))
    plot = folder / "plot.png"
    figure.savefig(plot)
    model_dir = folder / "model"
    mlflow.sklearn.save_model(LogisticRegression().fit(features, labels), model_dir,
                              serialization_format="skops",
                              pip_requirements=["scikit-learn"])
    return plot, model_dir


@dataclass
class Halfway:
    """Every learner stops halfway through its run until the room's ``halfway`` work is done."""

    arrived: threading.Barrier
    resume: threading.Event = field(default_factory=threading.Event)

    def wait(self) -> None:
        self.arrived.wait()
        self.resume.wait()


def log_learner_run(tracking_url: str, experiment_id: str, learner: str,
                    number: int, halfway: Halfway | None = None) -> LearnerResult:
    """One learner's run; with ``halfway``, it stops mid-run until the room resumes it."""
    from mlflow import MlflowClient
    from mlflow.entities import Param

    result = LearnerResult(learner)
    client = MlflowClient(tracking_uri=tracking_url, registry_uri=tracking_url)
    try:
        with tempfile.TemporaryDirectory() as scratch:
            plot, model_dir = _plot_and_model(Path(scratch), number)
            run = _timed(result, client.create_run, experiment_id, run_name=learner,
                         tags={"learner": learner})
            run_id = result.run_id = run.info.run_id
            _timed(result, client.log_batch, run_id, params=[
                Param("learner", learner), Param("candidate", "logistic_regression")])
            for position, name in enumerate(METRICS):
                _timed(result, client.log_metric, run_id, name, number + position / 10)
                if halfway is not None and position == len(METRICS) // 2:
                    halfway.wait()
            _timed(result, client.log_artifact, run_id, str(plot), "plots")
            _timed(result, client.log_artifacts, run_id, str(model_dir), "model")
            _timed(result, client.set_terminated, run_id)
    except Exception as exc:  # a learner's failure is counted, the room goes on  # noqa: BLE001
        result.error = f"{type(exc).__name__}: {exc}"[:500]
        if halfway is not None:
            halfway.arrived.abort()  # the room must not wait for a learner who stopped
    return result


def run_room(tracking_url: str, learners: int = 30, experiment: str = EXPERIMENT,
             halfway: Callable[[], None] | None = None) -> list[LearnerResult]:
    """``learners`` learners log at once; ``halfway`` runs while every learner waits mid-run
    (learners resume when it returns: what it starts in the background meets their calls)."""
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=tracking_url, registry_uri=tracking_url)
    found = client.get_experiment_by_name(experiment)
    experiment_id = found.experiment_id if found else client.create_experiment(experiment)
    stop = Halfway(threading.Barrier(learners + 1, timeout=600)) if halfway else None
    with ThreadPoolExecutor(learners) as pool:
        futures = [pool.submit(log_learner_run, tracking_url, experiment_id,
                               f"learner-{n:02d}", n, stop) for n in range(learners)]
        if halfway is not None and stop is not None:
            try:
                stop.arrived.wait()  # every learner is mid-run now
                halfway()
            except threading.BrokenBarrierError:
                pass  # a learner failed before halfway: its error is in the results
            finally:
                stop.resume.set()
        return [future.result() for future in futures]


def check_room(tracking_url: str, results: list[LearnerResult],
               experiment_name: str = EXPERIMENT) -> list[str]:
    """Every learner's run is on the server once, finished, with all it logged."""
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=tracking_url, registry_uri=tracking_url)
    problems = [f"{r.learner}: {r.error}" for r in results if r.error]
    experiment = client.get_experiment_by_name(experiment_name)
    if experiment is None:
        return [*problems, f"no experiment {experiment_name} on the server"]
    runs = client.search_runs([experiment.experiment_id], max_results=1000)
    by_learner: dict[str, list[str]] = {}
    for run in runs:
        by_learner.setdefault(run.data.tags.get("learner", "?"), []).append(run.info.run_id)
    for result in results:
        ids = by_learner.get(result.learner, [])
        if len(ids) != 1:
            problems.append(f"{result.learner}: {len(ids)} runs on the server, expected 1")
            continue
        run = client.get_run(ids[0])
        if set(run.data.metrics) != set(METRICS) or run.info.status != "FINISHED":
            problems.append(f"{result.learner}: metrics {sorted(run.data.metrics)}, "
                            f"status {run.info.status}")
        artifacts = {a.path for a in client.list_artifacts(ids[0])}
        model = {a.path for a in client.list_artifacts(ids[0], "model")}
        if not {"plots", "model"} <= artifacts or "model/MLmodel" not in model:
            problems.append(f"{result.learner}: artifacts {sorted(artifacts | model)}")
    return problems
