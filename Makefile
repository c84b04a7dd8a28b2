# One entry point for humans and CI. `make demo` and `make test` are all a fresh clone needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
LINTED := $(wildcard src tests benchmarks)
HOST   ?= 127.0.0.1
PORT   ?= 8080

.PHONY: install system-deps demo test check lint format bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

# Debian packages the tests use: a real PostgreSQL server.
system-deps:
	@bash scripts/system-deps.sh

demo: install
	$(BIN)/headway demo --serve --host $(HOST) --port $(PORT)

check: install
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format $(LINTED)
	$(BIN)/ruff check --fix $(LINTED)

test: install system-deps check
	$(BIN)/pytest

# make bench ARGS="--quick" for a smoke run; ARGS="--scale" adds the large Headway-only sizes.
bench: install
	$(BIN)/python benchmarks/run.py $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
