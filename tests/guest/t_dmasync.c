// SPDX-License-Identifier: GPL-2.0
/*
 * Cache maintenance as the architecture sees it (F1, F3, and the read/write
 * part of C3), observed with kprobes on arch_sync_dma_for_cpu/_for_device.
 * Only arm64 has non-coherent DMA in the test guests; elsewhere these tests
 * skip (x86 DMA is coherent and has no arch_sync_dma_* at all).
 *
 * Kernel enum dma_data_direction: 0 BIDIRECTIONAL, 1 TO_DEVICE,
 * 2 FROM_DEVICE (the same numbers as sync_direction).
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/u-dma-buf.h>
#include "ut.h"
#include "tu_helpers.h"

#define DEV	"udmabuf0"
#define SZ	0x100000ULL
#define PARAMS	"udmabuf0=0x100000"
#define MAXC	32

#define OLD_SET_SYNC_FOR_CPU	_IOR('U', 5, __u64)
#define OLD_SET_SYNC_FOR_DEVICE	_IOR('U', 6, __u64)
#define OLD_SET_SYNC		_IOR('U', 9, struct u_dma_buf_ioctl_sync_args)

#define SYNC_FLAGS(cmd, dir, mode) ((uint64_t)(cmd) | \
	((uint64_t)(dir) << U_DMA_BUF_SYNC_DIR_SHIFT) | \
	((uint64_t)(mode) << U_DMA_BUF_SYNC_MODE_SHIFT))

/* arm64 and 32-bit ARM kernels: non-coherent DMA with arch_sync_dma_* */
static void need_arm64(void)
{
	if (!tu_is_arch("aarch64") && strncmp(ut_arch(), "armv", 4))
		UT_SKIP("needs non-coherent DMA with arch_sync_dma_* "
			"(arm guests); this is %s", ut_arch());
}

struct bufinfo {
	const char *dev;
	uint64_t phys, size;
};

static struct bufinfo buf_of(const char *dev)
{
	struct bufinfo b = {
		.dev = dev,
		.phys = ut_sysfs_u64(dev, "phys_addr"),
		.size = ut_sysfs_u64(dev, "size"),
	};
	return b;
}

static const char *calls_text(const struct tu_sync_call *c, int n)
{
	static char out[2048];
	size_t l = 0;

	out[0] = '\0';
	for (int i = 0; i < n && i < MAXC && l + 100 < sizeof(out); i++)
		l += snprintf(out + l, sizeof(out) - l,
			      "\n  arch_sync_dma_for_%s(paddr=0x%llx, "
			      "size=%llu, dir=%d)",
			      c[i].to_device ? "device" : "cpu",
			      (unsigned long long)c[i].paddr,
			      (unsigned long long)c[i].size, c[i].dir);
	if (!n)
		snprintf(out, sizeof(out), " none");
	return out;
}

/* exactly one call, with these values; clears the trace */
static void expect_one(const struct bufinfo *b, const char *what,
		       int to_device, uint64_t off, uint64_t size, int dir)
{
	struct tu_sync_call c[MAXC];
	int n = tu_kp_collect(c, MAXC, b->phys, b->phys + b->size);

	if (n != 1 || c[0].to_device != to_device ||
	    c[0].paddr != b->phys + off || c[0].size != size ||
	    c[0].dir != dir)
		UT_FAIL("%s: expected exactly one arch_sync_dma_for_%s("
			"paddr=0x%llx [phys_addr + 0x%llx], size=%llu, "
			"dir=%d), saw:%s", what, to_device ? "device" : "cpu",
			(unsigned long long)(b->phys + off),
			(unsigned long long)off, (unsigned long long)size, dir,
			calls_text(c, n));
	tu_kp_clear();
}

static void expect_none(const struct bufinfo *b, const char *what)
{
	struct tu_sync_call c[MAXC];
	int n = tu_kp_collect(c, MAXC, b->phys, b->phys + b->size);

	if (n)
		UT_FAIL("%s: expected no arch_sync_dma_* call, saw:%s", what,
			calls_text(c, n));
	tu_kp_clear();
}

static void sysfs_x(const char *dev, const char *attr, const char *val)
{
	int r = ut_sysfs_write(dev, attr, val);

	if (r)
		UT_FAIL("writing \"%s\" to %s/%s: expected success, saw %s",
			val, dev, attr, strerror(-r));
}

static struct bufinfo setup_noncoherent(const char *dev)
{
	struct bufinfo b;

	need_arm64();
	b = buf_of(dev);
	if (ut_sysfs_u64(dev, "dma_coherent") != 0)
		UT_FAIL("%s: expected dma_coherent 0 (a class device on arm "
			"is not DMA-coherent), saw 1", dev);
	tu_kp_setup_x();
	return b;
}

UT_TEST(F1_sysfs_sync_stored_settings, PARAMS)
{
	struct bufinfo b = setup_noncoherent(DEV);
	char what[96];

	/* defaults: the whole buffer, bidirectional */
	sysfs_x(DEV, "sync_for_cpu", "1");
	expect_one(&b, "sync_for_cpu 1 with default settings", 0, 0, SZ, 0);
	sysfs_x(DEV, "sync_for_device", "1");
	expect_one(&b, "sync_for_device 1 with default settings", 1, 0, SZ,
		   0);

	sysfs_x(DEV, "sync_offset", "0x3000");
	sysfs_x(DEV, "sync_size", "0x5000");
	for (int dir = 0; dir <= 2; dir++) {
		char v[4];

		snprintf(v, sizeof(v), "%d", dir);
		sysfs_x(DEV, "sync_direction", v);
		tu_kp_clear();
		snprintf(what, sizeof(what), "sync_for_cpu 1, offset 0x3000 "
			 "size 0x5000 direction %d", dir);
		sysfs_x(DEV, "sync_for_cpu", "1");
		expect_one(&b, what, 0, 0x3000, 0x5000, dir);
		snprintf(what, sizeof(what), "sync_for_device 1, offset 0x3000 "
			 "size 0x5000 direction %d", dir);
		sysfs_x(DEV, "sync_for_device", "1");
		expect_one(&b, what, 1, 0x3000, 0x5000, dir);
	}
	/* odd sizes are passed on exactly */
	sysfs_x(DEV, "sync_offset", "0xffffd");
	sysfs_x(DEV, "sync_size", "3");
	tu_kp_clear();
	sysfs_x(DEV, "sync_for_cpu", "1");
	expect_one(&b, "sync_for_cpu of the last 3 bytes", 0, 0xffffd, 3, 2);
	sysfs_x(DEV, "sync_size", "1");
	tu_kp_clear();
	sysfs_x(DEV, "sync_for_device", "1");
	expect_one(&b, "sync_for_device of 1 byte", 1, 0xffffd, 1, 2);
	tu_kp_stop();
}

UT_TEST(F1_sysfs_sync_packed_form, PARAMS)
{
	struct bufinfo b = setup_noncoherent(DEV);
	char v[64];

	snprintf(v, sizeof(v), "0x%016llx", (unsigned long long)
		 U_DMA_BUF_SYNC_ARG(0x2000, 0x1230, 2));
	sysfs_x(DEV, "sync_for_cpu", v);
	expect_one(&b, "sync_for_cpu packed (0x2000, 0x1230, 2)", 0, 0x2000,
		   0x1230, 2);
	snprintf(v, sizeof(v), "0x%08X%08X", 0x40000U, 0x10000U | (1U << 2) |
		 1U);
	sysfs_x(DEV, "sync_for_device", v);
	expect_one(&b, "sync_for_device packed (0x40000, 0x10000, 1)", 1,
		   0x40000, 0x10000, 1);
	/* a packed size of 0 means "to the end of the buffer" */
	snprintf(v, sizeof(v), "%llu", (unsigned long long)
		 U_DMA_BUF_SYNC_ARG(0x1000, 0, 0));
	sysfs_x(DEV, "sync_for_cpu", v);
	expect_one(&b, "sync_for_cpu packed (0x1000, 0 = to the end, 0)", 0,
		   0x1000, SZ - 0x1000, 0);
	/* the stored settings were not changed */
	sysfs_x(DEV, "sync_for_device", "1");
	expect_one(&b, "sync_for_device 1 after packed syncs", 1, 0, SZ, 0);
	tu_kp_stop();
}

UT_TEST(F1_refused_or_zero_sync_calls_nothing, PARAMS)
{
	struct bufinfo b = setup_noncoherent(DEV);
	static const uint64_t bad[] = {
		U_DMA_BUF_SYNC_ARG(0, 0x1000, 3),
		U_DMA_BUF_SYNC_ARG(SZ - 0x10, 0x20, 0),
		U_DMA_BUF_SYNC_ARG(SZ, 0x10, 0), 0x100, 0x3,
	};
	int fd = ut_open_dev(DEV, O_RDWR);
	char v[64];
	uint64_t a;

	sysfs_x(DEV, "sync_for_cpu", "0");
	sysfs_x(DEV, "sync_for_device", "0");
	expect_none(&b, "sync_for_cpu/_device 0");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(v, sizeof(v), "0x%llx", (unsigned long long)bad[i]);
		UT_EQ(ut_sysfs_write(DEV, "sync_for_cpu", v), -EINVAL);
		UT_EQ(ut_sysfs_write(DEV, "sync_for_device", v), -EINVAL);
		a = bad[i];
		UT_EQ(tu_ioctl(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_CPU, &a),
		      -EINVAL);
		UT_EQ(tu_ioctl(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_DEVICE, &a),
		      -EINVAL);
		expect_none(&b, v);
	}
	/* stored range beyond the end */
	sysfs_x(DEV, "sync_offset", "0x80000");
	UT_EQ(ut_sysfs_write(DEV, "sync_for_cpu", "1"), -EINVAL);
	a = 1;
	UT_EQ(tu_ioctl(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_DEVICE, &a), -EINVAL);
	expect_none(&b, "stored offset 0x80000 + size 0x100000");
	a = 0;
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_CPU, &a);
	expect_none(&b, "SET_SYNC_FOR_CPU 0");
	close(fd);
	tu_kp_stop();
}

UT_TEST(F1_ioctl_sync_for_cpu_device, PARAMS)
{
	struct bufinfo b = setup_noncoherent(DEV);
	int fd = ut_open_dev(DEV, O_RDWR);
	uint64_t a;

	sysfs_x(DEV, "sync_offset", "0x10000");
	sysfs_x(DEV, "sync_size", "0x20000");
	sysfs_x(DEV, "sync_direction", "2");
	tu_kp_clear();
	a = 1;
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_CPU, &a);
	expect_one(&b, "ioctl SET_SYNC_FOR_CPU 1", 0, 0x10000, 0x20000, 2);
	a = 1;
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_DEVICE, &a);
	expect_one(&b, "ioctl SET_SYNC_FOR_DEVICE 1", 1, 0x10000, 0x20000, 2);
	a = U_DMA_BUF_SYNC_ARG(0x7000, 0x800, 1);
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_CPU, &a);
	expect_one(&b, "ioctl SET_SYNC_FOR_CPU packed", 0, 0x7000, 0x800, 1);
	a = U_DMA_BUF_SYNC_ARG(0xF0000, 0x10000, 0);
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_DEVICE, &a);
	expect_one(&b, "ioctl SET_SYNC_FOR_DEVICE packed", 1, 0xF0000,
		   0x10000, 0);
	/* the old _IOR encodings */
	a = 1;
	TU_IOCTL_X(fd, OLD_SET_SYNC_FOR_CPU, &a);
	expect_one(&b, "old ioctl SET_SYNC_FOR_CPU 1", 0, 0x10000, 0x20000,
		   2);
	a = U_DMA_BUF_SYNC_ARG(0x100, 0x100, 1);
	TU_IOCTL_X(fd, OLD_SET_SYNC_FOR_DEVICE, &a);
	expect_one(&b, "old ioctl SET_SYNC_FOR_DEVICE packed", 1, 0x100,
		   0x100, 1);
	close(fd);
	tu_kp_stop();
}

UT_TEST(F1_ioctl_set_sync_runs_command, PARAMS)
{
	struct bufinfo b = setup_noncoherent(DEV);
	int fd = ut_open_dev(DEV, O_RDWR);
	struct u_dma_buf_ioctl_sync_args s;

	s.flags = SYNC_FLAGS(0, 1, 0);
	s.size = 0x4000;
	s.offset = 0x8000;
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_SET_SYNC, &s);
	expect_none(&b, "SET_SYNC command 0");
	s.flags = SYNC_FLAGS(1, 2, 0);
	s.size = 0x2000;
	s.offset = 0x6000;
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_SET_SYNC, &s);
	expect_one(&b, "SET_SYNC command 1 (0x6000, 0x2000, 2)", 0, 0x6000,
		   0x2000, 2);
	s.flags = SYNC_FLAGS(3, 1, 0);
	s.size = 0;			/* keeps 0x2000 */
	s.offset = 0x9000;
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_SET_SYNC, &s);
	expect_one(&b, "SET_SYNC command 3 (0x9000, size 0 = stored 0x2000, "
		   "1)", 1, 0x9000, 0x2000, 1);
	s.flags = SYNC_FLAGS(1, 0, 0);
	s.size = 0x10;
	s.offset = 0;
	TU_IOCTL_X(fd, OLD_SET_SYNC, &s);
	expect_one(&b, "old SET_SYNC command 1", 0, 0, 0x10, 0);
	/* refused: nothing runs */
	s.flags = SYNC_FLAGS(2, 0, 0);
	UT_EQ(tu_ioctl(fd, U_DMA_BUF_IOCTL_SET_SYNC, &s), -EINVAL);
	s.flags = SYNC_FLAGS(1, 3, 0);
	UT_EQ(tu_ioctl(fd, U_DMA_BUF_IOCTL_SET_SYNC, &s), -EINVAL);
	s.flags = SYNC_FLAGS(3, 0, 0);
	s.offset = SZ - 8;
	UT_EQ(tu_ioctl(fd, U_DMA_BUF_IOCTL_SET_SYNC, &s), -EINVAL);
	expect_none(&b, "refused SET_SYNC");
	close(fd);
	tu_kp_stop();
}

/* 1 when a file of this mode is not "cached" (design.md table) */
static int uncached(int mode, int osync, int always)
{
	if (mode >= 5)
		return 1;
	if (mode >= 1 && mode <= 3)
		return osync || always;
	return 0;
}

static int covering(const struct tu_sync_call *c, int n, int to_device,
		    uint64_t lo, uint64_t hi)
{
	for (int i = 0; i < n && i < MAXC; i++)
		if (c[i].to_device == to_device && c[i].paddr <= lo &&
		    c[i].paddr + c[i].size >= hi)
			return 1;
	return 0;
}

static void check_rw(const struct bufinfo *b, int flags, int expect_sync,
		     const char *what)
{
	struct tu_sync_call c[MAXC];
	unsigned char data[256];
	int fd = ut_open_dev(b->dev, flags);
	int n;

	tu_kp_clear();
	UT_EQ(pread(fd, data, sizeof(data), 0x1000), (long long)sizeof(data));
	n = tu_kp_collect(c, MAXC, b->phys, b->phys + b->size);
	if (expect_sync && !covering(c, n, 0, b->phys + 0x1000,
				     b->phys + 0x1100))
		UT_FAIL("%s: read() of [0x1000, 0x1100): expected a sync for "
			"the CPU covering it (not a cached file), saw:%s",
			what, calls_text(c, n));
	if (!expect_sync && n)
		UT_FAIL("%s: read() of a cached file: expected no cache "
			"maintenance, saw:%s", what, calls_text(c, n));
	for (int i = 0; i < n && i < MAXC; i++)
		if (c[i].to_device)
			UT_FAIL("%s: read(): expected no sync for the device, "
				"saw:%s", what, calls_text(c, n));

	tu_kp_clear();
	UT_EQ(pwrite(fd, data, sizeof(data), 0x2000), (long long)sizeof(data));
	n = tu_kp_collect(c, MAXC, b->phys, b->phys + b->size);
	if (expect_sync && !covering(c, n, 1, b->phys + 0x2000,
				     b->phys + 0x2100))
		UT_FAIL("%s: write() of [0x2000, 0x2100): expected a sync for "
			"the device covering it, saw:%s", what,
			calls_text(c, n));
	if (!expect_sync && n)
		UT_FAIL("%s: write() of a cached file: expected no cache "
			"maintenance, saw:%s", what, calls_text(c, n));
	close(fd);
}

UT_TEST(C3_read_write_sync_per_mode, "udmabuf0=0x10000")
{
	struct bufinfo b = setup_noncoherent(DEV);

	for (int mode = 0; mode <= 7; mode++) {
		char v[4], what[64];

		snprintf(v, sizeof(v), "%d", mode);
		sysfs_x(DEV, "sync_mode", v);
		snprintf(what, sizeof(what), "sync_mode=%d", mode);
		check_rw(&b, O_RDWR, uncached(mode, 0, 0), what);
		snprintf(what, sizeof(what), "sync_mode=%d O_SYNC", mode);
		check_rw(&b, O_RDWR | O_SYNC, uncached(mode, 1, 0), what);
	}
	tu_kp_stop();
}

UT_TEST(C3_read_write_sync_always, "")
{
	need_arm64();
	tu_kp_setup_x();
	for (int mode = 0; mode <= 7; mode++) {
		struct bufinfo b;
		char opt[48], what[64];

		snprintf(opt, sizeof(opt), "sync-mode=%d sync-always=1", mode);
		tu_mgr_create_x("rwsa", "0x10000", opt);
		b = buf_of("rwsa");
		snprintf(what, sizeof(what), "sync-always sync-mode=%d", mode);
		check_rw(&b, O_RDWR, uncached(mode, 0, 1), what);
		tu_mgr_delete_x("rwsa");
	}
	tu_kp_stop();
}

UT_TEST(F3_dma_coherent_skips_maintenance, "")
{
	struct u_dma_buf_ioctl_dev_info info;
	struct u_dma_buf_ioctl_sync_args s;
	struct bufinfo b;
	uint64_t a;
	int fd;

	need_arm64();
	tu_mgr_create_x("coh", "0x10000", "dma-coherent=1 sync-mode=1");
	UT_EQU(ut_sysfs_u64("coh", "dma_coherent"), 1);
	b = buf_of("coh");
	fd = ut_open_dev("coh", O_RDWR);
	memset(&info, 0, sizeof(info));
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_GET_DEV_INFO, &info);
	UT_ASSERT(info.flags & U_DMA_BUF_DEV_INFO_DMA_COHERENT);

	tu_kp_setup_x();
	sysfs_x("coh", "sync_for_device", "1");
	UT_EQU(ut_sysfs_u64("coh", "sync_owner"), 1);
	sysfs_x("coh", "sync_for_cpu", "1");
	UT_EQU(ut_sysfs_u64("coh", "sync_owner"), 0);
	sysfs_x("coh", "sync_for_device", "0x0000100000001001");
	UT_EQU(ut_sysfs_u64("coh", "sync_owner"), 1);
	expect_none(&b, "sysfs syncs of a dma-coherent buffer");
	a = 1;
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_CPU, &a);
	UT_EQU(ut_sysfs_u64("coh", "sync_owner"), 0);
	a = 1;
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_DEVICE, &a);
	UT_EQU(ut_sysfs_u64("coh", "sync_owner"), 1);
	s.flags = SYNC_FLAGS(1, 2, 0);
	s.size = 0x100;
	s.offset = 0x100;
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_SET_SYNC, &s);
	UT_EQU(ut_sysfs_u64("coh", "sync_owner"), 0);
	expect_none(&b, "ioctl syncs of a dma-coherent buffer");
	close(fd);
	/* O_SYNC read/write of a coherent buffer need no maintenance */
	check_rw(&b, O_RDWR | O_SYNC, 0, "dma-coherent, sync_mode=1 O_SYNC");
	tu_mgr_delete_x("coh");

	/* control: dma-coherent=0 is maintained */
	tu_mgr_create_x("ncoh", "0x10000", "dma-coherent=0");
	UT_EQU(ut_sysfs_u64("ncoh", "dma_coherent"), 0);
	b = buf_of("ncoh");
	tu_kp_clear();
	sysfs_x("ncoh", "sync_for_cpu", "1");
	expect_one(&b, "sync_for_cpu of a dma-coherent=0 buffer", 0, 0,
		   0x10000, 0);
	tu_mgr_delete_x("ncoh");
	tu_kp_stop();
}

/*
 * Where DMA is always coherent (x86: no arch_sync_dma_*): dma-coherent=1
 * says what is true anyway and is accepted, dma-coherent=0 cannot be and
 * is refused (EINVAL, nothing created).
 */
UT_TEST(F3_dma_coherent_option_elsewhere, "")
{
	if (tu_is_arch("aarch64") || !strncmp(ut_arch(), "armv", 4))
		UT_SKIP("arm has F3_dma_coherent_skips_maintenance");
	UT_EQ(ut_mgr("create cohx0 4096 dma-coherent=0"), -EINVAL);
	UT_ASSERT(!tu_dev_exists("cohx0"));
	UT_EQ(ut_mgr("create cohx 4096 dma-coherent=1"), 0);
	UT_EQU(ut_sysfs_u64("cohx", "dma_coherent"), 1);
	UT_OK(ut_sysfs_write("cohx", "sync_for_device", "1"));
	UT_EQU(ut_sysfs_u64("cohx", "sync_owner"), 1);
	UT_OK(ut_sysfs_write("cohx", "sync_for_cpu", "1"));
	UT_EQU(ut_sysfs_u64("cohx", "sync_owner"), 0);
	tu_mgr_delete_x("cohx");
}
