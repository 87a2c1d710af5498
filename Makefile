# GAIR for QGIS. Every target sets up what it needs on first use (Debian 12, as root).
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.gair-installed
SHARED ?= $(abspath ../shared)
export QT_QPA_PLATFORM ?= offscreen

.PHONY: setup demo test test-fast lint format-check bench benchmark benchmark-heads bundled-model plugin qgis screenshots clean

setup: $(STAMP)

$(STAMP): pyproject.toml scripts/setup.sh gair_core/tools/benchmark/data-requirements.txt
	scripts/setup.sh
	touch $(STAMP)

demo: $(STAMP)
	$(PY) scripts/demo.py --shared "$(SHARED)" --out build/demo

test: $(STAMP) lint
	$(PY) -m pytest -q --durations=15 tests

# the inner loop: no QGIS, no network, nothing slow or multi-process (under 2 minutes)
test-fast: $(STAMP)
	GAIR_TESTS_WITHOUT_QGIS=1 $(PY) -m pytest -q --durations=15 -p no:pytest_qgis -W ignore::pytest.PytestConfigWarning \
	    -m "not slow and not ddp and not qgis and not network" tests

# The gate: ruff over the tree; mypy over gair_core, gair_qgis and scripts, every function body checked and the
# torch-free runtime under the flags of --strict (pyproject.toml [tool.mypy]).
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# the formatting check: joins lint once `ruff format .` has been applied to the tree in one commit
format-check: $(STAMP)
	$(VENV)/bin/ruff format --check .

bench: $(STAMP)
	$(PY) scripts/bench.py
	$(PY) scripts/bench_train.py

benchmark: $(STAMP)
	$(PY) -m gair_core.tools.benchmark --shared "$(SHARED)" --out build/benchmark

benchmark-heads: $(STAMP)
	$(PY) -m gair_core.tools.benchmark.package_heads

# The bundled model package (docs/TRAINING.md, section 5). Measured on this 2-core machine, otherwise
# idle: 38 min in all (training 1000 steps 33.9 min, export + EuroSAT evaluation + benchmark the rest).
BUNDLED_RUN := build/bundled
BUNDLED_PKG := resources/models/gair-bundled
bundled-model: $(STAMP)
	rm -rf $(BUNDLED_RUN)
	$(PY) -m gair_core.tools.bundled manifest --shared "$(SHARED)" --out $(BUNDLED_RUN)
	$(PY) -m gair_core.train --config configs/bundled.json --manifest $(BUNDLED_RUN)/manifest.csv \
	    --output-dir $(BUNDLED_RUN)/train --no-progress
	$(PY) -m gair_core.tools.bundled package --shared "$(SHARED)" --run $(BUNDLED_RUN) --out $(BUNDLED_PKG) --overwrite
	$(PY) -m gair_core.tools.benchmark --shared "$(SHARED)" --out $(BUNDLED_RUN)/benchmark --no-plots \
	    --tasks wealth population landcover climate --encoders lonlat geoclip bundled_twin bundled
	$(PY) -m gair_core.tools.benchmark.package_heads --package $(BUNDLED_PKG) --results $(BUNDLED_RUN)/benchmark/results.csv
	$(PY) -m gair_core.tools.bundled card --run $(BUNDLED_RUN) --package $(BUNDLED_PKG) \
	    --comparison docs/benchmark/bundled_frozen_vs_distilled.json

plugin: $(STAMP)
	scripts/build_plugin.sh

qgis: $(STAMP)
	scripts/run_qgis.sh

screenshots: $(STAMP)
	.venv/bin/python scripts/screenshot.py

clean:
	rm -rf build .pytest_cache
