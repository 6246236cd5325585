#!/bin/sh
# The guest side of `make demo-dma` (packed as /bin/udmabuf-demo-dma.sh):
# examples/edu-dma/edu-uio.c (/bin/edu-uio) moves data between a u-dma-buf
# buffer and QEMU's edu PCI device, a real DMA engine, through UIO.  The
# "edu" boot of tests/boots.conf has two: 0000:00:04.0 reaches 28 address
# bits, 0000:00:05.0 all 64.  The host prints what lies between
# UT-DEMO-DMA-BEGIN and UT-DEMO-DMA-END.
dmesg -n 1	# kernel messages only where we show them

seen=0
new_log() {
	dmesg | tail -n +$((seen + 1)) | grep -E 'u-dma-buf|u_dma_buf|uio' | sed 's/^/    /'
	seen=$(dmesg | wc -l)
}
heading() {
	echo
	echo "== $*"
}
# show CMD: print the command and its output; a failure fails the demo
show() {
	echo "  # $*"
	{
		sh -c "$*" 2>&1
		echo $? >/tmp/status
	} | sed 's/^/    /'
	st=$(cat /tmp/status)
	if [ "$st" != 0 ]; then
		echo "    (exit status $st)"
		rc=1
	fi
}

echo UT-DEMO-DMA-BEGIN
seen=$(dmesg | wc -l)
rc=0
echo "Guest: $(uname -m), Linux $(uname -r), $(($(sed -n 's/^MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo) / 1024)) MiB"

heading "1. The edu devices (PCI 1234:11e8) and the UIO driver for them"
show 'grep -l 0x11e8 /sys/bus/pci/devices/*/device | sed "s|/device$||"'
show modprobe uio_pci_generic
new_log

if [ "$(uname -m)" = x86_64 ]; then
	heading "2. A buffer the 28-bit edu at 0000:00:04.0 can reach: dma_mask_bit=28 (below 256 MiB)"
	show insmod /lib/modules/u-dma-buf.ko udmabuf0=65536 dma_mask_bit=28
	dev=0000:00:04.0 mask=28
else
	heading "2. A buffer (not bound to a device) for the edu at 0000:00:05.0, which reaches 64 bits"
	show insmod /lib/modules/u-dma-buf.ko udmabuf0=65536
	dev=0000:00:05.0 mask=64
fi
new_log
show cat /sys/class/u-dma-buf/udmabuf0/phys_addr

heading "3. edu-uio: round trips RAM -> edu -> RAM, waiting for interrupts"
echo "  (edu-uio binds uio_pci_generic to the device itself if needed)"
show edu-uio --buffer udmabuf0 --pci $dev --mask $mask --size 4095,100 --pattern random,inc

heading "4. The same, polling the DMA command register instead of interrupts"
show edu-uio --buffer udmabuf0 --pci $dev --mask $mask --size 512 --pattern 55aa --poll --sync sysfs
show rmmod u-dma-buf

heading "5. A buffer bound to the edu at 0000:00:05.0: its DMA address is that device's"
echo "  (the device needs its driver before a buffer can be bound to it)"
show 'echo uio_pci_generic > /sys/bus/pci/devices/0000:00:05.0/driver_override'
[ -e /sys/bus/pci/devices/0000:00:05.0/driver ] ||
	show 'echo 0000:00:05.0 > /sys/bus/pci/drivers/uio_pci_generic/bind'
# a module without the parameter ignores it (and makes an unbound buffer)
insmod /lib/modules/u-dma-buf.ko udmabuf0=65536 udmabuf0_bind=pci/0000:00:05.0 2>/dev/null
if [ -e /sys/class/u-dma-buf/udmabuf0/device ]; then
	echo "  # insmod /lib/modules/u-dma-buf.ko udmabuf0=65536 udmabuf0_bind=pci/0000:00:05.0"
	new_log
	show readlink -f /sys/class/u-dma-buf/udmabuf0/device
	show edu-uio --buffer udmabuf0 --pci 0000:00:05.0 --mask 64 --size 4095 --pattern random
else
	echo "  (this build of u-dma-buf has no udmabuf0_bind parameter yet)"
fi
rmmod u-dma-buf 2>/dev/null
new_log
echo
if [ $rc = 0 ]; then
	echo "Every round trip matched."
else
	echo "A ROUND TRIP FAILED (see above)."
fi
echo UT-DEMO-DMA-END
exit $rc
