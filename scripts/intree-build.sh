#!/usr/bin/env bash
# intree-build.sh [--enable m|y] [--build] [--jobs N] <kernel source tree>
#
# Puts u-dma-buf into a kernel source tree as drivers/misc/u-dma-buf/
# (docs/packaging.md, "In the kernel tree"):
#   drivers/misc/u-dma-buf/    Kbuild, Kconfig and the sources of driver/
#   include/uapi/linux/u-dma-buf.h, include/linux/u-dma-buf-kapi.h
#   drivers/misc/Kconfig       source "drivers/misc/u-dma-buf/Kconfig"
#   drivers/misc/Makefile      obj-$(CONFIG_U_DMA_BUF) += u-dma-buf/
# Running it again refreshes the files and adds nothing twice.
#
#   --enable m|y   also set CONFIG_U_DMA_BUF in the tree's .config (which
#                  must exist: your board's, Debian's /boot/config-*, or
#                  `make defconfig`) and `make olddefconfig`; Kconfig then
#                  selects what the driver needs (DMA_SHARED_BUFFER)
#   --build        then `make modules_prepare` and build the driver's
#                  directory only (a module with =m: drivers/misc/u-dma-buf/
#                  u-dma-buf.ko; built-in objects with =y), not the kernel
#   --jobs N       make -j N (default: the number of CPUs)
# ARCH and CROSS_COMPILE are taken from the environment, as by make.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
SRC=${UDMABUF_SRC_ROOT:-$REPO}

enable='' build=0 jobs=$(nproc)
while [ $# -gt 1 ]; do
	case "$1" in
	--enable) enable=$2; shift 2 ;;
	--build) build=1; shift ;;
	--jobs) jobs=$2; shift 2 ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || { sed -n '2,24p' "$0"; exit 2; }
K=$(cd "$1" && pwd)
# shellcheck disable=SC2015 # A and B are tests: C runs if either fails
[ -f "$K/Makefile" ] && [ -f "$K/drivers/misc/Kconfig" ] && [ -f "$K/drivers/misc/Makefile" ] ||
	{ echo "error: $K is not a kernel source tree" >&2; exit 1; }
case "$enable" in '' | m | y) ;; *) echo "error: --enable m or y" >&2; exit 2 ;; esac
[ "$build" = 0 ] || [ -n "$enable" ] || [ -f "$K/.config" ] ||
	{ echo "error: --build needs a configured tree (.config) or --enable" >&2; exit 2; }

d=$K/drivers/misc/u-dma-buf
echo "  COPY    driver/ -> ${d#"$K"/}"
rm -rf "$d"
mkdir -p "$d"
cp "$SRC/driver/Kbuild" "$SRC/driver/Kconfig" "$d/"
for f in "$SRC"/driver/*.c "$SRC"/driver/*.h; do
	case "$f" in *.mod.c) continue ;; esac
	cp "$f" "$d/"
done
cp "$SRC/include/uapi/linux/u-dma-buf.h" "$K/include/uapi/linux/u-dma-buf.h"
cp "$SRC/include/linux/u-dma-buf-kapi.h" "$K/include/linux/u-dma-buf-kapi.h"

kc=$K/drivers/misc/Kconfig
if ! grep -q '^source "drivers/misc/u-dma-buf/Kconfig"$' "$kc"; then
	echo "  EDIT    drivers/misc/Kconfig"
	# before the menu's last endmenu
	awk -v n="$(grep -n '^endmenu' "$kc" | tail -n 1 | cut -d: -f1)" '
		NR == n { print "source \"drivers/misc/u-dma-buf/Kconfig\"" } { print }' "$kc" >"$kc.new"
	mv "$kc.new" "$kc"
fi
mk=$K/drivers/misc/Makefile
# shellcheck disable=SC2016 # $(CONFIG_U_DMA_BUF) is Makefile text
if ! grep -q '^obj-$(CONFIG_U_DMA_BUF)' "$mk"; then
	echo "  EDIT    drivers/misc/Makefile"
	# shellcheck disable=SC2016 # $(CONFIG_U_DMA_BUF) is Makefile text
	printf 'obj-$(CONFIG_U_DMA_BUF)\t\t+= u-dma-buf/\n' >>"$mk"
fi

if [ -n "$enable" ]; then
	[ -f "$K/.config" ] || { echo "error: no $K/.config to enable CONFIG_U_DMA_BUF in" >&2; exit 1; }
	echo "  CONFIG  CONFIG_U_DMA_BUF=$enable"
	opt=--module
	[ "$enable" = y ] && opt=--enable
	"$K/scripts/config" --file "$K/.config" $opt U_DMA_BUF
	make -C "$K" -s olddefconfig
	if ! grep -qx "CONFIG_U_DMA_BUF=$enable" "$K/.config"; then
		echo "error: CONFIG_U_DMA_BUF=$enable did not stay in .config (its dependencies: MMU, HAS_DMA)" >&2
		exit 1
	fi
fi

if [ "$build" = 1 ]; then
	echo "  MAKE    modules_prepare"
	make -C "$K" -j "$jobs" modules_prepare
	echo "  MAKE    drivers/misc/u-dma-buf/"
	if grep -qx 'CONFIG_U_DMA_BUF=m' "$K/.config"; then
		make -C "$K" -j "$jobs" drivers/misc/u-dma-buf/u-dma-buf.ko
		echo "  MODULE  drivers/misc/u-dma-buf/u-dma-buf.ko"
	else
		make -C "$K" -j "$jobs" drivers/misc/u-dma-buf/
	fi
fi
