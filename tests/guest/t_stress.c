// SPDX-License-Identifier: GPL-2.0
/*
 * E1, E2 (#13): the driver under concurrent use, and create/delete
 * endurance.
 *
 * Stress: for a bounded time, at once
 *   - two creator processes create and delete buffers of one pool of names
 *     through the manager (plain, with options, auto-delete=1 on a manager
 *     file closed at once, and bound to a parent device where the boot has
 *     one), racing each other: only EEXIST/ENOENT (and ENODEV for a parent
 *     without its driver) may come back besides success;
 *   - two user processes of three threads each open whatever buffer of the
 *     pool exists, map it, write and read their own slice through the
 *     mapping, read()/write() and a forked child, sync it (ioctl 5, 6 and
 *     sysfs sync_for_cpu/sync_for_device), export the slice as a dma-buf
 *     (ioctl 10) and check its mapping, and close: the buffer may be deleted
 *     under them at any moment, and what they wrote must still be there;
 *   - a holder maps and exports a buffer that the manager deletes while it
 *     uses it, and keeps checking it (rmmod is refused meanwhile);
 *   - a reader reads every file of every buffer's sysfs directory and the
 *     manager's list, and stats the nodes (it creates nothing);
 *   - where the boot has a parent device (the "edu" boot), an unbinder
 *     unbinds and rebinds the parent's driver, deleting its bound buffers.
 * Afterwards nothing of the pool is left, free memory, CmaFree and Slab are
 * back within tu_mem_expect_back_x()'s tolerances (measured after a warm-up
 * round) and the module unloads.
 *
 * Endurance: manager create/delete cycles of one buffer: no growth of Slab
 * or MemFree, /dev and the class directory hold what they held before, and
 * the name and the lowest minor are reused every time.  The short form runs
 * in the default boot; 10,000 cycles run in the "endurance" boot.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include <linux/u-dma-buf.h>

#include "ut.h"
#include "tu_helpers.h"

#define RW		(PROT_READ | PROT_WRITE)
#define POOL		6	/* names sx0 .. sx5 */
#define CREATORS	2
#define USERS		2
#define THREADS		3	/* per user process */
#define SLICES		8	/* a buffer holds SLICES slices, one a thread */
#define STRESS_SECS	6	/* guest time of the default-boot round */
#define LONG_SECS	60	/* the "endurance" boot's round */
#define HOLD_SIZE	(1024 * 1024)
#define PCI_DEVS	"/sys/bus/pci/devices"
#define UIO_DRV		"/sys/bus/pci/drivers/uio_pci_generic"
/* tu_helpers.c's Slab tolerance, for its unreclaimable part */
#define TOL_SUNRECLAIM_KIB	128

static char parent[48];		/* "pci/<bdf>" in the edu boot, else "" */
static char parent_bdf[32];

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void pool_name(char *buf, size_t len, int i)
{
	snprintf(buf, len, "sx%d", i);
}

/* errno e (positive) is one of the zero-terminated list ok */
static int one_of(int e, const int *ok)
{
	for (; *ok; ok++)
		if (e == *ok)
			return 1;
	return 0;
}

/* --------------------------------------------------------------- creators */

static void creator(int id, double end)
{
	static const int ok_create[] = { EEXIST, 0 };
	static const int ok_bound[] = { EEXIST, ENODEV, 0 };
	static const int ok_delete[] = { ENOENT, 0 };
	unsigned int seed = 77u + (unsigned int)id;
	char name[16], cmd[200];
	long n = 0;

	while (now_s() < end) {
		int i = rand_r(&seed) % POOL, what = rand_r(&seed) % 8, r;
		size_t size = (size_t)(1 + rand_r(&seed) % 4) * 64 * 1024;
		int bound = parent[0] && (rand_r(&seed) & 1);

		pool_name(name, sizeof(name), i);
		if (what < 3) {
			snprintf(cmd, sizeof(cmd), "create %s %zu sync-mode=%d%s%s",
				 name, size, rand_r(&seed) % 4,
				 bound ? " bind=" : "", bound ? parent : "");
			r = ut_mgr("%s", cmd);
			if (r && !one_of(-r, bound ? ok_bound : ok_create))
				UT_FAIL("creator %d: \"%s\": %s", id, cmd,
					strerror(-r));
		} else if (what == 3) {
			/* auto-delete=1: gone with the manager file */
			int fd = open(TU_MGR_PATH, O_WRONLY | O_CLOEXEC);

			if (fd < 0)
				UT_FAIL("creator %d: open manager: %s", id,
					strerror(errno));
			snprintf(cmd, sizeof(cmd), "create %s %zu auto-delete=1",
				 name, size);
			if (write(fd, cmd, strlen(cmd)) < 0 && errno != EEXIST)
				UT_FAIL("creator %d: \"%s\": %s", id, cmd,
					strerror(errno));
			if (rand_r(&seed) & 1)
				usleep(2000);
			close(fd);
		} else {
			r = ut_mgr("delete %s", name);
			if (r && !one_of(-r, ok_delete))
				UT_FAIL("creator %d: delete %s: %s", id, name,
					strerror(-r));
		}
		if (++n % 16 == 0)
			usleep(1000);
	}
	_exit(0);
}

/* ------------------------------------------------------------------ users */

struct user_arg {
	int slot;		/* 0 .. USERS * THREADS - 1: the slice */
	double end;
	long rounds;
};

/* sysfs write to a buffer that may be gone (or renewed) meanwhile */
static void sysfs_sync(int slot, const char *name, const char *attr)
{
	static const int ok[] = { ENOENT, ENODEV, 0 };
	int r = ut_sysfs_write(name, attr, "1");

	if (r && !one_of(-r, ok))
		UT_FAIL("user %d: %s/%s: %s", slot, name, attr, strerror(-r));
}

static int sync_ioctl(int fd, unsigned long req, uint64_t arg)
{
	return ioctl(fd, req, &arg) ? errno : 0;
}

static void export_check(int slot, int fd, size_t off, size_t len,
			 const unsigned char *want)
{
	struct u_dma_buf_ioctl_export_args a = {
		.flags = O_RDWR | O_CLOEXEC, .offset = off, .size = len,
	};
	struct t_dma_buf_sync s = { T_DMA_BUF_SYNC_START | T_DMA_BUF_SYNC_READ };
	unsigned char *m;

	if (ioctl(fd, U_DMA_BUF_IOCTL_EXPORT, &a)) {
		/* x86: refused while another thread maps it uncached */
		if (errno == EBUSY && (tu_is_arch("x86_64") ||
				       tu_is_arch("i686")))
			return;
		UT_FAIL("user %d: export [%zu, +%zu): %s", slot, off, len,
			strerror(errno));
	}
	m = mmap(NULL, len, PROT_READ, MAP_SHARED, a.fd, 0);
	if (m == MAP_FAILED)
		UT_FAIL("user %d: mmap of the dma-buf: %s", slot,
			strerror(errno));
	if (ioctl(a.fd, T_DMA_BUF_IOCTL_SYNC, &s))
		UT_FAIL("user %d: DMA_BUF_IOCTL_SYNC start: %s", slot,
			strerror(errno));
	if (tu_first_diff(m, want, len) != -1)
		UT_FAIL("user %d: the dma-buf of [%zu, +%zu) differs at %lld",
			slot, off, len, tu_first_diff(m, want, len));
	s.flags = T_DMA_BUF_SYNC_END | T_DMA_BUF_SYNC_READ;
	if (ioctl(a.fd, T_DMA_BUF_IOCTL_SYNC, &s))
		UT_FAIL("user %d: DMA_BUF_IOCTL_SYNC end: %s", slot,
			strerror(errno));
	munmap(m, len);
	close(a.fd);
}

/* one use of buffer name by thread slot; 0 if it did not exist */
static int use_once(struct user_arg *u, const char *name, unsigned int *seed,
		    unsigned char *pat, unsigned char *got)
{
	static const int ok_open[] = { ENOENT, ENXIO, ENODEV, 0 };
	static const int ok_sync[] = { ENODEV, 0 };
	char path[64];
	uint64_t size = 0;
	size_t pg = tu_page_size(), slice, off;
	unsigned char *map;
	int fd, e;

	snprintf(path, sizeof(path), "/dev/%s", name);
	fd = open(path, O_RDWR | O_CLOEXEC | (rand_r(seed) % 4 ? 0 : O_SYNC));
	if (fd < 0) {
		if (one_of(errno, ok_open))
			return 0;
		UT_FAIL("user %d: open %s: %s", u->slot, path,
			strerror(errno));
	}
	if (ioctl(fd, U_DMA_BUF_IOCTL_GET_SIZE, &size))
		UT_FAIL("user %d: GET_SIZE of %s: %s", u->slot, name,
			strerror(errno));
	slice = (size / SLICES) & ~(pg - 1);
	off = (size_t)u->slot * slice;
	if (!slice)
		UT_FAIL("user %d: %s has %llu bytes", u->slot, name,
			(unsigned long long)size);
	map = mmap(NULL, size, RW, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		UT_FAIL("user %d: mmap of %s: %s", u->slot, name,
			strerror(errno));

	/* through the mapping, synced, read back with read() */
	tu_pattern(pat, slice, rand_r(seed));
	memcpy(map + off, pat, slice);
	e = sync_ioctl(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_DEVICE,
		       U_DMA_BUF_SYNC_ARG(off, slice, 0));
	if (e && !one_of(e, ok_sync))
		UT_FAIL("user %d: ioctl 6 on %s: %s", u->slot, name,
			strerror(e));
	e = sync_ioctl(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_CPU,
		       U_DMA_BUF_SYNC_ARG(off, slice, 0));
	if (e && !one_of(e, ok_sync))
		UT_FAIL("user %d: ioctl 5 on %s: %s", u->slot, name,
			strerror(e));
	if (tu_pread_all(fd, got, slice, off) != (long long)slice)
		UT_FAIL("user %d: read of %s: %s", u->slot, name,
			strerror(errno));
	if (tu_first_diff(got, pat, slice) != -1)
		UT_FAIL("user %d: read() of %s differs from what the mapping "
			"wrote at %lld", u->slot, name,
			tu_first_diff(got, pat, slice));

	/* write(), seen in the mapping and by a dma-buf of the slice */
	tu_pattern(pat, slice, rand_r(seed));
	if (tu_pwrite_all(fd, pat, slice, off) != (long long)slice)
		UT_FAIL("user %d: write of %s: %s", u->slot, name,
			strerror(errno));
	if (tu_first_diff(map + off, pat, slice) != -1)
		UT_FAIL("user %d: the mapping of %s differs from what write() "
			"wrote at %lld", u->slot, name,
			tu_first_diff(map + off, pat, slice));
	if (rand_r(seed) % 4 == 0)
		sysfs_sync(u->slot, name, rand_r(seed) & 1 ? "sync_for_cpu" :
			   "sync_for_device");
	export_check(u->slot, fd, off, slice, pat);

	/* a forked child writes the shared mapping */
	if (rand_r(seed) % 4 == 0) {
		int st = 0;
		pid_t pid;

		tu_pattern(pat, slice, rand_r(seed));
		pid = fork();
		if (pid < 0)
			UT_FAIL("user %d: fork: %s", u->slot, strerror(errno));
		if (pid == 0) {
			memcpy(map + off, pat, slice);
			_exit(0);
		}
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
		    WEXITSTATUS(st))
			UT_FAIL("user %d: child status 0x%x", u->slot, st);
		if (tu_first_diff(map + off, pat, slice) != -1)
			UT_FAIL("user %d: the child's write to %s is not in "
				"the parent's mapping", u->slot, name);
	}
	munmap(map, size);
	close(fd);
	return 1;
}

static void *user_thread(void *p)
{
	struct user_arg *u = p;
	unsigned int seed = 1000u + (unsigned int)u->slot;
	unsigned char *pat = tu_xmalloc(256 * 1024 / SLICES);
	unsigned char *got = tu_xmalloc(256 * 1024 / SLICES);
	char name[16];

	while (now_s() < u->end) {
		pool_name(name, sizeof(name), rand_r(&seed) % POOL);
		u->rounds += use_once(u, name, &seed, pat, got);
	}
	free(pat);
	free(got);
	return NULL;
}

static void user(int id, double end)
{
	struct user_arg args[THREADS];
	pthread_t th[THREADS];
	long rounds = 0;
	char line[96];

	for (int t = 0; t < THREADS; t++) {
		args[t] = (struct user_arg){ .slot = id * THREADS + t,
					     .end = end };
		if (pthread_create(&th[t], NULL, user_thread, &args[t]))
			UT_FAIL("user %d: pthread_create failed", id);
	}
	for (int t = 0; t < THREADS; t++) {
		pthread_join(th[t], NULL);
		rounds += args[t].rounds;
	}
	snprintf(line, sizeof(line),
		 "udmabuf-test: stress user %d: %ld buffer uses\n", id, rounds);
	ut_write_file("/dev/kmsg", line);
	_exit(0);
}

/* ----------------------------------------------------------------- reader */

/* every regular file of /sys/class/u-dma-buf/<name>/ */
static long read_attrs(const char *name)
{
	static const int ok[] = { ENOENT, ENODEV, 0 };
	char dir[300], path[600], buf[4096];
	struct dirent *e;
	struct stat st;
	long n = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), TU_CLASS_DIR "/%s", name);
	d = opendir(dir);
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		int r;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &st) || !S_ISREG(st.st_mode) ||
		    !(st.st_mode & 0444))
			continue;
		r = ut_read_file(path, buf, sizeof(buf));
		if (r < 0 && !one_of(-r, ok))
			UT_FAIL("reader: %s: %s", path, strerror(-r));
		n++;
	}
	closedir(d);
	return n;
}

static void reader(double end)
{
	char list[8192], line[96];
	long files = 0, lists = 0;

	while (now_s() < end) {
		struct dirent *e;
		struct stat st;
		DIR *d = opendir(TU_CLASS_DIR);
		int r;

		if (!d)
			UT_FAIL("reader: %s: %s", TU_CLASS_DIR,
				strerror(errno));
		while ((e = readdir(d))) {
			char path[300];

			if (e->d_name[0] == '.')
				continue;
			files += read_attrs(e->d_name);
			snprintf(path, sizeof(path), "/dev/%s", e->d_name);
			stat(path, &st);
		}
		closedir(d);
		r = ut_read_file(TU_MGR_PATH, list, sizeof(list));
		if (r < 0)
			UT_FAIL("reader: reading the manager: %s",
				strerror(-r));
		/* every line "<name> <size> <phys_addr>" */
		for (char *l = list; *l;) {
			char *nl = strchr(l, '\n'), nm[64];
			unsigned long long sz, pa;

			if (!nl)
				UT_FAIL("reader: unterminated list line: %s", l);
			*nl = '\0';
			if (sscanf(l, "%63s %llu %llx", nm, &sz, &pa) != 3)
				UT_FAIL("reader: bad list line \"%s\"", l);
			l = nl + 1;
		}
		lists++;
	}
	snprintf(line, sizeof(line),
		 "udmabuf-test: stress reader: %ld files, %ld lists\n", files,
		 lists);
	ut_write_file("/dev/kmsg", line);
	_exit(0);
}

/* --------------------------------------------------------------- unbinder */

static void unbinder(double end)
{
	char path[128];

	snprintf(path, sizeof(path), PCI_DEVS "/%s/driver", parent_bdf);
	while (now_s() < end) {
		int r;

		usleep(300000);
		r = ut_write_file(UIO_DRV "/unbind", parent_bdf);
		if (r)
			UT_FAIL("unbinder: unbind %s: %s", parent_bdf,
				strerror(-r));
		usleep(100000);
		r = ut_write_file(UIO_DRV "/bind", parent_bdf);
		if (r)
			UT_FAIL("unbinder: bind %s: %s", parent_bdf,
				strerror(-r));
	}
	if (access(path, F_OK))
		UT_FAIL("unbinder: %s has no driver at the end", parent_bdf);
	_exit(0);
}

/* ----------------------------------------------------------------- holder */

/*
 * The holder: "sxhold" mapped, written and exported, then deleted by the
 * manager (signalled through go) while the holder keeps using it until end.
 */
static void holder(int ready, int go, double end)
{
	unsigned char *pat = tu_xmalloc(HOLD_SIZE), *got = tu_xmalloc(HOLD_SIZE);
	struct u_dma_buf_ioctl_export_args a = {
		.flags = O_RDWR | O_CLOEXEC, .size = HOLD_SIZE,
	};
	int fd = ut_open_dev("sxhold", O_RDWR);
	unsigned char *map = tu_mmap(fd, HOLD_SIZE, 0, RW, MAP_SHARED), *dm;
	unsigned int k = 0;
	char c = 0;

	UT_ASSERT(map != NULL);
	tu_pattern(pat, HOLD_SIZE, 4242);
	memcpy(map, pat, HOLD_SIZE);
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_EXPORT, &a);
	dm = tu_mmap(a.fd, HOLD_SIZE, 0, PROT_READ, MAP_SHARED);
	UT_ASSERT(dm != NULL);
	UT_EQ(write(ready, "r", 1), 1);
	UT_EQ(read(go, &c, 1), 1);	/* deleted now */
	do {
		size_t off = (k % 16) * (HOLD_SIZE / 16);

		if (tu_first_diff(map, pat, HOLD_SIZE) != -1 ||
		    tu_first_diff(dm, pat, HOLD_SIZE) != -1)
			UT_FAIL("holder: the deleted buffer's data changed");
		if (tu_pread_all(fd, got, HOLD_SIZE, 0) != HOLD_SIZE ||
		    tu_first_diff(got, pat, HOLD_SIZE) != -1)
			UT_FAIL("holder: read() of the deleted buffer");
		tu_pattern(pat + off, HOLD_SIZE / 16, k);
		if (tu_pwrite_all(fd, pat + off, HOLD_SIZE / 16, off) !=
		    HOLD_SIZE / 16)
			UT_FAIL("holder: write() to the deleted buffer: %s",
				strerror(errno));
		k++;
		usleep(20000);
	} while (now_s() < end);
	munmap(dm, HOLD_SIZE);
	close(a.fd);
	munmap(map, HOLD_SIZE);
	close(fd);
	_exit(0);
}

/* ------------------------------------------------------------------ round */

static void pool_delete_all(void)
{
	char name[16];

	for (int i = 0; i < POOL; i++) {
		int r;

		pool_name(name, sizeof(name), i);
		r = ut_mgr("delete %s", name);
		if (r && r != -ENOENT)
			UT_FAIL("delete %s after the round: %s", name,
				strerror(-r));
	}
}

static pid_t spawn(void (*fn)(int, double), int id, double end)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		UT_FAIL("fork: %s", strerror(errno));
	if (pid == 0)
		fn(id, end);
	return pid;
}

static void reader_fn(int id, double end)
{
	(void)id;
	reader(end);
}

static void unbinder_fn(int id, double end)
{
	(void)id;
	unbinder(end);
}

static void stress_round_x(int secs)
{
	pid_t pids[CREATORS + USERS + 3];
	int n = 0, ready[2], go[2], bad = -1, st;
	double end = now_s() + secs;
	char c;

	/* the holder's buffer, deleted while in use */
	tu_mgr_create_x("sxhold", "1048576", NULL);
	if (pipe(ready) || pipe(go))
		UT_FAIL("pipe: %s", strerror(errno));
	fflush(stdout);
	pids[n] = fork();
	if (pids[n] < 0)
		UT_FAIL("fork: %s", strerror(errno));
	if (pids[n] == 0)
		holder(ready[1], go[0], end);
	n++;
	if (read(ready[0], &c, 1) != 1)
		UT_FAIL("the holder did not start");

	for (int i = 0; i < CREATORS; i++)
		pids[n++] = spawn(creator, i, end);
	for (int i = 0; i < USERS; i++)
		pids[n++] = spawn(user, i, end);
	pids[n++] = spawn(reader_fn, 0, end);
	if (parent[0])
		pids[n++] = spawn(unbinder_fn, 0, end);

	usleep(200000);
	tu_mgr_delete_x("sxhold");
	UT_ASSERT(!tu_dev_exists("sxhold"));
	UT_ASSERT(!tu_class_exists("sxhold"));
	UT_EQ(write(go[1], "g", 1), 1);
	/* the holder's file, mapping and dma-buf keep the module */
	UT_ASSERT(ut_unload() != 0);
	UT_ASSERT(ut_module_loaded());

	for (int i = 0; i < n; i++) {
		st = 0;
		if (waitpid(pids[i], &st, 0) != pids[i] || !WIFEXITED(st) ||
		    WEXITSTATUS(st))
			bad = i;
	}
	close(ready[0]);
	close(ready[1]);
	close(go[0]);
	close(go[1]);
	if (bad >= 0)
		UT_FAIL("stress process %d (0 holder, then %d creators, %d "
			"users, the reader, the unbinder) failed (see above)",
			bad, CREATORS, USERS);
	pool_delete_all();
}

/* ------------------------------------------------------------ edu parent */

/* the last edu device, bound to uio_pci_generic: parent = "pci/<bdf>" */
static void edu_parent_x(void)
{
	char path[400];
	struct dirent *e;
	DIR *d;

	if (access(UIO_DRV, F_OK) && ut_sh("modprobe uio_pci_generic"))
		UT_FAIL("modprobe uio_pci_generic failed");
	ut_write_file(UIO_DRV "/new_id", "1234 11e8");	/* EEXIST: fine */
	tu_pci_rescan_x();
	d = opendir(PCI_DEVS);
	UT_ASSERT(d != NULL);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' &&
		    strlen(e->d_name) < sizeof(parent_bdf) &&
		    tu_pci_is_edu(e->d_name) && strcmp(e->d_name, parent_bdf) > 0)
			memcpy(parent_bdf, e->d_name, strlen(e->d_name) + 1);
	closedir(d);
	if (!parent_bdf[0])
		UT_FAIL("no edu PCI device (1234:11e8) in this guest");
	snprintf(path, sizeof(path), PCI_DEVS "/%s/driver", parent_bdf);
	if (access(path, F_OK))
		UT_OK(ut_write_file(UIO_DRV "/bind", parent_bdf));
	UT_ASSERT(access(path, F_OK) == 0);
	snprintf(parent, sizeof(parent), "pci/%s", parent_bdf);
}

/*
 * SUnreclaim (KiB): the unreclaimable part of Slab, where the driver's own
 * objects live; read right after tu_mem_settled_shrunk_x()
 */
static long long sunreclaim_kib(void)
{
	char text[8192], *p;

	if (ut_read_file("/proc/meminfo", text, sizeof(text)) <= 0)
		UT_FAIL("reading /proc/meminfo: %s", strerror(errno));
	p = strstr(text, "\nSUnreclaim:");
	if (!p)
		UT_FAIL("/proc/meminfo without SUnreclaim:\n%s", text);
	return strtoll(p + strlen("\nSUnreclaim:"), NULL, 10);
}

static void sunreclaim_back_x(const char *what, long long a, long long b)
{
	char line[200];

	snprintf(line, sizeof(line),
		 "udmabuf-test: after %s: SUnreclaim %lld -> %lld kB "
		 "(tolerance %d kB)\n", what, a, b, TOL_SUNRECLAIM_KIB);
	ut_write_file("/dev/kmsg", line);
	if (b - a > TOL_SUNRECLAIM_KIB)
		UT_FAIL("after %s: SUnreclaim grew from %lld to %lld kB "
			"(tolerance %d kB)", what, a, b, TOL_SUNRECLAIM_KIB);
}

/*
 * Figures after the work, settled again (up to 3 times, a second apart)
 * while Slab or SUnreclaim is above its tolerance: objects freed through
 * RCU and dentries of deleted nodes go a little later (Slab was once 104
 * kB up right after 1000 cycles, 8 to 16 kB in other runs).  A leak stays.
 */
static struct tu_meminfo settled_after(const struct tu_meminfo *before,
				       long long su0, long long *su1)
{
	struct tu_meminfo after = tu_mem_settled_shrunk_x();

	*su1 = sunreclaim_kib();
	for (int i = 0; i < 3 && (after.slab - before->slab > 64 ||
				  *su1 - su0 > 64); i++) {
		sleep(1);
		after = tu_mem_settled_shrunk_x();
		*su1 = sunreclaim_kib();
	}
	return after;
}

static void stress_x(int secs)
{
	struct tu_meminfo before, after;
	long long su0, su1;
	char list[256];

	tu_catch_faults();
	UT_OK(ut_load("info_enable=0"));
	stress_round_x(2);	/* warm-up: caches reach their steady size */
	before = tu_mem_settled_shrunk_x();
	su0 = sunreclaim_kib();
	stress_round_x(secs);
	after = settled_after(&before, su0, &su1);
	tu_class_list(list, sizeof(list));
	UT_STREQ(list, "");
	tu_mem_expect_back_x("the concurrency stress", &before, &after);
	sunreclaim_back_x("the concurrency stress", su0, su1);
	UT_EQ(ut_unload(), 0);
	UT_ASSERT(!ut_module_loaded());
	UT_ASSERT(access(TU_MGR_PATH, F_OK) != 0);
}

UT_TEST(E1_stress_concurrent_create_use_delete, UT_NOLOAD)
{
	stress_x(STRESS_SECS);
}

UT_TEST_BOOT(A4_stress_concurrent_bound_parent_unbind, UT_NOLOAD, "edu")
{
	edu_parent_x();
	stress_x(STRESS_SECS);
}

UT_TEST_BOOT(E1_stress_long, UT_NOLOAD, "endurance")
{
	stress_x(LONG_SECS);
}

/* -------------------------------------------------------------- endurance */

static long dir_entries(const char *path)
{
	DIR *d = opendir(path);
	long n = 0;

	if (!d)
		UT_FAIL("%s: %s", path, strerror(errno));
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/*
 * cycles of "create en 4096" / "delete en" on one manager file; every 100th
 * cycle the node's minor is the lowest free one seen at the first.
 */
static void endurance_x(long cycles)
{
	struct tu_meminfo before, after;
	long long su0, su1;
	long dev0, cls0;
	unsigned int minor0 = 0;
	int fd;
	double t0;
	char line[160];

	tu_catch_faults();
	UT_OK(ut_load("info_enable=0"));
	fd = open(TU_MGR_PATH, O_WRONLY | O_CLOEXEC);
	UT_OK(fd);
	/* warm-up, and the minor a lone buffer gets */
	for (int i = 0; i < 100; i++) {
		UT_EQ(write(fd, "create en 4096", 14), 14);
		if (i == 0)
			minor0 = tu_minor_x("en");
		UT_EQ(write(fd, "delete en", 9), 9);
	}
	before = tu_mem_settled_shrunk_x();
	su0 = sunreclaim_kib();
	dev0 = dir_entries("/dev");
	cls0 = dir_entries(TU_CLASS_DIR);
	t0 = now_s();
	for (long i = 0; i < cycles; i++) {
		if (write(fd, "create en 4096", 14) != 14)
			UT_FAIL("cycle %ld: create: %s", i, strerror(errno));
		if (i % 100 == 0 && tu_minor_x("en") != minor0)
			UT_FAIL("cycle %ld: minor %u, expected %u (reused)", i,
				tu_minor_x("en"), minor0);
		if (write(fd, "delete en", 9) != 9)
			UT_FAIL("cycle %ld: delete: %s", i, strerror(errno));
	}
	snprintf(line, sizeof(line),
		 "udmabuf-test: %ld manager create/delete cycles: %.1f s\n",
		 cycles, now_s() - t0);
	ut_write_file("/dev/kmsg", line);
	printf("%s", line + strlen("udmabuf-test: "));
	close(fd);
	after = settled_after(&before, su0, &su1);
	UT_ASSERT(!tu_dev_exists("en"));
	UT_ASSERT(!tu_class_exists("en"));
	UT_EQ(dir_entries("/dev"), dev0);
	UT_EQ(dir_entries(TU_CLASS_DIR), cls0);
	tu_mem_expect_back_x("manager create/delete cycles", &before, &after);
	sunreclaim_back_x("manager create/delete cycles", su0, su1);
	UT_EQ(ut_unload(), 0);
}

UT_TEST(E2_endurance_create_delete_1000, UT_NOLOAD)
{
	endurance_x(1000);
}

UT_TEST_BOOT(E2_endurance_create_delete_10000, UT_NOLOAD, "endurance")
{
	endurance_x(10000);
}

/* ------------------------------------------------------ the manager's list */

/*
 * A list read in pieces is one snapshot, taken by the read at offset 0:
 * buffers deleted and created between the pieces tear no line (before, each
 * read(2) listed afresh and continued at its offset in the new text).
 */
UT_TEST(E1_mgr_list_read_in_pieces_is_one_snapshot, "info_enable=0")
{
	char whole[512], pieces[512], again[512];
	ssize_t n, got = 0;
	int fd;

	tu_mgr_create_x("la", "4096", NULL);
	tu_mgr_create_x("lb", "8192", NULL);
	UT_OK(ut_read_file(TU_MGR_PATH, whole, sizeof(whole)));
	fd = open(TU_MGR_PATH, O_RDONLY | O_CLOEXEC);
	UT_OK(fd);
	UT_EQ(read(fd, pieces, 5), 5);
	got = 5;
	tu_mgr_delete_x("la");
	tu_mgr_create_x("lc", "12288", NULL);
	while ((n = read(fd, pieces + got, 7)) > 0 &&
	       got + n < (ssize_t)sizeof(pieces) - 8)
		got += n;
	UT_EQ(n, 0);
	pieces[got] = '\0';
	close(fd);
	UT_STREQ(pieces, whole);
	/* a new read lists what is there now */
	UT_OK(ut_read_file(TU_MGR_PATH, again, sizeof(again)));
	UT_ASSERT(!strncmp(again, "lb 8192 ", 8));
	UT_ASSERT(strstr(again, "\nlc 12288 ") != NULL);
	UT_ASSERT(strstr(again, "la ") == NULL);
	tu_mgr_delete_x("lb");
	tu_mgr_delete_x("lc");
}
