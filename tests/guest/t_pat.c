// SPDX-License-Identifier: GPL-2.0
/*
 * C3 / F2 on x86_64: O_SYNC mappings get their memory type through PAT,
 * the kernel's linear mapping of the buffer is switched with them and back
 * before the memory returns, and a buffer has one type at a time
 * (design.md "x86 memory types").  Types are read from the page tables
 * through the test helper module, not from the driver.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <linux/u-dma-buf.h>

#include "ut.h"
#include "tu_helpers.h"

#define RW	(PROT_READ | PROT_WRITE)
#define SZ	0x100000UL

static void x86_only(void)
{
	if (!tu_is_arch("x86_64"))
		UT_SKIP("PAT memory types are x86_64 only; other architectures "
			"have their own F2 tests");
	tu_helper_load_x();
}

/* map dev with sync_mode mode (O_SYNC), touch it; *fd gets the file */
static unsigned char *map_mode(const char *dev, int mode, int o_sync,
			       int *fd)
{
	char m[8];
	unsigned char *p;

	snprintf(m, sizeof(m), "%d", mode);
	UT_OK(ut_sysfs_write(dev, "sync_mode", m));
	*fd = ut_open_dev(dev, O_RDWR | (o_sync ? O_SYNC : 0));
	p = tu_mmap(*fd, SZ, 0, RW, MAP_SHARED);
	UT_ASSERT(p != NULL);
	/* reads fault the ptes in: the data stay as they are */
	(void)*(volatile unsigned char *)p;
	(void)*(volatile unsigned char *)(p + SZ / 2);
	(void)*(volatile unsigned char *)(p + SZ - 1);
	return p;
}

/* the user pte at p and the linear map at every 64 KiB of dev are want */
static void expect_type(const char *dev, const unsigned char *p,
			const char *want, const char *what)
{
	uint64_t pa = ut_sysfs_u64(dev, "cpu_phys_addr");
	char kind[32];

	if (p) {
		tu_pte_kind_x(p, kind, sizeof(kind));
		if (strcmp(kind, want))
			UT_FAIL("%s: expected a \"%s\" user pte, saw \"%s\"",
				what, want, kind);
	}
	for (uint64_t off = 0; off < SZ; off += 0x10000) {
		tu_kpte_kind_x(pa + off, kind, sizeof(kind));
		if (strcmp(kind, want))
			UT_FAIL("%s: expected the linear map at +0x%llx \"%s\", "
				"saw \"%s\"", what, (unsigned long long)off,
				want, kind);
	}
}

/*
 * Each type in turn: UC- (mode 1 O_SYNC), WC (mode 2 O_SYNC, mode 6),
 * WB (cached, dma-coherent); the data survives every switch; after the
 * delete the pages are write-back again in the kernel's map.
 */
UT_TEST(F2_x86_pat_types_and_linear_map, "")
{
	static const struct {
		int mode, o_sync;
		const char *type;
	} steps[] = {
		{ 1, 1, "uc-" }, { 2, 1, "wc" }, { 0, 0, "wb" },
		{ 6, 0, "wc" }, { 3, 1, "wb" }, { 5, 0, "uc-" }, { 1, 0, "wb" },
	};
	unsigned char *p, *pat = tu_xmalloc(SZ);
	uint64_t pa;
	char what[64], kind[32];
	int fd;

	x86_only();
	tu_pattern(pat, SZ, 42);
	tu_mgr_create_x("pat", "0x100000", NULL);
	pa = ut_sysfs_u64("pat", "cpu_phys_addr");
	expect_type("pat", NULL, "wb", "a new buffer");
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		p = map_mode("pat", steps[i].mode, steps[i].o_sync, &fd);
		snprintf(what, sizeof(what), "sync_mode %d%s", steps[i].mode,
			 steps[i].o_sync ? " O_SYNC" : "");
		expect_type("pat", p, steps[i].type, what);
		if (i)
			UT_EQ(tu_first_diff(p, pat, SZ), -1);
		memcpy(p, pat, SZ);
		munmap(p, SZ);
		close(fd);
	}
	/* left uncached by its last O_SYNC mapping: read() agrees */
	p = map_mode("pat", 5, 0, &fd);
	munmap(p, SZ);
	close(fd);
	fd = ut_open_dev("pat", O_RDWR);
	{
		unsigned char *got = tu_xmalloc(SZ);

		UT_EQ(tu_pread_all(fd, got, SZ, 0), (long long)SZ);
		UT_EQ(tu_first_diff(got, pat, SZ), -1);
		free(got);
	}
	close(fd);
	expect_type("pat", NULL, "uc-", "after the last uncached mapping");
	tu_mgr_delete_x("pat");
	tu_kpte_kind_x(pa, kind, sizeof(kind));
	UT_STREQ(kind, "wb");
	tu_kpte_kind_x(pa + SZ - 4096, kind, sizeof(kind));
	UT_STREQ(kind, "wb");
	free(pat);
}

/*
 * One type at a time: a mapping that asks for another type while one is
 * live gets the buffer's type (DMA is coherent in all of them) and a
 * notice; forked mappings count as live.
 */
UT_TEST(F2_x86_pat_one_type_at_a_time, "")
{
	unsigned char *a, *b;
	int fa, fb, st;
	pid_t pid;

	x86_only();
	tu_mgr_create_x("pat1", "0x100000", NULL);
	a = map_mode("pat1", 0, 0, &fa);
	expect_type("pat1", a, "wb", "cached first");
	b = map_mode("pat1", 1, 1, &fb);
	expect_type("pat1", b, "wb", "O_SYNC while a cached mapping lives");
	UT_LOG_HAS("uncached asked for, but the buffer stays write-back");
	munmap(a, SZ);
	close(fa);
	munmap(b, SZ);
	close(fb);

	a = map_mode("pat1", 2, 1, &fa);
	expect_type("pat1", a, "wc", "write-combine first");
	pid = fork();
	UT_OK(pid);
	if (pid == 0) {
		/* the child's copy of the mapping keeps the type */
		sleep(2);
		(void)*(volatile unsigned char *)a;
		_exit(0);
	}
	munmap(a, SZ);
	close(fa);
	b = map_mode("pat1", 0, 0, &fb);
	expect_type("pat1", b, "wc", "cached while the child's WC mapping lives");
	UT_LOG_HAS("write-back asked for, but the buffer stays write-combined");
	munmap(b, SZ);
	close(fb);
	UT_OK(waitpid(pid, &st, 0));
	UT_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	b = map_mode("pat1", 0, 0, &fb);
	expect_type("pat1", b, "wb", "cached once every WC mapping is gone");
	munmap(b, SZ);
	close(fb);
	tu_mgr_delete_x("pat1");
}

/*
 * dma-buf importers map write-back: an export is refused (EBUSY, a log
 * line) while an uncached mapping lives, turns an idle uncached buffer
 * back to write-back, and keeps it so while it lives.
 */
UT_TEST(F2_x86_pat_export_keeps_write_back, "")
{
	struct u_dma_buf_ioctl_export_args e;
	unsigned char *p;
	int fd, fe, dfd;

	x86_only();
	tu_mgr_create_x("pat2", "0x100000", NULL);
	p = map_mode("pat2", 1, 1, &fd);
	expect_type("pat2", p, "uc-", "O_SYNC mode 1");
	fe = ut_open_dev("pat2", O_RDWR);
	memset(&e, 0, sizeof(e));
	e.flags = O_RDWR | O_CLOEXEC;
	UT_EQ(tu_ioctl(fe, U_DMA_BUF_IOCTL_EXPORT, &e), -EBUSY);
	UT_LOG_HAS("importers need write-back memory");
	munmap(p, SZ);
	close(fd);
	expect_type("pat2", NULL, "uc-", "idle after the uncached mapping");
	memset(&e, 0, sizeof(e));
	e.flags = O_RDWR | O_CLOEXEC;
	TU_IOCTL_X(fe, U_DMA_BUF_IOCTL_EXPORT, &e);
	dfd = e.fd;
	expect_type("pat2", NULL, "wb", "exported");
	p = map_mode("pat2", 2, 1, &fd);
	expect_type("pat2", p, "wb", "O_SYNC mode 2 while exported");
	munmap(p, SZ);
	close(fd);
	close(dfd);
	close(fe);
	p = map_mode("pat2", 2, 1, &fd);
	expect_type("pat2", p, "wc", "O_SYNC mode 2 after the export");
	munmap(p, SZ);
	close(fd);
	tu_mgr_delete_x("pat2");
}

/*
 * No switch while someone else holds a page: pages spliced into a pipe
 * (vmsplice takes page references, as O_DIRECT in flight and pins do)
 * keep the buffer write-back; once the pipe is drained the type changes.
 */
UT_TEST(F2_x86_pat_no_switch_while_referenced, "")
{
	unsigned char *p, got[4096];
	struct iovec iov;
	int fd, pp[2];

	x86_only();
	tu_mgr_create_x("pat3", "0x100000", NULL);
	p = map_mode("pat3", 0, 0, &fd);
	memset(p, 0x77, 4096);
	UT_OK(pipe(pp));
	iov.iov_base = p;
	iov.iov_len = 4096;
	UT_EQ(vmsplice(pp[1], &iov, 1, 0), 4096);
	munmap(p, SZ);
	close(fd);
	p = map_mode("pat3", 1, 1, &fd);
	expect_type("pat3", p, "wb", "O_SYNC while a pipe holds a page");
	UT_LOG_HAS("uncached asked for, but the buffer stays write-back");
	munmap(p, SZ);
	close(fd);
	UT_EQ(read(pp[0], got, sizeof(got)), 4096);
	UT_EQ(tu_first_not(got, sizeof(got), 0x77), -1);
	close(pp[0]);
	close(pp[1]);
	p = map_mode("pat3", 1, 1, &fd);
	expect_type("pat3", p, "uc-", "O_SYNC once the pipe is drained");
	munmap(p, SZ);
	close(fd);
	tu_mgr_delete_x("pat3");
}
