#!/usr/bin/env bash
# Headless Chromium screenshots of the page `tutor class ... --html` writes,
# to look at what the projector shows:
#   target/screenshots/class-summary.png  `tutor class summary` of the eight
#                                         example hand-ins in examples/class/handins
#   target/screenshots/class-check.png    with --lab: the `tutor class check`
#                                         page of tests/lab_class.rs (22 learners
#                                         on real lab servers; needs root)
# Nothing is served: Chromium opens the file:// page directly, with every
# network feature it has turned off (the page fetches nothing anyway). Needs
# Debian's `chromium` package (apt-get install -y chromium).
set -euo pipefail
cd "$(dirname "$0")/.."

command -v chromium >/dev/null || {
  echo "screenshot-class: chromium is missing; install it with: apt-get install -y chromium" >&2
  exit 2
}

out=target/screenshots
mkdir -p "$out"
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT

shoot() { # HTML PNG [WIDTHxHEIGHT]
  local page="$PWD/$1" png="$out/$2" size="${3:-1600,1000}"
  [ -f "$page" ] || { echo "screenshot-class: $page is missing" >&2; exit 1; }
  timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic \
    --no-first-run --disable-background-networking --disable-component-update \
    --disable-sync --disable-extensions --hide-scrollbars \
    --user-data-dir="$profile" --window-size="$size" \
    --screenshot="$png" "file://$page" 2>/dev/null
  [ -s "$png" ] || { echo "screenshot-class: no screenshot of $1" >&2; exit 1; }
  echo "== $png"
}

cargo build --quiet
NO_COLOR=1 target/debug/tutor class summary examples/class/handins/*.json \
  --html "$out/class-summary.html" >/dev/null
shoot "$out/class-summary.html" class-summary.png 1600,1150

if [ "${1:-}" = "--lab" ]; then
  TUTOR_CLASS_HTML_OUT="$PWD/$out/class-check.html" \
    cargo test --quiet --test lab_class >/dev/null
  shoot "$out/class-check.html" class-check.png 1600,1900
fi
