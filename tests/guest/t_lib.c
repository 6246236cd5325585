// SPDX-License-Identifier: GPL-2.0
/*
 * libudmabuf (H4) against the real module: every call, checked against
 * sysfs and, on arm, against the cache maintenance the kernel does
 * (kprobes on arch_sync_dma_for_cpu/_for_device); the sysfs path for
 * drivers without ioctls, forced (flag, environment) and emulated (a
 * seccomp filter that makes every 'U' ioctl fail with ENOTTY, detected at
 * open), and the first v4.7 request codes.
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
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <linux/u-dma-buf.h>
#include <udmabuf.h>
#include "ut.h"
#include "tu_helpers.h"
#include "tu_cmd.h"

#define DEV	"udmabuf0"
#define SZ	0x100000ULL
#define PARAMS	"udmabuf0=0x100000"
#define MAXC	16

static int is_arm(void)
{
	return tu_is_arch("aarch64") || !strncmp(ut_arch(), "armv", 4);
}

static struct udmabuf_buffer *open_x(const char *name, unsigned int flags)
{
	struct udmabuf_buffer *b = udmabuf_buffer_open(name, flags);

	if (!b)
		UT_FAIL("udmabuf_buffer_open(\"%s\", 0x%x): expected a handle, "
			"saw NULL (%s)", name, flags, strerror(errno));
	return b;
}

/* every value fixed at open equals what sysfs says */
static void check_static(struct udmabuf_buffer *b, const char *dev,
			 int ioctl_version)
{
	char v[64], path[300];
	uint64_t cpu = 0;

	UT_STREQ(udmabuf_buffer_get_name(b), dev);
	UT_EQU(udmabuf_buffer_get_size(b), ut_sysfs_u64(dev, "size"));
	UT_EQU(udmabuf_buffer_get_dma_addr(b), ut_sysfs_u64(dev, "phys_addr"));
	UT_EQ(udmabuf_buffer_get_cpu_phys_addr(b, &cpu), 0);
	UT_EQU(cpu, ut_sysfs_u64(dev, "cpu_phys_addr"));
	UT_EQ(udmabuf_buffer_is_dma_coherent(b),
	      ut_sysfs_u64(dev, "dma_coherent"));
	UT_EQ(udmabuf_buffer_get_mmap_mode(b),
	      ut_sysfs_u64(dev, "quirk_mmap_mode"));
	UT_EQ(udmabuf_buffer_get_ioctl_version(b), ioctl_version);
	tu_sysfs_str_x(dev, "driver_version", v, sizeof(v));
	UT_STREQ(udmabuf_buffer_get_driver_version(b), v);
	if (ioctl_version) {
		int bits = udmabuf_buffer_get_dma_mask_bits(b);

		if (bits < 24 || bits > 64)
			UT_FAIL("dma mask bits: expected 24..64, saw %d", bits);
	} else {
		UT_EQ(udmabuf_buffer_get_dma_mask_bits(b), -EOPNOTSUPP);
	}
	/* the sysfs directory found through the device number is dev's */
	snprintf(path, sizeof(path), "%s/phys_addr",
		 udmabuf_buffer_get_sysfs_path(b));
	UT_ASSERT(ut_read_file(path, v, sizeof(v)) > 0);
	UT_EQU(strtoull(v, NULL, 0), ut_sysfs_u64(dev, "phys_addr"));
}

UT_TEST(H4_lib_open_by_name_path_and_list, "udmabuf0=0x100000 udmabuf1=0x10000")
{
	struct udmabuf_buffer *b;
	struct udmabuf_list *l;

	UT_STREQ(udmabuf_api_version(), "0.1.0");
	UT_EQ(udmabuf_driver_is_loaded(), 1);

	b = open_x(DEV, 0);
	UT_STREQ(udmabuf_buffer_get_path(b), "/dev/udmabuf0");
	UT_ASSERT(udmabuf_buffer_get_fd(b) >= 0);
	check_static(b, DEV, 2);
	udmabuf_buffer_close(b);

	b = open_x("/dev/udmabuf1", UDMABUF_OPEN_RDONLY);
	UT_STREQ(udmabuf_buffer_get_path(b), "/dev/udmabuf1");
	check_static(b, "udmabuf1", 2);
	udmabuf_buffer_close(b);

	/* any node of the device: the name comes from sysfs */
	unlink("/tmp/lib-node");
	UT_OK(symlink("/dev/udmabuf1", "/tmp/lib-node"));
	b = open_x("/tmp/lib-node", 0);
	UT_STREQ(udmabuf_buffer_get_name(b), "udmabuf1");
	udmabuf_buffer_close(b);
	unlink("/tmp/lib-node");

	/* errors: NULL and errno */
	errno = 0;
	UT_ASSERT(!udmabuf_buffer_open("nosuch", 0));
	UT_EQ(errno, ENOENT);
	UT_ASSERT(!udmabuf_buffer_open("/dev/null", 0));
	UT_EQ(errno, ENODEV);
	/*
	 * Nodes are checked before they are opened: open() of this one (a
	 * minor that no driver has) would say ENXIO.
	 */
	unlink("/tmp/lib-nodev");
	UT_OK(mknod("/tmp/lib-nodev", S_IFCHR | 0600, makedev(1, 250)));
	UT_ERRNO(open("/tmp/lib-nodev", O_RDWR), ENXIO);
	UT_ASSERT(!udmabuf_buffer_open("/tmp/lib-nodev", 0));
	UT_EQ(errno, ENODEV);
	unlink("/tmp/lib-nodev");
	close(UT_OK(open("/tmp/lib-file", O_WRONLY | O_CREAT | O_TRUNC, 0600)));
	UT_ASSERT(!udmabuf_buffer_open("/tmp/lib-file", 0));
	UT_EQ(errno, ENODEV);
	unlink("/tmp/lib-file");
	UT_ASSERT(!udmabuf_buffer_open("a b", 0));
	UT_EQ(errno, EINVAL);
	UT_ASSERT(!udmabuf_buffer_open("", 0));
	UT_EQ(errno, EINVAL);
	UT_ASSERT(!udmabuf_buffer_open(DEV, 0x100));
	UT_EQ(errno, EINVAL);
	udmabuf_buffer_close(NULL);

	/* the list: sorted, with sysfs's values */
	l = udmabuf_list_read();
	UT_ASSERT(l != NULL);
	UT_EQU(udmabuf_list_get_count(l), 2);
	for (size_t i = 0; i < 2; i++) {
		const char *n = i ? "udmabuf1" : "udmabuf0";

		UT_STREQ(udmabuf_list_get_name(l, i), n);
		UT_EQU(udmabuf_list_get_size(l, i), ut_sysfs_u64(n, "size"));
		UT_EQU(udmabuf_list_get_dma_addr(l, i),
		       ut_sysfs_u64(n, "phys_addr"));
		UT_EQ(udmabuf_list_get_sync_mode(l, i),
		      ut_sysfs_u64(n, "sync_mode"));
		UT_EQ(udmabuf_list_is_dma_coherent(l, i),
		      ut_sysfs_u64(n, "dma_coherent"));
	}
	UT_ASSERT(udmabuf_list_get_name(l, 2) == NULL);
	UT_EQU(udmabuf_list_get_size(l, 2), 0);
	UT_EQ(udmabuf_list_get_sync_mode(l, 2), -1);
	udmabuf_list_free(l);
}

/* sync mode, stored settings and owner, through the library and sysfs */
static void settings_roundtrip(struct udmabuf_buffer *b)
{
	uint64_t off = 1, size = 1;
	int dir = -1;

	for (int m = 7; m >= 0; m--) {
		UT_EQ(udmabuf_buffer_set_sync_mode(b, m), 0);
		UT_EQ(udmabuf_buffer_get_sync_mode(b), m);
		UT_EQU(ut_sysfs_u64(DEV, "sync_mode"), m);
	}
	errno = 0;
	UT_EQ(udmabuf_buffer_set_sync_mode(b, 8), -EINVAL);
	UT_EQ(errno, EINVAL);
	UT_EQ(udmabuf_buffer_get_sync_mode(b), 0);
	UT_EQ(udmabuf_buffer_set_sync_mode(b, 1), 0);

	UT_EQ(udmabuf_buffer_set_sync_settings(b, 0x1000, 0x2000, 2), 0);
	UT_EQU(ut_sysfs_u64(DEV, "sync_offset"), 0x1000);
	UT_EQU(ut_sysfs_u64(DEV, "sync_size"), 0x2000);
	UT_EQU(ut_sysfs_u64(DEV, "sync_direction"), 2);
	UT_EQ(udmabuf_buffer_get_sync_settings(b, &off, &size, &dir), 0);
	UT_EQU(off, 0x1000);
	UT_EQU(size, 0x2000);
	UT_EQ(dir, 2);
	UT_EQ(udmabuf_buffer_set_sync_settings(b, 0, 0, 0), -EINVAL);
	UT_EQ(udmabuf_buffer_set_sync_settings(b, SZ, 1, 0), -EINVAL);
	UT_EQ(udmabuf_buffer_set_sync_settings(b, 0x1000, ~0ULL, 0), -EINVAL);
	UT_EQ(udmabuf_buffer_set_sync_settings(b, 0, SZ, 3), -EINVAL);
	UT_EQU(ut_sysfs_u64(DEV, "sync_size"), 0x2000);

	/* named syncs change the owner, never the stored settings */
	UT_EQ(udmabuf_buffer_sync_for_device(b, 0, SZ, 1), 0);
	UT_EQ(udmabuf_buffer_get_sync_owner(b), UDMABUF_OWNER_DEVICE);
	UT_EQU(ut_sysfs_u64(DEV, "sync_owner"), 1);
	UT_EQ(udmabuf_buffer_sync_for_cpu(b, 0x100, 0x40, 2), 0);
	UT_EQ(udmabuf_buffer_get_sync_owner(b), UDMABUF_OWNER_CPU);
	UT_EQU(ut_sysfs_u64(DEV, "sync_owner"), 0);
	UT_EQ(udmabuf_buffer_get_sync_settings(b, &off, &size, &dir), 0);
	UT_EQU(off, 0x1000);
	UT_EQU(size, 0x2000);
	UT_EQ(dir, 2);

	/* bad ranges and directions: -EINVAL, nothing done */
	UT_EQ(udmabuf_buffer_sync_for_device(b, 0, SZ, 3), -EINVAL);
	UT_EQ(udmabuf_buffer_sync_for_device(b, 0x1000, SZ, 0), -EINVAL);
	UT_EQ(udmabuf_buffer_sync_for_device(b, SZ + 1, 0, 0), -EINVAL);
	UT_EQ(udmabuf_buffer_sync_for_device(b, ~0ULL, 2, 0), -EINVAL);
	UT_EQ(udmabuf_buffer_get_sync_owner(b), UDMABUF_OWNER_CPU);
}

UT_TEST(H4_lib_sync_mode_settings_owner, PARAMS)
{
	struct udmabuf_buffer *b = open_x(DEV, 0);

	settings_roundtrip(b);
	udmabuf_buffer_close(b);
}

/* exactly one call with these values, then the trace is cleared */
static void expect_call(const char *what, uint64_t phys, int to_device,
			uint64_t off, uint64_t size, int dir)
{
	struct tu_sync_call c[MAXC];
	int n = tu_kp_collect(c, MAXC, phys, phys + SZ);

	if (n != 1 || c[0].to_device != to_device ||
	    c[0].paddr != phys + off || c[0].size != size || c[0].dir != dir)
		UT_FAIL("%s: expected one arch_sync_dma_for_%s(paddr=phys + "
			"0x%llx, size=%llu, dir=%d), saw:%s", what,
			to_device ? "device" : "cpu", (unsigned long long)off,
			(unsigned long long)size, dir,
			tu_kp_calls_text(c, n, MAXC));
	tu_kp_clear();
}

static void expect_no_call(const char *what, uint64_t phys)
{
	struct tu_sync_call c[MAXC];
	int n = tu_kp_collect(c, MAXC, phys, phys + SZ);

	if (n)
		UT_FAIL("%s: expected no arch_sync_dma_* call, saw:%s", what,
			tu_kp_calls_text(c, n, MAXC));
}

/*
 * The syncs of a handle reach the architecture with the range and the
 * direction asked for (arm; x86 has no cache maintenance to observe, so
 * there only the owner is checked).
 */
static void sync_calls(struct udmabuf_buffer *b, const char *how)
{
	uint64_t phys = ut_sysfs_u64(DEV, "cpu_phys_addr");
	char what[128];

	if (!is_arm()) {
		UT_EQ(udmabuf_buffer_sync_for_device(b, 0x3000, 100, 1), 0);
		UT_EQU(ut_sysfs_u64(DEV, "sync_owner"), 1);
		UT_EQ(udmabuf_buffer_sync_for_cpu(b, 0x1000, 0x2000, 2), 0);
		UT_EQU(ut_sysfs_u64(DEV, "sync_owner"), 0);
		return;
	}
	UT_EQU(ut_sysfs_u64(DEV, "dma_coherent"), 0);
	tu_kp_setup_x();
	snprintf(what, sizeof(what), "%s: sync_for_cpu(0x1000, 0x2000, from-device)", how);
	UT_EQ(udmabuf_buffer_sync_for_cpu(b, 0x1000, 0x2000, 2), 0);
	expect_call(what, phys, 0, 0x1000, 0x2000, 2);
	snprintf(what, sizeof(what), "%s: sync_for_device(0x3000, 100, to-device)", how);
	UT_EQ(udmabuf_buffer_sync_for_device(b, 0x3000, 100, 1), 0);
	expect_call(what, phys, 1, 0x3000, 112, 1);
	UT_EQU(ut_sysfs_u64(DEV, "sync_owner"), 1);
	snprintf(what, sizeof(what), "%s: sync_for_device(0, whole, bidirectional)", how);
	UT_EQ(udmabuf_buffer_sync_for_device(b, 0, SZ, 0), 0);
	expect_call(what, phys, 1, 0, SZ, 0);
	snprintf(what, sizeof(what), "%s: sync_for_cpu(0xff000, 0x1000, bidirectional)", how);
	UT_EQ(udmabuf_buffer_sync_for_cpu(b, 0xff000, 0x1000, 0), 0);
	expect_call(what, phys, 0, 0xff000, 0x1000, 0);
	snprintf(what, sizeof(what), "%s: sync_for_device of an empty range", how);
	UT_EQ(udmabuf_buffer_sync_for_device(b, 0x5000, 0, 1), 0);
	expect_no_call(what, phys);
	UT_EQU(ut_sysfs_u64(DEV, "sync_owner"), 1);
	tu_kp_stop();
}

UT_TEST(H4_lib_sync_reaches_the_architecture, PARAMS)
{
	struct udmabuf_buffer *b = open_x(DEV, 0);

	sync_calls(b, "ioctl");
	udmabuf_buffer_close(b);
}

/* a sysfs-only handle gives the same answers as an ioctl one */
static void sysfs_only(struct udmabuf_buffer *b, const char *how)
{
	uint64_t a = 0;

	check_static(b, DEV, 0);
	UT_EQ(udmabuf_buffer_export(b, 0, 0, O_RDWR, &a), -EOPNOTSUPP);
	settings_roundtrip(b);
	sync_calls(b, how);
}

UT_TEST(H4_lib_sysfs_path_forced, PARAMS)
{
	struct udmabuf_buffer *b = open_x(DEV, UDMABUF_OPEN_NO_IOCTL);

	sysfs_only(b, "UDMABUF_OPEN_NO_IOCTL");
	udmabuf_buffer_close(b);

	UT_OK(setenv("LIBUDMABUF_NO_IOCTL", "1", 1));
	b = open_x(DEV, 0);
	UT_EQ(udmabuf_buffer_get_ioctl_version(b), 0);
	udmabuf_buffer_close(b);
	UT_OK(setenv("LIBUDMABUF_NO_IOCTL", "0", 1));
	b = open_x(DEV, 0);
	UT_EQ(udmabuf_buffer_get_ioctl_version(b), 2);
	udmabuf_buffer_close(b);
	unsetenv("LIBUDMABUF_NO_IOCTL");
}

/* a driver without ioctls (the established one before v4.7), detected */
UT_TEST(H4_lib_driver_without_ioctls, PARAMS)
{
	struct udmabuf_buffer *b;
	uint64_t size = 0;
	int fd = ut_open_dev(DEV, O_RDWR);

	tu_emulate_old_driver_x(TU_NO_IOCTLS);
	UT_ERRNO(ioctl(fd, U_DMA_BUF_IOCTL_GET_SIZE, &size), ENOTTY);
	close(fd);
	b = open_x(DEV, 0);
	sysfs_only(b, "no ioctls");
	udmabuf_buffer_close(b);
}

/* the first v4.7 release encoded requests 5, 6 and 9 with _IOR */
UT_TEST(H4_lib_first_v47_request_codes, PARAMS)
{
	struct udmabuf_buffer *b = open_x(DEV, 0);

	tu_emulate_old_driver_x(TU_OLD_SYNC_IOCTLS);
	UT_EQ(udmabuf_buffer_get_ioctl_version(b), 2);
	sync_calls(b, "v4.7 codes");
	/* SET_SYNC (9) for a stored setting, through its old code */
	UT_EQ(udmabuf_buffer_set_sync_settings(b, 0x2000, 0x1000, 1), 0);
	UT_EQU(ut_sysfs_u64(DEV, "sync_offset"), 0x2000);
	UT_EQU(ut_sysfs_u64(DEV, "sync_direction"), 1);
	udmabuf_buffer_close(b);
}

/*
 * A range the packed argument cannot carry exactly (here: 8 bytes at the
 * end of a 0x1008-byte buffer, which rounded to 16 would pass the end, as
 * the established driver refuses) goes through the stored settings, which
 * are given back afterwards; ioctl (SET_SYNC) and sysfs alike.
 */
UT_TEST(H4_lib_sync_through_stored_settings, "udmabuf0=0x1008")
{
	uint64_t phys = ut_sysfs_u64(DEV, "cpu_phys_addr"), off, size;
	int dir;

	for (int sysfs = 0; sysfs < 2; sysfs++) {
		struct udmabuf_buffer *b = open_x(DEV, sysfs ?
						  UDMABUF_OPEN_NO_IOCTL : 0);
		const char *how = sysfs ? "sysfs" : "ioctl";
		char what[96];

		UT_EQU(udmabuf_buffer_get_size(b), 0x1008);
		UT_EQ(udmabuf_buffer_set_sync_settings(b, 0x10, 0x800, 1), 0);
		if (is_arm())
			tu_kp_setup_x();
		UT_EQ(udmabuf_buffer_sync_for_cpu(b, 0x1000, 8, 2), 0);
		UT_EQU(ut_sysfs_u64(DEV, "sync_owner"), 0);
		if (is_arm()) {
			snprintf(what, sizeof(what),
				 "%s: sync_for_cpu(0x1000, 8, from-device)", how);
			expect_call(what, phys, 0, 0x1000, 8, 2);
		}
		UT_EQ(udmabuf_buffer_sync_for_device(b, 0xff8, 0x10, 1), 0);
		UT_EQU(ut_sysfs_u64(DEV, "sync_owner"), 1);
		if (is_arm()) {
			snprintf(what, sizeof(what),
				 "%s: sync_for_device(0xff8, 0x10, to-device)", how);
			expect_call(what, phys, 1, 0xff8, 0x10, 1);
			tu_kp_stop();
		}
		UT_EQ(udmabuf_buffer_get_sync_settings(b, &off, &size, &dir), 0);
		UT_EQU(off, 0x10);
		UT_EQU(size, 0x800);
		UT_EQ(dir, 1);
		UT_EQU(ut_sysfs_u64(DEV, "sync_offset"), 0x10);
		UT_EQU(ut_sysfs_u64(DEV, "sync_size"), 0x800);
		UT_EQU(ut_sysfs_u64(DEV, "sync_direction"), 1);
		udmabuf_buffer_close(b);
	}
}

UT_TEST(H4_lib_map_read_write, PARAMS)
{
	size_t pg = tu_page_size();
	unsigned char *pat = tu_xmalloc(SZ), *buf = tu_xmalloc(SZ);
	struct udmabuf_buffer *b = open_x(DEV, 0), *bs;
	struct udmabuf_map *m, *w, *s;
	unsigned char *p;

	m = udmabuf_buffer_map(b, 0, 0, 0);
	UT_ASSERT(m != NULL);
	UT_EQU(udmabuf_map_get_length(m), SZ);
	UT_EQU(udmabuf_map_get_offset(m), 0);
	p = udmabuf_map_get_addr(m);
	tu_pattern(pat, SZ, 41);
	memcpy(p, pat, SZ);
	UT_EQ(udmabuf_buffer_read(b, 0, buf, SZ), (long long)SZ);
	UT_EQ(tu_first_diff(buf, pat, SZ), -1);

	/* a window sees the same bytes at its offset */
	w = udmabuf_buffer_map(b, 3 * pg, 2 * pg, UDMABUF_MAP_RDONLY);
	UT_ASSERT(w != NULL);
	UT_EQU(udmabuf_map_get_offset(w), 3 * pg);
	UT_EQ(tu_first_diff(udmabuf_map_get_addr(w), pat + 3 * pg, 2 * pg), -1);
	/* write() shows through both mappings */
	tu_pattern(pat, pg, 42);
	UT_EQ(udmabuf_buffer_write(b, 3 * pg, pat, pg), (long long)pg);
	UT_EQ(tu_first_diff(udmabuf_map_get_addr(w), pat, pg), -1);
	UT_EQ(tu_first_diff(p + 3 * pg, pat, pg), -1);
	/* the ends of the buffer */
	UT_EQ(udmabuf_buffer_read(b, SZ - 16, buf, 64), 16);
	UT_EQ(udmabuf_buffer_read(b, SZ, buf, 64), 0);
	UT_EQ(udmabuf_buffer_write(b, SZ, pat, 1), -ENOSPC);
	UT_EQ(udmabuf_buffer_write(b, SZ - 8, pat, 64), 8);

	/* refused windows and flags */
	UT_ASSERT(!udmabuf_buffer_map(b, 100, pg, 0));
	UT_EQ(errno, EINVAL);
	UT_ASSERT(!udmabuf_buffer_map(b, SZ, pg, 0));
	UT_EQ(errno, EINVAL);
	UT_ASSERT(!udmabuf_buffer_map(b, SZ - pg, 2 * pg, 0));
	UT_EQ(errno, EINVAL);
	UT_ASSERT(!udmabuf_buffer_map(b, 0, pg, UDMABUF_MAP_SYNC |
				      UDMABUF_MAP_CACHED));
	UT_EQ(errno, EINVAL);

	/* O_SYNC maps: the sync_mode's O_SYNC kind (Device memory on arm) */
	UT_EQ(udmabuf_buffer_set_sync_mode(b, 1), 0);
	s = udmabuf_buffer_map(b, 0, pg, UDMABUF_MAP_SYNC);
	UT_ASSERT(s != NULL);
	bs = open_x(DEV, UDMABUF_OPEN_SYNC);
	{
		struct udmabuf_map *d = udmabuf_buffer_map(bs, pg, pg, 0);
		struct udmabuf_map *c = udmabuf_buffer_map(bs, 2 * pg, pg,
							   UDMABUF_MAP_CACHED);
		volatile unsigned char *sp = udmabuf_map_get_addr(s);
		volatile unsigned char *dp, *cp;

		UT_ASSERT(d != NULL && c != NULL);
		dp = udmabuf_map_get_addr(d);
		cp = udmabuf_map_get_addr(c);
		sp[0] = 1;
		dp[0] = 2;
		cp[0] = 3;
		UT_EQ(p[0], 1);
		UT_EQ(p[pg], 2);
		UT_EQ(p[2 * pg], 3);
		if (is_arm()) {
			char ks[32], kd[32], kc[32], kp[32];

			tu_helper_load_x();
			tu_pte_kind_x((const void *)sp, ks, sizeof(ks));
			tu_pte_kind_x((const void *)dp, kd, sizeof(kd));
			tu_pte_kind_x((const void *)cp, kc, sizeof(kc));
			tu_pte_kind_x(p, kp, sizeof(kp));
			/* cached: the plain map's kind; O_SYNC: another */
			UT_STREQ(kc, kp);
			UT_STREQ(kd, ks);
			if (!strcmp(ks, kp))
				UT_FAIL("an O_SYNC map of sync_mode 1 has the "
					"cached kind \"%s\"", ks);
		}
		UT_EQ(udmabuf_map_unmap(d), 0);
		UT_EQ(udmabuf_map_unmap(c), 0);
	}
	udmabuf_buffer_close(bs);
	UT_EQ(udmabuf_map_unmap(s), 0);
	UT_EQ(udmabuf_map_unmap(w), 0);
	/* a mapping outlives its handle */
	udmabuf_buffer_close(b);
	p[5] = 0x5a;
	b = open_x(DEV, 0);
	UT_EQ(udmabuf_buffer_read(b, 5, buf, 1), 1);
	UT_EQ(buf[0], 0x5a);
	UT_EQ(udmabuf_map_unmap(m), 0);
	UT_EQ(udmabuf_map_unmap(NULL), 0);
	udmabuf_buffer_close(b);
	free(pat);
	free(buf);
}

UT_TEST(H4_lib_export_dma_buf, PARAMS)
{
	size_t pg = tu_page_size();
	struct udmabuf_buffer *b = open_x(DEV, 0);
	uint64_t addr = 0;
	unsigned char *p, v = 0;
	int fd;

	fd = udmabuf_buffer_export(b, pg, 0, O_RDWR | O_CLOEXEC, &addr);
	if (fd < 0)
		UT_FAIL("udmabuf_buffer_export: expected an fd, saw %s",
			strerror(-fd));
	UT_EQU(addr, ut_sysfs_u64(DEV, "phys_addr") + pg);
	UT_EQU(ut_sysfs_u64(DEV, "export_count"), 1);
	UT_EQU(lseek(fd, 0, SEEK_END), SZ - pg);
	p = tu_mmap(fd, SZ - pg, 0, PROT_READ | PROT_WRITE, MAP_SHARED);
	UT_ASSERT(p != NULL);
	p[7] = 0xa7;
	UT_EQ(udmabuf_buffer_read(b, pg + 7, &v, 1), 1);
	UT_EQ(v, 0xa7);
	munmap(p, SZ - pg);
	close(fd);
	UT_EQU(ut_sysfs_u64(DEV, "export_count"), 0);
	errno = 0;
	UT_EQ(udmabuf_buffer_export(b, 100, 0, O_RDWR, NULL), -EINVAL);
	UT_EQ(errno, EINVAL);
	udmabuf_buffer_close(b);
}

UT_TEST(H4_lib_manager_create_delete, "")
{
	struct udmabuf_manager *m = udmabuf_manager_open();
	struct udmabuf_buffer *b;
	struct udmabuf_list *l;
	char longopt[1200];

	UT_ASSERT(m != NULL);
	UT_ASSERT(udmabuf_manager_get_fd(m) >= 0);
	UT_EQ(udmabuf_manager_create(m, "libbuf0", 0x10000,
				     "sync-mode=3 sync-direction=2"), 0);
	b = open_x("libbuf0", 0);
	UT_EQU(udmabuf_buffer_get_size(b), 0x10000);
	UT_EQ(udmabuf_buffer_get_sync_mode(b), 3);
	UT_EQU(ut_sysfs_u64("libbuf0", "sync_direction"), 2);
	udmabuf_buffer_close(b);
	UT_EQ(udmabuf_manager_create(m, "libbuf1", 4096, NULL), 0);
	l = udmabuf_list_read();
	UT_ASSERT(l != NULL);
	UT_EQU(udmabuf_list_get_count(l), 2);
	UT_STREQ(udmabuf_list_get_name(l, 0), "libbuf0");
	UT_STREQ(udmabuf_list_get_name(l, 1), "libbuf1");
	udmabuf_list_free(l);

	errno = 0;
	UT_EQ(udmabuf_manager_create(m, "libbuf0", 4096, NULL), -EEXIST);
	UT_EQ(errno, EEXIST);
	UT_EQ(udmabuf_manager_create(m, "lib buf", 4096, NULL), -EINVAL);
	UT_EQ(udmabuf_manager_create(m, "lib/buf", 4096, NULL), -EINVAL);
	UT_EQ(udmabuf_manager_create(m, "libbuf2", 0, NULL), -EINVAL);
	UT_EQ(udmabuf_manager_create(m, "libbuf2", 4096, "x\ndelete libbuf0"),
	      -EINVAL);
	UT_EQ(udmabuf_manager_create(m, "libbuf2", 4096, "bogus-option=1"),
	      -EINVAL);
	memset(longopt, 'a', sizeof(longopt) - 1);
	longopt[sizeof(longopt) - 1] = '\0';
	UT_EQ(udmabuf_manager_create(m, "libbuf2", 4096, longopt), -EINVAL);
	UT_ASSERT(!tu_class_exists("libbuf2"));
	UT_ASSERT(tu_class_exists("libbuf0"));

	UT_EQ(udmabuf_manager_delete(m, "libbuf0"), 0);
	UT_ASSERT(!tu_class_exists("libbuf0"));
	UT_ASSERT(!udmabuf_buffer_open("libbuf0", 0));
	UT_EQ(errno, ENOENT);
	UT_EQ(udmabuf_manager_delete(m, "libbuf0"), -ENOENT);
	UT_EQ(udmabuf_manager_delete(m, "a b"), -EINVAL);
	/* a buffer without auto-delete stays after close */
	udmabuf_manager_close(m);
	UT_ASSERT(tu_class_exists("libbuf1"));
	tu_mgr_delete_x("libbuf1");
	udmabuf_manager_close(NULL);
}

/*
 * Closing the manager handle deletes what it created with auto-delete=1;
 * an open buffer handle keeps working on the memory.
 */
UT_TEST(H4_lib_manager_auto_delete, "")
{
	struct udmabuf_manager *m = udmabuf_manager_open();
	struct udmabuf_buffer *b;
	unsigned char v = 0;

	UT_ASSERT(m != NULL);
	UT_EQ(udmabuf_manager_create(m, "libauto", 0x10000, "auto-delete=1"),
	      0);
	UT_EQ(udmabuf_manager_create(m, "libkeep", 0x10000, NULL), 0);
	UT_ASSERT(tu_class_exists("libauto"));
	b = open_x("libauto", 0);
	UT_EQ(udmabuf_buffer_write(b, 100, "\x5a", 1), 1);
	udmabuf_manager_close(m);
	UT_ASSERT(!tu_class_exists("libauto"));
	UT_ASSERT(!tu_dev_exists("libauto"));
	UT_ASSERT(tu_class_exists("libkeep"));
	UT_EQ(udmabuf_buffer_read(b, 100, &v, 1), 1);
	UT_EQ(v, 0x5a);
	udmabuf_buffer_close(b);
	tu_mgr_delete_x("libkeep");
}

UT_TEST(H4_lib_no_module, UT_NOLOAD)
{
	UT_EQ(udmabuf_driver_is_loaded(), 0);
	errno = 0;
	UT_ASSERT(!udmabuf_buffer_open(DEV, 0));
	UT_EQ(errno, ENOENT);
	UT_ASSERT(!udmabuf_manager_open());
	UT_EQ(errno, ENOENT);
	UT_ASSERT(!udmabuf_list_read());
	UT_EQ(errno, ENOENT);
}
