# GAIR for QGIS. Every target sets up what it needs on first use (Debian 12, as root).
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.gair-installed
SHARED ?= $(abspath ../shared)
export QT_QPA_PLATFORM ?= offscreen

.PHONY: setup demo test test-fast lint bench benchmark benchmark-heads plugin qgis screenshots clean

setup: $(STAMP)

$(STAMP): pyproject.toml scripts/setup.sh gair_core/benchmark/data-requirements.txt
	scripts/setup.sh
	touch $(STAMP)

demo: $(STAMP)
	$(PY) scripts/demo.py --shared "$(SHARED)" --out build/demo

test: $(STAMP)
	$(PY) -m pytest -q tests

# the inner loop: everything but the slow and multi-process tests
test-fast: $(STAMP)
	$(PY) -m pytest -q -m "not slow and not ddp" tests

# ruff (pyproject.toml [tool.ruff]) and mypy (strict on gair_qgis/runtime)
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(PY) scripts/bench.py
	$(PY) scripts/bench_train.py

benchmark: $(STAMP)
	$(PY) -m gair_core.benchmark --shared "$(SHARED)" --out build/benchmark

benchmark-heads: $(STAMP)
	$(PY) -m gair_core.benchmark.package_heads

plugin: $(STAMP)
	scripts/build_plugin.sh

qgis: $(STAMP)
	scripts/run_qgis.sh

screenshots: $(STAMP)
	.venv/bin/python scripts/screenshot.py

clean:
	rm -rf build .pytest_cache
