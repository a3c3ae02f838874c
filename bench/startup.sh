#!/usr/bin/env bash
# Startup benchmark: how long `tutor status` takes, process start to exit.
# Target (issue #2): under 20 ms on this machine. Prints the figures; fails
# (exit 1) if the median misses the target.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-100}
cargo build --release --quiet
bin=target/release/tutor
state=$(mktemp -d)
trap 'rm -rf "$state"' EXIT
export TUTOR_STATE_DIR=$state NO_COLOR=1
"$bin" init --domain staging.example.com --server-ip 203.0.113.10 --ssh-user elspeth >/dev/null
# Give the profile some history, as after a few days of work.
"$bin" check domain >/dev/null || true

times=()
for _ in $(seq "$runs"); do
  start=$(date +%s%N)
  "$bin" status >/dev/null
  end=$(date +%s%N)
  times+=($(( (end - start) / 1000 )))
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
median=$(echo "$sorted" | awk -v n="$runs" 'NR == int((n + 1) / 2) { print }')
p90=$(echo "$sorted" | awk -v n="$runs" 'NR == int(n * 0.9) { print }')
min=$(echo "$sorted" | head -n 1)
# For scale: the cost of starting any process here.
start=$(date +%s%N); for _ in $(seq 20); do /bin/true; done; end=$(date +%s%N)
true_us=$(( (end - start) / 20000 ))

awk -v runs="$runs" -v min="$min" -v med="$median" -v p90="$p90" -v t="$true_us" 'BEGIN {
  printf "tutor status: %d runs  min %.1f ms  median %.1f ms  p90 %.1f ms  (/bin/true: %.1f ms)\n", runs, min/1000, med/1000, p90/1000, t/1000
  printf "target: median < 20 ms  ratio median/target = %.2f\n", med/20000
}'
[ "$median" -lt 20000 ]
