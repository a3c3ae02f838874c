#!/usr/bin/env bash
# Builds the wheel learners install with pip or pipx (see pyproject.toml):
#   scripts/package.sh           release build, wheel into <target>/wheels/
#   scripts/package.sh --fetch   only download the pinned maturin into the cache
#
# maturin comes from PyPI, pinned, into a build virtualenv under <target>/
# (never system-wide: Debian's Python is externally managed). Its wheel is kept
# in <target>/wheel-build/dl, which scripts/install-test-deps.sh fills once, so
# later builds install it offline.
#
# The platform tag is the one maturin's built-in auditwheel finds: the lowest
# manylinux_2_X whose glibc symbol versions the binary needs, which is never
# newer than the glibc it was built against (printed below). `--auditwheel
# check` makes the build fail if the binary links a library outside the
# manylinux policy instead of silently bundling it; the OpenSSL inside ssh2 is
# compiled in statically (vendored-openssl), so only libc, libm, libgcc_s and
# libz are linked, all four in the manylinux policy. On success the last two lines are `wheel: PATH` and `size: ...`.
set -euo pipefail
cd "$(dirname "$0")/.."

MATURIN_VERSION=1.16.0
PY=/usr/bin/python3

here=$(pwd)
target=${CARGO_TARGET_DIR:-$here/target}
case "$target" in /*) ;; *) target=$here/$target ;; esac
build=$target/wheel-build
dl=$build/dl
venv=$build/venv-maturin-$MATURIN_VERSION
out=$target/wheels

mkdir -p "$dl"
# One build at a time (the test suite and a developer may both call this).
exec 9>"$build/.lock"
flock 9

have_maturin_wheel() {
    ls "$dl"/maturin-"$MATURIN_VERSION"-*.whl >/dev/null 2>&1
}

if ! have_maturin_wheel; then
    echo "package.sh: downloading maturin $MATURIN_VERSION from PyPI into $dl"
    # --isolated: ignore pip.conf/PIP_*; binary only: no Rust build of maturin.
    "$PY" -m pip --isolated download --quiet --timeout 60 --only-binary=:all: \
        --no-deps --dest "$dl" "maturin==$MATURIN_VERSION"
fi
if [ "${1:-}" = "--fetch" ]; then
    echo "package.sh: maturin $MATURIN_VERSION is in $dl"
    exit 0
fi

if [ "$("$venv/bin/maturin" --version 2>/dev/null || true)" != "maturin $MATURIN_VERSION" ]; then
    echo "package.sh: installing maturin $MATURIN_VERSION into $venv (offline, from $dl)"
    rm -rf "$venv"
    "$PY" -m venv "$venv"
    "$venv/bin/pip" --isolated install --quiet --no-index --find-links "$dl" \
        "maturin==$MATURIN_VERSION"
fi

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
name=tutor_deploy
glibc=$(getconf GNU_LIBC_VERSION 2>/dev/null || ldd --version | head -n1)
echo "package.sh: building $name $version in release mode (built against $glibc)"

# Only this version's wheel, so the path printed is the one just built.
mkdir -p "$out"
rm -f "$out/$name-$version-"*.whl
started=$(date +%s)
"$venv/bin/maturin" build --release --locked --strip --auditwheel check \
    --out "$out" --color never
elapsed=$(( $(date +%s) - started ))

wheels=("$out/$name-$version-"*.whl)
if [ "${#wheels[@]}" -ne 1 ] || [ ! -f "${wheels[0]}" ]; then
    echo "package.sh: expected one wheel $out/$name-$version-*.whl, found: ${wheels[*]}" >&2
    exit 1
fi
wheel=${wheels[0]}
tag=$(basename "$wheel" .whl)
tag=${tag#"$name-$version-"}
case "$tag" in
    *manylinux*) ;;
    *) echo "package.sh: $wheel has no manylinux tag ($tag): PyPI would refuse it" >&2
       exit 1 ;;
esac

# The wheel holds the binary and its metadata, nothing else.
"$PY" - "$wheel" "$name-$version" <<'PYEOF'
import sys, zipfile
wheel, stem = sys.argv[1], sys.argv[2]
names = zipfile.ZipFile(wheel).namelist()
extra = [n for n in names
         if not n.startswith(stem + ".dist-info/") and n != stem + ".data/scripts/tutor"]
if extra or stem + ".data/scripts/tutor" not in names:
    sys.exit("package.sh: unexpected wheel contents: " + ", ".join(names))
PYEOF

bytes=$(stat -c %s "$wheel")
echo "package.sh: built in ${elapsed} s, tag $tag (built against $glibc)"
echo "wheel: $wheel"
echo "size: $bytes bytes ($(( (bytes + 524288) / 1048576 )) MiB)"
