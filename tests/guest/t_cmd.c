// SPDX-License-Identifier: GPL-2.0
/*
 * The udmabuf command (H4) and its bench (G3) against the real module:
 * every command and option, the JSON parsed and compared with sysfs, the
 * syncs seen by kprobes on arm (also through the sysfs path), read/write
 * through files, pipes and terminals, and the documented exit status and
 * message of every error path (no module, no buffer, bad size, no
 * permission).
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "ut.h"
#include "tu_helpers.h"
#include "tu_cmd.h"

#define DEV	"udmabuf0"
#define PARAMS	"udmabuf0=0x100000"
#define MAXC	16

/* the exit status the command documents */
#define EX_OK		0
#define EX_FAIL		1
#define EX_USAGE	2
#define EX_NOMODULE	3
#define EX_NOBUF	4
#define EX_PERM		5
#define EX_EXISTS	6

#define NOBODY		65534

static int is_arm(void)
{
	return tu_is_arch("aarch64") || !strncmp(ut_arch(), "armv", 4);
}

/* run, check the status, free */
#define RUN_EXPECT(status, ...) do {					\
	struct tu_run r_;						\
	tu_udmabuf_x(&r_, NULL, __VA_ARGS__);				\
	tu_run_status_x(&r_, (status));					\
	tu_run_free(&r_);						\
} while (0)

/* run, expect status and a text on stderr */
static void expect_err(int status, const char *text,
		       const struct tu_run_opts *o, const char *line)
{
	struct tu_run r;

	tu_udmabuf_x(&r, o, "%s", line);
	tu_run_status_x(&r, status);
	tu_run_has_x(&r, 1, text);
	tu_run_free(&r);
}

static const char *const commands[] = {
	"list", "info", "create", "delete", "sync", "read", "write", "bench",
};

UT_TEST(H4_cmd_help_and_usage, UT_NOLOAD)
{
	struct tu_run r;

	tu_udmabuf_x(&r, NULL, "--help");
	tu_run_status_x(&r, EX_OK);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		tu_run_has_x(&r, 0, commands[i]);
	tu_run_has_x(&r, 0, "exit status: 0 success, 1 failed");
	tu_run_has_x(&r, 0, "3 the u-dma-buf module is not");
	tu_run_free(&r);

	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		char want[64];

		snprintf(want, sizeof(want), "usage: udmabuf %s", commands[i]);
		tu_udmabuf_x(&r, NULL, "%s --help", commands[i]);
		tu_run_status_x(&r, EX_OK);
		if (strncmp(r.out, want, strlen(want)))
			UT_FAIL("`%s`: expected stdout to start with \"%s\", "
				"saw:\n%.400s", r.cmd, want, r.out);
		tu_run_free(&r);
		tu_udmabuf_x(&r, NULL, "help %s", commands[i]);
		tu_run_status_x(&r, EX_OK);
		tu_run_has_x(&r, 0, want);
		tu_run_free(&r);
		/* an unknown option: the usage on stderr, status 2 */
		tu_udmabuf_x(&r, NULL, "%s --no-such-option", commands[i]);
		tu_run_status_x(&r, EX_USAGE);
		tu_run_has_x(&r, 1, want);
		tu_run_free(&r);
	}
	tu_udmabuf_x(&r, NULL, "%s", "");
	tu_run_status_x(&r, EX_USAGE);
	tu_run_has_x(&r, 1, "usage: udmabuf COMMAND");
	tu_run_free(&r);
	expect_err(EX_USAGE, "no command 'frobnicate'", NULL, "frobnicate");
	expect_err(EX_USAGE, "no command 'nope'", NULL, "help nope");
	expect_err(EX_USAGE, "NAME is missing", NULL, "info");
	expect_err(EX_USAGE, "too many arguments", NULL, "list extra");
	tu_udmabuf_x(&r, NULL, "--version");
	tu_run_status_x(&r, EX_OK);
	tu_run_has_x(&r, 0, "libudmabuf 0.1.0");
	tu_run_free(&r);
}

/* ------------------------------------------------------------ list */

UT_TEST(H4_cmd_list_table_and_json, "udmabuf0=0x100000 udmabuf1=0x10000")
{
	struct tu_run r;
	struct tu_json *j;

	tu_udmabuf_x(&r, NULL, "list");
	tu_run_status_x(&r, EX_OK);
	tu_run_has_x(&r, 0, "NAME");
	tu_run_has_x(&r, 0, "DMA ADDRESS");
	{
		char line[200];

		snprintf(line, sizeof(line), "0x%016llx",
			 (unsigned long long)ut_sysfs_u64(DEV, "phys_addr"));
		tu_run_has_x(&r, 0, line);
	}
	tu_run_has_x(&r, 0, "1 MiB");
	tu_run_has_x(&r, 0, "64 KiB");
	tu_run_has_x(&r, 0, "/dev/udmabuf1");
	tu_run_free(&r);

	tu_udmabuf_x(&r, NULL, "list --json");
	tu_run_status_x(&r, EX_OK);
	j = tu_json_parse_x(r.out);
	if (j->type != TU_JSON_ARR || j->n != 2)
		UT_FAIL("list --json: expected an array of 2, saw:\n%s", r.out);
	for (size_t i = 0; i < 2; i++) {
		const struct tu_json *o = j->item[i];
		const char *n = i ? "udmabuf1" : "udmabuf0";
		char dev[64];

		snprintf(dev, sizeof(dev), "/dev/%s", n);
		UT_STREQ(tu_json_str_x(o, "name"), n);
		UT_STREQ(tu_json_str_x(o, "device"), dev);
		UT_EQU(tu_json_u64_x(o, "size"), ut_sysfs_u64(n, "size"));
		UT_EQU(tu_json_u64_x(o, "dma_addr"), ut_sysfs_u64(n, "phys_addr"));
		UT_EQU(tu_json_u64_x(o, "sync_mode"), ut_sysfs_u64(n, "sync_mode"));
		UT_EQ(tu_json_bool_x(o, "dma_coherent"),
		      ut_sysfs_u64(n, "dma_coherent"));
	}
	tu_json_free(j);
	tu_run_free(&r);
}

/* ------------------------------------------------------------ info */

UT_TEST(H4_cmd_info_table_and_json, PARAMS)
{
	const char *dir = TU_CLASS_DIR "/" DEV;
	const struct tu_json *attrs, *node;
	struct tu_run r;
	struct tu_json *j;
	struct dirent *d;
	struct stat st;
	size_t nfiles = 0;
	char v[256];
	DIR *dp;

	UT_OK(ut_sysfs_write(DEV, "sync_mode", "6"));
	UT_OK(ut_sysfs_write(DEV, "sync_offset", "4096"));
	UT_OK(ut_sysfs_write(DEV, "sync_size", "8192"));
	UT_OK(ut_sysfs_write(DEV, "sync_direction", "1"));

	tu_udmabuf_x(&r, NULL, "info " DEV);
	tu_run_status_x(&r, EX_OK);
	snprintf(v, sizeof(v), "dma_addr         0x%016llx",
		 (unsigned long long)ut_sysfs_u64(DEV, "phys_addr"));
	tu_run_has_x(&r, 0, v);
	tu_run_has_x(&r, 0, "size             1048576 (1 MiB)");
	tu_run_has_x(&r, 0, "sync_mode        6 (write-combine)");
	tu_run_has_x(&r, 0, "interface        ioctl (version 2)");
	tu_run_has_x(&r, 0, "sysfs attributes:");
	tu_run_free(&r);

	tu_udmabuf_x(&r, NULL, "info /dev/" DEV " --json");
	tu_run_status_x(&r, EX_OK);
	j = tu_json_parse_x(r.out);
	UT_ASSERT(j->type == TU_JSON_OBJ);
	UT_STREQ(tu_json_str_x(j, "name"), DEV);
	UT_STREQ(tu_json_str_x(j, "device"), "/dev/" DEV);
	UT_EQU(tu_json_u64_x(j, "size"), ut_sysfs_u64(DEV, "size"));
	UT_EQU(tu_json_u64_x(j, "dma_addr"), ut_sysfs_u64(DEV, "phys_addr"));
	UT_EQU(tu_json_u64_x(j, "cpu_phys_addr"),
	       ut_sysfs_u64(DEV, "cpu_phys_addr"));
	UT_EQ(tu_json_bool_x(j, "dma_coherent"),
	      ut_sysfs_u64(DEV, "dma_coherent"));
	UT_EQU(tu_json_u64_x(j, "quirk_mmap_mode"),
	       ut_sysfs_u64(DEV, "quirk_mmap_mode"));
	UT_ASSERT(tu_json_u64_x(j, "dma_mask_bits") >= 24);
	UT_EQU(tu_json_u64_x(j, "sync_mode"), 6);
	UT_STREQ(tu_json_str_x(j, "sync_owner"), "cpu");
	UT_EQU(tu_json_u64_x(j, "sync_offset"), 4096);
	UT_EQU(tu_json_u64_x(j, "sync_size"), 8192);
	UT_EQU(tu_json_u64_x(j, "sync_direction"), 1);
	tu_sysfs_str_x(DEV, "driver_version", v, sizeof(v));
	UT_STREQ(tu_json_str_x(j, "driver_version"), v);
	UT_EQU(tu_json_u64_x(j, "ioctl_version"), 2);
	UT_STREQ(tu_json_str_x(j, "interface"), "ioctl");
	node = tu_json_type_x(j, "node", TU_JSON_OBJ);
	UT_OK(stat("/dev/" DEV, &st));
	UT_EQU(tu_json_u64_x(node, "major"), major(st.st_rdev));
	UT_EQU(tu_json_u64_x(node, "minor"), minor(st.st_rdev));
	UT_EQU(tu_json_u64_x(node, "uid"), st.st_uid);
	snprintf(v, sizeof(v), "%04o", (unsigned int)(st.st_mode & 07777));
	UT_STREQ(tu_json_str_x(node, "mode"), v);

	/* "attributes": every sysfs file but uevent and dev, as it reads */
	attrs = tu_json_type_x(j, "attributes", TU_JSON_OBJ);
	dp = opendir(dir);
	UT_ASSERT(dp != NULL);
	while ((d = readdir(dp))) {
		char path[300];
		struct stat fs;
		size_t n;

		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		if (d->d_name[0] == '.' || !strcmp(d->d_name, "uevent") ||
		    !strcmp(d->d_name, "dev") || lstat(path, &fs) ||
		    !S_ISREG(fs.st_mode))
			continue;
		nfiles++;
		UT_ASSERT(ut_read_file(path, v, sizeof(v)) >= 0);
		n = strlen(v);
		while (n && v[n - 1] == '\n')
			v[--n] = '\0';
		if (!tu_json_get(attrs, d->d_name))
			UT_FAIL("info --json: attribute %s is missing", d->d_name);
		UT_STREQ(tu_json_str_x(attrs, d->d_name), v);
	}
	closedir(dp);
	UT_EQU(attrs->n, nfiles);
	UT_ASSERT(nfiles >= 14);
	tu_json_free(j);
	tu_run_free(&r);
}

/* --------------------------------------------------- create, delete */

UT_TEST(H4_cmd_create_delete_sizes, "")
{
	static const struct {
		const char *name, *size;
		uint64_t bytes;
	} c[] = {
		{ "cdec", "4096", 4096 },
		{ "chex", "0x1000", 4096 },
		{ "ck", "4K", 4096 },
		{ "cm", "1M", 1048576 },
		{ "ckib", "8KiB", 8192 },
	};
	struct tu_run r;

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char want[64];

		tu_udmabuf_x(&r, NULL, "create %s %s", c[i].name, c[i].size);
		tu_run_status_x(&r, EX_OK);
		snprintf(want, sizeof(want), "created /dev/%s", c[i].name);
		tu_run_has_x(&r, 0, want);
		tu_run_free(&r);
		UT_EQU(ut_sysfs_u64(c[i].name, "size"), c[i].bytes);
	}
	RUN_EXPECT(EX_OK, "create copt 8K sync-mode=3 sync-direction=2");
	UT_EQU(ut_sysfs_u64("copt", "sync_mode"), 3);
	UT_EQU(ut_sysfs_u64("copt", "sync_direction"), 2);

	expect_err(EX_EXISTS, "exists already", NULL, "create ck 4K");
	expect_err(EX_USAGE, "bad size '12Q'", NULL, "create cbad 12Q");
	expect_err(EX_USAGE, "bad size '0'", NULL, "create cbad 0");
	expect_err(EX_USAGE, "bad size '-4096'", NULL, "create cbad -4096");
	expect_err(EX_USAGE, "bad size '0x'", NULL, "create cbad 0x");
	expect_err(EX_USAGE, "bad size '99999999999999999999'", NULL,
		   "create cbad 99999999999999999999");
	expect_err(EX_USAGE, "bad size '20000000T'", NULL,
		   "create cbad 20000000T");
	expect_err(EX_USAGE, "SIZE is missing", NULL, "create cbad");
	expect_err(EX_USAGE, "the driver refused", NULL,
		   "create cbad 4K bogus-option=1");
	expect_err(EX_USAGE, "auto-delete=1", NULL, "create cbad 4K auto-delete=1");
	UT_ASSERT(!tu_class_exists("cbad"));

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		RUN_EXPECT(EX_OK, "delete %s", c[i].name);
		UT_ASSERT(!tu_class_exists(c[i].name));
	}
	RUN_EXPECT(EX_OK, "delete copt");
	expect_err(EX_NOBUF, "no buffer named 'copt'", NULL, "delete copt");

	tu_udmabuf_x(&r, NULL, "list --json");
	tu_run_status_x(&r, EX_OK);
	{
		struct tu_json *j = tu_json_parse_x(r.out);

		UT_ASSERT(j->type == TU_JSON_ARR && j->n == 0);
		tu_json_free(j);
	}
	tu_run_free(&r);
}

/* ------------------------------------------------------------- sync */

static void expect_call(const char *what, uint64_t phys, int to_device,
			uint64_t off, uint64_t size, int dir)
{
	struct tu_sync_call c[MAXC];
	int n = tu_kp_collect(c, MAXC, phys, phys + 0x100000);

	if (n != 1 || c[0].to_device != to_device ||
	    c[0].paddr != phys + off || c[0].size != size || c[0].dir != dir)
		UT_FAIL("%s: expected one arch_sync_dma_for_%s(paddr=phys + "
			"0x%llx, size=%llu, dir=%d), saw:%s", what,
			to_device ? "device" : "cpu", (unsigned long long)off,
			(unsigned long long)size, dir,
			tu_kp_calls_text(c, n, MAXC));
	tu_kp_clear();
}

/* the sync command with and without options, seen by the architecture */
static void sync_commands(const struct tu_run_opts *o, const char *how)
{
	static const struct {
		const char *args;
		int to_device, dir;
		uint64_t off, size;
	} s[] = {
		{ "device --offset 0x1000 --size 0x2000 --dir to-device", 1, 1, 0x1000, 0x2000 },
		{ "cpu --offset 4K --size 8K --dir from-device", 0, 2, 0x1000, 0x2000 },
		{ "device", 1, 0, 0, 0x100000 },
		{ "cpu -o 0xff000 -d 2", 0, 2, 0xff000, 0x1000 },
		{ "device -s 100 -d 1", 1, 1, 0, 112 },
		{ "cpu --dir bidirectional --size 1M", 0, 0, 0, 0x100000 },
	};
	uint64_t phys = ut_sysfs_u64(DEV, "cpu_phys_addr");
	struct tu_run r;

	if (is_arm())
		tu_kp_setup_x();
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		char what[600];

		tu_udmabuf_x(&r, o, "sync " DEV " %s", s[i].args);
		tu_run_status_x(&r, EX_OK);
		UT_EQU(ut_sysfs_u64(DEV, "sync_owner"), s[i].to_device);
		snprintf(what, sizeof(what), "%s: `%s`", how, r.cmd);
		if (is_arm())
			expect_call(what, phys, s[i].to_device, s[i].off,
				    s[i].size, s[i].dir);
		tu_run_free(&r);
	}
	if (is_arm())
		tu_kp_stop();
	/* the stored settings are not touched */
	UT_EQU(ut_sysfs_u64(DEV, "sync_offset"), 0);
	UT_EQU(ut_sysfs_u64(DEV, "sync_size"), 0x100000);
	UT_EQU(ut_sysfs_u64(DEV, "sync_direction"), 0);
}

UT_TEST(H4_cmd_sync, PARAMS)
{
	sync_commands(NULL, "ioctl");
	expect_err(EX_USAGE, "bad direction '3'", NULL, "sync " DEV " cpu --dir 3");
	expect_err(EX_USAGE, "past the end", NULL,
		   "sync " DEV " cpu --offset 0x100001");
	expect_err(EX_USAGE, "pass the end", NULL,
		   "sync " DEV " device --offset 4K --size 1M");
	expect_err(EX_USAGE, "bad size '1X'", NULL, "sync " DEV " device --size 1X");
	expect_err(EX_USAGE, "neither cpu nor device", NULL, "sync " DEV " sideways");
	expect_err(EX_USAGE, "cpu or device is missing", NULL, "sync " DEV);
	expect_err(EX_NOBUF, "no buffer named 'nosuch'", NULL, "sync nosuch cpu");
}

/*
 * The sysfs path: forced by the environment, then detected on a driver
 * without ioctls (every 'U' ioctl ENOTTY, as the established driver before
 * v4.7), for info and sync alike.
 */
UT_TEST(H4_cmd_sysfs_path, PARAMS)
{
	static const char *const env[] = { "LIBUDMABUF_NO_IOCTL=1", NULL };
	const struct tu_run_opts forced = { .env = env };

	for (int emulated = 0; emulated < 2; emulated++) {
		const struct tu_run_opts *o = emulated ? NULL : &forced;
		struct tu_run r;
		struct tu_json *j;

		if (emulated)
			tu_emulate_old_driver_x(TU_NO_IOCTLS);
		tu_udmabuf_x(&r, o, "info " DEV " --json");
		tu_run_status_x(&r, EX_OK);
		j = tu_json_parse_x(r.out);
		UT_STREQ(tu_json_str_x(j, "interface"), "sysfs");
		UT_EQU(tu_json_u64_x(j, "ioctl_version"), 0);
		tu_json_type_x(j, "dma_mask_bits", TU_JSON_NULL);
		UT_EQU(tu_json_u64_x(j, "size"), 0x100000);
		UT_EQU(tu_json_u64_x(j, "dma_addr"), ut_sysfs_u64(DEV, "phys_addr"));
		UT_EQU(tu_json_u64_x(j, "cpu_phys_addr"),
		       ut_sysfs_u64(DEV, "cpu_phys_addr"));
		tu_json_free(j);
		tu_run_free(&r);
		sync_commands(o, emulated ? "no ioctls" : "LIBUDMABUF_NO_IOCTL=1");
	}
}

/* ------------------------------------------------------- read, write */

static void write_file_x(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	UT_ASSERT(fd >= 0);
	UT_EQ(write(fd, p, n), (long long)n);
	close(fd);
}

static size_t read_file_x(const char *path, void *p, size_t n)
{
	int fd = open(path, O_RDONLY);
	long long got;

	UT_ASSERT(fd >= 0);
	got = tu_pread_all(fd, p, n, 0);
	UT_ASSERT(got >= 0);
	close(fd);
	return (size_t)got;
}

/* the bytes of the buffer at off equal p */
static void expect_buffer(const char *what, uint64_t off, const void *p,
			  size_t n)
{
	unsigned char *b = tu_xmalloc(n);
	int fd = ut_open_dev(DEV, O_RDONLY);
	long long d;

	UT_EQ(tu_pread_all(fd, b, n, off), (long long)n);
	close(fd);
	d = tu_first_diff(b, p, n);
	if (d >= 0)
		UT_FAIL("%s: the buffer differs at offset 0x%llx + %lld", what,
			(unsigned long long)off, d);
	free(b);
}

static int count_char(const char *s, char c)
{
	int n = 0;

	for (; *s; s++)
		n += *s == c;
	return n;
}

UT_TEST(H4_cmd_read_write, "udmabuf0=0x200000")
{
	const size_t BSZ = 0x200000;
	unsigned char *a = tu_xmalloc(BSZ), *b = tu_xmalloc(BSZ);
	struct tu_run_opts o = { 0 };
	struct tu_run r;

	/* a file in at an offset, out again */
	tu_pattern(a, 0x3000, 51);
	write_file_x("/tmp/in.bin", a, 0x3000);
	RUN_EXPECT(EX_OK, "write " DEV " /tmp/in.bin --offset 0x1000");
	expect_buffer("write of a file at 0x1000", 0x1000, a, 0x3000);
	RUN_EXPECT(EX_OK, "read " DEV " /tmp/out.bin -o 4K -s 12K");
	UT_EQU(read_file_x("/tmp/out.bin", b, BSZ), 0x3000);
	UT_EQ(tu_first_diff(a, b, 0x3000), -1);
	RUN_EXPECT(EX_OK, "read " DEV " /tmp/out.bin --offset 0x1ff000 --sync");
	UT_EQU(read_file_x("/tmp/out.bin", b, BSZ), 0x1000);

	/* stdin in, stdout out */
	tu_pattern(a, 0x2000, 52);
	o.in = a;
	o.in_len = 0x2000;
	tu_udmabuf_x(&r, &o, "write " DEV " --offset 8K");
	tu_run_status_x(&r, EX_OK);
	UT_EQU(r.err_len, 0);
	tu_run_free(&r);
	expect_buffer("write of stdin at 8K", 0x2000, a, 0x2000);
	tu_udmabuf_x(&r, NULL, "read " DEV " --offset 8K --size 0x2000");
	tu_run_status_x(&r, EX_OK);
	UT_EQU(r.out_len, 0x2000);
	UT_EQ(tu_first_diff(r.out, a, 0x2000), -1);
	tu_run_free(&r);
	/* --size takes part of the input */
	tu_pattern(b, 0x2000, 53);
	o.in = b;
	tu_udmabuf_x(&r, &o, "write " DEV " - --offset 8K --size 0x100 --sync");
	tu_run_status_x(&r, EX_OK);
	tu_run_free(&r);
	expect_buffer("write --size 0x100", 0x2000, b, 0x100);
	expect_buffer("the bytes after --size", 0x2100, a + 0x100, 0x100);

	/* too much: a file is refused before anything is written */
	write_file_x("/tmp/big.bin", a, 0x3000);
	expect_err(EX_USAGE, "does not fit", NULL,
		   "write " DEV " /tmp/big.bin --offset 0x1ff000");
	o.in = a;
	o.in_len = 0x2000;
	expect_err(EX_FAIL, "longer than the room", &o,
		   "write " DEV " --offset 0x1ff000");
	expect_err(EX_USAGE, "passes the end", NULL,
		   "write " DEV " /tmp/in.bin --offset 0x1ff000 --size 0x2000");
	expect_err(EX_USAGE, "past the end", NULL, "read " DEV " --offset 3M");
	expect_err(EX_USAGE, "bad offset '1X'", NULL, "read " DEV " --offset 1X");
	expect_err(EX_USAGE, "not writing binary data to a terminal",
		   &(struct tu_run_opts){ .pty = TU_PTY_OUT }, "read " DEV);
	expect_err(EX_USAGE, "cannot open /tmp/nonexistent", NULL,
		   "write " DEV " /tmp/nonexistent");

	/* a progress bar on a terminal, for 1 MiB and more, else none */
	tu_pattern(a, BSZ, 54);
	write_file_x("/tmp/big.bin", a, BSZ);
	tu_udmabuf_x(&r, &(struct tu_run_opts){ .pty = TU_PTY_ERR },
		     "write " DEV " /tmp/big.bin");
	tu_run_status_x(&r, EX_OK);
	tu_run_has_x(&r, 1, "\rwrite:");
	tu_run_has_x(&r, 1, "2.0 MiB 100%\n");
	if (count_char(r.err, '\r') < 2)
		UT_FAIL("`%s` on a terminal: expected a progress bar updated "
			"more than once, saw \"%s\"", r.cmd, r.err);
	tu_run_free(&r);
	expect_buffer("write of a 2 MiB file", 0, a, BSZ);
	tu_udmabuf_x(&r, &(struct tu_run_opts){ .pty = TU_PTY_ERR },
		     "read " DEV " /tmp/out.bin");
	tu_run_status_x(&r, EX_OK);
	tu_run_has_x(&r, 1, "\rread:");
	tu_run_has_x(&r, 1, "100%\n");
	tu_run_free(&r);
	UT_EQU(read_file_x("/tmp/out.bin", b, BSZ), BSZ);
	UT_EQ(tu_first_diff(a, b, BSZ), -1);
	tu_udmabuf_x(&r, &(struct tu_run_opts){ .pty = TU_PTY_ERR },
		     "read " DEV " /tmp/out.bin --quiet");
	tu_run_status_x(&r, EX_OK);
	UT_EQU(r.err_len, 0);
	tu_run_free(&r);
	tu_udmabuf_x(&r, NULL, "read " DEV " /tmp/out.bin");
	tu_run_status_x(&r, EX_OK);
	UT_EQU(r.err_len, 0);
	tu_run_free(&r);
	/* small transfers stay quiet on a terminal too */
	tu_udmabuf_x(&r, &(struct tu_run_opts){ .pty = TU_PTY_ERR },
		     "read " DEV " /tmp/out.bin --size 64K");
	tu_run_status_x(&r, EX_OK);
	UT_EQU(r.err_len, 0);
	tu_run_free(&r);
	unlink("/tmp/in.bin");
	unlink("/tmp/out.bin");
	unlink("/tmp/big.bin");
	free(a);
	free(b);
}

/* ------------------------------------------------------------ errors */

UT_TEST(H4_cmd_no_module, UT_NOLOAD)
{
	static const char *const lines[] = {
		"list", "list --json", "info " DEV, "create x 4K", "delete x",
		"sync " DEV " cpu", "read " DEV " /tmp/x", "write " DEV " /dev/null",
		"bench --sizes 4K",
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		expect_err(EX_NOMODULE, "load it with `modprobe u-dma-buf`",
			   NULL, lines[i]);
}

UT_TEST(H4_cmd_missing_buffer_and_permission, "udmabuf0=0x10000")
{
	const struct tu_run_opts nobody = { .uid = NOBODY };
	struct tu_run r;

	expect_err(EX_NOBUF, "no buffer named 'nosuch' (`udmabuf list`", NULL,
		   "info nosuch");
	expect_err(EX_NOBUF, "`udmabuf create nosuch SIZE` makes one", NULL,
		   "read nosuch /tmp/x");
	expect_err(EX_NOBUF, "'/dev/null' is not a u-dma-buf buffer", NULL,
		   "info /dev/null");
	expect_err(EX_NOBUF, "no buffer named '/dev/nosuch'", NULL,
		   "info /dev/nosuch");

	/* not root: the node (0600) and the manager are refused */
	expect_err(EX_PERM, "permission denied on /dev/udmabuf0", &nobody,
		   "info " DEV);
	expect_err(EX_PERM, "SUBSYSTEM==\"u-dma-buf\", ENV{DEVUID}==\"\", GROUP=\"udmabuf\", MODE=\"0660\"",
		   &nobody, "sync " DEV " cpu");
	expect_err(EX_PERM, "KERNEL==\"u-dma-buf-mgr\", SUBSYSTEM==\"misc\", GROUP=\"udmabuf\"",
		   &nobody, "create x 4K");
	expect_err(EX_PERM, "usermod -aG udmabuf", &nobody, "delete " DEV);
	/* listing needs no permission */
	tu_udmabuf_x(&r, &nobody, "list");
	tu_run_status_x(&r, EX_OK);
	tu_run_has_x(&r, 0, "/dev/udmabuf0");
	tu_run_free(&r);
}

/*
 * A user the manager lets in (here: mode 0666, as the group rule would)
 * owns what it creates: node owner and mode=, syncs and the bench on its
 * own buffers without root; other users and root's buffers stay closed,
 * each refusal with its own message.
 */
UT_TEST(H4_cmd_non_root_owner, "udmabuf0=0x10000")
{
	const struct tu_run_opts nobody = { .uid = NOBODY };
	const struct tu_run_opts other = { .uid = 1000 };
	struct tu_run r;
	struct tu_json *j;
	struct stat st;

	UT_OK(chmod(TU_MGR_PATH, 0666));
	tu_udmabuf_x(&r, &nobody, "create mine 64K mode=0660");
	tu_run_status_x(&r, EX_OK);
	tu_run_free(&r);
	UT_OK(stat("/dev/mine", &st));
	UT_EQ(st.st_uid, NOBODY);
	UT_EQ(st.st_mode & 07777, 0660);
	tu_udmabuf_x(&r, &nobody, "info mine --json");
	tu_run_status_x(&r, EX_OK);
	j = tu_json_parse_x(r.out);
	UT_EQU(tu_json_u64_x(tu_json_type_x(j, "node", TU_JSON_OBJ), "uid"),
	       NOBODY);
	UT_STREQ(tu_json_str_x(tu_json_type_x(j, "node", TU_JSON_OBJ), "mode"),
		 "0660");
	tu_json_free(j);
	tu_run_free(&r);
	tu_udmabuf_x(&r, &nobody, "sync mine device --size 4K");
	tu_run_status_x(&r, EX_OK);
	tu_run_free(&r);
	UT_EQU(ut_sysfs_u64("mine", "sync_owner"), 1);
	/* its own temporary buffer: sysfs sync_mode is the creator's too */
	tu_udmabuf_x(&r, &nobody, "bench --sizes 16K --modes 0,5 --passes 1,1 --csv");
	tu_run_status_x(&r, EX_OK);
	tu_run_free(&r);

	expect_err(EX_PERM, "belongs to uid 65534 (mode 0660); its creator can",
		   &other, "info mine");
	expect_err(EX_PERM, "only its creator or root may delete it", &other,
		   "delete mine");
	expect_err(EX_PERM, "only its creator or root may delete it", &nobody,
		   "delete " DEV);
	expect_err(EX_PERM, "run as root, or let a group use the buffers",
		   &nobody, "info " DEV);
	RUN_EXPECT(EX_OK, "info mine");		/* root */
	tu_udmabuf_x(&r, &nobody, "delete mine");
	tu_run_status_x(&r, EX_OK);
	tu_run_free(&r);
	UT_ASSERT(!tu_class_exists("mine"));
}

/* ------------------------------------------------------------- bench */

/* the lines of a table section: from "Table <n>:" to the empty line */
static int table_rows(const char *out, int n, char rows[][160], int max)
{
	char head[32], *copy = strdup(out), *save = NULL, *line;
	int in = 0, got = 0, header = 0;

	snprintf(head, sizeof(head), "Table %d: ", n);
	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, head, strlen(head))) {
			in = 1;
			continue;
		}
		if (!in)
			continue;
		if (!strncmp(line, "Table ", 6) || line[0] == '*' ||
		    !strncmp(line, "x86:", 4) || !strncmp(line, "QEMU", 4))
			break;
		if (!header) {
			header = 1;	/* the column heads */
			if (!strstr(line, "sync_mode") || !strstr(line, "O_SYNC"))
				UT_FAIL("Table %d: expected the column heads, saw "
					"\"%s\"", n, line);
			continue;
		}
		if (got < max)
			snprintf(rows[got], 160, "%s", line);
		got++;
	}
	free(copy);
	return got;
}

static void show_in_log(const char *title, const char *text)
{
	fprintf(stderr, "---- %s (%s) ----\n%s---- end ----\n", title,
		ut_arch(), text);
}

UT_TEST(G3_bench_tables, "")
{
	static char rows[40][160];
	struct tu_run r;
	int skipped = 0;

	tu_udmabuf_x(&r, NULL, "bench --sizes 64K,128K --passes 2,3 --quiet");
	tu_run_status_x(&r, EX_OK);
	show_in_log("udmabuf bench --sizes 64K,128K --passes 2,3", r.out);
	tu_run_has_x(&r, 0, "check_buf: 2 passes");
	tu_run_has_x(&r, 0, "clear_buf: 3 memsets");
	for (int t = 1; t <= 2; t++) {
		int n = table_rows(r.out, t, rows, 40);

		if (n != 16)
			UT_FAIL("Table %d: expected 16 rows (8 modes, with and "
				"without O_SYNC), saw %d:\n%s", t, n, r.out);
		for (int i = 0; i < 16; i++) {
			char c1[32], c2[32], o[32];
			int mode = -1, f;

			if (i % 2 == 0)
				f = sscanf(rows[i], "%d %31s %*s %31s %31s", &mode,
					   o, c1, c2);
			else
				f = sscanf(rows[i], " %31s %31s %31s", o, c1, c2);
			if ((i % 2 == 0 && (f != 4 || mode != i / 2 ||
					    strcmp(o, "Not"))) ||
			    (i % 2 == 1 && (f != 3 || strcmp(o, "Specified"))))
				UT_FAIL("Table %d row %d: unexpected \"%s\"", t,
					i, rows[i]);
			for (int k = 0; k < 2; k++) {
				const char *cell = k ? c2 : c1;
				char *end;

				if (!strcmp(cell, "skipped*")) {
					int m = i / 2, os = i % 2;

					if (t != 2 || !tu_is_arch("aarch64") ||
					    !((os && m == 1) || m == 5))
						UT_FAIL("Table %d row %d: \"%s\" skipped",
							t, i, rows[i]);
					skipped++;
					continue;
				}
				if (strtod(cell, &end) < 0 || *end)
					UT_FAIL("Table %d row %d: cell \"%s\" is "
						"not seconds", t, i, cell);
			}
		}
	}
	/* arm64: mode 1 with O_SYNC and mode 5 (both) at both sizes */
	UT_EQ(skipped, tu_is_arch("aarch64") ? 6 : 0);
	if (tu_is_arch("aarch64"))
		tu_run_has_x(&r, 0, "* skipped on arm64: sync_mode 1 with O_SYNC and sync_mode 5");
	if (tu_is_arch("x86_64"))
		tu_run_has_x(&r, 0, "x86: the driver maps every sync_mode write-back");
	tu_run_has_x(&r, 0, "QEMU: the caches are not modelled");
	tu_run_free(&r);
	/* the temporary buffer is gone */
	{
		char names[1024];

		tu_class_list(names, sizeof(names));
		if (strstr(names, "udmabuf-bench"))
			UT_FAIL("bench left its buffer behind: %s", names);
	}
}

/*
 * An interrupted bench leaves no buffer: SIGINT (its handler deletes the
 * temporary buffer) and SIGKILL (auto-delete=1: the driver deletes it
 * when the manager file goes with the process).
 */
UT_TEST(G3_bench_interrupted_leaves_nothing, "")
{
	static const char *const sig[] = { "INT", "KILL" };

	for (int i = 0; i < 2; i++) {
		char names[1024];
		int rc = ut_sh("udmabuf bench --sizes 1M --passes 100000,1 -q "
			       ">/dev/null 2>&1 & p=$!; i=0; "
			       "while [ ! -e /sys/class/u-dma-buf/udmabuf-bench-$p ] && "
			       "[ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; "
			       "[ -e /sys/class/u-dma-buf/udmabuf-bench-$p ] || exit 3; "
			       "kill -%s $p; wait $p; exit 0", sig[i]);

		if (rc != 0)
			UT_FAIL("SIG%s: the bench's buffer did not appear "
				"(shell status %d)", sig[i], rc);
		tu_class_list(names, sizeof(names));
		if (strstr(names, "udmabuf-bench"))
			UT_FAIL("SIG%s: the bench left its buffer behind: %s",
				sig[i], names);
	}
}

static int count_str(const char *s, const char *w)
{
	int n = 0;

	for (const char *p = strstr(s, w); p; p = strstr(p + 1, w))
		n++;
	return n;
}

UT_TEST(G3_bench_csv_svg_on_a_buffer, "udmabuf0=0x20000")
{
	char *svg = tu_xmalloc(1 << 20), *save = NULL, *line, *copy;
	int rows = 0, done = 0;
	struct tu_run r;
	long n;

	UT_OK(ut_sysfs_write(DEV, "sync_mode", "6"));
	unlink("/tmp/bench.svg");
	tu_udmabuf_x(&r, NULL, "bench " DEV " --sizes 64K --modes 0,1,5 "
		     "--passes 1,1 --repeat 2 --csv --svg /tmp/bench.svg");
	tu_run_status_x(&r, EX_OK);
	UT_EQU(ut_sysfs_u64(DEV, "sync_mode"), 6);	/* given back */
	copy = strdup(r.out);
	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char t[16], sec[32], note[64];
		int m, os, f;
		unsigned long long size;

		if (!rows++) {
			UT_STREQ(line, "table,sync_mode,o_sync,size_bytes,seconds,errors,note");
			continue;
		}
		sec[0] = note[0] = '\0';
		f = sscanf(line, "%15[a-z_],%d,%d,%llu,", t, &m, &os, &size);
		if (f != 4 || size != 65536 || (m != 0 && m != 1 && m != 5))
			UT_FAIL("CSV: unexpected line \"%s\"", line);
		if (count_char(line, ',') != 6)
			UT_FAIL("CSV: expected 7 fields in \"%s\"", line);
		sscanf(strchr(line, ',') + 1, "%*[^,],%*[^,],%*[^,],%31[^,],%*[^,],%63s",
		       sec, note);
		if (!strcmp(t, "clear_buf") && tu_is_arch("aarch64") &&
		    ((os && m == 1) || m == 5)) {
			if (!strstr(line, ",,,skipped-device-memory-on-arm64"))
				UT_FAIL("CSV: expected a skipped cell, saw \"%s\"",
					line);
			continue;
		}
		if (strlen(line) < 3 || strcmp(line + strlen(line) - 3, ",0,") ||
		    !sec[0] || atof(sec) < 0)
			UT_FAIL("CSV: expected seconds and 0 errors in \"%s\"",
				line);
		done++;
	}
	free(copy);
	UT_EQ(rows, 1 + 2 * 3 * 2);
	UT_EQ(done, tu_is_arch("aarch64") ? 9 : 12);
	tu_run_free(&r);

	/* the chart: one bar per figure, the legend, closed elements */
	n = ut_read_file("/tmp/bench.svg", svg, 1 << 20);
	UT_ASSERT(n > 0);
	if (strncmp(svg, "<?xml", 5) || !strstr(svg, "<svg xmlns=") ||
	    strcmp(svg + n - 7, "</svg>\n"))
		UT_FAIL("not an SVG document:\n%.500s", svg);
	UT_EQ(count_str(svg, "<rect "), done + 3);	/* background, legend */
	UT_EQ(count_str(svg, "<text"), count_str(svg, "</text>"));
	UT_EQ(count_str(svg, "<title>"), count_str(svg, "</title>"));
	UT_ASSERT(strstr(svg, "O_SYNC not specified") != NULL);
	UT_ASSERT(strstr(svg, "Table 2: clear_buf, 64 KiB") != NULL);
	UT_EQ(count_str(svg, ">skipped<"), tu_is_arch("aarch64") ? 3 : 0);
	free(svg);
	unlink("/tmp/bench.svg");

	expect_err(EX_USAGE, "bad --sizes '1Q'", NULL, "bench --sizes 1Q");
	expect_err(EX_USAGE, "bad --modes '9'", NULL, "bench --modes 9");
	expect_err(EX_USAGE, "bad --passes '1'", NULL, "bench --passes 1");
	expect_err(EX_USAGE, "the largest size asked for is 1 MiB", NULL,
		   "bench " DEV " --sizes 1M");
	UT_EQU(ut_sysfs_u64(DEV, "sync_mode"), 6);
}
