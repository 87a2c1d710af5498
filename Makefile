# GAIR for QGIS. `make demo` and `make test` set everything up on first use.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.gair-installed
SHARED ?= $(abspath ../shared)
export QT_QPA_PLATFORM ?= offscreen

.PHONY: setup demo test bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml scripts/setup.sh
	scripts/setup.sh
	touch $(STAMP)

demo: $(STAMP)
	$(PY) scripts/demo.py --shared "$(SHARED)" --out build/demo

test: $(STAMP)
	$(PY) -m pytest -q tests

clean:
	rm -rf build .pytest_cache
