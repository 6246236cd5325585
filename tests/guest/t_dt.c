// SPDX-License-Identifier: GPL-2.0
/*
 * Device tree (FEATURES B1-B3, A5, A6, F1-F3 for device-tree buffers).
 * These run in the "dt" boot (tests/boots.conf) of the arm targets, whose
 * tree holds the nodes of tests/dt/udmabuf-test.dtsi.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/u-dma-buf.h>

#include "ut.h"
#include "tu_helpers.h"

#define CMA_BASE	0x60000000ULL
#define CMA_SIZE	0x01000000ULL
#define NOMAP_BASE	0x61000000ULL
#define NOMAP_SIZE	0x00400000ULL
#define PDRV		"/sys/bus/platform/drivers/u-dma-buf"

#define DT_TEST(name, params) UT_TEST_BOOT(name, params, "dt")

static uint64_t attr(const char *dev, const char *a)
{
	return ut_sysfs_u64(dev, a);
}

static void expect_present(const char *name, uint64_t size)
{
	if (!tu_class_exists(name)) {
		static char l[2048];

		tu_class_list(l, sizeof(l));
		UT_FAIL("expected buffer \"%s\" from the device tree; present: %s",
			name, l);
	}
	UT_ASSERT(tu_dev_exists(name));
	UT_EQU(attr(name, "size"), size);
}

/* B1: both compatibles probe */
DT_TEST(B1_dt_compatibles, "")
{
	expect_present("udmabuf-dt0", 0x100000);
	expect_present("udmabuf-legacy", 0x4000);
}

/* B2: device-name, else udmabuf<minor>, else the node name; minors */
DT_TEST(B2_dt_naming_and_minors, "")
{
	expect_present("udmabuf-dt0", 0x100000);
	UT_EQ(tu_minor_x("udmabuf-dt0"), 10);
	expect_present("udmabuf11", 0x10000);
	UT_EQ(tu_minor_x("udmabuf11"), 11);
	expect_present("udmabuf@12", 0x10000);
	expect_present("udmabuf-minor0", 0x4000);
	UT_EQ(tu_minor_x("udmabuf-minor0"), 0);
}

/* B2: a size of two cells */
DT_TEST(B2_dt_size_two_cells, "")
{
	expect_present("udmabuf-size64", 0x200000);
}

/* B2: sync-mode, sync-always, sync-offset, sync-size, sync-direction */
DT_TEST(B2_dt_sync_properties, "")
{
	expect_present("udmabuf-sync", 0x100000);
	UT_EQU(attr("udmabuf-sync", "sync_mode"), 2);
	UT_EQU(attr("udmabuf-sync", "sync_offset"), 0x1000);
	UT_EQU(attr("udmabuf-sync", "sync_size"), 0x2000);
	UT_EQU(attr("udmabuf-sync", "sync_direction"), 2);
	/* defaults elsewhere: mode 1, whole buffer, bidirectional */
	UT_EQU(attr("udmabuf-dt0", "sync_mode"), 1);
	UT_EQU(attr("udmabuf-dt0", "sync_offset"), 0);
	UT_EQU(attr("udmabuf-dt0", "sync_size"), 0x100000);
	UT_EQU(attr("udmabuf-dt0", "sync_direction"), 0);
}

/* B2: dma-coherent / dma-noncoherent / dma-mask, A5: quirk-mmap-* */
DT_TEST(B2_dt_coherent_mask_mmap_mode, "")
{
	struct u_dma_buf_ioctl_dev_info info;
	int fd;

	UT_EQU(attr("udmabuf-coherent", "dma_coherent"), 1);
	UT_EQU(attr("udmabuf-noncoherent", "dma_coherent"), 0);
	UT_EQU(attr("udmabuf-dt0", "dma_coherent"), 0);
	UT_EQU(attr("udmabuf-noncoherent", "quirk_mmap_mode"), 4);
	UT_EQU(attr("udmabuf-nomap", "quirk_mmap_mode"), 1);
	UT_EQU(attr("udmabuf-dt0", "quirk_mmap_mode"), 3);

	fd = ut_open_dev("udmabuf-noncoherent", O_RDWR);
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_GET_DEV_INFO, &info);
	UT_EQU(info.flags & 0xff, 40);
	UT_EQU((info.flags >> 10) & 7, 4);
	UT_EQU((info.flags >> 9) & 1, 0);
	close(fd);
	fd = ut_open_dev("udmabuf-coherent", O_RDWR);
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_GET_DEV_INFO, &info);
	UT_EQU((info.flags >> 9) & 1, 1);
	close(fd);
}

static void expect_zero_and_roundtrip(const char *name, uint64_t size)
{
	unsigned char *data = tu_xmalloc(size), *back = tu_xmalloc(size);
	unsigned char *map;
	int fd = ut_open_dev(name, O_RDWR);

	UT_EQ(tu_pread_all(fd, data, size, 0), (long long)size);
	UT_EQ(tu_first_not(data, size, 0), -1);
	map = tu_mmap(fd, size, 0, PROT_READ | PROT_WRITE, MAP_SHARED);
	UT_ASSERT(map != NULL);
	UT_EQ(tu_first_not(map, size, 0), -1);
	tu_pattern(data, size, size);
	memcpy(map, data, size);
	UT_EQ(tu_pread_all(fd, back, size, 0), (long long)size);
	UT_EQ(tu_first_diff(data, back, size), -1);
	munmap(map, size);
	close(fd);
	free(data);
	free(back);
}

/* B3: a reusable (CMA) memory-region; the memory lies inside it, zeroed */
DT_TEST(B3_dt_region_reusable, "")
{
	uint64_t phys;

	expect_present("udmabuf-cma", 0x800000);
	phys = attr("udmabuf-cma", "phys_addr");
	if (phys < CMA_BASE || phys + 0x800000 > CMA_BASE + CMA_SIZE)
		UT_FAIL("phys_addr 0x%llx: expected inside [0x%llx, 0x%llx)",
			(unsigned long long)phys, CMA_BASE, CMA_BASE + CMA_SIZE);
	expect_zero_and_roundtrip("udmabuf-cma", 0x800000);
	UT_OK(ut_sysfs_write("udmabuf-cma", "sync_for_device", "1"));
	UT_OK(ut_sysfs_write("udmabuf-cma", "sync_for_cpu", "1"));
}

/* B3: a no-map memory-region; sync must neither crash nor touch caches */
DT_TEST(B3_dt_region_nomap, "")
{
	struct tu_sync_call calls[4];
	uint64_t phys;

	expect_present("udmabuf-nomap", 0x100000);
	phys = attr("udmabuf-nomap", "phys_addr");
	if (phys < NOMAP_BASE || phys + 0x100000 > NOMAP_BASE + NOMAP_SIZE)
		UT_FAIL("phys_addr 0x%llx: expected inside [0x%llx, 0x%llx)",
			(unsigned long long)phys, NOMAP_BASE,
			NOMAP_BASE + NOMAP_SIZE);
	expect_zero_and_roundtrip("udmabuf-nomap", 0x100000);
	tu_kp_setup_x();
	UT_OK(ut_sysfs_write("udmabuf-nomap", "sync_for_device", "1"));
	UT_EQU(attr("udmabuf-nomap", "sync_owner"), 1);
	UT_OK(ut_sysfs_write("udmabuf-nomap", "sync_for_cpu", "1"));
	UT_EQU(attr("udmabuf-nomap", "sync_owner"), 0);
	UT_EQ(tu_kp_collect(calls, 4, NOMAP_BASE, NOMAP_BASE + NOMAP_SIZE), 0);
	tu_kp_stop();
}

/* B2/B3: each malformed node fails alone with one clear line */
DT_TEST(B2_dt_malformed_nodes, UT_NOLOAD)
{
	static const struct {
		const char *name;
		const char *line;
	} bad[] = {
		{ "bad-nosize", "udmabuf@30: the size property is missing or 0" },
		{ "bad-size0", "udmabuf@31: size=0 is out of range" },
		{ "bad-toobig", "bad-toobig: size 33554432 is larger than memory-region" },
		{ "bad-direction", "udmabuf@33: sync-direction=3 is out of range" },
		{ "bad-syncmode", "udmabuf@34: sync-mode=9 is out of range" },
		{ "bad-region", "bad-region: memory-region" },
	};
	size_t i;

	UT_EQ(ut_load(""), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		UT_ASSERT(!tu_class_exists(bad[i].name));
		UT_LOG_HAS(bad[i].line);
	}
	UT_LOG_HAS("is not a \"shared-dma-pool\"");
	/* the good nodes are all there */
	expect_present("udmabuf-dt0", 0x100000);
	expect_present("udmabuf-cma", 0x800000);
	expect_present("udmabuf-nomap", 0x100000);
	UT_EQ(ut_unload(), 0);
}

/* a device-name with '!' (devtmpfs would make /dev/bad/bang) is refused */
DT_TEST(B2_dt_name_with_exclamation_mark_refused, UT_NOLOAD)
{
	UT_EQ(ut_load(""), 0);
	UT_ASSERT(!tu_class_exists("bad!bang"));
	if (access("/dev/bad", F_OK) == 0)
		UT_FAIL("/dev/bad: expected no directory for the refused name \"bad!bang\"");
	UT_LOG_HAS("udmabuf@37: device name has a forbidden character 0x21");
	expect_present("udmabuf-dt0", 0x100000);
	UT_EQ(ut_unload(), 0);
}

/*
 * E1: the manager deletes only what the manager (or a parameter) made; a
 * device-tree buffer is refused even to root, with one line saying how it
 * goes instead, and stays whole: node, size and contents
 */
DT_TEST(E1_mgr_delete_of_dt_buffer_refused, "")
{
	static const char pat[] = "device-tree buffer survives delete";
	char back[sizeof(pat)];
	int fd = ut_open_dev("udmabuf-dt0", O_RDWR);

	UT_EQ(pwrite(fd, pat, sizeof(pat), 0x1000), (ssize_t)sizeof(pat));
	UT_EQ(ut_mgr("delete udmabuf-dt0"), -EPERM);
	UT_LOG_HAS("delete: udmabuf-dt0 belongs to a device-tree node; "
		   "unbind its platform device instead");
	expect_present("udmabuf-dt0", 0x100000);
	UT_EQ(pread(fd, back, sizeof(back), 0x1000), (ssize_t)sizeof(back));
	UT_ASSERT(memcmp(back, pat, sizeof(pat)) == 0);
	close(fd);
	/* a node with a reserved region too */
	UT_EQ(ut_mgr("delete udmabuf-cma"), -EPERM);
	expect_present("udmabuf-cma", 0x800000);
}

/* A6: a parameter's minor wins over a device-tree minor-number */
DT_TEST(A6_dt_minor_collision_with_parameter, UT_NOLOAD)
{
	UT_EQ(ut_load("udmabuf0=0x4000"), 0);
	UT_EQ(tu_minor_x("udmabuf0"), 0);
	UT_ASSERT(!tu_class_exists("udmabuf-minor0"));
	UT_LOG_HAS("udmabuf-minor0: minor number 0 is already in use");
	expect_present("udmabuf-dt0", 0x100000);
	expect_present("udmabuf11", 0x10000);
	UT_EQ(ut_unload(), 0);
}

/* ---- F1/F3: the cache maintenance really reaching the architecture ---- */

static void expect_one_call(const char *dev, int to_device, uint64_t off,
			    uint64_t size, int dir)
{
	uint64_t phys = attr(dev, "phys_addr"), bsize = attr(dev, "size");
	struct tu_sync_call c[4];
	int n = tu_kp_collect(c, 4, phys, phys + bsize);

	if (n != 1)
		UT_FAIL("%s: expected exactly 1 arch_sync_dma_for_%s call, saw %d",
			dev, to_device ? "device" : "cpu", n);
	UT_EQ(c[0].to_device, to_device);
	UT_EQU(c[0].paddr, phys + off);
	UT_EQU(c[0].size, size);
	UT_EQ(c[0].dir, dir);
	tu_kp_clear();
}

static void sync_x(const char *dev, const char *which, const char *val)
{
	int r = ut_sysfs_write(dev, which, val);

	if (r)
		UT_FAIL("writing %s to %s/%s: %s", val, dev, which,
			strerror(-r));
}

DT_TEST(F1_dt_noncoherent_sync_ranges, "")
{
	const char *d = "udmabuf-sync";	/* offset 0x1000, size 0x2000, dir 2 */

	tu_kp_setup_x();
	/* for_cpu, stored settings, direction 2 (from device): invalidate */
	sync_x(d, "sync_for_cpu", "1");
	expect_one_call(d, 0, 0x1000, 0x2000, 2);
	UT_EQU(attr(d, "sync_owner"), 0);
	/* direction 0 (bidirectional) */
	sync_x(d, "sync_direction", "0");
	sync_x(d, "sync_for_cpu", "1");
	expect_one_call(d, 0, 0x1000, 0x2000, 0);
	/* for_device, direction 1 and 0: clean exactly the range */
	sync_x(d, "sync_for_device", "1");
	expect_one_call(d, 1, 0x1000, 0x2000, 0);
	UT_EQU(attr(d, "sync_owner"), 1);
	sync_x(d, "sync_direction", "1");
	sync_x(d, "sync_for_device", "1");
	expect_one_call(d, 1, 0x1000, 0x2000, 1);
	/* packed form: its own range and direction, stored ones untouched */
	sync_x(d, "sync_for_cpu", "0x0000800000004009");	/* off 0x8000 */
	expect_one_call(d, 0, 0x8000, 0x4000, 2);
	sync_x(d, "sync_for_device", "0x0001000000010005");
	expect_one_call(d, 1, 0x10000, 0x10000, 1);
	UT_EQU(attr(d, "sync_offset"), 0x1000);
	UT_EQU(attr(d, "sync_size"), 0x2000);
	UT_EQU(attr(d, "sync_direction"), 1);
	UT_EQU(attr(d, "sync_owner"), 1);
	tu_kp_stop();
}

DT_TEST(F3_dt_coherent_node_no_maintenance, "")
{
	const char *d = "udmabuf-coherent";
	uint64_t phys = attr(d, "phys_addr");
	struct tu_sync_call c[4];
	uint64_t arg;
	int fd;

	tu_kp_setup_x();
	sync_x(d, "sync_for_cpu", "1");
	UT_EQU(attr(d, "sync_owner"), 0);
	sync_x(d, "sync_for_device", "1");
	UT_EQU(attr(d, "sync_owner"), 1);
	fd = ut_open_dev(d, O_RDWR);
	arg = 1;
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_CPU, &arg);
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_DEVICE, &arg);
	close(fd);
	UT_EQ(tu_kp_collect(c, 4, phys, phys + 0x10000), 0);
	tu_kp_stop();
}

/* unbind while mapped: same lifetime rules as delete */
DT_TEST(B1_dt_unbind_while_mapped, "")
{
	const size_t size = 0x100000;
	unsigned char *map, *pat = tu_xmalloc(size);
	int fd = ut_open_dev("udmabuf-sync", O_RDWR), r;

	map = tu_mmap(fd, size, 0, PROT_READ | PROT_WRITE, MAP_SHARED);
	UT_ASSERT(map != NULL);
	r = ut_write_file(PDRV "/unbind", "udmabuf@15");
	if (r)
		UT_FAIL("unbinding udmabuf@15: %s", strerror(-r));
	UT_ASSERT(!tu_class_exists("udmabuf-sync"));
	UT_ASSERT(!tu_dev_exists("udmabuf-sync"));
	/* the old mapping and file still reach the old memory */
	tu_pattern(pat, size, 77);
	memcpy(map, pat, size);
	UT_EQ(tu_first_diff(map, pat, size), -1);
	UT_EQ(pread(fd, pat, 16, 0), 16);
	/* bind again: a fresh, zeroed buffer of the same name */
	r = ut_write_file(PDRV "/bind", "udmabuf@15");
	if (r)
		UT_FAIL("binding udmabuf@15 again: %s", strerror(-r));
	expect_present("udmabuf-sync", size);
	{
		int fd2 = ut_open_dev("udmabuf-sync", O_RDWR);
		unsigned char *buf = tu_xmalloc(size);

		UT_EQ(tu_pread_all(fd2, buf, size, 0), (long long)size);
		UT_EQ(tu_first_not(buf, size, 0), -1);
		close(fd2);
		free(buf);
	}
	munmap(map, size);
	close(fd);
	free(pat);
}

/*
 * Unbind a node with a reusable memory-region while its buffer is mapped,
 * bind it again, then let the old buffer go: the region must stay bound to
 * the node for the new buffer (one release must not pull it from the
 * other), and both buffers must come from the region and free cleanly (the
 * runner fails the test on any "Bad page" or WARNING in the log).
 */
DT_TEST(B3_dt_region_rebind_while_mapped, "")
{
	const size_t size = 0x800000;
	unsigned char *old, *buf = tu_xmalloc(4096);
	uint64_t phys;
	int fd = ut_open_dev("udmabuf-cma", O_RDWR), fd2, r;

	old = tu_mmap(fd, size, 0, PROT_READ | PROT_WRITE, MAP_SHARED);
	UT_ASSERT(old != NULL);
	memset(old, 0xA5, size);
	r = ut_write_file(PDRV "/unbind", "udmabuf@18");
	if (r)
		UT_FAIL("unbinding udmabuf@18: %s", strerror(-r));
	r = ut_write_file(PDRV "/bind", "udmabuf@18");
	if (r)
		UT_FAIL("binding udmabuf@18 again while the old buffer is mapped: %s; log:\n%s",
			strerror(-r), ut_log());
	expect_present("udmabuf-cma", size);
	phys = attr("udmabuf-cma", "phys_addr");
	if (phys < CMA_BASE || phys + size > CMA_BASE + CMA_SIZE)
		UT_FAIL("rebound buffer at 0x%llx: expected inside the region",
			(unsigned long long)phys);
	/* the old buffer goes now; the new one keeps its region */
	munmap(old, size);
	close(fd);
	fd2 = ut_open_dev("udmabuf-cma", O_RDWR);
	UT_EQ(pread(fd2, buf, 4096, 0), 4096);
	UT_EQ(tu_first_not(buf, 4096, 0), -1);
	UT_OK(ut_sysfs_write("udmabuf-cma", "sync_for_device", "1"));
	close(fd2);
	/* free the new one through the region too: unbind with no users */
	r = ut_write_file(PDRV "/unbind", "udmabuf@18");
	if (r)
		UT_FAIL("unbinding udmabuf@18 the second time: %s", strerror(-r));
	UT_LOG_LACKS("Bad page");
	free(buf);
}
