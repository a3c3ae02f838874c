#!/usr/bin/env bash
# Build the book and take headless Chromium screenshots of one stage chapter
# and one diagnosis page in each edition, to look at how the generated pages
# render:
#   target/screenshots/stage-runserver.png
#   target/screenshots/diagnosis-bind-localhost.png
#   target/screenshots/ko-stage-runserver.png
#   target/screenshots/ko-diagnosis-bind-localhost.png
# Nothing is served: Chromium opens the file:// pages directly, with every
# network feature it has turned off. Needs Debian's `chromium` package
# (apt-get install -y chromium), and a font with Hangul for the Korean pages
# (installed here as fonts-noto-cjk when fontconfig knows none).
set -euo pipefail
cd "$(dirname "$0")/.."

command -v chromium >/dev/null || {
  echo "screenshot-book: chromium is missing; install it with: apt-get install -y chromium" >&2
  exit 2
}

# Without a Korean font, every Hangul syllable renders as an empty box.
if [ -z "$(fc-list :lang=ko 2>/dev/null)" ]; then
  echo "== no Korean font: installing fonts-noto-cjk"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  # A fresh machine may have no package lists yet: update once and retry.
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q fonts-noto-cjk >/dev/null ||
    { $sudo apt-get update -q >/dev/null &&
      $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q fonts-noto-cjk >/dev/null; }
  fc-cache -f >/dev/null
  [ -n "$(fc-list :lang=ko)" ] || {
    echo "screenshot-book: still no Korean font after installing fonts-noto-cjk" >&2
    exit 2
  }
fi

scripts/build-book.sh

out=target/screenshots
mkdir -p "$out"
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT

shoot() { # PAGE (relative to book/book) PNG
  local page="$PWD/book/book/$1" png="$out/$2"
  [ -f "$page" ] || { echo "screenshot-book: $page is missing" >&2; exit 1; }
  rm -f "$png"
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
shoot ko/generated/stages/runserver.html ko-stage-runserver.png
shoot ko/generated/diagnoses/bind-localhost.html ko-diagnosis-bind-localhost.png
