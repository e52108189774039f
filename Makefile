# The two commands in the README: `make demo` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SAMPLE ?= samples/kb_deadlift_side.track.npz

.PHONY: setup demo test lint benchmarks

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

demo: setup
	$(BIN)/formcheck models fetch full
	$(BIN)/formcheck analyze $(SAMPLE) --exercise deadlift --variant kettlebell --json out/demo.json --csv out/demo.csv

lint: setup
	$(BIN)/ruff check .

test: lint
	$(BIN)/python -m pytest

benchmarks: setup
	$(BIN)/python -m benchmarks
