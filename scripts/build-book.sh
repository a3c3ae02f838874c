#!/usr/bin/env bash
# Build both editions of the book from book/src (English) and book/ko/src
# (Korean), and from the pages that `tutor book-src` generates from the
# lessons, the catalog and the CLI in each language:
#   book/book/index.html      English
#   book/book/ko/index.html   Korean
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

# English first: mdBook empties its build folder, and the Korean edition is
# built inside it (book/ko/book.toml: build-dir = "../book/ko").
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
for edition in en:book ko:book/ko; do
  lang="${edition%%:*}" root="${edition#*:}"
  echo "== tutor --lang $lang book-src $root/src/generated"
  # --lang: the language of the edition, whatever the locale or the profile says.
  cargo run --quiet -- --lang "$lang" book-src "$root/src/generated"
  echo "== mdbook build $root"
  status=0
  # RUST_LOG=warn keeps mdBook's own info lines out, so any line left is a warning.
  RUST_LOG=warn mdbook build "$root" >"$log" 2>&1 || status=$?
  if [ "$status" -ne 0 ] || grep -Eiq 'warn|error' "$log"; then
    cat "$log" >&2
    echo "build-book: mdbook reported problems in $root (exit status $status)" >&2
    exit 1
  fi
done
echo "== the book is in book/book/index.html (Korean: book/book/ko/index.html)"
