// SPDX-License-Identifier: GPL-2.0
/*
 * D1 (and C1, B3, H3): the address the driver reports is the memory user
 * space really gets.  The page frame of the pte the kernel installed for a
 * user mapping, read back through the test-only helper module (tests/kmod,
 * pte_pfn()), must be phys_addr / page size plus the page's index in the
 * buffer, for the first, a middle and the last page of every mapping: of a
 * whole buffer, of a window at a non-zero offset, in cached and O_SYNC
 * modes, for parameter, manager (every quirk-mmap mode) and device-tree
 * buffers (default CMA, a reusable region, a no-map pool) and above 4 GiB.
 *
 * Each page is touched (one byte read) before its pte is asked for:
 * mappings may be populated lazily.  A pfn mapping (VM_PFNMAP) is walked
 * the same way.
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "ut.h"
#include "tu_helpers.h"

#define RW	(PROT_READ | PROT_WRITE)

/*
 * Map [off, off + len) of dev with open flags, touch the first, a middle
 * and the last page and check the frame of each.
 */
static void check_frames_x(const char *dev, int flags, uint64_t off,
			   uint64_t len)
{
	size_t ps = tu_page_size();
	uint64_t phys = ut_sysfs_u64(dev, "phys_addr");
	uint64_t n = len / ps, idx[3] = { 0, n / 2, n - 1 };
	volatile unsigned char *m;
	int fd;

	tu_helper_load_x();
	if (phys % ps)
		UT_FAIL("%s: phys_addr 0x%llx: expected a page-aligned address",
			dev, (unsigned long long)phys);
	fd = ut_open_dev(dev, flags);
	m = tu_mmap(fd, (size_t)len, off, RW, MAP_SHARED);
	if (!m)
		UT_FAIL("%s: mmap of 0x%llx bytes at offset 0x%llx: expected "
			"success, saw %s", dev, (unsigned long long)len,
			(unsigned long long)off, strerror(errno));
	tu_catch_faults();
	for (int k = 0; k < 3; k++) {
		const volatile unsigned char *page = m + idx[k] * ps;
		uint64_t want = phys / ps + off / ps + idx[k], pfn = 0;
		char kind[32];

		tu_doing("reading page %llu of a mapping of %s",
			 (unsigned long long)idx[k], dev);
		(void)*page;
		if (!tu_pte_x((const void *)page, kind, sizeof(kind), &pfn))
			UT_FAIL("%s (offset 0x%llx%s): page %llu of the mapping "
				"has no pte after it was read", dev,
				(unsigned long long)off,
				(flags & O_SYNC) ? ", O_SYNC" : "",
				(unsigned long long)idx[k]);
		if (pfn != want)
			UT_FAIL("%s (offset 0x%llx%s): page %llu of the mapping: "
				"expected page frame 0x%llx (phys_addr 0x%llx + "
				"0x%llx), the page table has 0x%llx (%s pte)",
				dev, (unsigned long long)off,
				(flags & O_SYNC) ? ", O_SYNC" : "",
				(unsigned long long)idx[k],
				(unsigned long long)want,
				(unsigned long long)phys,
				(unsigned long long)(off + idx[k] * ps),
				(unsigned long long)pfn, kind);
	}
	munmap((void *)m, (size_t)len);
	close(fd);
}

/* whole buffer, a window at an offset, and both again with O_SYNC */
static void check_buffer_x(const char *dev, uint64_t size, uint64_t off,
			   uint64_t len)
{
	size_t ps = tu_page_size();
	uint64_t whole = (size + ps - 1) / ps * ps;

	check_frames_x(dev, O_RDWR, 0, whole);
	check_frames_x(dev, O_RDWR, off, len);
	check_frames_x(dev, O_RDWR | O_SYNC, 0, whole);
	check_frames_x(dev, O_RDWR | O_SYNC, off, len);
}

UT_TEST(D1_pfn_param_buffers, "udmabuf0=0x100000 udmabuf1=10000")
{
	check_buffer_x("udmabuf0", 0x100000, 0x3000, 0x40000);
	/* the uncached and write-combine mappings of O_SYNC files */
	UT_OK(ut_sysfs_write("udmabuf0", "sync_mode", "1"));
	check_frames_x("udmabuf0", O_RDWR | O_SYNC, 0x7000, 0x21000);
	UT_OK(ut_sysfs_write("udmabuf0", "sync_mode", "2"));
	check_frames_x("udmabuf0", O_RDWR | O_SYNC, 0xff000, 0x1000);
	/* 10000 bytes: three pages, the last one partly */
	check_buffer_x("udmabuf1", 10000, 0x1000, 0x2000);
}

/* every quirk-mmap mode, a buffer of an odd page count, and 4 MiB */
UT_TEST(D1_pfn_manager_buffers, "")
{
	static const char *const modes[] = { "off", "on", "auto", "page" };
	char opt[32];

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		snprintf(opt, sizeof(opt), "quirk-mmap=%s", modes[i]);
		tu_mgr_create_x("pfnq", "0x201000", opt);
		check_buffer_x("pfnq", 0x201000, 0x101000, 0x100000);
		tu_mgr_delete_x("pfnq");
	}
	tu_mgr_create_x("pfnbig", "0x400000", NULL);
	check_buffer_x("pfnbig", 0x400000, 0x3ff000, 0x1000);
	tu_mgr_delete_x("pfnbig");
}

/* device tree: the default CMA area and a quirk-mmap-page node */
UT_TEST_BOOT(D1_dt_pfn_nodes, "", "dt")
{
	check_buffer_x("udmabuf-dt0", 0x100000, 0x80000, 0x80000);
	check_buffer_x("udmabuf-noncoherent", 0x10000, 0x4000, 0x8000);
}

/* a reusable (CMA) memory-region of its own */
UT_TEST_BOOT(D1_dt_pfn_reusable_region, "", "dt")
{
	check_buffer_x("udmabuf-cma", 0x800000, 0x101000, 0x200000);
}

/* a no-map pool: memory the kernel does not even have in its linear map */
UT_TEST_BOOT(D1_dt_pfn_nomap_region, "", "dt")
{
	check_buffer_x("udmabuf-nomap", 0x100000, 0x5000, 0x10000);
}

/*
 * 4 GiB + 1 MiB from a region above 4 GiB: the frames are really up there.
 * Windows at the start, in the middle and at the end (a whole mapping of
 * the buffer is H3_buffer_above_4gib's).
 */
UT_TEST_BOOT(D1_big_pfn_above_4gib, "", "big")
{
	check_frames_x("udmabuf-big", O_RDWR, 0, TU_MIB);
	check_frames_x("udmabuf-big", O_RDWR, 2 * TU_GIB, TU_MIB);
	check_frames_x("udmabuf-big", O_RDWR, 4 * TU_GIB, TU_MIB);
}
