#!/usr/bin/env bash
# The plugin's translations, in gair_qgis/i18n/ (packed into the plugin folder):
#   scripts/i18n.sh update [TS...]  extract every tr()/translate() literal of gair_qgis with pylupdate5
#                            (Debian: pyqt5-dev-tools) into each gair_qgis_<lang>.ts, keeping the
#                            translations made; new strings come in "unfinished" (translate them,
#                            e.g. with Qt Linguist); strings gone from the code are dropped
#   scripts/i18n.sh build    compile each .ts into the .qm that the plugin loads, with lrelease
#                            (Debian: qttools5-dev-tools); `make plugin` runs it
# A new language: cp gair_qgis/i18n/gair_qgis_de.ts gair_qgis/i18n/gair_qgis_<lang>.ts, set its
# language attribute, clear its translations, run update and translate.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
I18N="$ROOT/gair_qgis/i18n"
PYLUPDATE="${PYLUPDATE:-pylupdate5}"
LRELEASE="${LRELEASE:-lrelease}"

need() { command -v "$1" >/dev/null || { echo "i18n: $1 not found (apt install $2)" >&2; exit 1; }; }

# The plugin's Python files that may hold user-facing strings (the runtime is QGIS-free: none).
sources() {
    cd "$ROOT" && find gair_qgis -name '*.py' -not -path 'gair_qgis/runtime/*' -not -path '*/__pycache__/*' | sort
}

command="${1:-}"
shift || true
case "$command" in
update)   # TS...: other .ts files to update (tests/test_i18n.py: a copy), default every one in $I18N
    need "$PYLUPDATE" pyqt5-dev-tools
    mapfile -t files < <(sources)
    # pylupdate5 drops a call whose last argument, a string, is followed by a trailing comma on its
    # own line (`QT_TRANSLATE_NOOP(\n "Ctx",\n "text",\n)`, as ruff format writes it): it reads a copy
    # of the sources without those commas.
    readable="$(mktemp -d)"
    trap 'rm -rf "$readable"' EXIT
    for file in "${files[@]}"; do
        mkdir -p "$readable/$(dirname "$file")"
        perl -0777 -pe "s/([\"']),(\s*\n\s*\))/\$1\$2/g" "$ROOT/$file" > "$readable/$file"
    done
    [ $# -gt 0 ] || set -- "$I18N"/gair_qgis_*.ts
    for ts in "$@"; do
        ts="$(realpath "$ts")"
        (cd "$readable" && "$PYLUPDATE" -noobsolete "${files[@]}" -ts "$ts" 2> >(grep -v DeprecationWarning | grep -v 'encoding = locale' >&2))
        # Line numbers change with every edit of the code: the .ts keeps no locations.
        sed -i '/^ *<location .*\/>$/d' "$ts"
        echo "i18n: $ts: $(grep -c '<source>' "$ts") strings, $(grep -c 'type="unfinished"' "$ts") unfinished"
    done
    ;;
build)
    need "$LRELEASE" qttools5-dev-tools
    for ts in "$I18N"/gair_qgis_*.ts; do
        "$LRELEASE" -silent -nounfinished "$ts" -qm "${ts%.ts}.qm"
    done
    ;;
*)
    echo "usage: scripts/i18n.sh update [TS...] | build" >&2
    exit 2
    ;;
esac
