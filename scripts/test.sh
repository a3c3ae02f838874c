#!/usr/bin/env bash
# The whole test suite, on a fresh Debian 12 machine, as root:
#   installs what the lab needs (daemons, Python, Django cache), then checks
#   formatting and lints, and runs every test, lab scenarios included.
# A lab that cannot start is a failure, never a skip.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== installing test dependencies"
bash scripts/install-test-deps.sh

echo "== cargo fmt --check"
cargo fmt --check

echo "== cargo clippy"
cargo clippy --all-targets --quiet -- -D warnings

# Every tutor the tests start may talk to loopback addresses only.
export TUTOR_LOOPBACK_ONLY=1

echo "== cargo test"
cargo test --no-fail-fast

echo "== the book (mdBook, warnings are failures)"
bash scripts/build-book.sh
