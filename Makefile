# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml requirements.lock | sha1sum | cut -c1-12)

.PHONY: run test lint types unit bench install browser lock clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c requirements.lock -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

## Debian's chromium (and CJK fonts) for the browser tests; Playwright's own browser download cannot work here
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk; }

## Start the CRM with demo data on SQLite (./var/huitong.db) at http://127.0.0.1:8000
run: $(STAMP)
	$(BIN)/huitong migrate
	$(BIN)/huitong demo
	$(BIN)/huitong serve

## Lint, type-check and run every test on SQLite and PostgreSQL
test: $(STAMP) browser
	$(BIN)/ruff check huitong tests scripts
	$(BIN)/ruff format --check huitong tests scripts
	$(BIN)/mypy
	$(BIN)/pytest -n 2 --dist loadgroup --durations=25

lint: $(STAMP)
	$(BIN)/ruff check --fix huitong tests scripts
	$(BIN)/ruff format huitong tests scripts

## Build 1,000,000-record datasets and write docs/benchmarks.md (takes a while)
bench: $(STAMP)
	$(BIN)/python -m scripts.bench

## Refresh requirements.lock from what is installed (after changing pyproject.toml)
lock:
	$(BIN)/pip freeze --exclude-editable | grep -v '^pip==' > requirements.lock

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache artifacts
