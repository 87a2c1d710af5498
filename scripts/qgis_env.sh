# Source this (bash) to run a QGIS program on this checkout's plugin:
#     source scripts/qgis_env.sh && gair_qgis_env build/some-state-folder
# It links the checkout's gair_qgis/ into STATE/plugins, makes a private QGIS profile in
# STATE/profile with the plugin enabled (never the user's profile), and exports the
# environment that makes QGIS's Python see the .venv packages (onnxruntime, numpy<2).
# Sets GAIR_ROOT, GAIR_PROFILES (for `qgis --profiles-path`) and the QGIS_* variables.

gair_qgis_env() {
    local state="$1"
    GAIR_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
    local py="$GAIR_ROOT/.venv/bin/python"
    [ -x "$py" ] || { echo "$py not found: run 'make setup' first" >&2; return 1; }
    mkdir -p "$state/plugins"
    ln -sfn "$GAIR_ROOT/gair_qgis" "$state/plugins/gair_qgis"
    local ini="$state/profile/profiles/default/QGIS/QGIS3.ini"
    if ! grep -qx 'gair_qgis=true' "$ini" 2>/dev/null; then
        mkdir -p "$(dirname "$ini")"
        printf '[PythonPlugins]\ngair_qgis=true\nprocessing=true\n' > "$ini"
    fi
    local site
    site="$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
    export GAIR_ROOT
    export GAIR_PROFILES="$state/profile"
    export QGIS_CUSTOM_CONFIG_PATH="$state/profile"
    export QGIS_PLUGINPATH="$state/plugins${QGIS_PLUGINPATH:+:$QGIS_PLUGINPATH}"
    export PYTHONPATH="$site${PYTHONPATH:+:$PYTHONPATH}"
    export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$state/runtime}"
    mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
    if [ -d /usr/lib/grass82/lib ]; then export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}/usr/lib/grass82/lib"; fi
}
