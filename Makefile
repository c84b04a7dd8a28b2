# One entry point for humans and CI. `make demo` and `make test` are all a fresh clone needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
LINTED := $(wildcard src tests benchmarks scripts)
# The web UI is built into the package (src/headway/server/static) whenever its sources change.
WEB_SRC := $(shell find web/src web/index.html web/package.json web/package-lock.json web/vite.config.ts web/tsconfig.json -type f 2>/dev/null)
WEB_OUT := src/headway/server/static/index.html
HOST   ?= 127.0.0.1
PORT   ?= 8080

.PHONY: install system-deps web web-test demo test check lint format bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP) $(WEB_OUT)

web/node_modules/.package-lock.json: web/package-lock.json web/package.json
	cd web && npm install --no-audit --no-fund

$(WEB_OUT): web/node_modules/.package-lock.json $(WEB_SRC)
	cd web && npm run build

web: $(WEB_OUT)

# Unit and component tests of the UI (Vitest), and its type check against the API schema.
web-test: web/node_modules/.package-lock.json
	cd web && npm run typecheck && npm test

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

test: install system-deps check web-test
	$(BIN)/pytest

# make bench ARGS="--quick" for a smoke run; ARGS="--scale" adds the large Headway-only sizes.
# Then import speed (W&B, TensorBoard, MLflow sources of 1,000,000 points), monitoring
# (drift, fairness, ingestion vs Evidently, NannyML, fairlearn), alert rule evaluation and
# the UI's timings in
# Chromium (benchmarks/ui_paint.py).
bench: install system-deps
	$(BIN)/python benchmarks/run.py $(ARGS)
	$(BIN)/python benchmarks/import_speed.py $(if $(findstring --quick,$(ARGS)),--quick,)
	$(BIN)/python benchmarks/monitoring.py $(if $(findstring --quick,$(ARGS)),--quick,)
	$(BIN)/python benchmarks/alerts.py $(if $(findstring --quick,$(ARGS)),--quick,)
	$(BIN)/python benchmarks/explain.py $(if $(findstring --quick,$(ARGS)),--quick,)
	$(BIN)/python benchmarks/sweeps.py $(if $(findstring --quick,$(ARGS)),--quick,)
	$(BIN)/python benchmarks/ui_paint.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache web/node_modules src/headway/server/static
