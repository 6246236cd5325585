// SPDX-License-Identifier: GPL-2.0
/*
 * The users' board (FEATURES B1-B3 on ZynqMP): boot "zcu102" of
 * tests/boots.conf, QEMU's xlnx-zcu102 with the ZCU102 tree of Debian's
 * kernel package.  The tests of "dt" (t_dt.c and others) run there too;
 * these check the nodes a ZynqMP user writes (tests/dt/zcu102-udmabuf.dtsi):
 * a buffer that takes a whole reusable reserved-memory region, and one from
 * the kernel's default CMA area.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "ut.h"
#include "tu_helpers.h"

#define ZCU_BOOT	"zcu102"
#define IMG_BASE	0x3c000000ULL	/* image_buf0 of zcu102-udmabuf.dtsi */
#define IMG_SIZE	0x04000000ULL
#define RAM_END		0x80000000ULL	/* xlnx-zcu102 -m 2G: RAM at [0, 2 GiB) */

/* the tree the kernel booted is the ZCU102 one, not QEMU's virt */
static void expect_zcu102_x(void)
{
	char model[128];
	int n = ut_read_file("/proc/device-tree/model", model, sizeof(model));

	if (n < 0)
		UT_FAIL("reading /proc/device-tree/model: %s", strerror(-n));
	if (!strstr(model, "ZCU102"))
		UT_FAIL("device tree model \"%s\": expected the ZCU102 board's tree",
			model);
}

/*
 * All of the buffer through a shared mapping, back through read(), and
 * again after the buffer's own sync calls (a Cortex-A53 without coherent
 * DMA: the default sync mode maps it cached and syncs through the API).
 */
static void roundtrip_x(const char *name, size_t size, uint64_t seed)
{
	unsigned char *want = tu_xmalloc(size), *got = tu_xmalloc(size);
	unsigned char *map;
	int fd = ut_open_dev(name, O_RDWR);

	map = tu_mmap(fd, size, 0, PROT_READ | PROT_WRITE, MAP_SHARED);
	UT_ASSERT(map != NULL);
	tu_pattern(want, size, seed);
	memcpy(map, want, size);
	UT_EQ(tu_pread_all(fd, got, size, 0), (long long)size);
	UT_EQ(tu_first_diff(got, want, size), -1);
	UT_EQ(ut_sysfs_write(name, "sync_for_device", "1"), 0);
	UT_EQ(ut_sysfs_write(name, "sync_for_cpu", "1"), 0);
	UT_EQ(tu_first_diff(map, want, size), -1);
	munmap(map, size);
	close(fd);
	free(want);
	free(got);
}

/* fail: the buffer of a node is missing; name the buffers there are */
static void missing_x(const char *name)
{
	static char present[2048];

	tu_class_list(present, sizeof(present));
	UT_FAIL("expected buffer \"%s\" from the user's node; present: %s",
		name, present);
}

/* B3: the user's reusable region, all of it, at the region's address */
UT_TEST_BOOT(B3_zcu102_user_region_buffer, "", ZCU_BOOT)
{
	const char *name = "udmabuf-zynqmp0";

	expect_zcu102_x();
	if (!tu_class_exists(name))
		missing_x(name);
	UT_ASSERT(tu_dev_exists(name));
	UT_EQU(ut_sysfs_u64(name, "size"), IMG_SIZE);
	UT_EQU(ut_sysfs_u64(name, "phys_addr"), IMG_BASE);
	UT_EQU(ut_sysfs_u64(name, "dma_coherent"), 0);
	roundtrip_x(name, IMG_SIZE, 0x2c102);
}

/* B2, B3: no memory-region: the kernel's CMA area, in the board's RAM */
UT_TEST_BOOT(B3_zcu102_default_cma_buffer, "", ZCU_BOOT)
{
	const char *name = "udmabuf-zynqmp1";
	uint64_t phys, size = 0x400000;

	expect_zcu102_x();
	if (!tu_class_exists(name))
		missing_x(name);
	UT_EQU(ut_sysfs_u64(name, "size"), size);
	phys = ut_sysfs_u64(name, "phys_addr");
	if (phys + size > RAM_END ||
	    (phys < IMG_BASE + IMG_SIZE && phys + size > IMG_BASE))
		UT_FAIL("phys_addr 0x%llx: expected in the RAM below 0x%llx, outside the user's region [0x%llx, 0x%llx)",
			(unsigned long long)phys, RAM_END, IMG_BASE,
			IMG_BASE + IMG_SIZE);
	roundtrip_x(name, size, 0x2c103);
}
