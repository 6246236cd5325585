// SPDX-License-Identifier: GPL-2.0
/*
 * A4, H5, H7: QEMU's edu DMA engine behind an IOMMU (boot "iommu" of
 * tests/boots.conf: x86_64 q35 + intel-iommu, arm64 virt + SMMUv3).
 *
 * VFIO: edu bound to vfio-pci, an unbound u-dma-buf buffer whose
 * page-backed mapping is pinned long-term with VFIO_IOMMU_MAP_DMA at an
 * IOVA of the program's choosing; the example examples/edu-dma/edu-vfio.c
 * (built into the guest as /bin/edu-vfio) moves patterns RAM -> edu -> RAM
 * with interrupts and with polling and compares them through the mapping
 * and read(2).  A driver whose mapping is not the buffer's own pages, or is
 * not page-backed (VFIO cannot pin it), fails it.
 *
 * UIO: edu bound to uio_pci_generic, a buffer bound to edu (manager
 * bus=pci device=<BDF>, or udmabuf0_bind=pci/<BDF>); the test programs the
 * engine itself with the buffer's phys_addr, the DMA address: an IOVA that
 * differs from cpu_phys_addr here.  Patterns go RAM -> edu -> RAM with the
 * u-dma-buf syncs around them, completion by interrupt and by polling; the
 * mapping, a second mapping and read(2) read back exactly what the device
 * wrote.  Programming cpu_phys_addr instead misses the buffer: the IOMMU
 * blocks the write and reports a fault (so a driver reporting the CPU
 * physical address as phys_addr fails the round trip).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <linux/pci_regs.h>
#include <linux/u-dma-buf.h>

#include "ut.h"
#include "tu_helpers.h"

#define IOMMU_BOOT	"iommu"
#define PCI_DEVICES	"/sys/bus/pci/devices"
#define EDU_VENDOR	0x1234
#define EDU_DEVICE	0x11e8
#define EDU_VFIO_OUT	"/tmp/edu-vfio.out"
#define UIO_DRIVER	"uio_pci_generic"
#define RW		(PROT_READ | PROT_WRITE)

/* edu's registers (QEMU docs/specs/edu.rst) */
#define EDU_REG_IRQ_STATUS	0x24	/* 32-bit */
#define EDU_REG_IRQ_ACK		0x64	/* 32-bit */
#define EDU_REG_DMA_SRC		0x80	/* 64-bit from here */
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_COUNT	0x90
#define EDU_REG_DMA_CMD		0x98
#define EDU_DMA_START		0x1
#define EDU_DMA_TO_RAM		0x2
#define EDU_DMA_IRQ		0x4
#define EDU_IRQ_DMA		0x100
#define EDU_BUF_ADDR		0x40000
#define EDU_DMA_MAX		4095	/* QEMU 7.2 aborts on 4096 */
#define EDU_TIMEOUT_MS		5000
#define POISON			0xa5
#define TAIL			16	/* poisoned bytes after a transfer */

/* ------------------------------------------------------------ edu */

/* the BDF of the edu device (its BDF differs between q35 and virt) */
static void edu_bdf_x(char *bdf, size_t len)
{
	char path[PATH_MAX], text[32];
	struct dirent *d;
	DIR *dir = opendir(PCI_DEVICES);

	if (!dir)
		UT_FAIL("%s: %s", PCI_DEVICES, strerror(errno));
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), PCI_DEVICES "/%s/vendor",
			 d->d_name);
		if (ut_read_file(path, text, sizeof(text)) < 0 ||
		    strtoul(text, NULL, 0) != EDU_VENDOR)
			continue;
		snprintf(path, sizeof(path), PCI_DEVICES "/%s/device",
			 d->d_name);
		if (ut_read_file(path, text, sizeof(text)) < 0 ||
		    strtoul(text, NULL, 0) != EDU_DEVICE)
			continue;
		if (strlen(d->d_name) >= len)
			continue;
		memcpy(bdf, d->d_name, strlen(d->d_name) + 1);
		closedir(dir);
		return;
	}
	closedir(dir);
	UT_FAIL("no PCI device %04x:%04x: the \"%s\" boot must start QEMU with -device edu",
		EDU_VENDOR, EDU_DEVICE, IOMMU_BOOT);
}

/* name of the driver edu is bound to ("" if none) */
static void edu_driver(const char *bdf, char *name, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t n;
	const char *base;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver", bdf);
	n = readlink(path, target, sizeof(target) - 1);
	name[0] = '\0';
	if (n < 0)
		return;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) < len)
		memcpy(name, base, strlen(base) + 1);
}

/* edu with no driver and no driver_override, as the boot left it */
static void edu_release_x(const char *bdf)
{
	char path[PATH_MAX], drv[64];
	int r;

	edu_driver(bdf, drv, sizeof(drv));
	if (drv[0]) {
		snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver/unbind",
			 bdf);
		r = ut_write_file(path, bdf);
		if (r)
			UT_FAIL("unbind %s from %s: %s", bdf, drv, strerror(-r));
	}
	snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver_override", bdf);
	r = ut_write_file(path, "\n");
	if (r)
		UT_FAIL("clear %s: %s", path, strerror(-r));
	edu_driver(bdf, drv, sizeof(drv));
	if (drv[0])
		UT_FAIL("%s is still bound to %s", bdf, drv);
}

/* modules of the kernel (boots.conf kmods), loaded once per test */
static void modprobe_x(const char *mods)
{
	int r = ut_sh("for m in %s; do modprobe $m || exit 1; done", mods);

	if (r)
		UT_FAIL("modprobe %s: exit status %d (boots.conf kmods of \"%s\")",
			mods, r, IOMMU_BOOT);
}

/* the kernel log shows no IOMMU fault (DMA through an unmapped address) */
static void expect_no_iommu_fault(void)
{
	UT_LOG_LACKS("DMAR: DRHD: handling fault");
	UT_LOG_LACKS("smmuv3: event");
}

/* ------------------------------------------------------------ VFIO */

/* run edu-vfio with args; fail with its output unless it said OK */
static void edu_vfio_x(const char *args)
{
	static char out[16384];
	int r = ut_sh("edu-vfio %s >" EDU_VFIO_OUT " 2>&1", args);

	if (ut_read_file(EDU_VFIO_OUT, out, sizeof(out)) < 0)
		snprintf(out, sizeof(out), "(no output)");
	if (r != 0)
		UT_FAIL("edu-vfio %s: exit status %d, expected 0; output:\n%s",
			args, r, out);
	if (!strstr(out, "edu-vfio: OK:"))
		UT_FAIL("edu-vfio %s: no \"edu-vfio: OK:\" in its output:\n%s", args,
			out);
}

/*
 * H5, H7: an unbound buffer (buddy pages: page-backed) pinned long-term by
 * VFIO_IOMMU_MAP_DMA; edu moves patterns of several sizes up to its limit
 * through it, completion by interrupt (INTx through an eventfd) and by
 * polling.  The runner's unload afterwards shows that VFIO let go of the
 * pages (no "still referenced").
 */
UT_TEST_BOOT(H5_vfio_edu_round_trip_unbound_buffer, "udmabuf0=65536",
	     IOMMU_BOOT)
{
	char bdf[64], drv[64];

	edu_bdf_x(bdf, sizeof(bdf));
	modprobe_x("vfio_pci vfio_iommu_type1");
	edu_release_x(bdf);

	edu_vfio_x("-d udmabuf0 -n 4095 -r 2");
	edu_driver(bdf, drv, sizeof(drv));
	UT_STREQ(drv, "vfio-pci");
	edu_vfio_x("-d udmabuf0 -n 1 -r 1");
	edu_vfio_x("-d udmabuf0 -n 777 -r 2 --poll");
	edu_vfio_x("-d udmabuf0 -n 4095 -r 1 --poll -i 0x20000000");

	edu_release_x(bdf);
	expect_no_iommu_fault();
}

/* ------------------------------------------------------------ UIO */

struct uio_edu {
	char bdf[64];
	int uio;		/* /dev/uioN: interrupts */
	int config;		/* the config space file of sysfs */
	volatile uint8_t *bar0;	/* resource0 */
	size_t bar0_size;
};

static uint32_t rd32(struct uio_edu *u, unsigned int reg)
{
	return *(volatile uint32_t *)(u->bar0 + reg);
}

static void wr32(struct uio_edu *u, unsigned int reg, uint32_t val)
{
	*(volatile uint32_t *)(u->bar0 + reg) = val;
}

static uint64_t rd64(struct uio_edu *u, unsigned int reg)
{
	return *(volatile uint64_t *)(u->bar0 + reg);
}

static void wr64(struct uio_edu *u, unsigned int reg, uint64_t val)
{
	*(volatile uint64_t *)(u->bar0 + reg) = val;
}

/* CPU stores before the doorbell, the device's data before CPU loads */
static void mb_full(void)
{
#if defined(__aarch64__) || defined(__arm__)
	__asm__ volatile("dsb sy" ::: "memory");
#else
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

/*
 * edu bound to uio_pci_generic (driver_override: uio_pci_generic has no id
 * table), /dev/uioN open, BAR0 mapped through resource0 and bus mastering
 * on (after the open: uio_pci_generic clears it when the file closes).
 */
static void uio_edu_open_x(struct uio_edu *u)
{
	char path[PATH_MAX], drv[64];
	struct dirent *d;
	struct stat st;
	uint16_t cmd;
	DIR *dir;
	void *p;
	int fd;

	memset(u, 0, sizeof(*u));
	u->uio = u->config = -1;
	edu_bdf_x(u->bdf, sizeof(u->bdf));
	modprobe_x(UIO_DRIVER);
	edu_release_x(u->bdf);
	snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver_override",
		 u->bdf);
	UT_OK(ut_write_file(path, UIO_DRIVER));
	UT_OK(ut_write_file("/sys/bus/pci/drivers_probe", u->bdf));
	edu_driver(u->bdf, drv, sizeof(drv));
	UT_STREQ(drv, UIO_DRIVER);

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/uio", u->bdf);
	dir = opendir(path);
	if (!dir)
		UT_FAIL("%s: %s", path, strerror(errno));
	while ((d = readdir(dir)))
		if (!strncmp(d->d_name, "uio", 3))
			break;
	if (!d)
		UT_FAIL("no uioN under %s", path);
	snprintf(path, sizeof(path), "/dev/%s", d->d_name);
	closedir(dir);
	u->uio = UT_OK(open(path, O_RDWR));

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/resource0", u->bdf);
	fd = UT_OK(open(path, O_RDWR | O_SYNC));
	UT_OK(fstat(fd, &st));
	u->bar0_size = st.st_size;
	p = mmap(NULL, u->bar0_size, RW, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		UT_FAIL("mmap %s: %s", path, strerror(errno));
	close(fd);
	u->bar0 = p;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/config", u->bdf);
	u->config = UT_OK(open(path, O_RDWR));
	UT_EQ(pread(u->config, &cmd, 2, PCI_COMMAND), 2);
	cmd |= PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY;
	UT_EQ(pwrite(u->config, &cmd, 2, PCI_COMMAND), 2);
	UT_EQ(pread(u->config, &cmd, 2, PCI_COMMAND), 2);
	UT_ASSERT(cmd & PCI_COMMAND_MASTER);
}

static void uio_edu_close(struct uio_edu *u)
{
	if (u->bar0)
		munmap((void *)u->bar0, u->bar0_size);
	if (u->config >= 0)
		close(u->config);
	if (u->uio >= 0)
		close(u->uio);
}

/*
 * One transfer of count bytes; completion by edu's interrupt through UIO
 * (read(2) of /dev/uioN) or by polling edu's command register.
 */
static void uio_edu_dma_x(struct uio_edu *u, uint64_t src, uint64_t dst,
			  size_t count, int to_ram, int irq)
{
	uint64_t cmd = EDU_DMA_START | (to_ram ? EDU_DMA_TO_RAM : 0);
	struct pollfd pfd = { .fd = u->uio, .events = POLLIN };
	uint16_t pcicmd;
	uint32_t status;
	int32_t events;
	int i;

	if (irq) {
		/*
		 * uio_pci_generic masks INTx with the command register's
		 * interrupt disable bit when it fires (it has no irqcontrol:
		 * write(2) on /dev/uioN is refused): unmask it there
		 */
		cmd |= EDU_DMA_IRQ;
		UT_EQ(pread(u->config, &pcicmd, 2, PCI_COMMAND), 2);
		pcicmd &= ~PCI_COMMAND_INTX_DISABLE;
		UT_EQ(pwrite(u->config, &pcicmd, 2, PCI_COMMAND), 2);
	}
	mb_full();
	wr64(u, EDU_REG_DMA_SRC, src);
	wr64(u, EDU_REG_DMA_DST, dst);
	wr64(u, EDU_REG_DMA_COUNT, count);
	wr64(u, EDU_REG_DMA_CMD, cmd);
	if (irq) {
		if (poll(&pfd, 1, EDU_TIMEOUT_MS) != 1)
			UT_FAIL("DMA 0x%llx -> 0x%llx (%zu bytes): no interrupt within %d ms",
				(unsigned long long)src,
				(unsigned long long)dst, count,
				EDU_TIMEOUT_MS);
		UT_EQ(read(u->uio, &events, sizeof(events)), sizeof(events));
		status = rd32(u, EDU_REG_IRQ_STATUS);
		if (!(status & EDU_IRQ_DMA))
			UT_FAIL("interrupt without edu's DMA status bit (status 0x%x)",
				status);
		wr32(u, EDU_REG_IRQ_ACK, status);
	} else {
		for (i = 0; rd64(u, EDU_REG_DMA_CMD) & EDU_DMA_START; i++) {
			if (i >= EDU_TIMEOUT_MS)
				UT_FAIL("DMA 0x%llx -> 0x%llx (%zu bytes): still running after %d ms",
					(unsigned long long)src,
					(unsigned long long)dst, count,
					EDU_TIMEOUT_MS);
			usleep(1000);
		}
	}
	mb_full();
}

/* a sync ioctl (5 or 6) of [off, off + len) in direction dir */
static void sync_x(int fd, unsigned long req, uint64_t off, uint64_t len,
		   int dir)
{
	uint64_t arg = U_DMA_BUF_SYNC_ARG(off, len, dir);

	TU_IOCTL_X(fd, req, &arg);
}

struct bound_buf {
	const char *name;
	int fd;
	uint8_t *map;
	size_t size, half;
	uint64_t dma;		/* phys_addr: the DMA address (IOVA) */
	uint64_t cpu;		/* cpu_phys_addr */
};

/*
 * Open and map a buffer bound to edu; its phys_addr is an IOVA that
 * differs from cpu_phys_addr, and the ioctls say the same as sysfs.
 */
static void bound_open_x(struct bound_buf *b, const char *name,
			 const char *bdf)
{
	char path[PATH_MAX], link[PATH_MAX];
	uint64_t v;
	ssize_t n;

	b->name = name;
	b->size = ut_sysfs_u64(name, "size");
	b->half = (b->size / 2) & ~(size_t)4095;
	UT_ASSERT(b->half >= EDU_DMA_MAX + TAIL);
	b->dma = ut_sysfs_u64(name, "phys_addr");
	b->cpu = ut_sysfs_u64(name, "cpu_phys_addr");

	snprintf(path, sizeof(path), "/sys/class/u-dma-buf/%s/device", name);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		UT_FAIL("%s: no parent link: the buffer is not bound", path);
	link[n] = '\0';
	if (!strstr(link, bdf))
		UT_FAIL("%s -> %s: expected the edu device %s", path, link,
			bdf);

	if (b->dma == b->cpu)
		UT_FAIL("%s: phys_addr 0x%llx equals cpu_phys_addr: behind the IOMMU the DMA address must be an IOVA",
			name, (unsigned long long)b->dma);
	/* x86 q35: RAM above 4 GiB, where the buffer of a 64-bit device lies */
	if (tu_is_arch("x86_64") && b->cpu < 4 * TU_GIB)
		UT_FAIL("%s: cpu_phys_addr 0x%llx: expected the buffer above 4 GiB (boot \"%s\": 3 GiB q35 guest)",
			name, (unsigned long long)b->cpu, IOMMU_BOOT);

	b->fd = ut_open_dev(name, O_RDWR);
	TU_IOCTL_X(b->fd, U_DMA_BUF_IOCTL_GET_DMA_ADDR, &v);
	UT_EQU(v, b->dma);
	TU_IOCTL_X(b->fd, U_DMA_BUF_IOCTL_GET_CPU_PHYS_ADDR, &v);
	UT_EQU(v, b->cpu);
	b->map = tu_mmap(b->fd, b->size, 0, RW, MAP_SHARED);
	if (!b->map)
		UT_FAIL("mmap %s: %s", name, strerror(errno));
}

static void bound_close(struct bound_buf *b)
{
	munmap(b->map, b->size);
	close(b->fd);
}

/*
 * Pattern (seed) into the first count bytes of the buffer, edu reads them
 * from src_addr and writes them back to dst_addr, which should be the
 * second half of the buffer.  Returns the offset of the first byte of the
 * second half that differs from the pattern, or -1 when it all arrived
 * (and the bytes after it are untouched).
 */
static long long bound_round_trip_x(struct uio_edu *u, struct bound_buf *b,
				    size_t count, uint64_t seed, int irq,
				    uint64_t src_addr, uint64_t dst_addr)
{
	uint8_t *want = tu_xmalloc(count);
	long long diff;

	tu_pattern(want, count, seed);
	memcpy(b->map, want, count);
	memset(b->map + b->half, POISON, count + TAIL);
	sync_x(b->fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_DEVICE, 0, b->size,
	       U_DMA_BUF_DIR_BIDIRECTIONAL);
	uio_edu_dma_x(u, src_addr, EDU_BUF_ADDR, count, 0, irq);
	uio_edu_dma_x(u, EDU_BUF_ADDR, dst_addr, count, 1, irq);
	sync_x(b->fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_CPU, 0, b->size,
	       U_DMA_BUF_DIR_BIDIRECTIONAL);
	diff = tu_first_diff(b->map + b->half, want, count);
	if (diff < 0 && tu_first_not(b->map + b->half + count, TAIL,
				     POISON) >= 0)
		UT_FAIL("%s: edu wrote past the %zu bytes of the transfer",
			b->name, count);
	free(want);
	return diff;
}

/*
 * Round trips through the buffer's DMA address: sizes up to edu's limit,
 * interrupt and polling; the mapping, a second mapping and read(2) hold
 * exactly what the device wrote.
 */
static void bound_round_trips_x(struct uio_edu *u, struct bound_buf *b)
{
	static const struct { size_t count; int irq; } runs[] = {
		{ EDU_DMA_MAX, 1 }, { 1, 1 }, { 1000, 0 }, { EDU_DMA_MAX, 0 },
	};
	uint8_t *want = tu_xmalloc(EDU_DMA_MAX), *back = tu_xmalloc(EDU_DMA_MAX);
	uint8_t *m2;

	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		size_t count = runs[i].count;
		uint64_t seed = 0x1000 + i;
		long long diff = bound_round_trip_x(u, b, count, seed,
						    runs[i].irq, b->dma,
						    b->dma + b->half);

		if (diff >= 0)
			UT_FAIL("%s: %zu bytes (%s) through phys_addr 0x%llx: byte %lld differs after the round trip",
				b->name, count, runs[i].irq ? "interrupt" : "polling",
				(unsigned long long)b->dma, diff);
		tu_pattern(want, count, seed);
		UT_EQ(tu_pread_all(b->fd, back, count, b->half), count);
		if (tu_first_diff(back, want, count) >= 0)
			UT_FAIL("%s: read(2) does not return what edu wrote (%zu bytes)",
				b->name, count);
		m2 = tu_mmap(b->fd, b->size, 0, PROT_READ, MAP_SHARED);
		if (!m2)
			UT_FAIL("second mmap of %s: %s", b->name,
				strerror(errno));
		if (tu_first_diff(m2 + b->half, want, count) >= 0)
			UT_FAIL("%s: a second mapping does not show what edu wrote (%zu bytes)",
				b->name, count);
		munmap(m2, b->size);
	}
	free(want);
	free(back);
}

/*
 * A4, H5: a manager buffer bound to edu (bus=pci device=<BDF>) behind the
 * IOMMU: phys_addr is an IOVA other than cpu_phys_addr, and round trips
 * through it arrive.
 */
UT_TEST_BOOT(A4_iommu_uio_round_trip_manager_bound, "", IOMMU_BOOT)
{
	struct uio_edu u;
	struct bound_buf b;
	char opts[128];

	uio_edu_open_x(&u);
	snprintf(opts, sizeof(opts), "bus=pci device=%s", u.bdf);
	tu_mgr_create_x("iommu0", "65536", opts);
	bound_open_x(&b, "iommu0", u.bdf);
	bound_round_trips_x(&u, &b);
	bound_close(&b);
	tu_mgr_delete_x("iommu0");
	uio_edu_close(&u);
	expect_no_iommu_fault();
}

/* A4, H5: the same with a parameter buffer (udmabuf0_bind=pci/<BDF>) */
UT_TEST_BOOT(A4_iommu_uio_round_trip_param_bound, UT_NOLOAD, IOMMU_BOOT)
{
	struct uio_edu u;
	struct bound_buf b;
	char params[128];
	int r;

	uio_edu_open_x(&u);
	snprintf(params, sizeof(params), "udmabuf0=65536 udmabuf0_bind=pci/%s",
		 u.bdf);
	r = ut_load(params);
	if (r)
		UT_FAIL("insmod u-dma-buf.ko %s: %s", params, strerror(-r));
	bound_open_x(&b, "udmabuf0", u.bdf);
	bound_round_trips_x(&u, &b);
	bound_close(&b);
	uio_edu_close(&u);
	expect_no_iommu_fault();
}

/* the IOMMU reported a blocked DMA (x86: DMAR, arm64: an SMMU event) */
static int iommu_fault_seen(void)
{
	for (int i = 0; i < 30; i++) {
		if (ut_log_contains("DMAR: DRHD: handling fault") ||
		    ut_log_contains("smmuv3: event"))
			return 1;
		usleep(100000);
	}
	return 0;
}

/*
 * A4: cpu_phys_addr is not for the device.  Behind the IOMMU the CPU
 * physical address is no I/O address the device may use: a DMA to it is
 * blocked (the IOMMU logs a fault) and the buffer does not get the data,
 * while the same transfer to phys_addr arrives.  So a driver that reported
 * the CPU physical address as phys_addr fails the round trips above.
 */
UT_TEST_BOOT(A4_iommu_cpu_phys_addr_misses_the_buffer, "", IOMMU_BOOT)
{
	struct uio_edu u;
	struct bound_buf b;
	char opts[128];
	long long diff;

	uio_edu_open_x(&u);
	snprintf(opts, sizeof(opts), "bus=pci device=%s", u.bdf);
	tu_mgr_create_x("iommu0", "65536", opts);
	bound_open_x(&b, "iommu0", u.bdf);

	diff = bound_round_trip_x(&u, &b, EDU_DMA_MAX, 0x77, 1, b.dma,
				  b.cpu + b.half);
	if (diff < 0)
		UT_FAIL("edu -> cpu_phys_addr + 0x%zx (0x%llx): the data arrived in the buffer; expected the IOMMU to block it",
			b.half, (unsigned long long)(b.cpu + b.half));
	if (tu_first_not(b.map + b.half, EDU_DMA_MAX, POISON) >= 0)
		UT_FAIL("edu -> cpu_phys_addr: the destination changed; expected it untouched");
	if (!iommu_fault_seen())
		UT_FAIL("edu -> cpu_phys_addr 0x%llx: expected an IOMMU fault in the kernel log; log:\n%s",
			(unsigned long long)(b.cpu + b.half), ut_log());

	/* the device and the buffer still work through the DMA address */
	diff = bound_round_trip_x(&u, &b, EDU_DMA_MAX, 0x78, 1, b.dma,
				  b.dma + b.half);
	if (diff >= 0)
		UT_FAIL("after the blocked DMA, the round trip through phys_addr: byte %lld differs",
			diff);
	bound_close(&b);
	tu_mgr_delete_x("iommu0");
	uio_edu_close(&u);
}
