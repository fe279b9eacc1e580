# newswire: every target sets up .venv itself (Python 3.11+ and make are all it needs).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: help setup lock demo newsroom test lint typecheck unit schemas clean
.DEFAULT_GOAL := help

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup: $(STAMP) ## Create .venv and install newswire with its dev tools

$(STAMP): pyproject.toml requirements-dev.lock
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "newswire needs Python 3.11+")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

LOCK := $(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links
lock: setup ## Re-pin every dependency: requirements.lock (runtime), requirements-dev.lock
	$(LOCK) -o requirements.lock pyproject.toml
	$(LOCK) --extra dev -o requirements-dev.lock pyproject.toml

demo: setup ## Embedded broker + worker on the bundled real feeds; print the events
	$(BIN)/newswire demo

newsroom: setup ## The newsroom web page over the stored events (after make demo): http://127.0.0.1:6080/
	$(BIN)/newswire web

test: lint typecheck ## Lint, type-check, then every test (against the embedded broker), in 2 processes
	$(BIN)/python -m pytest -n 2

unit: setup ## Only the tests that need no broker
	$(BIN)/python -m pytest -m 'not broker'

lint: setup ## ruff, and import-linter's layer contracts (pyproject.toml)
	$(BIN)/ruff check pipeline agents tests examples bench training
	$(BIN)/lint-imports

typecheck: setup ## mypy (disallow_untyped_defs)
	$(BIN)/mypy

.PHONY: bench eval train
bench: setup ## Interleaved end-to-end rounds, poller, store, live page, quality -> bench-report.json (~25-40 min)
	$(BIN)/python -m bench $(BENCH_ARGS)

train: setup ## Re-train the cue detector, claim screen and entity recogniser from .data (docs/quality.md; ~35 min)
	$(BIN)/python -m training

eval: setup ## Quality figures only (body, entities, claims, stance) -> .data/eval-report.json
	$(BIN)/python -m bench --eval

schemas: setup ## Regenerate schemas/ from pipeline/records.py
	$(BIN)/python -m pipeline.schemas

clean: ## Remove .venv and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
