"""Release and evaluation tooling, run from a checkout and never installed by `pip install .`
(pyproject.toml excludes `gair_core.tools*`): the downstream benchmarks (`benchmark`) and the
steps of `make bundled-model` around training (`bundled`, `bundled_card`). Nothing in the
library imports it (tests/test_import_graph.py)."""
