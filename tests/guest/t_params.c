// SPDX-License-Identifier: GPL-2.0
/*
 * Module parameters and load/unload: A1 (udmabufN sizes), A2 (load lines,
 * info_enable), A3 (dma_mask_bit), A5 (quirk_mmap_mode), A7 (node mode).
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <linux/u-dma-buf.h>
#include "ut.h"
#include "tu_helpers.h"

static void expect_buffer(const char *name, unsigned int minor_nr,
			  uint64_t size)
{
	if (!tu_dev_exists(name))
		UT_FAIL("/dev/%s: expected to exist, it does not", name);
	if (!tu_class_exists(name))
		UT_FAIL(TU_CLASS_DIR "/%s: expected to exist, it does not",
			name);
	UT_EQ(tu_minor_x(name), minor_nr);
	UT_EQU(ut_sysfs_u64(name, "size"), size);
}

static void expect_no_buffer(const char *name)
{
	if (tu_dev_exists(name))
		UT_FAIL("/dev/%s: expected not to exist, it does", name);
	if (tu_class_exists(name))
		UT_FAIL(TU_CLASS_DIR "/%s: expected not to exist, it does",
			name);
}

UT_TEST(A1_param_minor_and_size, "udmabuf0=0x100000 udmabuf3=65536")
{
	expect_buffer("udmabuf0", 0, 0x100000);
	expect_buffer("udmabuf3", 3, 65536);
	UT_EQ(tu_major_x("udmabuf3"), tu_major_x("udmabuf0"));
	expect_no_buffer("udmabuf1");
	expect_no_buffer("udmabuf2");
	expect_no_buffer("udmabuf4");
}

UT_TEST(A1_param_all_eight,
	"udmabuf0=4096 udmabuf1=8192 udmabuf2=4096 udmabuf3=8192 "
	"udmabuf4=4096 udmabuf5=8192 udmabuf6=4096 udmabuf7=12288")
{
	static const uint64_t sizes[8] = {
		4096, 8192, 4096, 8192, 4096, 8192, 4096, 12288
	};
	char list[512];

	for (int i = 0; i < 8; i++) {
		char name[32];

		snprintf(name, sizeof(name), "udmabuf%d", i);
		expect_buffer(name, i, sizes[i]);
	}
	tu_class_list(list, sizeof(list));
	UT_STREQ(list, "udmabuf0 udmabuf1 udmabuf2 udmabuf3 udmabuf4 "
		 "udmabuf5 udmabuf6 udmabuf7");
}

UT_TEST(A1_param_suffixes, "udmabuf1=64K udmabuf2=1M udmabuf5=0x3000 "
	"udmabuf6=10000")
{
	expect_buffer("udmabuf1", 1, 64 * TU_KIB);
	expect_buffer("udmabuf2", 2, TU_MIB);
	expect_buffer("udmabuf5", 5, 0x3000);
	/* not a page multiple: the size is kept exactly as requested */
	expect_buffer("udmabuf6", 6, 10000);
}

UT_TEST(A1_param_zero_creates_nothing, "udmabuf0=0 udmabuf1=4096 udmabuf2=0x0")
{
	char list[256];

	expect_no_buffer("udmabuf0");
	expect_no_buffer("udmabuf2");
	expect_buffer("udmabuf1", 1, 4096);
	tu_class_list(list, sizeof(list));
	UT_STREQ(list, "udmabuf1");
}

UT_TEST(A1_no_params_only_manager, "")
{
	char list[256];
	struct stat st;

	tu_class_list(list, sizeof(list));
	UT_STREQ(list, "");
	if (stat(TU_MGR_PATH, &st) || !S_ISCHR(st.st_mode))
		UT_FAIL(TU_MGR_PATH ": expected a character device after "
			"loading without parameters");
}

UT_TEST(A1_param_bad_value_fails_load, UT_NOLOAD)
{
	static const char *const bad[] = {
		"udmabuf0=abc", "udmabuf0=12abc", "udmabuf0=-4096",
		"udmabuf0=0x", "udmabuf0=4096Q", "udmabuf3=1M2",
		"udmabuf0=4096 udmabuf1=xyz", NULL
	};

	for (int i = 0; bad[i]; i++) {
		int r = ut_load(bad[i]);

		if (r != -EINVAL) {
			if (r == 0)
				ut_unload();
			UT_FAIL("load with \"%s\": expected EINVAL, saw %s",
				bad[i], r ? strerror(-r) : "success");
		}
		if (ut_module_loaded())
			UT_FAIL("after the failed load with \"%s\": expected "
				"the module not to be loaded", bad[i]);
		expect_no_buffer("udmabuf0");
	}
}

/* a failing parameter buffer fails the load and removes the ones created */
UT_TEST(A1_param_failure_cleans_up, UT_NOLOAD)
{
	int r = ut_load("udmabuf0=4096 udmabuf1=0x10000000000");

	if (r == 0) {
		ut_unload();
		UT_FAIL("load with udmabuf1=1TiB on a small machine: expected "
			"EINVAL, saw success");
	}
	UT_EQ(r, -EINVAL);
	UT_ASSERT(!ut_module_loaded());
	UT_LOG_HAS("udmabuf1");
	expect_no_buffer("udmabuf0");
	expect_no_buffer("udmabuf1");

	/* nothing was left behind: the same load without the bad one works */
	r = ut_load("udmabuf0=4096");
	UT_EQ(r, 0);
	expect_buffer("udmabuf0", 0, 4096);
	UT_EQ(ut_unload(), 0);
}

/* MemTotal of /proc/meminfo in bytes: what the driver's size check allows */
/*
 * A load that fails on a later parameter buffer must not let any node of
 * it appear first: a file opened on /dev/udmabuf0 while the load fails
 * would outlive the module it points into.  udmabuf1 passes the size check
 * (15/16 of the RAM: not more than the RAM) but cannot be allocated: no
 * free range, buddy block or CMA area of a running system is that large.
 * A child opens /dev/udmabuf0 in a loop during the load; it must
 * never succeed, and the load lines of udmabuf0 must never be printed.
 */
UT_TEST(A1_param_alloc_failure_no_node_appears, UT_NOLOAD)
{
	volatile unsigned long *c;	/* [0] open attempts, [1] successes */
	unsigned long before;
	char params[96];
	pid_t pid;
	int r, st;

	c = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	UT_ASSERT(c != MAP_FAILED);
	pid = fork();
	UT_ASSERT(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;) {
			int fd = open("/dev/udmabuf0", O_RDWR | O_CLOEXEC);

			if (fd >= 0) {
				c[1]++;
				close(fd);
			}
			c[0]++;
		}
	}
	while (c[0] == 0)
		usleep(1000);
	before = c[0];
	/* 15/16 of the RAM: allowed, but more than can be found free */
	snprintf(params, sizeof(params), "udmabuf0=64K udmabuf1=%llu",
		 (unsigned long long)(tu_mem_total_bytes() / 16 * 15 &
				      ~0xfffffULL));
	r = ut_load(params);
	usleep(20000);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	if (r == 0) {
		ut_unload();
		UT_FAIL("load with %s: expected ENOMEM, saw success", params);
	}
	UT_EQ(r, -ENOMEM);
	UT_ASSERT(!ut_module_loaded());
	UT_ASSERT(c[0] > before);
	if (c[1])
		UT_FAIL("/dev/udmabuf0 was opened %lu times during the failed load (of %lu attempts): expected never",
			c[1], c[0]);
	UT_LOG_HAS("udmabuf1");
	UT_LOG_LACKS("udmabuf0: driver installed");
	UT_LOG_LACKS("udmabuf0: phys address");
	expect_no_buffer("udmabuf0");
	expect_no_buffer("udmabuf1");

	/* nothing was left behind: the same load without udmabuf1 works */
	UT_EQ(ut_load("udmabuf0=64K"), 0);
	expect_buffer("udmabuf0", 0, 64 * TU_KIB);
	UT_EQ(ut_unload(), 0);
}

UT_TEST(A2_load_and_unload_lines, UT_NOLOAD)
{
	char ver[64], coh[16];
	const char *log;
	uint64_t v;

	UT_EQ(ut_load("udmabuf0=0x100000 udmabuf5=0x3000"), 0);
	log = ut_log();
	UT_LOG_HAS("u-dma-buf udmabuf0: driver installed");
	UT_LOG_HAS("u-dma-buf udmabuf5: driver installed");
	tu_sysfs_str_x("udmabuf0", "driver_version", ver, sizeof(ver));
	{
		char line[128];

		snprintf(line, sizeof(line),
			 "u-dma-buf udmabuf0: driver version = %s", ver);
		UT_LOG_HAS(line);
	}
	v = tu_log_value(log, "udmabuf0", "major number  ", 10);
	UT_EQ(v, tu_major_x("udmabuf0"));
	v = tu_log_value(log, "udmabuf0", "minor number  ", 10);
	UT_EQ(v, 0);
	v = tu_log_value(log, "udmabuf5", "minor number  ", 10);
	UT_EQ(v, 5);
	v = tu_log_value(log, "udmabuf0", "phys address  ", 16);
	UT_EQU(v, ut_sysfs_u64("udmabuf0", "phys_addr"));
	v = tu_log_value(log, "udmabuf5", "phys address  ", 16);
	UT_EQU(v, ut_sysfs_u64("udmabuf5", "phys_addr"));
	UT_LOG_HAS("u-dma-buf udmabuf0: buffer size    = 1048576");
	UT_LOG_HAS("u-dma-buf udmabuf5: buffer size    = 12288");
	UT_LOG_HAS("u-dma-buf udmabuf0: dma device     = ");
	tu_sysfs_str_x("udmabuf0", "dma_coherent", coh, sizeof(coh));
	{
		char line[128];

		snprintf(line, sizeof(line),
			 "u-dma-buf udmabuf0: dma coherent   = %s", coh);
		UT_LOG_HAS(line);
	}
	/* 1 MiB and 12 KiB: within the buddy allocator everywhere */
	UT_LOG_HAS("u-dma-buf udmabuf0: memory source  = buddy allocator");
	UT_LOG_HAS("u-dma-buf udmabuf5: memory source  = buddy allocator");
	UT_LOG_LACKS("driver uninstalled");

	UT_EQ(ut_unload(), 0);
	UT_LOG_HAS("u-dma-buf udmabuf0: driver uninstalled");
	UT_LOG_HAS("u-dma-buf udmabuf5: driver uninstalled");
	/* rmmod frees everything: nodes, class, manager */
	expect_no_buffer("udmabuf0");
	expect_no_buffer("udmabuf5");
	if (access(TU_CLASS_DIR, F_OK) == 0)
		UT_FAIL(TU_CLASS_DIR ": expected to be gone after rmmod");
	if (access(TU_MGR_PATH, F_OK) == 0)
		UT_FAIL(TU_MGR_PATH ": expected to be gone after rmmod");
}

UT_TEST(A2_info_enable_0_is_quiet, UT_NOLOAD)
{
	UT_EQ(ut_load("udmabuf0=0x10000 info_enable=0"), 0);
	expect_buffer("udmabuf0", 0, 0x10000);
	UT_LOG_LACKS("driver installed");
	UT_LOG_LACKS("major number");
	UT_LOG_LACKS("phys address");
	UT_LOG_LACKS("buffer size");
	UT_LOG_LACKS("dma coherent");
	UT_LOG_LACKS("memory source");
	UT_EQ(ut_unload(), 0);
	UT_LOG_LACKS("driver uninstalled");
	expect_no_buffer("udmabuf0");
}

static uint64_t mask_bits(const char *dev)
{
	struct u_dma_buf_ioctl_dev_info info;
	int fd = ut_open_dev(dev, O_RDWR);

	memset(&info, 0, sizeof(info));
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_GET_DEV_INFO, &info);
	close(fd);
	return info.flags & U_DMA_BUF_DEV_INFO_DMA_MASK_MASK;
}

/*
 * That the allocation honours the mask can only be seen where there is
 * memory above 4 GiB: A3_dma_mask_32_below_4gib_* (a check here that the
 * buffer lies below 4 GiB could not fail in a 512 MiB guest).
 */
UT_TEST(A3_dma_mask_default_32, "udmabuf0=0x10000")
{
	UT_EQ(mask_bits("udmabuf0"), 32);
}

#define A3_PARAMS "udmabuf0=4096 udmabuf1=0x10000 udmabuf2=0x100000"

static void expect_below_4gib_x(const char *dev, uint64_t size)
{
	uint64_t pa = ut_sysfs_u64(dev, "phys_addr");

	if (pa + size > (1ULL << 32))
		UT_FAIL("%s: %llu bytes at 0x%llx: expected them below 4 GiB "
			"with a 32-bit DMA mask", dev,
			(unsigned long long)size, (unsigned long long)pa);
}

/*
 * In a guest with memory above 4 GiB: buffers with the default 32-bit mask
 * (parameters and manager) lie below 4 GiB, and the same sizes with a
 * 64-bit mask come from above at least once, which shows that the check
 * can fail here.
 */
static void mask_32_below_4gib_x(void)
{
	static const uint64_t sizes[] = { 4096, 0x10000, 0x100000 };
	char sz[32], name[32];
	int above = 0;

	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "udmabuf%d", i);
		UT_EQ(mask_bits(name), 32);
		expect_below_4gib_x(name, sizes[i]);
	}
	for (int i = 0; i < 3; i++) {
		snprintf(sz, sizeof(sz), "%llu", (unsigned long long)sizes[i]);
		tu_mgr_create_x("a3m32", sz, NULL);
		UT_EQ(mask_bits("a3m32"), 32);
		expect_below_4gib_x("a3m32", sizes[i]);
		tu_mgr_create_x("a3m64", sz, "dma-mask=64");
		UT_EQ(mask_bits("a3m64"), 64);
		if (ut_sysfs_u64("a3m64", "phys_addr") >= (1ULL << 32))
			above++;
		tu_mgr_delete_x("a3m32");
		tu_mgr_delete_x("a3m64");
	}
	if (!above)
		UT_FAIL("no buffer with a 64-bit DMA mask came from above 4 GiB: "
			"this guest cannot show that a 32-bit mask is honoured");
}

/* arm64, 8 GiB (tests/boots.conf "big") */
UT_TEST_BOOT(A3_dma_mask_32_below_4gib_big, A3_PARAMS, "big")
{
	mask_32_below_4gib_x();
}

/* x86_64, 6 GiB (tests/boots.conf "high") */
UT_TEST_BOOT(A3_dma_mask_32_below_4gib_high, A3_PARAMS, "high")
{
	mask_32_below_4gib_x();
}

UT_TEST(A3_dma_mask_bit_64_loads, "udmabuf0=0x10000 dma_mask_bit=64")
{
	UT_EQ(mask_bits("udmabuf0"), 64);
	UT_EQU(ut_sysfs_u64("udmabuf0", "size"), 0x10000);
}

UT_TEST(A3_dma_mask_bit_40, "udmabuf0=0x10000 dma_mask_bit=40")
{
	UT_EQ(mask_bits("udmabuf0"), 40);
}

UT_TEST(A3_dma_mask_bit_out_of_range, UT_NOLOAD)
{
	static const char *const bad[] = {
		"dma_mask_bit=11", "dma_mask_bit=65", "dma_mask_bit=0",
		"dma_mask_bit=128", "dma_mask_bit=-32",
		"udmabuf0=4096 dma_mask_bit=11",
		"udmabuf0=4096 dma_mask_bit=65", NULL
	};
	int r;

	for (int i = 0; bad[i]; i++) {
		r = ut_load(bad[i]);
		if (r != -EINVAL) {
			if (r == 0)
				ut_unload();
			UT_FAIL("load with \"%s\": expected EINVAL, saw %s",
				bad[i], r ? strerror(-r) : "success");
		}
		UT_ASSERT(!ut_module_loaded());
		expect_no_buffer("udmabuf0");
	}
	/* the boundaries themselves are accepted */
	r = ut_load("dma_mask_bit=12");
	UT_EQ(r, 0);
	UT_EQ(ut_unload(), 0);
	r = ut_load("dma_mask_bit=64");
	UT_EQ(r, 0);
	UT_EQ(ut_unload(), 0);
}

UT_TEST(A5_quirk_mmap_mode_default_auto, "udmabuf0=0x10000")
{
	struct u_dma_buf_ioctl_dev_info info;
	int fd;

	UT_EQU(ut_sysfs_u64("udmabuf0", "quirk_mmap_mode"),
	       U_DMA_BUF_MMAP_MODE_AUTO);
	fd = ut_open_dev("udmabuf0", O_RDWR);
	memset(&info, 0, sizeof(info));
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_GET_DEV_INFO, &info);
	UT_EQU((info.flags >> U_DMA_BUF_DEV_INFO_MMAP_MODE_SHIFT) &
	       U_DMA_BUF_DEV_INFO_MMAP_MODE_MASK, U_DMA_BUF_MMAP_MODE_AUTO);
	close(fd);
}

UT_TEST(A5_quirk_mmap_mode_param, UT_NOLOAD)
{
	for (int m = 1; m <= 4; m++) {
		struct u_dma_buf_ioctl_dev_info info;
		char p[64];
		int fd, r;

		snprintf(p, sizeof(p), "udmabuf0=0x10000 quirk_mmap_mode=%d",
			 m);
		r = ut_load(p);
		if (r)
			UT_FAIL("load with \"%s\": expected success, saw %s",
				p, strerror(-r));
		UT_EQU(ut_sysfs_u64("udmabuf0", "quirk_mmap_mode"), m);
		fd = ut_open_dev("udmabuf0", O_RDWR);
		memset(&info, 0, sizeof(info));
		TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_GET_DEV_INFO, &info);
		close(fd);
		UT_EQU((info.flags >> U_DMA_BUF_DEV_INFO_MMAP_MODE_SHIFT) &
		       U_DMA_BUF_DEV_INFO_MMAP_MODE_MASK, m);
		UT_EQ(ut_unload(), 0);
	}
}

UT_TEST(A7_node_mode_0600_root, "udmabuf0=0x10000")
{
	struct stat st;

	UT_OK(stat("/dev/udmabuf0", &st));
	UT_EQ(st.st_mode & 07777, 0600);
	UT_EQ(st.st_uid, 0);
	UT_EQ(st.st_gid, 0);

	tu_mgr_create_x("a7mgr", "4096", NULL);
	UT_OK(stat("/dev/a7mgr", &st));
	UT_EQ(st.st_mode & 07777, 0600);
	UT_EQ(st.st_uid, 0);
	UT_EQ(st.st_gid, 0);
	tu_mgr_delete_x("a7mgr");

	/* the manager itself is root's alone (docs/security.md) */
	UT_OK(stat(TU_MGR_PATH, &st));
	UT_EQ(st.st_mode & 07777, 0600);
	UT_EQ(st.st_uid, 0);
	UT_EQ(st.st_gid, 0);
}

/*
 * A3: a 28-bit mask (QEMU edu's reach) keeps the whole buffer below
 * 256 MiB in a 4 GiB x86_64 guest ("edu" boot): buddy sizes and one beyond
 * the buddy allocator (a range of an ordinary zone), by parameter and by
 * the manager; 1 MiB with a 40-bit mask lies above 256 MiB at least once
 * (buddy pages come from the highest zone that may serve), so the check
 * can fail here.
 */
UT_TEST_BOOT(A3_dma_mask_28_below_256mib, UT_NOLOAD, "edu")
{
	static const uint64_t sizes[] = { 4096, 0x100000, 0x800000 };
	const uint64_t lim = 1ULL << 28;
	char name[32];
	int above = 0;

	if (!tu_is_arch("x86_64"))
		UT_SKIP("the arm64 virt machine has no RAM below 1 GiB");
	UT_OK(ut_load("udmabuf0=4096 udmabuf1=0x100000 udmabuf2=0x800000 "
		      "dma_mask_bit=28"));
	/* 8 MiB is beyond the buddy allocator: a range of a zone */
	UT_LOG_HAS("udmabuf2: memory source  = contiguous range");
	for (int i = 0; i < 3; i++) {
		uint64_t pa;

		snprintf(name, sizeof(name), "udmabuf%d", i);
		UT_EQ(mask_bits(name), 28);
		pa = ut_sysfs_u64(name, "phys_addr");
		if (pa + sizes[i] > lim)
			UT_FAIL("%s: %llu bytes at 0x%llx: expected them below "
				"256 MiB with a 28-bit DMA mask", name,
				(unsigned long long)sizes[i],
				(unsigned long long)pa);
	}
	for (int i = 0; i < 4; i++) {
		uint64_t pa;

		tu_mgr_create_x("a3m28", "0x800000", "dma-mask=28");
		pa = ut_sysfs_u64("a3m28", "phys_addr");
		if (pa + 0x800000 > lim)
			UT_FAIL("a3m28: 8 MiB at 0x%llx: expected it below "
				"256 MiB", (unsigned long long)pa);
		tu_mgr_create_x("a3m40", "0x100000", "dma-mask=40");
		if (ut_sysfs_u64("a3m40", "phys_addr") + 0x100000 > lim)
			above++;
		tu_mgr_delete_x("a3m28");
		tu_mgr_delete_x("a3m40");
	}
	if (!above)
		UT_FAIL("no 1 MiB buffer with a 40-bit mask lay above 256 MiB: "
			"this guest cannot show that a 28-bit mask is honoured");
}
