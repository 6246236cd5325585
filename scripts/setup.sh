#!/usr/bin/env bash
# Set up everything u-dma-buf's build, tests and demo need on Debian 12.
#
#   scripts/setup.sh          host packages + the default test kernels
#   scripts/setup.sh --all    ... + every kernel of `make check-all` (or ALL=1)
#   scripts/setup.sh --pkg    ... + what the packaging targets need (or PKG=1):
#                             debhelper, dh-dkms, lintian, the in-tree build's
#                             flex/bison/libelf-dev, and build/pkgroot, a
#                             Debian 12 root file system with dkms and the
#                             x86_64-6.1 kernel and headers installed
#                             (make package, check-package, check-intree,
#                             check-yocto: docs/packaging.md)
#   scripts/setup.sh --debug  ... + the debug kernels of `make check-debug`
#                             (or DEBUG=1): flex, bison, bc, libelf-dev,
#                             libssl-dev, then scripts/build-debug-kernel.sh
#                             for x86_64 and arm64 (a quarter of an hour or
#                             more on two cores; docs/testing.md)
#   scripts/setup.sh --python only the guests' Python root file systems
#
# Runs as root.  Idempotent: a second run checks stamps and returns in
# seconds without network.  Host packages come from the host's apt; the
# test kernels, their headers and the guests' busybox are fetched through
# private APT roots (build/apt/<group>) into build/debs and extracted under
# build/root/<target>; the host's dpkg state is never changed by them.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ALL=${ALL:-0}
PKG=${PKG:-0}
DEBUG=${DEBUG:-0}
ONLY_PYTHON=0
for a in "$@"; do
	case "$a" in
	--all) ALL=1 ;;
	--pkg) PKG=1 ;;
	--debug) DEBUG=1 ;;
	--python) ONLY_PYTHON=1 ;;
	-h | --help) sed -n '2,24p' "$0"; exit 0 ;;
	*) die "unknown argument $a (usage: $0 [--all] [--pkg] [--debug] [--python])" ;;
	esac
done
[ "$(id -u)" = 0 ] || die "run as root (it installs packages)"
export DEBIAN_FRONTEND=noninteractive
export PATH=$PATH:/usr/sbin:/sbin

HOST_PKGS=(
	gcc make libc6-dev perl kmod cpio gzip xz-utils
	device-tree-compiler sparse
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross
	gcc-arm-linux-gnueabihf libc6-dev-armhf-cross
	gcc-i686-linux-gnu libc6-dev-i386-cross
	gcc-riscv64-linux-gnu libc6-dev-riscv64-cross
	qemu-system-x86 qemu-system-arm qemu-system-misc busybox-static
	linux-source-6.1 debootstrap libelf1 libssl3 pahole
	python3
	cppcheck clang clang-tidy shellcheck python3-mypy python3-pyflakes python3-numpy
)
# --pkg: building and linting the Debian packages, the in-tree kernel build
# (kconfig needs flex and bison, objtool libelf-dev), the package test's
# disk image (mkfs.ext4 -d)
PKG_HOST_PKGS=(
	build-essential dpkg-dev debhelper dh-dkms lintian
	flex bison bc libelf-dev libssl-dev e2fsprogs
)
# --debug: building a kernel from linux-source-6.1 (in HOST_PKGS)
DEBUG_HOST_PKGS=(flex bison bc libelf-dev libssl-dev)

# ------------------------------------------------------------ host packages
install_host_packages() {
	local missing=() p pkgs=("${HOST_PKGS[@]}")
	[ "$PKG" = 1 ] && pkgs+=("${PKG_HOST_PKGS[@]}")
	[ "$DEBUG" = 1 ] && pkgs+=("${DEBUG_HOST_PKGS[@]}")
	for p in "${pkgs[@]}"; do
		dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' ||
			missing+=("$p")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		note "host packages: all present"
		return
	fi
	note "host packages: installing ${missing[*]}"
	apt-get -q update
	apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# ------------------------------------------------------- private apt roots
declare -A LISTS_FRESH=()

# ensure_lists GROUP [force]: the root exists and has package lists
# (refreshed once per run with "force", after something was not found).
ensure_lists() {
	local g=$1
	apt_root_init "$g"
	if ! apt_root_has_lists "$g" ||
		{ [ "${2:-}" = force ] && [ -z "${LISTS_FRESH[$g]:-}" ]; }; then
		apt_root_update "$g"
		LISTS_FRESH[$g]=1
	fi
}

# pkg_field GROUP SPEC FIELD: one field of a package (candidate or =version).
pkg_field() {
	aptg "$1" apt-cache show --no-all-versions "$2" 2>/dev/null |
		awk -v f="$3:" '$1 == f { $1 = ""; sub(/^ /, ""); print; exit }'
}

# pkg_deps GROUP SPEC REGEX QUAL: Depends of SPEC whose name matches REGEX,
# as download specs (name[:QUAL][=version] for "(= version)" dependencies).
pkg_deps() {
	pkg_field "$1" "$2" Depends | tr ',' '\n' | sed 's/|.*//' |
		awk -v re="$3" -v q="$4" '
		{ name = $1; sub(/:.*/, "", name) }
		name ~ re {
			spec = name (q != "" ? ":" q : "")
			if ($2 == "(=") { v = $3; sub(/\)$/, "", v); spec = spec "=" v }
			print spec
		}'
}

# fetch GROUP SPEC...: the .debs of SPECs into build/debs (kept as a cache);
# prints their paths.
fetch() {
	local g=$1 s f need=()
	shift
	for s in "$@"; do
		# the name apt-get download gives it: name_version_arch.deb, ':' as %3a
		f=$(aptg "$g" apt-cache show --no-all-versions "$s" 2>/dev/null | awk '
			$1 == "Package:" { p = $2 } $1 == "Version:" { v = $2 }
			$1 == "Architecture:" { a = $2 }
			/^$/ { exit } END { if (p != "") { gsub(/:/, "%3a", v); print p "_" v "_" a ".deb" } }')
		[ -n "$f" ] || { echo "no package $s in $g" >&2; return 1; }
		f=$BUILD/debs/$f
		[ -s "$f" ] || need+=("$s")
		echo "$f"
	done
	[ ${#need[@]} -eq 0 ] && return
	note "downloading ${need[*]}"
	(cd "$BUILD/debs" && aptg "$g" apt-get -q download "${need[@]}" >&2)
}

extract() {
	local dest=$1 d
	shift
	mkdir -p "$dest"
	for d in "$@"; do
		dpkg -x "$d" "$dest"
	done
}

# -------------------------------------------------------------- busybox
setup_busybox() {
	local arch=$1 g dir debs
	dir=$BUILD/root/busybox-$arch
	[ -x "$dir/bin/busybox" ] && return
	g=$(conf_lines busybox | awk -v a="$arch" '$1 == a { print $2 }')
	[ -n "$g" ] || die "no 'busybox $arch' line in $CONF"
	ensure_lists "$g"
	debs=$(fetch "$g" "busybox-static:$arch") ||
		{ ensure_lists "$g" force; debs=$(fetch "$g" "busybox-static:$arch"); }
	rm -rf "$dir.tmp"
	# shellcheck disable=SC2086 # the package files are words
	extract "$dir.tmp" $debs
	# trixie's package (merged /usr) has it in usr/bin only
	if [ ! -e "$dir.tmp/bin/busybox" ] && [ -x "$dir.tmp/usr/bin/busybox" ]; then
		mkdir -p "$dir.tmp/bin"
		ln -s ../usr/bin/busybox "$dir.tmp/bin/busybox"
	fi
	rm -rf "$dir"
	mv "$dir.tmp" "$dir"
	# shellcheck disable=SC2086 # the package files are words
	note "busybox for $arch: $(basename $debs)"
}

# ------------------------------------------------------------- chroots
# chroot_log NAME CMD...: chroot_run with the output in build/chroot/NAME.log
chroot_log() {
	local log=$BUILD/chroot/$1.log
	echo "+ ${*:2}" >>"$log"
	chroot_run "$@" >>"$log" 2>&1 || { tail -n 30 "$log" >&2; die "failed in chroot $1: ${*:2}"; }
}

# setup_chroot NAME: debootstrap --variant=minbase + the packages listed.
setup_chroot() {
	local name=$1 line suite extra pkgs dir s
	line=$(conf_lines chroot | awk -v n="$name" '$1 == n')
	[ -n "$line" ] || die "no 'chroot $name' line in $CONF"
	read -r _ suite extra pkgs <<<"$line"
	dir=$BUILD/chroot/$name
	if [ "$(cat "$dir/.udmabuf-stamp" 2>/dev/null)" = "$line" ]; then
		return
	fi
	if [ ! -x "$dir/usr/bin/apt-get" ]; then
		note "debootstrap $suite into $dir (a few minutes)"
		rm -rf "$dir"
		mkdir -p "$BUILD/chroot"
		debootstrap --variant=minbase "$suite" "$dir" http://deb.debian.org/debian \
			>"$BUILD/chroot/$name.debootstrap.log" 2>&1 ||
			{ tail -n 30 "$BUILD/chroot/$name.debootstrap.log" >&2; die "debootstrap failed"; }
	fi
	: >"$dir/etc/apt/sources.list.d/udmabuf.list"
	for s in $(echo "$extra" | tr ',' ' '); do
		echo "deb http://deb.debian.org/debian $s main" >>"$dir/etc/apt/sources.list.d/udmabuf.list"
	done
	note "installing $pkgs in chroot $name"
	chroot_log "$name" apt-get -q update
	# shellcheck disable=SC2086
	chroot_log "$name" apt-get install -y -q --no-install-recommends $pkgs
	echo "$line" >"$dir/.udmabuf-stamp"
}

# ------------------------------------------------------------- targets
# resolve_image: the image package of the target: the pin if the archive
# still has it, else what the meta package depends on today.
resolve_image() {
	local q=":$T_ARCH" cur
	if [ -n "$(pkg_field "$T_GROUP" "$T_PIN$q" Package)" ]; then
		echo "$T_PIN"
		return
	fi
	cur=$(pkg_deps "$T_GROUP" "$T_META$q" '^linux-image-[0-9]' '' | sed 's/=.*//' | head -n 1)
	[ -n "$cur" ] || return 1
	echo "note: $T_NAME: pinned $T_PIN is no longer in the archive; using $cur (update scripts/kernels.conf)" >&2
	echo "$cur"
}

# cross_chroot: the target builds in a chroot of the host's architecture
# but is of another one (its headers are unpacked there, not installed)
cross_chroot() {
	[ "${T_BUILD%%:*}" = chroot ] && [ "$T_ARCH" != "$(dpkg --print-architecture)" ]
}

# target_debs: resolve and fetch; prints deb paths (image + headers).
target_debs() {
	local img hdr specs=()
	img=$(resolve_image) || return 1
	specs+=("$img:$T_ARCH")
	mapfile -t -O ${#specs[@]} specs < <(pkg_deps "$T_GROUP" "$img:$T_ARCH" '^linux-(binary|modules)-' "$T_ARCH")
	if [ "${T_BUILD#host}" != "$T_BUILD" ] || cross_chroot; then
		hdr=${img/linux-image-/linux-headers-}
		specs+=("$hdr:$T_ARCH")
		mapfile -t -O ${#specs[@]} specs < <(pkg_deps "$T_GROUP" "$hdr:$T_ARCH" '^linux-(headers|kbuild)-' '')
	fi
	echo "IMAGE_PKG=$img" >"$BUILD/root/$T_NAME.resolved"
	fetch "$T_GROUP" "${specs[@]}"
}

# headers_present TARGET: the headers target.env names are there (a chroot
# made afresh has lost what was installed or unpacked into it)
headers_present() {
	# shellcheck disable=SC2034 # all of target.env, kept local
	local KVER VMLINUZ KROOT KERNEL_SRC MAKE_EXTRA CHROOT IMAGE_PKG
	# shellcheck disable=SC1090
	. "$(target_env "$1")"
	[ -e "${CHROOT:+$BUILD/chroot/$CHROOT}$KERNEL_SRC/Makefile" ]
}

setup_target() {
	local t=$1 root stamp debs kver vmlinuz hdrs line extra=
	target_conf "$t"
	arch_info "$T_ARCH"
	root=$BUILD/root/$t
	line=$(conf_lines target | awk -v n="$t" '$1 == n')
	stamp="$root/.udmabuf-stamp"
	if [ -e "$(target_env "$t")" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$line" ] &&
		headers_present "$t"; then
		note "$t: ready"
		return
	fi
	note "$t: setting up"
	mkdir -p "$BUILD/root"
	ensure_lists "$T_GROUP"
	debs=$(target_debs) || { ensure_lists "$T_GROUP" force; debs=$(target_debs); } ||
		die "$t: cannot fetch its kernel packages"
	rm -rf "$root"
	# shellcheck disable=SC2086
	extract "$root" $debs
	kver=$(basename "$(find "$root/lib/modules" "$root/usr/lib/modules" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | head -n 1)")
	[ -n "$kver" ] || die "$t: no lib/modules/<version> in the image"
	vmlinuz=
	# riscv64: /boot/vmlinux-<version>, the uncompressed Image
	for f in "$root/boot/vmlinuz-$kver" "$root/usr/lib/modules/$kver/vmlinuz" \
		"$root/lib/modules/$kver/vmlinuz" "$root/boot/vmlinux-$kver"; do
		[ -e "$f" ] && { vmlinuz=$f; break; }
	done
	[ -n "$vmlinuz" ] || die "$t: no vmlinuz in the image"
	case "$T_BUILD" in
	host*)
		hdrs=$root/usr/src/linux-headers-$kver
		[ -e "$hdrs/Makefile" ] || die "$t: no headers at $hdrs"
		# The headers include the -common tree by absolute path: point it
		# inside our private root.  The scripts/tools links are relative.
		sed -i "s|^include /usr/src/|include $root/usr/src/|" "$hdrs/Makefile"
		if [ "${T_BUILD#host+modpost}" != "$T_BUILD" ]; then
			note "$t: building a modpost for $A_KARCH"
			build_modpost "$root" "$hdrs" ||
				die "$t: building modpost failed (log: $root/modpost/build.log)"
		fi
		case "$T_BUILD" in
		*:*) extra=${T_BUILD#*:} extra=${extra//,/ } ;;
		esac
		;;
	chroot:*)
		local c=${T_BUILD#chroot:} d
		setup_chroot "$c"
		hdrs=/usr/src/linux-headers-$kver
		if cross_chroot; then
			# the headers (arch all and T_ARCH) and linux-kbuild (the
			# host's architecture, Multi-Arch: foreign) as dpkg -x
			# gives them; their absolute include paths then hold
			note "$t: unpacking linux-headers-$kver into chroot $c"
			for d in $debs; do
				case "$(basename "$d")" in
				linux-headers-* | linux-kbuild-*) dpkg -x "$d" "$BUILD/chroot/$c" ;;
				esac
			done
			[ -e "$BUILD/chroot/$c$hdrs/Makefile" ] || die "$t: no headers at $hdrs in chroot $c"
		else
			note "$t: installing linux-headers-$kver in chroot $c"
			chroot_log "$c" apt-get install -y -q --no-install-recommends \
				-t "$(conf_lines chroot | awk -v n="$c" '$1 == n { print $3 }' | cut -d, -f1)" \
				"linux-headers-$kver"
		fi
		;;
	*) die "$t: unknown build method $T_BUILD" ;;
	esac
	{
		echo "KVER='$kver'"
		echo "VMLINUZ='$vmlinuz'"
		echo "KROOT='$root'"
		echo "KERNEL_SRC='$hdrs'"
		echo "MAKE_EXTRA='$extra'"
		echo "CHROOT='$([ "${T_BUILD%%:*}" = chroot ] && echo "${T_BUILD#chroot:}")'"
		cat "$BUILD/root/$t.resolved"
	} >"$(target_env "$t")"
	echo "$line" >"$stamp"
	note "$t: kernel $kver"
}

# ------------------------------------------------- linux-source-6.1 scripts
# checkpatch.pl (make lint) and modpost's sources (host+modpost targets),
# from the linux-source-6.1 package, into build/tools/scripts.
setup_kernel_scripts() {
	local d=$BUILD/tools
	[ -e "$d/scripts/checkpatch.pl" ] && [ -e "$d/scripts/mod/modpost.c" ] && return
	note "extracting checkpatch.pl and scripts/mod from linux-source-6.1"
	rm -rf "$d/scripts" "$d/tmp"
	mkdir -p "$d/tmp"
	tar -xJf /usr/src/linux-source-6.1.tar.xz -C "$d/tmp" \
		linux-source-6.1/scripts/checkpatch.pl \
		linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch \
		linux-source-6.1/scripts/mod
	mv "$d/tmp/linux-source-6.1/scripts" "$d/scripts"
	rm -rf "$d/tmp"
}

# build_modpost ROOT HEADERS: Debian's linux-kbuild is built for the host's
# architecture and its modpost knows only that layout of the device ID
# tables (e.g. struct of_device_id is 200 bytes on amd64, 196 on armhf).
# Build a modpost for the target: offsets and ELF class come from the
# target's compiler and headers, the program from linux-source-6.1.
build_modpost() {
	local root=$1 hdrs=$2 w=$1/modpost m kb
	m=$w/scripts/mod
	rm -rf "$w"
	mkdir -p "$w/scripts"
	cp -r "$BUILD/tools/scripts/mod" "$m"
	# modpost.c includes ../../include/linux/*.h: the -common tree's
	ln -s "$(sed -n 's|^include \(.*\)/Makefile$|\1|p' "$hdrs/Makefile")/include" "$w/include"
	echo "obj-m := empty.o devicetable-offsets.o" >"$m/Kbuild"
	make -C "$hdrs" M="$m" ARCH="$A_KARCH" CROSS_COMPILE="$A_CROSS" \
		devicetable-offsets.s empty.o >"$w/build.log" 2>&1 || return 1
	# .ascii "->SIZE_of_device_id #196 sizeof(...)" -> #define SIZE_of_device_id 196
	{
		echo "#ifndef __DEVICETABLE_OFFSETS_H__"
		echo "#define __DEVICETABLE_OFFSETS_H__"
		awk -F'"' '/\.ascii[ \t]+"->/ {
			split(substr($2, 3), f, " ")
			v = f[2]; sub(/^[$#]/, "", v)
			print "#define " f[1] " " v
		}' "$m/devicetable-offsets.s"
		echo "#endif"
	} >"$m/devicetable-offsets.h"
	grep -q '^#define SIZE_of_device_id ' "$m/devicetable-offsets.h" || return 1
	gcc -O2 -o "$m/mk_elfconfig" "$m/mk_elfconfig.c" &&
		"$m/mk_elfconfig" <"$m/empty.o" >"$m/elfconfig.h" &&
		gcc -O2 -o "$m/modpost" "$m/modpost.c" "$m/file2alias.c" "$m/sumversion.c" \
			>>"$w/build.log" 2>&1 || return 1
	kb=$(readlink -f "$hdrs/scripts")
	cp "$m/modpost" "$kb/mod/modpost"
}

# ------------------------------------------------------- guests' Python
# Boots with "rootfs python" in tests/boots.conf get Debian's python3 and
# python3-numpy: the two packages and their dependency closure for the
# architecture (apt's own resolver, run against the private root of the
# architecture's busybox group), unpacked with dpkg-deb -x (no maintainer
# script runs), trimmed (documentation, locales, NumPy's own tests),
# byte-compiled with the host's Python when it is the same 3.x as the guest's
# (a guest under TCG would spend seconds compiling NumPy at every import
# otherwise), and packed once as build/rootfs/python-<arch>.cpio.gz, which
# scripts/run-target.sh appends to such a boot's initramfs.
PY_PKGS=(python3 python3-numpy)
# no Python program needs them: python3-minimal pre-depends on dpkg (tar)
PY_SKIP="dpkg tar"
# bump when the trimming or packing below changes: the stamps then differ
PY_LAYOUT=2

# py_apt ARCH GROUP CMD...: apt with ARCH as the native architecture
py_apt() {
	local arch=$1 g=$2
	shift 2
	aptg "$g" "$1" -q -o APT::Architecture="$arch" -o APT::Architectures::="$arch" \
		-o Debug::NoLocking=1 "${@:2}"
}

# py_closure ARCH GROUP: "name version arch" of every package to unpack
py_closure() {
	py_apt "$1" "$2" apt-get -s install --no-install-recommends "${PY_PKGS[@]}" |
		awk -v skip=" $PY_SKIP " '$1 == "Inst" && index(skip, " " $2 " ") == 0 {
			# Inst NAME (VERSION ARCHIVE... [ARCH]) [...]
			v = $3; sub(/^\(/, "", v)
			for (i = 4; i <= NF; i++)
				if ($i ~ /^\[.*\]\)$/) { a = $i; gsub(/[][)]/, "", a) }
			print $2, v, a
		}' | LC_ALL=C sort
}

setup_python() {
	local arch=$1 g dir=$BUILD/rootfs root list stamp debs=() need=() n v a f pyver hostver t0
	root=$dir/python-$arch
	stamp=$root.stamp
	t0=$(date +%s)
	g=$(conf_lines busybox | awk -v a="$arch" '$1 == a { print $2 }')
	[ -n "$g" ] || die "no 'busybox $arch' line in $CONF (its group gives the guests' Python)"
	ensure_lists "$g"
	list=$(py_closure "$arch" "$g")
	grep -q '^python3-numpy ' <<<"$list" ||
		{ ensure_lists "$g" force; list=$(py_closure "$arch" "$g"); }
	grep -q '^python3-numpy ' <<<"$list" ||
		die "python for $arch: apt finds no python3-numpy in $g"
	if [ -s "$root.cpio.gz" ] &&
		[ "$(cat "$stamp" 2>/dev/null)" = "$(echo "layout $PY_LAYOUT"; echo "$list")" ]; then
		note "python for $arch: ready ($(du -h "$root.cpio.gz" | cut -f 1))"
		return
	fi
	mkdir -p "$dir/debs"
	while read -r n v a; do
		f=$dir/debs/${n}_${v//:/%3a}_$a.deb
		debs+=("$f")
		[ -s "$f" ] || need+=("$n=$v")
	done <<<"$list"
	if [ ${#need[@]} -gt 0 ]; then
		note "python for $arch: downloading ${#need[@]} packages"
		(cd "$dir/debs" && py_apt "$arch" "$g" apt-get download "${need[@]}" >&2) ||
			die "python for $arch: download failed"
	fi
	rm -rf "$root.tmp"
	mkdir -p "$root.tmp"
	for f in "${debs[@]}"; do
		dpkg-deb -x "$f" "$root.tmp" || die "python for $arch: cannot unpack $f"
	done
	[ -x "$root.tmp/usr/bin/python3" ] || die "python for $arch: no usr/bin/python3 in the packages"
	# what the maintainer scripts would have done: libblas3 and
	# liblapack3 install their libraries through update-alternatives
	for f in blas/libblas.so.3 lapack/liblapack.so.3; do
		for n in "$root.tmp"/usr/lib/*-linux-gnu*/"$f"; do
			[ -e "$n" ] && ln -sf "$f" "$(dirname "$(dirname "$n")")/$(basename "$f")"
		done
	done
	# the guest needs no documentation, locales or charset converters
	rm -rf "$root.tmp"/usr/share/{doc,man,info,locale,lintian,bug,bash-completion} \
		"$root.tmp"/usr/lib/*-linux-gnu*/gconv "$root.tmp"/usr/lib/python3.*/pydoc_data
	find "$root.tmp/usr/lib/python3/dist-packages/numpy" -depth -type d -name tests \
		-exec rm -rf {} +
	pyver=$(readlink "$root.tmp/usr/bin/python3")
	hostver=$(python3 -c 'import sys; print("python%d.%d" % sys.version_info[:2])' 2>/dev/null)
	if [ "$pyver" = "$hostver" ]; then
		python3 -m compileall -q -j 0 --invalidation-mode unchecked-hash \
			-s "$root.tmp" -p / "$root.tmp/usr/lib/$pyver" \
			"$root.tmp/usr/lib/python3/dist-packages" >"$dir/python-$arch.compile.log" 2>&1 || true
	else
		note "python for $arch: the host's python3 is ${hostver:-missing}, the guest's $pyver: not byte-compiled (slower imports in the guest)"
	fi
	(cd "$root.tmp" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -6) >"$root.cpio.gz.tmp" ||
		die "python for $arch: packing failed"
	rm -rf "$root"
	mv "$root.tmp" "$root"
	mv "$root.cpio.gz.tmp" "$root.cpio.gz"
	{ echo "layout $PY_LAYOUT"; echo "$list"; } >"$stamp"
	note "python for $arch: $(wc -l <<<"$list") packages, $(du -sh "$root" | cut -f 1) unpacked, $(du -h "$root.cpio.gz" | cut -f 1) packed, $(($(date +%s) - t0)) s"
}

# python_archs TARGET...: the architectures of the targets that start a
# boot with "rootfs python"
python_archs() {
	local t b
	for t in "$@"; do
		target_conf "$t"
		for b in $(boot_names "$t"); do
			boot_conf "$b" "$t"
			[ "$B_ROOTFS" = python ] && { echo "$T_ARCH"; break; }
		done
	done | sort -u
}

# --------------------------------------------------- packaging (--pkg)
# build/pkgroot: a Debian 12 root file system (debootstrap --variant=minbase)
# in which `make check-package` installs the u-dma-buf .debs as a user
# does: dkms and initramfs-tools from the archive, the kernel image and
# headers of the x86_64-6.1 target from build/debs (the very kernel the
# package test boots).  Stamped with the kernel's version; rebuilt when
# it changes.
setup_pkgroot() {
	local dir=$BUILD/pkgroot stamp abi debs=() f line
	load_target x86_64-6.1
	# shellcheck disable=SC2153 # KVER comes from load_target
	abi=${KVER%-amd64}
	line="bookworm dkms initramfs-tools udev libc6-dev $IMAGE_PKG"
	stamp=$dir/.udmabuf-stamp
	if [ "$(cat "$stamp" 2>/dev/null)" = "$line" ]; then
		note "pkgroot: ready ($KVER)"
		return
	fi
	if [ ! -x "$dir/usr/bin/apt-get" ] || [ -e "$stamp" ]; then
		note "debootstrap bookworm into $dir (about a minute)"
		rm -rf "$dir"
		debootstrap --variant=minbase bookworm "$dir" http://deb.debian.org/debian \
			>"$BUILD/pkgroot.debootstrap.log" 2>&1 ||
			{ tail -n 30 "$BUILD/pkgroot.debootstrap.log" >&2; die "debootstrap failed"; }
	fi
	cat >"$dir/etc/apt/sources.list" <<-EOF
		deb http://deb.debian.org/debian bookworm main
		deb http://deb.debian.org/debian bookworm-updates main
		deb http://deb.debian.org/debian-security bookworm-security main
	EOF
	# a machine's identity for the guest booted from it; no daemons
	# started by package scripts in the chroot
	echo udmabuf-pkg >"$dir/etc/hostname"
	printf '#!/bin/sh\nexit 101\n' >"$dir/usr/sbin/policy-rc.d"
	chmod 755 "$dir/usr/sbin/policy-rc.d"
	for f in "linux-image-${KVER}_" "linux-headers-${KVER}_" "linux-headers-$abi-common_"; do
		# shellcheck disable=SC2012 # the newest of a glob; .deb names have no blanks
		f=$(ls -t "$BUILD/debs/$f"*.deb 2>/dev/null | head -n 1)
		[ -n "$f" ] || die "pkgroot: no $f*.deb in build/debs (run scripts/setup.sh)"
		debs+=("$f")
	done
	mkdir -p "$dir/var/cache/udmabuf-debs"
	rm -f "$dir"/var/cache/udmabuf-debs/*.deb
	cp "${debs[@]}" "$dir/var/cache/udmabuf-debs/"
	note "pkgroot: installing dkms, initramfs-tools and $KVER (a few minutes)"
	: >"$BUILD/pkgroot.log"
	pkgroot_run apt-get -q update
	pkgroot_run apt-get install -y -q --no-install-recommends dkms initramfs-tools \
		kmod udev libc6-dev
	# shellcheck disable=SC2046,SC2012 # .deb names have no blanks
	pkgroot_run apt-get install -y -q --no-install-recommends \
		$(cd "$dir" && ls var/cache/udmabuf-debs/*.deb | sed 's|^|./|; s|^\./|/|')
	rm -rf "$dir/var/cache/udmabuf-debs"
	pkgroot_run apt-get clean
	echo "$line" >"$stamp"
}

# pkgroot_run CMD...: CMD in build/pkgroot, output in build/pkgroot.log
pkgroot_run() {
	echo "+ $*" >>"$BUILD/pkgroot.log"
	chroot_run_dir "$BUILD/pkgroot" "$@" >>"$BUILD/pkgroot.log" 2>&1 ||
		{ tail -n 30 "$BUILD/pkgroot.log" >&2; die "failed in build/pkgroot: $*"; }
}

# ------------------------------------------------------------------ main
mkdir -p "$BUILD"
exec 9>"$BUILD/.setup.lock"
flock 9
start=$(date +%s)
install_host_packages
if [ "$ALL" = 1 ]; then
	targets=$(conf_targets '!debug')
else
	targets=$(conf_targets default)
fi
# the debug targets need busybox and the Python root file system too; their
# kernels are built, not fetched (below)
[ "$DEBUG" = 1 ] && targets="$targets $(conf_targets debug)"
if [ "$ONLY_PYTHON" = 1 ]; then
	# shellcheck disable=SC2086
	for a in $(python_archs $targets); do
		setup_python "$a"
	done
	exit 0
fi
setup_kernel_scripts
for a in $(for t in $targets; do target_conf "$t"; echo "$T_ARCH"; done | sort -u); do
	setup_busybox "$a"
done
for t in $targets; do
	target_conf "$t"
	[ "$T_BUILD" = debug ] || setup_target "$t"
done
if [ "$DEBUG" = 1 ]; then
	for a in $(for t in $(conf_targets debug); do target_conf "$t"; arch_info "$T_ARCH"; echo "$A_KARCH"; done | sort -u); do
		"$REPO/scripts/build-debug-kernel.sh" "$a" >/dev/null
	done
fi
# shellcheck disable=SC2086
for a in $(python_archs $targets); do
	setup_python "$a"
done
[ "$PKG" = 1 ] && setup_pkgroot
# shellcheck disable=SC2116,SC2086 # the names on one line, blanks collapsed
note "set-up complete in $(($(date +%s) - start)) s: $(echo $targets)"
