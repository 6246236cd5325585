// SPDX-License-Identifier: GPL-2.0
/* 64-bit sizes end to end (H3). */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <linux/u-dma-buf.h>
#include "ut.h"
#include "tu_helpers.h"

#define RW	(PROT_READ | PROT_WRITE)

static void check_size_everywhere(const char *dev, uint64_t size)
{
	struct u_dma_buf_ioctl_dev_info info;
	struct u_dma_buf_ioctl_sync_args s;
	uint64_t v = 0;
	int fd;

	UT_EQU(ut_sysfs_u64(dev, "size"), size);
	UT_EQU(ut_sysfs_u64(dev, "sync_size"), size);
	fd = ut_open_dev(dev, O_RDWR);
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_GET_SIZE, &v);
	UT_EQU(v, size);
	memset(&info, 0, sizeof(info));
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_GET_DEV_INFO, &info);
	UT_EQU(info.size, size);
	memset(&s, 0, sizeof(s));
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_GET_SYNC, &s);
	UT_EQU(s.size, size);
	UT_EQ(lseek(fd, 0, SEEK_END), (long long)size);
	close(fd);
}

/* map the whole buffer, touch the first and last page, read them back */
static void touch_ends(const char *dev, uint64_t size)
{
	size_t ps = tu_page_size();
	unsigned char b[8];
	unsigned char *m;
	int fd = ut_open_dev(dev, O_RDWR);

	tu_catch_faults();
	if (size > SIZE_MAX / 2) {
		/* 32-bit: map the first and the last page on their own */
		unsigned char *last;

		m = tu_mmap(fd, ps, 0, RW, MAP_SHARED);
		last = tu_mmap(fd, ps, (size - 1) / ps * ps, RW, MAP_SHARED);
		UT_ASSERT(m && last);
		tu_doing("touching the last page of %s", dev);
		last[(size - 1) % ps] = 0xE1;
		munmap(last, ps);
	} else {
		m = tu_mmap(fd, (size_t)size, 0, RW, MAP_SHARED);
		if (!m)
			UT_FAIL("mmap of all %llu bytes of %s: expected "
				"success, saw %s", (unsigned long long)size,
				dev, strerror(errno));
		tu_doing("touching the last page of %s", dev);
		memset(m + size - ps, 0xE1, ps);
		munmap(m + ps, (size_t)size - ps);
	}
	tu_doing("touching the first page of %s", dev);
	memset(m, 0xF1, ps);
	munmap(m, ps);
	UT_EQ(pread(fd, b, 1, 0), 1);
	UT_EQ(b[0], 0xF1);
	UT_EQ(pread(fd, b, 8, size - 1), 1);
	UT_EQ(b[0], 0xE1);
	UT_EQ(pwrite(fd, "zz", 2, size - 1), 1);
	UT_ERRNO(pwrite(fd, "zz", 2, size), ENOSPC);
	close(fd);
}

/* the largest buffer the guest's allocator gives: CMA on arm64 */
UT_TEST(H3_largest_buffer_sizes_are_64bit, "")
{
	uint64_t size = tu_is_arch("aarch64") ? 32 * TU_MIB : 4 * TU_MIB;
	char sz[32];
	int r;

	snprintf(sz, sizeof(sz), "%llu", (unsigned long long)size);
	r = ut_mgr("create h3big %s", sz);
	if (r)
		UT_FAIL("create of a %s-byte buffer on %s: expected success, "
			"saw %s", sz, ut_arch(), strerror(-r));
	check_size_everywhere("h3big", size);
	touch_ends("h3big", size);
	tu_mgr_delete_x("h3big");
}

static int log_has_size(uint64_t size)
{
	char dec[32], hex[32], HEX[32];

	snprintf(dec, sizeof(dec), "%llu", (unsigned long long)size);
	snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)size);
	snprintf(HEX, sizeof(HEX), "0x%llX", (unsigned long long)size);
	return ut_log_contains(dec) || ut_log_contains(hex) ||
	       ut_log_contains(HEX);
}

/*
 * 4 GiB and more on a 512 MiB guest: refused cleanly (EINVAL: more than
 * the RAM, or ENOMEM), never truncated to 32 bits (4 GiB + 4 KiB would be
 * a 4 KiB buffer).
 */
UT_TEST(H3_4gib_on_small_guest_fails_cleanly, "")
{
	static const uint64_t sizes[] = {
		0x100001000ULL, 0x100000000ULL, 0x100100000ULL,
		0x200000000ULL, 0x1000001000ULL,
	};
	char list[256];

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t mark = tu_log_mark();
		int r = ut_mgr("create h3huge 0x%llx",
			       (unsigned long long)sizes[i]);

		if (r == 0) {
			uint64_t got = ut_sysfs_u64("h3huge", "size");

			UT_FAIL("create of 0x%llx bytes on a 512 MiB guest: "
				"expected EINVAL or ENOMEM, saw success with "
				"size %llu", (unsigned long long)sizes[i],
				(unsigned long long)got);
		}
		if (r != -EINVAL && r != -ENOMEM)
			UT_FAIL("create of 0x%llx bytes: expected EINVAL or "
				"ENOMEM, saw %s", (unsigned long long)sizes[i],
				strerror(-r));
		if (!strstr(tu_log_after(mark), "u-dma-buf-mgr"))
			UT_FAIL("create of 0x%llx bytes: expected a "
				"u-dma-buf-mgr log line, saw:\n%s",
				(unsigned long long)sizes[i],
				tu_log_after(mark));
		if (!log_has_size(sizes[i]))
			UT_FAIL("create of 0x%llx bytes: expected the "
				"requested size in the log, saw:\n%s",
				(unsigned long long)sizes[i],
				tu_log_after(mark));
		UT_ASSERT(!tu_dev_exists("h3huge"));
	}
	tu_class_list(list, sizeof(list));
	UT_STREQ(list, "");
	tu_mgr_create_x("h3after", "4096", NULL);
	UT_EQ(tu_minor_x("h3after"), 0);
	tu_mgr_delete_x("h3after");
}

/* the same through a module parameter */
UT_TEST(H3_4gib_param_fails_cleanly, UT_NOLOAD)
{
	int r = ut_load("udmabuf0=0x100001000");

	if (r == 0) {
		uint64_t got = ut_sysfs_u64("udmabuf0", "size");

		ut_unload();
		UT_FAIL("load with udmabuf0=0x100001000 on a 512 MiB guest: "
			"expected EINVAL or ENOMEM, saw success with size %llu",
			(unsigned long long)got);
	}
	if (r != -EINVAL && r != -ENOMEM)
		UT_FAIL("load with udmabuf0=0x100001000: expected EINVAL or "
			"ENOMEM, saw %s", strerror(-r));
	UT_ASSERT(!ut_module_loaded());
	if (!log_has_size(0x100001000ULL))
		UT_FAIL("expected the requested size 4294971392 in the log, "
			"saw:\n%s", ut_log());
	r = ut_load("udmabuf0=4G");
	if (r == 0) {
		ut_unload();
		UT_FAIL("load with udmabuf0=4G on a 512 MiB guest: expected "
			"failure, saw success");
	}
}

/*
 * A real buffer above 4 GiB: only in the "big" boot (tests/boots.conf), an
 * 8 GiB arm64 guest whose device tree (tests/dt/udmabuf-big.dtsi) gives the
 * node udmabuf-big a reusable region of its own above 4 GiB (the default CMA
 * area cannot be that large: it must lie below the 32-bit DMA limit).  The
 * node has dma-mask = <64>: 4 GiB + 1 MiB cannot lie below 4 GiB.
 */
UT_TEST_BOOT(H3_buffer_above_4gib, "", "big")
{
	const uint64_t size = 4 * TU_GIB + TU_MIB;
	const char *d = "udmabuf-big";
	struct u_dma_buf_ioctl_sync_args sa = { 0 };

	if (!tu_class_exists(d))
		UT_FAIL("expected the 4 GiB + 1 MiB device-tree buffer %s; "
			"log:\n%s", d, ut_log());
	/* the region lies above 4 GiB: so must the buffer */
	if (ut_sysfs_u64(d, "phys_addr") < 4 * TU_GIB)
		UT_FAIL("%s at 0x%llx: expected it above 4 GiB, in its region",
			d, (unsigned long long)ut_sysfs_u64(d, "phys_addr"));
	check_size_everywhere(d, size);
	touch_ends(d, size);
	/* positions above 4 GiB through read/write/lseek */
	{
		int fd = ut_open_dev(d, O_RDWR);
		unsigned char b[4];

		UT_EQ(pwrite(fd, "4GiB", 4, 4 * TU_GIB + 16), 4);
		UT_EQ(pread(fd, b, 4, 4 * TU_GIB + 16), 4);
		UT_ASSERT(memcmp(b, "4GiB", 4) == 0);
		UT_EQ(pread(fd, b, 4, 16), 4);
		UT_ASSERT(memcmp(b, "4GiB", 4) != 0);
		UT_EQ(lseek(fd, 4 * TU_GIB, SEEK_SET), (long long)(4 * TU_GIB));
		/* a sync range above 4 GiB through the 64-bit ioctl */
		sa.flags = U_DMA_BUF_SYNC_CMD_FOR_CPU;
		sa.offset = 4 * TU_GIB;
		sa.size = TU_MIB;
		TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_SET_SYNC, &sa);
		close(fd);
	}
	UT_EQU(ut_sysfs_u64(d, "sync_offset"), 4 * TU_GIB);
	UT_EQU(ut_sysfs_u64(d, "sync_size"), TU_MIB);
	UT_OK(ut_sysfs_write(d, "sync_for_device", "1"));
}
