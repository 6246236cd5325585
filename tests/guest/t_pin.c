// SPDX-License-Identifier: GPL-2.0
/*
 * H7: pins of a mapping.  A long-term pin (io_uring fixed buffers; VFIO
 * type1 and RDMA take the same FOLL_LONGTERM path) either works, with the
 * data checked through it, or fails at once with a documented errno: never
 * a task stuck in the kernel.  Short-term pins (vmsplice, process_vm_readv:
 * what O_DIRECT does too) keep working on every page-backed mapping.
 *
 * The long-term pin runs in a child; the test fails if it has not returned
 * after PIN_TIMEOUT_S (that child then spins in the kernel for good, as
 * the old driver made it do on CMA buffers).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "ut.h"
#include "tu_helpers.h"
#include "tu_uring.h"

#define PIN_TIMEOUT_S	20
#define DT_NODE_BOOT	"dt"

/*
 * In a child: register [map, map + len) as a fixed buffer.  If that works,
 * write it to a file through io_uring and compare the file with the
 * pattern.  Exit status: 0 registered and data correct, 100 + errno of a
 * refused registration, 1 anything else (message on stdout).
 */
static void pin_child(unsigned char *map, size_t len, uint64_t seed)
{
	struct iovec iov = { .iov_base = map, .iov_len = len };
	unsigned char *want = tu_xmalloc(len), *got = tu_xmalloc(len);
	struct tu_ring r;
	int fd, res, e;

	e = tu_ring_setup(&r);
	if (e == -ENOSYS || e == -EPERM)
		_exit(99);
	if (e)
		UT_FAIL("io_uring_setup: %s", strerror(-e));
	e = tu_ring_register_buffers(&r, &iov, 1);
	if (e)
		_exit(100 - e);
	fd = open("/tmp/pin-check", O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		UT_FAIL("open /tmp/pin-check: %s", strerror(errno));
	res = tu_ring_rw(&r, IORING_OP_WRITE_FIXED, fd, map, len, 0, 0);
	if (res != (int)len)
		UT_FAIL("WRITE_FIXED from the pinned mapping: expected %zu, saw %d (%s)",
			len, res, res < 0 ? strerror(-res) : "short");
	if (tu_pread_all(fd, got, len, 0) != (long long)len)
		UT_FAIL("reading /tmp/pin-check back");
	tu_pattern(want, len, seed);
	if (tu_first_diff(want, got, len) >= 0)
		UT_FAIL("data written through the pinned buffer differs at %lld",
			tu_first_diff(want, got, len));
	_exit(0);
}

/*
 * Long-term pin of a mapping of dev: must return within the timeout.
 * expect_ok: 1 must work (or EOPNOTSUPP: io_uring refuses file-backed
 * mappings on some kernels after pinning them), 0 must be refused at once
 * with EFAULT (a pfn mapping get_user_pages refuses).
 */
static void check_longterm_pin(const char *dev, size_t len, int expect_ok)
{
	int fd = ut_open_dev(dev, O_RDWR);
	unsigned char *map = tu_mmap(fd, len, 0, PROT_READ | PROT_WRITE,
				     MAP_SHARED);
	int st = 0, code, waited;
	pid_t pid;

	UT_ASSERT(map != NULL);
	tu_pattern(map, len, 77);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		UT_FAIL("fork: %s", strerror(errno));
	if (pid == 0)
		pin_child(map, len, 77);
	for (waited = 0; waited < PIN_TIMEOUT_S * 10; waited++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			break;
		usleep(100000);
	}
	if (waited == PIN_TIMEOUT_S * 10)
		UT_FAIL("%s: IORING_REGISTER_BUFFERS on a mapping did not return within %d s: the task hangs in the kernel",
			dev, PIN_TIMEOUT_S);
	if (!WIFEXITED(st))
		UT_FAIL("%s: the pinning child died (status 0x%x)", dev, st);
	code = WEXITSTATUS(st);
	if (code == 99)
		UT_SKIP("this kernel has no io_uring");
	if (code == 1)
		UT_FAIL("%s: the pinned buffer did not carry the data (see above)",
			dev);
	if (expect_ok) {
		if (code != 0 && code != 100 + EOPNOTSUPP)
			UT_FAIL("%s: long-term pin: expected success or EOPNOTSUPP, saw %s",
				dev, code >= 100 ? strerror(code - 100) : "?");
	} else if (code != 100 + EFAULT) {
		UT_FAIL("%s: long-term pin of a pfn mapping: expected EFAULT at once, saw %s",
			dev, code == 0 ? "success" :
			code >= 100 ? strerror(code - 100) : "?");
	}
	munmap(map, len);
	close(fd);
}

/* ----------------------------------------------------- short-term pins */

/* vmsplice the mapping into a pipe and read it back: GUP of every page */
static int vmsplice_check(unsigned char *map, size_t len, uint64_t seed)
{
	unsigned char *want = tu_xmalloc(len), *got = tu_xmalloc(len);
	struct iovec iov = { .iov_base = map, .iov_len = len };
	int p[2], e = 0;
	size_t done = 0;

	if (pipe(p))
		UT_FAIL("pipe: %s", strerror(errno));
	fcntl(p[1], F_SETPIPE_SZ, (int)len);
	if (vmsplice(p[1], &iov, 1, 0) != (ssize_t)len)
		e = errno ? errno : EIO;
	while (!e && done < len) {
		ssize_t n = read(p[0], got + done, len - done);

		if (n <= 0)
			UT_FAIL("reading the pipe: %s", strerror(errno));
		done += n;
	}
	close(p[0]);
	close(p[1]);
	if (!e) {
		tu_pattern(want, len, seed);
		if (tu_first_diff(want, got, len) >= 0)
			UT_FAIL("vmsplice'd data differs at %lld",
				tu_first_diff(want, got, len));
	}
	free(want);
	free(got);
	return e;
}

/* another process reads the mapping with process_vm_readv */
static void vm_readv_check(unsigned char *map, size_t len, uint64_t seed)
{
	unsigned char *want = tu_xmalloc(len), *got = tu_xmalloc(len);
	pid_t parent = getpid(), pid;
	int st = 0;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		UT_FAIL("fork: %s", strerror(errno));
	if (pid == 0) {
		struct iovec local = { .iov_base = got, .iov_len = len };
		struct iovec remote = { .iov_base = map, .iov_len = len };

		if (process_vm_readv(parent, &local, 1, &remote, 1, 0) !=
		    (ssize_t)len)
			UT_FAIL("process_vm_readv of the mapping: %s",
				strerror(errno));
		tu_pattern(want, len, seed);
		if (tu_first_diff(want, got, len) >= 0)
			UT_FAIL("process_vm_readv data differs at %lld",
				tu_first_diff(want, got, len));
		_exit(0);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		UT_FAIL("the process_vm_readv child failed (status 0x%x)", st);
	free(want);
	free(got);
}

static void check_short_pins(const char *dev, size_t len)
{
	int fd = ut_open_dev(dev, O_RDWR);
	unsigned char *map = tu_mmap(fd, len, 0, PROT_READ | PROT_WRITE,
				     MAP_SHARED);
	int e;

	UT_ASSERT(map != NULL);
	tu_pattern(map, len, 31);
	e = vmsplice_check(map, len, 31);
	if (e)
		UT_FAIL("%s: vmsplice of a page-backed mapping: %s", dev,
			strerror(e));
	vm_readv_check(map, len, 31);
	munmap(map, len);
	close(fd);
}

/* a pfn mapping: every get_user_pages is refused at once with EFAULT */
static void check_short_pins_refused(const char *dev, size_t len)
{
	int fd = ut_open_dev(dev, O_RDWR);
	unsigned char *map = tu_mmap(fd, len, 0, PROT_READ | PROT_WRITE,
				     MAP_SHARED);

	UT_ASSERT(map != NULL);
	tu_pattern(map, len, 31);
	UT_EQ(vmsplice_check(map, len, 31), EFAULT);
	munmap(map, len);
	close(fd);
}

/*
 * A buffer one page larger than the buddy allocator's largest block: it
 * comes from a range of an ordinary zone (alloc_contig_range), or from CMA
 * if no such range could be had; the driver's log says which.
 */
static size_t create_large_buffer_x(const char *name, const char *opts)
{
	size_t len = tu_buddy_max_bytes() + tu_page_size();
	int r = ut_mgr("create %s %zu%s%s", name, len, opts ? " " : "",
		       opts ? opts : "");

	if (r)
		UT_FAIL("create %s %zu: %s", name, len, strerror(-r));
	return len;
}

/* ------------------------------------------------------------------ tests */

/* buddy pages (at most the largest buddy order): long-term pinnable */
UT_TEST(H7_longterm_pin_buddy_buffer, "udmabuf0=0x10000")
{
	check_longterm_pin("udmabuf0", 0x10000, 1);
}

UT_TEST(H7_longterm_pin_buddy_4m, "udmabuf0=4M")
{
	check_longterm_pin("udmabuf0", 4 * TU_MIB, 1);
}

UT_TEST(H7_short_pins_buddy_buffer, "udmabuf0=0x10000")
{
	check_short_pins("udmabuf0", 0x10000);
}

/* beyond the buddy allocator: a range of an ordinary zone, pinnable */
UT_TEST(H7_longterm_pin_large_buffer, "")
{
	size_t len = create_large_buffer_x("pinlarge", NULL);

	check_longterm_pin("pinlarge", len, 1);
	check_short_pins("pinlarge", len);
}

/* device-tree regions: reusable (CMA) and no-map refuse at once */
/* CMA pages: mapped by pfn, so a long-term pin is refused, never hangs */
UT_TEST_BOOT(H7_dt_longterm_pin_cma_region_refused, "", DT_NODE_BOOT)
{
	check_longterm_pin("udmabuf-cma", 8 * TU_MIB, 0);
	check_short_pins_refused("udmabuf-cma", 8 * TU_MIB);
}

/* quirk-mmap-page: a page-backed CMA mapping, short-term pins work */
UT_TEST_BOOT(H7_dt_cma_region_quirk_page_short_pins, "", DT_NODE_BOOT)
{
	check_short_pins("udmabuf-cma-page", 4 * TU_MIB);
}

UT_TEST_BOOT(H7_dt_longterm_pin_nomap_refused, "", DT_NODE_BOOT)
{
	check_longterm_pin("udmabuf-nomap", TU_MIB, 0);
}

UT_TEST_BOOT(H7_dt_longterm_pin_plain_node, "", DT_NODE_BOOT)
{
	check_longterm_pin("udmabuf-dt0", TU_MIB, 1);
	check_short_pins("udmabuf-dt0", TU_MIB);
}
