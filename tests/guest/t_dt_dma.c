// SPDX-License-Identifier: GPL-2.0
/*
 * Device-tree buffers and the DMA setup of their node (FEATURES B1-B3, F2),
 * as found by review (#7, item 4):
 *  - a node behind a bus with a dma-ranges offset: its phys_addr is the bus
 *    address; unbound while open, explicit syncs fail with ENODEV while
 *    read/write and the mapping keep working (also for a plain node);
 *  - a plain shared-dma-pool region (neither no-map nor reusable);
 *  - a dma-coherent node on a no-map pool: user mappings agree with the
 *    kernel's write-combined alias.
 * Addresses and memory types are read back from the user page table through
 * the test-only helper module (tests/kmod), not taken from the driver.
 * These run in the "dt" boot (tests/dt/udmabuf-test.dtsi, 1 GiB of RAM at
 * 0x40000000).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/u-dma-buf.h>

#include "ut.h"
#include "tu_helpers.h"

#define DT_TEST(name, params) UT_TEST_BOOT(name, params, "dt")

#define PDRV		"/sys/bus/platform/drivers/u-dma-buf"
#define RAM_BASE	0x40000000ULL	/* QEMU virt: CPU address of the RAM */
#define DMA_OFFSET	0x40000000ULL	/* the bus's dma-ranges: CPU - bus */
#define PLAINPOOL_BASE	0x61500000ULL
#define PLAINPOOL_SIZE	0x00100000ULL
#define NOMAP_BASE	0x61000000ULL
#define NOMAP_SIZE	0x00400000ULL

static int is_arm32(void)
{
	return strncmp(ut_arch(), "arm", 3) == 0;
}

/* ---------------------------------------------- the page-table helper */

/* the CPU physical address of the page the pte of addr points to */
static uint64_t pte_phys_x(const void *addr)
{
	uint64_t pfn;

	if (!tu_pte_x(addr, NULL, 0, &pfn))
		UT_FAIL("no pte maps %p", addr);
	return pfn * tu_page_size();
}

/* the first (0), a middle (1) and the last (2) page of size bytes */
static size_t probe_offset(size_t size, int which)
{
	size_t pages = size / 0x1000;

	return (which == 0 ? 0 : which == 1 ? pages / 2 : pages - 1) * 0x1000;
}

static const char *kind_cached(void)
{
	return is_arm32() ? "writealloc" : "normal";
}

static const char *kind_writecombine(void)
{
	return is_arm32() ? "bufferable" : "normal-nc";
}

/* ------------------------------------------------ platform devices */

/* the platform device a buffer belongs to (the parent of its class dev) */
static void pdev_name_x(const char *name, char *pdev, size_t len)
{
	char path[256], link[PATH_MAX];
	ssize_t n;
	const char *base;

	snprintf(path, sizeof(path), TU_CLASS_DIR "/%s/device", name);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		UT_FAIL("readlink %s: %s", path, strerror(errno));
	link[n] = '\0';
	base = strrchr(link, '/');
	base = base ? base + 1 : link;
	if (strlen(base) >= len)
		UT_FAIL("platform device name \"%s\" is too long", base);
	memcpy(pdev, base, strlen(base) + 1);
}

static void pdev_write_x(const char *what, const char *pdev)
{
	int r = ut_write_file(what, pdev);

	if (r)
		UT_FAIL("writing %s to %s: %s", pdev, what, strerror(-r));
}

static void expect_present(const char *name, uint64_t size)
{
	char list[2048];

	if (!tu_class_exists(name)) {
		tu_class_list(list, sizeof(list));
		UT_FAIL("expected buffer \"%s\" from the device tree; present: %s",
			name, list);
	}
	UT_ASSERT(tu_dev_exists(name));
	UT_EQU(ut_sysfs_u64(name, "size"), size);
}

static uint64_t ioctl_dma_addr_x(int fd)
{
	uint64_t a = 0;

	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_GET_DMA_ADDR, &a);
	return a;
}

/*
 * After the unbind of its platform device, every explicit sync of a buffer
 * still open must fail with ENODEV: the device's DMA setup is gone.  fsync
 * comes first: it is the one that fails without running any sync on a
 * driver that does not know the rule yet.
 */
static void expect_syncs_enodev(int fd, const char *what)
{
	struct u_dma_buf_ioctl_sync_args sa;
	uint64_t arg;
	int r;

	errno = 0;
	if (fsync(fd) != -1 || errno != ENODEV)
		UT_FAIL("%s: fsync after unbind: expected ENODEV, saw %s", what,
			errno ? strerror(errno) : "success");
	arg = 1;
	r = tu_ioctl(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_CPU, &arg);
	if (r != -ENODEV)
		UT_FAIL("%s: SET_SYNC_FOR_CPU(1) after unbind: expected ENODEV, saw %s",
			what, r ? strerror(-r) : "success");
	r = tu_ioctl(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_DEVICE, &arg);
	if (r != -ENODEV)
		UT_FAIL("%s: SET_SYNC_FOR_DEVICE(1) after unbind: expected ENODEV, saw %s",
			what, r ? strerror(-r) : "success");
	arg = U_DMA_BUF_SYNC_ARG(0, 0x1000, 0);
	r = tu_ioctl(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_CPU, &arg);
	if (r != -ENODEV)
		UT_FAIL("%s: SET_SYNC_FOR_CPU(packed) after unbind: expected ENODEV, saw %s",
			what, r ? strerror(-r) : "success");
	memset(&sa, 0, sizeof(sa));
	sa.flags = U_DMA_BUF_SYNC_CMD_FOR_CPU << U_DMA_BUF_SYNC_CMD_SHIFT;
	r = tu_ioctl(fd, U_DMA_BUF_IOCTL_SET_SYNC, &sa);
	if (r != -ENODEV)
		UT_FAIL("%s: SET_SYNC(for cpu) after unbind: expected ENODEV, saw %s",
			what, r ? strerror(-r) : "success");
	sa.flags = U_DMA_BUF_SYNC_CMD_FOR_DEVICE << U_DMA_BUF_SYNC_CMD_SHIFT;
	r = tu_ioctl(fd, U_DMA_BUF_IOCTL_SET_SYNC, &sa);
	if (r != -ENODEV)
		UT_FAIL("%s: SET_SYNC(for device) after unbind: expected ENODEV, saw %s",
			what, r ? strerror(-r) : "success");
}

/*
 * read/write through fd and fd_osync and the mapping map (size bytes) all
 * reach the same memory.
 */
static void expect_rw_and_map(int fd, int fd_osync, unsigned char *map,
			      size_t size, uint64_t seed)
{
	unsigned char *pat = tu_xmalloc(size), *back = tu_xmalloc(size);

	tu_pattern(pat, size, seed);
	memcpy(map, pat, size);
	UT_EQ(tu_pread_all(fd, back, size, 0), (long long)size);
	UT_EQ(tu_first_diff(back, pat, size), -1);
	UT_EQ(tu_pread_all(fd_osync, back, size, 0), (long long)size);
	UT_EQ(tu_first_diff(back, pat, size), -1);

	tu_pattern(pat, size, seed + 1);
	UT_EQ(tu_pwrite_all(fd, pat, size / 2, 0), (long long)(size / 2));
	UT_EQ(tu_pwrite_all(fd_osync, pat + size / 2, size - size / 2,
			    size / 2), (long long)(size - size / 2));
	UT_EQ(tu_first_diff(map, pat, size), -1);
	free(pat);
	free(back);
}

/*
 * Unbind name's platform device while a plain and an O_SYNC file and a
 * mapping are open; check the syncs and the data; let go; bind again.
 */
static void unbind_while_open(const char *name, uint64_t size)
{
	unsigned char *map, *buf;
	char pdev[128];
	int fd, fd_osync;

	expect_present(name, size);
	pdev_name_x(name, pdev, sizeof(pdev));
	fd = ut_open_dev(name, O_RDWR);
	fd_osync = ut_open_dev(name, O_RDWR | O_SYNC);
	map = tu_mmap(fd, size, 0, PROT_READ | PROT_WRITE, MAP_SHARED);
	UT_ASSERT(map != NULL);
	memset(map, 0x5a, size);

	pdev_write_x(PDRV "/unbind", pdev);
	UT_ASSERT(!tu_class_exists(name));
	UT_ASSERT(!tu_dev_exists(name));

	expect_syncs_enodev(fd, name);
	expect_syncs_enodev(fd_osync, name);
	/* no DMA can happen any more: the CPU's own accesses need no sync */
	expect_rw_and_map(fd, fd_osync, map, size, 0x0ff5e7);

	munmap(map, size);
	close(fd_osync);
	close(fd);

	/* the buffer is back, fresh and zeroed; its load line as sysfs says */
	pdev_write_x(PDRV "/bind", pdev);
	expect_present(name, size);
	UT_EQU(tu_log_value(ut_log(), name, "phys address  ", 16),
	       ut_sysfs_u64(name, "phys_addr"));
	fd = ut_open_dev(name, O_RDWR);
	buf = tu_xmalloc(size);
	UT_EQ(tu_pread_all(fd, buf, size, 0), (long long)size);
	UT_EQ(tu_first_not(buf, size, 0), -1);
	/* and the new buffer syncs again */
	{
		uint64_t arg = 1;

		TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_DEVICE, &arg);
		TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_CPU, &arg);
	}
	close(fd);
	free(buf);
}

/* ------------------------------------------- (a) a dma-ranges offset */

/*
 * The node behind the offset bus: phys_addr (sysfs, ioctl) is the bus
 * address, i.e. the CPU physical address the page table shows minus
 * the offset.  Unbound while open and mapped: syncs ENODEV, data intact,
 * a clean free, and a rebind gives the buffer back.
 */
DT_TEST(B2_dt_dma_ranges_offset_unbind_while_open, "")
{
	const char *name = "udmabuf-offset";
	const size_t size = 0x10000;
	unsigned char *map;
	uint64_t bus, cpu;
	int fd;

	expect_present(name, size);
	bus = ut_sysfs_u64(name, "phys_addr");
	fd = ut_open_dev(name, O_RDWR);
	UT_EQU(ioctl_dma_addr_x(fd), bus);
	if (bus >= RAM_BASE)
		UT_FAIL("phys_addr 0x%llx: expected the bus address, below 0x%llx where the RAM starts",
			(unsigned long long)bus, RAM_BASE);

	/* the CPU side, from the page table: first, a middle and the last page */
	tu_helper_load_x();
	map = tu_mmap(fd, size, 0, PROT_READ | PROT_WRITE, MAP_SHARED);
	UT_ASSERT(map != NULL);
	for (int i = 0; i < 3; i++) {
		size_t off = probe_offset(size, i);

		map[off] = 1;
		cpu = pte_phys_x(map + off);
		if (cpu != bus + DMA_OFFSET + off)
			UT_FAIL("page at offset 0x%zx: the pte maps CPU 0x%llx, expected phys_addr 0x%llx + dma offset 0x%llx",
				off, (unsigned long long)cpu,
				(unsigned long long)bus + off, DMA_OFFSET);
	}
	munmap(map, size);
	close(fd);

	unbind_while_open(name, size);
	bus = ut_sysfs_u64(name, "phys_addr");
	UT_ASSERT(bus < RAM_BASE);
}

/*
 * A node behind a bus whose DMA window holds none of the pages the
 * allocator gives (udmabuf-dma-window-bus): refused with one line naming
 * the buffer, the other nodes unaffected, the module loads and unloads
 * cleanly (the runner fails the test on any kernel warning or oops).
 */
DT_TEST(B2_dt_dma_window_out_of_reach_refused, UT_NOLOAD)
{
	UT_EQ(ut_load(""), 0);
	UT_ASSERT(!tu_class_exists("bad-window"));
	UT_LOG_HAS("udmabuf@41: bad-window: ");
	expect_present("udmabuf-dt0", 0x100000);
	UT_EQ(ut_unload(), 0);
}

/* the same rule for a plain node (no offset, no IOMMU): the usual case */
DT_TEST(B1_dt_unbind_while_open_syncs_enodev, "")
{
	unbind_while_open("udmabuf-dt0", 0x100000);
}

/* ------------------------------------ (b) a plain shared-dma-pool region */

/* lines of log holding a, b and (unless NULL) c */
static int log_lines_with(const char *log, const char *a, const char *b,
			  const char *c)
{
	const char *p = log;
	int n = 0;

	while (*p) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		char line[1024];

		snprintf(line, sizeof(line), "%.*s", (int)len, p);
		if (strstr(line, a) && strstr(line, b) &&
		    (!c || strstr(line, c)))
			n++;
		p += len + (e ? 1 : 0);
	}
	return n;
}

/*
 * A shared-dma-pool without no-map or reusable is ordinary RAM that the
 * kernel keeps reserved: on arm64 the buffer is the region's own pages (at
 * its base, zeroed, cached mappings, read/write), and a second node naming
 * the same region is refused with one line naming it.  32-bit arm refuses
 * such a region at boot and gives its memory back to the page allocator,
 * so there both nodes must be refused.
 */
DT_TEST(B3_dt_region_plain_pool, UT_NOLOAD)
{
	static const char *const names[2] = {
		"udmabuf-plainpool", "bad-plainpool-2"
	};
	static const char *const pdevs[2] = { "udmabuf@21", "udmabuf@22" };
	const uint64_t sizes[2] = { PLAINPOOL_SIZE, 0x10000 };
	const char *log;
	int present[2], ok, bad;

	UT_EQ(ut_load(""), 0);
	log = ut_log();
	for (int i = 0; i < 2; i++)
		present[i] = tu_class_exists(names[i]);
	/* the other nodes are not disturbed */
	expect_present("udmabuf-dt0", 0x100000);
	expect_present("udmabuf-nomap", 0x100000);

	if (is_arm32()) {
		/* the line says why: the region would need no-map (or reusable) */
		for (int i = 0; i < 2; i++) {
			if (present[i])
				UT_FAIL("%s: expected no buffer (32-bit arm does not keep a plain shared-dma-pool reserved), it exists",
					names[i]);
			if (log_lines_with(log, names[i], "ut-plainpool",
					   NULL) != 1 ||
			    log_lines_with(log, names[i], "ut-plainpool",
					   "no-map") != 1)
				UT_FAIL("expected one log line naming %s and the region ut-plainpool and saying that it lacks no-map; log:\n%s",
					names[i], log);
		}
		UT_EQ(ut_unload(), 0);
		return;
	}

	if (present[0] == present[1])
		UT_FAIL("expected exactly one of %s, %s to be created from the one plain region, saw %d and %d",
			names[0], names[1], present[0], present[1]);
	ok = present[0] ? 0 : 1;
	bad = 1 - ok;
	UT_ASSERT(!tu_dev_exists(names[bad]));
	if (log_lines_with(log, names[bad], "ut-plainpool", NULL) != 1)
		UT_FAIL("expected one log line naming %s and the region ut-plainpool; log:\n%s",
			names[bad], log);
	/*
	 * refused with EBUSY: the region is in use (the driver core's line:
	 * "<dev>: probe of <dev> failed with error -16" until 6.x, "<dev>:
	 * probe with driver u-dma-buf failed with error -16" in 6.12)
	 */
	{
		char err[32];

		snprintf(err, sizeof(err), "failed with error %d", -EBUSY);
		if (log_lines_with(log, pdevs[bad], "probe ", err) != 1)
			UT_FAIL("expected one kernel log line saying that the probe of %s %s; log:\n%s",
				pdevs[bad], err, log);
	}
	{
		const char *name = names[ok];
		uint64_t size = sizes[ok];
		unsigned char *map, *data = tu_xmalloc(size);
		char kind[32];
		int fd = ut_open_dev(name, O_RDWR);

		expect_present(name, size);
		UT_EQU(ut_sysfs_u64(name, "phys_addr"), PLAINPOOL_BASE);
		UT_EQU(ioctl_dma_addr_x(fd), PLAINPOOL_BASE);
		UT_EQ(tu_pread_all(fd, data, size, 0), (long long)size);
		UT_EQ(tu_first_not(data, size, 0), -1);

		tu_helper_load_x();
		map = tu_mmap(fd, size, 0, PROT_READ | PROT_WRITE, MAP_SHARED);
		UT_ASSERT(map != NULL);
		UT_EQ(tu_first_not(map, size, 0), -1);
		for (int i = 0; i < 3; i++) {
			size_t off = probe_offset(size, i);

			UT_EQU(pte_phys_x(map + off), PLAINPOOL_BASE + off);
		}
		tu_pte_kind_x(map, kind, sizeof(kind));
		UT_STREQ(kind, kind_cached());

		tu_pattern(data, size, 0x91a1);
		memcpy(map, data, size);
		UT_OK(ut_sysfs_write(name, "sync_for_device", "1"));
		UT_OK(ut_sysfs_write(name, "sync_for_cpu", "1"));
		memset(data + 0x100, 0xee, 0x100);
		UT_EQ(tu_pwrite_all(fd, data + 0x100, 0x100, 0x100), 0x100);
		UT_EQ(tu_first_diff(map, data, size), -1);
		munmap(map, size);
		close(fd);
		free(data);
	}
	UT_EQ(ut_unload(), 0);
}

/* ------------------------------ (c) a dma-coherent node on a no-map pool */

/*
 * The pool has one kernel alias, write-combined (memremap): every user
 * mapping of it must be write-combined too, whatever sync_mode, O_SYNC and
 * the node's own coherency say (never cached: two aliases with different
 * cacheability are a hazard on ARM).
 */
DT_TEST(F2_dt_pte_nomap_coherent_node, "")
{
	const char *dev = "udmabuf-nomap-coherent";
	char m[8], kind[32];
	uint64_t phys;

	expect_present(dev, 0x40000);
	UT_EQU(ut_sysfs_u64(dev, "dma_coherent"), 1);
	phys = ut_sysfs_u64(dev, "phys_addr");
	if (phys < NOMAP_BASE || phys + 0x40000 > NOMAP_BASE + NOMAP_SIZE)
		UT_FAIL("phys_addr 0x%llx: expected inside the no-map pool [0x%llx, 0x%llx)",
			(unsigned long long)phys, NOMAP_BASE,
			NOMAP_BASE + NOMAP_SIZE);
	tu_helper_load_x();
	for (int mode = 0; mode < 8; mode++) {
		snprintf(m, sizeof(m), "%d", mode);
		UT_OK(ut_sysfs_write(dev, "sync_mode", m));
		for (int o_sync = 0; o_sync < 2; o_sync++) {
			int fd = ut_open_dev(dev, O_RDWR | (o_sync ? O_SYNC : 0));
			unsigned char *p = tu_mmap(fd, 0x2000, 0,
						   PROT_READ | PROT_WRITE,
						   MAP_SHARED);

			UT_ASSERT(p != NULL);
			p[0] = 1;
			p[0x1000] = 2;
			tu_pte_kind_x(p, kind, sizeof(kind));
			if (strcmp(kind, kind_writecombine()))
				UT_FAIL("%s sync_mode %d %s: expected a \"%s\" pte like the kernel's alias of the pool, saw \"%s\"",
					dev, mode, o_sync ? "O_SYNC" : "no O_SYNC",
					kind_writecombine(), kind);
			UT_EQU(pte_phys_x(p + 0x1000), phys + 0x1000);
			munmap(p, 0x2000);
			close(fd);
		}
	}
}
