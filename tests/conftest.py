"""Shared fixtures: real GeoTIFFs and photos written by the tests, and ../shared when present.

The QGIS fixtures live beside their helpers and reach every test as plugins
(`pytest_plugins`): `gair_settings` (gui_support.py) and `gair_provider`
(processing_support.py). Markers (pyproject.toml): `qgis` is set here on every test that
needs a QGIS application (by module); `slow` and `ddp` are set on the tests themselves.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before pytest-qgis starts QGIS

# `make test-fast` runs without QGIS (GAIR_TESTS_WITHOUT_QGIS=1, -p no:pytest_qgis): the QGIS helpers stay unloaded
WITHOUT_QGIS = os.environ.get("GAIR_TESTS_WITHOUT_QGIS") == "1"
pytest_plugins = [] if WITHOUT_QGIS else ["gui_support", "processing_support"]

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("GAIR_SHARED", ROOT.parent / "shared"))
GAIR_EXAMPLES = SHARED / "data" / "gair-examples"
# The tiny architecture with random weights (seed 20261127), formerly the bundled package: the
# tests of the algorithms' mechanics run on it (fixed 2 km / 96 px tiles, fast, known values).
UNTRAINED_TWIN = ROOT / "tests" / "fixtures" / "gair-tiny-untrained"

requires_examples = pytest.mark.skipif(
    not (GAIR_EXAMPLES / "examples.csv").exists(),
    reason=f"../shared/data/gair-examples not found at {GAIR_EXAMPLES} (evaluation data, not shipped)",
)

L2A_12 = ["B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B9", "B11", "B12"]


def write_geotiff(
    path: Path,
    pixels: np.ndarray,
    bounds: tuple[float, float, float, float],
    crs: str | None,
    descriptions: list[str] | None = None,
) -> Path:
    """Write (bands, rows, cols) pixels over bounds (left, bottom, right, top)."""
    import rasterio
    from rasterio.transform import from_bounds

    bands, rows, cols = pixels.shape
    profile = dict(
        driver="GTiff",
        width=cols,
        height=rows,
        count=bands,
        dtype=pixels.dtype,
        transform=from_bounds(*bounds, cols, rows),
    )
    if crs:
        profile["crs"] = crs
    with rasterio.open(path, "w", **profile) as dataset:
        dataset.write(pixels)
        for index, name in enumerate(descriptions or [], start=1):
            dataset.set_band_description(index, name)
    return path


def sentinel_like(rows: int, cols: int, bands: int = 12, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 6000, size=(bands, rows, cols)).astype(np.uint16)


@pytest.fixture
def l2a_tile(tmp_path: Path) -> Path:
    """A 12-band L2A-like tile in EPSG:4326 around Stuttgart, ~2 km, 10 m pixels."""
    bounds = (9.160, 48.760, 9.160 + 245 * 8.983e-5, 48.760 + 190 * 8.983e-5)
    return write_geotiff(tmp_path / "tile.tif", sentinel_like(190, 245), bounds, "EPSG:4326", L2A_12)


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    from PIL import Image

    rng = np.random.default_rng(1)
    path = tmp_path / "photo.jpg"
    Image.fromarray(rng.integers(0, 255, size=(180, 320, 3), dtype=np.uint8)).save(path)
    return path


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory) -> Path:
    """A tiny-preset model with random weights, saved as one of our safetensors checkpoints."""
    import torch

    from gair_core.checkpoint import save_model
    from gair_core.config import get_preset
    from gair_core.models import GAIR

    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("ckpt") / "tiny.safetensors"
    save_model(GAIR(get_preset("tiny")), path)
    return path


QGIS_TEST_MODULES = ("test_gui_", "test_processing_")
# Fixtures that start or need a QGIS application (pytest-qgis's and ours)
QGIS_FIXTURES = {
    "qgis_app",
    "qgis_iface",
    "qgis_canvas",
    "qgis_new_project",
    "qgis_processing",
    "qgis_bot",
    "gair_provider",
    "gair_settings",
}
OUR_QGIS_FIXTURES = {"gair_provider", "gair_settings"}


def needs_qgis(item: pytest.Item) -> bool:
    """A test needs QGIS when its module is a QGIS test module, it asks for a QGIS fixture, or
    its module runs QGIS's own programs (qgis_process, the desktop)."""
    asked = set(getattr(getattr(item, "_fixtureinfo", None), "argnames", ()))  # pytest-qgis's autouse ones left out
    through = set(getattr(item, "fixturenames", ())) & OUR_QGIS_FIXTURES  # asked by another fixture (none autouse)
    if item.path.name.startswith(QGIS_TEST_MODULES) or QGIS_FIXTURES & asked or through:
        return True
    return any(word in module_text(item.path) for word in ("qgis_process", "from qgis", "import qgis"))


@functools.cache
def module_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.hookimpl(tryfirst=True)  # before `-m` selects on the markers
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs QGIS `qgis` (pytest-qgis's autouse fixtures reach every test,
    so a test cannot say it by itself), so `make test-fast` can leave them out."""
    for item in items:
        if needs_qgis(item):
            item.add_marker(pytest.mark.qgis)
