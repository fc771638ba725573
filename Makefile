# AI/ML Architecture course. `make help` lists the targets.
# Every target that runs Python first makes sure .venv matches requirements.lock.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed-from-lock
UV_VERSION := 0.13.9
WORKSPACE ?= workspace
ARGS ?=
# Tests run in parallel, one worker per core (pytest-xdist); TEST_WORKERS=0 runs them serially.
TEST_WORKERS ?= auto
# How many whole-suite runs `make test-under-load` makes beside a CPU hog.
RUNS ?= 3
# Where `make demo` keeps tracking and runs the data layer: laptop (default, or
# $DEMO_PROFILE), or platform (a room's tracking server, from $MLFLOW_TRACKING_URI or the
# profile file, and Spark). LEARNER tags every run with a name, so a room can tell whose it is.
PROFILE ?=
LEARNER ?=
# Where `make platform` serves the room's tracking server (0.0.0.0 opens it to the network).
PLATFORM_HOST ?= 127.0.0.1
PLATFORM_PORT ?= 5000
# PLATFORM_SPARK=1 also starts a Spark standalone master and two workers on loopback.
PLATFORM_SPARK ?=

# The course runs offline: no telemetry from MLflow, Great Expectations or Streamlit.
export MLFLOW_DISABLE_TELEMETRY := true
export GX_ANALYTICS_ENABLED := false
export STREAMLIT_BROWSER_GATHER_USAGE_STATS := false
export DO_NOT_TRACK := 1

.DEFAULT_GOAL := help
.PHONY: help venv demo test test-fast test-under-load platform platform-stop platform-status platform-promote app api lab mlflow grade capstone-check bench exercises lock clean

## help: list the targets with one line each
help:
	@echo "AI/ML Architecture — how it all fits together"
	@echo
	@grep -E '^## ' $(MAKEFILE_LIST) | sed -e 's/^## /  make /' -e 's/: /\t/' | expand -t 26

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed, found " + sys.version.split()[0]' 
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(BIN)/uv pip sync --quiet --compile-bytecode --python $(PY) requirements.lock
	$(BIN)/uv pip install --quiet --python $(PY) --no-deps -e .
	@touch $@

## venv: create or refresh .venv from requirements.lock
venv: $(STAMP)

## demo: run the whole pipeline end to end on the sample dataset (PROFILE=platform LEARNER=you for a room)
demo: $(STAMP)
	$(if $(LEARNER),LEARNER='$(LEARNER)') $(PY) -m demo run --workspace $(WORKSPACE) $(if $(PROFILE),--profile $(PROFILE)) $(ARGS)

## test: every test (unit, data, model, API, app, notebooks, grading)
test: $(STAMP)
	$(PY) -m pytest -n $(TEST_WORKERS) $(ARGS)

## test-fast: the tests without notebooks and the browser
test-fast: $(STAMP)
	$(PY) -m pytest -n $(TEST_WORKERS) -m "not slow and not browser" $(ARGS)

## test-under-load: make test RUNS times (default 3) with a busy loop on every core beside it
test-under-load: $(STAMP)
	$(PY) tests/run_under_load.py --runs $(RUNS)

## platform: start the room's services (PostgreSQL + MLflow tracking server on PLATFORM_PORT)
platform: $(STAMP)
	$(PY) -m demo platform start --workspace $(WORKSPACE) --host $(PLATFORM_HOST) --port $(PLATFORM_PORT) $(if $(PLATFORM_SPARK),--spark)

## platform-stop: stop the room's services (by their recorded PIDs)
platform-stop: $(STAMP)
	$(PY) -m demo platform stop --workspace $(WORKSPACE)

## platform-promote: the instructor promotes the room's best run (the same promotion policy)
platform-promote: $(STAMP)
	$(PY) -m demo platform promote --profile platform --workspace $(WORKSPACE)

## platform-status: is each of the room's services running and answering?
platform-status: $(STAMP)
	$(PY) -m demo platform status --workspace $(WORKSPACE)

## app: the Streamlit walkthrough on http://127.0.0.1:8501
app: $(STAMP)
	$(BIN)/streamlit run app/streamlit_app.py --server.address 127.0.0.1 --server.port 8501 --server.headless true

## api: the inference API on http://127.0.0.1:8000 (docs at /docs); prints the admin token
api: $(STAMP)
	$(PY) -m demo serve --workspace $(WORKSPACE) --host 127.0.0.1 --port 8000

## lab: JupyterLab at the course map
lab: $(STAMP)
	$(BIN)/jupyter lab --ip 127.0.0.1 --no-browser --LabApp.default_url=/lab/tree/README.md

## mlflow: the MLflow UI on the workspace's tracking store (http://127.0.0.1:5000)
mlflow: $(STAMP)
	$(BIN)/mlflow ui --backend-store-uri sqlite:///$(abspath $(WORKSPACE))/mlflow.db --default-artifact-root $(abspath $(WORKSPACE))/mlartifacts --host 127.0.0.1 --port 5000

## grade: grade your own exercises; SUBMISSIONS=DIR [OUT=DIR] [EXTRA_TESTS=DIR] [ARGS=...] grades a class
grade: $(STAMP)
	$(PY) -m grading $(if $(SUBMISSIONS),--submissions $(SUBMISSIONS)) $(if $(OUT),--out $(OUT)) $(if $(EXTRA_TESTS),--extra-tests $(EXTRA_TESTS)) $(ARGS)

## capstone-check: check a capstone folder (SUBMISSION=DIR [SEED=secret] [OUT=DIR]); writes a score sheet
capstone-check: $(STAMP)
	$(PY) -m grading.capstone $(or $(SUBMISSION),exercises/capstone) $(if $(SEED),--seed $(SEED)) $(if $(OUT),--out $(OUT)) $(ARGS)

## exercises: regenerate the starter notebooks in exercises/ from solutions/
exercises: $(STAMP)
	$(PY) -m grading.make_starters

## bench: the benchmarks; writes benchmarks/results.md
bench: $(STAMP)
	$(PY) -m benchmarks $(ARGS)

## lock: re-resolve requirements.lock from pyproject.toml
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --no-header --annotation-style line -o requirements.lock

## clean: remove generated state (workspace, caches); keeps .venv
clean:
	rm -rf $(WORKSPACE) .pytest_cache test-artifacts grading-output
	find . -name __pycache__ -type d -prune -not -path './$(VENV)/*' -exec rm -rf {} +
