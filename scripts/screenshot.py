"""Screenshots of the QGIS desktop with every GAIR dock and result, as a new user sees
them: QGIS runs under Xvfb at each screen size (scripts/run_qgis.sh --screenshot), clicks
on the map with xdotool, and saves one PNG per step into build/screenshots/<W>x<H>/.

Usage: .venv/bin/python scripts/screenshot.py [--sizes 1280x800 1920x1080] [--out build/screenshots]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "build" / "screenshots"
SIZES = ("1280x800", "1920x1080")
STEPS = (
    "00_first_heatmap",
    "00_first_location",
    "00_first_predictions",
    "00_first_models",
    "01_heatmap_dock",
    "02_heatmap_after_click",
    "03_heatmap_click_same_tile",
    "04_failed_run_message_bar",
    "05_location_pca",
    "06_location_similarity_to_photo",
    "07_predictions_all_heads",
    "08_models_dock",
    "08_models_dock_scrolled",
    "09_toolbox_heatmap_styled",
    "10_toolbox_dialog",
)
TIMEOUT_S = 600


def missing_tools() -> list[str]:
    return [tool for tool in ("xvfb-run", "xdotool", "qgis") if shutil.which(tool) is None]


def take_screenshots(folder: Path, size: str, timeout: float = TIMEOUT_S) -> subprocess.CompletedProcess:
    """Run QGIS under xvfb-run at `size` ("1280x800") until it has walked through every step,
    saving STEPS as PNGs in `folder`; returns the finished process."""
    if missing_tools():
        raise SystemExit(f"missing: {', '.join(missing_tools())} (apt install xvfb xdotool qgis)")
    shutil.rmtree(folder, ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "QT_QPA_PLATFORM")}
    command = [
        "xvfb-run",
        "-a",
        "-s",
        f"-screen 0 {size}x24",
        str(ROOT / "scripts" / "run_qgis.sh"),
        "--screenshot",
        str(folder),
    ]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout, cwd=ROOT)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", default=list(SIZES))
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    status = 0
    for size in args.sizes:
        folder = (args.out / size).resolve()
        result = take_screenshots(folder, size)
        missing = [step for step in STEPS if not (folder / f"{step}.png").is_file()]
        if result.returncode != 0 or missing:
            sys.stderr.write(result.stdout[-4000:] + result.stderr[-6000:])
            print(
                f"{size}: QGIS exit status {result.returncode}; missing: {', '.join(missing) or 'none'}",
                file=sys.stderr,
            )
            status = 1
        print(folder)
    return status


if __name__ == "__main__":
    sys.exit(main())
