"""Save a screenshot of the QGIS desktop with the GAIR heatmap dock and a heatmap layer:
starts QGIS under Xvfb through scripts/run_qgis.sh --screenshot and checks the PNG.

Usage: .venv/bin/python scripts/screenshot.py [--out build/screenshot_heatmap_dock.png]
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "build" / "screenshot_heatmap_dock.png"
SCREEN = "-screen 0 1600x1000x24"
TIMEOUT_S = 300


def take_screenshot(out: Path, timeout: float = TIMEOUT_S) -> subprocess.CompletedProcess:
    """Run QGIS under xvfb-run until it has saved `out`; returns the finished process."""
    if shutil.which("xvfb-run") is None:
        raise SystemExit("xvfb-run is not installed (apt install xvfb)")
    out.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "QT_QPA_PLATFORM")}
    command = ["xvfb-run", "-a", "-s", SCREEN, str(ROOT / "scripts" / "run_qgis.sh"), "--screenshot", str(out)]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout, cwd=ROOT)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    result = take_screenshot(args.out.resolve())
    if result.returncode != 0 or not args.out.is_file():
        sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
        print(f"screenshot failed (QGIS exit status {result.returncode})", file=sys.stderr)
        return 1
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
