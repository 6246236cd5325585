#!/usr/bin/env bash
# check-intree.sh: the in-tree build, tested (make check-intree;
# docs/packaging.md).  In a fresh copy of Debian's linux-source-6.1
# (/usr/src/linux-source-6.1.tar.xz, extracted into build/intree/):
#
#   G6_intree_wiring     scripts/intree-build.sh puts the driver in as
#                        drivers/misc/u-dma-buf, twice without doubling a line
#   G6_intree_kconfig_selects  from allnoconfig, CONFIG_U_DMA_BUF=y selects
#                        DMA_SHARED_BUFFER (its Kconfig selects what it needs)
#   G6_intree_config_m   Debian's x86_64 6.1 config + CONFIG_U_DMA_BUF=m
#   G6_intree_build_m    make modules_prepare, make drivers/misc/ (the
#                        driver built through drivers/misc/Makefile), no warning
#   G6_intree_module     make M=drivers/misc/u-dma-buf modules with Debian's
#                        Module.symvers: u-dma-buf.ko linked, modpost silent
#   G6_intree_w1         make W=1 drivers/misc/u-dma-buf/: no warning
#   G6_intree_builtin    CONFIG_U_DMA_BUF=y: the driver in built-in.a, no warning
#
# Not a whole kernel build (an hour here): modules_prepare and the driver's
# directory.  Prints PASS/FAIL lines and, last, "N passed, M failed".
set -uo pipefail
. "$(dirname "$0")/lib.sh"

# has REGEX: stdin matches; reads all of it (grep -q would end the writer
# early, a failure under pipefail)
has() { grep -cE -- "$1" >/dev/null; }

TARBALL=${LINUX_SOURCE_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
W=$BUILD/intree
K=$W/linux-source-6.1
J=$(nproc)
NPASS=0 NFAIL=0
START=$(date +%s)
LAST=$START

pass() { echo "PASS [intree] $1${2:+: $2}"; NPASS=$((NPASS + 1)); }
fail() {
	echo "FAIL [intree] $1: $2"
	if [ -n "${3:-}" ] && [ -s "$3" ]; then
		tail -n 25 "$3" | sed 's/^/    /'
	fi
	NFAIL=$((NFAIL + 1))
}
finish() {
	echo "($(($(date +%s) - START)) s; logs in ${W#"$REPO"/}/)"
	echo "$NPASS passed, $NFAIL failed"
	[ "$NFAIL" = 0 ]
	exit
}
step() {
	local now
	now=$(date +%s)
	echo "== $1 (+$((now - LAST)) s)"
	LAST=$now
}
# warnings LOG: compiler, kbuild and modpost warnings of a log, except
# those of the kernel's own host programs (scripts/: W=1 makes bison
# report genksyms' grammar conflicts)
warnings() { grep -iE 'warning:|^WARNING' "$1" | grep -v '^scripts/'; }

[ -r "$TARBALL" ] || { fail G6_intree "no $TARBALL: run scripts/setup.sh (linux-source-6.1)"; finish; }
load_target x86_64-6.1
CONFIG=$KROOT/boot/config-$KVER
[ -r "$CONFIG" ] || { fail G6_intree "no $CONFIG (x86_64-6.1 not set up)"; finish; }

step "extracting $(basename "$TARBALL") into ${W#"$REPO"/}"
rm -rf "$W"
mkdir -p "$W"
if ! tar -xJf "$TARBALL" -C "$W" 2>"$W/tar.log" || [ ! -f "$K/Makefile" ]; then
	fail G6_intree "extracting $TARBALL failed" "$W/tar.log"
	finish
fi

step "scripts/intree-build.sh"
log=$W/wiring.log
"$REPO/scripts/intree-build.sh" "$K" >"$log" 2>&1 &&
	"$REPO/scripts/intree-build.sh" "$K" >>"$log" 2>&1
rc=$?
why=
[ "$rc" = 0 ] || why="intree-build.sh failed"
n=$(grep -c '^source "drivers/misc/u-dma-buf/Kconfig"$' "$K/drivers/misc/Kconfig")
[ "$n" = 1 ] || why="$why; drivers/misc/Kconfig sources the driver's Kconfig $n times"
# shellcheck disable=SC2016 # $(CONFIG_U_DMA_BUF) is Makefile text
n=$(grep -c '^obj-$(CONFIG_U_DMA_BUF)[[:space:]]*+= u-dma-buf/$' "$K/drivers/misc/Makefile")
[ "$n" = 1 ] || why="$why; drivers/misc/Makefile has $n obj-\$(CONFIG_U_DMA_BUF) lines"
for f in drivers/misc/u-dma-buf/Kbuild drivers/misc/u-dma-buf/Kconfig \
	drivers/misc/u-dma-buf/udmabuf_main.c include/uapi/linux/u-dma-buf.h \
	include/linux/u-dma-buf-kapi.h; do
	[ -f "$K/$f" ] || why="$why; no $f"
done
if [ -n "$why" ]; then
	fail G6_intree_wiring "${why#; }" "$log"
	finish
fi
pass G6_intree_wiring "drivers/misc/u-dma-buf, Kconfig and Makefile lines once after two runs"

step "Kconfig: allnoconfig + CONFIG_U_DMA_BUF=y"
log=$W/allnoconfig.log
if make -C "$K" ARCH=x86_64 allnoconfig >"$log" 2>&1 &&
	"$K/scripts/config" --file "$K/.config" --enable U_DMA_BUF >>"$log" 2>&1 &&
	make -C "$K" ARCH=x86_64 olddefconfig >>"$log" 2>&1; then
	grep -E '^(# )?CONFIG_(U_DMA_BUF|DMA_SHARED_BUFFER|MMU|HAS_DMA)[= ]' "$K/.config" >>"$log"
	if grep -qx 'CONFIG_U_DMA_BUF=y' "$K/.config" && grep -qx 'CONFIG_DMA_SHARED_BUFFER=y' "$K/.config"; then
		pass G6_intree_kconfig_selects "allnoconfig + U_DMA_BUF=y gives DMA_SHARED_BUFFER=y"
	else
		fail G6_intree_kconfig_selects "CONFIG_U_DMA_BUF=y did not stay, or did not select DMA_SHARED_BUFFER" "$log"
	fi
else
	fail G6_intree_kconfig_selects "allnoconfig/olddefconfig failed" "$log"
fi

step "Debian's config ($KVER) with CONFIG_U_DMA_BUF=m, modules_prepare, make drivers/misc/"
cp "$CONFIG" "$K/.config"
log=$W/config-m.log
if "$REPO/scripts/intree-build.sh" --enable m "$K" >"$log" 2>&1; then
	pass G6_intree_config_m "$(grep -E '^CONFIG_(U_DMA_BUF|DMA_SHARED_BUFFER)=' "$K/.config" | tr '\n' ' ')"
else
	fail G6_intree_config_m "CONFIG_U_DMA_BUF=m with Debian's config failed" "$log"
	finish
fi
log=$W/build-m.log
s=$(date +%s)
if make -C "$K" -j "$J" modules_prepare >"$log" 2>&1 &&
	make -C "$K" -j "$J" drivers/misc/ >>"$log" 2>&1; then
	if [ ! -f "$K/drivers/misc/u-dma-buf/u-dma-buf.o" ]; then
		fail G6_intree_build_m "make drivers/misc/ did not build drivers/misc/u-dma-buf/u-dma-buf.o" "$log"
	elif warnings "$log" >"$W/tail.txt"; then
		fail G6_intree_build_m "warnings" "$W/tail.txt"
	else
		pass G6_intree_build_m "modules_prepare + drivers/misc/ in $(($(date +%s) - s)) s, no warning"
	fi
else
	fail G6_intree_build_m "modules_prepare or make drivers/misc/ failed" "$log"
	finish
fi

# the module itself: modpost needs the symbols of the kernel the tree
# would build; Debian's, from the headers of the same kernel
log=$W/module.log
cp "$KROOT/usr/src/linux-headers-$KVER/Module.symvers" "$K/Module.symvers"
ko=$K/drivers/misc/u-dma-buf/u-dma-buf.ko
if make -C "$K" -j "$J" M=drivers/misc/u-dma-buf modules >"$log" 2>&1 && [ -f "$ko" ]; then
	name=$(modinfo -F name "$ko")
	vm=$(modinfo -F vermagic "$ko")
	if warnings "$log" >"$W/tail.txt"; then
		fail G6_intree_module "warnings" "$W/tail.txt"
	elif [ "$name" != u_dma_buf ] || [ "${vm#6.1.}" = "$vm" ]; then
		fail G6_intree_module "modinfo: name '$name', vermagic '$vm'"
	else
		pass G6_intree_module "drivers/misc/u-dma-buf/u-dma-buf.ko, vermagic $vm"
	fi
else
	fail G6_intree_module "make M=drivers/misc/u-dma-buf modules failed" "$log"
fi

step "make W=1 drivers/misc/u-dma-buf/"
log=$W/w1.log
if make -C "$K" -j "$J" W=1 drivers/misc/u-dma-buf/ >"$log" 2>&1; then
	if warnings "$log" >"$W/tail.txt"; then
		fail G6_intree_w1 "W=1 warnings" "$W/tail.txt"
	elif ! grep -q 'CC \[M\]  drivers/misc/u-dma-buf/udmabuf_main.o' "$log"; then
		fail G6_intree_w1 "W=1 did not recompile the driver" "$log"
	else
		pass G6_intree_w1 "no warning"
	fi
else
	fail G6_intree_w1 "make W=1 drivers/misc/u-dma-buf/ failed" "$log"
fi

step "CONFIG_U_DMA_BUF=y: built into the kernel"
log=$W/builtin.log
if "$REPO/scripts/intree-build.sh" --enable y --build --jobs "$J" "$K" >"$log" 2>&1; then
	if warnings "$log" >"$W/tail.txt"; then
		fail G6_intree_builtin "warnings" "$W/tail.txt"
	elif ! ar t "$K/drivers/misc/u-dma-buf/built-in.a" 2>/dev/null | has 'udmabuf_main.o'; then
		fail G6_intree_builtin "no udmabuf_main.o in drivers/misc/u-dma-buf/built-in.a" "$log"
	else
		pass G6_intree_builtin "drivers/misc/u-dma-buf/built-in.a, no warning"
	fi
else
	fail G6_intree_builtin "intree-build.sh --enable y --build failed" "$log"
fi
step "done"
finish
