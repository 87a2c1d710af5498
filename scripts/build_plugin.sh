#!/usr/bin/env bash
# Build the installable QGIS plugin zip with pb_tool: build/gair_qgis.zip, whose root
# folder gair_qgis/ holds the code, metadata.txt, LICENSE, the user guide (help/user_guide.html,
# rendered from docs/USER_GUIDE.md), the translations, icons and the bundled model package.
# Usage: scripts/build_plugin.sh   (make plugin)
#        RELEASE=1 scripts/build_plugin.sh   (make plugin RELEASE=1): refuses placeholder contact and
#        URLs in metadata.txt before building, and any plugins.qgis.org finding after (scripts/plugin_check.py)
# GAIR_BUILD_DIR=DIR builds into DIR instead of build/.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PB_TOOL="${PB_TOOL:-$ROOT/.venv/bin/pb_tool}"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
BUILD="$(realpath -m "${GAIR_BUILD_DIR:-$ROOT/build}")"
DEPLOY="$BUILD/deploy"

[ -x "$PB_TOOL" ] || { echo "pb_tool not found at $PB_TOOL (run make setup)" >&2; exit 1; }
command -v zip >/dev/null || command -v 7z >/dev/null || { echo "zip or 7z is needed (apt install zip)" >&2; exit 1; }
if [ "${RELEASE:-0}" = 1 ]; then
    "$PY" "$ROOT/scripts/plugin_check.py" --release-metadata "$ROOT/metadata.txt" || exit 2
fi

rm -rf "$DEPLOY" "$BUILD/gair_qgis.zip" "$ROOT/gair_qgis/gair_qgis.zip"
mkdir -p "$DEPLOY"
# pb_tool packs the files pb_tool.cfg lists; its module and sub-package lists are filled in here
# from the checkout, so a new module is never left out.
modules="$(cd "$ROOT/gair_qgis" && ls -- *.py | tr '\n' ' ')"
packages="$(cd "$ROOT/gair_qgis" && for d in */; do [ -f "$d/__init__.py" ] && printf '%s ' "${d%/}"; done)"
sed -e "s|^python_files:.*|python_files: $modules|" -e "s|^extra_dirs:.*|extra_dirs: $packages|" \
    "$ROOT/pb_tool.cfg" > "$BUILD/pb_tool.cfg"
cd "$ROOT/gair_qgis"   # pb_tool resolves the listed files from the working directory
trap 'rm -f "$ROOT/gair_qgis/gair_qgis.zip"' EXIT
"$ROOT/scripts/i18n.sh" build   # i18n/*.ts -> the .qm files pb_tool.cfg packs
"$PB_TOOL" zip --config_file "$BUILD/pb_tool.cfg" --plugin_path "$DEPLOY" --quick
mv "$ROOT/gair_qgis/gair_qgis.zip" "$BUILD/gair_qgis.zip"

# LICENSE and the rendered user guide, which live outside the plugin folder in the checkout.
cd "$ROOT"
"$PY" scripts/render_user_guide.py "$BUILD/user_guide.html"
"$PY" - "$BUILD/gair_qgis.zip" LICENSE:gair_qgis/LICENSE "$BUILD/user_guide.html":gair_qgis/help/user_guide.html <<'EOF'
import sys, time, zipfile
with zipfile.ZipFile(sys.argv[1], "a", zipfile.ZIP_DEFLATED) as archive:
    for pair in sys.argv[2:]:
        source, name = pair.rsplit(":", 1)
        info = zipfile.ZipInfo(name, time.localtime()[:6])
        info.external_attr, info.compress_type = 0o644 << 16, zipfile.ZIP_DEFLATED
        archive.writestr(info, open(source, "rb").read())
EOF

# The zip must hold every module and sub-package of the checkout and the files the plugin looks for.
required=(gair_qgis/metadata.txt gair_qgis/LICENSE gair_qgis/help/user_guide.html gair_qgis/resources/icons/gair.svg
          gair_qgis/resources/models/gair-bundled/model.json gair_qgis/*.py gair_qgis/*/__init__.py
          gair_qgis/i18n/*.qm)
for required in "${required[@]}"; do
    unzip -l "$BUILD/gair_qgis.zip" "$required" >/dev/null || { echo "missing from the zip: $required" >&2; exit 1; }
done
if [ "${RELEASE:-0}" = 1 ]; then
    "$PY" scripts/plugin_check.py --release "$BUILD/gair_qgis.zip" || { rm -f "$BUILD/gair_qgis.zip"; exit 1; }
fi
echo "plugin zip: $BUILD/gair_qgis.zip ($(du -h "$BUILD/gair_qgis.zip" | cut -f1))"
