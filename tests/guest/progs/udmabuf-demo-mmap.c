// SPDX-License-Identifier: GPL-2.0
/*
 * udmabuf-demo-mmap [NAME]: the mmap step of `make demo`.
 *
 * Maps /dev/NAME (default udmabuf0) whole, shows the first bytes the buffer
 * holds, writes a message through the mapping and reads it back with
 * pread(2) on the same file: both paths reach the same memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int die(const char *what)
{
	fprintf(stderr, "udmabuf-demo-mmap: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "udmabuf0";
	static const char msg[] = "hello, written through mmap";
	char path[256], text[64], back[sizeof(msg)];
	unsigned long size;
	unsigned char *p;
	FILE *f;
	int fd, i;

	snprintf(path, sizeof(path), "/sys/class/u-dma-buf/%s/size", name);
	f = fopen(path, "r");
	if (!f || !fgets(text, sizeof(text), f))
		return die(path);
	fclose(f);
	size = strtoul(text, NULL, 0);

	snprintf(path, sizeof(path), "/dev/%s", name);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return die(path);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return die("mmap");
	printf("mapped %s: %lu bytes\n", path, size);

	printf("first 16 bytes through the mapping:");
	for (i = 0; i < 16; i++)
		printf(" %02x", p[i]);
	printf("\n");

	memcpy(p + 4096, msg, sizeof(msg));
	printf("wrote \"%s\" at offset 4096 through the mapping\n", msg);
	if (pread(fd, back, sizeof(back), 4096) != (ssize_t)sizeof(back))
		return die("pread");
	printf("pread() at offset 4096 returns \"%s\"\n", back);
	if (memcmp(back, msg, sizeof(msg)) != 0) {
		printf("MISMATCH: read() and the mapping disagree\n");
		return 1;
	}
	printf("mapping and read() see the same memory\n");
	munmap(p, size);
	close(fd);
	return 0;
}
