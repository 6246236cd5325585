// SPDX-License-Identifier: GPL-2.0
/*
 * Errors that any opener of /dev/<name> or writer of its sysfs attributes
 * can trigger are logged rate limited: a loop of bad calls cannot flood the
 * console.  (The manager, root only, logs every error.)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/u-dma-buf.h>

#include "ut.h"
#include "tu_helpers.h"

#define TRIES	200

/* lines of the log since the test started that contain text */
static int count_lines(const char *text)
{
	const char *p = ut_log();
	int n = 0;

	while ((p = strstr(p, text)) != NULL) {
		n++;
		p += strlen(text);
	}
	return n;
}

UT_TEST(E2_user_errors_rate_limited, "udmabuf0=0x10000")
{
	int fd = ut_open_dev("udmabuf0", O_RDWR);
	__u64 bad = U_DMA_BUF_SYNC_ARG(0x20000, 0x1000, 0);
	int mmap_lines, sync_lines, sysfs_lines;

	/* the last round after the rate limit's 5 s interval: always logged */
	for (int i = 0; i <= TRIES; i++) {
		if (i == TRIES)
			sleep(6);
		void *p = mmap(NULL, 0x1000, PROT_READ, MAP_SHARED, fd,
			       0x100000);

		UT_ASSERT(p == MAP_FAILED);
		UT_ERRNO(ioctl(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_CPU, &bad),
			 EINVAL);
		UT_EQ(ut_sysfs_write("udmabuf0", "sync_mode", "9"), -EINVAL);
	}
	mmap_lines = count_lines("mmap: offset");
	sync_lines = count_lines("exceed the buffer size");
	sysfs_lines = count_lines("sync_mode: \"9\"");
	/* logged, but two bursts at most (printk's default: 10 per 5 s) */
	if (mmap_lines < 1 || sync_lines < 1 || sysfs_lines < 1)
		UT_FAIL("expected the errors to be logged: mmap %d, sync %d, sysfs %d lines; log:\n%s",
			mmap_lines, sync_lines, sysfs_lines, ut_log());
	if (mmap_lines > 21 || sync_lines > 21 || sysfs_lines > 21)
		UT_FAIL("%d bad calls each logged %d (mmap), %d (sync), %d (sysfs) lines: not rate limited",
			TRIES, mmap_lines, sync_lines, sysfs_lines);
	close(fd);
}
