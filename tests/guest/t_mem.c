// SPDX-License-Identifier: GPL-2.0
/*
 * E1 / A2: memory really comes back.  MemFree, CmaFree (where the kernel
 * has CMA) and Slab of /proc/meminfo are recorded, many buffers are
 * created, mapped, touched, short-term pinned (vmsplice() into a pipe,
 * drained), unmapped and deleted (or the module loaded and unloaded), and
 * the three values must return to where they started, within the
 * tolerances below.
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
#include <sys/uio.h>

#include "ut.h"
#include "tu_helpers.h"

#define RW	(PROT_READ | PROT_WRITE)

/*
 * A real leak grows with the cycles: MEM_SMALL_CYCLES rounds of a 4 KiB and
 * a 72 KiB buffer and MEM_LARGE_CYCLES rounds of 1 MiB and 4 MiB exceed the
 * tolerances of tu_mem_tu_mem_expect_back_x() (tu_helpers.c: 512 KiB of MemFree
 * and CmaFree) as soon as a round loses one page, and Slab's 128 KiB as
 * soon as a small round loses 656 bytes of kernel objects.
 */
#define MEM_SMALL_CYCLES	200
#define MEM_LARGE_CYCLES	12

/* "pf" in the VmFlags of the mapping at m: a VM_PFNMAP mapping */
static int is_pfnmap(const void *m)
{
	static char smaps[256 * 1024];
	char start[32], *p;
	size_t l;

	if (ut_read_file("/proc/self/smaps", smaps, sizeof(smaps)) <= 0)
		return 0;
	snprintf(start, sizeof(start), "\n%lx-", (unsigned long)m);
	p = strstr(smaps, start);
	if (!p)
		return 0;
	p = strstr(p, "VmFlags:");
	if (!p)
		return 0;
	l = strcspn(p, "\n");
	p[l] = '\0';
	return strstr(p, " pf") != NULL;
}

/*
 * A short-term pin: vmsplice() the first, a middle and the last page of
 * the mapping into a pipe (the pipe holds page references), then read
 * them back out.  A pfn mapping has no pages to pin: EFAULT there.
 */
static void pin_roundtrip_x(unsigned char *m, size_t len, int pfd[2])
{
	size_t ps = tu_page_size(), n = len / ps;
	static unsigned char got[3 * 65536];
	struct iovec iov[3] = {
		{ m, ps }, { m + n / 2 * ps, ps }, { m + (n - 1) * ps, ps },
	};
	ssize_t r = vmsplice(pfd[1], iov, 3, 0);
	size_t done = 0;

	if (r < 0) {
		if (errno == EFAULT && is_pfnmap(m))
			return;
		UT_FAIL("vmsplice of 3 pages of a page-backed mapping into a "
			"pipe: expected success, saw %s", strerror(errno));
	}
	UT_EQ(r, (long long)(3 * ps));
	while (done < 3 * ps) {
		ssize_t k = read(pfd[0], got + done, 3 * ps - done);

		if (k <= 0)
			UT_FAIL("draining the pipe: %s", k ? strerror(errno) :
				"end of file");
		done += (size_t)k;
	}
	for (int i = 0; i < 3; i++)
		if (memcmp(got + i * ps, iov[i].iov_base, ps))
			UT_FAIL("vmsplice: page %d read from the pipe differs "
				"from the mapping", i);
}

/*
 * One buffer's life: create, map, touch every page, pin, unmap, delete.
 * late_delete: delete while still open and mapped, then let go.
 */
static void cycle_x(const char *name, size_t size, int late_delete,
		    int pfd[2])
{
	char sz[32];
	unsigned char *m;
	int fd;

	snprintf(sz, sizeof(sz), "%zu", size);
	tu_mgr_create_x(name, sz, NULL);
	fd = ut_open_dev(name, O_RDWR);
	m = tu_mmap(fd, size, 0, RW, MAP_SHARED);
	if (!m)
		UT_FAIL("mmap of %s (%zu bytes): %s", name, size,
			strerror(errno));
	tu_doing("touching %s", name);
	for (size_t i = 0; i < size; i += tu_page_size())
		m[i] = (unsigned char)(i >> 12);
	pin_roundtrip_x(m, size, pfd);
	if (late_delete) {
		tu_mgr_delete_x(name);
		m[size - 1] = 1;
	}
	munmap(m, size);
	close(fd);
	if (!late_delete)
		tu_mgr_delete_x(name);
	if (tu_dev_exists(name))
		UT_FAIL("/dev/%s still exists after its delete", name);
}

static void small_round_x(int pfd[2], int i)
{
	cycle_x("memsmall", 4096, i & 1, pfd);
	cycle_x("memodd", 17 * 4096 + 100, !(i & 1), pfd);
}

static void large_round_x(int pfd[2], int i)
{
	cycle_x("memlarge", TU_MIB, i & 1, pfd);
	cycle_x("memhuge", 4 * TU_MIB, !(i & 1), pfd);
}

UT_TEST(E1_mem_returns_after_buffer_cycles, "info_enable=0")
{
	struct tu_meminfo before, after;
	char list[256];
	int pfd[2];

	tu_catch_faults();
	UT_OK(pipe(pfd));
	/*
	 * Warm-up: every cache the cycles use reaches its steady size.  Both
	 * figures are taken after small rounds, which leave little on the
	 * per-CPU lists.
	 */
	for (int i = 0; i < 4; i++) {
		large_round_x(pfd, i);
		small_round_x(pfd, i);
	}
	before = tu_mem_settled_x();
	for (int i = 0; i < MEM_LARGE_CYCLES; i++)
		large_round_x(pfd, i);
	for (int i = 0; i < MEM_SMALL_CYCLES; i++)
		small_round_x(pfd, i);
	close(pfd[0]);
	close(pfd[1]);
	UT_OK(pipe(pfd));	/* the same pipe memory as before */
	after = tu_mem_settled_x();
	close(pfd[0]);
	close(pfd[1]);
	tu_class_list(list, sizeof(list));
	UT_STREQ(list, "");
	tu_mem_expect_back_x("create/map/touch/pin/unmap/delete cycles", &before,
		      &after);
}

/* parameter buffers: loading and unloading the module frees them */
UT_TEST(A2_mem_returns_after_load_unload, UT_NOLOAD)
{
	const char *params = "udmabuf0=0x400000 udmabuf1=0x100000 "
			     "udmabuf2=12288 info_enable=0";
	struct tu_meminfo before, after;
	int pfd[2];

	tu_catch_faults();
	UT_OK(pipe(pfd));
	for (int i = 0; i < 28; i++) {
		unsigned char *m;
		int fd, r;

		if (i == 4)
			before = tu_mem_settled_x();
		r = ut_load(params);
		if (r)
			UT_FAIL("load %d with \"%s\": %s", i, params,
				strerror(-r));
		fd = ut_open_dev("udmabuf0", O_RDWR);
		m = tu_mmap(fd, 0x400000, 0, RW, MAP_SHARED);
		UT_ASSERT(m != NULL);
		memset(m, i, 0x400000);
		pin_roundtrip_x(m, 0x400000, pfd);
		munmap(m, 0x400000);
		close(fd);
		r = ut_unload();
		if (r)
			UT_FAIL("unload %d: %s", i, strerror(-r));
	}
	close(pfd[0]);
	close(pfd[1]);
	UT_OK(pipe(pfd));
	after = tu_mem_settled_x();
	close(pfd[0]);
	close(pfd[1]);
	tu_mem_expect_back_x("24 load/map/touch/pin/unmap/unload cycles", &before,
		      &after);
}
