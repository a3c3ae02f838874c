#!/usr/bin/env bash
# Speed of `tutor check --all` on the healthy lab vs the equivalent shell
# script (ssh per command, dig per resolver, curl), and where the time goes
# (login, slowest remote command). As root: the lab starts
# sshd, dnsmasq, nginx and Django. Prints figures and ratios; exits 1 when a
# target of issue #3 or #14 is missed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-deps.sh >/dev/null
exec cargo bench --quiet --features lab --bench check_all
