// SPDX-License-Identifier: GPL-2.0
/* tu_helpers: see tu_helpers.h */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include "ut.h"
#include "tu_helpers.h"

size_t tu_page_size(void)
{
	static size_t ps;

	if (!ps)
		ps = (size_t)sysconf(_SC_PAGESIZE);
	return ps;
}

int tu_is_arch(const char *machine)
{
	return strcmp(ut_arch(), machine) == 0;
}

void tu_need_noncoherent_guest(void)
{
	if (tu_is_arch("aarch64") || !strncmp(ut_arch(), "armv", 4))
		return;
	/* its kernel can do non-coherent DMA, but no device here needs it */
	if (tu_is_arch("riscv64"))
		UT_SKIP("needs non-coherent DMA with arch_sync_dma_*; QEMU's "
			"riscv64 virt machine is DMA-coherent (no Zicbom)");
	UT_SKIP("needs non-coherent DMA with arch_sync_dma_* (arm guests); "
		"this is %s", ut_arch());
}

int tu_is_64bit_user(void)
{
	return sizeof(void *) == 8;
}

/* ------------------------------------------------------------ sysfs */

void tu_sysfs_str_x(const char *dev, const char *attr, char *buf, size_t len)
{
	int r = ut_sysfs_read(dev, attr, buf, len);
	size_t n;

	if (r < 0)
		UT_FAIL("reading sysfs %s/%s: expected success, saw %s", dev,
			attr, strerror(-r));
	n = strlen(buf);
	while (n && (buf[n - 1] == '\n'))
		buf[--n] = '\0';
}

int tu_dev_exists(const char *name)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "/dev/%s", name);
	return lstat(path, &st) == 0;
}

int tu_class_exists(const char *name)
{
	return ut_sysfs_exists(name, NULL);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void tu_class_list(char *buf, size_t len)
{
	DIR *d = opendir(TU_CLASS_DIR);
	struct dirent *e;
	char *names[512];
	int n = 0;

	buf[0] = '\0';
	if (!d)
		return;
	while ((e = readdir(d)) && n < 512) {
		if (e->d_name[0] == '.')
			continue;
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (int i = 0; i < n; i++) {
		size_t l = strlen(buf);

		snprintf(buf + l, len - l, "%s%s", i ? " " : "", names[i]);
		free(names[i]);
	}
}

/* ----------------------------------------------------- device nodes */

dev_t tu_rdev_x(const char *name)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "/dev/%s", name);
	if (stat(path, &st))
		UT_FAIL("stat(%s): expected success, saw %s", path,
			strerror(errno));
	if (!S_ISCHR(st.st_mode))
		UT_FAIL("%s: expected a character device, saw mode 0%o", path,
			(unsigned int)st.st_mode);
	return st.st_rdev;
}

unsigned int tu_minor_x(const char *name)
{
	return minor(tu_rdev_x(name));
}

unsigned int tu_major_x(const char *name)
{
	return major(tu_rdev_x(name));
}

/* ------------------------------------------------------------- data */

void tu_pattern(void *buf, size_t len, uint64_t seed)
{
	unsigned char *p = buf;
	uint64_t x = seed * 0x9E3779B97F4A7C15ULL + 0x2545F4914F6CDD1DULL;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(p + i, &x, 8);
	}
	for (; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (unsigned char)(x >> 24);
	}
}

long long tu_first_diff(const void *a, const void *b, size_t len)
{
	const unsigned char *x = a, *y = b;

	if (memcmp(a, b, len) == 0)
		return -1;
	for (size_t i = 0; i < len; i++)
		if (x[i] != y[i])
			return (long long)i;
	return -1;	/* the memory changed under us */
}

long long tu_first_not(const void *p, size_t len, unsigned char c)
{
	static unsigned char ref[4096];
	static int refc = -1;
	const unsigned char *s = p;
	size_t off = 0;

	if (refc != c) {
		memset(ref, c, sizeof(ref));
		refc = c;
	}
	while (off < len) {
		size_t n = len - off < sizeof(ref) ? len - off : sizeof(ref);

		if (memcmp(s + off, ref, n)) {
			/* cppcheck-suppress knownConditionTrueFalse ; n > 0 here */
			for (size_t i = 0; i < n; i++)
				if (s[off + i] != c)
					return (long long)(off + i);
		}
		off += n;
	}
	return -1;
}

void *tu_xmalloc(size_t len)
{
	void *p = malloc(len ? len : 1);

	if (!p)
		UT_FAIL("malloc(%zu): out of memory in the test", len);
	return p;
}

long long tu_pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done,
				  (off_t)(off + done));

		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (long long)done;
}

long long tu_pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pwrite(fd, (const char *)buf + done, len - done,
				   (off_t)(off + done));

		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (long long)done;
}

void *tu_mmap(int fd, size_t len, uint64_t off, int prot, int flags)
{
	void *p = mmap(NULL, len, prot, flags, fd, (off_t)off);

	return p == MAP_FAILED ? NULL : p;
}

void *tu_unmapped_addr(size_t len)
{
	void *p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	if (p == MAP_FAILED)
		UT_FAIL("mmap of an anonymous range: %s", strerror(errno));
	munmap(p, len);
	return p;
}

void *tu_nullptr(void)
{
	return NULL;
}

/* ------------------------------------------------------------ ioctl */

int tu_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? -errno : 0;
}

/* -------------------------------------------------------------- log */

size_t tu_log_mark(void)
{
	return strlen(ut_log());
}

const char *tu_log_after(size_t mark)
{
	const char *l = ut_log();
	size_t n = strlen(l);

	return l + (mark < n ? mark : n);
}

/* ---------------------------------------------------------- manager */

int tu_mgr_raw(const void *cmd, size_t len)
{
	int fd = open(TU_MGR_PATH, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int e;

	if (fd < 0)
		return -errno;
	n = write(fd, cmd, len);
	e = errno;
	close(fd);
	if (n < 0)
		return -e;
	return (size_t)n == len ? 0 : -EIO;
}

void tu_mgr_create_x(const char *name, const char *size, const char *opts)
{
	int r = ut_mgr("create %s %s%s%s", name, size, opts ? " " : "",
		       opts ? opts : "");

	if (r)
		UT_FAIL("manager \"create %s %s%s%s\": expected success, saw "
			"%s", name, size, opts ? " " : "", opts ? opts : "",
			strerror(-r));
	if (!tu_dev_exists(name))
		UT_FAIL("after create %s: expected /dev/%s to exist", name,
			name);
}

void tu_mgr_delete_x(const char *name)
{
	int r = ut_mgr("delete %s", name);

	if (r)
		UT_FAIL("manager \"delete %s\": expected success, saw %s",
			name, strerror(-r));
}

/* ---------------------------------------------------------- signals */

static char doing[256] = "the test";

void tu_doing(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(doing, sizeof(doing), fmt, ap);
	va_end(ap);
}

static void fault_handler(int sig)
{
	/* not async-signal-safe, but the test ends here anyway */
	ut_fail_at(__FILE__, __LINE__, "%s while %s (expected no fault)",
		   sig == SIGBUS ? "SIGBUS" : "SIGSEGV", doing);
}

void tu_catch_faults(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fault_handler;
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
}

/* ---------------------------------------------------------- kprobes */

#define TRACEFS "/sys/kernel/tracing"

static int kp_have_event(const char *ev)
{
	char path[256];

	snprintf(path, sizeof(path), TRACEFS "/events/udmabuf/%s", ev);
	return access(path, F_OK) == 0;
}

static void kp_add_x(const char *ev, const char *func)
{
	char def[256];
	int fd, e;
	ssize_t n;

	if (kp_have_event(ev))
		return;
	if (!strncmp(ut_arch(), "arm", 3)) {
		/*
		 * 32-bit ARM has no $argN fetch arguments: take the AAPCS
		 * registers.  phys_addr_t is one register, or r0/r1 with LPAE
		 * (then size and direction follow in r2/r3).
		 */
		struct utsname u;
		int lpae = uname(&u) == 0 && strstr(u.release, "lpae");

		snprintf(def, sizeof(def), "p:udmabuf/%s %s paddr=%%r0:x32 "
			 "size=%%r%d:u32 dir=%%r%d:s32\n", ev, func,
			 lpae ? 2 : 1, lpae ? 3 : 2);
	} else {
		snprintf(def, sizeof(def), "p:udmabuf/%s %s paddr=$arg1:x64 "
			 "size=$arg2:u64 dir=$arg3:s32\n", ev, func);
	}
	fd = open(TRACEFS "/kprobe_events", O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		UT_FAIL("open " TRACEFS "/kprobe_events: %s", strerror(errno));
	n = write(fd, def, strlen(def));
	e = errno;
	close(fd);
	if (n < 0)
		UT_FAIL("placing a kprobe on %s: expected success, saw %s "
			"(definition \"%s\")", func, strerror(e), def);
}

void tu_kp_setup_x(void)
{
	int r;

	/*
	 * The kprobes are the only proof that cache maintenance reaches the
	 * architecture: without them a test proves nothing, so a guest
	 * without them (tracefs not mounted, a kernel without
	 * CONFIG_KPROBE_EVENTS) fails it.  Tests call this only where
	 * arch_sync_dma_* exist (arm).
	 */
	if (access(TRACEFS "/kprobe_events", F_OK) != 0)
		UT_FAIL("no " TRACEFS "/kprobe_events (tracefs not mounted, "
			"or a kernel without kprobe events): the cache "
			"maintenance cannot be observed");
	/* a test that failed earlier may have left them enabled */
	if (kp_have_event("cpu") || kp_have_event("dev"))
		ut_write_file(TRACEFS "/events/udmabuf/enable", "0");
	kp_add_x("cpu", "arch_sync_dma_for_cpu");
	kp_add_x("dev", "arch_sync_dma_for_device");
	r = ut_write_file(TRACEFS "/tracing_on", "1");
	if (r)
		UT_FAIL("enabling tracing_on: %s", strerror(-r));
	r = ut_write_file(TRACEFS "/events/udmabuf/enable", "1");
	if (r)
		UT_FAIL("enabling events/udmabuf: %s", strerror(-r));
	tu_kp_clear();
}

void tu_kp_clear(void)
{
	int fd = open(TRACEFS "/trace", O_WRONLY | O_TRUNC | O_CLOEXEC);

	if (fd < 0)
		UT_FAIL("clearing " TRACEFS "/trace: %s", strerror(errno));
	close(fd);
}

static int parse_call(const char *line, struct tu_sync_call *c)
{
	const char *p;
	unsigned long long v;

	if (strstr(line, " cpu: ("))
		c->to_device = 0;
	else if (strstr(line, " dev: ("))
		c->to_device = 1;
	else
		return 0;
	p = strstr(line, "paddr=");
	if (!p || sscanf(p + 6, "%llx", &v) != 1)
		return 0;
	c->paddr = v;
	p = strstr(line, "size=");
	if (!p || sscanf(p + 5, "%llu", &v) != 1)
		return 0;
	c->size = v;
	p = strstr(line, "dir=");
	if (!p || sscanf(p + 4, "%d", &c->dir) != 1)
		return 0;
	return 1;
}

int tu_kp_collect(struct tu_sync_call *calls, int max, uint64_t lo,
		  uint64_t hi)
{
	static char buf[512 * 1024];
	int r = ut_read_file(TRACEFS "/trace", buf, sizeof(buf));
	int found = 0;
	char *line, *save = NULL;

	if (r < 0)
		UT_FAIL("reading " TRACEFS "/trace: %s", strerror(-r));
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct tu_sync_call c;

		if (line[0] == '#' || !parse_call(line, &c))
			continue;
		if (c.paddr < lo || c.paddr >= hi)
			continue;
		if (found < max)
			calls[found] = c;
		found++;
	}
	return found;
}

void tu_kp_stop(void)
{
	ut_write_file(TRACEFS "/events/udmabuf/enable", "0");
}

uint64_t tu_log_value(const char *log, const char *dev, const char *key,
		      int base)
{
	char pat[160];
	const char *p;

	snprintf(pat, sizeof(pat), "u-dma-buf %s: %s = ", dev, key);
	p = strstr(log, pat);
	if (!p)
		UT_FAIL("kernel log: expected a line \"%s<value>\"; log:\n%s",
			pat, log);
	return strtoull(p + strlen(pat), NULL, base);
}

/* ------------------------------------------------- page-table helper */

#define HELPER_KO	"/lib/modules/udmabuf-test-helper.ko"
#define HELPER_PTE	"/sys/kernel/debug/udmabuf-test/pte"

void tu_helper_load_x(void)
{
	int fd;

	if (access(HELPER_PTE, F_OK) == 0)
		return;
	/* run-target.sh packs it into every guest: missing is a failure */
	fd = open(HELPER_KO, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		UT_FAIL("the page-table helper %s is missing from this guest "
			"(%s); see build-kmod in the report", HELPER_KO,
			strerror(errno));
	if (syscall(SYS_finit_module, fd, "", 0) && errno != EEXIST)
		UT_FAIL("loading %s: %s", HELPER_KO, strerror(errno));
	close(fd);
	if (access(HELPER_PTE, F_OK))
		UT_FAIL("%s missing after loading the helper", HELPER_PTE);
}

int tu_pte_x(const void *addr, char *kind, size_t len, uint64_t *pfn)
{
	char a[32], out[128], *p;
	int fd = open(HELPER_PTE, O_RDWR | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		UT_FAIL("open %s: %s", HELPER_PTE, strerror(errno));
	snprintf(a, sizeof(a), "0x%lx", (unsigned long)addr);
	if (write(fd, a, strlen(a)) < 0)
		UT_FAIL("write %s: %s", HELPER_PTE, strerror(errno));
	n = read(fd, out, sizeof(out) - 1);
	close(fd);
	if (n <= 0)
		UT_FAIL("read %s: %s", HELPER_PTE, n ? strerror(errno) :
			"nothing");
	out[n] = '\0';
	if (kind)
		snprintf(kind, len, "%.*s", (int)strcspn(out, " \n"), out);
	if (!strncmp(out, "none", 4))
		return 0;
	p = strstr(out, " pfn 0x");
	if (!p)
		UT_FAIL("%s: expected \"<kind> 0x<pte> pfn 0x<pfn>\", saw "
			"\"%s\"", HELPER_PTE, out);
	if (pfn)
		*pfn = strtoull(p + 7, NULL, 16);
	return 1;
}

void tu_kpte_kind_x(uint64_t phys, char *kind, size_t len)
{
	const char *path = "/sys/kernel/debug/udmabuf-test/kpte";
	char a[32], out[128];
	int fd = open(path, O_RDWR | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		UT_FAIL("open %s: %s", path, strerror(errno));
	snprintf(a, sizeof(a), "0x%llx", (unsigned long long)phys);
	if (write(fd, a, strlen(a)) < 0)
		UT_FAIL("write %s: %s", path, strerror(errno));
	n = read(fd, out, sizeof(out) - 1);
	close(fd);
	if (n <= 0)
		UT_FAIL("read %s: %s", path, n ? strerror(errno) : "nothing");
	out[n] = '\0';
	snprintf(kind, len, "%.*s", (int)strcspn(out, " \n"), out);
}

uint64_t tu_mem_total_bytes(void)
{
	char buf[4096], *p;
	int r = ut_read_file("/proc/meminfo", buf, sizeof(buf));

	if (r < 0)
		UT_FAIL("reading /proc/meminfo: %s", strerror(-r));
	p = strstr(buf, "MemTotal:");
	if (!p)
		UT_FAIL("/proc/meminfo without MemTotal:\n%s", buf);
	return strtoull(p + 9, NULL, 10) * 1024;
}

/* the largest block the buddy allocator gives: from /proc/buddyinfo */
size_t tu_buddy_max_bytes(void)
{
	char line[512], *p;
	int orders = 0;
	FILE *f = fopen("/proc/buddyinfo", "r");

	if (!f || !fgets(line, sizeof(line), f))
		UT_FAIL("reading /proc/buddyinfo: %s", strerror(errno));
	fclose(f);
	/* "Node 0, zone   DMA   n0 n1 ... n(MAX-1)" */
	p = strstr(line, "zone");
	if (!p)
		UT_FAIL("unexpected /proc/buddyinfo line: %s", line);
	p += 4;
	while (*p == ' ')
		p++;
	p += strcspn(p, " ");	/* the zone name */
	for (;;) {
		char *end;

		strtoul(p, &end, 10);
		if (end == p)
			break;
		orders++;
		p = end;
	}
	if (orders < 2)
		UT_FAIL("no buddy orders in /proc/buddyinfo: %s", line);
	return tu_page_size() << (orders - 1);
}

/* ------------------------------------------------ free memory (E1, H2) */

/*
 * What moves the free counts without any leak, and how it is taken out:
 * - page cache and reclaimable slab: dropped first (drop_caches);
 * - the per-CPU free-page lists: freed pages sit there, not counted in
 *   MemFree or CmaFree, until a batch goes back to the buddy allocator;
 *   after cycles of 4 MiB buffers that is ~3 MiB on arm64 (CMA pages
 *   freed one by one pass through them).  They are free memory: their
 *   "count:" of /proc/zoneinfo is added to MemFree; for CmaFree every
 *   such page is counted as a CMA page after the cycles (a leak is never
 *   explained away by them, a small one can hide in them);
 * - the guest's own log files on tmpfs (/tmp/kmsg of scripts/guest/init)
 *   grow with every kernel log line: Shmem is taken off MemFree, and the
 *   buffers are made with info_enable=0;
 * - caches that keep what they once allocated (slab pages, page-table
 *   pages of this process): one warm-up round before the first figures.
 * Measured that way, a warmed-up guest returns to within 8 KiB of MemFree
 * and CmaFree and 40 KiB of Slab (arm64 and x86_64 6.1; every run writes
 * its figures into the guest's kernel log); the tolerances below leave
 * room for that and catch a lost page per cycle (t_mem.c).
 *
 * A debug kernel (make check-debug: ut.debug on its command line) has its
 * detectors' own objects in Slab too (kmemleak's record of every object,
 * freed through RCU; object tracking; KASAN's redzones make every object
 * larger): it grew by 184 KiB over the ~360 module loads of the arm64
 * fault walk of A1_fault_param_load, with kmemleak reporting nothing.
 * There the Slab tolerance is 512 KiB; kmemleak, scanned after each fault
 * walk (t_fault.c) and at the end of every boot, finds unreferenced
 * objects precisely (a leak that stays referenced it cannot see).
 */
#define TOL_MEMFREE_KIB		512
#define TOL_CMAFREE_KIB		512
#define TOL_SLAB_KIB		128
#define TOL_SLAB_DEBUG_KIB	512

/* a debug kernel's boot (scripts/run-target.sh puts ut.debug there) */
static int debug_kernel(void)
{
	return ut_cmdline("ut.debug") != NULL;
}

static long long meminfo_field(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	if (!p)
		return -1;
	return strtoll(p + strlen(key), NULL, 10);
}

/* KiB on the per-CPU free lists of all zones (/proc/zoneinfo "count:") */
static long long pcp_kib(void)
{
	static char text[128 * 1024];
	long long pages = 0;
	const char *p = text;

	if (ut_read_file("/proc/zoneinfo", text, sizeof(text)) <= 0)
		UT_FAIL("reading /proc/zoneinfo: %s", strerror(errno));
	while ((p = strstr(p, "count:"))) {
		p += strlen("count:");
		pages += strtoll(p, NULL, 10);
	}
	return pages * (long long)(tu_page_size() / 1024);
}

/*
 * The per-CPU lists and MemFree are two reads: a refill of a list between
 * them would count its pages in neither (6.12's lists grow to 200 MiB and
 * refill in MiBs: once 5.6 MiB "lost" in t_large.c).  Read the lists again
 * after MemFree, until they have not changed.
 */
static struct tu_meminfo meminfo_x(void)
{
	static char text[8192];
	struct tu_meminfo mi;

	for (int i = 0; i < 10; i++) {
		mi.pcp = pcp_kib();
		if (ut_read_file("/proc/meminfo", text, sizeof(text)) <= 0)
			UT_FAIL("reading /proc/meminfo: %s", strerror(errno));
		if (pcp_kib() == mi.pcp)
			break;
	}
	mi.memfree = meminfo_field(text, "\nMemFree:");
	mi.cmafree = meminfo_field(text, "\nCmaFree:");
	mi.slab = meminfo_field(text, "\nSlab:");
	mi.shmem = meminfo_field(text, "\nShmem:");
	mi.anon = meminfo_field(text, "\nAnonPages:");
	mi.ptables = meminfo_field(text, "\nPageTables:");
	mi.dm4k = meminfo_field(text, "\nDirectMap4k:");
	mi.dm2m = meminfo_field(text, "\nDirectMap2M:");
	if (mi.memfree < 0 || mi.slab < 0 || mi.shmem < 0 || mi.anon < 0 ||
	    mi.ptables < 0)
		UT_FAIL("/proc/meminfo: expected MemFree, Slab, Shmem, "
			"AnonPages and PageTables, saw:\n%s", text);
	/* the arm kernels have CMA (riscv64's has none): its count must be there */
	if (mi.cmafree < 0 && (tu_is_arch("aarch64") || !strncmp(ut_arch(), "armv", 4)))
		UT_FAIL("/proc/meminfo on %s: expected CmaFree, saw:\n%s",
			ut_arch(), text);
	return mi;
}

void tu_pci_rescan_x(void)
{
	int r = ut_write_file("/sys/bus/pci/rescan", "1");

	if (r)
		UT_FAIL("echo 1 > /sys/bus/pci/rescan: %s", strerror(-r));
}

int tu_pci_is_edu(const char *bdf)
{
	char path[300], v[32], d[32];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor", bdf);
	if (ut_read_file(path, v, sizeof(v)) < 0)
		return 0;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device", bdf);
	if (ut_read_file(path, d, sizeof(d)) < 0)
		return 0;
	return !strncmp(v, "0x1234", 6) && !strncmp(d, "0x11e8", 6);
}

/* every slab cache shrunk: empty slabs freed, KASAN's quarantine flushed */
static void slabs_shrink(void)
{
	DIR *d = opendir("/sys/kernel/slab");
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char path[400];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink",
			 e->d_name);
		ut_write_file(path, "1");	/* an alias twice: fine */
	}
	if (d)
		closedir(d);
}

static struct tu_meminfo settled_x(void)
{
	for (int i = 0; i < 2; i++) {
		int r;

		sync();
		r = ut_write_file("/proc/sys/vm/drop_caches", "3");
		if (r)
			UT_FAIL("echo 3 > /proc/sys/vm/drop_caches: %s",
				strerror(-r));
		usleep(250000);
	}
	return meminfo_x();
}

struct tu_meminfo tu_mem_settled_x(void)
{
	/* a KASAN kernel's quarantine would hold freed objects in Slab */
	if (debug_kernel())
		slabs_shrink();
	return settled_x();
}

struct tu_meminfo tu_mem_settled_shrunk_x(void)
{
	slabs_shrink();
	return settled_x();
}

/*
 * Memory that left MemFree for a place where it can be seen is not lost,
 * it counts as free here: tmpfs pages (Shmem: the guest's copy of the
 * kernel log in /tmp grows with every line a test makes the kernel print),
 * the processes' anonymous memory and page tables (AnonPages, PageTables:
 * a transparent huge page the test's heap got meanwhile was once 2 MiB +
 * its 4 KiB deposited table "lost", x86_64 6.12; the runner's copy of the
 * test's kernel log grows while the test runs).  The driver's pages are in
 * neither: its mappings are not anonymous, its page tables go with the
 * mapping.
 */
long long tu_mem_free_kib(const struct tu_meminfo *m)
{
	return m->memfree + m->pcp + m->shmem + m->anon + m->ptables;
}

void tu_mem_expect_back_x(const char *what, const struct tu_meminfo *a,
				 const struct tu_meminfo *b)
{
	long long mem = tu_mem_free_kib(a) - tu_mem_free_kib(b);
	long long cma = a->cmafree < 0 ? 0 :
			a->cmafree - (b->cmafree + b->pcp);
	long long slab = b->slab - a->slab, split = 0;
	int tol_slab = debug_kernel() ? TOL_SLAB_DEBUG_KIB : TOL_SLAB_KIB;
	char figures[600], line[800];

	/* page tables of linear-map splits (x86 memory types): 4 KiB each */
	if (a->dm4k >= 0 && b->dm4k > a->dm4k)
		split += (b->dm4k - a->dm4k) / 2048 * 4;
	if (a->dm2m >= 0 && b->dm2m > a->dm2m)
		split += (b->dm2m - a->dm2m) / (1024 * 1024) * 4;
	snprintf(figures, sizeof(figures),
		 "MemFree %lld -> %lld kB, per-CPU lists %lld -> %lld kB, "
		 "Shmem %lld -> %lld kB, AnonPages %lld -> %lld kB, "
		 "PageTables %lld -> %lld kB, "
		 "CmaFree %lld -> %lld kB, Slab %lld -> "
		 "%lld kB, DirectMap4k %lld -> %lld kB (split tables %lld kB): "
		 "lost %lld, %lld and %lld kB (tolerances %d + %lld, %d, %d kB)",
		 a->memfree, b->memfree, a->pcp, b->pcp, a->shmem, b->shmem,
		 a->anon, b->anon, a->ptables, b->ptables,
		 a->cmafree, b->cmafree, a->slab, b->slab, a->dm4k, b->dm4k,
		 split, mem, cma, slab, TOL_MEMFREE_KIB, split,
		 TOL_CMAFREE_KIB, tol_slab);
	/* the margins of every run, in the guest's kernel log */
	snprintf(line, sizeof(line), "udmabuf-test: after %s: %s\n", what,
		 figures);
	ut_write_file("/dev/kmsg", line);
	if (mem > TOL_MEMFREE_KIB + split)
		UT_FAIL("after %s: free memory did not come back: %s", what,
			figures);
	if (cma > TOL_CMAFREE_KIB)
		UT_FAIL("after %s: CmaFree did not come back: %s", what,
			figures);
	if (slab > tol_slab)
		UT_FAIL("after %s: Slab did not come back: %s", what, figures);
}

const char *tu_kp_calls_text(const struct tu_sync_call *c, int n, int max)
{
	static char out[2048];
	size_t l = 0;

	out[0] = '\0';
	for (int i = 0; i < n && i < max && l + 100 < sizeof(out); i++)
		l += snprintf(out + l, sizeof(out) - l,
			      "\n  arch_sync_dma_for_%s(paddr=0x%llx, "
			      "size=%llu, dir=%d)",
			      c[i].to_device ? "device" : "cpu",
			      (unsigned long long)c[i].paddr,
			      (unsigned long long)c[i].size, c[i].dir);
	if (!n)
		snprintf(out, sizeof(out), " none");
	return out;
}

void tu_pte_kind_x(const void *addr, char *kind, size_t len)
{
	if (!tu_pte_x(addr, kind, len, NULL))
		UT_FAIL("no pte maps %p", addr);
}
