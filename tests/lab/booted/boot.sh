#!/bin/bash
# PID 1 of the booted lab server's namespaces (tests/lab/booted.rs).
set -euo pipefail
D=$1
. "$D/mounts.sh"
lab_mounts "$D/root" "$D/overlay/upper" "$D/overlay/work" "$2" 1
cd "$D/root"
pivot_root . .
umount -l .
exec /usr/bin/setpriv --bounding-set="@CAPS@" -- \
    /usr/bin/env -i container=other LANG=C.UTF-8 /lib/systemd/systemd
