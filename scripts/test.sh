#!/usr/bin/env bash
# The whole test suite, on a fresh Debian 12 machine, as root:
#   installs what the lab needs (daemons, Python, Django cache), then checks
#   formatting and lints, and runs both tiers of tests:
#   - the unit and CLI tier (`cargo test`: no root, no daemon);
#   - the lab tier (`--features lab`: tests/lab_*.rs, tests/scenarios/,
#     tests/wheel.rs; root, real daemons, a booted systemd server).
# A lab that cannot start is a failure, never a skip. Prints the wall time
# of each tier at the end (see tests/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."

timings=()
status=0
# tier NAME COMMAND...: runs it, records its wall time; a failing tier fails
# the run at the end, after the others ran.
tier() {
  local name=$1
  shift
  echo "== $name"
  local start=$SECONDS rc=0
  "$@" || rc=$?
  timings+=("$(printf '%-22s %4d s%s' "$name" $((SECONDS - start)) "$([ "$rc" = 0 ] || echo "  FAILED ($rc)")")")
  [ "$rc" = 0 ] || status=1
  return 0
}
report() {
  echo "== wall time per tier"
  printf '%s\n' "${timings[@]}"
  printf '%-22s %4d s\n' "total" "$SECONDS"
}
trap report EXIT

# The test targets of one tier, as `--test NAME` flags: `lab` gives every
# [[test]] with required-features = ["lab"], `unit` all the others.
targets() {
  cargo metadata --no-deps --format-version 1 | python3 -c '
import json, sys
want_lab = sys.argv[1] == "lab"
for p in json.load(sys.stdin)["packages"]:
    for t in p["targets"]:
        if "test" in t["kind"] and ("lab" in t.get("required-features", [])) == want_lab:
            print("--test", t["name"])' "$1"
}

tier "installs" bash scripts/install-test-deps.sh
# Installs are needed by everything after them.
[ "$status" = 0 ] || exit 1

# With the lab feature, so the lab targets are linted too.
tier "fmt + clippy" bash -c '
  cargo fmt --check &&
  cargo clippy --all-targets --features lab --quiet -- -D warnings'

# Every tutor the tests start may talk to loopback addresses only.
export TUTOR_LOOPBACK_ONLY=1

# Both tiers are built once, with the feature (it changes no code of the
# crate, only which targets exist). The first runs exactly what a plain
# `cargo test` runs (the crate's unit tests and the tests without the
# feature; the crate has no doc tests).
# shellcheck disable=SC2046 # one word per flag and target name
tier "unit + CLI tier" cargo test --features lab --no-fail-fast --lib --bins --examples $(targets unit)

# shellcheck disable=SC2046
tier "lab tier" cargo test --features lab --no-fail-fast $(targets lab)

tier "book" bash scripts/build-book.sh

exit "$status"
