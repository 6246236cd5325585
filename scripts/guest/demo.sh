#!/bin/sh
# The guest side of `make demo` (packed as /bin/udmabuf-demo.sh): what a
# user sees when using u-dma-buf.  The host prints what lies between
# UT-DEMO-BEGIN and UT-DEMO-END.
dmesg -n 1	# kernel messages only where we show them

seen=0
# kernel log lines that appeared since the last call
new_log() {
	dmesg | tail -n +$((seen + 1)) | grep -E 'u-dma-buf|u_dma_buf' | sed 's/^/    /'
	seen=$(dmesg | wc -l)
}
heading() {
	echo
	echo "== $*"
}
show() {
	echo "  # $*"
	sh -c "$*" 2>&1 | sed 's/^/    /'
}

echo UT-DEMO-BEGIN
seen=$(dmesg | wc -l)
echo "Guest: $(uname -m), Linux $(uname -r)"

heading "1. Load the module with one 1 MiB buffer (udmabuf0) - kernel log:"
show insmod /lib/modules/u-dma-buf.ko udmabuf0=1048576
new_log

heading "2. The device file (root only by default; see udev/99-u-dma-buf.rules):"
show ls -l /dev/udmabuf0

heading "3. Its attributes in /sys/class/u-dma-buf/udmabuf0/:"
for a in /sys/class/u-dma-buf/udmabuf0/*; do
	[ -f "$a" ] || continue
	n=${a##*/}
	[ "$n" = uevent ] && continue
	if [ -r "$a" ] && v=$(cat "$a" 2>/dev/null); then
		printf '    %-16s = %s\n' "$n" "$v"
	else
		printf '    %-16s   (write only)\n' "$n"
	fi
done

heading "4. A round trip through read(2)/write(2) with dd:"
show dd if=/dev/urandom of=/tmp/pattern bs=4096 count=16
show dd if=/tmp/pattern of=/dev/udmabuf0 bs=4096
show dd if=/dev/udmabuf0 of=/tmp/back bs=4096 count=16
show 'cmp /tmp/pattern /tmp/back && echo "the 64 KiB read back are identical to what was written"'

heading "5. The same memory through mmap(2) (tests/guest/progs/udmabuf-demo-mmap.c):"
show udmabuf-demo-mmap udmabuf0

heading "6. Buffers at run time through /dev/u-dma-buf-mgr:"
show 'echo "create demo 65536" > /dev/u-dma-buf-mgr'
new_log
show ls -l /dev/demo
show cat /dev/u-dma-buf-mgr
show 'echo "delete demo" > /dev/u-dma-buf-mgr'
new_log
show 'echo "create udmabuf0 4096" > /dev/u-dma-buf-mgr'
echo "    (a name in use is refused with EEXIST; the kernel log says why:)"
new_log

heading "7. Unload:"
show rmmod u-dma-buf
new_log
echo UT-DEMO-END
