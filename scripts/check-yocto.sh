#!/usr/bin/env bash
# check-yocto.sh: contrib/yocto/u-dma-buf_git.bb, checked without bitbake
# (make check-yocto; docs/packaging.md).  Runs what the recipe makes
# Yocto run, with the variables oe-core's module.bbclass, module-base.bbclass
# and kernel-arch.bbclass pass, against Debian's arm64 6.1 kernel headers
# (the arm64-6.1 target) and the harness's aarch64-linux-gnu- toolchain:
#
#   G6_yocto_license     LIC_FILES_CHKSUM's md5 over the named lines holds
#   G6_yocto_compile     do_compile: `make KERNEL_SRC= KERNEL_PATH=
#                        KERNEL_VERSION= CC= LD= AR= OBJCOPY= STRIP= O=
#                        KBUILD_EXTRA_SYMBOLS=` in a copy of the sources,
#                        ARCH, CROSS_COMPILE, KBUILD_OUTPUT ... exported,
#                        CFLAGS etc. unset: an arm64 module, no warning
#   G6_yocto_install     do_install: `make DEPMOD=echo MODLIB=${D}/lib/
#                        modules/<version> ... modules_install`, the
#                        Module.symvers step (MODULES_MODULE_SYMVERS_LOCATION)
#                        and the recipe's own do_install:append: exactly the
#                        module, Module.symvers and the udev rule under ${D}
#
# Prints PASS/FAIL lines and, last, "N passed, M failed".
set -uo pipefail
. "$(dirname "$0")/lib.sh"

RECIPE=$SRC/contrib/yocto/u-dma-buf_git.bb
W=$BUILD/check-yocto
NPASS=0 NFAIL=0
START=$(date +%s)
pass() { echo "PASS [yocto] $1${2:+: $2}"; NPASS=$((NPASS + 1)); }
fail() {
	echo "FAIL [yocto] $1: $2"
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
# recipe_var NAME: a plain NAME = "value" assignment of the recipe
recipe_var() {
	sed -n "s/^$1[[:space:]]*?*=[[:space:]]*\"\(.*\)\"\$/\1/p" "$RECIPE" | tail -n 1
}

[ -f "$RECIPE" ] || { fail G6_yocto "no $RECIPE"; finish; }
load_target arm64-6.1
rm -rf "$W"
mkdir -p "$W"
S=$W/git
D=$W/image
mkdir -p "$S" "$D"
# the sources as a git clone has them (what SRC_URI fetches)
if git -C "$SRC" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$SRC" && git ls-files -z -c -o --exclude-standard | grep -zv '^build/' |
		while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
		cpio -0 -pdm --quiet "$S")
else
	tar -C "$SRC" --exclude=./build -cf - . | tar -C "$S" -xf -
fi

# ---------------------------------------------------------- the license
lic=$(recipe_var LIC_FILES_CHKSUM)
file=${lic#file://}
file=${file%%;*}
begin=$(sed -n 's/.*;beginline=\([0-9]*\).*/\1/p' <<<"$lic")
end=$(sed -n 's/.*;endline=\([0-9]*\).*/\1/p' <<<"$lic")
want=$(sed -n 's/.*;md5=\([0-9a-f]*\).*/\1/p' <<<"$lic")
# as Yocto's license check: the lines begin..end with their newlines
got=$(awk -v b="${begin:-1}" -v e="${end:-0}" 'NR >= b && (e == 0 || NR <= e)' "$S/$file" 2>/dev/null | md5sum | cut -d ' ' -f 1)
if [ -n "$want" ] && [ "$got" = "$want" ]; then
	pass G6_yocto_license "$file lines ${begin:-1}-${end:-end}: md5 $got"
else
	fail G6_yocto_license "LIC_FILES_CHKSUM '$lic': md5 of $file is $got"
fi

# ------------------------------------------------------------ the build
# STAGING_KERNEL_DIR and STAGING_KERNEL_BUILDDIR: Debian's headers are both
# the kernel "source" (through their Makefile) and its build output
K=$KERNEL_SRC
symloc=$(recipe_var MODULES_MODULE_SYMVERS_LOCATION)
ykv=$KVER
# module-base.bbclass and kernel-arch.bbclass export these; oe_runmake is
# `make ${PARALLEL_MAKE} ${EXTRA_OEMAKE}`, module.bbclass adds KERNEL_SRC
yenv=(env -u CFLAGS -u CPPFLAGS -u CXXFLAGS -u LDFLAGS
	ARCH=arm64 OS=linux CROSS_COMPILE=aarch64-linux-gnu- KBUILD_OUTPUT="$K"
	KERNEL_VERSION="$ykv" LOCALVERSION='' KBUILD_BUILD_VERSION=1
	KBUILD_BUILD_USER=oe-user KBUILD_BUILD_HOST=oe-host HOME=/tmp
	PATH="$PATH:/usr/sbin:/sbin")
kcc="aarch64-linux-gnu-gcc -fuse-ld=bfd"
oe_runmake() {
	# as nobody: nothing may be written outside ${S} and ${D}
	setpriv --reuid=65534 --regid=65534 --clear-groups -- \
		"${yenv[@]}" make -j "$(nproc)" KERNEL_SRC="$K" "$@"
}
chown -R 65534:65534 "$S" "$D"

log=$W/do_compile.log
(cd "$S" && oe_runmake KERNEL_PATH="$K" KERNEL_VERSION="$ykv" \
	CC="$kcc" LD=aarch64-linux-gnu-ld.bfd AR=aarch64-linux-gnu-ar \
	OBJCOPY=aarch64-linux-gnu-objcopy STRIP=aarch64-linux-gnu-strip \
	O="$K" KBUILD_EXTRA_SYMBOLS="") >"$log" 2>&1
rc=$?
ko=$S/driver/u-dma-buf.ko
if [ $rc != 0 ] || [ ! -f "$ko" ]; then
	fail G6_yocto_compile "do_compile (make in \${S}) failed" "$log"
	finish
fi
machine=$(readelf -h "$ko" 2>/dev/null | sed -n 's/^ *Machine: *//p')
vm=$(modinfo -F vermagic "$ko" 2>/dev/null)
if grep -E 'warning:|^WARNING' "$log" >"$W/tail.txt"; then
	fail G6_yocto_compile "warnings" "$W/tail.txt"
elif [ "$machine" != AArch64 ] || [ "${vm%% *}" != "$ykv" ]; then
	fail G6_yocto_compile "u-dma-buf.ko: machine '$machine', vermagic '$vm'"
else
	pass G6_yocto_compile "driver/u-dma-buf.ko, $machine, vermagic $vm"
fi

log=$W/do_install.log
(cd "$S" && oe_runmake DEPMOD=echo MODLIB="$D/lib/modules/$ykv" \
	INSTALL_FW_PATH="$D/lib/firmware" CC="$kcc" LD=aarch64-linux-gnu-ld.bfd \
	OBJCOPY=aarch64-linux-gnu-objcopy STRIP=aarch64-linux-gnu-strip \
	O="$K" KBUILD_EXTRA_SYMBOLS="" modules_install) >"$log" 2>&1
rc=$?
why=
[ $rc = 0 ] || why="make modules_install failed"
# module.bbclass: Module.symvers of ${B}/${MODULES_MODULE_SYMVERS_LOCATION}
if [ -e "$S/$symloc/Module.symvers" ]; then
	install -Dm0644 "$S/$symloc/Module.symvers" "$D/usr/include/u-dma-buf/Module.symvers"
	sed -e "s:$S/::g" -i "$D/usr/include/u-dma-buf/Module.symvers"
else
	why="$why; no Module.symvers in \${B}/$symloc (module.bbclass would warn)"
fi
# the recipe's do_install:append, run as bitbake would with its variables
awk '/^do_install:append\(\) \{$/ { f = 1; next } f && /^\}$/ { f = 0 } f' "$RECIPE" >"$W/do_install_append.sh"
# shellcheck disable=SC2097,SC2098 # S and B are both the outer $S
if [ ! -s "$W/do_install_append.sh" ]; then
	why="$why; no do_install:append in the recipe"
elif ! (D=$D S=$S B=$S nonarch_base_libdir=/lib sysconfdir=/etc \
	bash -e "$W/do_install_append.sh") >>"$log" 2>&1; then
	why="$why; do_install:append failed"
fi
(cd "$D" && find . -type f | sort) >"$W/image.txt"
expect=$(printf '%s\n' "./lib/modules/$ykv/extra/u-dma-buf.ko" \
	./lib/udev/rules.d/99-u-dma-buf.rules ./usr/include/u-dma-buf/Module.symvers | sort)
[ "$(cat "$W/image.txt")" = "$expect" ] || why="$why; \${D} holds other files than expected"
cmp -s "$SRC/udev/99-u-dma-buf.rules" "$D/lib/udev/rules.d/99-u-dma-buf.rules" 2>/dev/null ||
	why="$why; the udev rule differs"
grep -q 'u_dma_buf_' "$D/usr/include/u-dma-buf/Module.symvers" 2>/dev/null ||
	why="$why; Module.symvers lists no u_dma_buf_ symbol"
if [ -n "$why" ]; then
	cat "$W/image.txt" >>"$log"
	fail G6_yocto_install "${why#; }" "$log"
else
	pass G6_yocto_install "$(tr '\n' ' ' <"$W/image.txt")"
fi
finish
