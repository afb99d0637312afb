# Two entry points a fresh machine needs: `make run` (the main job) and `make test`.
# `make run` installs only what a run needs (embedcheck's runtime); `make test` adds the dev
# tools, the [generate] extra and the generated client (editable, from generated/).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.run-stamp
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint typecheck unit install clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(RUN_STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUN_STAMP)

$(STAMP): pyproject.toml generated/pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e '.[dev,generate]' -e ./generated
	touch $(RUN_STAMP) $(STAMP)

install: $(STAMP)

run: $(RUN_STAMP)
	$(BIN)/embedcheck run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest

test: lint typecheck unit

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .hypothesis
