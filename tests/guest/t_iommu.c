// SPDX-License-Identifier: GPL-2.0
/*
 * A4, H5, H7: QEMU's edu DMA engine behind an IOMMU (boot "iommu" of
 * tests/boots.conf: x86_64 q35 + intel-iommu, arm64 virt + SMMUv3).
 *
 * VFIO: edu bound to vfio-pci, an unbound u-dma-buf buffer whose
 * page-backed mapping is pinned long-term with VFIO_IOMMU_MAP_DMA at an
 * IOVA of the program's choosing; the example examples/edu-dma/edu-vfio.c
 * (built into the guest as /bin/edu-vfio) moves patterns RAM -> edu -> RAM
 * with interrupts and with polling and compares them through the mapping
 * and read(2).  A driver whose mapping is not the buffer's own pages, or is
 * not page-backed (VFIO cannot pin it), fails it.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ut.h"
#include "tu_helpers.h"

#define IOMMU_BOOT	"iommu"
#define PCI_DEVICES	"/sys/bus/pci/devices"
#define EDU_VENDOR	0x1234
#define EDU_DEVICE	0x11e8
#define EDU_VFIO_OUT	"/tmp/edu-vfio.out"

/* ------------------------------------------------------------ edu */

/* the BDF of the edu device (its BDF differs between q35 and virt) */
static void edu_bdf_x(char *bdf, size_t len)
{
	char path[PATH_MAX], text[32];
	struct dirent *d;
	DIR *dir = opendir(PCI_DEVICES);

	if (!dir)
		UT_FAIL("%s: %s", PCI_DEVICES, strerror(errno));
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), PCI_DEVICES "/%s/vendor",
			 d->d_name);
		if (ut_read_file(path, text, sizeof(text)) < 0 ||
		    strtoul(text, NULL, 0) != EDU_VENDOR)
			continue;
		snprintf(path, sizeof(path), PCI_DEVICES "/%s/device",
			 d->d_name);
		if (ut_read_file(path, text, sizeof(text)) < 0 ||
		    strtoul(text, NULL, 0) != EDU_DEVICE)
			continue;
		if (strlen(d->d_name) >= len)
			continue;
		memcpy(bdf, d->d_name, strlen(d->d_name) + 1);
		closedir(dir);
		return;
	}
	closedir(dir);
	UT_FAIL("no PCI device %04x:%04x: the \"%s\" boot must start QEMU with -device edu",
		EDU_VENDOR, EDU_DEVICE, IOMMU_BOOT);
}

/* name of the driver edu is bound to ("" if none) */
static void edu_driver(const char *bdf, char *name, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t n;
	const char *base;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver", bdf);
	n = readlink(path, target, sizeof(target) - 1);
	name[0] = '\0';
	if (n < 0)
		return;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) < len)
		memcpy(name, base, strlen(base) + 1);
}

/* edu with no driver and no driver_override, as the boot left it */
static void edu_release_x(const char *bdf)
{
	char path[PATH_MAX], drv[64];
	int r;

	edu_driver(bdf, drv, sizeof(drv));
	if (drv[0]) {
		snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver/unbind",
			 bdf);
		r = ut_write_file(path, bdf);
		if (r)
			UT_FAIL("unbind %s from %s: %s", bdf, drv, strerror(-r));
	}
	snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver_override", bdf);
	r = ut_write_file(path, "\n");
	if (r)
		UT_FAIL("clear %s: %s", path, strerror(-r));
	edu_driver(bdf, drv, sizeof(drv));
	if (drv[0])
		UT_FAIL("%s is still bound to %s", bdf, drv);
}

/* modules of the kernel (boots.conf kmods), loaded once per test */
static void modprobe_x(const char *mods)
{
	int r = ut_sh("for m in %s; do modprobe $m || exit 1; done", mods);

	if (r)
		UT_FAIL("modprobe %s: exit status %d (boots.conf kmods of \"%s\")",
			mods, r, IOMMU_BOOT);
}

/* the kernel log shows no IOMMU fault (DMA through an unmapped address) */
static void expect_no_iommu_fault(void)
{
	UT_LOG_LACKS("DMAR: DRHD: handling fault");
	UT_LOG_LACKS("smmuv3: event");
}

/* ------------------------------------------------------------ VFIO */

/* run edu-vfio with args; fail with its output unless it said OK */
static void edu_vfio_x(const char *args)
{
	static char out[16384];
	int r = ut_sh("edu-vfio %s >" EDU_VFIO_OUT " 2>&1", args);

	if (ut_read_file(EDU_VFIO_OUT, out, sizeof(out)) < 0)
		snprintf(out, sizeof(out), "(no output)");
	if (r != 0)
		UT_FAIL("edu-vfio %s: exit status %d, expected 0; output:\n%s",
			args, r, out);
	if (!strstr(out, "edu-vfio: OK:"))
		UT_FAIL("edu-vfio %s: no \"edu-vfio: OK:\" in its output:\n%s", args,
			out);
}

/*
 * H5, H7: an unbound buffer (buddy pages: page-backed) pinned long-term by
 * VFIO_IOMMU_MAP_DMA; edu moves patterns of several sizes up to its limit
 * through it, completion by interrupt (INTx through an eventfd) and by
 * polling.  The runner's unload afterwards shows that VFIO let go of the
 * pages (no "still referenced").
 */
UT_TEST_BOOT(H5_vfio_edu_round_trip_unbound_buffer, "udmabuf0=65536",
	     IOMMU_BOOT)
{
	char bdf[64], drv[64];

	edu_bdf_x(bdf, sizeof(bdf));
	modprobe_x("vfio_pci vfio_iommu_type1");
	edu_release_x(bdf);

	edu_vfio_x("-d udmabuf0 -n 4095 -r 2");
	edu_driver(bdf, drv, sizeof(drv));
	UT_STREQ(drv, "vfio-pci");
	edu_vfio_x("-d udmabuf0 -n 1 -r 1");
	edu_vfio_x("-d udmabuf0 -n 777 -r 2 --poll");
	edu_vfio_x("-d udmabuf0 -n 4095 -r 1 --poll -i 0x20000000");

	edu_release_x(bdf);
	expect_no_iommu_fault();
}
