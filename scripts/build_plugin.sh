#!/usr/bin/env bash
# Build the installable QGIS plugin zip with pb_tool: build/gair_qgis.zip, whose root
# folder gair_qgis/ holds the code, metadata.txt, icons and the bundled model package.
# Usage: scripts/build_plugin.sh   (make plugin)
# GAIR_BUILD_DIR=DIR builds into DIR instead of build/.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PB_TOOL="${PB_TOOL:-$ROOT/.venv/bin/pb_tool}"
BUILD="$(realpath -m "${GAIR_BUILD_DIR:-$ROOT/build}")"
DEPLOY="$BUILD/deploy"

[ -x "$PB_TOOL" ] || { echo "pb_tool not found at $PB_TOOL (run make setup)" >&2; exit 1; }
command -v zip >/dev/null || command -v 7z >/dev/null || { echo "zip or 7z is needed (apt install zip)" >&2; exit 1; }

rm -rf "$DEPLOY" "$BUILD/gair_qgis.zip" "$ROOT/gair_qgis/gair_qgis.zip"
mkdir -p "$DEPLOY"
cd "$ROOT/gair_qgis"   # pb_tool resolves the listed files from the working directory
trap 'rm -f "$ROOT/gair_qgis/gair_qgis.zip"' EXIT
"$ROOT/scripts/i18n.sh" build   # i18n/*.ts -> the .qm files pb_tool.cfg packs
"$PB_TOOL" zip --config_file ../pb_tool.cfg --plugin_path "$DEPLOY" --quick
mv "$ROOT/gair_qgis/gair_qgis.zip" "$BUILD/gair_qgis.zip"

# The zip must hold every module and sub-package of the checkout (pb_tool.cfg lists them
# by name: a new one must be added there) and the resources the plugin looks for.
cd "$ROOT"
required=(gair_qgis/metadata.txt gair_qgis/resources/icons/gair.svg
          gair_qgis/resources/models/gair-bundled/model.json gair_qgis/*.py gair_qgis/*/__init__.py
          gair_qgis/i18n/*.qm)
for required in "${required[@]}"; do
    unzip -l "$BUILD/gair_qgis.zip" "$required" >/dev/null || { echo "missing from the zip: $required" >&2; exit 1; }
done
echo "plugin zip: $BUILD/gair_qgis.zip ($(du -h "$BUILD/gair_qgis.zip" | cut -f1))"
