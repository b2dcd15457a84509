# Quick start:
#   make demo   create .venv, install opstui, write a demo database and open the board
#   make test   create .venv, install what the tests need, run the whole suite
#
# Only Python 3.11+ with venv, bash and make are needed before the first command.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DB := .demo/demo.db
PYTEST_ARGS ?=

.PHONY: demo test install install-test venv bench-smoke clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "opstui needs Python 3.11 or newer; found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

venv: $(BIN)/python

install: venv
	$(BIN)/python -m pip install --quiet -e .

install-test: venv
	$(BIN)/python -m pip install --quiet -e '.[test]'

demo: install
	@mkdir -p $(dir $(DEMO_DB))
	$(BIN)/opstui --db $(DEMO_DB) demo --replace
	$(BIN)/opstui --db $(DEMO_DB)

test: install-test
	bash scripts/test-prerequisites
	bash scripts/run-tests $(PYTEST_ARGS)

bench-smoke: install-test
	bash scripts/run-benchmarks --smoke

clean:
	rm -rf $(VENV) .demo build *.egg-info
