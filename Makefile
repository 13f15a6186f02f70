# Workbench: `make run` starts the app, `make test` runs the whole suite. Both install what is missing.
SHELL := /bin/bash
.DEFAULT_GOAL := run

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TOOLS := .tools
NODE_VERSION := 22.23.3
BUN_VERSION := 1.4.5
PY_STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-12)
TOOLS_STAMP := $(TOOLS)/.installed-node$(NODE_VERSION)-bun$(BUN_VERSION)
PORT ?= $(or $(WORKBENCH_PORT),3000)
HOST ?= $(or $(WORKBENCH_HOST),127.0.0.1)

# Node 22 and bun come from the npm registry into .tools; Reflex uses them from PATH.
export PATH := $(CURDIR)/$(TOOLS)/node_modules/.bin:$(CURDIR)/$(BIN):$(PATH)
export REFLEX_USE_SYSTEM_BUN := 1
export NPM_CONFIG_REGISTRY ?= $(shell npm config get registry 2>/dev/null)
export LITELLM_LOCAL_MODEL_COST_MAP := True

.PHONY: run test lint bench setup install tools chromium model clean-build

install: $(PY_STAMP)

$(PY_STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@rm -f $(VENV)/.installed-* && touch $@

tools: $(TOOLS_STAMP)

$(TOOLS_STAMP):
	@mkdir -p $(TOOLS)
	cd $(TOOLS) && npm install --no-audit --no-fund --loglevel=error node@$(NODE_VERSION) bun@$(BUN_VERSION)
	@$(TOOLS)/node_modules/.bin/node --version >/dev/null && $(TOOLS)/node_modules/.bin/bun --version >/dev/null
	@touch $@

chromium:
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@/usr/bin/chromium --version
	@command -v redis-server >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }

setup: install
	$(BIN)/workbench setup

# The local model and llama-cpp-python, prepared once into ~/.cache/workbench (see services/llm/local_model.py).
model: install
	$(BIN)/python -m services.llm.local_model prepare

run: install tools model setup
	@echo ""
	@echo "  Workbench is starting at http://$(HOST):$(PORT)/"
	@echo "  Sign in as $$(sed -n 's/^email: //p' $${WORKBENCH_HOME:-.workbench}/admin-credentials.txt) with the password in $${WORKBENCH_HOME:-.workbench}/admin-credentials.txt"
	@echo ""
	WORKBENCH_PORT=$(PORT) $(BIN)/reflex run --env prod --backend-host $(HOST)

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test: install tools chromium model lint
	$(BIN)/python -m pytest -x -q -p no:cacheprovider $(PYTEST_ARGS)

bench: install tools chromium
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean-build:
	rm -rf .web .states
