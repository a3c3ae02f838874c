#!/usr/bin/env bash
# Speed and memory of `tutor class check`: 1 learner vs 40 learners on the
# lab (each row its own SSH session and checks). As root: the lab starts
# sshd, dnsmasq, nginx and Django. Prints the figures; exits 1 when a target
# of issue #5 is missed (40 learners < 3x one learner; tutor < 100 MB).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-deps.sh >/dev/null
exec cargo bench --quiet --features lab --bench class
