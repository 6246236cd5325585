#!/usr/bin/env bash
# demo.sh [TARGET]: boot TARGET (default x86_64-6.1) under QEMU, load
# u-dma-buf with one buffer and show what a user sees (scripts/guest/demo.sh).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
T=${1:-x86_64-6.1}
load_target "$T"
echo "u-dma-buf demo: building the module for $T and booting Linux $KVER"
echo "under QEMU (software emulation, no KVM); this takes about a minute."
echo "The console log is kept in build/$T/demo/default.console.log."
exec "$REPO/scripts/run-target.sh" --demo "$T"
