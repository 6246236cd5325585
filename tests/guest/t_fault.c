// SPDX-License-Identifier: GPL-2.0
/*
 * Every way a buffer comes into being, run with its Nth memory allocation
 * failing, N = 1, 2, ... until the path succeeds without reaching the
 * failure (#13): the module's load with parameter buffers (A1), a
 * device-tree node's probe (B1, one node per memory source, bound through
 * sysfs in the dt boot), a manager create (E1), a
 * manager create bound to a parent device (A4) and a dma-buf export
 * (ioctl 10, H1).
 *
 * The failure is injected with /proc/thread-self/fail-nth (failslab and
 * fail_page_alloc, both made to fail sleeping, highmem and order-0
 * allocations, without their stack dumps).  Each attempt that met the
 * failure must fail with an errno and leave the state as it was: no node,
 * no sysfs directory, no manager entry, no module reference, no file
 * descriptor; or, where the driver could do without that allocation,
 * succeed completely.  At the end kmemleak finds nothing new and free
 * memory is back.
 *
 * Only a kernel with CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC and
 * CONFIG_FAULT_INJECTION_DEBUG_FS can do this (the debug kernels of `make
 * check-debug`); elsewhere the tests skip with that reason.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <linux/u-dma-buf.h>

#include "ut.h"
#include "tu_helpers.h"

#define DBG		"/sys/kernel/debug"
#define FAILSLAB	DBG "/failslab"
#define FAILPAGE	DBG "/fail_page_alloc"
#define KMEMLEAK	DBG "/kmemleak"
#define MAX_STEPS	5000	/* no create path allocates this often */
#define MODULE_PATH	"/lib/modules/u-dma-buf.ko"	/* as ut.c loads it */

/* the state that a failed attempt must leave as it found it */
struct fstate {
	char list[4096];	/* manager list, "" without a manager */
	char classes[1024];	/* names under /sys/class/u-dma-buf */
	char devs[4096];	/* /dev entries */
	long refcnt;		/* module refcnt, -1 when not loaded */
	int fds;		/* open file descriptors of this process */
};

static int nth_fd = -1;

static void dir_names(const char *path, char *buf, size_t len)
{
	DIR *d = opendir(path);
	struct dirent *e;

	buf[0] = '\0';
	if (!d)
		return;
	while ((e = readdir(d))) {
		size_t l = strlen(buf);

		if (e->d_name[0] != '.')
			snprintf(buf + l, len - l, "%s ", e->d_name);
	}
	closedir(d);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		UT_FAIL("/proc/self/fd: %s", strerror(errno));
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1;	/* the directory's own */
}

static struct fstate state_now(void)
{
	struct fstate s;
	char rc[32];

	if (ut_read_file(TU_MGR_PATH, s.list, sizeof(s.list)) < 0)
		s.list[0] = '\0';
	tu_class_list(s.classes, sizeof(s.classes));
	dir_names("/dev", s.devs, sizeof(s.devs));
	s.refcnt = ut_read_file("/sys/module/u_dma_buf/refcnt", rc,
				sizeof(rc)) > 0 ? atol(rc) : -1;
	s.fds = count_fds();
	return s;
}

static void state_same_x(const char *what, long n, const struct fstate *a,
			 const struct fstate *b)
{
	if (strcmp(a->list, b->list))
		UT_FAIL("%s, allocation %ld failing: the manager listed \"%s\" "
			"before and \"%s\" after", what, n, a->list, b->list);
	if (strcmp(a->classes, b->classes))
		UT_FAIL("%s, allocation %ld failing: /sys/class/u-dma-buf "
			"held \"%s\" before and \"%s\" after", what, n,
			a->classes, b->classes);
	if (strcmp(a->devs, b->devs))
		UT_FAIL("%s, allocation %ld failing: /dev held \"%s\" before "
			"and \"%s\" after", what, n, a->devs, b->devs);
	if (a->refcnt != b->refcnt)
		UT_FAIL("%s, allocation %ld failing: module refcnt %ld before, "
			"%ld after", what, n, a->refcnt, b->refcnt);
	if (a->fds != b->fds)
		UT_FAIL("%s, allocation %ld failing: %d open files before, %d "
			"after", what, n, a->fds, b->fds);
}

/*
 * The kernel can inject failures, set up to reach every allocation of
 * ours; skip (with the reason) where it cannot.
 */
static void fault_setup(void)
{
	static const char *const knobs[][2] = {
		{ FAILSLAB "/ignore-gfp-wait", "N" },
		{ FAILSLAB "/verbose", "0" },
		{ FAILSLAB "/probability", "0" },
		{ FAILSLAB "/times", "-1" },
		{ FAILPAGE "/ignore-gfp-wait", "N" },
		{ FAILPAGE "/ignore-gfp-highmem", "N" },
		{ FAILPAGE "/min-order", "0" },
		{ FAILPAGE "/verbose", "0" },
		{ FAILPAGE "/probability", "0" },
		{ FAILPAGE "/times", "-1" },
	};

	if (access(FAILSLAB, F_OK) || access(FAILPAGE, F_OK) ||
	    access("/proc/thread-self/fail-nth", F_OK))
		UT_SKIP("this kernel has no fault injection (CONFIG_FAILSLAB, "
			"CONFIG_FAIL_PAGE_ALLOC, CONFIG_FAULT_INJECTION_DEBUG_FS: "
			"the debug kernels of make check-debug)");
	for (size_t i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
		int r = ut_write_file(knobs[i][0], knobs[i][1]);

		if (r)
			UT_FAIL("echo %s > %s: %s", knobs[i][1], knobs[i][0],
				strerror(-r));
	}
	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (nth_fd < 0)
		UT_FAIL("/proc/thread-self/fail-nth: %s", strerror(errno));
}

/* the next fail_nth-counted allocation of this thread fails after n - 1 */
static void nth_arm(long n)
{
	char v[24];
	int l = snprintf(v, sizeof(v), "%ld", n);

	if (pwrite(nth_fd, v, l, 0) != l)
		UT_FAIL("fail-nth = %ld: %s", n, strerror(errno));
}

/* 1 if the armed failure was injected; disarms */
static int nth_hit(void)
{
	char v[24] = "";
	ssize_t l = pread(nth_fd, v, sizeof(v) - 1, 0);

	if (l <= 0)
		UT_FAIL("reading fail-nth: %s", strerror(errno));
	v[l] = '\0';
	if (pwrite(nth_fd, "0", 1, 0) != 1)
		UT_FAIL("fail-nth = 0: %s", strerror(errno));
	return atol(v) == 0;
}

/*
 * kmemleak, where the kernel has it.  Its report lists every unreferenced
 * object found so far; "clear" would hide earlier findings from the
 * end-of-run check of make check-debug, so the objects reported before
 * (leak_mark) are told apart by their addresses instead.
 */
static char leak_before[65536];

static void leak_read_x(char *buf, size_t len)
{
	int r;

	UT_OK(ut_write_file(KMEMLEAK, "scan"));
	r = ut_read_file(KMEMLEAK, buf, len);
	if (r < 0)
		UT_FAIL("reading %s: %s", KMEMLEAK, strerror(-r));
}

static void leak_mark(void)
{
	leak_before[0] = '\0';
	if (!access(KMEMLEAK, F_OK))
		leak_read_x(leak_before, sizeof(leak_before));
}

/*
 * Linux 6.1's __class_register() frees its private part but not the name
 * it gave it (kobject_set_name()) when kset_register() fails: a failure
 * injected there leaves the string "u-dma-buf" (the class's name)
 * unreferenced.  The kernel's leak, not the driver's (docs/testing.md
 * "The allowed reports"); report is kmemleak's text of one object.
 */
static int class_name_leak(const char *report)
{
	const char *end = strstr(report + 1, "unreferenced object 0x");
	const char *name = strstr(report, "75 2d 64 6d 61 2d 62 75 66 00");
	const char *set = strstr(report, "kobject_set_name+");
	const char *reg = strstr(report, "__class_register+");

	if (!end)
		end = report + strlen(report);
	return name && name < end && set && reg && set < reg && reg < end;
}

/* no object reported since leak_mark() */
static void leak_check_x(const char *what)
{
	static char rep[65536];
	const char *p;

	if (access(KMEMLEAK, F_OK))
		return;
	/* an object is reported once it is older than 5 s */
	sleep(6);
	leak_read_x(rep, sizeof(rep));
	/* "unreferenced object 0xffff888003a5c000 (size 64):" */
	for (p = rep; (p = strstr(p, "unreferenced object 0x")); p++) {
		char obj[64];

		snprintf(obj, sizeof(obj), "%.*s", (int)strcspn(p, "(\n"), p);
		if (!strstr(leak_before, obj) && !class_name_leak(p))
			UT_FAIL("after %s: kmemleak reports %s:\n%.2000s", what,
				obj, p);
	}
}

/*
 * attempt(arg) runs the path once in this thread and returns 0 or -errno;
 * undo(arg) takes back a success.  Runs N = 1, 2, ... and returns the
 * number of allocations the path made.
 */
static long fault_walk_x(const char *what, long skip,
			 int (*attempt)(void *), void (*undo)(void *), void *arg)
{
	struct fstate before = state_now(), after;
	char line[200];
	long n;

	for (n = skip + 1; n <= skip + MAX_STEPS; n++) {
		int r, hit;

		nth_arm(n);
		r = attempt(arg);
		hit = nth_hit();
		if (!r) {
			undo(arg);
			after = state_now();
			state_same_x(what, n, &before, &after);
			if (!hit)
				break;
			continue;	/* it did without that allocation */
		}
		if (!hit)
			UT_FAIL("%s failed (%s) without an injected failure",
				what, strerror(-r));
		after = state_now();
		state_same_x(what, n, &before, &after);
	}
	if (n > skip + MAX_STEPS)
		UT_FAIL("%s: still meeting injected failures after %d "
			"allocations", what, MAX_STEPS);
	snprintf(line, sizeof(line), "udmabuf-test: %s: %ld allocations "
		 "failed in turn (after %ld not ours)\n", what, n - 1 - skip,
		 skip);
	ut_write_file("/dev/kmsg", line);
	return n - 1;
}

/* ------------------------------------------------------------- the paths */

static int ko_fd = -1;

/* finit_module of the file opened before: the open's allocations are not ours */
static int load_attempt(void *arg)
{
	return syscall(SYS_finit_module, ko_fd, (const char *)arg, 0) ?
	       -errno : 0;
}

/*
 * A load can succeed with a device-tree node's probe failed (the platform
 * driver's probe does not fail the load): every buffer that is there is
 * whole, node and sysfs, then the unload takes all.
 */
static void load_undo(void *arg)
{
	char names[1024], *tok, *save = NULL;

	(void)arg;
	tu_class_list(names, sizeof(names));
	for (tok = strtok_r(names, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		if (!tu_dev_exists(tok))
			UT_FAIL("loaded with a failure injected: %s has a "
				"sysfs directory but no /dev node", tok);
		(void)ut_sysfs_u64(tok, "size");
	}
	UT_EQ(ut_unload(), 0);
}

static int mgr_fd = -1;

static int mgr_attempt(void *arg)
{
	const char *cmd = arg;
	ssize_t n = write(mgr_fd, cmd, strlen(cmd));

	return n < 0 ? -errno : 0;
}

static void mgr_undo(void *arg)
{
	(void)arg;
	tu_mgr_delete_x("fa");
}

static int dev_fd = -1;

static int export_attempt(void *arg)
{
	struct u_dma_buf_ioctl_export_args *a = arg;

	a->fd = -1;
	return ioctl(dev_fd, U_DMA_BUF_IOCTL_EXPORT, a) ? -errno : 0;
}

static void export_undo(void *arg)
{
	struct u_dma_buf_ioctl_export_args *a = arg;
	unsigned char *m = tu_mmap(a->fd, a->size, 0, PROT_READ, MAP_SHARED);

	UT_ASSERT(m != NULL);
	UT_EQ(m[0], 0x5a);
	munmap(m, a->size);
	close(a->fd);
}

static void fault_end_x(const char *what, const struct tu_meminfo *before)
{
	struct tu_meminfo after;

	leak_check_x(what);	/* the precise check first */
	after = tu_mem_settled_shrunk_x();
	tu_mem_expect_back_x(what, before, &after);
}

/*
 * Allocations of the kernel's module loader before it calls the module's
 * init: a load whose init fails at once (dma_mask_bit out of range is the
 * first check, before any allocation of ours), counted with fail-nth set
 * far beyond them.  The most of a few loads, so that the walk starts in
 * our init, not in the loader (whose vmalloc dumps a stack on an injected
 * failure: the kernel's, not the driver's).
 */
static long loader_allocs_x(void)
{
	long most = 0;

	for (int i = 0; i < 3; i++) {
		char v[24] = "";
		ssize_t l;
		long n;
		int r;

		nth_arm(1000000);
		r = load_attempt("dma_mask_bit=5");
		l = pread(nth_fd, v, sizeof(v) - 1, 0);
		UT_EQ(pwrite(nth_fd, "0", 1, 0), 1);
		UT_EQ(r, -EINVAL);
		UT_ASSERT(l > 0);
		v[l] = '\0';
		n = 1000000 - atol(v);
		if (n > most)
			most = n;
	}
	return most;
}

/* the module's load with parameter buffers, and device-tree probes */
static void load_walk_x(const char *params, const char *what)
{
	struct tu_meminfo before;
	long skip;

	fault_setup();
	/*
	 * 6.1's module_add_driver() ignores a failed allocation of the
	 * module's sysfs "drivers" directory: the kernel's report, not ours
	 * (ut.c, docs/testing.md "The allowed reports")
	 */
	ut_allow_module_add_driver_dup();
	UT_OK(ut_load("info_enable=0"));	/* once: its caches warm */
	UT_EQ(ut_unload(), 0);
	ko_fd = open(MODULE_PATH, O_RDONLY | O_CLOEXEC);
	UT_OK(ko_fd);
	skip = loader_allocs_x();
	before = tu_mem_settled_shrunk_x();
	leak_mark();
	fault_walk_x(what, skip, load_attempt, load_undo, (void *)params);
	close(ko_fd);
	fault_end_x(what, &before);
}

UT_TEST(A1_fault_param_load, UT_NOLOAD)
{
	load_walk_x("info_enable=0 udmabuf0=0x10000 udmabuf3=0x200000 "
		    "udmabuf5=4096", "insmod with three parameter buffers");
}

/*
 * The device-tree path: one node's probe, by binding its platform device
 * to the loaded driver (a walk of the whole load probes every node of the
 * dt boot's tree at every step: hours under a debug kernel).  One node per
 * memory source: buddy pages, a reusable (CMA) region, a no-map pool.
 */
#define PDRV	"/sys/bus/platform/drivers/u-dma-buf"

static int bind_fd = -1;

static int bind_attempt(void *arg)
{
	const char *node = arg;
	ssize_t n = pwrite(bind_fd, node, strlen(node), 0);

	return n < 0 ? -errno : 0;
}

static void bind_undo(void *arg)
{
	UT_OK(ut_write_file(PDRV "/unbind", arg));
}

static void dt_bind_walk_x(const char *node, const char *what)
{
	struct tu_meminfo before;
	int r = ut_write_file(PDRV "/unbind", node);

	if (r)
		UT_FAIL("unbinding %s: %s", node, strerror(-r));
	bind_fd = open(PDRV "/bind", O_WRONLY | O_CLOEXEC);
	UT_OK(bind_fd);
	UT_OK(bind_attempt((void *)node));	/* warm-up */
	bind_undo((void *)node);
	before = tu_mem_settled_shrunk_x();
	leak_mark();
	fault_walk_x(what, 0, bind_attempt, bind_undo, (void *)node);
	close(bind_fd);
	fault_end_x(what, &before);
	UT_OK(ut_write_file(PDRV "/bind", node));	/* as the boot had it */
}

UT_TEST_BOOT(B1_fault_dt_probe, "info_enable=0", "dt")
{
	fault_setup();
	dt_bind_walk_x("udmabuf@10", "device-tree probe of buddy pages");
	dt_bind_walk_x("udmabuf@18", "device-tree probe from a CMA region");
	dt_bind_walk_x("udmabuf@19", "device-tree probe from a no-map pool");
}

static void mgr_walk_x(const char *cmd, const char *what)
{
	struct tu_meminfo before;

	mgr_fd = open(TU_MGR_PATH, O_WRONLY | O_CLOEXEC);
	UT_OK(mgr_fd);
	UT_OK(mgr_attempt((void *)cmd));	/* warm-up */
	mgr_undo(NULL);
	before = tu_mem_settled_shrunk_x();
	leak_mark();
	fault_walk_x(what, 0, mgr_attempt, mgr_undo, (void *)cmd);
	close(mgr_fd);
	fault_end_x(what, &before);
}

UT_TEST(E1_fault_manager_create, "info_enable=0")
{
	fault_setup();
	mgr_walk_x("create fa 0x20000 sync-mode=1", "manager create");
	mgr_walk_x("create fa 0x400000", "manager create of 4 MiB");
}

/* a PCI device with a driver: the bound buffer's parent ("" if none) */
static void pci_parent(char *bdf, size_t len)
{
	DIR *d = opendir("/sys/bus/pci/devices");
	struct dirent *e;

	bdf[0] = '\0';
	if (!d)
		return;
	ut_sh("modprobe virtio_pci 2>/dev/null");	/* a module somewhere */
	while ((e = readdir(d))) {
		char path[400];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path),
			 "/sys/bus/pci/devices/%s/driver", e->d_name);
		/* a bridge's driver (pcieport) does no DMA; virtio-pci does */
		if (!access(path, F_OK)) {
			char lnk[256];
			ssize_t l = readlink(path, lnk, sizeof(lnk) - 1);

			if (l > 0) {
				lnk[l] = '\0';
				if (strstr(lnk, "virtio-pci") ||
				    strstr(lnk, "uio_pci_generic")) {
					snprintf(bdf, len, "%s", e->d_name);
					break;
				}
			}
		}
	}
	closedir(d);
}

UT_TEST(A4_fault_bound_create, "info_enable=0")
{
	char bdf[300], cmd[400];

	fault_setup();
	pci_parent(bdf, sizeof(bdf));
	if (!bdf[0])
		UT_SKIP("no PCI device with a driver (virtio-pci) in this "
			"machine to bind a buffer to");
	snprintf(cmd, sizeof(cmd), "create fa 0x20000 bind=pci/%s", bdf);
	mgr_walk_x(cmd, "manager create bound to a PCI device");
}

UT_TEST(H1_fault_export, "info_enable=0")
{
	struct u_dma_buf_ioctl_export_args a = {
		.flags = O_RDWR | O_CLOEXEC, .offset = 0x1000, .size = 0x4000,
	};
	struct tu_meminfo before;
	unsigned char *m;

	fault_setup();
	tu_mgr_create_x("fx", "0x10000", NULL);
	dev_fd = ut_open_dev("fx", O_RDWR);
	m = tu_mmap(dev_fd, 0x10000, 0, PROT_READ | PROT_WRITE, MAP_SHARED);
	UT_ASSERT(m != NULL);
	memset(m, 0x5a, 0x10000);
	munmap(m, 0x10000);
	UT_OK(export_attempt(&a));	/* warm-up */
	export_undo(&a);
	before = tu_mem_settled_shrunk_x();
	leak_mark();
	fault_walk_x("dma-buf export", 0, export_attempt, export_undo, &a);
	UT_EQ(ut_sysfs_u64("fx", "export_count"), 0);
	close(dev_fd);
	tu_mgr_delete_x("fx");
	fault_end_x("dma-buf export", &before);
}
