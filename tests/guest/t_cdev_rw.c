// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/<name> read/write/lseek/fsync and msync (C2), new buffers read as
 * zeros (C5).
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "ut.h"
#include "tu_helpers.h"

#define S0	0x10000ULL	/* udmabuf0 */
#define S1	10000ULL	/* udmabuf1: not a page multiple */
#define PARAMS	"udmabuf0=0x10000 udmabuf1=10000"

UT_TEST(C2_write_read_roundtrip, PARAMS)
{
	unsigned char *in = tu_xmalloc(S0), *out = tu_xmalloc(S0);
	int fd = ut_open_dev("udmabuf0", O_RDWR);
	long long d;

	tu_pattern(in, S0, 1);
	UT_EQ(tu_pwrite_all(fd, in, S0, 0), (long long)S0);
	memset(out, 0, S0);
	UT_EQ(tu_pread_all(fd, out, S0, 0), (long long)S0);
	d = tu_first_diff(out, in, S0);
	if (d >= 0)
		UT_FAIL("read back after write: first difference at offset "
			"%lld", d);

	/* sequential read()/write() move the file position */
	UT_EQ(lseek(fd, 0, SEEK_SET), 0);
	UT_EQ(write(fd, "hello", 5), 5);
	UT_EQ(lseek(fd, 0, SEEK_CUR), 5);
	UT_EQ(write(fd, "world", 5), 5);
	UT_EQ(lseek(fd, 0, SEEK_CUR), 10);
	UT_EQ(lseek(fd, 3, SEEK_SET), 3);
	memset(out, 0, 16);
	UT_EQ(read(fd, out, 4), 4);
	UT_EQ(lseek(fd, 0, SEEK_CUR), 7);
	if (memcmp(out, "lowo", 4))
		UT_FAIL("read at 3: expected \"lowo\", saw \"%.4s\"",
			(char *)out);
	/* the rest is what pwrite_all put there */
	UT_EQ(tu_pread_all(fd, out, 100, 10), 100);
	if (memcmp(out, in + 10, 100))
		UT_FAIL("bytes 10..109 changed by writes to 0..9");
	close(fd);
	free(in);
	free(out);
}

UT_TEST(C2_two_files_share_data, PARAMS)
{
	int w = ut_open_dev("udmabuf0", O_WRONLY);
	int r = ut_open_dev("udmabuf0", O_RDONLY);
	unsigned char a[4096], b[4096];

	tu_pattern(a, sizeof(a), 2);
	UT_EQ(pwrite(w, a, sizeof(a), 0x3000), (long long)sizeof(a));
	UT_EQ(pread(r, b, sizeof(b), 0x3000), (long long)sizeof(b));
	UT_ASSERT(memcmp(a, b, sizeof(a)) == 0);
	/* the other buffer is untouched */
	close(r);
	r = ut_open_dev("udmabuf1", O_RDONLY);
	UT_EQ(pread(r, b, sizeof(b), 0), (long long)sizeof(b));
	UT_EQ(tu_first_not(b, sizeof(b), 0), -1);
	close(r);
	close(w);
}

UT_TEST(C2_read_at_and_past_end, PARAMS)
{
	unsigned char buf[256], pat[256];
	int fd = ut_open_dev("udmabuf0", O_RDWR);

	tu_pattern(pat, sizeof(pat), 3);
	UT_EQ(pwrite(fd, pat, 32, S0 - 32), 32);

	UT_EQ(pread(fd, buf, 16, S0), 0);
	UT_EQ(pread(fd, buf, 16, S0 + 1), 0);
	UT_EQ(pread(fd, buf, 16, S0 + 4096), 0);
	/* a position truncated to 32 bits would be 0 */
	UT_EQ(pread(fd, buf, 16, 1ULL << 32), 0);
	UT_EQ(pread(fd, buf, 16, (1ULL << 32) + 16), 0);
	UT_EQ(pread(fd, buf, 16, 1ULL << 62), 0);

	/* crossing the end: short */
	memset(buf, 0, sizeof(buf));
	UT_EQ(pread(fd, buf, 64, S0 - 16), 16);
	UT_ASSERT(memcmp(buf, pat + 16, 16) == 0);

	/* sequential: short, then EOF */
	UT_EQ(lseek(fd, S0 - 8, SEEK_SET), (long long)(S0 - 8));
	UT_EQ(read(fd, buf, sizeof(buf)), 8);
	UT_ASSERT(memcmp(buf, pat + 24, 8) == 0);
	UT_EQ(lseek(fd, 0, SEEK_CUR), (long long)S0);
	UT_EQ(read(fd, buf, sizeof(buf)), 0);
	UT_EQ(read(fd, buf, sizeof(buf)), 0);
	close(fd);

	/* the size that is not a page multiple is the end */
	fd = ut_open_dev("udmabuf1", O_RDWR);
	UT_EQ(pread(fd, buf, 100, S1 - 10), 10);
	UT_EQ(pread(fd, buf, 100, S1), 0);
	UT_EQ(pread(fd, buf, 100, S1 + 1), 0);
	/* the rest of the last page is not part of the file */
	UT_EQ(pread(fd, buf, 100, 3 * 4096 - 100), 0);
	close(fd);
}

UT_TEST(C2_write_at_and_past_end, PARAMS)
{
	unsigned char buf[256], pat[256];
	int fd = ut_open_dev("udmabuf0", O_RDWR);

	tu_pattern(pat, sizeof(pat), 4);
	UT_ERRNO(pwrite(fd, pat, 1, S0), ENOSPC);
	UT_ERRNO(pwrite(fd, pat, 16, S0 + 1), ENOSPC);
	UT_ERRNO(pwrite(fd, pat, 16, S0 + 4096), ENOSPC);
	UT_ERRNO(pwrite(fd, pat, 16, 1ULL << 32), ENOSPC);
	UT_ERRNO(pwrite(fd, pat, 16, 1ULL << 62), ENOSPC);
	/* nothing of these reached the buffer (a 32-bit position would) */
	UT_EQ(pread(fd, buf, 16, 0), 16);
	UT_EQ(tu_first_not(buf, 16, 0), -1);

	/* crossing the end: short, exactly up to the end */
	UT_EQ(pwrite(fd, pat, 64, S0 - 16), 16);
	UT_EQ(pread(fd, buf, 32, S0 - 32), 32);
	UT_EQ(tu_first_not(buf, 16, 0), -1);
	UT_ASSERT(memcmp(buf + 16, pat, 16) == 0);

	/* sequential: short write, then ENOSPC */
	UT_EQ(lseek(fd, S0 - 10, SEEK_SET), (long long)(S0 - 10));
	UT_EQ(write(fd, pat, 20), 10);
	UT_EQ(lseek(fd, 0, SEEK_CUR), (long long)S0);
	UT_ERRNO(write(fd, pat, 20), ENOSPC);
	UT_EQ(lseek(fd, 0, SEEK_CUR), (long long)S0);
	close(fd);

	fd = ut_open_dev("udmabuf1", O_RDWR);
	UT_EQ(pwrite(fd, pat, 100, S1 - 10), 10);
	UT_ERRNO(pwrite(fd, pat, 1, S1), ENOSPC);
	UT_ERRNO(pwrite(fd, pat, 1, 3 * 4096 - 1), ENOSPC);
	close(fd);
}

UT_TEST(C2_lseek, PARAMS)
{
	int fd = ut_open_dev("udmabuf0", O_RDWR);

	UT_EQ(lseek(fd, 0, SEEK_SET), 0);
	UT_EQ(lseek(fd, 100, SEEK_SET), 100);
	UT_EQ(lseek(fd, S0, SEEK_SET), (long long)S0);
	UT_EQ(lseek(fd, 100, SEEK_SET), 100);
	UT_ERRNO(lseek(fd, S0 + 1, SEEK_SET), EINVAL);
	UT_EQ(lseek(fd, 0, SEEK_CUR), 100);
	UT_ERRNO(lseek(fd, -1, SEEK_SET), EINVAL);
	UT_ERRNO(lseek(fd, 1LL << 32, SEEK_SET), EINVAL);
	UT_EQ(lseek(fd, 0, SEEK_CUR), 100);

	UT_EQ(lseek(fd, 50, SEEK_CUR), 150);
	UT_EQ(lseek(fd, -150, SEEK_CUR), 0);
	UT_EQ(lseek(fd, 150, SEEK_CUR), 150);
	UT_ERRNO(lseek(fd, -151, SEEK_CUR), EINVAL);
	UT_ERRNO(lseek(fd, (long long)S0, SEEK_CUR), EINVAL);
	UT_EQ(lseek(fd, 0, SEEK_CUR), 150);

	UT_EQ(lseek(fd, 0, SEEK_END), (long long)S0);
	UT_EQ(lseek(fd, -16, SEEK_END), (long long)(S0 - 16));
	UT_EQ(lseek(fd, -(long long)S0, SEEK_END), 0);
	UT_ERRNO(lseek(fd, 1, SEEK_END), EINVAL);
	UT_ERRNO(lseek(fd, -(long long)S0 - 1, SEEK_END), EINVAL);
	UT_EQ(lseek(fd, 0, SEEK_CUR), 0);
	close(fd);

	fd = ut_open_dev("udmabuf1", O_RDWR);
	UT_EQ(lseek(fd, 0, SEEK_END), (long long)S1);
	UT_ERRNO(lseek(fd, 1, SEEK_END), EINVAL);
	UT_ERRNO(lseek(fd, S1 + 1, SEEK_SET), EINVAL);
	close(fd);
}

UT_TEST(C2_bad_user_pointer_efault, PARAMS)
{
	size_t ps = tu_page_size();
	int fd = ut_open_dev("udmabuf0", O_RDWR);
	unsigned char pat[200], chk[256];
	unsigned char *two, *edge;
	long long n;

	tu_pattern(pat, sizeof(pat), 5);
	UT_EQ(pwrite(fd, pat, sizeof(pat), 0), (long long)sizeof(pat));

	UT_ERRNO(pread(fd, tu_unmapped_addr(ps), 16, 0), EFAULT);
	UT_ERRNO(pwrite(fd, tu_unmapped_addr(ps), 16, 0x1000), EFAULT);
	UT_ERRNO(pread(fd, tu_nullptr(), 16, 0), EFAULT);
	UT_ERRNO(pwrite(fd, tu_nullptr(), 16, 0x1000), EFAULT);
	/* a read-only user buffer cannot receive data */
	UT_ERRNO(pread(fd, (void *)"constant string in rodata", 8, 0),
		 EFAULT);
	UT_EQ(pread(fd, chk, 16, 0x1000), 16);
	UT_EQ(tu_first_not(chk, 16, 0), -1);

	/* a user buffer whose second half is unmapped */
	two = mmap(NULL, 2 * ps, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	UT_ASSERT(two != MAP_FAILED);
	UT_OK(munmap(two + ps, ps));
	edge = two + ps - 100;

	errno = 0;
	n = pread(fd, edge, 200, 0);
	if (!(n == -1 && errno == EFAULT) && !(n > 0 && n <= 100))
		UT_FAIL("read into a half-mapped buffer: expected EFAULT or a "
			"short count of 1..100, saw %lld (errno %d)", n, errno);
	if (n > 0 && memcmp(edge, pat, n))
		UT_FAIL("read into a half-mapped buffer: the %lld bytes "
			"reported are not the buffer's", n);

	memset(edge, 0xEE, 100);
	errno = 0;
	n = pwrite(fd, edge, 200, 0x2000);
	if (!(n == -1 && errno == EFAULT) && !(n > 0 && n <= 100))
		UT_FAIL("write from a half-mapped buffer: expected EFAULT or a "
			"short count of 1..100, saw %lld (errno %d)", n, errno);
	UT_EQ(pread(fd, chk, sizeof(chk), 0x2000), (long long)sizeof(chk));
	if (n > 0) {
		UT_EQ(tu_first_not(chk, n, 0xEE), -1);
		UT_EQ(tu_first_not(chk + n, sizeof(chk) - n, 0), -1);
	}
	munmap(two, ps);
	close(fd);
}

UT_TEST(C2_busybox_dd_roundtrip, PARAMS)
{
	unsigned char *a = tu_xmalloc(S0), *b = tu_xmalloc(S0);
	int fd, st;
	struct stat sb;

	st = ut_sh("mkdir -p /tmp/ut_dd && "
		   "dd if=/dev/urandom of=/tmp/ut_dd/r bs=4096 count=16 "
		   "2>/dev/null && "
		   "dd if=/tmp/ut_dd/r of=/dev/udmabuf0 bs=4096 2>/dev/null "
		   "&& dd if=/dev/udmabuf0 of=/tmp/ut_dd/o bs=1000 "
		   "2>/dev/null && cmp /tmp/ut_dd/r /tmp/ut_dd/o");
	UT_EQ(st, 0);
	UT_OK(stat("/tmp/ut_dd/o", &sb));
	UT_EQ(sb.st_size, (long long)S0);

	/* the device holds exactly what dd wrote */
	fd = open("/tmp/ut_dd/r", O_RDONLY);
	UT_ASSERT(fd >= 0);
	UT_EQ(tu_pread_all(fd, a, S0, 0), (long long)S0);
	close(fd);
	fd = ut_open_dev("udmabuf0", O_RDONLY);
	UT_EQ(tu_pread_all(fd, b, S0, 0), (long long)S0);
	UT_EQ(tu_first_diff(b, a, S0), -1);

	/* dd with skip= and seek= (lseek) */
	st = ut_sh("dd if=/dev/udmabuf0 of=/tmp/ut_dd/b15 bs=4096 skip=15 "
		   "count=1 2>/dev/null && "
		   "dd if=/tmp/ut_dd/b15 of=/dev/udmabuf0 bs=4096 seek=2 "
		   "count=1 conv=notrunc 2>/dev/null");
	UT_EQ(st, 0);
	UT_EQ(tu_pread_all(fd, b, 4096, 2 * 4096), 4096);
	UT_EQ(tu_first_diff(b, a + 15 * 4096, 4096), -1);

	/* writing more than the buffer holds fails at the end */
	st = ut_sh("dd if=/dev/zero of=/dev/udmabuf0 bs=4096 count=17 "
		   "2>/dev/null");
	if (st == 0)
		UT_FAIL("dd of 17 blocks into a 16-block buffer: expected a "
			"failing exit status, saw 0");
	UT_EQ(tu_pread_all(fd, b, S0, 0), (long long)S0);
	UT_EQ(tu_first_not(b, S0, 0), -1);
	close(fd);
	ut_sh("rm -rf /tmp/ut_dd");
	free(a);
	free(b);
}

static void owner_cpu_x(const char *dev)
{
	UT_OK(ut_sysfs_write(dev, "sync_for_cpu", "1"));
	UT_EQU(ut_sysfs_u64(dev, "sync_owner"), 0);
}

/*
 * fsync(), fdatasync() and msync(MS_SYNC) of a mapping (numpy.memmap's
 * flush()) succeed and hand the buffer to the device; data stays as written.
 * The cache maintenance itself: t_dmasync.c.
 */
UT_TEST(C2_fsync_and_msync, PARAMS)
{
	size_t ps = tu_page_size(), len1 = (S1 + ps - 1) / ps * ps;
	int fd = ut_open_dev("udmabuf0", O_RDWR);
	unsigned char *m = tu_mmap(fd, S0, 0, PROT_READ | PROT_WRITE,
				   MAP_SHARED);
	unsigned char back[64];

	UT_ASSERT(m != NULL);
	memset(m, 0x77, S0);
	owner_cpu_x("udmabuf0");
	UT_OK(msync(m, S0, MS_SYNC));
	UT_EQU(ut_sysfs_u64("udmabuf0", "sync_owner"), 1);
	owner_cpu_x("udmabuf0");
	UT_OK(msync(m + ps, ps, MS_SYNC | MS_INVALIDATE));
	UT_EQU(ut_sysfs_u64("udmabuf0", "sync_owner"), 1);
	owner_cpu_x("udmabuf0");
	UT_OK(fsync(fd));
	UT_EQU(ut_sysfs_u64("udmabuf0", "sync_owner"), 1);
	owner_cpu_x("udmabuf0");
	UT_OK(fdatasync(fd));
	UT_EQU(ut_sysfs_u64("udmabuf0", "sync_owner"), 1);
	UT_EQ(pread(fd, back, sizeof(back), S0 - sizeof(back)),
	      (long long)sizeof(back));
	UT_EQ(tu_first_not(back, sizeof(back), 0x77), -1);
	munmap(m, S0);
	close(fd);

	/* a mapping that reaches past the end of the buffer; a read-only file */
	fd = ut_open_dev("udmabuf1", O_RDWR);
	m = tu_mmap(fd, len1, 0, PROT_READ | PROT_WRITE, MAP_SHARED);
	UT_ASSERT(m != NULL);
	owner_cpu_x("udmabuf1");
	UT_OK(msync(m, len1, MS_SYNC));
	UT_EQU(ut_sysfs_u64("udmabuf1", "sync_owner"), 1);
	munmap(m, len1);
	close(fd);
	fd = ut_open_dev("udmabuf1", O_RDONLY);
	owner_cpu_x("udmabuf1");
	UT_OK(fsync(fd));
	UT_EQU(ut_sysfs_u64("udmabuf1", "sync_owner"), 1);
	close(fd);
}

/* C5: a new buffer reads as zeros, through read() and mmap() */
UT_TEST(C5_new_buffer_reads_zeros, "udmabuf0=0x100000 udmabuf1=10000")
{
	unsigned char *b = tu_xmalloc(TU_MIB);
	int fd = ut_open_dev("udmabuf0", O_RDWR);
	unsigned char *m;

	UT_EQ(tu_pread_all(fd, b, TU_MIB, 0), (long long)TU_MIB);
	UT_EQ(tu_first_not(b, TU_MIB, 0), -1);
	m = tu_mmap(fd, TU_MIB, 0, PROT_READ, MAP_SHARED);
	UT_ASSERT(m != NULL);
	UT_EQ(tu_first_not(m, TU_MIB, 0), -1);
	munmap(m, TU_MIB);
	close(fd);

	/* also the tail of the last page of a size that is not a multiple */
	fd = ut_open_dev("udmabuf1", O_RDWR);
	m = tu_mmap(fd, 3 * 4096, 0, PROT_READ, MAP_SHARED);
	UT_ASSERT(m != NULL);
	UT_EQ(tu_first_not(m, 3 * 4096, 0), -1);
	munmap(m, 3 * 4096);
	close(fd);
	free(b);
}

/* C5: re-creating a deleted buffer (same name, minor, size) gives zeros */
UT_TEST(C5_recreated_buffer_reads_zeros, "")
{
	size_t sz = 0x40000;
	unsigned char *b = tu_xmalloc(sz);

	for (int i = 0; i < 4; i++) {
		int fd;

		tu_mgr_create_x("c5buf", "0x40000", "minor=7");
		UT_EQ(tu_minor_x("c5buf"), 7);
		fd = ut_open_dev("c5buf", O_RDWR);
		UT_EQ(tu_pread_all(fd, b, sz, 0), (long long)sz);
		if (tu_first_not(b, sz, 0) >= 0)
			UT_FAIL("round %d: new buffer: expected zeros, first "
				"non-zero byte at %lld", i,
				tu_first_not(b, sz, 0));
		memset(b, 0xA5, sz);
		UT_EQ(tu_pwrite_all(fd, b, sz, 0), (long long)sz);
		close(fd);
		tu_mgr_delete_x("c5buf");
	}
	free(b);
}

/* C5: the same after rmmod/insmod with the same parameters */
UT_TEST(C5_reloaded_buffer_reads_zeros, UT_NOLOAD)
{
	size_t sz = 0x40000;
	unsigned char *b = tu_xmalloc(sz);

	for (int i = 0; i < 3; i++) {
		int fd;

		UT_EQ(ut_load("udmabuf0=0x40000"), 0);
		fd = ut_open_dev("udmabuf0", O_RDWR);
		UT_EQ(tu_pread_all(fd, b, sz, 0), (long long)sz);
		if (tu_first_not(b, sz, 0) >= 0)
			UT_FAIL("load %d: expected zeros, first non-zero "
				"byte at %lld", i, tu_first_not(b, sz, 0));
		memset(b, 0x5A, sz);
		UT_EQ(tu_pwrite_all(fd, b, sz, 0), (long long)sz);
		close(fd);
		UT_EQ(ut_unload(), 0);
	}
	free(b);
}
