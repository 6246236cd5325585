// SPDX-License-Identifier: GPL-2.0
/*
 * H11: what a mapping costs in page faults (getrusage ru_minflt), and that
 * lazily filled mappings stay correct under concurrent first touches.
 * Mappings are filled in aligned 4 MiB batches at the first touch:
 *  - reading every page takes one fault per batch, not one per page;
 *  - writing every page of a fresh mapping takes one fault per batch too,
 *    also on CPUs without a hardware dirty bit (ARMv8.0, 32-bit ARM): a
 *    batch a write fills is writable and dirty from the start.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <signal.h>

#include "ut.h"
#include "tu_helpers.h"

#define BATCH	(4 * TU_MIB)

static long minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

/* faults taken while touching every page of [p, p + len) once */
static long touch_faults(volatile unsigned char *p, size_t len, int write)
{
	size_t pg = tu_page_size(), i;
	unsigned int sum = 0;
	long before = minflt();

	for (i = 0; i < len; i += pg) {
		if (write)
			p[i] = (unsigned char)i;
		else
			sum += p[i];
	}
	(void)sum;
	return minflt() - before;
}

UT_TEST(H11_first_touch_faults_once_per_batch, "udmabuf0=1M")
{
	int fd = ut_open_dev("udmabuf0", O_RDWR);
	unsigned char *p = tu_mmap(fd, TU_MIB, 0, PROT_READ | PROT_WRITE,
				   MAP_SHARED);

	UT_ASSERT(p != NULL);
	/* writes first: one fault fills the batch, dirty */
	UT_EQ(touch_faults(p, TU_MIB, 1), 1);
	UT_EQ(touch_faults(p, TU_MIB, 1), 0);
	UT_EQ(touch_faults(p, TU_MIB, 0), 0);
	for (size_t i = 0; i < TU_MIB; i += tu_page_size())
		UT_EQ(p[i], (unsigned char)i);
	munmap(p, TU_MIB);
	/* reads first: one fault */
	p = tu_mmap(fd, TU_MIB, 0, PROT_READ | PROT_WRITE, MAP_SHARED);
	UT_ASSERT(p != NULL);
	UT_EQ(touch_faults(p, TU_MIB, 0), 1);
	UT_EQ(touch_faults(p, TU_MIB, 0), 0);
	munmap(p, TU_MIB);
	close(fd);
}

/* mmap() fills nothing: its cost does not grow with the window */
UT_TEST(H11_mmap_fills_nothing, "udmabuf0=4M")
{
	int fd = ut_open_dev("udmabuf0", O_RDWR);
	unsigned char *p = tu_mmap(fd, 4 * TU_MIB, 0, PROT_READ | PROT_WRITE,
				   MAP_SHARED);

	UT_ASSERT(p != NULL);
	/* the first touch anywhere faults: nothing was mapped before */
	UT_EQ(touch_faults(p + 2 * TU_MIB, 1, 0), 1);
	UT_EQ(touch_faults(p, 4 * TU_MIB, 0), 0);
	munmap(p, 4 * TU_MIB);
	close(fd);
}

/* a read-only mapping must stay read-only: a write is SIGSEGV */
UT_TEST(H11_small_window_readonly_stays_readonly, "udmabuf0=64K")
{
	int fd = ut_open_dev("udmabuf0", O_RDONLY);
	unsigned char *p = tu_mmap(fd, 0x10000, 0, PROT_READ, MAP_SHARED);
	int st = 0;
	pid_t pid;

	UT_ASSERT(p != NULL);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		((volatile unsigned char *)p)[0] = 1;
		_exit(0);
	}
	UT_ASSERT(waitpid(pid, &st, 0) == pid);
	UT_ASSERT(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
	munmap(p, 0x10000);
	close(fd);
}

/* windows larger than a batch need a buffer beyond the buddy allocator */
static size_t create_large_x(const char *name, const char *opts)
{
	size_t len = 3 * BATCH;
	int r = ut_mgr("create %s %zu %s", name, len, opts);

	if (r)
		UT_FAIL("create %s %zu: %s", name, len, strerror(-r));
	return len;
}

/* reading every page of a dev mapping of len bytes: one fault per batch */
static void check_lazy(const char *name, size_t len)
{
	int fd = ut_open_dev(name, O_RDWR);
	unsigned char *p = tu_mmap(fd, len, 0, PROT_READ | PROT_WRITE,
				   MAP_SHARED);
	long f, want = (long)(len / BATCH);

	UT_ASSERT(p != NULL);
	f = touch_faults(p, len, 0);
	/* one per 4 MiB batch (a stray libc fault allowed) */
	if (f < want || f > want + 1)
		UT_FAIL("%s: reading every page of %zu bytes took %ld faults, expected %ld (one per 4 MiB batch)",
			name, len, f, want);
	munmap(p, len);
	close(fd);
}

UT_TEST(H11_large_window_faults_per_batch, "")
{
	check_lazy("lazypage", create_large_x("lazypage", ""));
}

/* a CMA region buffer is mapped by pfn, in the same batches */
UT_TEST_BOOT(H11_dt_large_window_faults_per_batch_pfn, "", "dt")
{
	check_lazy("udmabuf-cma", 8 * TU_MIB);
}

/* threads touching the same not yet filled batches at once */
struct racer {
	volatile unsigned char *p;
	size_t len;
	int bad;
};

static void *race_reader(void *arg)
{
	struct racer *r = arg;
	size_t pg = tu_page_size();

	for (size_t i = 0; i < r->len; i += pg)
		if (r->p[i] != (unsigned char)(i / pg))
			r->bad++;
	return NULL;
}

UT_TEST(H11_concurrent_first_touch, "")
{
	size_t len = create_large_x("lazyrace", "quirk-mmap=page");
	size_t pg = tu_page_size();
	int fd = ut_open_dev("lazyrace", O_RDWR);
	unsigned char *p;
	struct racer r[4];
	pthread_t th[4];

	/* the pattern goes in through write(): the mapping starts empty */
	{
		unsigned char *buf = tu_xmalloc(len);

		for (size_t i = 0; i < len; i += pg)
			memset(buf + i, (int)(i / pg), pg);
		UT_EQ(tu_pwrite_all(fd, buf, len, 0), (long long)len);
		free(buf);
	}
	p = tu_mmap(fd, len, 0, PROT_READ | PROT_WRITE, MAP_SHARED);
	UT_ASSERT(p != NULL);
	for (int i = 0; i < 4; i++) {
		r[i] = (struct racer){ .p = p, .len = len };
		UT_EQ(pthread_create(&th[i], NULL, race_reader, &r[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		UT_EQ(r[i].bad, 0);
	}
	munmap(p, len);
	close(fd);
}
