// SPDX-License-Identifier: GPL-2.0
/*
 * H8 (H3): contiguous buffers far beyond the buddy allocator's 4 MiB on
 * x86_64 distribution kernels without a CMA area, without a reboot: a
 * 256 MiB buffer in a 2 GiB guest ("large" boot) and a 1 GiB buffer in a
 * 4 GiB guest ("large1g"), by module parameter and by the manager.
 *
 * The realistic case comes first: a memory-hungry process writes into
 * every page of most of the guest's memory before the buffer is created,
 * and either exits (its dirty pages are free again, scattered) or keeps
 * every other MiB of it while the buffer is created (no free range of
 * that size exists then: the driver must migrate the process's pages
 * away).  Then
 * the buffer must read back as zeroes (the "large" boot runs with
 * init_on_alloc=0, so only the driver's own clearing can make them so),
 * carry a position-dependent pattern through its mapping and through
 * read(), and give all of its memory back when it is deleted (MemFree).
 *
 * Where the memory came from: these kernels have no CMA area (CmaTotal 0
 * or no CMA at all) and the buddy allocator stops at 4 MiB, so only the
 * driver's range path (alloc_contig_range() on an ordinary zone) can give
 * such a buffer; its load lines say so ("memory source  = contiguous
 * range"), and the range starts at a multiple of 4 MiB (docs/design.md),
 * both checked.  The creation time of every buffer goes to the kernel log
 * ("udmabuf-test: H8 ...").
 *
 * 1 GiB below 4 GiB (the default 32-bit DMA mask) in a 4 GiB guest: KASLR
 * puts the kernel's image somewhere in the low 3 GiB; the search steps
 * past reserved pages, so the buffer is found wherever the image lies
 * ("large1g" boots with KASLR on).
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <linux/u-dma-buf.h>

#include "ut.h"
#include "tu_helpers.h"

#define RW		(PROT_READ | PROT_WRITE)
#define LARGE_BOOT	"large"
#define LARGE1G_BOOT	"large1g"
#define HOG_BYTE	0xA5
#define HOG_CHUNK	TU_MIB

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void klog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void klog(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n = snprintf(line, sizeof(line), "udmabuf-test: ");

	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	ut_write_file("/dev/kmsg", line);
}

/* a /proc/meminfo field in KiB, -1 if absent */
static long long meminfo_kib(const char *key)
{
	static char text[8192];
	char k[64];
	const char *p;

	if (ut_read_file("/proc/meminfo", text, sizeof(text)) <= 0)
		UT_FAIL("reading /proc/meminfo: %s", strerror(errno));
	snprintf(k, sizeof(k), "\n%s:", key);
	p = strstr(text, k);
	return p ? strtoll(p + strlen(k), NULL, 10) : -1;
}

/*
 * Where the kernel's image lies (/proc/iomem "Kernel code" .. "Kernel
 * bss"): with KASLR it moves from boot to boot, and no range that holds
 * it can be had.  For failure messages.
 */
static const char *kernel_image(void)
{
	static char text[64 * 1024], out[128];
	unsigned long long lo = ~0ULL, hi = 0, a, b;
	const char *p = text;

	if (ut_read_file("/proc/iomem", text, sizeof(text)) <= 0)
		return "kernel image: /proc/iomem unreadable";
	while ((p = strstr(p, " : Kernel "))) {
		const char *l = p;

		while (l > text && l[-1] != '\n')
			l--;
		if (sscanf(l, " %llx-%llx", &a, &b) == 2) {
			lo = a < lo ? a : lo;
			hi = b > hi ? b : hi;
		}
		p++;
	}
	if (lo > hi)
		return "kernel image: not in /proc/iomem";
	snprintf(out, sizeof(out), "kernel image at 0x%llx-0x%llx", lo, hi);
	return out;
}

/* ---------------------------------------------------- the memory hog */

struct hog {
	pid_t pid;
	size_t filled, kept;
};

/*
 * A child that writes HOG_BYTE into every page of fill bytes of anonymous
 * memory (its first byte), then gives back every other MiB if keep (all
 * of it otherwise) and reports on the pipe; a keeping hog holds the rest
 * until it is killed (and dies with its parent).  Its stdout is not the
 * test's: the runner waits for that.
 */
static void hog_child(int wfd, size_t fill, int keep)
{
	unsigned char *m;
	int null = open("/dev/null", O_WRONLY);

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (null >= 0)
		dup2(null, 1);
	m = mmap(NULL, fill, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	if (m == MAP_FAILED)
		_exit(2);
	for (size_t off = 0; off < fill; off += tu_page_size())
		m[off] = HOG_BYTE;
	for (size_t off = 0; off < fill; off += HOG_CHUNK)
		if (!keep || (off / HOG_CHUNK) % 2)
			munmap(m + off, HOG_CHUNK);
	if (write(wfd, "r", 1) != 1)
		_exit(3);
	if (!keep)
		_exit(0);
	for (;;)
		pause();
}

/*
 * Run a hog over fill_pct % of MemAvailable (but leaving at least
 * reserve_mib), and wait until it has filled and given back.  keep: it
 * holds every other MiB afterwards (stop it with hog_stop()); otherwise
 * it has exited when this returns.
 */
static struct hog hog_run_x(int fill_pct, long long reserve_mib, int keep)
{
	long long avail = meminfo_kib("MemAvailable");
	long long fill_kib = avail / 100 * fill_pct;
	struct hog h = { 0 };
	int pfd[2], st;
	double t;
	char c;

	if (avail < 0)
		UT_FAIL("/proc/meminfo has no MemAvailable");
	if (fill_kib > avail - reserve_mib * 1024)
		fill_kib = avail - reserve_mib * 1024;
	if (fill_kib < 64 * 1024)
		UT_FAIL("only %lld KiB available: no room for a memory hog",
			avail);
	h.filled = (size_t)fill_kib * 1024 / HOG_CHUNK * HOG_CHUNK;
	h.kept = keep ? h.filled / 2 : 0;
	UT_OK(pipe(pfd));
	fflush(stdout);
	t = now_s();
	h.pid = fork();
	if (h.pid < 0)
		UT_FAIL("fork: %s", strerror(errno));
	if (h.pid == 0) {
		close(pfd[0]);
		hog_child(pfd[1], h.filled, keep);
	}
	close(pfd[1]);
	if (read(pfd[0], &c, 1) != 1) {
		waitpid(h.pid, &st, 0);
		UT_FAIL("the memory hog (%zu MiB) died before it had filled its "
			"memory (status 0x%x)", h.filled >> 20, st);
	}
	close(pfd[0]);
	if (!keep) {
		waitpid(h.pid, &st, 0);
		h.pid = 0;
	}
	klog("H8: a process wrote %zu MiB (%lld%% of MemAvailable) in %.1f s and %s\n",
	     h.filled >> 20, fill_kib * 100 / avail, now_s() - t,
	     keep ? "keeps every other MiB" : "exited");
	return h;
}

static void hog_stop(struct hog *h)
{
	if (h->pid > 0) {
		kill(h->pid, SIGKILL);
		waitpid(h->pid, NULL, 0);
	}
	h->pid = 0;
}

/* ------------------------------------------------------ the checks */

/* the pattern word at byte offset off: depends on position and seed */
static uint64_t pat(uint64_t off, uint64_t seed)
{
	uint64_t x = (off + 1) * 0x9E3779B97F4A7C15ULL ^ seed;

	return x ^ (x >> 29);
}

static void pat_fill(uint64_t *p, size_t len, uint64_t off, uint64_t seed)
{
	for (size_t i = 0; i < len / 8; i++)
		p[i] = pat(off + i * 8, seed);
}

/* first byte offset in [0, len) of p that is not the pattern, or -1 */
static long long pat_check(const uint64_t *p, size_t len, uint64_t off,
			   uint64_t seed)
{
	for (size_t i = 0; i < len / 8; i++)
		if (p[i] != pat(off + i * 8, seed))
			return (long long)(i * 8);
	return -1;
}

/*
 * Where the memory came from: no CMA area can hold it and the buddy
 * allocator stops far below; the load lines name the contiguous-range
 * path, whose ranges start at a multiple of 4 MiB.
 */
static void check_source_x(const char *dev, uint64_t size)
{
	long long cma = meminfo_kib("CmaTotal");
	uint64_t pa = ut_sysfs_u64(dev, "phys_addr");
	char line[128];

	if (cma > 0 && (uint64_t)cma * 1024 >= size)
		UT_FAIL("this guest has a CMA area of %lld KiB: it cannot show "
			"a %llu-byte buffer without CMA", cma,
			(unsigned long long)size);
	if (size <= tu_buddy_max_bytes())
		UT_FAIL("%llu bytes: the buddy allocator gives that much, "
			"no range needed", (unsigned long long)size);
	snprintf(line, sizeof(line),
		 "u-dma-buf %s: memory source  = contiguous range", dev);
	UT_LOG_HAS(line);
	if (pa & (4 * TU_MIB - 1))
		UT_FAIL("%s: %llu bytes at 0x%llx: expected a range starting at "
			"a multiple of 4 MiB (the driver's contiguous-range "
			"path)", dev, (unsigned long long)size,
			(unsigned long long)pa);
}

/*
 * The whole buffer reads as zeroes through a mapping, takes a pattern
 * through it, and gives the pattern back through read() and through a
 * second mapping; the sizes agree everywhere.
 */
static void check_buffer_x(const char *dev, uint64_t size, uint64_t seed)
{
	const size_t step = 4 * TU_MIB;
	uint64_t *m, *m2, *chunk = tu_xmalloc(step), v = 0;
	long long bad;
	double t;
	int fd;

	UT_EQU(ut_sysfs_u64(dev, "size"), size);
	check_source_x(dev, size);
	fd = ut_open_dev(dev, O_RDWR);
	TU_IOCTL_X(fd, U_DMA_BUF_IOCTL_GET_SIZE, &v);
	UT_EQU(v, size);
	tu_catch_faults();
	m = tu_mmap(fd, size, 0, RW, MAP_SHARED);
	if (!m)
		UT_FAIL("mmap of all %llu bytes of %s: %s",
			(unsigned long long)size, dev, strerror(errno));
	tu_doing("reading %s through its mapping", dev);
	t = now_s();
	bad = tu_first_not(m, size, 0);
	if (bad >= 0)
		UT_FAIL("%s: byte %lld of a new buffer is 0x%02x: expected the "
			"whole buffer zeroed (%llu bytes)", dev, bad,
			((unsigned char *)m)[bad], (unsigned long long)size);
	tu_doing("writing %s through its mapping", dev);
	pat_fill(m, size, 0, seed);
	munmap(m, size);
	tu_doing("reading %s back", dev);
	for (uint64_t off = 0; off < size; off += step) {
		if (tu_pread_all(fd, chunk, step, off) != (long long)step)
			UT_FAIL("read() of %s at %llu: short or failed", dev,
				(unsigned long long)off);
		bad = pat_check(chunk, step, off, seed);
		if (bad >= 0)
			UT_FAIL("%s: read() at offset %llu: expected the "
				"pattern written through the mapping",
				dev, (unsigned long long)(off + bad));
	}
	m2 = tu_mmap(fd, size, 0, PROT_READ, MAP_SHARED);
	UT_ASSERT(m2 != NULL);
	bad = pat_check(m2, size, 0, seed);
	if (bad >= 0)
		UT_FAIL("%s: a second mapping at offset %lld: expected the "
			"pattern written through the first", dev, bad);
	munmap(m2, size);
	close(fd);
	free(chunk);
	klog("H8: %s: %llu MiB zeroed, written and read back in %.1f s\n",
	     dev, (unsigned long long)(size >> 20), now_s() - t);
}

static void log_created(const char *how, const char *dev, uint64_t size,
			double secs)
{
	klog("H8: %s %s: %llu MiB at 0x%llx in %.2f s\n", how, dev,
	     (unsigned long long)(size >> 20),
	     (unsigned long long)ut_sysfs_u64(dev, "phys_addr"), secs);
}

/* ------------------------------------------------------------ cases */

/*
 * By module parameter, after a process has filled fill_pct % of the
 * available memory with a pattern and exited: load, check, unload; MemFree
 * comes back to where it was before the load.
 */
static void by_param_after_hog_x(uint64_t size, const char *extra,
				 int fill_pct)
{
	struct tu_meminfo before, after;
	char params[128];
	double t;
	int r;

	UT_ASSERT(!ut_module_loaded());
	/* caches the first load grows (sysfs, kernfs) at their size */
	UT_OK(ut_load("udmabuf0=4096 info_enable=0"));
	UT_OK(ut_unload());
	hog_run_x(fill_pct, 192, 0);
	before = tu_mem_settled_x();
	snprintf(params, sizeof(params), "udmabuf0=%lluM%s%s",
		 (unsigned long long)(size >> 20), extra ? " " : "",
		 extra ? extra : "");
	t = now_s();
	r = ut_load(params);
	t = now_s() - t;
	if (r)
		UT_FAIL("load with %s (MemFree %lld KiB, %s): %s; log:\n%s",
			params, before.memfree, kernel_image(), strerror(-r),
			ut_log());
	log_created("module parameter", "udmabuf0", size, t);
	klog("H8: %s\n", kernel_image());
	UT_LOG_HAS("buffer size    = ");
	check_buffer_x("udmabuf0", size, 0x1008);
	r = ut_unload();
	if (r)
		UT_FAIL("unload after the %s buffer: %s", params, strerror(-r));
	after = tu_mem_settled_x();
	tu_mem_expect_back_x("a buffer by module parameter", &before, &after);
}

/*
 * By the manager while a process keeps every other MiB of fill_pct % of
 * the available memory: no free range of the size exists, the driver
 * must migrate.  MemFree comes back after the delete (the process still
 * holding its memory, as before the create).
 */
static void by_mgr_while_hog_holds_x(uint64_t size, const char *opts,
				     int fill_pct)
{
	struct tu_meminfo before, after;
	struct hog h;
	char sz[32];
	double t;
	int r;

	/* caches the first create grows, at their size */
	tu_mgr_create_x("h8warm", "4096", NULL);
	tu_mgr_delete_x("h8warm");
	h = hog_run_x(fill_pct, 256, 1);
	before = tu_mem_settled_x();
	snprintf(sz, sizeof(sz), "%llu", (unsigned long long)size);
	t = now_s();
	r = ut_mgr("create h8mgr %s%s%s", sz, opts ? " " : "",
		   opts ? opts : "");
	t = now_s() - t;
	if (r) {
		hog_stop(&h);
		UT_FAIL("manager create of %s bytes while a process holds "
			"%zu MiB (MemFree %lld KiB, %s): %s; log:\n%s", sz,
			h.kept >> 20, before.memfree, kernel_image(),
			strerror(-r), ut_log());
	}
	log_created("manager", "h8mgr", size, t);
	check_buffer_x("h8mgr", size, 0x2008);
	tu_mgr_delete_x("h8mgr");
	UT_ASSERT(!tu_dev_exists("h8mgr"));
	after = tu_mem_settled_x();
	hog_stop(&h);
	tu_mem_expect_back_x("a buffer by the manager", &before, &after);
}

static void need_x86_64(void)
{
	if (!tu_is_arch("x86_64"))
		UT_SKIP("an x86_64 guest shows buffers without CMA");
}

/* 2 GiB guest, init_on_alloc=0 (tests/boots.conf "large") */
UT_TEST_BOOT(H8_256mib_param_after_memory_hog, UT_NOLOAD, LARGE_BOOT)
{
	need_x86_64();
	by_param_after_hog_x(256 * TU_MIB, NULL, 90);
}

UT_TEST_BOOT(H8_256mib_mgr_while_memory_hog_holds, "", LARGE_BOOT)
{
	need_x86_64();
	by_mgr_while_hog_holds_x(256 * TU_MIB, NULL, 80);
}

/* 4 GiB guest, the kernel's default init_on_alloc ("large1g") */
UT_TEST_BOOT(H8_H3_1gib_param_after_memory_hog, UT_NOLOAD, LARGE1G_BOOT)
{
	need_x86_64();
	by_param_after_hog_x(TU_GIB, NULL, 90);
}

UT_TEST_BOOT(H8_H3_1gib_mgr_while_memory_hog_holds, "", LARGE1G_BOOT)
{
	need_x86_64();
	by_mgr_while_hog_holds_x(TU_GIB, NULL, 60);
}
