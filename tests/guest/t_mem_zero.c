// SPDX-License-Identifier: GPL-2.0
/*
 * C5 / B3: a new buffer reads as zeros, proven on dirty memory.  A buffer
 * is filled with a pattern (through a mapping and through write()) and
 * freed; buffers are then allocated again until one comes back at the
 * same physical address, and that one must read as zeros, through read()
 * and through a mapping.  A fresh allocation that happens to be clean
 * proves nothing, so the test fails when the range never comes back.
 *
 * Device-tree buffers make the reuse certain: unbinding and binding a node
 * again frees and allocates the same size from the same region or pool.
 * Manager buffers larger than the buddy allocator's largest block come
 * from the first free range of an ordinary zone (alloc_contig_range), so
 * one created again right after a delete gets the same range back, or
 * (the arm64 debug kernel, once) ranges that overlap it in part: every
 * new buffer over any page of the dirty range must read as zeros, and
 * they are kept (so the next goes elsewhere) until the whole range was
 * covered or MAX_TRIES were made; none over it fails the test.  (Smaller
 * buffers are buddy pages freed page by page: where they come back is up
 * to the allocator's per-CPU lists, so they prove nothing here.)
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "ut.h"
#include "tu_helpers.h"

#define RW		(PROT_READ | PROT_WRITE)
#define PDRV		"/sys/bus/platform/drivers/u-dma-buf"
#define PDEVS		"/sys/bus/platform/devices"
#define MAX_TRIES	16

/* write a pattern, half through a mapping, half through write() */
static void dirty_x(const char *dev, size_t size, uint64_t seed)
{
	unsigned char *pat = tu_xmalloc(size), *back = tu_xmalloc(size);
	unsigned char *m;
	int fd = ut_open_dev(dev, O_RDWR);

	tu_pattern(pat, size, seed);
	m = tu_mmap(fd, size, 0, RW, MAP_SHARED);
	if (!m)
		UT_FAIL("mmap of %s: %s", dev, strerror(errno));
	tu_doing("writing a pattern into %s", dev);
	memcpy(m, pat, size / 2);
	UT_EQ(tu_pwrite_all(fd, pat + size / 2, size - size / 2, size / 2),
	      (long long)(size - size / 2));
	munmap(m, size);
	/* on non-coherent machines: into RAM, as a device would see it */
	UT_OK(ut_sysfs_write(dev, "sync_for_device", "1"));
	UT_OK(ut_sysfs_write(dev, "sync_for_cpu", "1"));
	UT_EQ(tu_pread_all(fd, back, size, 0), (long long)size);
	if (tu_first_diff(back, pat, size) >= 0)
		UT_FAIL("%s: the pattern did not stick (first difference at "
			"%lld): nothing would be proven", dev,
			tu_first_diff(back, pat, size));
	close(fd);
	free(pat);
	free(back);
}

/* the whole buffer reads as zeros through read() and a mapping */
static void expect_zero_x(const char *dev, size_t size, const char *how)
{
	unsigned char *buf = tu_xmalloc(size), *m;
	int fd = ut_open_dev(dev, O_RDWR);
	long long at;

	UT_EQ(tu_pread_all(fd, buf, size, 0), (long long)size);
	at = tu_first_not(buf, size, 0);
	if (at >= 0)
		UT_FAIL("%s, %s, over memory that held a buffer full of a "
			"pattern: read() sees byte 0x%02x at offset "
			"%lld, expected all %zu bytes zero", dev, how, buf[at],
			at, size);
	m = tu_mmap(fd, size, 0, PROT_READ, MAP_SHARED);
	if (!m)
		UT_FAIL("mmap of %s: %s", dev, strerror(errno));
	tu_doing("reading %s through a mapping", dev);
	at = tu_first_not(m, size, 0);
	if (at >= 0)
		UT_FAIL("%s, %s, over memory that held a buffer full of a "
			"pattern: the mapping shows byte 0x%02x at "
			"offset %lld, expected all %zu bytes zero", dev, how,
			m[at], at, size);
	munmap(m, size);
	close(fd);
	free(buf);
}

/* how much of the dirty range came back zeroed, into the guest's log */
static void note(size_t size, uint64_t phys, uint64_t bytes, int tries)
{
	char line[200];

	snprintf(line, sizeof(line), "udmabuf-test: %llu of %zu bytes at "
		 "0x%llx came back dirty-then-zeroed after %d allocation(s)\n",
		 (unsigned long long)bytes, size, (unsigned long long)phys,
		 tries);
	ut_write_file("/dev/kmsg", line);
}

/* bytes that [a, a + size) and [b, b + size) have in common */
static uint64_t overlap(uint64_t a, uint64_t b, size_t size)
{
	uint64_t lo = a > b ? a : b, hi = (a < b ? a : b) + size;

	return hi > lo ? hi - lo : 0;
}

static void mgr_reuse_x(size_t size, uint64_t seed)
{
	char sz[32], name[32];
	uint64_t phys, covered = 0;
	int n;

	snprintf(sz, sizeof(sz), "%zu", size);
	tu_mgr_create_x("zdirty", sz, NULL);
	phys = ut_sysfs_u64("zdirty", "phys_addr");
	dirty_x("zdirty", size, seed);
	tu_mgr_delete_x("zdirty");
	/* the buffers are kept, so their overlaps with the range are apart */
	for (n = 0; n < MAX_TRIES && covered < size; n++) {
		uint64_t o;

		snprintf(name, sizeof(name), "zagain%d", n);
		tu_mgr_create_x(name, sz, NULL);
		o = overlap(ut_sysfs_u64(name, "phys_addr"), phys, size);
		if (!o)
			continue;	/* keep it: the next one goes elsewhere */
		expect_zero_x(name, size, "created again");
		covered += o;
	}
	if (covered)
		note(size, phys, covered, n);
	while (n--) {
		snprintf(name, sizeof(name), "zagain%d", n);
		tu_mgr_delete_x(name);
	}
	if (!covered)
		UT_FAIL("a %zu-byte buffer at 0x%llx, deleted: %d new buffers "
			"of the same size came from elsewhere, none over a page "
			"of it, so nothing shows that reused memory is zeroed",
			size, (unsigned long long)phys, MAX_TRIES);
}

UT_TEST(C5_zeroed_after_dirty_delete, "")
{
	tu_catch_faults();
	mgr_reuse_x(tu_buddy_max_bytes() + tu_page_size(), 1);
	mgr_reuse_x(2 * tu_buddy_max_bytes(), 2);
}

/* the platform device whose device-tree node has this device-name */
static void pdev_of_x(const char *name, char *pdev, size_t len)
{
	DIR *d = opendir(PDEVS);
	struct dirent *e;
	char path[512], val[128];

	if (!d)
		UT_FAIL("opendir " PDEVS ": %s", strerror(errno));
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), PDEVS "/%s/of_node/device-name",
			 e->d_name);
		if (ut_read_file(path, val, sizeof(val)) > 0 &&
		    !strcmp(val, name)) {
			snprintf(pdev, len, "%s", e->d_name);
			closedir(d);
			return;
		}
	}
	closedir(d);
	UT_FAIL("no platform device under " PDEVS " has a device-tree node "
		"with device-name \"%s\"", name);
}

static void dt_rebind_x(const char *dev, size_t size, uint64_t seed)
{
	char pdev[256];
	uint64_t phys = ut_sysfs_u64(dev, "phys_addr");
	int n, r;

	pdev_of_x(dev, pdev, sizeof(pdev));
	UT_EQU(ut_sysfs_u64(dev, "size"), size);
	dirty_x(dev, size, seed);
	for (n = 0; n < MAX_TRIES; n++) {
		r = ut_write_file(PDRV "/unbind", pdev);
		if (r)
			UT_FAIL("unbinding %s (%s): %s", pdev, dev,
				strerror(-r));
		r = ut_write_file(PDRV "/bind", pdev);
		if (r)
			UT_FAIL("binding %s (%s) again: %s", pdev, dev,
				strerror(-r));
		if (ut_sysfs_u64(dev, "phys_addr") == phys)
			break;
	}
	if (n == MAX_TRIES)
		UT_FAIL("%s was at 0x%llx: after %d unbind/bind it never came "
			"back there, so nothing shows that reused memory is "
			"zeroed", dev, (unsigned long long)phys, MAX_TRIES);
	note(size, phys, size, n + 1);
	expect_zero_x(dev, size, "bound again");
}

/* a reusable region, a no-map pool */
UT_TEST_BOOT(B3_dt_zeroed_after_dirty_rebind, "", "dt")
{
	tu_catch_faults();
	dt_rebind_x("udmabuf-cma", 0x800000, 5);
	dt_rebind_x("udmabuf-nomap", 0x100000, 6);
}
