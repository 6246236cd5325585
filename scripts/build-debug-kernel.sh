#!/usr/bin/env bash
# build-debug-kernel.sh ARCH          build (or reuse) the debug kernel of ARCH
# build-debug-kernel.sh --path ARCH   print where it is (built or not)
#
# ARCH: x86_64 or arm64.  The kernel of `make check-debug` (targets
# x86_64-debug and arm64-debug of scripts/kernels.conf): Debian's
# linux-source-6.1 (/usr/src/linux-source-6.1.tar.xz; scripts/setup.sh
# --debug installs it) configured by `make tinyconfig` plus the fragments
# scripts/debug-kernel/common.config and scripts/debug-kernel/ARCH.config
# (KASAN, lockdep, DMA-API debug, kmemleak, ...).  A fragment line that
# does not make it into the final .config (a dependency missing, a name
# misspelt) fails the build: Kconfig drops such lines silently.
#
# Result, laid out like a Debian kernel for scripts/run-target.sh, in
# build/dbgk/ARCH-HASH/:
#   root/boot/vmlinuz-KVER, config-KVER, System.map-KVER
#   root/lib/modules/KVER/     modules, modules.dep, modules.builtin
#   obj/                       the object tree: KERNEL_SRC for modules
#   target.env                 KVER VMLINUZ KROOT KERNEL_SRC ... (lib.sh)
#   build.log                  the whole build's output
# HASH covers the fragments, the source package's version, the compiler's
# version and the build steps of this script (the functions below that
# make the kernel), so a change of any of them builds afresh and nothing
# else does.  The unpacked source is shared: build/dbgk/src-VERSION.
# A finished build has a file .done; an unfinished one is removed and
# started over by the next run.  Runs are serialized per directory.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

mkdir -p "$BUILD/dbgk"
# the physical directory: build/dbgk may be a link shared by work trees,
# and the object tree keeps the paths it was built with
DBGK=$(cd "$BUILD/dbgk" && pwd -P)
FRAG=$REPO/scripts/debug-kernel
KSRC_TAR=${DBGK_SOURCE_TAR:-/usr/src/linux-source-6.1.tar.xz}
# suffix of the kernel release: tells the debug kernel from Debian's
DBGK_LOCALVERSION=-udmabuf-debug

MODE=build
if [ "${1:-}" = --path ]; then
	MODE=path
	shift
fi
[ $# -eq 1 ] || die "usage: $0 [--path] x86_64|arm64"
ARCH=$1
case "$ARCH" in
x86_64) KARCH=x86_64 CROSS='' IMAGE=arch/x86/boot/bzImage IMAGE_TARGET=bzImage ;;
arm64) KARCH=arm64 CROSS=aarch64-linux-gnu- IMAGE=arch/arm64/boot/Image IMAGE_TARGET=Image ;;
*) die "unknown architecture '$ARCH' (x86_64 or arm64)" ;;
esac
# shellcheck disable=SC2015 # die ends the script: an if-then
[ -s "$FRAG/common.config" ] && [ -s "$FRAG/$ARCH.config" ] ||
	die "no fragments $FRAG/common.config and $FRAG/$ARCH.config"

# source_version: the Debian package version of the source tarball (or,
# without dpkg's word for it, the tarball's checksum)
source_version() {
	local v
	[ -s "$KSRC_TAR" ] || die "no kernel source $KSRC_TAR (scripts/setup.sh --debug installs linux-source-6.1)"
	v=$(dpkg-query -W -f '${Version}' linux-source-6.1 2>/dev/null || true)
	if [ -z "$v" ] || [ -n "${DBGK_SOURCE_TAR:-}" ]; then
		v=sha-$(sha256sum "$KSRC_TAR" | cut -c1-16)
	fi
	echo "$v"
}

# kmake ARGS...: make in the object tree $OBJ with the architecture's
# toolchain (-j: all cores)
kmake() {
	make -C "$SRCDIR" O="$OBJ" ARCH="$KARCH" CROSS_COMPILE="$CROSS" \
		LOCALVERSION="$DBGK_LOCALVERSION" -j"$(nproc)" "$@"
}

# configure: tinyconfig + fragments, then every fragment line checked
configure() {
	local l missing=0
	kmake tinyconfig
	KCONFIG_CONFIG="$OBJ/.config" "$SRCDIR/scripts/kconfig/merge_config.sh" \
		-m -O "$OBJ" "$OBJ/.config" "$FRAG/common.config" "$FRAG/$ARCH.config"
	kmake olddefconfig
	while IFS= read -r l; do
		if ! grep -qxF -- "$l" "$OBJ/.config"; then
			echo "debug kernel: fragment line not in .config: $l (.config has: $(grep -E "(^|# )${l%%[= ]*}[= ]" "$OBJ/.config" || echo nothing))" >&2
			missing=1
		fi
	done < <(cat "$FRAG/common.config" "$FRAG/$ARCH.config" | grep -E '^(CONFIG_|# CONFIG_)')
	[ "$missing" = 0 ] || die "the configuration lost fragment lines (see above): fix scripts/debug-kernel/*.config"
}

# build_kernel: image and modules, installed like a Debian kernel
build_kernel() {
	local kver
	configure
	kmake "$IMAGE_TARGET" modules
	kver=$(cat "$OBJ/include/config/kernel.release")
	mkdir -p "$OUT/root/boot"
	cp "$OBJ/$IMAGE" "$OUT/root/boot/vmlinuz-$kver"
	cp "$OBJ/.config" "$OUT/root/boot/config-$kver"
	cp "$OBJ/System.map" "$OUT/root/boot/System.map-$kver"
	kmake INSTALL_MOD_PATH="$OUT/root" modules_install
	# shellcheck disable=SC2015 # die ends the script: an if-then
	[ -s "$OUT/root/lib/modules/$kver/modules.dep" ] &&
		[ -e "$OUT/root/lib/modules/$kver/modules.builtin" ] ||
		die "modules_install left no modules.dep/modules.builtin"
	rm -f "$OUT/root/lib/modules/$kver/build" "$OUT/root/lib/modules/$kver/source"
	ln -s ../../../../obj "$OUT/root/lib/modules/$kver/build"
	echo "$kver" >"$OUT/kver"
}

# write_env: target.env of scripts/lib.sh (load_target) for this kernel
write_env() {
	local kver
	kver=$(cat "$OUT/kver")
	{
		echo "KVER='$kver'"
		echo "VMLINUZ='$OUT/root/boot/vmlinuz-$kver'"
		echo "KROOT='$OUT/root'"
		echo "KERNEL_SRC='$OBJ'"
		echo "MAKE_EXTRA=''"
		echo "CHROOT=''"
		echo "IMAGE_PKG=debug-kernel-$(basename "$OUT")"
	} >"$OUT/target.env"
}

SRCVER=$(source_version)
HASH=$(
	{
		cat "$FRAG/common.config" "$FRAG/$ARCH.config"
		echo "source $SRCVER"
		echo "compiler $("${CROSS}gcc" --version | head -n 1)"
		declare -f kmake configure build_kernel
		echo "$DBGK_LOCALVERSION"
	} | sha256sum | cut -c1-12
)
OUT=$DBGK/$ARCH-$HASH
OBJ=$OUT/obj
SRCDIR=$DBGK/src-$SRCVER

if [ "$MODE" = path ]; then
	echo "$OUT"
	exit 0
fi

mkdir -p "$DBGK"
exec 9>"$OUT.lock"
if ! flock -n 9; then
	note "waiting for another build of $OUT"
	flock 9
fi
if [ -e "$OUT/.done" ]; then
	note "debug kernel $ARCH: reusing $OUT"
	write_env
	echo "$OUT"
	exit 0
fi

# the unpacked source, shared by the builds of every architecture
exec 8>"$SRCDIR.lock"
flock 8
if [ ! -e "$SRCDIR/.done" ]; then
	note "unpacking $KSRC_TAR into $SRCDIR"
	rm -rf "$SRCDIR"
	mkdir -p "$SRCDIR"
	tar -xJf "$KSRC_TAR" -C "$SRCDIR" --strip-components=1
	touch "$SRCDIR/.done"
fi
flock -u 8

rm -rf "$OUT"
mkdir -p "$OBJ"
note "building the debug kernel for $ARCH in $OUT (log: build.log)"
start=$(date +%s)
# errexit inside (a subshell in a condition would run without it)
set +e
(
	set -e
	build_kernel
) >"$OUT/build.log" 2>&1
rc=$?
set -e
if [ "$rc" != 0 ]; then
	tail -n 30 "$OUT/build.log" >&2
	die "the debug kernel for $ARCH did not build (log: $OUT/build.log)"
fi
echo "$(($(date +%s) - start))" >"$OUT/build-seconds"
write_env
touch "$OUT/.done"
note "debug kernel $ARCH built in $(cat "$OUT/build-seconds") s: $OUT"
echo "$OUT"
