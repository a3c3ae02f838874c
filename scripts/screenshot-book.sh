#!/usr/bin/env bash
# Build the book and take headless Chromium screenshots of one stage chapter
# and one diagnosis page, to look at how the generated pages render:
#   target/screenshots/stage-runserver.png
#   target/screenshots/diagnosis-bind-localhost.png
# Nothing is served: Chromium opens the file:// pages directly, with every
# network feature it has turned off. Needs Debian's `chromium` package
# (apt-get install -y chromium).
set -euo pipefail
cd "$(dirname "$0")/.."

command -v chromium >/dev/null || {
  echo "screenshot-book: chromium is missing; install it with: apt-get install -y chromium" >&2
  exit 2
}

scripts/build-book.sh

out=target/screenshots
mkdir -p "$out"
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT

shoot() { # PAGE (relative to book/book) PNG
  local page="$PWD/book/book/$1" png="$out/$2"
  [ -f "$page" ] || { echo "screenshot-book: $page is missing" >&2; exit 1; }
  timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic \
    --no-first-run --disable-background-networking --disable-component-update \
    --disable-sync --disable-extensions --hide-scrollbars \
    --user-data-dir="$profile" --window-size=1280,1600 \
    --screenshot="$png" "file://$page" 2>/dev/null
  [ -s "$png" ] || { echo "screenshot-book: no screenshot for $1" >&2; exit 1; }
  echo "== $png"
}

shoot generated/stages/runserver.html stage-runserver.png
shoot generated/diagnoses/bind-localhost.html diagnosis-bind-localhost.png
