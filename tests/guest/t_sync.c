// SPDX-License-Identifier: GPL-2.0
/*
 * Cache modes (C3): every sync_mode with and without O_SYNC maps, and data
 * written through the mapping is what read() returns and vice versa;
 * memset (DC ZVA on arm64) and unaligned accesses do not fault.  The
 * x86 part of F2: every mode is write-back, with one log line per buffer.
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include "ut.h"
#include "tu_helpers.h"

#define CSZ	0x10000ULL
#define RW	(PROT_READ | PROT_WRITE)

struct __attribute__((packed)) un32 { uint32_t v; };
struct __attribute__((packed)) un64 { uint64_t v; };

static void roundtrip(const char *dev, int flags, const char *what)
{
	unsigned char *pat = tu_xmalloc(CSZ), *buf = tu_xmalloc(CSZ);
	volatile struct un32 *u32p;
	volatile struct un64 *u64p;
	unsigned char *m;
	int fd, cached;
	long long d;

	fd = ut_open_dev(dev, flags);
	cached = ut_open_dev(dev, O_RDWR);	/* a second, cached file */
	m = tu_mmap(fd, CSZ, 0, RW, MAP_SHARED);
	if (!m)
		UT_FAIL("%s: mmap: expected success, saw %s", what,
			strerror(errno));

	tu_doing("memset(0) of a %s mapping", what);
	memset(m, 0, CSZ);
	tu_doing("memset(0x5c) of a %s mapping", what);
	memset(m, 0x5C, CSZ);
	__sync_synchronize();
	UT_EQ(tu_pread_all(fd, buf, CSZ, 0), (long long)CSZ);
	if ((d = tu_first_not(buf, CSZ, 0x5C)) >= 0)
		UT_FAIL("%s: read() after memset through the mapping: first "
			"difference at %lld", what, d);
	UT_EQ(tu_pread_all(cached, buf, CSZ, 0), (long long)CSZ);
	if ((d = tu_first_not(buf, CSZ, 0x5C)) >= 0)
		UT_FAIL("%s: read() of another file after memset through the "
			"mapping: first difference at %lld", what, d);

	/* memcpy through the mapping -> read() */
	tu_pattern(pat, CSZ, 31);
	tu_doing("memcpy into a %s mapping", what);
	memcpy(m, pat, CSZ);
	__sync_synchronize();
	UT_EQ(tu_pread_all(fd, buf, CSZ, 0), (long long)CSZ);
	if ((d = tu_first_diff(buf, pat, CSZ)) >= 0)
		UT_FAIL("%s: read() after memcpy through the mapping: first "
			"difference at %lld", what, d);

	/* write() -> the mapping */
	tu_pattern(pat, CSZ, 32);
	UT_EQ(tu_pwrite_all(fd, pat, CSZ, 0), (long long)CSZ);
	if ((d = tu_first_diff(m, pat, CSZ)) >= 0)
		UT_FAIL("%s: mapping after write(): first difference at %lld",
			what, d);
	tu_pattern(pat, 4096, 33);
	UT_EQ(tu_pwrite_all(cached, pat, 4096, 0x8000), 4096);
	if ((d = tu_first_diff(m + 0x8000, pat, 4096)) >= 0)
		UT_FAIL("%s: mapping after write() of another file: first "
			"difference at %lld", what, d);

	/* unaligned accesses */
	tu_doing("unaligned stores to a %s mapping", what);
	u32p = (volatile struct un32 *)(m + 1);
	u32p->v = 0x11223344;
	u64p = (volatile struct un64 *)(m + 0x103);
	u64p->v = 0x0102030405060708ULL;
	tu_doing("unaligned loads from a %s mapping", what);
	UT_EQU(u32p->v, 0x11223344);
	UT_EQU(u64p->v, 0x0102030405060708ULL);
	__sync_synchronize();
	{
		uint32_t a;
		uint64_t b;

		UT_EQ(pread(fd, &a, 4, 1), 4);
		UT_EQU(a, 0x11223344);
		UT_EQ(pread(fd, &b, 8, 0x103), 8);
		UT_EQU(b, 0x0102030405060708ULL);
	}
	/* byte-wise read-modify-write */
	tu_doing("byte accesses to a %s mapping", what);
	for (size_t i = 0; i < 4096; i += 7)
		m[i] ^= 0xFF;
	UT_EQ(tu_pread_all(fd, buf, 4096, 0), 4096);
	UT_EQ(tu_first_diff(buf, m, 4096), -1);

	UT_OK(munmap(m, CSZ));
	close(cached);
	close(fd);
	free(pat);
	free(buf);
}

static void run_mode(int mode)
{
	char v[8], what[64];

	tu_catch_faults();
	snprintf(v, sizeof(v), "%d", mode);
	UT_OK(ut_sysfs_write("udmabuf0", "sync_mode", v));
	UT_EQU(ut_sysfs_u64("udmabuf0", "sync_mode"), mode);
	snprintf(what, sizeof(what), "sync_mode=%d without O_SYNC", mode);
	roundtrip("udmabuf0", O_RDWR, what);
	snprintf(what, sizeof(what), "sync_mode=%d with O_SYNC", mode);
	roundtrip("udmabuf0", O_RDWR | O_SYNC, what);
}

#define C3_MODE(n)							\
	UT_TEST(C3_sync_mode_##n##_roundtrip, "udmabuf0=0x10000")	\
	{								\
		run_mode(n);						\
	}

C3_MODE(0)
C3_MODE(1)
C3_MODE(2)
C3_MODE(3)
C3_MODE(4)
C3_MODE(5)
C3_MODE(6)
C3_MODE(7)

/* sync-always: modes 1..3 behave as 5..7 also without O_SYNC */
UT_TEST(C3_sync_always_option_roundtrip, "")
{
	tu_catch_faults();
	for (int mode = 1; mode <= 3; mode++) {
		char opt[64], what[64];

		snprintf(opt, sizeof(opt), "sync-mode=%d sync-always=1", mode);
		tu_mgr_create_x("salways", "0x10000", opt);
		UT_EQU(ut_sysfs_u64("salways", "sync_mode"), mode);
		snprintf(what, sizeof(what), "sync-always sync-mode=%d", mode);
		roundtrip("salways", O_RDWR, what);
		roundtrip("salways", O_RDWR | O_SYNC, what);
		tu_mgr_delete_x("salways");
	}
}

/* two mappings of different modes of the same buffer see the same data */
UT_TEST(C3_mixed_mode_mappings, "udmabuf0=0x10000")
{
	int fc, fu;
	unsigned char *mc, *mu;

	tu_catch_faults();
	UT_OK(ut_sysfs_write("udmabuf0", "sync_mode", "1"));
	fc = ut_open_dev("udmabuf0", O_RDWR);
	fu = ut_open_dev("udmabuf0", O_RDWR | O_SYNC);
	mc = tu_mmap(fc, CSZ, 0, RW, MAP_SHARED);
	mu = tu_mmap(fu, CSZ, 0, RW, MAP_SHARED);
	UT_ASSERT(mc && mu);
	tu_doing("writing an uncached mapping");
	memset(mu, 0x42, CSZ);
	__sync_synchronize();
	/* the cached alias needs a sync for the CPU to see RAM */
	UT_OK(ut_sysfs_write("udmabuf0", "sync_for_cpu", "1"));
	UT_EQ(tu_first_not(mc, CSZ, 0x42), -1);
	tu_doing("writing a cached mapping");
	memset(mc, 0x24, CSZ);
	UT_OK(ut_sysfs_write("udmabuf0", "sync_for_device", "1"));
	UT_EQ(tu_first_not(mu, CSZ, 0x24), -1);
	munmap(mc, CSZ);
	munmap(mu, CSZ);
	close(fc);
	close(fu);
}

/* count the kernel log lines naming dev written after mark */
static int lines_naming(size_t mark, const char *dev)
{
	char pat[80];
	const char *p = tu_log_after(mark);
	int n = 0;

	snprintf(pat, sizeof(pat), " %s: ", dev);
	while ((p = strstr(p, pat))) {
		n++;
		p += strlen(pat);
	}
	return n;
}

static void open_map_close(const char *dev, int flags)
{
	int fd = ut_open_dev(dev, flags);
	unsigned char *m = tu_mmap(fd, 4096, 0, RW, MAP_SHARED);

	UT_ASSERT(m != NULL);
	m[0] = 1;
	munmap(m, 4096);
	close(fd);
}

/*
 * F2 on x86: every mode gets its memory type (t_pat.c, t_pte.c); one
 * mapping after another switches the type without a word in the log,
 * sync-always included.  Only a conflict is logged (t_pat.c).
 */
UT_TEST(F2_x86_types_switch_quietly, "udmabuf0=0x10000")
{
	size_t mark;

	if (!tu_is_arch("x86_64"))
		UT_SKIP("x86_64 only (arm needs the page-table helper)");
	mark = tu_log_mark();
	open_map_close("udmabuf0", O_RDWR);			/* WB */
	UT_OK(ut_sysfs_write("udmabuf0", "sync_mode", "1"));
	open_map_close("udmabuf0", O_RDWR | O_SYNC);		/* UC- */
	UT_OK(ut_sysfs_write("udmabuf0", "sync_mode", "6"));
	open_map_close("udmabuf0", O_RDWR);			/* WC */
	open_map_close("udmabuf0", O_RDWR | O_SYNC);		/* WC */
	UT_OK(ut_sysfs_write("udmabuf0", "sync_mode", "0"));
	open_map_close("udmabuf0", O_RDWR | O_SYNC);		/* WB */
	if (lines_naming(mark, "udmabuf0"))
		UT_FAIL("one mapping after another: expected no log line "
			"naming udmabuf0, saw:\n%s", tu_log_after(mark));
	/* sync-always makes a file without O_SYNC uncached, quietly */
	tu_mgr_create_x("f2sa", "4096", "sync-mode=1 sync-always=1");
	mark = tu_log_mark();
	open_map_close("f2sa", O_RDWR);
	open_map_close("f2sa", O_RDWR);
	if (lines_naming(mark, "f2sa"))
		UT_FAIL("sync-always sync-mode=1 without O_SYNC on x86: "
			"expected no log line naming f2sa, saw:\n%s",
			tu_log_after(mark));
	tu_mgr_delete_x("f2sa");
}
