// SPDX-License-Identifier: GPL-2.0
/*
 * udmabuf-bench: figures, not a test.  Runs in a guest (make bench) or on a
 * board, against /dev/<name> of a loaded u-dma-buf, and prints:
 *   1. sequential write/read MB/s through a cached mapping vs malloc'd memory
 *   2. read()/write() MB/s at 4 KiB and 1 MiB blocks vs memcpy
 *   3. first-touch cost per page of a fresh whole-buffer mapping vs malloc
 *   4. latency of one sync for CPU/device, ioctl vs sysfs, 4 KiB and whole
 *   5. create+delete latency through /dev/u-dma-buf-mgr
 *   6. the seeds' checkbuf/clearbuf per sync_mode x O_SYNC (Table 1 and 2)
 *
 * usage: udmabuf-bench [-n name] [-s size] [-q]
 *   -n  buffer name (default udmabuf0; created with the manager if absent)
 *   -s  buffer size for a buffer it creates (default 4 MiB)
 *   -q  quick: fewer repetitions
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <linux/u-dma-buf.h>

static const char *name = "udmabuf0";
static size_t size = 4 << 20;
static int reps = 8;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "udmabuf-bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

static int sysfs_write(const char *attr, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/class/u-dma-buf/%s/%s", name, attr);
	return write_str(path, val);
}

static int open_dev(int flags)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "/dev/%s", name);
	fd = open(path, flags);
	if (fd < 0)
		die(path);
	return fd;
}

/* keep the compiler from dropping the loops */
static volatile uint64_t sink;

static double seq_write(uint64_t *p, size_t n)
{
	double t = now();

	for (int r = 0; r < reps; r++)
		for (size_t i = 0; i < n; i++)
			p[i] = i + r;
	return now() - t;
}

static double seq_read(const uint64_t *p, size_t n)
{
	uint64_t s = 0;
	double t = now();

	for (int r = 0; r < reps; r++)
		for (size_t i = 0; i < n; i++)
			s += p[i];
	sink = s;
	return now() - t;
}

static double mbs(size_t bytes, double secs)
{
	return secs > 0 ? bytes / secs / 1e6 : 0;
}

static void bench_mmap(void)
{
	size_t n = size / sizeof(uint64_t);
	int fd = open_dev(O_RDWR);
	uint64_t *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	uint64_t *h = malloc(size);
	double wm, rm, wh, rh;

	if (m == MAP_FAILED || !h)
		die("mmap/malloc");
	memset(h, 0, size);
	wm = seq_write(m, n);
	rm = seq_read(m, n);
	wh = seq_write(h, n);
	rh = seq_read(h, n);
	printf("1. sequential access, %zu KiB x %d (cached mapping vs malloc)\n",
	       size >> 10, reps);
	printf("   write  mmap %8.1f MB/s   malloc %8.1f MB/s   ratio %.2f\n",
	       mbs(size * reps, wm), mbs(size * reps, wh), wh / wm);
	printf("   read   mmap %8.1f MB/s   malloc %8.1f MB/s   ratio %.2f\n",
	       mbs(size * reps, rm), mbs(size * reps, rh), rh / rm);
	munmap(m, size);
	free(h);
	close(fd);
}

static void bench_rw(void)
{
	static const size_t blocks[] = { 4096, 1 << 20 };
	char *src = malloc(size), *dst = malloc(size);
	int fd = open_dev(O_RDWR);

	if (!src || !dst)
		die("malloc");
	memset(src, 0x5a, size);
	memset(dst, 0, size);
	printf("2. read()/write() vs memcpy, %zu KiB x %d\n", size >> 10, reps);
	for (size_t b = 0; b < 2; b++) {
		size_t bs = blocks[b] < size ? blocks[b] : size;
		double tw, tr, tm;

		tw = now();
		for (int r = 0; r < reps; r++)
			for (size_t off = 0; off < size; off += bs)
				if (pwrite(fd, src + off, bs, off) != (ssize_t)bs)
					die("pwrite");
		tw = now() - tw;
		tr = now();
		for (int r = 0; r < reps; r++)
			for (size_t off = 0; off < size; off += bs)
				if (pread(fd, dst + off, bs, off) != (ssize_t)bs)
					die("pread");
		tr = now() - tr;
		tm = now();
		for (int r = 0; r < reps; r++)
			for (size_t off = 0; off < size; off += bs)
				memcpy(dst + off, src + off, bs);
		tm = now() - tm;
		sink = dst[size - 1];
		printf("   %7zu B blocks: write %8.1f MB/s  read %8.1f MB/s  memcpy %8.1f MB/s  (write %.2f, read %.2f of memcpy)\n",
		       bs, mbs(size * reps, tw), mbs(size * reps, tr),
		       mbs(size * reps, tm), tm / tw, tm / tr);
	}
	free(src);
	free(dst);
	close(fd);
}

static long minor_faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

/* touch one byte of every page (write or read), return seconds */
static double touch_pages(volatile char *p, size_t pages, long pg, int write,
			  long *faults)
{
	double t;
	char c = 0;

	*faults = minor_faults();
	t = now();
	for (size_t i = 0; i < pages; i++) {
		if (write)
			p[i * pg] = 1;
		else
			c += p[i * pg];
	}
	t = now() - t;
	*faults = minor_faults() - *faults;
	sink = c;
	return t;
}

static void bench_first_touch(void)
{
	long pg = sysconf(_SC_PAGESIZE), fr, fw, fh;
	size_t pages = size / pg;
	int fd = open_dev(O_RDWR);
	double tr, tw, th, tmap;
	volatile char *m, *h;

	tmap = now();
	m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	tmap = now() - tmap;
	if (m == MAP_FAILED)
		die("mmap");
	tr = touch_pages(m, pages, pg, 0, &fr);
	tw = touch_pages(m, pages, pg, 1, &fw);
	h = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (h == MAP_FAILED)
		die("mmap anon");
	th = touch_pages(h, pages, pg, 1, &fh);
	printf("3. first touch of a fresh whole-buffer mapping (%zu pages; mmap() maps every page: %.1f us)\n",
	       pages, tmap * 1e6);
	printf("   first read  %.3f us/page, %ld page faults\n",
	       tr * 1e6 / pages, fr);
	printf("   first write %.3f us/page, %ld page faults (one per page where the CPU has no hardware dirty bit)\n",
	       tw * 1e6 / pages, fw);
	printf("   anonymous memory, first write %.3f us/page, %ld page faults\n",
	       th * 1e6 / pages, fh);
	munmap((void *)m, size);
	munmap((void *)h, size);
	close(fd);
}

static double per_call(int n, double t)
{
	return t * 1e6 / n;
}

static void bench_sync(void)
{
	int fd = open_dev(O_RDWR), n = reps * 25;
	uint64_t small = U_DMA_BUF_SYNC_ARG(0, 4096, U_DMA_BUF_DIR_BIDIRECTIONAL);
	uint64_t whole = 1;
	char smalls[32];
	double t;

	snprintf(smalls, sizeof(smalls), "0x%llx", (unsigned long long)small);
	printf("4. one sync, microseconds per call (%d calls each)\n", n);
	struct {
		const char *what;
		uint64_t arg;
		const char *sysval;
	} cases[] = { { "4 KiB", small, smalls }, { "whole buffer", whole, "1" } };
	for (int c = 0; c < 2; c++) {
		double ic, id, sc, sd;

		t = now();
		for (int i = 0; i < n; i++)
			if (ioctl(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_CPU, &cases[c].arg))
				die("ioctl sync for cpu");
		ic = per_call(n, now() - t);
		t = now();
		for (int i = 0; i < n; i++)
			if (ioctl(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_DEVICE, &cases[c].arg))
				die("ioctl sync for device");
		id = per_call(n, now() - t);
		t = now();
		for (int i = 0; i < n; i++)
			if (sysfs_write("sync_for_cpu", cases[c].sysval))
				die("sysfs sync_for_cpu");
		sc = per_call(n, now() - t);
		t = now();
		for (int i = 0; i < n; i++)
			if (sysfs_write("sync_for_device", cases[c].sysval))
				die("sysfs sync_for_device");
		sd = per_call(n, now() - t);
		printf("   %-12s for cpu: ioctl %8.2f  sysfs %8.2f   for device: ioctl %8.2f  sysfs %8.2f   (sysfs/ioctl %.1fx)\n",
		       cases[c].what, ic, sc, id, sd, (sc + sd) / (ic + id));
	}
	close(fd);
}

static void bench_mgr(void)
{
	int n = reps * 4;
	double t = now();

	for (int i = 0; i < n; i++) {
		if (write_str("/dev/u-dma-buf-mgr", "create ubench-tmp 65536"))
			die("mgr create");
		if (write_str("/dev/u-dma-buf-mgr", "delete ubench-tmp"))
			die("mgr delete");
	}
	printf("5. manager create+delete of a 64 KiB buffer: %.1f us per pair\n",
	       per_call(n, now() - t));
}

/* the seeds' sample programs */
static void check_buf(unsigned char *buf, size_t sz)
{
	for (int n = 0; n < 3; n++)
		for (size_t i = 0; i < sz; i += 256) {
			size_t m = i + 256 < sz ? 256 : sz - i;

			for (size_t k = 0; k < m; k++)
				buf[i + k] = k & 0xff;
			for (size_t k = 0; k < m; k++)
				if (buf[i + k] != (k & 0xff))
					die("checkbuf mismatch");
		}
}

static void clear_buf(unsigned char *buf, size_t sz)
{
	for (int n = 0; n < 10; n++)
		memset(buf, 0, sz);
}

static void bench_tables(void)
{
	size_t sz = size < (1 << 20) ? size : (1 << 20);

	printf("6. seeds' Table 1/2: checkbuf (3 passes) and clearbuf (10 memsets) of %zu KiB, seconds\n",
	       sz >> 10);
	printf("   sync_mode O_SYNC   checkbuf   clearbuf\n");
	for (int mode = 0; mode < 8; mode++) {
		char m[8];

		snprintf(m, sizeof(m), "%d", mode);
		if (sysfs_write("sync_mode", m))
			die("sync_mode");
		for (int o = 0; o < 2; o++) {
			int fd = open_dev(O_RDWR | (o ? O_SYNC : 0));
			unsigned char *p = mmap(NULL, sz, PROT_READ | PROT_WRITE,
						MAP_SHARED, fd, 0);
			double tc, tz;

			if (p == MAP_FAILED)
				die("mmap");
			tc = now();
			check_buf(p, sz);
			tc = now() - tc;
			tz = now();
			clear_buf(p, sz);
			tz = now() - tz;
			printf("   %9d %-6s %9.3f %10.3f\n", mode, o ? "yes" : "no",
			       tc, tz);
			munmap(p, sz);
			close(fd);
		}
	}
	sysfs_write("sync_mode", "1");
}

int main(int argc, char **argv)
{
	struct utsname u;
	char path[256], cmd[128];
	int opt, created = 0;

	while ((opt = getopt(argc, argv, "n:s:q")) != -1) {
		switch (opt) {
		case 'n':
			name = optarg;
			break;
		case 's':
			size = strtoull(optarg, NULL, 0);
			break;
		case 'q':
			reps = 2;
			break;
		default:
			fprintf(stderr, "usage: %s [-n name] [-s size] [-q]\n",
				argv[0]);
			return 2;
		}
	}
	snprintf(path, sizeof(path), "/dev/%s", name);
	if (access(path, F_OK)) {
		snprintf(cmd, sizeof(cmd), "create %s %zu", name, size);
		if (write_str("/dev/u-dma-buf-mgr", cmd))
			die("creating the buffer through /dev/u-dma-buf-mgr");
		created = 1;
	} else {
		char s[64];
		int fd = open_dev(O_RDONLY);
		uint64_t bsize;

		if (ioctl(fd, U_DMA_BUF_IOCTL_GET_SIZE, &bsize))
			die("GET_SIZE");
		close(fd);
		size = bsize;
		(void)s;
	}
	uname(&u);
	printf("udmabuf-bench: %s %s, buffer %s of %zu bytes\n", u.machine,
	       u.release, name, size);
	/* manual sync mode: a cached mapping */
	sysfs_write("sync_mode", "1");
	bench_mmap();
	bench_rw();
	bench_first_touch();
	bench_sync();
	bench_mgr();
	bench_tables();
	if (created) {
		snprintf(cmd, sizeof(cmd), "delete %s", name);
		write_str("/dev/u-dma-buf-mgr", cmd);
	}
	return 0;
}
