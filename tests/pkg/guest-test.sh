#!/bin/bash
# The package test in the guest (scripts/check-package.sh): PID 1 of a
# guest booted from build/pkgroot, the Debian 12 root file system in which
# `apt install ./u-dma-buf-dkms_*.deb` had DKMS build the module.  Does
# what a user does after installing the package, with Debian's own kmod
# and udev: uncomment the example in /etc/modprobe.d/u-dma-buf.conf, give
# a group the buffers through the udev rule (docs/packaging.md), modprobe,
# use the buffers, unload.
#
# Output: "PASS <id>" / "FAIL <id>: <why>" lines, the kernel log between
# PKG-KMSG-BEGIN and PKG-KMSG-END, last "PKG-END rc=<n>"; then power off.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
here=/usr/local/lib/udmabuf-pkg-test
kver=$(uname -r)
echo "PKG-BEGIN debian $(cat /etc/debian_version) kernel=$kver"
rc=0

# t ID CMD...: one test; CMD's output is the reason when it fails
t() {
	local id=$1 out
	shift
	if out=$("$@" 2>&1); then
		# the last line of its output says what was seen
		echo "PASS $id${out:+: $(printf '%s' "$out" | tail -n 1 | cut -c 1-200)}"
	else
		echo "FAIL $id: $(printf '%s' "$out" | tr '\n' '|' | cut -c 1-700)"
		rc=1
	fi
}

dkms_ko=/lib/modules/$kver/updates/dkms/u-dma-buf.ko
conf=/etc/modprobe.d/u-dma-buf.conf
example='#options u-dma-buf udmabuf0=1M udmabuf1=4M'

# modprobe finds the module DKMS installed (and no other)
found() {
	local f
	f=$(modinfo -n u-dma-buf) || return 1
	[ "$f" = "$dkms_ko" ] || { echo "modinfo -n u-dma-buf: $f, not $dkms_ko"; return 1; }
	echo "$f"
}

# the shipped example is there and changes nothing until uncommented
example_inactive() {
	[ -f "$conf" ] || { echo "no $conf"; return 1; }
	grep -qxF "$example" "$conf" || { echo "no line '$example' in $conf"; return 1; }
	if grep -v '^[[:space:]]*#' "$conf" | grep -q '[^[:space:]]'; then
		echo "active lines in the shipped $conf:"
		grep -v '^[[:space:]]*#' "$conf"
		return 1
	fi
	if modprobe -c | grep -Eq '^options u[-_]dma[-_]buf '; then
		echo "modprobe -c has options for u-dma-buf already"
		return 1
	fi
}

# as docs/packaging.md says: uncomment the line
enable_example() {
	sed -i "s/^${example//\//\\/}\$/${example#\#}/" "$conf" &&
		modprobe -c | grep -Ex 'options u[-_]dma[-_]buf udmabuf0=1M udmabuf1=4M'
}

# as the rule file says: a group for the buffers, the rule copied to /etc
# with the group line instead of the root line; Debian's udevd running
udev_group() {
	local src=/lib/udev/rules.d/99-u-dma-buf.rules dst=/etc/udev/rules.d/99-u-dma-buf.rules
	[ -f "$src" ] || { echo "no $src"; return 1; }
	groupadd -r udmabuf || return 1
	mkdir -p /etc/udev/rules.d
	sed -e 's/^SUBSYSTEM=="u-dma-buf", ENV{DEVUID}=="", GROUP="root", MODE="0600"$/#&/' \
		-e 's/^#\(SUBSYSTEM=="u-dma-buf", ENV{DEVUID}=="", GROUP="udmabuf", MODE="0660"\)$/\1/' \
		"$src" >"$dst" || return 1
	grep -qx 'SUBSYSTEM=="u-dma-buf", ENV{DEVUID}=="", GROUP="udmabuf", MODE="0660"' "$dst" ||
		{ echo "the group line of $src is not what docs/driver-reference.md shows"; return 1; }
	/lib/systemd/systemd-udevd --daemon || return 1
	udevadm settle -t 30
	echo "group udmabuf, $dst with the group line, udevd running"
}

# the loaded module is the file DKMS installed (same srcversion), this
# project's version
loaded_is_dkms() {
	local want got
	want=$(modinfo -F srcversion "$dkms_ko") || return 1
	got=$(cat /sys/module/u_dma_buf/srcversion) || return 1
	# shellcheck disable=SC2015 # A and B are tests: C runs if either fails
	[ -n "$want" ] && [ "$want" = "$got" ] ||
		{ echo "loaded srcversion $got, $dkms_ko has $want"; return 1; }
	echo "srcversion $got, version $(cat /sys/module/u_dma_buf/version)"
}

# the parameters of the modprobe.d line made the buffers
params_applied() {
	local s0 s1
	s0=$(cat /sys/class/u-dma-buf/udmabuf0/size 2>&1)
	s1=$(cat /sys/class/u-dma-buf/udmabuf1/size 2>&1)
	# shellcheck disable=SC2015 # A and B are tests: C runs if either fails
	[ "$s0" = 1048576 ] && [ "$s1" = 4194304 ] ||
		{ echo "udmabuf0 size '$s0', udmabuf1 size '$s1' (expected 1048576, 4194304)"; return 1; }
}

# udev applied the group rule: group udmabuf, mode 0660
udev_applied() {
	local n m
	udevadm settle -t 30
	for n in udmabuf0 udmabuf1; do
		m=$(stat -c '%G %a' "/dev/$n") || return 1
		[ "$m" = "udmabuf 660" ] || { echo "/dev/$n: group and mode '$m', expected 'udmabuf 660'"; return 1; }
	done
}

manager() {
	echo "create pkgbuf 65536" >/dev/u-dma-buf-mgr || return 1
	udevadm settle -t 30
	"$here/pkg-smoke" pkgbuf 65536 || return 1
	grep -q '^pkgbuf ' /dev/u-dma-buf-mgr || { echo "pkgbuf not listed by the manager"; return 1; }
	echo "delete pkgbuf" >/dev/u-dma-buf-mgr || return 1
	[ ! -e /sys/class/u-dma-buf/pkgbuf ] || { echo "pkgbuf still in sysfs after delete"; return 1; }
}

# the udmabuf command of udmabuf-tools
tools() {
	udmabuf list >/tmp/list || return 1
	grep -q '^udmabuf0 ' /tmp/list || { echo "udmabuf list shows no udmabuf0:"; cat /tmp/list; return 1; }
	udmabuf info udmabuf0 >/dev/null || return 1
	udmabuf create pkgtool 64K || return 1
	udevadm settle -t 30
	"$here/pkg-smoke" pkgtool 65536 || return 1
	udmabuf delete pkgtool || return 1
	[ ! -e /sys/class/u-dma-buf/pkgtool ] || { echo "pkgtool still there after udmabuf delete"; return 1; }
	echo "udmabuf list/info/create/delete: $(grep -c . /tmp/list) lines listed"
}

unload() {
	modprobe -r u-dma-buf || return 1
	[ ! -e /sys/module/u_dma_buf ] || { echo "/sys/module/u_dma_buf still there"; return 1; }
}

# as in scripts/run-target.sh: no warning, bug or oops in the kernel log
KERNEL_BAD='WARNING:|BUG:|Oops|[Cc]all [Tt]race|Kernel panic|kernel BUG|Unable to handle kernel|general protection fault|UBSAN:|KASAN:|is still referenced|leaking'
klog_clean() {
	! dmesg | grep -E "$KERNEL_BAD"
}

t G2_guest_dkms_module_found found
t G2_guest_modprobe_d_example_inactive example_inactive
t G2_guest_modprobe_d_example_enabled enable_example
t G2_guest_udev_group_rule_installed udev_group
t G2_guest_modprobe modprobe u-dma-buf
t G2_guest_loaded_module_is_dkms_build loaded_is_dkms
t G2_guest_modprobe_d_parameters_applied params_applied
t G2_guest_udev_rule_applied udev_applied
t G2_guest_buffer_udmabuf0 "$here/pkg-smoke" udmabuf0 1048576
t G2_guest_buffer_udmabuf1 "$here/pkg-smoke" udmabuf1 4194304
t G2_guest_manager_create_delete manager
# the user-space packages: the udmabuf command, a program built against
# libudmabuf-dev running with libudmabuf0
t G2_guest_udmabuf_tools tools
t G2_guest_libudmabuf "$here/pkg-lib" udmabuf1 4194304
t G2_guest_unload unload
t G2_guest_kernel_log_clean klog_clean

echo "PKG-KMSG-BEGIN"
dmesg
echo "PKG-KMSG-END"
echo "PKG-END rc=$rc"
sync
echo o >/proc/sysrq-trigger
sleep 10
