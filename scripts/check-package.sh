#!/usr/bin/env bash
# check-package.sh [--install-only]: the installation paths, tested
# (make check-package; docs/packaging.md).
#
#   1. make modules_install / make install into scratch roots (the only
#      part with --install-only: make check-install), with the x86_64-6.1
#      headers: files, depmod, the Yocto variables (DEPMOD=echo, MODLIB=)
#   2. make package: dpkg-buildpackage, lintian without errors, the
#      contents of u-dma-buf-dkms
#   3. in build/pkgroot (a Debian 12 root file system with dkms and the
#      x86_64-6.1 kernel and headers: scripts/setup.sh --pkg):
#      dkms.conf by hand (dkms add/build/install, autoinstall by the
#      kernel's postinst hook, remove), then apt install ./u-dma-buf-dkms
#      (DKMS builds the module) with libudmabuf0, libudmabuf-dev and
#      udmabuf-tools (a program is built against libudmabuf-dev there), then
#   4. a QEMU guest booted with the x86_64-6.1 kernel from that root file
#      system (9p, under a tmpfs overlay): Debian's modprobe loads the
#      DKMS-built module with the parameters of the modprobe.d example,
#      udev applies the rule, the buffers work, the udmabuf command and
#      the program linked with libudmabuf work
#      (tests/pkg/guest-test.sh)
#   5. apt purge removes the module, its source and the configuration.
#
# Prints PASS/FAIL lines and, last, "N passed, M failed"; exit status 0
# only if nothing failed.  Logs: build/check-package/.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

# has REGEX: stdin matches; reads all of it (grep -q would end the writer
# early, a failure under pipefail)
has() { grep -cE -- "$1" >/dev/null; }

INSTALL_ONLY=0
[ "${1:-}" = --install-only ] && INSTALL_ONLY=1
W=$BUILD/check-package
ROOT=$BUILD/pkgroot
NPASS=0 NFAIL=0 NSKIP=0
START=$(date +%s)
rm -rf "$W"
mkdir -p "$W"

pass() { echo "PASS [pkg] $1${2:+: $2}"; NPASS=$((NPASS + 1)); }
skip() { echo "SKIP [pkg] $1: $2"; NSKIP=$((NSKIP + 1)); }
# fail ID WHY [DETAIL-FILE]
fail() {
	echo "FAIL [pkg] $1: $2"
	if [ -n "${3:-}" ] && [ -s "$3" ]; then
		tail -n 25 "$3" | sed 's/^/    /'
	fi
	NFAIL=$((NFAIL + 1))
}
finish() {
	echo "($(($(date +%s) - START)) s; logs in ${W#"$REPO"/}/)"
	echo "$NPASS passed, $NFAIL failed$([ "$NSKIP" -gt 0 ] && echo ", $NSKIP skipped")"
	[ "$NFAIL" = 0 ]
	exit
}
# step NAME: the time since the last step, for the report
LAST=$START
step() {
	local now
	now=$(date +%s)
	echo "== $1 (+$((now - LAST)) s)"
	LAST=$now
}

# the source tree as `make package` takes it: what git knows, without build/
copy_tree() {
	local dst=$1
	mkdir -p "$dst"
	if git -C "$SRC" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		(cd "$SRC" && git ls-files -z -c -o --exclude-standard | grep -zv '^build/' |
			while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
			cpio -0 -pdm --quiet "$dst")
	else
		tar -C "$SRC" --exclude=./build -cf - . | tar -C "$dst" -xf -
	fi
}

load_target x86_64-6.1
DRIVER_VERSION=$(sed -n 's/^#define[ \t]*UDMABUF_DRIVER_VERSION[ \t]*"\(.*\)"/\1/p' "$SRC/driver/udmabuf.h")
DKMS_VERSION=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$SRC/dkms.conf")
DEB_VERSION=$(cd "$SRC" && dpkg-parsechangelog -S Version 2>/dev/null)
V=$DKMS_VERSION

# ------------------------------------------------ 1. modules_install, install
step "make modules_install / make install into scratch roots ($KVER headers)"
s=$W/src
copy_tree "$s"
# builds and installs run as an unprivileged user (nobody): an install that
# writes outside its scratch root fails instead of changing this machine
mkdir -p "$W/modules_install" "$W/install" "$W/modules_install_yocto"
chown -R 65534:65534 "$s" "$W/modules_install" "$W/install" "$W/modules_install_yocto"
make() {
	setpriv --reuid=65534 --regid=65534 --clear-groups -- \
		env HOME=/tmp PATH="$PATH:/usr/sbin:/sbin" make "$@"
}
if ! make -C "$s" modules KERNEL_SRC="$KERNEL_SRC" >"$W/module.log" 2>&1; then
	fail G1_build "the module did not build for $KVER" "$W/module.log"
	finish
fi
if grep -q 'warning:' "$W/module.log"; then
	grep 'warning:' "$W/module.log" >"$W/tail.txt"
	fail G1_build "compiler warnings" "$W/tail.txt"
fi

# G1_modules_install: INSTALL_MOD_PATH=<root>: the module under extra/,
# for the headers' kernel release, and a modules.dep that lists it, so
# that modprobe finds it (kbuild alone skips depmod without System.map)
r=$W/modules_install
if ! make -C "$s" modules_install KERNEL_SRC="$KERNEL_SRC" INSTALL_MOD_PATH="$r" \
	>"$W/modules_install.log" 2>&1; then
	fail G1_modules_install "make modules_install failed" "$W/modules_install.log"
else
	ko=$r/lib/modules/$KVER/extra/u-dma-buf.ko
	vm=$(modinfo -F vermagic "$ko" 2>/dev/null | cut -d ' ' -f 1)
	dep=$(modprobe -d "$r" -S "$KVER" --show-depends u-dma-buf 2>&1)
	if [ ! -f "$ko" ]; then
		find "$r" >"$W/tail.txt"
		fail G1_modules_install "no $ko" "$W/tail.txt"
	elif [ "$vm" != "$KVER" ]; then
		fail G1_modules_install "vermagic '$vm', expected $KVER"
	elif ! grep -qx 'extra/u-dma-buf.ko:' "$r/lib/modules/$KVER/modules.dep" 2>/dev/null; then
		fail G1_modules_install "modules.dep does not list extra/u-dma-buf.ko (no depmod)" "$W/modules_install.log"
	elif [ "$dep" != "insmod $ko " ]; then
		fail G1_modules_install "modprobe -d <root> --show-depends u-dma-buf: '$dep'"
	else
		pass G1_modules_install "${ko#"$W"/}, in modules.dep"
	fi
	n=$(find "$r" -type f ! -name 'modules.*' | wc -l)
	[ "$n" = 1 ] || { find "$r" -type f >"$W/tail.txt"; fail G1_modules_install_only_the_module "$n files besides modules.*" "$W/tail.txt"; }
fi

# G1_install_destdir: everything under DESTDIR: the module, the udev rule,
# the modprobe.d example, byte for byte
r=$W/install
if ! make -C "$s" install KERNEL_SRC="$KERNEL_SRC" DESTDIR="$r" >"$W/install.log" 2>&1; then
	fail G1_install_destdir "make install DESTDIR=... failed" "$W/install.log"
else
	why=
	[ -f "$r/lib/modules/$KVER/extra/u-dma-buf.ko" ] || why="no lib/modules/$KVER/extra/u-dma-buf.ko"
	grep -qx 'extra/u-dma-buf.ko:' "$r/lib/modules/$KVER/modules.dep" 2>/dev/null || why="$why; no modules.dep entry"
	cmp -s "$SRC/udev/99-u-dma-buf.rules" "$r/etc/udev/rules.d/99-u-dma-buf.rules" ||
		why="$why; etc/udev/rules.d/99-u-dma-buf.rules missing or different"
	cmp -s "$SRC/contrib/modprobe.d/u-dma-buf.conf" "$r/etc/modprobe.d/u-dma-buf.conf" ||
		why="$why; etc/modprobe.d/u-dma-buf.conf missing or different"
	if [ -n "$why" ]; then
		(cd "$r" && find . -type f) >"$W/tail.txt"
		fail G1_install_destdir "${why#; }" "$W/tail.txt"
	else
		pass G1_install_destdir "module, modules.dep, udev rule, modprobe.d example"
	fi
	# a second install keeps the administrator's module parameters
	echo "options u-dma-buf udmabuf0=2M" >"$r/etc/modprobe.d/u-dma-buf.conf"
	if make -C "$s" install KERNEL_SRC="$KERNEL_SRC" DESTDIR="$r" >>"$W/install.log" 2>&1 &&
		[ "$(cat "$r/etc/modprobe.d/u-dma-buf.conf")" = "options u-dma-buf udmabuf0=2M" ]; then
		pass G1_install_keeps_modprobe_conf
	else
		fail G1_install_keeps_modprobe_conf "a second make install replaced /etc/modprobe.d/u-dma-buf.conf" "$W/install.log"
	fi
fi

# G1_modules_install_yocto_variables: what Yocto's module.bbclass passes
# to modules_install: DEPMOD=echo, MODLIB=<D>/lib/modules/<release>: the
# module there, and no depmod output
r=$W/modules_install_yocto
if make -C "$s" modules_install KERNEL_SRC="$KERNEL_SRC" DEPMOD=echo \
	MODLIB="$r/lib/modules/$KVER" INSTALL_FW_PATH="$r/lib/firmware" \
	>"$W/modules_install_yocto.log" 2>&1 &&
	[ -f "$r/lib/modules/$KVER/extra/u-dma-buf.ko" ] &&
	[ "$(find "$r" -type f | wc -l)" = 1 ]; then
	pass G1_modules_install_yocto_variables
else
	find "$r" >>"$W/modules_install_yocto.log" 2>&1
	fail G1_modules_install_yocto_variables "DEPMOD=echo MODLIB=... did not give exactly the module" "$W/modules_install_yocto.log"
fi
unset -f make
[ "$INSTALL_ONLY" = 1 ] && finish

# ---------------------------------------------------------- 2. make package
step "make package"
if [ "$DRIVER_VERSION" = "$DKMS_VERSION" ] && [ "$DEB_VERSION" = "$DKMS_VERSION" ]; then
	pass G2_versions_agree "$V (driver/udmabuf.h, dkms.conf, debian/changelog)"
else
	fail G2_versions_agree "driver $DRIVER_VERSION, dkms.conf $DKMS_VERSION, debian/changelog $DEB_VERSION"
fi
if ! "$REPO/scripts/package.sh" >"$W/package.txt" 2>&1; then
	if grep -q '^package build: FAILED' "$W/package.txt"; then
		fail G2_package_build "make package failed" "$W/package.txt"
		finish
	fi
fi
pass G2_package_build "$(grep '^packages:' "$W/package.txt" | sed 's/^packages: //')"
lsum=$(grep '^lintian:' "$W/package.txt")
if [ -n "$lsum" ] && ! grep -q '^E: ' "$BUILD/pkg/lintian.txt"; then
	pass G2_lintian_no_errors "${lsum#lintian: }"
else
	fail G2_lintian_no_errors "${lsum:-lintian did not run}" "$BUILD/pkg/lintian.txt"
fi
deb=$(ls "$BUILD"/pkg/u-dma-buf-dkms_"$DEB_VERSION"_all.deb 2>/dev/null)
[ -n "$deb" ] || { fail G2_package_build "no u-dma-buf-dkms_${DEB_VERSION}_all.deb in build/pkg"; finish; }

# G2_deb_contents: the DKMS source tree, the udev rule and the modprobe.d
# example (a conffile), byte for byte as in the repository
x=$W/deb
mkdir -p "$x"
dpkg-deb -x "$deb" "$x"
dpkg-deb -e "$deb" "$x/DEBIAN"
why=
u=usr/src/u-dma-buf-$V
# shellcheck disable=SC2010 # driver file names have no blanks
for f in dkms.conf Makefile driver/Kbuild driver/Kconfig $(cd "$SRC" && ls driver/*.c driver/*.h | grep -v '\.mod\.c$') \
	include/uapi/linux/u-dma-buf.h include/linux/u-dma-buf-kapi.h; do
	cmp -s "$SRC/$f" "$x/$u/$f" || why="$why; $u/$f missing or different"
done
cmp -s "$SRC/udev/99-u-dma-buf.rules" "$x/lib/udev/rules.d/99-u-dma-buf.rules" ||
	why="$why; lib/udev/rules.d/99-u-dma-buf.rules missing or different"
cmp -s "$SRC/contrib/modprobe.d/u-dma-buf.conf" "$x/etc/modprobe.d/u-dma-buf.conf" ||
	why="$why; etc/modprobe.d/u-dma-buf.conf missing or different"
grep -qx /etc/modprobe.d/u-dma-buf.conf "$x/DEBIAN/conffiles" 2>/dev/null ||
	why="$why; /etc/modprobe.d/u-dma-buf.conf is not a conffile"
dpkg-deb -f "$deb" Depends | has 'dkms' || why="$why; no dependency on dkms"
# the user-space packages
userdebs=()
for p in libudmabuf0 libudmabuf-dev udmabuf-tools; do
	# shellcheck disable=SC2012 # the newest of a glob; .deb names have no blanks
	f=$(ls "$BUILD/pkg/${p}_${DEB_VERSION}_"*.deb 2>/dev/null | head -n 1)
	[ -n "$f" ] || continue
	userdebs+=("$f")
	dpkg-deb -c "$f" | has '/usr/src/' && why="$why; $p contains /usr/src"
	dpkg-deb -f "$f" Depends | has 'dkms' && why="$why; $p depends on dkms"
done
if [ -n "$why" ]; then
	fail G2_deb_contents "${why#; }"
else
	pass G2_deb_contents "$u ($(find "$x/$u" -type f | wc -l) files), udev rule, modprobe.d conffile"
fi
if [ ${#userdebs[@]} != 3 ]; then
	fail G2_user_packages "only ${userdebs[*]##*/} of libudmabuf0, libudmabuf-dev, udmabuf-tools"
else
	why=
	dpkg-deb -c "${userdebs[0]}" | has '/libudmabuf\.so\.0( ->|$)' || why="$why; libudmabuf0 has no libudmabuf.so.0"
	dpkg-deb -c "${userdebs[1]}" | has '/usr/include/udmabuf\.h$' || why="$why; libudmabuf-dev has no udmabuf.h"
	dpkg-deb -c "${userdebs[1]}" | has '/libudmabuf\.so -> ' || why="$why; libudmabuf-dev has no libudmabuf.so link"
	dpkg-deb -c "${userdebs[2]}" | has '/usr/bin/udmabuf$' || why="$why; udmabuf-tools has no /usr/bin/udmabuf"
	dpkg-deb -c "${userdebs[2]}" | has '/man1/udmabuf\.1\.gz$' || why="$why; udmabuf-tools has no udmabuf(1)"
	if [ -n "$why" ]; then
		fail G2_user_packages "${why#; }"
	else
		pass G2_user_packages "libudmabuf0 (libudmabuf.so.0), libudmabuf-dev (udmabuf.h, .so, .a, .pc), udmabuf-tools (udmabuf, udmabuf(1))"
	fi
fi

# ------------------------------------------------------- 3. DKMS in pkgroot
step "DKMS in build/pkgroot (Debian 12, $KVER)"
if [ ! -e "$ROOT/.udmabuf-stamp" ] || ! grep -q " $IMAGE_PKG\$" "$ROOT/.udmabuf-stamp"; then
	fail G2_pkgroot "no build/pkgroot with $IMAGE_PKG: run scripts/setup.sh --pkg"
	finish
fi
# in_root LOG CMD...: CMD in the root file system, output appended to LOG
in_root() {
	local log=$1
	shift
	echo "+ $*" >>"$log"
	chroot_run_dir "$ROOT" "$@" >>"$log" 2>&1
}
ko=/lib/modules/$KVER/updates/dkms/u-dma-buf.ko
log=$W/pkgroot.log
# a clean start: no package, nothing of u-dma-buf in DKMS
in_root "$log" sh -c "
	for p in u-dma-buf-dkms libudmabuf0 libudmabuf-dev udmabuf-tools; do
		if dpkg -s \$p >/dev/null 2>&1; then apt-get purge -y -q \$p; fi
	done
	for v in \$(dkms status u-dma-buf 2>/dev/null | sed -n 's|^u-dma-buf/\([^,:]*\).*|\1|p' | sort -u); do
		dkms remove -m u-dma-buf -v \$v --all
	done
	rm -rf /usr/src/u-dma-buf-* /var/lib/dkms/u-dma-buf $ko
	depmod $KVER"

# G1_dkms_by_hand: dkms.conf from the source tree, as docs/packaging.md says
mkdir -p "$ROOT/usr/src/u-dma-buf-$V"
copy_tree "$ROOT/usr/src/u-dma-buf-$V"
dlog=$W/dkms.log
if in_root "$dlog" dkms add -m u-dma-buf -v "$V" &&
	in_root "$dlog" dkms build -m u-dma-buf -v "$V" -k "$KVER" &&
	in_root "$dlog" dkms install -m u-dma-buf -v "$V" -k "$KVER"; then
	st=$(chroot_run_dir "$ROOT" dkms status u-dma-buf 2>&1)
	vm=$(modinfo -F vermagic "$ROOT$ko" 2>/dev/null | cut -d ' ' -f 1)
	if [ "$vm" = "$KVER" ] && grep -q "^u-dma-buf/$V, $KVER, x86_64: installed" <<<"$st"; then
		pass G1_dkms_add_build_install "$st"
	else
		echo "status: $st; vermagic of $ko: '$vm'" >>"$dlog"
		fail G1_dkms_add_build_install "not installed for $KVER" "$dlog"
	fi
else
	[ -f "$ROOT/var/lib/dkms/u-dma-buf/$V/build/make.log" ] &&
		cat "$ROOT/var/lib/dkms/u-dma-buf/$V/build/make.log" >>"$dlog"
	fail G1_dkms_add_build_install "dkms add/build/install failed" "$dlog"
fi
# DKMS keeps the make.log of a build under <kernel>/<arch>/log (in build/
# when it failed)
mlog=$ROOT/var/lib/dkms/u-dma-buf/$V/$KVER/x86_64/log/make.log
[ -f "$mlog" ] || mlog=$ROOT/var/lib/dkms/u-dma-buf/$V/build/make.log
if [ ! -f "$mlog" ]; then
	fail G1_dkms_build_warnings "no make.log of DKMS' build"
elif grep -q 'warning:' "$mlog"; then
	grep 'warning:' "$mlog" >"$W/tail.txt"
	fail G1_dkms_build_warnings "warnings in DKMS' build (${mlog#"$ROOT"})" "$W/tail.txt"
else
	pass G1_dkms_build_warnings "none in ${mlog#"$ROOT"}"
fi
# G1_dkms_autoinstall: AUTOINSTALL=yes: once the module is gone from the
# kernel, the kernel's postinst hook (what installing a kernel runs)
# builds and installs it again
if in_root "$dlog" dkms uninstall -m u-dma-buf -v "$V" -k "$KVER" &&
	in_root "$dlog" dkms unbuild -m u-dma-buf -v "$V" -k "$KVER" &&
	[ ! -e "$ROOT$ko" ] &&
	in_root "$dlog" /etc/kernel/postinst.d/dkms "$KVER" &&
	[ -f "$ROOT$ko" ]; then
	pass G1_dkms_autoinstall "/etc/kernel/postinst.d/dkms $KVER rebuilt it"
else
	fail G1_dkms_autoinstall "the kernel's postinst hook did not rebuild the module" "$dlog"
fi
if in_root "$dlog" dkms remove -m u-dma-buf -v "$V" --all && [ ! -e "$ROOT$ko" ] &&
	! chroot_run_dir "$ROOT" dkms status u-dma-buf 2>/dev/null | has .; then
	pass G1_dkms_remove
else
	fail G1_dkms_remove "dkms remove --all left the module or its state" "$dlog"
fi
rm -rf "$ROOT/usr/src/u-dma-buf-$V"

# G2_apt_install: the package, as a user installs it; DKMS builds the
# module for the installed kernel
cp "$deb" "${userdebs[@]}" "$ROOT/tmp/"
alog=$W/apt-install.log
debargs=()
for f in "$deb" "${userdebs[@]}"; do debargs+=("/tmp/$(basename "$f")"); done
if in_root "$alog" apt-get install -y -q --no-install-recommends "${debargs[@]}"; then
	st=$(chroot_run_dir "$ROOT" dkms status u-dma-buf 2>&1)
	if [ -f "$ROOT$ko" ] && grep -q "^u-dma-buf/$V, $KVER, x86_64: installed" <<<"$st"; then
		pass G2_apt_install_dkms_builds "$st"
	else
		echo "dkms status: $st" >>"$alog"
		fail G2_apt_install_dkms_builds "installed, but DKMS did not install the module for $KVER" "$alog"
	fi
else
	fail G2_apt_install_dkms_builds "apt-get install ${debargs[*]#/tmp/} failed" "$alog"
fi
for f in "${debargs[@]}"; do rm -f "$ROOT$f"; done
grep -E '^(Sign command|Signing key|Binary .* not found)' "$alog" | sort -u | sed 's/^/    note: /'
if [ -f "$ROOT$ko" ] && modinfo -F signer "$ROOT$ko" 2>/dev/null | has .; then
	echo "    note: DKMS signed the module ($(modinfo -F signer "$ROOT$ko"))"
fi

# ------------------------------------------------------------ 4. the guest
step "a guest booted from build/pkgroot ($KVER, QEMU TCG)"
if [ ! -f "$ROOT$ko" ]; then
	fail G2_guest "no DKMS-built module in build/pkgroot to boot with"
	finish
fi
g=$W/initramfs
mkdir -p "$g/bin" "$g/lib/modules" "$g/pkgtest" "$g/dev" "$g/proc" "$g/sys"
cp "$BUILD/root/busybox-amd64/bin/busybox" "$g/bin/busybox"
cp "$REPO/scripts/guest/pkg-init" "$g/init"
chmod 755 "$g/init"
cp "$SRC/tests/pkg/guest-test.sh" "$g/pkgtest/"
if ! gcc -static -O2 -Wall -Werror -I "$SRC/include/uapi" -o "$g/pkgtest/pkg-smoke" \
	"$SRC/tests/pkg/pkg-smoke.c" >"$W/pkg-smoke.log" 2>&1; then
	fail G2_guest "tests/pkg/pkg-smoke.c did not build" "$W/pkg-smoke.log"
	finish
fi
# a program built in the root against libudmabuf-dev, as a user builds one
cp "$SRC/tests/pkg/pkg-lib.c" "$ROOT/tmp/pkg-lib.c"
if in_root "$W/pkg-lib.log" gcc -O2 -Wall -Werror -o /tmp/pkg-lib /tmp/pkg-lib.c -ludmabuf &&
	mv "$ROOT/tmp/pkg-lib" "$g/pkgtest/pkg-lib"; then
	pass G2_libudmabuf_dev_builds "gcc pkg-lib.c -ludmabuf in build/pkgroot"
else
	fail G2_libudmabuf_dev_builds "a program did not build against libudmabuf-dev" "$W/pkg-lib.log"
fi
rm -f "$ROOT/tmp/pkg-lib.c" "$ROOT/tmp/pkg-lib"
# the modules that mount the shared root, from the root's own kernel
: >"$g/lib/modules/load.list"
for m in virtio_pci 9pnet_virtio 9p overlay; do
	modprobe -d "$ROOT" -S "$KVER" --show-depends "$m" 2>>"$W/kmods.log"
done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' >"$W/kmods.txt"
while read -r p; do
	cp "$p" "$g/lib/modules/"
	basename "$p" >>"$g/lib/modules/load.list"
done <"$W/kmods.txt"
(cd "$g" && find . | cpio -o -H newc --quiet | gzip -1) >"$W/initramfs.cpio.gz"
console=$W/console.log
gstart=$(date +%s)
timeout -k 10 600 qemu-system-x86_64 -accel tcg -m 1024 -nographic -no-reboot -nic none \
	-kernel "$VMLINUZ" -initrd "$W/initramfs.cpio.gz" \
	-append "console=ttyS0 panic=-1 quiet printk.time=1" \
	-virtfs "local,path=$ROOT,mount_tag=pkgroot,security_model=passthrough,readonly=on" \
	</dev/null >"$console" 2>"$W/qemu.log"
qrc=$?
sed -i -e 's/\r$//' -e 's/\x1b\[[0-9;?]*[a-zA-Z]//g' -e 's/\x1bc//g' "$console"
echo "    guest: $(($(date +%s) - gstart)) s, QEMU status $qrc, console ${console#"$REPO"/}"
while IFS= read -r line; do
	case "$line" in
	"PASS "*) id=${line#PASS }; pass "${id%%: *}" "$([ "$id" != "${id#*: }" ] && echo "${id#*: }")" ;;
	"SKIP "*) id=${line#SKIP }; skip "${id%%: *}" "${id#*: }" ;;
	"FAIL "*) id=${line#FAIL }; fail "${id%%: *}" "${id#*: }" ;;
	esac
done < <(awk '/^PKG-KMSG-BEGIN$/ { k = 1 } /^PKG-KMSG-END$/ { k = 0; next } !k' "$console" |
	grep -aE '^(PASS|FAIL|SKIP) G2_guest')
end=$(sed -n 's/^PKG-END rc=\([0-9]*\)$/\1/p' "$console" | tail -n 1)
n=$(awk '/^PKG-KMSG-BEGIN$/ { k = 1 } /^PKG-KMSG-END$/ { k = 0; next } !k' "$console" |
	grep -acE '^(PASS|FAIL|SKIP) G2_guest')
# every test id the guest script names (with t or skip), once
want=$(grep -oE '(^|[[:space:]])(t|skip) G2_guest_[A-Za-z0-9_]+' "$SRC/tests/pkg/guest-test.sh" |
	awk '{ print $2 }' | sort -u | wc -l)
if [ -z "$end" ]; then
	fail G2_guest_boot "the guest did not finish (QEMU status $qrc)" "$console"
elif [ "$n" != "$want" ]; then
	fail G2_guest_boot "$n of the $want guest tests reported a result" "$console"
elif [ "$end" != 0 ] && [ "$NFAIL" = 0 ]; then
	fail G2_guest_boot "the guest ended with rc=$end without a FAIL line" "$console"
fi

# ------------------------------------------------------------ 5. apt purge
step "apt purge in build/pkgroot"
plog=$W/apt-purge.log
# shellcheck disable=SC2016 # ${Package} is dpkg-query's format
pkgs=$(chroot_run_dir "$ROOT" dpkg-query -W -f '${Package} ${db:Status-Abbrev}\n' \
	u-dma-buf-dkms libudmabuf0 libudmabuf-dev udmabuf-tools 2>/dev/null | awk '$2 ~ /^.i/ { print $1 }')
# shellcheck disable=SC2086 # one word per package
if in_root "$plog" apt-get purge -y -q $pkgs; then
	why=
	[ -e "$ROOT$ko" ] && why="$why; $ko still there"
	[ -e "$ROOT/usr/src/u-dma-buf-$V" ] && why="$why; /usr/src/u-dma-buf-$V still there"
	[ -e "$ROOT/etc/modprobe.d/u-dma-buf.conf" ] && why="$why; /etc/modprobe.d/u-dma-buf.conf still there"
	[ -e "$ROOT/lib/udev/rules.d/99-u-dma-buf.rules" ] && why="$why; the udev rule still there"
	chroot_run_dir "$ROOT" dkms status u-dma-buf 2>/dev/null | has . && why="$why; dkms still knows u-dma-buf"
	[ -e "$ROOT/usr/bin/udmabuf" ] && why="$why; /usr/bin/udmabuf still there"
	chroot_run_dir "$ROOT" modinfo -k "$KVER" -n u-dma-buf >/dev/null 2>&1 && why="$why; modinfo -k $KVER still finds u-dma-buf"
	if [ -n "$why" ]; then
		fail G2_apt_purge "${why#; }" "$plog"
	else
		pass G2_apt_purge "module, source, udev rule and modprobe.d file gone"
	fi
else
	fail G2_apt_purge "apt-get purge u-dma-buf-dkms failed" "$plog"
fi
step "done"
finish
