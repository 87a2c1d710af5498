# GAIR for QGIS. Every target sets up what it needs on first use (Debian 12, as root).
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.gair-installed
SHARED ?= $(abspath ../shared)
export QT_QPA_PLATFORM ?= offscreen

.PHONY: setup demo test test-fast lint format-check bench benchmark benchmark-heads bundled-model plugin plugin-check qgis screenshots clean \
        chroot-3.40 chroot-3.44 test-qgis340 test-qgis344

setup: $(STAMP)

$(STAMP): pyproject.toml scripts/setup.sh gair_core/tools/benchmark/data-requirements.txt
	scripts/setup.sh
	touch $(STAMP)

demo: $(STAMP)
	$(PY) scripts/demo.py --shared "$(SHARED)" --out build/demo

# CI's command: lint, plugins.qgis.org's checks, the whole suite on Debian 12's QGIS 3.22, then the
# QGIS tests on QGIS 3.40 in a chroot (QGIS deprecations raised from our code are errors there).
test: $(STAMP) lint plugin-check
	$(PY) -m pytest -q --durations=15 tests
	$(MAKE) test-qgis340

# QGIS 3.40 from Debian 12's bookworm-backports in a debootstrap chroot (scripts/chroot_qgis.sh): made
# once (18 min on this loaded 2-core machine, about 4 on an idle one), then reused; brought up to date when
# pyproject.toml or the script changes. Needs root and
# Debian's mirror (GAIR_DEBIAN_MIRROR=URL for another one).
CHROOT_340 := build/chroot-3.40.ready
$(CHROOT_340): pyproject.toml scripts/chroot_qgis.sh
	scripts/chroot_qgis.sh 3.40 setup
	touch $@
chroot-3.40: $(CHROOT_340)

# --rootdir=/root (the chroot's): pytest-qgis keeps QGIS's settings in <rootdir>/.qgis-settings, which must not
# be the checkout's (shared with the runs on the host). The desktop walkthrough (test_gui_screenshot) saves its
# screenshots in build/screenshots-qgis<version>, so build/screenshots stays the host QGIS's.
QGIS_TESTS = env PYTHONPATH=tests GAIR_SCREENSHOTS=build/screenshots-qgis$(1) python -m pytest -q -p no:cacheprovider \
    -p deprecations_as_errors --durations=10 -c pyproject.toml --rootdir=/root -m qgis tests
test-qgis340: $(CHROOT_340)
	scripts/chroot_qgis.sh 3.40 run $(call QGIS_TESTS,3.40)

# The same on Debian sid's QGIS (3.44 today): not in CI (sid moves every day).
CHROOT_344 := build/chroot-3.44.ready
$(CHROOT_344): pyproject.toml scripts/chroot_qgis.sh
	scripts/chroot_qgis.sh 3.44 setup
	touch $@
chroot-3.44: $(CHROOT_344)
test-qgis344: $(CHROOT_344)
	scripts/chroot_qgis.sh 3.44 run $(call QGIS_TESTS,3.44)

# the inner loop: no QGIS, no network, nothing slow or multi-process (under 2 minutes)
test-fast: $(STAMP)
	GAIR_TESTS_WITHOUT_QGIS=1 $(PY) -m pytest -q --durations=15 -p no:pytest_qgis -W ignore::pytest.PytestConfigWarning \
	    -m "not slow and not ddp and not qgis and not network" tests

# The gate: ruff over the tree; mypy over gair_core, gair_qgis, scripts and tests, every function body checked and the
# torch-free runtime under the flags of --strict (pyproject.toml [tool.mypy]).
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# the formatting check alone (make lint runs it too); `ruff format .` applies it
format-check: $(STAMP)
	$(VENV)/bin/ruff format --check .

bench: $(STAMP)
	$(PY) scripts/bench.py
	$(PY) scripts/bench_train.py
	$(PY) scripts/bench_field.py --size 1098 --chunk 8 --search-tiles 10000 --out build/bench_field_quick.json

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

# plugins.qgis.org's upload checks on the zip (scripts/plugin_check.py; every finding fails). The site's
# own validator.py and security_scanner.py run as well from a checkout of its repository at the commit
# below, cloned into build/ when it can be reached (never copied into this project).
PLUGINS_WEBSITE_GIT    ?= https://github.com/qgis/QGIS-Plugins-Website
PLUGINS_WEBSITE_COMMIT := 73c20fa990e4984e175235c8ba2a59cbf09a2685
PLUGINS_WEBSITE        := build/QGIS-Plugins-Website
plugin-check: plugin
	@if [ ! -f $(PLUGINS_WEBSITE)/qgis-app/plugins/validator.py ]; then \
	    rm -rf $(PLUGINS_WEBSITE); \
	    { timeout 300 git clone -q --no-checkout "$(PLUGINS_WEBSITE_GIT)" $(PLUGINS_WEBSITE) && \
	      git -C $(PLUGINS_WEBSITE) checkout -q $(PLUGINS_WEBSITE_COMMIT) -- qgis-app/plugins; } 2>/dev/null \
	    || { rm -rf $(PLUGINS_WEBSITE); \
	         echo "plugin-check: $(PLUGINS_WEBSITE_GIT) cannot be reached: the site's own code is not run, only the same tools with its rules"; }; \
	fi
	$(PY) scripts/plugin_check.py build/gair_qgis.zip $$([ -d $(PLUGINS_WEBSITE) ] && echo --site $(PLUGINS_WEBSITE))

qgis: $(STAMP)
	scripts/run_qgis.sh

screenshots: $(STAMP)
	.venv/bin/python scripts/screenshot.py

# the chroots' mounts are undone first, so rm never reaches through them into the checkout or /dev
clean:
	scripts/chroot_qgis.sh 3.40 umount
	scripts/chroot_qgis.sh 3.44 umount
	! grep -q " $(abspath build)/" /proc/mounts
	rm -rf build .pytest_cache
