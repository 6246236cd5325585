// SPDX-License-Identifier: GPL-2.0
/*
 * A4: buffers bound to a parent device (bind=, udmabufN_bind=, the
 * manager's bus=/device=/bind=), and what happens when the parent goes
 * away: its driver unbinds, it is removed from the PCI bus, or both while
 * a sync runs (design.md "Bound buffers").
 *
 * The parent is QEMU's edu PCI device (1234:11e8) with uio_pci_generic,
 * in the "edu" boot.  Each test leaves edu present and bound to
 * uio_pci_generic, whatever it did to it.
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/u-dma-buf.h>
#include "ut.h"
#include "tu_helpers.h"

#define PCI_DEVS	"/sys/bus/pci/devices"
#define UIO_DRV		"/sys/bus/pci/drivers/uio_pci_generic"
#define RW		(PROT_READ | PROT_WRITE)

static char edu[32];		/* BDF of the edu device used */

/* the driver bound to the edu device ("" if none) */
static void edu_driver(char *name, size_t len)
{
	char path[128], link[256];
	ssize_t n;

	snprintf(path, sizeof(path), PCI_DEVS "/%s/driver", edu);
	n = readlink(path, link, sizeof(link) - 1);
	name[0] = '\0';
	if (n <= 0)
		return;
	link[n] = '\0';
	snprintf(name, len, "%s", strrchr(link, '/') + 1);
}

static void uio_load_x(void)
{
	if (access(UIO_DRV, F_OK) && ut_sh("modprobe uio_pci_generic"))
		UT_FAIL("modprobe uio_pci_generic failed");
	/* EEXIST once the id is known: fine */
	ut_write_file(UIO_DRV "/new_id", "1234 11e8");
}

/* the last edu device (the full-reach one on x86), bound to uio */
static void edu_find_x(void)
{
	char drv[64], path[400];
	struct dirent *e;
	DIR *d;

	uio_load_x();
	tu_pci_rescan_x();
	edu[0] = '\0';
	d = opendir(PCI_DEVS);
	UT_ASSERT(d != NULL);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && strlen(e->d_name) < sizeof(edu) &&
		    tu_pci_is_edu(e->d_name) && strcmp(e->d_name, edu) > 0)
			memcpy(edu, e->d_name, strlen(e->d_name) + 1);
	closedir(d);
	if (!edu[0])
		UT_FAIL("no edu PCI device (1234:11e8) in this guest");
	edu_driver(drv, sizeof(drv));
	if (!strcmp(drv, "uio_pci_generic"))
		return;
	if (drv[0]) {
		snprintf(path, sizeof(path), PCI_DEVS "/%s/driver/unbind", edu);
		UT_OK(ut_write_file(path, edu));
	}
	UT_OK(ut_write_file(UIO_DRV "/bind", edu));
	edu_driver(drv, sizeof(drv));
	UT_STREQ(drv, "uio_pci_generic");
}

static void edu_unbind_x(void)
{
	UT_OK(ut_write_file(UIO_DRV "/unbind", edu));
}

/* the edu device is back (after a remove: a rescan) with uio bound */
static void edu_restore_x(void)
{
	char path[128], drv[64];

	snprintf(path, sizeof(path), PCI_DEVS "/%s", edu);
	if (access(path, F_OK))
		tu_pci_rescan_x();
	UT_ASSERT(access(path, F_OK) == 0);
	edu_driver(drv, sizeof(drv));
	if (!drv[0])
		UT_OK(ut_write_file(UIO_DRV "/bind", edu));
	edu_driver(drv, sizeof(drv));
	UT_STREQ(drv, "uio_pci_generic");
}

/* /sys/class/u-dma-buf/<dev>/device points at the edu device */
static void expect_parent_x(const char *dev)
{
	char path[128], link[256];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/class/u-dma-buf/%s/device", dev);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		UT_FAIL("%s: no parent link (%s)", path, strerror(errno));
	link[n] = '\0';
	if (strcmp(strrchr(link, '/') + 1, edu))
		UT_FAIL("%s -> %s: expected the edu device %s", path, link,
			edu);
}

static uint64_t ioctl_u64_x(int fd, unsigned long req)
{
	uint64_t v = 0;

	TU_IOCTL_X(fd, req, &v);
	return v;
}

static unsigned int dev_info_mask_bits_x(int fd)
{
	struct u_dma_buf_ioctl_dev_info info;

	memset(&info, 0, sizeof(info));
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_GET_DEV_INFO, &info);
	return info.flags & U_DMA_BUF_DEV_INFO_DMA_MASK_MASK;
}

/*
 * A bound parameter buffer: the parent link, the DMA device in the load
 * messages, the parent's (PCI default 32-bit) mask whatever dma_mask_bit
 * says, CPU and DMA address agreeing without an IOMMU, ioctl 11.
 */
UT_TEST_BOOT(A4_bind_param, UT_NOLOAD, "edu")
{
	char params[160];
	uint64_t dma, cpu;
	int fd;

	edu_find_x();
	snprintf(params, sizeof(params),
		 "udmabuf0=0x10000 udmabuf0_bind=pci/%s dma_mask_bit=40",
		 edu);
	UT_OK(ut_load(params));
	expect_parent_x("udmabuf0");
	UT_LOG_HAS("dma device     = ");
	UT_LOG_HAS(edu);
	fd = ut_open_dev("udmabuf0", O_RDWR);
	UT_EQ(dev_info_mask_bits_x(fd), 32);
	dma = ut_sysfs_u64("udmabuf0", "phys_addr");
	cpu = ut_sysfs_u64("udmabuf0", "cpu_phys_addr");
	UT_EQU(ioctl_u64_x(fd, U_DMA_BUF_IOCTL_GET_DMA_ADDR), dma);
	UT_EQU(ioctl_u64_x(fd, U_DMA_BUF_IOCTL_GET_CPU_PHYS_ADDR), cpu);
	/* no IOMMU in this boot, no offset on these PCI hosts */
	UT_EQU(dma, cpu);
	UT_ASSERT(dma + 0x10000 - 1 <= 0xffffffffULL);
	close(fd);
}

/* bind= is the default parent of every parameter buffer */
UT_TEST_BOOT(A4_bind_param_default, UT_NOLOAD, "edu")
{
	char params[160];

	edu_find_x();
	snprintf(params, sizeof(params),
		 "udmabuf0=0x4000 udmabuf3=0x8000 bind=pci/%s", edu);
	UT_OK(ut_load(params));
	expect_parent_x("udmabuf0");
	expect_parent_x("udmabuf3");
	UT_OK(ut_unload());
	/* a buffer of its own names no parent: "" is no bind */
	snprintf(params, sizeof(params),
		 "udmabuf0=0x4000 udmabuf1=0x4000 udmabuf1_bind=pci/%s", edu);
	UT_OK(ut_load(params));
	UT_ASSERT(!ut_sysfs_exists("udmabuf0", "device"));
	expect_parent_x("udmabuf1");
}

/* a parameter bind that cannot work fails the load, leaving nothing */
static void bad_load(const char *params, int err, const char *logline)
{
	size_t mark = tu_log_mark();
	int r = ut_load(params);

	if (r != -err)
		UT_FAIL("insmod %s: expected %s, saw %s", params,
			strerror(err), r ? strerror(-r) : "success");
	if (!strstr(tu_log_after(mark), logline))
		UT_FAIL("insmod %s: expected a log line with \"%s\", log:\n%s",
			params, logline, tu_log_after(mark));
	UT_ASSERT(!ut_module_loaded());
	UT_ASSERT(!tu_dev_exists("udmabuf0"));
}

UT_TEST_BOOT(A4_bind_param_errors, UT_NOLOAD, "edu")
{
	char params[160];

	edu_find_x();
	bad_load("udmabuf0=0x1000 udmabuf0_bind=nosuchbus/x", EINVAL,
		 "unknown bus \"nosuchbus\"");
	bad_load("udmabuf0=0x1000 bind=/x", EINVAL, "is not [bus/]device");
	bad_load("udmabuf0=0x1000 udmabuf0_bind=pci/0000:7f:1f.7", ENODEV,
		 "no device 0000:7f:1f.7 on bus pci");
	bad_load("udmabuf0=0x1000 udmabuf0_bind=no-such-platform-device",
		 ENODEV, "no device no-such-platform-device on bus platform");
	bad_load("udmabuf0=0x1000 udmabuf0_bind=pci/", EINVAL,
		 "no device named on bus pci");
	/* a parent without a driver has no DMA setup yet */
	edu_unbind_x();
	snprintf(params, sizeof(params), "udmabuf0=0x1000 bind=pci/%s", edu);
	bad_load(params, ENODEV, "has no driver");
	edu_restore_x();
	UT_OK(ut_load(params));
	expect_parent_x("udmabuf0");
}

static void mgr_bad(const char *cmd, int err, const char *logline)
{
	size_t mark = tu_log_mark();
	int r = tu_mgr_raw(cmd, strlen(cmd));

	if (r != -err)
		UT_FAIL("\"%s\": expected %s, saw %s", cmd, strerror(err),
			r ? strerror(-r) : "success");
	if (!strstr(tu_log_after(mark), logline))
		UT_FAIL("\"%s\": expected a log line with \"%s\", log:\n%s",
			cmd, logline, tu_log_after(mark));
}

/* the established manager's bus=/device=, bind=, size= and flags */
UT_TEST_BOOT(A4_bind_mgr, "", "edu")
{
	char cmd[200];
	size_t mark;
	int fd;

	edu_find_x();
	snprintf(cmd, sizeof(cmd), "create mb1 0x10000 bus=pci device=%s",
		 edu);
	UT_OK(tu_mgr_raw(cmd, strlen(cmd)));
	expect_parent_x("mb1");
	snprintf(cmd, sizeof(cmd),
		 "create mb2 bind=pci/%s size=0x4000 quirk-mmap-page", edu);
	UT_OK(tu_mgr_raw(cmd, strlen(cmd)));
	expect_parent_x("mb2");
	UT_EQU(ut_sysfs_u64("mb2", "size"), 0x4000);
	UT_EQU(ut_sysfs_u64("mb2", "quirk_mmap_mode"), 4);
	/* the parent's mask stays the parent's */
	mark = tu_log_mark();
	snprintf(cmd, sizeof(cmd),
		 "create mb3 0x4000 dma-mask=40 bus=pci device=%s", edu);
	UT_OK(tu_mgr_raw(cmd, strlen(cmd)));
	if (!strstr(tu_log_after(mark), "dma-mask=40 ignored"))
		UT_FAIL("expected a notice that dma-mask=40 is ignored:\n%s",
			tu_log_after(mark));
	fd = ut_open_dev("mb3", O_RDWR);
	UT_EQ(dev_info_mask_bits_x(fd), 32);
	close(fd);
	/* an unbound one still takes the mask it asks for */
	UT_OK(tu_mgr_raw("create mb4 0x4000 dma-mask=40",
			  strlen("create mb4 0x4000 dma-mask=40")));
	fd = ut_open_dev("mb4", O_RDWR);
	UT_EQ(dev_info_mask_bits_x(fd), 40);
	close(fd);
	UT_ASSERT(!ut_sysfs_exists("mb4", "device"));

	mgr_bad("create mx 0x1000 bus=pci", EINVAL, "bus=pci needs device=");
	snprintf(cmd, sizeof(cmd), "create mx 0x1000 bind=pci/%s bus=pci",
		 edu);
	mgr_bad(cmd, EINVAL, "not both");
	mgr_bad("create mx 0x1000 bus=nosuchbus device=x", EINVAL,
		"unknown bus \"nosuchbus\"");
	mgr_bad("create mx 0x1000 device=no-such-device", ENODEV,
		"no device no-such-device on bus platform");
	mgr_bad("create mx bus=pci device=0000:00:01.0", EINVAL,
		"no size given");
	mgr_bad("create mx 0x1000 quirk-mmap-sideways", EINVAL,
		"neither a size nor key=value");
	edu_unbind_x();
	snprintf(cmd, sizeof(cmd), "create mx 0x1000 bus=pci device=%s", edu);
	mgr_bad(cmd, ENODEV, "has no driver");
	edu_restore_x();
	UT_ASSERT(!tu_class_exists("mx"));
	UT_ASSERT(!tu_dev_exists("mx"));
	/* mb1..mb3 went with the unbind: the manager no longer knows them */
	UT_ASSERT(!tu_class_exists("mb1"));
	UT_EQ(tu_mgr_raw("delete mb1", 10), -ENOENT);
	tu_mgr_delete_x("mb4");
}

/* a dma-buf of the whole buffer */
static int export_x(int fd)
{
	struct u_dma_buf_ioctl_export_args e;

	memset(&e, 0, sizeof(e));
	e.flags = O_RDWR | O_CLOEXEC;
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_EXPORT, &e);
	return e.fd;
}

/* how the parent goes away */
enum gone { GONE_UNBIND, GONE_REMOVE };

static void parent_go(enum gone how)
{
	char path[128];

	if (how == GONE_UNBIND) {
		edu_unbind_x();
		return;
	}
	snprintf(path, sizeof(path), PCI_DEVS "/%s/remove", edu);
	UT_OK(ut_write_file(path, "1"));
	UT_ASSERT(access(path, F_OK) != 0);
}

#define GSZ	0x400000ULL	/* 4 MiB: the memory's return is visible */

/*
 * The parent goes while a bound buffer is open, mapped and exported: the
 * node and sysfs directory go, the mapping, read(), write() and the
 * dma-buf's mapping keep working on the same memory, syncs fail with
 * ENODEV, the name is free, the memory comes back with the last user (the
 * dma-buf), rmmod is refused until then, and a new bind works.
 */
static void parent_gone_case(enum gone how)
{
	struct tu_meminfo before, held, after;
	unsigned char *map, *dmap, *pat, *got;
	char cmd[160];
	uint64_t arg = 1;
	int fd, fd2, dfd;

	edu_find_x();
	pat = tu_xmalloc(GSZ);
	got = tu_xmalloc(GSZ);
	tu_pattern(pat, GSZ, how + 7);
	memset(got, 0, GSZ);	/* faulted in before the count */
	before = tu_mem_settled_x();
	snprintf(cmd, sizeof(cmd), "create gone 0x%llx bus=pci device=%s",
		 GSZ, edu);
	UT_OK(tu_mgr_raw(cmd, strlen(cmd)));
	fd = ut_open_dev("gone", O_RDWR);
	fd2 = ut_open_dev("gone", O_RDWR | O_SYNC);
	map = tu_mmap(fd, GSZ, 0, RW, MAP_SHARED);
	memcpy(map, pat, GSZ);
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_DEVICE, &arg);
	dfd = export_x(fd);
	held = tu_mem_settled_x();
	UT_ASSERT(tu_mem_free_kib(&before) - tu_mem_free_kib(&held) >=
		  (long long)(GSZ >> 10) / 2);

	parent_go(how);
	UT_LOG_HAS("is going away: buffer deleted");
	UT_ASSERT(!tu_dev_exists("gone"));
	UT_ASSERT(!tu_class_exists("gone"));
	/* the memory is still the buffer's: the mapping and the file agree */
	UT_EQ(tu_first_diff(map, pat, GSZ), -1);
	UT_EQ(tu_pread_all(fd, got, GSZ, 0), (long long)GSZ);
	UT_EQ(tu_first_diff(got, pat, GSZ), -1);
	memset(map + 4096, 0x5a, 4096);
	UT_EQ(tu_pread_all(fd2, got, 8192, 0), 8192);
	UT_EQ(tu_first_not(got + 4096, 4096, 0x5a), -1);
	UT_EQ(tu_pwrite_all(fd, pat, 4096, 4096), 4096);
	UT_EQ(tu_first_diff(map + 4096, pat, 4096), -1);
	/* no device may use it any more */
	UT_EQ(tu_ioctl(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_DEVICE, &arg),
	      -ENODEV);
	UT_EQ(tu_ioctl(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_CPU, &arg), -ENODEV);
	/* the dma-buf still holds the memory: its mapping sees the data */
	dmap = tu_mmap(dfd, GSZ, 0, PROT_READ, MAP_SHARED);
	UT_EQ(tu_first_diff(dmap + 8192, pat + 8192, GSZ - 8192), -1);
	munmap(dmap, GSZ);
	/* the manager has forgotten it, the name is free */
	UT_EQ(tu_mgr_raw("delete gone", 11), -ENOENT);
	tu_mgr_create_x("gone", "0x1000", "");
	tu_mgr_delete_x("gone");
	/* the module stays while files are open */
	UT_ASSERT(ut_unload() != 0);
	UT_ASSERT(ut_module_loaded());

	munmap(map, GSZ);
	close(fd);
	close(fd2);
	/* the export is the last user now */
	UT_ASSERT(ut_unload() != 0);
	close(dfd);
	after = tu_mem_settled_x();
	tu_mem_expect_back_x("bound buffer after its parent went", &before,
			     &after);
	edu_restore_x();
	snprintf(cmd, sizeof(cmd), "create again 0x1000 bus=pci device=%s",
		 edu);
	UT_OK(tu_mgr_raw(cmd, strlen(cmd)));
	expect_parent_x("again");
	tu_mgr_delete_x("again");
	free(pat);
	free(got);
}

UT_TEST_BOOT(A4_bind_parent_unbind, "", "edu")
{
	parent_gone_case(GONE_UNBIND);
}

UT_TEST_BOOT(A4_bind_parent_remove, "", "edu")
{
	parent_gone_case(GONE_REMOVE);
}

/*
 * A parameter buffer's parent goes while another process syncs it in a
 * loop: every sync succeeds or fails with ENODEV, none after the first
 * ENODEV succeeds, and the kernel says nothing bad (the runner checks).
 * Then rmmod is clean and a new load binds again.
 */
static void midsync_case(enum gone how)
{
	char params[160], res[64];
	int fd, p[2], st;
	pid_t pid;

	edu_find_x();
	snprintf(params, sizeof(params),
		 "udmabuf0=0x%llx udmabuf0_bind=pci/%s", GSZ, edu);
	UT_OK(ut_load(params));
	fd = ut_open_dev("udmabuf0", O_RDWR);
	UT_OK(pipe(p));
	pid = fork();
	UT_OK(pid);
	if (pid == 0) {
		long ok = 0, gone = 0, other = 0, late = 0;

		close(p[0]);
		for (;;) {
			uint64_t arg = 1;
			int r = tu_ioctl(fd, (ok + gone) & 1 ?
					 U_DMA_BUF_IOCTL_SET_SYNC_FOR_CPU :
					 U_DMA_BUF_IOCTL_SET_SYNC_FOR_DEVICE,
					 &arg);

			if (r == 0)
				if (gone)
					late++;
				else
					ok++;
			else if (r == -ENODEV)
				gone++;
			else
				other++;
			if (gone >= 50 || ok > 2000000)
				break;
		}
		dprintf(p[1], "%ld %ld %ld %ld\n", ok, gone, other, late);
		_exit(0);
	}
	close(p[1]);
	usleep(200000);
	parent_go(how);
	UT_ASSERT(!tu_dev_exists("udmabuf0"));
	UT_OK(waitpid(pid, &st, 0));
	memset(res, 0, sizeof(res));
	UT_OK(read(p[0], res, sizeof(res) - 1));
	close(p[0]);
	{
		long ok, gone, other, late;

		if (sscanf(res, "%ld %ld %ld %ld", &ok, &gone, &other,
			   &late) != 4)
			UT_FAIL("no result from the syncing child: \"%s\"",
				res);
		if (ok < 1 || gone < 50 || other || late)
			UT_FAIL("syncs: %ld succeeded, %ld ENODEV, %ld other "
				"errors, %ld succeeded after an ENODEV",
				ok, gone, other, late);
	}
	close(fd);
	UT_OK(ut_unload());
	edu_restore_x();
	UT_OK(ut_load(params));
	expect_parent_x("udmabuf0");
}

UT_TEST_BOOT(A4_bind_midsync_unbind, UT_NOLOAD, "edu")
{
	midsync_case(GONE_UNBIND);
}

UT_TEST_BOOT(A4_bind_midsync_remove, UT_NOLOAD, "edu")
{
	midsync_case(GONE_REMOVE);
}

/*
 * Behind an IOMMU ("iommu" boot) the DMA address of a bound buffer is an
 * IOVA; every user mapping, in every cache mode and mmap mode, maps the
 * buffer's own pages (cpu_phys_addr), never pages at the IOVA.
 */
UT_TEST_BOOT(A4_iommu_mappings_map_own_pages, UT_NOLOAD, "iommu")
{
	static const char *const qm[] = { "off", "on", "auto", "page" };
	const size_t sz = 0x40000;
	char cmd[160], m[8], kind[32];

	edu_find_x();
	tu_helper_load_x();
	UT_OK(ut_load(""));
	for (int q = 0; q < 4; q++) {
		uint64_t dma, cpu;

		snprintf(cmd, sizeof(cmd),
			 "create own 0x%zx bus=pci device=%s quirk-mmap=%s",
			 sz, edu, qm[q]);
		UT_OK(tu_mgr_raw(cmd, strlen(cmd)));
		dma = ut_sysfs_u64("own", "phys_addr");
		cpu = ut_sysfs_u64("own", "cpu_phys_addr");
		if (dma == cpu)
			UT_FAIL("behind the IOMMU phys_addr 0x%llx equals "
				"cpu_phys_addr", (unsigned long long)dma);
		for (int mode = 0; mode < 8; mode++) {
			snprintf(m, sizeof(m), "%d", mode);
			UT_OK(ut_sysfs_write("own", "sync_mode", m));
			for (int o = 0; o < 2; o++) {
				int fd = ut_open_dev("own", O_RDWR |
						     (o ? O_SYNC : 0));
				unsigned char *p = tu_mmap(fd, sz, 0, RW,
							   MAP_SHARED);

				for (size_t off = 0; off < sz; off += sz / 4) {
					uint64_t pfn;

					(void)*(volatile unsigned char *)(p + off);
					if (!tu_pte_x(p + off, kind, sizeof(kind),
						      &pfn))
						UT_FAIL("no pte after a touch");
					if (pfn != (cpu + off) >> 12)
						UT_FAIL("quirk-mmap=%s sync_mode %d%s +0x%zx: pfn 0x%llx, expected 0x%llx (cpu_phys_addr), IOVA 0x%llx",
							qm[q], mode,
							o ? " O_SYNC" : "", off,
							(unsigned long long)pfn,
							(unsigned long long)((cpu + off) >> 12),
							(unsigned long long)dma);
				}
				munmap(p, sz);
				close(fd);
			}
		}
		tu_mgr_delete_x("own");
	}
}
