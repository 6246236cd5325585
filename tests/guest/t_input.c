// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile input to /dev/u-dma-buf-mgr (E2): every bad command is refused
 * with the documented errno and a "u-dma-buf-mgr" kernel log line, and
 * leaves nothing behind (no /dev node, no sysfs directory, no used minor).
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ut.h"
#include "tu_helpers.h"

/* printable rendering of a command for messages */
static const char *shown(const char *cmd, size_t len)
{
	static char out[4][256];
	static int k;
	char *o = out[k++ & 3];
	size_t j = 0;

	for (size_t i = 0; i < len && j + 8 < sizeof(out[0]); i++) {
		unsigned char c = (unsigned char)cmd[i];

		if (isprint(c) && c != '\\')
			o[j++] = (char)c;
		else
			j += snprintf(o + j, sizeof(out[0]) - j, "\\x%02x", c);
	}
	if (len > 120)
		snprintf(o + j, sizeof(out[0]) - j, "...(%zu bytes)", len);
	else
		o[j] = '\0';
	return o;
}

/* err, or alt when alt != 0 */
static void expect_refused_alt(const char *cmd, size_t len, int err, int alt,
			       const char *name)
{
	char before[1024], after[1024];
	size_t mark;
	int r;

	tu_class_list(before, sizeof(before));
	mark = tu_log_mark();
	r = tu_mgr_raw(cmd, len);
	if (r != -err && (!alt || r != -alt))
		UT_FAIL("manager \"%s\": expected %s%s%s, saw %s",
			shown(cmd, len), strerror(err), alt ? " or " : "",
			alt ? strerror(alt) : "", r ? strerror(-r) : "success");
	if (!strstr(tu_log_after(mark), "u-dma-buf-mgr"))
		UT_FAIL("manager \"%s\": expected a kernel log line with "
			"\"u-dma-buf-mgr\", saw:\n%s", shown(cmd, len),
			tu_log_after(mark));
	tu_class_list(after, sizeof(after));
	if (strcmp(before, after))
		UT_FAIL("manager \"%s\" was refused but changed "
			TU_CLASS_DIR " from \"%s\" to \"%s\"",
			shown(cmd, len), before, after);
	if (name && (tu_dev_exists(name) || tu_class_exists(name)))
		UT_FAIL("manager \"%s\" was refused but left /dev/%s or its "
			"sysfs directory", shown(cmd, len), name);
}

static void expect_refused_len(const char *cmd, size_t len, int err,
			       const char *name)
{
	expect_refused_alt(cmd, len, err, 0, name);
}

static void expect_refused(const char *cmd, int err, const char *name)
{
	expect_refused_len(cmd, strlen(cmd), err, name);
}

/* nothing was half-created: the lowest minor is still free */
static void expect_minor_free(unsigned int minor_nr)
{
	tu_mgr_create_x("probe", "4096", NULL);
	UT_EQ(tu_minor_x("probe"), minor_nr);
	tu_mgr_delete_x("probe");
}

UT_TEST(E2_unknown_verb_and_syntax, "")
{
	static const char *const bad[] = {
		"frobnicate x 4096", "destroy x", "creat x 4096",
		"createx 4096", "\n", " \n", "create", "create\n",
		"delete", "delete\n", "x", "create x 4096 \x01", NULL
	};

	for (int i = 0; bad[i]; i++)
		expect_refused(bad[i], EINVAL, "x");
	expect_refused_len("create nul\0x 4096", 17, EINVAL, "nul");
	expect_minor_free(0);
}

UT_TEST(E2_bad_size, "")
{
	static const char *const bad[] = {
		"create x", "create x\n", "create x 0", "create x 0x0",
		"create x 0K", "create x abc", "create x 12abc", "create x 0x",
		"create x -4096", "create x 4096Q", "create x 4096KB",
		"create x 99999999999999999999999",
		"create x 0x10000000000000000",
		"create x 0x10000000000",	/* 1 TiB: more than the RAM */
		"create x 1T", "create x 18446744073709551615", NULL
	};

	for (int i = 0; bad[i]; i++)
		expect_refused(bad[i], EINVAL, "x");
	expect_minor_free(0);
}

UT_TEST(E2_bad_name, "")
{
	char cmd[320], name[256];
	static const char *const bad[] = {
		"create a/b 4096", "create / 4096", "create /x 4096",
		"create . 4096", "create .. 4096", "create a\x01z 4096",
		"create a\x7fz 4096", "create \x1b[1m 4096",
		"create caf\xc3\xa9 4096", "create a b 4096",
		"create a\tb 4096", "create a\rb 4096", "create  4096",
		"create ../udmabuf0 4096", NULL
	};

	for (int i = 0; bad[i]; i++)
		expect_refused(bad[i], EINVAL, "a");
	UT_ASSERT(!tu_dev_exists("b") && !tu_dev_exists("caf\xc3\xa9"));

	/* 64 characters is one too many */
	memset(name, 'n', 64);
	name[64] = '\0';
	snprintf(cmd, sizeof(cmd), "create %s 4096", name);
	expect_refused(cmd, EINVAL, name);
	memset(name, 'n', 200);
	name[200] = '\0';
	snprintf(cmd, sizeof(cmd), "create %s 4096", name);
	expect_refused(cmd, EINVAL, NULL);
	/* 63 is fine */
	name[63] = '\0';
	tu_mgr_create_x(name, "4096", NULL);
	UT_ASSERT(tu_class_exists(name));
	UT_EQ(tu_minor_x(name), 0);
	tu_mgr_delete_x(name);
	/* so are the other printable characters */
	tu_mgr_create_x("A-z_0.9+~@:%,", "4096", NULL);
	tu_mgr_delete_x("A-z_0.9+~@:%,");
	expect_minor_free(0);
}

UT_TEST(E2_duplicate_name_eexist, "udmabuf0=0x10000")
{
	tu_mgr_create_x("dup", "8192", NULL);
	expect_refused("create dup 4096", EEXIST, NULL);
	expect_refused("create dup 8192 minor=9", EEXIST, NULL);
	expect_refused("create udmabuf0 4096", EEXIST, NULL);
	/* the originals are unchanged */
	UT_EQU(ut_sysfs_u64("dup", "size"), 8192);
	UT_EQU(ut_sysfs_u64("udmabuf0", "size"), 0x10000);
	UT_EQ(tu_minor_x("udmabuf0"), 0);
	UT_ASSERT(!tu_dev_exists("udmabuf9"));
	tu_mgr_delete_x("dup");
	expect_minor_free(1);
}

UT_TEST(E2_delete_unknown_enoent, "udmabuf0=4096")
{
	expect_refused("delete nosuch", ENOENT, NULL);
	expect_refused("delete nosuch\n", ENOENT, NULL);
	tu_mgr_create_x("gone", "4096", NULL);
	tu_mgr_delete_x("gone");
	expect_refused("delete gone", ENOENT, NULL);
	/* an impossible name: EINVAL (bad name) or ENOENT (unknown) */
	expect_refused_alt("delete a/b", 10, EINVAL, ENOENT, NULL);
	UT_ASSERT(tu_dev_exists("udmabuf0"));
	expect_minor_free(1);
}

UT_TEST(E2_bad_option, "")
{
	static const char *const bad[] = {
		"foo=1", "minor", "minor=", "=5", "minor=256", "minor=-1",
		"minor=abc", "minor=1x", "sync-mode=8", "sync-mode=-1",
		"sync-direction=3", "sync-always=2", "sync-always=yes",
		"dma-mask=11", "dma-mask=65", "dma-mask=0",
		"sync-offset=4096", "sync-offset=0x100000000",
		"sync-size=4097", "sync-size=-1", "dma-coherent=2",
		"quirk-mmap=bogus", "quirk-mmap=5", "MINOR=1",
		"sync_mode=1", NULL
	};
	char cmd[128];

	for (int i = 0; bad[i]; i++) {
		snprintf(cmd, sizeof(cmd), "create x 4096 %s", bad[i]);
		expect_refused(cmd, EINVAL, "x");
	}
	/* a good option does not excuse a bad one */
	expect_refused("create x 4096 sync-mode=2 foo=1", EINVAL, "x");
	expect_refused("create x 4096 foo=1 sync-mode=2", EINVAL, "x");
	/* delete takes no options: refused, and nothing deleted */
	tu_mgr_create_x("x", "4096", NULL);
	expect_refused("delete x minor=0", EINVAL, NULL);
	expect_refused("delete x x", EINVAL, NULL);
	UT_ASSERT(tu_dev_exists("x") && tu_class_exists("x"));
	tu_mgr_delete_x("x");
	expect_minor_free(0);
}

/*
 * The commands are byte arrays with a length, no C strings: nothing here
 * needs a terminating NUL.
 * NOLINTBEGIN(bugprone-not-null-terminated-result)
 */
UT_TEST(E2_command_longer_than_1024_bytes, "")
{
	const char *tail = "longcmd 4096\n";
	char cmd[4200];
	size_t tl = strlen(tail);

	/* exactly 1024 bytes (words separated by many blanks) is accepted */
	memset(cmd, ' ', sizeof(cmd));
	memcpy(cmd, "create", 6);
	memcpy(cmd + 1024 - tl, tail, tl);
	{
		int r = tu_mgr_raw(cmd, 1024);

		if (r)
			UT_FAIL("manager command of exactly 1024 bytes: "
				"expected success, saw %s", strerror(-r));
	}
	UT_ASSERT(tu_dev_exists("longcmd"));
	tu_mgr_delete_x("longcmd");

	/* 1025 bytes: refused, nothing created */
	memset(cmd, ' ', sizeof(cmd));
	memcpy(cmd, "create", 6);
	memcpy(cmd + 1025 - tl, tail, tl);
	expect_refused_len(cmd, 1025, EINVAL, "longcmd");
	expect_refused_len(cmd, sizeof(cmd), EINVAL, "longcmd");
	/* a long name inside a long command */
	memcpy(cmd, "create ", 7);
	memset(cmd + 7, 'L', 2000);
	memcpy(cmd + 2007, " 4096", 6);
	expect_refused_len(cmd, strlen(cmd), EINVAL, NULL);
	expect_minor_free(0);
}
/* NOLINTEND(bugprone-not-null-terminated-result) */

/* allocation failure: ENOMEM, a log line, nothing left */
UT_TEST(E2_allocation_failure_enomem, "")
{
	/*
	 * 15/16 of the RAM: allowed (not more than the RAM), but more than
	 * any free range, buddy block or CMA area of a running system
	 */
	uint64_t size = tu_mem_total_bytes() / 16 * 15 & ~0xfffffULL;
	char cmd[64], num[32];

	snprintf(cmd, sizeof(cmd), "create big %llu", (unsigned long long)size);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)size);
	expect_refused(cmd, ENOMEM, "big");
	if (!ut_log_contains(num))
		UT_FAIL("kernel log: expected the requested size %s in "
			"the allocation failure; log:\n%s", num, ut_log());
	expect_minor_free(0);
}
