// SPDX-License-Identifier: GPL-2.0
/*
 * A real DMA engine: QEMU's edu PCI device, driven from user space through
 * uio_pci_generic by the example users copy (examples/edu-dma/edu-uio.c,
 * /bin/edu-uio in the guest), moving data in and out of u-dma-buf buffers.
 * H5 (the user-space driver example), A3 (a 28-bit dma_mask_bit keeps the
 * buffer where edu reaches it), A4 (buffers bound to the device by module
 * parameter and by the manager: the device uses their DMA address).
 *
 * Boot "edu" (tests/boots.conf), 4 GiB: edu 0000:00:04.0 reaches 28
 * address bits (its default), 0000:00:05.0 all 64.  Each transfer takes
 * about 100 ms of virtual time, so the rounds are few but cover sizes up
 * to the 4095-byte limit, several patterns, odd offsets, interrupts and
 * polling, and both ways to sync.  Besides the example's own verdict, every
 * run is checked from here: a last round of a known pattern is read back
 * through this test's own mapping, and interrupts through /proc/interrupts.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <linux/u-dma-buf.h>
#include "ut.h"
#include "tu_helpers.h"

#define EDU_BOOT	"edu"
#define EDU28		"0000:00:04.0"	/* reaches 28 bits */
#define EDU64		"0000:00:05.0"	/* dma_mask=0xffffffffffffffff */
#define PCI_DEVS	"/sys/bus/pci/devices/"
#define BUF_SIZE	65536
#define OUT_FILE	"/tmp/edu-uio.out"

static char edu_out[32768];	/* the output of the last edu-uio run */

/* ------------------------------------------------------ the device */

static void uio_loaded_x(void)
{
	if (ut_sh("modprobe uio_pci_generic") != 0)
		UT_FAIL("modprobe uio_pci_generic: expected success (kmods "
			"of boot \"edu\")");
	tu_pci_rescan_x();
}

/* the driver bound to the PCI device, "" when none */
static void edu_driver(const char *bdf, char *name, size_t len)
{
	char link[256], target[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), PCI_DEVS "%s/driver", bdf);
	n = readlink(link, target, sizeof(target) - 1);
	name[0] = '\0';
	if (n > 0) {
		target[n] = '\0';
		snprintf(name, len, "%s", strrchr(target, '/') + 1);
	}
}

/* leave the device without a driver, as after boot */
static void edu_unbind_x(const char *bdf)
{
	char drv[64], path[256];
	int r;

	edu_driver(bdf, drv, sizeof(drv));
	if (drv[0]) {
		snprintf(path, sizeof(path), PCI_DEVS "%s/driver/unbind", bdf);
		r = ut_write_file(path, bdf);
		if (r)
			UT_FAIL("unbinding %s from %s: %s", bdf, drv,
				strerror(-r));
	}
	snprintf(path, sizeof(path), PCI_DEVS "%s/driver_override", bdf);
	r = ut_write_file(path, "\n");
	if (r)
		UT_FAIL("clearing %s: %s", path, strerror(-r));
	edu_driver(bdf, drv, sizeof(drv));
	if (drv[0])
		UT_FAIL("%s: expected no driver after unbind, saw %s", bdf,
			drv);
}

/* the device's interrupts so far: its line in /proc/interrupts */
static unsigned long long uio_irq_count(void)
{
	static char text[65536];
	unsigned long long sum = 0;
	char *line;

	if (ut_read_file("/proc/interrupts", text, sizeof(text)) < 0)
		UT_FAIL("/proc/interrupts: cannot read it");
	for (line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char *p = strchr(line, ':');

		if (!p || !strstr(line, "uio_pci_generic"))
			continue;
		for (p++;;) {
			char *end;
			unsigned long long v = strtoull(p, &end, 10);

			if (end == p)
				break;
			sum += v;
			p = end;
		}
	}
	return sum;
}

/* ------------------------------------------------------ the example */

/* run edu-uio ARGS; its output into edu_out; returns its exit status */
static int run_edu(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run_edu(const char *fmt, ...)
{
	char args[1024];
	va_list ap;
	int st, r;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	st = ut_sh("edu-uio %s >" OUT_FILE " 2>&1", args);
	r = ut_read_file(OUT_FILE, edu_out, sizeof(edu_out));
	if (r < 0)
		snprintf(edu_out, sizeof(edu_out), "(no output: %s)",
			 strerror(-r));
	return st;
}

/*
 * edu-uio ARGS must exit 0 saying that all its rounds matched, and must
 * have waited the way it was asked to (interrupt or polling).
 */
static void edu_ok_x(int rounds, int poll, const char *args)
{
	char verdict[128];
	int st = run_edu("%s", args);

	snprintf(verdict, sizeof(verdict), "edu-uio: all %d rounds matched "
		 "(%s)", rounds, poll ? "polling" : "interrupts");
	if (st != 0 || !strstr(edu_out, verdict))
		UT_FAIL("edu-uio %s: expected exit status 0 and \"%s\", saw "
			"exit status %d; its output:\n%s", args, verdict, st,
			edu_out);
	if (!strstr(edu_out, poll ? "(polled)" : "(interrupt #"))
		UT_FAIL("edu-uio %s: expected every transfer %s; its "
			"output:\n%s", args, poll ? "polled" : "ended by an "
			"interrupt", edu_out);
}

/*
 * The round trips on buffer NAME through edu BDF, which reaches MASK bits:
 * with interrupts (sizes 4095, 1, 2048, 333 and four patterns; the sync
 * ioctls), then polling (odd offsets, the sysfs sync files), then one
 * round of a known pattern that this test reads back itself.
 */
static void edu_roundtrips_x(const char *name, const char *bdf, int mask)
{
	unsigned long long irq0, irq1;
	unsigned char *p;
	char args[512];
	long long bad;
	int fd;

	irq0 = uio_irq_count();
	snprintf(args, sizeof(args), "--buffer %s --pci %s --mask %d "
		 "--size 4095,1,2048,333 --pattern random,inc,55aa,ff",
		 name, bdf, mask);
	edu_ok_x(4, 0, args);
	irq1 = uio_irq_count();
	if (irq1 < irq0 + 8)
		UT_FAIL("/proc/interrupts: expected at least 8 more "
			"uio_pci_generic interrupts after 8 transfers by "
			"interrupt, saw %llu -> %llu", irq0, irq1);

	snprintf(args, sizeof(args), "--buffer %s --pci %s --mask %d --poll "
		 "--sync sysfs --size 17,4095 --pattern dec,00 --seed 9 "
		 "--src-offset 5 --dst-offset 0x5003", name, bdf, mask);
	edu_ok_x(2, 1, args);
	if (uio_irq_count() != irq1)
		UT_FAIL("/proc/interrupts: expected no interrupt while "
			"polling, saw %llu -> %llu", irq1, uio_irq_count());

	/* stale data must not pass: the destination holds 0xee first */
	fd = ut_open_dev(name, O_RDWR);
	p = tu_mmap(fd, BUF_SIZE, 0, PROT_READ | PROT_WRITE, MAP_SHARED);
	if (!p)
		UT_FAIL("mmap /dev/%s: %s", name, strerror(errno));
	memset(p + 0x8000, 0xee, 4095);
	snprintf(args, sizeof(args), "--buffer %s --pci %s --mask %d "
		 "--size 4095 --pattern inc --seed 200 --rounds 1 "
		 "--src-offset 0x100 --dst-offset 0x8000", name, bdf, mask);
	edu_ok_x(1, 0, args);
	/* inc, seed 200: byte i is (200 + i) mod 256 */
	for (int i = 0; i < 4095; i++) {
		if (p[0x8000 + i] != (unsigned char)(200 + i))
			UT_FAIL("/dev/%s at 0x%x (copy byte %d): expected "
				"0x%02x, saw 0x%02x; edu-uio said:\n%s", name,
				0x8000 + i, i, (unsigned char)(200 + i),
				p[0x8000 + i], edu_out);
	}
	bad = tu_first_diff(p + 0x100, p + 0x8000, 4095);
	if (bad >= 0)
		UT_FAIL("source and copy differ at byte %lld", bad);
	munmap(p, BUF_SIZE);
	close(fd);
}

/* ----------------------------------------------------------- tests */

/*
 * A3: with dma_mask_bit=28 the whole buffer lies below 256 MiB in a 4 GiB
 * guest, where edu at its default reach finds it: the round trips pass.
 * edu-uio binds uio_pci_generic to the device itself.  arm64: the virt
 * machine's RAM starts at 1 GiB, so no memory satisfies a 28-bit mask: the
 * load must be refused rather than give a buffer beyond it.
 */
UT_TEST_BOOT(A3_edu_mask28_unbound_buffer_roundtrip, UT_NOLOAD, EDU_BOOT)
{
	struct u_dma_buf_ioctl_dev_info info;
	char drv[64];
	uint64_t addr, size;
	int r, fd;

	uio_loaded_x();
	if (!tu_is_arch("x86_64")) {
		r = ut_load("udmabuf0=65536 dma_mask_bit=28");
		if (r == 0 && tu_class_exists("udmabuf0")) {
			addr = ut_sysfs_u64("udmabuf0", "phys_addr");
			UT_FAIL("dma_mask_bit=28 where RAM starts at 1 GiB: "
				"expected no buffer, saw one at 0x%llx",
				(unsigned long long)addr);
		}
		UT_ASSERT(!tu_dev_exists("udmabuf0"));
		return;
	}
	r = ut_load("udmabuf0=65536 dma_mask_bit=28");
	if (r)
		UT_FAIL("insmod udmabuf0=65536 dma_mask_bit=28: %s",
			strerror(-r));
	/* the mask the buffer was made with (GET_DEV_INFO bits 7:0) */
	fd = ut_open_dev("udmabuf0", O_RDWR);
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_GET_DEV_INFO, &info);
	close(fd);
	UT_EQ(info.flags & U_DMA_BUF_DEV_INFO_DMA_MASK_MASK, 28);
	addr = ut_sysfs_u64("udmabuf0", "phys_addr");
	size = ut_sysfs_u64("udmabuf0", "size");
	UT_EQU(size, BUF_SIZE);
	if (addr + size > (1ULL << 28))
		UT_FAIL("dma_mask_bit=28: expected the buffer below 256 MiB, "
			"saw 0x%llx..0x%llx", (unsigned long long)addr,
			(unsigned long long)(addr + size - 1));

	edu_unbind_x(EDU28);
	edu_roundtrips_x("udmabuf0", EDU28, 28);
	edu_driver(EDU28, drv, sizeof(drv));
	UT_STREQ(drv, "uio_pci_generic");
}

/*
 * H5: an unbound buffer of the default 32-bit mask with the edu that
 * reaches 64 bits (the example with --mask 64).
 */
UT_TEST_BOOT(H5_edu_unbound_buffer_full_reach_roundtrip, "udmabuf0=65536",
	     EDU_BOOT)
{
	uio_loaded_x();
	edu_roundtrips_x("udmabuf0", EDU64, 64);
}

/*
 * H5: a region beyond what the device reaches is refused before any DMA
 * (edu would drop the high address bits and write elsewhere): exit status
 * 2, the reason said, no register programmed.  --mask 12 puts every
 * buffer out of reach (page 0 is never one).
 */
UT_TEST_BOOT(H5_edu_example_refuses_buffer_out_of_reach, "udmabuf0=65536",
	     EDU_BOOT)
{
	unsigned long long irq0;
	volatile uint64_t *regs;
	int fd, st;

	uio_loaded_x();
	/* a good run first (it binds the driver, if needed) */
	edu_ok_x(1, 1, "--buffer udmabuf0 --pci " EDU64 " --mask 64 "
		 "--size 1 --poll --rounds 1");
	/* a mark in edu's DMA source register, which a DMA would replace */
	fd = open(PCI_DEVS EDU64 "/resource0", O_RDWR | O_SYNC);
	if (fd < 0)
		UT_FAIL(PCI_DEVS EDU64 "/resource0: %s", strerror(errno));
	regs = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (regs == MAP_FAILED)
		UT_FAIL("mmap resource0: %s", strerror(errno));
	regs[0x80 / 8] = 0x5a5a000;
	UT_EQU(regs[0x80 / 8], 0x5a5a000);

	irq0 = uio_irq_count();
	st = run_edu("--buffer udmabuf0 --pci %s --mask 12 --size 16",
		     EDU64);
	if (st != 2 || !strstr(edu_out, "beyond edu's reach"))
		UT_FAIL("edu-uio --mask 12: expected exit status 2 and "
			"\"beyond edu's reach\", saw %d; its output:\n%s", st,
			edu_out);
	UT_EQU(regs[0x80 / 8], 0x5a5a000);
	UT_EQU(uio_irq_count(), irq0);
	munmap((void *)regs, 4096);
	close(fd);
}

/* ------------------------------------------------- bound buffers (A4) */

/* hand the device to uio_pci_generic, as a bound buffer needs a driver */
static void edu_bind_x(const char *bdf)
{
	char drv[64], path[256];
	int r;

	edu_driver(bdf, drv, sizeof(drv));
	if (!strcmp(drv, "uio_pci_generic"))
		return;
	if (drv[0])
		UT_FAIL("%s: driven by %s, expected none or uio_pci_generic",
			bdf, drv);
	snprintf(path, sizeof(path), PCI_DEVS "%s/driver_override", bdf);
	r = ut_write_file(path, "uio_pci_generic");
	if (r)
		UT_FAIL("%s: %s", path, strerror(-r));
	r = ut_write_file("/sys/bus/pci/drivers/uio_pci_generic/bind", bdf);
	edu_driver(bdf, drv, sizeof(drv));
	if (strcmp(drv, "uio_pci_generic"))
		UT_FAIL("binding %s to uio_pci_generic: %s", bdf,
			r ? strerror(-r) : "not bound");
}

/*
 * Buffer NAME is bound to BDF: its sysfs "device" link names it, and with
 * no IOMMU in this machine its DMA address is its CPU physical address.
 */
static void expect_parent_x(const char *name, const char *bdf)
{
	char link[256], target[PATH_MAX];
	const char *base;

	snprintf(link, sizeof(link), TU_CLASS_DIR "/%s/device", name);
	if (!realpath(link, target))
		UT_FAIL("%s: expected a link to the parent %s, saw %s", link,
			bdf, strerror(errno));
	base = strrchr(target, '/') + 1;
	if (strcmp(base, bdf))
		UT_FAIL("%s -> %s: expected the parent %s", link, target, bdf);
	UT_EQU(ut_sysfs_u64(name, "cpu_phys_addr"),
	       ut_sysfs_u64(name, "phys_addr"));
}

/* the example saw the buffer bound to the device it drives */
static void expect_example_saw_bound_x(const char *bdf)
{
	char want[128];

	snprintf(want, sizeof(want), "bound to this device (%s)", bdf);
	if (!strstr(edu_out, want))
		UT_FAIL("edu-uio: expected \"%s\"; its output:\n%s", want,
			edu_out);
}

/*
 * A4: a buffer bound by module parameter (udmabuf0_bind=pci/<BDF>) to the
 * edu that reaches 64 bits, once uio_pci_generic drives it: the buffer is
 * that device's, and the round trips pass.
 */
UT_TEST_BOOT(A4_edu_bind_param_roundtrip, UT_NOLOAD, EDU_BOOT)
{
	int r;

	uio_loaded_x();
	edu_bind_x(EDU64);
	r = ut_load("udmabuf0=65536 udmabuf0_bind=pci/" EDU64);
	if (r)
		UT_FAIL("insmod udmabuf0=65536 udmabuf0_bind=pci/" EDU64
			": %s", strerror(-r));
	expect_parent_x("udmabuf0", EDU64);
	edu_roundtrips_x("udmabuf0", EDU64, 64);
	expect_example_saw_bound_x(EDU64);
}

/* A4: the same with a buffer the manager creates with bus= and device= */
UT_TEST_BOOT(A4_edu_mgr_bus_device_roundtrip, "", EDU_BOOT)
{
	uio_loaded_x();
	edu_bind_x(EDU64);
	tu_mgr_create_x("edumgr", "65536", "bus=pci device=" EDU64);
	expect_parent_x("edumgr", EDU64);
	edu_roundtrips_x("edumgr", EDU64, 64);
	expect_example_saw_bound_x(EDU64);
	tu_mgr_delete_x("edumgr");
}
