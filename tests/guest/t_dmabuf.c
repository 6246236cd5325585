// SPDX-License-Identifier: GPL-2.0
/*
 * H1: dma-buf export (ioctl 10).  The importer is the test-only module
 * tests/kmod/udmabuf_test_importer.c: a platform device of its own that
 * attaches, maps (reports the sg_table's DMA addresses) and vmaps.
 * The cache maintenance is observed with kprobes on arm guests.
 *
 * Kernel enum dma_data_direction: 0 BIDIRECTIONAL, 1 TO_DEVICE,
 * 2 FROM_DEVICE.
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/u-dma-buf.h>
#include "ut.h"
#include "tu_helpers.h"

#define DEV	"udmabuf0"
#define SZ	0x100000ULL
#define PARAMS	"udmabuf0=0x100000"
#define RW	(PROT_READ | PROT_WRITE)
#define MAXC	32

#define IMP_KO	"/lib/modules/udmabuf-test-importer.ko"
#define IMP_CTL	"/sys/kernel/debug/udmabuf-test-importer/ctl"

/* export [off, off + size) of the open /dev file fd: the new fd or -errno */
static int export_fd(int fd, uint64_t off, uint64_t size, uint64_t flags,
		     uint64_t *addr)
{
	struct u_dma_buf_ioctl_export_args e;
	int r;

	memset(&e, 0, sizeof(e));
	e.flags = flags;
	e.offset = off;
	e.size = size;
	e.fd = -1;
	r = tu_ioctl(fd, U_DMA_BUF_IOCTL_EXPORT, &e);
	if (r < 0)
		return r;
	if (addr)
		*addr = e.addr;
	return e.fd;
}

static int export_x(int fd, uint64_t off, uint64_t size, uint64_t *addr)
{
	int r = export_fd(fd, off, size, O_RDWR | O_CLOEXEC, addr);

	if (r < 0)
		UT_FAIL("EXPORT offset 0x%llx size 0x%llx: expected a dma-buf "
			"fd, saw %s", (unsigned long long)off,
			(unsigned long long)size, strerror(-r));
	return r;
}

static void dsync_x(int dfd, uint64_t flags)
{
	struct t_dma_buf_sync s = { .flags = flags };

	TU_IOCTL_X(dfd, T_DMA_BUF_IOCTL_SYNC, &s);
}

/* ---- the importer module ---- */
static void imp_load_x(void)
{
	int fd;

	if (access(IMP_CTL, F_OK) == 0)
		return;
	fd = open(IMP_KO, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		UT_FAIL("the importer %s is missing from this guest (%s); see "
			"build-kmod in the report", IMP_KO, strerror(errno));
	if (syscall(SYS_finit_module, fd, "", 0) && errno != EEXIST)
		UT_FAIL("loading %s: %s", IMP_KO, strerror(errno));
	close(fd);
	if (access(IMP_CTL, F_OK))
		UT_FAIL("%s missing after loading the importer", IMP_CTL);
}

static int imp_open_x(void)
{
	int fd;

	imp_load_x();
	fd = open(IMP_CTL, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		UT_FAIL("open %s: %s", IMP_CTL, strerror(errno));
	return fd;
}

/* one command; its answer in out; 0 or -errno */
static int imp_cmd(int ifd, char *out, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int imp_cmd(int ifd, char *out, size_t len, const char *fmt, ...)
{
	char cmd[64];
	va_list ap;
	ssize_t n;
	int r = 0;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (write(ifd, cmd, strlen(cmd)) < 0)
		r = -errno;
	n = pread(ifd, out, len - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	return r;
}

#define IMP_X(ifd, out, ...) do {					\
	int imp_r_ = imp_cmd((ifd), (out), sizeof(out), __VA_ARGS__);	\
	if (imp_r_)							\
		UT_FAIL("importer command: expected success, saw %s "	\
			"(answer \"%s\")", strerror(-imp_r_), (out));	\
} while (0)

static uint32_t imp_read_x(int ifd, uint64_t off)
{
	char out[64];

	IMP_X(ifd, out, "read 0x%llx", (unsigned long long)off);
	return (uint32_t)strtoull(out, NULL, 16);
}

/* map for the importer's device: checks one segment of exactly the slice */
static void imp_map_check_x(int ifd, int dir, uint64_t addr, uint64_t size)
{
	char out[4096];
	unsigned long long a, l;
	unsigned int n;

	IMP_X(ifd, out, "map %d", dir);
	if (sscanf(out, "nents %u\n0x%llx 0x%llx", &n, &a, &l) != 3 ||
	    n != 1 || a != addr || l != size)
		UT_FAIL("importer map: expected \"nents 1\" and one segment "
			"0x%llx 0x%llx (phys_addr + slice offset: no IOMMU), "
			"saw:\n%s", (unsigned long long)addr,
			(unsigned long long)size, out);
}

static uint64_t export_count(const char *dev)
{
	return ut_sysfs_u64(dev, "export_count");
}

/* ------------------------------------------------------------ the fd */

UT_TEST(H1_export_fd_addr_count, PARAMS)
{
	uint64_t phys = ut_sysfs_u64(DEV, "phys_addr"), addr = 0;
	int fd = ut_open_dev(DEV, O_RDWR), d1, d2;

	UT_EQU(export_count(DEV), 0);
	d1 = export_x(fd, 0x2000, 0x4000, &addr);
	UT_EQU(addr, phys + 0x2000);
	UT_ASSERT(fcntl(d1, F_GETFD) & FD_CLOEXEC);
	UT_EQ(fcntl(d1, F_GETFL) & O_ACCMODE, O_RDWR);
	UT_EQ(lseek(d1, 0, SEEK_END), 0x4000);
	UT_EQU(export_count(DEV), 1);
	/* size 0: to the end; no O_CLOEXEC; read-only */
	d2 = export_fd(fd, 0x10000, 0, O_RDONLY, &addr);
	UT_ASSERT(d2 >= 0);
	UT_EQU(addr, phys + 0x10000);
	UT_ASSERT(!(fcntl(d2, F_GETFD) & FD_CLOEXEC));
	UT_EQ(fcntl(d2, F_GETFL) & O_ACCMODE, O_RDONLY);
	UT_EQ(lseek(d2, 0, SEEK_END), SZ - 0x10000);
	UT_ERRNO(mmap(NULL, 0x1000, RW, MAP_SHARED, d2, 0) == MAP_FAILED ?
		 -1 : 0, EACCES);
	UT_EQU(export_count(DEV), 2);
	close(d1);
	UT_EQU(export_count(DEV), 1);
	close(d2);
	UT_EQU(export_count(DEV), 0);
	close(fd);
}

/*
 * A dma-buf grants no more than the file it comes from: a read-only file
 * exports read-only dma-bufs only, a write-only file none (security.md)
 */
UT_TEST(H1_export_limited_by_file_mode, PARAMS)
{
	int ro = ut_open_dev(DEV, O_RDONLY), wo = ut_open_dev(DEV, O_WRONLY);
	int d;
	void *p;

	UT_EQ(export_fd(ro, 0, 0, O_RDWR, NULL), -EACCES);
	UT_EQ(export_fd(ro, 0, 0, O_WRONLY, NULL), -EACCES);
	UT_EQ(export_fd(ro, 0, 0, O_RDWR | O_SYNC | O_CLOEXEC, NULL), -EACCES);
	UT_LOG_HAS("EXPORT: a writable dma-buf from a file opened read-only");
	UT_EQ(export_fd(wo, 0, 0, O_RDONLY, NULL), -EACCES);
	UT_EQ(export_fd(wo, 0, 0, O_RDWR, NULL), -EACCES);
	UT_LOG_HAS("from a file opened write-only");
	UT_EQU(export_count(DEV), 0);
	/* invalid flags stay EINVAL whatever the file's mode */
	UT_EQ(export_fd(ro, 0, 0, O_ACCMODE, NULL), -EINVAL);
	/* read-only from read-only: readable, not writable */
	d = export_fd(ro, 0, 0x1000, O_RDONLY, NULL);
	UT_ASSERT(d >= 0);
	UT_EQ(fcntl(d, F_GETFL) & O_ACCMODE, O_RDONLY);
	p = mmap(NULL, 0x1000, PROT_READ, MAP_SHARED, d, 0);
	UT_ASSERT(p != MAP_FAILED);
	munmap(p, 0x1000);
	UT_ERRNO(mmap(NULL, 0x1000, RW, MAP_SHARED, d, 0) == MAP_FAILED ?
		 -1 : 0, EACCES);
	close(d);
	UT_EQU(export_count(DEV), 0);
	close(wo);
	close(ro);
}

UT_TEST(H1_export_bad_args_einval, PARAMS)
{
	static const struct { uint64_t off, size, flags; } bad[] = {
		{ 0x800, 0x1000, O_RDWR },		/* unaligned offset */
		{ SZ, 0, O_RDWR },			/* offset at the end */
		{ SZ + 0x1000, 0x1000, O_RDWR },	/* beyond */
		{ 0xff000, 0x2000, O_RDWR },		/* past the end */
		{ 0, SZ + 0x1000, O_RDWR },		/* too large */
		{ 0x1000, 0x1800, O_RDWR },		/* unaligned size */
		{ 0, 0x1000, O_RDWR | O_NONBLOCK },	/* bad fd flags */
		{ 0, 0x1000, O_RDWR | O_APPEND },
		{ 0, 0x1000, O_ACCMODE },
		{ 0, 0x1000, O_RDWR | O_DSYNC },	/* half of O_SYNC */
	};
	int fd = ut_open_dev(DEV, O_RDWR);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = export_fd(fd, bad[i].off, bad[i].size, bad[i].flags,
				  NULL);

		if (r != -EINVAL)
			UT_FAIL("EXPORT offset 0x%llx size 0x%llx flags 0x%llx: "
				"expected EINVAL, saw %s",
				(unsigned long long)bad[i].off,
				(unsigned long long)bad[i].size,
				(unsigned long long)bad[i].flags,
				r < 0 ? strerror(-r) : "a dma-buf fd");
	}
	UT_EQU(export_count(DEV), 0);
	UT_LOG_HAS("EXPORT: invalid fd flags");
	UT_LOG_HAS("EXPORT: offset");
	/* O_SYNC is accepted */
	close(export_x(fd, 0, 0, NULL));
	UT_ASSERT(export_fd(fd, 0, 0x1000, O_RDWR | O_SYNC, NULL) >= 0);
	close(fd);
}

/* the lowest free descriptor number: what the next new fd would get */
static int lowest_free_fd(void)
{
	int d = dup(0);

	if (d < 0)
		UT_FAIL("dup: %s", strerror(errno));
	close(d);
	return d;
}

/*
 * A bad args pointer: unmapped (the request cannot be read) or read-only
 * (it is read, the dma-buf is made, the answer cannot be written back).
 * Both are EFAULT and leave nothing: no descriptor taken, no dma-buf
 * alive (export_count), the read-only struct untouched.  Under the debug
 * kernels kmemleak would name a dma-buf or file left behind.
 */
UT_TEST(H1_export_bad_pointer_leaves_nothing, UT_NOLOAD)
{
	size_t pg = tu_page_size();
	struct u_dma_buf_ioctl_export_args *e;
	int fd, low;
	void *m;

	UT_EQ(ut_load(PARAMS), 0);
	fd = ut_open_dev(DEV, O_RDWR);

	m = mmap(NULL, pg, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	UT_ASSERT(m != MAP_FAILED);
	e = m;
	memset(e, 0, sizeof(*e));
	e->flags = O_RDWR | O_CLOEXEC;
	e->size = 0x1000;
	e->fd = -1;
	UT_EQ(mprotect(m, pg, PROT_READ), 0);
	low = lowest_free_fd();
	for (int i = 0; i < 3; i++) {
		UT_EQ(tu_ioctl(fd, U_DMA_BUF_IOCTL_EXPORT, e), -EFAULT);
		UT_EQ(e->fd, -1);
		UT_EQU(e->addr, 0);
		UT_EQ(lowest_free_fd(), low);
		UT_EQU(export_count(DEV), 0);
	}
	UT_EQ(munmap(m, pg), 0);
	UT_EQ(tu_ioctl(fd, U_DMA_BUF_IOCTL_EXPORT, m), -EFAULT);
	UT_EQ(lowest_free_fd(), low);
	UT_EQU(export_count(DEV), 0);
	/* and the file still exports */
	close(export_x(fd, 0, 0x1000, NULL));
	close(fd);
	/* nothing holds the module */
	UT_EQ(ut_unload(), 0);
}

/* an odd-sized buffer: the slice to its end covers its last page */
UT_TEST(H1_export_to_end_of_odd_buffer, "")
{
	size_t pg = tu_page_size();
	uint64_t phys, addr;
	unsigned char *m;
	int fd, d;

	tu_mgr_create_x("odd", "0x3100", NULL);
	phys = ut_sysfs_u64("odd", "phys_addr");
	fd = ut_open_dev("odd", O_RDWR);
	d = export_x(fd, pg, 0, &addr);
	UT_EQU(addr, phys + pg);
	UT_EQ(lseek(d, 0, SEEK_END), ((0x3100 + pg - 1) & ~(pg - 1)) - pg);
	close(d);
	/* a size reaching the end need not be page aligned */
	d = export_x(fd, 0, 0x3100, NULL);
	m = tu_mmap(d, pg, 0, RW, MAP_SHARED);
	UT_ASSERT(m);
	m[0] = 1;
	munmap(m, pg);
	close(d);
	close(fd);
	tu_mgr_delete_x("odd");
}

/* ------------------------------------------------------------ mmap */

UT_TEST(H1_dmabuf_mmap_is_the_slice, PARAMS)
{
	const uint64_t off = 0x8000, len = 0x10000;
	unsigned char *pat = tu_xmalloc(len), *got = tu_xmalloc(len);
	unsigned char *m;
	int fd = ut_open_dev(DEV, O_RDWR), d;

	d = export_x(fd, off, len, NULL);
	m = tu_mmap(d, len, 0, RW, MAP_SHARED);
	if (!m)
		UT_FAIL("mmap of the dma-buf: %s", strerror(errno));
	/* dma-buf -> /dev */
	tu_pattern(pat, len, 11);
	dsync_x(d, T_DMA_BUF_SYNC_START | T_DMA_BUF_SYNC_WRITE);
	memcpy(m, pat, len);
	dsync_x(d, T_DMA_BUF_SYNC_END | T_DMA_BUF_SYNC_WRITE);
	UT_EQ(tu_pread_all(fd, got, len, off), (long long)len);
	UT_EQ(tu_first_diff(pat, got, len), -1);
	/* /dev -> dma-buf */
	tu_pattern(pat, len, 12);
	UT_EQ(tu_pwrite_all(fd, pat, len, off), (long long)len);
	dsync_x(d, T_DMA_BUF_SYNC_START | T_DMA_BUF_SYNC_READ);
	UT_EQ(tu_first_diff(pat, m, len), -1);
	dsync_x(d, T_DMA_BUF_SYNC_END | T_DMA_BUF_SYNC_READ);
	munmap(m, len);
	/* at an offset inside the slice; beyond the slice refused */
	m = tu_mmap(d, 0x1000, 0x3000, RW, MAP_SHARED);
	UT_ASSERT(m);
	UT_EQ(memcmp(m, pat + 0x3000, 0x1000), 0);
	munmap(m, 0x1000);
	UT_ERRNO(mmap(NULL, len + 0x1000, RW, MAP_SHARED, d, 0) ==
		 MAP_FAILED ? -1 : 0, EINVAL);
	UT_ERRNO(mmap(NULL, 0x1000, RW, MAP_SHARED, d, len) == MAP_FAILED ?
		 -1 : 0, EINVAL);
	close(d);
	close(fd);
	free(pat);
	free(got);
}

/* ------------------------------------------------------------ importer */

UT_TEST(H1_importer_addresses_and_vmap, PARAMS)
{
	const uint64_t off = 0x4000, len = 0x8000;
	uint64_t phys = ut_sysfs_u64(DEV, "phys_addr");
	int fd = ut_open_dev(DEV, O_RDWR), d, ifd;
	uint32_t v;
	char out[64];

	d = export_x(fd, off, len, NULL);
	ifd = imp_open_x();
	IMP_X(ifd, out, "import %d", d);
	imp_map_check_x(ifd, 0, phys + off, len);
	IMP_X(ifd, out, "unmap");
	imp_map_check_x(ifd, 2, phys + off, len);
	IMP_X(ifd, out, "unmap");
	/* vmap: /dev -> importer, importer -> /dev */
	v = 0x12345678;
	UT_EQ(pwrite(fd, &v, 4, off + 0x104), 4);
	UT_EQU(imp_read_x(ifd, 0x104), 0x12345678);
	IMP_X(ifd, out, "write 0x%x 0x%x", (unsigned int)(len - 4),
	      0xcafef00du);
	UT_EQ(pread(fd, &v, 4, off + len - 4), 4);
	UT_EQU(v, 0xcafef00du);
	UT_EQU(export_count(DEV), 1);
	close(d);	/* the importer still holds the dma-buf */
	UT_EQU(export_count(DEV), 1);
	IMP_X(ifd, out, "release");
	UT_EQU(export_count(DEV), 0);
	close(ifd);
	close(fd);
}

/* ------------------------------------------------------------ lifetime */

UT_TEST(H1_delete_while_exported_is_safe, "")
{
	const uint64_t len = 0x10000;
	unsigned char *pat = tu_xmalloc(len);
	uint64_t phys;
	unsigned char *m;
	int fd, d, ifd;
	char out[64];

	tu_mgr_create_x("dx", "0x10000", NULL);
	phys = ut_sysfs_u64("dx", "phys_addr");
	fd = ut_open_dev("dx", O_RDWR);
	tu_pattern(pat, len, 21);
	UT_EQ(tu_pwrite_all(fd, pat, len, 0), (long long)len);
	d = export_x(fd, 0, 0, NULL);
	close(fd);
	tu_mgr_delete_x("dx");
	UT_ASSERT(!tu_class_exists("dx"));
	/* the dma-buf lives on: mmap, sync, importer */
	m = tu_mmap(d, len, 0, RW, MAP_SHARED);
	if (!m)
		UT_FAIL("mmap of a dma-buf of a deleted buffer: %s",
			strerror(errno));
	dsync_x(d, T_DMA_BUF_SYNC_START | T_DMA_BUF_SYNC_RW);
	UT_EQ(tu_first_diff(pat, m, len), -1);
	m[0] = 0x5a;
	dsync_x(d, T_DMA_BUF_SYNC_END | T_DMA_BUF_SYNC_RW);
	ifd = imp_open_x();
	IMP_X(ifd, out, "import %d", d);
	imp_map_check_x(ifd, 0, phys, len);
	UT_EQU(imp_read_x(ifd, 0) & 0xff, 0x5a);
	dsync_x(d, T_DMA_BUF_SYNC_START | T_DMA_BUF_SYNC_RW);
	dsync_x(d, T_DMA_BUF_SYNC_END | T_DMA_BUF_SYNC_RW);
	IMP_X(ifd, out, "unmap");
	close(ifd);
	munmap(m, len);
	close(d);
	free(pat);
}

/*
 * rmmod is refused while a dma-buf exists (dma_buf_export() holds a
 * module reference; delete_module answers EAGAIN/EWOULDBLOCK or EBUSY)
 */
UT_TEST(H1_rmmod_refused_while_exported, UT_NOLOAD)
{
	int fd, d, r;

	UT_EQ(ut_load(PARAMS), 0);
	fd = ut_open_dev(DEV, O_RDWR);
	d = export_x(fd, 0, 0, NULL);
	close(fd);
	r = ut_unload();
	if (r != -EAGAIN && r != -EBUSY)
		UT_FAIL("rmmod while a dma-buf exists: expected it refused, "
			"saw %s", r ? strerror(-r) : "success");
	UT_ASSERT(ut_module_loaded());
	close(d);
	UT_EQ(ut_unload(), 0);
}

/* 32 MiB: the memory stays while the dma-buf lives, and comes back after */
UT_TEST(H1_last_close_frees_memory, "")
{
	const long long mib = 32;
	struct tu_meminfo base, held, imported, after;
	int fd, d, ifd;
	char out[64];

	base = tu_mem_settled_x();
	tu_mgr_create_x("mx", "32M", NULL);
	fd = ut_open_dev("mx", O_RDWR);
	d = export_x(fd, 0, 0, NULL);
	ifd = imp_open_x();
	IMP_X(ifd, out, "import %d", d);
	close(fd);
	tu_mgr_delete_x("mx");
	held = tu_mem_settled_x();
	if (tu_mem_free_kib(&base) - tu_mem_free_kib(&held) < (mib - 4) * 1024)
		UT_FAIL("free memory %lld KiB before, %lld KiB after delete "
			"with a live export: expected the %lld MiB still held",
			tu_mem_free_kib(&base), tu_mem_free_kib(&held), mib);
	close(d);
	imported = tu_mem_settled_x();	/* the importer holds it */
	if (tu_mem_free_kib(&base) - tu_mem_free_kib(&imported) < (mib - 4) * 1024)
		UT_FAIL("free memory %lld KiB before, %lld KiB after the "
			"export fd closed while the importer holds the dma-buf: "
			"expected the %lld MiB still held", tu_mem_free_kib(&base),
			tu_mem_free_kib(&imported), mib);
	close(ifd);
	after = tu_mem_settled_x();
	tu_mem_expect_back_x("32 MiB exported, deleted, closed", &base,
			     &after);
}

/* ------------------------------------------------------------ kprobes */

static void need_arm(void)
{
	tu_need_noncoherent_guest();
}

/* exactly count calls in [lo, hi), each of these values; clears */
static void expect_calls(uint64_t lo, uint64_t hi, const char *what,
			 int count, int to_device, uint64_t paddr,
			 uint64_t size, int dir)
{
	struct tu_sync_call c[MAXC];
	int n = tu_kp_collect(c, MAXC, lo, hi), ok = n == count;

	for (int i = 0; ok && i < n; i++)
		ok = c[i].to_device == to_device && c[i].paddr == paddr &&
		     c[i].size == size && c[i].dir == dir;
	if (!ok)
		UT_FAIL("%s: expected %d x arch_sync_dma_for_%s(paddr=0x%llx, "
			"size=%llu, dir=%d), saw:%s", what, count,
			to_device ? "device" : "cpu",
			(unsigned long long)paddr, (unsigned long long)size,
			dir, tu_kp_calls_text(c, n, MAXC));
	tu_kp_clear();
}

/* two calls of one kind on [paddr, paddr + size), one dir_a, one dir_b */
static void expect_two_calls(uint64_t lo, uint64_t hi, const char *what,
			     int to_device, uint64_t paddr, uint64_t size,
			     int dir_a, int dir_b)
{
	struct tu_sync_call c[MAXC];
	int n = tu_kp_collect(c, MAXC, lo, hi), ok = n == 2;

	for (int i = 0; ok && i < n; i++)
		ok = c[i].to_device == to_device && c[i].paddr == paddr &&
		     c[i].size == size;
	ok = ok && ((c[0].dir == dir_a && c[1].dir == dir_b) ||
		    (c[0].dir == dir_b && c[1].dir == dir_a));
	if (!ok)
		UT_FAIL("%s: expected arch_sync_dma_for_%s(paddr=0x%llx, "
			"size=%llu) twice, dir=%d and dir=%d, saw:%s", what,
			to_device ? "device" : "cpu",
			(unsigned long long)paddr, (unsigned long long)size,
			dir_a, dir_b, tu_kp_calls_text(c, n, MAXC));
	tu_kp_clear();
}

UT_TEST(H1_kprobe_sync_and_importer_noncoherent, PARAMS)
{
	const uint64_t off = 0x2000, len = 0x4000;
	uint64_t phys = ut_sysfs_u64(DEV, "phys_addr"), p = phys + off;
	int fd, d, ifd;
	char out[64];

	need_arm();
	UT_EQU(ut_sysfs_u64(DEV, "dma_coherent"), 0);
	fd = ut_open_dev(DEV, O_RDWR);
	d = export_x(fd, off, len, NULL);
	ifd = imp_open_x();
	IMP_X(ifd, out, "import %d", d);
	tu_kp_setup_x();
	tu_kp_clear();
	dsync_x(d, T_DMA_BUF_SYNC_START | T_DMA_BUF_SYNC_READ);
	expect_calls(phys, phys + SZ, "SYNC start read", 1, 0, p, len, 2);
	dsync_x(d, T_DMA_BUF_SYNC_END | T_DMA_BUF_SYNC_WRITE);
	expect_calls(phys, phys + SZ, "SYNC end write", 1, 1, p, len, 1);
	/* the importer's map: for its device, with its direction */
	imp_map_check_x(ifd, 1, p, len);
	expect_calls(phys, phys + SZ, "importer map to-device", 1, 1, p,
		     len, 1);
	/*
	 * mapped: a CPU sync covers the buffer (the CPU's direction) and the
	 * importer's mapping in the direction it was mapped with, to-device
	 * (the DMA API allows no other; DMA-API debugging checks it)
	 */
	dsync_x(d, T_DMA_BUF_SYNC_START | T_DMA_BUF_SYNC_RW);
	expect_two_calls(phys, phys + SZ, "SYNC start rw, importer mapped", 0,
			 p, len, 0, 1);
	dsync_x(d, T_DMA_BUF_SYNC_END | T_DMA_BUF_SYNC_RW);
	expect_two_calls(phys, phys + SZ, "SYNC end rw, importer mapped", 1,
			 p, len, 0, 1);
	IMP_X(ifd, out, "unmap");
	expect_calls(phys, phys + SZ, "importer unmap to-device", 1, 0, p,
		     len, 1);
	imp_map_check_x(ifd, 2, p, len);
	expect_calls(phys, phys + SZ, "importer map from-device", 1, 1, p,
		     len, 2);
	IMP_X(ifd, out, "unmap");
	expect_calls(phys, phys + SZ, "importer unmap from-device", 1, 0, p,
		     len, 2);
	tu_kp_stop();
	close(ifd);
	close(d);
	close(fd);
}

/*
 * A dma-coherent buffer: the CPU syncs of the dma-buf call no cache
 * maintenance (the importer's own device is not coherent: its mapping
 * is its business, tested above)
 */
UT_TEST(H1_kprobe_coherent_buffer_no_sync, "")
{
	uint64_t phys;
	int fd, d;

	need_arm();
	tu_mgr_create_x("coh", "0x10000", "dma-coherent=1");
	UT_EQU(ut_sysfs_u64("coh", "dma_coherent"), 1);
	phys = ut_sysfs_u64("coh", "phys_addr");
	fd = ut_open_dev("coh", O_RDWR);
	d = export_x(fd, 0x1000, 0x4000, NULL);
	tu_kp_setup_x();
	tu_kp_clear();
	dsync_x(d, T_DMA_BUF_SYNC_START | T_DMA_BUF_SYNC_RW);
	dsync_x(d, T_DMA_BUF_SYNC_END | T_DMA_BUF_SYNC_RW);
	dsync_x(d, T_DMA_BUF_SYNC_START | T_DMA_BUF_SYNC_READ);
	dsync_x(d, T_DMA_BUF_SYNC_END | T_DMA_BUF_SYNC_WRITE);
	expect_calls(phys, phys + 0x10000, "dma-buf syncs of a coherent buffer",
		     0, 0, 0, 0, 0);
	/* a coherent importer: its map/unmap do no cache maintenance either */
	{
		char out[64];
		int ifd = imp_open_x();

		IMP_X(ifd, out, "coherent 1");
		IMP_X(ifd, out, "import %d", d);
		imp_map_check_x(ifd, 1, phys + 0x1000, 0x4000);
		dsync_x(d, T_DMA_BUF_SYNC_START | T_DMA_BUF_SYNC_RW);
		dsync_x(d, T_DMA_BUF_SYNC_END | T_DMA_BUF_SYNC_RW);
		IMP_X(ifd, out, "unmap");
		expect_calls(phys, phys + 0x10000,
			     "coherent importer map, syncs, unmap", 0, 0, 0, 0,
			     0);
		IMP_X(ifd, out, "release");
		IMP_X(ifd, out, "coherent 0");
		close(ifd);
	}
	tu_kp_stop();
	close(d);
	close(fd);
	tu_mgr_delete_x("coh");
}

/* ------------------------------------------------------------ vgem */

/* the DRM uapi, written out (the host may lack drm headers) */
struct t_drm_prime_handle {
	uint32_t handle;
	/* cppcheck-suppress unusedStructMember ; the ioctl's layout */
	uint32_t flags;
	int32_t fd;
};

struct t_drm_gem_close {
	uint32_t handle;
	/* cppcheck-suppress unusedStructMember ; the ioctl's layout */
	uint32_t pad;
};

#define T_DRM_IOCTL_GEM_CLOSE		_IOW('d', 0x09, struct t_drm_gem_close)
#define T_DRM_IOCTL_PRIME_FD_TO_HANDLE	_IOWR('d', 0x2e, \
					      struct t_drm_prime_handle)

/*
 * vgem imports the dma-buf (PRIME fd-to-handle attaches and maps it for
 * its own device); the GEM object keeps the export alive after the fd is
 * closed and the buffer deleted, and its close frees it
 */
UT_TEST_BOOT(H1_vgem_prime_import, "", "vgem")
{
	struct t_drm_prime_handle ph;
	struct t_drm_gem_close gc;
	int fd, d, card;

	if (system("modprobe vgem") != 0)
		UT_FAIL("modprobe vgem failed (kmods of the vgem boot)");
	card = open("/dev/dri/card0", O_RDWR | O_CLOEXEC);
	if (card < 0)
		UT_FAIL("open /dev/dri/card0: %s", strerror(errno));
	tu_mgr_create_x("vg", "0x10000", NULL);
	fd = ut_open_dev("vg", O_RDWR);
	d = export_x(fd, 0x1000, 0x4000, NULL);
	memset(&ph, 0, sizeof(ph));
	ph.fd = d;
	TU_IOCTL_X(card, T_DRM_IOCTL_PRIME_FD_TO_HANDLE, &ph);
	UT_ASSERT(ph.handle != 0);
	close(d);
	UT_EQU(export_count("vg"), 1);	/* vgem holds it */
	close(fd);
	tu_mgr_delete_x("vg");
	memset(&gc, 0, sizeof(gc));
	gc.handle = ph.handle;
	TU_IOCTL_X(card, T_DRM_IOCTL_GEM_CLOSE, &gc);
	close(card);
}

/* ------------------------------------------------------------ pool */

/*
 * A no-map pool buffer (device tree, "dt" boot of the arm targets) has no
 * struct pages: its export is refused with EOPNOTSUPP and a log line
 */
UT_TEST_BOOT(H1_pool_buffer_export_refused, "", "dt")
{
	int fd = ut_open_dev("udmabuf-nomap", O_RDWR);
	int r = export_fd(fd, 0, 0, O_RDWR, NULL);

	if (r != -EOPNOTSUPP)
		UT_FAIL("EXPORT of a no-map pool buffer: expected EOPNOTSUPP, "
			"saw %s", r < 0 ? strerror(-r) : "a dma-buf fd");
	UT_LOG_HAS("no-map memory-region buffer has no struct pages");
	UT_EQU(export_count("udmabuf-nomap"), 0);
	close(fd);
}
