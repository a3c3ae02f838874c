#!/usr/bin/env bash
# Build the book (book/book/index.html) from book/src and from the pages that
# `tutor book-src` generates from the lessons, the catalog and the CLI.
# Installs the pinned mdBook into ~/.cargo/bin when it is missing or another
# version. Fails on any mdBook warning or error, so a broken book never
# passes unnoticed.
set -euo pipefail
cd "$(dirname "$0")/.."

MDBOOK_VERSION=0.4.52
export PATH="$HOME/.cargo/bin:$PATH"

if [ "$(mdbook --version 2>/dev/null || true)" != "mdbook v$MDBOOK_VERSION" ]; then
  echo "== installing mdbook $MDBOOK_VERSION into ~/.cargo/bin (takes about two minutes)"
  # Only the HTML renderer with search: `serve` and `watch` are not needed here.
  cargo install --locked mdbook --version "$MDBOOK_VERSION" \
    --no-default-features --features search
fi

echo "== tutor book-src book/src/generated"
cargo run --quiet -- book-src book/src/generated

echo "== mdbook build book"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
# RUST_LOG=warn keeps mdBook's own info lines out, so any line left is a warning.
RUST_LOG=warn mdbook build book >"$log" 2>&1 || status=$?
if [ "$status" -ne 0 ] || grep -Eiq 'warn|error' "$log"; then
  cat "$log" >&2
  echo "build-book: mdbook reported problems (exit status $status)" >&2
  exit 1
fi
echo "== the book is in book/book/index.html"
