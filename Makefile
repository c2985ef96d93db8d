# Thin wrappers over the CLI and pytest. `make run` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test bench site serve lint clean pin-outputs

$(STAMP): pyproject.toml .ci/install constraints/steer.txt
	PYTHON=$(PYTHON) VENV=$(VENV) bash .ci/install
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/tracker run --offline

# One pytest worker per core; a test file stays on one worker (its module fixtures, e.g. the
# SmolLM2 model, load once), and the longest files start first (tests/conftest.py).
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -n auto --dist loadfile

bench: $(STAMP)
	$(BIN)/python -m benchmarks

site: $(STAMP)
	$(BIN)/tracker site build

serve: $(STAMP)
	$(BIN)/tracker site serve

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

pin-outputs: $(STAMP)
	$(BIN)/python tests/output_digests.py --write

clean:
	rm -rf _site .pytest_cache .ruff_cache
