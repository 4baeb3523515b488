# Two commands on a fresh machine: `make run` and `make test`.
# Only python3 (3.11+) and make are assumed; uv is bootstrapped into .tools/ and installs
# the exact versions pinned in uv.lock into .venv/.

PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
STAMP := $(VENV)/.synced
export UV_PYTHON_DOWNLOADS := never

.PHONY: run test e2e bench load province lint typecheck check demo clean help

help:
	@echo "make run    - set up and start the bot (terminal chat when no Telegram token)"
	@echo "make test   - set up and run the whole test suite"
	@echo "make demo   - write a sample draft to data/demo.docx"
	@echo "make e2e    - the Telegram end-to-end journeys (Bot API emulator, needs node/npm)"
	@echo "make bench  - benchmark of the Telegram path and the draft; prints one JSON object"
	@echo "make load   - staff answering at once through webhook instances (LOAD_ARGS=...); one JSON"
	@echo "make province - a province's data: reminder sweep, /tiendo, consolidation; one JSON"
	@echo "make lint   - ruff, mypy and the layer contract (import-linter)"

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(STAMP): $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	@touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/baocao run

demo: $(STAMP)
	$(VENV)/bin/baocao demo --out data/demo.docx

test: $(STAMP)
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

e2e: $(STAMP)
	$(VENV)/bin/python -m pytest tests/e2e $(PYTEST_ARGS)

bench: $(STAMP)
	@$(VENV)/bin/python bench/bench_telegram.py $(BENCH_ARGS)

load: $(STAMP)
	@$(VENV)/bin/python bench/load.py $(LOAD_ARGS)

province: $(STAMP)
	@$(VENV)/bin/python bench/province.py $(PROVINCE_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy bot handlers models
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .mypy_cache .ruff_cache
