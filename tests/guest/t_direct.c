// SPDX-License-Identifier: GPL-2.0
/*
 * H2: page-backed mappings, proven end to end against a real block device:
 * the virtio-blk disk of the boot (tests/boots.conf "disk", /dev/vda, used
 * raw).  Data goes from a mapped window to the disk and back into another
 * mapped window, and is compared, through
 *   - O_DIRECT pwrite/pread (cached and O_SYNC/uncached mappings),
 *   - io_uring IORING_OP_WRITE/READ, and WRITE_FIXED/READ_FIXED where the
 *     kernel lets a file-backed mapping be registered (6.5 and later),
 *   - vmsplice into a pipe, splice into a tmpfs file and the disk, and
 *     splice from a file through a pipe into the mapping,
 *   - a fork, both processes writing the shared mapping, O_DIRECT from the
 *     child and back in the parent,
 * and a bounded stress of all of it in parallel processes, after which
 * free memory is back and the module unloads (the runner).
 * A pfn mapping (CMA without quirk-mmap=page) is refused at once (EFAULT).
 * Every one of these fails on a driver that maps buffers by pfn.
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include <linux/u-dma-buf.h>

#include "ut.h"
#include "tu_helpers.h"
#include "tu_uring.h"

#define DISK		"/dev/vda"
#define DT_BOOT		"dt"
#define RW		(PROT_READ | PROT_WRITE)
#define CHUNK		(64 * 1024)	/* a pipe's default capacity */
#define STRESS_PROCS	4
#define STRESS_SECS	8		/* per worker, guest time */

/* ------------------------------------------------------------ the disk */

/*
 * Whether the kernel command line holds the word "ut.nodisk": the boot
 * (tests/boots.conf) says its machine has no virtio transport for a disk.
 */
static int boot_has_no_disk(void)
{
	return ut_cmdline("ut.nodisk") != NULL;
}

/*
 * /dev/vda, opened with O_RDWR | flags; fails the test if there is none,
 * unless the boot says it has no disk (ut.nodisk): then the test skips.
 */
static int disk_open_x(int flags)
{
	struct stat st;
	int fd;

	if (boot_has_no_disk() && stat(DISK, &st))
		UT_SKIP("this boot's machine has no virtio transport, so no disk %s (ut.nodisk, tests/boots.conf)",
			DISK);
	if (stat(DISK, &st)) {
		/* built in on some kernels, modules (boots.conf kmods) on others */
		ut_sh("for m in virtio_pci virtio_mmio virtio_blk; do modprobe $m; done >/dev/null 2>&1");
		for (int i = 0; i < 100 && stat(DISK, &st); i++)
			usleep(100000);
	}
	if (stat(DISK, &st) || !S_ISBLK(st.st_mode))
		UT_FAIL("%s: expected the boot's virtio-blk disk (tests/boots.conf \"disk\"), saw none",
			DISK);
	fd = open(DISK, O_RDWR | flags);
	if (fd < 0)
		UT_FAIL("open %s: %s", DISK, strerror(errno));
	return fd;
}

/* the disk's bytes [off, off + len), read through the page cache, are seed's */
static void disk_holds_x(const char *what, uint64_t off, size_t len,
			 uint64_t seed)
{
	unsigned char *want = tu_xmalloc(len), *got = tu_xmalloc(len);
	int fd = disk_open_x(0);
	long long d;

	if (tu_pread_all(fd, got, len, off) != (long long)len)
		UT_FAIL("%s: buffered read of %s: %s", what, DISK,
			strerror(errno));
	close(fd);
	tu_pattern(want, len, seed);
	d = tu_first_diff(want, got, len);
	if (d >= 0)
		UT_FAIL("%s: the disk does not hold what was written: first difference at byte %lld of %zu",
			what, d, len);
	free(want);
	free(got);
}

static void window_holds_x(const char *what, const unsigned char *w,
			   size_t len, uint64_t seed)
{
	unsigned char *want = tu_xmalloc(len);
	long long d;

	tu_pattern(want, len, seed);
	d = tu_first_diff(want, w, len);
	if (d >= 0)
		UT_FAIL("%s: the mapped window does not hold the data: first difference at byte %lld of %zu",
			what, d, len);
	free(want);
}

/* ------------------------------------------------------------- buffers */

struct win {
	int fd;
	unsigned char *map;
	size_t len;
};

static struct win map_dev_x(const char *dev, int oflags, size_t len)
{
	struct win w;

	w.fd = ut_open_dev(dev, O_RDWR | oflags);
	w.len = len;
	w.map = tu_mmap(w.fd, len, 0, RW, MAP_SHARED);
	if (!w.map)
		UT_FAIL("mmap %s (%zu bytes): %s", dev, len, strerror(errno));
	return w;
}

static void unmap_dev(struct win *w)
{
	munmap(w->map, w->len);
	close(w->fd);
}

/* a manager buffer of twice the buddy allocator's largest block */
static size_t large_size(void)
{
	return 2 * tu_buddy_max_bytes();
}

static void create_x(const char *name, size_t len, const char *opts)
{
	char size[32];

	snprintf(size, sizeof(size), "%zu", len);
	tu_mgr_create_x(name, size, opts);
}

/* ------------------------------------------------------------ O_DIRECT */

/*
 * src -> disk at off (O_DIRECT), checked on the disk, disk -> dst
 * (O_DIRECT), checked in dst.
 */
static void odirect_roundtrip_x(const char *what, unsigned char *src,
				unsigned char *dst, size_t len, uint64_t off,
				uint64_t seed)
{
	int fd = disk_open_x(O_DIRECT);
	long long n;

	/* the disk maps the buffer's first page: see below */
	ut_allow_disk_dma_overlap();
	tu_pattern(src, len, seed);
	memset(dst, 0, len);
	n = tu_pwrite_all(fd, src, len, off);
	if (n != (long long)len)
		UT_FAIL("%s: O_DIRECT write of %zu bytes of the mapping: %s",
			what, len, n < 0 ? strerror((int)-n) : "short");
	disk_holds_x(what, off, len, seed);
	n = tu_pread_all(fd, dst, len, off);
	if (n != (long long)len)
		UT_FAIL("%s: O_DIRECT read of %zu bytes into the mapping: %s",
			what, len, n < 0 ? strerror((int)-n) : "short");
	window_holds_x(what, dst, len, seed);
	close(fd);
}

/* both halves of a mapping of dev: first half out, back into the second */
static void odirect_dev_x(const char *dev, int oflags, size_t len,
			  uint64_t off, uint64_t seed)
{
	struct win w = map_dev_x(dev, oflags, len);
	size_t half = len / 2;

	odirect_roundtrip_x(dev, w.map, w.map + half, half, off, seed);
	/* and the other way round */
	odirect_roundtrip_x(dev, w.map + half, w.map, half, off + half,
			    seed + 1);
	unmap_dev(&w);
}

/*
 * The disk's DMA goes through the DMA API: VIRTIO_F_ACCESS_PLATFORM (bit
 * 33, QEMU's iommu_platform=on) negotiated, so virtio maps every request
 * with dma_map_*() like a real device instead of using physical addresses.
 */
static void disk_uses_dma_api_x(void)
{
	char f[128];
	int n;

	close(disk_open_x(0));
	n = ut_read_file("/sys/block/vda/device/features", f, sizeof(f));
	if (n < 0)
		UT_FAIL("reading /sys/block/vda/device/features: %s",
			strerror(-n));
	if (n < 34 || f[33] != '1')
		UT_FAIL("virtio-blk without VIRTIO_F_ACCESS_PLATFORM (bit 33): features %s",
			f);
}

UT_TEST(H2_odirect_param_buffer, "udmabuf0=0x100000")
{
	disk_uses_dma_api_x();
	odirect_dev_x("udmabuf0", 0, TU_MIB, 0, 201);
}

/* beyond the buddy allocator: pages of an ordinary zone's range */
UT_TEST(H2_odirect_large_buffer, "")
{
	size_t len = large_size();

	create_x("odlarge", len, NULL);
	odirect_dev_x("odlarge", 0, len, 4 * TU_MIB, 202);
	tu_mgr_delete_x("odlarge");
}

/*
 * an uncached mapping (O_SYNC with sync_mode 1, the default) carries
 * O_DIRECT just as well
 */
UT_TEST(H2_odirect_osync_mapping, "udmabuf0=0x100000")
{
	struct win w = map_dev_x("udmabuf0", O_SYNC, TU_MIB);
	const char *want = tu_is_arch("aarch64") ? "device-nGnRnE" :
			   tu_is_arch("x86_64") ? "uc-" :
			   tu_is_arch("i686") ? "wb" :
			   tu_is_arch("riscv64") ? "io" :
			   "uncached";
	char kind[32];

	tu_helper_load_x();
	w.map[0] = 1;
	if (!tu_pte_x(w.map, kind, sizeof(kind), NULL))
		UT_FAIL("no pte maps the O_SYNC mapping after a write");
	UT_STREQ(kind, want);
	odirect_roundtrip_x("O_SYNC mapping", w.map, w.map + TU_MIB / 2,
			    TU_MIB / 2, 2 * TU_MIB, 203);
	odirect_roundtrip_x("O_SYNC mapping", w.map + TU_MIB / 2, w.map,
			    TU_MIB / 2, 3 * TU_MIB, 204);
	unmap_dev(&w);
}

/*
 * DMA-API debugging's one report about this driver, shown false.  The
 * buffer's own streaming mapping (for its phys_addr) lives as long as the
 * buffer.  O_DIRECT into the buffer's first page makes the disk map that
 * page too, and DMA-API debugging, which tracks the first cache line of
 * every live mapping, says "cacheline tracking EEXIST, overlapping
 * mappings aren't supported" for the disk (a debug kernel counts it).
 * What it guards against is two owners doing cache maintenance on one
 * line behind each other's back.  Here the buffer's mapping does none
 * between the syncs its user asks for: the disk's map/unmap maintenance
 * leaves its data in memory and the CPU's view, and the buffer's own syncs
 * in either order afterwards neither lose it nor bring older data back.
 * This test shows that through every view: the cached mapping that still
 * held other, unsynced data; the buffer's syncs for the device and then
 * for the CPU; an uncached (O_SYNC) mapping, i.e. memory itself, which is
 * what the buffer's own device reads; and read().
 */
UT_TEST(H2_odirect_overlap_report_is_false, "udmabuf0=0x10000")
{
	const size_t len = 0x4000;
	const uint64_t at = 5 * TU_MIB;
	struct win w = map_dev_x("udmabuf0", 0, 0x10000), u;
	unsigned char *src = tu_mmap(-1, len, 0, RW,
				     MAP_PRIVATE | MAP_ANONYMOUS);
	unsigned char *back = tu_xmalloc(len);
	int dfd = disk_open_x(O_DIRECT);
	long before, after;
	long long n;

	if (!src)
		UT_FAIL("mmap of %zu bytes: %s", len, strerror(errno));
	disk_uses_dma_api_x();
	ut_allow_disk_dma_overlap();
	before = ut_dma_api_errors();
	/* the disk holds A, written from ordinary memory */
	tu_pattern(src, len, 311);
	UT_EQ(tu_pwrite_all(dfd, src, len, at), (long long)len);
	/* the buffer holds B, written through the cache and not synced */
	tu_pattern(w.map, len, 312);
	/* the disk writes A into the buffer's first pages */
	n = tu_pread_all(dfd, w.map, len, at);
	if (n != (long long)len)
		UT_FAIL("O_DIRECT read into the buffer's first page: %s",
			n < 0 ? strerror((int)-n) : "short");
	after = ut_dma_api_errors();
	if (before >= 0 && after <= before)
		UT_FAIL("DMA-API debugging made no overlapping-mapping report "
			"for the disk's mapping of the buffer's first page: "
			"this test no longer shows what it is for");
	window_holds_x("after the disk's DMA", w.map, len, 311);
	/* the buffer's own maintenance, device first, then CPU */
	UT_OK(ut_sysfs_write("udmabuf0", "sync_for_device", "1"));
	UT_OK(ut_sysfs_write("udmabuf0", "sync_for_cpu", "1"));
	window_holds_x("after the buffer's syncs", w.map, len, 311);
	/* memory itself: an uncached mapping */
	u = map_dev_x("udmabuf0", O_SYNC, 0x10000);
	window_holds_x("through an uncached mapping", u.map, len, 311);
	unmap_dev(&u);
	UT_EQ(tu_pread_all(w.fd, back, len, 0), (long long)len);
	window_holds_x("through read()", back, len, 311);
	close(dfd);
	unmap_dev(&w);
	munmap(src, len);
	free(back);
}

/* a pfn mapping: O_DIRECT is refused at once, both ways */
static void odirect_refused_x(const char *dev)
{
	struct win w = map_dev_x(dev, 0, TU_MIB);
	int fd = disk_open_x(O_DIRECT);

	tu_pattern(w.map + TU_MIB / 2, TU_MIB / 2, 205);
	UT_EQ(tu_pwrite_all(fd, w.map, TU_MIB / 2, 48 * TU_MIB), -EFAULT);
	UT_EQ(tu_pread_all(fd, w.map + TU_MIB / 2, TU_MIB / 2, 48 * TU_MIB),
	      -EFAULT);
	/* nothing was read into it */
	window_holds_x("after the refused O_DIRECT read", w.map + TU_MIB / 2,
		       TU_MIB / 2, 205);
	close(fd);
	unmap_dev(&w);
}

/* CMA pages are mapped by pfn (unless quirk-mmap=page) */
UT_TEST_BOOT(H2_dt_odirect_cma_refused, "", DT_BOOT)
{
	odirect_refused_x("udmabuf-cma");
}

/* the coherent pool of a no-map region has no struct pages at all */
UT_TEST_BOOT(H2_dt_odirect_nomap_refused, "", DT_BOOT)
{
	odirect_refused_x("udmabuf-nomap");
}

/* quirk-mmap=page: the same CMA kind of memory, page-backed: it works */
UT_TEST_BOOT(H2_dt_odirect_cma_quirk_page, "", DT_BOOT)
{
	odirect_dev_x("udmabuf-cma-page", 0, 4 * TU_MIB, 48 * TU_MIB, 206);
}

/* ------------------------------------------------------------ io_uring */

static void ring_setup_x(struct tu_ring *r)
{
	int e = tu_ring_setup(r);

	if (e)
		UT_FAIL("io_uring_setup: %s (io_uring is built into every kernel of the matrix)",
			strerror(-e));
}

static void ring_io_x(const char *what, struct tu_ring *r, int op, int fd,
		      unsigned char *addr, size_t len, uint64_t off)
{
	int res = tu_ring_rw(r, op, fd, addr, (unsigned int)len, off, 0);

	if (res != (int)len)
		UT_FAIL("%s: %zu bytes at disk offset %llu: expected %zu, saw %d (%s)",
			what, len, (unsigned long long)off, len, res,
			res < 0 ? strerror(-res) : "short");
}

/* IORING_OP_WRITE from one half, IORING_OP_READ into the other */
static void uring_dev_x(const char *dev, size_t len, uint64_t off,
			uint64_t seed)
{
	struct win w = map_dev_x(dev, 0, len);
	int fd = disk_open_x(O_DIRECT);
	size_t half = len / 2;
	struct tu_ring r;

	ring_setup_x(&r);
	tu_pattern(w.map, half, seed);
	memset(w.map + half, 0, half);
	ring_io_x("IORING_OP_WRITE (O_DIRECT) from the mapping", &r,
		  IORING_OP_WRITE, fd, w.map, half, off);
	disk_holds_x("IORING_OP_WRITE", off, half, seed);
	ring_io_x("IORING_OP_READ (O_DIRECT) into the mapping", &r,
		  IORING_OP_READ, fd, w.map + half, half, off);
	window_holds_x("IORING_OP_READ", w.map + half, half, seed);
	tu_ring_close(&r);
	close(fd);
	unmap_dev(&w);
}

UT_TEST(H2_uring_rw_param_buffer, "udmabuf0=0x100000")
{
	uring_dev_x("udmabuf0", TU_MIB, 24 * TU_MIB, 207);
}

UT_TEST(H2_uring_rw_large_buffer, "")
{
	size_t len = large_size();

	create_x("urlarge", len, NULL);
	uring_dev_x("urlarge", len, 24 * TU_MIB, 208);
	tu_mgr_delete_x("urlarge");
}

/* the running kernel's version as major * 1000 + minor */
static int kernel_version(void)
{
	struct utsname u;
	int maj = 0, min = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &maj, &min) != 2)
		UT_FAIL("uname: cannot read the kernel version");
	return maj * 1000 + min;
}

/*
 * Fixed buffers: IORING_REGISTER_BUFFERS pins the mapping long-term.
 * Before 6.5 io_uring itself refuses every file-backed mapping
 * (EOPNOTSUPP, after pinning and unpinning it); from 6.5 GUP decides, and
 * a page-backed mapping of a device without writeback is accepted.
 * Afterwards the buffer is deleted and the runner unloads the module:
 * nothing may be left pinned.
 */
static void uring_fixed_dev_x(const char *dev, size_t len, uint64_t off,
			      uint64_t seed)
{
	struct win w = map_dev_x(dev, 0, len);
	struct iovec iov = { .iov_base = w.map, .iov_len = len };
	int fd = disk_open_x(O_DIRECT);
	int accepts = kernel_version() >= 6005;
	size_t half = len / 2;
	struct tu_ring r;
	int e;

	ring_setup_x(&r);
	tu_pattern(w.map, half, seed);
	memset(w.map + half, 0, half);
	e = tu_ring_register_buffers(&r, &iov, 1);
	if (!accepts) {
		if (e != -EOPNOTSUPP)
			UT_FAIL("IORING_REGISTER_BUFFERS of a mapping of %s: kernels before 6.5 refuse file-backed mappings with EOPNOTSUPP, saw %s",
				dev, e ? strerror(-e) : "success");
	} else {
		if (e)
			UT_FAIL("IORING_REGISTER_BUFFERS of a page-backed mapping of %s: expected success from 6.5 on, saw %s",
				dev, strerror(-e));
		ring_io_x("IORING_OP_WRITE_FIXED from the registered mapping",
			  &r, IORING_OP_WRITE_FIXED, fd, w.map, half, off);
		disk_holds_x("IORING_OP_WRITE_FIXED", off, half, seed);
		ring_io_x("IORING_OP_READ_FIXED into the registered mapping",
			  &r, IORING_OP_READ_FIXED, fd, w.map + half, half,
			  off);
		window_holds_x("IORING_OP_READ_FIXED", w.map + half, half,
			       seed);
		/* synchronous: the pins are gone when it returns */
		e = tu_ring_unregister_buffers(&r);
		if (e)
			UT_FAIL("IORING_UNREGISTER_BUFFERS: %s", strerror(-e));
	}
	/* the same mapping still works for plain reads/writes */
	ring_io_x("IORING_OP_WRITE after the registration", &r,
		  IORING_OP_WRITE, fd, w.map, half, off + half);
	disk_holds_x("IORING_OP_WRITE after the registration", off + half,
		     half, seed);
	tu_ring_close(&r);
	close(fd);
	unmap_dev(&w);
}

UT_TEST(H2_uring_fixed_buffers_manager, "")
{
	create_x("urfixed", TU_MIB, NULL);
	uring_fixed_dev_x("urfixed", TU_MIB, 28 * TU_MIB, 209);
	tu_mgr_delete_x("urfixed");
	if (tu_dev_exists("urfixed"))
		UT_FAIL("/dev/urfixed still exists after its delete");
}

UT_TEST(H2_uring_fixed_buffers_large, "")
{
	size_t len = large_size();

	create_x("urfixlarge", len, NULL);
	uring_fixed_dev_x("urfixlarge", len, 28 * TU_MIB, 210);
	tu_mgr_delete_x("urfixlarge");
}

/* a pfn mapping (CMA): IORING_OP_WRITE/READ are refused with EFAULT */
UT_TEST_BOOT(H2_dt_uring_cma_refused, "", DT_BOOT)
{
	struct win w = map_dev_x("udmabuf-cma", 0, TU_MIB);
	int fd = disk_open_x(O_DIRECT);
	struct tu_ring r;

	ring_setup_x(&r);
	tu_pattern(w.map, TU_MIB, 211);
	UT_EQ(tu_ring_rw(&r, IORING_OP_WRITE, fd, w.map, TU_MIB / 2,
			 48 * TU_MIB, 0), -EFAULT);
	UT_EQ(tu_ring_rw(&r, IORING_OP_READ, fd, w.map + TU_MIB / 2,
			 TU_MIB / 2, 48 * TU_MIB, 0), -EFAULT);
	tu_ring_close(&r);
	close(fd);
	unmap_dev(&w);
}

UT_TEST_BOOT(H2_dt_uring_cma_quirk_page, "", DT_BOOT)
{
	uring_dev_x("udmabuf-cma-page", 4 * TU_MIB, 48 * TU_MIB, 212);
}

/* ----------------------------------------------------- vmsplice, splice */

/* vmsplice src into a pipe, splice the pipe into out at off, chunk by chunk */
static void vmsplice_to_x(const char *what, const unsigned char *src,
			  size_t len, int out, uint64_t off)
{
	int p[2];

	if (pipe(p))
		UT_FAIL("pipe: %s", strerror(errno));
	for (size_t done = 0; done < len;) {
		size_t n = len - done < CHUNK ? len - done : CHUNK;
		struct iovec iov = { .iov_base = (void *)(src + done),
				     .iov_len = n };
		ssize_t in = vmsplice(p[1], &iov, 1, 0);

		if (in <= 0)
			UT_FAIL("%s: vmsplice of the mapping at %zu: %s", what,
				done, in < 0 ? strerror(errno) : "nothing");
		while (in > 0) {
			loff_t o = (loff_t)(off + done);
			ssize_t s = splice(p[0], NULL, out, &o, (size_t)in, 0);

			if (s <= 0)
				UT_FAIL("%s: splice of the pipe at %zu: %s",
					what, done,
					s < 0 ? strerror(errno) : "nothing");
			in -= s;
			done += (size_t)s;
		}
	}
	close(p[0]);
	close(p[1]);
}

/* splice in (from off) into a pipe and read() the pipe into dst */
static void splice_from_x(const char *what, int in, uint64_t off,
			  unsigned char *dst, size_t len)
{
	int p[2];

	if (pipe(p))
		UT_FAIL("pipe: %s", strerror(errno));
	for (size_t done = 0; done < len;) {
		size_t n = len - done < CHUNK ? len - done : CHUNK;
		loff_t o = (loff_t)(off + done);
		ssize_t s = splice(in, &o, p[1], NULL, n, 0);

		if (s <= 0)
			UT_FAIL("%s: splice into a pipe at %zu: %s", what, done,
				s < 0 ? strerror(errno) : "nothing");
		for (ssize_t got = 0; got < s;) {
			ssize_t r = read(p[0], dst + done + got, s - got);

			if (r <= 0)
				UT_FAIL("%s: read() of the pipe into the mapping: %s",
					what, r < 0 ? strerror(errno) : "EOF");
			got += r;
		}
		done += (size_t)s;
	}
	close(p[0]);
	close(p[1]);
}

static void splice_dev_x(const char *dev, size_t len, uint64_t off,
			 uint64_t seed)
{
	struct win w = map_dev_x(dev, 0, len);
	size_t third = len / 4;	/* three page-aligned windows */
	unsigned char *a = w.map, *b = w.map + third, *c = w.map + 2 * third;
	unsigned char *got = tu_xmalloc(third), *want = tu_xmalloc(third);
	int f, d;

	tu_pattern(a, third, seed);
	tu_pattern(want, third, seed);
	/* mapping -> pipe -> tmpfs file */
	f = open("/tmp/h2-splice", O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (f < 0)
		UT_FAIL("open /tmp/h2-splice: %s", strerror(errno));
	vmsplice_to_x("into a tmpfs file", a, third, f, 0);
	if (tu_pread_all(f, got, third, 0) != (long long)third)
		UT_FAIL("reading /tmp/h2-splice back");
	if (tu_first_diff(want, got, third) >= 0)
		UT_FAIL("vmsplice + splice into a file: differs at byte %lld",
			tu_first_diff(want, got, third));
	/* mapping -> pipe -> the disk (O_DIRECT), back by O_DIRECT into b */
	d = disk_open_x(O_DIRECT);
	vmsplice_to_x("into the disk", a, third, d, off);
	disk_holds_x("vmsplice + splice into the disk", off, third, seed);
	memset(b, 0, third);
	if (tu_pread_all(d, b, third, off) != (long long)third)
		UT_FAIL("O_DIRECT read back into the mapping: %s",
			strerror(errno));
	window_holds_x("vmsplice + splice into the disk, O_DIRECT back", b,
		       third, seed);
	close(d);
	/* file -> pipe -> read() into the mapping */
	memset(c, 0, third);
	splice_from_x("from a tmpfs file", f, 0, c, third);
	window_holds_x("splice from a file, read() into the mapping", c,
		       third, seed);
	close(f);
	unlink("/tmp/h2-splice");
	free(got);
	free(want);
	unmap_dev(&w);
}

UT_TEST(H2_vmsplice_splice_param_buffer, "udmabuf0=0x100000")
{
	splice_dev_x("udmabuf0", TU_MIB, 32 * TU_MIB, 213);
}

UT_TEST(H2_vmsplice_splice_large_buffer, "")
{
	size_t len = large_size();

	create_x("splarge", len, NULL);
	splice_dev_x("splarge", len, 32 * TU_MIB, 214);
	tu_mgr_delete_x("splarge");
}

/* ------------------------------------------------------------------ fork */

/*
 * A process with the mapping forks; parent and child each write one half
 * of the window and see the other's half (MAP_SHARED); the child writes the
 * whole window to the disk with O_DIRECT, the parent reads it back with
 * O_DIRECT into a second window and compares.
 */
static void fork_dev_x(const char *dev, size_t len, uint64_t off)
{
	struct win w = map_dev_x(dev, 0, len);
	size_t win = len / 2, half = win / 2;
	unsigned char *want = tu_xmalloc(win);
	int to_child[2], to_parent[2], st = 0, fd;
	char tok = 0;
	pid_t pid;

	UT_OK(pipe(to_child));
	UT_OK(pipe(to_parent));
	memset(w.map, 0, len);
	tu_pattern(want, half, 215);
	tu_pattern(want + half, half, 216);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		UT_FAIL("fork: %s", strerror(errno));
	if (pid == 0) {
		long long n;

		tu_pattern(w.map + half, half, 216);
		if (write(to_parent[1], "c", 1) != 1 ||
		    read(to_child[0], &tok, 1) != 1)
			UT_FAIL("child: the pipes to the parent broke");
		if (tu_first_diff(want, w.map, half) >= 0)
			UT_FAIL("child: the parent's half is not visible through the shared mapping (byte %lld)",
				tu_first_diff(want, w.map, half));
		fd = disk_open_x(O_DIRECT);
		n = tu_pwrite_all(fd, w.map, win, off);
		if (n != (long long)win)
			UT_FAIL("child: O_DIRECT write of the window: %s",
				n < 0 ? strerror((int)-n) : "short");
		_exit(0);
	}
	tu_pattern(w.map, half, 215);
	if (read(to_parent[0], &tok, 1) != 1)
		UT_FAIL("parent: the child did not report");
	if (tu_first_diff(want + half, w.map + half, half) >= 0)
		UT_FAIL("parent: the child's half is not visible through the shared mapping (byte %lld)",
			tu_first_diff(want + half, w.map + half, half));
	UT_EQ(write(to_child[1], "p", 1), 1);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		UT_FAIL("the child failed (status 0x%x)", st);
	fd = disk_open_x(O_DIRECT);
	if (tu_pread_all(fd, w.map + win, win, off) != (long long)win)
		UT_FAIL("parent: O_DIRECT read back: %s", strerror(errno));
	if (tu_first_diff(want, w.map + win, win) >= 0)
		UT_FAIL("parent: what the child wrote to the disk differs at byte %lld",
			tu_first_diff(want, w.map + win, win));
	close(fd);
	free(want);
	unmap_dev(&w);
}

UT_TEST(H2_fork_shared_odirect, "udmabuf0=0x200000")
{
	fork_dev_x("udmabuf0", 2 * TU_MIB, 36 * TU_MIB);
}

/* ---------------------------------------------------------------- stress */

static const char *const stress_names[] = { "st0", "st1", "st2", "st3" };
#define STRESS_BUFS	((int)(sizeof(stress_names) / sizeof(stress_names[0])))

static size_t stress_len(int b)
{
	static const size_t small[] = { 256 * 1024, 1024 * 1024, 2048 * 1024 };

	return b < 3 ? small[b] : large_size();
}

/*
 * Export [off, off + len) of w's buffer as a dma-buf, map it, and check
 * between DMA_BUF_IOCTL_SYNC start and end that it holds the pattern.
 */
static void export_check_x(int i, const struct win *w, size_t off, size_t len,
			   uint64_t seed)
{
	size_t pg = tu_page_size();
	size_t first = off & ~(pg - 1), end = (off + len + pg - 1) & ~(pg - 1);
	struct u_dma_buf_ioctl_export_args args = {
		.flags = O_RDWR | O_CLOEXEC,
		.offset = first,
		.size = end - first,
	};
	struct t_dma_buf_sync s = { T_DMA_BUF_SYNC_START | T_DMA_BUF_SYNC_READ };
	unsigned char *m;

	if (ioctl(w->fd, U_DMA_BUF_IOCTL_EXPORT, &args))
		UT_FAIL("worker %d: export: %s", i, strerror(errno));
	m = mmap(NULL, end - first, PROT_READ, MAP_SHARED, args.fd, 0);
	if (m == MAP_FAILED)
		UT_FAIL("worker %d: mmap of the dma-buf: %s", i,
			strerror(errno));
	TU_IOCTL_X(args.fd, T_DMA_BUF_IOCTL_SYNC, &s);
	window_holds_x("stress: dma-buf export", m + (off - first), len, seed);
	s.flags = T_DMA_BUF_SYNC_END | T_DMA_BUF_SYNC_READ;
	TU_IOCTL_X(args.fd, T_DMA_BUF_IOCTL_SYNC, &s);
	munmap(m, end - first);
	close(args.fd);
}

/*
 * One iteration of worker i on buffer b: its own slice of the buffer,
 * halves a and b; a forked child writes a to the disk with O_DIRECT, the
 * worker reads it back into b; vmsplice of a into a pipe; io_uring write of
 * b and read back into a; a dma-buf export of the slice, mapped and synced.
 */
static void stress_once_x(int i, int b, int k, struct tu_ring *r, int dfd,
			  int p[2])
{
	size_t len = stress_len(b), slice = len / STRESS_PROCS;
	size_t half = slice / 2;
	uint64_t off = 40 * TU_MIB + (uint64_t)i * 4 * TU_MIB;
	uint64_t seed = 1000u * (unsigned int)i + (unsigned int)k;
	struct win w = map_dev_x(stress_names[b], 0, len);
	unsigned char *a = w.map + i * slice, *bb = a + half;
	unsigned char *tmp = tu_xmalloc(half);
	int st = 0;
	pid_t pid;

	tu_pattern(a, half, seed);
	memset(bb, 0, half);
	pid = fork();
	if (pid < 0)
		UT_FAIL("worker %d: fork: %s", i, strerror(errno));
	if (pid == 0) {
		if (tu_pwrite_all(dfd, a, half, off) != (long long)half)
			UT_FAIL("worker %d child: O_DIRECT write of %s: %s", i,
				stress_names[b], strerror(errno));
		_exit(0);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		UT_FAIL("worker %d: its child failed (status 0x%x)", i, st);
	if (tu_pread_all(dfd, bb, half, off) != (long long)half)
		UT_FAIL("worker %d: O_DIRECT read into %s: %s", i,
			stress_names[b], strerror(errno));
	window_holds_x("stress: fork + O_DIRECT", bb, half, seed);
	for (size_t done = 0; done < half;) {
		size_t n = half - done < CHUNK ? half - done : CHUNK;
		struct iovec iov = { .iov_base = a + done, .iov_len = n };
		ssize_t in = vmsplice(p[1], &iov, 1, 0);

		if (in <= 0)
			UT_FAIL("worker %d: vmsplice of %s: %s", i,
				stress_names[b], strerror(errno));
		for (ssize_t got = 0; got < in;) {
			ssize_t m = read(p[0], tmp + done + got, in - got);

			if (m <= 0)
				UT_FAIL("worker %d: reading the pipe", i);
			got += m;
		}
		done += (size_t)in;
	}
	window_holds_x("stress: vmsplice", tmp, half, seed);
	tu_pattern(bb, half, seed + 7);
	ring_io_x("stress: IORING_OP_WRITE", r, IORING_OP_WRITE, dfd, bb, half,
		  off);
	ring_io_x("stress: IORING_OP_READ", r, IORING_OP_READ, dfd, a, half,
		  off);
	window_holds_x("stress: io_uring", a, half, seed + 7);
	export_check_x(i, &w, (size_t)(a - w.map), half, seed + 7);
	free(tmp);
	unmap_dev(&w);
}

/* worker i: iterations until secs have passed (at least one) */
static void stress_worker(int i, int secs)
{
	struct timespec t0, t;
	struct tu_ring r;
	int dfd = disk_open_x(O_DIRECT), p[2], k = 0;

	ring_setup_x(&r);
	if (pipe(p))
		UT_FAIL("pipe: %s", strerror(errno));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		stress_once_x(i, (i + k) % STRESS_BUFS, k, &r, dfd, p);
		k++;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec < secs);
	if (secs) {
		char line[96];

		snprintf(line, sizeof(line),
			 "udmabuf-test: stress worker %d: %d iterations\n", i,
			 k);
		ut_write_file("/dev/kmsg", line);
	}
	tu_ring_close(&r);
	close(dfd);
	_exit(0);
}

/* all buffers created, STRESS_PROCS workers for secs, all deleted */
static void stress_round_x(int secs)
{
	pid_t pids[STRESS_PROCS];
	int bad = 0;

	/* O_DIRECT into first pages (H2_odirect_overlap_report_is_false) */
	ut_allow_disk_dma_overlap();
	for (int b = 0; b < STRESS_BUFS; b++)
		create_x(stress_names[b], stress_len(b), NULL);
	fflush(stdout);
	for (int i = 0; i < STRESS_PROCS; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			UT_FAIL("fork: %s", strerror(errno));
		if (pids[i] == 0)
			stress_worker(i, secs);
	}
	for (int i = 0; i < STRESS_PROCS; i++) {
		int st = 0;

		if (waitpid(pids[i], &st, 0) != pids[i] || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != 0)
			bad = i + 1;
	}
	if (bad)
		UT_FAIL("stress worker %d failed (see above)", bad - 1);
	for (int b = 0; b < STRESS_BUFS; b++)
		tu_mgr_delete_x(stress_names[b]);
}

UT_TEST(H2_stress_parallel_map_fork_odirect_splice, "info_enable=0")
{
	struct tu_meminfo before, after;
	char list[256];

	tu_catch_faults();
	close(disk_open_x(0));	/* the disk modules loaded before the figures */
	stress_round_x(0);	/* warm-up: caches reach their steady size */
	before = tu_mem_settled_x();
	stress_round_x(STRESS_SECS);
	after = tu_mem_settled_x();
	tu_class_list(list, sizeof(list));
	UT_STREQ(list, "");
	tu_mem_expect_back_x("parallel map/fork/O_DIRECT/vmsplice/io_uring cycles",
			     &before, &after);
}
