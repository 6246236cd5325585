// SPDX-License-Identifier: GPL-2.0
/*
 * Lifetimes: delete of an open/mapped buffer (E1), rmmod refused while
 * files or mappings exist (A2), fork.
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <linux/u-dma-buf.h>
#include "ut.h"
#include "tu_helpers.h"

#define LSZ	0x10000ULL
#define RW	(PROT_READ | PROT_WRITE)

/*
 * rmmod of a module in use: the kernel's delete_module(O_NONBLOCK) answers
 * EWOULDBLOCK (== EAGAIN) while the module's reference count is not zero
 * (design.md calls the refusal "EBUSY"); either is a refusal, and the module
 * must stay loaded.
 */
static void expect_unload_refused(const char *why)
{
	int r = ut_unload();

	if (r != -EAGAIN && r != -EBUSY)
		UT_FAIL("rmmod while %s: expected it refused (EAGAIN or "
			"EBUSY), saw %s", why, r ? strerror(-r) : "success");
	if (!ut_module_loaded())
		UT_FAIL("rmmod while %s was refused but the module is gone",
			why);
}

UT_TEST(E1_lifetime_delete_while_open_and_mapped, "")
{
	unsigned char *pat = tu_xmalloc(LSZ), *buf = tu_xmalloc(LSZ);
	unsigned char *old_m, *new_m;
	uint64_t old_addr, v;
	unsigned int old_minor;
	int old_fd, new_fd;

	tu_catch_faults();
	tu_mgr_create_x("lt", "0x10000", NULL);
	old_minor = tu_minor_x("lt");
	old_addr = ut_sysfs_u64("lt", "phys_addr");
	old_fd = ut_open_dev("lt", O_RDWR);
	old_m = tu_mmap(old_fd, LSZ, 0, RW, MAP_SHARED);
	UT_ASSERT(old_m != NULL);

	/* delete removes the name, node, sysfs dir and minor at once */
	tu_mgr_delete_x("lt");
	if (tu_dev_exists("lt") || tu_class_exists("lt"))
		UT_FAIL("after delete of an open buffer: expected /dev/lt and "
			"its sysfs directory to be gone at once");

	/* the old memory stays valid */
	tu_doing("writing through the mapping of a deleted buffer");
	tu_pattern(pat, LSZ, 21);
	memcpy(old_m, pat, LSZ);

	/* a new buffer with the same name and size */
	tu_mgr_create_x("lt", "0x10000", NULL);
	UT_EQ(tu_minor_x("lt"), old_minor);
	if (ut_sysfs_u64("lt", "phys_addr") == old_addr)
		UT_FAIL("the new buffer has the address 0x%llx of the deleted "
			"one, whose memory is still mapped",
			(unsigned long long)old_addr);
	new_fd = ut_open_dev("lt", O_RDWR);
	UT_EQ(tu_pread_all(new_fd, buf, LSZ, 0), (long long)LSZ);
	if (tu_first_not(buf, LSZ, 0) >= 0)
		UT_FAIL("new buffer after writes to the old mapping: expected "
			"zeros, first non-zero byte at %lld",
			tu_first_not(buf, LSZ, 0));
	new_m = tu_mmap(new_fd, LSZ, 0, RW, MAP_SHARED);
	UT_ASSERT(new_m != NULL);
	UT_EQ(tu_first_not(new_m, LSZ, 0), -1);
	UT_EQ(tu_first_diff(old_m, pat, LSZ), -1);

	/* writes to the new buffer do not reach the old one, and back */
	memset(new_m, 0x99, LSZ);
	UT_EQ(tu_first_diff(old_m, pat, LSZ), -1);
	old_m[0] = 0x01;
	UT_EQ(new_m[0], 0x99);

	/* read and ioctl on the old file still work, on the old memory */
	UT_EQ(tu_pread_all(old_fd, buf, LSZ, 0), (long long)LSZ);
	UT_EQ(buf[0], 0x01);
	UT_EQ(tu_first_diff(buf + 1, pat + 1, LSZ - 1), -1);
	UT_EQ(pwrite(old_fd, "xyz", 3, 100), 3);
	UT_ASSERT(memcmp(old_m + 100, "xyz", 3) == 0);
	v = 0;
	TU_IOCTL_X(old_fd, U_DMA_BUF_IOCTL_GET_SIZE, &v);
	UT_EQU(v, LSZ);
	v = 0;
	TU_IOCTL_X(old_fd, U_DMA_BUF_IOCTL_GET_DMA_ADDR, &v);
	UT_EQU(v, old_addr);
	v = 1;
	TU_IOCTL_X(old_fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_DEVICE, &v);
	v = 1;
	TU_IOCTL_X(old_fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_CPU, &v);
	/* mapping the old file again works too */
	{
		unsigned char *again = tu_mmap(old_fd, LSZ, 0, PROT_READ,
					       MAP_SHARED);

		if (again) {
			UT_EQ(again[100], 'x');
			munmap(again, LSZ);
		}
	}

	munmap(old_m, LSZ);
	close(old_fd);
	munmap(new_m, LSZ);
	close(new_fd);
	tu_mgr_delete_x("lt");
	free(pat);
	free(buf);
}

/* a mapping alone (file closed) keeps a deleted buffer's memory */
UT_TEST(E1_lifetime_delete_while_only_mapped, "")
{
	unsigned char *m;
	int fd;

	tu_catch_faults();
	tu_mgr_create_x("ltm", "0x10000", NULL);
	fd = ut_open_dev("ltm", O_RDWR);
	m = tu_mmap(fd, LSZ, 0, RW, MAP_SHARED);
	UT_ASSERT(m != NULL);
	close(fd);
	tu_mgr_delete_x("ltm");
	UT_ASSERT(!tu_dev_exists("ltm"));
	tu_doing("using the mapping of a deleted, closed buffer");
	memset(m, 0x6B, LSZ);
	/* churn: other buffers come and go meanwhile */
	for (int i = 0; i < 4; i++) {
		tu_mgr_create_x("ltm", "0x10000", NULL);
		tu_mgr_delete_x("ltm");
	}
	UT_EQ(tu_first_not(m, LSZ, 0x6B), -1);
	munmap(m, LSZ);
}

UT_TEST(A2_rmmod_busy_while_open, UT_NOLOAD)
{
	unsigned char b[4];
	int fd;

	UT_EQ(ut_load("udmabuf0=0x10000"), 0);
	fd = ut_open_dev("udmabuf0", O_RDWR);
	expect_unload_refused("/dev/udmabuf0 is open");
	UT_ASSERT(tu_dev_exists("udmabuf0"));
	UT_EQ(pwrite(fd, "abcd", 4, 0), 4);
	UT_EQ(pread(fd, b, 4, 0), 4);
	UT_ASSERT(memcmp(b, "abcd", 4) == 0);
	close(fd);
	UT_EQ(ut_unload(), 0);
	UT_LOG_HAS("u-dma-buf udmabuf0: driver uninstalled");
}

UT_TEST(A2_rmmod_busy_while_mapped, UT_NOLOAD)
{
	unsigned char *m;
	int fd;

	tu_catch_faults();
	UT_EQ(ut_load("udmabuf0=0x10000"), 0);
	fd = ut_open_dev("udmabuf0", O_RDWR);
	m = tu_mmap(fd, LSZ, 0, RW, MAP_SHARED);
	UT_ASSERT(m != NULL);
	close(fd);
	expect_unload_refused("the buffer is mapped (file closed)");
	tu_doing("using the mapping after a refused rmmod");
	memset(m, 0x12, LSZ);
	UT_EQ(tu_first_not(m, LSZ, 0x12), -1);
	UT_OK(munmap(m, LSZ));
	UT_EQ(ut_unload(), 0);
	UT_ASSERT(!ut_module_loaded());
}

/* the file of a deleted buffer still pins the module */
UT_TEST(A2_rmmod_busy_while_deleted_buffer_open, UT_NOLOAD)
{
	int fd;

	UT_EQ(ut_load(""), 0);
	tu_mgr_create_x("ltd", "4096", NULL);
	fd = ut_open_dev("ltd", O_RDWR);
	tu_mgr_delete_x("ltd");
	expect_unload_refused("a deleted buffer's file is open");
	UT_EQ(pwrite(fd, "q", 1, 0), 1);
	close(fd);
	UT_EQ(ut_unload(), 0);
}

/* rmmod with manager buffers (never opened) removes them all */
UT_TEST(A2_rmmod_removes_manager_buffers, UT_NOLOAD)
{
	UT_EQ(ut_load("udmabuf1=4096"), 0);
	tu_mgr_create_x("rma", "4096", NULL);
	tu_mgr_create_x("rmb", "8192", NULL);
	UT_EQ(ut_unload(), 0);
	UT_LOG_HAS("u-dma-buf rma: driver uninstalled");
	UT_LOG_HAS("u-dma-buf rmb: driver uninstalled");
	UT_LOG_HAS("u-dma-buf udmabuf1: driver uninstalled");
	UT_ASSERT(!tu_dev_exists("rma") && !tu_dev_exists("rmb") &&
		  !tu_dev_exists("udmabuf1"));
	/* and a new load starts clean */
	UT_EQ(ut_load(""), 0);
	tu_mgr_create_x("rma", "4096", NULL);
	UT_EQ(tu_minor_x("rma"), 0);
	UT_EQ(ut_unload(), 0);
}

UT_TEST(E1_lifetime_fork_child_keeps_mapping, "")
{
	int fd, go[2], st;
	unsigned char *m;
	pid_t pid;
	char c;

	tu_catch_faults();
	tu_mgr_create_x("fk", "0x10000", NULL);
	fd = ut_open_dev("fk", O_RDWR);
	m = tu_mmap(fd, LSZ, 0, RW, MAP_SHARED);
	UT_ASSERT(m != NULL);
	memset(m, 0x2F, LSZ);
	UT_OK(pipe(go));

	pid = fork();
	UT_ASSERT(pid >= 0);
	if (pid == 0) {
		close(go[1]);
		alarm(30);
		if (read(go[0], &c, 1) != 1)
			_exit(10);
		/* the parent deleted the buffer and dropped its mapping */
		if (tu_first_not(m, LSZ, 0x2F) >= 0)
			_exit(11);
		memset(m, 0x30, LSZ);
		if (pread(fd, &c, 1, LSZ - 1) != 1 || c != 0x30)
			_exit(12);
		_exit(0);
	}
	close(go[0]);
	tu_mgr_delete_x("fk");
	UT_ASSERT(!tu_dev_exists("fk"));
	munmap(m, LSZ);
	close(fd);
	UT_EQ(write(go[1], "g", 1), 1);
	close(go[1]);
	UT_EQ(waitpid(pid, &st, 0), pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		UT_FAIL("child using the inherited mapping after delete: "
			"expected exit 0, saw %s %d",
			WIFEXITED(st) ? "exit" : "signal",
			WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
}

/* a forked child shares the mapping (MAP_SHARED): writes are seen both ways */
UT_TEST(C1_mmap_shared_across_fork, "udmabuf0=0x10000")
{
	int fd = ut_open_dev("udmabuf0", O_RDWR), st;
	volatile unsigned char *m;
	pid_t pid;

	tu_catch_faults();
	m = tu_mmap(fd, LSZ, 0, RW, MAP_SHARED);
	UT_ASSERT(m != NULL);
	m[10] = 1;
	pid = fork();
	UT_ASSERT(pid >= 0);
	if (pid == 0) {
		if (m[10] != 1)
			_exit(1);
		m[20] = 2;
		_exit(0);
	}
	UT_EQ(waitpid(pid, &st, 0), pid);
	UT_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	UT_EQ(m[20], 2);
	munmap((void *)m, LSZ);
	close(fd);
}
