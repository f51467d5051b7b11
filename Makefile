# hemicycle — the two commands of the README, and a few more.
#   make replay   # set up .venv if needed, then `hemicycle replay 2024`
#   make test     # set up .venv (with the [ei] extra) if needed, then ruff + the test suite
# HEMICYCLE_DATA defaults to ../shared/data when that mirror exists; otherwise the official files
# are downloaded (pinned by sha256) on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HEMICYCLE_DATA ?= $(if $(wildcard ../shared/data),$(abspath ../shared/data),)
export HEMICYCLE_DATA

.PHONY: replay test lint bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# the test suite also exercises the optional Bayesian estimator (PyEI, PyMC, JAX): installed in
# the same pip run as [dev] (one resolver pass on a fresh checkout, not [dev] then [dev,ei])
$(BIN)/.installed-ei: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,ei]'
	touch $(BIN)/.installed $@

replay: $(BIN)/.installed
	$(BIN)/hemicycle replay 2024

lint: $(BIN)/.installed
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/mypy

test: $(BIN)/.installed-ei
	$(MAKE) --no-print-directory lint
	$(BIN)/python -m pytest

bench: $(BIN)/.installed
	$(BIN)/python benchmarks/bench_data.py
	$(BIN)/python benchmarks/bench_faults_data.py
	$(BIN)/python benchmarks/bench_rules.py
	$(BIN)/python benchmarks/bench_sim.py
	$(BIN)/python benchmarks/bench_unseen.py
	$(BIN)/python benchmarks/bench_apportion.py
	$(BIN)/python benchmarks/bench_govern.py
	$(BIN)/python benchmarks/bench_systems.py
	$(BIN)/python benchmarks/bench_web.py --duration 10
	$(BIN)/python benchmarks/bench_faults.py

clean:
	rm -rf $(VENV) build *.egg-info
