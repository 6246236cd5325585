#!/usr/bin/env bash
# run-target.sh TARGET        build, pack, boot and report one test target
# run-target.sh --demo TARGET boot TARGET in demo mode, print what it shows
# run-target.sh --demo-dma TARGET  the same with the "edu" boot of
#                             tests/boots.conf and scripts/guest/demo-dma.sh
# run-target.sh --bench TARGET  figures, not tests (see "bench" below)
# run-target.sh --fuzz TARGET   tests/fuzz/udmabuf-fuzz (and its 32-bit
#                             build where there is one) for FUZZ_SECONDS
#                             (default 300; the 32-bit build a third of it)
#                             with FUZZ_SEED (default: the time); fails on
#                             any finding (see "fuzz" below)
#
# Test mode prints the target's report on stdout (PASS/FAIL/SKIP lines with
# the target as a tag) and writes "pass fail skip" to $UT_COUNTS (default
# build/<TARGET>/counts).
# Besides the tests' own results, the run fails (a FAIL line of the harness)
# when a module or the guest programs do not build, a boot does not finish,
# the kernel log shows a warning, bug, oops or the driver's leak message,
# fewer tests report a result in a boot than the guest's runners list for
# it (udmabuf-test --list), a test is bound to a boot that no
# tests/boots.conf entry starts for any target (udmabuf-test --boots), a
# boot lists no test at all, or the target ran no test.
# Everything of the run stays in build/<TARGET>/: module and guest build
# logs, and per boot <boot>.console.log (the guest's serial console),
# <boot>.qemu.log and the initramfs.  Exit status 0 only if nothing failed.
#
# UDMABUF_SRC_ROOT=<dir> takes Makefile, driver/, include/, tests/guest/,
# tests/python/, python/ and examples/ from another tree (harness development).
set -uo pipefail
. "$(dirname "$0")/lib.sh"

MODE='test'
case "${1:-}" in
--demo | --demo-dma | --bench | --fuzz)
	MODE=${1#--}
	shift
	;;
esac
[ $# -eq 1 ] || die "usage: $0 [--demo|--bench|--fuzz] TARGET"
T=$1
load_target "$T"
W=$BUILD/$T
[ "$MODE" = test ] || W=$BUILD/$T/$MODE
mkdir -p "$W"
COUNTS=${UT_COUNTS:-$W/counts}
NPASS=0 NFAIL=0 NSKIP=0
NTESTS=0	# result lines of tests (not of the harness) over all boots
BOOTS_CHECKED=
# one run per target directory at a time (several people share a tree)
exec 8>"$W/.lock"
if ! flock -n 8; then
	echo "(waiting for another run on ${W#"$REPO"/} to finish)"
	flock 8
fi

# fail WHAT MESSAGE [DETAIL-FILE]: a failure that is not a test's own.
fail() {
	echo "FAIL [$T] $1: $2"
	if [ -n "${3:-}" ] && [ -s "$3" ]; then
		sed 's/^/    /' "$3"
	fi
	NFAIL=$((NFAIL + 1))
}

# skip WHAT REASON: a part of the target's run left out, saying why.
skip() {
	echo "SKIP [$T] $1: $2"
	NSKIP=$((NSKIP + 1))
}

finish() {
	[ "$NTESTS" -gt 0 ] ||
		fail harness "no test ran on this target (a target that runs nothing proves nothing)"
	echo "$NPASS $NFAIL $NSKIP" >"$COUNTS"
	[ "$NFAIL" = 0 ]
	exit
}

# sync_tree SRC DST: copy files whose content changed (with a fresh mtime,
# so that kbuild rebuilds exactly what changed).
sync_tree() {
	local from=$1 to=$2 f
	(cd "$from" && find . -type f ! -name '*.o' ! -name '*.ko' ! -name '.*.cmd' \
		! -name '*.mod' ! -name '*.mod.c' ! -name 'modules.order' \
		! -name 'Module.symvers') | while IFS= read -r f; do
		if ! cmp -s "$from/$f" "$to/$f"; then
			mkdir -p "$(dirname "$to/$f")"
			cp "$from/$f" "$to/$f"
		fi
	done
}

# ------------------------------------------------------------ modules
# kbuild LOG MAKE-ARGS...: make with the target's kernel toolchain, on the
# host or in its chroot (where build/<T>/src is /src); $S is that path.
kbuild() {
	local log=$1
	shift
	# shellcheck disable=SC2086
	if [ -n "$CHROOT" ]; then
		chroot_run "$CHROOT" --bind "$W/src" /src make "$@" ARCH="$A_KARCH" \
			CROSS_COMPILE="$A_CROSS" $MAKE_EXTRA
	else
		make "$@" ARCH="$A_KARCH" CROSS_COMPILE="$A_CROSS" $MAKE_EXTRA
	fi >"$log" 2>&1
}

# build_failed WHAT LOG MESSAGE
build_failed() {
	tail -n 40 "$2" >"$W/tail.txt"
	fail "$1" "$3 (log: ${2#"$REPO"/})" "$W/tail.txt"
}

build_warnings() {
	grep -E 'warning:' "$2" >"$W/tail.txt" &&
		fail "$1" "compiler warnings for $KVER (log: ${2#"$REPO"/})" "$W/tail.txt"
	return 0
}

# build_module: u-dma-buf.ko through the top Makefile, as users build it,
# and the test-only modules of tests/kmod (if any).
build_module() {
	local s=$W/src S=$W/src log=$W/module.log
	[ -n "$CHROOT" ] && S=/src
	mkdir -p "$s"
	cmp -s "$SRC/Makefile" "$s/Makefile" || cp "$SRC/Makefile" "$s/Makefile"
	rm -f "$s/u-dma-buf.ko" "$s"/tests/kmod/*.ko
	sync_tree "$SRC/driver" "$s/driver"
	sync_tree "$SRC/include" "$s/include"
	if ! kbuild "$log" -C "$S" modules KERNEL_SRC="$KERNEL_SRC" ||
		[ ! -s "$s/u-dma-buf.ko" ]; then
		build_failed build-module "$log" "the module did not build for $KVER"
		return 1
	fi
	build_warnings build-module "$log"
	[ -d "$SRC/tests/kmod" ] || return 0
	sync_tree "$SRC/tests/kmod" "$s/tests/kmod"
	log=$W/kmod.log
	# modules of tests/kmod may use u-dma-buf's exported symbols
	if ! kbuild "$log" -C "$KERNEL_SRC" M="$S/tests/kmod" \
		KBUILD_EXTRA_SYMBOLS="$S/driver/Module.symvers" modules ||
		! compgen -G "$s/tests/kmod/*.ko" >/dev/null; then
		# a FAIL, but boot anyway: tests that need these modules skip
		build_failed build-kmod "$log" "the test modules of tests/kmod did not build for $KVER"
		rm -f "$s"/tests/kmod/*.ko
		return 0
	fi
	build_warnings build-kmod "$log"
}

# ------------------------------------------------------ guest programs
# gcc_static CC OUT SOURCES...: a static guest program, log appended;
# warnings are errors (scripts/lint.sh compiles the same files so)
gcc_static() {
	local cc=$1 out=$2
	shift 2
	echo "+ $cc -static -O2 -Wall -Wextra -Werror -o $out $*" >>"$W/guest.log"
	"$cc" -static -O2 -Wall -Wextra -Werror -I "$SRC/include/uapi" -I "$SRC/tests/guest" \
		-I "$SRC/lib/include" -o "$out" "$@" >>"$W/guest.log" 2>&1
}

# user_build CC DIR: libudmabuf.a and the udmabuf command, static, as the
# top Makefile builds them for users (make user STATIC=1), into DIR
user_build() {
	echo "+ make user STATIC=1 CC=$1 UBUILD=$2" >>"$W/guest.log"
	make -s -C "$SRC" user STATIC=1 CC="$1" UBUILD="$2" >>"$W/guest.log" 2>&1
}

build_guest() {
	local g=$W/guest p ok=0
	rm -rf "$g" "$W/user" "$W/user32"
	mkdir -p "$g"
	: >"$W/guest.log"
	user_build "$A_CC" "$W/user" && cp "$W/user/udmabuf" "$g/udmabuf" || ok=1
	gcc_static "$A_CC" "$g/udmabuf-test" "$SRC"/tests/guest/*.c \
		"$W/user/libudmabuf.a" || ok=1
	if [ -n "$A_CC32" ]; then
		user_build "$A_CC32" "$W/user32" || ok=1
		gcc_static "$A_CC32" "$g/udmabuf-test32" "$SRC"/tests/guest/*.c \
			"$W/user32/libudmabuf.a" || ok=1
	fi
	# the fuzzer (tests/fuzz), also 32-bit: compat ioctls
	gcc_static "$A_CC" "$g/udmabuf-fuzz" "$SRC"/tests/fuzz/udmabuf-fuzz.c || ok=1
	if [ -n "$A_CC32" ]; then
		gcc_static "$A_CC32" "$g/udmabuf-fuzz32" "$SRC"/tests/fuzz/udmabuf-fuzz.c || ok=1
	fi
	# the guest programs, and the examples users copy (examples/*/*.c,
	# e.g. examples/edu-dma/edu-uio.c: /bin/edu-uio), built the same way
	for p in "$SRC"/tests/guest/progs/*.c "$SRC"/examples/*/*.c; do
		[ -e "$p" ] || continue
		# "/* ut-cflags: FLAGS */" in its first 3 lines: flags for it alone
		# shellcheck disable=SC2046
		gcc_static "$A_CC" "$g/$(basename "$p" .c)" $(head -n 3 "$p" |
			sed -n 's|^/\* ut-cflags: \(.*\) \*/$|\1|p') "$p" || ok=1
	done
	if [ $ok -ne 0 ]; then
		tail -n 40 "$W/guest.log" >"$W/tail.txt"
		fail build-tests "the guest programs did not build (log: ${W#"$REPO"/}/guest.log)" "$W/tail.txt"
		return 1
	fi
	grep -E 'warning:' "$W/guest.log" >"$W/tail.txt" &&
		fail build-tests "compiler warnings in the guest programs" "$W/tail.txt"
	return 0
}

# ------------------------------------------------------------ initramfs
# add_kmods DIR MODULES...: kernel modules of the image, with dependencies.
add_kmods() {
	local dir=$1 mods=() m dep base
	shift
	local mroot
	for mroot in "$KROOT/lib/modules/$KVER" "$KROOT/usr/lib/modules/$KVER"; do
		[ -d "$mroot/kernel" ] && break
	done
	# Debian's packages leave modules.dep to depmod at installation time
	if [ ! -e "$mroot/modules.dep" ]; then
		[ -e "$KROOT/lib/modules/$KVER" ] || ln -s usr/lib "$KROOT/lib"
		depmod -b "$KROOT" "$KVER" || { echo "depmod failed for $KVER"; return 1; }
	fi
	for m in "$@"; do
		m=${m//-/_}
		dep=$(awk -v m="$m" '{
			p = $1; sub(/:$/, "", p); b = p; sub(/.*\//, "", b)
			sub(/\.ko(\.xz|\.zst|\.gz)?$/, "", b); gsub(/-/, "_", b)
			if (b == m) { $1 = p; print; exit }
		}' "$mroot/modules.dep")
		# built into this kernel; without modules.builtin (Debian's 7.x
		# packages ship none) assumed so: a test needing it fails anyway
		if [ -z "$dep" ] && { [ ! -s "$mroot/modules.builtin" ] ||
			grep -qE "(^|/)$m\.ko" "$mroot/modules.builtin"; }; then
			continue
		fi
		[ -n "$dep" ] || { echo "no module $m in $KVER"; return 1; }
		# shellcheck disable=SC2206 # module paths are words
		mods+=($dep)
	done
	mkdir -p "$dir/lib/modules/$KVER"
	for m in $(printf '%s\n' "${mods[@]}" | sort -u); do
		base=${m%.xz}
		base=${base%.zst}
		base=${base%.gz}
		mkdir -p "$dir/lib/modules/$KVER/$(dirname "$base")"
		case "$m" in
		*.xz) xz -dc "$mroot/$m" ;;
		*.zst) zstd -dc "$mroot/$m" ;;
		*.gz) gzip -dc "$mroot/$m" ;;
		*) cat "$mroot/$m" ;;
		esac >"$dir/lib/modules/$KVER/$base" || return 1
	done
	# modules.dep of what we copied, with the uncompressed names
	for m in "$@"; do
		m=${m//-/_}
		awk -v m="$m" '{
			p = $1; sub(/:$/, "", p); b = p; sub(/.*\//, "", b)
			sub(/\.ko(\.xz|\.zst|\.gz)?$/, "", b); gsub(/-/, "_", b)
			if (b == m) print
		}' "$mroot/modules.dep"
	done | sed -E 's/\.ko\.(xz|zst|gz)/.ko/g' | sort -u >"$dir/lib/modules/$KVER/modules.dep"
}

# pack BOOT: build/<T>/<BOOT>.cpio.gz
pack() {
	local boot=$1 d=$W/initramfs-$1
	rm -rf "$d"
	mkdir -p "$d/bin" "$d/lib/modules" "$d/dev" "$d/proc" "$d/sys" "$d/tmp"
	cp "$BUILD/root/busybox-$T_ARCH/bin/busybox" "$d/bin/busybox"
	cp "$REPO/scripts/guest/init" "$d/init"
	cp "$REPO/scripts/guest/demo.sh" "$d/bin/udmabuf-demo.sh"
	cp "$REPO/scripts/guest/demo-dma.sh" "$d/bin/udmabuf-demo-dma.sh"
	chmod 755 "$d/init" "$d/bin/udmabuf-demo.sh" "$d/bin/udmabuf-demo-dma.sh"
	mkdir -p "$d/etc" "$d/root"
	echo "root:x:0:0:root:/root:/bin/sh" >"$d/etc/passwd"
	echo "root:x:0:" >"$d/etc/group"
	cp "$W/src/u-dma-buf.ko" "$d/lib/modules/u-dma-buf.ko"
	if compgen -G "$W/src/tests/kmod/*.ko" >/dev/null; then
		cp "$W"/src/tests/kmod/*.ko "$d/lib/modules/"
	fi
	cp "$W"/guest/* "$d/bin/"
	# the fuzzer's corpus, replayed by tests/guest/t_fuzz.c
	mkdir -p "$d/usr/share/udmabuf-tests/fuzz"
	cp "$SRC"/tests/fuzz/corpus/*.txt "$d/usr/share/udmabuf-tests/fuzz/"
	if [ -n "$B_KMODS" ]; then
		# shellcheck disable=SC2086
		add_kmods "$d" $B_KMODS >"$W/tail.txt" 2>&1 || {
			fail "boot:$boot" "kmods $B_KMODS" "$W/tail.txt"
			return 1
		}
	fi
	if [ "$B_ROOTFS" = python ]; then
		# the package as pip would install it, and its tests
		mkdir -p "$d/usr/lib/python3/dist-packages" "$d/usr/share/udmabuf-tests"
		cp -r "$SRC/python/src/udmabuf" "$d/usr/lib/python3/dist-packages/udmabuf"
		cp -r "$SRC/tests/python" "$d/usr/share/udmabuf-tests/python"
		find "$d/usr" -name __pycache__ -prune -exec rm -rf {} +
	fi
	(cd "$d" && find . | cpio -o -H newc --quiet | gzip -1) >"$W/$boot.cpio.gz"
	if [ -n "$B_ROOTFS" ]; then
		# a root file system of scripts/setup.sh first: the kernel unpacks
		# concatenated archives in order, the boot's own files win
		local rfs=$BUILD/rootfs/$B_ROOTFS-$T_ARCH.cpio.gz
		if [ ! -s "$rfs" ]; then
			fail "boot:$boot" "rootfs $B_ROOTFS: no ${rfs#"$REPO"/} (run scripts/setup.sh)"
			return 1
		fi
		cat "$rfs" "$W/$boot.cpio.gz" >"$W/$boot.cpio.gz.tmp" &&
			mv "$W/$boot.cpio.gz.tmp" "$W/$boot.cpio.gz"
	fi
}

# merge_dts BASE: the tree BASE, then every dtsi file of the boot
merge_dts() {
	local f
	cat "$1" || return 1
	for f in $B_DTSI; do
		echo
		cat "$SRC/$f" || return 1
	done
}

# dtb BOOT: the base tree plus the boot's dtsi files, in order.  The base
# is QEMU's own tree for this boot (-M virt,dumpdtb=...), or with
# "dtb-from-package" a tree the kernel package ships
# (usr/lib/linux-image-<version>/<path>).
make_dtb() {
	local boot=$1 d=$W/dt-$1 base
	rm -rf "$d"
	mkdir -p "$d"
	{
		if [ -n "$B_DTB_PKG" ]; then
			base=$KROOT/usr/lib/linux-image-$KVER/$B_DTB_PKG
			[ -s "$base" ] || { echo "no $base in the kernel package"; false; }
		else
			base=$d/virt.dtb
			# shellcheck disable=SC2086
			"$A_QEMU" -M "$A_MACHINE,dumpdtb=$base" -cpu "$A_CPU" \
				-m "$B_MEMORY" -nographic -nic none $B_QEMU
		fi &&
			dtc -q -I dtb -O dts -o "$d/base.dts" "$base" &&
			merge_dts "$d/base.dts" >"$d/merged.dts" &&
			dtc -q -I dts -O dtb -o "$d/boot.dtb" "$d/merged.dts"
	} >"$d/dtc.log" 2>&1 </dev/null || {
		fail "boot:$boot" "device tree from $B_DTSI did not build" "$d/dtc.log"
		return 1
	}
	echo "$d/boot.dtb"
}

# -------------------------------------------------------------- boot
# boot_guest BOOT MODE: one QEMU run; its console in build/<T>/<BOOT>.console.log
boot_guest() {
	local boot=$1 mode=$2 append dtb='' args=() rc
	# log_buf_len: the guest's runner reads each test's kernel log as the
	# test goes, but a debug kernel's reports come ~8 KiB each and dozens
	# at a time (the allowed DMA-API reports of an O_DIRECT stress): the
	# default 128 KiB ring buffer overwrote some before they were read
	append="console=${B_CONSOLE:-$A_CONSOLE} panic=-1 quiet printk.time=1 log_buf_len=4M ut.boot=$boot ut.mode=$mode"
	# "tests": the tests of another boot run in this one
	[ -n "$B_TESTS" ] && append="$append ut.tests=$B_TESTS"
	# UT_ONLY: the tests whose ids start so (checked in the main loop)
	[ -n "${UT_ONLY:-}" ] && append="$append ut.only=$UT_ONLY"
	# a debug kernel's tests get DEBUG_TIMEOUT_SCALE times their time too
	[ "$T_BUILD" = debug ] && append="$append ut.debug ut.timeout_scale=$DEBUG_TIMEOUT_SCALE"
	# the x86_64 debug kernel: KASAN's quarantine and the detectors'
	# objects leave unmovable pages all over low memory, so a free 32 MiB
	# range below 4 GiB (H1_last_close_frees_memory) is rare even in
	# 1 GiB; a CMA area, as a user would give with cma=, takes what the
	# contiguous-range path (tried first) cannot
	# (the default boot's: in the large boots the memory hogs' pages in
	# the CMA area made CmaFree drift)
	if [ "$T_BUILD" = debug ] && [ "$T_ARCH" = amd64 ] && [ "$boot" = default ] &&
		[[ " $B_CMDLINE " != *" cma="* ]]; then
		append="$append cma=64M"
	fi
	append="$append $B_CMDLINE"
	if [ -n "$B_DTSI" ] || [ -n "$B_DTB_PKG" ]; then
		[ -n "$A_MACHINE" ] || { fail "boot:$boot" "dtsi given but $T has no device tree"; return 1; }
		dtb=$(make_dtb "$boot") || return 1
		args+=(-dtb "$dtb")
	fi
	# "machine": a board of its own (e.g. xlnx-zcu102), whose CPUs are
	# part of the machine: no -cpu
	if [ -n "$B_MACHINE" ]; then
		args+=(-M "$B_MACHINE")
	elif [ -n "$A_MACHINE" ]; then
		args+=(-M "$A_MACHINE" -cpu "$A_CPU")
	fi
	if [ -n "$B_DISK" ]; then
		# a fresh, zero-filled raw image per boot: the guest's /dev/vda;
		# iommu_platform=on (modern virtio only) makes the guest's
		# virtio use the DMA API, as for real hardware (works under TCG
		# without a virtual IOMMU).  32-bit arm: virtio-mmio, as the
		# virt machine's PCIe host (ECAM above 4 GiB) does not probe
		rm -f "$W/$boot.disk.img"
		truncate -s "${B_DISK}M" "$W/$boot.disk.img" || {
			fail "boot:$boot" "cannot create the disk image $W/$boot.disk.img"
			return 1
		}
		args+=(-drive "if=none,id=d0,file=$W/$boot.disk.img,format=raw")
		# shellcheck disable=SC2054 # commas inside QEMU options
		if [ "$A_KARCH" = arm ]; then
			args+=(-global virtio-mmio.force-legacy=false
				-device virtio-blk-device,drive=d0,iommu_platform=on)
		else
			args+=(-device virtio-blk-pci,drive=d0,disable-legacy=on,iommu_platform=on)
		fi
	fi
	# shellcheck disable=SC2206
	args+=(-accel tcg -m "$B_MEMORY" -nographic -no-reboot -nic none
		-kernel "$VMLINUZ" -initrd "$W/$boot.cpio.gz" -append "$append" $B_QEMU)
	echo "$A_QEMU ${args[*]}" >"$W/$boot.qemu.log"
	BOOT_START=$(date +%s)
	# no sound card of a board (xlnx-zcu102's DisplayPort) looks for a
	# host audio device
	QEMU_AUDIO_DRV=none timeout -k 10 "$B_TIMEOUT" "$A_QEMU" "${args[@]}" </dev/null \
		>"$W/$boot.console.log" 2>>"$W/$boot.qemu.log"
	rc=$?
	BOOT_SECS=$(($(date +%s) - BOOT_START))
	echo "exit status $rc after $BOOT_SECS s" >>"$W/$boot.qemu.log"
	# the serial console writes CRLF
	sed -i -e 's/\r$//' -e 's/\x1b\[[0-9;?]*[a-zA-Z]//g' -e 's/\x1bc//g' "$W/$boot.console.log"
	return $rc
}

# section LOG NAME: the lines between UT-NAME-BEGIN and UT-NAME-END.
section() {
	awk -v b="UT-$2-BEGIN" -v e="UT-$2-END" '$0 == e { s = 0 } s { print } $0 == b { s = 1 }' "$1"
}

# "is still referenced ... leaking": the driver gives up a buffer whose pages
# someone still holds (driver/udmabuf_buffer.c); bad_log_words in ut.c too.
KERNEL_BAD='WARNING:|BUG:|Oops|[Cc]all [Tt]race|Kernel panic|kernel BUG|Unable to handle kernel|general protection fault|UBSAN:|KASAN:|is still referenced|leaking'
# Debug kernels (build kind "debug", make check-debug) add their detectors'
# words: KFENCE, lockdep ("possible circular locking dependency" and the
# like print WARNING: too), DMA-API debugging's errors, hung tasks.
# kmemleak is judged from its whole report at the end of the boot
# (debug_report: every object with its stack), not from its "N new
# suspected memory leaks" line, which counts 6.1's allowed class-name leak
# too.  KERNEL_OK: lines of those detectors that report nothing.
if [ "$T_BUILD" = debug ]; then
	KERNEL_BAD="$KERNEL_BAD|KFENCE:|DMA-API:|possible circular|possible recursive|inconsistent lock state|suspicious RCU|lock held when returning|DEBUG_LOCKS_WARN_ON|lockdep is turned off|blocked for more than|soft lockup|hard LOCKUP|Bad page|list_(add|del) corruption|INFO: "
fi
KERNEL_OK='DMA-API: (preallocated [0-9]+ debug entries|debugging enabled by kernel config)|kmemleak: Kernel memory leak detector initialized'
# strip_allowed_reports COUNTFILE: kernel log text (one record a line) in,
# the same out less every whole report of the two kinds that tests may
# declare (tests/guest/ut.c, docs/testing.md "The allowed reports"):
# DMA-API debugging's overlapping-mapping report for a virtio disk (from
# its "cut here" line through "---[ end trace" and the "Mapped at:" stack
# after it), and 6.1's duplicate sysfs link of module_add_driver() (the
# line, CPU and hardware lines, and a stack holding module_add_driver).
# "<reports> <DMA-API reports among them>" goes to COUNTFILE.
strip_allowed_reports() {
	awk -v out="$1" '
		{ line[NR] = $0 }
		function disk_end(i,   j) {
			if (line[i] != "------------[ cut here ]------------" ||
			    line[i + 1] !~ /^DMA-API: virtio-(pci|mmio) [^ ]+: cacheline tracking EEXIST, overlapping mappings aren.t supported$/)
				return 0
			for (j = i + 1; j <= NR && line[j] !~ /^---\[ end trace/; j++)
				;
			if (j > NR)
				return 0
			if (line[j + 1] == "DMA-API: Mapped at:")
				for (j++; substr(line[j + 1], 1, 1) == " "; j++)
					;
			return j
		}
		function dup_end(i,   j, ours) {
			if (line[i] !~ /^sysfs: cannot create duplicate filename .\/\/[^ ]*:u-dma-buf.$/)
				return 0
			j = i + 1
			if (line[j] ~ /^CPU: /) j++
			if (line[j] ~ /^Hardware name: /) j++
			if (line[j] != "Call Trace:" && line[j] != "Call trace:")
				return 0
			j++
			ours = 0
			if (line[j] == " <TASK>") {
				for (; j <= NR && line[j] != " </TASK>"; j++)
					if (line[j] ~ /^ module_add_driver\+/) ours = 1
				if (j > NR)
					return 0
			} else {
				for (; substr(line[j], 1, 1) == " "; j++)
					if (line[j] ~ /^ module_add_driver\+/) ours = 1
				j--
			}
			return ours ? j : 0
		}
		END {
			n = 0; dma = 0
			for (i = 1; i <= NR; i++) {
				e = disk_end(i)
				if (e) dma++
				else e = dup_end(i)
				if (!e) { print line[i]; continue }
				n++
				i = e
			}
			print n, dma > out
		}'
}

# boot timeouts of tests/boots.conf times this on debug kernels (KASAN,
# KCOV and the rest under TCG; docs/testing.md has the measurements)
DEBUG_TIMEOUT_SCALE=${DEBUG_TIMEOUT_SCALE:-4}
# and their memory (-m) times this: KASAN's shadow takes an eighth, and
# the detectors' unmovable objects (kmemleak's, DMA-API debugging's) lie
# all over the rest, so the 32 MiB contiguous buffers of the
# default boot found no free range below 4 GiB in 512 MiB
DEBUG_MEMORY_SCALE=${DEBUG_MEMORY_SCALE:-2}

# all_boots: every boot name some target of kernels.conf starts
all_boots() {
	local t
	for t in $(conf_targets); do
		BOOT_ALL_SETS=1 boot_names "$t"
	done | sort -u
}

# check_boots RESULTS: every boot a test is bound to (the UT-BOOTS lines of
# udmabuf-test --boots) must be started by tests/boots.conf for some
# target; otherwise its tests never run anywhere.  Once per target.
check_boots() {
	local res=$1 known b n files
	[ -n "$BOOTS_CHECKED" ] && return 0
	if ! grep -aq '^UT-BOOTS ' "$res"; then
		fail harness "the guest did not print the boots of the tests (udmabuf-test --boots)"
		return 0
	fi
	BOOTS_CHECKED=1
	known=$(all_boots)
	while read -r _ b n; do
		if ! grep -qxF "$b" <<<"$known"; then
			files=$(grep -lF "\"$b\")" "$SRC"/tests/guest/*.c 2>/dev/null |
				sed "s|^$SRC/||" | tr '\n' ' ')
			fail harness "$n test(s) are bound to boot \"$b\", which no tests/boots.conf entry starts for any target, so they never run (${files:-see udmabuf-test --list --boot $b})"
		fi
	done < <(grep -a '^UT-BOOTS ' "$res")
}

# check_ran BOOT RESULTS: every test the runners listed for this boot
# (UT-LIST lines) reported exactly one result, and nothing else did.
check_ran() {
	local boot=$1 res=$2 listed=$W/$1.listed ran=$W/$1.ran n m x
	grep -a '^UT-LIST-ERROR' "$res" | sed 's/^UT-LIST-ERROR //' >"$W/tail.txt"
	[ -s "$W/tail.txt" ] && fail "harness:$boot" "the guest could not list its tests" "$W/tail.txt"
	if ! grep -aqx 'UT-LIST-END' "$res"; then
		fail "harness:$boot" "the guest printed no complete list of its tests, so nothing shows what should have run"
		return 0
	fi
	grep -a '^UT-LIST ' "$res" | sed 's/^UT-LIST //' | LC_ALL=C sort -u >"$listed"
	awk '/^(PASS|FAIL|SKIP) / {
		l = substr($0, 6); if ($1 != "PASS") sub(/: .*/, "", l); print l
	}' "$res" | LC_ALL=C sort >"$ran"
	m=$(wc -l <"$listed")
	n=$(wc -l <"$ran")
	if [ "$m" -eq 0 ] && [ -n "${UT_ONLY:-}" ]; then
		echo "boot $boot: no test of it matches UT_ONLY=$UT_ONLY"
		return 0
	elif [ "$m" -eq 0 ]; then
		fail "harness:$boot" "tests/boots.conf starts boot \"$boot\" for $T, but no test is bound to it"
		return 0
	fi
	LC_ALL=C sort -u "$ran" | LC_ALL=C comm -23 "$listed" - >"$W/missing.txt"
	x=$(wc -l <"$W/missing.txt")
	if [ "$x" -gt 0 ]; then
		head -n 30 "$W/missing.txt" >"$W/tail.txt"
		[ "$x" -gt 30 ] && echo "... and $((x - 30)) more" >>"$W/tail.txt"
		fail "harness:$boot" "$x of the $m tests listed for this boot reported no result ($n results)" "$W/tail.txt"
	fi
	LC_ALL=C sort -u "$ran" | LC_ALL=C comm -13 "$listed" - >"$W/tail.txt"
	[ -s "$W/tail.txt" ] && fail "harness:$boot" "results of tests that the runners did not list" "$W/tail.txt"
	uniq -d "$ran" >"$W/tail.txt"
	[ -s "$W/tail.txt" ] && fail "harness:$boot" "tests that reported more than one result" "$W/tail.txt"
	return 0
}

# report BOOT QEMU-RC: turn the console log into result lines.
report() {
	local boot=$1 qrc=$2 log=$W/$1.console.log tag=$T res end out
	[ "$boot" = default ] || tag="$T/$boot"
	res=$W/$boot.results
	end=$(sed -n 's/^UT-END rc=\([0-9]*\)$/\1/p' "$log" | tail -n 1)
	if grep -aqx UT-RESULTS-BEGIN "$log"; then
		section "$log" RESULTS >"$res"
	else
		# the guest died: take what the live output shows
		grep -aE "^(PASS|FAIL|SKIP) |^UT-(BOOTS|LIST|ALLOWED-REPORTS)" "$log" >"$res"
	fi
	out=$(awk -v tag="$tag" '
		/^(PASS|FAIL|SKIP) / {
			k = $1; n[k]++; print k " [" tag "] " substr($0, 6); next
		}
		/^[0-9]+ passed, [0-9]+ failed/ { next }
		/^UT-(BOOTS|LIST|ALLOWED-REPORTS)/ { next }
		{ print "    " $0 }
		END { printf "COUNTS %d %d %d\n", n["PASS"], n["FAIL"], n["SKIP"] }
	' "$res")
	echo "$out" | grep -v '^COUNTS '
	local np nf ns
	read -r _ np nf ns <<<"$(echo "$out" | grep '^COUNTS ')"
	NPASS=$((NPASS + np)) NFAIL=$((NFAIL + nf)) NSKIP=$((NSKIP + ns))
	NTESTS=$((NTESTS + np + nf + ns))
	check_boots "$res"
	check_ran "$boot" "$res"

	# the whole kernel log: the guest's /dev/kmsg dump, and the kernel's
	# own console lines (timestamped) in case the guest died before it;
	# less the allowed reports of the tests that declared them (there
	# must be exactly as many as the guest's runner took out)
	{
		section "$log" KMSG | sed 's/^[^;]*;//' |
			strip_allowed_reports "$W/$boot.allowed"
		grep -aE "^\\[ *[0-9]+\\.[0-9]+\\]" "$log"
	} | grep -vE "$KERNEL_OK" | grep -E -B 2 -A 12 "$KERNEL_BAD" | head -n 40 >"$W/tail.txt"
	[ -s "$W/tail.txt" ] &&
		fail "kernel-log:$boot" "the guest's kernel log shows a warning, bug or oops (log: ${log#"$REPO"/})" "$W/tail.txt"
	# "UT-ALLOWED-REPORTS <test> <reports> <DMA-API reports>"
	ALLOWED=$(awk '/^UT-ALLOWED-REPORTS / { n += $3; d += $4 } END { print n + 0, d + 0 }' "$res")
	if [ "$(cat "$W/$boot.allowed" 2>/dev/null)" != "$ALLOWED" ]; then
		fail "kernel-log:$boot" "the kernel log holds $(cat "$W/$boot.allowed" 2>/dev/null) (all, DMA-API) of the allowed reports, the tests took out $ALLOWED (UT-ALLOWED-REPORTS; docs/testing.md \"The allowed reports\")"
	fi
	ALLOWED_DMA=${ALLOWED#* }

	[ "$T_BUILD" = debug ] && [ -n "$end" ] && debug_report "$boot" "$log"

	if [ -z "$end" ]; then
		local why="no end marker"
		case "$qrc" in
		0) ;;
		124 | 137) why="timed out after $B_TIMEOUT s" ;;
		*) why="QEMU exit status $qrc" ;;
		esac
		grep -aq 'Kernel panic' "$log" && why="kernel panic"
		{
			tail -n 5 "$W/$boot.qemu.log"
			echo "---- last lines of the console ----"
			tail -n 30 "$log"
		} >"$W/tail.txt"
		fail "boot:$boot" "the guest did not finish ($why; console: ${log#"$REPO"/})" "$W/tail.txt"
	elif [ "$end" != 0 ] && [ "$nf" = 0 ]; then
		fail "boot:$boot" "the test runner exited with status $end without a FAIL line (console: ${log#"$REPO"/})"
	fi
}

# debug_report BOOT LOG: a debug kernel's findings at the end of a boot
# (scripts/guest/init): kmemleak's report after its scans, and DMA-API
# debugging's error count (it prints only the first errors).
debug_report() {
	local boot=$1 log=$2 n
	if ! grep -aqx UT-KMEMLEAK-BEGIN "$log"; then
		fail "kmemleak:$boot" "no kmemleak report at the end of the boot (is /sys/kernel/debug/kmemleak there? console: ${log#"$REPO"/})"
	else
		# less 6.1's leak of a class's name (ut.c's class_name_leak();
		# docs/testing.md "The allowed reports")
		section "$log" KMEMLEAK | awk '
			function flush() {
				if (obj != "" && !(obj ~ /75 2d 64 6d 61 2d 62 75 66 00/ &&
				    obj ~ /kobject_set_name\+[^\n]*\n[^\n]*__class_register\+/))
					printf "%s", obj
				obj = ""
			}
			/^unreferenced object / { flush() }
			{ obj = obj $0 "\n" }
			END { flush() }' >"$W/$boot.kmemleak"
		if [ -s "$W/$boot.kmemleak" ]; then
			head -n 40 "$W/$boot.kmemleak" >"$W/tail.txt"
			fail "kmemleak:$boot" "kmemleak found $(grep -c '^unreferenced object' "$W/$boot.kmemleak") unreferenced object(s) (report: ${W#"$REPO"/}/$boot.kmemleak)" "$W/tail.txt"
		fi
	fi
	n=$(sed -n 's/^UT-DMA-API-ERRORS \([0-9]*\)$/\1/p' "$log" | tail -n 1)
	if [ -z "$n" ]; then
		fail "dma-api:$boot" "no DMA-API debugging error count at the end of the boot (console: ${log#"$REPO"/})"
	elif [ "$n" != "$ALLOWED_DMA" ]; then
		grep -a -A 3 'DMA-API: ' "$log" | grep -vE "$KERNEL_OK" | head -n 20 >"$W/tail.txt"
		fail "dma-api:$boot" "DMA-API debugging counted $n error(s), $ALLOWED_DMA of them the allowed report (console: ${log#"$REPO"/})" "$W/tail.txt"
	fi
}

# ------------------------------------------------------------- bench
# The bench compares mapping costs with the established driver
# (ikwzm/u-dma-buf), built here with this target's headers and toolchain,
# outside the project tree, never committed:
#   UDMABUF_ESTABLISHED_SRC=<dir>      its source (Makefile, u-dma-buf.c), or
#   UDMABUF_ESTABLISHED_GIT=<git dir>  a clone whose HEAD is taken
#                                      (default /work/.mirror/ikwzm+udmabuf/repo)
#   UDMABUF_ESTABLISHED_BUILD=<dir>    where, per target (default: est-build
#                                      beside this tree)
# Without it the bench prints this driver's figures alone.
#   BENCH_SIZE=<bytes>  buffer size (default: 32 MiB on arm64, 4 MiB elsewhere)
#   BENCH_ROUNDS=<n>    rounds, each loads the established driver, measures,
#                       unloads it, then the same with this one (default 3)
#   BENCH_REPS=<n>      repetitions per figure and round (default 5); the
#                       tables show the median of all rounds' repetitions
#   BENCH_EST_PARAMS=<p=v>[,<p=v>]...  parameters for the established driver
#                       besides udmabuf0 (default none: what users get)
# Then large buffers (udmabuf-large-bench, H8), one more boot per guest size:
#   BENCH_LARGE_MEMORY="<MiB>..."  guest sizes (default "2048 4096" on x86_64,
#                       none elsewhere; "" skips them)
#   BENCH_LARGE_ARGS=<a>[,<a>]...  arguments of udmabuf-large-bench
#                       (e.g. -t,5,-s,16:256)

# bench_est_build: sets EST_KO and EST_DESC, or EST_NOTE saying why not.
bench_est_build() {
	local src=${UDMABUF_ESTABLISHED_SRC:-}
	local git=${UDMABUF_ESTABLISHED_GIT:-/work/.mirror/ikwzm+udmabuf/repo}
	local d s log ver
	d=${UDMABUF_ESTABLISHED_BUILD:-$(dirname "$REPO")/est-build}/$T
	EST_KO='' EST_DESC='' EST_NOTE=''
	if [ -z "$src" ] && ! git --git-dir="$git" rev-parse -q --verify HEAD >/dev/null 2>&1; then
		EST_NOTE="the established driver's source is not available (set UDMABUF_ESTABLISHED_SRC=<dir> or UDMABUF_ESTABLISHED_GIT=<git dir>)"
		return 1
	fi
	mkdir -p "$d" || { EST_NOTE="cannot create $d"; return 1; }
	s=$d/src log=$d/build.log
	# the build directory may be shared by several trees
	exec 7>"$d/.lock"
	flock 7
	rm -rf "$d/new"
	mkdir -p "$d/new" "$s"
	if [ -n "$src" ]; then
		find "$src" -maxdepth 1 -type f -exec cp {} "$d/new/" \;
		EST_DESC="from $src"
	else
		git --git-dir="$git" archive HEAD | tar -x -C "$d/new"
		EST_DESC="$(git --git-dir="$git" describe --tags --always HEAD 2>/dev/null) from $git"
	fi
	if [ ! -f "$d/new/u-dma-buf.c" ]; then
		EST_NOTE="no u-dma-buf.c in the established driver's source ($EST_DESC)"
		exec 7>&-
		return 1
	fi
	ver=$(sed -n 's/^#define[ \t]*DRIVER_VERSION[ \t]*"\(.*\)".*/\1/p' "$d/new/u-dma-buf.c" | head -n 1)
	EST_DESC="version ${ver:-?}, $EST_DESC"
	sync_tree "$d/new" "$s"
	rm -f "$s/u-dma-buf.ko"
	# its Makefile builds M=$(PWD): name the directory explicitly
	# shellcheck disable=SC2086
	if [ -n "$CHROOT" ]; then
		chroot_run "$CHROOT" --bind "$s" /est make -C /est PWD=/est \
			KERNEL_SRC="$KERNEL_SRC" ARCH="$A_KARCH" CROSS_COMPILE="$A_CROSS" $MAKE_EXTRA
	else
		make -C "$s" PWD="$s" KERNEL_SRC="$KERNEL_SRC" ARCH="$A_KARCH" \
			CROSS_COMPILE="$A_CROSS" $MAKE_EXTRA
	fi >"$log" 2>&1
	if [ ! -s "$s/u-dma-buf.ko" ]; then
		EST_NOTE="the established driver did not build for $KVER (log: $log)"
		exec 7>&-
		return 1
	fi
	mkdir -p "$W/est"
	cp "$s/u-dma-buf.ko" "$W/est/u-dma-buf-est.ko"
	exec 7>&-
	EST_KO=$W/est/u-dma-buf-est.ko
}

# bench_pack: the established module into the default initramfs (packed
# already), the bench's size and repetitions onto the command line.
bench_pack() {
	local d=$W/initramfs-default
	BENCH_SIZE=${BENCH_SIZE:-$([ "$A_KARCH" = arm64 ] && echo 33554432 || echo 4194304)}
	BENCH_REPS=${BENCH_REPS:-5}
	BENCH_ROUNDS=${BENCH_ROUNDS:-3}
	B_CMDLINE="$B_CMDLINE ut.bench_size=$BENCH_SIZE ut.bench_reps=$BENCH_REPS ut.bench_rounds=$BENCH_ROUNDS"
	[ -n "${BENCH_EST_PARAMS:-}" ] && B_CMDLINE="$B_CMDLINE ut.bench_est_params=$BENCH_EST_PARAMS"
	B_TIMEOUT=${BENCH_TIMEOUT:-3000}
	if bench_est_build; then
		cp "$EST_KO" "$d/lib/modules/u-dma-buf-est.ko"
		(cd "$d" && find . | cpio -o -H newc --quiet | gzip -1) >"$W/default.cpio.gz"
	fi
}

# bench_large: udmabuf-large-bench in a guest of each BENCH_LARGE_MEMORY
# size, from the default boot's initramfs; 0 if every one printed its table.
bench_large() {
	local mem log ok=0 def=
	[ "$A_KARCH" = x86_64 ] && def="2048 4096"
	for mem in ${BENCH_LARGE_MEMORY-$def}; do
		boot_conf default
		# a disk as large as the memory: its cache fills the memory
		B_MEMORY=$mem B_DISK=$mem B_TIMEOUT=${BENCH_TIMEOUT:-3000}
		# the kernel's image at one place (KASLR moves it into a
		# different candidate range on every boot), and times from
		# the HPET (a TSC calibrated under load can be far off)
		[ "$A_KARCH" = x86_64 ] && B_CMDLINE="nokaslr clocksource=hpet"
		[ -n "${BENCH_LARGE_ARGS:-}" ] &&
			B_CMDLINE="$B_CMDLINE ut.bench_large_args=$BENCH_LARGE_ARGS"
		cp "$W/default.cpio.gz" "$W/large-$mem.cpio.gz"
		echo
		boot_guest "large-$mem" bench-large
		log=$W/large-$mem.console.log
		if grep -qx UT-BENCH-LARGE-END "$log"; then
			section "$log" BENCH-LARGE
		else
			echo "The large-buffer guest of $mem MiB did not get to its output. Last console lines:"
			tail -n 40 "$log"
		fi
		grep -q '^UT-END rc=0$' "$log" || ok=1
	done
	return $ok
}

# bench_report FILE: the tables of the guest's MC/MCI/MT/MCE lines, and
# $W/summary.txt: a header and one line per variant (make bench prints the
# summaries of all targets last).
bench_report() {
	local base
	# first writes before #7 (main 9899288): one fault per page where the
	# CPU has no hardware dirty bit (QEMU's cortex-a57, 32-bit ARM)
	case "$A_KARCH" in
	x86_64) base=0 ;;
	arm64 | arm) base=1 ;;
	*) base=-1 ;;
	esac
	awk -v t="$T" -v arch="$A_KARCH" -v base="$base" -v estdesc="$EST_DESC" \
		-v estnote="$EST_NOTE" -v summary="$W/summary.txt" \
		-v load="$BENCH_LOAD" -v rounds="$BENCH_ROUNDS" -v ncpu="$(nproc)" \
		-v estparams="${BENCH_EST_PARAMS:-}" '
	function num(x) { return x == "" ? "-" : sprintf("%d", x) }
	function us(x) { return x == "" ? "-" : sprintf("%.1f", x) }
	function ratio(o, e) {
		if (o == "" || e == "") return "-"
		if (e == 0) return o == 0 ? "=" : "inf"
		return sprintf(o / e < 0.1 ? "%.4fx" : "%.2fx", o / e)
	}
	# goal text, and " met"/" NOT MET" when it can be judged
	function goal(text, judged, ok) {
		return text (judged ? (ok ? ": met" : ": NOT MET") : "")
	}
	function short(text, judged, ok) {
		return text == "" ? "" : "[" text (judged ? (ok ? " ok" : " NO") : "") "]"
	}
	# a row of figures; with key, also the ratio of the minima
	function row(what, e, o, r, g, key,   m) {
		m = ""
		if (key != "")
			m = ratio(mn[("ours" SUBSEP v SUBSEP key)], mn[("est" SUBSEP ev SUBSEP key)])
		printf "  %-38s %12s %12s %8s %8s   %s\n", what, e, o, r, m, g
	}
	# median (or with m, the minimum) of a list of values
	function median(s, m,   v, n, i, j, x) {
		n = split(s, v, " ")
		for (i = 2; i <= n; i++) {
			x = v[i] + 0
			for (j = i - 1; j >= 1 && v[j] + 0 > x; j--)
				v[j + 1] = v[j]
			v[j + 1] = x
		}
		if (m)
			return v[1]
		return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
	}
	$1 == "MC" {
		k = $2 SUBSEP $3 SUBSEP $4
		for (i = 5; i <= NF; i++) {
			samples[k] = samples[k] " " $i
			nsamples[k]++
		}
		if ($4 ~ /^munmap_us@/ && !(($4) in seenn)) {
			seenn[$4] = 1
			lens[++nl] = substr($4, 11)
		}
	}
	$1 == "MCI" && $3 == "variant" {
		if ($2 == "ours" && !(($4) in seenv)) {
			seenv[$4] = 1
			vars[++nv] = $4
		}
		vdesc[$2, $4] = $5
		next
	}
	$1 == "MCI" { info[$2, $3] = $4 }
	$1 == "MT" && $4 == "lost-events" { lost[$2] = $5; next }
	$1 == "MT" { mt[$2, $4] = $5; if (!($4 in seenf)) { seenf[$4] = 1; funcs[++nf] = $4 } }
	$1 == "MCE" { d = $2; $1 = $2 = ""; sub(/^ +/, ""); err[d] = err[d] (err[d] ? "; " : "") $0 }
	END {
		for (k in samples) {
			mc[k] = median(samples[k], 0)
			mn[k] = median(samples[k], 1)
		}
		have = (("est", "default", "mmap_us") in mc)
		pages = info["ours", "pages"]
		arm = (arch == "arm64" || arch == "arm")
		printf "Mapping costs on %s: buffer of %d KiB (%d pages); each figure the median of\n",
			t, info["ours", "size"] / 1024, pages
		printf "%d runs: %s rounds of %s, each round the established driver then this one.\n",
			nsamples["ours", "default", "mmap_us"], rounds, info["ours", "reps"]
		print "Times: wall clock (CLOCK_MONOTONIC) under QEMU TCG, an emulated CPU: absolute"
		print "times mean little; only the ratios between the two drivers, measured in this"
		printf "same boot, mean something (host load average before/after: %s). Fault\n", load
		print "counts are exact. \"minima\": the ratio of the fastest runs, the least disturbed."
		split(load, l, "/")
		if (l[1] + 0 > ncpu || l[2] + 0 > ncpu)
			printf "NOTE: the host was busy (load above its %d CPUs): times are disturbed, run again when it is idle.\n", ncpu
		if (have)
			printf "established driver: %s; loaded with %s: quirk_mmap_mode=%s, sync_mode=%s\n",
				estdesc, estparams == "" ? "its defaults" : estparams,
				info["est", "quirk_mmap_mode"], info["est", "sync_mode"]
		else
			printf "established driver: NOT MEASURED (%s): this driver alone, no ratios\n",
				estnote != "" ? estnote : err["est"]
		printf "this driver: quirk_mmap_mode=%s, sync_mode=%s\n",
			info["ours", "quirk_mmap_mode"], info["ours", "sync_mode"]
		if (err["ours"] != "")
			printf "this driver: %s\n", err["ours"]
		printf "%-11s %-8s %-19s %-26s %-18s %-19s %s\n", "target", "variant",
			"mmap()", "first-read faults", "first-write faults",
			"map+write+unmap", "munmap()" >summary
		for (i = 1; i <= nv; i++) {
			v = vars[i]
			ev = (("est", v, "mmap_us") in mc) ? v : "default"
			printf "\nthis driver \"%s\" (%s) against the established driver", v, vdesc["ours", v]
			printf have ? " \"%s\" (%s)\n" : " (not measured)\n", ev, vdesc["est", ev]
			printf "  %-38s %12s %12s %8s %8s   %s\n", "figure (medians)", "established",
				"this driver", "ratio", "minima", "goal"

			e = mc["est", ev, "mmap_us"]; o = mc["ours", v, "mmap_us"]
			ok = o <= 1.5 * e
			row("mmap() of the whole buffer, us", us(e), us(o), ratio(o, e), goal("<= 1.5x", have, ok), "mmap_us")
			s_mmap = ratio(o, e) " " short("<=1.5x", have, ok)

			e = mc["est", ev, "read_faults"]; o = mc["ours", v, "read_faults"]
			lim = arm ? e / 16 : e
			ok = o <= lim
			g = have ? sprintf("<= %d (%s)", lim, arm ? "1/16 of established" : "established") : arm ? "<= 1/16 of established" : "<= established"
			row("first read of every page, faults", num(e), num(o), ratio(o, e), goal(g, have, ok))
			s_rf = num(o) "/" num(e) " " short(have ? sprintf("<=%d", lim) : arm ? "<=est/16" : "<=est", have, ok)

			e = mc["est", ev, "read_us"]; o = mc["ours", v, "read_us"]
			row("first read of every page, us", us(e), us(o), ratio(o, e), "", "read_us")

			e = mc["est", ev, "write_faults"]; o = mc["ours", v, "write_faults"]
			lim = base * pages
			ok = o <= lim
			g = base < 0 ? "no figure before #7 for " arch : sprintf("<= %d (before #7)", lim)
			row("first write of every page, faults", num(e), num(o), ratio(o, e), goal(g, base >= 0, ok))
			s_wf = num(o) " " short(base < 0 ? "" : sprintf("<=%d", lim), base >= 0, ok)

			e = mc["est", ev, "write_us"]; o = mc["ours", v, "write_us"]
			row("first write of every page, us", us(e), us(o), ratio(o, e), "", "write_us")

			e = mc["est", ev, "mwu_us"]; o = mc["ours", v, "mwu_us"]
			ok = o <= 0.5 * e
			g = arch == "arm64" ? goal("<= 0.5x", have, ok) : "(a goal on arm64)"
			row("mmap + write every page + munmap, us", us(e), us(o), ratio(o, e), g, "mwu_us")
			s_mwu = ratio(o, e) " " short(arch == "arm64" ? "<=0.5x" : "", have, ok)

			e = mc["est", ev, "munmap_us"]; o = mc["ours", v, "munmap_us"]
			row("munmap() of a written mapping, us", us(e), us(o), ratio(o, e), "", "munmap_us")
			s_un = ratio(o, e)
			e = mc["est", ev, "munmap_read_us"]; o = mc["ours", v, "munmap_read_us"]
			row("munmap() of a read mapping, us", us(e), us(o), ratio(o, e), "", "munmap_read_us")
			e = mc["est", ev, "munmap_untouched_us"]; o = mc["ours", v, "munmap_untouched_us"]
			row("munmap() of an untouched mapping, us", us(e), us(o), ratio(o, e), "", "munmap_untouched_us")

			printf "%-11s %-8s %-19s %-26s %-18s %-19s %s\n", t, v,
				s_mmap, s_rf, s_wf, s_mwu, s_un >summary
		}
		if (nl) {
			v = vars[1]
			ev = "default"
			printf "\nmunmap() of a written mapping by its length (\"%s\"), us; per page: the slope\n", v
			printf "  %-38s %12s %12s %8s %8s\n", "pages", "established",
				"this driver", "ratio", "minima"
			for (i = 1; i <= nl; i++) {
				e = mc["est", "default", "munmap_us@" lens[i]]
				o = mc["ours", v, "munmap_us@" lens[i]]
				row(lens[i], us(e), us(o), ratio(o, e), "", "munmap_us@" lens[i])
			}
			if (nl > 1) {
				dn = lens[nl] - lens[1]
				e = mc["est", "default", "munmap_us@" lens[nl]]
				if (e != "")
					e = sprintf("%.3f", (e - mc["est", "default", "munmap_us@" lens[1]]) / dn)
				o = mc["ours", v, "munmap_us@" lens[nl]]
				if (o != "")
					o = sprintf("%.3f", (o - mc["ours", v, "munmap_us@" lens[1]]) / dn)
				row("us per page", e == "" ? "-" : e, o == "" ? "-" : o, ratio(o, e), "")
			}
		}
		if (nf) {
			printf "\nkernel functions that one munmap() of a written %d-page mapping calls (function tracer)\n", pages
			row("function", "established", "this driver", "", "")
			# a driver traced without lost events called the others 0 times
			for (i = 1; i <= nf; i++)
				row(funcs[i], lost["est"] == "0" ? mt["est", funcs[i]] + 0 : num(mt["est", funcs[i]]),
					lost["ours"] == "0" ? mt["ours", funcs[i]] + 0 : num(mt["ours", funcs[i]]), "", "")
			row("(events lost)", lost["est"] == "" ? "-" : lost["est"], lost["ours"] == "" ? "-" : lost["ours"], "", "")
		}
	}' "$1"
}

# ------------------------------------------------------------- fuzz
# fuzz_run: the default boot in fuzz mode (scripts/guest/init runs
# udmabuf-fuzz, then udmabuf-fuzz32); prints the fuzzer's lines, fails on
# a finding, a kernel log splat or a guest that did not finish.
fuzz_run() {
	local secs=${FUZZ_SECONDS:-300} seed=${FUZZ_SEED:-$(date +%s)} log rc=0
	local csecs=$((secs / 3))
	[ -n "$A_CC32" ] || csecs=0
	if ! { build_module && build_guest; } >"$W/fuzz-build.txt"; then
		cat "$W/fuzz-build.txt"
		return 1
	fi
	boot_conf default "$T"
	pack default >>"$W/fuzz-build.txt" || { cat "$W/fuzz-build.txt"; return 1; }
	B_CMDLINE="$B_CMDLINE ut.fuzz_seconds=$secs ut.fuzz_seed=$seed ut.fuzz_compat_seconds=$csecs"
	B_TIMEOUT=$((secs + csecs + 600))
	echo "fuzzing $T for $secs s (+ $csecs s 32-bit), seed $seed; console ${W#"$REPO"/}/default.console.log"
	boot_guest default fuzz
	log=$W/default.console.log
	section "$log" FUZZ >"$W/fuzz.txt"
	cat "$W/fuzz.txt"
	grep -q '^FUZZ-FINDING' "$W/fuzz.txt" && rc=1
	# the same kernel-log rules as a test boot's (a debug kernel's
	# detector start-up lines are no report), and on a debug kernel its
	# end-of-boot kmemleak report and DMA-API error count (none allowed:
	# the fuzzer does no O_DIRECT and injects no faults)
	{
		section "$log" KMSG | sed 's/^[^;]*;//'
		grep -aE "^\\[ *[0-9]+\\.[0-9]+\\]" "$log"
	} | grep -vE "$KERNEL_OK" | grep -E -B 2 -A 12 "$KERNEL_BAD" | head -n 40 >"$W/tail.txt"
	if [ -s "$W/tail.txt" ]; then
		echo "FAIL [$T] fuzz: the kernel log shows a warning, bug or oops:"
		sed 's/^/    /' "$W/tail.txt"
		rc=1
	fi
	if [ "$T_BUILD" = debug ]; then
		local before=$NFAIL
		ALLOWED_DMA=0
		debug_report fuzz "$log"
		[ "$NFAIL" = "$before" ] || rc=1
	fi
	if ! grep -q '^UT-END rc=' "$log"; then
		echo "FAIL [$T] fuzz: the guest did not finish (a crash or a hang); last lines:"
		tail -n 30 "$log" | sed 's/^/    /'
		echo "    the batch that ran last: the last FUZZ-BATCH line above;"
		echo "    print it with: udmabuf-fuzz --print --seed $seed --batch-no <n>"
		rc=1
	elif ! grep -q '^UT-END rc=0$' "$log"; then
		rc=1
	fi
	[ $rc = 0 ] && echo "PASS [$T] fuzz: no finding" || echo "FAIL [$T] fuzz: see above"
	return $rc
}

# ------------------------------------------------------------------ main
if [ "$MODE" = fuzz ]; then
	fuzz_run
	exit
fi
# demo and bench: one boot ("default"; "edu" for demo-dma), print what the
# guest shows between UT-<MODE>-BEGIN and -END
if [ "$MODE" != test ]; then
	SEC=$(echo "$MODE" | tr '[:lower:]' '[:upper:]')
	DBOOT=default
	[ "$MODE" = demo-dma ] && DBOOT=edu
	# shellcheck disable=SC2015 # the block runs if either build fails
	build_module >"$W/$MODE-build.txt" && build_guest >>"$W/$MODE-build.txt" || {
		cat "$W/$MODE-build.txt"
		exit 1
	}
	boot_conf "$DBOOT" "$T"
	pack "$DBOOT" >>"$W/$MODE-build.txt" || { cat "$W/$MODE-build.txt"; exit 1; }
	[ "$MODE" = bench ] && bench_pack
	BENCH_LOAD=$(cut -d ' ' -f 1 /proc/loadavg)
	boot_guest "$DBOOT" "$MODE"
	qrc=$?
	BENCH_LOAD="$BENCH_LOAD/$(cut -d ' ' -f 1 /proc/loadavg)"
	log=$W/$DBOOT.console.log
	rm -f "$W/summary.txt"
	if grep -qx "UT-$SEC-BEGIN" "$log" && [ "$MODE" = bench ]; then
		section "$log" "$SEC" >"$W/bench.txt"
		grep -E '^(MC|MCI|MT|MCE) ' "$W/bench.txt" >"$W/map-costs.txt"
		grep -vE '^(MC|MCI|MT|MCE) ' "$W/bench.txt"
		echo
		bench_report "$W/map-costs.txt"
	elif grep -qx "UT-$SEC-BEGIN" "$log"; then
		section "$log" "$SEC"
	else
		echo "The $MODE guest did not get to its output (QEMU status $qrc). Last console lines:"
		tail -n 40 "$log"
	fi
	grep -q '^UT-END rc=0$' "$log"
	rc=$?
	if [ "$MODE" = bench ]; then
		bench_large || rc=1
	fi
	exit $rc
fi

echo "kernel $KVER ($IMAGE_PKG), $A_QEMU"
build_module || finish
build_guest || finish
# UT_ONLY="H1_export,E1_mgr": a development run of the tests whose ids start
# so (with UT_BOOTS, of the boots that have them); it fails once, so it is
# never taken for a full check
if [ -n "${UT_ONLY:-}" ]; then
	if [[ ! "$UT_ONLY" =~ ^[A-Za-z0-9_]+(,[A-Za-z0-9_]+)*$ ]]; then
		fail "only" "UT_ONLY=$UT_ONLY: expected test-id prefixes separated by commas"
		finish
	fi
	fail "only" "a part of the tests only (UT_ONLY=$UT_ONLY; the compat32 runner is left out)"
fi
for boot in $(boot_names "$T"); do
	# UT_BOOTS="a b": a development run of some boots only (the other
	# boots' tests are then reported as not run: never a full check)
	if [ -n "${UT_BOOTS:-}" ] && [[ " $UT_BOOTS " != *" $boot "* ]]; then
		fail "boot:$boot" "not run (UT_BOOTS=$UT_BOOTS)"
		continue
	fi
	# make check-debug-quick (CI): the debug kernel's default boot only
	if [ "${UT_DEBUG_QUICK:-}" = 1 ] && [ "$T_BUILD" = debug ] && [ "$boot" != default ]; then
		skip "boot:$boot" "make check-debug-quick runs the default boot only; make check-debug runs them all"
		continue
	fi
	boot_conf "$boot"
	if [ "$T_BUILD" = debug ]; then
		B_TIMEOUT=$((B_TIMEOUT * DEBUG_TIMEOUT_SCALE))
		B_MEMORY=$((B_MEMORY * DEBUG_MEMORY_SCALE))
	fi
	pack "$boot" || continue
	boot_guest "$boot" test
	qrc=$?
	echo "boot $boot: $BOOT_SECS s, console log ${W#"$REPO"/}/$boot.console.log"
	report "$boot" "$qrc"
done
finish
