"""The QGIS desktop under Xvfb with the plugin, the heatmap dock and a heatmap layer:
saves build/screenshot_heatmap_dock.png for review (scripts/screenshot.py)."""
from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "build" / "screenshot_heatmap_dock.png"

pytestmark = pytest.mark.skipif(shutil.which("xvfb-run") is None or shutil.which("qgis") is None,
                                reason="needs the QGIS desktop and xvfb-run (make setup installs both)")


def _screenshot_module():
    spec = importlib.util.spec_from_file_location("gair_screenshot", ROOT / "scripts" / "screenshot.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_desktop_screenshot_shows_the_heatmap_dock_and_a_heatmap():
    from PIL import Image

    result = _screenshot_module().take_screenshot(OUT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "heatmap run: Done" in result.stderr
    with Image.open(OUT) as image:
        pixels = np.asarray(image.convert("RGB"), dtype=np.int16)
    assert pixels.shape[0] >= 800 and pixels.shape[1] >= 1200
    # the Turbo ramp's saturated reds and greens are on the map, not only grey widgets (one tile of the
    # bundled model is 640 m: measured 4.2 % of the screenshot with the heatmap, 1.1 % outside it)
    saturation = pixels.max(axis=2) - pixels.min(axis=2)
    assert (saturation > 120).mean() > 0.03
