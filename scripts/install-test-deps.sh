#!/usr/bin/env bash
# Installs what the integration-test lab (tests/lab/) needs on Debian 12, as root.
# Idempotent: a second run only checks and returns quickly.
#
#   sudo scripts/install-test-deps.sh
#
# It also downloads Django and gunicorn once into <target>/lab-cache/wheels, so
# that the labs build their virtualenvs without touching PyPI (the harness
# does the same lazily if this step was skipped, under a file lock), and
# maturin into <target>/wheel-build/dl for scripts/package.sh.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
    echo "install-test-deps.sh: run me as root (the lab creates users and mounts)." >&2
    exit 1
fi

PACKAGES=(
    dnsmasq-base openssh-server openssh-client nginx-light
    python3 python3-venv python3-pip sudo git iproute2 nftables curl
    dnsutils util-linux procps passwd
    # ssh2 (bundled libssh2) builds against OpenSSL.
    libssl-dev pkg-config
    # The booted lab server (tests/lab/booted.rs): systemd as PID 1 of its own
    # namespaces, with logind for SSH sessions.
    systemd dbus libpam-systemd
    # tutor ft: the lab project's functional tests drive headless Chromium.
    chromium chromium-driver
    # HTTPS (tests/lab/acme.rs): Let's Encrypt's test ACME server, certbot with
    # its nginx plugin on the booted server, openssl for the lab CA.
    pebble certbot python3-certbot-nginx openssl
)

missing=()
for p in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    if [ "$status" != "install ok installed" ]; then
        missing+=("$p")
    fi
done

if [ "${#missing[@]}" -gt 0 ]; then
    echo "install-test-deps.sh: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # Keep a package's own services from starting: there is no systemd here, and
    # the lab starts its own daemons on free ports.
    apt-get install -y -qq --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        "${missing[@]}"
else
    echo "install-test-deps.sh: all packages present"
fi

# sshd refuses to start without its privilege-separation directory.
install -d -m0755 /run/sshd

# The server side of the lab uses Debian's Python (3.11), never a pyenv shim.
PY=/usr/bin/python3
if ! "$PY" -c 'import venv, ensurepip' 2>/dev/null; then
    echo "install-test-deps.sh: $PY cannot build virtualenvs (python3-venv missing?)" >&2
    exit 1
fi

# Django 6 needs Python >= 3.12; Debian 12 has 3.11.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
target=${CARGO_TARGET_DIR:-$here/target}
case "$target" in /*) ;; *) target=$here/$target ;; esac
wheels=$target/lab-cache/wheels
if ls "$wheels"/[Dd]jango-5*.whl >/dev/null 2>&1 && ls "$wheels"/gunicorn-*.whl >/dev/null 2>&1; then
    echo "install-test-deps.sh: Django and gunicorn wheels already in $wheels"
else
    mkdir -p "$wheels"
    echo "install-test-deps.sh: downloading Django and gunicorn into $wheels"
    # --isolated: ignore pip.conf/PIP_* (e.g. a find-links that does not exist).
    "$PY" -m pip --isolated download --quiet --timeout 60 --only-binary=:all: \
        --dest "$wheels" 'django<6' gunicorn
fi

# The wheel test (tests/wheel.rs) builds the learners' wheel with maturin from
# PyPI: download the pinned maturin wheel once into <target>/wheel-build/dl, so
# that scripts/package.sh installs it offline.
bash "$here/scripts/package.sh" --fetch
# Selenium for the functional tests that `tutor ft` runs on the laptop side.
if ls "$wheels"/selenium-4*.whl >/dev/null 2>&1; then
    echo "install-test-deps.sh: Selenium wheels already in $wheels"
else
    mkdir -p "$wheels"
    echo "install-test-deps.sh: downloading Selenium into $wheels"
    "$PY" -m pip --isolated download --quiet --timeout 60 --only-binary=:all: \
        --dest "$wheels" 'selenium>=4.8,<5'
fi

echo "install-test-deps.sh: done"
