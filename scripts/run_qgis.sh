#!/usr/bin/env bash
# Start the QGIS desktop with this checkout's GAIR plugin enabled and the demo project
# open (a real Sentinel-2 tile; the heatmap dock filled with the example photo and where
# it was taken: Pick on map, then one click on the map gives the heatmap). Needs a
# display.   (make qgis)
#
#   scripts/run_qgis.sh [--screenshot FOLDER] [extra qgis arguments]
#
# --screenshot walks through every dock and result (real clicks through xdotool), saves a
# screenshot of the screen after each step into FOLDER and quits (scripts/screenshot.py
# runs it under Xvfb). QGIS keeps its own profile under build/qgis-desktop
# (build/qgis-screenshot for screenshots; never the user's).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="$ROOT/build/qgis-desktop"
PROJECT="$ROOT/build/qgis-demo/gair_demo.qgz"

if [ "${1:-}" = "--screenshot" ]; then
    [ -n "${2:-}" ] || { echo "--screenshot needs a folder" >&2; exit 2; }
    export GAIR_SCREENSHOT="$(realpath -m "$2")"
    shift 2
    STATE="$ROOT/build/qgis-screenshot/$(basename "$GAIR_SCREENSHOT")"  # a fresh profile per run
    rm -rf "$STATE/profile"
fi
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    echo "run_qgis: no display (DISPLAY is not set). On a machine without one, take a screenshot" >&2
    echo "instead: .venv/bin/python scripts/screenshot.py (runs QGIS under xvfb-run)" >&2
    exit 1
fi
command -v qgis >/dev/null || { echo "qgis not found (apt install qgis, or make setup)" >&2; exit 127; }

# shellcheck source=qgis_env.sh
source "$ROOT/scripts/qgis_env.sh"
gair_qgis_env "$STATE"
unset QT_QPA_PLATFORM  # the Makefile exports offscreen for the tests; the desktop needs the display
"$ROOT/.venv/bin/python" "$ROOT/scripts/qgis_demo_project.py" --out "$(dirname "$PROJECT")" >/dev/null
exec qgis --noversioncheck --nologo --profiles-path "$GAIR_PROFILES" --project "$PROJECT" \
    --code "$ROOT/scripts/qgis_startup.py" "$@"
