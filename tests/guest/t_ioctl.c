// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctl ABI (C4).  These tests also run as a 32-bit program on 64-bit
 * kernels (compat_ioctl): they use only fixed-width types and the codes of
 * include/uapi/linux/u-dma-buf.h as this build computes them.
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
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

#define DEV	"udmabuf0"
#define SZ	0x100000ULL
#define SZ1	10000ULL
#define PARAMS	"udmabuf0=0x100000 udmabuf1=10000"

/* the encodings of the first v4.7 release for requests 5, 6 and 9 */
#define OLD_SET_SYNC_FOR_CPU	_IOR('U', 5, __u64)
#define OLD_SET_SYNC_FOR_DEVICE	_IOR('U', 6, __u64)
#define OLD_SET_SYNC		_IOR('U', 9, struct u_dma_buf_ioctl_sync_args)

#define CANARY	0xA5A5A5A5A5A5A5A5ULL

/*
 * The fixed layouts and request codes of the ABI table (ioctl-abi.md) are
 * properties of this build's header, not of the driver: the compiler
 * checks them (a wrong header does not build).  C4_literal_request_codes
 * checks that the driver answers these numbers.
 */
_Static_assert(sizeof(struct u_dma_buf_ioctl_drv_info) == 24, "drv_info");
_Static_assert(offsetof(struct u_dma_buf_ioctl_drv_info, version) == 8,
	       "drv_info.version");
_Static_assert(sizeof(struct u_dma_buf_ioctl_dev_info) == 24, "dev_info");
_Static_assert(offsetof(struct u_dma_buf_ioctl_dev_info, size) == 8,
	       "dev_info.size");
_Static_assert(offsetof(struct u_dma_buf_ioctl_dev_info, addr) == 16,
	       "dev_info.addr");
_Static_assert(sizeof(struct u_dma_buf_ioctl_sync_args) == 24, "sync_args");
_Static_assert(offsetof(struct u_dma_buf_ioctl_sync_args, size) == 8,
	       "sync_args.size");
_Static_assert(offsetof(struct u_dma_buf_ioctl_sync_args, offset) == 16,
	       "sync_args.offset");
_Static_assert(offsetof(struct u_dma_buf_ioctl_export_args, addr) == 24,
	       "export_args.addr");
_Static_assert(offsetof(struct u_dma_buf_ioctl_export_args, fd) == 32,
	       "export_args.fd");
#if defined(__i386__)
_Static_assert(sizeof(struct u_dma_buf_ioctl_export_args) == 36,
	       "export_args on i386");
#else
_Static_assert(sizeof(struct u_dma_buf_ioctl_export_args) == 40,
	       "export_args on LP64 and 32-bit ARM");
#endif
_Static_assert(U_DMA_BUF_IOCTL_GET_DRV_INFO == 0x80185501UL, "code 1");
_Static_assert(U_DMA_BUF_IOCTL_GET_SIZE == 0x80085502UL, "code 2");
_Static_assert(U_DMA_BUF_IOCTL_GET_DMA_ADDR == 0x80085503UL, "code 3");
_Static_assert(U_DMA_BUF_IOCTL_GET_SYNC_OWNER == 0x80045504UL, "code 4");
_Static_assert(U_DMA_BUF_IOCTL_SET_SYNC_FOR_CPU == 0x40085505UL, "code 5");
_Static_assert(U_DMA_BUF_IOCTL_SET_SYNC_FOR_DEVICE == 0x40085506UL,
	       "code 6");
_Static_assert(U_DMA_BUF_IOCTL_GET_DEV_INFO == 0x80185507UL, "code 7");
_Static_assert(U_DMA_BUF_IOCTL_GET_SYNC == 0x80185508UL, "code 8");
_Static_assert(U_DMA_BUF_IOCTL_SET_SYNC == 0x40185509UL, "code 9");
_Static_assert(OLD_SET_SYNC_FOR_CPU != U_DMA_BUF_IOCTL_SET_SYNC_FOR_CPU,
	       "the old code 5 differs");
_Static_assert(_IOC_NR(U_DMA_BUF_IOCTL_EXPORT) == 10 &&
	       _IOC_TYPE(U_DMA_BUF_IOCTL_EXPORT) == 'U' &&
	       _IOC_DIR(U_DMA_BUF_IOCTL_EXPORT) == (_IOC_READ | _IOC_WRITE) &&
	       _IOC_SIZE(U_DMA_BUF_IOCTL_EXPORT) ==
	       sizeof(struct u_dma_buf_ioctl_export_args), "code 10");

static uint64_t sysfs(const char *attr)
{
	return ut_sysfs_u64(DEV, attr);
}

static int dev_open(void)
{
	return ut_open_dev(DEV, O_RDWR);
}

static uint32_t get_owner(int fd)
{
	uint32_t v = 7;

	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_GET_SYNC_OWNER, &v);
	return v;
}

UT_TEST(C4_get_drv_info, PARAMS)
{
	struct {
		struct u_dma_buf_ioctl_drv_info info;
		uint64_t canary;
	} a;
	char ver[64];
	int fd = dev_open();

	memset(&a, 0xA5, sizeof(a));
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_GET_DRV_INFO, &a.info);
	UT_EQU(a.canary, CANARY);
	if (!memchr(a.info.version, '\0', sizeof(a.info.version)))
		UT_FAIL("drv_info.version: expected a NUL-terminated string "
			"within 16 bytes");
	tu_sysfs_str_x(DEV, "driver_version", ver, sizeof(ver));
	UT_STREQ(a.info.version, ver);
	UT_STREQ(a.info.version, "5.5.0");	/* the established release */
	UT_EQU(a.info.flags & U_DMA_BUF_DRV_INFO_IOCTL_VERSION_MASK,
	       U_DMA_BUF_IOCTL_VERSION);
	UT_EQU(a.info.flags & U_DMA_BUF_DRV_INFO_IOCTL_VERSION_MASK,
	       sysfs("ioctl_version"));
	close(fd);
}

UT_TEST(C4_get_size_and_dma_addr, PARAMS)
{
	struct { uint64_t v, canary; } a;
	int fd = dev_open();

	a.v = 0;
	a.canary = CANARY;
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_GET_SIZE, &a.v);
	UT_EQU(a.v, SZ);
	UT_EQU(a.canary, CANARY);
	a.v = 0;
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_GET_DMA_ADDR, &a.v);
	UT_EQU(a.v, sysfs("phys_addr"));
	UT_EQU(a.canary, CANARY);
	close(fd);

	fd = ut_open_dev("udmabuf1", O_RDONLY);
	a.v = 0;
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_GET_SIZE, &a.v);
	UT_EQU(a.v, SZ1);
	a.v = 0;
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_GET_DMA_ADDR, &a.v);
	UT_EQU(a.v, ut_sysfs_u64("udmabuf1", "phys_addr"));
	close(fd);
}

UT_TEST(C4_sync_owner_and_sync_for_cpu_device, PARAMS)
{
	union { uint32_t w[2]; uint64_t all; } o;
	uint64_t v;
	int fd = dev_open();

	v = 1;
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_DEVICE, &v);
	o.all = CANARY;
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_GET_SYNC_OWNER, &o.w[0]);
	UT_EQ(o.w[0], 1);
	UT_EQU(o.w[1], (uint32_t)CANARY);	/* exactly 4 bytes written */
	UT_EQU(sysfs("sync_owner"), 1);

	v = 1;
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_CPU, &v);
	UT_EQ(get_owner(fd), 0);
	UT_EQU(sysfs("sync_owner"), 0);

	/* 0 does nothing */
	v = 0;
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_DEVICE, &v);
	UT_EQ(get_owner(fd), 0);
	v = 1;
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_DEVICE, &v);
	v = 0;
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_CPU, &v);
	UT_EQ(get_owner(fd), 1);

	/* the packed form, which does not change the stored settings */
	UT_OK(ut_sysfs_write(DEV, "sync_offset", "4096"));
	UT_OK(ut_sysfs_write(DEV, "sync_size", "8192"));
	UT_OK(ut_sysfs_write(DEV, "sync_direction", "1"));
	v = U_DMA_BUF_SYNC_ARG(0x20000, 0x3000, U_DMA_BUF_DIR_FROM_DEVICE);
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_CPU, &v);
	UT_EQ(get_owner(fd), 0);
	v = U_DMA_BUF_SYNC_ARG(SZ - 0x10, 0x10, U_DMA_BUF_DIR_TO_DEVICE);
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_DEVICE, &v);
	UT_EQ(get_owner(fd), 1);
	v = U_DMA_BUF_SYNC_ARG(0x1000, 0, U_DMA_BUF_DIR_BIDIRECTIONAL);
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_CPU, &v);
	UT_EQ(get_owner(fd), 0);
	UT_EQU(sysfs("sync_offset"), 4096);
	UT_EQU(sysfs("sync_size"), 8192);
	UT_EQU(sysfs("sync_direction"), 1);
	close(fd);
}

UT_TEST(C4_sync_for_cpu_device_bad_packed, PARAMS)
{
	static const uint64_t bad[] = {
		U_DMA_BUF_SYNC_ARG(0, 0x1000, 3),
		U_DMA_BUF_SYNC_ARG(SZ, 0x10, 0),
		U_DMA_BUF_SYNC_ARG(SZ - 0x10, 0x20, 0),
		U_DMA_BUF_SYNC_ARG(0, 2 * SZ, 0),
		U_DMA_BUF_SYNC_ARG(0xFFFFFFF0ULL, 0x20, 0),
		((SZ + 1) << 32) | 1,	/* empty range beyond the end */
		0x100c,			/* bit 0 clear, direction 3 */
		~0ULL,
	};
	int fd = dev_open();
	uint64_t v;
	int r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 1;
		TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_DEVICE, &v);
		v = bad[i];
		r = tu_ioctl(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_CPU, &v);
		if (r != -EINVAL)
			UT_FAIL("SET_SYNC_FOR_CPU 0x%llx: expected EINVAL, saw "
				"%s", (unsigned long long)bad[i],
				r ? strerror(-r) : "success");
		UT_EQ(get_owner(fd), 1);
		r = tu_ioctl(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_CPU, &(uint64_t){1});
		UT_EQ(r, 0);
		v = bad[i];
		r = tu_ioctl(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_DEVICE, &v);
		if (r != -EINVAL)
			UT_FAIL("SET_SYNC_FOR_DEVICE 0x%llx: expected EINVAL, "
				"saw %s", (unsigned long long)bad[i],
				r ? strerror(-r) : "success");
		UT_EQ(get_owner(fd), 0);
	}
	/* the stored range is checked when the sync runs */
	UT_OK(ut_sysfs_write(DEV, "sync_offset", "0x80000"));
	v = 1;
	UT_EQ(tu_ioctl(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_DEVICE, &v), -EINVAL);
	UT_EQ(get_owner(fd), 0);
	close(fd);
}

/* any value but 0 and 1 is the packed form; bits 0 and 1 mean nothing */
UT_TEST(C4_sync_for_cpu_device_any_other_value, PARAMS)
{
	static const uint64_t ok[] = {
		0x100, 0x4, 0x100000000ULL, 0x2, 0x3,
		U_DMA_BUF_SYNC_ARG(0, 0x100, 0) | 2, (SZ << 32) | 1,
		U_DMA_BUF_SYNC_ARG(SZ - 8, 8, 2),
	};
	int fd = dev_open();
	uint64_t v;
	int r;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		v = 1;
		TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_CPU, &v);
		v = ok[i];
		r = tu_ioctl(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_DEVICE, &v);
		if (r)
			UT_FAIL("SET_SYNC_FOR_DEVICE 0x%llx: expected success, "
				"saw %s", (unsigned long long)ok[i],
				strerror(-r));
		UT_EQ(get_owner(fd), 1);
		v = ok[i];
		r = tu_ioctl(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_CPU, &v);
		if (r)
			UT_FAIL("SET_SYNC_FOR_CPU 0x%llx: expected success, "
				"saw %s", (unsigned long long)ok[i],
				strerror(-r));
		UT_EQ(get_owner(fd), 0);
	}
	UT_EQU(sysfs("sync_offset"), 0);
	UT_EQU(sysfs("sync_size"), SZ);
	UT_EQU(sysfs("sync_direction"), 0);
	close(fd);
}

/* U_DMA_BUF_SYNC_ARG rounds the size up to 16 bytes (covers the range) */
UT_TEST(C4_sync_arg_macro, PARAMS)
{
	UT_EQU(U_DMA_BUF_SYNC_ARG(0, 0x10000, 0), 0x10003ULL);
	UT_EQU(U_DMA_BUF_SYNC_ARG(0x2000, 0x1230, 2), 0x000020000000123bULL);
	UT_EQU(U_DMA_BUF_SYNC_ARG(0x1008, 8, 1), 0x0000100800000017ULL);
	UT_EQU(U_DMA_BUF_SYNC_ARG(0, 1, 0), 0x13ULL);
	UT_EQU(U_DMA_BUF_SYNC_ARG(0, 0x11, 2), 0x2bULL);
	UT_EQU(U_DMA_BUF_SYNC_ARG(0, 0xFFFFFFF0ULL, 0), 0xFFFFFFF3ULL);
	UT_EQU(U_DMA_BUF_SYNC_ARG(0xFFFFFFFFULL, 0, 3),
	       0xFFFFFFFF0000000FULL);
	/* an empty range, never the value 1 (the stored settings) */
	UT_EQU(U_DMA_BUF_SYNC_ARG(0, 0, 0), 0x3ULL);
	/* each argument is evaluated once */
	{
		uint64_t o = 0x10, n = 0x20;
		int d = 1;

		UT_EQU(U_DMA_BUF_SYNC_ARG(o++, n++, d++),
		       0x0000001000000027ULL);
		UT_EQU(o, 0x11);
		UT_EQU(n, 0x21);
		UT_EQ(d, 2);
	}
}

UT_TEST(C4_get_dev_info, PARAMS)
{
	struct {
		struct u_dma_buf_ioctl_dev_info info;
		uint64_t canary;
	} a;
	int fd = dev_open();

	memset(&a, 0xA5, sizeof(a));
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_GET_DEV_INFO, &a.info);
	UT_EQU(a.canary, CANARY);
	UT_EQU(a.info.size, SZ);
	UT_EQU(a.info.addr, sysfs("phys_addr"));
	UT_EQU(a.info.flags & U_DMA_BUF_DEV_INFO_DMA_MASK_MASK, 32);
	UT_EQU(!!(a.info.flags & U_DMA_BUF_DEV_INFO_DMA_COHERENT),
	       sysfs("dma_coherent"));
	UT_EQU((a.info.flags >> U_DMA_BUF_DEV_INFO_MMAP_MODE_SHIFT) &
	       U_DMA_BUF_DEV_INFO_MMAP_MODE_MASK, sysfs("quirk_mmap_mode"));
	close(fd);

	fd = ut_open_dev("udmabuf1", O_RDONLY);
	memset(&a, 0, sizeof(a));
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_GET_DEV_INFO, &a.info);
	UT_EQU(a.info.size, SZ1);
	UT_EQU(a.info.addr, ut_sysfs_u64("udmabuf1", "phys_addr"));
	close(fd);
}

static void get_sync(int fd, struct u_dma_buf_ioctl_sync_args *s)
{
	memset(s, 0xA5, sizeof(*s));
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_GET_SYNC, s);
}

#define SYNC_DIR(f)	(((f) >> U_DMA_BUF_SYNC_DIR_SHIFT) & \
			 U_DMA_BUF_SYNC_DIR_MASK)
#define SYNC_MODE(f)	(((f) >> U_DMA_BUF_SYNC_MODE_SHIFT) & \
			 U_DMA_BUF_SYNC_MODE_MASK)
#define SYNC_FLAGS(cmd, dir, mode) ((uint64_t)(cmd) | \
	((uint64_t)(dir) << U_DMA_BUF_SYNC_DIR_SHIFT) | \
	((uint64_t)(mode) << U_DMA_BUF_SYNC_MODE_SHIFT))

UT_TEST(C4_get_sync, PARAMS)
{
	struct u_dma_buf_ioctl_sync_args s;
	int fd = dev_open();
	uint64_t v;

	get_sync(fd, &s);
	UT_EQU(s.offset, 0);
	UT_EQU(s.size, SZ);
	UT_EQU(SYNC_DIR(s.flags), 0);
	UT_EQU(SYNC_MODE(s.flags), 1);
	UT_EQU(!!(s.flags & U_DMA_BUF_SYNC_OWNER), sysfs("sync_owner"));

	UT_OK(ut_sysfs_write(DEV, "sync_offset", "0x4000"));
	UT_OK(ut_sysfs_write(DEV, "sync_size", "0x800"));
	UT_OK(ut_sysfs_write(DEV, "sync_direction", "2"));
	UT_OK(ut_sysfs_write(DEV, "sync_mode", "6"));
	UT_OK(ut_sysfs_write(DEV, "sync_for_device", "1"));
	get_sync(fd, &s);
	UT_EQU(s.offset, 0x4000);
	UT_EQU(s.size, 0x800);
	UT_EQU(SYNC_DIR(s.flags), 2);
	UT_EQU(SYNC_MODE(s.flags), 6);
	UT_ASSERT(s.flags & U_DMA_BUF_SYNC_OWNER);
	v = 1;
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_CPU, &v);
	get_sync(fd, &s);
	UT_ASSERT(!(s.flags & U_DMA_BUF_SYNC_OWNER));
	close(fd);
}

static void expect_stored(int fd, uint64_t off, uint64_t size, int dir,
			  int mode)
{
	struct u_dma_buf_ioctl_sync_args s;

	UT_EQU(sysfs("sync_offset"), off);
	UT_EQU(sysfs("sync_size"), size);
	UT_EQU(sysfs("sync_direction"), dir);
	UT_EQU(sysfs("sync_mode"), mode);
	get_sync(fd, &s);
	UT_EQU(s.offset, off);
	UT_EQU(s.size, size);
	UT_EQU(SYNC_DIR(s.flags), dir);
	UT_EQU(SYNC_MODE(s.flags), mode);
}

static void set_sync_x(int fd, unsigned long req, uint64_t flags,
		       uint64_t size, uint64_t off)
{
	struct u_dma_buf_ioctl_sync_args s = {
		.flags = flags, .size = size, .offset = off
	};
	int r = tu_ioctl(fd, req, &s);

	if (r)
		UT_FAIL("SET_SYNC flags 0x%llx size 0x%llx offset 0x%llx: "
			"expected success, saw %s", (unsigned long long)flags,
			(unsigned long long)size, (unsigned long long)off,
			strerror(-r));
}

UT_TEST(C4_set_sync_stores_settings, PARAMS)
{
	int fd = dev_open();
	uint64_t v = 1;

	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_DEVICE, &v);
	set_sync_x(fd, U_DMA_BUF_IOCTL_SET_SYNC, SYNC_FLAGS(0, 2, 5), 0x2000,
		   0x1000);
	expect_stored(fd, 0x1000, 0x2000, 2, 5);
	UT_EQ(get_owner(fd), 1);	/* command 0: no sync */

	/* size 0 and mode 0 leave those settings unchanged */
	set_sync_x(fd, U_DMA_BUF_IOCTL_SET_SYNC, SYNC_FLAGS(0, 1, 0), 0,
		   0x3000);
	expect_stored(fd, 0x3000, 0x2000, 1, 5);
	set_sync_x(fd, U_DMA_BUF_IOCTL_SET_SYNC, SYNC_FLAGS(0, 0, 7), 0x10,
		   0);
	expect_stored(fd, 0, 0x10, 0, 7);

	/* command 1: store, then sync for CPU; command 3: for device */
	set_sync_x(fd, U_DMA_BUF_IOCTL_SET_SYNC, SYNC_FLAGS(1, 2, 3), SZ, 0);
	expect_stored(fd, 0, SZ, 2, 3);
	UT_EQ(get_owner(fd), 0);
	set_sync_x(fd, U_DMA_BUF_IOCTL_SET_SYNC, SYNC_FLAGS(3, 1, 2), 0x100,
		   SZ - 0x100);
	expect_stored(fd, SZ - 0x100, 0x100, 1, 2);
	UT_EQ(get_owner(fd), 1);

	/* the old _IOR encoding does the same */
	set_sync_x(fd, OLD_SET_SYNC, SYNC_FLAGS(1, 0, 4), 0x400, 0x800);
	expect_stored(fd, 0x800, 0x400, 0, 4);
	UT_EQ(get_owner(fd), 0);
	close(fd);
}

UT_TEST(C4_set_sync_invalid_stores_nothing, PARAMS)
{
	static const struct {
		const char *what;
		uint64_t flags, size, off;
	} bad[] = {
		{ "command 2", SYNC_FLAGS(2, 0, 5), 0x100, 0 },
		{ "direction 3", SYNC_FLAGS(0, 3, 5), 0x100, 0 },
		{ "direction 3 with sync", SYNC_FLAGS(3, 3, 5), 0x100, 0 },
		{ "mode 8", SYNC_FLAGS(0, 0, 8), 0x100, 0 },
		{ "mode 255", SYNC_FLAGS(1, 0, 255), 0x100, 0 },
		{ "offset == size", SYNC_FLAGS(0, 0, 5), 0x10, SZ },
		{ "offset > size", SYNC_FLAGS(0, 0, 5), 0x10, SZ + 0x1000 },
		{ "offset 2^32", SYNC_FLAGS(0, 0, 5), 0x10, 1ULL << 32 },
		{ "offset + size > size", SYNC_FLAGS(0, 0, 5), 0x20,
		  SZ - 0x10 },
		{ "size > buffer", SYNC_FLAGS(0, 0, 5), SZ + 1, 0 },
		{ "size 2^32 + 16", SYNC_FLAGS(0, 0, 5), (1ULL << 32) + 16,
		  0 },
		{ "offset + size overflows", SYNC_FLAGS(0, 0, 5), 0x20,
		  ~0ULL - 0xf },
		/* size 0 keeps 0x2000: 0xff000 + 0x2000 is beyond the end */
		{ "offset + stored size", SYNC_FLAGS(0, 0, 5), 0,
		  SZ - 0x1000 },
		{ "offset + stored size, sync", SYNC_FLAGS(3, 0, 5), 0,
		  SZ - 0x1000 },
	};
	int fd = dev_open();
	uint64_t one = 1;

	set_sync_x(fd, U_DMA_BUF_IOCTL_SET_SYNC, SYNC_FLAGS(1, 2, 3), 0x2000,
		   0x1000);
	expect_stored(fd, 0x1000, 0x2000, 2, 3);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct u_dma_buf_ioctl_sync_args s = {
			.flags = bad[i].flags, .size = bad[i].size,
			.offset = bad[i].off
		};
		int r = tu_ioctl(fd, U_DMA_BUF_IOCTL_SET_SYNC, &s);

		if (r != -EINVAL)
			UT_FAIL("SET_SYNC with %s: expected EINVAL, saw %s",
				bad[i].what, r ? strerror(-r) : "success");
		expect_stored(fd, 0x1000, 0x2000, 2, 3);
		UT_EQ(get_owner(fd), 0);
	}
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_DEVICE, &one);
	UT_EQ(get_owner(fd), 1);
	close(fd);
}

/*
 * Flag bits outside command, direction and mode are ignored (as by the
 * established driver): a GET_SYNC result, owner bit and all, can be passed
 * back.  Command 2, direction 3 and modes above 7 stay refused (above).
 */
UT_TEST(C4_set_sync_ignores_unknown_flags, PARAMS)
{
	struct u_dma_buf_ioctl_sync_args s;
	int fd = dev_open();
	uint64_t one = 1;

	set_sync_x(fd, U_DMA_BUF_IOCTL_SET_SYNC,
		   SYNC_FLAGS(0, 2, 5) | U_DMA_BUF_SYNC_OWNER, 0x2000, 0x1000);
	expect_stored(fd, 0x1000, 0x2000, 2, 5);
	set_sync_x(fd, U_DMA_BUF_IOCTL_SET_SYNC,
		   SYNC_FLAGS(0, 1, 6) | 0xF0 | (1ULL << 17) | (1ULL << 63),
		   0x3000, 0x4000);
	expect_stored(fd, 0x4000, 0x3000, 1, 6);
	/* with a command: it runs */
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_DEVICE, &one);
	set_sync_x(fd, U_DMA_BUF_IOCTL_SET_SYNC,
		   SYNC_FLAGS(1, 0, 0) | ~0xFFFFULL, 0x100, 0x200);
	expect_stored(fd, 0x200, 0x100, 0, 6);
	UT_EQ(get_owner(fd), 0);
	/* GET_SYNC of a device-owned buffer, passed back unchanged */
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_DEVICE, &one);
	get_sync(fd, &s);
	UT_ASSERT(s.flags & U_DMA_BUF_SYNC_OWNER);
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_SET_SYNC, &s);
	expect_stored(fd, 0x200, 0x100, 0, 6);
	UT_EQ(get_owner(fd), 1);
	close(fd);
}

UT_TEST(C4_old_ior_codes_5_6, PARAMS)
{
	int fd = dev_open();
	uint64_t v;

	v = 1;
	TU_IOCTL_X(fd, OLD_SET_SYNC_FOR_DEVICE, &v);
	UT_EQ(get_owner(fd), 1);
	v = 1;
	TU_IOCTL_X(fd, OLD_SET_SYNC_FOR_CPU, &v);
	UT_EQ(get_owner(fd), 0);
	v = U_DMA_BUF_SYNC_ARG(0x1000, 0x1000, 2);
	TU_IOCTL_X(fd, OLD_SET_SYNC_FOR_DEVICE, &v);
	UT_EQ(get_owner(fd), 1);
	v = U_DMA_BUF_SYNC_ARG(0, 0x1000, 3);
	UT_EQ(tu_ioctl(fd, OLD_SET_SYNC_FOR_CPU, &v), -EINVAL);
	UT_EQ(get_owner(fd), 1);
	close(fd);
}

static struct u_dma_buf_ioctl_export_args export_args(void)
{
	struct u_dma_buf_ioctl_export_args e;

	memset(&e, 0, sizeof(e));
	e.flags = O_RDWR | O_CLOEXEC;
	e.size = 0x1000;
	e.offset = 0;
	e.fd = -1;
	return e;
}

/* EXPORT (H1, tests/guest/t_dmabuf.c): a dma-buf fd, never ENOTTY */
UT_TEST(C4_export_answers_dma_buf_fd, PARAMS)
{
	struct u_dma_buf_ioctl_export_args e = export_args();
	int fd = dev_open();
	int r = tu_ioctl(fd, U_DMA_BUF_IOCTL_EXPORT, &e);

	if (r)
		UT_FAIL("EXPORT: expected a dma-buf fd, saw %s", strerror(-r));
	UT_ASSERT(e.fd > fd);
	UT_ASSERT(fcntl(e.fd, F_GETFD) & FD_CLOEXEC);
	UT_EQ(lseek(e.fd, 0, SEEK_END), 0x1000);
	close(e.fd);
	close(fd);
}

/*
 * The EXPORT code carries sizeof(struct export_args): 40 on LP64 and on
 * 32-bit ARM (8-byte aligned __u64), 36 on i386.  The driver must know the
 * code of the program it serves (compat_ioctl for 32-bit programs).
 */
UT_TEST(C4_export_request_code_per_abi, PARAMS)
{
	const unsigned long code40 = _IOWR('U', 10, char[40]);
	const unsigned long code36 = _IOWR('U', 10, char[36]);
	struct u_dma_buf_ioctl_export_args e = export_args();
	size_t sz = sizeof(struct u_dma_buf_ioctl_export_args);
	int fd, r;

	/* the size per ABI is checked by the compiler (top of this file) */
	fd = dev_open();
	r = tu_ioctl(fd, sz == 36 ? code36 : code40, &e);
	if (r)
		UT_FAIL("EXPORT with the %zu-byte code 0x%lx of this %s "
			"program: expected a dma-buf fd, saw %s", sz,
			sz == 36 ? code36 : code40,
			ut_compat() ? "32-bit (compat)" : "native",
			strerror(-r));
	/* the fd lies within the struct of this ABI: copied back whole */
	UT_ASSERT(e.fd > fd);
	UT_EQ(lseek(e.fd, 0, SEEK_END), 0x1000);
	close(e.fd);
	close(fd);
}

/*
 * The numbers of the ABI table, written out, with the fields at their
 * table offsets in plain bytes: the driver must answer them whatever this
 * build's header says (the layouts themselves are checked by the compiler,
 * top of this file).
 */
static uint64_t field(const unsigned char *b, size_t off)
{
	uint64_t v;

	memcpy(&v, b + off, 8);
	return v;
}

UT_TEST(C4_literal_request_codes, PARAMS)
{
	unsigned char b[32];
	uint64_t v, f;
	uint32_t o[2];
	char ver[64];
	int fd = dev_open();

	memset(b, 0xA5, sizeof(b));
	TU_IOCTL_X(fd, 0x80185501UL, b);		/* GET_DRV_INFO */
	tu_sysfs_str_x(DEV, "driver_version", ver, sizeof(ver));
	UT_ASSERT(memchr(b + 8, '\0', 16) != NULL);
	UT_STREQ((const char *)b + 8, ver);
	UT_EQU(field(b, 0) & U_DMA_BUF_DRV_INFO_IOCTL_VERSION_MASK,
	       sysfs("ioctl_version"));
	UT_EQU(field(b, 24), CANARY);
	v = 0;
	TU_IOCTL_X(fd, 0x80085502UL, &v);		/* GET_SIZE */
	UT_EQU(v, SZ);
	v = 0;
	TU_IOCTL_X(fd, 0x80085503UL, &v);		/* GET_DMA_ADDR */
	UT_EQU(v, sysfs("phys_addr"));
	v = 1;
	TU_IOCTL_X(fd, 0x40085506UL, &v);		/* SET_SYNC_FOR_DEVICE */
	o[0] = 7;
	o[1] = 0xA5A5A5A5;
	TU_IOCTL_X(fd, 0x80045504UL, o);		/* GET_SYNC_OWNER */
	UT_EQ(o[0], 1);
	UT_EQU(o[1], 0xA5A5A5A5);
	v = 1;
	TU_IOCTL_X(fd, 0x40085505UL, &v);		/* SET_SYNC_FOR_CPU */
	UT_EQU(sysfs("sync_owner"), 0);
	memset(b, 0xA5, sizeof(b));
	TU_IOCTL_X(fd, 0x80185507UL, b);		/* GET_DEV_INFO */
	UT_EQU(field(b, 8), SZ);
	UT_EQU(field(b, 16), sysfs("phys_addr"));
	UT_EQU(field(b, 24), CANARY);
	/* SET_SYNC, command 0 (store): offset 0x1000, size 0x2000, dir 2, mode 5 */
	f = SYNC_FLAGS(0, 2, 5);
	memcpy(b, &f, 8);
	v = 0x2000;
	memcpy(b + 8, &v, 8);
	v = 0x1000;
	memcpy(b + 16, &v, 8);
	TU_IOCTL_X(fd, 0x40185509UL, b);		/* SET_SYNC */
	UT_EQU(sysfs("sync_offset"), 0x1000);
	UT_EQU(sysfs("sync_size"), 0x2000);
	UT_EQU(sysfs("sync_direction"), 2);
	UT_EQU(sysfs("sync_mode"), 5);
	memset(b, 0xA5, sizeof(b));
	TU_IOCTL_X(fd, 0x80185508UL, b);		/* GET_SYNC */
	UT_EQU(field(b, 8), 0x2000);
	UT_EQU(field(b, 16), 0x1000);
	UT_EQU(SYNC_DIR(field(b, 0)), 2);
	UT_EQU(SYNC_MODE(field(b, 0)), 5);
	UT_EQU(field(b, 24), CANARY);
	close(fd);
}

UT_TEST(C4_unknown_request_enotty, PARAMS)
{
	const unsigned long bad[] = {
		/* 11 is GET_CPU_PHYS_ADDR (_IOR, u64): other shapes */
		_IO('U', 0), _IOR('U', 0, __u64), _IOW('U', 11, __u64),
		_IOR('U', 11, __u32),
		_IOWR('U', 11, struct u_dma_buf_ioctl_export_args),
		_IOR('U', 12, __u64), _IOR('U', 255, __u64),
		_IOR('V', 2, __u64), _IOR('u', 2, __u64), _IOR('V', 1,
		struct u_dma_buf_ioctl_drv_info), _IOW('V', 5, __u64),
		0x12345678UL, 0UL,
	};
	uint64_t arg[16];
	int fd = dev_open();

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r;

		memset(arg, 0, sizeof(arg));
		r = tu_ioctl(fd, bad[i], arg);
		if (r != -ENOTTY)
			UT_FAIL("ioctl 0x%lx: expected ENOTTY, saw %s", bad[i],
				r ? strerror(-r) : "success");
	}
	close(fd);
}

UT_TEST(C4_wrong_size_or_direction_enotty, PARAMS)
{
	const unsigned long bad[] = {
		_IOR('U', 1, char[16]), _IOR('U', 1, char[32]),
		_IOW('U', 1, struct u_dma_buf_ioctl_drv_info),
		_IOR('U', 2, __u32), _IOW('U', 2, __u64), _IO('U', 2),
		_IOWR('U', 2, __u64),
		_IOR('U', 3, __u32), _IOR('U', 3, char[16]),
		_IOR('U', 4, __u64), _IOR('U', 4, __u16), _IOW('U', 4, __u32),
		_IOW('U', 5, __u32), _IOW('U', 5, char[16]), _IO('U', 5),
		_IOWR('U', 5, __u64),
		_IOW('U', 6, __u32), _IOWR('U', 6, __u64),
		_IOR('U', 7, char[16]), _IOR('U', 7, char[32]),
		_IOW('U', 7, struct u_dma_buf_ioctl_dev_info),
		_IOR('U', 8, char[16]), _IOW('U', 8,
		struct u_dma_buf_ioctl_sync_args),
		_IOW('U', 9, char[16]), _IOW('U', 9, char[32]),
		_IOWR('U', 9, struct u_dma_buf_ioctl_sync_args),
		_IOWR('U', 10, char[24]), _IOWR('U', 10, char[48]),
		_IOR('U', 10, struct u_dma_buf_ioctl_export_args),
		_IOW('U', 10, struct u_dma_buf_ioctl_export_args),
	};
	uint64_t arg[16];
	int fd = dev_open();

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r;

		memset(arg, 0, sizeof(arg));
		arg[0] = 1;
		r = tu_ioctl(fd, bad[i], arg);
		if (r != -ENOTTY)
			UT_FAIL("ioctl 0x%lx (nr %u, size %u): expected ENOTTY, "
				"saw %s", bad[i], (unsigned int)_IOC_NR(bad[i]),
				(unsigned int)_IOC_SIZE(bad[i]),
				r ? strerror(-r) : "success");
	}
	close(fd);
}

static const struct { const char *name; unsigned long req; int in; } reqs[] = {
	{ "GET_DRV_INFO", U_DMA_BUF_IOCTL_GET_DRV_INFO, 0 },
	{ "GET_SIZE", U_DMA_BUF_IOCTL_GET_SIZE, 0 },
	{ "GET_DMA_ADDR", U_DMA_BUF_IOCTL_GET_DMA_ADDR, 0 },
	{ "GET_SYNC_OWNER", U_DMA_BUF_IOCTL_GET_SYNC_OWNER, 0 },
	{ "SET_SYNC_FOR_CPU", U_DMA_BUF_IOCTL_SET_SYNC_FOR_CPU, 1 },
	{ "SET_SYNC_FOR_DEVICE", U_DMA_BUF_IOCTL_SET_SYNC_FOR_DEVICE, 1 },
	{ "GET_DEV_INFO", U_DMA_BUF_IOCTL_GET_DEV_INFO, 0 },
	{ "GET_SYNC", U_DMA_BUF_IOCTL_GET_SYNC, 0 },
	{ "SET_SYNC", U_DMA_BUF_IOCTL_SET_SYNC, 1 },
	{ "old SET_SYNC_FOR_CPU", OLD_SET_SYNC_FOR_CPU, 1 },
	{ "old SET_SYNC_FOR_DEVICE", OLD_SET_SYNC_FOR_DEVICE, 1 },
	{ "old SET_SYNC", OLD_SET_SYNC, 1 },
};

#define NREQS (sizeof(reqs) / sizeof(reqs[0]))

static void expect_efault(int fd, void *ptr, const char *what)
{
	for (size_t i = 0; i < NREQS; i++) {
		uint64_t one = 1;
		int r;

		/* a refused SET must change nothing: owner starts at 1 */
		TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_DEVICE, &one);
		r = tu_ioctl(fd, reqs[i].req, ptr);
		if (r != -EFAULT)
			UT_FAIL("%s with %s: expected EFAULT, saw %s",
				reqs[i].name, what,
				r ? strerror(-r) : "success");
		UT_EQ(get_owner(fd), 1);
		UT_EQU(sysfs("sync_offset"), 0);
		UT_EQU(sysfs("sync_size"), SZ);
		UT_EQU(sysfs("sync_mode"), 1);
	}
}

UT_TEST(C4_bad_pointer_efault, PARAMS)
{
	size_t ps = tu_page_size();
	int fd = dev_open();
	unsigned char *two, *ro;

	expect_efault(fd, tu_nullptr(), "a NULL pointer");
	expect_efault(fd, tu_unmapped_addr(ps), "an unmapped pointer");

	/* a structure that runs into an unmapped page */
	two = mmap(NULL, 2 * ps, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	UT_ASSERT(two != MAP_FAILED);
	UT_OK(munmap(two + ps, ps));
	expect_efault(fd, two + ps - 2, "a pointer 2 bytes before an "
		      "unmapped page");
	munmap(two, ps);

	/* the GET requests cannot store into read-only memory */
	ro = mmap(NULL, ps, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	UT_ASSERT(ro != MAP_FAILED);
	for (size_t i = 0; i < NREQS; i++) {
		int r;

		if (reqs[i].in)
			continue;
		r = tu_ioctl(fd, reqs[i].req, ro);
		if (r != -EFAULT)
			UT_FAIL("%s into read-only memory: expected EFAULT, "
				"saw %s", reqs[i].name,
				r ? strerror(-r) : "success");
	}
	/* ... but the SET requests may read from it (all zeros: no-op) */
	{
		uint64_t one = 1;

		TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_DEVICE, &one);
		TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_CPU, ro);
		UT_EQ(get_owner(fd), 1);
		TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_SET_SYNC, ro);
		UT_EQ(get_owner(fd), 1);
	}
	munmap(ro, ps);
	close(fd);
}

/* ioctls work on every open mode of the file */
UT_TEST(C4_ioctl_on_readonly_and_osync_files, PARAMS)
{
	static const int modes[] = { O_RDONLY, O_WRONLY, O_RDWR | O_SYNC };

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		int fd = ut_open_dev(DEV, modes[i]);
		uint64_t v = 0;

		TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_GET_SIZE, &v);
		UT_EQU(v, SZ);
		v = 1;
		TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_DEVICE, &v);
		UT_EQ(get_owner(fd), 1);
		v = 1;
		TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_CPU, &v);
		UT_EQ(get_owner(fd), 0);
		close(fd);
	}
}

/*
 * Ioctl 11 (not in the established driver): the CPU physical address, as
 * sysfs cpu_phys_addr shows it; for a buffer of its own class device (no
 * IOMMU, no bus offset on these machines) it equals the DMA address.
 */
UT_TEST(C4_cpu_phys_addr, PARAMS)
{
	uint64_t cpu = 0, dma = 0;
	int fd = dev_open();

	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_GET_CPU_PHYS_ADDR, &cpu);
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_GET_DMA_ADDR, &dma);
	UT_EQU(cpu, ut_sysfs_u64(DEV, "cpu_phys_addr"));
	UT_EQU(dma, ut_sysfs_u64(DEV, "phys_addr"));
	UT_EQU(cpu, dma);
	UT_ASSERT(cpu != 0);
	close(fd);
}
