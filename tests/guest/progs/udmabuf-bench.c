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
 *
 * udmabuf-bench --map-costs [-n name] [-r reps] [--driver label]
 *               [--variant spec]... [--munmap-trace]
 *   Mapping costs of an existing /dev/<name>, whatever driver made it (this
 *   one or the established one), as machine-readable lines for
 *   scripts/run-target.sh --bench:
 *     MCI <driver> <key> <value>                 facts (size, pages, sysfs modes)
 *     MC  <driver> <variant> <metric> <values>   one value per run (<reps>);
 *                                                the host takes the median
 *     MT  <driver> <variant> <function> <calls>  ftrace counts of one munmap()
 *   A variant spec is label[,sync_mode=N][,o_sync]: write sync_mode first
 *   (restored afterwards), open with O_SYNC.  Default: one variant "default".
 *   Times are CLOCK_MONOTONIC wall clock in microseconds, page faults the
 *   getrusage() ru_minflt delta.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
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
		sink = (unsigned char)dst[size - 1];
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
	sink = (unsigned char)c;
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
	printf("3. first touch of a fresh whole-buffer mapping (%zu pages; mmap() took %.1f us)\n",
	       pages, tmap * 1e6);
	printf("   first read  %.3f us/page, %ld page faults\n",
	       tr * 1e6 / pages, fr);
	printf("   first write %.3f us/page, %ld page faults\n",
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

/*
 * 7. the memory types the cache modes give (real types through PAT on
 * x86_64, Device/Normal-NC on arm64): sequential stores and loads.
 */
static void bench_memtypes(void)
{
	static const struct {
		const char *label;
		const char *mode;
		int o_sync;
	} t[] = {
		{ "cached (WB)", "1", 0 },
		{ "write-combine (mode 2 O_SYNC)", "2", 1 },
		{ "uncached (mode 1 O_SYNC)", "1", 1 },
	};
	size_t sz = size < (1 << 20) ? size : (1 << 20);
	size_t n = sz / sizeof(uint64_t);

	printf("7. memory types: sequential 64-bit stores and loads of %zu KiB x %d, MB/s\n",
	       sz >> 10, reps);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int fd;
		uint64_t *p;
		double w, r;

		if (sysfs_write("sync_mode", t[i].mode))
			die("sync_mode");
		fd = open_dev(O_RDWR | (t[i].o_sync ? O_SYNC : 0));
		p = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			die("mmap");
		w = seq_write(p, n);
		r = seq_read(p, n);
		printf("   %-30s stores %9.1f  loads %9.1f\n", t[i].label,
		       mbs(sz * reps, w), mbs(sz * reps, r));
		munmap(p, sz);
		close(fd);
	}
	sysfs_write("sync_mode", "1");
	printf("   (QEMU TCG does not model caches: the three rows differ little here.\n"
	       "    On hardware WC stores run near WB speed and WC/UC loads are 10-100x slower.)\n");
}

/* ------------------------------------------------------ --map-costs */
#define MC_MAX_REPS	64
#define MC_MAX_VARIANTS	8

struct mc_variant {
	char label[32];
	int sync_mode;		/* -1: leave as it is */
	int o_sync;
};

static const char *mc_driver = "driver";
static int mc_reps = 7;

/* the first line of a file, without the newline; "" if unreadable */
static void read_line(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, len - 1);

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	buf[strcspn(buf, "\n")] = 0;
}

static void sysfs_read(const char *attr, char *buf, size_t len)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/class/u-dma-buf/%s/%s", name, attr);
	read_line(path, buf, len);
}

static void *mc_map(int fd, size_t len, double *us)
{
	double t = now();
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	*us = (now() - t) * 1e6;
	if (p == MAP_FAILED)
		die("mmap");
	return p;
}

static double mc_unmap(void *p, size_t len)
{
	double t = now();

	if (munmap(p, len))
		die("munmap");
	return (now() - t) * 1e6;
}

/* first touch of every page of a fresh mapping: microseconds, faults */
static double mc_touch(void *p, size_t len, int write, double *faults)
{
	long pg = sysconf(_SC_PAGESIZE), f;
	double t = touch_pages(p, len / pg, pg, write, &f);

	*faults = f;
	return t * 1e6;
}

static void mc_print(const struct mc_variant *v, const char *metric,
		     const double *vals)
{
	printf("MC %s %s %s", mc_driver, v->label, metric);
	for (int r = 0; r < mc_reps; r++)
		printf(" %.3f", vals[r]);
	printf("\n");
}

/* munmap() of a written mapping of len bytes, each repetition */
static void mc_unmap_touched(int fd, size_t len, double *u)
{
	double t, f;

	for (int r = 0; r < mc_reps; r++) {
		void *p = mc_map(fd, len, &t);

		mc_touch(p, len, 1, &f);
		u[r] = mc_unmap(p, len);
	}
}

/*
 * The kernel functions one munmap() of a written whole-buffer mapping
 * calls, counted with the function tracer (one run, not timed).
 */
static const char *const mc_trace_funcs[] = {
	"unmap_page_range", "vm_normal_page", "page_remove_rmap",
	"mark_page_accessed", "folio_mark_accessed", "set_page_dirty",
	"folio_mark_dirty", "tlb_flush_mmu", "tlb_finish_mmu",
	"free_pages_and_swap_cache", "release_pages", "flush_tlb_mm_range",
	"__flush_tlb_range", "flush_tlb_mm", "lru_add_drain",
	"mem_cgroup_update_lru_size", "__mod_lruvec_page_state",
	"__mod_lruvec_state", "__mod_memcg_lruvec_state",
};

#define TRACEFS "/sys/kernel/tracing/"

static int trace_write(const char *file, const char *val, int append)
{
	char path[128];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), TRACEFS "%s", file);
	fd = open(path, O_WRONLY | (append ? O_APPEND : O_TRUNC));
	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

static void mc_trace(const struct mc_variant *v, int fd)
{
	size_t nf = sizeof(mc_trace_funcs) / sizeof(mc_trace_funcs[0]);
	long counts[sizeof(mc_trace_funcs) / sizeof(mc_trace_funcs[0])] = { 0 };
	char bufkb[32], line[512], task[32];
	int filtered = 0;
	long lost = -1;
	double t, f;
	FILE *tr;
	void *p;

	read_line(TRACEFS "buffer_size_kb", bufkb, sizeof(bufkb));
	if (!bufkb[0] || trace_write("tracing_on", "0", 0) ||
	    trace_write("current_tracer", "nop", 0)) {
		printf("MT %s %s unavailable 0\n", mc_driver, v->label);
		return;
	}
	trace_write("set_ftrace_filter", "", 0);
	for (size_t i = 0; i < nf; i++)
		filtered += !trace_write("set_ftrace_filter", mc_trace_funcs[i], 1);
	trace_write("buffer_size_kb", "16384", 0);
	trace_write("trace", "", 0);
	if (!filtered || trace_write("current_tracer", "function", 0)) {
		printf("MT %s %s unavailable 0\n", mc_driver, v->label);
		goto out;
	}
	p = mc_map(fd, size, &t);
	mc_touch(p, size, 1, &f);
	trace_write("tracing_on", "1", 0);
	mc_unmap(p, size);
	trace_write("tracing_on", "0", 0);

	/* (changing the tracer would empty the buffer: read it first) */
	snprintf(task, sizeof(task), "-%d ", getpid());
	tr = fopen(TRACEFS "trace", "r");
	while (tr && fgets(line, sizeof(line), tr)) {
		char *c, *e;
		long a, b;

		if (line[0] == '#') {
			c = strstr(line, "entries-in-buffer/entries-written:");
			if (c && sscanf(c + 34, "%ld/%ld", &a, &b) == 2)
				lost = b - a;
			continue;
		}
		if (!strstr(line, task))
			continue;
		/* "   task-pid [cpu] flags  time: function <-caller" */
		c = strstr(line, ": ");
		if (!c)
			continue;
		c += 2;
		e = strstr(c, " <-");
		if (e)
			*e = 0;
		c[strcspn(c, " \n")] = 0;
		for (size_t i = 0; i < nf; i++)
			if (!strcmp(c, mc_trace_funcs[i]))
				counts[i]++;
	}
	if (tr)
		fclose(tr);
	for (size_t i = 0; i < nf; i++)
		if (counts[i])
			printf("MT %s %s %s %ld\n", mc_driver, v->label,
			       mc_trace_funcs[i], counts[i]);
	printf("MT %s %s lost-events %ld\n", mc_driver, v->label, lost);
out:
	trace_write("current_tracer", "nop", 0);
	trace_write("set_ftrace_filter", "", 0);
	trace_write("trace", "", 0);
	trace_write("buffer_size_kb", bufkb, 0);
}

static void mc_variant(const struct mc_variant *v, int first, int trace)
{
	static double mmap_us[MC_MAX_REPS], rd_us[MC_MAX_REPS],
		rd_f[MC_MAX_REPS], wr_us[MC_MAX_REPS], wr_f[MC_MAX_REPS],
		mwu_us[MC_MAX_REPS], un_clean[MC_MAX_REPS],
		un_dirty[MC_MAX_REPS], un_none[MC_MAX_REPS];
	long pg = sysconf(_SC_PAGESIZE);
	size_t pages = size / pg;
	char old[16] = "", val[16];
	double t, f;
	void *p;
	int fd;

	if (v->sync_mode >= 0) {
		sysfs_read("sync_mode", old, sizeof(old));
		snprintf(val, sizeof(val), "%d", v->sync_mode);
		if (sysfs_write("sync_mode", val))
			die("writing sync_mode");
	}
	sysfs_read("sync_mode", val, sizeof(val));
	printf("MCI %s variant %s sync_mode=%s%s\n", mc_driver, v->label, val,
	       v->o_sync ? ",O_SYNC" : "");
	fd = open_dev(O_RDWR | (v->o_sync ? O_SYNC : 0));

	/* warm up: this program's code, stack and page tables */
	p = mc_map(fd, size, &t);
	mc_touch(p, size, 1, &f);
	mc_unmap(p, size);

	/* mmap(), first read of every page, munmap() of the read mapping */
	for (int r = 0; r < mc_reps; r++) {
		p = mc_map(fd, size, &mmap_us[r]);
		rd_us[r] = mc_touch(p, size, 0, &rd_f[r]);
		un_clean[r] = mc_unmap(p, size);
	}
	/* first write of every page of a fresh mapping, munmap() of it */
	for (int r = 0; r < mc_reps; r++) {
		p = mc_map(fd, size, &t);
		wr_us[r] = mc_touch(p, size, 1, &wr_f[r]);
		un_dirty[r] = mc_unmap(p, size);
	}
	/* map + write every page once + unmap, as one figure */
	for (int r = 0; r < mc_reps; r++) {
		t = now();
		p = mc_map(fd, size, &f);
		mc_touch(p, size, 1, &f);
		mc_unmap(p, size);
		mwu_us[r] = (now() - t) * 1e6;
	}
	/* munmap() of a mapping nobody touched */
	for (int r = 0; r < mc_reps; r++) {
		p = mc_map(fd, size, &t);
		un_none[r] = mc_unmap(p, size);
	}
	mc_print(v, "mmap_us", mmap_us);
	mc_print(v, "read_faults", rd_f);
	mc_print(v, "read_us", rd_us);
	mc_print(v, "write_faults", wr_f);
	mc_print(v, "write_us", wr_us);
	mc_print(v, "mwu_us", mwu_us);
	mc_print(v, "munmap_us", un_dirty);
	mc_print(v, "munmap_read_us", un_clean);
	mc_print(v, "munmap_untouched_us", un_none);

	/* munmap() of a written mapping against its length: cost per page */
	if (first) {
		for (int k = 8; k >= 1; k /= 2) {
			size_t len = pages / k * pg;
			char metric[32];

			if (!len)
				continue;
			mc_unmap_touched(fd, len, un_dirty);
			snprintf(metric, sizeof(metric), "munmap_us@%zu",
				 len / (size_t)pg);
			mc_print(v, metric, un_dirty);
		}
	}
	if (trace)
		mc_trace(v, fd);
	close(fd);
	if (old[0] && sysfs_write("sync_mode", old))
		die("restoring sync_mode");
	fflush(stdout);
}

static int map_costs(struct mc_variant *vs, int nv, int trace)
{
	static const char *const facts[] = {
		"quirk_mmap_mode", "sync_mode", "driver_version", "phys_addr",
	};
	long pg = sysconf(_SC_PAGESIZE);
	char val[64];
	int fd = open_dev(O_RDONLY);
	uint64_t bsize;

	if (ioctl(fd, U_DMA_BUF_IOCTL_GET_SIZE, &bsize))
		die("GET_SIZE");
	close(fd);
	size = bsize / pg * pg;
	printf("MCI %s size %zu\n", mc_driver, size);
	printf("MCI %s pages %zu\n", mc_driver, size / (size_t)pg);
	printf("MCI %s reps %d\n", mc_driver, mc_reps);
	for (size_t i = 0; i < sizeof(facts) / sizeof(facts[0]); i++) {
		sysfs_read(facts[i], val, sizeof(val));
		printf("MCI %s %s %s\n", mc_driver, facts[i], val[0] ? val : "-");
	}
	if (!nv) {
		strcpy(vs[0].label, "default");
		vs[0].sync_mode = -1;
		vs[0].o_sync = 0;
		nv = 1;
	}
	for (int i = 0; i < nv; i++)
		mc_variant(&vs[i], i == 0, trace && i == 0);
	return 0;
}

/* label[,sync_mode=N][,o_sync] */
static int parse_variant(const char *spec, struct mc_variant *v)
{
	char buf[128], *tok, *save;

	snprintf(buf, sizeof(buf), "%s", spec);
	tok = strtok_r(buf, ",", &save);
	if (!tok || strlen(tok) >= sizeof(v->label))
		return -1;
	snprintf(v->label, sizeof(v->label), "%s", tok);
	v->sync_mode = -1;
	v->o_sync = 0;
	while ((tok = strtok_r(NULL, ",", &save))) {
		if (!strncmp(tok, "sync_mode=", 10))
			v->sync_mode = atoi(tok + 10);
		else if (!strcmp(tok, "o_sync"))
			v->o_sync = 1;
		else
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct utsname u;
	char path[256], cmd[128];
	static const struct option longopts[] = {
		{ "map-costs", no_argument, NULL, 'M' },
		{ "driver", required_argument, NULL, 'D' },
		{ "variant", required_argument, NULL, 'V' },
		{ "munmap-trace", no_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	struct mc_variant variants[MC_MAX_VARIANTS];
	int opt, created = 0, mapcosts = 0, nv = 0, trace = 0;

	while ((opt = getopt_long(argc, argv, "n:s:qr:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'M':
			mapcosts = 1;
			break;
		case 'D':
			mc_driver = optarg;
			break;
		case 'V':
			if (nv == MC_MAX_VARIANTS ||
			    parse_variant(optarg, &variants[nv])) {
				fprintf(stderr, "udmabuf-bench: bad variant '%s'\n",
					optarg);
				return 2;
			}
			nv++;
			break;
		case 'T':
			trace = 1;
			break;
		case 'r':
			mc_reps = atoi(optarg);
			if (mc_reps < 1 || mc_reps > MC_MAX_REPS) {
				fprintf(stderr, "udmabuf-bench: -r 1..%d\n",
					MC_MAX_REPS);
				return 2;
			}
			break;
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
			fprintf(stderr, "usage: %s [-n name] [-s size] [-q]\n"
				"       %s --map-costs [-n name] [-r reps] [--driver label] [--variant label[,sync_mode=N][,o_sync]]... [--munmap-trace]\n",
				argv[0], argv[0]);
			return 2;
		}
	}
	if (mapcosts)
		return map_costs(variants, nv, trace);
	snprintf(path, sizeof(path), "/dev/%s", name);
	if (access(path, F_OK)) {
		snprintf(cmd, sizeof(cmd), "create %s %zu", name, size);
		if (write_str("/dev/u-dma-buf-mgr", cmd))
			die("creating the buffer through /dev/u-dma-buf-mgr");
		created = 1;
	} else {
		int fd = open_dev(O_RDONLY);
		uint64_t bsize;

		if (ioctl(fd, U_DMA_BUF_IOCTL_GET_SIZE, &bsize))
			die("GET_SIZE");
		close(fd);
		size = bsize;
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
	bench_memtypes();
	if (created) {
		snprintf(cmd, sizeof(cmd), "delete %s", name);
		write_str("/dev/u-dma-buf-mgr", cmd);
	}
	return 0;
}
