#!/usr/bin/env bash
# demo.sh [TARGET]: boot TARGET (default x86_64-6.1) under QEMU, load
# u-dma-buf with one buffer and show what a user sees (scripts/guest/demo.sh).
# demo.sh --dma [TARGET]: examples/edu-dma/edu-uio.c moving data through
# QEMU's edu PCI device and a buffer (scripts/guest/demo-dma.sh, `make
# demo-dma`).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
if [ "${1:-}" = --dma ]; then
	T=${2:-x86_64-6.1}
	load_target "$T"
	echo "u-dma-buf DMA demo: building the module and examples/edu-dma/edu-uio"
	echo "for $T and booting Linux $KVER under QEMU with two edu PCI devices"
	echo "(software emulation, no KVM); this takes a minute or two."
	echo "The console log is kept in build/$T/demo-dma/edu.console.log."
	exec "$REPO/scripts/run-target.sh" --demo-dma "$T"
fi
T=${1:-x86_64-6.1}
load_target "$T"
echo "u-dma-buf demo: building the module for $T and booting Linux $KVER"
echo "under QEMU (software emulation, no KVM); this takes about a minute."
echo "The console log is kept in build/$T/demo/default.console.log."
exec "$REPO/scripts/run-target.sh" --demo "$T"
