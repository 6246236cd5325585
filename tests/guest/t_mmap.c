// SPDX-License-Identifier: GPL-2.0
/* mmap of /dev/<name> (C1). */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include "ut.h"
#include "tu_helpers.h"

#define S0	0x100000ULL	/* udmabuf0 */
#define S1	10000ULL	/* udmabuf1: 3 pages, the last one partly */
#define PARAMS	"udmabuf0=0x100000 udmabuf1=10000"

#define RW	(PROT_READ | PROT_WRITE)

UT_TEST(C1_mmap_whole_buffer, PARAMS)
{
	unsigned char *in = tu_xmalloc(S0), *out = tu_xmalloc(S0);
	int fd = ut_open_dev("udmabuf0", O_RDWR);
	unsigned char *m;

	tu_catch_faults();
	tu_doing("accessing the whole mapping of udmabuf0");
	m = tu_mmap(fd, S0, 0, RW, MAP_SHARED);
	if (!m)
		UT_FAIL("mmap of the whole buffer: expected success, saw %s",
			strerror(errno));
	/* through the mapping -> read() */
	tu_pattern(in, S0, 11);
	memcpy(m, in, S0);
	__sync_synchronize();
	UT_EQ(tu_pread_all(fd, out, S0, 0), (long long)S0);
	UT_EQ(tu_first_diff(out, in, S0), -1);
	/* write() -> through the mapping */
	tu_pattern(in, S0, 12);
	UT_EQ(tu_pwrite_all(fd, in, S0, 0), (long long)S0);
	UT_EQ(tu_first_diff(m, in, S0), -1);
	/* the mapping outlives close() */
	close(fd);
	memset(m, 0x3C, S0);
	UT_EQ(tu_first_not(m, S0, 0x3C), -1);
	fd = ut_open_dev("udmabuf0", O_RDONLY);
	UT_EQ(tu_pread_all(fd, out, S0, 0), (long long)S0);
	UT_EQ(tu_first_not(out, S0, 0x3C), -1);
	UT_OK(munmap(m, S0));
	close(fd);
	free(in);
	free(out);
}

UT_TEST(C1_mmap_window_offset, PARAMS)
{
	size_t ps = tu_page_size();
	int fd = ut_open_dev("udmabuf0", O_RDWR);
	unsigned char *buf = tu_xmalloc(S0), *pat = tu_xmalloc(4 * ps);
	static const unsigned int pages[] = { 0, 1, 3, 17, 100 };

	tu_catch_faults();
	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		uint64_t off = (uint64_t)pages[i] * ps;
		size_t len = 2 * ps;
		unsigned char *w;

		tu_doing("writing through a window at offset 0x%llx",
			 (unsigned long long)off);
		w = tu_mmap(fd, len, off, RW, MAP_SHARED);
		if (!w)
			UT_FAIL("mmap of 2 pages at offset 0x%llx: expected "
				"success, saw %s", (unsigned long long)off,
				strerror(errno));
		tu_pattern(pat, len, 100 + i);
		memcpy(w, pat, len);
		__sync_synchronize();
		UT_OK(munmap(w, len));
		UT_EQ(tu_pread_all(fd, buf, len, off), (long long)len);
		if (tu_first_diff(buf, pat, len) >= 0)
			UT_FAIL("data written through the window at offset "
				"0x%llx: not found at that offset via read() "
				"(first difference at +%lld)",
				(unsigned long long)off,
				tu_first_diff(buf, pat, len));
		/* ... and read() data appears in a window */
		tu_pattern(pat, len, 200 + i);
		UT_EQ(tu_pwrite_all(fd, pat, len, off), (long long)len);
		w = tu_mmap(fd, len, off, PROT_READ, MAP_SHARED);
		UT_ASSERT(w != NULL);
		UT_EQ(tu_first_diff(w, pat, len), -1);
		UT_OK(munmap(w, len));
	}

	/* the last page alone; a window and the whole mapping alias */
	{
		unsigned char *whole, *w;

		whole = tu_mmap(fd, S0, 0, RW, MAP_SHARED);
		w = tu_mmap(fd, ps, S0 - ps, RW, MAP_SHARED);
		UT_ASSERT(whole && w);
		tu_doing("writing the last page through a window");
		memset(w, 0x77, ps);
		UT_EQ(tu_first_not(whole + S0 - ps, ps, 0x77), -1);
		whole[S0 - 1] = 0x11;
		UT_EQ(w[ps - 1], 0x11);
		munmap(w, ps);
		munmap(whole, S0);
	}
	close(fd);
	free(buf);
	free(pat);
}

/* the last, partial page of a size that is not a page multiple */
UT_TEST(C1_mmap_rounded_last_page, PARAMS)
{
	size_t ps = tu_page_size();
	size_t rounded = (S1 + ps - 1) / ps * ps;
	int fd = ut_open_dev("udmabuf1", O_RDWR);
	unsigned char *m, buf[16];

	tu_catch_faults();
	m = tu_mmap(fd, rounded, 0, RW, MAP_SHARED);
	if (!m)
		UT_FAIL("mmap of the page-rounded size %zu of a %llu-byte "
			"buffer: expected success, saw %s", rounded, S1,
			strerror(errno));
	tu_doing("writing the last byte of the buffer through the mapping");
	m[S1 - 1] = 0x42;
	UT_EQ(pread(fd, buf, 1, S1 - 1), 1);
	UT_EQ(buf[0], 0x42);
	munmap(m, rounded);
	m = tu_mmap(fd, ps, rounded - ps, RW, MAP_SHARED);
	if (!m)
		UT_FAIL("mmap of the last, partial page: expected success, "
			"saw %s", strerror(errno));
	munmap(m, ps);
	UT_ASSERT(tu_mmap(fd, rounded + ps, 0, RW, MAP_SHARED) == NULL);
	UT_EQ(errno, EINVAL);
	UT_ASSERT(tu_mmap(fd, ps, rounded, RW, MAP_SHARED) == NULL);
	UT_EQ(errno, EINVAL);
	close(fd);
}

static void expect_mmap_einval(int fd, size_t len, uint64_t off, int flags,
			       const char *what)
{
	void *m = tu_mmap(fd, len, off, RW, flags);

	if (m) {
		munmap(m, len);
		UT_FAIL("mmap %s (length 0x%zx offset 0x%llx): expected "
			"EINVAL, saw success", what, len,
			(unsigned long long)off);
	}
	if (errno != EINVAL)
		UT_FAIL("mmap %s (length 0x%zx offset 0x%llx): expected "
			"EINVAL, saw %s", what, len, (unsigned long long)off,
			strerror(errno));
}

UT_TEST(C1_mmap_past_end_einval, PARAMS)
{
	size_t ps = tu_page_size();
	int fd = ut_open_dev("udmabuf0", O_RDWR);
	size_t mark = tu_log_mark();

	expect_mmap_einval(fd, S0 + ps, 0, MAP_SHARED, "one page too long");
	expect_mmap_einval(fd, 2 * S0, 0, MAP_SHARED, "twice the size");
	expect_mmap_einval(fd, S0, ps, MAP_SHARED,
			   "of the size at offset one page");
	expect_mmap_einval(fd, 2 * ps, S0 - ps, MAP_SHARED,
			   "crossing the end");
	expect_mmap_einval(fd, ps, S0, MAP_SHARED, "starting at the end");
	expect_mmap_einval(fd, ps, S0 + 16 * ps, MAP_SHARED,
			   "beyond the end");
	if (!strstr(tu_log_after(mark), "udmabuf0"))
		UT_FAIL("kernel log: expected a line naming udmabuf0 for the "
			"refused mappings; log:\n%s", tu_log_after(mark));
	close(fd);
}

UT_TEST(C1_mmap_unaligned_offset_einval, PARAMS)
{
	int fd = ut_open_dev("udmabuf0", O_RDWR);

	expect_mmap_einval(fd, 4096, 100, MAP_SHARED, "at offset 100");
	expect_mmap_einval(fd, 4096, 1, MAP_SHARED, "at offset 1");
	expect_mmap_einval(fd, 4096, tu_page_size() + 8, MAP_SHARED,
			   "at offset page+8");
	close(fd);
}

UT_TEST(C1_mmap_huge_offset_einval, PARAMS)
{
	size_t ps = tu_page_size();
	int fd = ut_open_dev("udmabuf0", O_RDWR);
	unsigned char *m;
	static const uint64_t offs[] = {
		1ULL << 32,			/* 0 when truncated to 32 bits */
		(1ULL << 32) + 0x1000,
		1ULL << 40,
		(1ULL << 44) - 0x1000,		/* 2^32 pages - 1 */
		1ULL << 44,			/* 2^32 pages */
		1ULL << 62,
		(1ULL << 63) - 0x10000,
	};

	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		char what[64];

		if (offs[i] % ps)
			continue;
		snprintf(what, sizeof(what), "at huge offset %zu", i);
		if (sizeof(long) == 4 && !ut_compat()) {
			/*
			 * A 32-bit kernel refuses file offsets beyond its
			 * unsigned long itself (EOVERFLOW) before the driver.
			 */
			m = tu_mmap(fd, ps, offs[i], RW, MAP_SHARED);
			if (m || (errno != EINVAL && errno != EOVERFLOW))
				UT_FAIL("mmap %s on a 32-bit kernel: expected "
					"EINVAL or EOVERFLOW, saw %s", what,
					m ? "success" : strerror(errno));
			continue;
		}
		expect_mmap_einval(fd, ps, offs[i], MAP_SHARED, what);
	}
	/*
	 * offset + length overflows 64 bits: the kernel may refuse it before
	 * the driver (EOVERFLOW); anything but a mapping is fine then.
	 */
	m = tu_mmap(fd, 2 * ps, 0ULL - ps, RW, MAP_SHARED);
	if (m) {
		munmap(m, 2 * ps);
		UT_FAIL("mmap at offset 2^64 - page wrapping to page 0: "
			"expected EINVAL or EOVERFLOW, saw success");
	}
	if (errno != EINVAL && errno != EOVERFLOW)
		UT_FAIL("mmap at offset 2^64 - page: expected EINVAL or "
			"EOVERFLOW, saw %s", strerror(errno));
	close(fd);
}

UT_TEST(C1_mmap_private_einval, PARAMS)
{
	int fd = ut_open_dev("udmabuf0", O_RDWR);
	void *m;

	expect_mmap_einval(fd, 4096, 0, MAP_PRIVATE, "MAP_PRIVATE");
	m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m != MAP_FAILED)
		UT_FAIL("mmap MAP_PRIVATE PROT_READ: expected EINVAL, saw "
			"success");
	UT_EQ(errno, EINVAL);
	close(fd);
}

UT_TEST(C1_mmap_readonly_file, PARAMS)
{
	int w = ut_open_dev("udmabuf0", O_RDWR);
	int r = ut_open_dev("udmabuf0", O_RDONLY);
	unsigned char pat[4096];
	unsigned char *m;

	tu_catch_faults();
	tu_pattern(pat, sizeof(pat), 13);
	UT_EQ(pwrite(w, pat, sizeof(pat), 0x5000), (long long)sizeof(pat));
	m = tu_mmap(r, 0x10000, 0, PROT_READ, MAP_SHARED);
	if (!m)
		UT_FAIL("mmap PROT_READ of an O_RDONLY file: expected "
			"success, saw %s", strerror(errno));
	tu_doing("reading a read-only mapping");
	UT_EQ(tu_first_diff(m + 0x5000, pat, sizeof(pat)), -1);
	munmap(m, 0x10000);
	close(r);
	close(w);
}

/*
 * The whole window is mapped at mmap time: touching every page of a fresh
 * mapping causes no page faults.
 */
UT_TEST(C1_mmap_prefaulted, PARAMS)
{
	int fd = ut_open_dev("udmabuf0", O_RDWR);
	size_t ps = tu_page_size();
	struct rusage a, b;
	volatile unsigned char *m;
	unsigned int sum = 0;
	long faults;

	tu_catch_faults();
	m = tu_mmap(fd, S0, 0, RW, MAP_SHARED);
	UT_ASSERT(m != NULL);
	getrusage(RUSAGE_SELF, &a);
	for (size_t i = 0; i < S0; i += ps)
		sum += m[i];
	getrusage(RUSAGE_SELF, &b);
	faults = (b.ru_minflt - a.ru_minflt) + (b.ru_majflt - a.ru_majflt);
	if (faults > 4)
		UT_FAIL("reading the %zu pages of a new mapping: expected no "
			"page faults (mapped at mmap time), saw %ld (sum %u)",
			(size_t)(S0 / ps), faults, sum);
	munmap((void *)m, S0);
	close(fd);
}

/*
 * The mapping is page-backed (VM_MIXEDMAP with struct pages), so
 * get_user_pages works on it: vmsplice() into a pipe pins the pages.
 */
UT_TEST(C1_mmap_page_backed, PARAMS)
{
	int fd = ut_open_dev("udmabuf0", O_RDWR);
	size_t ps = tu_page_size();
	unsigned char *m, got[4096];
	char smaps[65536], *p, line[256];
	struct iovec iov;
	int pfd[2];
	ssize_t n;

	tu_catch_faults();
	m = tu_mmap(fd, 16 * ps, 0, RW, MAP_SHARED);
	UT_ASSERT(m != NULL);
	tu_pattern(m, 16 * ps, 14);

	UT_OK(pipe(pfd));
	iov.iov_base = m + ps;
	iov.iov_len = sizeof(got);
	n = vmsplice(pfd[1], &iov, 1, 0);
	if (n < 0)
		UT_FAIL("vmsplice from the mapping: expected success "
			"(page-backed mapping), saw %s", strerror(errno));
	UT_EQ(n, (long long)sizeof(got));
	UT_EQ(read(pfd[0], got, sizeof(got)), (long long)sizeof(got));
	UT_EQ(tu_first_diff(got, m + ps, sizeof(got)), -1);
	close(pfd[0]);
	close(pfd[1]);

	/* smaps: VmFlags has "mm" (mixed map), not "pf" (pfn map) */
	UT_OK(ut_read_file("/proc/self/smaps", smaps, sizeof(smaps)));
	snprintf(line, sizeof(line), "%lx-", (unsigned long)m);
	p = strstr(smaps, line);
	if (!p)
		UT_FAIL("/proc/self/smaps: no entry for the mapping at %s",
			line);
	p = strstr(p, "VmFlags:");
	UT_ASSERT(p != NULL);
	{
		char flags[256];
		size_t l = strcspn(p, "\n");

		snprintf(flags, sizeof(flags), "%.*s ", (int)l, p);
		if (!strstr(flags, " mm ") || strstr(flags, " pf "))
			UT_FAIL("smaps of the mapping: expected VmFlags with "
				"\"mm\" and without \"pf\", saw \"%s\"", flags);
	}
	munmap(m, 16 * ps);
	close(fd);
}

/*
 * Partial munmap splits the VMA; every piece holds the buffer.  The
 * runner's rmmod afterwards proves the references balance.
 */
UT_TEST(C1_mmap_split_and_partial_unmap, PARAMS)
{
	size_t ps = tu_page_size();
	int fd = ut_open_dev("udmabuf0", O_RDWR);
	unsigned char *m, buf[16];

	tu_catch_faults();
	m = tu_mmap(fd, 8 * ps, 0, RW, MAP_SHARED);
	UT_ASSERT(m != NULL);
	UT_OK(munmap(m + 2 * ps, ps));
	UT_OK(munmap(m + 5 * ps, 2 * ps));
	UT_OK(mprotect(m, ps, PROT_READ));
	close(fd);
	tu_doing("writing the pieces of a split mapping");
	m[ps] = 1;
	m[3 * ps] = 3;
	m[7 * ps] = 7;
	fd = ut_open_dev("udmabuf0", O_RDONLY);
	UT_EQ(pread(fd, buf, 1, ps), 1);
	UT_EQ(buf[0], 1);
	UT_EQ(pread(fd, buf, 1, 3 * ps), 1);
	UT_EQ(buf[0], 3);
	UT_EQ(pread(fd, buf, 1, 7 * ps), 1);
	UT_EQ(buf[0], 7);
	close(fd);
	munmap(m, 2 * ps);
	munmap(m + 3 * ps, 2 * ps);
	munmap(m + 7 * ps, ps);
}

/*
 * After the page tables are zapped (MADV_DONTNEED) the pages come back on
 * the next access, with the buffer's data: a shared device mapping never
 * loses data.  mremap moves a mapping (a new VMA that holds the buffer).
 */
UT_TEST(C1_mmap_dontneed_and_mremap_keep_data, PARAMS)
{
	size_t ps = tu_page_size(), len = 16 * ps;
	int fd = ut_open_dev("udmabuf0", O_RDWR);
	unsigned char *m, *pat = tu_xmalloc(len), *moved, *target;
	int r;

	tu_catch_faults();
	m = tu_mmap(fd, len, 0, RW, MAP_SHARED);
	UT_ASSERT(m != NULL);
	tu_pattern(pat, len, 15);
	memcpy(m, pat, len);
	r = madvise(m, len, MADV_DONTNEED);
	if (r)
		UT_FAIL("madvise(MADV_DONTNEED) on the page-backed mapping: "
			"expected success, saw %s", strerror(errno));
	{
		tu_doing("reading a mapping after MADV_DONTNEED");
		UT_EQ(tu_first_diff(m, pat, len), -1);
		tu_doing("writing a mapping after MADV_DONTNEED");
		m[5 * ps] = 0xAB;
		UT_EQ(pread(fd, pat, 1, 5 * ps), 1);
		UT_EQ(pat[0], 0xAB);
		tu_pattern(pat, len, 15);
		pat[5 * ps] = 0xAB;
	}

	/* move it elsewhere */
	target = tu_unmapped_addr(len);
	moved = mremap(m, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, target);
	if (moved == MAP_FAILED)
		UT_FAIL("mremap of the mapping to a free range: expected "
			"success, saw %s", strerror(errno));
	tu_doing("reading a moved mapping");
	UT_EQ(tu_first_diff(moved, pat, len), -1);
	/* growing it is not possible (the buffer is fixed) */
	UT_ASSERT(mremap(moved, len, 2 * len, 0) == MAP_FAILED);
	close(fd);
	tu_doing("writing a moved mapping after close");
	moved[len - 1] = 0x5D;
	UT_OK(munmap(moved, len));
	fd = ut_open_dev("udmabuf0", O_RDONLY);
	UT_EQ(pread(fd, pat, 1, len - 1), 1);
	UT_EQ(pat[0], 0x5D);
	close(fd);
	free(pat);
}
