// SPDX-License-Identifier: GPL-2.0
/* /dev/u-dma-buf-mgr: create/delete/list and options (E1); minors (A6). */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <linux/u-dma-buf.h>
#include "ut.h"
#include "tu_helpers.h"

UT_TEST(E1_create_delete_with_echo, "")
{
	char coh[8], line[160];
	const char *log;

	UT_EQ(ut_sh("echo 'create e1buf 0x10000' > " TU_MGR_PATH), 0);
	if (!tu_dev_exists("e1buf") || !tu_class_exists("e1buf"))
		UT_FAIL("after create: expected /dev/e1buf and "
			TU_CLASS_DIR "/e1buf");
	UT_EQU(ut_sysfs_u64("e1buf", "size"), 0x10000);
	UT_EQ(tu_minor_x("e1buf"), 0);

	/* the same lines as a load */
	log = ut_log();
	UT_LOG_HAS("u-dma-buf e1buf: driver installed");
	UT_LOG_HAS("u-dma-buf e1buf: driver version = ");
	UT_EQ(tu_log_value(log, "e1buf", "major number  ", 10),
	      tu_major_x("e1buf"));
	UT_EQ(tu_log_value(log, "e1buf", "minor number  ", 10), 0);
	UT_EQU(tu_log_value(log, "e1buf", "phys address  ", 16),
	       ut_sysfs_u64("e1buf", "phys_addr"));
	UT_LOG_HAS("u-dma-buf e1buf: buffer size    = 65536");
	UT_LOG_HAS("u-dma-buf e1buf: dma device     = ");
	tu_sysfs_str_x("e1buf", "dma_coherent", coh, sizeof(coh));
	snprintf(line, sizeof(line), "u-dma-buf e1buf: dma coherent   = %s",
		 coh);
	UT_LOG_HAS(line);
	UT_LOG_LACKS("driver uninstalled");

	UT_EQ(ut_sh("echo 'delete e1buf' > " TU_MGR_PATH), 0);
	if (tu_dev_exists("e1buf"))
		UT_FAIL("after delete: expected /dev/e1buf to be gone");
	if (tu_class_exists("e1buf"))
		UT_FAIL("after delete: expected " TU_CLASS_DIR "/e1buf to be "
			"gone");
	UT_LOG_HAS("u-dma-buf e1buf: driver uninstalled");
}

UT_TEST(E1_write_returns_byte_count, "")
{
	static const char *const cmds[] = {
		"create wr1 4096", "create wr2 8192\n", "delete wr1",
		"delete wr2\n", "create wr3 16K minor=9\n", "delete wr3",
	};
	int fd = open(TU_MGR_PATH, O_WRONLY);

	UT_ASSERT(fd >= 0);
	/* one command per write(2), also on the same open file */
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		ssize_t n = write(fd, cmds[i], strlen(cmds[i]));

		if (n != (ssize_t)strlen(cmds[i]))
			UT_FAIL("write(\"%s\"): expected %zu, saw %zd (%s)",
				cmds[i], strlen(cmds[i]), n,
				n < 0 ? strerror(errno) : "short");
		if (i == 0 && !tu_dev_exists("wr1"))
			UT_FAIL("expected /dev/wr1 after \"%s\"", cmds[0]);
		if (i == 4) {
			UT_EQU(ut_sysfs_u64("wr3", "size"), 16384);
			UT_EQ(tu_minor_x("wr3"), 9);
		}
	}
	close(fd);
	UT_ASSERT(!tu_dev_exists("wr1") && !tu_dev_exists("wr2") &&
		  !tu_dev_exists("wr3"));
}

UT_TEST(E1_create_quiet_with_info_enable_0, "info_enable=0")
{
	tu_mgr_create_x("quiet", "4096", NULL);
	UT_LOG_LACKS("driver installed");
	UT_LOG_LACKS("phys address");
	tu_mgr_delete_x("quiet");
	UT_LOG_LACKS("driver uninstalled");
}

UT_TEST(E1_create_options_applied, "")
{
	struct u_dma_buf_ioctl_dev_info info;
	struct u_dma_buf_ioctl_sync_args s;
	int fd;

	tu_mgr_create_x("e1opt", "0x10000", "minor=5 sync-mode=3 "
			"sync-offset=0x1000 sync-size=0x2000 "
			"sync-direction=2 dma-mask=40");
	UT_EQ(tu_minor_x("e1opt"), 5);
	UT_EQU(ut_sysfs_u64("e1opt", "sync_mode"), 3);
	UT_EQU(ut_sysfs_u64("e1opt", "sync_offset"), 0x1000);
	UT_EQU(ut_sysfs_u64("e1opt", "sync_size"), 0x2000);
	UT_EQU(ut_sysfs_u64("e1opt", "sync_direction"), 2);
	UT_EQU(ut_sysfs_u64("e1opt", "size"), 0x10000);
	fd = ut_open_dev("e1opt", O_RDWR);
	memset(&info, 0, sizeof(info));
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_GET_DEV_INFO, &info);
	UT_EQU(info.flags & U_DMA_BUF_DEV_INFO_DMA_MASK_MASK, 40);
	memset(&s, 0, sizeof(s));
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_GET_SYNC, &s);
	UT_EQU(s.offset, 0x1000);
	UT_EQU(s.size, 0x2000);
	UT_EQU((s.flags >> U_DMA_BUF_SYNC_DIR_SHIFT) & 3, 2);
	UT_EQU((s.flags >> U_DMA_BUF_SYNC_MODE_SHIFT) & 0xff, 3);
	close(fd);
	tu_mgr_delete_x("e1opt");

	/* each option alone, decimal values */
	tu_mgr_create_x("e1a", "65536", "sync-mode=7");
	UT_EQU(ut_sysfs_u64("e1a", "sync_mode"), 7);
	UT_EQU(ut_sysfs_u64("e1a", "sync_size"), 65536);
	tu_mgr_create_x("e1b", "65536", "sync-size=100");
	UT_EQU(ut_sysfs_u64("e1b", "sync_size"), 100);
	UT_EQU(ut_sysfs_u64("e1b", "sync_mode"), 1);
	tu_mgr_create_x("e1c", "65536", "dma-mask=64 sync-always=1");
	fd = ut_open_dev("e1c", O_RDWR);
	memset(&info, 0, sizeof(info));
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_GET_DEV_INFO, &info);
	UT_EQU(info.flags & U_DMA_BUF_DEV_INFO_DMA_MASK_MASK, 64);
	close(fd);
	tu_mgr_create_x("e1d", "65536", "sync-always=0 sync-offset=65535");
	UT_EQU(ut_sysfs_u64("e1d", "sync_offset"), 65535);
	tu_mgr_delete_x("e1a");
	tu_mgr_delete_x("e1b");
	tu_mgr_delete_x("e1c");
	tu_mgr_delete_x("e1d");
}

UT_TEST(E1_create_quirk_mmap_option, "")
{
	static const struct { const char *v; int mode; } q[] = {
		{ "off", 1 }, { "on", 2 }, { "auto", 3 }, { "page", 4 },
	};

	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		char opt[32];

		snprintf(opt, sizeof(opt), "quirk-mmap=%s", q[i].v);
		tu_mgr_create_x("e1q", "4096", opt);
		UT_EQU(ut_sysfs_u64("e1q", "quirk_mmap_mode"), q[i].mode);
		tu_mgr_delete_x("e1q");
	}
}

struct listed {
	char name[80];
	unsigned long long size, addr;
};

static int read_list(struct listed *l, int max, char *raw, size_t rawlen)
{
	int n = 0;
	char *line, *save = NULL, copy[8192];
	int r = ut_read_file(TU_MGR_PATH, raw, rawlen);

	if (r < 0)
		UT_FAIL("reading " TU_MGR_PATH ": expected success, saw %s",
			strerror(-r));
	snprintf(copy, sizeof(copy), "%s", raw);
	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char extra[8];

		if (n >= max)
			UT_FAIL("manager list: more lines than expected:\n%s",
				raw);
		if (sscanf(line, "%79s %llu %llx %7s", l[n].name, &l[n].size,
			   &l[n].addr, extra) != 3)
			UT_FAIL("manager list: expected \"<name> <size> "
				"<phys_addr>\" lines, saw \"%s\"", line);
		n++;
	}
	return n;
}

static void expect_listed(struct listed *l, int n, const char *name,
			  uint64_t size, const char *raw)
{
	for (int i = 0; i < n; i++) {
		if (strcmp(l[i].name, name))
			continue;
		UT_EQU(l[i].size, size);
		UT_EQU(l[i].addr, ut_sysfs_u64(name, "phys_addr"));
		return;
	}
	UT_FAIL("manager list: expected a line for %s, saw:\n%s", name, raw);
}

UT_TEST(E1_read_lists_buffers, "udmabuf0=4096")
{
	struct listed l[8];
	char raw[4096], small[4096];
	int n, fd;
	size_t got = 0;
	ssize_t r;

	tu_mgr_create_x("lista", "0x2000", NULL);
	tu_mgr_create_x("listb", "12345", NULL);
	n = read_list(l, 8, raw, sizeof(raw));
	UT_EQ(n, 3);
	expect_listed(l, n, "udmabuf0", 4096, raw);
	expect_listed(l, n, "lista", 0x2000, raw);
	expect_listed(l, n, "listb", 12345, raw);

	/* the same text when read in small pieces */
	fd = open(TU_MGR_PATH, O_RDONLY);
	UT_ASSERT(fd >= 0);
	while ((r = read(fd, small + got, 7)) > 0 && got < sizeof(small) - 8)
		got += r;
	UT_ASSERT(r >= 0);
	small[got] = '\0';
	close(fd);
	UT_STREQ(small, raw);

	tu_mgr_delete_x("lista");
	n = read_list(l, 8, raw, sizeof(raw));
	UT_EQ(n, 2);
	expect_listed(l, n, "udmabuf0", 4096, raw);
	expect_listed(l, n, "listb", 12345, raw);
	tu_mgr_delete_x("listb");
	n = read_list(l, 8, raw, sizeof(raw));
	UT_EQ(n, 1);
}

UT_TEST(E1_read_lists_nothing_when_empty, "")
{
	char raw[256];

	UT_EQ(ut_read_file(TU_MGR_PATH, raw, sizeof(raw)), 0);
}

UT_TEST(A6_auto_minor_lowest_free, "udmabuf0=4096 udmabuf2=4096")
{
	tu_mgr_create_x("am_a", "4096", NULL);
	UT_EQ(tu_minor_x("am_a"), 1);
	tu_mgr_create_x("am_b", "4096", NULL);
	UT_EQ(tu_minor_x("am_b"), 3);
	tu_mgr_delete_x("am_a");
	tu_mgr_create_x("am_c", "4096", NULL);
	UT_EQ(tu_minor_x("am_c"), 1);
	tu_mgr_create_x("am_d", "4096", "minor=200");
	UT_EQ(tu_minor_x("am_d"), 200);
	tu_mgr_create_x("am_e", "4096", NULL);
	UT_EQ(tu_minor_x("am_e"), 4);
	tu_mgr_create_x("am_f", "4096", "minor=255");
	UT_EQ(tu_minor_x("am_f"), 255);
	/* a deleted minor is free again at once, also for explicit use */
	tu_mgr_delete_x("am_d");
	tu_mgr_create_x("am_g", "4096", "minor=200");
	UT_EQ(tu_minor_x("am_g"), 200);
	tu_mgr_delete_x("am_b");
	tu_mgr_delete_x("am_c");
	tu_mgr_delete_x("am_e");
	tu_mgr_delete_x("am_f");
	tu_mgr_delete_x("am_g");
}

UT_TEST(A6_explicit_minor_taken_ebusy, "udmabuf0=0x10000 udmabuf1=4096")
{
	char list[512];
	size_t mark;
	int r, fd;
	unsigned char b[16];

	tu_class_list(list, sizeof(list));
	mark = tu_log_mark();
	r = ut_mgr("create taken 4096 minor=0");
	UT_EQ(r, -EBUSY);
	if (!strstr(tu_log_after(mark), "u-dma-buf-mgr"))
		UT_FAIL("kernel log: expected a u-dma-buf-mgr line for the "
			"taken minor; saw:\n%s", tu_log_after(mark));
	UT_ASSERT(!tu_dev_exists("taken") && !tu_class_exists("taken"));
	{
		char now[512];

		tu_class_list(now, sizeof(now));
		UT_STREQ(now, list);
	}
	UT_EQ(ut_mgr("create taken 4096 minor=1"), -EBUSY);
	/* the owners of the minors are unaffected */
	UT_EQ(tu_minor_x("udmabuf0"), 0);
	UT_EQU(ut_sysfs_u64("udmabuf0", "size"), 0x10000);
	fd = ut_open_dev("udmabuf0", O_RDWR);
	UT_EQ(pwrite(fd, "abc", 3, 100), 3);
	UT_EQ(pread(fd, b, 3, 100), 3);
	UT_ASSERT(memcmp(b, "abc", 3) == 0);
	close(fd);

	/* an explicit minor that is free works; then it is taken too */
	tu_mgr_create_x("m255", "4096", "minor=255");
	UT_EQ(tu_minor_x("m255"), 255);
	UT_EQ(ut_mgr("create m255b 4096 minor=255"), -EBUSY);
	UT_ASSERT(!tu_dev_exists("m255b"));
	/* and the failures did not use up a minor */
	tu_mgr_create_x("next", "4096", NULL);
	UT_EQ(tu_minor_x("next"), 2);
	tu_mgr_delete_x("next");
	tu_mgr_delete_x("m255");
}

/*
 * devtmpfs turns '!' in a device name into a directory ("a!b" becomes
 * /dev/a/b), so names with '!' are refused like names with '/'.
 */
UT_TEST(E2_name_with_exclamation_mark_refused, "")
{
	static const char *const bad[] = { "bang!dir", "!", "x!", "!x" };
	size_t mark;
	int r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mark = tu_log_mark();
		r = ut_mgr("create %s 4096", bad[i]);
		if (r != -EINVAL)
			UT_FAIL("create %s: expected EINVAL, saw %s", bad[i],
				r ? strerror(-r) : "success");
		if (!strstr(tu_log_after(mark), "u-dma-buf-mgr") ||
		    !strstr(tu_log_after(mark), "0x21"))
			UT_FAIL("create %s: expected a u-dma-buf-mgr line naming the character 0x21; log:\n%s",
				bad[i], tu_log_after(mark));
		UT_ASSERT(!tu_class_exists(bad[i]));
	}
	if (access("/dev/bang", F_OK) == 0 || access("/dev/x", F_OK) == 0)
		UT_FAIL("a refused name left a directory or node under /dev");
	/* nothing was used up: the next buffer gets minor 0 */
	tu_mgr_create_x("bangless", "4096", NULL);
	UT_EQ(tu_minor_x("bangless"), 0);
	tu_mgr_delete_x("bangless");
}
