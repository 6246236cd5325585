// SPDX-License-Identifier: GPL-2.0
/*
 * pkg-smoke: the package test's check of one buffer in the guest booted
 * from the Debian root file system (scripts/check-package.sh): the module
 * that DKMS built there must give a working buffer.
 *
 *   pkg-smoke <name> <expected size in bytes>
 *
 * Checks that the size from the ioctl and from sysfs is the expected one,
 * that the DMA address from the ioctl is sysfs' phys_addr and not 0, that
 * a pattern written through mmap() (then synced for the device) reads back
 * through read() and through a second mapping (after a sync for the CPU).
 * Prints one line, "ok ..." or "error: ...", and exits 0 only if all held.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/u-dma-buf.h>

static const char *name;

static int fail(const char *what)
{
	printf("error: %s: %s%s%s\n", name, what, errno ? ": " : "",
	       errno ? strerror(errno) : "");
	return 1;
}

/* a sysfs attribute of the buffer as a number (decimal or 0x hex) */
static int sysfs_u64(const char *attr, unsigned long long *val)
{
	char path[256], text[64], *end;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/class/u-dma-buf/%s/%s", name, attr);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	text[n] = '\0';
	errno = 0;
	*val = strtoull(text, &end, 0);
	if (errno || end == text)
		return -1;
	return 0;
}

static unsigned char pattern(size_t i)
{
	return (unsigned char)((i * 2654435761u) >> 13);
}

int main(int argc, char **argv)
{
	unsigned long long want, sys_size, sys_addr;
	__u64 size = 0, addr = 0, arg;
	unsigned char *map, *buf;
	size_t i;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: %s <name> <size>\n", argv[0]);
		return 2;
	}
	name = argv[1];
	want = strtoull(argv[2], NULL, 0);
	errno = 0;
	{
		char dev[256];

		snprintf(dev, sizeof(dev), "/dev/%s", name);
		fd = open(dev, O_RDWR);
	}
	if (fd < 0)
		return fail("open /dev/<name>");
	if (ioctl(fd, U_DMA_BUF_IOCTL_GET_SIZE, &size) < 0)
		return fail("ioctl GET_SIZE");
	if (ioctl(fd, U_DMA_BUF_IOCTL_GET_DMA_ADDR, &addr) < 0)
		return fail("ioctl GET_DMA_ADDR");
	errno = 0;
	if (sysfs_u64("size", &sys_size) || sysfs_u64("phys_addr", &sys_addr))
		return fail("reading sysfs size/phys_addr");
	if (size != want || sys_size != want) {
		printf("error: %s: size %llu (ioctl), %llu (sysfs), expected %llu\n",
		       name, (unsigned long long)size, sys_size, want);
		return 1;
	}
	if (addr == 0 || addr != sys_addr) {
		printf("error: %s: DMA address 0x%llx (ioctl), 0x%llx (sysfs phys_addr)\n",
		       name, (unsigned long long)addr, sys_addr);
		return 1;
	}

	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return fail("mmap");
	for (i = 0; i < size; i++)
		map[i] = pattern(i);
	arg = U_DMA_BUF_SYNC_ARG(0, size, U_DMA_BUF_DIR_TO_DEVICE);
	if (ioctl(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_DEVICE, &arg) < 0)
		return fail("ioctl SET_SYNC_FOR_DEVICE");
	munmap(map, size);

	/* size > 0: a mapping of 0 bytes failed above */
	/* NOLINTNEXTLINE(clang-analyzer-optin.portability.UnixAPI) */
	buf = malloc(size);
	if (!buf)
		return fail("malloc");
	if (pread(fd, buf, size, 0) != (ssize_t)size)
		return fail("pread of the whole buffer");
	for (i = 0; i < size; i++)
		if (buf[i] != pattern(i)) {
			printf("error: %s: read() gives 0x%02x at %zu, mmap wrote 0x%02x\n",
			       name, buf[i], i, pattern(i));
			return 1;
		}

	arg = U_DMA_BUF_SYNC_ARG(0, size, U_DMA_BUF_DIR_FROM_DEVICE);
	if (ioctl(fd, U_DMA_BUF_IOCTL_SET_SYNC_FOR_CPU, &arg) < 0)
		return fail("ioctl SET_SYNC_FOR_CPU");
	map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return fail("second mmap");
	if (memcmp(map, buf, size)) {
		printf("error: %s: a second mapping differs from what was written\n", name);
		return 1;
	}
	munmap(map, size);
	free(buf);
	close(fd);
	printf("ok %s: %llu bytes at DMA address 0x%llx, mmap/read/sync round trip\n",
	       name, (unsigned long long)size, (unsigned long long)addr);
	return 0;
}
