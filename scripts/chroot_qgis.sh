#!/usr/bin/env bash
# A Debian chroot with a newer QGIS than the host's (Debian 12: QGIS 3.22), to run the tests there.
#
#   scripts/chroot_qgis.sh 3.40 setup            # build/chroot-3.40: Debian 12 + QGIS 3.40 (bookworm-backports)
#   scripts/chroot_qgis.sh 3.40 run CMD [ARG...] # CMD inside it, in this checkout, with its venv first on PATH
#   scripts/chroot_qgis.sh 3.44 setup            # build/chroot-3.44: Debian sid (QGIS 3.44 today; not in CI)
#   scripts/chroot_qgis.sh 3.40 umount           # undo the mounts a killed run left behind
#
# Needs root and Debian's debootstrap (installed on first use). The chroot reaches the registries
# the way the host does: the host's CA certificates, apt proxy/config, pip config and the local
# package folders that config names (bind-mounted read-only) are copied or mounted in. Its venv
# (/opt/gair-venv, system site-packages so qgis.* imports) holds the project's dependencies; the
# checkout itself is bind-mounted at its own path and found through a .pth file, so nothing is
# installed into the checkout. A second `setup` reuses what is there (stamps under /opt/gair-venv
# and /etc); the venv is refreshed when pyproject.toml is newer than its stamp.
# Mounts are made for one command and undone when it ends, so `rm -rf build` never reaches through.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MIRROR="${GAIR_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
VENV=/opt/gair-venv

usage() { echo "usage: $0 {3.40|3.44} {setup|run CMD...|umount}" >&2; exit 2; }
[ $# -ge 2 ] || usage
VERSION="$1"; ACTION="$2"; shift 2
case "$VERSION" in
    3.40) SUITE=bookworm; BACKPORTS=bookworm-backports ;;
    3.44) SUITE=sid; BACKPORTS= ;;
    *) echo "chroot_qgis: unknown QGIS version '$VERSION' (use 3.40 or 3.44)" >&2; exit 2 ;;
esac
CHROOT="$ROOT/build/chroot-$VERSION"
SHARED_DIR="$(cd "$ROOT/.." && pwd)/shared"

log() { echo "chroot_qgis[$VERSION]: $*" >&2; }

# Local folders the host's pip configuration reads packages from (find-links, file:// indexes).
pip_local_dirs() {
    local py="$ROOT/.venv/bin/python"
    [ -x "$py" ] || py=python3
    "$py" -m pip config list 2>/dev/null \
        | grep -E '(find-links|index-url)=' \
        | grep -oE "(file://)?/[^' ]+" | sed 's#^file://##' \
        | while read -r dir; do
              dir="${dir%/simple}"; [ -d "$dir" ] && echo "$dir"
          done | sort -u
}

MOUNTED=()
bind_mount() {  # bind_mount SOURCE [ro]
    local src="$1" target="$CHROOT$1"
    mkdir -p "$target"
    mountpoint -q "$target" && return 0
    mount --bind "$src" "$target"
    [ "${2:-}" = ro ] && mount -o remount,bind,ro "$target"
    MOUNTED+=("$target")
}

mount_all() {  # mount_all [with-package-dirs]
    mkdir -p "$CHROOT/proc" "$CHROOT/dev"
    if ! mountpoint -q "$CHROOT/proc"; then mount -t proc proc "$CHROOT/proc"; MOUNTED+=("$CHROOT/proc"); fi
    if ! mountpoint -q "$CHROOT/dev"; then mount --rbind /dev "$CHROOT/dev"; MOUNTED+=("$CHROOT/dev"); fi
    bind_mount "$ROOT"
    [ -d "$SHARED_DIR" ] && bind_mount "$SHARED_DIR" ro
    if [ "${1:-}" = with-package-dirs ]; then
        local dir
        while read -r dir; do [ -n "$dir" ] && bind_mount "$dir" ro; done < <(pip_local_dirs)
    fi
    trap umount_all EXIT
}

umount_all() {
    local i
    for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do
        umount -R "${MOUNTED[i]}" 2>/dev/null || umount -l "${MOUNTED[i]}" || true
    done
    MOUNTED=()
}

# Every mount point under the chroot, deepest first (for `umount` after a killed run).
umount_leftovers() {
    [ -d "$CHROOT" ] || return 0
    awk -v root="$CHROOT" '$2 == root || index($2, root "/") == 1 { print $2 }' /proc/mounts | sort -r \
        | while read -r target; do umount -l "$target" && log "unmounted $target"; done
}

in_chroot() {  # in_chroot CMD... with a clean environment
    local -a keep=()
    local var
    for var in $(compgen -e); do
        case "$var" in GAIR_*|PIP_*|QT_QPA_PLATFORM|TERM) keep+=("$var=${!var}") ;; esac
    done
    chroot "$CHROOT" /usr/bin/env -i HOME=/root LANG=C.UTF-8 LC_ALL=C.UTF-8 \
        PATH="$VENV/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
        GAIR_VENV="$VENV" "${keep[@]}" "$@"
}

copy_host_config() {
    # registries: CA certificates (pip verifies with them), apt's proxy/config, pip's config
    mkdir -p "$CHROOT/usr/local/share/ca-certificates" "$CHROOT/etc/ssl/certs" "$CHROOT/etc/apt/apt.conf.d"
    cp -a /usr/local/share/ca-certificates/. "$CHROOT/usr/local/share/ca-certificates/" 2>/dev/null || true
    cp /etc/ssl/certs/ca-certificates.crt "$CHROOT/etc/ssl/certs/ca-certificates.crt"
    local conf
    for conf in /etc/apt/apt.conf.d/*; do
        grep -q 'Acquire' "$conf" 2>/dev/null && cp "$conf" "$CHROOT/etc/apt/apt.conf.d/"
    done
    [ -f /etc/pip.conf ] && cp /etc/pip.conf "$CHROOT/etc/pip.conf"
    [ -d /etc/xdg/pip ] && { mkdir -p "$CHROOT/etc/xdg"; cp -a /etc/xdg/pip "$CHROOT/etc/xdg/"; }
    [ -f /root/.config/pip/pip.conf ] && { mkdir -p "$CHROOT/root/.config/pip"; cp /root/.config/pip/pip.conf "$CHROOT/root/.config/pip/"; }
    # the host's name resolves inside (torchrun binds to it), and DNS as on the host
    cp /etc/hosts "$CHROOT/etc/hosts"
    grep -qw "$(hostname)" /etc/hosts || echo "127.0.1.1 $(hostname)" >> "$CHROOT/etc/hosts"
    cp -L /etc/resolv.conf "$CHROOT/etc/resolv.conf" 2>/dev/null || true
}

write_sources() {
    local suites="$SUITE"
    [ "$SUITE" = bookworm ] && suites="bookworm bookworm-updates $BACKPORTS"
    rm -f "$CHROOT/etc/apt/sources.list"
    {
        printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
            "$MIRROR" "$suites"
        if [ "$SUITE" = bookworm ]; then
            printf '\nTypes: deb\nURIs: %s-security\nSuites: bookworm-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
                "${MIRROR%/debian}/debian"
        fi
    } > "$CHROOT/etc/apt/sources.list.d/debian.sources"
}

# What scripts/setup.sh installs on the host (QGIS, Xvfb and xdotool for the desktop tests, Qt's
# translation tools for the zip), and what the venv needs; proj-bin as on the host (installed there
# with QGIS's recommends): Debian's pyproj finds PROJ's data through the `proj` program when it runs
# in a venv, else every pyproj transformation fails.
DEBIAN_PACKAGES=(qgis python3-qgis qgis-providers xvfb xauth xdotool zip unzip pyqt5-dev-tools qttools5-dev-tools
                 proj-bin python3-venv python3-pip)

install_qgis() {  # the stamp holds the package list: a changed list is installed on the next setup
    local stamp="$CHROOT/etc/gair-qgis-installed"
    [ -f "$stamp" ] && [ "$(cat "$stamp")" = "${DEBIAN_PACKAGES[*]}" ] && return 0
    local -a target=()
    [ -n "$BACKPORTS" ] && target=(-t "$BACKPORTS")
    check_mirror
    log "installing QGIS ${target[*]} (apt)"
    in_chroot apt-get update -qq
    in_chroot env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${target[@]}" \
        "${DEBIAN_PACKAGES[@]}" >/dev/null
    in_chroot update-ca-certificates >/dev/null 2>&1 || true
    cp /etc/ssl/certs/ca-certificates.crt "$CHROOT/etc/ssl/certs/ca-certificates.crt"
    echo "${DEBIAN_PACKAGES[*]}" > "$stamp"
}

project_requirements() {  # the dependencies of pyproject.toml's project and its core, dev and region extras
    python3 - "$ROOT/pyproject.toml" <<'EOF'
import sys
try:
    import tomllib
except ImportError:  # Python < 3.11
    import tomli as tomllib
with open(sys.argv[1], "rb") as handle:
    project = tomllib.load(handle)["project"]
extras = project.get("optional-dependencies", {})
for requirement in project["dependencies"] + [r for extra in ("core", "dev", "region") for r in extras.get(extra, [])]:
    print(requirement)
EOF
}

install_venv() {  # again when pyproject.toml is newer than the stamp or the requirements changed
    local stamp="$CHROOT$VENV/.gair-installed" wanted
    wanted="$(project_requirements)"
    [ -f "$stamp" ] && [ "$stamp" -nt "$ROOT/pyproject.toml" ] \
        && [ "$wanted" = "$(cat "$CHROOT$VENV/requirements.txt" 2>/dev/null)" ] && return 0
    log "creating $VENV and installing the project's dependencies (pip)"
    [ -x "$CHROOT$VENV/bin/python" ] || in_chroot /usr/bin/python3 -m venv --system-site-packages "$VENV"
    echo "$wanted" > "$CHROOT$VENV/requirements.txt"
    in_chroot "$VENV/bin/python" -m pip install -q --upgrade "pip>=23.1"
    in_chroot "$VENV/bin/python" -m pip install -q -r "$VENV/requirements.txt"
    local site
    site="$(in_chroot "$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
    echo "$ROOT" > "$CHROOT$site/gair-checkout.pth"
    touch "$stamp"
}

# Debian's mirror answers (debootstrap and apt need it): else one line saying so, and exit 1.
check_mirror() {
    local url="$MIRROR/dists/$SUITE/Release" error
    if ! error="$(python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=30).read(1)' "$url" 2>&1)"; then
        log "cannot reach Debian's mirror: $url (${error##*$'\n'}); set GAIR_DEBIAN_MIRROR=URL to a reachable one"
        exit 1
    fi
}

setup() {
    local started=$SECONDS
    [ -x "$CHROOT/usr/bin/apt-get" ] || check_mirror
    if [ ! -x "$CHROOT/usr/bin/apt-get" ]; then
        command -v debootstrap >/dev/null || {
            log "installing debootstrap (apt)"
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
        }
        log "debootstrap $SUITE into $CHROOT"
        rm -rf "$CHROOT.partial"
        mkdir -p "$(dirname "$CHROOT")"
        debootstrap --variant=minbase --include=ca-certificates "$SUITE" "$CHROOT.partial" "$MIRROR" >"$ROOT/build/chroot-$VERSION.debootstrap.log" 2>&1 \
            || { log "debootstrap failed: see build/chroot-$VERSION.debootstrap.log"; exit 1; }
        mv "$CHROOT.partial" "$CHROOT"
    fi
    copy_host_config
    write_sources
    mount_all with-package-dirs
    install_qgis
    install_venv
    umount_all
    log "ready: QGIS $(in_chroot dpkg-query -W -f '${Version}' qgis) ($((SECONDS - started)) s)"
}

case "$ACTION" in
    setup) trap 'exit 130' INT TERM HUP; setup ;;   # a signal still runs the EXIT trap (the mounts are undone)
    run)
        [ $# -ge 1 ] || usage
        [ -f "$CHROOT$VENV/.gair-installed" ] || { echo "chroot_qgis: $CHROOT is not set up: run '$0 $VERSION setup' (or make qgis${VERSION/./})" >&2; exit 2; }
        trap 'exit 130' INT TERM HUP
        copy_host_config
        mount_all
        status=0
        in_chroot /bin/bash -c 'cd "$0" && exec "$@"' "$ROOT" "$@" || status=$?
        umount_all
        exit "$status" ;;
    umount) umount_leftovers ;;
    *) usage ;;
esac
