// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs /sys/class/u-dma-buf/<name>/: attributes and formats (D1), the
 * writable sync settings (D2), sync_for_cpu/sync_for_device (D3).
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <linux/u-dma-buf.h>
#include "ut.h"
#include "tu_helpers.h"

#define DEV	"udmabuf0"
#define SZ	0x100000ULL
#define PARAMS	"udmabuf0=0x100000"

static const struct {
	const char *name;
	unsigned int mode;
} attrs[] = {
	{ "phys_addr", 0444 },
	{ "size", 0444 },
	{ "sync_mode", 0664 },		/* the established driver's modes */
	{ "sync_offset", 0664 },
	{ "sync_size", 0664 },
	{ "sync_direction", 0664 },
	{ "sync_owner", 0444 },
	{ "sync_for_cpu", 0664 },
	{ "sync_for_device", 0664 },
	{ "dma_coherent", 0444 },
	{ "quirk_mmap_mode", 0444 },
	{ "driver_version", 0444 },
	{ "ioctl_version", 0444 },
};

#define NATTRS (sizeof(attrs) / sizeof(attrs[0]))

static const char *attr_str(const char *attr)
{
	static char buf[8][128];
	static int i;
	char *b = buf[i++ & 7];

	tu_sysfs_str_x(DEV, attr, b, 128);
	return b;
}

/* the attribute reads exactly as text (without the newline) */
#define EXPECT_ATTR(attr, text) UT_STREQ(attr_str(attr), (text))

/* a write that must fail with err and leave the attribute unchanged */
static void expect_refused(const char *attr, const char *val, int err)
{
	char before[128], after[128];
	int r;

	tu_sysfs_str_x(DEV, attr, before, sizeof(before));
	r = ut_sysfs_write(DEV, attr, val);
	if (r != -err)
		UT_FAIL("writing \"%s\" to %s: expected %s, saw %s", val, attr,
			strerror(err), r ? strerror(-r) : "success");
	tu_sysfs_str_x(DEV, attr, after, sizeof(after));
	if (strcmp(before, after))
		UT_FAIL("writing \"%s\" to %s was refused but changed the "
			"value from \"%s\" to \"%s\"", val, attr, before,
			after);
}

static void expect_written(const char *attr, const char *val,
			   const char *reads)
{
	int r = ut_sysfs_write(DEV, attr, val);

	if (r)
		UT_FAIL("writing \"%s\" to %s: expected success, saw %s", val,
			attr, strerror(-r));
	if (reads)
		UT_STREQ(attr_str(attr), reads);
}

UT_TEST(D1_attributes_and_modes, PARAMS)
{
	char path[256];
	struct stat st;

	for (size_t i = 0; i < NATTRS; i++) {
		snprintf(path, sizeof(path), TU_CLASS_DIR "/" DEV "/%s",
			 attrs[i].name);
		if (stat(path, &st))
			UT_FAIL("%s: expected to exist, saw %s", path,
				strerror(errno));
		if ((st.st_mode & 0777) != attrs[i].mode)
			UT_FAIL("%s: expected mode 0%o, saw 0%o", path,
				attrs[i].mode, st.st_mode & 0777);
	}
}

static void check_hex_addr(const char *what, const char *s)
{
	size_t n = strlen(s);

	if (strncmp(s, "0x", 2) || (n != 10 && n != 18))
		UT_FAIL("%s: expected 0x and 8 or 16 hex digits, saw \"%s\"",
			what, s);
	for (size_t i = 2; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) ||
		    isupper((unsigned char)s[i]))
			UT_FAIL("%s: expected lower-case hex digits, saw "
				"\"%s\"", what, s);
}

UT_TEST(D1_attribute_formats, PARAMS)
{
	char raw[128];
	const char *s;
	size_t n;

	/* every readable value is one line ending in a newline */
	for (size_t i = 0; i < NATTRS; i++) {
		if (!(attrs[i].mode & 0444))
			continue;
		n = UT_OK(ut_sysfs_read(DEV, attrs[i].name, raw, sizeof(raw)));
		if (n < 2 || raw[n - 1] != '\n' || strchr(raw, '\n') !=
		    raw + n - 1)
			UT_FAIL("%s: expected one non-empty line, saw \"%s\"",
				attrs[i].name, raw);
	}
	check_hex_addr("phys_addr", attr_str("phys_addr"));
	UT_ASSERT(ut_sysfs_u64(DEV, "phys_addr") != 0);
	EXPECT_ATTR("size", "1048576");
	s = attr_str("dma_coherent");
	if (strcmp(s, "0") && strcmp(s, "1"))
		UT_FAIL("dma_coherent: expected 0 or 1, saw \"%s\"", s);
	s = attr_str("sync_owner");
	if (strcmp(s, "0") && strcmp(s, "1"))
		UT_FAIL("sync_owner: expected 0 or 1, saw \"%s\"", s);
	s = attr_str("driver_version");
	n = strlen(s);
	if (n == 0 || n > 15)
		UT_FAIL("driver_version: expected 1..15 characters (it must "
			"fit the ioctl's version[16]), saw \"%s\"", s);
	for (size_t i = 0; i < n; i++)
		if (!isgraph((unsigned char)s[i]))
			UT_FAIL("driver_version: expected printable text "
				"without spaces, saw \"%s\"", s);
	EXPECT_ATTR("ioctl_version", "2");
	EXPECT_ATTR("quirk_mmap_mode", "3");
	/* nothing is ever pending: a sync runs during the write */
	EXPECT_ATTR("sync_for_cpu", "0");
	EXPECT_ATTR("sync_for_device", "0");
	/* defaults of the sync settings */
	EXPECT_ATTR("sync_mode", "1");
	EXPECT_ATTR("sync_offset", "0");
	EXPECT_ATTR("sync_size", "1048576");
	EXPECT_ATTR("sync_direction", "0");
}

UT_TEST(D1_readonly_refuse_writes, PARAMS)
{
	for (size_t i = 0; i < NATTRS; i++) {
		const char *a = attrs[i].name;
		char before[128];

		if (attrs[i].mode != 0444)
			continue;
		tu_sysfs_str_x(DEV, a, before, sizeof(before));
		if (ut_sysfs_write(DEV, a, "1") == 0)
			UT_FAIL("writing read-only %s: expected failure, saw "
				"success", a);
		UT_STREQ(attr_str(a), before);
	}
}

/*
 * The driver version is the established release whose interface this
 * driver implements, everywhere it is shown (programs compare it).
 */
UT_TEST(D1_driver_version_5_5_0, PARAMS)
{
	char v[64];
	int n;

	EXPECT_ATTR("driver_version", "5.5.0");
	n = UT_OK(ut_read_file("/sys/module/u_dma_buf/version", v,
			       sizeof(v)));
	if (n > 0 && v[n - 1] == '\n')
		v[n - 1] = '\0';
	UT_STREQ(v, "5.5.0");
}

/* open(2) one attribute; read(2) it whole from offset 0 */
static void read_fd_x(int fd, const char *a, char *buf, size_t len)
{
	ssize_t n = pread(fd, buf, len - 1, 0);

	if (n < 2 || buf[n - 1] != '\n')
		UT_FAIL("read(2) of %s: expected one line, saw %zd (%s)", a, n,
			n < 0 ? strerror(errno) : "short");
	buf[n - 1] = '\0';
}

/*
 * Every attribute opens with the flags the established driver's programs
 * use: O_RDWR for its writable (0664) ones, read and written through the
 * same file; O_RDONLY for the others.
 */
UT_TEST(D1_open_flags_of_established_programs, PARAMS)
{
	static const struct { const char *attr, *val, *reads; } rw[] = {
		{ "sync_mode", "5", "5" },
		{ "sync_offset", "0x1000", "4096" },
		{ "sync_size", "8192", "8192" },
		{ "sync_direction", "2", "2" },
		{ "sync_for_device", "1", "0" },
		{ "sync_for_cpu", "1", "0" },
	};
	char path[256], buf[128];
	int fd;

	for (size_t i = 0; i < NATTRS; i++) {
		if (attrs[i].mode != 0444)
			continue;
		snprintf(path, sizeof(path), TU_CLASS_DIR "/" DEV "/%s",
			 attrs[i].name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			UT_FAIL("open(%s, O_RDONLY): expected success, saw %s",
				path, strerror(errno));
		read_fd_x(fd, attrs[i].name, buf, sizeof(buf));
		UT_STREQ(buf, attr_str(attrs[i].name));
		close(fd);
	}
	for (size_t i = 0; i < sizeof(rw) / sizeof(rw[0]); i++) {
		const char *a = rw[i].attr;

		snprintf(path, sizeof(path), TU_CLASS_DIR "/" DEV "/%s", a);
		fd = open(path, O_RDWR);
		if (fd < 0)
			UT_FAIL("open(%s, O_RDWR): expected success, saw %s",
				path, strerror(errno));
		read_fd_x(fd, a, buf, sizeof(buf));
		if (pwrite(fd, rw[i].val, strlen(rw[i].val), 0) !=
		    (ssize_t)strlen(rw[i].val))
			UT_FAIL("write(2) of \"%s\" to %s opened O_RDWR: "
				"expected success, saw %s", rw[i].val, a,
				strerror(errno));
		read_fd_x(fd, a, buf, sizeof(buf));
		UT_STREQ(buf, rw[i].reads);
		close(fd);
		if (!strcmp(a, "sync_for_device"))
			EXPECT_ATTR("sync_owner", "1");
		if (!strcmp(a, "sync_for_cpu"))
			EXPECT_ATTR("sync_owner", "0");
	}
	EXPECT_ATTR("sync_mode", "5");
	EXPECT_ATTR("sync_offset", "4096");
	EXPECT_ATTR("sync_size", "8192");
	EXPECT_ATTR("sync_direction", "2");
}

UT_TEST(D2_write_decimal_and_hex, PARAMS)
{
	expect_written("sync_mode", "5", "5");
	expect_written("sync_mode", "0x7", "7");
	expect_written("sync_mode", "0\n", "0");
	expect_written("sync_mode", "0x2\n", "2");
	for (int m = 0; m <= 7; m++) {
		char v[8];

		snprintf(v, sizeof(v), "%d", m);
		expect_written("sync_mode", v, v);
	}

	expect_written("sync_offset", "4096", "4096");
	expect_written("sync_offset", "0x2000\n", "8192");
	expect_written("sync_offset", "0xfffff", "1048575");
	expect_written("sync_offset", "0", "0");

	expect_written("sync_size", "0x800", "2048");
	expect_written("sync_size", "1\n", "1");
	expect_written("sync_size", "1048576", "1048576");
	expect_written("sync_size", "0x100000", "1048576");

	expect_written("sync_direction", "2", "2");
	expect_written("sync_direction", "0x1", "1");
	expect_written("sync_direction", "0\n", "0");

	/* the settings are independent of each other */
	expect_written("sync_offset", "0x3000", "12288");
	expect_written("sync_size", "0x5000", "20480");
	expect_written("sync_direction", "2", "2");
	expect_written("sync_mode", "6", "6");
	EXPECT_ATTR("sync_offset", "12288");
	EXPECT_ATTR("sync_size", "20480");
	EXPECT_ATTR("sync_direction", "2");
	EXPECT_ATTR("size", "1048576");
}

UT_TEST(D2_out_of_range_refused, PARAMS)
{
	static const char *const bad_mode[] = {
		"8", "0x8", "9", "256", "-1", "4294967297", "abc", "1abc",
		"\n", "1 2", "0x", NULL
	};
	static const char *const bad_dir[] = {
		"3", "4", "-1", "4294967296", "x", "1.0", NULL
	};
	static const char *const bad_off[] = {
		"1048576", "1048577", "0x100000", "4294967296",
		"18446744073709551615", "18446744073709551616", "-4096",
		"4096x", "abc", NULL
	};
	static const char *const bad_size[] = {
		"0", "0x0", "1048577", "0x100001", "4294967296",
		"18446744073709551615", "-1", "abc", "16k", NULL
	};

	/* non-default values first, so that "unchanged" is meaningful */
	expect_written("sync_mode", "3", "3");
	expect_written("sync_direction", "2", "2");
	expect_written("sync_offset", "4096", "4096");
	expect_written("sync_size", "8192", "8192");

	for (int i = 0; bad_mode[i]; i++)
		expect_refused("sync_mode", bad_mode[i], EINVAL);
	for (int i = 0; bad_dir[i]; i++)
		expect_refused("sync_direction", bad_dir[i], EINVAL);
	for (int i = 0; bad_off[i]; i++)
		expect_refused("sync_offset", bad_off[i], EINVAL);
	for (int i = 0; bad_size[i]; i++)
		expect_refused("sync_size", bad_size[i], EINVAL);

	EXPECT_ATTR("sync_mode", "3");
	EXPECT_ATTR("sync_direction", "2");
	EXPECT_ATTR("sync_offset", "4096");
	EXPECT_ATTR("sync_size", "8192");
}

static void sync_write_x(const char *attr, const char *val)
{
	int r = ut_sysfs_write(DEV, attr, val);

	if (r)
		UT_FAIL("writing \"%s\" to %s: expected success, saw %s", val,
			attr, strerror(-r));
}

UT_TEST(D3_sync_owner_follows, PARAMS)
{
	char v[64];

	sync_write_x("sync_for_device", "1");
	EXPECT_ATTR("sync_owner", "1");
	sync_write_x("sync_for_cpu", "1");
	EXPECT_ATTR("sync_owner", "0");
	sync_write_x("sync_for_device", "1\n");
	EXPECT_ATTR("sync_owner", "1");
	sync_write_x("sync_for_cpu", "1\n");
	EXPECT_ATTR("sync_owner", "0");
	sync_write_x("sync_for_cpu", "1");
	EXPECT_ATTR("sync_owner", "0");

	/* 0 does nothing */
	sync_write_x("sync_for_device", "0");
	EXPECT_ATTR("sync_owner", "0");
	sync_write_x("sync_for_device", "1");
	sync_write_x("sync_for_cpu", "0");
	EXPECT_ATTR("sync_owner", "1");

	/* the packed form, in the seed's format and in decimal */
	snprintf(v, sizeof(v), "0x%08X%08X", 0x1000U,
		 /* cppcheck-suppress badBitmaskCheck ; the seed's form, direction 0 */
		 (0x10000U & 0xFFFFFFF0U) | (0U << 2) | 1U);
	sync_write_x("sync_for_cpu", v);
	EXPECT_ATTR("sync_owner", "0");
	snprintf(v, sizeof(v), "%llu", (unsigned long long)
		 U_DMA_BUF_SYNC_ARG(0x2000, 0x3000, U_DMA_BUF_DIR_TO_DEVICE));
	sync_write_x("sync_for_device", v);
	EXPECT_ATTR("sync_owner", "1");
}

UT_TEST(D3_packed_form_keeps_stored_settings, PARAMS)
{
	static const struct { uint64_t off, size; int dir; } p[] = {
		{ 0, 0x10, 0 }, { 0x3000, 0x4000, 2 }, { 0xFFFF0, 0x10, 1 },
		{ 0, SZ, 0 }, { 0x1000, 0, 2 },	/* size 0: empty */
		{ SZ - 8, 8, 1 },		/* rounded up past the end */
		{ 0x80000, 0x80000, 1 },
	};
	char v[64];

	expect_written("sync_offset", "0x1000", "4096");
	expect_written("sync_size", "0x2000", "8192");
	expect_written("sync_direction", "1", "1");

	for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
		snprintf(v, sizeof(v), "0x%016llx", (unsigned long long)
			 U_DMA_BUF_SYNC_ARG(p[i].off, p[i].size, p[i].dir));
		sync_write_x("sync_for_device", v);
		EXPECT_ATTR("sync_owner", "1");
		sync_write_x("sync_for_cpu", v);
		EXPECT_ATTR("sync_owner", "0");
		EXPECT_ATTR("sync_offset", "4096");
		EXPECT_ATTR("sync_size", "8192");
		EXPECT_ATTR("sync_direction", "1");
	}
}

UT_TEST(D3_bad_packed_refused, PARAMS)
{
	static const struct { const char *what; uint64_t v; } bad[] = {
		{ "direction 3", U_DMA_BUF_SYNC_ARG(0, 0x1000, 3) },
		{ "offset == size", U_DMA_BUF_SYNC_ARG(SZ, 0x10, 0) },
		{ "offset + size > size", U_DMA_BUF_SYNC_ARG(SZ - 0x10, 0x20,
							     0) },
		{ "size > buffer", U_DMA_BUF_SYNC_ARG(0, 2 * SZ, 0) },
		{ "offset 4G-16", U_DMA_BUF_SYNC_ARG(0xFFFFFFF0ULL, 0x10, 0) },
		{ "size 0 beyond the end", ((SZ + 1) << 32) | 1 },
		{ "bit 0 clear, direction 3", 0x100c },
		{ "all ones", ~0ULL },
	};
	char v[64];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(v, sizeof(v), "0x%llx", (unsigned long long)bad[i].v);
		sync_write_x("sync_for_device", "1");
		if (ut_sysfs_write(DEV, "sync_for_cpu", v) != -EINVAL)
			UT_FAIL("sync_for_cpu %s (%s): expected EINVAL",
				bad[i].what, v);
		if (strcmp(attr_str("sync_owner"), "1"))
			UT_FAIL("sync_for_cpu %s (%s) was refused but changed "
				"sync_owner to %s", bad[i].what, v,
				attr_str("sync_owner"));
		sync_write_x("sync_for_cpu", "1");
		if (ut_sysfs_write(DEV, "sync_for_device", v) != -EINVAL)
			UT_FAIL("sync_for_device %s (%s): expected EINVAL",
				bad[i].what, v);
		if (strcmp(attr_str("sync_owner"), "0"))
			UT_FAIL("sync_for_device %s (%s) was refused but "
				"changed sync_owner to %s", bad[i].what, v,
				attr_str("sync_owner"));
	}
	/* text that is not a number */
	{
		static const char *const junk[] = {
			"abc", "-1", "1x", "0x", "1 1", "\n", NULL
		};

		for (int i = 0; junk[i]; i++) {
			sync_write_x("sync_for_device", "1");
			if (ut_sysfs_write(DEV, "sync_for_cpu", junk[i]) !=
			    -EINVAL)
				UT_FAIL("sync_for_cpu \"%s\": expected EINVAL",
					junk[i]);
			EXPECT_ATTR("sync_owner", "1");
			sync_write_x("sync_for_cpu", "1");
			if (ut_sysfs_write(DEV, "sync_for_device", junk[i]) !=
			    -EINVAL)
				UT_FAIL("sync_for_device \"%s\": expected "
					"EINVAL", junk[i]);
			EXPECT_ATTR("sync_owner", "0");
		}
	}
}

/*
 * Any value but 0 and 1 is the packed form, whatever bits 0 and 1 say (as
 * the established driver reads it): these sync and change the owner.
 */
UT_TEST(D3_packed_any_other_value, PARAMS)
{
	static const struct { const char *what; uint64_t v; } ok[] = {
		{ "size only, bit 0 clear", 0x100 },
		{ "direction only (empty range)", 0x4 },
		{ "offset only (empty range)", 0x100000000ULL },
		{ "bit 1 alone (empty range at 0)", 0x2 },
		{ "bits 0 and 1 (empty range at 0)", 0x3 },
		{ "packed with bit 1", U_DMA_BUF_SYNC_ARG(0, 0x100, 0) | 2 },
		{ "size 0 at the end", (SZ << 32) | 1 },
		{ "8 bytes at the end, rounded up", U_DMA_BUF_SYNC_ARG(SZ - 8,
								      8, 2) },
	};
	char v[64];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(v, sizeof(v), "0x%llx", (unsigned long long)ok[i].v);
		sync_write_x("sync_for_cpu", "1");
		if (ut_sysfs_write(DEV, "sync_for_device", v))
			UT_FAIL("sync_for_device %s (%s): expected success",
				ok[i].what, v);
		if (strcmp(attr_str("sync_owner"), "1"))
			UT_FAIL("sync_for_device %s (%s): expected sync_owner "
				"1", ok[i].what, v);
		if (ut_sysfs_write(DEV, "sync_for_cpu", v))
			UT_FAIL("sync_for_cpu %s (%s): expected success",
				ok[i].what, v);
		if (strcmp(attr_str("sync_owner"), "0"))
			UT_FAIL("sync_for_cpu %s (%s): expected sync_owner 0",
				ok[i].what, v);
	}
	EXPECT_ATTR("sync_offset", "0");
	EXPECT_ATTR("sync_size", "1048576");
	EXPECT_ATTR("sync_direction", "0");
}

/* offset + size is checked when a sync runs, not when a value is written */
UT_TEST(D3_stored_range_checked_at_sync, PARAMS)
{
	/* offset first, with the whole-buffer size still stored */
	expect_written("sync_offset", "0xff000", "1044480");
	sync_write_x("sync_for_device", "0x101");	/* packed: fits */
	EXPECT_ATTR("sync_owner", "1");
	if (ut_sysfs_write(DEV, "sync_for_cpu", "1") != -EINVAL)
		UT_FAIL("sync_for_cpu with offset 0xff000 + size 0x100000: "
			"expected EINVAL");
	EXPECT_ATTR("sync_owner", "1");
	sync_write_x("sync_for_cpu", "0x0000000000000101");	/* packed */
	EXPECT_ATTR("sync_owner", "0");
	if (ut_sysfs_write(DEV, "sync_for_device", "1") != -EINVAL)
		UT_FAIL("sync_for_device with offset 0xff000 + size 0x100000: "
			"expected EINVAL");
	EXPECT_ATTR("sync_owner", "0");
	/* then the size: now the range fits exactly */
	expect_written("sync_size", "0x1000", "4096");
	sync_write_x("sync_for_device", "1");
	EXPECT_ATTR("sync_owner", "1");
	sync_write_x("sync_for_cpu", "1");
	EXPECT_ATTR("sync_owner", "0");
	/* one byte too many */
	expect_written("sync_size", "0x1001", "4097");
	if (ut_sysfs_write(DEV, "sync_for_device", "1") != -EINVAL)
		UT_FAIL("sync_for_device with offset 0xff000 + size 0x1001: "
			"expected EINVAL");
	EXPECT_ATTR("sync_owner", "0");
	EXPECT_ATTR("sync_offset", "1044480");
	EXPECT_ATTR("sync_size", "4097");
}
