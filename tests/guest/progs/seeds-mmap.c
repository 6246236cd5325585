/* ut-cflags: -Wno-pointer-sign -Wno-sign-compare */
// SPDX-License-Identifier: GPL-2.0
/*
 * seeds-mmap WHICH: the mapping fragments of the specification seeds
 * (/work/shared/seeds/001_b6578516f543f884.txt, blocks headed
 * `C:u-dma-buf_test.c`) assembled into a program as its author would: the
 * "size" fragment gives buf_size, then one of the open/mmap/close fragments
 * maps /dev/udmabuf0, and the seeds' own check_buf() is the "read/write
 * access to the buffer" their comments ask for (run after the fragment,
 * through the mapping that outlives close()).  The fragments are verbatim
 * between the "seed fragment" markers (their unsigned char * passed as
 * char *, and check_buf()'s int index against an unsigned size, need the
 * ut-cflags line above).  WHICH:
 *   dev     seed line 467: O_RDWR ("/dev/<device-name>")
 *   cached  seed lines 767 and 1117 (the same text): O_RDWR, cache enabled
 *   osync   seed line 797: O_RDWR | O_SYNC, cache disabled
 *
 * Then the buffer is read back with read(2) through a new file opened with
 * the same flags, and the program prints
 *   buf_size=<n> check_buf=<errors> readback_mismatch=<first bad offset or -1>
 * Exit status 0 if the mapping was made, 1 if not, 2 for an unknown WHICH.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

int check_buf(unsigned char* buf, unsigned int size)
{
    int m = 256;
    int n = 10;
    int i, k;
    int error_count = 0;
    while(--n > 0) {
      for(i = 0; i < size; i = i + m) {
        m = (i+256 < size) ? 256 : (size-i);
        for(k = 0; k < m; k++) {
          buf[i+k] = (k & 0xFF);
        }
        for(k = 0; k < m; k++) {
          if (buf[i+k] != (k & 0xFF)) {
            error_count++;
          }
        }
      }
    }
    return error_count;
}
int clear_buf(unsigned char* buf, unsigned int size)
{
    int n = 100;
    int error_count = 0;
    while(--n > 0) {
      memset((void*)buf, 0, size);
    }
    return error_count;
}

/* what check_buf() leaves: byte k of every 256-byte block holds k */
static long long readback(int flags, unsigned int size)
{
	unsigned char *copy = malloc(size);
	long long bad = -2;
	ssize_t got = 0, r;
	int fd = open("/dev/udmabuf0", flags);

	if (!copy || fd < 0)
		return -3;
	while ((size_t)got < size) {
		r = pread(fd, copy + got, size - got, got);
		if (r <= 0)
			break;
		got += r;
	}
	if ((size_t)got == size) {
		bad = -1;
		for (unsigned int p = 0; p < size; p++)
			if (copy[p] != (p & 0xFF)) {
				bad = p;
				break;
			}
	}
	close(fd);
	free(copy);
	return bad;
}

static int seed_dev(void)
{
	int fd;
	unsigned char *buf = MAP_FAILED;
	int errors;

	/* ---- seed fragment 3 (size, seed line 511), verbatim ---- */
    unsigned char  attr[1024];
    unsigned int   buf_size;
    if ((fd  = open("/sys/class/u-dma-buf/udmabuf0/size", O_RDONLY)) != -1) {
        read(fd, attr, 1024);
        sscanf(attr, "%d", &buf_size);
        close(fd);
    }
	/* ---- end of seed fragment 3 ---- */
	/* ---- seed fragment 1 (mmap dev, seed line 467), verbatim ---- */
    if ((fd  = open("/dev/udmabuf0", O_RDWR)) != -1) {
        buf = mmap(NULL, buf_size, PROT_READ|PROT_WRITE, MAP_SHARED, fd, 0);
        /* Do some read/write access to buf */
        close(fd);
    }
	/* ---- end of seed fragment 1 ---- */
	if (buf == MAP_FAILED) {
		printf("no mapping\n");
		return 1;
	}
	errors = check_buf(buf, buf_size);
	printf("buf_size=%u check_buf=%d readback_mismatch=%lld\n", buf_size,
	       errors, readback(O_RDWR, buf_size));
	return 0;
}

static int seed_cached(void)
{
	int fd;
	unsigned char *buf = MAP_FAILED;
	int errors;

	/* ---- seed fragment 3 (size, seed line 511), verbatim ---- */
    unsigned char  attr[1024];
    unsigned int   buf_size;
    if ((fd  = open("/sys/class/u-dma-buf/udmabuf0/size", O_RDONLY)) != -1) {
        read(fd, attr, 1024);
        sscanf(attr, "%d", &buf_size);
        close(fd);
    }
	/* ---- end of seed fragment 3 ---- */
	/* ---- seed fragment 14 (mmap cached, seed line 767), verbatim ---- */
    /* To enable CPU cache on the DMA buffer, */
    /* open u-dma-buf without specifying the `O_SYNC` flag. */
    if ((fd  = open("/dev/udmabuf0", O_RDWR)) != -1) {
        buf = mmap(NULL, buf_size, PROT_READ|PROT_WRITE, MAP_SHARED, fd, 0);
        /* Read/write access to the buffer */
        close(fd);
    }
	/* ---- end of seed fragment 14 ---- */
	if (buf == MAP_FAILED) {
		printf("no mapping\n");
		return 1;
	}
	errors = check_buf(buf, buf_size);
	printf("buf_size=%u check_buf=%d readback_mismatch=%lld\n", buf_size,
	       errors, readback(O_RDWR, buf_size));
	return 0;
}

static int seed_osync(void)
{
	int fd;
	unsigned char *buf = MAP_FAILED;
	int errors;

	/* ---- seed fragment 3 (size, seed line 511), verbatim ---- */
    unsigned char  attr[1024];
    unsigned int   buf_size;
    if ((fd  = open("/sys/class/u-dma-buf/udmabuf0/size", O_RDONLY)) != -1) {
        read(fd, attr, 1024);
        sscanf(attr, "%d", &buf_size);
        close(fd);
    }
	/* ---- end of seed fragment 3 ---- */
	/* ---- seed fragment 15 (mmap osync, seed line 797), verbatim ---- */
    /* To disable CPU cache on the DMA buffer, */
    /* open u-dma-buf with the `O_SYNC` flag. */
    if ((fd  = open("/dev/udmabuf0", O_RDWR | O_SYNC)) != -1) {
        buf = mmap(NULL, buf_size, PROT_READ|PROT_WRITE, MAP_SHARED, fd, 0);
        /* Read/write access to the buffer */
        close(fd);
    }
	/* ---- end of seed fragment 15 ---- */
	if (buf == MAP_FAILED) {
		printf("no mapping\n");
		return 1;
	}
	errors = check_buf(buf, buf_size);
	printf("buf_size=%u check_buf=%d readback_mismatch=%lld\n", buf_size,
	       errors, readback(O_RDWR | O_SYNC, buf_size));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "dev"))
		return seed_dev();
	if (argc == 2 && !strcmp(argv[1], "cached"))
		return seed_cached();
	if (argc == 2 && !strcmp(argv[1], "osync"))
		return seed_osync();
	fprintf(stderr, "usage: seeds-mmap dev|cached|osync\n");
	return 2;
}
