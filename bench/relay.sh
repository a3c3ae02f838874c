#!/usr/bin/env bash
# Far servers (issue 21): the dev-server lab behind a userspace relay that
# delays every chunk by half a round trip each way (bench/relay.py; the
# kernel here has no netem), in front of sshd, runserver and nginx. Prints,
# for 100 ms and 250 ms round trips, tutor's time for `check` of the
# deployed stages, OpenSSH's `ssh host true` over the same relay, and their
# ratio. As root: the lab starts its daemons. Traffic stays on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-deps.sh >/dev/null
exec cargo test --quiet --features lab --test lab_relay_bench -- --ignored --nocapture --test-threads 1
