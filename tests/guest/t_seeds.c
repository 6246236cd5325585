// SPDX-License-Identifier: GPL-2.0
/*
 * The C fragments of the specification seeds (`C:u-dma-buf_test.c` blocks),
 * assembled into the guest programs tests/guest/progs/seeds-sysfs.c and
 * seeds-mmap.c without changing their statements, run against udmabuf0:
 * what they read must be what sysfs shows, what they write must arrive, and
 * on arm their syncs must reach the cache maintenance of exactly the range
 * they name (kprobes, as in t_dmasync.c).  The seeds' Python class needs a
 * Python guest (not yet there).
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "ut.h"
#include "tu_helpers.h"

#define DEV	"udmabuf0"
#define SZ	0x100000ULL
#define PARAMS	"udmabuf0=0x100000"
#define MAXC	8

/* run /bin/<prog> <which>; its output (one line, no newline) into out */
static void run_seed_x(const char *prog, const char *which, char *out,
		       size_t len)
{
	char cmd[128];
	FILE *p;
	size_t n;
	int st;

	snprintf(cmd, sizeof(cmd), "/bin/%s %s 2>&1", prog, which);
	fflush(stdout);
	p = popen(cmd, "r");
	if (!p)
		UT_FAIL("popen(%s): %s", cmd, strerror(errno));
	n = fread(out, 1, len - 1, p);
	out[n] = '\0';
	st = pclose(p);
	if (n && out[n - 1] == '\n')
		out[n - 1] = '\0';
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st))
		UT_FAIL("%s: expected exit status 0, saw 0x%x; output: \"%s\"",
			cmd, st, out);
}

static void expect_output(const char *prog, const char *which,
			  const char *expected)
{
	char out[512];

	run_seed_x(prog, which, out, sizeof(out));
	if (strcmp(out, expected))
		UT_FAIL("%s %s: expected output \"%s\", saw \"%s\"", prog,
			which, expected, out);
}

static void sysfs_x(const char *attr, const char *val)
{
	int r = ut_sysfs_write(DEV, attr, val);

	if (r)
		UT_FAIL("writing \"%s\" to %s: expected success, saw %s", val,
			attr, strerror(-r));
}

/* the fragments that read: phys_addr, size, dma_coherent, sync_owner */
UT_TEST(D1_seed_fragments_read, PARAMS)
{
	char want[64];

	/* the seed scans "%x" into an unsigned long: the low 32 bits */
	snprintf(want, sizeof(want), "phys_addr=0x%llx",
		 (unsigned long long)(ut_sysfs_u64(DEV, "phys_addr") &
				      0xffffffffULL));
	expect_output("seeds-sysfs", "phys_addr", want);
	expect_output("seeds-sysfs", "size", "size=1048576");
	snprintf(want, sizeof(want), "dma_coherent=%llu",
		 (unsigned long long)ut_sysfs_u64(DEV, "dma_coherent"));
	expect_output("seeds-sysfs", "dma_coherent", want);
	sysfs_x("sync_for_device", "1");
	expect_output("seeds-sysfs", "sync_owner", "sync_owner=1");
	sysfs_x("sync_for_cpu", "1");
	expect_output("seeds-sysfs", "sync_owner", "sync_owner=0");
}

/* the fragments that write the stored settings (their values: 2, 0, 1024, 1) */
UT_TEST(D2_seed_fragments_write, PARAMS)
{
	sysfs_x("sync_mode", "5");
	sysfs_x("sync_offset", "4096");
	sysfs_x("sync_size", "8192");
	sysfs_x("sync_direction", "0");
	expect_output("seeds-sysfs", "sync_mode", "");
	UT_EQU(ut_sysfs_u64(DEV, "sync_mode"), 2);
	expect_output("seeds-sysfs", "sync_offset", "");
	UT_EQU(ut_sysfs_u64(DEV, "sync_offset"), 0);
	expect_output("seeds-sysfs", "sync_size", "");
	UT_EQU(ut_sysfs_u64(DEV, "sync_size"), 1024);
	expect_output("seeds-sysfs", "sync_direction", "");
	UT_EQU(ut_sysfs_u64(DEV, "sync_direction"), 1);
}

static int arm_target(void)
{
	return tu_is_arch("aarch64") || !strncmp(ut_arch(), "armv", 4);
}

/* on arm: exactly one call with these values (then the trace is cleared) */
static void expect_call(uint64_t phys, const char *what, int to_device,
			uint64_t off, uint64_t size, int dir)
{
	struct tu_sync_call c[MAXC];
	int n;

	if (!arm_target())
		return;
	n = tu_kp_collect(c, MAXC, phys, phys + SZ);
	if (n != 1 || c[0].to_device != to_device ||
	    c[0].paddr != phys + off || c[0].size != size || c[0].dir != dir)
		UT_FAIL("%s: expected exactly one arch_sync_dma_for_%s(paddr="
			"phys_addr + 0x%llx, size=%llu, dir=%d); saw %d calls, "
			"the first (for_%s, paddr=0x%llx, size=%llu, dir=%d)",
			what, to_device ? "device" : "cpu",
			(unsigned long long)off, (unsigned long long)size, dir,
			n, n && c[0].to_device ? "device" : "cpu",
			n ? (unsigned long long)c[0].paddr : 0ULL,
			n ? (unsigned long long)c[0].size : 0ULL,
			n ? c[0].dir : -1);
	tu_kp_clear();
}

/*
 * sync_for_cpu / sync_for_device, both forms: "1" syncs the stored range,
 * the seeds' "0x%08X%08X" packed value syncs (0, 0x10000, 0) and leaves the
 * stored settings alone.  On arm the cache maintenance is traced; elsewhere
 * DMA is coherent and the owner is what shows.
 */
UT_TEST(D3_seed_fragments_sync, PARAMS)
{
	uint64_t phys = ut_sysfs_u64(DEV, "phys_addr");

	if (arm_target()) {
		UT_EQU(ut_sysfs_u64(DEV, "dma_coherent"), 0);
		tu_kp_setup_x();
	}
	sysfs_x("sync_offset", "0x3000");
	sysfs_x("sync_size", "0x5000");
	sysfs_x("sync_direction", "2");
	sysfs_x("sync_for_device", "1");
	if (arm_target())
		tu_kp_clear();

	expect_output("seeds-sysfs", "sync_for_cpu", "");
	UT_EQU(ut_sysfs_u64(DEV, "sync_owner"), 0);
	expect_call(phys, "seed sync_for_cpu 1", 0, 0x3000, 0x5000, 2);
	expect_output("seeds-sysfs", "sync_for_device", "");
	UT_EQU(ut_sysfs_u64(DEV, "sync_owner"), 1);
	expect_call(phys, "seed sync_for_device 1", 1, 0x3000, 0x5000, 2);

	expect_output("seeds-sysfs", "sync_for_cpu_packed", "");
	UT_EQU(ut_sysfs_u64(DEV, "sync_owner"), 0);
	expect_call(phys, "seed sync_for_cpu 0x0000000000010001", 0, 0,
		    0x10000, 0);
	expect_output("seeds-sysfs", "sync_for_device_packed", "");
	UT_EQU(ut_sysfs_u64(DEV, "sync_owner"), 1);
	expect_call(phys, "seed sync_for_device 0x0000000000010001", 1, 0,
		    0x10000, 0);
	UT_EQU(ut_sysfs_u64(DEV, "sync_offset"), 0x3000);
	UT_EQU(ut_sysfs_u64(DEV, "sync_size"), 0x5000);
	UT_EQU(ut_sysfs_u64(DEV, "sync_direction"), 2);
	if (arm_target())
		tu_kp_stop();
}

/*
 * The open/mmap/close fragments, with the seeds' check_buf() as the access
 * their comments ask for: no errors through the mapping, and read(2) with
 * the same open flags returns what check_buf() left there.
 */
UT_TEST(C1_seed_fragments_mmap, "udmabuf0=0x10000")
{
	static const char *const which[] = { "dev", "cached", "osync" };

	for (size_t i = 0; i < sizeof(which) / sizeof(which[0]); i++) {
		expect_output("seeds-mmap", which[i],
			      "buf_size=65536 check_buf=0 readback_mismatch=-1");
		/* zeros again, so that the next run proves its own writes */
		UT_EQ(ut_sh("dd if=/dev/zero of=/dev/" DEV " bs=65536 "
			    "count=1 2>/dev/null"), 0);
	}
}
