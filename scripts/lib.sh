# shellcheck shell=bash
# shellcheck disable=SC2034 # it sets variables for the scripts that source it
# Shared helpers of setup.sh, check.sh, run-target.sh and demo.sh.
# Source it; it defines paths and functions only.

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${UDMABUF_BUILD:-$REPO/build}
CONF=$REPO/scripts/kernels.conf

die() { echo "error: $*" >&2; exit 1; }
note() { echo "== $*" >&2; }

# conf_lines KIND: the lines of kernels.conf starting with KIND, without it.
conf_lines() {
	awk -v k="$1" '$1 == k { $1 = ""; sub(/^ +/, ""); print }' "$CONF"
}

# conf_targets [SET|!SET]: target names, all of them, those of SET or
# those not of SET.
# shellcheck disable=SC2120 # SET is optional
conf_targets() {
	conf_lines target | awk -v s="${1:-}" '
		s == "" || $4 == s || (s ~ /^!/ && $4 != substr(s, 2)) { print $1 }'
}

# target_conf NAME: sets T_NAME T_ARCH T_GROUP T_SET T_META T_PIN T_BUILD.
target_conf() {
	local line
	line=$(conf_lines target | awk -v n="$1" '$1 == n')
	[ -n "$line" ] || die "unknown target '$1' (targets: $(conf_targets | tr '\n' ' '))"
	read -r T_NAME T_ARCH T_GROUP T_SET T_META T_PIN T_BUILD <<<"$line"
}

# arch_info ARCH (Debian name): what building and booting for it needs.
arch_info() {
	A_CC32=
	case "$1" in
	amd64)
		A_KARCH=x86_64 A_CROSS='' A_CC=gcc A_CC32=i686-linux-gnu-gcc
		A_QEMU=qemu-system-x86_64 A_MACHINE='' A_CPU='' A_CONSOLE=ttyS0 ;;
	arm64)
		A_KARCH=arm64 A_CROSS=aarch64-linux-gnu- A_CC=aarch64-linux-gnu-gcc
		A_CC32=arm-linux-gnueabihf-gcc
		A_QEMU=qemu-system-aarch64 A_MACHINE=virt A_CPU=cortex-a57
		A_CONSOLE=ttyAMA0 ;;
	armhf)
		A_KARCH=arm A_CROSS=arm-linux-gnueabihf- A_CC=arm-linux-gnueabihf-gcc
		A_QEMU=qemu-system-arm A_MACHINE=virt A_CPU=cortex-a15
		A_CONSOLE=ttyAMA0 ;;
	riscv64)
		# QEMU's virt machine starts the OpenSBI firmware it bundles
		# (-bios default), which starts the kernel in S-mode.  Svpbmt:
		# page-based memory types, so that uncached and write-combined
		# mappings get their own PTE bits (QEMU 7.2 has no Zicbom: no
		# cache-block operations, and the machine is DMA-coherent)
		A_KARCH=riscv A_CROSS=riscv64-linux-gnu- A_CC=riscv64-linux-gnu-gcc
		A_QEMU=qemu-system-riscv64 A_MACHINE=virt A_CPU=rv64,svpbmt=on
		A_CONSOLE=ttyS0 ;;
	*) die "unknown architecture $1" ;;
	esac
}

# Private APT roots: build/apt/<group>, fed from the "source" lines.
apt_root() { echo "$BUILD/apt/$1"; }

apt_root_init() {
	local g=$1 r archs
	r=$(apt_root "$g")
	mkdir -p "$r/lists/partial" "$r/cache/archives/partial" "$r/etc/apt.conf.d" \
		"$r/etc/sources.list.d" "$r/etc/preferences.d" "$BUILD/debs"
	[ -e "$r/status" ] || : >"$r/status"
	conf_lines source | awk -v g="$g" '$1 == g {
		printf "deb [arch=%s signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n", $2, $3, $4
	}' >"$r/sources.list.new"
	[ -s "$r/sources.list.new" ] || die "no 'source $g' line in $CONF"
	mv "$r/sources.list.new" "$r/sources.list"
	archs=$(conf_lines source | awk -v g="$g" '$1 == g { print $2 }' | tr ',' '\n' | sort -u)
	{
		echo "Dir::State \"$r\";"
		echo "Dir::State::Lists \"$r/lists\";"
		echo "Dir::State::status \"$r/status\";"
		echo "Dir::Cache \"$r/cache\";"
		echo "Dir::Etc::SourceList \"$r/sources.list\";"
		echo "Dir::Etc::SourceParts \"$r/etc/sources.list.d\";"
		echo "Dir::Etc::Parts \"$r/etc/apt.conf.d\";"
		echo "Dir::Etc::Preferences \"$r/etc/preferences\";"
		echo "Dir::Etc::PreferencesParts \"$r/etc/preferences.d\";"
		echo "APT::Architecture \"$(echo "$archs" | head -n 1)\";"
		echo "APT::Architectures { $(echo "$archs" | sed 's/.*/"&";/' | tr '\n' ' ')};"
		echo "Acquire::Languages \"none\";"
		echo "APT::Sandbox::User \"root\";"
	} >"$r/apt.conf"
}

# aptg GROUP CMD ARGS...: run an apt command against the private root.
aptg() {
	local g=$1
	shift
	APT_CONFIG=$(apt_root "$g")/apt.conf "$@"
}

apt_root_update() {
	note "apt-get update (private root $1)"
	aptg "$1" apt-get -q update >"$(apt_root "$1")/update.log" 2>&1 ||
		{ cat "$(apt_root "$1")/update.log" >&2; die "apt-get update failed for $1"; }
}

apt_root_has_lists() {
	compgen -G "$(apt_root "$1")/lists/*_Packages*" >/dev/null
}

# Per-target facts written by setup.sh: build/root/<target>/target.env
target_env() { echo "$BUILD/root/$1/target.env"; }

# load_target NAME: target_conf + arch_info + the facts setup.sh recorded.
load_target() {
	target_conf "$1"
	arch_info "$T_ARCH"
	local env
	if [ "$T_BUILD" = debug ]; then
		# built by scripts/build-debug-kernel.sh, found by its hash
		env=$("$REPO/scripts/build-debug-kernel.sh" --path "$A_KARCH")/target.env
		[ -e "$env" ] || die "the debug kernel of $1 is not built: run scripts/build-debug-kernel.sh $A_KARCH (make check-debug does)"
	else
		env=$(target_env "$1")
	fi
	[ -e "$env" ] || die "target $1 is not set up: run scripts/setup.sh$([ "$T_SET" = all ] && echo ' --all')"
	# shellcheck disable=SC1090
	. "$env"
}

# chroot_run NAME [--bind HOSTDIR DIR]... CMD...: run CMD in build/chroot/NAME
# in a private mount namespace with /proc mounted (objtool and dpkg need it)
# and the given directories bound in.
chroot_run() {
	local dir=$BUILD/chroot/$1
	shift
	[ -d "$dir" ] || die "no chroot $dir: run scripts/setup.sh --all"
	chroot_run_dir "$dir" "$@"
}

# chroot_run_dir DIR [--bind HOSTDIR DIR]... CMD...: the same in any root
# file system DIR (build/pkgroot: scripts/setup.sh --pkg)
chroot_run_dir() {
	local dir=$1 binds=()
	shift
	while [ "${1:-}" = --bind ]; do
		binds+=("$2" "$3")
		shift 3
	done
	[ -d "$dir" ] || die "no root file system $dir"
	cp -L /etc/resolv.conf "$dir/etc/resolv.conf" 2>/dev/null || true
	# shellcheck disable=SC2016 # the script's variables are its own
	unshare --mount --fork bash -c '
		set -e
		dir=$1 n=$2
		shift 2
		mount -t proc proc "$dir/proc"
		while [ "$n" -gt 0 ]; do
			mkdir -p "$dir$2"
			mount --bind "$1" "$dir$2"
			shift 2
			n=$((n - 1))
		done
		exec chroot "$dir" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
			PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			DEBIAN_FRONTEND=noninteractive "$@"
	' _ "$dir" $((${#binds[@]} / 2)) "${binds[@]}" "$@"
}

# the tree the module and tests come from (UDMABUF_SRC_ROOT: harness development)
SRC=${UDMABUF_SRC_ROOT:-$REPO}
BOOTS_CONF=$SRC/tests/boots.conf

# boot_blocks: one line per block of tests/boots.conf: its number, its boot
# name, its target globs and its set (default or all), tab-separated.
boot_blocks() {
	awk '
		/^[ \t]*(#|$)/ { next }
		$1 == "boot" { n++; name[n] = $2; globs[n] = "*"; set[n] = "default"; next }
		$1 == "targets" && n { $1 = ""; globs[n] = $0 }
		$1 == "set" && n { set[n] = $2 }
		END { for (i = 1; i <= n; i++) print i "\t" name[i] "\t" globs[i] "\t" set[i] }
	' "$BOOTS_CONF"
}

# boot_wanted NAME SET: whether a block of boot NAME in SET runs now.  A
# boot of set "all" runs under make check-all (check.sh --all exports
# UT_SET=all), with UT_SET=all, or when UT_BOOTS names it.
boot_wanted() {
	[ "$2" = all ] || return 0
	[ "${UT_SET:-}" = all ] && return 0
	[[ " ${UT_BOOTS:-} " == *" $1 "* ]]
}

# boot_block TARGET NAME: the number of the first block of boot NAME whose
# targets match TARGET; status 1 (and nothing) when none does.  A boot may
# have several blocks for different targets (other QEMU machines per
# architecture under one boot name).
boot_block() {
	local t=$1 want=$2 i name globs set g
	while IFS=$'\t' read -r i name globs set; do
		[ "$name" = "$want" ] || continue
		[ -n "${BOOT_ALL_SETS:-}" ] || boot_wanted "$name" "$set" || continue
		set -f
		for g in $globs; do
			# shellcheck disable=SC2053
			if [[ $t == $g ]]; then
				set +f
				echo "$i"
				return 0
			fi
		done
		set +f
	done < <(boot_blocks)
	return 1
}

# boot_names TARGET: the boot configurations TARGET runs, "default" first
# (with BOOT_ALL_SETS=1: those of set "all" too, whatever UT_SET says).
boot_names() {
	local t=$1 name
	echo default
	boot_blocks | cut -f 2 | awk '!seen[$0]++' | while read -r name; do
		[ "$name" = default ] && continue
		boot_block "$t" "$name" >/dev/null && echo "$name"
	done
}

# boot_conf NAME [TARGET]: sets B_MEMORY B_CMDLINE B_DTSI B_QEMU B_KMODS
# B_DISK B_TIMEOUT B_ROOTFS B_MACHINE B_DTB_PKG B_CONSOLE B_TESTS from the
# block of boot NAME for TARGET (default $T).
boot_conf() {
	B_MEMORY=512 B_CMDLINE='' B_DTSI='' B_QEMU='' B_KMODS='' B_DISK='' B_TIMEOUT=600
	B_ROOTFS='' B_MACHINE='' B_DTB_PKG='' B_CONSOLE='' B_TESTS=''
	local key val blk
	blk=$(boot_block "${2:-$T}" "$1") || blk=0
	while IFS= read -r line; do
		key=${line%%[ 	]*}
		val=${line#"$key"}
		val=${val#"${val%%[! 	]*}"}
		case "$key" in
		memory) B_MEMORY=$val ;;
		cmdline) B_CMDLINE=$val ;;
		dtsi) B_DTSI=$val ;;
		qemu) B_QEMU=$val ;;
		kmods) B_KMODS=$val ;;
		disk) B_DISK=$val ;;
		timeout) B_TIMEOUT=$val ;;
		rootfs) B_ROOTFS=$val ;;
		machine) B_MACHINE=$val ;;
		dtb-from-package) B_DTB_PKG=$val ;;
		console) B_CONSOLE=$val ;;
		tests) B_TESTS=$val ;;
		targets | set) ;;
		*) die "tests/boots.conf: boot $1: unknown key '$key'" ;;
		esac
	done < <(awk -v k="$blk" '
		/^[ \t]*(#|$)/ { next }
		$1 == "boot" { inb = (++n == k); next }
		inb { sub(/^[ \t]+/, ""); print }
	' "$BOOTS_CONF")
}
